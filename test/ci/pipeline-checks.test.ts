// Every way a typed pipeline can disagree with what the platform grants, or with itself, fails with one exact line
// that names the pipeline, the step and what is wrong.
import { Chart } from 'cdk8s';
import fc from 'fast-check';
import {
  CiEngineKind, ImageDigests, ImageRelocation, Images, ImageTag, OutputFile, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, Step,
} from '../../lib';
import { COMMIT_SHA_VARIABLE } from '../../lib/ci/pipeline/image-builder';
import { demoPipelines, DEPLOYER, FakeEngine, IMAGES, platform, REPO } from './pipeline-fixtures';

const { DRONE, WOODPECKER } = CiEngineKind;
const { PUSH, TAG, PROMOTE, CRON, CUSTOM, PULL_REQUEST } = PipelineEvent;

interface Setup {
  readonly chart: Chart;
  readonly engine: FakeEngine;
  readonly pipelines: Pipeline[];
}

/** Render the demo's pipelines for `kind` after `mutate` changed the platform or the pipelines. */
function renderAfter(kind: CiEngineKind, mutate: (s: Setup) => void): () => void {
  return () => {
    const { chart, engine } = platform(kind);
    const pipelines = demoPipelines();
    mutate({ chart, engine, pipelines });
    new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines }).render();
  };
}

const step = (image = IMAGES.go, more: Partial<Parameters<typeof Step.run>[1]> = {}) => Step.run('extra', { image, commands: ['true'], ...more });
const build = (s: Setup) => s.pipelines[0];

