export * from './credential';
export * from './node-mirror-files';
export * from './node-mirrors';
export * from './pull-secret';
export * from './relocation';
