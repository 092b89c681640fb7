export * from './deploy-access';
export * from './git-provider';
export * from './pipeline-secret';
export * from './runner';
export * from './secrets-extension';
export * from './server';
export type { BuildEgressOptions, BuildEgressProps } from './build-egress';
export type { BuildNamespaceOptions } from './build-namespace';
