import * as pulumi from '@pulumi/pulumi';
import { checkOneOf } from '../../core/validation';
import { protectsData } from './data-protection';
import { databaseSettings, managedCluster, ManagedDatabaseArgs } from './managed-database';

/** Valkey accepts only TLS connections, on 25061, while `valkey_ssl` keeps its default `true` (do.md §2.2). */
export const VALKEY_PORT = 25061;

/**
 * What a Valkey cluster does with a write once its memory is full: DigitalOcean's `eviction_policy` (digitalocean/openapi
 * 7c1300c specification/resources/databases/models/eviction_policy_model.yml), of which Dockyard offers the two that suit
 * Harbor's servers.
 */
export enum ValkeyEvictionPolicy {
  /** Refuse the write and keep every key; DigitalOcean's default. For Harbor's `redis`, which holds its job queue. */
  NO_EVICTION = 'noeviction',
  /** Evict the least recently used keys, whatever they are. For a cluster that holds only Harbor's `registryCache`. */
  ALL_KEYS_LRU = 'allkeys_lru',
}

/** Args of a `ManagedValkey`. */
export interface ManagedValkeyArgs extends ManagedDatabaseArgs {
  /**
   * The Valkey version; DigitalOcean currently supports only 8 (do.md §1.1).
   *
   * @default - '8' when the cluster is created, and from then on whatever it runs
   */
  readonly version?: string;
  /**
   * What the cluster does with a write once its memory is full. `noeviction`, DigitalOcean's own default ("Don't
   * evict any data, returns error when memory limit is reached", DigitalOcean's "How to Choose Eviction Policies on
   * Valkey Database Clusters"), is set explicitly, so that the program states it: Harbor's `redis` holds jobservice's
   * queue, whose keys have no TTL and must not be evicted. `allkeys_lru` suits a second cluster that holds nothing but
   * Harbor's `registryCache`.
   *
   * @default ValkeyEvictionPolicy.NO_EVICTION
   */
  readonly evictionPolicy?: ValkeyEvictionPolicy;
}

/**
 * A DigitalOcean managed Valkey cluster (engine `valkey`), reachable only from one DOKS cluster.
 *
 * DigitalOcean discontinued managed Redis on 30 June 2025 in favour of Valkey (do.md §1.1, §7). Clients must use
 * TLS (`rediss://`); the certificate is from Let's Encrypt, so the public CA bundle verifies it. Harbor needs
 * chart ≥ 1.17 with `redis.external.tlsOptions.enable: true` (do.md §2.2).
 *
 * It states no connection limit: no DigitalOcean page found gives managed Valkey's `maxclients` per plan (its "Memory
 * Usage for Valkey Database Clusters" gives memory only). Read it on first use (`INFO clients`, `maxclients`) and give
 * it to the `ExternalRedis` Harbor reads as `maxClients` (the DigitalOcean program's setting `valkeyMaxClients`), which
 * sizes Harbor's Redis pools to fit, with 4 connections left free for an operator's `valkey-cli`.
 *
 * The cluster is protected (Pulumi refuses to delete or replace it) unless the options say `protect: false`.
 */
export class ManagedValkey extends pulumi.ComponentResource {
  /** The DatabaseCluster's id. */
  public readonly clusterId: pulumi.Output<string>;
  /** The private host name, reachable from the cluster's VPC. */
  public readonly host: pulumi.Output<string>;
  /** The TLS port, 25061. */
  public readonly port: number;
  /** The user to log in as: Valkey's `default` user. */
  public readonly username: string;
  /** The `default` user's password; a Pulumi secret. */
  public readonly password: pulumi.Output<string>;

  public constructor(name: string, args: ManagedValkeyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // check every input before registering anything; DigitalOcean's options offer Valkey layouts of 1 to 3 nodes
    // (digitalocean/openapi 7c1300c specification/resources/databases/responses/options.yml, `valkey`)
    const settings = databaseSettings('valkey', args.version, args, 3);
    const evictionPolicy = checkOneOf('evictionPolicy', args.evictionPolicy ?? ValkeyEvictionPolicy.NO_EVICTION, Object.values(ValkeyEvictionPolicy));
    super('dockyard:digitalocean:ManagedValkey', name, {}, opts);
    const cluster = managedCluster(this, name, settings, args, protectsData(opts), { evictionPolicy });

    this.clusterId = cluster.id;
    this.host = cluster.privateHost;
    this.port = VALKEY_PORT;
    // the cluster's `user` output is `default` for Valkey (do.md §2.2)
    this.username = 'default';
    // the provider marks `password` secret only in the engine (additionalSecretOutputs); make it explicit
    this.password = pulumi.secret(cluster.password);
    this.registerOutputs({
      clusterId: this.clusterId,
      host: this.host,
      port: this.port,
      username: this.username,
      password: this.password,
    });
  }
}
