import { describeTeamsMirrorProgram } from './digitalocean/teams-program';

describeTeamsMirrorProgram(false);
