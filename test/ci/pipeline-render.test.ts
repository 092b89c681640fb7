// The rendered .drone.yml and .woodpecker/ files, field by field; their determinism; and the step images reaching
// the image list and images.pairs.txt as the platform's own do.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import {
  CiEngineKind, ImageBuilder, ImageRelocation, Images, ImageTag, OutputFile, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, Step,
} from '../../lib';
import { shellQuote } from '../../lib/core/shell';
import { demoPipelines, DEPLOYER, IMAGES, platform, REPO } from './pipeline-fixtures';

const { DRONE, WOODPECKER } = CiEngineKind;

function render(kind: CiEngineKind, pipelines = demoPipelines(), setup: (p: ReturnType<typeof platform>) => void = () => undefined) {
  const p = platform(kind);
  setup(p);
  const repo = new RepositoryPipelines(p.chart, 'Demo', { engine: p.engine, repo: REPO, pipelines });
  return { ...p, repo, files: repo.render() };
}

describe('Drone', () => {
  const { files } = render(DRONE);
  const docs = parseAllDocuments(files[0].content).map((d) => d.toJS());
  const [build, deploy] = docs.filter((d) => d.kind === 'pipeline');

  test('one .drone.yml named after the repository', () => {
    expect(files.map((f) => f.path)).toEqual(['pipelines/demo.drone.yml']);
  });

  test('a kind: secret document per secret reference, the pull secret\'s key .dockerconfigjson, aliases sorted', () => {
    // drone/runner-go v1.12.0 manifest/secret.go:18-34; DroneCi.addImagePullSecret stores the Docker config there
    expect(docs.filter((d) => d.kind === 'secret')).toEqual([
      { kind: 'secret', name: 'demo_database_url', get: { path: 'demo-database', name: 'url' } },
      { kind: 'secret', name: 'harbor_pull_dockerconfigjson', get: { path: 'harbor-pull', name: '.dockerconfigjson' } },
      { kind: 'secret', name: 'harbor_push_docker_config', get: { path: 'harbor-push', name: 'docker_config' } },
    ]);
  });

  test('a build pipeline: kubernetes, the engine\'s labels as node:, its trigger, pull secret and steps', () => {
    expect(build).toEqual({
      kind: 'pipeline', type: 'kubernetes', name: 'build',
      node: { pool: 'dockyard' },
      image_pull_secrets: ['harbor_pull_dockerconfigjson'],
      trigger: { event: ['push', 'custom'], branch: ['main', 'release/*'] },
      steps: [
        {
          name: 'test', image: 'docker.io/library/golang:1.23.4',
          environment: { CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
          commands: ['go vet ./...', 'go test ./...'],
        },
        {
          name: 'publish', image: ImageBuilder.KANIKO_IMAGE.reference,
          environment: { DOCKER_CONFIG_JSON: { from_secret: 'harbor_push_docker_config' } },
          // as written in the file: "$$$$" is "$" escaped for the kubelet, whose $(NAME) expansion reads the DRONE_SCRIPT
          // pod env value the runner puts the commands in (drone-runner-kube v1.0.0-rc.5 engine/compiler/script.go:52-55),
          // then for the engine's envsubst (pipeline-quoting.test.ts runs both through).
          // Kaniko's paths and CI_COMMIT_SHA are upstream's: see 'the Kaniko step runs what the -debug image holds'
          commands: [
            'mkdir -p \'/kaniko/.docker\'',
            'printf \'%s\' "$$$$DOCKER_CONFIG_JSON" > \'/kaniko/.docker/config.json\'',
            '\'/kaniko/executor\' \'--context=.\' \'--dockerfile=Dockerfile\' \'--destination=harbor.example.com/apps/demo:\'"$$$$(printf \'%.8s\' "$$$$CI_COMMIT_SHA")"',
          ],
          when: { event: ['push'] },
        },
      ],
    });
  });

  test('a deploy pipeline names its namespace and ServiceAccount, which the runner policy forces anyway', () => {
    // drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:215,220 reads them; engine/policy/policy.go:55-107
    // overrides them with the policy of the repository and event (compiler.go:634-638)
    expect(deploy).toEqual({
      kind: 'pipeline', type: 'kubernetes', name: 'deploy',
      node: { pool: 'dockyard' },
      metadata: { namespace: 'deploys' },
      service_account_name: 'deployer',
      depends_on: ['build'],
      image_pull_secrets: ['harbor_pull_dockerconfigjson'],
      trigger: { event: ['promote', 'rollback'] },
      steps: [{
        name: 'migrate', image: 'docker.io/library/postgres:17.9-bookworm',
        environment: { DATABASE_URL: { from_secret: 'demo_database_url' } },
        // "$$$$": "$" escaped for the kubelet, then for envsubst, as above
        commands: ['psql "$$$$DATABASE_URL" -v ON_ERROR_STOP=1 -f migrations.sql'],
      }],
    });
  });

  test('a pipeline without pull secret, branches, dependencies or deploy steps leaves those fields out', () => {
    const { files: [file] } = render(DRONE, [new Pipeline({ name: 'lint', events: [PipelineEvent.PULL_REQUEST], steps: [Step.run('lint', { image: IMAGES.go, commands: ['go vet ./...'] })] })]);
    expect(parseAllDocuments(file.content).map((d) => d.toJS())).toEqual([{
      kind: 'pipeline', type: 'kubernetes', name: 'lint', node: { pool: 'dockyard' }, trigger: { event: ['pull_request'] },
      steps: [{ name: 'lint', image: 'docker.io/library/golang:1.23.4', commands: ['go vet ./...'] }],
    }]);
  });

  test('secret aliases stay unique and deterministic when two references fold to the same name', () => {
    const pipeline = (order: SecretRef[]) => [new Pipeline({
      name: 'build', events: [PipelineEvent.PUSH],
      steps: [Step.run('a', { image: IMAGES.go, commands: ['true'], secrets: { A: order[0], B: order[1] } })],
    })];
    const refs = [SecretRef.of('a-b', 'c'), SecretRef.of('a', 'b-c')];
    const grant = (p: ReturnType<typeof platform>) => {
      p.engine.grants.addSecret('a-b', ['c'], { repos: [REPO] });
      p.engine.grants.addSecret('a', ['b-c'], { repos: [REPO] });
    };
    const one = render(DRONE, pipeline(refs), grant).files[0].content;
    const other = render(DRONE, pipeline([...refs].reverse()), grant).files[0].content;
    const secrets = parseAllDocuments(one).map((d) => d.toJS()).filter((d) => d.kind === 'secret');
    expect(secrets.map((s) => [s.name, `${s.get.path}/${s.get.name}`])).toEqual([['a_b_c', 'a-b/c'], ['a_b_c_2', 'a/b-c']]);
    expect(parseAllDocuments(other).map((d) => d.toJS()).filter((d) => d.kind === 'secret')).toEqual(secrets);
  });
});

describe('Woodpecker', () => {
  const { files } = render(WOODPECKER);
  const byPath = Object.fromEntries(files.map((f) => [f.path, parse(f.content)]));

  test('one workflow file per pipeline in a .woodpecker folder named after the repository', () => {
    expect(files.map((f) => f.path)).toEqual(['pipelines/demo.woodpecker/build.yaml', 'pipelines/demo.woodpecker/deploy.yaml']);
  });

  test('a build workflow: the route\'s labels, one when condition, native secrets of the build namespace', () => {
    expect(byPath['pipelines/demo.woodpecker/build.yaml']).toEqual({
      labels: { 'dockyard.dev/route': 'demo-deploy' },
      when: [{ event: ['push', 'manual'], branch: ['main', 'release/*'] }],
      steps: [
        {
          name: 'test', image: 'docker.io/library/golang:1.23.4',
          environment: { CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
          commands: ['go vet ./...', 'go test ./...'],
        },
        {
          name: 'publish', image: ImageBuilder.KANIKO_IMAGE.reference,
          // CI_COMMIT_SHA: woodpecker v3.17.0 pipeline/frontend/metadata/environment.go:95, in every step
          // (yaml/compiler/convert.go:89-91); Kaniko's paths: see 'the Kaniko step runs what the -debug image holds'
          commands: [
            'mkdir -p \'/kaniko/.docker\'',
            'printf \'%s\' "$$DOCKER_CONFIG_JSON" > \'/kaniko/.docker/config.json\'',
            '\'/kaniko/executor\' \'--context=.\' \'--dockerfile=Dockerfile\' \'--destination=harbor.example.com/apps/demo:\'"$$(printf \'%.8s\' "$$CI_COMMIT_SHA")"',
          ],
          when: [{ event: ['push'] }],
          // woodpecker v3.17.0 pipeline/backend/kubernetes/backend_options.go:35,94-105
          backend_options: { kubernetes: { secrets: [{ name: 'harbor-push', key: 'docker_config', target: { env: 'DOCKER_CONFIG_JSON' } }] } },
        },
      ],
    });
  });

  test('a deploy workflow: deployment for promote and rollback, optional dependencies, the ServiceAccount per step', () => {
    // woodpecker v3.17.0 pipeline/frontend/metadata/const.go:27 (deployment); backend_options.go:28 (serviceAccountName)
    expect(byPath['pipelines/demo.woodpecker/deploy.yaml']).toEqual({
      labels: { 'dockyard.dev/route': 'demo-deploy' },
      when: [{ event: ['deployment'] }],
      depends_on: [{ name: 'build', optional: true }],
      steps: [{
        name: 'migrate', image: 'docker.io/library/postgres:17.9-bookworm',
        commands: ['psql "$$DATABASE_URL" -v ON_ERROR_STOP=1 -f migrations.sql'],
        backend_options: { kubernetes: { serviceAccountName: 'deployer', secrets: [{ name: 'demo-database', key: 'url', target: { env: 'DATABASE_URL' } }] } },
      }],
    });
  });

  test('dependencies are every ancestor, optional: Woodpecker drops a workflow whose required dependency does not run', () => {
    // woodpecker v3.17.0 pipeline/frontend/builder/utils.go:32-74 drops it; Drone skips over to the ancestors
    // (harness v2.28.2 trigger/dag/dag.go:103-122), so a deploy on promote after a build on push runs on both
    const step = () => Step.run('s', { image: IMAGES.go, commands: ['true'] });
    const { files: chain } = render(WOODPECKER, [
      new Pipeline({ name: 'lint', events: [PipelineEvent.PUSH], steps: [step()] }),
      new Pipeline({ name: 'build', events: [PipelineEvent.PUSH], dependsOn: ['lint'], steps: [step()] }),
      new Pipeline({ name: 'ship', events: [PipelineEvent.PUSH], dependsOn: ['build'], steps: [step()] }),
    ]);
    expect(chain.map((f) => parse(f.content).depends_on)).toEqual([
      undefined, [{ name: 'lint', optional: true }], [{ name: 'lint', optional: true }, { name: 'build', optional: true }],
    ]);
  });

  test('custom builds are manual ones; pull secrets are the agent\'s, so nothing names them', () => {
    const { files: [file] } = render(WOODPECKER, [new Pipeline({
      name: 'adhoc', events: [PipelineEvent.CUSTOM], pullSecret: 'harbor-pull', steps: [Step.run('s', { image: IMAGES.go, commands: ['true'] })],
    })]);
    expect(parse(file.content)).toEqual({
      labels: { 'dockyard.dev/route': 'demo-deploy' }, when: [{ event: ['manual'] }],
      steps: [{ name: 's', image: 'docker.io/library/golang:1.23.4', commands: ['true'] }],
    });
  });

  test('a pipeline added later gets its file', () => {
    const { chart, engine } = platform(WOODPECKER);
    const repo = new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, path: 'ci/demo/' });
    demoPipelines().forEach((p) => repo.addPipeline(p));
    expect(OutputFile.allIn(repo).map((f) => f.path)).toEqual(['ci/demo/build.yaml', 'ci/demo/deploy.yaml']);
    expect(OutputFile.allIn(repo).map((f) => f.content())).toEqual(repo.render().map((f) => f.content));
  });
});

