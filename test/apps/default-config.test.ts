import * as fs from 'fs';
import { BlockList } from 'net';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { CONFIG_VARIABLES, DEFAULT_CONFIG, GitProviderKind, loadConfig } from '../../apps/default/config';
import { generateKeyPairSync } from 'crypto';
import { ApiServerEndpoint, describeValue, NetworkPeer, TrustBundle, ValidationError } from '../../lib';
import { selfSignedCertificatePem } from '../../lib/core/x509';
import { escapeRegExp } from '../../lib/core/text';

/** The one-line message `loadConfig(env)` fails with, failing the test when it does not fail with a ValidationError. */
function failure(env: NodeJS.ProcessEnv, options?: { outdir?: string }): string {
  try {
    loadConfig(env, options);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const message = (e as Error).message;
    expect(message).not.toMatch(/[\r\n\u2028\u2029\u0085]/);
    return message;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not fail`);
}

const GITHUB_ORG = 'must be a GitHub organisation or user: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen';
const GITHUB_USER = 'must be a GitHub login: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen';
const GITLAB_ORG = 'must be a GitLab group or user path: "/"-separated segments of letters, digits, "_", "." and "-", each starting with ' +
  'a letter or digit, without consecutive special characters, not ending in ".", ".git" or ".atom"; at most 255 characters';
const GITLAB_USER = 'must be a GitLab username: letters, digits, "_", "." and "-", starting with a letter or digit, ' +
  'without consecutive special characters, not ending in ".", ".git" or ".atom"; at most 255 characters';
const GITEA_ORG = 'must be a Gitea organisation or user: 1 to 40 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, ' +
  'without consecutive special characters';
const BITBUCKET_ORG = 'must be a Bitbucket workspace ID: 1 to 255 lower-case letters, digits, "-" and "_", starting with a letter or digit';
const CLIENT_ID = 'must be an OAuth client ID: 1 to 255 letters, digits, ".", "_", "~" or "-"';
const SERVER = 'must be an https base URL such as "https://git.example.com" or "https://example.com/gitlab": ' +
  'a lower-case DNS host, an optional :port and path, no credentials, query, fragment or "$"';
const MIRROR = 'must be a registry host with an optional :port and path, without scheme, such as "registry.example.com:5000/mirror": ' +
  'a lower-case DNS host with a "." (or localhost), and path segments of lower-case letters and digits separated by ".", "_", "__" or "-"; ' +
  'not on DOCKYARD_HARBOR_HOST (Harbor would pull its own images and its PostgreSQL and Valkey from itself, which it needs running to serve them)';
const HOST = 'must be a fully qualified lower-case DNS host name such as "ci.example.com", not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), without scheme or path';
const HARBOR_HOST = `${HOST}, and not DOCKYARD_HOST (the CI server's and Harbor's Ingresses would both claim path / of that host)`;
const MIRROR_PASSWORD = 'must be any value that is not empty or whitespace only, nor one line beginning or ending with a line break; read only with ' +
  'DOCKYARD_IMAGE_MIRROR_USER set';
const SUBDOMAIN = 'must be a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels';
const stateRule = (outdir: string) => 'must be the path of a file, relative or absolute, such as ".dockyard/secrets.json", ' +
  `outside the output directory ${JSON.stringify(outdir)}; not an existing directory, not ending with "/"`;

const LONG = 'a'.repeat(300);
const LONG_SHOWN = shown(LONG);

describe('default stack configuration', () => {
  test('defaults let a fresh clone synthesize', () => {
    expect(loadConfig({})).toEqual({ ...DEFAULT_CONFIG, gitServer: undefined, imageMirror: undefined });
    expect(DEFAULT_CONFIG.statePath).toBe('.dockyard/secrets.json');
  });

  test('reads DOCKYARD_* variables', () => {
    const config = loadConfig({
      DOCKYARD_HOST: 'ci.acme.dev', DOCKYARD_HARBOR_HOST: 'registry.acme.dev', DOCKYARD_GIT_PROVIDER: 'gitea', DOCKYARD_GIT_SERVER: 'https://git.acme.dev',
      DOCKYARD_GIT_CLIENT_ID: 'cid', DOCKYARD_ORG: 'acme', DOCKYARD_ADMIN: 'alice', DOCKYARD_INGRESS_CLASS: 'traefik', DOCKYARD_CERT_ISSUER: 'acme-ca',
      DOCKYARD_IMAGE_MIRROR: 'registry.acme.dev:5000/mirror', DOCKYARD_STATE: 'state/secrets.json',
    });
    expect(config).toEqual({
      ci: 'drone', apiServer: undefined, imageMirrorUser: undefined,
      host: 'ci.acme.dev', harborHost: 'registry.acme.dev', gitProvider: GitProviderKind.GITEA, gitServer: 'https://git.acme.dev', gitClientId: 'cid',
      organization: 'acme', admin: 'alice', ingressClassName: 'traefik', certIssuer: 'acme-ca', imageMirror: 'registry.acme.dev:5000/mirror',
      statePath: 'state/secrets.json',
    });
  });

  test('warns of an IngressClass other than ingress-nginx\'s, whose namespace and annotations the stacks assume', () => {
    const warnings: string[] = [];
    expect(loadConfig({ DOCKYARD_INGRESS_CLASS: 'traefik' }, { warn: (m) => warnings.push(m) }).ingressClassName).toBe('traefik');
    expect(warnings).toEqual(['DOCKYARD_INGRESS_CLASS is "traefik": the stacks\' NetworkPolicies admit only the namespace ingress-nginx, and ' +
      'Harbor\'s and the CI server\'s body-size and timeout annotations are ingress-nginx\'s; unless this class is ingress-nginx in that ' +
      'namespace, the Ingresses get no traffic (see the README, "Applying dist/ to a cluster")']);
    const none: string[] = [];
    loadConfig({ DOCKYARD_INGRESS_CLASS: 'nginx' }, { warn: (m) => none.push(m) });
    expect(none).toEqual([]);
    // an invalid class is refused in one line, with no warning before it (a new user's trial got both)
    expect(() => loadConfig({ DOCKYARD_INGRESS_CLASS: 'Nginx' }, { warn: (m) => none.push(m) })).toThrow(/^invalid DOCKYARD_INGRESS_CLASS "Nginx"/);
    expect(none).toEqual([]);
  });

  describe('accepts realistic values', () => {
    test('GitHub with a GitHub App client ID, an upper-case login and GitHub Enterprise', () => {
      expect(loadConfig({
        DOCKYARD_GIT_CLIENT_ID: 'Iv1.8a61f9b3a7aba766', DOCKYARD_ORG: 'Acme-Corp', DOCKYARD_ADMIN: 'Alice-1', DOCKYARD_GIT_SERVER: 'https://github.acme.corp',
      })).toMatchObject({ gitProvider: 'github', gitClientId: 'Iv1.8a61f9b3a7aba766', organization: 'Acme-Corp', admin: 'Alice-1', gitServer: 'https://github.acme.corp' });
      expect(loadConfig({ DOCKYARD_GIT_CLIENT_ID: 'Ov23liAbCdEf0123456789', DOCKYARD_ORG: 'a'.repeat(39) }).organization).toHaveLength(39);
    });

    test('a GitHub Enterprise URL loses its trailing slash, so Drone recognises github.com and appends /api/v3 once', () => {
      expect(loadConfig({ DOCKYARD_GIT_SERVER: 'https://github.acme.corp/' }).gitServer).toBe('https://github.acme.corp');
      expect(loadConfig({ DOCKYARD_GIT_SERVER: 'https://github.com/' }).gitServer).toBe('https://github.com');
    });

    test('GitLab with a 64-hex application ID, nested groups, dotted names and a relative URL root', () => {
      const id = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
      // a nested group with Woodpecker, which runs a subgroup's projects (Drone refuses one: test/apps/default-drone-behaviour.test.ts)
      expect(loadConfig({
        DOCKYARD_CI: 'woodpecker', DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_GIT_CLIENT_ID: id, DOCKYARD_ORG: 'acme/platform/ci-tools', DOCKYARD_ADMIN: 'alice.smith_',
        DOCKYARD_GIT_SERVER: 'https://code.acme.dev:8443/gitlab/',
      })).toMatchObject({
        gitProvider: 'gitlab', gitClientId: id, organization: 'acme/platform/ci-tools', admin: 'alice.smith_', gitServer: 'https://code.acme.dev:8443/gitlab',
      });
      expect(loadConfig({ DOCKYARD_GIT_PROVIDER: 'gitlab' }).gitServer).toBeUndefined();
    });

    test('Gitea with a UUID client ID', () => {
      expect(loadConfig({
        DOCKYARD_GIT_PROVIDER: 'gitea', DOCKYARD_GIT_SERVER: 'https://gitea.acme.dev', DOCKYARD_GIT_CLIENT_ID: '3f2b1c9e-8d4a-4e6b-9c1d-2a7e5f0b6c3d',
        DOCKYARD_ORG: 'acme.dev', DOCKYARD_ADMIN: 'alice_s',
      })).toMatchObject({ gitServer: 'https://gitea.acme.dev', organization: 'acme.dev', admin: 'alice_s' });
    });

    test('Bitbucket Cloud with an OAuth consumer key and a workspace ID', () => {
      expect(loadConfig({
        DOCKYARD_GIT_PROVIDER: 'bitbucket', DOCKYARD_GIT_CLIENT_ID: 'Xq7mK2pL9vR4tY8wZ3', DOCKYARD_ORG: 'acme_ci-2', DOCKYARD_ADMIN: 'alice-s',
      })).toMatchObject({ gitProvider: 'bitbucket', gitServer: undefined, organization: 'acme_ci-2' });
    });

    test('image mirrors and state paths', () => {
      for (const mirror of ['registry.acme.dev', 'localhost:5000', 'registry.acme.dev/mirror/team__a/b-c.d', '10.0.0.5:5000/mirror']) {
        expect(loadConfig({ DOCKYARD_IMAGE_MIRROR: mirror }).imageMirror).toBe(mirror);
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-config-'));
      expect(loadConfig({ DOCKYARD_STATE: path.join(dir, 'secrets.json') }, { outdir: path.join(dir, 'dist') }).statePath).toBe(path.join(dir, 'secrets.json'));
      expect(loadConfig({ DOCKYARD_STATE: '../secrets.json' }).statePath).toBe('../secrets.json');
    });
  });

  describe('fails with one line naming the variable, the value and what is allowed', () => {
    test('DOCKYARD_GIT_PROVIDER', () => {
      expect(failure({ DOCKYARD_GIT_PROVIDER: 'svn' })).toBe('invalid DOCKYARD_GIT_PROVIDER "svn": must be one of github, gitlab, gitea, bitbucket');
      expect(failure({ DOCKYARD_GIT_PROVIDER: 'GitHub' })).toBe('invalid DOCKYARD_GIT_PROVIDER "GitHub": must be one of github, gitlab, gitea, bitbucket');
    });

    test.each([
      ['DOCKYARD_HOST', 'https://ci'], ['DOCKYARD_HOST', 'a..example.com'], ['DOCKYARD_HOST', 'ci.example.com.'], ['DOCKYARD_HOST', 'CI.example.com'],
      ['DOCKYARD_HOST', '$(DRONE_DATABASE_PASSWORD)'], ['DOCKYARD_HARBOR_HOST', 'Harbor'], ['DOCKYARD_HARBOR_HOST', 'harbor.example.com:443'],
      // an Ingress rule's host may not be an IP address (Kubernetes IngressRule.host: "IPs are not allowed"), and a public
      // host name is fully qualified
      ['DOCKYARD_HOST', '10.0.0.1'], ['DOCKYARD_HOST', 'drone'], ['DOCKYARD_HARBOR_HOST', '10.0.0.2'], ['DOCKYARD_HARBOR_HOST', 'harbor'],
    ])('%s %j', (name, value) => {
      expect(failure({ [name]: value })).toBe(`invalid ${name} ${JSON.stringify(value)}: ${name === 'DOCKYARD_HOST' ? HOST : HARBOR_HOST}`);
    });

    test.each([
      ['drone', {}, 'drone.example.com'], ['drone', { DOCKYARD_HOST: 'ci.acme.dev' }, 'ci.acme.dev'], ['woodpecker', {}, 'woodpecker.example.com'],
    ])('DOCKYARD_HARBOR_HOST equal to the CI server\'s host (%s, %j)', (ci, env, host) => {
      expect(failure({ DOCKYARD_CI: ci, ...env, DOCKYARD_HARBOR_HOST: host }))
        .toBe(`invalid DOCKYARD_HARBOR_HOST "${host}": is the CI server's host (DOCKYARD_HOST) too; ${HARBOR_HOST}`);
    });

    test('DOCKYARD_HOST set to Harbor\'s default host names DOCKYARD_HOST, the variable set (a trial was told of DOCKYARD_HARBOR_HOST)', () => {
      expect(failure({ DOCKYARD_HOST: 'harbor.example.com' })).toBe('invalid DOCKYARD_HOST "harbor.example.com": is Harbor\'s host too ' +
        `(DOCKYARD_HARBOR_HOST, by default "harbor.example.com"); ${HOST}, apart from Harbor's, or set DOCKYARD_HARBOR_HOST to another`);
    });

    test.each([
      ['DOCKYARD_GIT_SERVER', 'alice:ghp_SECRETTOKEN123@github.example.com', '"<redacted>@github.example.com"', SERVER],
      ['DOCKYARD_GIT_SERVER', 'https://github.example.com?token=ghp_SECRETTOKEN123', '"https://github.example.com?<redacted>"', SERVER],
      ['DOCKYARD_GIT_SERVER', 'https://github.example.com/#ghp_SECRETTOKEN123', '"https://github.example.com/#<redacted>"', SERVER],
      ['DOCKYARD_HOST', 'user:s3cretpw@drone.example.com', '"<redacted>@drone.example.com"', HOST],
      ['DOCKYARD_HARBOR_HOST', 'https://u:s3cretpw@harbor.example.com/', '"https://<redacted>@harbor.example.com/"', HARBOR_HOST],
      ['DOCKYARD_IMAGE_MIRROR', 'u:s3cretpw@registry.example.com/m', '"<redacted>@registry.example.com/m"', MIRROR],
      ['DOCKYARD_API_SERVER', 'admin:s3cretpw@10.0.0.1:6443', '"<redacted>@10.0.0.1:6443"', `must be ${CONFIG_VARIABLES.find((v) => v.name === 'DOCKYARD_API_SERVER')!.allowed}`],
    ])('%s given a credential never shows it: %j', (name, value, shownValue, rule) => {
      const message = failure({ [name]: value });
      expect(message).toBe(`invalid ${name} ${shownValue}: ${rule}`);
      expect(message).not.toMatch(/ghp_SECRETTOKEN123|s3cretpw/);
    });

    test('DOCKYARD_GIT_SERVER of GitHub is the base URL, not its API, which both engines append', () => {
      for (const ci of ['drone', 'woodpecker']) {
        for (const server of ['https://github.acme.corp/api/v3', 'https://github.acme.corp/api/v3/', 'https://github.acme.corp/ghe/API/V3']) {
          expect(failure({ DOCKYARD_CI: ci, DOCKYARD_GIT_SERVER: server })).toBe(`invalid DOCKYARD_GIT_SERVER ${JSON.stringify(server)}: must be the ` +
            `server's base URL, without the /api/v3 that the CI engines append to it: give the base URL, ${JSON.stringify(server.replace(/\/api\/v3\/?$/i, ''))}`);
        }
      }
      // a path that merely contains it, and GitLab's API root, are other providers' business
      expect(loadConfig({ DOCKYARD_GIT_SERVER: 'https://github.acme.corp/api/v3x' }).gitServer).toBe('https://github.acme.corp/api/v3x');
      expect(loadConfig({ DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_GIT_SERVER: 'https://code.acme.dev/api/v3' }).gitServer).toBe('https://code.acme.dev/api/v3');
    });

    // woodpecker v3.17.0 server/forge/gitlab/gitlab.go:96-104: log-in goes to <server>/oauth/authorize
    test('DOCKYARD_GIT_SERVER of GitLab is the base URL, not its /api/v4 API root', () => {
      for (const server of ['https://gitlab.acme.dev/api/v4', 'https://acme.dev/gitlab/api/v4/']) {
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_GIT_SERVER: server })).toBe(`invalid DOCKYARD_GIT_SERVER ${JSON.stringify(server)}: ` +
          `must be GitLab's base URL, without its /api/v4 API root: log-in goes to <server>/oauth/authorize; give ${JSON.stringify(server.replace(/\/api\/v4\/?$/, ''))}`);
      }
      expect(loadConfig({ DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_GIT_SERVER: 'https://acme.dev/gitlab/' }).gitServer).toBe('https://acme.dev/gitlab');
    });

    test('DOCKYARD_HOST of 300 characters is shortened in the message', () => {
      expect(failure({ DOCKYARD_HOST: LONG })).toBe(`invalid DOCKYARD_HOST ${LONG_SHOWN}: ${HOST}`);
    });

    test.each([
      ['DOCKYARD_INGRESS_CLASS', 'Nginx!'], ['DOCKYARD_INGRESS_CLASS', 'a..b'], ['DOCKYARD_CERT_ISSUER', ' '], ['DOCKYARD_CERT_ISSUER', 'letsencrypt.'],
      ['DOCKYARD_CERT_ISSUER', '$(DRONE_DATABASE_PASSWORD)'],
    ])('%s %j', (name, value) => {
      expect(failure({ [name]: value })).toBe(`invalid ${name} ${JSON.stringify(value)}: ${SUBDOMAIN}`);
    });

    describe('DOCKYARD_ORG and DOCKYARD_ADMIN', () => {
      test.each([
        ['300 characters', LONG, LONG_SHOWN],
        ['a dotted host', 'a..example.com', '"a..example.com"'],
        ['a trailing dot', 'acme.', '"acme."'],
        ['a variable reference', '$(DRONE_DATABASE_PASSWORD)', '"$(DRONE_DATABASE_PASSWORD)"'],
        ['a comma', 'acme,evil', '"acme,evil"'],
        ['a space', 'acme corp', '"acme corp"'],
        ['quotes', '"acme"', '"\\"acme\\""'],
        ['a backtick', '`id`', '"`id`"'],
        ['unicode', 'acmé', '"acmé"'],
        ['a newline', 'acme\nevil', '"acme\\nevil"'],
        ['a double hyphen', 'ac--me', '"ac--me"'],
        ['a leading hyphen', '-acme', '"-acme"'],
        ['40 characters', 'a'.repeat(40), `"${'a'.repeat(40)}"`],
        ['a nested group', 'acme/ci', '"acme/ci"'],
        ['a blank', ' ', '" "'],
      ])('GitHub: %s', (_, value, shown) => {
        expect(failure({ DOCKYARD_ORG: value })).toBe(`invalid DOCKYARD_ORG ${shown}: ${GITHUB_ORG}`);
        expect(failure({ DOCKYARD_ADMIN: value })).toBe(`invalid DOCKYARD_ADMIN ${shown}: ${GITHUB_USER}`);
      });

      test.each([
        ['300 characters', LONG], ['a dotted host', 'a..example.com'], ['a trailing dot', 'acme.'], ['a variable reference', '$(DRONE_DATABASE_PASSWORD)'],
        ['a comma', 'acme,evil'], ['quotes', "'acme'"], ['a backtick', 'ac`me'], ['unicode', 'acmé'], ['.git', 'acme.git'], ['.atom', 'acme.atom'],
        ['a leading dot', '.acme'], ['a leading hyphen', '-acme'], ['an empty subgroup', 'acme//ci'], ['a trailing slash', 'acme/'],
        ['consecutive special characters', 'ac.-me'],
      ])('GitLab: %s', (_, value) => {
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_ORG: value })).toBe(`invalid DOCKYARD_ORG ${shown(value)}: ${GITLAB_ORG}`);
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_ADMIN: value })).toBe(`invalid DOCKYARD_ADMIN ${shown(value)}: ${GITLAB_USER}`);
      });

      test('GitLab logins are never nested', () => {
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_ADMIN: 'acme/alice' })).toBe(`invalid DOCKYARD_ADMIN "acme/alice": ${GITLAB_USER}`);
      });

      test.each([
        ['41 characters', 'a'.repeat(41)], ['a dotted host', 'a..example.com'], ['a trailing dot', 'acme.'], ['a trailing underscore', 'acme_'],
        ['a variable reference', '$(DRONE_DATABASE_PASSWORD)'], ['unicode', 'acmé'],
      ])('Gitea: %s', (_, value) => {
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'gitea', DOCKYARD_GIT_SERVER: 'https://gitea.acme.dev', DOCKYARD_ORG: value }))
          .toBe(`invalid DOCKYARD_ORG ${JSON.stringify(value)}: ${GITEA_ORG}`);
      });

      test.each([
        ['upper case', 'Acme'], ['a dot', 'acme.dev'], ['a trailing dot', 'acme.'], ['a variable reference', '$(DRONE_DATABASE_PASSWORD)'], ['300 characters', LONG],
      ])('Bitbucket: %s', (_, value) => {
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'bitbucket', DOCKYARD_ORG: value })).toBe(`invalid DOCKYARD_ORG ${shown(value)}: ${BITBUCKET_ORG}`);
      });
    });

    test.each([
      ['a variable reference', '$(DRONE_DATABASE_PASSWORD)'], ['quotes', '"Iv1.abc"'], ['a backtick', 'Iv1.`id`'], ['unicode', 'Iv1.ä'],
      ['a URL', 'https://github.com/settings/apps/acme'], ['a space', 'Iv1 abc'], ['a comma', 'a,b'], ['a blank', ' '], ['256 characters', 'a'.repeat(256)],
    ])('DOCKYARD_GIT_CLIENT_ID: %s', (_, value) => {
      expect(failure({ DOCKYARD_GIT_CLIENT_ID: value })).toBe(`invalid DOCKYARD_GIT_CLIENT_ID ${shown(value)}: ${CLIENT_ID}`);
    });

    describe('DOCKYARD_GIT_SERVER', () => {
      test('gitea without a server', () => {
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'gitea' })).toBe('missing DOCKYARD_GIT_SERVER: must be set for DOCKYARD_GIT_PROVIDER "gitea": ' +
          'the https base URL of the Gitea server, such as "https://gitea.example.com"');
      });

      test('bitbucket with a server', () => {
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'bitbucket', DOCKYARD_GIT_SERVER: 'https://bitbucket.acme.dev' }))
          .toBe('invalid DOCKYARD_GIT_SERVER "https://bitbucket.acme.dev": must be unset for DOCKYARD_GIT_PROVIDER "bitbucket": ' +
            'that is Bitbucket Cloud, which has no server setting');
      });

      test.each([
        ['no scheme', 'git.acme.dev'], ['http', 'http://git.acme.dev'], ['a query', 'https://git.acme.dev/?a=b'], ['a fragment', 'https://git.acme.dev/#x'],
        ['credentials', 'https://u:p@git.acme.dev'], ['a user', 'https://u@git.acme.dev'], ['a dollar', 'https://git.acme.dev/$(DRONE_DATABASE_PASSWORD)'],
        ['a dollar in the host', 'https://$(HOST)'], ['an upper-case host', 'https://Git.acme.dev'], ['a dotted host', 'https://a..example.com'],
        ['a trailing dot', 'https://git.acme.dev.'], ['a bad port', 'https://git.acme.dev:0'], ['a space', 'https://git.acme.dev/a b'],
        ['a comma', 'https://git.acme.dev/a,b'], ['a quote', 'https://git.acme.dev/"'], ['unicode', 'https://gït.acme.dev'], ['a dot segment', 'https://git.acme.dev/../x'],
        ['a double slash', 'https://git.acme.dev//x'], ['a blank', ' '],
      ])('%s', (_, value) => {
        expect(failure({ DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_GIT_SERVER: value })).toBe(`invalid DOCKYARD_GIT_SERVER ${describeValue(value)}: ${SERVER}`);
      });
    });

    test.each([
      ['upper case', 'Registry.acme.dev/mirror'], ['an upper-case path', 'registry.acme.dev/Mirror'], ['a scheme', 'https://registry.acme.dev/mirror'],
      ['a host without a dot', 'mirror/library'], ['a trailing slash', 'registry.acme.dev/'], ['a variable reference', 'registry.acme.dev/$(X)'],
      ['a tag', 'registry.acme.dev/mirror:1'], ['a blank', ' '], ['a space', 'registry.acme.dev /m'], ['300 characters', `r.io/${LONG}`],
    ])('DOCKYARD_IMAGE_MIRROR: %s', (_, value) => {
      expect(failure({ DOCKYARD_IMAGE_MIRROR: value })).toBe(`invalid DOCKYARD_IMAGE_MIRROR ${shown(value)}: ${MIRROR}`);
    });

    describe('DOCKYARD_IMAGE_MIRROR on Harbor\'s own host', () => {
      test.each([
        [{}, 'harbor.example.com/library', 'harbor.example.com'],
        [{}, 'harbor.example.com:443/library', 'harbor.example.com'],
        [{}, 'harbor.example.com', 'harbor.example.com'],
        [{ DOCKYARD_HARBOR_HOST: 'registry.acme.dev' }, 'registry.acme.dev:443/mirror', 'registry.acme.dev'],
      ])('%j %j, named with both variables', (env, mirror, harbor) => {
        expect(failure({ ...env, DOCKYARD_IMAGE_MIRROR: mirror }))
          .toBe(`invalid DOCKYARD_IMAGE_MIRROR ${JSON.stringify(mirror)}: is on DOCKYARD_HARBOR_HOST ${JSON.stringify(harbor)}; ${MIRROR}`);
      });

      test('another port, or another host, is another registry', () => {
        expect(loadConfig({ DOCKYARD_IMAGE_MIRROR: 'harbor.example.com:5000/mirror' }).imageMirror).toBe('harbor.example.com:5000/mirror');
        expect(loadConfig({ DOCKYARD_IMAGE_MIRROR: 'mirror.harbor.example.com/library' }).imageMirror).toBe('mirror.harbor.example.com/library');
      });
    });

    describe('the mirror login', () => {
      const mirror = 'registry.acme.dev/mirror';

      test('a user given with its password shows the user, never the password', () => {
        const user = 'must be a user name of at most 255 characters without ":", whitespace or control characters, and only with DOCKYARD_IMAGE_MIRROR set';
        expect(failure({ DOCKYARD_IMAGE_MIRROR: mirror, DOCKYARD_IMAGE_MIRROR_USER: 'bob:s3cretpw' }))
          .toBe(`invalid DOCKYARD_IMAGE_MIRROR_USER "bob:<redacted>": ${user}`);
        expect(failure({ DOCKYARD_IMAGE_MIRROR_USER: 'bob:s3cret:pw' }))
          .toBe(`invalid DOCKYARD_IMAGE_MIRROR_USER "bob:<redacted>": DOCKYARD_IMAGE_MIRROR is not set, and the login is for the mirror; ${user}`);
        expect(failure({ DOCKYARD_IMAGE_MIRROR: mirror, DOCKYARD_IMAGE_MIRROR_USER: 'bob\n:pw' })).toBe(`invalid DOCKYARD_IMAGE_MIRROR_USER "bob\\n:<redacted>": ${user}`);
      });

      test('a password of whitespace alone is refused without being shown; one with spaces around it is taken', () => {
        for (const blank of [' ', '\t', '  \n ']) {
          expect(failure({ DOCKYARD_IMAGE_MIRROR: mirror, DOCKYARD_IMAGE_MIRROR_USER: 'bob', DOCKYARD_IMAGE_MIRROR_PASSWORD: blank }))
            .toBe(`invalid DOCKYARD_IMAGE_MIRROR_PASSWORD <redacted>: ${MIRROR_PASSWORD}`);
        }
        expect(loadConfig({ DOCKYARD_IMAGE_MIRROR: mirror, DOCKYARD_IMAGE_MIRROR_USER: 'bob', DOCKYARD_IMAGE_MIRROR_PASSWORD: ' pw ' }).imageMirrorUser).toBe('bob');
      });
    });

    describe('DOCKYARD_STATE', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-state-'));
      const outdir = path.join(dir, 'dist');
      fs.mkdirSync(outdir);

      test.each([['blanks', ' '], ['a trailing slash', 'state/'], ['a NUL', 'a\0b'], ['a dot', '.'], ['a parent', 'state/..']])('%s', (_, value) => {
        expect(failure({ DOCKYARD_STATE: value }, { outdir })).toBe(`invalid DOCKYARD_STATE ${JSON.stringify(value)}: ${stateRule(outdir)}`);
      });

      test('empty is unset: the default state', () => {
        expect(loadConfig({ DOCKYARD_STATE: '' }, { outdir }).statePath).toBe(DEFAULT_CONFIG.statePath);
      });

      test('an existing directory', () => {
        expect(failure({ DOCKYARD_STATE: dir }, { outdir })).toBe(`invalid DOCKYARD_STATE ${JSON.stringify(dir)}: is a directory; ${stateRule(outdir)}`);
      });

      test('inside the output directory, however spelled', () => {
        for (const value of [path.join(outdir, 'secrets.json'), path.join(outdir, 'sub', 'secrets.json'), `${dir}/x/../dist/secrets.json`]) {
          expect(failure({ DOCKYARD_STATE: value }, { outdir })).toBe(`invalid DOCKYARD_STATE ${JSON.stringify(value)}: is inside the output directory; ${stateRule(outdir)}`);
        }
        expect(failure({ DOCKYARD_STATE: 'dist/secrets.json' })).toBe(`invalid DOCKYARD_STATE "dist/secrets.json": is inside the output directory; ${stateRule('dist')}`);
        expect(failure({ DOCKYARD_STATE: 'out/secrets.json', CDK8S_OUTDIR: 'out' }))
          .toBe(`invalid DOCKYARD_STATE "out/secrets.json": is inside the output directory; ${stateRule('out')}`);
        // a sibling that merely starts with the output directory's name is outside it
        expect(loadConfig({ DOCKYARD_STATE: 'dist-state/secrets.json' }).statePath).toBe('dist-state/secrets.json');
        // the default state in an output directory the user set: that is what to change, and the refusal names it
        // (a new user's trial set CDK8S_OUTDIR=. and was told DOCKYARD_STATE)
        for (const outdirValue of ['.', '.dockyard']) {
          expect(failure({ CDK8S_OUTDIR: outdirValue })).toBe(`invalid CDK8S_OUTDIR ${JSON.stringify(outdirValue)}: holds the secret state ` +
            '".dockyard/secrets.json" (DOCKYARD_STATE\'s default), which every synth would replace with the rest of the directory; synthesize into ' +
            'a directory of its own, such as "dist", or set DOCKYARD_STATE outside it');
        }
      });

      test('under a file', () => {
        const file = path.join(dir, 'file');
        fs.writeFileSync(file, '');
        expect(failure({ DOCKYARD_STATE: `${file}/secrets.json` }, { outdir }))
          .toBe(`invalid DOCKYARD_STATE ${JSON.stringify(`${file}/secrets.json`)}: cannot be reached (ENOTDIR); ${stateRule(outdir)}`);
      });
    });
  });

  test('no accepted organisation, login, client ID or server contains "$(", ",", whitespace or a quote', () => {
    // mostly characters that some provider allows, so that many values pass, mixed with the dangerous ones
    const piece = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('a', 'Z', '0', '9', 'q') },
      { weight: 3, arbitrary: fc.constantFrom('-', '.', '_', '/', '~', '%2F', ':8443') },
      { weight: 2, arbitrary: fc.constantFrom('$(', '$', '(', ')', ',', ' ', '\t', '\n', '"', "'", '`', 'é', '\u2028', '\u00a0', '@', '?', '#') },
      { weight: 1, arbitrary: fc.string({ maxLength: 3, unit: 'binary' }) },
    );
    const text = fc.array(piece, { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));
    const field = fc.constantFrom('DOCKYARD_ORG', 'DOCKYARD_ADMIN', 'DOCKYARD_GIT_CLIENT_ID', 'DOCKYARD_GIT_SERVER', 'DOCKYARD_GIT_SERVER_PATH');
    const forbidden = /\$\(|,|\s|["'`]/u;
    const counts = { accepted: 0, rejected: 0 };
    fc.assert(fc.property(fc.constantFrom(...Object.values(GitProviderKind)), field, text, (provider, name, value) => {
      const env: NodeJS.ProcessEnv = { DOCKYARD_GIT_PROVIDER: provider, DOCKYARD_GIT_SERVER: provider === 'gitea' ? 'https://gitea.acme.dev' : undefined };
      if (name === 'DOCKYARD_GIT_SERVER') {
        env.DOCKYARD_GIT_SERVER = `https://${value}`;
      } else if (name === 'DOCKYARD_GIT_SERVER_PATH') {
        env.DOCKYARD_GIT_SERVER = `https://git.acme.dev/${value}`;
      } else {
        env[name] = value;
      }
      let config;
      try {
        config = loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        counts.rejected++;
        return;
      }
      counts.accepted++;
      for (const accepted of [config.organization, config.admin, config.gitClientId, config.gitServer ?? '']) {
        expect(accepted).not.toMatch(forbidden);
      }
    }), { numRuns: 5000 });
    // the property is not vacuous: a fair share of the values pass
    expect(counts.accepted).toBeGreaterThan(500);
    expect(counts.rejected).toBeGreaterThan(500);
  });

  test('CONFIG_VARIABLES lists every variable with its default, meaning and allowed values', () => {
    expect(CONFIG_VARIABLES.map((v) => v.name)).toEqual([
      'DOCKYARD_CI', 'DOCKYARD_HOST', 'DOCKYARD_HARBOR_HOST', 'DOCKYARD_GIT_PROVIDER', 'DOCKYARD_GIT_SERVER', 'DOCKYARD_GIT_SERVER_CIDRS', 'DOCKYARD_GIT_AUTH_PUBLIC_REPOS', 'DOCKYARD_GIT_CLIENT_ID', 'DOCKYARD_ORG', 'DOCKYARD_ADMIN',
      'DOCKYARD_INGRESS_CLASS', 'DOCKYARD_CERT_ISSUER', 'DOCKYARD_IMAGE_MIRROR', 'DOCKYARD_IMAGE_MIRROR_USER', 'DOCKYARD_IMAGE_MIRROR_PASSWORD',
      'DOCKYARD_DOCKERHUB_USER', 'DOCKYARD_DOCKERHUB_TOKEN', 'DOCKYARD_STATE', 'DOCKYARD_ROTATE', 'DOCKYARD_MOVE',
      'DOCKYARD_VERSION_CHANGE', 'DOCKYARD_API_SERVER', 'DOCKYARD_IMAGE_DIGESTS', 'DOCKYARD_CA_BUNDLE', 'DOCKYARD_CLONE_USER', 'DOCKYARD_CLONE_TOKEN', 'DOCKYARD_FINISHED_JOBS',
      'DOCKYARD_TEAMS', 'DOCKYARD_TEAM_SHARDS', 'DOCKYARD_DEBUG',
    ]);
    for (const v of CONFIG_VARIABLES) {
      expect(v.default).not.toBe('');
      expect(v.meaning).not.toBe('');
      expect(v.allowed).not.toBe('');
      expect(`${v.default}${v.meaning}${v.allowed}`).not.toMatch(/[\n|]/);
    }
    // each variable's table text is what its errors say is allowed
    const allowed = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.allowed]));
    const bad: Record<string, string> = {
      DOCKYARD_HOST: 'X', DOCKYARD_HARBOR_HOST: 'X', DOCKYARD_GIT_PROVIDER: 'X', DOCKYARD_GIT_CLIENT_ID: 'X Y', DOCKYARD_INGRESS_CLASS: 'X',
      DOCKYARD_CERT_ISSUER: 'X', DOCKYARD_IMAGE_MIRROR: 'X', DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'yes', DOCKYARD_STATE: 'state/', DOCKYARD_API_SERVER: 'X', DOCKYARD_FINISHED_JOBS: 'X',
    };
    for (const [name, value] of Object.entries(bad)) {
      expect(failure({ [name]: value })).toBe(`invalid ${name} ${JSON.stringify(value)}: must be ${allowed[name]}`);
    }
    for (const provider of Object.values(GitProviderKind)) {
      const env = { DOCKYARD_GIT_PROVIDER: provider, DOCKYARD_GIT_SERVER: provider === 'gitea' ? 'https://gitea.acme.dev' : undefined };
      expect(allowed.DOCKYARD_ORG).toContain(`${provider}: ${failure({ ...env, DOCKYARD_ORG: '$(' }).replace(/^invalid DOCKYARD_ORG "\$\(": must be /, '')}`);
      expect(allowed.DOCKYARD_ADMIN).toContain(`${provider}: ${failure({ ...env, DOCKYARD_ADMIN: '$(' }).replace(/^invalid DOCKYARD_ADMIN "\$\(": must be /, '')}`);
    }
    expect(failure({ DOCKYARD_GIT_SERVER: 'x' })).toBe(`invalid DOCKYARD_GIT_SERVER "x": ${SERVER}`);
    expect(allowed.DOCKYARD_GIT_SERVER).toContain(SERVER.replace(/^must be /, ''));
  });
});

