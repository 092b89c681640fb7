import { IConstruct } from 'constructs';
import { describeValue, invalid, NetworkPeer, SecretKey } from '../core';

/** How a client verifies its connection to PostgreSQL, as libpq's `sslmode`. */
export enum SslMode {
  /** No TLS: only for in-cluster traffic that a NetworkPolicy confines (`ExternalPostgres` warns of it to a host that is no Service of the cluster). */
  DISABLE = 'disable',
  /** TLS without verifying the server's certificate; what managed services such as DigitalOcean document. */
  REQUIRE = 'require',
  /** TLS with the server's certificate verified against a CA. */
  VERIFY_CA = 'verify-ca',
  /** TLS with the certificate and host name verified. */
  VERIFY_FULL = 'verify-full',
}

/** What a prop taking an `IPostgresDatabase` accepts, in words, for messages. */
export const POSTGRES_DATABASE_RULE = 'must be an IPostgresDatabase: a database of Postgres.addDatabase, or an ExternalPostgres';

/**
 * One PostgreSQL database and the role that owns it: what a client such as Drone or Harbor consumes.
 *
 * Implemented by `ExternalPostgres` (a managed or external server) and by the databases of the in-cluster
 * `Postgres` (`Postgres.addDatabase`).
 */
export interface IPostgresDatabase {
  /** The server's host name. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** The database's name. */
  readonly databaseName: string;
  /** The role the client logs in as. */
  readonly user: string;
  /** The role's password. */
  readonly password: SecretKey;
  /** How the client secures the connection. */
  readonly sslMode: SslMode;
  /**
   * The CA bundle that verifies the server, if any; clients mount it and point libpq at it.
   *
   * @default - none: no bundle is mounted, so clients verify nothing beyond what `sslMode` does without one
   * (`ExternalPostgres` requires a bundle for `VERIFY_CA` and `VERIFY_FULL`)
   */
  readonly caCertificate?: SecretKey | undefined;
  /**
   * The most connections the role may open: its `CONNECTION LIMIT`, which clients size their pools by: a whole number
   * from 1 to 2147483647, or -1 for none, as PostgreSQL reads it (anything else is refused at synth). Dockyard's
   * databases always have one.
   *
   * @default - none: the role is reconciled without a limit (-1), and clients use their own pool sizes (Harbor 100
   * connections per pod, Drone `DroneServer.DEFAULT_MAX_CONNECTIONS`)
   */
  readonly connectionLimit?: number | undefined;
  /**
   * The construct that runs the server in the cluster, if Dockyard runs it.
   *
   * @default - none: the server runs outside the cluster or is not Dockyard's, as with `ExternalPostgres`
   */
  readonly server?: IConstruct | undefined;
  /**
   * Admit `peer` through the server's NetworkPolicy, where the server has one. That is the server's side alone: pods
   * whose own egress is limited also need it declared there (build pods: the engine's `allowBuildEgress`; a team's
   * app pods: `Team.allowEgress`), or their connections time out.
   */
  grantConnect(peer: NetworkPeer): void;
}

/** Check a database or role name: a lower-case PostgreSQL identifier that needs no quoting. */
export function checkIdentifier(prop: string, value: string): string {
  if (typeof value !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    invalid(prop, value, 'must be a PostgreSQL identifier: 1 to 63 lower-case letters, digits and "_", not starting with a digit');
  }
  return value;
}

/** What `checkRoleName` allows beyond `checkIdentifier`, for its message. */
const RESERVED_ROLE_NAME = 'must not be a role name PostgreSQL reserves: "public", "none", or one starting with "pg_"';

/**
 * Check the name of a role Dockyard creates: a plain identifier (`checkIdentifier`) that CREATE ROLE accepts.
 * PostgreSQL refuses `public` and `none`, quoted or not (postgres/postgres src/backend/parser/gram.y, `RoleSpec` and
 * `RoleId`: "role name \"%s\" is reserved"), and any name starting with `pg_` (src/backend/commands/user.c
 * `CreateRole`, `IsReservedName`: "Role names starting with \"pg_\" are reserved."). Refused here, a reserved name
 * would pass the synth and fail the Job on every retry. `current_user`, `current_role` and `session_user` are
 * keywords only unquoted, and Dockyard quotes every name (`format('%I')`), so PostgreSQL 15 creates them.
 */
