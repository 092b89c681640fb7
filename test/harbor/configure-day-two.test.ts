import { Harbor, ProxyUpstream, RobotOptions, RobotPermission, Secret, SecretValue } from '../../lib';
import { withDigests } from '../../lib/core/checksum';
import { find, synth, testChart } from '../util';
import { configureHarness } from './configure-run';
import { inClusterHarbor } from './fixtures';

// Day two of a Harbor declared in code: one change at a time over the same Harbor, each rendered by the construct and
// applied by the configure script against the fake Harbor, which models what Harbor v2.15.1 does with each request.

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
const SECRETS = { ROBOT_0_SECRET: 'CiRobot8SecretX', ROBOT_1_SECRET: 'NodePuller7Secret', UPSTREAM_0_PASSWORD: 'dckr_pat_First0Token' };
const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: SECRETS });
const GIB = 2 ** 30;

interface Code {
  readonly apps?: { readonly public?: boolean; readonly storageLimitGiB?: number };
  /** Declared unless false. */
  readonly tools?: boolean;
  /** Robot ci's options, or undefined for no robot ci. */
  readonly ci?: RobotOptions;
  readonly retireCi?: boolean;
  /** Retire project tools's groups (retireProjectGroups). */
  readonly retireTools?: boolean;
}

/** Synthesize a Harbor of `code` and return its first configure Job's config.json, the robots' Job environment, and the Harbor. */
function render(code: Code) {
  const chart = testChart('harbor');
  const harbor: Harbor = inClusterHarbor(chart);
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub({ anonymous: true }) });
  harbor.addProject('apps', code.apps ?? {});
  if (code.tools !== false) {
    harbor.addProject('tools', { public: true });
  }
  const ci = code.ci && harbor.addRobot('ci', code.ci);
  harbor.addRobot('node-puller', { permissions: [RobotPermission.pull('dockerhub')] });
  if (code.retireCi) {
    harbor.retireRobot('ci');
  }
  if (code.retireTools) {
    harbor.retireProjectGroups('tools');
  }
  const objects = synth(chart);
  const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
  const configMap = job.spec.template.spec.volumes[0].projected.sources[1].configMap.name;
  const config = JSON.parse(find(objects, 'ConfigMap', configMap).data['config.json']);
  const env = Object.fromEntries(job.spec.template.spec.containers[0].env
    .filter((e: any) => /^ROBOT_\d+_SECRET$/.test(e.name)).map((e: any) => [e.name, e.valueFrom.secretKeyRef]));
  return { config, env, ci, jobName: job.metadata.name };
}

const robotWrites = () => configure.harbor.writes().filter((w) => w.includes('/robots'));
/** The secret the harness gives robot `name` of `config`, through the variable its Job environment names. */
const secretOf = (config: any, name: string): string => (SECRETS as Record<string, string>)[config.robots.find((r: any) => r.name === name).secretEnv];

describe('a robot\'s permissions change in code', () => {
  // Harbor's UpdateRobot (goharbor/harbor v2.15.1 src/server/v2.0/handler/robot.go:370-417) takes the robot as Get
  // read it, secret hash and salt included (src/pkg/robot/model/model.go:35-36), and the controller writes that same
  // hash back with the new fields (src/controller/robot/controller.go:176-192), replacing the permissions: the robot
  // keeps its id, name and secret, and the login its pull secret holds (robot$<name>, its secret: checked against the
  // stored hash, src/server/middleware/security/robot.go:43-60) keeps working with the new permissions.
  test('pull -> push and pull, and another project: the same robot is updated in place, and its pull secret keeps logging in', async () => {
    const before = render({ ci: { permissions: [RobotPermission.pull('apps')] } });
    const first = await configure.run(before.config);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const created = { ...configure.harbor.robot('ci')! };
    expect(created.permissions).toEqual([{ kind: 'project', namespace: 'apps', access: [{ resource: 'repository', action: 'pull' }] }]);

    const after = render({ ci: { permissions: [RobotPermission.push('apps'), RobotPermission.pull('tools')] } });
    // the robot reads the same Secret key: nothing rotates, so the pull secret (robot.dockerConfig) is the same
    expect(after.env).toEqual(before.env);
    expect(after.ci!.username).toBe(before.ci!.username);
    configure.harbor.requests.length = 0;
    // the secret set that follows the update fails, so what the update alone does to the login shows
    configure.harbor.failNext('PATCH', new RegExp(`^/api/v2\\.0/robots/${created.id}$`), 400);
    const second = await configure.run(after.config);
    expect(second.stdout).toContain('robot ci: updated (permissions)');
    expect(second.code).toBe(1);
    expect(robotWrites().filter((w) => w.endsWith(`/robots/${created.id}`))).toEqual([`PUT /api/v2.0/robots/${created.id}`, `PATCH /api/v2.0/robots/${created.id}`]);
    expect(robotWrites().filter((w) => w.startsWith('POST') || w.startsWith('DELETE'))).toEqual([]);

    const updated = configure.harbor.robot('ci')!;
    expect(updated.id).toBe(created.id);
    expect(updated.secret).toBe(created.secret);
    const access = (namespace: string) => updated.permissions.find((p) => p.namespace === namespace)!.access.map((a) => a.action).sort();
    expect(access('apps')).toEqual(['pull', 'push']);
    expect(access('tools')).toEqual(['pull']);
    // the pull secret's user name is exactly the name Harbor answers with, its robot_name_prefix and stored name
    expect(after.ci!.username).toBe(`${configure.harbor.robotPrefix}${updated.name}`);
    expect(configure.harbor.robotCanLogIn(after.ci!.username.slice('robot$'.length), secretOf(after.config, 'ci'))).toBe(true);

    // and a run that can set the secret converges without another write but the secret
    configure.harbor.requests.length = 0;
    const third = await configure.run(after.config);
    expect({ code: third.code, stderr: third.stderr }).toEqual({ code: 0, stderr: '' });
    expect(robotWrites()).toEqual(expect.not.arrayContaining([expect.stringMatching(/^(POST|PUT|DELETE) /)]));
  });
});

