import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { checkUniqueList, invalid } from '../../core/validation';
import { checkDatabaseNodes, checkRegion, databaseMemoryGb, SMALLEST_DATABASE_SIZE } from './database-size';

/** DigitalOcean managed PostgreSQL listens on 25060 with TLS required (do.md §2.1); pools use 25061. */
export const POSTGRES_PORT = 25060;

/**
 * The connections a client can open on a managed PostgreSQL cluster of `size`: DigitalOcean provides 25 per GB
 * of RAM and reserves 3 for maintenance (DO "Manage Connection Pools", do.md §2.1). So `db-s-1vcpu-1gb` gives 22,
 * `db-s-1vcpu-2gb` 47 and `db-s-2vcpu-4gb` 97.
 *
 * Throws a `ValidationError` for a slug that isn't `db-s-<vcpu>vcpu-<N>gb`.
 */
export function connectionLimit(size: string): number {
  return 25 * databaseMemoryGb(size) - 3;
}

/** One database in a `ManagedPostgres` cluster, and the role the application logs in as. */
export interface ManagedPostgresDatabase {
  /** The database's name, e.g. `registry` for Harbor or `drone` for Drone. */
  readonly name: string;
  /** The role that logs in to it, e.g. `harbor`; several databases may share one role. */
  readonly user: string;
}

/** Args of a `ManagedPostgres`. */
export interface ManagedPostgresArgs {
  /** The region, e.g. `nyc3`; the same as the Kubernetes cluster's so its nodes reach the private host. */
  readonly region: pulumi.Input<string>;
  /** The id of the DOKS cluster allowed through the database firewall (its only trusted source). */
  readonly kubernetesClusterId: pulumi.Input<string>;
  /** The databases to create, each with its role. */
  readonly databases: readonly ManagedPostgresDatabase[];
  /**
   * The PostgreSQL major version.
   *
   * @default '17'
   */
  readonly version?: string;
  /**
   * The size slug. It fixes `connectionLimit`.
   *
   * @default 'db-s-1vcpu-1gb'
   */
  readonly size?: string;
  /**
   * The number of nodes: 1 primary plus up to 2 standbys. More than 1 needs at least `db-s-1vcpu-2gb`.
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
 * A DigitalOcean managed PostgreSQL cluster with one database and one role per declared database, reachable only
 * from one DOKS cluster.
 *
 * New roles get the `normal` role (do.md §1.2); DigitalOcean grants them no privileges on the databases, so the
 * application's schema owner must be set up afterwards (e.g. `GRANT ALL ON DATABASE registry TO harbor`).
 * Clients connect with `sslmode=require`.
 */
export class ManagedPostgres extends pulumi.ComponentResource {
  /** The DatabaseCluster's id. */
  public readonly clusterId: pulumi.Output<string>;
  /** The private host name, reachable from the cluster's VPC. */
  public readonly host: pulumi.Output<string>;
  /** The port, always 25060 (TLS required). */
  public readonly port: number;
  /** The password of each declared role, by role name; Pulumi secrets. */
  public readonly passwords: Readonly<Record<string, pulumi.Output<string>>>;
  /** The connections clients can open in total (`connectionLimit(size)`); share it among the roles. */
  public readonly connectionLimit: number;
  /** The `doadmin` role's password, which can grant the users their databases (secret). */
  public readonly adminPassword: pulumi.Output<string>;

  public constructor(name: string, args: ManagedPostgresArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // check every input before registering anything
    const size = args.size ?? SMALLEST_DATABASE_SIZE;
    const nodeCount = args.nodeCount ?? 1;
    const version = args.version ?? '17';
    // do.md §2.1: at most 3 nodes per PostgreSQL cluster
    checkDatabaseNodes(size, nodeCount, 3);
    checkRegion('region', args.region);
    if (!/^[1-9]\d*$/.test(version)) {
      invalid('version', version, 'must be a PostgreSQL major version such as "16" or "17"');
    }
    checkDatabases(args.databases);
    super('dockyard:digitalocean:ManagedPostgres', name, {}, opts);

    const cluster = new digitalocean.DatabaseCluster(`${name}-cluster`, {
      name: args.clusterName,
      engine: 'pg',
      version,
      size,
      nodeCount,
      region: args.region,
      privateNetworkUuid: args.privateNetworkUuid,
      tags: args.tags ? [...args.tags] : undefined,
    }, { parent: this });

    for (const db of args.databases) {
      new digitalocean.DatabaseDb(`${name}-db-${db.name}`, { clusterId: cluster.id, name: db.name }, { parent: this });
    }
    const passwords: Record<string, pulumi.Output<string>> = {};
    for (const user of new Set(args.databases.map((db) => db.user))) {
      const role = new digitalocean.DatabaseUser(`${name}-user-${user}`, { clusterId: cluster.id, name: user }, { parent: this });
      // the provider marks `password` secret only in the engine (additionalSecretOutputs); make it explicit
      passwords[user] = pulumi.secret(role.password);
    }

    // One DatabaseFirewall owns the whole trusted-source list; a `k8s` rule takes the DOKS cluster id (do.md §1.2).
    new digitalocean.DatabaseFirewall(`${name}-firewall`, {
      clusterId: cluster.id,
      rules: [{ type: 'k8s', value: args.kubernetesClusterId }],
    }, { parent: this });

    this.clusterId = cluster.id;
    this.host = cluster.privateHost;
    this.adminPassword = pulumi.secret(cluster.password);
    this.port = POSTGRES_PORT;
    this.passwords = passwords;
    this.connectionLimit = connectionLimit(size);
    this.registerOutputs({
      clusterId: this.clusterId,
      host: this.host,
      port: this.port,
      passwords: this.passwords,
      connectionLimit: this.connectionLimit,
    });
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function checkDatabases(databases: readonly ManagedPostgresDatabase[]): void {
  checkUniqueList('databases', databases.map((db) => db.name));
  for (const db of databases) {
    for (const [prop, value] of [['databases[].name', db.name], ['databases[].user', db.user]] as const) {
      if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
        invalid(prop, value, 'must be a PostgreSQL identifier: 1 to 63 lower-case letters, digits and "_", not starting with a digit');
      }
    }
    // do.md §2.1: `defaultdb` and `doadmin` already exist and can't be deleted
    if (db.name === 'defaultdb') {
      invalid('databases[].name', db.name, 'must not be DigitalOcean\'s default database "defaultdb"');
    }
    if (db.user === 'doadmin') {
      invalid('databases[].user', db.user, 'must not be DigitalOcean\'s admin role "doadmin"');
    }
  }
}
