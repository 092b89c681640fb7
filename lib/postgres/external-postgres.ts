import { Construct, IConstruct } from 'constructs';
import { checkHost, checkInteger, checkRequiredObject, PASSWORD_KEY_RULE, checkOneOf, checkPort, constructRefusal, describeValue, invalid, isNamespaceDefined, missing, NetworkPeer, SecretKey, withContext } from '../core';
import { firstInstance, recordInstance } from '../core/instances';
import { checkPeer } from '../core/network';
import { reachedHost, reachedServer } from '../core/service';
import { warnOnce } from '../core/warn';
import { BudgetEntry, checkConnectionBudget, checkIdentifier, countOnServer, defaultConnectionLimit, IPostgresDatabase, SslMode } from './database';

/** Props of an `ExternalPostgres`. */
export interface ExternalPostgresProps {
  /**
   * The server's host name or IP address, e.g. a managed cluster's private host. Its connection budget is the
   * server's as the clients' pods resolve the host (`reachedServer`): `pg.data`, `pg.data.svc` and
   * `pg.data.svc.cluster.local` are one server, and a one-label host, `pg`, is the Service of that name in each
   * client's namespace, counted there as Harbor, Drone or Woodpecker binds the database, and as a `DatabaseGrants` or
   * `PostgresReconciler` at that same host makes it (in the Job's namespace).
   */
  readonly host: string;
  /**
   * The server's port.
   *
   * @default 5432
   */
  readonly port?: number;
  /** The database's name. */
  readonly databaseName: string;
  /** The role to log in as. */
  readonly user: string;
  /**
   * The role's password, in a Secret. Drone and Woodpecker read it from `PGPASSWORD` as it is (`bindDatasource`), but
   * Harbor's core and exporter splice it unquoted into a key/value DSN, `host=%s port=%s user=%s password=%s dbname=%s
   * sslmode=%s timezone=UTC` (goharbor/harbor v2.15.1 src/common/dao/pgsql.go:95-96), whose parser (jackc/pgconn
   * v1.14.3 config.go:516-572, Harbor's pgx driver) ends an unquoted value at ASCII white space, reads a `\` as an
   * escape and a value starting with `'` as a quoted one: so a Harbor database's password must hold no white space
   * and no `\`, and not start with `'` (a synth with `LocalSecretStore` refuses a value given from outside that does,
   * naming its variable). Generated passwords and DigitalOcean's (`AVNS_…`) hold none of them. For every client
   * here it must also be unchanged by SASLprep, from which PostgreSQL makes its SCRAM verifier while lib/pq and
   * pgconn do not apply it as the server does, unless SASLprep refuses it and the server takes it as it is: for lib/pq
   * when it holds a control character, an emoji or another code point unassigned in Unicode 3.2, or mixes
   * right-to-left and left-to-right letters; for pgconn likewise, but it still maps a non-ASCII space and composes a
   * decomposed accent (NFC) unless the password holds a control character, so those stay refused
   * (`LIB_PQ_SCRAM_PASSWORD_RULE`, `PGCONN_SCRAM_PASSWORD_RULE`, refused at synth likewise). A
   * `PostgresReconciler` that sets the password refuses, at run time, one PostgreSQL would store as a hash as it is:
   * `md5` and 32 lower-case hex digits, or one starting `SCRAM-SHA-256$`.
   */
  readonly password: SecretKey;
  /**
   * How the connection is secured.
   *
   * @default SslMode.REQUIRE
   */
  readonly sslMode?: SslMode;
  /**
   * A CA bundle that verifies the server; required for `VERIFY_CA` and `VERIFY_FULL`.
   *
   * @default - none
   */
  readonly caCertificate?: SecretKey;
  /**
   * The most connections the role may open, as its `CONNECTION LIMIT` (applied by a `PostgresReconciler`) and the
   * size of its clients' pools. The limits of all databases on the server, plus `reservedConnections`, must fit
   * `maxConnections`.
   *
   * @default - a quarter of what `maxConnections` leaves after `reservedConnections` (`defaultConnectionLimit`)
   */
  readonly connectionLimit?: number;
  /**
   * The connections the server lets clients open: its `max_connections` less what the provider keeps. For a
   * DigitalOcean cluster, 25 per GB of RAM less 3 reserved for maintenance: 22 for `db-s-1vcpu-1gb`
   * (`ManagedPostgres.connectionLimit`).
   *
   * At most 262143, the most `max_connections` PostgreSQL takes.
   *
   * @default 100, PostgreSQL's default max_connections
   */
  readonly maxConnections?: number;
  /**
   * The connections kept for the admin role (the reconciler Job, an operator's psql) out of `maxConnections`.
   *
   * @default 1
   */
  readonly reservedConnections?: number;
}

/**
 * The most `max_connections` a PostgreSQL server takes: `MAX_BACKENDS`, 2^18-1 (postgres/postgres
 * src/include/postmaster/postmaster.h; src/backend/utils/misc/guc_tables.c gives max_connections the range 1 to
 * MAX_BACKENDS). A larger `maxConnections` is no server's, and the default connection limit, a quarter of it, would
 * pass every budget check yet reach PostgreSQL as a `CONNECTION LIMIT` past its int4 range, which the reconciler's
 * `ALTER ROLE` fails on.
 */
