// A trial of Docker Hub's pull limits through Harbor's proxy cache: `ProxyUpstream.dockerHub()` took no login and said
// nothing, so Harbor pulled Docker Hub anonymously, 100 pulls per 6 hours per IPv4 address for the whole cluster
// behind one egress address (docs.docker.com/docker-hub/usage/pulls/, docker/docs
// content/manuals/docker-hub/usage/pulls.md at 000a96d: the table, "Pull definition": a HEAD version check is not a
// pull). Past it, goharbor/harbor v2.15.1 serves a cached tag (src/controller/proxy/controller.go:183-187, the
// upstream HEAD answered 429 with a local copy) but fails every cache miss with 429 (controller.go:188,
// src/server/middleware/repoproxy/proxy.go:158-160), and a digest already cached is served without asking
// (controller.go:177-180). The synth now warns, once per proxy cache, in one line naming the prop and the fix.
import { DockyardChart, Harbor, ProxyUpstream, RegistryType, Secret, SecretValue } from '../../lib';
import { stderrOf, testChart } from '../util';
import { inClusterHarbor } from './fixtures';

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('dockyard: warning:'));

function harbor(): Harbor {
  return inClusterHarbor(testChart('harbor'));
}

/** `harbor`'s chart, rendered: what a synth does after the app is built. */
const render = (h: Harbor) => (h.node.scope as DockyardChart).toJson();

describe('a Docker Hub proxy cache without a login', () => {
  test('warns once, in one line naming the proxy cache, the prop, Docker\'s limit and the fix', () => {
    const h = harbor();
    const stderr = stderrOf(() => {
      h.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
      render(h);
      render(h);
    });
    expect(warnings(stderr)).toEqual(['dockyard: warning: proxy cache "dockerhub" of Harbor harbor.example.com pulls Docker Hub ' +
      'anonymously (upstream: ProxyUpstream.dockerHub() without credentials): Docker Hub allows 100 pulls per 6 hours per IPv4 address ' +
      '(https://docs.docker.com/docker-hub/usage/pulls/), one quota for every node and build behind the cluster\'s egress address, and ' +
      'past it a pull of an image Harbor has not cached fails with 429 toomanyrequests; set ProxyUpstream.dockerHub({ username, password }) ' +
      'with a Docker Hub access token, or { anonymous: true } to accept the limit']);
  });

  test('each such proxy cache is named', () => {
    const h = harbor();
    const stderr = stderrOf(() => {
      h.addProxyCache('hub-a', { upstream: ProxyUpstream.dockerHub() });
      h.addProxyCache('hub-b', { upstream: ProxyUpstream.dockerHub(), public: true });
    });
    expect(warnings(stderr).map((l) => l.match(/proxy cache "([^"]+)"/)![1])).toEqual(['hub-a', 'hub-b']);
  });
});

describe('no warning', () => {
  test('with a Docker Hub login (an access token in a Secret)', () => {
    const h = harbor();
    const token = new Secret(h, 'HubToken', { name: 'hub-token', values: { token: SecretValue.input('DOCKYARD_TEST_HUB_TOKEN', 'a token') } });
    const stderr = stderrOf(() => h.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub({ username: 'acme', password: token.key('token') }) }));
    expect(warnings(stderr)).toEqual([]);
  });

  test('with anonymous: true, the limit accepted on purpose (the example stacks)', () => {
    const h = harbor();
    expect(warnings(stderrOf(() => { h.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub({ anonymous: true }) }); render(h); }))).toEqual([]);
    // anonymous: false is the default, said out loud: warned
    const other = harbor();
    expect(warnings(stderrOf(() => other.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub({ anonymous: false }) })))).toHaveLength(1);
  });

  test('for another upstream without a login (its limits are its own, and Dockyard does not guess them)', () => {
    const h = harbor();
    const stderr = stderrOf(() => h.addProxyCache('ghcr', { upstream: ProxyUpstream.of(RegistryType.GITHUB_GHCR, 'https://ghcr.io') }));
    expect(warnings(stderr)).toEqual([]);
  });

  test('for a proxy cache refused at declaration (the error, not a warning, is what the user sees)', () => {
    const h = harbor();
    h.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub({ username: 'acme', password: new Secret(h, 'T', { name: 't', values: { t: SecretValue.hex(16) } }).key('t') }) });
    const stderr = stderrOf(() => {
      expect(() => h.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() })).toThrow(/dockerhub/);
    });
    expect(warnings(stderr)).toEqual([]);
  });
});

describe('anonymous is refused in one line naming it', () => {
  test('with a login', () => {
    const h = harbor();
    const password = new Secret(h, 'T', { name: 't', values: { t: SecretValue.hex(16) } }).key('t');
    expect(() => ProxyUpstream.dockerHub({ username: 'acme', password, anonymous: true }))
      .toThrow('invalid credentials.anonymous true: must not be set with credentials.username "acme": a login is not anonymous');
  });

  test('when not a boolean (a JavaScript caller, or a string from configuration)', () => {
    expect(() => ProxyUpstream.dockerHub({ anonymous: 'yes' as unknown as boolean })).toThrow('invalid credentials.anonymous "yes": must be a boolean');
  });
});
