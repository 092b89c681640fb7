import { describeCloneLoginCaProgram } from './digitalocean/clone-login-ca-program';

describeCloneLoginCaProgram(true);
