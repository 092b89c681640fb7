import { describeValue, GitProvider, Secret } from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';
import { droneServer } from './fixtures';

describe('GitProvider validation', () => {
  const secret = () => Secret.fromSecretName(testChart(), 'OAuth', 'oauth').key('client-secret');
  const CLIENT_ID = 'must be an OAuth client ID: 1 to 255 letters, digits, ".", "_", "~" or "-"';
  const SERVER = 'must be an https base URL such as "https://git.example.com" or "https://example.com/gitlab": ' +
    'a lower-case DNS host, an optional :port and path, no credentials, query, fragment or "$"';

  test('takes realistic client IDs and servers, without trailing slashes in the environment', () => {
    const chart = testChart('ci');
    const gitlab = GitProvider.gitlab({
      clientId: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      clientSecret: Secret.fromSecretName(chart, 'GitLabOAuth', 'oauth').key('client-secret'),
      server: 'https://code.acme.dev/gitlab/',
    });
    expect(gitlab.server).toBe('https://code.acme.dev/gitlab');
    droneServer(chart, { gitProvider: gitlab });
    const env = envOf(container(find(synth(chart), 'Deployment', 'drone')));
    expect(env.DRONE_GITLAB_SERVER.value).toBe('https://code.acme.dev/gitlab');
    expect(GitProvider.github({ clientId: 'Iv1.8a61f9b3a7aba766', clientSecret: secret(), server: 'https://github.acme.corp' }).server).toBe('https://github.acme.corp');
    expect(GitProvider.github({ clientId: 'Ov23liAbCdEf0123456789', clientSecret: secret() }).server).toBe('https://github.com');
    expect(GitProvider.gitea({ clientId: '3f2b1c9e-8d4a-4e6b-9c1d-2a7e5f0b6c3d', clientSecret: secret(), server: 'https://gitea.acme.dev:3000' }).server)
      .toBe('https://gitea.acme.dev:3000');
  });

  test.each([
    ['', '""'], ['$(DRONE_DATABASE_PASSWORD)', '"$(DRONE_DATABASE_PASSWORD)"'], ['"abc"', '"\\"abc\\""'], ['ab`c`', '"ab`c`"'], ['abç', '"abç"'],
    ['https://github.com/settings/apps/x', '"https://github.com/settings/apps/x"'], ['a b', '"a b"'], ['a\nb', '"a\\nb"'],
  ])('fails on client ID %j', (clientId, shown) => {
    expect(() => GitProvider.github({ clientId, clientSecret: secret() })).toThrow(`invalid clientId ${shown}: ${CLIENT_ID}`);
  });

  test.each([
    'http://gitlab.acme.dev', 'https://gitlab.acme.dev?x=1', 'https://gitlab.acme.dev#x', 'https://root:pw@gitlab.acme.dev', 'https://gitlab.acme.dev/$(X)',
    'gitlab.acme.dev', 'https://GitLab.acme.dev', 'https://gitlab.acme.dev.',
  ])('fails on server %j', (server) => {
    expect(() => GitProvider.gitlab({ clientId: 'id', clientSecret: secret(), server })).toThrow(`invalid server ${describeValue(server)}: ${SERVER}`);
  });

  // where the engines call GitHub's API, transcribed: harness/harness v2.28.2 cmd/drone-server/config/config.go:580-589
  // (configureGithub), woodpecker-ci/woodpecker v3.17.0 server/forge/github/github.go:78-81 (New)
  const droneGitHubApi = (server: string) => (server === 'https://github.com' ? 'https://api.github.com' : `${server.replace(/\/$/, '')}/api/v3`);
  const woodpeckerGitHubApi = (url: string) => (url === 'https://github.com' ? 'https://api.github.com/' : `${url.replace(/\/$/, '')}/api/v3/`);

  test('a GitHub server is its base URL: both engines append /api/v3 themselves', () => {
    for (const server of ['https://github.acme.corp', 'https://github.acme.corp/', 'https://acme.corp/ghe', 'https://acme.corp/api/v3x']) {
      const taken = GitProvider.github({ clientId: 'id', clientSecret: secret(), server }).server!;
      expect([droneGitHubApi(taken), woodpeckerGitHubApi(taken)].join(' ')).not.toMatch(/\/api\/v3\/api\/v3/);
    }
    for (const server of ['https://github.acme.corp/api/v3', 'https://github.acme.corp/api/v3/', 'https://acme.corp/ghe/Api/V3']) {
      expect(() => GitProvider.github({ clientId: 'id', clientSecret: secret(), server })).toThrow(new Error(`invalid server ${JSON.stringify(server)}: must be ` +
        `the server's base URL, without the /api/v3 that the CI engines append to it: give the base URL, ${JSON.stringify(server.replace(/\/api\/v3\/?$/i, ''))}`));
    }
    // which is GitHub's alone: another provider's path is its own
    expect(GitProvider.gitlab({ clientId: 'id', clientSecret: secret(), server: 'https://acme.corp/api/v3' }).server).toBe('https://acme.corp/api/v3');
  });

  // woodpecker-ci/woodpecker v3.17.0 server/forge/gitlab/gitlab.go:96-104: the OAuth endpoints are <server>/oauth/...
  test('a GitLab server is its base URL, not its /api/v4 API root', () => {
    expect(() => GitProvider.gitlab({ clientId: 'id', clientSecret: secret(), server: 'https://gitlab.acme.dev/api/v4' })).toThrow(new Error(
      'invalid server "https://gitlab.acme.dev/api/v4": must be GitLab\'s base URL, without its /api/v4 API root: log-in goes to ' +
      '<server>/oauth/authorize; give "https://gitlab.acme.dev"'));
    expect(GitProvider.gitlab({ clientId: 'id', clientSecret: secret(), server: 'https://acme.dev/gitlab/' }).server).toBe('https://acme.dev/gitlab');
    expect(() => GitProvider.gitlab({ clientId: 'id', clientSecret: secret(), server: 'http://gitlab.acme.dev' })).toThrow('invalid server "http://gitlab.acme.dev"');
  });

  test('Gitea needs a server and Bitbucket Cloud takes none', () => {
    expect(() => GitProvider.gitea({ clientId: 'id', clientSecret: secret() } as any))
      .toThrow('missing server: must be set: the https base URL of the Gitea server, such as "https://gitea.example.com"');
    expect(() => GitProvider.bitbucketCloud({ clientId: 'id', clientSecret: secret(), server: 'https://bitbucket.acme.dev' } as any))
      .toThrow('invalid server "https://bitbucket.acme.dev": must be unset: Bitbucket Cloud has no server setting');
  });
});
