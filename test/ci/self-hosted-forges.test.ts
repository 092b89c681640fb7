// Forges other than github.com, on both engines: where each engine sends a user's browser to log in, where it
// exchanges the code, and which callback it asks the forge to return to, read from the rendered environment the way
// the engines read it; and which builds clone with the forge login (`authenticatePublicRepos`).
//
// Upstream: harness/harness v2.28.2 (Drone) with drone/go-login v1.1.0 (its go.mod), woodpecker-ci/woodpecker
// v3.17.0, each function below citing the lines it transcribes.
import { CiEngineKind, GitProvider, IngressTls, Secret, ServiceExposure } from '../../lib';
import { ciEngineFacts } from '../../apps/shared/ci-engine';
import { droneServer } from '../drone/fixtures';
import { netrcLogin } from '../drone/upstream';
import { woodpeckerCi, woodpeckerServer } from '../woodpecker/fixtures';
import { literalEnv } from '../woodpecker/upstream';
import { container, envOf, find, synth, testChart, thrown } from '../util';
import { loadConfig } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { loadTeamsConfig } from '../../apps/teams/config';
import { teamsStack } from '../../apps/teams/stack';
import { synthStack } from '../stacks';
import { withEnv } from '../registry/synth-app';
import { egressAdmits, Endpoint } from '../team/network-model';

/** Where an engine sends the browser (`authorize`), exchanges the code (`token`), and the callback it names (`redirect`). */
interface OAuthFlow {
  readonly authorize: string;
  readonly token: string;
  /** undefined: the engine names none, and the forge returns to the callback registered with the app */
  readonly redirect: string | undefined;
}

const trimSlash = (url: string) => url.replace(/\/$/, '');

/**
 * Drone's log-in, from its env:
 * - the provider: the first of Bitbucket, GitHub (by client ID), Gitea (by server), GitLab (by client ID)
 *   (`cmd/drone-server/inject_login.go:42-58`);
 * - `Server.Addr`: `DRONE_SERVER_PROTO://` and the host lower-cased without a scheme (`config/config.go:523-536`);
 * - Bitbucket: bitbucket.org's endpoints, callback `<addr>/login` (inject_login.go:66-76; go-login
 *   `login/bitbucket/bitbucket.go:17-18`);
 * - GitHub: `<server>/login/oauth/...` with the server's trailing "/" trimmed, and no callback (inject_login.go:79-92;
 *   go-login `login/github/github.go:33-53`);
 * - Gitea: `<server>/login/oauth/...`, callback `DRONE_GITEA_REDIRECT_URL` or `<addr>/login` (inject_login.go:115-133;
 *   go-login `login/gitea/gitea.go:34-54`);
 * - GitLab: `<server>/oauth/...` (server default https://gitlab.com, `config.go:390`), callback `<addr>/login`
 *   (inject_login.go:136-148; go-login `login/gitlab/gitlab.go:31-50`).
 */
function droneOAuth(env: Record<string, string>): OAuthFlow {
  const addr = `${env.DRONE_SERVER_PROTO}://${env.DRONE_SERVER_HOST.toLowerCase().replace(/^https?:\/\//, '')}`;
  if (env.DRONE_BITBUCKET_CLIENT_ID) {
    return { authorize: 'https://bitbucket.org/site/oauth2/authorize', token: 'https://bitbucket.org/site/oauth2/access_token', redirect: `${addr}/login` };
  }
  if (env.DRONE_GITHUB_CLIENT_ID) {
    const server = trimSlash(env.DRONE_GITHUB_SERVER ?? 'https://github.com');
    return { authorize: `${server}/login/oauth/authorize`, token: `${server}/login/oauth/access_token`, redirect: undefined };
  }
  if (env.DRONE_GITEA_SERVER) {
    const server = trimSlash(env.DRONE_GITEA_SERVER);
    return { authorize: `${server}/login/oauth/authorize`, token: `${server}/login/oauth/access_token`, redirect: env.DRONE_GITEA_REDIRECT_URL || `${addr}/login` };
  }
  if (env.DRONE_GITLAB_CLIENT_ID) {
    const server = trimSlash(env.DRONE_GITLAB_SERVER ?? 'https://gitlab.com');
    return { authorize: `${server}/oauth/authorize`, token: `${server}/oauth/token`, redirect: `${addr}/login` };
  }
  throw new Error('main: source code management system not configured');
}

