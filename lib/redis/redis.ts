import { checkVersionChange } from '../core/version-changes';
import { checkValkeyImage, valkeyDowngrade } from './version-change';
import { Construct } from 'constructs';
import { checkInteger, checkKnownProps, checkOneOf, checkPositiveQuantity, checkStorageClassName, constructRefusal, Image, invalid, NetworkPeer, Resources, Secret, SecretKey, SecretValue } from '../core';
import { EnvVars } from '../core/env';
import { statefulSet } from '../core/deployment';
import { PodFirewall } from '../core/network';
import { placement } from '../core/placement';
import { emptyDir, ProbeHandler, probesOf } from '../core/pod';
import { clusterService, serviceHost } from '../core/service';
import { largestMaxMemoryMiB, smallestMemoryLimitMiB } from './memory-headroom';
import { IRedis } from './redis-ref';

/** What a `Redis` does with a write once its data fills `maxmemory` (`--maxmemory-policy`). */
export enum RedisMaxMemoryPolicy {
  /** Refuse the write and keep every key: for job queues and sessions. */
  NO_EVICTION = 'noeviction',
  /** Evict the least recently used keys, whatever they are: for a server that holds nothing but a cache. */
  ALL_KEYS_LRU = 'allkeys-lru',
}

/** Props of an in-cluster `Redis`. */
export interface RedisProps {
  /**
   * The name of the StatefulSet, Service and related objects.
   *
   * @default "redis"
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The server image: Valkey, the open-source Redis fork that managed services such as DigitalOcean now run.
   *
   * A synth refuses an older release than the previous output ran when it may not read the newer one's RDB format
   * (the server would exit at start) until the StatefulSet and its claim are deleted, then lets it through once with
   * `DOCKYARD_VERSION_CHANGE=<namespace>/<name>`: see the README, "Upgrading the components".
   *
   * @default Redis.IMAGE
   */
  readonly image?: Image;
  /**
   * The size of the data volume that keeps the append-only file, so queued jobs survive restarts.
   *
   * @default "1Gi"
   */
  readonly storageSize?: string;
  /**
   * The StorageClass of the data volume. `""` binds only a PersistentVolume made beforehand without a class.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The memory the server may use for data (`maxmemory`), in MiB; what happens past it is `maxMemoryPolicy`'s.
   * Harbor's registry keeps a descriptor of every blob, and one of every blob in every repository, in its cache
   * without expiry (goharbor/distribution release/2.8 `registry/storage/cache/redis/redis.go`: about 2.5 KB per
   * one-layer image in a repository of its own, test/integ/harbor-registry.integ.test.ts), and only a Harbor garbage
   * collection that deletes something clears it, all of it (goharbor/harbor v2.15.1
   * `src/jobservice/job/impl/gc/garbage_collection.go` `cleanCache`). On a server that evicts nothing, a busy proxy
   * cache so fills it for good unless the cache has a server of its own (Harbor's `registryCache`). Watch
   * `used_memory` against this, and raise it with the container's memory limit.
   *
   * @default 192
   */
  readonly maxMemoryMiB?: number;
  /**
   * What the server does with a write once its data fills `maxMemoryMiB` (`maxmemory-policy`). `noeviction` refuses
   * the write (`OOM command not allowed`) and keeps every key: right for Harbor's `redis`, which holds jobservice's
   * queue (db 1), whose keys have no TTL and must not be lost. `allkeys-lru` evicts the least recently used keys:
   * right only for a server that holds nothing but a cache, Harbor's `registryCache`, which the registry reads
   * through (a missing key is a miss that its storage answers; goharbor/distribution release/2.8
   * `registry/storage/cache/cachedblobdescriptorstore.go` `Stat`). A `Harbor` refuses an evicting server as its `redis`.
   *
   * @default RedisMaxMemoryPolicy.NO_EVICTION
   */
  readonly maxMemoryPolicy?: RedisMaxMemoryPolicy;
  /**
   * Requests and limits of the server container. The memory limit must hold `maxMemoryMiB` 2.2 times and 32 MiB
   * (`largestMaxMemoryMiB`): a rewrite of the append-only file forks the server, and on a server that takes writes
   * the copy-on-write can double its data.
   *
   * @default - 50m/256Mi requested, 500m/512Mi limit
   */
  readonly resources?: Resources;
}

