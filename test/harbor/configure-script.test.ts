import * as path from 'path';
import { RobotPermission } from '../../lib';
import { testChart } from '../util';
import { configureHarness, ConfigureRun, leaks } from './configure-run';
import { FakeHarbor, secretEchoes } from './fake-harbor';
import { inClusterHarbor } from './fixtures';

const SCRIPT = path.resolve(__dirname, '../../lib/harbor/configure.js');

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
const SECRETS = {
  REGISTRY_DOCKERHUB_SECRET: 'dckr_pat_S3cretT0ken',
  ROBOT_CI_PUSH_SECRET: 'CiPush-Secret-2025',
  ROBOT_DEPLOYER_SECRET: 'Deployer9Secret',
  ROBOT_PULLER_SECRET: 'Puller8SecretX',
};

function pushPull(namespace: string) {
  return {
    kind: 'project',
    namespace,
    access: [{ resource: 'repository', action: 'push' }, { resource: 'repository', action: 'pull' }],
  };
}

function config(): any {
  return {
    registries: [
      {
        name: 'dockerhub', type: 'docker-hub', url: 'https://hub.docker.com', insecure: false,
        accessKey: 'dockyard', accessSecretEnv: 'REGISTRY_DOCKERHUB_SECRET', description: 'Docker Hub pull-through',
      },
      { name: 'quay', type: 'quay', url: 'https://quay.io', insecure: false, accessKey: null, accessSecretEnv: null, description: '' },
    ],
    projects: [
      { name: 'dockerhub', public: true, registry: 'dockerhub', storageLimit: -1, metadata: { proxy_speed_kb: '-1' } },
      { name: 'apps', public: false, registry: null, storageLimit: 10737418240, metadata: { auto_scan: 'true' } },
    ],
    robots: [
      {
        name: 'ci-push', level: 'system', project: null, description: 'CI pushes', duration: -1,
        permissions: [pushPull('library'), pushPull('apps')], secretEnv: 'ROBOT_CI_PUSH_SECRET',
      },
      {
        name: 'deployer', level: 'project', project: 'apps', description: 'deploys pull', duration: 30,
        permissions: [{ kind: 'project', namespace: 'apps', access: [{ resource: 'repository', action: 'pull' }] }],
        secretEnv: 'ROBOT_DEPLOYER_SECRET',
      },
      {
        // "library" is Harbor's built-in project, not declared above
        name: 'puller', level: 'project', project: 'library', duration: -1,
        permissions: [{ kind: 'project', namespace: 'library', access: [{ resource: 'repository', action: 'pull' }] }],
        secretEnv: 'ROBOT_PULLER_SECRET',
      },
    ],
  };
}

const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: SECRETS });
/** Run the script against the test's fake Harbor (see configureHarness), with `config()` unless told otherwise. */
const run = (cfg: unknown = config(), env?: Record<string, string | undefined>, watch?: (stdout: string, stop: () => void) => void) => configure.run(cfg, env, watch);

/**
 * The warning of a run whose robot ci-push (config()) may push to Harbor's "library", which the fake, as Harbor, has
 * public (see 'a robot that pushes to Harbor's public "library"').
 */
const LIBRARY_WARNING = 'warning: project library (Harbor\'s own, which robot ci-push pushes to): public in Harbor, so anyone pulls its ' +
  'images without a login; Harbor makes it public at its first start, and no configuration declares it (Harbor.declareLibrary, which makes it private); make it private (Projects > ' +
  'library > Configuration, or PUT /api/v2.0/projects/library with {"metadata":{"public":"false"}} and X-Is-Resource-Name: true)';

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('configure.js against a fresh Harbor', () => {
  test('creates registries, projects and robots, and sets the declared robot secrets', async () => {
    const result = await run();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `waiting for Harbor at ${configure.harbor.url}`,
      'Harbor is up',
      'registry dockerhub: created',
      'registry quay: created',
      'project dockerhub: created',
      'project apps: created',
      'robot ci-push: created',
      'robot ci-push: secret set',
      LIBRARY_WARNING,
      'robot apps+deployer: created',
      'robot apps+deployer: secret set',
      'robot library+puller: created',
      'robot library+puller: secret set',
      'done: 2 registries, 2 projects, 3 robots',
    ]);

    const dockerhub = configure.harbor.registry('dockerhub')!;
    expect(dockerhub).toMatchObject({
      type: 'docker-hub', url: 'https://hub.docker.com', insecure: false, description: 'Docker Hub pull-through',
      credential: { type: 'basic', access_key: 'dockyard', access_secret: SECRETS.REGISTRY_DOCKERHUB_SECRET },
    });
    expect(configure.harbor.registry('quay')!.credential).toBeUndefined();
    expect(configure.harbor.requests.find((r) => r.method === 'POST' && r.body?.name === 'quay')!.body).not.toHaveProperty('credential');

    const proxy = configure.harbor.project('dockerhub')!;
    expect(proxy.registry_id).toBe(dockerhub.id);
    expect(proxy.metadata).toEqual({ public: 'true', proxy_speed_kb: '-1' });
    const apps = configure.harbor.project('apps')!;
    expect(apps.registry_id).toBeUndefined();
    expect(apps.metadata).toEqual({ public: 'false', auto_scan: 'true' });
    // Harbor makes the project's quota from the storage_limit of the creation request
    expect(configure.harbor.requests.find((r) => r.method === 'POST' && r.body?.project_name === 'apps')!.body.storage_limit).toBe(10737418240);
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: 10737418240 });
    expect(configure.harbor.quota('dockerhub')!.hard).toEqual({ storage: -1 });

    const ciPush = configure.harbor.robot('ci-push')!;
    expect(ciPush).toMatchObject({ level: 'system', project_id: 0, description: 'CI pushes', duration: -1, disable: false });
    expect(ciPush.permissions.map((p) => p.namespace)).toEqual(['library', 'apps']);
    expect(ciPush.secret).toBe(SECRETS.ROBOT_CI_PUSH_SECRET);
    const deployer = configure.harbor.robot('apps+deployer')!;
    expect(deployer).toMatchObject({ level: 'project', project_id: apps.project_id, duration: 30 });
    expect(deployer.secret).toBe(SECRETS.ROBOT_DEPLOYER_SECRET);
    expect(configure.harbor.robot('library+puller')!.secret).toBe(SECRETS.ROBOT_PULLER_SECRET);

    // exact-match lookups; the "+" of a project robot's name reaches Harbor double-escaped
    expect(configure.harbor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining([
      'GET /api/v2.0/registries?q=name%3Ddockerhub',
      'GET /api/v2.0/projects?q=name%3Dapps',
      'GET /api/v2.0/robots?q=name%3Dci-push',
      `GET /api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D${apps.project_id}%2Cname%3Dapps%252Bdeployer`,
    ]));
    expect(configure.harbor.writes().filter((w) => w.startsWith('PATCH'))).toEqual(
      [ciPush.id, deployer.id, configure.harbor.robot('library+puller')!.id].map((id) => `PATCH /api/v2.0/robots/${id}`),
    );
  });

  test('a second run changes nothing but re-applies the registry credentials and robot secrets', async () => {
    expect((await run()).code).toBe(0);
    const secretsBefore = [...configure.harbor.robots.values()].map((r) => r.secret);
    configure.harbor.requests.length = 0;

    const second = await run();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('project dockerhub: unchanged');
    expect(second.stdout).toContain('project apps: unchanged');
    expect(second.stdout).toContain('robot ci-push: unchanged');
    expect(second.stdout).toContain('robot ci-push: secret set');
    expect(second.stdout).toContain('registry dockerhub: updated');
    // an anonymous endpoint that matches is not written: every update makes Harbor health-check the upstream
    // (goharbor/harbor v2.15.1 src/controller/registry/controller.go:124-126)
    expect(second.stdout).toContain('registry quay: unchanged');
    const writes = configure.harbor.writes();
    expect(writes.filter((w) => w.startsWith('POST'))).toEqual([]);
    expect(writes.filter((w) => w.startsWith('PUT /api/v2.0/projects') || w.startsWith('PUT /api/v2.0/robots'))).toEqual([]);
    expect(writes.filter((w) => w.startsWith('PUT /api/v2.0/quotas'))).toEqual([]);
    expect(writes.filter((w) => w.startsWith('PATCH'))).toHaveLength(3);
    expect(writes.filter((w) => w.startsWith('PUT /api/v2.0/registries'))).toEqual([`PUT /api/v2.0/registries/${configure.harbor.registry('dockerhub')!.id}`]);
    // the registry update is flat and carries the secret again, since Harbor only shows "*****"
    const put = configure.harbor.requests.find((r) => r.method === 'PUT' && r.path === `/api/v2.0/registries/${configure.harbor.registry('dockerhub')!.id}`)!;
    expect(put.body).toEqual({
      name: 'dockerhub', description: 'Docker Hub pull-through', url: 'https://hub.docker.com',
      credential_type: 'basic', access_key: 'dockyard', access_secret: SECRETS.REGISTRY_DOCKERHUB_SECRET, insecure: false,
    });
    expect(configure.harbor.registry('dockerhub')!.credential!.access_secret).toBe(SECRETS.REGISTRY_DOCKERHUB_SECRET);
    expect([...configure.harbor.robots.values()].map((r) => r.secret)).toEqual(secretsBefore);
    expect(configure.harbor.robots.size).toBe(3);
    expect(configure.harbor.projects.size).toBe(3);
  });

  test('converges drifted projects and robots, and rotates a secret', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.project('dockerhub')!.metadata.public = 'false';
    configure.harbor.robot('ci-push')!.description = 'edited by hand';
    configure.harbor.robot('apps+deployer')!.permissions[0].access.push({ resource: 'repository', action: 'push' });

    const result = await run(config(), { ROBOT_CI_PUSH_SECRET: 'Rotated-Secret-2026' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('project dockerhub: updated (public)');
    expect(result.stdout).toContain('robot ci-push: updated (description)');
    expect(result.stdout).toContain('robot apps+deployer: updated (permissions)');
    expect(result.stdout).toContain('robot library+puller: unchanged');
    expect(result.output).not.toContain('Rotated-Secret-2026');
    expect(configure.harbor.project('dockerhub')!.metadata).toEqual({ public: 'true', proxy_speed_kb: '-1' });
    const ciPush = configure.harbor.robot('ci-push')!;
    expect(ciPush).toMatchObject({ description: 'CI pushes', disable: false, secret: 'Rotated-Secret-2026' });
    expect(configure.harbor.robot('apps+deployer')!.permissions[0].access).toEqual([{ resource: 'repository', action: 'pull' }]);
    // the robot update sends back what Harbor listed, prefix included, with the declared fields
    const put = configure.harbor.requests.find((r) => r.method === 'PUT' && r.path === `/api/v2.0/robots/${ciPush.id}`)!;
    expect(put.body).toMatchObject({ id: ciPush.id, name: 'robot$ci-push', level: 'system', description: 'CI pushes', duration: -1, disable: false });
  });
});