export function checkRoleName(prop: string, value: string): string {
  checkIdentifier(prop, value);
  if (value === 'public' || value === 'none' || value.startsWith('pg_')) {
    invalid(prop, value, RESERVED_ROLE_NAME);
  }
  return value;
}

/** PostgreSQL's largest `CONNECTION LIMIT`: the role's `rolconnlimit` is an int4. */
const MAX_ROLE_CONNECTION_LIMIT = 2147483647;

/**
 * The connection limit an `IPostgresDatabase` states, as its clients size their pools by it: undefined for none or
 * PostgreSQL's "no limit", -1 (postgres/postgres doc/src/sgml/ref/create_role.sgml, `CONNECTION LIMIT`: "-1 (the
 * default) means no limit"), else a whole number from 1 (0 would let no client in). `Postgres.addDatabase` and
 * `ExternalPostgres` check their own; this reads one written by hand, whose `Infinity` or `NaN` would otherwise size
 * Harbor's pool to `POSTGRESQL_MAX_OPEN_CONNS=Infinity`, which Harbor cannot parse. The one reading for every client.
 *
 * @internal
 */
export function statedConnectionLimit(prop: string, value: number | undefined): number | undefined {
  if (value === undefined || value === -1) {
    return undefined;
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_ROLE_CONNECTION_LIMIT) {
    invalid(prop, value, `must be -1 (no limit) or an integer from 1 to ${MAX_ROLE_CONNECTION_LIMIT}, as PostgreSQL's CONNECTION LIMIT`);
  }
  return value;
}

/**
 * The share of a server's connections a database gets when it sets no `connectionLimit`: a quarter of what
 * `maxConnections` leaves after the reserved connections (at least 1). PostgreSQL's default `max_connections` of 100
 * with 3 reserved for superusers gives 24.
 */
export function defaultConnectionLimit(maxConnections: number, reservedConnections: number): number {
  return Math.max(1, Math.floor((maxConnections - reservedConnections) / 4));
}

/**
 * Fail unless the connection limits of a server's databases, plus its reserved connections, fit its
 * `max_connections` (PostgreSQL docs, "Connections and Authentication": `max_connections` counts every connection,
 * `superuser_reserved_connections` of them are kept for superusers; CREATE ROLE: `CONNECTION LIMIT`). One line
 * names the server, the sum, each database's limit (the one being added may not be the one to lower) and the limit.
 *
 * @param limits every database's limit on the server, the one being added last
 * @param defaulted whether the limit being added is `defaultConnectionLimit`'s, not one the caller gave: the message
 *   then says so, for the caller who set no `connectionLimit` would not know where the number came from
 *   `@default` false
 */
export function checkConnectionBudget(server: string, connectionLimit: number, limits: readonly (readonly [string, number])[], reserved: number,
  maxConnections: number, defaulted = false): void {
  const sum = limits.reduce((total, [, limit]) => total + limit, 0);
  if (sum + reserved > maxConnections) {
    const origin = defaulted ? ` (${limits[limits.length - 1][0]}'s is the default, a quarter of what maxConnections leaves: set its connectionLimit)` : '';
    invalid('connectionLimit', connectionLimit, `the connection limits of the databases on ${server} sum to ${sum} ` +
      `(${limits.map(([name, limit]) => `${name} ${limit}`).join(', ')}), which with ${reserved} reserved connection${reserved === 1 ? '' : 's'} ` +
      `exceeds its maxConnections ${maxConnections}: lower one of them${origin}, or raise maxConnections`);
  }
}

/**
 * A server's settings as the first database on it gave them, for the message when another disagrees: the database,
 * and which of the two it left out (and so has the default of).
 *
 * @internal
 */
export interface BudgetSource {
  /** The database. */
  readonly databaseName: string;
  /** Whether it left `maxConnections` out, and so has the default. */
  readonly maxConnectionsDefaulted: boolean;
  /** Whether it left `reservedConnections` out, and so has the default. */
  readonly reservedDefaulted: boolean;
  /**
   * Where the reserved connections come from when no prop sets them, e.g. the `superuser_reserved_connections` a
   * `Postgres` keeps.
   *
   * @default - a prop of the database: `reservedConnections`
   */
  readonly reservedBy?: string;
}

