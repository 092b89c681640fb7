export * from './server';
export * from './builds';
export * from './agent';
export * from './woodpecker-ci';