describe('a robot and a project leave the code', () => {
  test('without retireRobot the robot keeps logging in with its permissions; retired, it is deleted and logs in no more', async () => {
    const declared = render({ ci: { permissions: [RobotPermission.push('apps'), RobotPermission.pull('tools')] } });
    expect((await configure.run(declared.config)).code).toBe(0);
    const id = configure.harbor.robot('ci')!.id;
    const secret = secretOf(declared.config, 'ci');

    // the robot and project tools gone from the code: the Jobs find only what the code declares, by name
    const left = render({ tools: false });
    expect(left.config.robots.map((r: any) => r.name)).toEqual(['node-puller']);
    configure.harbor.requests.length = 0;
    expect((await configure.run(left.config)).code).toBe(0);
    expect(robotWrites().filter((w) => w.endsWith(`/robots/${id}`))).toEqual([]);
    expect(configure.harbor.robotCanLogIn('ci', secret)).toBe(true);
    expect(configure.harbor.robot('ci')!.permissions.map((p) => p.namespace).sort()).toEqual(['apps', 'tools']);
    // the project stays as it was, public flag included (README, "Removing a project or a proxy cache")
    expect(configure.harbor.project('tools')!.metadata.public).toBe('true');

    const retired = render({ tools: false, retireCi: true });
    expect(retired.config.retiredRobots).toEqual(['ci']);
    const result = await configure.run(retired.config);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('robot ci: deleted (retired)');
    expect(configure.harbor.robot('ci')).toBeUndefined();
    expect(configure.harbor.robotCanLogIn('ci', secret)).toBe(false);
  });

  // a public project serves pulls without a login (goharbor/harbor v2.15.1 src/common/rbac/project/evaluator.go:36-41,
  // rbac_user.go:38), and retiring its groups leaves that as it is
  test('a retired public project is warned of on each run, until it is private', async () => {
    expect((await configure.run(render({}).config)).code).toBe(0);
    const warning = 'warning: project tools (retired): public in Harbor, so anyone pulls its images without a login; make it private ' +
      '(Projects > tools > Configuration, or PUT /api/v2.0/projects/tools with {"metadata":{"public":"false"}} and X-Is-Resource-Name: true), or delete it ' +
      '(its repositories first: Harbor refuses to delete a project that holds any)';
    const retired = render({ tools: false, retireTools: true });
    expect(retired.config.retiredProjectGroups).toEqual(['tools']);
    for (let run = 0; run < 2; run++) {
      const result = await configure.run(retired.config);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([warning]);
    }
    configure.harbor.project('tools')!.metadata.public = 'false';
    expect((await configure.run(retired.config)).stdout).not.toContain('warning:');
  });
});

describe('a project\'s visibility and quota change in code', () => {
  test('public -> private and a lower storage limit are applied to the existing project, which keeps its id', async () => {
    expect((await configure.run(render({ apps: { public: true, storageLimitGiB: 50 } }).config)).code).toBe(0);
    const apps = configure.harbor.project('apps')!;
    expect(apps.metadata.public).toBe('true');
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: 50 * GIB });

    const result = await configure.run(render({ apps: { public: false, storageLimitGiB: 20 } }).config);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`project apps: updated (public, storage_limit ${50 * GIB} -> ${20 * GIB})`);
    expect(configure.harbor.project('apps')!.project_id).toBe(apps.project_id);
    expect(configure.harbor.project('apps')!.metadata.public).toBe('false');
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: 20 * GIB });

    // the limit dropped from the code: unlimited again
    const unlimited = await configure.run(render({ apps: { public: false } }).config);
    expect(unlimited.stdout).toContain(`project apps: updated (storage_limit ${20 * GIB} -> -1)`);
    expect(configure.harbor.quota('apps')!.hard).toEqual({ storage: -1 });
  });
});

