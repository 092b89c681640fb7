export * from './core';
export * from './postgres';
export * from './drone';
export * from './redis';
export * from './harbor';
export * from './registry';
export * from './diagram';
export * from './team';
