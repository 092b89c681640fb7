// Build pods must be able to pull the images their engine makes them pull (the clone, placeholder and
// permission-init images) once those are relocated to a private Harbor project: a new user's trial relocated
// everything through a private Docker Hub proxy cache, and every pool pipeline, team pull request and routed build
// would have failed to pull its clone image while the synth stayed silent.
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import fc from 'fast-check';
import {
  DeployAccess, DockyardChart, DroneCi, DroneKubeRunner, Harbor, HarborRobot, HarborStorage, ICiEngine, ImageRelocation, Images, Namespace,
  PipelineEvent, Postgres, ProxyUpstream, PullSecret, Redis, RegistryCredential, RobotPermission, Secret, SecretValue, TeamPlatform,
  WoodpeckerCi,
} from '../../lib';
import { droneCi } from '../drone/fixtures';
import { woodpeckerCi } from '../woodpecker/fixtures';
import { find, serviceAccounts, thrown } from '../util';

const HOST = 'harbor.acme.dev';
type Engine = 'drone' | 'woodpecker';
const ENGINES: Engine[] = ['drone', 'woodpecker'];
/**
 * The pool's build namespace, the clone image as relocated, how the message names it, and what it says of the pull
 * secrets a pipeline brings itself, by engine.
 */
const POOL: Record<Engine, { namespace: string; clone: string; role: string; notCounted: string }> = {
  drone: {
    namespace: 'drone-builds', clone: `${HOST}/dockerhub/drone/git:1.2.0`, role: 'Drone\'s clone image, DRONE_IMAGE_CLONE',
    notCounted: 'a pipeline\'s own image_pull_secrets are not counted: the pipelines that name none, those the guards and the catch-all ' +
      'place among them, pull these images too',
  },
  woodpecker: {
    namespace: 'woodpecker-builds', clone: `${HOST}/dockerhub/woodpeckerci/plugin-git:2.9.2`, role: 'Woodpecker\'s clone image, WOODPECKER_DEFAULT_CLONE_PLUGIN',
    notCounted: 'a step\'s own registries are not counted: the clone step, and every step that names none, brings none',
  },
};

interface Setup {
  readonly chart: DockyardChart;
  readonly ci: ICiEngine;
  readonly harbor: Harbor;
  /** A robot that may pull only through the proxy cache. */
  readonly proxyPuller: HarborRobot;
  /** The Drone runner, on Drone. */
  readonly runner?: DroneKubeRunner;
  /** What the build pods' images resolve below: the Drone runner, or WoodpeckerCi. */
  readonly builds: IConstruct;
}

/**
 * The trial's arrangement: Harbor with the private Docker Hub proxy cache `dockerhub` (unless `publicProxy`), every
 * Docker Hub image relocated through it but Harbor's and its data services', and the proxy-only robot as the app-wide
 * pull secret, which reaches Dockyard's own pods only.
 */
function setup(engine: Engine, options: { publicProxy?: boolean; createBuildNamespaces?: boolean } = {}): Setup {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new DockyardChart(app, 'platform', { namespace: 'platform' });
  new Namespace(chart, 'Namespace', { name: 'platform' });
  const create = { createBuildNamespaces: options.createBuildNamespaces };
  const drone = engine === 'drone' ? droneCi(chart, { buildNamespace: POOL.drone.namespace, ...create }) : undefined;
  const ci = drone?.ci ?? woodpeckerCi(chart, { buildNamespace: POOL.woodpecker.namespace, extraBuildNamespaces: [], ...create });
  const database = new Postgres(chart, 'HarborDatabase', { name: 'harbor-db', namespace: 'registry' });
  const redis = new Redis(chart, 'Redis', { namespace: 'registry' });
  const harbor = new Harbor(chart, 'Harbor', {
    namespace: 'registry', externalUrl: `https://${HOST}`, database: database.addDatabase('registry', { user: 'harbor' }), redis, storage: HarborStorage.filesystem(),
  });
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub(), public: options.publicProxy });
  const proxyPuller = harbor.addRobot('node-puller', { permissions: [RobotPermission.pull('dockerhub')] });
  Images.relocate(chart, harbor.proxyCacheRelocation('dockerhub'));
  [harbor, database, redis].forEach((c) => Images.relocate(c, ImageRelocation.upstream()));
  new PullSecret(chart, 'ProxyPull', { credentials: [RegistryCredential.harborRobot(HOST, proxyPuller)] });
  return { chart, ci, harbor, proxyPuller, runner: drone?.runner, builds: drone?.runner ?? ci };
}

