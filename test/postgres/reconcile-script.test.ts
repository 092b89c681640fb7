import { spawnSync } from 'child_process';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ReconciledDatabase, renderReconcileScript, renderReconcileSql } from '../../lib';
import { sqlComment } from '../../lib/postgres/sql-comment';

const IDENTIFIER = 'must be a PostgreSQL identifier: 1 to 63 lower-case letters, digits and "_", not starting with a digit';
const drone: ReconciledDatabase = { database: 'drone', user: 'drone', passwordEnv: 'P1', connectionLimit: 10 };

/** What each render function throws for `databases` on `adminDatabase`, or undefined; both must agree. */
function refusal(databases: readonly ReconciledDatabase[], adminDatabase = 'postgres'): string | undefined {
  const messages = [renderReconcileSql, renderReconcileScript].map((render) => {
    try {
      render(databases, adminDatabase);
      return undefined;
    } catch (e) {
      expect((e as Error).name).toBe('ValidationError');
      return (e as Error).message;
    }
  });
  expect(messages[1]).toBe(messages[0]);
  return messages[0];
}

describe('renderReconcileSql and renderReconcileScript refuse what would break out of the script, on their own', () => {
  // the review's reproductions: a line break ends the SQL comment that names the database (psql's lexer,
  // postgres/postgres src/fe_utils/psqlscan.l: `comment ("--"{non_newline}*)`, `non_newline [^\n\r]`), and a line
  // equal to the delimiter ends the bash heredoc the SQL is in (bash manual, "Here Documents": "until a line
  // containing only word"), quotes or not
  test.each([
    ['SQL after the comment line', 'db1\nCREATE ROLE injected_by_name;', '"db1\\nCREATE ROLE injected_by_name;"'],
    ['shell after the heredoc', "db2\nDOCKYARD_SQL\necho SHELL-INJECTED >&2\npsql_admin <<'DOCKYARD_SQL'",
      '"db2\\nDOCKYARD_SQL\\necho SHELL-INJECTED >&2\\npsql_admin <<\'DOCKYARD_SQL\'"'],
  ])('a database name with a line break (%s), in one line naming the prop', (_, database, shown) => {
    const message = refusal([{ database, user: 'u1', connectionLimit: 3 }]);
    expect(message).toBe(`invalid database ${shown}: ${IDENTIFIER}`);
    expect(message).not.toMatch(/[\n\r]/);
  });

  test('a role name with a line break, or quotes only, naming the database it is about', () => {
    expect(refusal([{ database: 'd', user: 'u\nDOCKYARD_SQL', connectionLimit: 3 }]))
      .toBe(`invalid user "u\\nDOCKYARD_SQL": ${IDENTIFIER} (database "d")`);
    // quoting would carry quotes safely, but the rule is checkIdentifier's, as PostgresReconciler's
    expect(refusal([{ database: 'd', user: 'ro\'le "x"', connectionLimit: 3 }])).toBe(`invalid user "ro'le \\"x\\"": ${IDENTIFIER} (database "d")`);
    expect(refusal([{ database: 'we\'ird "db"', user: 'u', connectionLimit: 3 }])).toBe(`invalid database "we'ird \\"db\\"": ${IDENTIFIER}`);
  });

  test('the admin database, the connection limit, a password variable and what is no list are refused too', () => {
    expect(refusal([drone], 'postgres\nDOCKYARD_SQL')).toBe(`invalid adminDatabase "postgres\\nDOCKYARD_SQL": ${IDENTIFIER}`);
    // spliced into SQL as a number
    expect(refusal([{ ...drone, connectionLimit: '1; DROP ROLE postgres' as unknown as number }]))
      .toBe('invalid connectionLimit "1; DROP ROLE postgres": must be an integer of at least -1 (database "drone")');
    expect(refusal([{ ...drone, passwordEnv: 'P1 $(id)' }]))
      .toBe('invalid passwordEnv "P1 $(id)": must be an upper-case C identifier: the name of an environment variable (database "drone")');
    // a C identifier, but not upper case; and not a string
    expect(refusal([{ ...drone, passwordEnv: 'Pg_PASSWORD' }]))
      .toBe('invalid passwordEnv "Pg_PASSWORD": must be an upper-case C identifier: the name of an environment variable (database "drone")');
    // a list of one name would read as that name to a regular expression
    expect(refusal([{ ...drone, passwordEnv: ['PG'] as unknown as string }])).toMatch(/^invalid passwordEnv \["PG"\]: must be an upper-case C identifier/);
    expect(refusal([{ ...drone, passwordEnv: '_PG_PASSWORD_2' }])).toBeUndefined();
    expect(refusal('drone' as unknown as ReconciledDatabase[])).toBe('invalid databases "drone": must be a list of ReconciledDatabase objects');
    expect(refusal([null as unknown as ReconciledDatabase]))
      .toBe('invalid databases null: must hold ReconciledDatabase objects, e.g. { database: "drone", user: "drone", connectionLimit: 10 }');
    expect(refusal([drone, { database: 'registry', user: 'harbor', connectionLimit: -1 }])).toBeUndefined();
  });
});

