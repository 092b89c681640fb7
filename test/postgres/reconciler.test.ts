import { App } from 'cdk8s';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DockyardChart, ImageRelocation, Images, IPostgresDatabase, LocalSecretStore, NetworkPeer, Postgres, PostgresReconciler, Secret, SecretValue, shellWord,
  sqlIdentifier, sqlLiteral, SslMode,
} from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';

/** Read a quoted SQL identifier back as PostgreSQL's lexer does ("Identifiers and Key Words"). */
function readIdentifier(quoted: string): string {
  expect(quoted).toMatch(/^"(?:[^"]|"")*"$/s);
  return quoted.slice(1, -1).replace(/""/g, '"');
}

/** Read a quoted SQL literal back as PostgreSQL's lexer does ("String Constants", escape strings). */
function readLiteral(quoted: string): string {
  if (quoted.startsWith("E'")) {
    expect(quoted).toMatch(/^E'(?:[^'\\]|''|\\\\)*'$/s);
    return quoted.slice(2, -1).replace(/''|\\\\/g, (m) => m[0]);
  }
  expect(quoted).toMatch(/^'(?:[^'\\]|'')*'$/s);
  return quoted.slice(1, -1).replace(/''/g, "'");
}

const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));

// PostgreSQL docs, "Lexical Structure": a quoted identifier doubles its ", a string constant doubles its ', and an
// escape string E'...' reads \\ as one backslash (standard_conforming_strings decides only plain '...' strings)
describe('SQL and shell quoting', () => {
  test('an identifier reads back exactly, with every " doubled and nothing outside the quotes', () => {
    fc.assert(fc.property(text, (s) => readIdentifier(sqlIdentifier(s)) === s));
  });

  test('a literal reads back exactly, whatever standard_conforming_strings is: backslashes only in E strings', () => {
    fc.assert(fc.property(text, (s) => readLiteral(sqlLiteral(s)) === s));
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b\'')).toBe("E'a\\\\b'''");
  });

  test('a shell word is one single-quoted word that reads back exactly', () => {
    fc.assert(fc.property(text, (s) => {
      const w = shellWord(s);
      // outside '...' only the \' sequence appears
      expect(w).toMatch(/^'(?:[^']|'\\'')*'$/s);
      return w.slice(1, -1).split("'\\''").join("'") === s;
    }));
  });

  test('NUL is refused, since PostgreSQL text cannot hold it', () => {
    expect(() => sqlLiteral('a\0')).toThrow('PostgreSQL text cannot contain NUL');
    expect(() => sqlIdentifier('a\0')).toThrow('PostgreSQL text cannot contain NUL');
    expect(() => shellWord('a\0')).toThrow('PostgreSQL text cannot contain NUL');
  });
});