// An operator disables a robot in Harbor (after its secret leaked, say); a later apply runs the Job again, as finished
// Jobs are deleted after ten minutes. Harbor's update sets the flag from the body (goharbor/harbor v2.15.1
// src/server/v2.0/handler/robot.go updateV2Robot, r.Disabled = params.Robot.Disable), which would bring the robot back
// with the leaked secret: it is left disabled and not updated. Its secret is set (RefreshSec changes the secret
// alone, keeping the flag), so that a rotation reaches it before the operator enables it again (a review found the
// first version left the leaked secret in place, for the operator to enable).
describe('configure.js and robots disabled in Harbor', () => {
  const withStateKey = () => {
    const cfg = config();
    cfg.robots[0].stateKey = 'harbor/harbor-robot-ci-push/secret';
    return cfg;
  };

  test('a disabled robot is not updated but gets the rotated secret, keeps its flag, and its item fails naming the rotation', async () => {
    expect((await run()).code).toBe(0);
    const ciPush = configure.harbor.robot('ci-push')!;
    Object.assign(ciPush, { description: 'edited by hand', disable: true, secret: 'Operator-Refreshed-1' });
    const before = configure.harbor.requests.length;

    const result = await run(withStateKey(), { ROBOT_CI_PUSH_SECRET: 'Rotated-Secret-2026' });
    expect(result.code).toBe(1);
    // the rotation reached it; it stays disabled and as edited
    expect(configure.harbor.robot('ci-push')).toMatchObject({ disable: true, description: 'edited by hand', secret: 'Rotated-Secret-2026' });
    const writes = configure.harbor.requests.slice(before).filter((r) => r.method !== 'GET' && r.path.startsWith(`/api/v2.0/robots/${ciPush.id}`));
    expect(writes.map((r) => r.method)).toEqual(['PATCH']);
    const failure = lines(result.stderr).filter((l) => l.includes('robot ci-push:'));
    expect(failure).toEqual([expect.stringMatching(/^error: robot ci-push: disabled in Harbor, so left disabled and not updated \(its secret set to the state's\)/)]);
    expect(failure[0]).toContain('DOCKYARD_ROTATE=harbor/harbor-robot-ci-push/secret');
    expect(failure[0]).toContain('then enable it in Harbor; or retire it in code (Harbor.retireRobot)');
    expect(result.stderr).not.toContain('Rotated-Secret-2026');
    // the other robots are applied as usual
    expect(result.stdout).toContain('robot apps+deployer: unchanged');
    expect(result.stderr).toMatch(/1 of \d+ items not applied: robot ci-push \(failed\)/);
  });

  test('a disabled robot that has expired is not made anew, enabled, either', async () => {
    expect((await run()).code).toBe(0);
    const deployer = configure.harbor.robot('apps+deployer')!;
    Object.assign(deployer, { disable: true, expires_at: Math.floor(Date.now() / 1000) - 60 });
    const result = await run();
    expect(result.code).toBe(1);
    expect(configure.harbor.robot('apps+deployer')).toMatchObject({ id: deployer.id, disable: true });
    expect(result.stderr).toContain('robot apps+deployer: disabled in Harbor');
    // no state key in the configuration: the line says what to name
    expect(result.stderr).toContain('DOCKYARD_ROTATE=the state key of its secret, <namespace>/<secret>/<key>');
  });
});

// A robot that leaves the configuration keeps its permissions and its secret, which never expires: the Jobs delete
// only robots the configuration retires. Harbor's DeleteRobot (goharbor/harbor src/server/v2.0/handler/robot.go) looks
// the robot up by id first (404 for an unknown one) and deletes it, which ends every login with its secret.
describe('configure.js and retired robots', () => {
  /** The configuration without `ci-push`, which it retires instead. */
  const retiring = () => {
    const cfg = config();
    cfg.robots = cfg.robots.filter((r: any) => r.name !== 'ci-push');
    cfg.retiredRobots = ['ci-push'];
    return cfg;
  };

  test('deletes a retired robot that Harbor has, and leaves the others', async () => {
    expect((await run()).code).toBe(0);
    const ciPush = configure.harbor.robot('ci-push')!;
    configure.harbor.requests.length = 0;
    const result = await run(retiring(), { ROBOT_CI_PUSH_SECRET: undefined });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout).slice(-2)).toEqual(['robot ci-push: deleted (retired)', 'done: 2 registries, 2 projects, 2 robots, 1 retired robots (1 deleted, 0 already gone)']);
    expect(configure.harbor.robot('ci-push')).toBeUndefined();
    expect(configure.harbor.robot('apps+deployer')).toBeDefined();
    expect(configure.harbor.writes().filter((w) => w.startsWith('DELETE'))).toEqual([`DELETE /api/v2.0/robots/${ciPush.id}`]);
    // looked up by its exact name, as a declared system robot is
    expect(configure.harbor.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/v2.0/robots?q=name%3Dci-push');
  });

  test('a robot already gone is reported and left alone: the step is idempotent', async () => {
    expect((await run()).code).toBe(0);
    expect((await run(retiring())).code).toBe(0);
    configure.harbor.requests.length = 0;
    const again = await run(retiring());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('robot ci-push: retired, not in Harbor');
    // the summary tells a deletion from a robot that was already gone
    expect(lines(again.stdout).slice(-1)).toEqual(['done: 2 registries, 2 projects, 2 robots, 1 retired robots (0 deleted, 1 already gone)']);
    expect(configure.harbor.writes().filter((w) => w.startsWith('DELETE'))).toEqual([]);
  });

  test('only the robot of exactly that name is deleted: not a project robot of the name, nor a name ending in it', async () => {
    const withNeighbours = config();
    withNeighbours.robots.push(
      { ...withNeighbours.robots[0], name: 'old-ci-push', secretEnv: 'ROBOT_CI_PUSH_SECRET' },
      {
        name: 'ci-push', level: 'project', project: 'apps', duration: -1, secretEnv: 'ROBOT_CI_PUSH_SECRET',
        permissions: [{ kind: 'project', namespace: 'apps', access: [{ resource: 'repository', action: 'pull' }] }],
      },
    );
    expect((await run(withNeighbours)).code).toBe(0);
    const cfg = retiring();
    cfg.robots.push(...withNeighbours.robots.slice(-2));
    const result = await run(cfg);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('robot ci-push: deleted (retired)');
    expect(configure.harbor.robot('ci-push')).toBeUndefined();
    expect(configure.harbor.robot('old-ci-push')).toBeDefined();
    expect(configure.harbor.robot('apps+ci-push')).toBeDefined();
  });

  test('a name that may end another robot\'s, under a robot_name_prefix ending in a name character, is not deleted but named', async () => {
    configure.harbor.robotPrefix = 'bot-';
    // the robots are applied, and fail for the prefix (see "configure.js and Harbor's robot name prefix")
    expect((await run()).stderr).toContain('robot ci-push: Harbor\'s robot_name_prefix setting is "bot-"');
    expect(configure.harbor.robot('ci-push')).toBeDefined();
    const result = await run(retiring());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('robot ci-push: Harbor lists "bot-ci-push", which may be another robot whose name ends in "ci-push": not deleted; ' +
      'check the robot_name_prefix setting, and delete the robot by hand if it is this one');
    expect(configure.harbor.robot('ci-push')).toBeDefined();
    expect(configure.harbor.writes().filter((w) => w.startsWith('DELETE'))).toEqual([]);
  });

  test('a robot gone between its lookup and its delete (a 404) counts as retired; a 503 is retried', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.failNext('DELETE', /^\/api\/v2\.0\/robots\/\d+$/, 404, 1, { message: 'robot not found', applied: true });
    const gone = await run(retiring());
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain('robot ci-push: retired, not in Harbor');
    expect(configure.harbor.robot('ci-push')).toBeUndefined();
    expect((await run()).code).toBe(0);
    configure.harbor.failNext('DELETE', /^\/api\/v2\.0\/robots\/\d+$/, 503, 2);
    const retried = await run(retiring());
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain('robot ci-push: deleted (retired)');
    expect(configure.harbor.robot('ci-push')).toBeUndefined();
  });

  test('a retired robot whose delete fails is named at the end, after everything else is applied', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.failNext('DELETE', /^\/api\/v2\.0\/robots\/\d+$/, 500, 1, { message: 'database is locked' });
    const result = await run(retiring());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('robot apps+deployer: secret set');
    expect(result.stderr).toMatch(/robot ci-push: DELETE \/api\/v2\.0\/robots\/\d+ answered 500/);
    expect(result.stderr).toContain('1 of 7 items not applied: robot ci-push (failed)');
  });

  test('an invalid list of retired robots fails before any request', async () => {
    const both = retiring();
    both.robots = config().robots;
    expect((await run(both)).stderr).toBe('error: retiredRobots[0]: robot ci-push is declared under "robots" too; a robot is either declared or retired\n');
    const bad = retiring();
    bad.retiredRobots = ['CI-Push'];
    expect((await run(bad)).stderr).toBe('error: retiredRobots[0]: "CI-Push" must be a robot name: lower-case letters and digits separated by ".", "_" or "-"\n');
    const twice = retiring();
    twice.retiredRobots = ['old', 'old'];
    expect((await run(twice)).stderr).toBe('error: retired robot old is declared twice\n');
    const notList = retiring();
    notList.retiredRobots = 'ci-push';
    const result = await run(notList);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: configuration: field "retiredRobots" must be an array, got "ci-push"\n');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(configure.harbor.requests).toEqual([]);
  });
});

// A robot with a duration of N days expires N days after Harbor made it: the robot controller's Create counts expires_at
// from then (goharbor/harbor v2.15.2 src/controller/robot/controller.go:100-110), and no login passes once it is reached
// (src/server/middleware/security/robot.go:65-69). UpdateRobot recomputes expires_at only when the duration changes,
// from creation_time, never from now (src/server/v2.0/handler/robot.go:394-401); -1 sets it to -1. So an expired
// robot, or one a new duration counted from its creation leaves expired, works again only when made anew.
describe('configure.js and expiring robots', () => {
  const DAY = 86400;
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  /** Make robot `name` (as stored) as if Harbor had created it `days` days ago with its duration. */
  const age = (name: string, days: number) => {
    const robot = configure.harbor.robot(name)!;
    const created = nowSeconds() - days * DAY;
    robot.creation_time = new Date(created * 1000).toISOString();
    robot.expires_at = robot.duration === -1 ? -1 : created + robot.duration * DAY;
    return robot;
  };
  const withDuration = (days: number) => {
    const cfg = config();
    cfg.robots.find((r: any) => r.name === 'deployer').duration = days;
    return cfg;
  };

  test('the fake, as Harbor, counts a duration from creation, on create and on a change, and extends no expiry', async () => {
    expect((await run()).code).toBe(0);
    const deployer = configure.harbor.robot('apps+deployer')!;
    expect(deployer.expires_at - Date.parse(deployer.creation_time) / 1000).toBeCloseTo(30 * DAY, -1);
    expect(configure.harbor.robot('ci-push')!.expires_at).toBe(-1);
    expect(configure.harbor.robotCanLogIn('apps+deployer', SECRETS.ROBOT_DEPLOYER_SECRET)).toBe(true);
    const expired = age('apps+deployer', 31);
    expect(configure.harbor.robotCanLogIn('apps+deployer', SECRETS.ROBOT_DEPLOYER_SECRET)).toBe(false);
    const put = (body: object) => fetch(`${configure.harbor.url}/api/v2.0/robots/${expired.id}`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'robot$apps+deployer', level: 'project', description: 'x', disable: false, permissions: expired.permissions, ...body }),
    });
    const expiresAt = expired.expires_at;
    expect((await put({ duration: 30 })).status).toBe(200);
    expect(configure.harbor.robot('apps+deployer')!.expires_at).toBe(expiresAt);
    expect((await put({ duration: 40 })).status).toBe(200);
    expect(configure.harbor.robot('apps+deployer')!.expires_at).toBe(Date.parse(expired.creation_time) / 1000 + 40 * DAY);
    expect((await put({ duration: -1 })).status).toBe(200);
    expect(configure.harbor.robotCanLogIn('apps+deployer', SECRETS.ROBOT_DEPLOYER_SECRET)).toBe(true);
  });

  test('an expired robot is deleted and created anew, saying why, and logs in again with its secret', async () => {
    expect((await run()).code).toBe(0);
    const old = age('apps+deployer', 31);
    configure.harbor.requests.length = 0;
    const result = await run();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const robotLines = lines(result.stdout).filter((l) => l.startsWith('robot apps+deployer:'));
    expect(robotLines).toEqual([
      `robot apps+deployer: deleted to be created anew: it expired at ${iso(old.expires_at)} (expires_at), and Harbor extends no robot's expiry`,
      'robot apps+deployer: created',
      'robot apps+deployer: secret set',
    ]);
    const renewed = configure.harbor.robot('apps+deployer')!;
    expect(renewed.id).not.toBe(old.id);
    expect(renewed.duration).toBe(30);
    expect(configure.harbor.writes().filter((w) => w.includes('/robots'))).toEqual(expect.arrayContaining([
      `DELETE /api/v2.0/robots/${old.id}`, 'POST /api/v2.0/robots', `PATCH /api/v2.0/robots/${renewed.id}`,
    ]));
    expect(configure.harbor.robotCanLogIn('apps+deployer', SECRETS.ROBOT_DEPLOYER_SECRET)).toBe(true);
    // the others are left as they were
    expect(result.stdout).toContain('robot ci-push: unchanged');
    expect(configure.harbor.writes()).not.toContain(`DELETE /api/v2.0/robots/${configure.harbor.robot('ci-push')!.id}`);
  });

  test('a shorter duration that, counted from the robot\'s creation, has run out makes it anew instead of updating it', async () => {
    expect((await run()).code).toBe(0);
    const old = age('apps+deployer', 20);
    expect(configure.harbor.robotCanLogIn('apps+deployer', SECRETS.ROBOT_DEPLOYER_SECRET)).toBe(true);
    configure.harbor.requests.length = 0;
    const result = await run(withDuration(7));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const created = Math.floor(Date.parse(old.creation_time) / 1000);
    expect(result.stdout).toContain('robot apps+deployer: deleted to be created anew: Harbor counts the duration of 7 days (it was 30) from its ' +
      `creation at ${iso(created)}, so the update would leave it expired since ${iso(created + 7 * DAY)}`);
    expect(configure.harbor.writes()).not.toContain(`PUT /api/v2.0/robots/${old.id}`);
    const renewed = configure.harbor.robot('apps+deployer')!;
    expect(renewed).toMatchObject({ duration: 7 });
    expect(renewed.expires_at).toBeGreaterThan(nowSeconds() + 6 * DAY);
    expect(configure.harbor.robotCanLogIn('apps+deployer', SECRETS.ROBOT_DEPLOYER_SECRET)).toBe(true);
  });

  test('a duration change that leaves time is an update, and -1 lifts an expiry by an update: the robot is kept', async () => {
    expect((await run()).code).toBe(0);
    const old = age('apps+deployer', 20);
    const longer = await run(withDuration(60));
    expect(longer.code).toBe(0);
    expect(longer.stdout).toContain('robot apps+deployer: updated (duration)');
    expect(configure.harbor.robot('apps+deployer')).toMatchObject({ id: old.id, expires_at: Math.floor(Date.parse(old.creation_time) / 1000) + 60 * DAY });
    age('apps+deployer', 61);
    const never = await run(withDuration(-1));
    expect(never.code).toBe(0);
    expect(never.stdout).toContain('robot apps+deployer: updated (duration)');
    expect(configure.harbor.robot('apps+deployer')).toMatchObject({ id: old.id, expires_at: -1 });
    expect(configure.harbor.robotCanLogIn('apps+deployer', SECRETS.ROBOT_DEPLOYER_SECRET)).toBe(true);
  });

  test('a duration change on a robot whose creation_time is no date-time fails the robot, unchanged, naming the value', async () => {
    expect((await run()).code).toBe(0);
    const robot = configure.harbor.robot('apps+deployer')!;
    robot.creation_time = 'yesterday';
    const result = await run(withDuration(7));
    expect(result.code).toBe(1);
    expect(lines(result.stderr)[0]).toBe('error: robot apps+deployer: Harbor lists its creation_time as "yesterday", not a date-time, so ' +
      'whether a duration of 7 days, which Harbor counts from it, has run out cannot be told; not updated');
    expect(configure.harbor.robot('apps+deployer')).toMatchObject({ id: robot.id, duration: 30 });
  });

  test('an expired robot whose DELETE Harbor refuses fails the robot, and nothing is created or set on it', async () => {
    expect((await run()).code).toBe(0);
    const old = age('apps+deployer', 31);
    configure.harbor.failNext('DELETE', /^\/api\/v2\.0\/robots\/\d+$/, 400, 1, { message: 'bad request' });
    configure.harbor.requests.length = 0;
    const result = await run();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DELETE /api/v2.0/robots/${old.id}`);
    // the other robots get their secrets as on every run; this one only the refused DELETE, and no robot is created
    expect(configure.harbor.writes().filter((w) => w.endsWith(`/robots/${old.id}`) || w === 'POST /api/v2.0/robots'))
      .toEqual([`DELETE /api/v2.0/robots/${old.id}`]);
    expect(configure.harbor.robot('apps+deployer')).toMatchObject({ id: old.id, expires_at: old.expires_at });
  });

  test('an expired robot deleted meanwhile (its DELETE answers 404) is created anew all the same', async () => {
    expect((await run()).code).toBe(0);
    age('apps+deployer', 31);
    configure.harbor.failNext('DELETE', /^\/api\/v2\.0\/robots\/\d+$/, 404, 1, { message: 'robot not found', applied: true });
    const result = await run();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/robot apps\+deployer: deleted to be created anew: it expired at .*\nrobot apps\+deployer: created\n/);
    expect(configure.harbor.robotCanLogIn('apps+deployer', SECRETS.ROBOT_DEPLOYER_SECRET)).toBe(true);
  });
});

// A project's storage limit is the hard storage of its quota. Harbor makes the quota when it creates the project, from
// the request's storage_limit (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:231-239), but its
// UpdateProject never reads storage_limit (same file, :545-602), so a changed limit is applied through the quota API:
// GET /api/v2.0/quotas?reference=project&reference_id=<project id> (src/server/v2.0/handler/quota.go:56-90, exact
// filters in src/pkg/quota/dao/util.go:66-72) and PUT /api/v2.0/quotas/{id} with { "hard": { "storage": <bytes> } }
// (quota.go:92-122; QuotaUpdateReq in api/v2.0/swagger.yaml), -1 being unlimited (src/lib/quota_storage_limit.go:23-35).
// While quota_per_project_enable is off Harbor makes no quota at all (project.go:128-143).
describe('configure.js and project storage limits', () => {
  const GIB = 2 ** 30;
  const withLimit = (bytes: number) => {
    const cfg = config();
    cfg.projects.find((p: any) => p.name === 'apps').storageLimit = bytes;
    return cfg;
  };
  const quotaWrites = () => configure.harbor.requests.filter((r) => r.method === 'PUT' && r.path.startsWith('/api/v2.0/quotas'));

  test('a changed storage limit is applied to the existing project\'s quota on the next run', async () => {
    expect((await run()).code).toBe(0);
    const apps = configure.harbor.project('apps')!;
    const quotaId = configure.harbor.quota('apps')!.id;
    expect(quotaId).not.toBe(apps.project_id);
    configure.harbor.requests.length = 0;

    const result = await run(withLimit(20 * GIB));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // the log names the old and the new limit, which are no secrets
    expect(result.stdout).toContain(`project apps: updated (storage_limit ${10 * GIB} -> ${20 * GIB})\n`);
    expect(result.stdout).toContain('project dockerhub: unchanged\n');
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: 20 * GIB });
    expect(configure.harbor.requests.map((r) => `${r.method} ${r.path}`)).toContain(`GET /api/v2.0/quotas?reference=project&reference_id=${apps.project_id}`);
    expect(quotaWrites().map((r) => [r.path, r.body])).toEqual([[`/api/v2.0/quotas/${quotaId}`, { hard: { storage: 20 * GIB } }]]);
    // the project itself is not written: Harbor would ignore a storage_limit there
    expect(configure.harbor.writes().filter((w) => w.startsWith('PUT /api/v2.0/projects'))).toEqual([]);

    // back to unlimited: -1, as the configuration encodes it (lib/harbor/configuration.ts projectState)
    const unlimited = await run(withLimit(-1));
    expect(unlimited.code).toBe(0);
    expect(unlimited.stdout).toContain(`project apps: updated (storage_limit ${20 * GIB} -> -1)\n`);
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: -1 });
  });

  // Harbor takes a limit below what the project stores (UpdateQuota validates the limit alone: goharbor/harbor v2.15.1
  // src/server/v2.0/handler/quota.go:92-122), then refuses every write that adds to it, as it checks the new usage
  // against the limit (src/pkg/quota/util.go IsSafe): the run passes, so its log says so, on every run while it lasts
  test('a storage limit below what the project stores is applied with a warning, on every run until it fits', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.quota('apps')!.used = { storage: 15 * GIB };
    const warning = `warning: project apps: it stores ${15 * GIB} bytes, more than its storageLimit of ${12 * GIB} bytes: Harbor refuses ` +
      'every push to it, and a proxy cache caches nothing more, until it stores less; raise the limit, or delete artifacts from it\n';

    const lowered = await run(withLimit(12 * GIB));
    expect(lowered.code).toBe(0);
    expect(lowered.stdout).toContain(warning);
    expect(lowered.stdout).toContain(`project apps: updated (storage_limit ${10 * GIB} -> ${12 * GIB})\n`);
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: 12 * GIB });
    // the next run writes nothing, and still warns
    const again = await run(withLimit(12 * GIB));
    expect(again.stdout).toContain(warning);
    expect(again.stdout).toContain('project apps: unchanged\n');

    // a limit it fits in, or none, warns no more
    for (const limit of [15 * GIB, 20 * GIB, -1]) {
      const fits = await run(withLimit(limit));
      expect(fits.code).toBe(0);
      expect(fits.stdout).not.toContain('warning: project apps');
    }
  });

  test('an unchanged storage limit makes no quota write', async () => {
    expect((await run(withLimit(20 * GIB))).code).toBe(0);
    configure.harbor.requests.length = 0;
    const result = await run(withLimit(20 * GIB));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('project apps: unchanged\n');
    expect(quotaWrites()).toEqual([]);
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: 20 * GIB });
  });

  test('a quota changed by hand in Harbor is set back, together with drifted metadata, in one line', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.quota('apps')!.hard.storage = 5 * GIB;
    configure.harbor.project('apps')!.metadata.public = 'true';
    const result = await run();
    expect(result.code).toBe(0);
    expect(lines(result.stdout).filter((l) => l.startsWith('project apps:'))).toEqual([`project apps: updated (public, storage_limit ${5 * GIB} -> ${10 * GIB})`]);
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: 10737418240 });
    expect(configure.harbor.project('apps')!.metadata.public).toBe('false');
  });

  test('a quota write that hits a transient error is retried', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.failNext('PUT', /^\/api\/v2\.0\/quotas\/\d+$/, 503, 2);
    const result = await run(withLimit(30 * GIB));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/project apps: Harbor not ready \(PUT \/api\/v2\.0\/quotas\/\d+ answered 503/);
    expect(result.stdout).toContain(`project apps: updated (storage_limit ${10 * GIB} -> ${30 * GIB})\n`);
    expect(quotaWrites()).toHaveLength(3);
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: 30 * GIB });
  });

  // Harbor creates no quota, and drops storage_limit without an error, while quota_per_project_enable is off
  // (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:128-143): the first run fails as every later one does
  test('a project Harbor keeps no quota for fails when a limit is declared, from its creation, and passes when none is', async () => {
    configure.harbor.quotaPerProject = false;
    const first = await run();
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('project apps: created\n');
    expect(first.stderr).toContain('project apps: Harbor keeps no storage quota for it');
    // created, so its robots go ahead
    expect(first.stdout).toContain('robot apps+deployer: created\n');
    expect(configure.harbor.quota('apps')).toBeUndefined();

    const result = await run();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('project apps: Harbor keeps no storage quota for it (none is made while quota_per_project_enable is off), '
      + 'so its storageLimit of 10737418240 bytes cannot be applied; turn per-project quotas on in Harbor, or declare no storage limit');
    expect(result.stderr).toContain('1 of 7 items not applied: project apps (failed)');
    // the project exists: its robots are not held up by it, so a rotated secret still reaches Harbor
    expect(result.stdout).toContain('robot apps+deployer: secret set\n');
    // the unlimited proxy cache has no quota either, and needs none
    expect(result.stdout).toContain('project dockerhub: unchanged\n');
    expect(quotaWrites()).toEqual([]);

    const unlimited = await run(withLimit(-1));
    expect(unlimited.code).toBe(0);
    expect(unlimited.stdout).toContain('project apps: unchanged\n');
  });

  test('drifted metadata is set back even when the declared quota cannot be applied', async () => {
    configure.harbor.quotaPerProject = false;
    await run();
    configure.harbor.project('apps')!.metadata.public = 'true';
    const result = await run();
    expect(result.code).toBe(1);
    expect(configure.harbor.project('apps')!.metadata.public).toBe('false');
    expect(result.stderr).toContain('project apps: Harbor keeps no storage quota for it');
  });
});

describe('configure.js waiting and retrying', () => {
  test('waits through 503 pings, then configures', async () => {
    configure.harbor.pingFailures = 3;
    const result = await run();
    expect(result.code).toBe(0);
    expect(configure.harbor.requests.filter((r) => r.path === '/api/v2.0/ping')).toHaveLength(4);
    expect(result.stdout).toMatch(/ping: Harbor not ready \(GET \/api\/v2\.0\/ping answered 503.*\); retrying/);
    expect(result.stdout).toContain('done:');
  });

  // Harbor's read_only setting refuses every change with a 403 of code DENIED (goharbor/harbor v2.15.1
  // src/server/middleware/readonly/readonly.go, src/core/middlewares/middlewares.go readonlySkippers): an admin's
  // maintenance window, not a missing right. A Job that stopped at the first 403 was deleted ten minutes after it
  // failed, leaving a rotated robot secret out of Harbor, while the pull Secrets carried it, until a later apply.
  test('a rotation applied while Harbor is read-only waits for it to be turned off, then sets the secret', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.readOnly = true;
    const result = await run(config(), { ROBOT_CI_PUSH_SECRET: 'Rotated-Secret-2026', HARBOR_WAIT_SECONDS: '10' }, (stdout) => {
      if (stdout.includes('answered 403: Harbor is in read-only mode')) configure.harbor.readOnly = false;
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: Harbor not ready \((PUT|PATCH) \/api\/v2\.0\/\S+ answered 403: Harbor is in read-only mode \(its read_only setting, Repository Read Only under Configuration > System Settings\), which refuses every change until an admin turns it off\); retrying every 10ms\n/);
    expect(configure.harbor.robot('ci-push')!.secret).toBe('Rotated-Secret-2026');
    expect(result.stdout).toContain('done:');
  });

  test('a read-only mode that outlasts the budget fails the run naming the setting, not the admin\'s right', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.readOnly = true;
    const result = await run(config(), { HARBOR_WAIT_SECONDS: '1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Harbor still not ready after 1s \(HARBOR_WAIT_SECONDS\): (PUT|PATCH) \/api\/v2\.0\/\S+ answered 403: Harbor is in read-only mode/);
    expect(result.stderr).not.toContain('system administrator');
    expect(configure.harbor.robot('ci-push')!.secret).toBe(SECRETS.ROBOT_CI_PUSH_SECRET);
  });

  test('retries a step that hit a transient error without duplicating anything', async () => {
    // the create is applied but its answer lost: the retry must find the robot, not create another
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/robots$/, 502, 1, { applied: true });
    configure.harbor.failNext('PATCH', /^\/api\/v2\.0\/robots\/\d+$/, 504, 2);
    const result = await run();
    expect(result.code).toBe(0);
    expect(configure.harbor.robots.size).toBe(3);
    expect(configure.harbor.robot('ci-push')!.secret).toBe(SECRETS.ROBOT_CI_PUSH_SECRET);
    expect(configure.harbor.writes().filter((w) => w === 'POST /api/v2.0/robots')).toHaveLength(3);
    expect(result.stdout).toContain('robot ci-push: unchanged');
  });

  // Harbor health-checks the upstream on every registry create and update and answers 400 "the registry is unhealthy"
  // when it is down (goharbor/harbor v2.15.1 src/controller/registry/controller.go:100-107, called by Create and
  // Update at :82 and :125): a brief upstream outage, so retried with backoff.
  const UNHEALTHY = { message: 'the registry is unhealthy' };

  test('retries a registry create while Harbor finds the upstream unhealthy, backing off', async () => {
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/registries$/, 400, 3, UNHEALTHY);
    const cfg = config();
    cfg.registries = cfg.registries.filter((r: any) => r.name === 'dockerhub');
    const result = await run(cfg, { HARBOR_RETRY_INTERVAL_MS: '10' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const retries = lines(result.stdout).filter((l) => l.includes('upstream registry unhealthy'));
    expect(retries[0]).toBe('registry dockerhub: upstream registry unhealthy (POST /api/v2.0/registries answered 400: '
      + '{"errors":[{"code":"BAD_REQUEST","message":"the registry is unhealthy"}]}); retrying after the items that do not need it');
    // the first retry comes 10ms after the first pass, then the pause doubles
    expect(retries.slice(1).map((l) => /retrying in (\d+)ms$/.exec(l)![1])).toEqual(['20', '40']);
    expect(configure.harbor.writes().filter((w) => w === 'POST /api/v2.0/registries')).toHaveLength(4);
    expect(configure.harbor.registry('dockerhub')).toBeDefined();
    expect(configure.harbor.project('dockerhub')!.registry_id).toBe(configure.harbor.registry('dockerhub')!.id);
  });

  test('retries a registry update while Harbor finds the upstream unhealthy', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.failNext('PUT', /^\/api\/v2\.0\/registries\/\d+$/, 400, 2, UNHEALTHY);
    const result = await run();
    expect(result.code).toBe(0);
    expect(lines(result.stdout).filter((l) => l.startsWith('registry dockerhub: upstream registry unhealthy'))).toHaveLength(2);
    expect(result.stdout).toContain('registry dockerhub: updated');
  });

  test('an upstream still unhealthy at the deadline fails its registry and project only', async () => {
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/registries$/, 400, 1000, UNHEALTHY);
    const result = await run(config(), { HARBOR_WAIT_SECONDS: '0' });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'error: registry dockerhub: the upstream registry was still unhealthy when the run\'s retry budget ran out (HARBOR_WAIT_SECONDS=0): '
      + 'POST /api/v2.0/registries answered 400: {"errors":[{"code":"BAD_REQUEST","message":"the registry is unhealthy"}]}',
      'error: registry quay: the upstream registry was still unhealthy when the run\'s retry budget ran out (HARBOR_WAIT_SECONDS=0): '
      + 'POST /api/v2.0/registries answered 400: {"errors":[{"code":"BAD_REQUEST","message":"the registry is unhealthy"}]}',
      'error: 3 of 7 items not applied: registry dockerhub (failed), registry quay (failed), project dockerhub (registry dockerhub not applied)',
    ]);
    expect(result.stdout).toContain('robot library+puller: secret set');
  });

  // Harbor health-checks the upstream on every registry update too (goharbor/harbor v2.15.1
  // src/controller/registry/controller.go:100-107, Update at :124-126), so an existing registry's PUT can fail for as
  // long as the upstream is down. The registry, its proxy-cache project and the robots on that project exist all the
  // same: a robot secret rotated in the cluster must still be set in Harbor, or every pull with the new one gets 401.
  test('an existing registry whose update stays unhealthy still lets its project and robots be applied, and the run fails naming it', async () => {
    const cfg = config();
    cfg.robots.push({
      name: 'hub-puller', level: 'system', project: null, duration: -1,
      permissions: [{ kind: 'project', namespace: 'dockerhub', access: [{ resource: 'repository', action: 'pull' }] }],
      secretEnv: 'ROBOT_PULLER_SECRET',
    });
    expect((await run(cfg)).code).toBe(0);
    const project = { ...configure.harbor.project('dockerhub')! };
    const hubPuller = configure.harbor.robot('hub-puller')!;
    configure.harbor.requests.length = 0;
    configure.harbor.failNext('PUT', /^\/api\/v2\.0\/registries\/\d+$/, 400, 1000, UNHEALTHY);

    const rotated = 'Rotated-Puller-2026';
    const result = await run(cfg, { ROBOT_PULLER_SECRET: rotated, HARBOR_WAIT_SECONDS: '1', HARBOR_RETRY_INTERVAL_MS: '50' });
    expect(result.code).toBe(1);
    expect(result.output).not.toContain(rotated);
    // the rotated secret is set, on the robot of the proxy-cache project too
    expect(configure.harbor.writes()).toContain(`PATCH /api/v2.0/robots/${hubPuller.id}`);
    expect(configure.harbor.robot('hub-puller')!.secret).toBe(rotated);
    expect(configure.harbor.robot('library+puller')!.secret).toBe(rotated);
    expect(result.stdout).toContain('project dockerhub: unchanged');
    expect(result.stdout).toContain('robot hub-puller: secret set');
    expect(configure.harbor.project('dockerhub')).toEqual(project);
    // the matching anonymous endpoint is not written at all, the one with a secret is retried until the budget runs out
    expect(result.stdout).toContain('registry quay: unchanged');
    expect(configure.harbor.writes().filter((w) => w.startsWith('PUT /api/v2.0/registries/')).every((w) => w === `PUT /api/v2.0/registries/${configure.harbor.registry('dockerhub')!.id}`)).toBe(true);
    expect(lines(result.stderr)).toEqual([
      'error: registry dockerhub: the upstream registry was still unhealthy when the run\'s retry budget ran out (HARBOR_WAIT_SECONDS=1): '
      + `PUT /api/v2.0/registries/${configure.harbor.registry('dockerhub')!.id} answered 400: {"errors":[{"code":"BAD_REQUEST","message":"the registry is unhealthy"}]}`,
      'error: 1 of 8 items not applied: registry dockerhub (failed)',
    ]);
  });

  // Same upstream health check on create (controller.go:100-107, Create at :82); bad upstream credentials give the
  // same 400 (the native adapter's HealthCheck reports a failed ping as unhealthy). With several upstreams down the
  // run must not spend HARBOR_WAIT_SECONDS on each in turn, nor before the items that do not need them: the Job
  // (activeDeadlineSeconds 3600) would kill it before the robots and before it prints what it did not apply.
  test('several upstreams unhealthy past the budget: the independent items are applied first, the run ends within one budget and names what it did not apply', async () => {
    const cfg = config();
    for (const name of ['ghcr', 'gcr', 'ecr']) {
      cfg.registries.push({ name, type: 'docker-registry', url: `https://${name}.example` });
      cfg.projects.push({ name: `${name}-cache`, public: true, registry: name });
    }
    cfg.robots.push({
      name: 'cache-puller', level: 'system', project: null, duration: -1,
      permissions: [{ kind: 'project', namespace: 'ghcr-cache', access: [{ resource: 'repository', action: 'pull' }] }],
      secretEnv: 'ROBOT_PULLER_SECRET',
    });
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/registries$/, 400, 1000, UNHEALTHY);
    // the first ping wait counts against the same budget
    configure.harbor.pingFailures = 3;
    const result = await run(cfg, { HARBOR_WAIT_SECONDS: '2', HARBOR_RETRY_INTERVAL_MS: '100' });
    expect(result.code).toBe(1);

    const out = lines(result.stdout);
    const firstRetry = out.findIndex((l) => l.startsWith('retrying 5 registries whose upstream Harbor found unhealthy'));
    expect(firstRetry).toBeGreaterThan(0);
    for (const applied of ['project apps: created', 'robot ci-push: secret set', 'robot apps+deployer: secret set', 'robot library+puller: secret set']) {
      expect(out.indexOf(applied)).toBeGreaterThan(0);
      expect(out.indexOf(applied)).toBeLessThan(firstRetry);
    }
    expect(configure.harbor.robot('ci-push')!.secret).toBe(SECRETS.ROBOT_CI_PUSH_SECRET);
    expect(configure.harbor.robot('cache-puller')).toBeUndefined();
    // one budget for the run, read from what was sent rather than from the clock, which a loaded machine slows: every
    // registry is tried in each round, in turn (each retried to a budget of its own, one after the other, 5 of them
    // would take 5 budgets), and in no more rounds than the backoff fits in the one budget of 2000 ms: pauses of 100,
    // 200, 400 and 800 ms add up to 1500, a fifth round's 1600 more would end past it. A pause lasts at least its
    // time, so a slow run makes fewer rounds, never more
    const names = ['dockerhub', 'quay', 'ghcr', 'gcr', 'ecr'];
    const posts = configure.harbor.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2.0/registries').map((r) => r.body.name);
    expect(posts.length % names.length).toBe(0);
    expect(posts).toEqual(posts.map((_, i) => names[i % names.length]));
    const rounds = posts.length / names.length;
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(rounds).toBeLessThanOrEqual(1 + 4);
    expect(lines(result.stderr).pop()).toBe('error: 10 of 14 items not applied: registry dockerhub (failed), registry quay (failed), registry ghcr (failed), '
      + 'registry gcr (failed), registry ecr (failed), project dockerhub (registry dockerhub not applied), project ghcr-cache (registry ghcr not applied), '
      + 'project gcr-cache (registry gcr not applied), project ecr-cache (registry ecr not applied), robot cache-puller (project ghcr-cache not applied)');
  });

  test('another 400 of a registry create is not retried', async () => {
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/registries$/, 400, 1, { message: 'invalid url' });
    const result = await run();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: registry dockerhub: POST /api/v2.0/registries answered 400 Bad Request');
    expect(result.stdout).not.toContain('retrying');
  });

  // Harbor holds a registry create or update until it has health-checked the upstream (goharbor/harbor v2.15.1
  // src/controller/registry/controller.go:95-107, Update at :124-126), and its clients wait up to 30 s to connect and
  // minutes for an answer (src/common/http/transport.go:65-73, src/pkg/registry/client.go:67-90): a slow upstream makes
  // a slow answer, which used to end the run as "Harbor not ready". Scaled down: HARBOR_REQUEST_TIMEOUT_MS 3000 stands
  // for its 30 s default, HARBOR_REGISTRY_TIMEOUT_MS 12000 for 120 s, a 3.5 s answer for a 35 s one (wide enough that
  // a loaded machine's first request does not pass for a slow one), HARBOR_WAIT_SECONDS 90 for 900: a registry write's
  // timeout is cut to what is left of the budget, and the harness's 5 s left less than 3.5 s to a run that took over
  // 1.5 s to reach the write, as a loaded machine's may.
  const REGISTRY_WRITES = /^\/api\/v2\.0\/registries$/;
  const REGISTRY_UPDATES = /^\/api\/v2\.0\/registries\/\d+$/;
  const SCALED = { HARBOR_REQUEST_TIMEOUT_MS: '3000', HARBOR_REGISTRY_TIMEOUT_MS: '12000', HARBOR_WAIT_SECONDS: '90' };
  const SLOW = 'Harbor checks the upstream registry on every registry write, and a slow or unreachable upstream holds its answer up';

  test('a registry answer slower than the request timeout is waited for, on create and on update', async () => {
    // an existing install, on a second fake that an ordinary run set up: a registry with credentials is written on
    // every run. Its update runs beside the create on this test's fake, so that the test waits out one slow answer,
    // not two in a row
    const existing = await FakeHarbor.start({ password: ADMIN_PASSWORD });
    try {
      expect((await run(config(), { HARBOR_URL: existing.url })).code).toBe(0);
      configure.harbor.delayNext('POST', REGISTRY_WRITES, 3500);
      existing.delayNext('PUT', REGISTRY_UPDATES, 3500);
      const [created, updated] = await Promise.all([run(config(), SCALED), run(config(), { ...SCALED, HARBOR_URL: existing.url })]);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      expect(created.stdout).not.toContain('retrying');
      expect(created.stdout).toContain('registry dockerhub: created\n');
      expect(configure.harbor.writes().filter((w) => w === 'POST /api/v2.0/registries')).toHaveLength(2);

      expect(updated.stderr).toBe('');
      expect(updated.code).toBe(0);
      expect(updated.stdout).not.toContain('retrying');
      expect(updated.stdout).toContain('registry dockerhub: updated\n');
    } finally {
      await existing.close();
    }
  });

  test('a registry write that times out is retried as an unhealthy upstream: the other items go first, and the registry Harbor made meanwhile is found, not made twice', async () => {
    // answered, and created, 700 ms after the request: past the 300 ms timeout, well before the retry 2500 ms later;
    // a budget that leaves room for that retry however long the other items take (the run ends once it succeeds)
    configure.harbor.delayNext('POST', REGISTRY_WRITES, 700);
    const result = await run(config(), { HARBOR_REGISTRY_TIMEOUT_MS: '300', HARBOR_RETRY_INTERVAL_MS: '2500', HARBOR_WAIT_SECONDS: '60' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[2]).toBe(`registry dockerhub: upstream registry unhealthy (POST /api/v2.0/registries: no answer within 0.3s; ${SLOW}); retrying after the items that do not need it`);
    const retry = out.findIndex((l) => l.startsWith('retrying 1 registry whose upstream Harbor found unhealthy (dockerhub)'));
    expect(retry).toBeGreaterThan(2);
    for (const applied of ['registry quay: created', 'project apps: created', 'robot ci-push: secret set', 'robot apps+deployer: secret set', 'robot library+puller: secret set']) {
      expect(out.indexOf(applied)).toBeGreaterThan(2);
      expect(out.indexOf(applied)).toBeLessThan(retry);
    }
    // looked up again before any new POST: found, and written like an existing one
    expect(out.slice(retry + 1)).toEqual(['registry dockerhub: updated', 'project dockerhub: created', 'done: 2 registries, 2 projects, 3 robots']);
    expect(configure.harbor.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2.0/registries' && r.body.name === 'dockerhub')).toHaveLength(1);
    expect(configure.harbor.project('dockerhub')!.registry_id).toBe(configure.harbor.registry('dockerhub')!.id);
  });

  test('an existing registry whose update stays slow past the budget fails alone, and the rotated robot secrets are set', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.delayNext('PUT', REGISTRY_UPDATES, 600, 1000);
    const rotated = 'Rotated-Puller-2026';
    const result = await run(config(), { ROBOT_PULLER_SECRET: rotated, HARBOR_REGISTRY_TIMEOUT_MS: '200', HARBOR_WAIT_SECONDS: '1', HARBOR_RETRY_INTERVAL_MS: '100' });
    expect(result.code).toBe(1);
    expect(result.output).not.toContain(rotated);
    expect(configure.harbor.robot('library+puller')!.secret).toBe(rotated);
    expect(result.stdout).toContain('project dockerhub: unchanged\n');
    expect(result.stdout).toContain('robot ci-push: secret set\n');
    expect(lines(result.stderr)).toEqual([
      'error: registry dockerhub: the upstream registry was still unhealthy when the run\'s retry budget ran out (HARBOR_WAIT_SECONDS=1): '
      + `PUT /api/v2.0/registries/${configure.harbor.registry('dockerhub')!.id}: no answer within 0.2s; ${SLOW}`,
      'error: 1 of 7 items not applied: registry dockerhub (failed)',
    ]);
  });

  test('a request timeout of 0 is refused before any request', async () => {
    const result = await run(config(), { HARBOR_REGISTRY_TIMEOUT_MS: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: HARBOR_REGISTRY_TIMEOUT_MS "0" must be a positive integer\n');
    expect(configure.harbor.requests).toEqual([]);
  });

  // Harbor's Docker Hub adapter logs in while it is built, so a login Hub refuses (a wrong token, an outage, a 429) ends
  // a registry write with a bare 500 (the fake's dockerHubRefusesLogin, which cites Harbor): retried as an unhealthy
  // upstream, and named with a hint.
  const HUB_500 = 'answered 500: {"errors":[{"code":"UNKNOWN","message":"internal server error"}]} '
    + '(for docker-hub, check the upstream username and token; Harbor core\'s log has the cause)';

  test('a 500 on another type\'s registry write is Harbor\'s own failure: reported at once, not retried as the upstream', async () => {
    // the first POST is Docker Hub's (retried as its upstream), the second quay's
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/registries$/, 500, 2, { message: 'database is locked' });
    // a budget that leaves room for Docker Hub's retry however long the other items take (it succeeds, ending the run)
    const result = await run(config(), { HARBOR_WAIT_SECONDS: '60', HARBOR_RETRY_INTERVAL_MS: '100' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('registry dockerhub: upstream registry unhealthy');
    expect(result.stdout).toContain('registry dockerhub: created\n');
    expect(result.stdout).not.toContain('registry quay: upstream registry unhealthy');
    expect(configure.harbor.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2.0/registries' && r.body.name === 'quay')).toHaveLength(1);
    expect(result.stderr).toContain('error: registry quay: POST /api/v2.0/registries answered 500');
  });

  test('a Docker Hub login Harbor cannot make is retried with the unhealthy upstreams, and named with a hint once the budget runs out', async () => {
    configure.harbor.dockerHubRefusesLogin = true;
    const result = await run(config(), { HARBOR_WAIT_SECONDS: '3', HARBOR_RETRY_INTERVAL_MS: '100' });
    expect(result.code).toBe(1);
    expect(lines(result.stdout)[2]).toBe(`registry dockerhub: upstream registry unhealthy (POST /api/v2.0/registries ${HUB_500}); retrying after the items that do not need it`);
    expect(result.stdout).toContain('registry quay: created\n');
    expect(result.stdout).toContain('robot library+puller: secret set\n');
    expect(configure.harbor.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2.0/registries' && r.body.name === 'dockerhub').length).toBeGreaterThan(1);
    expect(lines(result.stderr)).toEqual([
      `error: registry dockerhub: the upstream registry was still unhealthy when the run's retry budget ran out (HARBOR_WAIT_SECONDS=3): POST /api/v2.0/registries ${HUB_500}`,
      'error: 2 of 7 items not applied: registry dockerhub (failed), project dockerhub (registry dockerhub not applied)',
    ]);
    expect(configure.harbor.registry('dockerhub')).toBeUndefined();
  });

  test('a Docker Hub login that works again within the budget converges, on create and on update', async () => {
    configure.harbor.dockerHubRefusesLogin = true;
    const recover = (stdout: string) => {
      if (stdout.includes('registry dockerhub: upstream registry unhealthy')) {
        configure.harbor.dockerHubRefusesLogin = false;
      }
    };
    const created = await run(config(), {}, recover);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(configure.harbor.project('dockerhub')!.registry_id).toBe(configure.harbor.registry('dockerhub')!.id);

    configure.harbor.dockerHubRefusesLogin = true;
    const updated = await run(config(), {}, recover);
    expect(updated.stderr).toBe('');
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain(`registry dockerhub: upstream registry unhealthy (PUT /api/v2.0/registries/${configure.harbor.registry('dockerhub')!.id} ${HUB_500})`);
    expect(updated.stdout).toContain('registry dockerhub: updated\n');
  });

  test('gives up once HARBOR_WAIT_SECONDS has passed', async () => {
    configure.harbor.pingFailures = 1000;
    const result = await run(config(), { HARBOR_WAIT_SECONDS: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: ping: Harbor still not ready after 0s \(HARBOR_WAIT_SECONDS\): GET \/api\/v2\.0\/ping answered 503/);
    expect(configure.harbor.requests).toHaveLength(1);
  });
});

// Dockyard splits a large configuration over several Jobs that run at the same time (lib/harbor/configure-job.ts): a
// robot's permissions may name a project that another chunk's Job creates, such as the shared "dockerhub" proxy cache.
// Harbor refuses such a robot while the project does not exist: it resolves each permission's project by name
// (goharbor/harbor v2.15.1 src/controller/robot/controller.go: Create at :99 calls createPermission at :140, whose
// toScope at :361-379 calls the project manager's Get, which answers the NotFound "project %s not found" of
// src/pkg/project/dao/dao.go:153, a 404), and the transaction middleware rolls back the robot row it wrote first, as
// it does for any answer that is not a success (src/server/middleware/transaction/transaction.go:62-63, installed for
// every write in src/core/middlewares/middlewares.go:97). The fake answers the same 404 and creates nothing.
describe('configure.js chunks run in parallel', () => {
  const pull = (namespace: string) => ({ kind: 'project', namespace, access: [{ resource: 'repository', action: 'pull' }] });
  /** The first chunk: the Docker Hub proxy cache. */
  const first = () => ({ registries: [config().registries[0]], projects: [config().projects[0]], robots: [] });
  /** Another chunk: a team's project, a robot on it alone, and one that also pulls from the first chunk's proxy cache. */
  const team = () => ({
    registries: [],
    projects: [{ name: 'team-b', public: false, registry: null, storageLimit: -1, metadata: {} }],
    robots: [
      { name: 'team-b-push', level: 'system', project: null, duration: -1, permissions: [pushPull('team-b')], secretEnv: 'ROBOT_DEPLOYER_SECRET' },
      { name: 'team-b-pull', level: 'system', project: null, duration: -1, permissions: [pull('team-b'), pull('dockerhub')], secretEnv: 'ROBOT_PULLER_SECRET' },
    ],
  });
  const WAITING = 'project dockerhub: not in Harbor yet and not declared here (another configuration\'s Job creates it); its robots wait for it';

  test('a robot whose project another chunk creates waits for it, with the chunk\'s other items applied first', async () => {
    let started: Promise<ConfigureRun> | undefined;
    let pushBeforeFirst: boolean | undefined;
    const waiting = run(team(), { HARBOR_RETRY_INTERVAL_MS: '20', HARBOR_WAIT_SECONDS: '10' }, (stdout) => {
      // the first chunk's Job starts only once this one waits for its project
      if (!started && stdout.includes(WAITING)) {
        pushBeforeFirst = configure.harbor.robot('team-b-push')?.secret === SECRETS.ROBOT_DEPLOYER_SECRET;
        started = run(first());
      }
    });
    const result = await waiting;
    expect(started).toBeDefined();
    expect((await started!).code).toBe(0);
    expect(pushBeforeFirst).toBe(true);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out.slice(0, 7)).toEqual([
      `waiting for Harbor at ${configure.harbor.url}`,
      'Harbor is up',
      'project team-b: created',
      'robot team-b-push: created',
      'robot team-b-push: secret set',
      WAITING,
      'robot team-b-pull: created',
    ]);
    expect(out.slice(7)).toEqual(['robot team-b-pull: secret set', 'done: 0 registries, 1 projects, 2 robots']);
    expect(configure.harbor.robot('team-b-pull')).toMatchObject({ secret: SECRETS.ROBOT_PULLER_SECRET });
    expect(configure.harbor.robot('team-b-pull')!.permissions.map((p) => p.namespace)).toEqual(['team-b', 'dockerhub']);
    // it looked the project up until it was there, and never asked Harbor for the robot before
    expect(configure.harbor.writes().filter((w) => w === 'POST /api/v2.0/robots')).toHaveLength(2);
    expect(configure.harbor.requests.filter((r) => r.path === '/api/v2.0/projects?q=name%3Ddockerhub').length).toBeGreaterThan(2);
  });

  test('chunks started together converge, even when the first one waits for its upstream', async () => {
    // the first chunk's proxy cache comes late: Harbor finds Docker Hub unhealthy five times, for 50+100+...+800 ms
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/registries$/, 400, 5, { message: 'the registry is unhealthy' });
    const [a, b] = await Promise.all([
      run(first(), { HARBOR_RETRY_INTERVAL_MS: '50', HARBOR_WAIT_SECONDS: '10' }),
      run(team(), { HARBOR_RETRY_INTERVAL_MS: '20', HARBOR_WAIT_SECONDS: '10' }),
    ]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    expect(b.stdout).toContain(WAITING);
    expect(configure.harbor.robot('team-b-pull')!.permissions.map((p) => p.namespace)).toEqual(['team-b', 'dockerhub']);
    expect(configure.harbor.project('dockerhub')!.registry_id).toBe(configure.harbor.registry('dockerhub')!.id);
  });

  test('a project no chunk creates fails its robots when the budget runs out, and nothing else', async () => {
    const result = await run(team(), { HARBOR_RETRY_INTERVAL_MS: '20', HARBOR_WAIT_SECONDS: '1' });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'error: robot team-b-pull: project dockerhub does not exist in Harbor; it is not declared in this configuration, and no other '
      + 'configuration\'s Job created it before the run\'s retry budget ran out (HARBOR_WAIT_SECONDS=1)',
      'error: 1 of 3 items not applied: robot team-b-pull (failed)',
    ]);
    expect(configure.harbor.robot('team-b-push')!.secret).toBe(SECRETS.ROBOT_DEPLOYER_SECRET);
    expect(configure.harbor.robot('team-b-pull')).toBeUndefined();
    expect(configure.harbor.writes().filter((w) => w === 'POST /api/v2.0/robots')).toHaveLength(1);
  });
});

// Harbor answers robot names with its robot_name_prefix setting in front (default "robot$", editable by an admin:
// goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:155; src/controller/robot/controller.go:257-263) and lets
// a robot log in only under a name with the current prefix (src/server/middleware/security/robot.go:39-41). Dockyard's
// pull secrets log in as "robot$<name>" (lib/harbor/harbor.ts): under another prefix, a green run would hand out logins
// that cannot work.
describe('configure.js and Harbor\'s robot name prefix', () => {
  const refused = (label: string, prefix: string) => `error: robot ${label}: Harbor's robot_name_prefix setting is "${prefix}", not "robot$": `
    + `the robot is "${prefix}${label}" and Harbor refuses logins as "robot$${label}", the user Dockyard's pull secrets give; `
    + 'set robot_name_prefix back to "robot$" in Harbor (Configuration, System Settings): the robot and its secret are applied';

  test('the script expects the prefix of the user names Harbor\'s robots give in pull secrets', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { ROBOT_PREFIX } = require(SCRIPT);
    const chart = testChart('registry');
    const robot = inClusterHarbor(chart).addRobot('ci', { permissions: [RobotPermission.pull('library')] });
    expect(robot.username).toBe(`${ROBOT_PREFIX}ci`);
  });

  test('robots Harbor creates under another prefix are applied, and each fails naming the setting', async () => {
    configure.harbor.robotPrefix = 'svc-';
    const result = await run();
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      refused('ci-push', 'svc-'),
      refused('apps+deployer', 'svc-'),
      refused('library+puller', 'svc-'),
      'error: 3 of 7 items not applied: robot ci-push (failed), robot apps+deployer (failed), robot library+puller (failed)',
    ]);
    // applied all the same: they work as soon as the prefix is set back
    expect(configure.harbor.robot('ci-push')!.secret).toBe(SECRETS.ROBOT_CI_PUSH_SECRET);
    expect(configure.harbor.robot('apps+deployer')!.secret).toBe(SECRETS.ROBOT_DEPLOYER_SECRET);
    expect(result.stdout).toContain('project apps: created\n');
  });

  test('existing robots fail once an admin changes the prefix, and pass once it is set back', async () => {
    expect((await run()).code).toBe(0);
    configure.harbor.robotPrefix = 'robot_';
    const changed = await run();
    expect(changed.code).toBe(1);
    expect(lines(changed.stderr)[0]).toBe(refused('ci-push', 'robot_'));
    expect(lines(changed.stderr).pop()).toBe('error: 3 of 7 items not applied: robot ci-push (failed), robot apps+deployer (failed), robot library+puller (failed)');
    configure.harbor.robotPrefix = 'robot$';
    const back = await run();
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
  });
});