describe('robot expiry', () => {
  // Harbor's robot_token_duration (30 days by default, goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:154)
  // is read by the portal alone, as the duration it proposes for a robot made there
  // (src/portal/src/app/base/left-side-nav/config/system/system-settings.component.ts:212); the API takes the duration
  // the request gives, refusing one that is neither -1 nor positive (src/server/v2.0/handler/robot.go:59, :321-324,
  // :423-425), and -1 makes expires_at -1, never (src/controller/robot/controller.go:100-110).
  test('every robot Dockyard declares is made with duration -1 and never expires, whatever robot_token_duration says', async () => {
    const { config } = render({ ci: { permissions: [RobotPermission.pull('apps')] } });
    expect(config.robots.map((r: any) => r.duration)).toEqual([-1, -1]);
    expect((await configure.run(config)).code).toBe(0);
    const posts = configure.harbor.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2.0/robots');
    expect(posts.map((r) => r.body.duration)).toEqual([-1, -1]);
    expect([...configure.harbor.robots.values()].map((r) => r.expires_at)).toEqual([-1, -1]);
    // a year on, the next run keeps both as they are, and both still log in
    for (const robot of configure.harbor.robots.values()) {
      robot.creation_time = new Date(Date.now() - 366 * 86400_000).toISOString();
    }
    configure.harbor.requests.length = 0;
    const later = await configure.run(config);
    expect(later.code).toBe(0);
    expect(later.stdout).toContain('robot ci: unchanged');
    expect(robotWrites().filter((w) => !w.startsWith('PATCH'))).toEqual([]);
    expect(configure.harbor.robotCanLogIn('ci', secretOf(config, 'ci'))).toBe(true);
    expect(configure.harbor.robotCanLogIn('node-puller', secretOf(config, 'node-puller'))).toBe(true);
  });
});

