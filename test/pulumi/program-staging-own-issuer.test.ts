import { get, registered, settled, setup, T } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * `acmeStaging` with `installIngress false`: the program makes no issuer, so the Ingresses keep naming the cluster's
 * own `letsencrypt`, as before the staging issuer had a name of its own; `nextSteps` names that issuer and, with
 * `acmeEmail` set, the way that keeps the install off (review).
 */
describe('the DigitalOcean program with acmeStaging but installIngress false', () => {
  let outputs: any;

  beforeAll(async () => {
    await setup();
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    outputs = deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, installIngress: false, acmeEmail: 'ops@example.com', acmeStaging: true }, 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('makes no issuer, and the Ingresses name letsencrypt, the cluster\'s own', async () => {
    expect(registered.filter((r) => r.type === T.clusterIssuer)).toEqual([]);
    const ingresses = registered.filter((r) => r.type === 'kubernetes:networking.k8s.io/v1:Ingress').map((r) => r.inputs);
    expect(ingresses.length).toBeGreaterThanOrEqual(2);
    for (const ingress of ingresses) {
      expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    }
    expect(await get(outputs.nextSteps)).toContain('with a ClusterIssuer "letsencrypt"; install them, or set installIngress true');
  });
});