// [engine, what is wrong, the change, the one line]
const GRANT_MISMATCHES: [CiEngineKind, string, (s: Setup) => void, string][] = [
  // drone-runner-kube v1.0.0-rc.5 internal/match/match.go with runner-go v1.12.0 pipeline/runtime/runner.go: a runner
  // fails every pipeline whose event its DRONE_LIMIT_EVENTS leave out
  [DRONE, 'an event the runner\'s limitEvents leave out', (s) => { s.engine.limitEvents = [PUSH, PROMOTE, PipelineEvent.ROLLBACK]; },
    'invalid pipelines.build.events ["push","custom"]: custom must be among the runner\'s limitEvents push, promote, rollback: the runner fails ' +
    'every pipeline of another event'],
  [DRONE, 'a secret the engine does not declare', (s) => build(s).addStep(step(IMAGES.go, { secrets: { TOKEN: SecretRef.of('nope', 'token') } })),
    'invalid pipelines.build.steps.extra.secrets.TOKEN "nope/token": must name a pipeline secret the engine declares (addPipelineSecret): ' +
    'nope is not among demo-database, harbor-push'],
  [DRONE, 'a key the secret lacks', (s) => build(s).addStep(step(IMAGES.go, { secrets: { DB_USER: SecretRef.of('demo-database', 'user') } })),
    'invalid pipelines.build.steps.extra.secrets.DB_USER "demo-database/user": must name a key of secret demo-database, which holds password, url'],
  [WOODPECKER, 'a secret not granted to the repository', (s) => {
    s.engine.grants.addSecret('other', ['token'], { repos: ['acme/other', 'acme/lib-*'] });
    build(s).addStep(step(IMAGES.go, { secrets: { TOKEN: SecretRef.of('other', 'token') } }));
  }, 'invalid pipelines.build.steps.extra.secrets.TOKEN "other/token": must be granted to acme/demo: secret other is granted to acme/other, acme/lib-*'],
  [DRONE, 'a secret not granted for an event the step runs on', (s) => {
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH, CRON], steps: [step(IMAGES.go, { secrets: { C: SecretRef.of('harbor-push', 'docker_config') } })] });
  }, 'invalid pipelines.build.steps.extra.secrets.C "harbor-push/docker_config": must be granted for every event the step runs on: ' +
    'secret harbor-push is granted for push, tag, promote, not cron'],
  [WOODPECKER, 'a promote-only secret on Woodpecker, which cannot tell promote from rollback', (s) => {
    s.pipelines[1].addStep(Step.deploy('publish', { identity: DEPLOYER, image: IMAGES.go, commands: ['true'], secrets: { C: SecretRef.of('harbor-push', 'docker_config') } }));
    s.pipelines[1] = new Pipeline({ name: 'deploy', events: [PROMOTE], steps: [s.pipelines[1].steps[1]] });
  }, 'invalid pipelines.deploy.steps.publish.secrets.C "harbor-push/docker_config": must be granted for every event the step runs on: ' +
    'secret harbor-push is granted for push, tag, promote, not rollback (Woodpecker runs promote and rollback pipelines alike, on its deployment event)'],
  [DRONE, 'a pull secret the engine does not declare', (s) => {
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH], pullSecret: 'registry-login', steps: [step()] });
  }, 'invalid pipelines.build.pullSecret "registry-login": must name a pull secret the engine declares (addImagePullSecret): ' +
    'registry-login is not among harbor-pull'],
  [DRONE, 'a near miss of a declared pull secret', (s) => {
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH], pullSecret: 'harbor-pul', steps: [step()] });
  }, 'invalid pipelines.build.pullSecret "harbor-pul": must name a pull secret the engine declares (addImagePullSecret): ' +
    'harbor-pul is not among harbor-pull (did you mean harbor-pull?)'],
  [DRONE, 'a near miss of a declared secret', (s) => build(s).addStep(step(IMAGES.go, { secrets: { TOKEN: SecretRef.of('harbor-pus', 'token') } })),
    'invalid pipelines.build.steps.extra.secrets.TOKEN "harbor-pus/token": must name a pipeline secret the engine declares (addPipelineSecret): ' +
    'harbor-pus is not among demo-database, harbor-push (did you mean harbor-push?)'],
  [WOODPECKER, 'a pull secret not granted to the repository', (s) => {
    s.engine.grants.addPullSecret('team-pull', { repos: ['other/*'] });
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH], pullSecret: 'team-pull', steps: [step()] });
  }, 'invalid pipelines.build.pullSecret "team-pull": must be granted to acme/demo: pull secret team-pull is granted to other/*'],
  // an engine that hands pull secrets out by namespace (Woodpecker's agents): the demo's pull requests run in the
  // default build namespace (no route), everything else under demo-deploy in deploys
  [WOODPECKER, 'a pull secret not in the namespace where the pipeline runs', (s) => {
    s.engine.grants.addPullSecret('deploy-pull', { repos: ['acme/*'], events: [PULL_REQUEST], allowPullRequests: true }, ['deploys']);
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PULL_REQUEST], pullSecret: 'deploy-pull', steps: [step()] });
  }, 'invalid pipelines.build.pullSecret "deploy-pull": must be in the namespace where acme/demo\'s pull_request pipelines run, the default build ' +
    'namespace builds (no route): pull secret deploy-pull is in deploys only, as it goes only where every agent runs repositories and events ' +
    'it is granted to, and only the agents there list it'],
  [WOODPECKER, 'a pull secret not in the namespace of the route the pipeline runs under', (s) => {
    s.engine.grants.addPullSecret('build-pull', { repos: ['acme/*'] }, ['builds']);
    s.pipelines[1] = new Pipeline({ name: 'deploy', events: [PROMOTE, PipelineEvent.ROLLBACK], pullSecret: 'build-pull', steps: [step()] });
  }, 'invalid pipelines.deploy.pullSecret "build-pull": must be in the namespace where acme/demo\'s promote pipelines run, deploys (route ' +
    'demo-deploy): pull secret build-pull is in builds only, as it goes only where every agent runs repositories and events it is granted to, ' +
    'and only the agents there list it'],
  [DRONE, 'a pull secret not granted for one of the pipeline\'s events', (s) => {
    s.engine.grants.addPullSecret('push-pull', { repos: ['acme/*'], events: [PUSH] });
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH, PipelineEvent.TAG], pullSecret: 'push-pull', steps: [step()] });
  }, 'invalid pipelines.build.pullSecret "push-pull": must be granted for every event of the pipeline: pull secret push-pull is not granted for tag (it is for push)'],
  [DRONE, 'a deploy identity with no route for an event', (s) => {
    s.pipelines[1] = new Pipeline({ name: 'deploy', events: [PROMOTE, PULL_REQUEST], steps: [Step.deploy('rollout', { identity: DEPLOYER, image: IMAGES.go, commands: ['true'], events: [PROMOTE] })] });
    s.engine.grants.addRoute('demo-deploy', 'deploys', 'deployer', { repos: [REPO], events: [PUSH] });
  }, 'invalid pipelines.deploy.steps.rollout.identity "deploys/deployer": must be the identity the platform runs acme/demo\'s promote pipelines as: ' +
    'no route covers them (addRoute)'],
  [WOODPECKER, 'a deploy identity the route does not run as', (s) => {
    s.pipelines[1] = new Pipeline({ name: 'deploy', events: [CUSTOM], steps: [Step.deploy('rollout', { identity: { ...DEPLOYER, serviceAccountName: 'admin' }, image: IMAGES.go, commands: ['true'] })] });
  }, 'invalid pipelines.deploy.steps.rollout.identity "deploys/admin": must be the identity the platform runs acme/demo\'s custom pipelines as: ' +
    'route demo-deploy runs them as deploys/deployer'],
  [DRONE, 'a deploy identity whose route runs as the namespace\'s default account', (s) => {
    s.engine.grants.addRoute('demo-deploy', 'deploys', undefined, { repos: [REPO] });
  }, 'invalid pipelines.deploy.steps.migrate.identity "deploys/deployer": must be the identity the platform runs acme/demo\'s promote pipelines as: ' +
    'route demo-deploy runs them as deploys/default'],
  [WOODPECKER, 'a promote pipeline whose rollback, the same Woodpecker event, routes elsewhere', (s) => {
    s.engine.grants.addRoute('demo-deploy', 'deploys', 'deployer', { repos: [REPO], events: [PROMOTE] });
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PROMOTE], steps: [step()] });
    s.pipelines[1] = new Pipeline({ name: 'deploy', events: [PROMOTE], steps: [Step.deploy('rollout', { identity: DEPLOYER, image: IMAGES.go, commands: ['true'] })] });
  }, 'invalid pipelines.build.events ["promote"]: must all run under the same runner labels, as a pipeline names one set: ' +
    'promote runs under route demo-deploy ({"dockyard.dev/route":"demo-deploy"}), rollback under no route ({}); split the pipeline by event'],
  [WOODPECKER, 'a pipeline whose events route to different agents', (s) => {
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH, PULL_REQUEST], steps: [step()] });
  }, 'invalid pipelines.build.events ["push","pull_request"]: must all run under the same runner labels, as a pipeline names one set: ' +
    'push runs under route demo-deploy ({"dockyard.dev/route":"demo-deploy"}), pull_request under no route ({}); split the pipeline by event'],
  [DRONE, 'an image not relocated while the engine\'s images are', (s) => {
    Images.relocate(s.engine, ImageRelocation.proxyCache('harbor.example.com', 'dockerhub'));
  }, 'invalid pipelines.build.steps.test.image "docker.io/library/golang:1.23.4": must be relocated as the engine relocates its build images: ' +
    'below "Platform/Ci" it becomes harbor.example.com/dockerhub/library/golang:1.23.4, where the pipelines are defined docker.io/library/golang:1.23.4; ' +
    'define RepositoryPipelines below the scope of the engine\'s relocation'],
  [WOODPECKER, 'an image relocated elsewhere than the engine\'s', (s) => {
    Images.relocate(s.chart, ImageRelocation.registry('mirror.example.com/ci'));
    Images.relocate(s.engine, ImageRelocation.upstream());
  }, 'invalid pipelines.build.steps.test.image "docker.io/library/golang:1.23.4": must be relocated as the engine relocates its build images: ' +
    'below "Platform/Ci" it becomes docker.io/library/golang:1.23.4, where the pipelines are defined mirror.example.com/ci/library/golang:1.23.4; ' +
    'define RepositoryPipelines below the scope of the engine\'s relocation'],
  [DRONE, 'an image pinned to a digest below the engine only', (s) => {
    Images.pinDigests(s.engine, ImageDigests.of({ 'docker.io/library/golang:1.23.4': `sha256:${'e'.repeat(64)}` }));
  }, 'invalid pipelines.build.steps.test.image "docker.io/library/golang:1.23.4": must be pinned to a digest as the engine\'s build images are: ' +
    `below "Platform/Ci" it becomes docker.io/library/golang:1.23.4@sha256:${'e'.repeat(64)}, where the pipelines are defined ` +
    'docker.io/library/golang:1.23.4; define RepositoryPipelines below the scope of the engine\'s digests (Images.pinDigests)'],
  [DRONE, 'a dependency on an unknown pipeline', (s) => {
    s.pipelines[1] = new Pipeline({ name: 'deploy', events: [PROMOTE], dependsOn: ['bulid'], steps: [step()] });
  }, 'invalid pipelines.deploy.dependsOn ["bulid"]: must name pipelines of acme/demo: bulid is not among build, deploy (did you mean build?)'],
  [WOODPECKER, 'a dependency on a pipeline no typo away', (s) => {
    s.pipelines[1] = new Pipeline({ name: 'deploy', events: [PROMOTE], dependsOn: ['build', 'lint'], steps: [step()] });
  }, 'invalid pipelines.deploy.dependsOn ["build","lint"]: must name pipelines of acme/demo: lint is not among build, deploy'],
  [WOODPECKER, 'dependencies in a cycle', (s) => {
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH], dependsOn: ['deploy'], steps: [step()] });
  }, 'invalid pipelines.build.dependsOn ["deploy"]: must not form a cycle: build -> deploy -> build'],
  [DRONE, 'a pipeline without steps', (s) => {
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH] });
  }, 'invalid pipelines.build.steps []: must hold at least one step: add them with addStep'],
];

