// Pulumi components. Kept apart from `lib/index.ts`, so cdk8s-only users never load Pulumi.
export * from './chart-deployment';
export * from './generated-secrets';
export * from './digitalocean';
