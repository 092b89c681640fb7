// A Step.buildImage step pushes with the login its Docker config holds for the repository's host. A new user's trial
// pushed to a Harbor project with a robot that could only pull, and to a Harbor host the config held no login for:
// both synthesized, and every build then failed at its last step: Harbor answers "unauthorized to access
// repository: <repo>, action: push" to any push whose user may not push to the project, an anonymous one included
// (harbor v2.15.1 src/server/middleware/v2auth/auth.go, reqChecker.check: securityCtx.Can(action, repository)).
// Synth now refuses both where Dockyard declared the robot and the registry, and lets through what it cannot know.
import { App } from 'cdk8s';
import {
  DockyardChart, Harbor, HarborRobot, HarborStorage, ICiEngine, Namespace, Pipeline, PipelineEvent, Postgres, ProxyUpstream, Redis, RepositoryPipelines,
  RobotPermission, SecretRef, SecretValue, Step,
} from '../../lib';
import { droneCi } from '../drone/fixtures';
import { woodpeckerCi } from '../woodpecker/fixtures';
import { thrown } from '../util';

const HOST = 'harbor.acme.dev';
const REPO = 'acme/demo';
const ENGINES = ['drone', 'woodpecker'] as const;

interface Setup {
  readonly chart: DockyardChart;
  readonly ci: ICiEngine;
  readonly harbor: Harbor;
  /** May push to `apps`. */
  readonly pusher: HarborRobot;
  /** May pull from `apps` only. */
  readonly reader: HarborRobot;
}

function setup(engine: typeof ENGINES[number], host = HOST): Setup {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new DockyardChart(app, 'platform', { namespace: 'platform' });
  new Namespace(chart, 'Namespace', { name: 'platform' });
  const ci = engine === 'drone' ? droneCi(chart, { buildNamespace: 'builds', extraBuildNamespaces: ['publish'] }).ci
    : woodpeckerCi(chart, { buildNamespace: 'builds', extraBuildNamespaces: ['publish'] });
  const database = new Postgres(chart, 'HarborDatabase', { name: 'harbor-db', namespace: 'registry' });
  const harbor = new Harbor(chart, 'Harbor', {
    namespace: 'registry', externalUrl: `https://${host}`, database: database.addDatabase('registry', { user: 'harbor' }),
    redis: new Redis(chart, 'Redis', { namespace: 'registry' }), storage: HarborStorage.filesystem(),
  });
  // Woodpecker hands a pipeline secret over in a route's namespace only, never the pool's
  ci.addRoute({ name: 'demo', repos: [REPO], events: [PipelineEvent.PUSH], namespace: 'publish' });
  harbor.addProject('apps');
  harbor.addProject('other');
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
  const pusher = harbor.addRobot('pusher', { permissions: [RobotPermission.push('apps'), RobotPermission.pull('other')] });
  const reader = harbor.addRobot('reader', { permissions: [RobotPermission.pull('apps')] });
  return { chart, ci, harbor, pusher, reader };
}

/** Grant `values` as pipeline secret `push` to the demo, and render its pipeline that pushes `repository` with it. */
function pushWith(s: Setup, repository: string, values: Record<string, SecretValue>): () => void {
  s.ci.addPipelineSecret('Push', { name: 'push', repos: [REPO], events: [PipelineEvent.PUSH], values });
  const repo = new RepositoryPipelines(s.chart, 'Demo', {
    engine: s.ci, repo: REPO,
    pipelines: [new Pipeline({ name: 'build', events: [PipelineEvent.PUSH], steps: [Step.buildImage('publish', { repository, dockerConfig: SecretRef.of('push', 'docker_config') })] })],
  });
  return () => repo.render();
}

const login = (robot: HarborRobot, registry = HOST) => SecretValue.dockerConfigJson([{ registry, username: robot.username, password: robot.secret }]);

