export * from './container-registry';
export * from './database-size';
export * from './kubernetes-cluster';
export * from './managed-database';
export * from './managed-postgres';
export * from './managed-valkey';
export * from './spaces';
