import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { invalid } from '../../core/validation';
import { checkDatabaseNodes, checkRegion, SMALLEST_DATABASE_SIZE } from './database-size';

/** Valkey accepts only TLS connections, on 25061, while `valkey_ssl` keeps its default `true` (do.md §2.2). */
export const VALKEY_PORT = 25061;

/** Args of a `ManagedValkey`. */
export interface ManagedValkeyArgs {
  /** The region, e.g. `nyc3`; the same as the Kubernetes cluster's so its nodes reach the private host. */
  readonly region: pulumi.Input<string>;
  /** The id of the DOKS cluster allowed through the database firewall (its only trusted source). */
  readonly kubernetesClusterId: pulumi.Input<string>;
  /**
   * The Valkey version; DigitalOcean currently supports only 8 (do.md §1.1).
   *
   * @default '8'
   */
  readonly version?: string;
  /**
   * The size slug.
   *
   * @default 'db-s-1vcpu-1gb'
   */
  readonly size?: string;
  /**
   * The number of nodes. More than 1 needs at least `db-s-1vcpu-2gb`.
   *
   * @default 1
   */
  readonly nodeCount?: number;
  /**
   * The VPC to place the cluster in; pass the Kubernetes cluster's VPC (`KubernetesCluster.vpcUuid`) so that
   * `host` is reachable from its pods.
   *
   * @default - the region's default VPC
   */
  readonly privateNetworkUuid?: pulumi.Input<string>;
  /**
   * The cluster's name in DigitalOcean.
   *
   * @default - the component name with a random suffix (Pulumi auto-naming)
   */
  readonly clusterName?: string;
  /**
   * Tags on the cluster.
   *
   * @default - none
   */
  readonly tags?: readonly string[];
}

/**
 * A DigitalOcean managed Valkey cluster (engine `valkey`), reachable only from one DOKS cluster.
 *
 * DigitalOcean discontinued managed Redis on 30 June 2025 in favour of Valkey (do.md §1.1, §7). Clients must use
 * TLS (`rediss://`); the certificate is from Let's Encrypt, so the public CA bundle verifies it. Harbor needs
 * chart ≥ 1.17 with `redis.external.tlsOptions.enable: true` (do.md §2.2).
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
    // check every input before registering anything
    const size = args.size ?? SMALLEST_DATABASE_SIZE;
    const nodeCount = args.nodeCount ?? 1;
    const version = args.version ?? '8';
    checkDatabaseNodes(size, nodeCount);
    checkRegion('region', args.region);
    if (!/^[1-9]\d*$/.test(version)) {
      invalid('version', version, 'must be a Valkey major version such as "8"');
    }
    super('dockyard:digitalocean:ManagedValkey', name, {}, opts);

    const cluster = new digitalocean.DatabaseCluster(`${name}-cluster`, {
      name: args.clusterName,
      engine: 'valkey',
      version,
      size,
      nodeCount,
      region: args.region,
      privateNetworkUuid: args.privateNetworkUuid,
      tags: args.tags ? [...args.tags] : undefined,
    }, { parent: this });

    new digitalocean.DatabaseFirewall(`${name}-firewall`, {
      clusterId: cluster.id,
      rules: [{ type: 'k8s', value: args.kubernetesClusterId }],
    }, { parent: this });

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
