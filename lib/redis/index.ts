export * from './external-redis';
export * from './redis';
export type { IRedis } from './redis-ref';