const MAX_BACKENDS = 0x3ffff;

/**
 * A database on a PostgreSQL server that Dockyard does not run: a managed service or an existing server.
 *
 * Its egress is not confined, since the server's address is outside the cluster.
 */
export class ExternalPostgres extends Construct implements IPostgresDatabase {
  public readonly host: string;
  public readonly port: number;
  public readonly databaseName: string;
  public readonly user: string;
  public readonly password: SecretKey;
  public readonly sslMode: SslMode;
  public readonly caCertificate?: SecretKey;
  public readonly connectionLimit: number;
  /** The connections the server lets clients open. */
  public readonly maxConnections: number;
  /** What the database brings to its server's budget. */
  private readonly budgetEntry: BudgetEntry;
  /** The servers (`reachedServer`) the database is counted on. */
  private readonly countedOn = new Set<string>();

  public constructor(scope: Construct, id: string, props: ExternalPostgresProps) {
    super(scope, id);
    // every error names the database, a stack declares several, often on one server, and the construct
    // (`constructRefusal`), as two servers may each hold a "registry"
    let checked: CheckedExternalPostgres;
    try {
      checked = withContext('database', props.databaseName, () => checkExternalPostgres(this, props));
    } catch (e) {
      throw constructRefusal('ExternalPostgres', this, e);
    }
    this.host = checked.host;
    this.port = checked.port;
    this.databaseName = checked.databaseName;
    this.user = checked.user;
    this.password = props.password;
    this.sslMode = checked.sslMode;
    this.caCertificate = props.caCertificate;
    this.connectionLimit = checked.connectionLimit;
    this.maxConnections = checked.maxConnections;
    this.budgetEntry = checked.budget;
    if (checked.server !== undefined) this.countedOn.add(checked.server);
    // at synth, once the app's namespaces are known (`isClusterServiceHost`)
    this.node.addValidation({ validate: () => { this.warnOfPlainText(); return []; } });
  }

  /**
   * Warn of `SslMode.DISABLE` to a host that is no Service of the cluster: no NetworkPolicy confines the way there, so
   * the password crosses the network in clear text, and so does every query.
   */
  private warnOfPlainText(): void {
    if (this.sslMode === SslMode.DISABLE && !isClusterServiceHost(this, this.host)) {
      warnOnce(this, `ExternalPostgres ${this.node.path} (database ${describeValue(this.databaseName)}): sslMode "disable" sends the ` +
        `password and the data in clear text to ${this.host}, which Dockyard does not take for a Service of the cluster (write one as ` +
        '<service>.<namespace>.svc); use SslMode.REQUIRE (the default) or a verifying mode, unless the network to it is your own');
    }
  }

  /**
   * Count the database on the server that pods of `namespace` reach at its host: for a one-label host, which each
   * client's namespace completes to a Service of its own (`reachedServer`), once for each such server; for any other
   * host it was counted when defined.
   *
   * @internal
   */
  public _countFrom(namespace: string): void {
    const server = reachedServer(this.host, this.port, namespace);
    if (this.countedOn.has(server)) return;
    withContext('database', this.databaseName, () => countOnServer(this, server, this.budgetEntry))();
    this.countedOn.add(server);
  }

  public grantConnect(peer: NetworkPeer): void {
    // the server is outside the cluster: access is governed by its own firewall. The peer is checked all the same, so
    // a call refused by a Postgres is refused here too
    checkPeer('peer', peer);
  }
}

/**
 * Whether `host` names a Service of the cluster, as a client's pod reaches it (`reachedHost`, the one rule that reads
 * a host): `<service>` (in the client's namespace), `<service>.<namespace>.svc` with or without the default cluster
 * domain after it, or a name under it (a pod of a headless Service), and `<service>.<namespace>` only where the app
 * defines that namespace (`postgres.internal` is more likely a server elsewhere, which the rule's `.svc` form would
 * hide). An IP address, a name under another cluster domain (Dockyard is not told it) and any other name are taken for
 * a server elsewhere: `db.prod.svc.example.com` is one.
 */
function isClusterServiceHost(scope: IConstruct, host: string): boolean {
  // undefined: one label, the Service of that name in the client's own namespace
  const reached = reachedHost(host, undefined);
  if (reached === undefined) return true;
  if (!reached.endsWith('.svc') || reached.split('.').length < 3) return false;
  const labels = host.split('.');
  return labels.length !== 2 || isNamespaceDefined(scope, labels[1]);
}

/** The settings of an `ExternalPostgres`, checked and defaulted. */
interface CheckedExternalPostgres {
  readonly host: string;
  readonly port: number;
  readonly databaseName: string;
  readonly user: string;
  readonly sslMode: SslMode;
  readonly connectionLimit: number;
  readonly maxConnections: number;
  /** What the database brings to its server's budget. */
  readonly budget: BudgetEntry;
  /** The server it was counted on, unless its host is one label, whose server each client's namespace decides. */
  readonly server: string | undefined;
}