/**
 * Woodpecker's log-in, from its env:
 * - the forge: the first of GitHub, GitLab, Gitea, Bitbucket that is "true", its URL the first non-empty of the
 *   forge URL variables, used as given, else the forge's default (`server/services/setup.go:119-176`,
 *   `cmd/server/flags.go:478-482`); Bitbucket Cloud's is always https://bitbucket.org
 *   (`server/forge/bitbucket/bitbucket.go:42-43,64-72`);
 * - the callback: `WOODPECKER_HOST` without a trailing "/", then `/authorize` (`cmd/server/setup.go:246-253`);
 * - the endpoints: GitHub `<url>/login/oauth/...` (`server/forge/github/github.go:488-502`), GitLab `<url>/oauth/...`
 *   (`server/forge/gitlab/gitlab.go:92-107`), Gitea `<url>/login/oauth/...` (`server/forge/gitea/gitea.go:44-45,92-105`),
 *   Bitbucket `<url>/site/oauth2/...` (`server/forge/bitbucket/bitbucket.go:529-540`); no forge OAuth host is set
 *   (`WOODPECKER_EXPERT_FORGE_OAUTH_HOST`), so the browser goes to the URL itself.
 */
function woodpeckerOAuth(env: Record<string, string>): OAuthFlow {
  const url = ['WOODPECKER_FORGE_URL', 'WOODPECKER_GITHUB_URL', 'WOODPECKER_GITLAB_URL', 'WOODPECKER_GITEA_URL', 'WOODPECKER_FORGEJO_URL',
    'WOODPECKER_BITBUCKET_URL'].map((name) => env[name]).find((v) => v !== undefined && v !== '') ?? '';
  const redirect = `${trimSlash(env.WOODPECKER_HOST)}/authorize`;
  if (env.WOODPECKER_GITHUB === 'true') {
    const base = url || 'https://github.com';
    return { authorize: `${base}/login/oauth/authorize`, token: `${base}/login/oauth/access_token`, redirect };
  }
  if (env.WOODPECKER_GITLAB === 'true') {
    const base = url || 'https://gitlab.com';
    return { authorize: `${base}/oauth/authorize`, token: `${base}/oauth/token`, redirect };
  }
  if (env.WOODPECKER_GITEA === 'true') {
    const base = url || 'https://try.gitea.com';
    return { authorize: `${base}/login/oauth/authorize`, token: `${base}/login/oauth/access_token`, redirect };
  }
  if (env.WOODPECKER_BITBUCKET === 'true') {
    return { authorize: 'https://bitbucket.org/site/oauth2/authorize', token: 'https://bitbucket.org/site/oauth2/access_token', redirect };
  }
  throw new Error('forge not configured');
}

type ProviderOf = (clientSecret: ReturnType<ReturnType<typeof Secret.fromSecretName>['key']>) => GitProvider;

/** Self-hosted forges as users give them (a trailing "/", a path prefix, a port), and the base URL each is served at. */
const FORGES: [string, ProviderOf, string][] = [
  ['GitLab under a path prefix', (clientSecret) => GitProvider.gitlab({ clientId: 'id', clientSecret, server: 'https://example.com/gitlab/' }), 'https://example.com/gitlab'],
  ['GitLab on port 8443', (clientSecret) => GitProvider.gitlab({ clientId: 'id', clientSecret, server: 'https://gitlab.acme.dev:8443' }), 'https://gitlab.acme.dev:8443'],
  ['Gitea (or Forgejo) under a path on port 3000', (clientSecret) => GitProvider.gitea({ clientId: 'id', clientSecret, server: 'https://git.acme.dev:3000/forge/' }),
    'https://git.acme.dev:3000/forge'],
  ['GitHub Enterprise Server', (clientSecret) => GitProvider.github({ clientId: 'id', clientSecret, server: 'https://github.acme.corp/' }), 'https://github.acme.corp'],
  ['Bitbucket Cloud', (clientSecret) => GitProvider.bitbucketCloud({ clientId: 'id', clientSecret }), 'https://bitbucket.org'],
];

/** The endpoints a forge at `base` serves (GitLab's under /oauth, Bitbucket's under /site/oauth2, the others' under /login/oauth). */
function forgeEndpoints(name: string, base: string): { authorize: string; token: string } {
  if (name.startsWith('GitLab')) {
    return { authorize: `${base}/oauth/authorize`, token: `${base}/oauth/token` };
  }
  if (name.startsWith('Bitbucket')) {
    return { authorize: `${base}/site/oauth2/authorize`, token: `${base}/site/oauth2/access_token` };
  }
  return { authorize: `${base}/login/oauth/authorize`, token: `${base}/login/oauth/access_token` };
}

