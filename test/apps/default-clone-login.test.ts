import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, loadConfig } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { CiEngineKind, LocalSecretStore, synthesize, ValidationError } from '../../lib';
import { capture, scratchDir, synthApp, withEnv } from '../registry/synth-app';

// DroneServer's cloneLogin (DRONE_GIT_USERNAME/DRONE_GIT_PASSWORD: harness v2.28.2 service/netrc/netrc.go:66-70,
// cmd/drone-server/config/config.go:96-97) for the default stack: DOCKYARD_CLONE_USER and the input DOCKYARD_CLONE_TOKEN,
// kept in the secret state as DOCKYARD_DOCKERHUB_TOKEN is. Woodpecker has no such server setting: it clones with the
// activating user's token, which its compiler gives to trusted clone plugins (woodpecker v3.17.0
// pipeline/frontend/yaml/compiler/compiler.go:192-195,252-255), which a pipeline's own step may run: the user is refused there.

const USER_RULE = 'must be a forge login: printable ASCII without spaces nor ":", and only with DOCKYARD_CI drone (Woodpecker has no ' +
  'server-wide clone login: it clones a private repository with the token of the user who activated it, which every pipeline of the ' +
  'repository can take; activate such repositories as a machine account)';
const TOKEN_RULE = 'must be any value that is not empty or whitespace only, nor one line beginning or ending with a line break; read only ' +
  'with DOCKYARD_CLONE_USER set';
const TOKEN = 'github_pat_clone-token-123';

