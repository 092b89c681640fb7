import { Image, ProxyUpstream, RobotPermission } from '../../lib';
import { containerdHosts, rke2Registries } from '../../lib/registry/node-mirrors';
import { find, synth, testChart } from '../util';
import { configureHarness } from './configure-run';
import { inClusterHarbor } from './fixtures';

// A Harbor's first run: the configure Job starts with Harbor, and its first writes meet a core that has just answered
// its first ping, with jobservice, which loads its configuration from core, not up yet. And the Docker Hub proxy cache
// the construct declares, end to end: from the rendered config.json, through the configure script, to what Harbor
// then holds, against the pull paths the relocation and the node mirror files give.

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
const SECRETS = { ROBOT_0_SECRET: 'Puller8SecretX', ROBOT_1_SECRET: 'NodePuller7Secret' };
const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: SECRETS });

/** Proxy cache `dockerhub`, plain project `apps`, a robot that pulls from both and one that pulls through the cache only. */
function config(): any {
  const pull = (namespace: string) => ({ kind: 'project', namespace, access: [{ resource: 'repository', action: 'pull' }] });
  return {
    registries: [{ name: 'dockerhub', type: 'docker-hub', url: 'https://hub.docker.com', insecure: false, accessKey: null, accessSecretEnv: null, description: '' }],
    projects: [
      { name: 'dockerhub', public: false, registry: 'dockerhub', storageLimit: -1, metadata: {} },
      { name: 'apps', public: false, registry: null, storageLimit: -1, metadata: {} },
    ],
    robots: [
      { name: 'puller', level: 'system', project: null, duration: -1, permissions: [pull('dockerhub'), pull('apps')], secretEnv: 'ROBOT_0_SECRET' },
      { name: 'apps-reader', level: 'system', project: null, duration: -1, permissions: [pull('apps')], secretEnv: 'ROBOT_1_SECRET' },
    ],
  };
}

const healthReads = () => configure.harbor.requests.filter((r) => r.path === '/api/v2.0/health').length;
const projectPosts = () => configure.harbor.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2.0/projects').map((r) => r.body.project_name);