/** A PullSecret of `robot`'s login listed in `namespaces` only, named after the robot. */
function listed(s: Setup, robot: HarborRobot, namespaces: string[]): PullSecret {
  const name = robot.username.replace('robot$', '');
  return new PullSecret(s.chart, `Listed-${name}`, { name: `${name}-login`, credentials: [RegistryCredential.harborRobot(HOST, robot)], namespaces, appWide: false });
}

/** The message of a build namespace whose pods that run as `account` have no login to Harbor at all. */
function noLogin(engine: Engine, namespace: string, image: string, role: string, account = 'default'): string {
  return `invalid pull secrets of build namespace "${namespace}": its build pods pull ${image} (${role}) from "dockerhub", a private Harbor ` +
    `proxy cache of ${HOST}, and none of the pull secrets of their ServiceAccount "${account}" logs in to ${HOST}; list a PullSecret of ` +
    `a robot with RobotPermission.pull("dockerhub") in "${namespace}" (its namespaces): a proxy-only one, as apps/default/stack.ts does for ` +
    `its builds' pool, where pull requests run; never the app-wide one, whose robot may pull more; ${POOL[engine].notCounted}`;
}

describe.each(ENGINES)('build pods on %s', (engine) => {
  const pool = POOL[engine];

  test('the trial: the pool pulls the relocated clone image from the private proxy cache with no login there, and synth refuses', () => {
    const s = setup(engine);
    expect(() => s.chart.toJson()).toThrow(noLogin(engine, pool.namespace, pool.clone, pool.role));
  });

  test('a proxy-only PullSecret listed in the pool lets it pull; the app-wide one was never copied there', () => {
    const s = setup(engine);
    listed(s, s.proxyPuller, [pool.namespace]);
    const objects = s.chart.toJson();
    expect(find(objects, 'ServiceAccount', 'default', pool.namespace).imagePullSecrets).toEqual([{ name: 'node-puller-login' }]);
  });

  test('a routed build namespace with no login of its own is refused too, after the pool passes', () => {
    const s = setup(engine);
    listed(s, s.proxyPuller, [pool.namespace]);
    s.ci.addBuildNamespace('tools-publish');
    s.ci.addRoute({ name: 'tools-build', repos: ['acme/tools'], events: [PipelineEvent.PUSH, PipelineEvent.TAG], namespace: 'tools-publish' });
    expect(() => s.chart.toJson()).toThrow(noLogin(engine, 'tools-publish', pool.clone, pool.role));
  });

  test('a robot that may not pull from the proxy cache is named, with the permission it lacks', () => {
    const s = setup(engine);
    s.harbor.addProject('apps');
    listed(s, s.harbor.addRobot('apps-puller', { permissions: [RobotPermission.pull('apps')] }), [pool.namespace]);
    expect(() => s.chart.toJson()).toThrow(`invalid pull secrets of build namespace "${pool.namespace}": its build pods pull ${pool.clone} ` +
      `(${pool.role}) from "dockerhub", a private Harbor proxy cache of ${HOST}, and the only login to ${HOST} among the pull secrets of ` +
      'their ServiceAccount "default", "robot$apps-puller", may not pull from it; give that robot RobotPermission.pull("dockerhub") (a team\'s ' +
      `pull robot: list "dockerhub" in TeamPlatform sharedProjects); ${pool.notCounted}`);
  });

  test('a private project declared without public: true is checked like a proxy cache', () => {
    const s = setup(engine);
    s.harbor.addProject('mirror');
    listed(s, s.proxyPuller, [pool.namespace]);
    Images.relocate(s.builds, ImageRelocation.registry(`${HOST}/mirror`));
    expect(thrown(() => s.chart.toJson()).message).toMatch(new RegExp(`^invalid pull secrets of build namespace "${pool.namespace}": its build ` +
      `pods pull ${HOST}/mirror/\\S+ \\(.*\\) from "mirror", a private Harbor project of ${HOST}, and the only login to ${HOST} among`));
  });

  test('what Dockyard cannot know is never refused: a public proxy cache, an undeclared project, another registry, an unknown login', () => {
    expect(() => setup(engine, { publicProxy: true }).chart.toJson()).not.toThrow();
    const undeclared = setup(engine);
    Images.relocate(undeclared.builds, ImageRelocation.proxyCache(HOST, 'other'));
    expect(() => undeclared.chart.toJson()).not.toThrow();
    const mirror = setup(engine);
    Images.relocate(mirror.builds, ImageRelocation.registry('mirror.example.net/dockyard'));
    expect(() => mirror.chart.toJson()).not.toThrow();
    // a Harbor user that is no robot Dockyard declared: its permissions are Harbor's to know
    const user = setup(engine);
    const password = new Secret(user.chart, 'AdminPassword', { name: 'harbor-admin-login', values: { password: SecretValue.input('HARBOR_ADMIN', 'a login') } });
    new PullSecret(user.chart, 'UserPull', {
      name: 'user-login', credentials: [RegistryCredential.basic({ registry: HOST, username: 'ci-user', password: password.key('password') })],
      namespaces: [POOL[engine].namespace], appWide: false,
    });
    expect(() => user.chart.toJson()).not.toThrow();
  });

  test('a build namespace the app does not create is not refused for lack of a login: its default ServiceAccount may have one', () => {
    expect(() => setup(engine, { createBuildNamespaces: false }).chart.toJson()).not.toThrow();
    // but one whose list Dockyard renders has exactly that list (the ServiceAccount's imagePullSecrets are atomic)
    const s = setup(engine, { createBuildNamespaces: false });
    s.harbor.addProject('apps');
    listed(s, s.harbor.addRobot('apps-puller', { permissions: [RobotPermission.pull('apps')] }), [pool.namespace]);
    expect(() => s.chart.toJson()).toThrow(/"robot\$apps-puller", may not pull from it/);
  });

  test('the permission-init or placeholder image is checked too, wherever it resolves', () => {
    const s = setup(engine);
    listed(s, s.proxyPuller, [pool.namespace]);
    s.harbor.addProject('tools');
    // the engine's own images through the proxy cache, but the one build pods start from in `tools`, a private
    // project the pool's robot may not pull from
    if (s.runner) {
      expect(() => {
        const more = new DroneKubeRunner(s.chart, 'Placeholder', {
          server: (s.ci as DroneCi).server, name: 'placeholder-runner', buildNamespace: 'placeholder-builds',
          placeholderImage: ImageRelocation.registry(`${HOST}/tools`).relocate(DroneKubeRunner.PLACEHOLDER_IMAGE),
        });
        listed(s, s.harbor.addRobot('other-proxy', { permissions: [RobotPermission.pull('dockerhub')] }), [more.buildNamespace]);
        s.chart.toJson();
      }).toThrow(/^invalid pull secrets of build namespace "placeholder-builds": its build pods pull harbor\.acme\.dev\/tools\/drone\/placeholder:1 \(Drone's placeholder image, DRONE_IMAGE_PLACEHOLDER\) from "tools", a private Harbor project/);
    } else {
      Images.relocate((s.ci as WoodpeckerCi).poolAgent, ImageRelocation.registry(`${HOST}/tools`));
      expect(() => s.chart.toJson()).toThrow(/^invalid pull secrets of build namespace "woodpecker-builds": its build pods pull harbor\.acme\.dev\/tools\/library\/busybox:1\.37\.0-musl \(the permission-init image, WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE\) from "tools"/);
    }
  });

  test('property: the pool is refused exactly when no robot listed there may pull from the proxy cache', () => {
    const projects = ['dockerhub', 'apps', 'tools'];
    fc.assert(fc.property(fc.subarray(projects, { minLength: 1 }), (granted) => {
      const s = setup(engine);
      projects.filter((p) => p !== 'dockerhub').forEach((p) => s.harbor.addProject(p));
      listed(s, s.harbor.addRobot('pool-puller', { permissions: granted.map((p) => RobotPermission.pull(p)) }), [pool.namespace]);
      const error = (() => {
        try {
          s.chart.toJson();
          return undefined;
        } catch (e: any) {
          return e.message as string;
        }
      })();
      expect(error === undefined).toBe(granted.includes('dockerhub'));
      if (error !== undefined) expect(error).toContain('"robot$pool-puller", may not pull from it');
    }), { numRuns: 10 });
  });
});

describe('build pods on Drone, which run as their namespace\'s default ServiceAccount or one a policy pins', () => {
  test('a deploy identity pinned in a namespace is judged alone (default runs nothing there); without a proxy login it is refused', () => {
    const s = setup('drone');
    listed(s, s.proxyPuller, [POOL.drone.namespace]);
    s.ci.addBuildNamespace('deploys');
    const deployer = new DeployAccess(s.chart, 'Deploy', { namespace: 'platform', serviceAccountNamespace: 'deploys' });
    s.ci.addRoute({ name: 'deploy', repos: ['acme/app'], events: [PipelineEvent.PROMOTE], namespace: 'deploys', serviceAccountName: deployer.serviceAccountName });
    s.harbor.addProject('apps');
    const appsOnly = listed(s, s.harbor.addRobot('apps-puller', { permissions: [RobotPermission.pull('apps')] }), ['platform']);
    deployer.addImagePullSecret(appsOnly.secret);
    expect(() => s.chart.toJson()).toThrow(`invalid pull secrets of build namespace "deploys": its build pods pull ${POOL.drone.clone} ` +
      `(${POOL.drone.role}) from "dockerhub", a private Harbor proxy cache of ${HOST}, and the only login to ${HOST} among the pull secrets of ` +
      'their ServiceAccount "deployer", "robot$apps-puller", may not pull from it; give that robot RobotPermission.pull("dockerhub") ' +
      `(a team's pull robot: list "dockerhub" in TeamPlatform sharedProjects); ${POOL.drone.notCounted}`);
  });

  test('a deploy identity whose pull secret holds a proxy login passes, and one Dockyard does not know is not refused', () => {
    for (const pullSecret of ['proxy', 'existing'] as const) {
      const s = setup('drone');
      listed(s, s.proxyPuller, [POOL.drone.namespace]);
      s.ci.addBuildNamespace('deploys');
      const deployer = new DeployAccess(s.chart, 'Deploy', { namespace: 'platform', serviceAccountNamespace: 'deploys' });
      s.ci.addRoute({ name: 'deploy', repos: ['acme/app'], events: [PipelineEvent.PROMOTE], namespace: 'deploys', serviceAccountName: 'deployer' });
      deployer.addImagePullSecret(pullSecret === 'proxy'
        ? listed(s, s.harbor.addRobot('deploy-puller', { permissions: [RobotPermission.pull('dockerhub')] }), ['platform']).secret
        : Secret.fromSecretName(s.chart, 'Existing', 'registry-login', { namespace: 'deploys' }));
      expect(find(s.chart.toJson(), 'ServiceAccount', 'deployer', 'deploys').imagePullSecrets)
        .toEqual([{ name: pullSecret === 'proxy' ? 'deploy-puller-login' : 'registry-login' }]);
    }
  });
});

describe('build pods on Drone, each ServiceAccount judged on its own: a pipeline runs as exactly one', () => {
  /** The pool with its proxy login, and `deploys`, where `deployer` has a proxy login and `default` none. */
  function deploys(): Setup & { deployer: DeployAccess } {
    const s = setup('drone');
    listed(s, s.proxyPuller, [POOL.drone.namespace]);
    s.ci.addBuildNamespace('deploys');
    const deployer = new DeployAccess(s.chart, 'Deploy', { namespace: 'platform', serviceAccountNamespace: 'deploys' });
    deployer.addImagePullSecret(listed(s, s.harbor.addRobot('deploy-puller', { permissions: [RobotPermission.pull('dockerhub')] }), ['platform']).secret);
    s.ci.addRoute({ name: 'deploy', repos: ['acme/app'], events: [PipelineEvent.PROMOTE], namespace: 'deploys', serviceAccountName: 'deployer' });
    return { ...s, deployer };
  }

  test('the review: a second route into the namespace pins nobody, so its pods run as default, with no login; the deployer\'s does not serve them', () => {
    const s = deploys();
    expect(() => s.chart.toJson()).not.toThrow();
    const b = deploys();
    b.ci.addRoute({ name: 'docs', repos: ['acme/docs'], events: [PipelineEvent.PUSH], namespace: 'deploys' });
    expect(() => b.chart.toJson()).toThrow(noLogin('drone', 'deploys', POOL.drone.clone, POOL.drone.role));
  });

  test('a namespace the namespace rules leave open (exclusive: false) runs the catch-all\'s pipelines as default, which it sets no namespace for', () => {
    const s = deploys();
    s.runner!.addBuildNamespace('open');
    s.runner!.addPolicy({ name: 'open-deploy', repos: ['acme/other'], namespace: 'open', serviceAccountName: 'deployer', exclusive: false });
    serviceAccounts(s.chart, ['open'], ['deployer']);
    // drone-runner-kube v1.0.0-rc.5 engine/linter/linter.go:207-224: a namespace the rules do not list admits any
    // pipeline, so one the catch-all places (no other policy matched it) runs there, as default, if it names it
    expect(() => s.chart.toJson()).toThrow(noLogin('drone', 'open', POOL.drone.clone, POOL.drone.role));
  });

  test('property: a namespace with a pinned account passes exactly when every account its pipelines run as may pull', () => {
    fc.assert(fc.property(fc.boolean(), fc.boolean(), (defaultRuns, defaultLogin) => {
      const s = deploys();
      if (defaultRuns) s.ci.addRoute({ name: 'docs', repos: ['acme/docs'], events: [PipelineEvent.PUSH], namespace: 'deploys' });
      if (defaultLogin) listed(s, s.harbor.addRobot('deploys-default', { permissions: [RobotPermission.pull('dockerhub')] }), ['deploys']);
      const passes = (() => {
        try {
          s.chart.toJson();
          return true;
        } catch {
          return false;
        }
      })();
      expect(passes).toBe(!defaultRuns || defaultLogin);
    }), { numRuns: 8 });
  });
});

describe('build pods on Woodpecker: the default clone step always runs as default', () => {
  // woodpecker v3.17.0 pipeline/frontend/yaml/compiler/compiler.go:153-168 builds the default clone step's Container
  // with no BackendOptions, and pipeline/backend/kubernetes/pod.go:199-202 sets a pod's ServiceAccountName only from
  // its step's options: the clone pod runs as the namespace's default, whatever account the route lets steps pick
  /** A route namespace whose account `deployer` has a proxy login; `defaultLogin`: its `default` one too. */
  function routed(defaultLogin: boolean): Setup {
    const s = setup('woodpecker');
    listed(s, s.proxyPuller, [POOL.woodpecker.namespace, ...(defaultLogin ? ['deploys'] : [])]);
    s.ci.addBuildNamespace('deploys');
    const deployer = new DeployAccess(s.chart, 'Deploy', { namespace: 'platform', serviceAccountNamespace: 'deploys' });
    s.harbor.addProject('apps');
    const robot = defaultLogin ? s.harbor.addRobot('apps-puller', { permissions: [RobotPermission.pull('apps')] })
      : s.harbor.addRobot('deploy-puller', { permissions: [RobotPermission.pull('dockerhub')] });
    deployer.addImagePullSecret(listed(s, robot, ['platform']).secret);
    s.ci.addRoute({ name: 'deploy', repos: ['acme/app'], events: [PipelineEvent.PUSH], namespace: 'deploys', serviceAccountName: 'deployer' });
    return s;
  }

  test('the review: the route\'s account has a proxy login and default none: the clone image is refused for default', () => {
    expect(() => routed(false).chart.toJson()).toThrow(noLogin('woodpecker', 'deploys', POOL.woodpecker.clone, POOL.woodpecker.role));
  });

  test('the permission-init image is judged against default and, apart, the route\'s account', () => {
    // default may pull the clone image; the account a step may pick holds only a login that may not pull the proxy
    expect(() => routed(true).chart.toJson()).toThrow(new RegExp('^invalid pull secrets of build namespace "deploys": its build pods pull ' +
      `${HOST.replace(/\./g, '\\.')}/dockerhub/library/busybox:1\\.37\\.0-musl \\(the permission-init image, WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE\\) ` +
      '.* among the pull secrets of their ServiceAccount "deployer", "robot\\$apps-puller", may not pull from it'));
  });
});

describe('build pods on Woodpecker, which list their agent\'s pull secrets, and then get no ServiceAccount\'s', () => {
  test('the agent\'s own pull secret decides, even where the namespace\'s default account has a proxy login', () => {
    const s = setup('woodpecker');
    listed(s, s.proxyPuller, [POOL.woodpecker.namespace]);
    s.harbor.addProject('apps');
    const apps = s.harbor.addRobot('apps-puller', { permissions: [RobotPermission.pull('apps')] });
    // for every repository and event, pull requests included: the pool's agent lists it on every step pod
    s.ci.addImagePullSecret('AppsPull', {
      name: 'apps-pull', repos: ['*/*'], events: Object.values(PipelineEvent), allowPullRequests: true, dockerConfig: SecretValue.copyOf(apps.dockerConfig),
    });
    expect(() => s.chart.toJson()).toThrow(`invalid pull secrets of build namespace "woodpecker-builds": its build pods pull ${POOL.woodpecker.clone} ` +
      `(${POOL.woodpecker.role}) from "dockerhub", a private Harbor proxy cache of ${HOST}, and the only login to ${HOST} among the pull ` +
      'secrets the engine lists on them (WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES: "apps-pull"), "robot$apps-puller", may not pull from it; ' +
      `give that robot RobotPermission.pull("dockerhub") (a team's pull robot: list "dockerhub" in TeamPlatform sharedProjects); ${POOL.woodpecker.notCounted}`);
  });

  test('an agent\'s pull secret with a proxy login passes; one of a name Dockyard did not place is not refused', () => {
    const s = setup('woodpecker');
    const both = s.harbor.addRobot('both', { permissions: [RobotPermission.pull('dockerhub')] });
    s.ci.addImagePullSecret('Pull', {
      name: 'proxy-pull', repos: ['*/*'], events: Object.values(PipelineEvent), allowPullRequests: true, dockerConfig: SecretValue.copyOf(both.dockerConfig),
    });
    expect(() => s.chart.toJson()).not.toThrow();
    const named = setup('woodpecker');
    (named.ci as WoodpeckerCi).poolAgent.addPullSecretName('made-elsewhere');
    expect(() => named.chart.toJson()).not.toThrow();
  });
});

describe.each(ENGINES)('teams on %s', (engine) => {
  /** A platform with one team, `payments`, whose pool lists the proxy-only robot. */
  function teams(sharedProjects: string[]): DockyardChart {
    const s = setup(engine);
    new TeamPlatform(s.chart, 'Teams', { ci: s.ci, harbor: s.harbor, sharedProjects }).addTeam({ name: 'payments', repos: ['acme/payments-api'] });
    listed(s, s.proxyPuller, [POOL[engine].namespace]);
    return s.chart;
  }

  test('without the proxy cache in sharedProjects, the team\'s build pods pull with a robot that lacks it: refused, naming the robot', () => {
    const error = thrown(() => teams([]).toJson()).message;
    expect(error).toMatch(new RegExp(`^invalid pull secrets of build namespace "payments-builds": its build pods pull ${POOL[engine].clone} `));
    expect(error).toContain('"robot$payments-pull", may not pull from it; give that robot RobotPermission.pull("dockerhub") (a team\'s pull ' +
      'robot: list "dockerhub" in TeamPlatform sharedProjects)');
  });

  test('with the proxy cache in sharedProjects, the team synthesizes', () => {
    expect(() => teams(['dockerhub']).toJson()).not.toThrow();
  });
});

describe('a team\'s dedicated Drone runner', () => {
  /** A Drone platform with one team on a dedicated runner; the proxy-only robot listed in the pool and `more`. */
  function dedicated(more: (prNamespace: string) => string[]): DockyardChart {
    const s = setup('drone');
    const team = new TeamPlatform(s.chart, 'Teams', { ci: s.ci, harbor: s.harbor, sharedProjects: ['dockerhub'] })
      .addTeam({ name: 'payments', repos: ['acme/payments-api'], dedicatedRunner: true });
    listed(s, s.proxyPuller, [POOL.drone.namespace, ...more(team.pullRequestNamespace!)]);
    return s.chart;
  }

  test('its pull-request namespace gets no login of its own: refused until listed on the proxy-only PullSecret', () => {
    expect(() => dedicated(() => []).toJson()).toThrow(noLogin('drone', 'payments-pull-requests', POOL.drone.clone, POOL.drone.role));
    expect(find(dedicated((pr) => [pr]).toJson(), 'ServiceAccount', 'default', 'payments-pull-requests').imagePullSecrets)
      .toEqual([{ name: 'node-puller-login' }]);
  });
});
