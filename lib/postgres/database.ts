import { IConstruct } from 'constructs';
import { invalid, NetworkPeer, SecretKey } from '../core';

/** How a client verifies its connection to PostgreSQL, as libpq's `sslmode`. */
export enum SslMode {
  /** No TLS: only for in-cluster traffic that a NetworkPolicy confines. */
  DISABLE = 'disable',
  /** TLS without verifying the server's certificate; what managed services such as DigitalOcean document. */
  REQUIRE = 'require',
  /** TLS with the server's certificate verified against a CA. */
  VERIFY_CA = 'verify-ca',
  /** TLS with the certificate and host name verified. */
  VERIFY_FULL = 'verify-full',
}

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
  readonly caCertificate?: SecretKey;
  /**
   * The most connections the role may open: its `CONNECTION LIMIT`, which clients size their pools by. Dockyard's
   * databases always have one.
   *
   * @default - none: the role is reconciled without a limit (-1), and clients use their own pool sizes (Harbor 100
   * connections per pod, Drone `DroneServer.DEFAULT_MAX_CONNECTIONS`)
   */
  readonly connectionLimit?: number;
  /**
   * The construct that runs the server in the cluster, if Dockyard runs it.
   *
   * @default - none: the server runs outside the cluster or is not Dockyard's, as with `ExternalPostgres`
   */
  readonly server?: IConstruct;
  /** Admit `peer` through the server's NetworkPolicy, where the server has one. */
  grantConnect(peer: NetworkPeer): void;
}

/** Check a database or role name: a lower-case PostgreSQL identifier that needs no quoting. */
export function checkIdentifier(prop: string, value: string): string {
  if (typeof value !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    invalid(prop, value, 'must be a PostgreSQL identifier: 1 to 63 lower-case letters, digits and "_", not starting with a digit');
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
 * names the server, the sum and the limit.
 */
export function checkConnectionBudget(server: string, connectionLimit: number, sum: number, reserved: number, maxConnections: number): void {
  if (sum + reserved > maxConnections) {
    invalid('connectionLimit', connectionLimit, `the connection limits of the databases on ${server} sum to ${sum}, ` +
      `which with ${reserved} reserved connection${reserved === 1 ? '' : 's'} exceeds its maxConnections ${maxConnections}`);
  }
}
