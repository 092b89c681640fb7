// Every way a typed pipeline can disagree with what the platform grants, or with itself, fails with one exact line
// that names the pipeline, the step and what is wrong.
import { Chart } from 'cdk8s';
import {
  CiEngineKind, ImageRelocation, Images, ImageTag, OutputFile, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, Step,
} from '../../lib';
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
  [WOODPECKER, 'a pull secret not granted to the repository', (s) => {
    s.engine.grants.addPullSecret('team-pull', { repos: ['other/*'] });
    s.pipelines[0] = new Pipeline({ name: 'build', events: [PUSH], pullSecret: 'team-pull', steps: [step()] });
  }, 'invalid pipelines.build.pullSecret "team-pull": must be granted to acme/demo: pull secret team-pull is granted to other/*'],
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
  [DRONE, 'a dependency on an unknown pipeline', (s) => {
    s.pipelines[1] = new Pipeline({ name: 'deploy', events: [PROMOTE], dependsOn: ['bulid'], steps: [step()] });
  }, 'invalid pipelines.deploy.dependsOn ["bulid"]: must name pipelines of acme/demo: "bulid" is not among build, deploy'],
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
  ['a branch with a "$"', () => new Pipeline({ name: 'build', events: [PUSH], branches: ['main', '$BRANCH'] }),
    'invalid branches ["main","$BRANCH"]: "$BRANCH" must be a branch glob of letters, digits, ".", "_", "/", "*", "?", "+" and "-"'],
  ['a glob for the repository', () => {
    const { chart, engine } = platform(DRONE);
    new RepositoryPipelines(chart, 'Demo', { engine, repo: 'acme/*', pipelines: demoPipelines() });
  }, 'invalid repo "acme/*": must be one repository, "owner/name": letters, digits, ".", "_" and "-", no glob'],
  ['no pipelines at all', () => {
    const { chart, engine } = platform(WOODPECKER);
    new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO }).render();
  }, 'invalid pipelines []: must hold at least one pipeline of acme/demo: add them with addPipeline'],
  ['an env name the engines reserve', () => Step.run('test', { image: IMAGES.go, commands: ['true'], env: { CI_COMMIT_SHA: 'x' } }),
    'invalid env "CI_COMMIT_SHA": must not start with CI_: both engines set such variables in every step'],
  ['a variable both plain and secret', () => Step.run('test', {
    image: IMAGES.go, commands: ['true'], env: { URL: 'x' }, secrets: { URL: SecretRef.of('demo-database', 'url') },
  }), 'invalid secrets ["URL"]: must not repeat "URL", which env sets too'],
  ['a repository without registry', () => Step.buildImage('publish', { repository: 'apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config') }),
    'invalid repository "apps/demo": must be an image repository with its registry host and without tag, such as "harbor.example.com/apps/demo"'],
  ['a repository with a tag', () => Step.buildImage('publish', { repository: 'harbor.example.com/apps/demo:1', dockerConfig: SecretRef.of('harbor-push', 'docker_config') }),
    'invalid repository "harbor.example.com/apps/demo:1": must be an image repository with its registry host and without tag, such as "harbor.example.com/apps/demo"'],
  ['a repeated tag', () => Step.buildImage('publish', {
    repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config'), tags: [ImageTag.commitSha(), ImageTag.commitSha(8)],
  }), 'invalid tags ["${CI_COMMIT_SHA:0:8}","${CI_COMMIT_SHA:0:8}"]: must not repeat "${CI_COMMIT_SHA:0:8}"'],
  ['a tag that is not an ImageTag (from JavaScript)', () => Step.buildImage('publish', {
    repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config'), tags: ['latest' as any],
  }), 'invalid tags "latest": must be an ImageTag: ImageTag.of("v1") or ImageTag.commitSha()'],
  ['a bad tag', () => ImageTag.of('-latest'), 'invalid tag "-latest": must be a Docker tag: a letter, digit or "_", then up to 127 letters, digits, "_", "." and "-"'],
  ['a bad secret key', () => SecretRef.of('demo-database', 'a/b'), 'invalid key "a/b": must be a Secret key: 1 to 253 letters, digits, "-", "_" and ".", not "." or ".."'],
];

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