describe('log-in through a self-hosted forge reaches the forge\'s own endpoints and returns to the callback the README names', () => {
  test.each(FORGES)('Drone, %s', (name, provider, base) => {
    const chart = testChart('ci');
    droneServer(chart, { host: 'ci.acme.dev', gitProvider: provider(Secret.fromSecretName(chart, 'Forge', 'drone-oauth').key('client-secret')) });
    const flow = droneOAuth(literalEnv(container(find(synth(chart), 'Deployment', 'drone'))));
    expect({ authorize: flow.authorize, token: flow.token }).toEqual(forgeEndpoints(name, base));
    // GitHub is sent no callback and returns to the one registered with the app; every other forge is told this one,
    // which must be the one registered
    const callback = `https://ci.acme.dev${ciEngineFacts(CiEngineKind.DRONE).oauthCallbackPath}`;
    expect(flow.redirect).toBe(name.startsWith('GitHub') ? undefined : callback);
  });

  test.each(FORGES)('Woodpecker, %s', (name, provider, base) => {
    const chart = testChart('ci');
    woodpeckerServer(chart, { host: 'ci.acme.dev', gitProvider: provider(Secret.fromSecretName(chart, 'Forge', 'woodpecker-oauth').key('client-secret')) });
    const flow = woodpeckerOAuth(literalEnv(container(find(synth(chart), 'Deployment', 'woodpecker'))));
    expect({ authorize: flow.authorize, token: flow.token }).toEqual(forgeEndpoints(name, base));
    expect(flow.redirect).toBe(`https://ci.acme.dev${ciEngineFacts(CiEngineKind.WOODPECKER).oauthCallbackPath}`);
  });
});

/**
 * Whether Woodpecker hands a pipeline's clone the forge login: for a repository the forge calls private, or for
 * every one with `WOODPECKER_AUTHENTICATE_PUBLIC_REPOS` (`server/pipeline/items.go:140-144`), a boolean flag
 * (`cmd/server/flags.go:178-182`; urfave/cli v3.10.1 parses it with `strconv.ParseBool`).
 */
function woodpeckerClonesWithLogin(env: Record<string, string>, repo: { private: boolean }): boolean {
  const flag = env.WOODPECKER_AUTHENTICATE_PUBLIC_REPOS;
  return repo.private || (flag !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(flag));
}

describe('authenticatePublicRepos: a forge on which every clone needs a log-in (private mode, sign-in required)', () => {
  test('Drone: public repositories\' builds get no netrc by default, and the forge login with it', () => {
    const plain = testChart('ci');
    droneServer(plain);
    expect(netrcLogin(envOf(container(find(synth(plain), 'Deployment', 'drone'))), { private: false })).toBe('none');
    const off = testChart('ci');
    droneServer(off, { authenticatePublicRepos: false });
    expect(synth(off)).toEqual(synth(plain));

    const login = testChart('ci');
    const password = Secret.fromSecretName(login, 'CloneToken', 'drone-clone-login').key('token');
    droneServer(login, { authenticatePublicRepos: true, cloneLogin: { username: 'acme-ci', password } });
    const env = envOf(container(find(synth(login), 'Deployment', 'drone')));
    expect(env.DRONE_GIT_ALWAYS_AUTH.value).toBe('true');
    expect(netrcLogin(env, { private: false })).toBe('clone login');
  });

  // Without cloneLogin the netrc is the activating user's OAuth token (netrc.go:72-90), and a public repository's
  // pull request, a fork's too, reads it: drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:492-496 gives the
  // netrc to step 0 even with DRONE_NETRC_CLONE_ONLY (the pipeline's own step with clone: disable), and from_secret
  // names it to any step (compiler.go:498-511). So the synth refuses it.
  test('Drone refuses it without cloneLogin, in one line naming the prop, the value and the read-only login to set first', () => {
    const chart = testChart('ci');
    expect(thrown(() => droneServer(chart, { authenticatePublicRepos: true })).message).toBe('invalid authenticatePublicRepos true: must be false ' +
      'without cloneLogin: every build of a public repository, a fork\'s pull request too, would hold the OAuth token of the user who ' +
      'activated it, with all that user\'s rights; set cloneLogin to a read-only login first (a GitLab group deploy token with ' +
      'read_repository, a GitHub fine-grained token with read-only Contents)');
  });

  test('Woodpecker: public repositories clone without the login by default, and with it when set, through WoodpeckerCi too', () => {
    const plain = testChart('ci');
    woodpeckerServer(plain);
    const plainEnv = literalEnv(container(find(synth(plain), 'Deployment', 'woodpecker')));
    expect(woodpeckerClonesWithLogin(plainEnv, { private: false })).toBe(false);
    expect(woodpeckerClonesWithLogin(plainEnv, { private: true })).toBe(true);
    const off = testChart('ci');
    woodpeckerServer(off, { authenticatePublicRepos: false });
    expect(synth(off)).toEqual(synth(plain));

    const chart = testChart('ci');
    woodpeckerCi(chart, { authenticatePublicRepos: true });
    expect(woodpeckerClonesWithLogin(literalEnv(container(find(synth(chart), 'Deployment', 'woodpecker'))), { private: false })).toBe(true);
  });

  test.each([
    ['Drone', (chart: ReturnType<typeof testChart>) => droneServer(chart, { authenticatePublicRepos: 'yes' as any })],
    ['Woodpecker', (chart: ReturnType<typeof testChart>) => woodpeckerServer(chart, { authenticatePublicRepos: 'yes' as any })],
  ])('%s refuses a value that is not a boolean', (_engine, make) => {
    expect(thrown(() => make(testChart('ci'))).message).toBe('invalid authenticatePublicRepos "yes": must be true or false');
  });
});

