import { registered, settled, setup, T } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * `acmeStaging` under Pulumi mocks: the staging ClusterIssuer has a name of its own, which the Ingresses name, so that
 * turning staging off changes their issuer annotation. cert-manager re-issues a certificate when the issuer's name,
 * kind or group changes, never for its ACME server (cert-manager pkg/controller/certificates/trigger/policies/
 * policies.go, SecretHasUpToDateIssuerAnnotations): under one name, the untrusted staging certificates stayed until
 * their renewal (review).
 */
describe('the DigitalOcean program with acmeStaging', () => {
  beforeAll(async () => {
    await setup();
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, installIngress: true, acmeEmail: 'ops@example.com', acmeStaging: true }, 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('names the staging ClusterIssuer letsencrypt-staging, on the staging directory, and the Ingresses name it', () => {
    const issuers = registered.filter((r) => r.type === T.clusterIssuer).map((r) => r.inputs);
    expect(issuers.map((i) => [i.metadata.name, i.spec.acme.server])).toEqual([
      ['letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory'],
    ]);
    const ingresses = registered.filter((r) => r.type === 'kubernetes:networking.k8s.io/v1:Ingress').map((r) => r.inputs);
    expect(ingresses.length).toBeGreaterThanOrEqual(2);
    for (const ingress of ingresses) {
      expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-staging');
    }
  });
});