// An overlapping run (a Job of an older state still retrying, or one started by hand) may create an object between this
// run's look-up and its POST: Harbor answers 409 for a name it has (goharbor/harbor v2.15.1 src/pkg/reg/dao/dao.go:55,
// src/pkg/project/dao/dao.go:73, src/pkg/robot/dao/dao.go:66).
describe('configure.js and overlapping runs', () => {
  const MEANWHILE = 'created meanwhile by another run (POST answered 409); applying the configuration to it';

  test('a 409 on a create is looked up again and applied as found', async () => {
    // applied: the object is there, as the other run made it
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/registries$/, 409, 1, { applied: true, message: 'registry dockerhub already exists' });
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/projects$/, 409, 1, { applied: true, message: 'The project named dockerhub already exists' });
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/robots$/, 409, 1, { applied: true, message: 'robot account 0:ci-push already exists' });
    const result = await run();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `waiting for Harbor at ${configure.harbor.url}`,
      'Harbor is up',
      `registry dockerhub: ${MEANWHILE}`,
      'registry dockerhub: updated',
      'registry quay: created',
      `project dockerhub: ${MEANWHILE}`,
      'project dockerhub: unchanged',
      'project apps: created',
      `robot ci-push: ${MEANWHILE}`,
      'robot ci-push: unchanged',
      'robot ci-push: secret set',
      LIBRARY_WARNING,
      'robot apps+deployer: created',
      'robot apps+deployer: secret set',
      'robot library+puller: created',
      'robot library+puller: secret set',
      'done: 2 registries, 2 projects, 3 robots',
    ]);
    expect([configure.harbor.registries.size, configure.harbor.projects.size, configure.harbor.robots.size]).toEqual([2, 3, 3]);
    // the secret the other run's robot had is replaced by the declared one
    expect(configure.harbor.robot('ci-push')!.secret).toBe(SECRETS.ROBOT_CI_PUSH_SECRET);
    expect(configure.harbor.project('dockerhub')!.registry_id).toBe(configure.harbor.registry('dockerhub')!.id);
  });

  test('a 409 for an object Harbor still does not list fails that item', async () => {
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/projects$/, 409, 1, { message: 'conflict' });
    const result = await run();
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'error: project dockerhub: POST /api/v2.0/projects answered 409 Conflict: {"errors":[{"code":"CONFLICT","message":"conflict"}]}',
      'error: 1 of 7 items not applied: project dockerhub (failed)',
    ]);
    expect(configure.harbor.project('dockerhub')).toBeUndefined();
  });
});

