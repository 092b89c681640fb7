import { DatabaseGrants, Secret } from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';

describe('DatabaseGrants', () => {
  const build = () => {
    const chart = testChart('ci');
    new DatabaseGrants(chart, 'Grants', {
      host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword: Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password'),
      grants: [{ database: 'registry', user: 'harbor' }, { database: 'drone', user: 'drone' }],
    });
    return synth(chart);
  };

  test('runs the grant script as a retried Job with libpq settings and the password from a Secret', () => {
    const objects = build();
    const job = find(objects, 'Job', 'database-grants');
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
    const env = envOf(container(job));
    expect([env.PGHOST.value, env.PGPORT.value, env.PGUSER.value, env.PGSSLMODE.value]).toEqual(['db.example.com', '25060', 'doadmin', 'require']);
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'pg-admin', key: 'password' });
    const script = find(objects, 'ConfigMap', 'database-grants').data['grant.sh'];
    expect(script).toContain('grant registry harbor\ngrant drone drone\n');
    expect(script).not.toMatch(/password/i);
    expect(find(objects, 'NetworkPolicy', 'database-grants').spec.ingress).toEqual([]);
  });

  test('fails on names that are not PostgreSQL identifiers', () => {
    const chart = testChart('ci');
    const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
    const base = { host: 'db.example.com', port: 25060, adminUser: 'doadmin', adminPassword };
    expect(() => new DatabaseGrants(chart, 'A', { ...base, grants: [{ database: 'Reg;', user: 'harbor' }] })).toThrow(/invalid database "Reg;"/);
    expect(() => new DatabaseGrants(chart, 'B', { ...base, adminUser: 'do admin', grants: [] })).toThrow(/invalid adminUser "do admin"/);
  });
});