/**
 * `props` checked, with their defaults, and the database's connections counted against its server's (`budgets`) once
 * every check has passed.
 */
function checkExternalPostgres(scope: IConstruct, props: ExternalPostgresProps): CheckedExternalPostgres {
  // host, databaseName, user and sslMode reach clients' environments as literals (Drone's DSN, Harbor's POSTGRESQL_*)
  const host = checkHost('host', props.host);
  const port = checkPort('port', props.port ?? 5432);
  const databaseName = checkIdentifier('databaseName', props.databaseName);
  const user = checkIdentifier('user', props.user);
  checkRequiredObject('password', props.password, PASSWORD_KEY_RULE, SecretKey);
  // SslMode's values: what lib/pq, Drone's driver, supports ("disable", "require", "verify-ca", "verify-full"),
  // checked for JavaScript callers
  const sslMode = checkOneOf('sslMode', props.sslMode ?? SslMode.REQUIRE, Object.values(SslMode));
  const maxConnections = checkInteger('maxConnections', props.maxConnections ?? 100, 2, MAX_BACKENDS);
  const reserved = checkInteger('reservedConnections', props.reservedConnections ?? 1, 0, maxConnections - 1);
  const connectionLimit = props.connectionLimit === undefined
    ? defaultConnectionLimit(maxConnections, reserved) : checkInteger('connectionLimit', props.connectionLimit, 1);
  const budget: BudgetEntry = {
    databaseName, connectionLimit, limitDefaulted: props.connectionLimit === undefined, maxConnections, reserved,
    source: { databaseName, maxConnectionsDefaulted: props.maxConnections === undefined, reservedDefaulted: props.reservedConnections === undefined },
  };
  if ((sslMode === SslMode.VERIFY_CA || sslMode === SslMode.VERIFY_FULL) && !props.caCertificate) {
    missing('caCertificate', `must be set when sslMode is "${sslMode}"`);
  }
  // every database on one server shares its connections (PostgreSQL docs, "Connections and Authentication"): the
  // server its clients' pods reach. A one-label host is a Service of each client's own namespace, counted as a client
  // binds the database (`countConnectionsFrom`); its own limit must fit whichever server it is
  const server = reachedServer(host, port);
  if (server === undefined) {
    checkConnectionBudget(`${host}:${port}`, connectionLimit, [[databaseName, connectionLimit]], reserved, maxConnections, budget.limitDefaulted);
  } else {
    countOnServer(scope, server, budget)();
  }
  return { host, port, databaseName, user, sslMode, connectionLimit, maxConnections, budget, server };
}

/**
 * Count `db` on the server that pods in `namespace` reach at its host: an `ExternalPostgres` with a one-label host is
 * a Service of that namespace (`reachedServer`), so it is counted there, and refused there when the databases on it
 * over-commit it or disagree on its settings. Any other database was counted when defined. Every client calls it
 * (`countConnectionsFrom`), and a `PostgresReconciler` whose own host is the database's, which makes it on the Service
 * of the Job's namespace without being its client.
 *
 * @internal
 */
export function countOnServerFrom(db: IPostgresDatabase, namespace: string): void {
  if (db instanceof ExternalPostgres) db._countFrom(namespace);
}

/**
 * Count `db` on its server as a client's pods in `namespace` reach it (`countOnServerFrom`), for `client`, which opens
 * a pool on it (`bindDatasource`, `Harbor`).
 *
 * A database serves one client: each sizes its pool to the database's `connectionLimit` (`connectionPoolSize`,
 * `Harbor.maxOpenConns`), so a second client on it would open as many connections again, past the budget the limit
 * holds a place in, or, where a reconciler set the role's `CONNECTION LIMIT`, be refused them (PostgreSQL fails a login
 * past it, "too many connections for role": postgres/postgres src/backend/utils/init/miscinit.c
 * `InitializeSessionUserId`), and would keep its tables beside the first's (two Harbors would share every project,
 * user and artifact record). So `client` is refused when another client of the app already opens the same database on the
 * same server (by name, the server as the pods reach it: two objects naming one database are one), in one line naming
 * the database, the server and the other client.
 *
 * @param client the construct that opens the pool (a Harbor, a Drone or Woodpecker server), named in the refusal
 * @internal
 */
export function countConnectionsFrom(db: IPostgresDatabase, namespace: string, client: IConstruct): void {
  countOnServerFrom(db, namespace);
  const server = reachedServer(db.host, db.port, namespace);
  const key = `postgres-client ${server}/${db.databaseName}`;
  const other = firstInstance(client, Construct, key, (c) => c !== client);
  if (other) {
    invalid('database', db.databaseName, `must be the database of one client, but ${other.node.path} opens it already on ${server}: each ` +
      'sizes its connection pool to the database\'s connectionLimit, so two would open twice what the server\'s budget counts ' +
      '(or, where the role\'s CONNECTION LIMIT is set, be refused what the other holds), and keep their tables side by side; ' +
      'give each its own database (Postgres.addDatabase, or an ExternalPostgres)');
  }
  recordInstance(Construct, client, key);
}
