import { describeTeamsMirrorProgram } from './digitalocean/teams-program';

describeTeamsMirrorProgram(true);
