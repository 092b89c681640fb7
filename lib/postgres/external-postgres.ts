import { Construct } from 'constructs';
import { checkHost, checkInteger, checkOneOf, checkPort, invalid, NetworkPeer, SecretKey } from '../core';
import { checkIdentifier, IPostgresDatabase, SslMode } from './database';

/** Props of an `ExternalPostgres`. */
export interface ExternalPostgresProps {
  /** The server's host name or IP address, e.g. a managed cluster's private host. */
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
  /** The role's password, in a Secret. */
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
   * The most connections the role may open, e.g. a managed plan's limit.
   *
   * @default - unlimited
   */
  readonly connectionLimit?: number;
}

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
  public readonly connectionLimit?: number;

  public constructor(scope: Construct, id: string, props: ExternalPostgresProps) {
    super(scope, id);
    // host, databaseName, user and sslMode reach clients' environments as literals (Drone's DSN, Harbor's POSTGRESQL_*)
    this.host = checkHost('host', props.host);
    this.port = checkPort('port', props.port ?? 5432);
    this.databaseName = checkIdentifier('databaseName', props.databaseName);
    this.user = checkIdentifier('user', props.user);
    this.password = props.password;
    // SslMode's values: what lib/pq, Drone's driver, supports ("disable", "require", "verify-ca", "verify-full"),
    // checked for JavaScript callers
    this.sslMode = checkOneOf('sslMode', props.sslMode ?? SslMode.REQUIRE, Object.values(SslMode));
    this.caCertificate = props.caCertificate;
    this.connectionLimit = props.connectionLimit === undefined ? undefined : checkInteger('connectionLimit', props.connectionLimit, 1);
    if ((this.sslMode === SslMode.VERIFY_CA || this.sslMode === SslMode.VERIFY_FULL) && !this.caCertificate) {
      invalid('caCertificate', undefined, `must be set when sslMode is "${this.sslMode}"`);
    }
  }

  public grantConnect(_peer: NetworkPeer): void {
    // the server is outside the cluster: access is governed by its own firewall
  }
}
