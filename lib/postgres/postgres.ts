import { Construct } from 'constructs';
import {
  checkInteger, checkObject, checkPositiveQuantity, checkStorageClassName, constructRefusal, describeValue, Image, invalid, NetworkPeer, Resources, Secret,
  SecretKey, SecretValue, withContext,
} from '../core';
import { readOnFirstStartBy } from '../core/checksum';
import { EnvVars } from '../core/env';
import { statefulSet } from '../core/deployment';
import { PodFirewall } from '../core/network';
import { placement } from '../core/placement';
import { emptyDir, memoryEmptyDir, probesOf } from '../core/pod';
import { clusterService, reachedServer, serviceHost } from '../core/service';
import { checkIdentifier, checkRoleName, countOnServer, defaultConnectionLimit, IPostgresDatabase, SslMode } from './database';
import { ReconciledDatabase } from './reconcile-script';
import { initdbArgs, memorySettings } from './memory-settings';
import { postgresMajorChange } from './major-version';
import { checkVersionChange } from '../core/version-changes';
import { PostgresReconciler } from './reconciler';

/** Props of an in-cluster `Postgres`. */
export interface PostgresProps {
  /**
   * The name of the StatefulSet, Service and related objects: at most 27 characters, for the reconciler Job's
   * name `<name>-reconcile-<hashes>`.
   *
   * @default "postgres"
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The official PostgreSQL image (Debian variant, whose `postgres` user is UID 999). Its tag names the major version:
   * from 16 on, initdb also starts without huge pages (`POSTGRES_INITDB_ARGS=--set huge_pages=off`); an older one,
   * or one pinned by digest alone, gets no `POSTGRES_INITDB_ARGS`, as 15's initdb has no `--set`.
   *
   * A synth refuses an image of another major version than the one the previous output ran (the server refuses the
   * older data directory) until the data is moved, then lets it through once with
   * `DOCKYARD_VERSION_CHANGE=<namespace>/<name>`: see the README, "Upgrading the components".
   *
   * @default Postgres.IMAGE
   */
  readonly image?: Image;
  /**
   * The size of the data volume.
   *
   * @default "10Gi"
   */
  readonly storageSize?: string;
  /**
   * The StorageClass of the data volume. `""` binds only a PersistentVolume made beforehand without a class.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The server's `max_connections`. The connection limits of all databases, plus the 3 connections PostgreSQL
   * reserves for superusers (`superuser_reserved_connections`), must fit within it, and each connection must have
   * at least 64kB of `work_mem` (PostgreSQL's smallest) in what the memory limit leaves after the main shared memory,
   * `/dev/shm` and vacuum: at most 149 under the default 1Gi.
   *
   * @default 100, PostgreSQL's default
   */
  readonly maxConnections?: number;
  /**
   * Requests and limits of the server container.
   *
   * @default - 250m/256Mi requested, 1 CPU/1Gi limit
   */
  readonly resources?: Resources;
}

/** Options of `Postgres.addDatabase`. */
export interface PostgresDatabaseOptions {
  /**
   * The role that owns the database and that the client logs in as.
   *
   * @default - the database's name
   */
  readonly user?: string;
  /**
   * The most connections the role may open: its `CONNECTION LIMIT`, and the size of its clients' pools.
   *
   * @default - a quarter of what `maxConnections` leaves after the 3 superuser connections: 24 of the default 100
   */
  readonly connectionLimit?: number;
}

const PORT = 5432;
const DATA = '/var/lib/postgresql/data';
/** Exits 0 when the server accepts connections, 1 when it rejects them (starting up, recovering), 2 when none answers. */
const PG_ISREADY = `pg_isready --host=127.0.0.1 --port=${PORT} --username=postgres`;
// PostgreSQL reserves this many of max_connections for superusers (superuser_reserved_connections, default 3);
// the reconciler connects as the superuser, so it uses them too
const SUPERUSER_RESERVED = 3;
// the reconciler is named `<name>-reconcile`, so its Job `<name>-reconcile-<8 hex>-<16 hex>`
const RECONCILER_SUFFIX = '-reconcile';
/** The longest name whose reconciler's name, `<name>-reconcile`, fits `PostgresReconciler.MAX_NAME`: 27. */
const MAX_NAME = PostgresReconciler.MAX_NAME - RECONCILER_SUFFIX.length;
/**
 * The superuser's Secret is `<name>-superuser`, and each database's `<name>-<database>` (its "_" as "-"): a database of
 * this name would get the superuser's Secret name.
 */
