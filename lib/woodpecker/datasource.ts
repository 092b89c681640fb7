import { isIPv6 } from 'net';
import { Construct } from 'constructs';
import { checkInteger, invalid, Secret, SecretValue, TemplateEscape } from '../core';
import { EnvVars } from '../core/env';
import type { k8s } from '../core/k8s';
import type { Mount } from '../core/pod';
import { IPostgresDatabase } from '../postgres';

/** Where the server finds the database's CA bundle, when it has one. */
export const DATABASE_CA_DIR = '/etc/woodpecker/database-ca';

/** The connection pool size when neither `maxConnections` nor the database's `connectionLimit` is set. */
export const DEFAULT_MAX_CONNECTIONS = 20;

/** What the server's pod needs beside its environment to reach the database. */
export interface DatabaseBinding {
  readonly mounts: Mount[];
  readonly volumes: k8s.Volume[];
}

/** What `bindDatabase` binds. */
export interface DatabaseBindingProps {
  /** The server's name, which names the datasource Secret `<name>-database`. */
  readonly name: string;
  readonly namespace: string;
  readonly database: IPostgresDatabase;
  readonly maxConnections?: number;
}

/**
 * The database settings of the Woodpecker server.
 *
 * Woodpecker opens the datasource with xorm v1.4.1 and lib/pq v1.12.3 (woodpecker v3.17.0 `go.mod`,
 * `server/store/datastore/engine.go:35`, `init.go:21`). xorm reads the database name from it first, and its key/value
 * parser splits on every space and "=" (xorm `dialects/postgres.go` `parseOpts`), so a quoted password with a space
 * breaks it; the URL form is parsed
 * with Go's `net/url` by both (xorm `parseURL`, lib/pq v1.12.3 `connector.go:1115-1157` `convertURL`), which decode
 * a percent-encoded password. So the datasource is a `postgres://` URL:
 *
 * - with a generated password, a generated Secret renders it with the password percent-encoded
 *   (`TemplateEscape.URL`), whatever its characters;
 * - with an existing Secret, whose value Dockyard cannot escape, the URL carries no password and lib/pq reads it
 *   from `PGPASSWORD` (lib/pq v1.12.3 `connector.go:286`, read by `newConfig` at `:552`, below the URL's settings),
 *   which needs no escaping at all.
 *
 * `sslmode` is always set: lib/pq's default is `require`, not libpq's `prefer` (`connector.go:304-309`), which an
 * in-cluster server without TLS refuses.
 */
export function bindDatabase(scope: Construct, env: EnvVars, props: DatabaseBindingProps): DatabaseBinding {
  const db = props.database;
  env.value('WOODPECKER_DATABASE_DRIVER', 'postgres');
  const host = isIPv6(db.host) ? `[${db.host}]` : db.host;
  const query = [`sslmode=${encodeURIComponent(db.sslMode)}`];
  if (db.caCertificate) {
    query.push(`sslrootcert=${encodeURIComponent(`${DATABASE_CA_DIR}/ca.crt`)}`);
  }
  const address = `${host}:${db.port}/${encodeURIComponent(db.databaseName)}?${query.join('&')}`;
  const user = encodeURIComponent(db.user);
  if (db.password.secret.generated) {
    const secret = new Secret(scope, 'Database', {
      name: `${props.name}-database`,
      namespace: props.namespace,
      values: {
        datasource: SecretValue.template(`postgres://${user}:{password}@${address}`, { password: db.password }, { escape: TemplateEscape.URL }),
      },
    });
    env.secret('WOODPECKER_DATABASE_DATASOURCE', secret.key('datasource'));
  } else {
    env.secret('PGPASSWORD', db.password);
    env.value('WOODPECKER_DATABASE_DATASOURCE', `postgres://${user}@${address}`);
  }
  // always bounded: Woodpecker's default pool is 100 connections (cmd/server/flags.go:42-47), and the role's
  // CONNECTION LIMIT refuses what exceeds it
  const limit = db.connectionLimit !== undefined && db.connectionLimit >= 1 ? db.connectionLimit : undefined;
  const pool = checkInteger('maxConnections', props.maxConnections ?? limit ?? DEFAULT_MAX_CONNECTIONS, 1);
  if (limit !== undefined && pool > limit) {
    invalid('maxConnections', pool, `must be at most the database's connectionLimit ${limit}: the role refuses further connections`);
  }
  env.value('WOODPECKER_DATABASE_MAX_CONNECTIONS', String(pool));
  if (!db.caCertificate) {
    return { mounts: [], volumes: [] };
  }
  return {
    mounts: [{ volume: 'database-ca', path: DATABASE_CA_DIR, readOnly: true }],
    volumes: [{
      name: 'database-ca',
      secret: { secretName: db.caCertificate.selectorFor(props.namespace).name, items: [{ key: db.caCertificate.key, path: 'ca.crt' }] },
    }],
  };
}
