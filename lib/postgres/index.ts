export * from './database';
export * from './external-postgres';
export * from './postgres';