/** A string as the messages show it: JSON, shortened with its length past 200 characters. */
function shown(value: string): string {
  return JSON.stringify(value).length > 200 ? `${JSON.stringify(`${value.slice(0, 64)}…`)} (${value.length} characters)` : JSON.stringify(value);
}

describe('DOCKYARD_CA_BUNDLE', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-ca-config-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads a PEM file; without it there is no bundle', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const file = path.join(dir, 'ca.pem');
    fs.writeFileSync(file, selfSignedCertificatePem(privateKey, { commonName: 'Acme Root CA', days: 2, notBefore: new Date('2026-12-01T00:00:00Z') }));
    expect(loadConfig({ DOCKYARD_CA_BUNDLE: file }).trustBundle).toBeInstanceOf(TrustBundle);
    expect(loadConfig({}).trustBundle).toBeUndefined();
  });

  test('a file that cannot be read, or that holds no certificate, fails in one line naming the variable', () => {
    const missing = path.join(dir, 'missing.pem');
    expect(failure({ DOCKYARD_CA_BUNDLE: missing })).toBe(`invalid DOCKYARD_CA_BUNDLE "${missing}": cannot be read (ENOENT): it must be a PEM file of CA certificates`);
    const bad = path.join(dir, 'bad.pem');
    fs.writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n');
    expect(failure({ DOCKYARD_CA_BUNDLE: bad })).toMatch(new RegExp(`^${escapeRegExp(`invalid DOCKYARD_CA_BUNDLE ${JSON.stringify(bad)}: must be the PEM of one or more certificates`)}`));
  });
});