describe('RepositoryPipelines refuses what the platform does not grant, with one exact line', () => {
  test.each(GRANT_MISMATCHES)('%s: %s', (kind, _what, mutate, error) => {
    expect(renderAfter(kind, mutate)).toThrow(error);
    // the exact line, whole
    try {
      renderAfter(kind, mutate)();
    } catch (e) {
      expect((e as Error).message).toBe(error);
      expect((e as Error).name).toBe('ValidationError');
    }
  });

  test.each([DRONE, WOODPECKER])('the unchanged demo renders for %s: the mismatches above are each the one change', (kind) => {
    expect(renderAfter(kind, () => undefined)).not.toThrow();
  });

  test('synth fails through the OutputFile too, not only through render()', () => {
    const { chart, engine } = platform(DRONE);
    const pipelines = [new Pipeline({ name: 'build', events: [PUSH], steps: [step(IMAGES.go, { secrets: { T: SecretRef.of('nope', 'token') } })] })];
    const [file] = OutputFile.allIn(new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines }));
    expect(file.path).toBe('pipelines/demo.drone.yml');
    expect(() => file.content()).toThrow(/^invalid pipelines\.build\.steps\.extra\.secrets\.T "nope\/token": must name a pipeline secret/);
  });
});

// [what is wrong, the input, the one line]: refused as soon as the pipeline is built, before any grant is known
const INPUT_MISTAKES: [string, () => unknown, string][] = [
  ['a duplicate pipeline name', () => {
    const { chart, engine } = platform(DRONE);
    new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines: [...demoPipelines(), demoPipelines()[0]] });
  }, 'invalid pipelines "build": must be unique in acme/demo: build, deploy exist'],
  ['a duplicate step name', () => new Pipeline({ name: 'build', events: [PUSH], steps: [step(), step()] }),
    'invalid pipelines.build.steps "extra": must be unique in the pipeline: extra exist'],
  ['step events outside the pipeline\'s', () => new Pipeline({ name: 'build', events: [PUSH], steps: [step(IMAGES.go, { events: [PUSH, TAG, CRON] })] }),
    'invalid pipelines.build.steps.extra.events ["push","tag","cron"]: must be among the pipeline\'s events, push: not tag, cron'],
  ['a deploy step on a pull_request pipeline', () => new Pipeline({
    name: 'deploy', events: [PUSH, PULL_REQUEST], steps: [Step.deploy('rollout', { identity: DEPLOYER, image: IMAGES.go, commands: ['true'] })],
  }), 'invalid pipelines.deploy.steps.rollout.events ["push","pull_request"]: must not include pull_request for a deploy step: ' +
    'pull requests may come from forks; give the step events without it'],
  ['a deploy step for pull requests', () => Step.deploy('rollout', { identity: DEPLOYER, image: IMAGES.go, commands: ['true'], events: [PULL_REQUEST] }),
    'invalid events ["pull_request"]: must not include pull_request for a deploy step: pull requests may come from forks'],
  ['no commands', () => Step.run('test', { image: IMAGES.go, commands: [] }), 'invalid commands []: must list at least one command'],
  ['a blank command', () => Step.run('test', { image: IMAGES.go, commands: ['go test', '  '] }),
    'invalid commands ["go test","  "]: "  " must be a command: not blank, without NUL characters'],
  ['no pipeline events', () => new Pipeline({ name: 'build', events: [] }), 'invalid events []: must not be empty'],
  ['a repeated event', () => new Pipeline({ name: 'build', events: [PUSH, PUSH] }), 'invalid events ["push","push"]: must not repeat "push"'],
  ['an unknown event', () => new Pipeline({ name: 'build', events: ['deployment' as PipelineEvent] }),
    'invalid events ["deployment"]: "deployment" must be one of push, tag, promote, rollback, cron, custom, pull_request'],
  ['a pipeline that depends on itself', () => new Pipeline({ name: 'build', events: [PUSH], dependsOn: ['build'] }),
    'invalid dependsOn ["build"]: must not name the pipeline itself, "build"'],
  ['branches on a tag pipeline, which the engines filter differently', () => new Pipeline({ name: 'release', events: [PUSH, TAG], branches: ['main'] }),
    'invalid branches ["main"]: must be left out of a pipeline that runs on tag: Drone matches tag names against them, ' +
    'Woodpecker ignores them for tags; give tag builds a pipeline of their own'],
  ['branches given as a string, not a list', () => new Pipeline({ name: 'build', events: [PUSH], branches: 'main' as unknown as string[] }),
    'invalid branches "main": must be a list of branch names or globs'],
  ['a branch with a "$"', () => new Pipeline({ name: 'build', events: [PUSH], branches: ['main', '$BRANCH'] }),
    'invalid branches ["main","$BRANCH"]: "$BRANCH" must be a branch glob of letters, digits, ".", "_", "/", "*", "?", "+" and "-"'],
  // a credential in what is refused is redacted where the message names the value, and where it names the culprit
  ['a branch that is a URL with a token', () => new Pipeline({ name: 'build', events: [PUSH], branches: ['https://u:ghp_TOKEN@github.com/a?b=c'] }),
    'invalid branches ["https://<redacted>@github.com/a?<redacted>"]: "https://<redacted>@github.com/a?<redacted>" must be a branch glob of ' +
    'letters, digits, ".", "_", "/", "*", "?", "+" and "-"'],
  ['a command with a NUL, holding a token', () => Step.run('test', { image: IMAGES.go, commands: ['git clone https://u:ghp_TOKEN@github.com/a/b\0'] }),
    'invalid commands ["git clone https://<redacted>@github.com/a/b\\u0000"]: "git clone https://<redacted>@github.com/a/b\\u0000" must be a command: ' +
    'not blank, without NUL characters'],
  ['an event that is a URL with a token', () => new Pipeline({ name: 'build', events: ['u:ghp_TOKEN@github.com' as PipelineEvent] }),
    'invalid events ["<redacted>@github.com"]: "<redacted>@github.com" must be one of push, tag, promote, rollback, cron, custom, pull_request'],
  ['a glob for the repository', () => {
    const { chart, engine } = platform(DRONE);
    new RepositoryPipelines(chart, 'Demo', { engine, repo: 'acme/*', pipelines: demoPipelines() });
  }, 'invalid repo "acme/*": must be one repository, "owner/name" (a GitLab subgroup\'s project by its whole path, "group/subgroup/name"): ' +
    'letters, digits, ".", "_" and "-", no glob'],
  // the default paths hold the repository's name without its owner: the second would overwrite the first's files
  ['two repositories of one name, on Drone', () => {
    const { chart, engine } = platform(DRONE);
    new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines: demoPipelines() });
    new RepositoryPipelines(chart, 'LabsDemo', { engine, repo: 'labs/demo', pipelines: demoPipelines() });
  }, 'invalid path "pipelines/demo.drone.yml": must not be where the pipelines of acme/demo are written already (Platform/Demo), which ' +
    'those of labs/demo would overwrite: give one of them a path of its own (the default holds the repository\'s name without its owner)'],
  ['two repositories of one name, on Woodpecker', () => {
    const { chart, engine } = platform(WOODPECKER);
    new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines: demoPipelines() });
    new RepositoryPipelines(chart, 'LabsDemo', { engine, repo: 'labs/demo', path: 'pipelines/./demo.woodpecker/' });
  }, 'invalid path "pipelines/./demo.woodpecker": must not be where the pipelines of acme/demo are written already (Platform/Demo), which ' +
    'those of labs/demo would overwrite: give one of them a path of its own (the default holds the repository\'s name without its owner)'],
  ['no pipelines at all', () => {
    const { chart, engine } = platform(WOODPECKER);
    new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO }).render();
  }, 'invalid pipelines []: must hold at least one pipeline of acme/demo: add them with addPipeline'],
  // CI_COMMIT_SHA: drone/runner-go v1.12.0 environ/environ.go:167 and woodpecker v3.17.0
  // pipeline/frontend/metadata/environment.go:95; the names both engines set are tested below (ENGINE_STEP_ENV)
  ['an env name the engines reserve', () => Step.run('test', { image: IMAGES.go, commands: ['true'], env: { CI_COMMIT_SHA: 'x' } }),
    'invalid env "CI_COMMIT_SHA": must not start with CI_: both engines set such variables in every step'],
  ['an env name that is not a C identifier', () => Step.run('test', { image: IMAGES.go, commands: ['true'], env: { '1-X': 'x' } }),
    'invalid env "1-X": must be an environment variable name: a letter or "_", then letters, digits and "_"'],
  ['a variable both plain and secret', () => Step.run('test', {
    image: IMAGES.go, commands: ['true'], env: { URL: 'x' }, secrets: { URL: SecretRef.of('demo-database', 'url') },
  }), 'invalid secrets ["URL"]: must not repeat "URL", which env sets too'],
  ['a repository without registry', () => Step.buildImage('publish', { repository: 'apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config') }),
    'invalid repository "apps/demo": must be an image repository with its registry host and without tag, such as "harbor.example.com/apps/demo"'],
  ['a repository with a tag', () => Step.buildImage('publish', { repository: 'harbor.example.com/apps/demo:1', dockerConfig: SecretRef.of('harbor-push', 'docker_config') }),
    'invalid repository "harbor.example.com/apps/demo:1": must be an image repository with its registry host and without tag, such as "harbor.example.com/apps/demo"'],
  // Kaniko's login lookup keeps the host's case (go-containerregistry pkg/name/registry.go NewRegistry,
  // pkg/authn/keychain.go; docker/cli cli/config/credentials/file_store.go fileStore.Get matches the key exactly), and
  // every login Dockyard writes is keyed in lower case: the push would go without the login
  ['a repository whose registry host has capitals', () => Step.buildImage('publish', {
    repository: 'Harbor.Example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config'),
  }), 'invalid repository "Harbor.Example.com/apps/demo": must name its registry host in lower case (harbor.example.com), as the Docker ' +
    'config\'s logins are keyed: the image builder matches a login\'s host case-sensitively, so the push would go without it'],
  // Image.of refuses Docker Hub's host names with capitals (8cef6ef): the repository check, which reads the reference
  // through it, gave its general rule for one (a repository with its registry host and without tag, as it has), where
  // it said the host must be in lower case; it now says Image.of's reason
  ['a repository on Docker Hub\'s host with capitals', () => Step.buildImage('publish', {
    repository: 'Docker.io/acme/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config'),
  }), 'invalid repository "Docker.io/acme/demo": must name Docker Hub\'s host in lower case, as in "docker.io/acme/demo": the kubelet and ' +
    'containerd read "Docker.io" as a registry of its own, not Docker Hub'],
  ['a repeated tag', () => Step.buildImage('publish', {
    repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config'), tags: [ImageTag.commitSha(), ImageTag.commitSha(8)],
  }), 'invalid tags ["${CI_COMMIT_SHA:0:8}","${CI_COMMIT_SHA:0:8}"]: must not repeat "${CI_COMMIT_SHA:0:8}"'],
  ['a tag that is not an ImageTag (from JavaScript)', () => Step.buildImage('publish', {
    repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config'), tags: ['latest' as any],
  }), 'invalid tags "latest": must be an ImageTag: ImageTag.of("v1") or ImageTag.commitSha()'],
  ['one ImageTag, not a list of them', () => Step.buildImage('publish', {
    repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config'), tags: ImageTag.of('v1') as any,
  }), 'invalid tags {"fixed":"v1"}: must be a list of ImageTags'],
  // the tag grammar is distribution/reference's TagRegexp, tested below (DISTRIBUTION_TAG)
  ['a bad tag', () => ImageTag.of('-latest'), 'invalid tag "-latest": must be a Docker tag: a letter, digit or "_", then up to 127 letters, digits, "_", "." and "-"'],
  ['a bad secret key', () => SecretRef.of('demo-database', 'a/b'), 'invalid key "a/b": must be a Secret key: 1 to 253 letters, digits, "-", "_" and ".", not "." nor starting with ".."'],
];

