import { IConstruct } from 'constructs';
import { checkHostname, checkPort, NetworkPeer, SecretKey } from '../core';
import { EnvPart, envTemplate, EnvVars } from '../core/env';
import { percentEncode } from '../core/percent-encode';
import { ValueRule } from '../core/value-rules';

/** What a prop taking an `IRedis` accepts, in words, for messages. */
export const REDIS_RULE = 'must be an IRedis: a Redis or an ExternalRedis';

/**
 * A Redis-compatible server as its clients see it: Harbor's components consume this.
 *
 * Implemented by the in-cluster `Redis` and by `ExternalRedis` (a managed, TLS-only Valkey or Redis).
 */
export interface IRedis {
  /** The server's host name. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** Whether clients connect with TLS (`rediss://`). */
  readonly tls: boolean;
  /**
   * The ACL user clients log in as, if any.
   * @default none: clients log in with the password only (the `default` user)
   */
  readonly username?: string | undefined;
  /** The password. */
  readonly password: SecretKey;
  /**
   * A CA bundle that verifies the server, if its certificate is not publicly trusted.
   * @default none: the system's trusted CAs
   */
  readonly caCertificate?: SecretKey | undefined;
  /**
   * The most client connections the server accepts (its `maxclients`), if known: a whole number from 1 to 4294967295,
   * Valkey's range, which a Harbor refuses another than. A Harbor then sizes the Redis pools it can set so that its
   * pods, and those a rollout adds, fit, or refuses at synth.
   * @default none: not known, and Harbor's pools keep their upstream sizes
   */
  readonly maxClients?: number | undefined;
  /**
   * The construct that runs the server in the cluster, if Dockyard runs it.
   * @default none: a server outside Dockyard
   */
  readonly server?: IConstruct | undefined;
  /** Admit `peer` through the server's NetworkPolicy, where the server has one. */
  grantConnect(peer: NetworkPeer): void;
}

/** Options of `redisUrl`. */
export interface RedisUrlOptions {
  /** The logical database index. */
  readonly database: number;
  /** A query string without `?`, e.g. `idle_timeout_seconds=30`. */
  readonly query?: string;
}

/**
 * Add the password variable a Redis URL expands, and return the variable's name.
 *
 * The URL then carries `$(NAME)`, which Kubernetes replaces inside the pod: no credential is ever rendered. The
 * password must be URL-safe, as generated ones are.
 */
export function bindRedisPassword(env: EnvVars, redis: IRedis, name = 'REDIS_PASSWORD'): string {
  if (!env.has(name)) {
    env.secret(name, redis.password);
  }
  return name;
}

/**
 * What a password must be to go into a Redis URL as it is (`redisUrl` puts `$(<passwordVar>)` there, which Kubernetes
 * expands unescaped): the characters of a URL's userinfo that Go's net/url takes as they are (`validUserinfo` in
 * net/url/url.go; `%` starts an escape, which would change or refuse the value, and `/`, `?` or `#` end the
 * authority), as Harbor's components and its Trivy adapter parse their Redis URLs. With another, Harbor's core fails
 * to start, and its jobservice and Trivy adapter print the whole URL, password included (goharbor/harbor v2.15.1
 * src/jobservice/config/config.go:175).
 */
export const REDIS_URL_PASSWORD_RULE: ValueRule = {
  fits: (value) => /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/.test(value),
  allowed: 'must hold only letters, digits and -._~!$&\'()*+,;=:@, which a Redis URL takes as they are (no white space, %, /, ?, # or non-ASCII)',
};

/**
 * A `redis://` or `rediss://` URL whose password is a reference to `passwordVar`, for `EnvVars.interpolate`: it
 * renders as `$(passwordVar)`, and every other part is literal. Without `passwordVar` the URL names no password
 * (`redis://user@host:port/db`, or `redis://host:port/db` without a user): what Harbor's garbage collection schedule
 * keeps, described for a digest (`gcCaptureText`), is the URL core is given, so both are written here.
 *
 * An `IRedis` may be implemented anywhere, so its parts are escaped here, as `postgresUrl` escapes its own: the user
 * name is percent-encoded (`percentEncode`, which refuses a lone surrogate; Go's `net/url`, Harbor's components'
 * parser, decodes it back),
 * so `/`, `:` or `@` in it cannot end the user information and move the host. A host cannot be percent-encoded (Go's
 * `net/url` allows it only for non-ASCII bytes), so one that is not a DNS host name or an IPv4 address is refused, as
 * `ExternalRedis` refuses it; so is a port that is not one.
 */
export function redisUrl(redis: IRedis, passwordVar: string | undefined, options: RedisUrlOptions): EnvPart[] {
  const host = checkHostname('redis.host', redis.host);
  const port = checkPort('redis.port', redis.port);
  const scheme = redis.tls ? 'rediss' : 'redis';
  const username = redis.username === undefined ? '' : percentEncode('redis.username', redis.username);
  const query = options.query ? `?${options.query}` : '';
  if (passwordVar === undefined) {
    return envTemplate`${scheme}://${username}${username ? '@' : ''}${host}:${port}/${options.database}${query}`;
  }
  return envTemplate`${scheme}://${username}:${EnvVars.ref(passwordVar)}@${host}:${port}/${options.database}${query}`;
}