const SUPERUSER_SECRET = 'superuser';

/** The name of the Secret that holds a database's password, or with `SUPERUSER_SECRET` the superuser's. */
function passwordSecretName(serviceName: string, databaseName: string): string {
  return `${serviceName}-${databaseName.replace(/_/g, '-')}`;
}

/**
 * PostgreSQL in the cluster: a single-replica StatefulSet of the official image with a persistent volume.
 *
 * Each client gets its own database and role from `addDatabase`, with a generated password and a connection
 * limit. A `PostgresReconciler` Job creates and updates them whenever they or a password change, retrying until the
 * server answers; on a fresh install clients wait (crash-loop briefly) until it has run. There is no first-start
 * init script: the official image runs one only on an empty data directory, and it would put every client's
 * password in the server's environment, so adding a database or rotating a password would restart the server. A
 * NetworkPolicy admits only clients that were granted access and denies all egress.
 */
export class Postgres extends Construct {
  /** The default image. */
  public static readonly IMAGE = Image.of('docker.io/library/postgres:17.9-bookworm');

  /** The Service's name. */
  public readonly serviceName: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The host name clients connect to. */
  public readonly host: string;
  /** The port clients connect to. */
  public readonly port = PORT;
  /** The `postgres` superuser's password. */
  public readonly superuserPassword: SecretKey;

  private readonly maxConnections: number;
  /** Whether `maxConnections` is the default, for the message when another database on the server disagrees. */
  private readonly maxConnectionsDefaulted: boolean;
  /** The Job that creates and updates the databases and roles. */
  public readonly reconciler: PostgresReconciler;

  private readonly databases: ReconciledDatabase[] = [];
  private readonly env: EnvVars;
  private readonly firewall: PodFirewall;

