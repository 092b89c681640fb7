import { describeWoodpeckerTeamsProgram } from './digitalocean/teams-program';

describeWoodpeckerTeamsProgram(false);
