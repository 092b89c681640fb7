import { Construct } from 'constructs';
import { describeValue, NetworkPeer, SecretKey } from '../core';
import { warnOnce } from '../core/warn';
import { namedBy } from '../core/object-names';
import { IPostgresDatabase, SslMode } from './database';
import { PostgresReconciler } from './reconciler';

/** Props of a `DatabaseGrants`. */
export interface DatabaseGrantsProps {
  /** The server's host: a DNS name or an IP address. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** The admin role that created the databases, e.g. DigitalOcean's `doadmin`. */
  readonly adminUser: string;
  /** The admin role's password. */
  readonly adminPassword: SecretKey;
  /**
   * The database the admin connects to first.
   *
   * @default "defaultdb", DigitalOcean's
   */
  readonly adminDatabase?: string;
  /**
   * The databases whose roles get their connection limit and their database; their passwords stay the provider's.
   *
   * @default - none
   */
  readonly databases?: readonly IPostgresDatabase[];
  /**
   * Each database and the role that must be able to create its tables, without a connection limit (-1): prefer
   * `databases`, which carry their limits.
   *
   * @default - none
   */
  readonly grants?: readonly {
    /** The database, created if it is missing. */
    readonly database: string;
    /** The role that gets every privilege on the database and its `public` schema, created if it is missing. */
    readonly user: string;
  }[];
  /**
   * How the connection is secured, as libpq's `sslmode`: one of `LIBPQ_SSL_MODES`. `verify-ca` and `verify-full`
   * need a `caCertificate`. The synth warns when the Job does not insist on a checked server certificate (a mode
   * that does not verify, but `require` with a `caCertificate`) while a database of `databases` has its clients
   * check it.
   *
   * @default "require"
   */
  readonly sslMode?: string;
  /**
   * The CA bundle that verifies the server, mounted in the Job's pod with `PGSSLROOTCERT` pointing at it
   * (`PostgresReconcilerProps.caCertificate`).
   *
   * @default - with `sslMode` `verify-ca` or `verify-full`, the `caCertificate` of `databases`, when every one of
   * them carries the same one (the same key of the same Secret); otherwise none (with `require`, libpq verifies
   * nothing without one, and a CA Secret of another namespace than the Job's could not be mounted)
   */
  readonly caCertificate?: SecretKey;
  /**
   * The server's pods, when it runs in the cluster (an operator's PostgreSQL reached as `<service>.<namespace>.svc`):
   * besides DNS, the Job's only egress. NetworkPolicy `ipBlock`s are meant for addresses outside the cluster, and
   * some network plugins never match a pod's address with one (Cilium), so the default would leave such a Job
   * without a connection.
   *
   * @default - any address on `port` (`0.0.0.0/0` and `::/0`), for a server outside the cluster, whose address is not
   * known at synth
   */
  readonly serverPeer?: NetworkPeer;
  /**
   * Whether a role the Job created loses its login once no database of it declares it
   * (`PostgresReconcilerProps.revokeLeftRoles`): roles the provider's API made (DigitalOcean's users) carry no mark
   * and keep theirs. Off by default, as a managed server is often shared: another cluster's `DatabaseGrants` of the
   * same namespace and name (staging beside production, from the same code) marks the roles it creates alike and
   * declares other ones, and each would take the other's roles' login on every run. Turn it on where no other stack
   * reconciles roles on the server under this namespace and name.
   *
   * @default false
   */
  readonly revokeLeftRoles?: boolean;
  /**
   * The name of the Job (before its hash suffixes) and its objects.
   *
   * @default "database-grants"
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/**
 * The `PostgresReconciler` of a managed PostgreSQL, whose API creates users without any privilege (DigitalOcean:
 * "additional permissions must be managed manually") and owns their passwords: it creates missing databases and
 * roles, sets each role's connection limit and grants it everything on its database and its `public` schema, so
 * Harbor and Drone can create their tables. It runs until it succeeds, so it may start before the database
 * accepts connections.
 */
export class DatabaseGrants extends PostgresReconciler {
  public constructor(scope: Construct, id: string, props: DatabaseGrantsProps) {
    super(scope, id, {
      ...props, name: props.name ?? 'database-grants', adminDatabase: props.adminDatabase ?? 'defaultdb',
      // only where the CA is needed: under `require` it would only be mounted, and a CA Secret that lives in the
      // databases' namespace (not the Job's) cannot be
      caCertificate: props.caCertificate ?? (props.sslMode === 'verify-ca' || props.sslMode === 'verify-full' ? sharedCaCertificate(props.databases) : undefined),
    });
    // its own default, which the reconciler took as given: a refusal of two of one name then says it is the default
    namedBy(this, this.name, props.name === undefined);
    for (const db of props.databases ?? []) {
      this.addDatabase(db, { setPassword: false });
    }
    for (const g of props.grants ?? []) {
      this.addRole({ database: g.database, user: g.user, connectionLimit: -1 });
    }
    warnOfUnverifiedAdmin(this, props);
  }
}

/** The modes in which libpq checks the server's certificate against a CA. */
const VERIFYING_MODES: readonly string[] = [SslMode.VERIFY_CA, SslMode.VERIFY_FULL];

/**
 * Warn when the Job logs in as the admin without checking the server's certificate while a database it reconciles
 * has its clients check it: the admin, the strongest login on the server, would be the one connection a server in the
 * middle could take. Under `require` (the default), `prefer` or `allow` libpq checks no certificate unless a root CA
 * file is given (PostgreSQL docs, libpq "SSL Support", "SSL Mode Descriptions": require "I trust that the network will
 * make sure I always connect to the server I want"), and `DatabaseGrants` mounts none then. Told, not changed: the
 * default stays `require`, under which a setup whose databases' CA lives in another namespace than the Job's still
 * synthesizes.
 */
function warnOfUnverifiedAdmin(grants: DatabaseGrants, props: DatabaseGrantsProps): void {
  const sslMode = props.sslMode ?? SslMode.REQUIRE;
  const verifying = (props.databases ?? []).filter((db) => VERIFYING_MODES.includes(db.sslMode));
  // a CA makes only `require` check the certificate for good: `prefer` retries without TLS when the handshake, its
  // check included, fails, `allow` tries without TLS first, and `disable` never uses it (postgres/postgres REL_15
  // src/interfaces/libpq/fe-connect.c PQconnectPoll, CONNECTION_SSL_STARTUP: "if sslmode is \"prefer\" then do a non-SSL
  // retry"), so a server in the middle need only fail the handshake
  const checked = VERIFYING_MODES.includes(sslMode) || (sslMode === SslMode.REQUIRE && props.caCertificate !== undefined);
  if (checked || verifying.length === 0) {
    return;
  }
  const modes = verifying.map((db) => `${describeValue(db.databaseName)} ${db.sslMode}`).join(', ');
  const wanted = verifying.some((db) => db.sslMode === SslMode.VERIFY_FULL) ? SslMode.VERIFY_FULL : SslMode.VERIFY_CA;
  const why = props.caCertificate === undefined ? 'which checks no server certificate'
    : 'which goes on without a checked server certificate, its caCertificate notwithstanding';
  warnOnce(grants, `${grants.name} logs in as ${describeValue(props.adminUser)} with sslMode ${describeValue(sslMode)}, ${why}, ` +
    `while its databases' clients check it (${modes}): give it sslMode "${wanted}", with a caCertificate in its namespace ` +
    `${describeValue(grants.namespace)} (it defaults to the CA its databases all carry)`);
}

/**
 * The CA bundle every one of `databases` carries, when they all carry the same key of the same Secret: the server's,
 * as they are on one server. None when any carries none or another one, or for what is not a list of databases
 * (which `addDatabase` refuses).
 */
function sharedCaCertificate(databases: readonly IPostgresDatabase[] | undefined): SecretKey | undefined {
  if (!Array.isArray(databases) || databases.length === 0) {
    return undefined;
  }
  const cas = databases.map((db) => (typeof db === 'object' && db !== null ? db.caCertificate : undefined));
  const first = cas[0];
  return first instanceof SecretKey && cas.every((ca) => ca instanceof SecretKey && ca.toString() === first.toString()) ? first : undefined;
}
