import { OutputFile, renderTemplate, Secret, SecretFile, SecretValue } from '../../lib/core';
import { NodeMirrorFiles } from '../../lib/registry/node-mirror-files';
import { RegistryCredential } from '../../lib/registry/credential';
import { containerdHosts, MirrorSpec, rke2Registries } from '../../lib/registry/node-mirrors';
import { testChart } from '../util';
import { containerdManifestRequests, criRegistryLogins, dockerRef, rke2ManifestRequests } from './node-pull-route';

// A pod's image followed through the node files NodeMirrorFiles writes, with ports of containerd's and RKE2/k3s's own
// matchers (node-pull-route.ts names the upstream files): which URL each runtime asks first, with which login, and what
// it falls back to when the mirror does not answer.

const MIRRORS: MirrorSpec[] = [
  { upstream: 'docker.io', endpoint: 'https://harbor.example.com', project: 'dockerhub' },
  { upstream: 'ghcr.io', endpoint: 'https://harbor.example.com', project: 'ghcr' },
  { upstream: 'quay.io', endpoint: 'https://mirror.example.com:8443' },
  { upstream: 'registry.internal:5000', endpoint: 'http://10.0.0.5:5000', project: 'internal' },
];
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const ROBOT = 'robot$nodes';

/** The files a node gets: the certs.d hosts.toml files, the rendered containerd login, registries.local.yaml. */
function nodeFiles() {
  const chart = testChart('ns');
  const token = new Secret(chart, 'Token', { name: 'token', values: { token: SecretValue.input('DOCKYARD_MIRROR_TOKEN', 'the mirror token') } }).key('token');
  new NodeMirrorFiles(chart, 'Mirrors', {
    mirrors: MIRRORS, credential: RegistryCredential.basic({ registry: 'harbor.example.com', username: ROBOT, password: token }),
  });
  const hosts = Object.fromEntries(OutputFile.allIn(chart).filter((f) => f.path.startsWith('nodes/containerd/certs.d/'))
    .map((f) => [f.path.slice('nodes/containerd/certs.d/'.length), f.content()]));
  const secret = (path: string) => renderTemplate(SecretFile.allIn(chart).find((f) => f.path === path)!.value, { password: 'p' });
  return {
    hosts,
    logins: criRegistryLogins(secret('nodes/containerd/conf.d/dockyard-mirror-auth.local.toml')),
    registries: secret('nodes/rke2/registries.local.yaml'),
  };
}

describe('the port itself', () => {
  test('normalizes image names as ParseDockerRef does', () => {
    expect(dockerRef('nginx')).toEqual({ host: 'docker.io', repository: 'library/nginx', object: 'latest' });
    expect(dockerRef('docker.io/library/nginx:1.27')).toEqual({ host: 'docker.io', repository: 'library/nginx', object: '1.27' });
    expect(dockerRef('index.docker.io/acme/app:2')).toEqual({ host: 'docker.io', repository: 'acme/app', object: '2' });
    expect(dockerRef(`quay.io/org/app:1@${DIGEST}`)).toEqual({ host: 'quay.io', repository: 'org/app', object: DIGEST });
    expect(dockerRef('registry.internal:5000/team/app')).toEqual({ host: 'registry.internal:5000', repository: 'team/app', object: 'latest' });
  });

  // containerd v2.3.4 core/remotes/docker/config/hosts.go parseHostConfig: `/v2` is added unless override_path; a
  // missing server is the registry itself, Docker Hub's registry-1.docker.io (ConfigureHosts)
  test('reads hosts.toml as containerd does: /v2 added without override_path, the registry last', () => {
    const hosts = { 'docker.io/hosts.toml': '[host."https://m.example.com/prefix"]\n  capabilities = ["pull", "resolve"]\n' };
    expect(containerdManifestRequests('nginx:1', hosts).map((r) => r.url)).toEqual([
      'https://m.example.com/prefix/v2/library/nginx/manifests/1?ns=docker.io',
      'https://registry-1.docker.io/v2/library/nginx/manifests/1',
    ]);
    // a host without resolve is not asked for a tag
    const pullOnly = { 'docker.io/hosts.toml': '[host."https://m.example.com"]\n  capabilities = ["pull"]\n' };
    expect(containerdManifestRequests('nginx:1', pullOnly).map((r) => r.url)).toEqual(['https://registry-1.docker.io/v2/library/nginx/manifests/1']);
  });
});

