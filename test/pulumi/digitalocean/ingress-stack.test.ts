import type * as Module from '../../../lib/pulumi/digitalocean/ingress-stack';
import { childrenOf, expectParent, get, LOAD_BALANCER_IP, one, recordParent, registered, settled, setup, T } from './harness';

let m: typeof Module;

beforeAll(async () => {
  await setup();
  // Pulumi provider modules must load after setMocks.
  m = await import('../../../lib/pulumi/digitalocean/ingress-stack');
});

describe('IngressStack', () => {
  test('defaults: pinned ingress-nginx and cert-manager releases in their own namespaces, and a Let\'s Encrypt ClusterIssuer', async () => {
    const stack = new m.IngressStack('ing', { acmeEmail: 'ops@example.com' }, { transformations: [recordParent] });
    expect(await get(stack.loadBalancerIp)).toBe(LOAD_BALANCER_IP);
    await settled();

    const namespaces = childrenOf('ing').filter((r) => r.type === T.namespace).map((r) => r.inputs.metadata.name).sort();
    expect(namespaces).toEqual(['cert-manager', 'ingress-nginx']);

    const nginx = one('ing-ingress', T.release).inputs;
    expect(nginx).toMatchObject({
      name: 'ingress-nginx', chart: 'ingress-nginx', version: '4.14.1', namespace: 'ingress-nginx', timeout: 600,
      repositoryOpts: { repo: 'https://kubernetes.github.io/ingress-nginx' },
    });
    expect(nginx.values.controller).toMatchObject({
      ingressClassResource: { name: 'nginx', enabled: true }, publishService: { enabled: true }, service: { type: 'LoadBalancer', annotations: {} },
    });

    const certManager = one('ing-cert', T.release).inputs;
    expect(certManager).toMatchObject({
      name: 'cert-manager', chart: 'cert-manager', version: 'v1.19.1', namespace: 'cert-manager',
      repositoryOpts: { repo: 'https://charts.jetstack.io' }, values: { crds: { enabled: true } },
    });

    expect(one('ing', T.clusterIssuer).inputs).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'letsencrypt' },
      spec: {
        acme: {
          email: 'ops@example.com',
          server: 'https://acme-v02.api.letsencrypt.org/directory',
          privateKeySecretRef: { name: 'letsencrypt-account-key' },
          solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }],
        },
      },
    });
    // the address comes from the controller Service the release created, named after the release's status
    expect(registered.some((r) => r.type === T.service && r.name === 'ing-controller')).toBe(true);
    expect(stack.issuerName).toBe('letsencrypt');
    expect(stack.ingressClassName).toBe('nginx');
    expect(expectParent('ing', stack)).toEqual([T.clusterIssuer, T.namespace, T.namespace, T.release, T.release, T.service].sort());
  });

  test('a named Load Balancer, staging issuer, other class and versions', async () => {
    const stack = new m.IngressStack('ing2', {
      acmeEmail: 'ops@example.com', issuerName: 'le-staging', acmeServer: m.LETS_ENCRYPT_STAGING, ingressClassName: 'public',
      loadBalancerName: 'dockyard-prod', ingressNginxVersion: '4.13.5', certManagerVersion: 'v1.18.2', timeoutSeconds: 900,
    });
    await get(stack.loadBalancerIp);
    await settled();
    const nginx = one('ing2-ingress', T.release).inputs;
    expect(nginx).toMatchObject({ version: '4.13.5', timeout: 900 });
    expect(nginx.values.controller.service.annotations).toEqual({ 'service.beta.kubernetes.io/do-loadbalancer-name': 'dockyard-prod' });
    expect(nginx.values.controller.ingressClassResource.name).toBe('public');
    expect(one('ing2-cert', T.release).inputs.version).toBe('v1.18.2');
    const issuer = one('ing2', T.clusterIssuer).inputs;
    expect(issuer.metadata.name).toBe('le-staging');
    expect(issuer.spec.acme.server).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
    expect(issuer.spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'public' } } }]);
  });

  test.each<[string, Module.IngressStackArgs, string]>([
    ['a missing e-mail', { acmeEmail: '' }, 'invalid acmeEmail "": must be an e-mail address'],
    ['a bad issuer name', { acmeEmail: 'a@b.io', issuerName: 'Lets_Encrypt' }, 'invalid issuerName "Lets_Encrypt"'],
    ['a plain-http ACME server', { acmeEmail: 'a@b.io', acmeServer: 'http://acme.example.com' }, 'invalid acmeServer'],
    ['a bad Load Balancer name', { acmeEmail: 'a@b.io', loadBalancerName: 'my lb' }, 'invalid loadBalancerName "my lb"'],
    ['a short timeout', { acmeEmail: 'a@b.io', timeoutSeconds: 10 }, 'invalid timeoutSeconds 10'],
  ])('rejects %s before registering anything', (_what, args, message) => {
    const before = registered.length;
    expect(() => new m.IngressStack('bad', args)).toThrow(message);
    expect(registered.length).toBe(before);
  });
});
