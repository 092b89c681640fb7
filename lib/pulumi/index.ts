// Pulumi components, the entry point `dockyard/pulumi`. Kept apart from `lib/index.ts`, so cdk8s-only users never
// load (or install) Pulumi; the DigitalOcean components are a further entry point, `dockyard/pulumi/digitalocean`.
import { requirePeers } from './peer-dependencies';
// Dockyard's input refusals and environment problems print as one line under Pulumi
import './run-errors';

export { EnvironmentError } from './run-errors';

requirePeers('dockyard/pulumi', ['@pulumi/pulumi', '@pulumi/kubernetes', '@pulumi/random', '@pulumi/tls']);

export * from './chart-deployment';
export * from './generated-secrets';