// Harbor's "library" is public from its first start (goharbor/harbor v2.15.1 make/migrations/postgresql/
// 0001_initial_schema.up.sql:81, :120) and no configuration declares it (lib/harbor/harbor.ts refuses it), so no run
// makes it private: what a robot pushes there anyone pulls without a login (src/common/rbac/project/rbac_user.go:35-42)
describe('a robot that pushes to Harbor\'s public "library"', () => {
  const warnings = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('warning:'));

  test('is warned of once a run, whatever the number of such robots, until library is private; nothing is written to library', async () => {
    const cfg = config();
    cfg.robots.push({ name: 'ci2-push', level: 'system', project: null, duration: -1, permissions: [pushPull('library')], secretEnv: 'ROBOT_CI_PUSH_SECRET' });
    const first = await run(cfg);
    expect({ code: first.code, warnings: warnings(first.stdout) }).toEqual({ code: 0, warnings: [LIBRARY_WARNING] });
    expect(configure.harbor.writes().filter((w) => /projects\/(library|1)\b/.test(w))).toEqual([]);
    expect(configure.harbor.project('library')!.metadata.public).toBe('true');

    configure.harbor.project('library')!.metadata.public = 'false';
    const second = await run(cfg);
    expect({ code: second.code, warnings: warnings(second.stdout) }).toEqual({ code: 0, warnings: [] });
  });

  test('a robot that only pulls from it is not warned of', async () => {
    const cfg = config();
    cfg.robots[0].permissions = [pushPull('apps')];
    const result = await run(cfg);
    expect({ code: result.code, warnings: warnings(result.stdout) }).toEqual({ code: 0, warnings: [] });
    // the project-level robot "puller" pulls from library all the same
    expect(configure.harbor.robot('library+puller')).toBeDefined();
  });
});