describe('determinism', () => {
  test.each([DRONE, WOODPECKER])('%s: the same pipelines render the same bytes, however their maps were written', (kind) => {
    const pipelines = (reverse: boolean) => {
      const env: [string, string][] = [['GOFLAGS', '-mod=readonly'], ['CGO_ENABLED', '0'], ['A_FIRST', 'x']];
      const secrets: [string, SecretRef][] = [['DB', SecretRef.of('demo-database', 'url')], ['PW', SecretRef.of('demo-database', 'password')]];
      const order = <T>(l: T[]) => (reverse ? [...l].reverse() : l);
      return [new Pipeline({
        name: 'build', events: [PipelineEvent.PUSH],
        steps: [Step.run('test', { image: IMAGES.go, commands: ['true'], env: Object.fromEntries(order(env)), secrets: Object.fromEntries(order(secrets)) })],
      })];
    };
    const a = render(kind, pipelines(false)).files;
    const b = render(kind, pipelines(true)).files;
    expect(b).toEqual(a);
    expect(render(kind).files).toEqual(render(kind).files);
  });
});

describe('step images are relocated and listed like the platform\'s own', () => {
  test.each([DRONE, WOODPECKER])('%s: with a mirror, every step image is relocated and listed in images.pairs.txt', (kind) => {
    const { app, files } = render(kind, demoPipelines(), (p) => Images.relocateAll(p.app, ImageRelocation.registry('mirror.example.com/ci')));
    const images = files.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS())).flatMap((d) => (d.steps ?? []).map((s: any) => s.image));
    expect([...new Set(images)].sort()).toEqual([
      'mirror.example.com/ci/library/golang:1.23.4', 'mirror.example.com/ci/library/postgres:17.9-bookworm',
      'mirror.example.com/ci/martizih/kaniko:v1.28.3-debug',
    ]);
    expect(Images.relocatedPairs(app)).toEqual([
      'docker.io/library/golang:1.23.4 mirror.example.com/ci/library/golang:1.23.4',
      'docker.io/library/postgres:17.9-bookworm mirror.example.com/ci/library/postgres:17.9-bookworm',
      `${ImageBuilder.KANIKO_IMAGE.reference} mirror.example.com/ci/martizih/kaniko:v1.28.3-debug`,
    ]);
  });

  test('through a proxy cache, Docker Hub images come through it and others stay, as the engine\'s do', () => {
    const { files } = render(DRONE, demoPipelines(), (p) => Images.relocate(p.chart, ImageRelocation.proxyCache('harbor.example.com', 'dockerhub')));
    const steps = parseAllDocuments(files[0].content).map((d) => d.toJS()).filter((d) => d.kind === 'pipeline').flatMap((d) => d.steps);
    expect(steps.map((s: any) => s.image)).toEqual([
      'harbor.example.com/dockerhub/library/golang:1.23.4', 'harbor.example.com/dockerhub/martizih/kaniko:v1.28.3-debug',
      'harbor.example.com/dockerhub/library/postgres:17.9-bookworm',
    ]);
  });

  test('dockyard-images lists the steps of the rendered .drone.yml', () => {
    const { files } = render(DRONE);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-pipelines-'));
    try {
      files.forEach((f) => {
        fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, f.path), f.content);
      });
      const result = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'dockyard-images.js'), dir], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim().split('\n')).toEqual([
        'docker.io/library/golang:1.23.4', 'docker.io/library/postgres:17.9-bookworm', ImageBuilder.KANIKO_IMAGE.reference,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('image builds', () => {
  test('fixed tags and the commit each get a --destination; the context, Dockerfile and builder are the step\'s', () => {
    const custom = ImageBuilder.kaniko(IMAGES.go.withTag('1.24.0'));
    const step = Step.buildImage('publish', {
      repository: 'harbor.example.com/apps/demo', tags: [ImageTag.of('latest'), ImageTag.commitSha(12)], context: 'app dir', dockerfile: "it's/Dockerfile",
      dockerConfig: SecretRef.of('harbor-push', 'docker_config'), builder: custom,
    });
    expect(step.image).toBe(custom.image);
    expect(step.secrets).toEqual({ DOCKER_CONFIG_JSON: SecretRef.of('harbor-push', 'docker_config') });
    expect(step.commands[2]).toBe("'/kaniko/executor' '--context=app dir' '--dockerfile=it'\\''s/Dockerfile' " +
      "'--destination=harbor.example.com/apps/demo:latest' '--destination=harbor.example.com/apps/demo:'\"$(printf '%.12s' \"$CI_COMMIT_SHA\")\"");
  });

  /**
   * What the default builder's image holds, transcribed from osscontainertools/kaniko v1.28.3: the executor at
   * /kaniko/executor (deploy/Dockerfile:122, the ENTRYPOINT :124) and DOCKER_CONFIG=/kaniko/.docker/ (:84), both in
   * the kaniko-debug stage, which builds on them (:150) and adds busybox with /bin/sh -> /busybox/sh (:156-161), the
   * shell both engines run commands with (woodpecker v3.17.0 pipeline/backend/common/script.go:31, drone-runner-kube
   * v1.0.0-rc.5 engine/compiler/script.go:53). The release workflow tags that stage `v<version>-debug`
   * (.github/workflows/images.yaml:54-58, :201-203; :226-227 for the Docker Hub copy, `<DOCKERHUB_ORG>/kaniko`, :15).
   */
  const KANIKO_DEBUG = { executor: '/kaniko/executor', dockerConfig: '/kaniko/.docker/', tag: /^v\d+\.\d+\.\d+-debug$/ };

  test('the Kaniko step runs what the -debug image holds: its executor, its shell, the config where DOCKER_CONFIG points', () => {
    const step = Step.buildImage('publish', { repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config') });
    expect(step.image).toBe(ImageBuilder.KANIKO_IMAGE);
    expect(ImageBuilder.KANIKO_IMAGE.reference).toMatch(/^docker\.io\/martizih\/kaniko:/);
    expect(ImageBuilder.KANIKO_IMAGE.tag).toMatch(KANIKO_DEBUG.tag);
    // docker/cli's config.Load reads <DOCKER_CONFIG>/config.json (kaniko cmd/executor/cmd/login.go:76, README.md:680)
    const config = path.posix.join(KANIKO_DEBUG.dockerConfig, 'config.json');
    expect(step.commands[0]).toBe(`mkdir -p ${shellQuote(path.posix.dirname(config))}`);
    expect(step.commands[1]).toBe(`printf '%s' "$DOCKER_CONFIG_JSON" > ${shellQuote(config)}`);
    expect(step.commands[2].startsWith(`${shellQuote(KANIKO_DEBUG.executor)} `)).toBe(true);
  });

  test('a deploy step keeps its identity only as its names', () => {
    const step = Step.deploy('rollout', { identity: { ...DEPLOYER, extra: 'ignored' } as any, image: IMAGES.go, commands: ['true'] });
    expect(step.identity).toEqual(DEPLOYER);
  });
});
