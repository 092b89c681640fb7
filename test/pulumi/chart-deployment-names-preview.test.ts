import { describeChartDeploymentNames } from './chart-deployment-names';

describeChartDeploymentNames(true);
