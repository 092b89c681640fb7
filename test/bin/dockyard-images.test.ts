import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.join(__dirname, '..', '..');
const SCRIPT = path.join(REPO, 'bin', 'dockyard-images.js');

function run(args: string[], cwd = REPO) {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const roots: string[] = [];
afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

/** Writes files (relative path → content) under a fresh temp dir and returns the dir. */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-images-'));
  roots.push(root);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

const PLATFORM = `apiVersion: v1
kind: Namespace
metadata:
  name: ci
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: runner
  annotations:
    dockyard.dev/images: "reg.example/drone/git:1.6 , reg.example/drone/placeholder:1,"
spec:
  template:
    metadata:
      annotations:
        unrelated: value
    spec:
      initContainers:
        - name: wait
          image: reg.example/tools/wait:2
      containers:
        - name: runner
          image: reg.example/drone/runner-kube:1.0
        - name: sidecar
          image: reg.example/tools/proxy:3
---
---
apiVersion: v1
kind: Service
metadata:
  name: runner
spec:
  ports: [{ port: 80 }]
`;

const JOBS = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: reg.example/library/postgres:17
`;

const DATA = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    spec:
      containers:
        - name: db
          image: reg.example/library/postgres:17
      ephemeralContainers:
        - name: debug
          image: reg.example/library/busybox:1.37
`;

// generated credentials: skipped when walking a directory, so this fake image must never show up
const SECRETS = `apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    dockyard.dev/images: reg.example/never/listed:1
stringData:
  image: reg.example/never/listed:2
spec:
  containers:
    - image: reg.example/never/listed:3
`;

const PIPELINE = `kind: pipeline
type: kubernetes
name: default
clone:
  image: reg.example/drone/git:1.6
steps:
  - name: test
    image: reg.example/library/node:22
    commands: [npm test]
  - name: publish
    image: reg.example/plugins/docker:20
services:
  - name: cache
    image: reg.example/valkey/valkey:8
`;

const FIXTURES = {
  'platform.k8s.yaml': PLATFORM,
  'jobs.yml': JOBS,
  'nested/deeper/data.k8s.yaml': DATA,
  'secrets.local.yaml': SECRETS,
  'examples/app/.drone.yml': PIPELINE,
  'README.md': 'kind: Pod\nspec:\n  containers:\n    - image: reg.example/never/listed:4\n',
  'notes.txt': 'image: reg.example/never/listed:5\n',
};

const ALL_IMAGES = [
  'reg.example/drone/git:1.6',
  'reg.example/drone/placeholder:1',
  'reg.example/drone/runner-kube:1.0',
  'reg.example/library/busybox:1.37',
  'reg.example/library/node:22',
  'reg.example/library/postgres:17',
  'reg.example/plugins/docker:20',
  'reg.example/tools/proxy:3',
  'reg.example/tools/wait:2',
  'reg.example/valkey/valkey:8',
];

describe('dockyard-images', () => {
  test('lists every image of a directory tree, sorted and unique, skipping *.local.yaml and non-YAML files', () => {
    const result = run([tree(FIXTURES)]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(ALL_IMAGES.join('\n') + '\n');
  });

  test('lists the pod images of every workload kind', () => {
    const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].map((kind) => `kind: ${kind}
spec:
  template:
    spec:
      containers: [{ name: c, image: reg.example/${kind.toLowerCase()}:1 }]
`);
    const pod = 'kind: Pod\nspec:\n  containers: [{ name: c, image: reg.example/pod:1 }]\n';
    const dir = tree({ 'all.yaml': [...kinds, pod].join('---\n') });
    const result = run([dir]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(
      ['daemonset', 'deployment', 'job', 'pod', 'replicaset', 'statefulset'].map((name) => `reg.example/${name}:1`));
  });

  test('lists the step, service and clone images of Woodpecker workflows, whose steps are a list or a map', () => {
    // woodpecker v3.17.0 pipeline/frontend/yaml/types/container_list.go:29-60: steps as a map or a sequence
    const asList = 'when: [{ event: push }]\nsteps:\n  - { name: test, image: reg.example/wp/list:1 }\nservices:\n  - { name: db, image: reg.example/wp/service:1 }\n';
    const asMap = 'steps:\n  build: { image: reg.example/wp/map:1 }\nclone:\n  git: { image: reg.example/wp/clone:1 }\n';
    const result = run([tree({ '.woodpecker/a.yaml': asList, '.woodpecker/b.yaml': asMap, 'plain.yaml': 'steps: not-a-workflow\n' })]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['reg.example/wp/clone:1', 'reg.example/wp/list:1', 'reg.example/wp/map:1', 'reg.example/wp/service:1']);
  });

  test('merges several file and directory arguments', () => {
    const root = tree(FIXTURES);
    const result = run([path.join(root, 'jobs.yml'), path.join(root, 'examples'), path.join(root, 'nested')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe([
      'reg.example/drone/git:1.6',
      'reg.example/library/busybox:1.37',
      'reg.example/library/node:22',
      'reg.example/library/postgres:17',
      'reg.example/plugins/docker:20',
      'reg.example/valkey/valkey:8',
    ].join('\n') + '\n');
  });

  test('reads dist when given no argument', () => {
    const cwd = tree({ 'dist/app.k8s.yaml': JOBS, 'other/ignored.yaml': DATA });
    const result = run([], cwd);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('reg.example/library/postgres:17\n');
  });

  test('fails on a missing path', () => {
    const missing = path.join(tree({}), 'nope');
    const result = run([missing]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`no such file or directory: ${missing}`);
  });

  test('fails on invalid YAML, naming the file', () => {
    const root = tree({ 'good.yaml': JOBS, 'sub/broken.yaml': 'kind: Pod\nspec: [unclosed\nother: }\n' });
    const result = run([root]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${path.join(root, 'sub', 'broken.yaml')}: invalid YAML`);
  });

  test('fails when no image is found, saying what was read', () => {
    const root = tree({ 'ns.yaml': 'kind: Namespace\nmetadata:\n  name: ci\n', 'secrets.local.yaml': SECRETS });
    const result = run([root]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no container images found');
    expect(result.stderr).toContain(path.join(root, 'ns.yaml'));
    expect(result.stderr).not.toContain('secrets.local.yaml');

    const empty = run([tree({ 'notes.txt': 'nothing' })]);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('no *.yaml or *.yml files');
  });

  test('--help prints usage and succeeds', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: dockyard-images \[--help\] \[--pairs\] <file-or-dir>\.\.\./);
    expect(result.stderr).toBe('');
  });

  test('--pairs prints "<source> <destination>" from images.pairs.txt for the images the manifests use, sorted and unique', () => {
    const pairs = [
      'docker.io/library/postgres:17 reg.example/library/postgres:17',
      'docker.io/drone/git:1.6 reg.example/drone/git:1.6',
      'docker.io/library/postgres:17 reg.example/library/postgres:17',
      '',
      'docker.io/gone/image:1 reg.example/gone/image:1', // no manifest uses it: not relocated here
    ].join('\n');
    const root = tree({ ...FIXTURES, 'images.pairs.txt': pairs, 'nested/images.pairs.txt': 'docker.io/tools/wait:2   reg.example/tools/wait:2\n' });
    const result = run(['--pairs', root]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe([
      'docker.io/drone/git:1.6 reg.example/drone/git:1.6',
      'docker.io/library/postgres:17 reg.example/library/postgres:17',
      'docker.io/tools/wait:2 reg.example/tools/wait:2',
    ].join('\n') + '\n');
    // the plain list ignores the pairs files
    expect(run([root]).stdout).toBe(ALL_IMAGES.join('\n') + '\n');
    // a pairs file can be named explicitly beside a manifest
    expect(run([path.join(root, 'jobs.yml'), path.join(root, 'images.pairs.txt'), '--pairs']).stdout)
      .toBe('docker.io/library/postgres:17 reg.example/library/postgres:17\n');
  });

  test('--pairs prints nothing when no image of the manifests was relocated', () => {
    const result = run(['--pairs', tree({ 'jobs.yml': JOBS, 'images.pairs.txt': '' })]);
    expect([result.status, result.stdout, result.stderr]).toEqual([0, '', '']);
  });

  test('--pairs fails without images.pairs.txt, or on a malformed line, naming the file', () => {
    const bare = tree({ 'jobs.yml': JOBS });
    const missing = run(['--pairs', bare]);
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain(`no images.pairs.txt in ${bare}: synth writes it beside the manifests when images are relocated to a mirror`);

    const root = tree({ 'jobs.yml': JOBS, 'images.pairs.txt': 'a b\nonly-one\n' });
    const broken = run(['--pairs', root]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`${path.join(root, 'images.pairs.txt')}:2: expected "<source> <destination>", got "only-one"`);
  });

  test('rejects unknown options', () => {
    const result = run(['--verbose']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unknown option: --verbose');
  });
});