/**
 * Every prop of a `Redis`, each key of `RedisProps`: typed by them, so that a prop added to `RedisProps` fails to
 * compile here until it is listed, rather than be refused as unknown.
 */
const REDIS_PROPS: Readonly<Record<keyof RedisProps, true>> = {
  name: true, namespace: true, image: true, storageSize: true, storageClassName: true, maxMemoryMiB: true, maxMemoryPolicy: true, resources: true,
};
const REDIS_PROP_KEYS = Object.keys(REDIS_PROPS);

const PORT = 6379;

/** `valkey-cli ping` on the server's port: it authenticates with REDISCLI_AUTH, so it takes no password argument. */
function ping(flags: string[]): ProbeHandler {
  return { exec: { command: ['valkey-cli', ...flags, '-p', String(PORT), 'ping'] } };
}

const CONFIG_DIR = '/etc/valkey';

/**
 * A hardened, password-protected Redis-compatible server (Valkey) in the cluster: a single-replica StatefulSet with
 * an append-only file on a volume, a generated password, and a NetworkPolicy that admits only granted clients.
 *
 * In-cluster traffic is plain TCP, confined by the NetworkPolicy; use `ExternalRedis` for a managed TLS server.
 */
export class Redis extends Construct implements IRedis {
  /** The default image. */
  public static readonly IMAGE = Image.of('docker.io/valkey/valkey:8.1.11');

  public readonly host: string;
  public readonly port = PORT;
  public readonly tls = false;
  public readonly username = undefined;
  public readonly password: SecretKey;
  public readonly caCertificate = undefined;
  /**
   * Not stated: the server keeps Valkey's default `maxclients`, 10000 (valkey-io/valkey src/config.c, `maxclients`),
   * which a Harbor's pools at their upstream sizes do not approach, so they are left as they are.
   */
  public readonly maxClients = undefined;
  public readonly server = this;
  /** What the server does with a write once its data fills `maxmemory`. */
  public readonly maxMemoryPolicy: RedisMaxMemoryPolicy;
  /** The namespace. */
  public readonly namespace: string;

  private readonly firewall: PodFirewall;

