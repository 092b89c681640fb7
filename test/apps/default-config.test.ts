import { DEFAULT_CONFIG, GitProviderKind, loadConfig } from '../../apps/default/config';

describe('default stack configuration', () => {
  test('defaults let a fresh clone synthesize', () => {
    expect(loadConfig({})).toEqual({ ...DEFAULT_CONFIG, gitServer: undefined, imageMirror: undefined });
  });

  test('reads DOCKYARD_* variables', () => {
    const config = loadConfig({
      DOCKYARD_HOST: 'ci.acme.dev', DOCKYARD_HARBOR_HOST: 'registry.acme.dev', DOCKYARD_GIT_PROVIDER: 'gitea', DOCKYARD_GIT_SERVER: 'https://git.acme.dev',
      DOCKYARD_GIT_CLIENT_ID: 'cid', DOCKYARD_ORG: 'acme', DOCKYARD_ADMIN: 'alice', DOCKYARD_INGRESS_CLASS: 'traefik', DOCKYARD_CERT_ISSUER: 'acme-ca',
    });
    expect(config).toEqual({
      host: 'ci.acme.dev', harborHost: 'registry.acme.dev', gitProvider: GitProviderKind.GITEA, gitServer: 'https://git.acme.dev', gitClientId: 'cid',
      organization: 'acme', admin: 'alice', ingressClassName: 'traefik', certIssuer: 'acme-ca', imageMirror: undefined,
    });
  });

  test('fails on bad values, naming the variable', () => {
    expect(() => loadConfig({ DOCKYARD_GIT_PROVIDER: 'svn' })).toThrow('invalid DOCKYARD_GIT_PROVIDER "svn": must be one of github, gitlab, gitea, bitbucket');
    expect(() => loadConfig({ DOCKYARD_HOST: 'https://ci' })).toThrow(/invalid DOCKYARD_HOST "https:\/\/ci"/);
    expect(() => loadConfig({ DOCKYARD_HARBOR_HOST: 'Harbor' })).toThrow(/invalid DOCKYARD_HARBOR_HOST "Harbor"/);
    expect(() => loadConfig({ DOCKYARD_GIT_SERVER: 'git.acme.dev' })).toThrow(/invalid DOCKYARD_GIT_SERVER "git.acme.dev"/);
    expect(() => loadConfig({ DOCKYARD_INGRESS_CLASS: 'Nginx!' })).toThrow(/invalid DOCKYARD_INGRESS_CLASS "Nginx!"/);
    expect(() => loadConfig({ DOCKYARD_CERT_ISSUER: '' })).toThrow(/invalid DOCKYARD_CERT_ISSUER ""/);
  });
});
