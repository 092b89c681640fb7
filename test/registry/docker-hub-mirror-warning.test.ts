// A new user's trial listed a PullSecret holding a Docker Hub login in namespaces while NodeMirrorFiles mirrored
// docker.io through Harbor: the kubelet picks a pod's pull secrets by the registry the image names (docker.io) and
// hands that login to containerd, which sends it to the mirror host instead of the nodes' login; the mirror refuses
// it and the pull falls back to Docker Hub, skipping the proxy cache (README, "Node mirrors"). The synth said nothing.
// Upstream: the kubelet matches pull secrets to the image's registry (docker.io), and containerd v2.3.4
// internal/cri/server/images/image_pull.go:105-114 takes the mirror host's node login (`registry.configs."<host>".auth`,
// given to hosts.toml's hosts by `registryHosts`, :496-503) only for a pull the kubelet sends without a login: a pull
// with the Docker Hub login sends that one to every host, the mirror's first.
import { App } from 'cdk8s';
import { DockyardChart, NodeMirrorFiles, PullSecret, RegistryCredential, Secret, SecretValue } from '../../lib';
import { stderrOf } from '../util';

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('dockyard: warning:'));

function chartOf(): DockyardChart {
  return new DockyardChart(new App({ outdir: '/nonexistent' }), 'platform', { namespace: 'platform' });
}

function hubLogin(chart: DockyardChart): RegistryCredential {
  const token = new Secret(chart, 'HubToken', { name: 'dockerhub-token', values: { token: SecretValue.input('DOCKYARD_TEST_HUB_TOKEN', 'a token') } });
  return RegistryCredential.dockerHub({ username: 'acme', token: token.key('token') });
}

const harborLogin = (chart: DockyardChart) => RegistryCredential.basic({
  registry: 'harbor.example.com', username: 'robot$puller', password: new Secret(chart, 'Pw', { name: 'pw', values: { pw: SecretValue.hex(32) } }).key('pw'),
});

const mirror = (chart: DockyardChart, upstream = 'docker.io') =>
  new NodeMirrorFiles(chart, 'NodeMirrors', { mirrors: [{ upstream, endpoint: 'https://harbor.example.com', project: 'dockerhub' }] });

describe('a Docker Hub login in namespaces whose nodes mirror Docker Hub', () => {
  test('the trial (the README\'s own example, before this change): warns once, naming the pull secret, its namespaces, the mirror and the fix', () => {
    const chart = chartOf();
    new PullSecret(chart, 'PullSecret', { credentials: [harborLogin(chart), hubLogin(chart)], namespaces: ['publish', 'apps'] });
    mirror(chart);
    const stderr = stderrOf(() => { chart.toJson(); chart.toJson(); });
    expect(warnings(stderr)).toEqual(['dockyard: warning: pull secret "platform/registry-credentials" holds a Docker Hub login and is listed in ' +
      'namespaces "apps", "publish", while nodes mirror docker.io through https://harbor.example.com (NodeMirrorFiles "platform/NodeMirrors"): ' +
      'the kubelet sends that login to the mirror host instead of the nodes\' login, and the pull falls back to Docker Hub, skipping the proxy ' +
      'cache; leave the Docker Hub login (RegistryCredential.dockerHub) out of pull secrets listed in namespaces whose nodes mirror Docker Hub']);
    expect(stderr).not.toMatch(/[0-9a-f]{32}/);
  });

  test('whichever comes first, and with a namespace added later', () => {
    const chart = chartOf();
    mirror(chart);
    const pull = new PullSecret(chart, 'HubPull', { name: 'hub', credentials: [hubLogin(chart)], appWide: false, namespace: 'platform' });
    pull.addNamespace('apps');
    expect(warnings(stderrOf(() => chart.toJson()))).toEqual([expect.stringMatching(
      /^dockyard: warning: pull secret "platform\/hub" holds a Docker Hub login and is listed in namespace "apps", while nodes mirror docker\.io /)]);
  });

  test('no docker.io mirror, no Docker Hub login, or no namespace listed: no warning', () => {
    const other = chartOf();
    new PullSecret(other, 'PullSecret', { credentials: [hubLogin(other)], namespaces: ['apps'] });
    mirror(other, 'ghcr.io');
    expect(warnings(stderrOf(() => other.toJson()))).toEqual([]);

    const none = chartOf();
    new PullSecret(none, 'PullSecret', { credentials: [hubLogin(none)], namespaces: ['apps'] });
    expect(warnings(stderrOf(() => none.toJson()))).toEqual([]);

    const harborOnly = chartOf();
    new PullSecret(harborOnly, 'PullSecret', { credentials: [harborLogin(harborOnly)], namespaces: ['apps'] });
    mirror(harborOnly);
    expect(warnings(stderrOf(() => harborOnly.toJson()))).toEqual([]);

    const unlisted = chartOf();
    new PullSecret(unlisted, 'PullSecret', { credentials: [hubLogin(unlisted)] });
    mirror(unlisted);
    expect(warnings(stderrOf(() => unlisted.toJson()))).toEqual([]);
  });
});

// containerd v2.3.4 core/remotes/docker/config/hosts.go ConfigureHosts reads the certs.d directory of the image's
// host as written, and distribution/reference normalize.go splitDockerDomain maps only index.docker.io to docker.io:
// a mirror of registry-1.docker.io serves images spelt with that host (node-pull-route.test.ts), none of the others
describe('a mirror of registry-1.docker.io without one of docker.io', () => {
  test('warns, naming the mirror and what it does not serve', () => {
    const chart = chartOf();
    const stderr = stderrOf(() => { mirror(chart, 'registry-1.docker.io'); chart.toJson(); });
    expect(warnings(stderr)).toEqual(['dockyard: warning: NodeMirrorFiles "platform/NodeMirrors" mirrors[0].upstream "registry-1.docker.io" ' +
      'serves only images spelt with that host: Docker Hub\'s others (nginx, docker.io/..., every one of Dockyard\'s) are looked up as docker.io, ' +
      'so nodes pull them from Docker Hub itself; add a mirror of "docker.io" for them']);
  });

  test('beside a mirror of docker.io, or without it: no warning', () => {
    const both = chartOf();
    const mirrors = [{ upstream: 'docker.io', endpoint: 'https://harbor.example.com', project: 'dockerhub' },
      { upstream: 'registry-1.docker.io', endpoint: 'https://harbor.example.com', project: 'dockerhub' }];
    expect(warnings(stderrOf(() => { new NodeMirrorFiles(both, 'NodeMirrors', { mirrors }); both.toJson(); }))).toEqual([]);
    const hub = chartOf();
    expect(warnings(stderrOf(() => { mirror(hub); hub.toJson(); }))).toEqual([]);
  });
});