// Harbor.declareLibrary: the run takes Harbor's "library" over as it finds it, as ensureProject adopts any declared
// project, and makes it private by a PUT of its metadata, which Harbor's UpdateProject takes for library as for any
// project (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:548-602 has no case for it)
describe('a declared "library"', () => {
  const warnings = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('warning:'));
  // as declareLibrary renders it: without storageLimitGiB its quota is not managed (storageLimit null)
  const declared = (pub = false, storageLimit: number | null = null) => {
    const cfg = config();
    cfg.projects.unshift({ name: 'library', public: pub, registry: null, storageLimit, metadata: {} });
    return cfg;
  };

  test('is made private, once: a rerun changes nothing; nothing is created or deleted, and the robot pushing there is not warned of', async () => {
    const id = configure.harbor.project('library')!.project_id;
    // the fake's library is Harbor's: project 1, created by admin, with an unlimited quota (see FakeHarbor's constructor)
    expect([id, configure.harbor.project('library')!.owner_name, configure.harbor.quota('library')!.hard.storage]).toEqual([1, 'admin', -1]);
    const first = await run(declared());
    expect({ code: first.code, warnings: warnings(first.stdout) }).toEqual({ code: 0, warnings: [] });
    expect(lines(first.stdout)).toContain('project library: updated (public)');
    expect(configure.harbor.project('library')).toMatchObject({ project_id: id, metadata: { public: 'false' } });
    expect(configure.harbor.writes().filter((w) => /projects\/(library|1)\b/.test(w)))
      .toEqual([`PUT /api/v2.0/projects/${id}`]);
    const before = configure.harbor.writes().length;
    const second = await run(declared());
    expect({ code: second.code, library: lines(second.stdout).filter((l) => l.startsWith('project library')) })
      .toEqual({ code: 0, library: ['project library: unchanged'] });
    // only the robots' secrets are set again (as on every run), nothing of library
    expect(configure.harbor.writes().slice(before).filter((w) => /\/projects/.test(w))).toEqual([]);
  });

  // Harbor gives library an unlimited quota (goharbor/harbor v2.15.1 make/migrations/postgresql/0010_1.9.0_schema.up.sql:89-97),
  // which an admin may have set by hand: declared without a limit it is left alone, with one it is set, as any project's
  test('its storage quota is left as Harbor keeps it unless a limit is declared', async () => {
    const GiB = 2 ** 30;
    configure.harbor.quota('library')!.hard.storage = 20 * GiB;
    const left = await run(declared());
    expect(lines(left.stdout)).toContain('project library: updated (public)');
    expect(configure.harbor.quota('library')!.hard.storage).toBe(20 * GiB);
    expect(configure.harbor.writes().filter((w) => w.startsWith('PUT /api/v2.0/quotas'))).toEqual([]);
    const limited = await run(declared(false, 5 * GiB));
    expect(lines(limited.stdout)).toContain(`project library: updated (storage_limit ${20 * GiB} -> ${5 * GiB})`);
    expect(configure.harbor.quota('library')!.hard.storage).toBe(5 * GiB);
    // a limit no longer declared leaves the last one, as the quota is no longer managed
    const dropped = await run(declared());
    expect(lines(dropped.stdout).filter((l) => l.startsWith('project library'))).toEqual(['project library: unchanged']);
    expect(configure.harbor.quota('library')!.hard.storage).toBe(5 * GiB);
  });

  // Harbor deletes an empty library as any project (src/server/v2.0/handler/project.go:265-305, deletable :765-778):
  // declared, the run then creates it again, private, without storage_limit, so Harbor gives it its storage_per_project
  // (project.go:128-143)
  test('deleted by hand in Harbor, is created again, private, with Harbor\'s default quota', async () => {
    const id = configure.harbor.project('library')!.project_id;
    configure.harbor.projects.delete(id);
    const again = await run(declared());
    expect({ code: again.code, created: lines(again.stdout).filter((l) => l.startsWith('project library')) })
      .toEqual({ code: 0, created: ['project library: created'] });
    const create = configure.harbor.requests.find((r) => r.method === 'POST' && r.path === '/api/v2.0/projects');
    expect(create!.body).toEqual({ project_name: 'library', public: false, metadata: { public: 'false' } });
    expect(configure.harbor.project('library')!.metadata.public).toBe('false');
  });

  test('made public in Harbor by hand is set back; declared public, it is left public', async () => {
    await run(declared());
    configure.harbor.project('library')!.metadata.public = 'true';
    const back = await run(declared());
    expect(lines(back.stdout)).toContain('project library: updated (public)');
    expect(configure.harbor.project('library')!.metadata.public).toBe('false');
    const open = await run(declared(true));
    expect(lines(open.stdout)).toContain('project library: updated (public)');
    expect(configure.harbor.project('library')!.metadata.public).toBe('true');
  });
});

