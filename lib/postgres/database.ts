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
  /** The CA bundle that verifies the server, if any. */
  readonly caCertificate?: SecretKey;
  /** The most connections the role may open, if limited. */
  readonly connectionLimit?: number;
  /** The construct that runs the server in the cluster, if Dockyard runs it. */
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