describe('DOCKYARD_IMAGE_DIGESTS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-digests-config-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const D = `sha256:${'d'.repeat(64)}`;

  test('reads the file', () => {
    const file = path.join(dir, 'ok.digests');
    fs.writeFileSync(file, `# pinned\ndocker.io/drone/drone:2.28.2 ${D}\n`);
    expect(loadConfig({ DOCKYARD_IMAGE_DIGESTS: file }).imageDigests?.references).toEqual(['docker.io/drone/drone:2.28.2']);
    expect(loadConfig({}).imageDigests).toBeUndefined();
  });

  test('a file that cannot be read, or a bad line, fails in one line naming the variable, the file and the line', () => {
    const missing = path.join(dir, 'missing.digests');
    expect(failure({ DOCKYARD_IMAGE_DIGESTS: missing })).toBe(`invalid DOCKYARD_IMAGE_DIGESTS "${missing}": cannot be read ` +
      '(ENOENT): it must be a file of "<reference> <digest>" lines');
    const bad = path.join(dir, 'bad.digests');
    fs.writeFileSync(bad, `docker.io/drone/drone:2.28.2 ${D}\ndocker.io/drone/drone:2.28.2\n`);
    expect(failure({ DOCKYARD_IMAGE_DIGESTS: bad })).toBe(`invalid DOCKYARD_IMAGE_DIGESTS "${bad}" line 2 ` +
      '"docker.io/drone/drone:2.28.2": must be "<reference> <digest>", e.g. "docker.io/drone/drone:2.28.2 sha256:…"');
  });
});

