/** A database the init script creates. */
export interface InitDatabase {
  readonly database: string;
  readonly user: string;
  /** The environment variable that carries the role's password. */
  readonly passwordEnv: string;
  /** -1 for no limit. */
  readonly connectionLimit: number;
}

/**
 * The script the official image runs from /docker-entrypoint-initdb.d on the first start of an empty data directory.
 *
 * It holds no secret: passwords come from environment variables fed by Secrets, and reach SQL only as psql
 * variables quoted with `:'name'`, so no value is ever spliced into SQL text. Every statement is idempotent.
 */
export function renderInitScript(databases: readonly InitDatabase[]): string {
  const calls = databases.map((d) => `create_database ${d.user} ${d.database} "$${d.passwordEnv}" ${d.connectionLimit}`);
  return `#!/bin/bash
# Dockyard: one database and one owning role per client.
set -euo pipefail

psql_admin() {
  psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --username "\${POSTGRES_USER:-postgres}" --dbname postgres "$@"
}

create_database() {
  psql_admin -v role="$1" -v database="$2" -v password="$3" -v connlimit="$4" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L CONNECTION LIMIT %s', :'role', :'password', :'connlimit'::int)
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database') \\gexec
SELECT format('GRANT ALL ON DATABASE %I TO %I', :'database', :'role') \\gexec
SQL
}

# clients connect only to their own database
psql_admin -c 'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC'
${calls.join('\n')}
`;
}
