import { API_SERVER_URL_RULE, ApiServerEndpoint, NetworkPeer } from '../../lib';

// The address rules themselves (plain notation, the ranges where no endpoint lies, Kubernetes' ValidateEndpointIP)
// are tested through DOCKYARD_API_SERVER in test/apps/default-config.test.ts, which reads the variable with fromUrl.
describe('ApiServerEndpoint', () => {
  test('reads an https URL of an address as a one-address block and a port, 443 by default', () => {
    const v4 = ApiServerEndpoint.fromUrl('https://203.0.113.10:6443');
    expect([v4.cidr, v4.port]).toEqual(['203.0.113.10/32', 6443]);
    const v6 = ApiServerEndpoint.fromUrl('https://[2001:DB8:0:0:0:0:0:A]');
    // canonical (RFC 5952), as NetworkPeer.ipBlock writes it
    expect([v6.cidr, v6.port]).toEqual(['2001:db8::a/128', 443]);
  });

  test('its peer is the ipBlock of its address, as a NetworkPolicy matches it after the Service is translated', () => {
    const api = ApiServerEndpoint.fromUrl('https://10.0.0.1:6443');
    expect(api.peer._toKube()).toEqual(NetworkPeer.ipBlock('10.0.0.1/32')._toKube());
    expect(api.peer._toKube()).toEqual({ ipBlock: { cidr: '10.0.0.1/32' } });
  });

  test('refuses anything else in one line, naming the prop it is given (apiServer by default)', () => {
    expect(() => ApiServerEndpoint.fromUrl('https://api.example.com')).toThrow(`invalid apiServer "https://api.example.com": must be ${API_SERVER_URL_RULE}`);
    expect(() => ApiServerEndpoint.fromUrl('10.0.0.1:6443', 'KUBE_API')).toThrow(
      `invalid KUBE_API "10.0.0.1:6443": lacks "https://" in front; must be ${API_SERVER_URL_RULE}`);
    expect(() => ApiServerEndpoint.fromUrl('https://169.254.169.254')).toThrow(
      /^invalid apiServer "https:\/\/169\.254\.169\.254": must be an address outside 169\.254\.0\.0\/16 /);
    // credentials, with a scheme or without, and a token in the query, are never shown
    for (const [url, shown] of [['https://u:s3cretpw@10.0.0.1', '"https://<redacted>@10.0.0.1"'], ['u:s3cretpw@10.0.0.1', '"<redacted>@10.0.0.1"'],
      ['https://10.0.0.1?token=s3cretpw', '"https://10.0.0.1?<redacted>"']]) {
      expect(() => ApiServerEndpoint.fromUrl(url)).toThrow(new Error(`invalid apiServer ${shown}: must be ${API_SERVER_URL_RULE}`));
    }
  });
});

// The `kubernetes` Service and its Endpoints live in namespace default only (kubernetes/kubernetes
// pkg/controlplane/controller/kubernetesservice/controller.go at 02cd140, lines 42-45: KubernetesServiceNamespace =
// metav1.NamespaceDefault), and so does the EndpointSlice the API server writes from them under the same name
// (pkg/controlplane/reconcilers/endpointsadapter.go, endpointSliceFromEndpoints). A bare `kubectl get endpointslice
// kubernetes` asks the kubeconfig context's namespace, so a platform engineer whose context is another namespace gets
// `endpointslices.discovery.k8s.io "kubernetes" not found`: every place that tells the user to run it names the
// namespace. And it names the EndpointSlice, not the Endpoints: from 1.33 `kubectl get endpoints` prints "Warning:
// v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice" (KEP-4974), which a user would take for
// a problem; only the README's Kubernetes versions section names the older command, to say it lists the same.
describe('where the user is told to look the endpoint up', () => {
  const fs = require('fs') as typeof import('fs');
  const path = require('path') as typeof import('path');
  const root = path.resolve(__dirname, '../..');
  const COMMAND = 'kubectl -n default get endpointslice kubernetes';

  test('the rule the errors and the README table state names the EndpointSlice in namespace default', () => {
    expect(API_SERVER_URL_RULE).toContain(`\`${COMMAND}\``);
  });

  test('no README line, Pulumi.yaml description or library message runs it without -n default, or asks for the Endpoints', () => {
    const files = ['README.md', 'Pulumi.yaml', 'lib/ci/api-server-endpoint.ts', 'lib/team/team-platform.ts', 'apps/digitalocean/config.ts'];
    const lines = files.flatMap((f) => fs.readFileSync(path.join(root, f), 'utf8').split('\n').map((line, i) => ({ at: `${f}:${i + 1}`, line })));
    const bare = lines.filter(({ line }) => /kubectl (?!-n default )get endpoint(s|slices?) kubernetes/.test(line)).map(({ at }) => at);
    expect(bare).toEqual([]);
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const versions = readme.slice(readme.indexOf('\n### Kubernetes versions\n'), readme.indexOf('\n## ', readme.indexOf('\n### Kubernetes versions\n')));
    const endpoints = lines.filter(({ line }) => /get endpoints kubernetes/.test(line) && !versions.includes(line)).map(({ at }) => at);
    expect(endpoints).toEqual([]);
    expect(versions).toContain('`kubectl -n default get endpoints kubernetes`, which earlier releases named, lists\n  the same addresses');
    expect(readme).toContain(COMMAND);
  });
});
