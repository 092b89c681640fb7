import { Construct } from 'constructs';
import { checkHostname, checkPort, checkRequiredObject, constructRefusal, invalid, NetworkPeer, PASSWORD_KEY_RULE, SecretKey } from '../core';
import { checkMaxClients } from './max-clients';
import { IRedis } from './redis-ref';

/** Props of an `ExternalRedis`. */
export interface ExternalRedisProps {
  /** The server's host name, e.g. a managed cluster's private host. */
  readonly host: string;
  /**
   * The server's port.
   *
   * @default 6379
   */
  readonly port?: number;
  /**
   * Whether to connect with TLS. Managed services such as DigitalOcean's accept only TLS.
   *
   * @default true
   */
  readonly tls?: boolean;
  /**
   * The ACL user, e.g. `default` on DigitalOcean.
   *
   * @default - none: the password alone authenticates the default user
   */
  readonly username?: string;
  /**
   * The password, in a Secret. Kubernetes expands it into Redis URLs inside the pods (`$(REDIS_PASSWORD)`, unescaped),
   * so it may hold only what a URL's userinfo takes as it is: letters, digits and `-._~!$&'()*+,;=:@` (RFC 3986;
   * Go's net/url refuses the rest, `/ ? # % ^ { } | [ ] " < > \`, the backquote, white space and non-ASCII among them, as
   * "invalid userinfo"): with another, Harbor's core fails to start,
   * and its jobservice and Trivy adapter fail printing the whole URL, password included, to their logs
   * (goharbor/harbor v2.15.1 src/jobservice/config/config.go:175, harbor-scanner-trivy v0.36.0 pkg/redisx/pool.go).
   * A synth with `LocalSecretStore` refuses a value given from outside that holds another, naming its variable.
   * Managed services' generated passwords (DigitalOcean's `AVNS_…`) are safe; Dockyard's own are.
   */
  readonly password: SecretKey;
  /**
   * A CA bundle that verifies the server, when its certificate is not publicly trusted.
   *
   * @default - the system trust store
   */
  readonly caCertificate?: SecretKey;
  /**
   * The most client connections the server accepts: its `maxclients`, which `redis-cli INFO clients` prints (Valkey
   * src/server.c, `maxclients:`), or the plan's limit a managed service states. Past it the server refuses each new
   * connection ("ERR max number of clients reached"; over TLS it drops it unanswered, valkey src/networking.c
   * `acceptCommonHandler`), which Harbor's components meet under load or while a rollout runs old and new pods side
   * by side. Given, a `Harbor` sizes the Redis pools it can set (core's, the registry's) so that every pod's most,
   * rollouts counted, fits with 4 connections left free (Valkey keeps none for an admin: an operator's `valkey-cli`
   * and the provider's own clients count against `maxclients` too), and refuses at synth a limit too small for its
   * replicas. A `Harbor` given two `ExternalRedis` of one server (`redis`, `registryCache`: one port, and hosts its
   * pods resolve alike, such as `valkey.cache` and `valkey.cache.svc`) takes the limit from whichever states it, and
   * refuses two different ones.
   *
   * @default - not known: Harbor's pools keep their upstream sizes (the registry's 500, core's 10 per CPU)
   */
  readonly maxClients?: number;
}

/** A Redis-compatible server that Dockyard does not run: a managed Valkey or Redis, TLS by default. */
export class ExternalRedis extends Construct implements IRedis {
  public readonly host: string;
  public readonly port: number;
  public readonly tls: boolean;
  public readonly username?: string;
  public readonly password: SecretKey;
  public readonly caCertificate?: SecretKey;
  public readonly maxClients?: number;

  public constructor(scope: Construct, id: string, props: ExternalRedisProps) {
    super(scope, id);
    // a refusal names the server (`constructRefusal`): a stack may hold several, a Harbor's redis and registryCache
    try {
      this.host = checkHostname('host', props.host);
      this.port = checkPort('port', props.port ?? 6379);
      this.tls = props.tls ?? true;
      if (props.username !== undefined && !/^[A-Za-z0-9._-]+$/.test(props.username)) {
        invalid('username', props.username, 'must be a URL-safe ACL user name: letters, digits, ".", "_" or "-"');
      }
      this.username = props.username;
      this.password = checkRequiredObject('password', props.password, PASSWORD_KEY_RULE, SecretKey);
      if (props.caCertificate && !this.tls) {
        invalid('caCertificate', props.caCertificate.toString(), 'needs tls: true');
      }
      this.caCertificate = props.caCertificate;
      this.maxClients = checkMaxClients('maxClients', props.maxClients);
    } catch (e) {
      throw constructRefusal('ExternalRedis', this, e);
    }
  }

  public grantConnect(_peer: NetworkPeer): void {
    // the server is outside the cluster: access is governed by its own firewall
  }
}
