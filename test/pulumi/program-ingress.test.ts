import { get, LOAD_BALANCER_IP, registered, settled, setup, T } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE, readSettings } from '../../apps/digitalocean/config';

/**
 * The DigitalOcean program with `installIngress` and `dnsRecords` on, under Pulumi mocks: one `pulumi up` installs
 * what HTTPS needs and points Harbor's and Drone's names at the ingress Load Balancer.
 */
describe('the DigitalOcean program with installIngress and dnsRecords', () => {
  let outputs: any;
  const settings = { ...DIGITALOCEAN_EXAMPLE, installIngress: true, acmeEmail: 'ops@example.com', dnsRecords: true };

  beforeAll(async () => {
    await setup();
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    outputs = deployDigitalOcean(settings, 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('installs ingress-nginx and cert-manager as pinned Helm releases in their own namespaces', () => {
    const releases = registered.filter((r) => r.type === T.release).map((r) => r.inputs);
    expect(releases.map((r) => [r.chart, r.version, r.namespace, r.repositoryOpts.repo]).sort()).toEqual([
      ['cert-manager', 'v1.19.1', 'cert-manager', 'https://charts.jetstack.io'],
      ['ingress-nginx', '4.14.1', 'ingress-nginx', 'https://kubernetes.github.io/ingress-nginx'],
    ]);
    const nginx = releases.find((r) => r.chart === 'ingress-nginx')!;
    // unique in the account: a new cluster's Service takes over a Load Balancer of its name (digitalocean-cloud-controller-manager
    // cloud-controller-manager/do/loadbalancers.go, retrieveLoadBalancer, findLoadBalancerByName), so the cluster's ID is in it
    // (the mocks' ID is "<name>-id", here cluster-cluster-id)
    expect(nginx.values.controller.service.annotations).toEqual({ 'service.beta.kubernetes.io/do-loadbalancer-name': 'dockyard-test-clusterc' });
    expect(releases.find((r) => r.chart === 'cert-manager')!.values.crds.enabled).toBe(true);
  });

  test('the Load Balancer name is one IngressStack would take as a plain name, whatever the cluster ID holds', async () => {
    // IngressStack passes an Output name on unchecked, so the program's must be valid by construction
    const { loadBalancerName } = await import('../../apps/digitalocean/program');
    const { IngressStack } = await import('../../lib/pulumi/digitalocean');
    for (const id of ['3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b', 'cluster-cluster-id', '---', '']) {
      const name = await get(loadBalancerName(id));
      expect(name).toMatch(/^dockyard-test(-[A-Za-z0-9]{1,8})?$/);
      expect(() => new IngressStack(`lb-${name}`, { acmeEmail: 'ops@example.com', loadBalancerName: name })).not.toThrow();
    }
  });

  test('creates the ClusterIssuer the Harbor and Drone Ingresses name, solving HTTP-01 through class nginx', () => {
    const issuers = registered.filter((r) => r.type === T.clusterIssuer).map((r) => r.inputs);
    expect(issuers).toHaveLength(1);
    expect(issuers[0].spec.acme).toMatchObject({ email: 'ops@example.com', solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }] });
    const ingresses = registered.filter((r) => r.type === 'kubernetes:networking.k8s.io/v1:Ingress').map((r) => r.inputs);
    expect(ingresses.length).toBeGreaterThanOrEqual(2);
    expect(issuers[0].metadata.name).toBe('letsencrypt');
    for (const ingress of ingresses) {
      expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(issuers[0].metadata.name);
      expect(ingress.spec.ingressClassName).toBe('nginx');
      // the controller it installs gives them an address: Pulumi waits for it
      expect(ingress.metadata.annotations['pulumi.com/skipAwait']).toBeUndefined();
    }
  });

  test('points harbor and drone at the ingress Load Balancer with A records in the domain', async () => {
    const records = registered.filter((r) => r.type === T.dnsRecord).map((r) => r.inputs);
    expect(records.map((r) => [r.domain, r.type, r.name, r.value]).sort()).toEqual([
      ['example.com', 'A', 'drone', LOAD_BALANCER_IP],
      ['example.com', 'A', 'harbor', LOAD_BALANCER_IP],
    ]);
    expect(await get(outputs.loadBalancerIp)).toBe(LOAD_BALANCER_IP);
  });

  test('says what to open and how to log in', async () => {
    const steps: string = await get(outputs.nextSteps);
    expect(steps).toContain(`harbor.example.com and drone.example.com are A records at ${LOAD_BALANCER_IP}`);
    expect(steps).toContain('https://harbor.example.com');
    expect(steps).toContain('log in with github as example-admin');
    expect(steps).not.toContain('installed no ingress controller');
  });
});

describe('the DigitalOcean settings of ingress and DNS', () => {
  const base: Record<string, string> = {
    domain: 'ci.example.com', bucket: 'acme-ci', gitClientId: 'Iv1.0123456789abcdef', organization: 'acme', admin: 'alice',
  };
  const read = (extra: Record<string, string>) => readSettings((k) => ({ ...base, ...extra })[k]);

  test('an existing stack, without acmeEmail, installs nothing and creates no record', () => {
    expect(read({})).toMatchObject({ installIngress: false, dnsRecords: false, acmeStaging: false });
  });

  test('acmeEmail turns installIngress on unless it is set false', () => {
    expect(read({ acmeEmail: 'ops@example.com' }).installIngress).toBe(true);
    expect(read({ acmeEmail: 'ops@example.com', installIngress: 'false' }).installIngress).toBe(false);
  });

  test('installIngress needs acmeEmail; dnsDomain must hold domain; flags are true or false', () => {
    expect(() => read({ installIngress: 'true' })).toThrow('missing acmeEmail: must be set when installIngress is on');
    expect(() => read({ acmeEmail: 'nobody' })).toThrow('invalid acmeEmail "nobody"');
    expect(() => read({ dnsDomain: 'example.org' })).toThrow('invalid dnsDomain "example.org": must be the domain ci.example.com or a parent of it');
    expect(read({ dnsDomain: 'example.com', dnsRecords: 'true' })).toMatchObject({ dnsDomain: 'example.com', dnsRecords: true });
    expect(() => read({ dnsRecords: 'yes' })).toThrow('invalid dnsRecords "yes": must be true or false');
  });
});