describe('a pod\'s image through the node files', () => {
  const { hosts, logins, registries } = nodeFiles();
  const login = { username: ROBOT };

  test.each([
    ['nginx', 'https://harbor.example.com/v2/dockerhub/library/nginx/manifests/latest?ns=docker.io', 'https://registry-1.docker.io/v2/library/nginx/manifests/latest'],
    ['docker.io/library/nginx:1.27', 'https://harbor.example.com/v2/dockerhub/library/nginx/manifests/1.27?ns=docker.io', 'https://registry-1.docker.io/v2/library/nginx/manifests/1.27'],
    ['acme/app:3', 'https://harbor.example.com/v2/dockerhub/acme/app/manifests/3?ns=docker.io', 'https://registry-1.docker.io/v2/acme/app/manifests/3'],
    ['ghcr.io/acme/tool:v1', 'https://harbor.example.com/v2/ghcr/acme/tool/manifests/v1?ns=ghcr.io', 'https://ghcr.io/v2/acme/tool/manifests/v1'],
  ])('containerd: %s goes to the Harbor proxy project first, with the node login, then to its registry', (image, mirror, upstream) => {
    expect(containerdManifestRequests(image, hosts, logins)).toEqual([{ url: mirror, ...login }, { url: upstream }]);
  });

  // README, RKE2 / k3s: a node's own "*" mirror kept beside Dockyard's entries. k3s writes it as certs.d/_default
  // (pkg/agent/containerd/config.go getHostConfigs: host "*" becomes "_default"), and containerd reads _default only
  // for a registry without a directory of its own (v2.3.4 core/remotes/docker/config/config_unix.go hostPaths)
  test('containerd: a catch-all _default mirror of the node\'s serves the other registries; Docker Hub keeps Dockyard\'s', () => {
    const withDefault = { ...hosts, '_default/hosts.toml': '[host."https://catchall.example.com"]\n  capabilities = ["pull", "resolve"]\n' };
    expect(containerdManifestRequests('nginx:1', withDefault, logins)).toEqual(containerdManifestRequests('nginx:1', hosts, logins));
    expect(containerdManifestRequests('registry.k8s.io/pause:3.10', withDefault, logins)).toEqual([
      { url: 'https://catchall.example.com/v2/pause/manifests/3.10?ns=registry.k8s.io' },
      { url: 'https://registry.k8s.io/v2/pause/manifests/3.10' },
    ]);
  });

  test('containerd: a digest is fetched as the digest, from a mirror without a project at its own path, anonymously', () => {
    expect(containerdManifestRequests(`quay.io/org/app:1@${DIGEST}`, hosts, logins)).toEqual([
      { url: `https://mirror.example.com:8443/v2/org/app/manifests/${DIGEST}?ns=quay.io` },
      { url: `https://quay.io/v2/org/app/manifests/${DIGEST}` },
    ]);
  });

  // hostPaths: containerd looks registry.internal:5000 up as registry.internal_5000_ first, then as written
  test('containerd: a registry with a port finds its directory, and its plain-http mirror', () => {
    expect(containerdManifestRequests('registry.internal:5000/team/app:2', hosts, logins)).toEqual([
      { url: 'http://10.0.0.5:5000/v2/internal/team/app/manifests/2?ns=registry.internal%3A5000' },
      { url: 'https://registry.internal:5000/v2/team/app/manifests/2' },
    ]);
  });

  test('containerd: a registry no mirror names is pulled from itself; the node login goes to the mirror host whatever the path', () => {
    expect(containerdManifestRequests('registry.k8s.io/pause:3.10', hosts, logins)).toEqual([{ url: 'https://registry.k8s.io/v2/pause/manifests/3.10' }]);
    // the login is node-wide (README, "Node mirrors"): a pod naming Harbor directly, without a pull secret, pulls with it
    expect(containerdManifestRequests('harbor.example.com/apps/demo:1', hosts, logins)).toEqual([{ url: 'https://harbor.example.com/v2/apps/demo/manifests/1', ...login }]);
  });

  // image_pull.go:105-114: the kubelet's login, sent for the registry the image names, replaces the node's on every
  // host, the mirror's included: a Docker Hub login in a namespace's pull secret reaches Harbor (PullSecret warns)
  test('containerd: a login the kubelet sends for docker.io goes to the mirror host instead of the node\'s', () => {
    const hub = { username: 'acme', password: 'hub-token' };
    expect(containerdManifestRequests('nginx:1', hosts, logins, hub).map((r) => r.username)).toEqual(['acme', 'acme']);
  });

  test.each([
    ['nginx', 'https://harbor.example.com/v2/dockerhub/library/nginx/manifests/latest?ns=docker.io', 'https://index.docker.io/v2/library/nginx/manifests/latest'],
    ['docker.io/library/nginx:1.27', 'https://harbor.example.com/v2/dockerhub/library/nginx/manifests/1.27?ns=docker.io', 'https://index.docker.io/v2/library/nginx/manifests/1.27'],
    ['ghcr.io/acme/tool:v1', 'https://harbor.example.com/v2/ghcr/acme/tool/manifests/v1?ns=ghcr.io', 'https://ghcr.io/v2/acme/tool/manifests/v1'],
  ])('RKE2/k3s: %s is rewritten into the Harbor proxy project, with the node login, and not rewritten at its registry', (image, mirror, upstream) => {
    expect(rke2ManifestRequests(image, registries)).toEqual([{ url: mirror, ...login }, { url: upstream }]);
  });

  test('RKE2/k3s: a digest, a mirror without a rewrite, and a registry with a port', () => {
    expect(rke2ManifestRequests(`quay.io/org/app@${DIGEST}`, registries)).toEqual([
      { url: `https://mirror.example.com:8443/v2/org/app/manifests/${DIGEST}?ns=quay.io` },
      { url: `https://quay.io/v2/org/app/manifests/${DIGEST}` },
    ]);
    expect(rke2ManifestRequests('registry.internal:5000/team/app:2', registries)).toEqual([
      { url: 'http://10.0.0.5:5000/v2/internal/team/app/manifests/2?ns=registry.internal%3A5000' },
      { url: 'https://registry.internal:5000/v2/team/app/manifests/2' },
    ]);
    expect(rke2ManifestRequests('harbor.example.com/apps/demo:1', registries)).toEqual([{ url: 'https://harbor.example.com/v2/apps/demo/manifests/1', ...login }]);
  });
});

