// The program `pulumi up` runs (Pulumi.yaml `main`), compiled to build/apps/digitalocean/index.js.
import * as pulumi from '@pulumi/pulumi';
import { readSettings } from './config';
import { deployDigitalOcean } from './program';

const config = new pulumi.Config();
const outputs = deployDigitalOcean(
  readSettings((key) => config.get(key)), config.requireSecret('gitClientSecret'), config.getSecret('imageMirrorPassword'),
);

export const harborUrl = outputs.harborUrl;
export const ciUrl = outputs.ciUrl;
export const droneUrl = outputs.droneUrl;
export const registryHost = outputs.registryHost;
export const adminPasswordCommand = outputs.adminPasswordCommand;
export const kubeconfig = outputs.kubeconfig;
export const loadBalancerIp = outputs.loadBalancerIp;
export const nextSteps = outputs.nextSteps;