// Harbor grants a robot only the accesses rbac.GetPermissionProvider() lists for the permission's kind
// (goharbor/harbor v2.15.1 src/common/rbac/const.go:99-102, :113-161, :163-315), and answers any other with a 400
// "bad request permission: <resource>:<action>" (src/server/v2.0/handler/robot.go:345-365); a system permission's
// namespace must be "/" (src/controller/robot/controller.go:361-367). The fake answers as Harbor does.
describe('configure.js and the robot permissions Harbor grants', () => {
  const send = (method: string, path: string, body: unknown) => fetch(`${configure.harbor.url}/api/v2.0${path}`, {
    method,
    headers: { 'authorization': `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const robot = (permissions: unknown[], level = 'system') => ({ name: 'r', level, duration: -1, disable: false, permissions });
  const access = (resource: string, action: string) => ({ resource, action });

  test('the fake, as Harbor, takes a project robot\'s repository, artifact and member accesses and a system one\'s, and refuses others', async () => {
    const ok = await send('POST', '/robots', robot([
      { kind: 'project', namespace: 'library', access: [access('repository', 'pull'), access('repository', 'push'), access('artifact', 'delete'), access('member', 'list')] },
      { kind: 'system', namespace: '/', access: [access('project', 'create'), access('registry', 'list')] },
    ]));
    expect(ok.status).toBe(201);
    const refused = async (permissions: unknown[], level?: string) => {
      const answer = await send('POST', '/robots', robot(permissions, level));
      return `${answer.status} ${((await answer.json()) as any).errors[0].message}`;
    };
    // a system access on a project permission, and the reverse; an action Harbor grants on no resource
    expect(await refused([{ kind: 'project', namespace: 'library', access: [access('registry', 'create')] }])).toBe('400 bad request permission: registry:create');
    expect(await refused([{ kind: 'system', namespace: '/', access: [access('repository', 'pull')] }])).toBe('400 bad request permission: repository:pull');
    expect(await refused([{ kind: 'project', namespace: 'library', access: [access('repository', '*')] }])).toBe('400 bad request permission: repository:*');
    expect(await refused([{ kind: 'projects', namespace: 'library', access: [access('repository', 'pull')] }])).toBe('400 bad request permission level: projects');
    expect(await refused([{ kind: 'system', namespace: 'library', access: [access('project', 'create')] }])).toBe('400 unknown namespace');
    expect([...configure.harbor.robots.values()].map((r) => r.name)).toEqual(['r']);
  });

  test('a hand-written configuration with an access Harbor does not grant fails before any request, naming it and what is allowed', async () => {
    const cases: Array<[unknown, string]> = [
      [{ kind: 'project', namespace: 'apps', access: [access('repository', 'pull'), access('registry', 'create')] },
        'permissions[0].access[1]: resource "registry" is not one Harbor grants a robot on a project permission (one of log, project, metadata, ' +
        'repository, artifact, scan, sbom, tag, accessory, artifact-addition, artifact-label, scanner, preheat-policy, immutable-tag, ' +
        'notification-policy, tag-retention, label, quota, robot, export-cve, member)'],
      [{ kind: 'project', namespace: 'apps', access: [access('repository', 'write')] },
        'permissions[0].access[0]: action "write" on repository is not one Harbor grants a robot on a project permission (one of read, update, delete, list, pull, push)'],
      [{ kind: 'system', namespace: '/', access: [access('project', 'delete')] },
        'permissions[0].access[0]: action "delete" on project is not one Harbor grants a robot on a system permission (one of list, create)'],
      [{ kind: 'system', namespace: '*', access: [access('project', 'create')] },
        'permissions[0]: a permission of kind "system" takes namespace "/", got "*"'],
    ];
    for (const [permission, message] of cases) {
      const cfg = config();
      cfg.robots[0].permissions = [permission];
      const result = await run(cfg);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: `error: robot ci-push: ${message}\n` });
    }
    expect(configure.harbor.requests).toEqual([]);
  });

  test('what Dockyard\'s own robots are granted (RobotPermission pull and push), and a system permission, Harbor takes', async () => {
    const cfg = config();
    cfg.robots[0].permissions = [pushPull('apps'), { kind: 'system', namespace: '/', access: [access('project', 'list')] }];
    const result = await run(cfg);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(configure.harbor.robot('ci-push')!.permissions).toHaveLength(2);
  });
});

describe('configure.js failures', () => {
  // configure.js main() prints "waiting for Harbor at ..." and pings through retrying(): after a refused attempt,
  // retrying() gives up when the next attempt would start past the run's deadline (HARBOR_WAIT_SECONDS from main's
  // start), else prints the retry line (once per message) and sleeps HARBOR_RETRY_INTERVAL_MS. Whether a one-second
  // budget leaves room for a retry depends on how fast the first attempt fails, which a loaded machine stretches (CI,
  // load 15 on 2 cores, printed no retry line): so neither test below asserts anything that depends on how long an
  // attempt takes.
  const REFUSED = 'GET /api/v2.0/ping: ECONNREFUSED';
  const RETRYING = `ping: Harbor not ready (${REFUSED}); retrying every 200ms`;
  const closedHarbor = async (): Promise<{ url: string; port: number }> => {
    const closed = await FakeHarbor.start();
    const url = closed.url;
    await closed.close();
    return { url, port: Number(new URL(url).port) };
  };

  // a budget no first attempt comes near, and a Harbor that comes up on the refused port only once the retry line is
  // out: the run gets through only by retrying
  test('an unreachable Harbor is retried until it answers', async () => {
    const { url, port } = await closedHarbor();
    let revived: Promise<FakeHarbor> | undefined;
    try {
      const result = await run(config(), { HARBOR_URL: url, HARBOR_WAIT_SECONDS: '600', HARBOR_RETRY_INTERVAL_MS: '200' }, (stdout) => {
        if (!revived && stdout.includes(RETRYING)) revived = FakeHarbor.start({ password: ADMIN_PASSWORD, port });
      });
      expect(lines(result.stdout).slice(0, 3)).toEqual([`waiting for Harbor at ${url}`, RETRYING, 'Harbor is up']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect((await revived!).robot('ci-push')!.secret).toBe(SECRETS.ROBOT_CI_PUSH_SECRET);
    } finally {
      await (await revived)?.close();
    }
  });

  // the deadline check comes before the retry line, so a run prints it or not as the load allows, and either way ends
  // with the refusal once the budget is spent
  test('an unreachable Harbor is reported once the run\'s budget is spent', async () => {
    const { url } = await closedHarbor();
    const result = await run(config(), { HARBOR_URL: url, HARBOR_WAIT_SECONDS: '1', HARBOR_RETRY_INTERVAL_MS: '200' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ping: Harbor still not ready after 1s (HARBOR_WAIT_SECONDS): ${REFUSED}`);
    expect([[`waiting for Harbor at ${url}`], [`waiting for Harbor at ${url}`, RETRYING]]).toContainEqual(lines(result.stdout));
  });

  test('a wrong admin password fails with the 401, never the password', async () => {
    const result = await run(config(), { HARBOR_ADMIN_PASSWORD: 'Wrong-Passw0rd' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('GET /api/v2.0/registries?q=name%3Ddockerhub answered 401');
    expect(result.stderr).toContain('check HARBOR_USERNAME and HARBOR_ADMIN_PASSWORD');
    expect(result.output).not.toContain('Wrong-Passw0rd');
    expect(configure.harbor.writes()).toEqual([]);
  });

  test('an invalid robot secret fails before any request, naming the variable', async () => {
    const result = await run(config(), { ROBOT_DEPLOYER_SECRET: 'NoDigitsHere' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: robot apps+deployer: the secret in environment variable ROBOT_DEPLOYER_SECRET '
      + 'must contain at least one upper-case letter, one lower-case letter and one digit\n');
    expect(result.output).not.toContain('NoDigitsHere');
    expect(configure.harbor.requests).toEqual([]);
  });

  // Harbor's IsValidSec counts bytes (Go's len(): goharbor/harbor v2.15.1 src/controller/robot/controller.go:434-436),
  // as configure.js's secretProblem does: 7 characters but 11 bytes pass, 128 characters of 2 bytes each do not, and
  // neither reaches Harbor
  test('a robot secret is measured in bytes, as Harbor measures it', async () => {
    const multibyte = 'Ab1\u00e9\u00e9\u00e9\u00e9';
    expect([multibyte.length, Buffer.byteLength(multibyte)]).toEqual([7, 11]);
    const ok = await run(config(), { ROBOT_DEPLOYER_SECRET: multibyte });
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
    expect(configure.harbor.robotCanLogIn('apps+deployer', multibyte)).toBe(true);

    const long = `Ab1${'\u00e9'.repeat(63)}`;
    expect([long.length, Buffer.byteLength(long)]).toEqual([66, 129]);
    configure.harbor.requests.length = 0;
    const refused = await run(config(), { ROBOT_DEPLOYER_SECRET: long });
    expect(refused.stderr).toBe('error: robot apps+deployer: the secret in environment variable ROBOT_DEPLOYER_SECRET must be 8 to 128 ' +
      'characters long (it has 129)\n');
    expect(configure.harbor.requests).toEqual([]);
  });

  // an empty secret must never reach Harbor: RefreshSec draws a random one for a PATCH whose secret is empty
  // (goharbor/harbor v2.15.1 src/server/v2.0/handler/robot.go:279-292), which no pull Secret holds
  test('a missing environment variable fails before any request', async () => {
    const result = await run(config(), { REGISTRY_DOCKERHUB_SECRET: undefined, ROBOT_PULLER_SECRET: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('REGISTRY_DOCKERHUB_SECRET (registry dockerhub), ROBOT_PULLER_SECRET (robot library+puller)');
    expect(configure.harbor.requests).toEqual([]);
  });

  test('an invalid configuration fails before any request', async () => {
    const misspelt = config();
    misspelt.projects[1].storagelimit = 5;
    const result = await run(misspelt);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('project apps: unknown field "storagelimit"');

    const undeclared = config();
    undeclared.projects[0].registry = 'ghcr';
    expect((await run(undeclared)).stderr).toContain('project dockerhub: registry "ghcr" is not declared under "registries"');

    // Harbor's isValidDuration: -1 or 1 to 2^31-2 (goharbor/harbor v2.15.1 src/server/v2.0/handler/robot.go:423)
    const zero = config();
    zero.robots[0].duration = 0;
    expect((await run(zero)).stderr).toBe('error: robot ci-push: duration must be -1 (never expires) or a number of days from 1 to 2147483646, got 0\n');
    const huge = config();
    huge.robots[0].duration = 2 ** 31 - 1;
    expect((await run(huge)).stderr).toContain('robot ci-push: duration must be -1 (never expires) or a number of days from 1 to 2147483646, got 2147483647');

    // Harbor caps registry names at 64 (src/controller/registry/controller.go:92)
    const long = config();
    long.registries[1].name = 'q'.repeat(65);
    long.projects = [];
    expect((await run(long)).stderr).toBe(`error: registry ${'q'.repeat(65)}: name "${'q'.repeat(65)}" must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit\n`);

    const foreign = config();
    foreign.robots[1].permissions[0].namespace = 'library';
    expect((await run(foreign)).stderr).toContain('robot apps+deployer: a project-level robot needs exactly one permission of kind "project" with namespace "apps"');
    expect(configure.harbor.requests).toEqual([]);
  });

  // Harbor keeps only the keys of ProjectMetadata (goharbor/harbor v2.15.1 api/v2.0/swagger.yaml:7305-7356), and drops a
  // few more by kind of project (src/server/v2.0/handler/project.go:166-176, :570-580): such a key would be written on
  // every run and never kept.
  test('project metadata Harbor would drop is refused before any request', async () => {
    const withMetadata = (index: number, metadata: Record<string, string>) => {
      const cfg = config();
      cfg.projects[index].metadata = metadata;
      return cfg;
    };
    expect((await run(withMetadata(1, { auto_scan: 'true', autoscan: 'true' }))).stderr).toBe('error: project apps: metadata.autoscan is not a Harbor '
      + 'project setting, which Harbor would drop (allowed: enable_content_trust, enable_content_trust_cosign, prevent_vul, severity, auto_scan, '
      + 'auto_sbom_generation, reuse_sys_cve_allowlist, proxy_speed_kb, max_upstream_conn, proxy_cache_local_on_not_found)\n');
    expect((await run(withMetadata(1, { proxy_speed_kb: '100' }))).stderr)
      .toBe('error: project apps: metadata.proxy_speed_kb applies to proxy caches only (a project with "registry"), and Harbor drops it on any other project\n');
    expect((await run(withMetadata(0, { enable_content_trust: 'true' }))).stderr)
      .toBe('error: project dockerhub: metadata.enable_content_trust does not apply to a proxy cache, and Harbor drops it there\n');
    expect((await run(withMetadata(1, { retention_id: '7' }))).stderr)
      .toBe('error: project apps: metadata.retention_id is set by Harbor (the project\'s tag retention policy) and cannot be declared\n');
    expect(configure.harbor.requests).toEqual([]);
    // the keys Harbor keeps are taken, on either kind of project where it keeps them
    const taken = config();
    taken.projects[0].metadata = { proxy_speed_kb: '-1', max_upstream_conn: '10', proxy_cache_local_on_not_found: 'true' };
    taken.projects[1].metadata = { enable_content_trust: 'false', severity: 'high', prevent_vul: 'true' };
    expect((await run(taken)).code).toBe(0);
    expect(configure.harbor.project('dockerhub')!.metadata).toEqual({ public: 'true', proxy_speed_kb: '-1', max_upstream_conn: '10', proxy_cache_local_on_not_found: 'true' });
    expect(configure.harbor.project('apps')!.metadata).toEqual({ public: 'false', enable_content_trust: 'false', severity: 'high', prevent_vul: 'true' });
  });

  test('the fake, as Harbor, keeps only the project metadata it takes', async () => {
    const send = (method: string, path: string, body: unknown) => fetch(`${configure.harbor.url}/api/v2.0${path}`, {
      method,
      headers: { 'authorization': `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const created = await send('POST', '/projects', { project_name: 'apps', metadata: { auto_scan: 'true', autoscan: 'true', proxy_speed_kb: '100' } });
    expect(created.status).toBe(201);
    const apps = configure.harbor.project('apps')!;
    expect(apps.metadata).toEqual({ public: 'false', auto_scan: 'true' });
    expect((await send('PUT', `/projects/${apps.project_id}`, { metadata: { severity: 'high', other: 'x' } })).status).toBe(200);
    expect(apps.metadata).toEqual({ public: 'false', auto_scan: 'true', severity: 'high' });
  });

  test('an existing project bound to another registry fails, naming the project', async () => {
    configure.harbor.addProject({ name: 'dockerhub', public: true });
    const result = await run();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('registry dockerhub: created');
    expect(result.stderr).toMatch(/^error: project dockerhub: exists in Harbor with no registry \(not a proxy cache\) but the configuration declares registry "dockerhub" \(id \d+\)/);
    const dockerhub = configure.harbor.project('dockerhub')!.project_id;
    expect(configure.harbor.writes().filter((w) => w === `PUT /api/v2.0/projects/${dockerhub}`)).toEqual([]);
  });

  test('a failing project does not stop the items that do not need it; the run fails at the end, naming what was not applied', async () => {
    // Harbor refuses a proxy-cache project whose registry type core does not permit (goharbor/harbor v2.15.1
    // src/server/v2.0/handler/project.go:808-815); the robots after it used to be skipped with it
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/projects$/, 400, 1, { message: 'unsupported registry type docker-hub' });
    const cfg = config();
    // a robot that needs the failing project, and one that needs the registry's project only through it
    cfg.robots.push({
      name: 'hub-puller', level: 'system', project: null, duration: -1,
      permissions: [{ kind: 'project', namespace: 'dockerhub', access: [{ resource: 'repository', action: 'pull' }] }],
      secretEnv: 'ROBOT_PULLER_SECRET',
    });
    const result = await run(cfg);
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([
      `waiting for Harbor at ${configure.harbor.url}`,
      'Harbor is up',
      'registry dockerhub: created',
      'registry quay: created',
      'project apps: created',
      'robot ci-push: created',
      'robot ci-push: secret set',
      LIBRARY_WARNING,
      'robot apps+deployer: created',
      'robot apps+deployer: secret set',
      'robot library+puller: created',
      'robot library+puller: secret set',
      'robot hub-puller: skipped, project dockerhub was not applied',
    ]);
    expect(lines(result.stderr)).toEqual([
      'error: project dockerhub: POST /api/v2.0/projects answered 400 Bad Request: {"errors":[{"code":"BAD_REQUEST","message":"unsupported registry type docker-hub"}]}',
      'error: 2 of 8 items not applied: project dockerhub (failed), robot hub-puller (project dockerhub not applied)',
    ]);
    expect(configure.harbor.project('dockerhub')).toBeUndefined();
    expect(configure.harbor.robot('ci-push')!.secret).toBe(SECRETS.ROBOT_CI_PUSH_SECRET);
    expect(configure.harbor.robot('hub-puller')).toBeUndefined();
  });

  test('a failing registry skips only its proxy-cache project', async () => {
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/registries$/, 400, 1, { message: 'invalid url' });
    const result = await run();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('project dockerhub: skipped, registry dockerhub was not applied');
    expect(result.stdout).toContain('registry quay: created');
    expect(result.stdout).toContain('project apps: created');
    expect(result.stdout).toContain('robot library+puller: secret set');
    expect(lines(result.stderr).pop()).toBe('error: 2 of 7 items not applied: registry dockerhub (failed), project dockerhub (registry dockerhub not applied)');
  });

  test('bad credentials stop the run at once instead of failing every item', async () => {
    const result = await run(config(), { HARBOR_ADMIN_PASSWORD: 'Wrong-Passw0rd' });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(configure.harbor.requests.filter((r) => r.path !== '/api/v2.0/ping')).toHaveLength(1);
  });

  test('an error answer is quoted without any secret Harbor echoes back', async () => {
    configure.harbor.failNext('PATCH', /^\/api\/v2\.0\/robots\/\d+$/, 400, 1, { message: `secret ${SECRETS.ROBOT_CI_PUSH_SECRET} refused` });
    const result = await run();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: robot ci-push: PATCH \/api\/v2\.0\/robots\/\d+ answered 400 Bad Request: \{"errors":\[\{"code":"BAD_REQUEST","message":"secret \[REDACTED\] refused"\}\]\}/);
  });
});

describe('configure.js redaction of secrets Harbor echoes back', () => {
  // Every character that JSON escaping, whitespace flattening or URL encoding changes: quote,
  // backslash, slash, newline, tab, runs of spaces, non-ASCII (an emoji is two UTF-16 units),
  // and the < > & U+2028 that Go's encoding/json escapes. Robot secrets still meet Harbor's rule.
  const NASTY = {
    admin: 'Kq7"ad\\min/ Pä\n\tw<rd>&✓',
    robot: 'Rz4"ro\\bot/ été\r\n  X9 😀',
    registry: 'Gv2"to\\ken/\t€ & <b>\u2028end',
  };
  const NASTY_ENV = { HARBOR_ADMIN_PASSWORD: NASTY.admin, ROBOT_CI_PUSH_SECRET: NASTY.robot, REGISTRY_DOCKERHUB_SECRET: NASTY.registry };
  const ALL_NASTY = Object.values(NASTY);
  const PATCH_ROBOT = /^\/api\/v2\.0\/robots\/\d+$/;
  const REGISTRIES = /^\/api\/v2\.0\/registries$/;
  const FORMS = Object.keys(secretEchoes('x'));
  // the last line of a run where only robot ci-push failed: the other items were still applied
  const CI_PUSH_NOT_APPLIED = 'error: 1 of 7 items not applied: robot ci-push \\(failed\\)\n';

  beforeEach(async () => {
    await configure.restart(NASTY.admin);
  });

  // Harbor (or a proxy) may quote a secret back in any encoding; each must be masked, and the
  // error must still say what failed. One run per form.
  test.each(FORMS)('an error answer echoing the secrets as %s is quoted without them', async (form) => {
    configure.harbor.failNext('PATCH', PATCH_ROBOT, 400, 1, {
      body: `refusing ${secretEchoes(NASTY.robot)[form]} for ${secretEchoes(NASTY.admin)[form]}`,
    });
    const result = await run(config(), NASTY_ENV);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: robot ci-push: PATCH \/api\/v2\.0\/robots\/\d+ answered 400 Bad Request: refusing /);
    expect(result.stderr).toContain('[REDACTED]');
    expect(leaks(result.output, ALL_NASTY, { prefixes: true })).toEqual([]);
  });

  // The excerpt is cut at 300 characters: a secret starting just before the cut must not leave
  // its first characters behind (the old code cut first and redacted what was left).
  test.each([
    [290, 'raw'], [296, 'raw'], [299, 'raw'], [300, 'raw'],
    [290, 'jsonAscii'], [296, 'jsonAscii'], [299, 'jsonTwice'],
    [296, 'url'], [299, 'urlLower'],
    [290, 'base64'], [296, 'base64'], [299, 'base64url'],
  ])('a secret starting at offset %i of an answer cut at 300 characters, as %s, leaves no fragment', async (offset, form) => {
    configure.harbor.failNext('PATCH', PATCH_ROBOT, 400, 1, { body: `${'.'.repeat(offset)}${secretEchoes(NASTY.robot)[form]} tail` });
    const result = await run(config(), NASTY_ENV);
    expect(result.code).toBe(1);
    // the dots up to the secret, the marker (not cut in half) when it starts before the cut, then the ellipsis
    const marker = offset < 300 ? '\\[REDACTED\\]' : '';
    expect(result.stderr).toMatch(new RegExp(`^error: robot ci-push: PATCH /api/v2\\.0/robots/\\d+ answered 400 Bad Request: \\.{${offset}}${marker}…\n${CI_PUSH_NOT_APPLIED}$`));
    expect(leaks(result.output, ALL_NASTY, { prefixes: true })).toEqual([]);
  });

  // An answer that a server or proxy cut short ends with the start of a secret: that tail is
  // masked too, even though the script itself did not cut anything.
  test.each(['raw', 'json', 'jsonSlash', 'url', 'base64'])('an answer ending in the first characters of a secret as %s masks them', async (form) => {
    configure.harbor.failNext('PATCH', PATCH_ROBOT, 400, 1, { body: `refused: ${secretEchoes(NASTY.robot)[form].slice(0, 12)}` });
    const result = await run(config(), NASTY_ENV);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: robot ci-push: PATCH /api/v2\\.0/robots/\\d+ answered 400 Bad Request: refused: \\[REDACTED\\]\n${CI_PUSH_NOT_APPLIED}$`));
    expect(leaks(result.output, ALL_NASTY, { prefixes: true })).toEqual([]);
  });

  // A validation error quoting the request document inside its JSON message escapes the secret
  // twice (\\\" and \\\\).
  test('an answer quoting the request body inside JSON is quoted without the registry secret', async () => {
    configure.harbor.failNext('POST', REGISTRIES, 422, 1, {
      body: (req) => JSON.stringify({ errors: [{ code: 'UNPROCESSABLE_ENTITY', message: `invalid registry ${req.text}` }] }),
    });
    const result = await run(config(), NASTY_ENV);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: registry dockerhub: POST \/api\/v2\.0\/registries answered 422 Unprocessable Entity: \{"errors":\[\{"code":"UNPROCESSABLE_ENTITY","message":"invalid registry/);
    expect(result.stderr).toContain('[REDACTED]');
    expect(leaks(result.output, ALL_NASTY, { prefixes: true })).toEqual([]);
  });

  // The Authorization header is the base64 of "admin:<password>": echoed back, it is masked whole.
  test('an answer echoing the Authorization header is quoted without the credential', async () => {
    configure.harbor.failNext('GET', REGISTRIES, 401, 1, { body: (req) => `{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials: ${req.authorization}"}]}` });
    const result = await run(config(), NASTY_ENV);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered 401 Unauthorized: {"errors":[{"code":"UNAUTHORIZED","message":"bad credentials: Basic [REDACTED]"}]} (check HARBOR_USERNAME and HARBOR_ADMIN_PASSWORD)');
    expect(leaks(result.output, ALL_NASTY, { prefixes: true })).toEqual([]);
  });

  // Transient errors are logged to stdout while the script retries: those lines are redacted too.
  test('a retried 503 echoing secrets is logged without them, and the run goes on', async () => {
    configure.harbor.failNext('GET', REGISTRIES, 503, 1, { body: (req) => `upstream:\n${NASTY.robot}\n${req.authorization}` });
    const result = await run(config(), NASTY_ENV);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('registry dockerhub: Harbor not ready (GET /api/v2.0/registries?q=name%3Ddockerhub answered 503: '
      + 'upstream: [REDACTED] Basic [REDACTED]); retrying every 10ms');
    expect(result.stdout).toContain('done:');
    expect(configure.harbor.robot('ci-push')!.secret).toBe(NASTY.robot);
  });

  // A redirect's Location is quoted whole in the error (not cut): URL-encoded secrets in it are masked.
  test('a redirect to a URL carrying the credentials is reported without them', async () => {
    configure.harbor.failNext('GET', REGISTRIES, 302, 1, {
      headers: (req) => ({ location: `https://sso.example/login?password=${encodeURIComponent(NASTY.admin)}&basic=${req.authorization}` }),
    });
    const result = await run(config(), NASTY_ENV);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered 302, redirecting to https://sso.example/login?password=[REDACTED]&basic=Basic [REDACTED]; set HARBOR_URL');
    expect(leaks(result.output, ALL_NASTY, { prefixes: true })).toEqual([]);
  });

  // Harbor answers a robot's creation with a random secret of its own, valid until the declared
  // one is set: when setting it fails, that secret is still live and must not be printed.
  test('the secret Harbor generates for a new robot is masked as well', async () => {
    let generated = '';
    configure.harbor.failNext('PATCH', PATCH_ROBOT, 400, 1, {
      body: () => {
        generated = configure.harbor.robot('ci-push')!.secret;
        return `robot still has secret ${generated}, rotate it`;
      },
    });
    const result = await run(config(), NASTY_ENV);
    expect(result.code).toBe(1);
    expect(generated).toMatch(/^Generated\d+Secret$/);
    expect(result.stderr).toContain('Bad Request: robot still has secret [REDACTED], rotate it');
    expect(result.output).not.toContain(generated);
  });
});