// An image a third-party manifest spells with Docker Hub's API host: containerd v2.3.4 core/remotes/docker/config/hosts.go
// ConfigureHosts reads certs.d/<the image's host>, and distribution/reference normalize.go splitDockerDomain maps only
// index.docker.io to docker.io, so a mirror of registry-1.docker.io serves it, and a mirror of docker.io does not
describe('an image spelt registry-1.docker.io/...', () => {
  const mirror: MirrorSpec = { upstream: 'registry-1.docker.io', endpoint: 'https://harbor.example.com', project: 'dockerhub' };
  const image = 'registry-1.docker.io/library/nginx:1.27';

  test('goes through a mirror of registry-1.docker.io, under containerd and RKE2/k3s', () => {
    const { path, content } = containerdHosts(mirror);
    expect(containerdManifestRequests(image, { [path]: content }).map((r) => r.url)[0])
      .toBe('https://harbor.example.com/v2/dockerhub/library/nginx/manifests/1.27?ns=registry-1.docker.io');
    expect(rke2ManifestRequests(image, rke2Registries([mirror])).map((r) => r.url)[0])
      .toBe('https://harbor.example.com/v2/dockerhub/library/nginx/manifests/1.27?ns=registry-1.docker.io');
  });

  test('not through a mirror of docker.io, which serves nginx and docker.io/...', () => {
    const hub = containerdHosts({ ...mirror, upstream: 'docker.io' });
    expect(containerdManifestRequests(image, { [hub.path]: hub.content }).map((r) => r.url))
      .toEqual(['https://registry-1.docker.io/v2/library/nginx/manifests/1.27']);
  });
});
