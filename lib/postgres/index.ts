export * from './database';
export * from './database-grants';
export * from './external-postgres';
export * from './postgres';
export * from './reconciler';
export * from './reconcile-script';
export { shellWord, sqlIdentifier, sqlLiteral } from './sql';
