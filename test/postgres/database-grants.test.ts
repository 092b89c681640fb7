import { DatabaseGrants, ExternalPostgres, Postgres, Secret } from '../../lib';
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
    expect(job.spec.template.spec.volumes.find((v: any) => v.name === 'scripts').configMap.name).toBe(configMap.metadata.name);
    const script = configMap.data['reconcile.sh'];
    // the managed admin connects to DigitalOcean's defaultdb; the provider keeps the roles' passwords
    expect(script).toContain("--dbname 'defaultdb'");
    expect(script).toContain("SELECT format('GRANT ALL ON DATABASE %I TO %I', 'registry', 'harbor')");
    expect(script).toContain("SELECT format('GRANT ALL ON SCHEMA public TO %I', 'drone')");
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
      new DatabaseGrants(chart, `G${i}`, { host, port: 5432, adminUser: 'doadmin', adminPassword, grants: [], sslMode });
      const env = envOf(container(jobOf(synth(chart))));
      expect([env.PGHOST.value, env.PGSSLMODE.value]).toEqual([host, sslMode]);
    }
  });
});