/** What psql_admin reads in each reconcile session of a script. */
function sessionsOf(script: string): string[] {
  return [...script.matchAll(/(?<=\n)ensure_current\npsql_admin <<'DOCKYARD_SQL'\n([\s\S]*?)\nDOCKYARD_SQL\n/g)].map((m) => `${m[1]}\n`);
}

const LOCK_TIMEOUT = "SELECT set_config('lock_timeout', '4s', false) AS dockyard_lock_timeout \\gset";

describe('renderReconcileSql', () => {
  const harbor: ReconciledDatabase = { database: 'registry', user: 'harbor', connectionLimit: 5 };

  // A statement that carries a password in plaintext reaches the server's log when it fails (log_min_error_statement,
  // ERROR by default: postgres/postgres REL_15_STABLE src/backend/utils/misc/guc_tables.c) or always with
  // log_statement = all, which a managed admin cannot turn off for its session; and psql prints it with the error
  // unless VERBOSITY is terse. So the SQL sends none: a role is created without one, and the script sets it as the
  // verifier psql's \password makes (test/integ/postgres-reconciler.integ.test.ts reads a real server's log)
  test('holds no password: roles are created without one, and nothing reads a password variable', () => {
    const sql = renderReconcileSql([drone, harbor], 'postgres');
    expect(sql).not.toMatch(/PASSWORD|:'password'|\\getenv/);
    expect(sql).toContain("SELECT format('CREATE ROLE %I LOGIN CONNECTION LIMIT %s', 'drone', 10), ");
    // the script's one statement with a password in it is for a password with a line break, which \password cannot read
    const script = renderReconcileScript([drone], 'postgres');
    const plain = script.indexOf("  if [[ \"$password\" == *$'\\n'* || \"$password\" == *$'\\r' ]]; then\n");
    expect(plain).toBeGreaterThan(0);
    expect(script.match(/PASSWORD %L|\\getenv|DOCKYARD_PASSWORD/g)).toHaveLength(4);
    expect(script.slice(0, plain)).not.toMatch(/PASSWORD %L|\\getenv|DOCKYARD_PASSWORD/);
    expect(script.slice(plain, script.indexOf('\n  fi\n', plain))).toContain("-c '\\set VERBOSITY terse' -c BEGIN \"$@\" -f - <<'DOCKYARD_SQL'\n\\getenv password DOCKYARD_PASSWORD\n");
  });

  // psql's \password reads the password from stdin where there is no terminal (postgres/postgres REL_17_STABLE
  // src/common/sprompt.c simple_prompt_extended), makes its verifier with PQencryptPasswordConn and sends
  // ALTER USER ... PASSWORD '<verifier>' (src/bin/psql/command.c exec_command_password)
  test('sets a password through psql\'s \\password, fed on stdin with no terminal, never in an argument', () => {
    const script = renderReconcileScript([drone], 'postgres');
    expect(script).toContain(`output=$(printf '%s\\n%s\\n' "$password" "$password" | PGOPTIONS="\${DOCKYARD_ADMIN_PGOPTIONS:-} -c lock_timeout=4s" \\\n` +
      `    setsid --wait psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname 'postgres' -v role="$role" \\\n` +
      `    -c '\\set VERBOSITY terse' -c BEGIN "$@" -c '\\password :"role"' -c COMMIT 2>&1) || status=$?\n`);
    // the only commands given a password: printf (a bash builtin, so in no process's argv), the environment of the
    // login check and of the session for a password with a line break, and the test for one
    expect(script.match(/"\$password"/g)).toHaveLength(6);
    expect(script).toContain('DOCKYARD_PASSWORD="$password" DOCKYARD_ADMIN_PGOPTIONS=');
    expect(script).toContain('PGPASSWORD="$password" psql');
  });

  // libpq runs \password's `show password_encryption` and `ALTER USER ... PASSWORD` with PQexec on psql's connection
  // (postgres/postgres REL_17_STABLE src/interfaces/libpq/fe-auth.c PQencryptPasswordConn, PQchangePassword), so they
  // join the transaction BEGIN opened: a role that is not there yet is created in it, before its database's session.
  // test/integ/postgres-reconciler.integ.test.ts kills a run between the two against a real PostgreSQL 15
  test('creates a role in the one transaction that sets its password, before the session of its database', () => {
    const script = renderReconcileScript([drone, { ...harbor, passwordEnv: 'P2' }], 'postgres', { roleMark: 'made by dockyard' });
    const sessions = script.split('\nensure_current\npsql_admin <<\'DOCKYARD_SQL\'\n');
    expect(sessions).toHaveLength(3);
    expect(sessions[0].endsWith('\ncreate_role \'drone\' \'drone\' "$P1" -c \'CREATE ROLE "drone" LOGIN CONNECTION LIMIT 10\' ' +
      '-c \'COMMENT ON ROLE "drone" IS \'\\\'\'made by dockyard\'\\\'\'\'')).toBe(true);
    expect(sessions[1].endsWith('\ncreate_role \'harbor\' \'registry\' "$P2" -c \'CREATE ROLE "harbor" LOGIN CONNECTION LIMIT 5\' ' +
      '-c \'COMMENT ON ROLE "harbor" IS \'\\\'\'made by dockyard\'\\\'\'\'')).toBe(true);
    // a role there before the run, or created by it already, is left to set_password's login check
    expect(script).toContain('create_role() {\n  local role="$1"\n  if [[ $existing_roles != *" $role "* && $created_roles != *" $role "* ]]; then\n' +
      '    set_password "$@"\n    created_roles+="$role "\n  fi\n}\n');
    // a database whose password is managed elsewhere creates no role here: the SQL creates it without one
    expect(renderReconcileScript([{ ...drone, passwordEnv: undefined }], 'postgres')).not.toContain('\ncreate_role ');
  });

  // PostgreSQL docs, lock_timeout: "Abort any statement that waits longer than the specified amount of time while
  // attempting to acquire a lock"; a setting lasts for its session, and psql's \connect opens a new one (psql docs,
  // \connect: "Establishes a new connection"), so it is set again after each; test/integ/postgres-reconciler.integ.test.ts
  // holds a lock against a real PostgreSQL 15
  test('every connection, the first and each \\connect, sets lock_timeout before its first statement', () => {
    const closed = { closeAdminDatabase: true };
    for (const sql of [renderReconcileSql([drone, harbor], 'postgres', closed), ...sessionsOf(renderReconcileScript([drone, harbor], 'postgres', closed))]) {
      const lines = sql.split('\n');
      expect(lines[0]).toBe(LOCK_TIMEOUT);
      lines.forEach((line, i) => {
        if (line.startsWith('\\connect ')) expect(lines[i + 1]).toBe(LOCK_TIMEOUT);
      });
      expect(lines.filter((l) => l.startsWith('\\connect '))).toHaveLength(lines.filter((l) => l.startsWith('-- database ')).length * 2);
    }
  });

  test('the script runs each database in a session of its own, checked against the list of current Jobs before it starts', () => {
    const script = renderReconcileScript([drone, harbor], 'postgres', { closeAdminDatabase: true });
    const sessions = sessionsOf(script);
    expect(sessions.map((sql) => sql.split('\n').filter((l) => l.startsWith('-- database ')))).toEqual([
      ['-- database drone, role drone'], ['-- database registry, role harbor'],
    ]);
    // the admin database is closed in the first, and every session finds out whether its admin is a superuser
    expect(sessions.map((sql) => sql.includes('REVOKE CONNECT'))).toEqual([true, false]);
    sessions.forEach((sql) => expect(sql).toContain("WHERE rolname = current_user \\gset"));
    // each heredoc of the reconcile SQL right after an ensure_current, and the password's session too
    expect(script.match(/\nensure_current\npsql_admin <<'DOCKYARD_SQL'\n/g)).toHaveLength(2);
    expect(script).toMatch(/\n {2}ensure_current\n(?: {2}#[^\n]*\n)+ {2}if \[\[ "\$password" == /);
    // past the four lines each session starts with (the lock timeout, the admin's three facts), they are the SQL of one session
    const rest = (sql: string) => sql.split('\n').slice(4).join('\n');
    expect(sessions.map(rest).join('')).toBe(rest(renderReconcileSql([drone, harbor], 'postgres', { closeAdminDatabase: true })));
  });

  test('closeAdminDatabase revokes PUBLIC\'s CONNECT on template1 too, in name order; without it, on neither', () => {
    const closed = renderReconcileSql([drone], 'postgres', { closeAdminDatabase: true });
    expect(closed).toContain("  FROM pg_database WHERE datname IN ('postgres', 'template1') AND :'dockyard_superuser'::boolean\n");
    expect(closed).toContain('  ORDER BY datname \\gexec\n');
    expect(renderReconcileSql([drone], 'postgres')).not.toContain('REVOKE CONNECT');
  });
});

// PostgreSQL 16 and later: "To change another role's password, the current user must have the CREATEROLE attribute
// and the ADMIN option on the role" (postgres/postgres src/backend/commands/user.c AlterRole; PostgreSQL 16 release
// notes: "Restrict the privileges of CREATEROLE and its ability to modify other roles"); pg_has_role's MEMBER WITH
// ADMIN OPTION is the same test, is_admin_of_role (src/backend/utils/adt/acl.c pg_role_aclcheck).
// test/integ/postgres-reconciler.integ.test.ts runs the refusal against PostgreSQL 15
// PostgreSQL 15 lets only a superuser alter a SUPERUSER or REPLICATION role in any way (postgres/postgres
// REL_15_STABLE src/backend/commands/user.c AlterRole: "must be superuser to alter superuser roles or change superuser
// attribute", "must be superuser to alter replication roles or change replication attribute"); 16 and later, a
// SUPERUSER one ("Only roles with the SUPERUSER attribute may alter roles with the SUPERUSER attribute")
const SUPERUSER_ONLY = "CASE WHEN rolsuper THEN 'SUPERUSER' WHEN rolreplication AND :'dockyard_before_16'::boolean THEN 'REPLICATION' END";

describe('a declared role only a superuser may alter', () => {
  const session = sessionsOf(renderReconcileScript([drone], 'postgres'))[0];
  const mayAlter = "((:'dockyard_alters_any'::boolean OR pg_has_role(current_user, rolname, 'MEMBER WITH ADMIN OPTION')) AND " +
    `(:'dockyard_superuser'::boolean OR (${SUPERUSER_ONLY}) IS NULL))`;
  const why = `coalesce('it is a ' || (${SUPERUSER_ONLY}) || ' role and the admin is no superuser: as a superuser, run', ` +
    "'the admin lacks ADMIN OPTION on it: run')";

  // the run went on to ALTER ROLE, whose error stopped it (ON_ERROR_STOP) on every run; test/integ/database-grants.integ.test.ts
  // runs it against PostgreSQL 15
  test('gets neither its LOGIN nor its connection limit altered, but a warning with the statement a superuser runs', () => {
    expect(session).toContain(`  FROM pg_roles WHERE rolname = 'drone' AND NOT rolcanlogin AND ${mayAlter} \\gexec\n`);
    expect(session).toContain("SELECT format('dockyard: warning: role %I cannot log in (NOLOGIN), and %s ALTER ROLE %I LOGIN', " +
      `rolname, ${why}, rolname)\n  FROM pg_roles WHERE rolname = 'drone' AND NOT rolcanlogin AND NOT ${mayAlter};\n`);
    expect(session).toContain(`  FROM pg_roles WHERE rolname = 'drone' AND rolconnlimit <> 10 AND ${mayAlter} \\gexec\n`);
    expect(session).toContain("SELECT format('dockyard: warning: role %I: cannot set its connection limit %s (now %s): %s ALTER ROLE %I CONNECTION LIMIT %s',\n" +
      `  rolname, 10, rolconnlimit, ${why}, rolname, 10)\n  FROM pg_roles WHERE rolname = 'drone' AND rolconnlimit <> 10 AND NOT ${mayAlter};\n`);
    // no warning carries a password, nor reads one
    for (const line of session.split('\n').filter((l) => l.includes('dockyard: warning'))) {
      expect(line).not.toMatch(/PASSWORD|:'password'/);
    }
  });
});

describe('the password step and the PostgreSQL 16 rule for CREATEROLE', () => {
  const script = renderReconcileScript([drone, { database: 'registry', user: 'harbor', passwordEnv: 'P2', connectionLimit: 5 }], 'postgres');
  const setPassword = script.slice(script.indexOf('set_password() {'), script.indexOf('\n}\n', script.indexOf('set_password() {')));

  test('asks whether the admin may alter the role, by the rule the other ALTER ROLE statements keep, before it fences and sets it', () => {
    const ask = setPassword.indexOf('refusal=$(psql_admin -v role="$role"');
    expect(ask).toBeGreaterThan(setPassword.indexOf('*"password authentication failed"*'));
    expect(ask).toBeLessThan(setPassword.indexOf('ensure_current'));
    expect(setPassword.indexOf('ensure_current')).toBeLessThan(setPassword.indexOf('\\password :"role"'));
    expect(setPassword.indexOf('\\password :"role"')).toBeGreaterThan(0);
    // the admin's facts as every reconcile session finds them, and the same test of ADMIN OPTION as LOGIN and CONNECTION LIMIT
    const facts = sessionsOf(script)[0].split('\n').slice(1, 4);
    expect(facts[1]).toBe("SELECT current_setting('server_version_num')::int < 160000 AS dockyard_before_16 \\gset");
    expect(facts[2]).toBe("SELECT :'dockyard_superuser'::boolean OR :'dockyard_before_16'::boolean AS dockyard_alters_any \\gset");
    expect(setPassword).toContain(`<<'DOCKYARD_SQL'\n${facts.join('\n')}\nSELECT CASE\n`);
    const mayAlter = "(:'dockyard_alters_any'::boolean OR pg_has_role(current_user, rolname, 'MEMBER WITH ADMIN OPTION'))";
    expect(sessionsOf(script)[0]).toContain(`rolconnlimit <> 10 AND (${mayAlter} AND (:'dockyard_superuser'::boolean OR (${SUPERUSER_ONLY}) IS NULL)) \\gexec`);
    // AlterRole's whole rule for a password (user.c): a superuser sets any; a role its own; another role's needs
    // CREATEROLE, the role no superuser nor, before 16, a replication role, and on 16 and later ADMIN OPTION
    expect(setPassword).toContain("  FROM pg_roles, (SELECT rolcreaterole FROM pg_roles WHERE rolname = current_user) AS admin\n" +
      "  WHERE rolname = :'role' AND NOT :'dockyard_superuser'::boolean AND rolname <> current_user\n" +
      `    AND (NOT admin.rolcreaterole OR NOT (${mayAlter} AND (:'dockyard_superuser'::boolean OR (${SUPERUSER_ONLY}) IS NULL)));\n`);
    expect(setPassword).toContain("    WHEN rolreplication AND :'dockyard_before_16'::boolean THEN format('dockyard: role %I: cannot set its ' ||\n" +
      "      'password, as it is a REPLICATION role and the admin %I is no superuser (PostgreSQL 15 and earlier); set it as a superuser; ' ||\n" +
      "      'the Job tries again', rolname, current_user)\n");
    // the question carries no password
    const question = setPassword.slice(ask, setPassword.indexOf('\nDOCKYARD_SQL\n)', ask));
    expect(question).not.toMatch(/password'|DOCKYARD_PASSWORD|PASSWORD %L/);
  });

  test('a role it may not alter is named on stderr with the GRANT to run, and the run fails once the other roles are done', () => {
    expect(setPassword).toContain("'as a superuser or a role with ADMIN OPTION on it, run GRANT %I TO %I WITH ADMIN OPTION; the Job tries again'");
    expect(setPassword).toMatch(/if \[ -n "\$refusal" \]; then\n {4}echo "\$refusal" >&2\n {4}unset_roles=yes\n {4}return 0\n/);
    const rest = script.slice(script.indexOf('\nunset_roles=\n'));
    expect(rest.slice(rest.lastIndexOf('DOCKYARD_SQL\n'))).toBe("DOCKYARD_SQL\n\nset_password 'drone' 'drone' \"$P1\"\nset_password 'harbor' 'registry' \"$P2\"\n" +
      '# a password the admin may not set, or a role the server refuses after its password, fails the run, once every other\n' +
      '# role\'s is set (set_password)\n[ -z "$unset_roles" ] || exit 1\n');
  });
});

// PostgreSQL 16 and later grant a CREATEROLE admin that is no superuser every role it creates, WITH ADMIN OPTION but
// INHERIT FALSE and SET FALSE (doc/src/sgml/ref/create_role.sgml, REL_16_STABLE; createrole_self_grant adds INHERIT or
// SET only where set), and pg_has_role's MEMBER reports any membership "without regard to what specific privileges may
// be conferred" (doc/src/sgml/func.sgml, REL_16_STABLE, pg_has_role). So on a managed PostgreSQL 16 or 17 the admin is
// a MEMBER of each role it made, and holds none of its privileges: what needs the owner's privileges (REVOKE from
// PUBLIC on a database the role owns: postgres/postgres src/backend/utils/adt/acl.c select_best_grantor,
// has_privs_of_role) is asked with USAGE, which is has_privs_of_role, and only altering a role with MEMBER WITH ADMIN
// OPTION (AlterRole's is_admin_of_role). test/integ/database-grants.integ.test.ts shows the same on PostgreSQL 15 with a
// NOINHERIT admin, whose membership confers no privileges either
describe('PostgreSQL 16\'s self-granted membership confers no privileges: what needs them asks USAGE, never MEMBER', () => {
  const sql = renderReconcileSql([drone, { database: 'registry', user: 'harbor', connectionLimit: 5 }], 'postgres', { roleMark: 'dockyard: test' });

  test('PUBLIC\'s privileges are revoked by an admin with the owner\'s privileges, and otherwise warned of with the owner\'s statement', () => {
    const revoke = sql.slice(sql.indexOf("SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', 'drone')"));
    expect(revoke.split('\n').slice(1, 3).join('\n')).toBe(
      "  FROM pg_database WHERE datname = 'drone' AND (:'dockyard_superuser'::boolean OR pg_has_role(current_user, datdba, 'USAGE'))\n" +
      "  AND EXISTS (SELECT FROM aclexplode(coalesce(datacl, acldefault('d', datdba))) a WHERE a.grantee = 0) \\gexec");
    expect(revoke).toContain("  FROM pg_database WHERE datname = 'drone' AND NOT (:'dockyard_superuser'::boolean OR pg_has_role(current_user, datdba, 'USAGE'))\n" +
      "  AND EXISTS (SELECT FROM aclexplode(coalesce(datacl, acldefault('d', datdba))) a WHERE a.grantee = 0);");
  });

  test('no pg_has_role asks bare MEMBER: altering a role asks MEMBER WITH ADMIN OPTION, the rest USAGE', () => {
    const asks = [...sql.matchAll(/pg_has_role\([^)]*'([A-Z ]+)'\)/g)].map((m) => m[1]);
    expect(new Set(asks)).toEqual(new Set(['USAGE', 'MEMBER WITH ADMIN OPTION']));
  });
});

describe('sqlComment', () => {
  test('is one line, whatever the text holds: no line break can end it', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      const comment = sqlComment(s);
      return comment.startsWith('-- ') && !/[\n\r]/.test(comment);
    }));
    expect(sqlComment('db1\nCREATE ROLE x;\r\u0000')).toBe('-- db1\\u000aCREATE ROLE x;\\u000d\\u0000');
  });

  test('leaves a name as it is, so the script, and the Job named after it, stay the same', () => {
    expect(sqlComment('database drone, role drone')).toBe('-- database drone, role drone');
    expect(renderReconcileSql([drone], 'postgres').split('\n')).toContain('-- database drone, role drone');
  });
});

