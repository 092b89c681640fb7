import { describeEnvironmentErrors } from './environment-errors';

describeEnvironmentErrors(true);