describe('DOCKYARD_API_SERVER', () => {
  const allowed = CONFIG_VARIABLES.find((v) => v.name === 'DOCKYARD_API_SERVER')!.allowed;

  test.each([
    ['https://10.0.0.1:6443', { cidr: '10.0.0.1/32', port: 6443 }],
    ['https://203.0.113.10', { cidr: '203.0.113.10/32', port: 443 }],
    ['https://203.0.113.10/', { cidr: '203.0.113.10/32', port: 443 }],
    ['https://10.0.0.1:1', { cidr: '10.0.0.1/32', port: 1 }],
    ['https://10.0.0.1:65535', { cidr: '10.0.0.1/32', port: 65535 }],
    ['https://[fd00::1]', { cidr: 'fd00::1/128', port: 443 }],
    ['https://[FD00::1]:443/', { cidr: 'fd00::1/128', port: 443 }],
    // spelled out, or compressed elsewhere: the CIDR is the canonical spelling (RFC 5952 section 4, as Go's
    // net/netip prints it and KEP-4858 asks of IPv6 values: lower case, no leading zeros, the longest zero run as ::)
    ['https://[2001:0DB8:0000:0000:0000:0000:0000:0001]:6443', { cidr: '2001:db8::1/128', port: 6443 }],
    ['https://[fd00:0:0:0:0:0:0:1]', { cidr: 'fd00::1/128', port: 443 }],
    ['https://[2001:db8:0::0:1]', { cidr: '2001:db8::1/128', port: 443 }],
    ['https://[2001:db8:0:1:0:0:0:1]', { cidr: '2001:db8:0:1::1/128', port: 443 }], // the longest run
    ['https://[2001:db8:0:0:1:0:0:1]', { cidr: '2001:db8::1:0:0:1/128', port: 443 }], // the first of equal runs
    ['https://[2001:db8:0:1:1:1:1:1]', { cidr: '2001:db8:0:1:1:1:1:1/128', port: 443 }], // one zero group stays
    ['https://[0:0:0:0:0:0:0:2]', { cidr: '::2/128', port: 443 }],
    ['https://[fd00:0:0:0:0:0:0:0]:6443', { cidr: 'fd00::/128', port: 6443 }],
  ])('%s is the endpoint %j', (value, endpoint) => {
    expect(loadConfig({ DOCKYARD_API_SERVER: value }).apiServer).toEqual(endpoint);
  });

  test.each([
    ['a host name', 'https://k8s.example.com'],
    ['another scheme', 'http://10.0.0.1'],
    ['port 0', 'https://10.0.0.1:0'],
    ['port 65536', 'https://10.0.0.1:65536'],
    ['an empty port', 'https://10.0.0.1:'],
    ['an octet over 255', 'https://10.0.0.256'],
    ['an IPv4 leading zero', 'https://010.0.0.1'],
    ['IPv4 between brackets', 'https://[10.0.0.1]'],
    ['IPv6 without brackets', 'https://fd00::1'],
    ['a zone id', 'https://[fe80::1%eth0]'],
    ['a URL-escaped zone id', 'https://[fe80::1%25eth0]:6443'],
    ['an IPv4-mapped address with a dotted tail', 'https://[::ffff:10.0.0.1]'],
    ['a dotted IPv4 tail', 'https://[64:ff9b::192.0.2.1]'],
    ['a path', 'https://10.0.0.1:6443/api'],
    ['a user', 'https://admin@10.0.0.1'],
    ['a query', 'https://10.0.0.1?x=1'],
    ['empty brackets', 'https://[]'],
    ['garbage', 'https://[zz::1]'],
    ['garbage', '$(rm -rf /)'],
    ['a blank', ' '],
  ])('refuses %s, %j, in one line naming the variable, the value and the rule', (_, value) => {
    expect(failure({ DOCKYARD_API_SERVER: value })).toBe(`invalid DOCKYARD_API_SERVER ${describeValue(value)}: must be ${allowed}`);
  });

  // no Endpoints address is loopback, link-local or link-local multicast (kubernetes/kubernetes
  // pkg/apis/core/validation/validation.go, ValidateEndpointIP), and such a value would open the metadata endpoint
  test.each([
    ['https://169.254.169.254:80', '169.254.0.0/16'], ['https://127.0.0.1', '127.0.0.0/8'], ['https://[::1]', '::1/128'],
    ['https://[fe80::1]', 'fe80::/10'], ['https://168.63.129.16', '168.63.129.16/32'], ['https://[64:ff9b::a9fe:a9fe]', '64:ff9b::a9fe:0/112'],
    ['https://0.0.0.0', '0.0.0.0/32'], ['https://[::]', '::/128'], ['https://224.0.0.1', '224.0.0.0/4'], ['https://[ff02::1]', 'ff00::/8'],
    ['https://[ff12::1]', 'ff00::/8'], ['https://[fd00:ec2::254]', 'fd00:ec2::254/128'], ['https://[fd20:ce::254]', 'fd20:ce::254/128'],
    ['https://100.100.100.200', '100.100.100.200/32'], ['https://[64:ff9b:1::a9fe:a9fe]', '64:ff9b:1::/48'],
  ])('refuses %s, where no API server lies', (value, range) => {
    expect(() => loadConfig({ DOCKYARD_API_SERVER: value })).toThrow(`invalid DOCKYARD_API_SERVER ${JSON.stringify(value)}: must be an address outside ${range} `
      + '(unspecified, loopback, link-local, multicast or a cloud\'s metadata or host services), where no API server lies');
  });

  test.each(['https://126.255.255.255', 'https://128.0.0.0', 'https://169.253.255.255', 'https://169.255.0.0', 'https://223.255.255.255',
    'https://240.0.0.1', 'https://[fec0::1]', 'https://[fe7f::1]', 'https://[64:ff9b::cb00:710a]', 'https://100.100.100.201'])('accepts %s, beside those ranges', (value) => {
    expect(loadConfig({ DOCKYARD_API_SERVER: value }).apiServer).toBeDefined();
  });

  // where no API server lies, written out here rather than taken from the library: Kubernetes' ValidateEndpointIP
  // (unspecified, loopback, link-local, link-local multicast; here all multicast), the clouds' metadata endpoints,
  // Azure's WireServer, their NAT64 forms (RFC 6052) and the local-use NAT64 prefix (RFC 8215)
  const NON_ENDPOINTS = new BlockList();
  for (const [net, prefix] of [['0.0.0.0', 32], ['127.0.0.0', 8], ['169.254.0.0', 16], ['224.0.0.0', 4], ['100.100.100.200', 32], ['168.63.129.16', 32]] as const) {
    NON_ENDPOINTS.addSubnet(net, prefix, 'ipv4');
    const [a, b, c, d] = net.split('.').map(Number);
    NON_ENDPOINTS.addSubnet(`64:ff9b::${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`, 96 + prefix, 'ipv6');
  }
  for (const [net, prefix] of [['::', 128], ['::1', 128], ['fe80::', 10], ['ff00::', 8], ['fd00:ec2::254', 128], ['fd20:ce::254', 128], ['64:ff9b:1::', 48]] as const) {
    NON_ENDPOINTS.addSubnet(net, prefix, 'ipv6');
  }

  // the one rule: the address is valid here exactly when NetworkPeer.ipBlock takes the CIDR it becomes and it lies
  // in no range where no endpoint lies, and the CIDR rendered is canonical (what WHATWG's URL serializer, an
  // independent RFC 5952 printer, makes of the same host)
  test('accepts exactly what NetworkPeer.ipBlock accepts outside the non-endpoint ranges, and renders the canonical CIDR', () => {
    const ipBlockTakes = (cidr: string) => {
      try {
        NetworkPeer.ipBlock(cidr);
        return true;
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return false;
      }
    };
    const counts = { accepted: 0, rejected: 0 };
    const host = fc.oneof(
      fc.ipV4().map((a) => ({ text: a, bits: 32 })),
      fc.ipV6().map((a) => ({ text: `[${a}]`, bits: 128 })),
      // the same addresses in upper case and spelled out in full: not canonical
      fc.ipV6().map((a) => ({ text: `[${spelledOut(a).toUpperCase()}]`, bits: 128 })),
      fc.constantFrom('[::ffff:a00:1]', '[::ffff:10.0.0.1]', '[fe80::1%eth0]', '[1:2:3:4:5:6:7:8:9]', '[::1::]', '01.2.3.4')
        .map((text) => ({ text, bits: text.startsWith('[') ? 128 : 32 })),
    );
    fc.assert(fc.property(host, ({ text, bits }) => {
      const address = text.replace(/^\[|\]$/g, '');
      const accepted = ipBlockTakes(`${address}/${bits}`) && !NON_ENDPOINTS.check(address.toLowerCase(), bits === 32 ? 'ipv4' : 'ipv6');
      const config = () => loadConfig({ DOCKYARD_API_SERVER: `https://${text}:6443` }).apiServer!;
      if (!accepted) {
        counts.rejected++;
        expect(config).toThrow(ValidationError);
        return;
      }
      counts.accepted++;
      const { cidr } = config();
      expect(ipBlockTakes(cidr)).toBe(true);
      expect(cidr).toBe(`${new URL(`https://${text}`).hostname.replace(/^\[|\]$/g, '')}/${bits}`);
      // canonical: its own spelling gives it back
      expect(loadConfig({ DOCKYARD_API_SERVER: `https://${bits === 128 ? `[${cidr.split('/')[0]}]` : cidr.split('/')[0]}` }).apiServer!.cidr).toBe(cidr);
    }), { numRuns: 2000 });
    expect(counts.accepted).toBeGreaterThan(500);
    expect(counts.rejected).toBeGreaterThan(100);
  });

  test('lets the deploy namespace, and no other build namespace, reach it', () => {
    const { App } = require('cdk8s');
    const { defaultStack } = require('../../apps/default/stack');
    const app = new App();
    const objects = defaultStack(app, { ...loadConfig({}), apiServer: ApiServerEndpoint.fromUrl('https://10.0.0.1:6443') }).toJson();
    const rule = { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] };
    const egress = (ns: string) => objects.find((o: any) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns && o.spec.egress).spec.egress;
    expect(egress('dockyard-deploy')).toContainEqual(rule);
    expect(egress('dockyard-builds')).not.toContainEqual(rule);
  });
  test.each(['drone', 'woodpecker'])('on %s, a public endpoint is taken out of every build\'s internet rule, and the deploy namespace alone reaches it', (ci) => {
    const { App } = require('cdk8s');
    const { defaultStack } = require('../../apps/default/stack');
    const config = loadConfig({ DOCKYARD_CI: ci, DOCKYARD_API_SERVER: 'https://203.0.113.10:6443' });
    const objects = defaultStack(new App(), config).toJson();
    const egress = (ns: string) => objects.find((o: any) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns && o.spec.egress).spec.egress;
    for (const ns of ['dockyard-builds', 'dockyard-publish', 'dockyard-deploy']) {
      const internet = egress(ns).flatMap((r: any) => r.to ?? []).find((t: any) => t.ipBlock?.cidr === '0.0.0.0/0').ipBlock;
      expect([ns, internet.except]).toEqual([ns, expect.arrayContaining(['203.0.113.10/32'])]);
    }
    const rule = { to: [{ ipBlock: { cidr: '203.0.113.10/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] };
    expect(egress('dockyard-deploy')).toContainEqual(rule);
    expect(egress('dockyard-builds')).not.toContainEqual(rule);
  });

  test('apps/teams: every team\'s build namespace reaches the declared endpoint', () => {
    const { App } = require('cdk8s');
    const { teamsStack } = require('../../apps/teams/stack');
    const config = loadConfig({ DOCKYARD_API_SERVER: 'https://203.0.113.10:6443' });
    const objects = teamsStack(new App(), { ...config, teams: 2 }).toJson();
    const rule = { to: [{ ipBlock: { cidr: '203.0.113.10/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] };
    for (const ns of ['team-0001-builds', 'team-0002-builds']) {
      const rules = objects.filter((o: any) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns && o.spec.egress).flatMap((p: any) => p.spec.egress);
      expect(rules).toContainEqual(rule);
    }
  });

  // the new-user trial: a stack of its own on defaultPlatform whose TeamPlatform is given no apiServer; the engine
  // knows the endpoint from DOCKYARD_API_SERVER (buildEgress.apiServerCidrs), and TeamPlatform says so at synth
  test.each(['drone', 'woodpecker'])('on %s, a TeamPlatform of its own without apiServer is warned of at synth; apps/teams, which passes it, is not', (ci) => {
    const { App } = require('cdk8s');
    const { TeamPlatform } = require('../../lib');
    const { defaultPlatform } = require('../../apps/default/stack');
    const { teamsStack } = require('../../apps/teams/stack');
    const { stderrOf } = require('../util');
    const config = loadConfig({ DOCKYARD_CI: ci, DOCKYARD_API_SERVER: 'https://203.0.113.10:6443' });
    const platform = defaultPlatform(new App(), config, { sharedPipelineRepos: [`${config.organization}/demo`] });
    new TeamPlatform(platform.chart, 'Teams', { ci: platform.ci, harbor: platform.harbor, sharedProjects: ['dockerhub'] });
    expect(stderrOf(() => platform.chart.toJson())).toContain('dockyard: warning: TeamPlatform dockyard/Teams has no apiServer (nor apiServers), but ' +
      `${ci === 'drone' ? 'the Drone runner\'s' : 'WoodpeckerCi\'s'} buildEgress.apiServerCidrs names the API server at 203.0.113.10/32: `);
    const teams = teamsStack(new App(), { ...config, teams: 1 });
    expect(stderrOf(() => teams.toJson())).not.toContain('has no apiServer');
  });

  test('a non-canonical IPv6 value reaches the NetworkPolicy canonical', () => {
    const { App } = require('cdk8s');
    const { defaultStack } = require('../../apps/default/stack');
    const config = loadConfig({ DOCKYARD_API_SERVER: 'https://[2001:DB8:0:0:0:0:0:A]:6443' });
    const objects = defaultStack(new App(), config).toJson();
    const egress = objects.find((o: any) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'dockyard-deploy' && o.spec.egress).spec.egress;
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '2001:db8::a/128' } }], ports: [{ protocol: 'TCP', port: 6443 }] });
  });
});

/** An IPv6 address with all eight groups written out in four digits (a dotted IPv4 tail is kept as it is). */
function spelledOut(address: string): string {
  if (address.includes('.')) {
    return address;
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

describe('DOCKYARD_GIT_SERVER_CIDRS', () => {
  const allowed = CONFIG_VARIABLES.find((v) => v.name === 'DOCKYARD_GIT_SERVER_CIDRS')!.allowed;
  const gitlab = { DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_GIT_SERVER: 'https://code.acme.dev:8443/gitlab' };

  test('takes the server\'s addresses in canonical form, on the port of DOCKYARD_GIT_SERVER, 443 unless it names one', () => {
    expect(loadConfig({ ...gitlab, DOCKYARD_GIT_SERVER_CIDRS: '10.20.0.15/32,fd00:0020::/120' }).gitServerEgress)
      .toEqual({ cidrs: ['10.20.0.15/32', 'fd00:20::/120'], port: 8443 });
    expect(loadConfig({ DOCKYARD_GIT_PROVIDER: 'gitea', DOCKYARD_GIT_SERVER: 'https://git.acme.dev', DOCKYARD_GIT_SERVER_CIDRS: '192.168.4.0/28' })
      .gitServerEgress).toEqual({ cidrs: ['192.168.4.0/28'], port: 443 });
    expect(loadConfig(gitlab).gitServerEgress).toBeUndefined();
    // the widest blocks taken: 256 addresses
    expect(loadConfig({ ...gitlab, DOCKYARD_GIT_SERVER_CIDRS: '10.20.0.0/24,fd00:20::/120' }).gitServerEgress!.cidrs).toEqual(['10.20.0.0/24', 'fd00:20::/120']);
  });

  test.each([
    ['no CIDR', '10.20.0.15', '"10.20.0.15" is no CIDR; '],
    ['address bits after the prefix', '10.20.0.15/24', '"10.20.0.15/24" has address bits set after /24 (its block is 10.20.0.0/24); '],
    ['an empty entry', '10.20.0.15/32,', '"" is no CIDR; '],
    ['the whole address space', '0.0.0.0/0', '"0.0.0.0/0" is the whole address space; '],
    ['the metadata endpoint', '169.254.169.254/32', '"169.254.169.254/32" overlaps 169.254.0.0/16; '],
    ['a block holding loopback', '126.0.0.0/7', '"126.0.0.0/7" overlaps 127.0.0.0/8; '],
    // every build reaches each address on the server's port: a network (the cluster's pods, a VPC) is no server's
    ['a network of IPv4 addresses', '10.20.0.15/32,10.0.0.0/8', '"10.0.0.0/8" holds more than 256 addresses; '],
    ['a block one bit wider than /24', '10.20.0.0/23', '"10.20.0.0/23" holds more than 256 addresses; '],
    ['an IPv6 block wider than /120', 'fd00:20::/119', '"fd00:20::/119" holds more than 256 addresses; '],
    ['an address twice', '10.20.0.15/32,10.20.0.15/32', 'lists "10.20.0.15/32" twice; '],
  ])('refuses %s, in one line naming the variable and its whole value', (_what, value, why) => {
    expect(failure({ ...gitlab, DOCKYARD_GIT_SERVER_CIDRS: value })).toBe(`invalid DOCKYARD_GIT_SERVER_CIDRS ${JSON.stringify(value)}: ${why}must be ${allowed}`);
  });

  test('refuses a block holding the API server\'s address, which only the deploy namespace reaches', () => {
    for (const value of ['10.0.0.1/32', '10.0.0.0/24']) {
      expect(failure({ ...gitlab, DOCKYARD_API_SERVER: 'https://10.0.0.1:6443', DOCKYARD_GIT_SERVER_CIDRS: value })).toBe(`invalid DOCKYARD_GIT_SERVER_CIDRS ` +
        `${JSON.stringify(value)}: ${JSON.stringify(value)} holds the API server's address (DOCKYARD_API_SERVER), which only the namespaces that declare it reach; must be ${allowed}`);
    }
    expect(loadConfig({ ...gitlab, DOCKYARD_API_SERVER: 'https://10.0.0.1:6443', DOCKYARD_GIT_SERVER_CIDRS: '10.0.1.0/24' }).gitServerEgress!.cidrs).toEqual(['10.0.1.0/24']);
  });

  test('refuses addresses without DOCKYARD_GIT_SERVER: the public services are on the internet', () => {
    expect(failure({ DOCKYARD_GIT_SERVER_CIDRS: '10.20.0.15/32' })).toBe('invalid DOCKYARD_GIT_SERVER_CIDRS "10.20.0.15/32": is set without ' +
      `DOCKYARD_GIT_SERVER (the public services are reached through the internet already); must be ${allowed}`);
  });
});

describe('DOCKYARD_GIT_AUTH_PUBLIC_REPOS', () => {
  test('takes exactly true or false, and nothing else, as a security switch', () => {
    expect(loadConfig({ DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'true', DOCKYARD_CLONE_USER: 'acme-ci' }).gitAuthPublicRepos).toBe(true);
    expect(loadConfig({ DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'true', DOCKYARD_CI: 'woodpecker' }).gitAuthPublicRepos).toBe(true);
    expect(loadConfig({ DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'false' }).gitAuthPublicRepos).toBe(false);
    expect(loadConfig({}).gitAuthPublicRepos).toBeUndefined();
    for (const value of ['1', 'TRUE', 'yes', ' true']) {
      expect(failure({ DOCKYARD_GIT_AUTH_PUBLIC_REPOS: value })).toBe(`invalid DOCKYARD_GIT_AUTH_PUBLIC_REPOS ${JSON.stringify(value)}: must be true or false; ` +
        'true with DOCKYARD_CI drone only when DOCKYARD_CLONE_USER is set (a read-only login), as otherwise every public repository\'s builds, ' +
        'forks\' pull requests included, would hold the OAuth token of the user who activated it');
    }
  });

  // without a clone login Drone's netrc is the activating user's OAuth token, which a fork's pull request reads
  // (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:492-511; DroneServerProps.authenticatePublicRepos)
  test('true is refused on Drone, the default engine, without DOCKYARD_CLONE_USER, naming both variables', () => {
    const refusal = 'invalid DOCKYARD_GIT_AUTH_PUBLIC_REPOS "true": must be false with DOCKYARD_CI drone unless DOCKYARD_CLONE_USER is set: ' +
      'every build of a public repository, a fork\'s pull request too, would hold the OAuth token of the user who activated it, with all that ' +
      'user\'s rights; set DOCKYARD_CLONE_USER to a read-only login first (a GitLab group deploy token with read_repository, a GitHub ' +
      'fine-grained token with read-only Contents)';
    expect(failure({ DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'true' })).toBe(refusal);
    expect(failure({ DOCKYARD_GIT_AUTH_PUBLIC_REPOS: 'true', DOCKYARD_CI: 'drone', DOCKYARD_CLONE_TOKEN: 'github_pat_x' })).toBe(refusal);
  });
});
