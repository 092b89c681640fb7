import { checkInteger } from '../core';

/** Valkey's largest `maxclients` (UINT_MAX), the top of `checkMaxClients`' range. */
export const MAX_CLIENTS = 4294967295;

/**
 * Check a server's `maxClients`, if stated: a whole number in Valkey's own range for `maxclients`, 1 to UINT_MAX
 * (valkey-io/valkey 55bbbe09a3b37a98c907dbfbc225768ff253e84f src/config.c:3245, `createUIntConfig("maxclients", ..., 1,
 * UINT_MAX, ...)`). `ExternalRedis` checks its prop with it, and `Harbor` checks it again on an `IRedis` written by
 * hand, whose `maxClients` no construct checked: `Infinity` or `NaN` would size core's pools to `pool_size=Infinity`,
 * which go-redis refuses at start ("redis: invalid pool_size number", redis/go-redis v9.17.2 options.go:556).
 */
export function checkMaxClients(prop: string, value: number | undefined): number | undefined {
  return value === undefined ? undefined : checkInteger(prop, value, 1, MAX_CLIENTS);
}
