import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The default stack end to end, as `npm run synth` runs it: compiled JavaScript through the cdk8s CLI, with the
 * local secret state persisting between runs.
 */
describe('default stack synth (compiled app through cdk8s synth)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-synth-'));
  const state = path.join(work, 'state', 'secrets.json');
  const main = path.join(work, 'build', 'apps', 'default', 'main.js');

  const synth = (outdir: string) => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade',
      '--app', `${process.execPath} ${main}`, '--output', outdir], { cwd: ROOT, encoding: 'utf8', // the build lives outside the repo, so point module resolution back at it
      env: { ...process.env, DOCKYARD_STATE: state, NODE_PATH: path.join(ROOT, 'node_modules') } });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    return {
      main: fs.readFileSync(path.join(outdir, 'dockyard.k8s.yaml'), 'utf8'),
      secrets: fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'),
      files: (fs.readdirSync(outdir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(outdir, f)).isFile()).sort(),
      read: (f: string) => fs.readFileSync(path.join(outdir, f), 'utf8'),
      mode: (f: string) => fs.statSync(path.join(outdir, f)).mode & 0o777,
      stderr: result.stderr,
    };
  };

  beforeAll(() => {
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json'),
      '--outDir', path.join(work, 'build')], { encoding: 'utf8' });
    expect(tsc.stdout).toBe('');
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('writes the main manifests and the generated Secrets to separate files, byte-identical across runs', () => {
    const first = synth(path.join(work, 'dist1'));
    const second = synth(path.join(work, 'dist2'));
    expect(second.main).toBe(first.main);
    expect(second.secrets).toBe(first.secrets);
    expect(fs.statSync(state).mode & 0o777).toBe(0o600);

    const secrets = parseAllDocuments(first.secrets).map((d) => d.toJS());
    expect(secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort()).toEqual([
      'demo/registry-credentials', 'dockyard-builds/registry-credentials', 'dockyard-deploy/registry-credentials',
      'dockyard/demo-database', 'dockyard/drone-credentials', 'dockyard/drone-secrets-token', 'dockyard/harbor-pull', 'dockyard/harbor-push',
      'dockyard/postgres-demo', 'dockyard/postgres-drone', 'dockyard/postgres-registry', 'dockyard/postgres-superuser',
      'dockyard/registry-credentials',
      'harbor/harbor-core', 'harbor/harbor-jobservice', 'harbor/harbor-registry', 'harbor/harbor-registry-htpasswd', 'harbor/harbor-robot-drone',
      'harbor/harbor-robot-drone-docker', 'harbor/harbor-robot-puller', 'harbor/harbor-robot-puller-docker', 'harbor/harbor-token-certificate',
      'harbor/postgres-registry', 'harbor/redis-config', 'harbor/redis-password',
    ]);
    // no generated value appears in the main manifests
    for (const value of secrets.flatMap((s) => Object.values(s.stringData) as string[])) {
      expect(first.main).not.toContain(value);
    }
    expect(first.main).not.toMatch(/^kind: Secret$/m);
    expect(first.stderr).toContain('create Secret dockyard/drone-oauth (keys: client-secret)');

    // node mirror files and the example pipeline beside the manifests; the mirror login only in the .local file
    expect(first.files).toEqual([
      'dockyard.k8s.yaml', 'nodes/containerd/certs.d/docker.io/hosts.toml', 'nodes/rke2/registries.local.yaml', 'nodes/rke2/registries.yaml',
      'pipelines/demo.drone.yml', 'secrets.local.yaml',
    ]);
    const puller = secrets.find((s) => s.metadata.name === 'harbor-robot-puller').stringData.secret;
    expect(first.read('nodes/rke2/registries.local.yaml')).toContain(puller);
    expect(first.mode('nodes/rke2/registries.local.yaml')).toBe(0o600);
    for (const f of first.files.filter((name: string) => !name.includes('.local.'))) {
      for (const value of secrets.flatMap((s) => Object.values(s.stringData) as string[])) {
        expect(first.read(f)).not.toContain(value);
      }
    }
  });

  test('a lost state draws new credentials but leaves the main manifests unchanged', () => {
    const before = synth(path.join(work, 'dist3'));
    fs.rmSync(state);
    const after = synth(path.join(work, 'dist4'));
    expect(after.main).toBe(before.main);
    expect(after.secrets).not.toBe(before.secrets);
  });
});
