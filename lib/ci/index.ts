export * from './events';
export * from './grants';
export * from './engine';
export { CLUSTER_DNS, PRIVATE_IPV4_RANGES, PRIVATE_IPV6_RANGES } from './build-egress';
export type { BuildEgressOptions, BuildEgressProps } from './build-egress';
export type { BuildNamespaceOptions } from './build-namespace';
export * from './git-provider';
export * from './server-protocol';
export * from './pipeline';
