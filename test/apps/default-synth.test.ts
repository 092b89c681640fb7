import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');

/** This process's environment without any `DOCKYARD_*` variable, as a new user's shell has it. */
function withoutDockyard(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCKYARD_')));
}

// the project compiled once for both describes below (a full tsc run, which each made of its own): the tests only run
// its JavaScript, and write their states and outputs in folders of their own
const build = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-synth-build-'));
const main = path.join(build, 'apps', 'default', 'main.js');
beforeAll(() => {
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json'),
    '--outDir', build], { encoding: 'utf8' });
  expect(tsc.stdout).toBe('');
});
afterAll(() => fs.rmSync(build, { recursive: true, force: true }));

/**
 * The default stack end to end, as `npm run synth` runs it: compiled JavaScript through the cdk8s CLI, with the
 * local secret state persisting between runs.
 */
describe('default stack synth (compiled app through cdk8s synth)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-synth-'));
  const state = path.join(work, 'state', 'secrets.json');

  const synth = (outdir: string, env: NodeJS.ProcessEnv = {}) => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade',
      '--app', `${process.execPath} ${main}`, '--output', outdir], { cwd: ROOT, encoding: 'utf8', // the build lives outside the repo, so point module resolution back at it
      env: { ...process.env, DOCKYARD_STATE: state, NODE_PATH: path.join(ROOT, 'node_modules'), ...env } });
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
      'dockyard-publish/registry-credentials', 'dockyard/demo-database', 'dockyard/drone-credentials', 'dockyard/drone-secrets-token', 'dockyard/harbor-pull', 'dockyard/harbor-push',
      'dockyard/postgres-demo', 'dockyard/postgres-drone', 'dockyard/postgres-registry', 'dockyard/postgres-superuser',
      'dockyard/registry-credentials',
      'harbor/harbor-core', 'harbor/harbor-jobservice', 'harbor/harbor-registry', 'harbor/harbor-registry-htpasswd', 'harbor/harbor-robot-drone',
      'harbor/harbor-robot-node-puller', 'harbor/harbor-robot-puller',
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
      '.dockyard-output', 'dockyard.k8s.yaml', 'nodes/containerd/certs.d/docker.io/hosts.toml', 'nodes/containerd/conf.d/dockyard-mirror-auth.local.toml',
      'nodes/rke2/registries.local.yaml', 'nodes/rke2/registries.yaml', 'pipelines/demo.drone.yml', 'secrets.local.yaml',
    ]);
    // the nodes' own robot, which may pull only through the proxy cache, never the pods' `puller`
    const robotSecret = (name: string) => secrets.find((s) => s.metadata.name === name).stringData.secret;
    expect(first.read('nodes/rke2/registries.local.yaml')).toContain(robotSecret('harbor-robot-node-puller'));
    expect(first.read('nodes/rke2/registries.local.yaml')).not.toContain(robotSecret('harbor-robot-puller'));
    expect(first.mode('nodes/rke2/registries.local.yaml')).toBe(0o600);
    // and for a containerd of one's own, the same login as its CRI registry auth
    expect(first.read('nodes/containerd/conf.d/dockyard-mirror-auth.local.toml')).toContain(robotSecret('harbor-robot-node-puller'));
    expect(first.mode('nodes/containerd/conf.d/dockyard-mirror-auth.local.toml')).toBe(0o600);
    for (const f of first.files.filter((name: string) => !name.includes('.local.'))) {
      for (const value of secrets.flatMap((s) => Object.values(s.stringData) as string[])) {
        expect(first.read(f)).not.toContain(value);
      }
    }
  });

  test('with DOCKYARD_CI=woodpecker: Woodpecker instead of Drone, byte-identical across runs, its pipelines per workflow', () => {
    const env = { DOCKYARD_CI: 'woodpecker', DOCKYARD_STATE: path.join(work, 'woodpecker', 'secrets.json') };
    const first = synth(path.join(work, 'wp1'), env);
    const second = synth(path.join(work, 'wp2'), env);
    expect(second.main).toBe(first.main);
    expect(second.secrets).toBe(first.secrets);
    expect(first.files).toEqual([
      '.dockyard-output', 'dockyard.k8s.yaml', 'nodes/containerd/certs.d/docker.io/hosts.toml', 'nodes/containerd/conf.d/dockyard-mirror-auth.local.toml',
      'nodes/rke2/registries.local.yaml', 'nodes/rke2/registries.yaml', 'pipelines/demo.woodpecker/build.yaml', 'pipelines/demo.woodpecker/deploy.yaml', 'secrets.local.yaml',
    ]);
    const kinds = parseAllDocuments(first.main).map((d) => d.toJS()).map((o) => `${o.kind} ${o.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment woodpecker', 'StatefulSet woodpecker-agent']));
    expect(kinds.filter((k) => /drone/.test(k))).toEqual([]);
    expect(first.stderr).toContain('create Secret dockyard/woodpecker-oauth (keys: client-secret): the OAuth client secret of the github app ' +
      'whose callback is https://woodpecker.example.com/authorize');
    const secrets = parseAllDocuments(first.secrets).map((d) => d.toJS());
    for (const f of first.files.filter((name: string) => !name.includes('.local.'))) {
      for (const value of secrets.flatMap((s) => Object.values(s.stringData ?? {}) as string[])) {
        expect(first.read(f)).not.toContain(value);
      }
    }
  });

  test('cdk8s synth with a lost state fails, naming the keys, and draws nothing', () => {
    synth(path.join(work, 'dist3'));
    const kept = fs.readFileSync(state, 'utf8');
    fs.rmSync(state);
    const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade',
      '--app', `${process.execPath} ${main}`, '--output', path.join(work, 'dist4')], { cwd: ROOT, encoding: 'utf8',
      env: { ...process.env, DOCKYARD_STATE: state, NODE_PATH: path.join(ROOT, 'node_modules') } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`dockyard: error: the secret state ${JSON.stringify(state)} lacks 21 keys`);
    expect(fs.existsSync(state)).toBe(false);
    fs.writeFileSync(state, kept, { mode: 0o600 });
  });
});

/**
 * `npm run synth` as a new user runs it, in a project folder of their own: the compiled entry point with the default
 * state (`.dockyard/secrets.json`), key record (`secrets.lock.json`) and output directory (`dist/`).
 */
describe('npm run synth: credential continuity end to end', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-npm-synth-'));
  const project = path.join(work, 'project');
  const run = (env: Record<string, string> = {}, cwd = project) => spawnSync(process.execPath, [main], {
    cwd, encoding: 'utf8', env: { ...withoutDockyard(), ...env, NODE_PATH: path.join(ROOT, 'node_modules') },
  });
  const read = (f: string) => fs.readFileSync(path.join(project, f), 'utf8');
  const secretValues = (manifest: string) => Object.fromEntries(parseAllDocuments(manifest).map((d) => d.toJS())
    .flatMap((s) => Object.entries(s.stringData as Record<string, string>).map(([k, v]) => [`${s.metadata.namespace}/${s.metadata.name}/${k}`, v])));

  beforeAll(() => {
    fs.mkdirSync(project);
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('delete the state: the synth fails with the way out and keeps the previous Secrets; restore it: byte-identical', () => {
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/^dockyard: generated 21 new keys, recorded in "secrets\.lock\.json": /m);
    const manifests = read('dist/dockyard.k8s.yaml');
    const secrets = read('dist/secrets.local.yaml');
    const record = read('secrets.lock.json');
    expect(record).not.toContain(Object.values(secretValues(secrets))[0]);
    const backup = read('.dockyard/secrets.json');

    fs.rmSync(path.join(project, '.dockyard', 'secrets.json'));
    const lost = run();
    expect(lost.status).toBe(1);
    // one line, no stack trace, naming the keys, the state, the record and both ways out
    expect(lost.stderr.trim().split('\n')).toHaveLength(1);
    expect(lost.stderr).toMatch(/^dockyard: error: the secret state "\.dockyard\/secrets\.json" lacks 21 keys that "secrets\.lock\.json" records: /);
    expect(lost.stderr).toContain('Restore the state from your backup, or rebuild it from the cluster\'s Secrets, or make them anew on purpose with ' +
      'DOCKYARD_ROTATE=all (this rotates those credentials, and loses what dockyard/drone-credentials/database-secret and ' +
      'harbor/harbor-core/secret-key encrypt; see the README, "Credentials")');
    expect(lost.stderr).not.toMatch(/\n\s+at /);
    expect(read('dist/secrets.local.yaml')).toBe(secrets);
    expect(read('dist/dockyard.k8s.yaml')).toBe(manifests);
    expect(fs.existsSync(path.join(project, '.dockyard', 'secrets.json'))).toBe(false);

    fs.writeFileSync(path.join(project, '.dockyard', 'secrets.json'), backup, { mode: 0o600 });
    const restored = run();
    expect(restored.status).toBe(0);
    expect(restored.stderr).not.toContain('generated');
    expect(read('dist/secrets.local.yaml')).toBe(secrets);
    expect(read('dist/dockyard.k8s.yaml')).toBe(manifests);
    expect(read('secrets.lock.json')).toBe(record);
  });

  test('rotating one key changes only that key and what derives from it', () => {
    const before = secretValues(read('dist/secrets.local.yaml'));
    const manifests = read('dist/dockyard.k8s.yaml');
    const rotated = run({ DOCKYARD_ROTATE: 'harbor/harbor-robot-puller/secret' });
    expect(rotated.status).toBe(0);
    expect(rotated.stderr).toContain('dockyard: rotated 1 key on purpose: harbor/harbor-robot-puller/secret');
    const after = secretValues(read('dist/secrets.local.yaml'));
    const changed = Object.keys(before).filter((k) => before[k] !== after[k]).sort();
    // the robot's secret, and the docker configs made from it: nothing else (the nodes, the builds' pool and
    // Dockyard's own pods pull with the proxy-only robot)
    expect(changed).toEqual([
      'demo/registry-credentials/.dockerconfigjson',
      'dockyard-deploy/registry-credentials/.dockerconfigjson', 'dockyard-publish/registry-credentials/.dockerconfigjson',
      'dockyard/harbor-pull/.dockerconfigjson', 'harbor/harbor-robot-puller/secret',
    ]);
    expect(read('dist/nodes/rke2/registries.local.yaml')).not.toContain(after['harbor/harbor-robot-puller/secret']);
    // the main manifests change in one name: the configuration Job that sets the robot's secret in Harbor is named
    // after a digest of the secrets it sets, so applying them runs it again (lib/harbor/configure-job.ts), and the
    // list of the current configure Jobs names the new one in its place (lib/harbor/configure.js, "Superseded runs")
    const lines = (text: string) => text.split('\n');
    const [was, now] = [lines(manifests), lines(read('dist/dockyard.k8s.yaml'))];
    expect(now).toHaveLength(was.length);
    const differ = was.map((l, i) => [l, now[i]]).filter(([a, b]) => a !== b);
    const [oldJob, newJob] = differ[1].map((l) => l.replace(/^  name: /, ''));
    expect(oldJob).toMatch(/^harbor-configure-[0-9a-f]{8}$/);
    expect(newJob).toMatch(/^harbor-configure-[0-9a-f]{8}$/);
    expect(differ).toEqual([[`    ${oldJob}`, `    ${newJob}`], [`  name: ${oldJob}`, `  name: ${newJob}`]]);
  });

  test('two synths at once on a fresh state agree on every value', async () => {
    const fresh = path.join(work, 'fresh');
    fs.mkdirSync(fresh);
    const start = (out: string) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = require('child_process').spawn(process.execPath, [main], {
        cwd: fresh, env: { ...withoutDockyard(), CDK8S_OUTDIR: out, NODE_PATH: path.join(ROOT, 'node_modules') },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d; });
      child.on('exit', (code: number | null) => resolve({ code, stderr }));
    });
    const [a, b] = await Promise.all([start('dist-a'), start('dist-b')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    // one of them made the keys, the other waited for its lock and found them
    expect([a.stderr, b.stderr].filter((e) => e.includes('generated 21 new keys'))).toHaveLength(1);
    const va = secretValues(fs.readFileSync(path.join(fresh, 'dist-a', 'secrets.local.yaml'), 'utf8'));
    const vb = secretValues(fs.readFileSync(path.join(fresh, 'dist-b', 'secrets.local.yaml'), 'utf8'));
    expect(va).toEqual(vb);
    const kept = JSON.parse(fs.readFileSync(path.join(fresh, '.dockyard', 'secrets.json'), 'utf8')).values;
    expect(kept['dockyard/postgres-drone/password']).toBe(va['dockyard/postgres-drone/password']);
    expect(fs.readdirSync(fresh).sort()).toEqual(['.dockyard', 'dist-a', 'dist-b', 'secrets.lock.json']);
    expect(fs.readdirSync(path.join(fresh, '.dockyard'))).toEqual(['secrets.json']);
  });

  test('a bad variable fails in one line naming it, and writes nothing', () => {
    const before = read('dist/secrets.local.yaml');
    const bad = run({ DOCKYARD_HOST: 'Not A Host' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('dockyard: error: invalid DOCKYARD_HOST "Not A Host": must be a fully qualified lower-case DNS host name such as ' +
      '"ci.example.com", not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), without scheme or path\n');
    expect(read('dist/secrets.local.yaml')).toBe(before);
  });

  test('a state inside the output directory is refused', () => {
    const bad = run({ DOCKYARD_STATE: 'dist/state.json' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^dockyard: error: invalid (secret state|DOCKYARD_STATE) "dist\/state\.json": .*inside the output directory/);
    expect(fs.existsSync(path.join(project, 'dist', 'state.json'))).toBe(false);
  });
});
