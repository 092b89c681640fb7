import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { checkUniqueList, invalid } from '../../core/validation';
import { checkIdentifier, checkRoleName } from '../../postgres/database';
import { protectsData } from './data-protection';
import { databaseMemoryGb } from './database-size';
import { databaseSettings, managedCluster, ManagedDatabaseArgs } from './managed-database';

/** DigitalOcean managed PostgreSQL listens on 25060 with TLS required (do.md §2.1); pools use 25061. */
export const POSTGRES_PORT = 25060;

/**
 * The connections a client can open on a managed PostgreSQL cluster of `size`: DigitalOcean provides 25 per GB
 * of RAM and reserves 3 for maintenance (DO "Manage Connection Pools", do.md §2.1). So `db-s-1vcpu-1gb` gives 22,
 * `db-s-1vcpu-2gb` 47 and `db-s-2vcpu-4gb` 97.
 *
 * Throws a `ValidationError` for a slug that is no PostgreSQL size (`checkDatabaseSize`).
 */
export function connectionLimit(size: string): number {
  return 25 * databaseMemoryGb(size, 'pg') - 3;
}

/** One database in a `ManagedPostgres` cluster, and the role the application logs in as. */
export interface ManagedPostgresDatabase {
  /** The database's name, e.g. `registry` for Harbor or `drone` for Drone. */
  readonly name: string;
  /** The role that logs in to it, e.g. `harbor`; several databases may share one role. */
  readonly user: string;
}

/** Args of a `ManagedPostgres`. */
export interface ManagedPostgresArgs extends ManagedDatabaseArgs {
  /** The databases to create, each with its role. */
  readonly databases: readonly ManagedPostgresDatabase[];
  /**
   * The PostgreSQL major version. Raising it upgrades the cluster's major version in place.
   *
   * @default - '17' when the cluster is created, and from then on whatever it runs: a Dockyard release with a newer
   * default never upgrades a running cluster
   */
  readonly version?: string;
}

/**
 * A DigitalOcean managed PostgreSQL cluster with one database and one role per declared database, reachable only
 * from one DOKS cluster.
 *
 * New roles get the `normal` role (do.md §1.2); DigitalOcean grants them no privileges on the databases, so the
 * application's schema owner must be set up afterwards (e.g. `GRANT ALL ON DATABASE registry TO harbor`).
 * Its server certificate is signed by the CA DigitalOcean gives for it (`caCertificate`, public, not a secret): give
 * clients that as their root certificate with `sslmode=verify-ca`, as the DigitalOcean program does. DigitalOcean's
 * own connection strings say `sslmode=require`, under which a client checks nothing, so anyone on the path could pose
 * as the database and collect the roles' passwords.
 *
 * The cluster is protected (Pulumi refuses to delete or replace it) unless the options say `protect: false`, and a
 * database taken out of `databases` stays in the cluster with its role (`retainOnDelete`). A defaulted `version` is not managed
 * after creation.
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
  /**
   * The PEM CA certificate that signs the cluster's server certificate, for clients' `sslrootcert` (`verify-ca`):
   * DigitalOcean's `/v2/databases/<id>/ca`, read with `getDatabaseCa` (terraform-provider-digitalocean v2.99.1
   * digitalocean/database/datasource_database_ca.go sets `certificate` from godo's decoded bytes). Public: a plain
   * Output, unknown in a preview of a new cluster.
   */
  public readonly caCertificate: pulumi.Output<string>;

  public constructor(name: string, args: ManagedPostgresArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // check every input before registering anything; do.md §2.1: at most 3 nodes per PostgreSQL cluster
    const settings = databaseSettings('pg', args.version, args, 3);
    checkDatabases(args.databases);
    super('dockyard:digitalocean:ManagedPostgres', name, {}, opts);
    const cluster = managedCluster(this, name, settings, args, protectsData(opts));

    for (const db of args.databases) {
      // a database taken out of the program (another CI engine, say) stays in the cluster with its data, as the
      // in-cluster reconciler never drops one: dropping it is a deliberate act in DigitalOcean
      new digitalocean.DatabaseDb(`${name}-db-${db.name}`, { clusterId: cluster.id, name: db.name }, { parent: this, retainOnDelete: true });
    }
    const passwords: Record<string, pulumi.Output<string>> = {};
    for (const user of new Set(args.databases.map((db) => db.user))) {
      // kept with its database: the role owns the tables it made, and its password is in the apps' Secrets
      const role = new digitalocean.DatabaseUser(`${name}-user-${user}`, { clusterId: cluster.id, name: user }, { parent: this, retainOnDelete: true });
      // the provider marks `password` secret only in the engine (additionalSecretOutputs); make it explicit
      passwords[user] = pulumi.secret(role.password);
    }

    this.clusterId = cluster.id;
    this.host = cluster.privateHost;
    this.adminPassword = pulumi.secret(cluster.password);
    this.caCertificate = digitalocean.getDatabaseCaOutput({ clusterId: cluster.id }, { parent: this }).certificate;
    this.port = POSTGRES_PORT;
    this.passwords = passwords;
    this.connectionLimit = connectionLimit(settings.size);
    this.registerOutputs({
      clusterId: this.clusterId,
      host: this.host,
      port: this.port,
      passwords: this.passwords,
      connectionLimit: this.connectionLimit,
      adminPassword: this.adminPassword,
      caCertificate: this.caCertificate,
    });
  }
}

function checkDatabases(databases: readonly ManagedPostgresDatabase[]): void {
  checkUniqueList('databases', databases.map((db) => db.name));
  for (const db of databases) {
    checkIdentifier('databases[].name', db.name);
    // DigitalOcean creates the role: a name PostgreSQL reserves would fail there, or in the reconciler that grants it
    checkRoleName('databases[].user', db.user);
    // do.md §2.1: `defaultdb` and `doadmin` already exist and can't be deleted
    if (db.name === 'defaultdb') {
      invalid('databases[].name', db.name, 'must not be DigitalOcean\'s default database "defaultdb"');
    }
    if (db.user === 'doadmin') {
      invalid('databases[].user', db.user, 'must not be DigitalOcean\'s admin role "doadmin"');
    }
  }
}