/**
 * The URL each engine registers as a repository's webhook at the forge: Drone `<proxy addr>/hook`, the proxy address
 * defaulting to `DRONE_SERVER_PROTO://DRONE_SERVER_HOST` (harness v2.28.2 `service/hook/hook.go:53-55`,
 * `cmd/drone-server/inject_service.go:88`, `config/config.go:538-547`); Woodpecker `<WOODPECKER_HOST>/api/hook?...`
 * unless `WOODPECKER_EXPERT_WEBHOOK_HOST` is set (v3.17.0 `server/api/repo.go:173-177`, `cmd/server/setup.go:246-252`).
 */
function webhookUrl(engine: CiEngineKind, env: Record<string, string>): URL {
  if (engine === CiEngineKind.DRONE) {
    const host = (env.DRONE_SERVER_PROXY_HOST ?? env.DRONE_SERVER_HOST).toLowerCase().replace(/^https?:\/\//, '');
    return new URL(`${env.DRONE_SERVER_PROXY_PROTO ?? env.DRONE_SERVER_PROTO}://${host}/hook`);
  }
  return new URL(`${env.WOODPECKER_EXPERT_WEBHOOK_HOST ?? trimSlash(env.WOODPECKER_HOST)}/api/hook?access_token=x`);
}

describe('the webhook URL the forge is told is served by the exposure, to the server', () => {
  test.each([
    [CiEngineKind.DRONE, 'ci.acme.dev'], [CiEngineKind.DRONE, 'ci.acme.dev:8443'],
    [CiEngineKind.WOODPECKER, 'ci.acme.dev'], [CiEngineKind.WOODPECKER, 'ci.acme.dev:8443'],
  ])('%s at %s', (engine, host) => {
    const chart = testChart('ci');
    const exposure = ServiceExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') });
    const gitProvider = GitProvider.gitea({ clientId: 'id', clientSecret: Secret.fromSecretName(chart, 'Forge', 'oauth').key('client-secret'), server: 'https://git.acme.dev' });
    const name = engine === CiEngineKind.DRONE ? 'drone' : 'woodpecker';
    if (engine === CiEngineKind.DRONE) {
      droneServer(chart, { host, gitProvider, exposure });
    } else {
      woodpeckerServer(chart, { host, gitProvider, exposure });
    }
    const objects = synth(chart);
    const hook = webhookUrl(engine, literalEnv(container(find(objects, 'Deployment', name))));
    expect(hook.protocol).toBe('https:');
    const ingress = find(objects, 'Ingress', name);
    const rule = ingress.spec.rules.find((r: any) => r.host === hook.hostname);
    expect(rule).toBeDefined();
    expect(ingress.spec.tls.flatMap((t: any) => t.hosts)).toContain(hook.hostname);
    const path = rule.http.paths.find((p: any) => p.pathType === 'Prefix' && hook.pathname.startsWith(p.path));
    expect(path.backend.service.name).toBe(name);
    // the Service's port the rule names reaches the server's HTTP port, which its NetworkPolicy admits from the controller
    const service = find(objects, 'Service', name);
    const port = service.spec.ports.find((p: any) => p.name === path.backend.service.port.name || p.port === path.backend.service.port.number);
    const policy = find(objects, 'NetworkPolicy', name);
    const admitted = policy.spec.ingress.filter((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx'));
    expect(admitted.flatMap((r: any) => r.ports.map((p: any) => p.port))).toContain(port.targetPort === 'http' ? container(find(objects, 'Deployment', name)).ports
      .find((p: any) => p.name === 'http').containerPort : port.targetPort);
  });
});

describe('the default stack\'s builds reach a self-hosted git server at a private address only where DOCKYARD_GIT_SERVER_CIDRS says', () => {
  // a GitLab on a company network, served on 8443: the clone step fetches its clone URL from a build pod
  const env = { DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_GIT_SERVER: 'https://code.acme.dev:8443/gitlab' };
  const forge: Endpoint = { ip: '10.20.0.15' };
  const clonePod = (namespace: string): Endpoint => ({ namespace, podLabels: { 'io.drone': 'x' }, ip: '10.244.3.7' });
  const buildNamespaces = (objects: any[]) => objects.filter((o) => o.kind === 'Namespace' && /-(builds|publish|deploy)$/.test(o.metadata.name))
    .map((o) => o.metadata.name);

  test.each(['drone', 'woodpecker'])('%s', (ci) => {
    const without = synthStack('default', (app) => defaultStack(app, loadConfig({ ...env, DOCKYARD_CI: ci }))).objects;
    const objects = synthStack('default', (app) => defaultStack(app, loadConfig({ ...env, DOCKYARD_CI: ci, DOCKYARD_GIT_SERVER_CIDRS: '10.20.0.15/32' }))).objects;
    const namespaces = buildNamespaces(objects);
    expect(namespaces.sort()).toEqual(['dockyard-builds', 'dockyard-deploy', 'dockyard-publish']);
    for (const ns of namespaces) {
      // the private address is outside the internet rule: without the variable every clone times out
      expect([ns, egressAdmits(without, clonePod(ns), forge, 8443)]).toEqual([ns, false]);
      expect([ns, egressAdmits(objects, clonePod(ns), forge, 8443)]).toEqual([ns, true]);
      // only the server, and only on its port
      expect([ns, egressAdmits(objects, clonePod(ns), forge, 22)]).toEqual([ns, false]);
      expect([ns, egressAdmits(objects, clonePod(ns), { ip: '10.20.0.16' }, 8443)]).toEqual([ns, false]);
    }
  });

  test('the teams stack: each team\'s build namespace too, made after the platform declared it', () => {
    const objects = synthStack('teams', (app) => teamsStack(app, loadTeamsConfig({ ...env, DOCKYARD_TEAMS: '1', DOCKYARD_GIT_SERVER_CIDRS: '10.20.0.15/32' }))).objects;
    const teamBuilds = objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['dockyard.dev/team'] !== undefined
      && /builds|pull-requests/.test(o.metadata.name)).map((o) => o.metadata.name);
    expect(teamBuilds.length).toBeGreaterThan(0);
    for (const ns of teamBuilds) {
      expect([ns, egressAdmits(objects, clonePod(ns), forge, 8443)]).toEqual([ns, true]);
    }
  });
});

test('the default stack\'s DOCKYARD_GIT_AUTH_PUBLIC_REPOS reaches either server, and the stack is unchanged without it', () => {
  const env = { DOCKYARD_GIT_PROVIDER: 'github', DOCKYARD_GIT_SERVER: 'https://github.acme.corp' };
  const server = (objects: any[], name: string) => container(find(objects, 'Deployment', name));
  // on Drone only with a clone login (DOCKYARD_CLONE_USER), which public repositories' builds then hold
  const login = { ...env, DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'true', DOCKYARD_CLONE_USER: 'acme-ci' };
  const drone = withEnv({ DOCKYARD_CLONE_TOKEN: 'github_pat_public-repos-123' }, () => synthStack('default', (app) => defaultStack(app, loadConfig(login)))).objects;
  expect(netrcLogin(envOf(server(drone, 'drone')), { private: false })).toBe('clone login');
  const plain = synthStack('default', (app) => defaultStack(app, loadConfig(env))).objects;
  expect(netrcLogin(envOf(server(plain, 'drone')), { private: false })).toBe('none');
  expect(synthStack('default', (app) => defaultStack(app, loadConfig({ ...env, DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'false' }))).objects).toEqual(plain);
  const woodpecker = synthStack('default', (app) => defaultStack(app, loadConfig({ ...env, DOCKYARD_CI: 'woodpecker', DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'true' }))).objects;
  expect(woodpeckerClonesWithLogin(literalEnv(server(woodpecker, 'woodpecker')), { private: false })).toBe(true);
});
