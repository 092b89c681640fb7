// The library as a user installs it: `npm pack` (which builds through prepack), the tarball installed into a scratch
// cdk8s-only consumer with npm, and a small app there compiled with tsc and synthesized with node. Pulumi is an
// optional peer dependency (package.json peerDependenciesMeta), so the consumer must hold no @pulumi/* package, and
// `dockyard/pulumi` must then fail with the install command instead of Node's bare "Cannot find module".
//
// npm resolves the consumer's dependencies from the registry (this machine's registries include npm), preferring its
// cache, which `npm ci` has just filled. The pack runs in a copy of the sources, so the build it triggers never
// touches this work tree's build/.
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--omit=optional', '--loglevel=error'];

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.error) throw result.error;
  return result;
}

function mustRun(cmd: string, args: string[], cwd: string): string {
  const result = run(cmd, args, cwd);
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${result.status}) in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Total size of the files under `dir`, in bytes. */
function duSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += duSize(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

const CONSUMER_APP = `import { App } from 'cdk8s';
import { DockyardChart, LocalSecretStore, Namespace, NetworkPeer, Postgres, runSynth, synthesize } from 'dockyard';

runSynth(() => {
  const app = new App({ outdir: 'dist' });
  const chart = new DockyardChart(app, 'platform', { namespace: 'data' });
  new Namespace(chart, 'Namespace', { name: 'data' });
  const postgres = new Postgres(chart, 'Postgres', { storageSize: '5Gi' });
  postgres.addDatabase('app').grantConnect(NetworkPeer.namespace('apps'));
  synthesize(app, new LocalSecretStore());
});
`;

describe('the packed library in a cdk8s-only consumer', () => {
  let work: string;
  let consumer: string;
  let packedFiles: string[];

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-pack-'));
    // the package's sources, without build/: prepack must compile them
    const source = path.join(work, 'source');
    fs.mkdirSync(source);
    for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.lib.json', 'README.md', 'lib', 'bin', 'scripts']) {
      fs.cpSync(path.join(ROOT, entry), path.join(source, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'), 'dir');
    const packed = JSON.parse(mustRun('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], source));
    packedFiles = packed[0].files.map((f: { path: string }) => f.path);

    consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    mustRun('npm', ['install', ...NPM_FLAGS, path.join(work, packed[0].filename)], consumer);
  }, 600_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('npm pack ships the compiled entry points, their declarations and the commands, and nothing of the repo', () => {
    for (const file of [
      'build/lib/index.js', 'build/lib/index.d.ts',
      'build/lib/pulumi/index.js', 'build/lib/pulumi/index.d.ts',
      'build/lib/pulumi/digitalocean/index.js', 'build/lib/pulumi/digitalocean/index.d.ts',
      'build/lib/harbor/configure.js', // read at synth by the Harbor configure Job (lib/harbor/configure-job.ts)
      'bin/dockyard-images.js', 'bin/dockyard-diagram.js', 'package.json', 'README.md',
    ]) {
      expect(packedFiles).toContain(file);
    }
    expect(packedFiles.filter((f) => !/^(build\/lib\/|bin\/|package\.json$|README\.md$)/.test(f))).toEqual([]);
    expect(packedFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  test('the consumer installs no Pulumi, only the cdk8s side', () => {
    const modules = path.join(consumer, 'node_modules');
    expect(fs.existsSync(path.join(modules, '@pulumi'))).toBe(false);
    for (const heavy of ['@grpc', 'protobufjs', '@opentelemetry', '@viz-js']) {
      expect(fs.existsSync(path.join(modules, heavy))).toBe(false);
    }
    for (const needed of ['dockyard', 'cdk8s', 'cdk8s-plus-27', 'constructs', 'bcryptjs']) {
      expect(fs.existsSync(path.join(modules, needed, 'package.json'))).toBe(true);
    }
    // the issue measured 14 MB for cdk8s, cdk8s-plus-27, constructs and bcryptjs alone, against ~150 MB with Pulumi
    expect(duSize(modules)).toBeLessThan(40 * 1024 * 1024);
  });

  test('a consumer app compiles against the declarations and synthesizes', () => {
    fs.writeFileSync(path.join(consumer, 'app.ts'), CONSUMER_APP);
    fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, skipLibCheck: true, types: [], esModuleInterop: true },
      files: ['app.ts'],
    }));
    mustRun(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], consumer);
    const synth = run(process.execPath, ['app.js'], consumer);
    expect(synth.stderr).not.toContain('error');
    expect(synth.status).toBe(0);
    const manifest = fs.readFileSync(path.join(consumer, 'dist', 'platform.k8s.yaml'), 'utf8');
    expect(manifest).toContain('kind: StatefulSet');
    expect(manifest).toContain('kind: NetworkPolicy');
    expect(fs.existsSync(path.join(consumer, '.dockyard', 'secrets.json'))).toBe(true);
  });

  test('a wrong call fails to compile in the consumer: the declarations are the real types', () => {
    fs.writeFileSync(path.join(consumer, 'wrong.ts'), `import { Postgres } from 'dockyard';\nnew Postgres(undefined as any, 'P', { storageSize: 20 });\n`);
    fs.writeFileSync(path.join(consumer, 'tsconfig.wrong.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, skipLibCheck: true, types: [], noEmit: true },
      files: ['wrong.ts'],
    }));
    const result = run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.wrong.json'], consumer);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("Type 'number' is not assignable to type 'string'");
  });

  const peers: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).peerDependencies;
  const install = (names: string[]) => names.map((n) => `${n}@${peers[n]}`).join(' ');
  test.each([
    ['dockyard/pulumi', install(['@pulumi/pulumi', '@pulumi/kubernetes', '@pulumi/random', '@pulumi/tls'])],
    ['dockyard/pulumi/digitalocean', install(['@pulumi/pulumi', '@pulumi/kubernetes', '@pulumi/digitalocean'])],
  ])('%s without Pulumi installed fails with the install command', (entry, command) => {
    expect(command).toMatch(/^@pulumi\/pulumi@\^3\./);
    const result = run(process.execPath, ['-e', `require(${JSON.stringify(entry)})`], consumer);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${entry} needs the Pulumi packages`);
    expect(result.stderr).toContain(`npm install ${command}`);
  });

  test('deep imports are closed: only the documented entry points resolve', () => {
    const result = run(process.execPath, ['-e', `require('dockyard/build/lib/core/secret')`], consumer);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
