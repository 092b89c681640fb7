// DigitalOcean components, the entry point `dockyard/pulumi/digitalocean`: apart from `dockyard/pulumi`, so Pulumi
// users on another cloud need not install @pulumi/digitalocean.
import { requirePeers } from '../peer-dependencies';
// Dockyard's input refusals and environment problems print as one line under Pulumi
import '../run-errors';

export { EnvironmentError } from '../run-errors';

requirePeers('dockyard/pulumi/digitalocean', ['@pulumi/pulumi', '@pulumi/kubernetes', '@pulumi/digitalocean']);

export * from './container-registry';
export * from './container-registry-regions';
export * from './database-size';
export * from './dns-records';
export * from './droplet-size';
export * from './ingress-stack';
export * from './kubernetes-cluster';
export * from './kubernetes-version';
export * from './managed-database';
export * from './managed-postgres';
export * from './managed-valkey';
export * from './spaces';
export * from './spaces-rules';
export * from './vpc-ip-range';