/** What a database brings to its server's budget. @internal */
export interface BudgetEntry {
  /** The database. */
  readonly databaseName: string;
  /** Its connection limit. */
  readonly connectionLimit: number;
  /** Whether `connectionLimit` is `defaultConnectionLimit`'s. */
  readonly limitDefaulted: boolean;
  /** The server's `maxConnections`, as the database gives it. */
  readonly maxConnections: number;
  /** The server's reserved connections, as the database gives them. */
  readonly reserved: number;
  /** Where the settings come from, for the message when another database disagrees. */
  readonly source: BudgetSource;
}

/**
 * The connection budget of each PostgreSQL server of an app, in-cluster (`Postgres`) or not (`ExternalPostgres`), as
 * its databases are counted on it: by the server its clients' pods reach (`reachedServer`), so that `db.data`,
 * `db.data.svc` and `db.data.svc.cluster.local` are one, and an `ExternalPostgres` at a `Postgres`'s host is counted
 * with that server's own databases.
 */
const budgets = new WeakMap<IConstruct, Map<string, {
  maxConnections: number; reserved: number; limits: readonly (readonly [string, number])[]; source: BudgetSource;
}>>();

/**
 * Check `entry` against the budget of `server` (`reachedServer`) of `scope`'s app: the same `maxConnections` and
 * `reservedConnections` as the databases counted there before, and every limit within them (`checkConnectionBudget`).
 * Returns what records it, to call once the database's other checks have passed.
 *
 * @internal
 */
export function countOnServer(scope: IConstruct, server: string, entry: BudgetEntry): () => void {
  const servers = budgets.get(scope.node.root) ?? new Map();
  budgets.set(scope.node.root, servers);
  const budget = servers.get(server) ?? { maxConnections: entry.maxConnections, reserved: entry.reserved, limits: [], source: entry.source };
  checkSameServerSettings(server, budget, entry);
  const limits = [...budget.limits, [entry.databaseName, entry.connectionLimit] as const];
  checkConnectionBudget(server, entry.connectionLimit, limits, entry.reserved, entry.maxConnections, entry.limitDefaulted);
  return () => servers.set(server, { ...budget, limits });
}

/**
 * Fail unless a database gives its server the `maxConnections` and `reservedConnections` the first database on it
 * gave: one budget per server. The message names each setting that differs with both values, the other database's
 * and this one's, and says which of them is a default, taken because its database left the setting out.
 */
function checkSameServerSettings(server: string, first: { maxConnections: number; reserved: number; source: BudgetSource },
  own: { maxConnections: number; reserved: number; source: BudgetSource }): void {
  const settings = [
    { prop: 'maxConnections', theirs: first.maxConnections, mine: own.maxConnections, theirsDefaulted: first.source.maxConnectionsDefaulted,
      mineDefaulted: own.source.maxConnectionsDefaulted },
    { prop: 'reservedConnections', theirs: first.reserved, mine: own.reserved, theirsDefaulted: first.source.reservedDefaulted,
      mineDefaulted: own.source.reservedDefaulted },
  ].filter((s) => s.theirs !== s.mine);
  if (settings.length === 0) {
    return;
  }
  const value = (n: number, defaulted: boolean, by: string | undefined) => `${n}${by !== undefined ? ` (${by})` : defaulted ? ' (left out, so the default)' : ''}`;
  const reservedBy = (source: BudgetSource, prop: string) => (prop === 'reservedConnections' ? source.reservedBy : undefined);
  const clauses = settings.map((s) => `database ${describeValue(first.source.databaseName)} there has ${s.prop} ` +
    `${value(s.theirs, s.theirsDefaulted, reservedBy(first.source, s.prop))}, this one ${value(s.mine, s.mineDefaulted, reservedBy(own.source, s.prop))}`);
  const also = settings.slice(1).map((s) => `, as must ${s.prop}`).join('');
  invalid(settings[0].prop, settings[0].mine, `must be the same for every database on ${server}${also}: ${clauses.join('; ')}`);
}