// Harbor schedules a new proxy cache's retention policy on jobservice within the create (goharbor/harbor v2.15.1
// src/server/v2.0/handler/project.go:241-254, src/controller/retention/controller.go:116-129), which answers a bare
// 500 while jobservice does not answer, and makes nothing (src/server/middleware/transaction/transaction.go); core
// reports jobservice at GET /health (src/controller/health/checker.go), "unhealthy" until its first check passes.
describe('the first run, jobservice not up yet', () => {
  test('the proxy cache waits for jobservice and is created once it is up: no 500, no failed Job', async () => {
    configure.harbor.jobserviceDownFor = 3;
    const result = await configure.run(config());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    // one line, naming why, however many reads it waits
    expect(result.stdout.match(/project dockerhub: waiting for jobservice/g)).toHaveLength(1);
    expect(result.stdout).toContain('Harbor\'s jobservice is unhealthy (failed to check health: Get "http://harbor-jobservice/api/v1/stats"');
    expect(result.stdout).toContain('and Harbor schedules a new proxy cache\'s retention policy on it');
    expect(healthReads()).toBe(4);
    expect(projectPosts()).toEqual(['dockerhub', 'apps']);
    expect(configure.harbor.project('dockerhub')!.registry_id).toBe(configure.harbor.registry('dockerhub')!.id);
    expect(configure.harbor.robot('puller')!.secret).toBe(SECRETS.ROBOT_0_SECRET);
  });

  test('a jobservice that stays down fails the proxy cache and its robots alone, naming jobservice, within the budget', async () => {
    configure.harbor.jobserviceDownFor = Infinity;
    const result = await configure.run(config(), { HARBOR_WAIT_SECONDS: '1' });
    // within the budget, not timed (a loaded machine makes any bound flaky): a run that waited on past it would be
    // killed by the harness (15 s) and end without an exit code, not with the run's own 1
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: project dockerhub: not created: Harbor\'s jobservice is unhealthy');
    expect(result.stderr).toContain('still so when the run\'s retry budget ran out (HARBOR_WAIT_SECONDS=1): check the jobservice pod and its log');
    expect(result.stderr).toContain('2 of 5 items not applied: project dockerhub (failed), robot puller (project dockerhub not applied)');
    // never sent, so never answered with Harbor's bare 500
    expect(projectPosts()).toEqual(['apps']);
    expect(configure.harbor.robot('apps-reader')!.secret).toBe(SECRETS.ROBOT_1_SECRET);
  });

  test('only a proxy cache that is to be created waits: a plain project, or one Harbor has, reads no health', async () => {
    const plain = config();
    plain.registries = [];
    plain.projects = plain.projects.filter((p: any) => p.registry === null);
    plain.robots = plain.robots.filter((r: any) => r.name === 'apps-reader');
    configure.harbor.jobserviceDownFor = Infinity;
    expect((await configure.run(plain)).code).toBe(0);
    expect(healthReads()).toBe(0);

    configure.harbor.jobserviceDownFor = 0;
    expect((await configure.run(config())).code).toBe(0);
    expect(healthReads()).toBe(1);
    // the proxy cache exists now: a run while jobservice is down again adopts it without a wait
    configure.harbor.jobserviceDownFor = Infinity;
    const again = await configure.run(config());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('project dockerhub: unchanged');
    expect(healthReads()).toBe(1);
  });

  test('a health check Harbor cannot answer, or one that names no jobservice, does not hold the create up', async () => {
    // failing on every read: a wait on it would read it again until the budget ran out and fail the project
    configure.harbor.failNext('GET', /^\/api\/v2\.0\/health$/, 500, Infinity);
    const result = await configure.run(config());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(projectPosts()).toEqual(['dockerhub', 'apps']);
    expect(healthReads()).toBe(1);

    await configure.restart(ADMIN_PASSWORD);
    configure.harbor.failNext('GET', /^\/api\/v2\.0\/health$/, 200, 1, { body: JSON.stringify({ status: 'healthy', components: [{ name: 'core', status: 'healthy' }] }) });
    const unnamed = await configure.run(config());
    expect({ code: unnamed.code, stderr: unnamed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(healthReads()).toBe(1);
  });
});

describe('a proxy cache of a type Harbor does not permit', () => {
  test('fails alone, with Harbor\'s 400 naming the type, and its robots are skipped', async () => {
    const cfg = config();
    cfg.registries[0] = { ...cfg.registries[0], type: 'quay', url: 'https://quay.io' };
    const result = await configure.run(cfg);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: project dockerhub: POST /api/v2.0/projects answered 400 Bad Request');
    expect(result.stderr).toContain('unsupported registry type quay');
    expect(result.stderr).toContain('2 of 5 items not applied: project dockerhub (failed), robot puller (project dockerhub not applied)');
    expect(configure.harbor.project('apps')).toBeDefined();
  });
});

describe('the Docker Hub proxy cache, from the construct to a pull', () => {
  test('the rendered configuration makes the project the relocation, the node mirror files and the robots name', async () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub(), public: false });
    harbor.addProject('apps');
    const puller = harbor.addRobot('puller', { permissions: [RobotPermission.pull('dockerhub'), RobotPermission.pull('apps')] });
    const nodes = harbor.addRobot('node-puller', { permissions: [RobotPermission.pull('dockerhub')] });
    const objects = synth(chart);
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
    const rendered = JSON.parse(find(objects, 'ConfigMap', job.spec.template.spec.volumes[0].projected.sources[1].configMap.name).data['config.json']);
    expect(rendered.robots.map((r: any) => r.secretEnv)).toEqual(['ROBOT_0_SECRET', 'ROBOT_1_SECRET']);

    const result = await configure.run(rendered);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });

    // the docker-hub adapter's one endpoint is https://hub.docker.com; it pulls from registry-1.docker.io itself
    // (goharbor/harbor v2.15.1 src/pkg/reg/adapter/dockerhub/adapter.go getAdapterInfo, consts.go registryURL)
    const registry = configure.harbor.registry('dockerhub')!;
    expect(registry).toMatchObject({ type: 'docker-hub', url: 'https://hub.docker.com', credential: undefined });
    const project = configure.harbor.project('dockerhub')!;
    expect(project.registry_id).toBe(registry.id);
    expect(project.metadata.public).toBe('false');

    // a pod's image: <host>/<project>/library/<name>; Harbor answers <project>/<name> with a redirect to it
    // (src/server/middleware/repoproxy/proxy.go defaultLibrary, defaultManifestURL)
    const pulled = harbor.proxyCacheRelocation('dockerhub').relocate(Image.of('nginx:1.27'));
    expect(pulled.reference).toBe('harbor.example.com/dockerhub/library/nginx:1.27');
    // the first path part after the host is the project Harbor looks up (src/server/middleware/artifactinfo/artifact_info.go:103)
    const [host, pulledProject] = pulled.reference.split('/');
    expect([host, pulledProject]).toEqual([harbor.host, project.name]);

    // the nodes pull the same path: containerd's override_path host with /v2/<project>, k3s' and RKE2's rewrite
    const mirror = { upstream: 'docker.io', endpoint: harbor.url, project: 'dockerhub' };
    expect(containerdHosts(mirror).content).toContain(`[host."https://harbor.example.com/v2/${project.name}"]`);
    expect(rke2Registries([mirror])).toContain(`"^(.*)$": ${project.name}/$1`);

    // both robots log in as Harbor names them, and may pull from the proxy cache (a pull through it is a pull of the
    // project's repositories: repoproxy fetches from the upstream under a session of its own, proxy.go isProxySession)
    for (const [robot, env] of [[puller, 'ROBOT_0_SECRET'], [nodes, 'ROBOT_1_SECRET']] as const) {
      const stored = configure.harbor.robot(robot.username.slice('robot$'.length))!;
      expect(`${configure.harbor.robotPrefix}${stored.name}`).toBe(robot.username);
      expect(stored.secret).toBe(SECRETS[env]);
      expect(stored.permissions.find((p) => p.namespace === project.name)!.access).toEqual([{ resource: 'repository', action: 'pull' }]);
    }
    // the nodes' robot reaches nothing else
    expect(configure.harbor.robot('node-puller')!.permissions.map((p) => p.namespace)).toEqual(['dockerhub']);
  });
});
