import { IConstruct } from 'constructs';
import { EnvVars } from '../core/env';
import { IPostgresDatabase } from '../postgres';
import { bindDatasource, DatasourceBinding } from '../postgres/datasource';

/** Where the server finds the database's CA bundle, when it has one. */
export const DATABASE_CA_DIR = '/etc/woodpecker/database-ca';

/** The connection pool size when neither `maxConnections` nor the database's `connectionLimit` is set. */
export const DEFAULT_MAX_CONNECTIONS = 20;

/** What `bindDatabase` binds. */
export interface DatabaseBindingProps {
  /** The server construct. */
  readonly scope: IConstruct;
  /** The server's namespace. */
  readonly namespace: string;
  /** The database. */
  readonly database: IPostgresDatabase;
  /**
   * The most connections the server opens.
   *
   * @default - the database's `connectionLimit`, or DEFAULT_MAX_CONNECTIONS
   */
  readonly maxConnections?: number;
}

/**
 * The database settings of the Woodpecker server, bound as Drone's are (`bindDatasource` in
 * lib/postgres/datasource.ts): `WOODPECKER_DATABASE_DATASOURCE` is a `postgres://` URL without a password, and the
 * password is `PGPASSWORD` from its Secret, generated or existing.
 *
 * Woodpecker opens the datasource with xorm v1.4.1 and lib/pq v1.12.3 (woodpecker v3.17.0 `go.mod:37,77`,
 * `server/store/datastore/engine.go:35`, `init.go:21`). xorm only reads the database name from it (`dialects/postgres.go`
 * `parseURL`, Go's `net/url`); lib/pq decodes the URL (`connector.go:1115-1157` `convertURL`) and reads
 * `PGPASSWORD` below it (`connector.go:286`, read by `newConfig` at `:552` before the DSN at `:555`), raw, so no
 * password needs escaping.
 *
 * `sslmode` is always set: lib/pq's default is `require`, not libpq's `prefer` (`connector.go:304-309`), which an
 * in-cluster server without TLS refuses. `WOODPECKER_DATABASE_DRIVER` is `postgres`, and
 * `WOODPECKER_DATABASE_MAX_CONNECTIONS` the pool size. The user and database name are checked as Drone's are, for
 * one rule in both engines, though v1.12.3 alone would carry any white space (it quotes the values, `:1126-1131`).
 */
export function bindDatabase(env: EnvVars, props: DatabaseBindingProps): DatasourceBinding {
  // always bounded: Woodpecker's default pool is 100 connections (cmd/server/flags.go:42-47), and the role's
  // CONNECTION LIMIT refuses what exceeds it
  return bindDatasource(env, {
    scope: props.scope, driver: 'Woodpecker\'s lib/pq v1.12.3', namespace: props.namespace, database: props.database, prefix: 'WOODPECKER', caDirectory: DATABASE_CA_DIR,
    maxConnections: props.maxConnections, defaultMaxConnections: DEFAULT_MAX_CONNECTIONS,
  });
}
