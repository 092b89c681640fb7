import { describeWoodpeckerProgram } from './digitalocean/woodpecker-program';

describeWoodpeckerProgram(true);