// Project settings in a config.json of one's own (the construct declares none but "public"). Harbor deletes no setting
// an update leaves out: UpdateProject hands on the keys the request names (goharbor/harbor v2.15.1
// src/server/v2.0/handler/project.go:581, :597) and the controller adds or updates those alone
// (src/controller/project/controller.go:205-235), as the fake's update does; absent, a setting reads as off,
// reuse_sys_cve_allowlist as on (src/pkg/project/models/project.go:97-158).
describe('project settings taken out of the configuration', () => {
  const SETTINGS = { auto_scan: 'true', prevent_vul: 'true', severity: 'high', reuse_sys_cve_allowlist: 'false' };
  const withSettings = (metadata: Record<string, string>, proxy: Record<string, string> = {}) => {
    const { config } = render({});
    config.projects.find((p: any) => p.name === 'apps').metadata = metadata;
    config.projects.find((p: any) => p.name === 'dockerhub').metadata = proxy;
    return config;
  };
  const notes = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('note: '));

  test('stay as they were in Harbor, and each run says so, naming the default that resets them', async () => {
    expect((await configure.run(withSettings(SETTINGS))).code).toBe(0);
    expect(configure.harbor.project('apps')!.metadata).toEqual({ public: 'false', ...SETTINGS });

    const removed = await configure.run(withSettings({}));
    expect({ code: removed.code, stderr: removed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(configure.harbor.project('apps')!.metadata).toEqual({ public: 'false', ...SETTINGS });
    expect(notes(removed.stdout)).toEqual([
      'note: project apps: keeps prevent_vul "true", severity "high", auto_scan "true", reuse_sys_cve_allowlist "false" as set in Harbor: ' +
      'not declared in the configuration, and Harbor keeps a project setting no update names, so one taken out of the configuration is ' +
      'not reset; declare Harbor\'s default under metadata to reset it (prevent_vul: "false", severity: "", auto_scan: "false", ' +
      'reuse_sys_cve_allowlist: "true")',
    ]);
    expect(removed.stdout).toContain('project apps: unchanged');

    // declared at Harbor's defaults, they read as absent ones do, and the notice goes, declared or not
    const reset = await configure.run(withSettings({ auto_scan: 'false', prevent_vul: 'false', severity: '', reuse_sys_cve_allowlist: 'true' }));
    expect(reset.stdout).toContain('project apps: updated (auto_scan, prevent_vul, severity, reuse_sys_cve_allowlist)');
    expect(notes(reset.stdout)).toEqual([]);
    expect(notes((await configure.run(withSettings({}))).stdout)).toEqual([]);
  });

  test('a value Harbor reads as its default is no notice; one it reads otherwise is, in whatever spelling', async () => {
    expect((await configure.run(withSettings({}))).code).toBe(0);
    // as an admin may set them in the portal: switches in any case, proxy limits of 0 or below (off), or beyond a
    // 32-bit integer, which Harbor's strconv.ParseInt(value, 10, 32) refuses and reads as 0 (project.go:161-185)
    Object.assign(configure.harbor.project('apps')!.metadata, { auto_scan: 'FALSE', enable_content_trust: '0', reuse_sys_cve_allowlist: 'True' });
    Object.assign(configure.harbor.project('dockerhub')!.metadata, { proxy_speed_kb: '0', max_upstream_conn: '2147483648' });
    expect(notes((await configure.run(withSettings({}))).stdout)).toEqual([]);

    Object.assign(configure.harbor.project('apps')!.metadata, { auto_scan: 'True', prevent_vul: '1' });
    Object.assign(configure.harbor.project('dockerhub')!.metadata, { proxy_speed_kb: '2048', max_upstream_conn: '+5' });
    const result = await configure.run(withSettings({}));
    expect(notes(result.stdout).map((l) => l.replace(/ as set in Harbor.*/, ''))).toEqual([
      'note: project dockerhub: keeps proxy_speed_kb "2048", max_upstream_conn "+5"',
      'note: project apps: keeps prevent_vul "1", auto_scan "True"',
    ]);
    // declared, a key is the configuration's: no notice for it
    expect(notes((await configure.run(withSettings({ auto_scan: 'true', prevent_vul: 'true' }, { proxy_speed_kb: '2048', max_upstream_conn: '5' }))).stdout)).toEqual([]);
  });
});

describe('the Docker Hub access token rotated', () => {
  const TOKEN_KEY = 'harbor/dockerhub-token/token';
  /** A Harbor whose proxy cache logs in to Docker Hub with the token of Secret dockerhub-token, whose value's digest is `digest`. */
  const renderHub = (digest: string) => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    const hub = new Secret(chart, 'HubToken', {
      name: 'dockerhub-token', namespace: 'harbor', values: { token: SecretValue.input('DOCKYARD_DOCKERHUB_TOKEN', 'a Docker Hub access token') },
    });
    harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub({ username: 'acme', password: hub.key('token') }) });
    const objects = withDigests(chart, (key) => (key === TOKEN_KEY ? digest : `digest-of-${key}`), () => chart.toJson());
    const job = objects.find((o: any) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
    const config = JSON.parse(find(objects, 'ConfigMap', job.spec.template.spec.volumes[0].projected.sources[1].configMap.name).data['config.json']);
    return { config, job };
  };

  // Harbor's UpdateRegistry sets the credential the request gives over the stored one (goharbor/harbor v2.15.1
  // src/server/v2.0/handler/registry.go:160-171), and a proxy cache reads its endpoint anew for each pull
  // (src/controller/proxy/remote.go:51-87, called per request by src/server/middleware/repoproxy/proxy.go:226)
  test('runs the Job again, which writes the new token to the same endpoint, and the proxy cache keeps its registry_id', async () => {
    const [before, after] = [renderHub('first'), renderHub('second')];
    // the token is in no ConfigMap: only the Job's name follows it, so that a new Job runs
    expect(after.config).toEqual(before.config);
    expect(after.job.metadata.name).not.toBe(before.job.metadata.name);
    const env = before.config.registries[0].accessSecretEnv;
    expect(env).toBe('UPSTREAM_0_PASSWORD');
    expect(before.job.spec.template.spec.containers[0].env.find((e: any) => e.name === env).valueFrom.secretKeyRef)
      .toEqual({ name: 'dockerhub-token', key: 'token' });

    expect((await configure.run(before.config)).code).toBe(0);
    const endpoint = configure.harbor.registry('dockerhub')!;
    expect(endpoint.credential).toMatchObject({ access_key: 'acme', access_secret: SECRETS.UPSTREAM_0_PASSWORD });

    const rotated = 'dckr_pat_Second1Token';
    const result = await configure.run(after.config, { UPSTREAM_0_PASSWORD: rotated });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('registry dockerhub: updated');
    expect(result.output).not.toContain(rotated);
    expect(configure.harbor.registry('dockerhub')!.id).toBe(endpoint.id);
    expect(configure.harbor.registry('dockerhub')!.credential).toMatchObject({ access_key: 'acme', access_secret: rotated });
    expect(configure.harbor.project('dockerhub')!.registry_id).toBe(endpoint.id);
  });
});