  public constructor(scope: Construct, id: string, props: RedisProps = {}) {
    super(scope, id);
    // a refusal names the server (`constructRefusal`): a stack may hold several, one per Harbor
    try {
      // an object (a JavaScript caller's null would throw a TypeError below), without a misspelt prop (`storagesize`),
      // which would otherwise be ignored and its default taken
      checkKnownProps('Redis', props, REDIS_PROP_KEYS, 'must be an object of RedisProps, e.g. { namespace: "cache" }');
      const image = props.image ?? Redis.IMAGE;
      checkValkeyImage(image);
      const { name, namespace, labels, selector } = placement(this, {
        app: 'redis', component: 'cache', name: props.name, defaultName: 'redis', namespace: props.namespace, version: image.tag,
      });
      this.namespace = namespace;
      this.host = serviceHost(name, namespace);
      const storageSize = props.storageSize ?? '1Gi';
      checkPositiveQuantity('storageSize', storageSize);
      const maxMemoryMiB = checkInteger('maxMemoryMiB', props.maxMemoryMiB ?? 192, 16);
      this.maxMemoryPolicy = checkOneOf('maxMemoryPolicy', props.maxMemoryPolicy ?? RedisMaxMemoryPolicy.NO_EVICTION, Object.values(RedisMaxMemoryPolicy));
      // the request holds the full data (so a node short of memory evicts this pod after those over their requests),
      // the limit that data twice over, for a rewrite of the append-only file (largestMaxMemoryMiB)
      const resources = props.resources ?? Resources.of({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '512Mi' });
      const most = largestMaxMemoryMiB(resources.memoryLimit);
      if (maxMemoryMiB > most) {
        // unset, 192 is the default: a Redis given its own resources under the old 256Mi default limit is refused on
        // upgrade for a value its code never named, so the line says where the value came from and what would take it
        const defaulted = props.maxMemoryMiB === undefined
          ? ` (${maxMemoryMiB} is the default: set maxMemoryMiB, or a memory limit of at least ${smallestMemoryLimitMiB(maxMemoryMiB)}Mi)` : '';
        invalid('maxMemoryMiB', maxMemoryMiB, `must be at most ${most} under the container's memory limit ${resources.memoryLimit}: ` +
          `an append-only file rewrite forks the server and can copy all its data, so the limit must hold 2.2 times maxmemory and 32 MiB; raise resources.memoryLimit${defaulted}`);
      }
      this.password = new Secret(this, 'Password', {
        name: `${name}-password`, namespace, values: { password: SecretValue.alphanumeric(32) },
      }).key('password');

      // the password lives in a config file from a Secret, so it never shows in the server's command line
      const config = new Secret(this, 'Config', {
        name: `${name}-config`, namespace, values: { 'valkey.conf': SecretValue.template('requirepass {password}\n', { password: this.password }) },
      });
      const env = new EnvVars(namespace);
      // valkey-cli reads the password from here, so the probe needs no argument either
      env.secret('REDISCLI_AUTH', this.password);

      const service = clusterService(this, 'Service', { name, namespace, labels, selector, ports: { redis: PORT } });
      statefulSet(this, 'Resource', {
        name, namespace, labels, selector,
        serviceName: service.name,
        claims: { data: { size: storageSize, storageClassName: checkStorageClassName('storageClassName', props.storageClassName) } },
        // the valkey user of the official Debian image
        runAs: { user: 999, group: 999 },
        containers: [{
          name: 'redis',
          image,
          command: ['valkey-server'],
          args: [`${CONFIG_DIR}/valkey.conf`, '--port', String(PORT), '--dir', '/data', '--appendonly', 'yes',
            '--maxmemory', `${maxMemoryMiB}mb`, '--maxmemory-policy', this.maxMemoryPolicy, '--save', ''],
          ports: { redis: PORT },
          env,
          mounts: [{ volume: 'data', path: '/data' }, { volume: 'config', path: CONFIG_DIR, readOnly: true }, { volume: 'tmp', path: '/tmp' }],
          // a server loading its AOF at start accepts connections (it listens first: valkey-io/valkey 55bbbe0, after
          // 8.0.1, src/server.c:7099, 7109) and answers every PING with "-LOADING ..." (:4182-4187) for as long as
          // the load takes, minutes for a large file; valkey-cli exits 0 on an error reply unless given -e
          // (src/valkey-cli.c:2217-2219, set_errcode 0 at :9534). So a loading server is alive, and no startup budget
          // need cover the load, but it is ready only with -e (a PONG), which also keeps a server whose password
          // differs from the probe's out of the Service
          probes: probesOf(ping([]), 60, ping(['-e'])),
          resources,
        }],
        volumes: [{ name: 'config', secret: { secretName: config.secretName } }, emptyDir('tmp', '16Mi')],
      });
      // an older server refuses the append-only file a newer one wrote: refused at synth against the previous output
      checkVersionChange(this, {
        kind: 'StatefulSet', namespace, name, container: 'redis', prop: 'image', image, check: (before, after) => valkeyDowngrade(name, before, after),
      });
      this.firewall = new PodFirewall(this, 'NetworkPolicy', { name, namespace, podLabels: selector, denyEgress: true });
    } catch (e) {
      throw constructRefusal('Redis', this, e);
    }
  }

  public grantConnect(peer: NetworkPeer): void {
    this.firewall.allow(peer, PORT);
  }
}