describe.each(ENGINES)('on %s', (engine) => {
  test('a robot with push on the project pushes: nothing refused', () => {
    const s = setup(engine);
    expect(pushWith(s, `${HOST}/apps/demo`, { docker_config: login(s.pusher) })).not.toThrow();
  });

  test('a robot that may only pull from the project is refused, naming what it may push to', () => {
    const s = setup(engine);
    expect(thrown(pushWith(s, `${HOST}/apps/demo`, { docker_config: login(s.reader) })).message).toBe(
      'invalid pipelines.build.steps.publish.dockerConfig "push/docker_config": must push ' +
      `${HOST}/apps/demo with a login Harbor lets push there: push/docker_config logs in to ${HOST} as robot$reader, which may push to no project, not to project apps: ` +
      'give the robot RobotPermission.push("apps")');
  });

  test('a copy of the robot\'s own Docker config, as the README grants it, is checked alike', () => {
    const s = setup(engine);
    expect(thrown(pushWith(s, `${HOST}/apps/demo`, { docker_config: SecretValue.copyOf(s.reader.dockerConfig) })).message).toContain(
      `logs in to ${HOST} as robot$reader, which may push to no project, not to project apps`);
    const t = setup(engine);
    expect(pushWith(t, `${HOST}/apps/demo`, { docker_config: SecretValue.copyOf(t.pusher.dockerConfig) })).not.toThrow();
  });

  test('a robot that may push elsewhere is refused for a project it only pulls from', () => {
    const s = setup(engine);
    expect(thrown(pushWith(s, `${HOST}/other/demo`, { docker_config: login(s.pusher) })).message).toContain(
      `logs in to ${HOST} as robot$pusher, which may push to apps, not to project other`);
  });

  test('a push to a proxy cache is refused, whatever the login: Harbor takes none', () => {
    const s = setup(engine);
    expect(thrown(pushWith(s, `${HOST}/dockerhub/library/demo`, { docker_config: login(s.pusher) })).message).toContain(
      `must push ${HOST}/dockerhub/library/demo with a login Harbor lets push there: dockerhub is a proxy cache, which Harbor takes no push to; ` +
      'push to a project of your own');
  });

  test('a Docker config without a login to the Harbor host is refused: the push would go without one', () => {
    const s = setup(engine);
    expect(thrown(pushWith(s, `${HOST}/apps/demo`, { docker_config: login(s.pusher, 'registry.acme.dev') })).message).toContain(
      `push/docker_config holds no login to ${HOST} (it logs in to registry.acme.dev), so the push goes without one, which Harbor refuses`);
  });

  // docker/cli 365e7a5 cli/config/credentials/file_store.go Get: the exact key first, else any key whose
  // ConvertToHostname is the host, so `https://<host>` serves a push to <host>
  test('a login keyed by URL serves the host, as docker/cli\'s file store matches it', () => {
    const s = setup(engine);
    expect(pushWith(s, `${HOST}/apps/demo`, { docker_config: login(s.pusher, `https://${HOST}`) })).not.toThrow();
    const t = setup(engine);
    expect(() => pushWith(t, `${HOST}/apps/demo`, { docker_config: login(t.reader, `https://${HOST}`) })()).toThrow('as robot$reader');
  });

  // docker/cli would take the exact key, but one Docker config may also be a pull secret, where Drone's runner keeps
  // one of the two logins at random and the kubelet files both under one key (test/registry/pull-secret-kubelet.test.ts),
  // so SecretValue.dockerConfigJson refuses the pair: two keys for one host never reach the builder
  test('an exact key and a URL key for one host are refused in the Docker config itself', () => {
    const s = setup(engine);
    expect(() => SecretValue.dockerConfigJson([
      { registry: HOST, username: s.reader.username, password: s.reader.secret },
      { registry: `https://${HOST}`, username: s.pusher.username, password: s.pusher.secret },
    ])).toThrow(`invalid registry "https://${HOST}": must not name "${HOST}" again, which "${HOST}" names`);
  });

  // Kaniko resolves its push login for the registry alone (osscontainertools/kaniko v1.28.3 pkg/executor/push.go
  // DoPush: Resolve(destRef.Context().Registry), CheckPushPermissions through go-containerregistry v0.21.9
  // pkg/v1/remote/check.go), so go-containerregistry's pkg/authn/keychain.go ResolveContext asks docker/cli for the
  // host under both its keys (name.Registry's String() is RegistryStr()); a key naming the repository is matched only
  // as a key whose host it is (docker/cli file_store.go Get, ConvertToHostname), after the exact host key
  test('a login keyed by the repository loses to the host\'s key, and serves the host where that is missing', () => {
    const s = setup(engine);
    const both = SecretValue.dockerConfigJson([
      { registry: HOST, username: s.reader.username, password: s.reader.secret },
      { registry: `${HOST}/apps/demo`, username: s.pusher.username, password: s.pusher.secret },
    ]);
    expect(thrown(pushWith(s, `${HOST}/apps/demo`, { docker_config: both })).message).toContain('as robot$reader, which may push to no project');
    const t = setup(engine);
    const reversed = SecretValue.dockerConfigJson([
      { registry: HOST, username: t.pusher.username, password: t.pusher.secret },
      { registry: `${HOST}/apps/demo`, username: t.reader.username, password: t.reader.secret },
    ]);
    expect(pushWith(t, `${HOST}/apps/demo`, { docker_config: reversed })).not.toThrow();
    const u = setup(engine);
    expect(pushWith(u, `${HOST}/apps/demo`, { docker_config: login(u.pusher, `${HOST}/apps/demo`) })).not.toThrow();
    const v = setup(engine);
    expect(thrown(pushWith(v, `${HOST}/apps/demo`, { docker_config: login(v.reader, `${HOST}/apps/demo`) })).message).toContain('as robot$reader');
  });

  test('a login whose user name is a secret itself (usernameFrom) passes: Dockyard cannot tell which user it is', () => {
    const s = setup(engine);
    const hidden = SecretValue.dockerConfigJson([{ registry: HOST, usernameFrom: s.reader.secret, password: s.reader.secret }]);
    expect(pushWith(s, `${HOST}/apps/demo`, { docker_config: hidden })).not.toThrow();
  });

  // go-containerregistry asks for the host with its port (pkg/name/registry.go keeps it), and docker/cli's
  // ConvertToHostname keeps a key's port (cli/config/credentials/file_store.go): a key without it is no login there
  test('a Harbor on a port: the login keyed by host and port pushes, one keyed by the bare host is none', () => {
    const port = `${HOST}:8443`;
    const s = setup(engine, port);
    expect(pushWith(s, `${port}/apps/demo`, { docker_config: login(s.pusher, port) })).not.toThrow();
    const t = setup(engine, port);
    expect(pushWith(t, `${port}/apps/demo`, { docker_config: login(t.pusher, `https://${port}`) })).not.toThrow();
    const u = setup(engine, port);
    expect(thrown(pushWith(u, `${port}/apps/demo`, { docker_config: login(u.pusher, HOST) })).message).toContain(
      `push/docker_config holds no login to ${port} (it logs in to ${HOST})`);
  });

  test('what Dockyard cannot know passes: an input, a user that is no robot it declared, a registry it does not declare', () => {
    const s = setup(engine);
    expect(pushWith(s, `${HOST}/apps/demo`, { docker_config: SecretValue.input('PUSH_CONFIG', 'a login') })).not.toThrow();
    const t = setup(engine);
    const admin = SecretValue.dockerConfigJson([{ registry: HOST, username: 'admin', password: t.reader.secret }]);
    expect(pushWith(t, `${HOST}/apps/demo`, { docker_config: admin })).not.toThrow();
    const u = setup(engine);
    expect(pushWith(u, 'ghcr.io/acme/demo', { docker_config: login(u.reader) })).not.toThrow();
  });
});
