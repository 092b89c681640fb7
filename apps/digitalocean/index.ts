// The program `pulumi up` runs (Pulumi.yaml `main`), compiled to build/apps/digitalocean/index.js.
import * as pulumi from '@pulumi/pulumi';
import { readSettings, unknownSettingWarnings } from './config';
import { deployDigitalOcean } from './program';

const config = new pulumi.Config();
// a misspelt key sets nothing the program reads: say so, as the default stack does of a misspelt DOCKYARD_* variable
for (const warning of unknownSettingWarnings(Object.keys(pulumi.runtime.allConfig()), pulumi.getProject())) {
  void pulumi.log.warn(warning);
}
// the secrets as text, so that the program checks them before it registers anything (a blank value, or one pasted
// with its line break, is refused in one line that shows neither); it marks them secret again where it uses them
const outputs = deployDigitalOcean(
  readSettings((key) => config.get(key)), config.require('gitClientSecret'), config.get('imageMirrorPassword'),
  config.get('dockerHubToken'), config.get('cloneToken'),
);

export const harborUrl = outputs.harborUrl;
export const ciUrl = outputs.ciUrl;
export const droneUrl = outputs.droneUrl;
export const registryHost = outputs.registryHost;
export const adminPasswordCommand = outputs.adminPasswordCommand;
export const kubeconfig = outputs.kubeconfig;
export const loadBalancerIp = outputs.loadBalancerIp;
export const nextSteps = outputs.nextSteps;