describe('PostgresReconciler', () => {
  const admin = (chart: ReturnType<typeof testChart>) => Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');

  // Kubernetes docs, "Network Policies": with Egress in policyTypes, only the listed egress is allowed; an empty
  // ingress list admits nothing
  test('its pod may reach only DNS and the server, and nothing may reach it', () => {
    const chart = testChart('data');
    const postgres = new Postgres(chart, 'Postgres');
    postgres.addDatabase('drone');
    const policy = find(synth(chart), 'NetworkPolicy', 'postgres-reconcile');
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toEqual([
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } }, podSelector: { matchLabels: {
          'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'postgres', 'app.kubernetes.io/component': 'database',
        } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ]);
  });

  test('a managed server, whose address is unknown at synth, is reached on its port only', () => {
    const chart = testChart('ci');
    new PostgresReconciler(chart, 'R', { host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword: admin(chart) });
    const policy = find(synth(chart), 'NetworkPolicy', 'postgres-reconcile');
    expect(policy.spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 25060 }] });
  });

  // Kubernetes docs, "Jobs": with restartPolicy OnFailure the pod's container restarts with an exponential back-off
  // capped at six minutes, up to backoffLimit; "TTL mechanism for finished Jobs": ttlSecondsAfterFinished deletes it
  test('runs as a hardened, retried Job that is removed ten minutes after it finishes', () => {
    const chart = testChart('ci');
    new PostgresReconciler(chart, 'R', { host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword: admin(chart) });
    const job = synth(chart).find((o) => o.kind === 'Job');
    expect(job.spec).toMatchObject({ backoffLimit: 30, ttlSecondsAfterFinished: 600 });
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
    const c = container(job);
    expect(c.image).toBe('docker.io/library/postgres:17.9-bookworm');
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.command).toEqual(['/bin/bash', '/scripts/reconcile.sh']);
  });

  /** The Job's name in a synth with the local secret store on `statePath`, rotating `rotate`. */
  function jobName(statePath: string, databases: Record<string, number>, rotate: string[] = []): string {
    const app = new App({ outdir: '/nonexistent' });
    const chart = new DockyardChart(app, 'test', { namespace: 'data' });
    const postgres = new Postgres(chart, 'Postgres');
    for (const [name, connectionLimit] of Object.entries(databases)) {
      postgres.addDatabase(name, { connectionLimit });
    }
    let objects: any[] = [];
    new LocalSecretStore({ statePath, rotate }).transaction(app, () => chart.toJson(), (resolved) => { objects = resolved; });
    return objects.find((o) => o.kind === 'Job').metadata.name;
  }

  // Kubernetes docs, "Jobs": a Job's pod template is immutable, so a changed Job must be a new Job (a new name)
  test('is named by its desired state and its passwords\' digests, so a change of either runs it again', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-state-'));
    const statePath = path.join(dir, 'state.json');
    const state = (name: string) => name.slice(0, -17);
    const digest = (name: string) => name.slice(-16);
    const first = jobName(statePath, { drone: 10 });
    expect(first).toMatch(/^postgres-reconcile-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(jobName(statePath, { drone: 10 })).toBe(first);
    // a connection limit: the state hash changes, the digest of the passwords does not
    const limit = jobName(statePath, { drone: 11 });
    expect(state(limit)).not.toBe(state(first));
    expect(digest(limit)).toBe(digest(first));
    // a second database: both change
    const added = jobName(statePath, { drone: 10, demo: 5 });
    expect(state(added)).not.toBe(state(first));
    expect(digest(added)).not.toBe(digest(first));
    // a new password: only the digest changes
    const rotated = jobName(statePath, { drone: 10, demo: 5 }, ['data/postgres-drone/password']);
    expect(state(rotated)).toBe(state(added));
    expect(digest(rotated)).not.toBe(digest(added));
    // a new superuser password, which the Job logs in with: only the digest changes, so a Job that had failed for good
    // runs again with the new login (day-two review), as Harbor's configuration Job does for its admin password
    const admin = jobName(statePath, { drone: 10, demo: 5 }, ['data/postgres-superuser/password']);
    expect(state(admin)).toBe(state(rotated));
    expect(digest(admin)).not.toBe(digest(rotated));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails on bad props and duplicate databases, naming the prop', () => {
    const chart = testChart('ci');
    const base = { host: 'db.example.com', port: 25060, adminPassword: admin(chart) };
    expect(() => new PostgresReconciler(chart, 'A', { ...base, name: 'a'.repeat(38) }))
      .toThrow(`invalid name "${'a'.repeat(38)}": must be at most 37 characters, leaving the Job's name room for its hash suffixes`);
    expect(() => new PostgresReconciler(chart, 'B', { ...base, adminDatabase: 'Default DB' })).toThrow(/^invalid adminDatabase "Default DB": must be a PostgreSQL identifier/);
    expect(() => new PostgresReconciler(chart, 'C', { ...base, sslMode: 'on' })).toThrow(/^invalid sslMode "on": must be one of disable/);
    expect(() => new PostgresReconciler(chart, 'D', { ...base, host: 'db.example.com:1' })).toThrow(/^invalid host "db.example.com:1"/);
    expect(() => new PostgresReconciler(chart, 'F', { ...base, adminUser: 'do admin' })).toThrow(/^invalid adminUser "do admin": must be a PostgreSQL identifier/);
    expect(() => new PostgresReconciler(chart, 'G', { ...base, port: 0 })).toThrow('invalid port 0: must be an integer from 1 to 65535');
    const r = new PostgresReconciler(chart, 'E', { ...base, name: 'e', serverPeer: NetworkPeer.namespace('x') });
    r.addRole({ database: 'a', user: 'shared', connectionLimit: 5 });
    // each message names the database it is about
    expect(() => r.addRole({ database: 'a', user: 'other', connectionLimit: 5 })).toThrow(new Error('invalid databaseName "a": must be reconciled once by e (database "a")'));
    expect(() => r.addRole({ database: 'b', user: 'shared', connectionLimit: 6 }))
      .toThrow(new Error('invalid connectionLimit 6: must be the same for every database of role shared: 5 on a (database "b")'));
    expect(envOf(container(synth(chart).find((o) => o.kind === 'Job' && o.metadata.name.startsWith('e-')))).PGSSLMODE.value).toBe('require');
    // the limit is spliced into SQL as a number
    expect(() => r.addRole({ database: 'c', user: 'third', connectionLimit: 2.5 }))
      .toThrow(new Error('invalid connectionLimit 2.5: must be an integer of at least -1 (database "c")'));
    expect(() => r.addRole({ database: 'neg', user: 'fourth', connectionLimit: -2 }))
      .toThrow(new Error('invalid connectionLimit -2: must be an integer of at least -1 (database "neg")'));
    // addDatabase, for a database a server Dockyard does not run holds, refuses as addRole does
    const external = { host: 'db.example.com', port: 25060, user: 'ext', password: base.adminPassword, sslMode: SslMode.REQUIRE, grantConnect: () => undefined };
    // a hand-written limit is read as its clients read it (statedConnectionLimit, lib/postgres/database.ts): -1 is none,
    // and 0 (which lets no non-superuser in: postgres/postgres REL_15_STABLE src/backend/utils/init/postinit.c,
    // InitializeSessionUserId, "CountUserBackends(roleid) > rform->rolconnlimit") or one above int4 (rolconnlimit)
    // is refused, as Harbor, Drone and Woodpecker refuse it, rather than reconciled
    for (const [limit, shown] of [[-3, '-3'], [0, '0'], [2147483648, '2147483648'], [Infinity, 'Infinity'], [1.5, '1.5']] as const) {
      expect(() => r.addDatabase({ ...external, databaseName: 'ext', connectionLimit: limit }))
        .toThrow(new Error(`invalid db.connectionLimit ${shown}: must be -1 (no limit) or an integer from 1 to 2147483647, as ` +
          'PostgreSQL\'s CONNECTION LIMIT (database "ext")'));
    }
    r.addDatabase({ ...external, databaseName: 'unlimited', user: 'unlimited', connectionLimit: -1 });
    r.addDatabase({ ...external, databaseName: 'top', user: 'top', connectionLimit: 2147483647 });
    // what untyped JavaScript may pass for a database or its options, refused in one line rather than with a TypeError
    for (const bad of ['ext', null, undefined]) {
      expect(() => r.addDatabase(bad as unknown as IPostgresDatabase))
        .toThrow(new Error(`invalid db ${JSON.stringify(bad) ?? 'undefined'}: must be an IPostgresDatabase: a database of Postgres.addDatabase, or an ExternalPostgres`));
    }
    expect(() => r.addDatabase({ ...external, databaseName: 'ext', connectionLimit: 3 }, null as unknown as object))
      .toThrow(new Error('invalid options null: must be an object of ReconcileOptions, e.g. { setPassword: false }'));
    // one role, one password: two Secrets would set it back and forth on every run
    const pa = Secret.fromSecretName(chart, 'Pa', 'pa').key('password');
    r.addRole({ database: 'd', user: 'owner', connectionLimit: 5 }, pa);
    r.addRole({ database: 'e', user: 'owner', connectionLimit: 5 }, pa);
    expect(() => r.addRole({ database: 'f', user: 'owner', connectionLimit: 5 }, Secret.fromSecretName(chart, 'Pb', 'pb').key('password')))
      .toThrow(new Error('invalid password "ci/pb#password": must be the same Secret key for every database of role owner: ci/pa#password (database "f")'));
  });

  test('the longest names, a reconciler\'s 37 and a Postgres\'s 27, make Job names of exactly 63: their pods\' job-name label', () => {
    // the API server copies a Job's name into its pods' job-name labels (kubernetes pkg/registry/batch/job/strategy.go
    // generateSelector), and a label value is at most 63 (MAX_JOB_NAME in lib/core/deployment.ts)
    const chart = testChart('ci');
    new PostgresReconciler(chart, 'A', { host: 'db.example.com', port: 25060, adminPassword: admin(chart), name: 'r'.repeat(37) });
    new Postgres(chart, 'B', { name: 'p'.repeat(27) });
    const jobs = synth(chart).filter((o) => o.kind === 'Job').map((o) => o.metadata.name as string);
    expect(jobs).toEqual([expect.stringMatching(/^r{37}-[0-9a-f]{8}-[0-9a-f]{16}$/), expect.stringMatching(/^p{27}-reconcile-[0-9a-f]{8}-[0-9a-f]{16}$/)]);
    for (const name of jobs) expect(name).toHaveLength(63);
  });

  test('marks the roles it creates with its namespace and name where revokeLeftRoles is on, by default on a server it owns only; it must be a boolean', () => {
    const script = (props: object) => {
      const chart = testChart('ci');
      const r = new PostgresReconciler(chart, 'R', { host: 'db.example.com', port: 25060, adminPassword: admin(chart), ...props });
      r.addRole({ database: 'a', user: 'a', connectionLimit: 5 });
      return synth(chart).find((o) => o.kind === 'ConfigMap' && o.data['reconcile.sh'] !== undefined).data['reconcile.sh'];
    };
    expect(script({ ownsServer: true })).toContain("format('COMMENT ON ROLE %I IS %L', 'a', 'dockyard: reconciled by ci/postgres-reconcile')");
    expect(script({ revokeLeftRoles: true, name: 'other' })).toContain("shobj_description(oid, 'pg_authid') = 'dockyard: reconciled by ci/other'");
    // a server it may share (another stack's reconciler of the same namespace and name marks its roles alike): off
    expect(script({})).not.toMatch(/COMMENT ON ROLE|'ALTER ROLE %I NOLOGIN'/);
    expect(script({ ownsServer: true, revokeLeftRoles: false })).not.toMatch(/COMMENT ON ROLE|'ALTER ROLE %I NOLOGIN'/);
    expect(script({ revokeLeftRoles: false })).not.toMatch(/COMMENT ON ROLE|'ALTER ROLE %I NOLOGIN'/);
    expect(() => script({ revokeLeftRoles: 'yes' })).toThrow(new Error('invalid revokeLeftRoles "yes": must be true or false'));
  });

  test('a role shared by two databases gets its password set once', () => {
    const chart = testChart('ci');
    const r = new PostgresReconciler(chart, 'R', { host: 'db.example.com', port: 25060, adminPassword: admin(chart) });
    const pw = Secret.fromSecretName(chart, 'Pw', 'pw').key('password');
    r.addRole({ database: 'a', user: 'owner', connectionLimit: 5 }, pw);
    r.addRole({ database: 'b', user: 'owner', connectionLimit: 5 }, pw);
    const script = synth(chart).find((o) => o.kind === 'ConfigMap').data['reconcile.sh'];
    expect(script.match(/^set_password /gm)).toHaveLength(1);
  });

  // Kubernetes: a Job's spec.template is immutable, so anything in it that changes must change the Job's name
  test('a relocated image names a new Job, rather than an apply the API server refuses', () => {
    const build = (relocate: boolean) => {
      const chart = testChart('ci');
      new PostgresReconciler(chart, 'R', { host: 'db.example.com', port: 25060, adminPassword: admin(chart) });
      if (relocate) {
        Images.relocate(chart, ImageRelocation.registry('mirror.example.com/dockyard'));
      }
      return synth(chart).find((o) => o.kind === 'Job');
    };
    const [plain, moved] = [build(false), build(true)];
    expect(container(moved).image).not.toBe(container(plain).image);
    expect(moved.metadata.name).not.toBe(plain.metadata.name);
  });

  // the same rule, for the rest of the template: a mirror login added (DOCKYARD_IMAGE_MIRROR_USER) gives the pod an
  // image pull secret, and a setting reaches it as a literal variable; each names a new Job (lib/core/job.ts)
  test('a pull secret its pod gets, or a changed setting, names a new Job', () => {
    const build = (options: { pullSecret?: boolean; port?: number } = {}) => {
      const chart = testChart('ci');
      new PostgresReconciler(chart, 'R', { host: 'db.example.com', port: options.port ?? 25060, adminPassword: admin(chart) });
      if (options.pullSecret) {
        const login = new Secret(chart, 'Hub', { name: 'hub-login', values: { '.dockerconfigjson': SecretValue.password(20) } });
        Images.usePullSecret(chart, ['docker.io'], login);
      }
      return synth(chart).find((o) => o.kind === 'Job');
    };
    const [plain, pulling, port] = [build(), build({ pullSecret: true }), build({ port: 25061 })];
    expect(plain.spec.template.spec.imagePullSecrets).toBeUndefined();
    expect(pulling.spec.template.spec.imagePullSecrets).toEqual([{ name: 'hub-login' }]);
    expect(pulling.metadata.name).not.toBe(plain.metadata.name);
    expect(envOf(container(port)).PGPORT.value).toBe('25061');
    expect(port.metadata.name).not.toBe(plain.metadata.name);
    // the passwords' digest is the same: only the template changed
    expect(pulling.metadata.name.slice(-16)).toBe(plain.metadata.name.slice(-16));
    expect(build({ pullSecret: true }).metadata.name).toBe(pulling.metadata.name);
  });

  // libpq reads the root certificate from PGSSLROOTCERT, else ~/.postgresql/root.crt, and verify-ca and verify-full
  // fail without one: 'root certificate file "%s" does not exist' (postgres/postgres
  // src/interfaces/libpq/fe-secure-openssl.c initialize_SSL; PostgreSQL docs, libpq "SSL Support")
  test('mounts caCertificate read-only with PGSSLROOTCERT pointing at it, and refuses verify-ca or verify-full without one', () => {
    const chart = testChart('ci');
    const ca = Secret.fromSecretName(chart, 'Ca', 'pg-ca').key('ca.pem');
    const adminPassword = admin(chart);
    new PostgresReconciler(chart, 'R', { host: 'db.example.com', port: 25060, adminPassword, sslMode: 'verify-ca', caCertificate: ca });
    const job = synth(chart).find((o) => o.kind === 'Job');
    const c = container(job);
    expect(envOf(c).PGSSLROOTCERT).toEqual({ name: 'PGSSLROOTCERT', value: '/etc/postgresql-ca/ca.crt' });
    expect(c.volumeMounts).toEqual([
      { name: 'scripts', mountPath: '/scripts', readOnly: true }, { name: 'current-jobs', mountPath: '/etc/dockyard/current-jobs', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' }, { name: 'database-ca', mountPath: '/etc/postgresql-ca', readOnly: true },
    ]);
    expect(job.spec.template.spec.volumes.find((v: any) => v.name === 'database-ca'))
      .toEqual({ name: 'database-ca', secret: { secretName: 'pg-ca', items: [{ key: 'ca.pem', path: 'ca.crt' }] } });
    for (const sslMode of ['verify-ca', 'verify-full']) {
      expect(() => new PostgresReconciler(chart, `No-${sslMode}`, { host: 'db.example.com', port: 25060, adminPassword, sslMode, name: sslMode }))
        .toThrow(new Error(`missing caCertificate: must be set when sslMode is "${sslMode}": the CA bundle libpq verifies the server against`));
    }
  });

  test('refuses role names PostgreSQL reserves and the databases it makes itself, naming the database', () => {
    const chart = testChart('ci');
    const r = new PostgresReconciler(chart, 'R', { host: 'db.example.com', port: 25060, adminPassword: admin(chart) });
    for (const user of ['public', 'none', 'pg_monitor', 'pg_x']) {
      expect(() => r.addRole({ database: 'app', user, connectionLimit: 5 }))
        .toThrow(new Error(`invalid user "${user}": must not be a role name PostgreSQL reserves: "public", "none", or one starting with "pg_" (database "app")`));
    }
    for (const database of ['postgres', 'template0', 'template1']) {
      expect(() => r.addRole({ database, user: 'app', connectionLimit: 5 })).toThrow(new Error(`invalid databaseName "${database}": must not be one of the ` +
        `databases PostgreSQL makes itself (postgres, template0, template1): the Job would revoke PUBLIC's privileges on it and, with a superuser admin, ` +
        `give it to the role (database "${database}")`));
    }
    // refused before anything was added
    expect(synth(chart).find((o) => o.kind === 'ConfigMap').data['reconcile.sh']).not.toContain('-- database');
  });
});