  public constructor(scope: Construct, id: string, props: PostgresProps = {}) {
    super(scope, id);
    // a refusal names the server (`constructRefusal`): a stack may hold several
    try {
      const image = props.image ?? Postgres.IMAGE;
      const { name, namespace, labels, selector } = placement(this, {
        app: 'postgres', component: 'database', name: props.name, defaultName: 'postgres', namespace: props.namespace, version: image.tag,
      });
      this.serviceName = name;
      this.namespace = namespace;
      this.host = serviceHost(name, this.namespace);
      if (name.length > MAX_NAME) {
        invalid('name', name, `must be at most ${MAX_NAME} characters, for the reconciler Job's name`);
      }
      this.maxConnections = checkInteger('maxConnections', props.maxConnections ?? 100, SUPERUSER_RESERVED + 2, 10000);
      this.maxConnectionsDefaulted = props.maxConnections === undefined;
      const storageSize = props.storageSize ?? '10Gi';
      checkPositiveQuantity('storageSize', storageSize);

      this.superuserPassword = new Secret(this, 'Superuser', {
        name: passwordSecretName(name, SUPERUSER_SECRET),
        namespace: this.namespace,
        // the image's entrypoint hands POSTGRES_PASSWORD to initdb (docker_init_database_dir, `initdb --pwfile`) only while
        // the data directory is empty (docker-library/postgres docker-entrypoint.sh at 6edb0a8c4d, lines 92 and 342-357):
        // so the StatefulSet's checksum counts the key by name (readOnFirstStartBy below), and a rotation does not restart
        // the server for nothing
        values: { password: SecretValue.alphanumeric(32).readOnFirstStart('set the new value in PostgreSQL with \\password postgres in psql (which keeps it out of the history and the logs)') },
      }).key('password');

      this.env = new EnvVars(this.namespace);
      this.env.value('POSTGRES_USER', 'postgres');
      this.env.secret('POSTGRES_PASSWORD', this.superuserPassword);
      // a subdirectory, because the volume's root may hold lost+found
      this.env.value('PGDATA', `${DATA}/pgdata`);
      // initdb's first start without huge pages, as the server's (memorySettings): read only while the data directory
      // is empty
      const initdb = initdbArgs(image);
      if (initdb !== undefined) this.env.value('POSTGRES_INITDB_ARGS', initdb);

      const service = clusterService(this, 'Service', {
        name, namespace: this.namespace, labels, selector, ports: { postgres: PORT },
      });

      // the server alone: another pod that logs in as the superuser reads the password at each start, and rolls
      readOnFirstStartBy(this, 'StatefulSet', namespace, name, [this.superuserPassword]);
      const resources = props.resources ?? Resources.of({ cpuRequest: '250m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '1Gi' });
      // shared_buffers, work_mem and /dev/shm from the memory limit, so that a busy server is not killed for memory
      const memory = memorySettings(resources.memoryLimit, this.maxConnections, props.maxConnections === undefined);
      statefulSet(this, 'Resource', {
        name, namespace, labels, selector,
        serviceName: service.name,
        claims: { data: { size: storageSize, storageClassName: checkStorageClassName('storageClassName', props.storageClassName) } },
        // the postgres user of the official Debian image
        runAs: { user: 999, group: 999 },
        terminationGracePeriodSeconds: 60,
        containers: [{
          name: 'postgres',
          image,
          args: ['postgres', '-c', `max_connections=${this.maxConnections}`, ...memory.args],
          ports: { postgres: PORT },
          env: this.env,
          mounts: [
            { volume: 'data', path: DATA },
            { volume: 'run', path: '/var/run/postgresql' },
            { volume: 'tmp', path: '/tmp' },
            { volume: 'shm', path: '/dev/shm' },
          ],
          // TCP, not the socket: the first-start server listens only on the socket until initdb's setup finishes (the
          // 300 s startup budget covers that). Ready on exit 0 alone; alive on 0 or 1 too, "rejecting connections":
          // a server replaying its WAL after a crash answers every connection with "the database system is starting
          // up" (SQLSTATE 57P03, which libpq's ping reports as rejecting, PostgreSQL 17 docs, pg_isready "Exit
          // Status"), for as long as the replay takes, and a kill then would only restart the replay
          probes: probesOf({ exec: { command: ['sh', '-c', `${PG_ISREADY}; [ $? -le 1 ]`] } }, 300, { exec: { command: PG_ISREADY.split(' ') } }),
          resources,
        }],
        volumes: [
          emptyDir('run', '16Mi'),
          emptyDir('tmp', '256Mi'),
          memoryEmptyDir('shm', memory.sharedMemorySize),
        ],
      });

      // another major version refuses the data directory: refused at synth against the previous output, with the steps
      checkVersionChange(this, {
        kind: 'StatefulSet', namespace, name, container: 'postgres', prop: 'image', image,
        check: (before, after) => postgresMajorChange(name, before, after),
      });

      this.firewall = new PodFirewall(this, 'NetworkPolicy', {
        name, namespace: this.namespace, podLabels: selector, denyEgress: true,
      });
      // over TCP as the superuser, whom the official image's pg_hba admits with a password (scram-sha-256)
      this.reconciler = new PostgresReconciler(this, 'Reconciler', {
        name: `${name}${RECONCILER_SUFFIX}`, namespace: this.namespace, host: this.host, port: PORT, sslMode: 'disable',
        adminUser: 'postgres', adminPassword: this.superuserPassword, adminDatabase: 'postgres',
        serverPeer: NetworkPeer.pods(this.namespace, selector),
        // the app's own server: its clients connect only to their own databases
        ownsServer: true,
      });
      this.firewall.allow(this.reconciler.peer, PORT);
    } catch (e) {
      throw constructRefusal('Postgres', this, e);
    }
  }

  /**
   * Define a database and its owning role, with a generated password. Grant clients access with `grantConnect`.
   *
   * @param databaseName the database's name
   */
  public addDatabase(databaseName: string, options: PostgresDatabaseOptions = {}): IPostgresDatabase {
    // named by the database, and by the server (`constructRefusal`): two servers may each hold a "registry"
    try {
      return withContext('database', databaseName, () => this.defineDatabase(databaseName, options));
    } catch (e) {
      throw constructRefusal('Postgres', this, e);
    }
  }

  /** `addDatabase`, whose errors do not yet name the database. */
  private defineDatabase(databaseName: string, options: PostgresDatabaseOptions): IPostgresDatabase {
    checkIdentifier('databaseName', databaseName);
    checkObject('options', options, 'must be an object of PostgresDatabaseOptions, e.g. { connectionLimit: 10 }');
    // the reconciler creates the role
    const user = checkRoleName('user', options.user ?? databaseName);
    if (databaseName === 'postgres' || user === 'postgres') {
      invalid('databaseName', databaseName, 'must not be "postgres", which belongs to the superuser');
    }
    // two Secrets of one name: the synth's secret store refuses them only later, naming construct paths, and another
    // store would write one over the other, the superuser's password with the role's
    if (passwordSecretName(this.serviceName, databaseName) === passwordSecretName(this.serviceName, SUPERUSER_SECRET)) {
      invalid('databaseName', databaseName, `must not be "${SUPERUSER_SECRET}": its password's Secret would be the superuser's, ` +
        `${passwordSecretName(this.serviceName, SUPERUSER_SECRET)}`);
    }
    // "_" becomes "-" in the Secret's name, which must end in a letter or digit (a DNS subdomain): refused here, in the
    // prop's name, rather than by the Secret as `name`, a prop the caller never wrote
    if (databaseName.endsWith('_')) {
      invalid('databaseName', databaseName, `must not end in "_": its password's Secret would be ` +
        `${passwordSecretName(this.serviceName, databaseName)}, which Kubernetes refuses (a name ends in a letter or digit)`);
    }
    if (this.databases.some((d) => d.database === databaseName || d.user === user)) {
      invalid('databaseName', databaseName, `must be unique on ${this.serviceName}, and so must its user ${describeValue(user)}`);
    }
    const connectionLimit = options.connectionLimit === undefined
      ? defaultConnectionLimit(this.maxConnections, SUPERUSER_RESERVED) : checkInteger('connectionLimit', options.connectionLimit, 1);
    // one budget with every other database on the server, an `ExternalPostgres` naming its Service too (`reachedServer`)
    const count = countOnServer(this, reachedServer(this.host, PORT, this.namespace), {
      databaseName, connectionLimit, limitDefaulted: options.connectionLimit === undefined, maxConnections: this.maxConnections,
      reserved: SUPERUSER_RESERVED, source: {
        databaseName, maxConnectionsDefaulted: this.maxConnectionsDefaulted, reservedDefaulted: false,
        reservedBy: 'the superuser_reserved_connections a Postgres keeps',
      },
    });
    const password = new Secret(this, `Database-${databaseName}`, {
      name: passwordSecretName(this.serviceName, databaseName),
      namespace: this.namespace,
      values: { password: SecretValue.alphanumeric(32) },
    }).key('password');
    this.databases.push({ database: databaseName, user, connectionLimit });
    count();
    const firewall = this.firewall;
    const db: IPostgresDatabase = {
      host: this.host,
      port: PORT,
      databaseName,
      user,
      password,
      sslMode: SslMode.DISABLE,
      connectionLimit,
      server: this,
      grantConnect: (peer: NetworkPeer) => firewall.allow(peer, PORT),
    };
    this.reconciler.addDatabase(db);
    return db;
  }

  /** Admit `peer` to the server, e.g. a migration job. Clients of `addDatabase` use the database's `grantConnect`. */
  public grantConnect(peer: NetworkPeer): void {
    this.firewall.allow(peer, PORT);
  }
}
