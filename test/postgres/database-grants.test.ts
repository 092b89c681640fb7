import { DatabaseGrants, DatabaseGrantsProps, ExternalPostgres, NetworkPeer, Postgres, Secret, SecretKey, SecretValue, SslMode } from '../../lib';
import { container, envOf, find, stderrOf, synth, testChart } from '../util';

describe('DatabaseGrants', () => {
  const build = () => {
    const chart = testChart('ci');
    new DatabaseGrants(chart, 'Grants', {
      host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword: Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password'),
      grants: [{ database: 'registry', user: 'harbor' }, { database: 'drone', user: 'drone' }],
    });
    return synth(chart);
  };

  const jobOf = (objects: any[]) => {
    const jobs = objects.filter((o) => o.kind === 'Job');
    expect(jobs).toHaveLength(1);
    expect(jobs[0].metadata.name).toMatch(/^database-grants-[0-9a-f]{8}-[0-9a-f]{16}$/);
    return jobs[0];
  };

  // A server in the cluster (an operator's PostgreSQL): NetworkPolicy ipBlocks are for addresses outside the cluster
  // (Kubernetes NetworkPolicy API, IPBlock: "cluster-external IPs"), and Cilium never matches a pod's address with
  // one, so the Job reaches such a server only through a peer of its pods
  test('egresses to any address on the port by default, and only to the server\'s pods with serverPeer', () => {
    const egressOf = (objects: any[]) => objects.find((o) => o.kind === 'NetworkPolicy').spec.egress[1];
    expect(egressOf(build())).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 25060 }] });
    const chart = testChart('ci');
    new DatabaseGrants(chart, 'Grants', {
      host: 'pg-rw.databases.svc', port: 5432, adminUser: 'postgres', adminPassword: Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password'),
      grants: [{ database: 'drone', user: 'drone' }],
      serverPeer: NetworkPeer.pods('databases', { 'cnpg.io/cluster': 'pg' }),
    });
    expect(egressOf(synth(chart))).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } }, podSelector: { matchLabels: { 'cnpg.io/cluster': 'pg' } } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
  });

  // DigitalOcean (do.md §1.2): the API creates users with the "normal" role and no privileges, "additional
  // permissions must be managed manually"; the admin is doadmin, the default database defaultdb, the port 25060
  test('runs the reconciler as a retried Job with libpq settings and the password from a Secret', () => {
    const objects = build();
    const job = jobOf(objects);
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
    const env = envOf(container(job));
    expect([env.PGHOST.value, env.PGPORT.value, env.PGUSER.value, env.PGSSLMODE.value]).toEqual(['db.example.com', '25060', 'doadmin', 'require']);
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'pg-admin', key: 'password' });
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'pg-admin', key: 'password' });
    // the script's ConfigMap is named by its content, and the Job mounts that one
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && /^database-grants-[0-9a-f]{8}$/.test(o.metadata.name));
    expect(job.spec.template.spec.volumes.find((v: any) => v.name === 'scripts').projected.sources[0].configMap.name).toBe(configMap.metadata.name);
    const script = configMap.data['reconcile.sh'];
    // the managed admin connects to DigitalOcean's defaultdb; the provider keeps the roles' passwords
    expect(script).toContain("--dbname 'defaultdb'");
    expect(script).toContain("SELECT format('GRANT ALL ON DATABASE %I TO %I', datname, 'harbor')");
    expect(script).toContain("SELECT format('GRANT ALL ON SCHEMA public TO %I', 'drone')");
    // the managed admin grants only what it may grant, and warns of the rest (test/integ/database-grants.integ.test.ts)
    expect(script).toContain("  AND (has_database_privilege(current_user, datname, 'CONNECT WITH GRANT OPTION')\n");
    expect(script).toContain("SELECT format('dockyard: warning: database %I: the admin %I cannot grant %I its privileges on schema public");
    expect(script).not.toContain('set_password \'');
    expect(find(objects, 'NetworkPolicy', 'database-grants').spec.ingress).toEqual([]);
  });

  // a shared server's other roles may connect to its admin database: only a server the app owns is closed
  // (test/integ/database-grants.integ.test.ts runs both against PostgreSQL 15)
  test('leaves the admin database open; the in-cluster Postgres, the app\'s own server, closes it', () => {
    const script = build().find((o: any) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('database-grants-')).data['reconcile.sh'];
    expect(script).not.toContain('REVOKE CONNECT');
    const chart = testChart('ci');
    new Postgres(chart, 'Pg').addDatabase('drone');
    const own = synth(chart).find((o: any) => o.kind === 'ConfigMap' && o.data?.['reconcile.sh'] !== undefined).data['reconcile.sh'];
    expect(own).toContain("SELECT format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', datname)");
  });

  // told, not refused: a pooler of the server is another port (DigitalOcean's pools, on 25061) or host in front of it
  test('warns of a database on another server than the one it connects to, naming both', () => {
    const chart = testChart('ci');
    const password = Secret.fromSecretName(chart, 'Pw', 'pw').key('password');
    const other = new ExternalPostgres(chart, 'X', { host: 'other.example.com', databaseName: 'x', user: 'x', password });
    const pooled = new ExternalPostgres(chart, 'Y', { host: 'db.example.com', port: 25061, databaseName: 'y', user: 'y', password });
    const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
    const err = stderrOf(() => new DatabaseGrants(chart, 'G', { host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword, databases: [other, pooled] }));
    expect(err.split('\n').filter((l) => l.startsWith('dockyard: warning:'))).toEqual([
      'dockyard: warning: database "x" is on other.example.com:5432, but database-grants connects to db.example.com:25060 and makes its database, ' +
      'role and connection limit there: if that is not the server behind other.example.com:5432 (a pooler of it), give database-grants that ' +
      'server, or reconcile the database with one that connects to it',
      'dockyard: warning: database "y" is on db.example.com:25061, but database-grants connects to db.example.com:25060 and makes its database, ' +
      'role and connection limit there: if that is not the server behind db.example.com:25061 (a pooler of it), give database-grants that ' +
      'server, or reconcile the database with one that connects to it',
    ]);
    // the same server: nothing to tell
    const same = new ExternalPostgres(chart, 'Z', { host: 'db.example.com', port: 25060, databaseName: 'z', user: 'z', password });
    expect(stderrOf(() => new DatabaseGrants(chart, 'H', { host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword, databases: [same], name: 'h' }))).toBe('');
    // nor under another spelling a pod resolves to it (lib/core/service.ts reachedServer: kubernetes/kubernetes at
    // d24fe8a8 pkg/kubelet/network/dns/dns.go:141-151 generateSearchesForDNSClusterFirst, svc.<domain> completes pg.data)
    const spelt = new ExternalPostgres(chart, 'S', { host: 'pg.data.svc.cluster.local', databaseName: 's', user: 's', password });
    expect(stderrOf(() => new DatabaseGrants(chart, 'I', { host: 'pg.data', port: 5432, adminUser: 'doadmin', adminPassword, databases: [spelt], name: 'i' }))).toBe('');
    // a one-label host is completed in each pod's own namespace, the Job's and the clients' apart: told unless written alike
    const local = new ExternalPostgres(chart, 'L', { host: 'pg', databaseName: 'l', user: 'l', password });
    expect(stderrOf(() => new DatabaseGrants(chart, 'J', { host: 'pg.ci.svc', port: 5432, adminUser: 'doadmin', adminPassword, databases: [local], name: 'j' })))
      .toContain('dockyard: warning: database "l" is on pg:5432, but j connects to pg.ci.svc:5432');
    // the Job's own one-label host is the Service of the Job's namespace (ci here), the first name its pod tries
    // (generateSearchesForDNSClusterFirst, <namespace>.svc.<domain> first): pg.ci is that server, pg.other is not
    const named = new ExternalPostgres(chart, 'N', { host: 'pg.ci', databaseName: 'n', user: 'n', password });
    expect(stderrOf(() => new DatabaseGrants(chart, 'K', { host: 'pg', port: 5432, adminUser: 'doadmin', adminPassword, databases: [named], name: 'k' }))).toBe('');
    const elsewhere = new ExternalPostgres(chart, 'O', { host: 'pg.other', databaseName: 'o', user: 'o', password });
    expect(stderrOf(() => new DatabaseGrants(chart, 'M', { host: 'pg', port: 5432, adminUser: 'doadmin', adminPassword, databases: [elsewhere], name: 'm' })))
      .toContain('dockyard: warning: database "o" is on pg.other:5432, but m connects to pg:5432');
  });

  // libpq checks no server certificate under require, prefer or allow unless given a root CA file (PostgreSQL docs,
  // libpq "SSL Support", "SSL Mode Descriptions"; postgres/postgres src/interfaces/libpq/fe-secure-openssl.c
  // initialize_SSL loads the root CA and sets SSL_VERIFY_PEER only then): the admin's login, the strongest on the
  // server, was the one connection left unchecked when the databases' clients check theirs
  test('warns when the admin logs in unchecked while its databases\' clients check the server\'s certificate', () => {
    const chart = testChart('ci');
    const password = Secret.fromSecretName(chart, 'Pw', 'pw').key('password');
    const ca = Secret.fromSecretName(chart, 'Ca', 'pg-ca').key('ca.crt');
    const db = (name: string, sslMode: SslMode) => new ExternalPostgres(chart, `Db-${name}`, {
      host: 'db.example.com', port: 25060, databaseName: name, user: name, password, sslMode, caCertificate: sslMode === SslMode.REQUIRE ? undefined : ca,
      maxConnections: 22, connectionLimit: 5,
    });
    const [full, verifyCa, plain] = [db('full', SslMode.VERIFY_FULL), db('ca', SslMode.VERIFY_CA), db('plain', SslMode.REQUIRE)];
    const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
    const grants = (name: string, props: Partial<DatabaseGrantsProps>) => stderrOf(() => new DatabaseGrants(chart, name, {
      host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword, name: name.toLowerCase(), ...props,
    }));
    expect(grants('A', { databases: [plain, full, verifyCa] })).toBe('dockyard: warning: a logs in as "doadmin" with sslMode "require", which ' +
      'checks no server certificate, while its databases\' clients check it ("full" verify-full, "ca" verify-ca): give it sslMode "verify-full", ' +
      'with a caCertificate in its namespace "ci" (it defaults to the CA its databases all carry)\n');
    expect(grants('B', { databases: [verifyCa], sslMode: 'prefer' })).toMatch(/^dockyard: warning: b logs in as "doadmin" with sslMode "prefer", .* give it sslMode "verify-ca",/);
    // checked: a verifying mode, or require with a CA (libpq then verifies as verify-ca does); or nothing to compare with
    expect(grants('C', { databases: [full, verifyCa], sslMode: 'verify-ca' })).toBe('');
    expect(grants('D', { databases: [full], caCertificate: ca })).toBe('');
    expect(grants('E', { databases: [plain] })).toBe('');
    expect(grants('F', { grants: [{ database: 'x', user: 'x' }] })).toBe('');
    // a CA checks the certificate for good under require only: prefer retries without TLS when the handshake fails,
    // allow tries without it first, disable never uses it (postgres/postgres REL_15 src/interfaces/libpq/fe-connect.c
    // PQconnectPoll, CONNECTION_SSL_STARTUP)
    for (const [id, sslMode] of [['G', 'prefer'], ['H', 'allow'], ['I', 'disable']]) {
      expect(grants(id, { databases: [full], sslMode, caCertificate: ca })).toBe(`dockyard: warning: ${id.toLowerCase()} logs in as "doadmin" ` +
        `with sslMode "${sslMode}", which goes on without a checked server certificate, its caCertificate notwithstanding, while its ` +
        'databases\' clients check it ("full" verify-full): give it sslMode "verify-full", with a caCertificate in its namespace "ci" (it ' +
        'defaults to the CA its databases all carry)\n');
    }
  });

  test('fails on names that are not PostgreSQL identifiers', () => {
    const chart = testChart('ci');
    const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
    const base = { host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword };
    expect(() => new DatabaseGrants(chart, 'A', { ...base, grants: [{ database: 'Reg;', user: 'harbor' }] })).toThrow(/^invalid databaseName "Reg;": .* \(database "Reg;"\)$/);
    expect(() => new DatabaseGrants(chart, 'B', { ...base, adminUser: 'do admin', grants: [] })).toThrow(/invalid adminUser "do admin"/);
  });

  test('fails on a host, port or sslmode that is not one, naming the prop', () => {
    const chart = testChart('ci');
    const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
    const base = { host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword, grants: [] };
    const HOST = 'must be a lower-case DNS host name or an IP address, without scheme, port or path';
    expect(() => new DatabaseGrants(chart, 'A', { ...base, host: '$(PGPASSWORD)' })).toThrow(`invalid host "$(PGPASSWORD)": ${HOST}`);
    expect(() => new DatabaseGrants(chart, 'B', { ...base, host: 'db.example.com:25060' })).toThrow(`invalid host "db.example.com:25060": ${HOST}`);
    expect(() => new DatabaseGrants(chart, 'C', { ...base, host: 'a..example.com' })).toThrow(`invalid host "a..example.com": ${HOST}`);
    expect(() => new DatabaseGrants(chart, 'D', { ...base, port: 0 })).toThrow('invalid port 0: must be an integer from 1 to 65535');
    expect(() => new DatabaseGrants(chart, 'E', { ...base, sslMode: 'required' }))
      .toThrow('invalid sslMode "required": must be one of disable, allow, prefer, require, verify-ca, verify-full (libpq sslmode)');
    expect(() => new DatabaseGrants(chart, 'F', { ...base, sslMode: 'require $(PGPASSWORD)' })).toThrow(/^invalid sslMode "require \$\(PGPASSWORD\)"/);
  });

  test('takes IP addresses and every libpq sslmode', () => {
    for (const [i, [host, sslMode]] of [['10.0.0.5', 'verify-full'], ['fd00::5', 'prefer'], ['db-1.internal', 'allow']].entries()) {
      const chart = testChart('ci');
      const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
      const caCertificate = Secret.fromSecretName(chart, 'Ca', 'pg-ca').key('ca.crt');
      new DatabaseGrants(chart, `G${i}`, { host, port: 5432, adminUser: 'doadmin', adminPassword, grants: [], sslMode, caCertificate });
      const env = envOf(container(jobOf(synth(chart))));
      expect([env.PGHOST.value, env.PGSSLMODE.value]).toEqual([host, sslMode]);
    }
  });

  // libpq's verify-ca and verify-full need a root certificate: without PGSSLROOTCERT it reads ~/.postgresql/root.crt
  // (PostgreSQL docs, libpq "SSL Support"; postgres/postgres src/interfaces/libpq/fe-secure-openssl.c
  // initialize_SSL: "root certificate file \"%s\" does not exist"), which the Job's pod does not have
  describe('caCertificate', () => {
    const grants = (chart: ReturnType<typeof testChart>, props: Partial<DatabaseGrantsProps>) => new DatabaseGrants(chart, 'G', {
      host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword: Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password'), ...props,
    });
    const database = (chart: ReturnType<typeof testChart>, name: string, caCertificate?: SecretKey) => new ExternalPostgres(chart, `Db-${name}`, {
      host: 'db.example.com', port: 25060, databaseName: name, user: name, password: Secret.fromSecretName(chart, `Pw-${name}`, `pw-${name}`).key('password'),
      sslMode: caCertificate ? SslMode.VERIFY_FULL : SslMode.REQUIRE, caCertificate, maxConnections: 22, connectionLimit: 5,
    });

    test('mounts the CA read-only as ca.crt and points PGSSLROOTCERT at it', () => {
      const chart = testChart('ci');
      grants(chart, { sslMode: 'verify-full', caCertificate: Secret.fromSecretName(chart, 'Ca', 'pg-ca').key('root.pem'), grants: [{ database: 'a', user: 'a' }] });
      const job = jobOf(synth(chart));
      const c = container(job);
      const env = envOf(c);
      expect([env.PGSSLMODE.value, env.PGSSLROOTCERT.value]).toEqual(['verify-full', '/etc/postgresql-ca/ca.crt']);
      expect(c.volumeMounts).toContainEqual({ name: 'database-ca', mountPath: '/etc/postgresql-ca', readOnly: true });
      expect(job.spec.template.spec.volumes).toContainEqual({ name: 'database-ca', secret: { secretName: 'pg-ca', items: [{ key: 'root.pem', path: 'ca.crt' }] } });
    });

    test('defaults to the CA its databases all carry, and to none when they differ', () => {
      const chart = testChart('ci');
      const ca = Secret.fromSecretName(chart, 'Ca', 'pg-ca').key('ca.crt');
      // another SecretKey object for the same key of the same Secret is the same CA
      const same = Secret.fromSecretName(chart, 'Ca2', 'pg-ca').key('ca.crt');
      grants(chart, { sslMode: 'verify-ca', databases: [database(chart, 'a', ca), database(chart, 'b', same)] });
      const job = jobOf(synth(chart));
      expect(envOf(container(job)).PGSSLROOTCERT.value).toBe('/etc/postgresql-ca/ca.crt');
      expect(job.spec.template.spec.volumes).toContainEqual({ name: 'database-ca', secret: { secretName: 'pg-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });

      // with require (the default), no default CA: the databases' CA, an existing Secret of their own namespace, could
      // not be mounted in the Job's, and a setup that synthesized before still does (review)
      const apartGrants = testChart('ci');
      const harborDb = new ExternalPostgres(apartGrants, 'HarborDb', {
        host: 'db.example.com', port: 25060, databaseName: 'registry', user: 'harbor', maxConnections: 22, connectionLimit: 5,
        password: Secret.fromSecretName(apartGrants, 'HarborPw', 'harbor-db', { namespace: 'harbor' }).key('password'), sslMode: SslMode.VERIFY_FULL,
        caCertificate: Secret.fromSecretName(apartGrants, 'HarborCa', 'pg-ca', { namespace: 'harbor' }).key('ca.crt'),
      });
      grants(apartGrants, { databases: [harborDb] });
      expect(envOf(container(jobOf(synth(apartGrants)))).PGSSLROOTCERT).toBeUndefined();

      // one without a CA, or another CA: no default, so verify-full is refused and require gets none
      for (const otherCa of [undefined, 'other-ca']) {
        const build = (sslMode: string) => {
          const other = testChart('ci');
          const dbs = [database(other, 'a', Secret.fromSecretName(other, 'Ca', 'pg-ca').key('ca.crt')),
            database(other, 'b', otherCa === undefined ? undefined : Secret.fromSecretName(other, 'Other', otherCa).key('ca.crt'))];
          grants(other, { sslMode, databases: dbs });
          return other;
        };
        expect(envOf(container(jobOf(synth(build('require'))))).PGSSLROOTCERT).toBeUndefined();
        expect(() => build('verify-full')).toThrow('missing caCertificate: must be set when sslMode is "verify-full": the CA bundle libpq verifies the server against');
      }
    });

    test('the Secret must be readable in the Job\'s namespace: a generated one is shared there, an existing one elsewhere refused', () => {
      const chart = testChart('ci');
      const generated = new Secret(chart, 'Generated', { name: 'made-ca', namespace: 'elsewhere', values: { 'ca.crt': SecretValue.input('CA', 'the CA') } });
      expect(generated.namespaces).toEqual(['elsewhere']);
      grants(chart, { sslMode: 'verify-ca', caCertificate: generated.key('ca.crt'), grants: [] });
      expect(jobOf(synth(chart)).spec.template.spec.volumes).toContainEqual({ name: 'database-ca', secret: { secretName: 'made-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
      expect(generated.namespaces).toEqual(['elsewhere', 'ci']);

      const other = testChart('ci');
      const existing = Secret.fromSecretName(other, 'Existing', 'pg-ca', { namespace: 'elsewhere' }).key('ca.crt');
      expect(() => grants(other, { sslMode: 'verify-ca', caCertificate: existing, grants: [] }))
        .toThrow(/^invalid secret "elsewhere\/pg-ca": it is used by pods in namespace "ci", but secretKeyRef cannot cross namespaces/);
    });

    test('verify-ca and verify-full without one are refused, naming the prop; require connects without one', () => {
      for (const sslMode of ['verify-ca', 'verify-full']) {
        expect(() => grants(testChart('ci'), { sslMode, grants: [] }))
          .toThrow(new Error(`missing caCertificate: must be set when sslMode is "${sslMode}": the CA bundle libpq verifies the server against`));
      }
      const chart = testChart('ci');
      grants(chart, { grants: [] });
      const job = jobOf(synth(chart));
      expect(envOf(container(job)).PGSSLROOTCERT).toBeUndefined();
      expect(job.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['scripts', 'current-jobs', 'tmp']);
      // what untyped JavaScript may pass
      expect(() => grants(testChart('ci'), { caCertificate: 'pg-ca' as unknown as SecretKey, grants: [] }))
        .toThrow(new Error('invalid caCertificate "pg-ca": must be a SecretKey, e.g. Secret.fromSecretName(scope, id, name).key("ca.crt")'));
    });
  });

  // PostgreSQL refuses them (postgres/postgres src/backend/parser/gram.y RoleId/RoleSpec: "role name \"%s\" is
  // reserved" for public and none; src/backend/commands/user.c CreateRole, IsReservedName, for pg_*), on every retry
  test('refuses a role name PostgreSQL reserves, and the databases it makes itself', () => {
    const chart = testChart('ci');
    const RESERVED = 'must not be a role name PostgreSQL reserves: "public", "none", or one starting with "pg_"';
    for (const user of ['public', 'none', 'pg_app', 'pg_']) {
      expect(() => grants(chart, { name: `g-${user.replace(/_/g, '')}`, grants: [{ database: 'app', user }] }))
        .toThrow(new Error(`invalid user "${user}": ${RESERVED} (database "app")`));
    }
    for (const database of ['template0', 'template1', 'postgres']) {
      expect(() => grants(chart, { name: `g-${database}`, grants: [{ database, user: 'app' }] }))
        .toThrow(new Error(`invalid databaseName "${database}": must not be one of the databases PostgreSQL makes itself (postgres, template0, template1): ` +
          `the Job would revoke PUBLIC's privileges on it and, with a superuser admin, give it to the role (database "${database}")`));
    }
    // near misses are names like any other
    grants(chart, { name: 'g-ok', grants: [{ database: 'template2', user: 'publicity' }, { database: 'postgres_app', user: 'app_pg_' }] });
  });

  const grants = (chart: ReturnType<typeof testChart>, props: Partial<DatabaseGrantsProps>) => new DatabaseGrants(chart, props.name ?? 'G', {
    host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword: Secret.fromSecretName(chart, `Admin-${props.name ?? 'G'}`, 'pg-admin').key('password'), ...props,
  });
});
