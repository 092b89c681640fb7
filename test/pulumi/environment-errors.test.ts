import { describeEnvironmentErrors } from './environment-errors';

describeEnvironmentErrors(false);
