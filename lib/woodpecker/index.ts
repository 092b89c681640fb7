export * from './server';
export * from './builds';
export * from './agent';
export * from './woodpecker-ci';
export * from './build-admission-policy';
