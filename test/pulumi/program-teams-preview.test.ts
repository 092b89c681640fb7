import { describeTeamsProgram } from './digitalocean/teams-program';

describeTeamsProgram(true);
