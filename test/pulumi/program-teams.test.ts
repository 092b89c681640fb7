import { describeTeamsProgram } from './digitalocean/teams-program';

describeTeamsProgram(false);