function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env, { warn: () => undefined });
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not fail`);
}

describe('DOCKYARD_CLONE_USER and DOCKYARD_CLONE_TOKEN', () => {
  test('the user is read, and is none by default', () => {
    expect(loadConfig({ DOCKYARD_CLONE_USER: 'acme-ci', DOCKYARD_CLONE_TOKEN: TOKEN }).cloneUser).toBe('acme-ci');
    expect(loadConfig({ DOCKYARD_CLONE_USER: 'gitlab+deploy-token-12' }).cloneUser).toBe('gitlab+deploy-token-12');
    expect(loadConfig({}).cloneUser).toBeUndefined();
    expect(loadConfig({ DOCKYARD_CLONE_USER: '' }).cloneUser).toBeUndefined();
  });

  test('a user that would split the netrc line, or holds ":", fails in one line naming the variable, the part after ":" unshown', () => {
    expect(failure({ DOCKYARD_CLONE_USER: 'acme ci' })).toBe(`invalid DOCKYARD_CLONE_USER "acme ci": ${USER_RULE}`);
    expect(failure({ DOCKYARD_CLONE_USER: 'acmé' })).toBe(`invalid DOCKYARD_CLONE_USER "acmé": ${USER_RULE}`);
    expect(failure({ DOCKYARD_CLONE_USER: `acme-ci:${TOKEN}` })).toBe(`invalid DOCKYARD_CLONE_USER "acme-ci:<redacted>": ${USER_RULE}`);
  });

  test('with Woodpecker the user is refused, not ignored: it would look as if it took the activating user\'s token out of builds', () => {
    expect(failure({ DOCKYARD_CI: 'woodpecker', DOCKYARD_CLONE_USER: 'acme-ci', DOCKYARD_CLONE_TOKEN: TOKEN }))
      .toBe(`invalid DOCKYARD_CLONE_USER "acme-ci": DOCKYARD_CI is woodpecker; ${USER_RULE}`);
    // the stack refuses it too, given the config directly
    expect(() => synthApp((app) => defaultStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: 'woodpecker.example.com', cloneUser: 'acme-ci' })))
      .toThrow(`invalid DOCKYARD_CLONE_USER "acme-ci": DOCKYARD_CI is woodpecker; ${USER_RULE}`);
  });

  test('a blank token is refused without showing it', () => {
    for (const blank of [' ', '\n', '\t ']) {
      expect(failure({ DOCKYARD_CLONE_USER: 'acme-ci', DOCKYARD_CLONE_TOKEN: blank })).toBe(`invalid DOCKYARD_CLONE_TOKEN <redacted>: ${TOKEN_RULE}`);
    }
  });

  test('a token without a user is warned of, without its value; with its user nothing is said', () => {
    const said: string[] = [];
    expect(loadConfig({ DOCKYARD_CLONE_TOKEN: TOKEN }, { warn: (m) => said.push(m) }).cloneUser).toBeUndefined();
    expect(said).toEqual(['DOCKYARD_CLONE_TOKEN is set but DOCKYARD_CLONE_USER is not, so nothing reads it: Drone\'s builds of private ' +
      'repositories keep the OAuth token of the user who activated each one; set DOCKYARD_CLONE_USER to clone as that login, or unset DOCKYARD_CLONE_TOKEN']);
    said.length = 0;
    loadConfig({ DOCKYARD_CLONE_USER: 'acme-ci', DOCKYARD_CLONE_TOKEN: TOKEN }, { warn: (m) => said.push(m) });
    expect(said).toEqual([]);
    // on Woodpecker the user would be refused: the warning does not ask for it
    loadConfig({ DOCKYARD_CI: 'woodpecker', DOCKYARD_CLONE_TOKEN: TOKEN }, { warn: (m) => said.push(m) });
    expect(said).toEqual(['DOCKYARD_CLONE_TOKEN is set but DOCKYARD_CI is woodpecker, so nothing reads it (Woodpecker has no server-wide clone ' +
      'login: it clones a private repository with the token of the user who activated it, which every pipeline of the repository can ' +
      'take; activate such repositories as a machine account); unset DOCKYARD_CLONE_TOKEN']);
    expect(said.join('\n')).not.toContain(TOKEN);
  });

  test('the login reaches the Drone server: the user as DRONE_GIT_USERNAME, the token from dockyard/drone-clone-login', () => {
    const out = synthApp((app) => defaultStack(app, { ...DEFAULT_CONFIG, cloneUser: 'acme-ci' }), { DOCKYARD_CLONE_TOKEN: TOKEN });
    const server = out.docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'drone');
    const env = server.spec.template.spec.containers[0].env;
    expect(env.filter((e: any) => e.name.startsWith('DRONE_GIT_'))).toEqual([
      { name: 'DRONE_GIT_USERNAME', value: 'acme-ci' },
      { name: 'DRONE_GIT_PASSWORD', valueFrom: { secretKeyRef: { name: 'drone-clone-login', key: 'token' } } },
    ]);
    const secret = out.secrets.find((s) => s.metadata.name === 'drone-clone-login');
    expect([secret.metadata.namespace, secret.stringData]).toEqual(['dockyard', { token: TOKEN }]);
    expect(JSON.stringify(out.docs)).not.toContain(TOKEN);
    expect(out.stderr).not.toContain(TOKEN);
    // without a user: no login, no Secret
    const plain = synthApp((app) => defaultStack(app, DEFAULT_CONFIG));
    expect(plain.secrets.map((s) => s.metadata.name)).not.toContain('drone-clone-login');
    expect(JSON.stringify(plain.docs)).not.toContain('DRONE_GIT_USERNAME');
  });

  // the Docker Hub token's mechanism (SecretValue.input(...).belongingTo(...)): read once, then kept
  test('the token is kept in the secret state for its user and forge: later synths need it not, and a new user or server fails until rotated', () => {
    const root = scratchDir();
    const statePath = path.join(root, 'state.json');
    const outdir = path.join(root, 'dist');
    const run = (user: string, env: Record<string, string>, gitServer?: string) => capture(() => withEnv(env, () => {
      const app = new App({ outdir });
      defaultStack(app, { ...DEFAULT_CONFIG, cloneUser: user, statePath, ...(gitServer ? { gitServer } : {}) });
      synthesize(app, new LocalSecretStore({ statePath }));
    })).stderr;
    const kept = () => parseAllDocuments(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).map((d) => d.toJS())
      .find((d) => d?.metadata?.name === 'drone-clone-login').stringData.token;
    expect(run('acme-ci', { DOCKYARD_CLONE_TOKEN: TOKEN })).not.toContain(TOKEN);
    expect(kept()).toBe(TOKEN);
    expect(run('acme-ci', {})).not.toContain(TOKEN);
    expect(kept()).toBe(TOKEN);
    const refusal = (user: string, gitServer?: string) => {
      try {
        run(user, {}, gitServer);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('the synth did not fail');
    };
    expect(refusal('other-ci')).toContain('dockyard/drone-clone-login/token was made as input(DOCKYARD_CLONE_TOKEN) for acme-ci at github and is now ' +
      'declared as input(DOCKYARD_CLONE_TOKEN) for other-ci at github');
    expect(refusal('acme-ci', 'https://github.acme.dev')).toContain('for acme-ci at https://github.acme.dev');
    expect(kept()).toBe(TOKEN);
    // day two: a rotated token rolls the Drone server, which reads it, and nothing else (the runners never hold it)
    const checksums = () => Object.fromEntries(parseAllDocuments(fs.readFileSync(path.join(outdir, 'dockyard.k8s.yaml'), 'utf8')).map((d) => d.toJS())
      .filter((d) => d?.kind === 'Deployment' || d?.kind === 'StatefulSet').map((d) => [d.metadata.name, d.spec.template.metadata.annotations?.['dockyard.dev/inputs-checksum']]));
    const before = checksums();
    run('acme-ci', { DOCKYARD_CLONE_TOKEN: 'github_pat_rotated-456', DOCKYARD_ROTATE: 'dockyard/drone-clone-login/token' });
    expect(kept()).toBe('github_pat_rotated-456');
    const after = checksums();
    expect(Object.keys(after).filter((name) => after[name] !== before[name])).toEqual(['drone']);
  });
});
