export * from './database';
export * from './database-grants';
export * from './external-postgres';
export * from './postgres';
