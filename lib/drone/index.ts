export * from './deploy-access';
export * from './pipeline-secret';
export * from './runner';
export * from './secrets-extension';
export * from './log-storage';
export * from './server';
export * from './drone-ci';
export * from './build-admission-policy';
