import * as pulumi from '@pulumi/pulumi';
import { protectsData } from './data-protection';
import { databaseSettings, managedCluster, ManagedDatabaseArgs } from './managed-database';

/** Valkey accepts only TLS connections, on 25061, while `valkey_ssl` keeps its default `true` (do.md §2.2). */
export const VALKEY_PORT = 25061;

/** Args of a `ManagedValkey`. */
export interface ManagedValkeyArgs extends ManagedDatabaseArgs {
  /**
   * The Valkey version; DigitalOcean currently supports only 8 (do.md §1.1).
   *
   * @default - '8' when the cluster is created, and from then on whatever it runs
   */
  readonly version?: string;
}

/**
 * A DigitalOcean managed Valkey cluster (engine `valkey`), reachable only from one DOKS cluster.
 *
 * DigitalOcean discontinued managed Redis on 30 June 2025 in favour of Valkey (do.md §1.1, §7). Clients must use
 * TLS (`rediss://`); the certificate is from Let's Encrypt, so the public CA bundle verifies it. Harbor needs
 * chart ≥ 1.17 with `redis.external.tlsOptions.enable: true` (do.md §2.2).
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
    super('dockyard:digitalocean:ManagedValkey', name, {}, opts);
    const cluster = managedCluster(this, name, settings, args, protectsData(opts));

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
