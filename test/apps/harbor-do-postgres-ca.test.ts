import { App } from 'cdk8s';
import { harborOnDigitalOcean } from '../../apps/harbor-do/stack';
import { printRequiredSecrets } from '../../lib';
import { capture, synthApp } from '../registry/synth-app';

/**
 * apps/harbor-do verifies its managed PostgreSQL as the DigitalOcean program does (`verify-ca` with the cluster's CA):
 * `require` encrypts but checks no certificate (pgconn v1.14.3 config.go:636-648 sets InsecureSkipVerify without
 * `sslrootcert`), so anyone on the path could pose as the database and collect Harbor's password. The CA comes, as
 * every input of this example from outside, from a Secret the user creates, which the synth names; that the
 * rendered clients connect with it and refuse another CA is test/integ/digitalocean-postgres-tls.integ.test.ts.
 */
describe('apps/harbor-do and its PostgreSQL\'s CA', () => {
  test('the synth asks for harbor/postgres-ca (key ca.crt) and says how to get the CA', () => {
    const app = new App();
    harborOnDigitalOcean(app);
    const lines = capture(() => printRequiredSecrets(app)).stderr.split('\n').filter((l) => l.includes('harbor/postgres-ca'));
    expect(lines).toEqual([expect.stringMatching(
      /^dockyard: create Secret harbor\/postgres-ca \(keys: ca\.crt\): the managed PostgreSQL's CA certificate, PEM: doctl databases get-ca <id> -o json \| jq -r \.certificate \| base64 -d(;|$)/)]);
  });

  test('core and jobservice mount it and Harbor connects with sslmode verify-ca', () => {
    const out = synthApp((app) => harborOnDigitalOcean(app));
    const deployment = (name: string) => out.docs.find((d) => d.kind === 'Deployment' && d.metadata.name === name);
    const envOf = (name: string) => deployment(name).spec.template.spec.containers[0].env as any[];
    expect(envOf('harbor-core').find((e) => e.name === 'POSTGRESQL_SSLMODE')).toEqual({ name: 'POSTGRESQL_SSLMODE', value: 'verify-ca' });
    for (const name of ['harbor-core', 'harbor-jobservice']) {
      const volumes = deployment(name).spec.template.spec.volumes as any[];
      expect(volumes.filter((v) => v.secret?.secretName === 'postgres-ca').map((v) => v.secret.items ?? [{ key: 'ca.crt' }]))
        .toEqual([[expect.objectContaining({ key: 'ca.crt' })]]);
      expect(envOf(name).find((e) => e.name === 'PGSSLROOTCERT')?.value).toMatch(/ca\.crt$/);
    }
  });
});
