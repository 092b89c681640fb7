// The program `pulumi up` runs (Pulumi.yaml `main`), compiled to build/apps/digitalocean/index.js.
import * as pulumi from '@pulumi/pulumi';
import { MARK_OUTPUT, previousMark } from '../../lib/pulumi/previous-mark';
import { readSettings, unknownSettingWarnings } from './config';
import { deployDigitalOcean } from './program';

const config = new pulumi.Config();
// a misspelt key sets nothing the program reads: say so, as the default stack does of a misspelt DOCKYARD_* variable
for (const warning of unknownSettingWarnings(Object.keys(pulumi.runtime.allConfig()), pulumi.getProject())) {
  void pulumi.log.warn(warning);
}
// read (and refused) before the previous mark is: a setting's refusal needs no read of the stack
const settings = readSettings((key) => config.get(key));
// the secrets as text, so that the program checks them before it registers anything (a blank value, or one pasted
// with its line break, is refused in one line that shows neither); it marks them secret again where it uses them
const gitClientSecret = config.require('gitClientSecret');

// the stack's outputs, once the mark the last update kept is read (a StackReference to this stack, which previews
// read too): the Pulumi language host awaits an exported promise and takes what it resolves to as the outputs, and
// prints a refusal it rejects with as its one line (@pulumi/pulumi 3.270.0 cmd/run/run.js:521-523, 368-379). Only as
// the program's own module: one that imports this from another entry point must export (or await) this export, or
// its run may end before the resources registered after the read (the SDK then waits only for the RPCs pending,
// runtime/settings.js waitForRPCs, and none may be between the read's end and the next registration), and its stack
// would not keep the mark
export = previousMark().then((mark) => {
  const outputs = deployDigitalOcean(settings, gitClientSecret, config.get('imageMirrorPassword'), config.get('dockerHubToken'),
    config.get('cloneToken'), mark);
  return {
    harborUrl: outputs.harborUrl,
    ciUrl: outputs.ciUrl,
    droneUrl: outputs.droneUrl,
    registryHost: outputs.registryHost,
    adminPasswordCommand: outputs.adminPasswordCommand,
    kubeconfig: outputs.kubeconfig,
    loadBalancerIp: outputs.loadBalancerIp,
    nextSteps: outputs.nextSteps,
    // the next run's previous output: names and images only, a plain output
    [MARK_OUTPUT]: outputs.mark,
  };
});
