import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, loadConfig } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { LocalSecretStore, synthesize, ValidationError } from '../../lib';
import { capture, scratchDir, synthApp, withEnv } from '../registry/synth-app';

// Docker Hub's limits (docs.docker.com/docker-hub/usage/pulls/): 100 pulls per 6 hours per IPv4 address without a
// login, 200 for a Personal account. The default stack takes a login from DOCKYARD_DOCKERHUB_USER and the input
// DOCKYARD_DOCKERHUB_TOKEN (kept in the secret state, as DOCKYARD_IMAGE_MIRROR_PASSWORD is), and without one pulls
// anonymously on purpose and without a warning: it is an evaluation stack.

const USER_RULE = 'must be a user name of at most 255 characters without ":", whitespace or control characters, and only without ' +
  'DOCKYARD_IMAGE_MIRROR (which leaves Harbor no Docker Hub proxy cache)';
const TOKEN_RULE = 'must be any value that is not empty or whitespace only, nor one line beginning or ending with a line break; read only ' +
  'with DOCKYARD_DOCKERHUB_USER set';
const TOKEN = 'dckr_pat_test-token-123';

function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not fail`);
}

describe('DOCKYARD_DOCKERHUB_USER and DOCKYARD_DOCKERHUB_TOKEN', () => {
  test('the user is read, and is none by default', () => {
    expect(loadConfig({ DOCKYARD_DOCKERHUB_USER: 'acmebot', DOCKYARD_DOCKERHUB_TOKEN: TOKEN }).dockerHubUser).toBe('acmebot');
    expect(loadConfig({}).dockerHubUser).toBeUndefined();
    // empty is unset
    expect(loadConfig({ DOCKYARD_DOCKERHUB_USER: '' }).dockerHubUser).toBeUndefined();
  });

  test('a bad user fails in one line naming the variable, the part after ":" unshown', () => {
    expect(failure({ DOCKYARD_DOCKERHUB_USER: 'acme bot' })).toBe(`invalid DOCKYARD_DOCKERHUB_USER "acme bot": ${USER_RULE}`);
    expect(failure({ DOCKYARD_DOCKERHUB_USER: `acmebot:${TOKEN}` })).toBe(`invalid DOCKYARD_DOCKERHUB_USER "acmebot:<redacted>": ${USER_RULE}`);
  });

  test('with a mirror, which leaves Harbor no Docker Hub proxy cache, the user is refused rather than read by nothing', () => {
    expect(failure({ DOCKYARD_IMAGE_MIRROR: 'registry.acme.dev/mirror', DOCKYARD_DOCKERHUB_USER: 'acmebot' }))
      .toBe(`invalid DOCKYARD_DOCKERHUB_USER "acmebot": DOCKYARD_IMAGE_MIRROR is set, so Harbor has no Docker Hub proxy cache to log in; ${USER_RULE}`);
  });

  test('a blank token is refused without showing it', () => {
    for (const blank of [' ', '\n', '\t ']) {
      expect(failure({ DOCKYARD_DOCKERHUB_USER: 'acmebot', DOCKYARD_DOCKERHUB_TOKEN: blank })).toBe(`invalid DOCKYARD_DOCKERHUB_TOKEN <redacted>: ${TOKEN_RULE}`);
    }
  });

  test('a token pasted with its line break is refused in the words of the configuration table, as a blank one is', () => {
    // the secret store would refuse it too, later and in words of its own (checkInputValue): one rule for the variable
    for (const pasted of [`${TOKEN}\n`, `\r\n${TOKEN}`, `${TOKEN}\r\n`]) {
      expect(failure({ DOCKYARD_DOCKERHUB_USER: 'acmebot', DOCKYARD_DOCKERHUB_TOKEN: pasted })).toBe(`invalid DOCKYARD_DOCKERHUB_TOKEN <redacted>: ${TOKEN_RULE}`);
    }
    // a value of several lines keeps its line breaks (a PEM), and is taken
    expect(loadConfig({ DOCKYARD_DOCKERHUB_USER: 'acmebot', DOCKYARD_DOCKERHUB_TOKEN: `a\nb\n` }).dockerHubUser).toBe('acmebot');
  });

  test('a token without a user is warned of, without its value', () => {
    const said: string[] = [];
    expect(loadConfig({ DOCKYARD_DOCKERHUB_TOKEN: TOKEN }, { warn: (m) => said.push(m) }).dockerHubUser).toBeUndefined();
    expect(said).toEqual(['DOCKYARD_DOCKERHUB_TOKEN is set but DOCKYARD_DOCKERHUB_USER is not, so nothing reads it: Harbor pulls Docker Hub ' +
      'anonymously; set DOCKYARD_DOCKERHUB_USER to log in, or unset DOCKYARD_DOCKERHUB_TOKEN']);
    // with a mirror, which leaves Harbor no proxy cache, the user it would name is refused: the line says so instead
    said.length = 0;
    loadConfig({ DOCKYARD_IMAGE_MIRROR: 'mirror.example.com/dockyard', DOCKYARD_DOCKERHUB_TOKEN: TOKEN }, { warn: (m) => said.push(m) });
    expect(said).toEqual(['DOCKYARD_DOCKERHUB_TOKEN is set but DOCKYARD_IMAGE_MIRROR leaves Harbor no Docker Hub proxy cache, so nothing reads it; unset DOCKYARD_DOCKERHUB_TOKEN']);
    // with its user, the token is read: nothing to say
    said.length = 0;
    loadConfig({ DOCKYARD_DOCKERHUB_USER: 'acmebot', DOCKYARD_DOCKERHUB_TOKEN: TOKEN }, { warn: (m) => said.push(m) });
    expect(said).toEqual([]);
  });

  test('the login reaches the proxy cache\'s registry endpoint in the configuration Job: the user in its ConfigMap, the token from a Secret', () => {
    const out = synthApp((app) => defaultStack(app, { ...DEFAULT_CONFIG, dockerHubUser: 'acmebot' }), { DOCKYARD_DOCKERHUB_TOKEN: TOKEN });
    const config = out.docs.filter((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('harbor-configure-'))
      .filter((d) => d.data?.['config.json']).map((d) => JSON.parse(d.data['config.json'])).find((c) => c.registries?.length);
    // lib/harbor/configure.js reads the registry's access secret from the variable accessSecretEnv names
    expect(config.registries).toEqual([{
      name: 'dockerhub', type: 'docker-hub', url: 'https://hub.docker.com', insecure: false, accessKey: 'acmebot',
      accessSecretEnv: 'UPSTREAM_0_PASSWORD', description: 'managed by Dockyard',
    }]);
    const job = out.docs.find((d) => d.kind === 'Job' && d.metadata.namespace === 'harbor' &&
      d.spec.template.spec.containers.some((c: any) => c.env?.some((e: any) => e.name === 'UPSTREAM_0_PASSWORD')));
    const env = job.spec.template.spec.containers.flatMap((c: any) => c.env ?? []).find((e: any) => e.name === 'UPSTREAM_0_PASSWORD');
    expect(env).toEqual({ name: 'UPSTREAM_0_PASSWORD', valueFrom: { secretKeyRef: { name: 'dockerhub-token', key: 'token' } } });
    // the token only in the Secret of Harbor's namespace, which the local secret file holds: never in the manifests or on stderr
    const secret = out.secrets.find((s) => s.metadata.name === 'dockerhub-token');
    expect(secret.metadata.namespace).toBe('harbor');
    expect(secret.stringData).toEqual({ token: TOKEN });
    expect(JSON.stringify(out.docs)).not.toContain(TOKEN);
    expect(out.stderr).not.toContain(TOKEN);
    expect(out.stderr).not.toMatch(/pulls Docker Hub anonymously/);
  });

  // SecretValue.input(...).belongingTo(...), as DOCKYARD_IMAGE_MIRROR_PASSWORD: read once into the secret state, then
  // kept, neither read again nor replaced by accident
  test('the token is kept in the secret state for its user: later synths need it not, and a new token or user fails until rotated', () => {
    const root = scratchDir();
    const statePath = path.join(root, 'state.json');
    const outdir = path.join(root, 'dist');
    const run = (user: string, env: Record<string, string>) => capture(() => withEnv(env, () => {
      const app = new App({ outdir });
      defaultStack(app, { ...DEFAULT_CONFIG, dockerHubUser: user, statePath });
      synthesize(app, new LocalSecretStore({ statePath }));
    })).stderr;
    const kept = () => parseAllDocuments(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).map((d) => d.toJS())
      .find((d) => d?.metadata?.name === 'dockerhub-token').stringData.token;
    expect(run('acmebot', { DOCKYARD_DOCKERHUB_TOKEN: TOKEN })).not.toContain(TOKEN);
    expect(kept()).toBe(TOKEN);
    expect(run('acmebot', {})).not.toContain(TOKEN);
    expect(kept()).toBe(TOKEN);
    const refusal = (user: string, env: Record<string, string>) => {
      try {
        run(user, env);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('the synth did not fail');
    };
    const newToken = refusal('acmebot', { DOCKYARD_DOCKERHUB_TOKEN: 'dckr_pat_another-token' });
    expect(newToken).toContain('harbor/dockerhub-token/token is an input whose variable DOCKYARD_DOCKERHUB_TOKEN now holds a different value');
    const newUser = refusal('otherbot', {});
    expect(newUser).toContain('harbor/dockerhub-token/token was made as input(DOCKYARD_DOCKERHUB_TOKEN) for acmebot at docker.io and is now declared as ' +
      'input(DOCKYARD_DOCKERHUB_TOKEN) for otherbot at docker.io');
    for (const message of [newToken, newUser]) {
      expect(message).toContain('DOCKYARD_ROTATE=harbor/dockerhub-token/token');
      expect(message).not.toContain(TOKEN);
      expect(message).not.toContain('dckr_pat_another-token');
    }
    expect(kept()).toBe(TOKEN);
  });

  test('without a login the evaluation stack pulls anonymously on purpose: no Secret, no credential, no warning', () => {
    const out = synthApp((app) => defaultStack(app, DEFAULT_CONFIG));
    expect(out.secrets.map((s) => s.metadata.name)).not.toContain('dockerhub-token');
    const config = out.docs.filter((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('harbor-configure-'))
      .filter((d) => d.data?.['config.json']).map((d) => JSON.parse(d.data['config.json'])).find((c) => c.registries?.length);
    expect(config.registries[0]).toMatchObject({ name: 'dockerhub', accessKey: null, accessSecretEnv: null });
    expect(out.stderr).not.toMatch(/Docker Hub anonymously/);
  });
});