test.each([DRONE, WOODPECKER])('two repositories of one name on %s each get a path of their own with path', (kind) => {
  const { chart, engine } = platform(kind);
  const a = new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines: demoPipelines() });
  const b = new RepositoryPipelines(chart, 'LabsDemo', { engine, repo: 'labs/demo', path: `pipelines/labs/${a.path.split('/')[1]}` });
  expect([a.path, b.path]).toEqual(kind === DRONE
    ? ['pipelines/demo.drone.yml', 'pipelines/labs/demo.drone.yml'] : ['pipelines/demo.woodpecker', 'pipelines/labs/demo.woodpecker']);
});

describe('pipelines refuse bad input when built, with one exact line', () => {
  test.each(INPUT_MISTAKES)('%s', (_what, make, error) => {
    let message: string | undefined;
    try {
      make();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(error);
  });
});

/**
 * Variables the engines set in a commands step, transcribed (a sample of each source's names, every prefix present):
 * - Drone: drone/runner-go v1.12.0 environ/environ.go `System` :25-34, `Repo` :38-63, `Stage` :67-95, `Step` :99-104,
 *   `Build` :125-197 (CI_COMMIT_SHA :167, DRONE_COMMIT_SHA :131, DRONE_TAG :192), merged into every step by
 *   drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:293-302,408-410;
 * - Woodpecker: v3.17.0 pipeline/frontend/metadata/environment.go `Environ` :36-173 (CI_COMMIT_SHA :95), copied into
 *   every step by pipeline/frontend/yaml/compiler/option.go:78 and convert.go:89-93 (CI_WORKSPACE), plus
 *   pipeline/runtime/step.go:99-107. Its DRONE_* names (metadata/drone_compatibility.go:19-72) are set only in plugin
 *   steps (runtime/step.go:94-97), never in the commands steps Dockyard renders.
 */
const ENGINE_STEP_ENV: Record<CiEngineKind, readonly string[]> = {
  [DRONE]: [
    'DRONE_SYSTEM_HOST', 'DRONE_REPO', 'DRONE_REPO_OWNER', 'DRONE_STAGE_NAME', 'DRONE_STEP_NAME', 'DRONE_BRANCH', 'DRONE_COMMIT',
    'DRONE_COMMIT_SHA', 'DRONE_COMMIT_AFTER', 'DRONE_BUILD_NUMBER', 'DRONE_BUILD_EVENT', 'DRONE_TAG', 'DRONE_PULL_REQUEST',
    'CI_REPO', 'CI_REPO_NAME', 'CI_BUILD_NUMBER', 'CI_BUILD_EVENT', 'CI_COMMIT_SHA', 'CI_COMMIT_REF', 'CI_COMMIT_BRANCH',
  ],
  [WOODPECKER]: [
    'CI_SYSTEM_NAME', 'CI_FORGE_TYPE', 'CI_REPO', 'CI_REPO_OWNER', 'CI_PIPELINE_NUMBER', 'CI_PIPELINE_EVENT', 'CI_WORKFLOW_NAME',
    'CI_STEP_NAME', 'CI_COMMIT_SHA', 'CI_COMMIT_REF', 'CI_COMMIT_BRANCH', 'CI_COMMIT_TAG', 'CI_PREV_COMMIT_SHA', 'CI_WORKSPACE',
    'CI_PIPELINE_STATUS', 'CI_STEP_STARTED',
  ],
};

describe('step variables the engines set', () => {
  test.each([DRONE, WOODPECKER])('%s: a step may not set any of them, in any case', (kind) => {
    for (const name of ENGINE_STEP_ENV[kind]) {
      for (const spelled of [name, name.toLowerCase()]) {
        expect(() => Step.run('test', { image: IMAGES.go, commands: ['true'], env: { [spelled]: 'x' } }))
          .toThrow(new RegExp(`^invalid env "${spelled}": must not start with (CI|DRONE)_: `));
      }
    }
  });

  test('the bare CI and DRONE, which the engines set too, are refused; a name that only begins with them is not', () => {
    const env = (name: string) => () => Step.run('test', { image: IMAGES.go, commands: ['true'], env: { [name]: 'x' } });
    // runner-go v1.12.0 environ/environ.go:27-28 sets CI and DRONE; woodpecker v3.17.0 metadata/environment.go:40 sets CI
    expect(env('CI')).toThrow(/^invalid env "CI": must not be CI: both engines set it in every step$/);
    expect(env('drone')).toThrow(/^invalid env "drone": must not be DRONE: Drone sets it in every step$/);
    // DRONE_* only Drone sets in a commands step (Woodpecker in plugin steps only: pipeline/runtime/step.go:94-97)
    expect(env('DRONE_TAG')).toThrow(/^invalid env "DRONE_TAG": must not start with DRONE_: Drone sets such variables in every step$/);
    expect(env('CIRCLE')).not.toThrow();
    expect(env('DRONES')).not.toThrow();
  });

  test('the image build reads the commit from the one name both engines set in a commands step', () => {
    const both = ENGINE_STEP_ENV[DRONE].filter((n) => ENGINE_STEP_ENV[WOODPECKER].includes(n) && n.includes('COMMIT_SHA'));
    expect(both).toEqual([COMMIT_SHA_VARIABLE]);
    // Woodpecker's DRONE_COMMIT_SHA exists only in plugin steps: a build reading it would tag with an empty string
    expect(ENGINE_STEP_ENV[WOODPECKER]).not.toContain('DRONE_COMMIT_SHA');
  });
});

/**
 * distribution/reference's tag grammar, transcribed: `TagRegexp = match(`[\w][\w.-]{0,127}`)`, goharbor/distribution
 * v2.7.1 reference/regexp.go:37 (grammar comment reference/reference.go:15), anchored as `anchoredTagRegexp` uses it.
 */
const DISTRIBUTION_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

describe('ImageTag.of', () => {
  const accepts = (tag: string) => {
    try {
      ImageTag.of(tag);
      return true;
    } catch {
      return false;
    }
  };

  test('accepts exactly the tags distribution/reference accepts, at the edges', () => {
    for (const tag of ['latest', '_x', '1', 'v1.2.3-rc.1_a', 'a'.repeat(128), 'a'.repeat(129), '-latest', '.x', 'a+b', 'a:b', 'a/b', '', 'é']) {
      expect([tag, accepts(tag)]).toEqual([tag, DISTRIBUTION_TAG.test(tag)]);
    }
  });

  test('the same on arbitrary strings', () => {
    fc.assert(fc.property(fc.stringMatching(/^[\w.+:/é-]{0,130}$/), (tag) => {
      expect(accepts(tag)).toBe(DISTRIBUTION_TAG.test(tag));
    }), { numRuns: 300 });
  });
});
