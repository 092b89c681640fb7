import { describeWoodpeckerProgram } from './digitalocean/woodpecker-program';

describeWoodpeckerProgram(false);