describe('the reconcile script refuses a password PostgreSQL would store as a hash', () => {
  // PostgreSQL stores such a password as it is, as the role's hash (postgres/postgres doc/src/sgml/ref/create_role.sgml,
  // PASSWORD: "If the presented password string is already in MD5-encrypted or SCRAM-encrypted format, then it is
  // stored as-is regardless of password_encryption"). What it takes for one: src/backend/libpq/crypt.c:98-105 at
  // 00e27235e5ef6596acc94ec60eb17f74810bf817, get_password_type: "md5", then MD5_PASSWD_LEN (35) characters in all,
  // of MD5_PASSWD_CHARSET "0123456789abcdef" (src/include/common/md5.h); or a secret parse_scram_secret reads,
  // "SCRAM-SHA-256$<iterations>:<salt>$<storedkey>:<serverkey>". test/integ/postgres-reconciler.integ.test.ts shows
  // the role then cannot log in with it on PostgreSQL 15.
  const HEX32 = '0123456789abcdef0123456789abcdef';
  const SCRAM = 'SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$6Yq0X7gk3o5c1fQm0t1v8Z2bYl4x9s0P1r2e3w4q5t6=:Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=';

  /** Run the script with `password` in P1 and a psql that only records that it ran. */
  function run(password: string): { status: number | null; stderr: string; psqlRan: boolean } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-reconcile-script-'));
    const calls = path.join(dir, 'psql-calls');
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'psql'), `#!/bin/sh\ncat > /dev/null\necho ran >> '${calls}'\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'reconcile.sh'), renderReconcileScript([drone], 'postgres'));
    const r = spawnSync('bash', [path.join(dir, 'reconcile.sh')], {
      encoding: 'utf8', timeout: 30_000, env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, P1: password },
    });
    const psqlRan = fs.existsSync(calls);
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, stderr: r.stderr, psqlRan };
  }

  test.each([['an MD5 hash', `md5${HEX32}`], ['a SCRAM secret', SCRAM], ['anything starting as a SCRAM secret does', 'SCRAM-SHA-256$x']])(
    '%s: before anything runs, naming the variable, never the value', (_, password) => {
      const r = run(password);
      expect(r).toEqual({
        status: 1, psqlRan: false,
        stderr: 'dockyard: P1 holds a password PostgreSQL would take for a hash ("md5" and 32 hex digits, or one starting ' +
          '"SCRAM-SHA-256$") and store as it is, so the role could not log in with it: choose another\n',
      });
      expect(r.stderr).not.toContain(password);
    });

  // each of these PostgreSQL hashes like any password (crypt.c above: the wrong length, case or prefix)
  test.each([`md5${HEX32.toUpperCase()}`, `md5${HEX32.slice(1)}`, `md5${HEX32}0`, `MD5${HEX32}`, ` md5${HEX32}`, 'scram-sha-256$x', 'SCRAM-SHA-256'])(
    '%j is a password like any other: the script goes on', (password) => {
      expect(run(password)).toEqual({ status: 0, stderr: '', psqlRan: true });
    });
});

// A removed app's role logs in no more (the behaviour against a real PostgreSQL 15 is in
// test/integ/postgres-reconciler.integ.test.ts, "a database taken out of the code"): the mark goes on each role the
// script creates, and only roles with that mark lose their login
describe('roleMark', () => {
  test('marks each role it creates, right after CREATE ROLE, and takes the login of marked roles not declared', () => {
    const sql = renderReconcileSql([drone], 'postgres', { roleMark: "dockyard: reconciled by ns/it's" });
    expect(sql).toContain("format('COMMENT ON ROLE %I IS %L', 'drone', 'dockyard: reconciled by ns/it''s'), ");
    expect(sql).toContain("shobj_description(oid, 'pg_authid') = 'dockyard: reconciled by ns/it''s'");
    expect(sql).toContain("AND NOT (rolname::text = ANY (ARRAY['drone']::text[]))");
    // none declared: an empty list, which the server reads as such, never a NOT IN ()
    expect(renderReconcileSql([], 'postgres', { roleMark: 'm' })).toContain('ARRAY[]::text[]');
  });

  test('without one, nothing is marked and no login is taken', () => {
    const sql = renderReconcileSql([drone], 'postgres');
    expect(sql).not.toContain('COMMENT ON ROLE');
    expect(sql).not.toContain("'ALTER ROLE %I NOLOGIN'");
    // nor is a role told of as no longer declared in a database: without a mark none is known to be one
    expect(sql).not.toContain('REASSIGN OWNED');
  });

  // a database renamed by hand while its role's name followed it (test/integ/postgres-rename.integ.test.ts)
  test('in each database, warns of objects a marked role no longer declared owns, naming the REASSIGN OWNED, once connected to it', () => {
    const sql = renderReconcileSql([drone], 'postgres', { roleMark: 'm' });
    const warning = sql.indexOf("run REASSIGN OWNED BY %I TO %I', 'drone', 'drone', x.owned, x.rolname, 'drone', x.rolname, 'drone')");
    expect(warning).toBeGreaterThan(sql.indexOf('\\connect "drone"'));
    expect(warning).toBeLessThan(sql.indexOf('\\connect "postgres"'));
    expect(sql.slice(warning)).toMatch(/^[^;]*shobj_description\(l\.oid, 'pg_authid'\) = 'm' AND l\.rolname <> 'drone'\n {4}AND l\.rolname <> current_user AND NOT \(l\.rolname::text = ANY \(ARRAY\['drone'\]::text\[\]\)\)\) AS x/);
  });

  test('refuses a mark that is not one line of printable text, in one line naming the option', () => {
    const allowed = 'must be 1 to 200 printable ASCII characters on one line: it is spliced into the script as a SQL literal';
    for (const bad of ['', 'a\nDOCKYARD_SQL', 7]) {
      expect(() => renderReconcileSql([drone], 'postgres', { roleMark: bad as string })).toThrow(new Error(`invalid roleMark ${JSON.stringify(bad)}: ${allowed}`));
    }
    expect(() => renderReconcileSql([drone], 'postgres', { roleMark: 'x'.repeat(201) })).toThrow(`(201 characters): ${allowed}`);
    expect(() => renderReconcileSql([drone], 'postgres', { roleMark: 'x'.repeat(200) })).not.toThrow();
  });
});
