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

  test('Gitea needs a server and Bitbucket Cloud takes none', () => {
    expect(() => GitProvider.gitea({ clientId: 'id', clientSecret: secret() } as any))
      .toThrow('missing server: must be set: the https base URL of the Gitea server, such as "https://gitea.example.com"');
    expect(() => GitProvider.bitbucketCloud({ clientId: 'id', clientSecret: secret(), server: 'https://bitbucket.acme.dev' } as any))
      .toThrow('invalid server "https://bitbucket.acme.dev": must be unset: Bitbucket Cloud has no server setting');
  });
});
