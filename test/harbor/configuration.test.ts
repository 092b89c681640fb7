import {
  HarborExposure, Image, ImageRelocation, Images, ProxyUpstream, RegistryType, RobotPermission, Secret, SecretValueKind,
} from '../../lib';
import { configText } from '../../lib/harbor/configure-job';
import { scriptCode } from '../../lib/harbor/script-code';
import { container, envOf, find, synth, testChart, thrown } from '../util';
import { inClusterHarbor } from './fixtures';

/** The one configure Job. */
const configureJob = (objects: any[]) => {
  const jobs = objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
  expect(jobs).toHaveLength(1);
  return jobs[0];
};
/** The ConfigMaps the one configure Job mounts, named by their content: its script and its state. */
const mounted = (objects: any[]) => {
  const [script, state] = configureJob(objects).spec.template.spec.volumes[0].projected.sources.map((s: any) => s.configMap.name);
  return { script: find(objects, 'ConfigMap', script), state: find(objects, 'ConfigMap', state) };
};
/** The declared state, as the configure Job reads it. */
const configOf = (objects: any[]) => JSON.parse(mounted(objects).state.data['config.json']);

describe('Harbor configuration in code', () => {
  const configured = () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    const token = Secret.fromSecretName(chart, 'HubToken', 'dockerhub-token').key('token');
    harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub({ username: 'acme', password: token }) });
    harbor.addProject('apps', { storageLimitGiB: 100 });
    const robot = harbor.addRobot('ci', { permissions: [RobotPermission.push('apps'), RobotPermission.pull('dockerhub')] });
    return { chart, harbor, robot };
  };

  test('a proxy cache declared public is public', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart).addProxyCache('hub', { upstream: ProxyUpstream.dockerHub(), public: true });
    const config = configOf(synth(chart));
    expect(config.projects.find((p: any) => p.name === 'hub').public).toBe(true);
  });

  test('renders the declared state as JSON without secrets, naming variables instead', () => {
    const { chart } = configured();
    const objects = synth(chart);
    const config = configOf(objects);
    expect(config.registries).toEqual([{
      name: 'dockerhub', type: 'docker-hub', url: 'https://hub.docker.com', insecure: false,
      accessKey: 'acme', accessSecretEnv: 'UPSTREAM_0_PASSWORD', description: 'managed by Dockyard',
    }]);
    // a proxy cache is private unless declared public, as any project (ProjectOptions.public)
    expect(config.projects).toEqual([
      { name: 'dockerhub', public: false, registry: 'dockerhub', storageLimit: -1, metadata: {} },
      { name: 'apps', public: false, registry: null, storageLimit: 100 * 2 ** 30, metadata: {} },
    ]);
    expect(config.robots).toEqual([{
      name: 'ci', level: 'system', project: null, description: 'managed by Dockyard', duration: -1, secretEnv: 'ROBOT_0_SECRET',
      // no secret: where the state keeps it, which the Job names when Harbor has the robot disabled
      stateKey: 'harbor/harbor-robot-ci/secret',
      permissions: [
        { kind: 'project', namespace: 'apps', access: [{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }] },
        { kind: 'project', namespace: 'dockerhub', access: [{ resource: 'repository', action: 'pull' }] },
      ],
    }]);
    // one item a line, so that a diff shows what changed
    expect(mounted(objects).state.data['config.json'].split('\n').slice(0, 4)).toEqual([
      '{', '  "registries": [', `    ${JSON.stringify(config.registries[0])}`, '  ],',
    ]);
    // the script is shared by every chunk's Job, in a ConfigMap of its own
    expect(mounted(objects).script.data).toEqual({
      'configure.js': scriptCode(require('fs').readFileSync(require.resolve('../../lib/harbor/configure.js'), 'utf8')),
    });
  });

  test('runs a Job that reaches only core, with the admin password and robot secrets from Secrets', () => {
    const { chart } = configured();
    const objects = synth(chart);
    const job = configureJob(objects);
    expect(job.metadata.name).toMatch(/^harbor-configure-[0-9a-f]{8}$/);
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
    const env = envOf(container(job));
    expect(container(job).image).toBe('docker.io/library/node:22.12.0-alpine');
    expect(env.HARBOR_URL.value).toBe('http://harbor-core:80');
    expect(env.HARBOR_ADMIN_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'harbor-core', key: 'admin-password' });
    expect(env.ROBOT_0_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'harbor-robot-ci', key: 'secret' });
    expect(env.UPSTREAM_0_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'dockerhub-token', key: 'token' });
    expect(Object.keys(env)).toEqual(['HARBOR_URL', 'HARBOR_ADMIN_PASSWORD', 'CONFIG_FILE', 'JOB_NAME', 'CURRENT_JOBS_FILE', 'UPSTREAM_0_PASSWORD', 'ROBOT_0_SECRET']);
    // the shared script and the chunk's own state, side by side where the script reads them, each named by its content,
    // and the list of the current Jobs under its fixed name in a volume of its own (optional: a Job whose list is
    // missing runs unfenced)
    expect(job.spec.template.spec.volumes).toEqual([{
      name: 'config', projected: { sources: [{ configMap: { name: expect.stringMatching(/^harbor-configure-script-[0-9a-f]{8}$/) } },
        { configMap: { name: expect.stringMatching(/^harbor-configure-[0-9a-f]{8}$/) } }] },
    }, { name: 'current-jobs', configMap: { name: 'harbor-configure-jobs', optional: true } }]);
    expect(container(job).volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/harbor-configure', readOnly: true }, { name: 'current-jobs', mountPath: '/etc/dockyard/current-jobs', readOnly: true },
    ]);
    expect(container(job).command).toEqual(['node', '/etc/harbor-configure/configure.js']);
    expect(env.CONFIG_FILE.value).toBe('/etc/harbor-configure/config.json');
    // a Job runs to completion: no probes (the policy suite asks none of Jobs), but requests and limits
    expect(container(job).livenessProbe).toBeUndefined();
    expect(container(job).resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    // one NetworkPolicy for every configuration pod, admitting nothing
    const policy = find(objects, 'NetworkPolicy', 'harbor-configure');
    expect(policy.spec.podSelector.matchLabels).toMatchObject({ 'app.kubernetes.io/component': 'configure' });
    expect(job.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.ingress).toEqual([]);
    expect(objects.filter((o) => ['Role', 'RoleBinding'].includes(o.kind) && o.metadata.namespace === 'harbor')).toEqual([]);
  });

  test('a change to the declared state runs a new Job', () => {
    const a = configured();
    const b = configured();
    b.harbor.addProject('more');
    const name = (chart: typeof a.chart) => synth(chart).find((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-')).metadata.name;
    expect(name(a.chart)).toBe(name(configured().chart));
    expect(name(b.chart)).not.toBe(name(a.chart));
  });

  test('gives each robot a generated secret and a ready docker config for Harbor\'s host', () => {
    const { chart, robot } = configured();
    expect(robot.username).toBe('robot$ci');
    expect(robot.secret.toString()).toBe('harbor/harbor-robot-ci#secret');
    // defined when first read: a robot whose docker config nobody reads has no such Secret
    expect(Secret.allIn(chart).find((s) => s.secretName === 'harbor-robot-ci-docker')).toBeUndefined();
    expect(robot.dockerConfig.toString()).toBe('harbor/harbor-robot-ci-docker#.dockerconfigjson');
    const docker = Secret.allIn(chart).find((s) => s.secretName === 'harbor-robot-ci-docker')!;
    expect(docker.type).toBe('kubernetes.io/dockerconfigjson');
    const value = docker.values['.dockerconfigjson'];
    expect(value).toMatchObject({ kind: SecretValueKind.DOCKER_CONFIG_JSON, entries: [{ registry: 'harbor.example.com', username: 'robot$ci' }] });
    expect(Secret.allIn(chart).find((s) => s.secretName === 'harbor-robot-ci')!.values.secret.mixedClasses).toBe(true);
  });

  test('proxies other registries by type and URL', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProxyCache('ghcr', { upstream: ProxyUpstream.of(RegistryType.GITHUB_GHCR, 'https://ghcr.io'), public: false });
    const config = configOf(synth(chart));
    expect(config.registries[0]).toMatchObject({ name: 'ghcr', type: 'github-ghcr', url: 'https://ghcr.io', accessKey: null, accessSecretEnv: null });
    expect(config.projects[0]).toMatchObject({ name: 'ghcr', public: false, registry: 'ghcr' });
  });

  test('fails on bad projects, robots and upstreams', () => {
    const { chart, harbor } = configured();
    const token = Secret.fromSecretName(chart, 'T', 't').key('k');
    // each message names the project or robot it is about: a Harbor holds many
    expect(() => harbor.addProject('Apps'))
      .toThrow(new Error('invalid name "Apps": must be lower-case letters and digits, separated by single ".", "_" or "-" (project "Apps")'));
    expect(() => harbor.addProject('apps'))
      .toThrow(new Error('invalid name "apps": must be unique among the projects of this Harbor (addProject, addProxyCache, declareLibrary) (project "apps")'));
    expect(() => harbor.addProject('library')).toThrow(/^invalid name "library": .* \(project "library"\)$/);
    expect(() => harbor.addProject('x', { storageLimitGiB: 0 })).toThrow(new Error('invalid storageLimitGiB 0: must be an integer from 1 to 1048576 (project "x")'));
    // Harbor refuses more than 1024 TB (goharbor/harbor v2.15.1 src/lib/quota_storage_limit.go:23-35)
    expect(() => harbor.addProject('y', { storageLimitGiB: 2 ** 20 + 1 }))
      .toThrow(new Error('invalid storageLimitGiB 1048577: must be an integer from 1 to 1048576 (project "y")'));
    expect(() => harbor.addProject('z', { storageLimitGiB: 2 ** 20 })).not.toThrow();
    expect(() => harbor.addRobot('ci', { permissions: [RobotPermission.pull('apps')] }))
      .toThrow(new Error('invalid name "ci": must be unique among the robots of this Harbor (robot "ci")'));
    // "." and "_" become "-" in the robot's Secret name, so these two would share one Secret (and one state key)
    harbor.addRobot('ci.pull', { permissions: [RobotPermission.pull('apps')] });
    expect(() => harbor.addRobot('ci-pull', { permissions: [RobotPermission.pull('apps')] })).toThrow(new Error('invalid name "ci-pull": must ' +
      'differ from the robot "ci.pull" in more than ".", "_" and "-": both would keep their secrets in the Secret "harbor-robot-ci-pull" (robot "ci-pull")'));
    expect(() => harbor.addRobot('r1', { permissions: [] })).toThrow(new Error('invalid permissions []: must grant at least one project permission (robot "r1")'));
    // one permission, not a list of one: refused as such
    expect(() => harbor.addRobot('r0', { permissions: RobotPermission.pull('apps') as unknown as RobotPermission[] }))
      .toThrow(/^invalid permissions \{.*\}: must be a list of project permissions \(robot "r0"\)$/);
    expect(() => harbor.addRobot('r2', { permissions: [RobotPermission.pull('nope')] }))
      .toThrow(new Error('invalid permissions "nope": must name "library" or a project added with addProject or addProxyCache (robot "r2")'));
    expect(() => harbor.addRobot('r3', { permissions: [RobotPermission.pull('apps'), RobotPermission.push('apps')] }))
      .toThrow(/must not repeat "apps" \(robot "r3"\)$/);
    expect(() => harbor.addRobot('Bad', { permissions: [RobotPermission.pull('library')] })).toThrow(/^invalid name "Bad": .* \(robot "Bad"\)$/);
    // goharbor/harbor v2.15.1 src/server/middleware/repoproxy/proxy.go:342-360 refuses every push to a proxy project
    harbor.addProxyCache('hub', { upstream: ProxyUpstream.dockerHub({ anonymous: true }) });
    expect(() => harbor.addRobot('r4', { permissions: [RobotPermission.push('hub')] })).toThrow(new Error('invalid permissions "hub": must not ' +
      'grant push on a proxy cache: Harbor refuses every push to a proxy cache project ("can not push artifact to a proxy project"); grant ' +
      'RobotPermission.pull there, and push to a project added with addProject (robot "r4")'));
    expect(() => harbor.addRobot('r5', { permissions: [RobotPermission.pull('hub'), RobotPermission.push('apps')] })).not.toThrow();
    expect(() => ProxyUpstream.dockerHub({ username: 'acme' })).toThrow('invalid credentials {"username":"acme"}: must set both username and password, or neither');
    expect(() => ProxyUpstream.dockerHub({ password: token })).toThrow(/must set both username and password/);
    // Harbor logs in to the upstream with basic auth, whose user-id holds no ":" (RFC 7617, section 2)
    for (const username of ['', ' ', 'acme\n']) {
      expect(() => ProxyUpstream.dockerHub({ username, password: token }))
        .toThrow(new Error(`invalid credentials.username ${JSON.stringify(username)}: must be a non-empty name without ":", whitespace or control characters`));
    }
    // a login pasted whole, `user:token`: the refusal shows nothing after the ":", with anonymous set too
    for (const credentials of [{ username: 'acme:dckr_pat_s3cret', password: token }, { username: 'acme:dckr_pat_s3cret', anonymous: true }]) {
      expect(() => ProxyUpstream.dockerHub(credentials))
        .toThrow(new Error('invalid credentials.username "acme:<redacted>": must be a non-empty name without ":", whitespace or control characters'));
    }
    expect(() => ProxyUpstream.of(RegistryType.DOCKER_REGISTRY, 'quay.io')).toThrow(new Error('invalid url "quay.io": must be an absolute URL with scheme http or https'));
    // the URL is written to the configuration Job's ConfigMap as given: a login in it would be stored in plain text, and
    // quoted by the refusal only redacted
    expect(() => ProxyUpstream.of(RegistryType.DOCKER_REGISTRY, 'https://acme:s3cret@quay.io'))
      .toThrow(new Error('invalid url "https://<redacted>@quay.io": must not embed credentials; pass them as a secret reference'));
    // a value that passed a prefix test yet no URL parser: addProxyCache read its host with `new URL`, a TypeError
    expect(thrown(() => harbor.addProxyCache('quay', { upstream: ProxyUpstream.of(RegistryType.DOCKER_REGISTRY, 'https://[quay.io') })))
      .toEqual(new Error('invalid url "https://[quay.io": must be an absolute URL with scheme http or https'));
    expect(() => ProxyUpstream.of(RegistryType.DOCKER_REGISTRY, 'https://quay.io/\nx')).toThrow(/^invalid url "https:\/\/quay.io\/\\nx": must be written as an absolute URL/);
    expect(() => HarborExposure.httpRoute({ gatewayName: 'Gw', gatewayNamespace: 'gw' })).toThrow(/invalid gatewayName "Gw"/);
    expect(() => HarborExposure.httpRoute({ gatewayName: 'gw', gatewayNamespace: 'GW' })).toThrow(/invalid gatewayNamespace "GW"/);
    expect(() => HarborExposure.httpRoute({ gatewayName: 'gw', gatewayNamespace: 'gw', sectionName: 'Web' })).toThrow(/invalid sectionName "Web"/);
    // an address as the external URL's host, behind a Gateway, is refused naming Harbor's prop (Gateway API hostnames
    // exclude IP addresses; the HTTPRoute CRD's pattern would refuse it at apply)
    for (const externalUrl of ['https://10.0.0.5', 'https://[fd00::1]']) {
      expect(() => inClusterHarbor(testChart('registry'), { externalUrl, exposure: HarborExposure.httpRoute({ gatewayName: 'gw', gatewayNamespace: 'gw' }) }))
        .toThrow(/^invalid externalUrl's host "(10\.0\.0\.5|\[fd00::1\])": must be a DNS host name for an HTTPRoute/);
    }
    // robots may use the project Harbor creates itself
    expect(harbor.addRobot('puller', { permissions: [RobotPermission.pull('library')] }).username).toBe('robot$puller');
  });

  test('refuses, in one line naming the project or robot, what untyped JavaScript may pass for options, an upstream or a permission', () => {
    const { chart, harbor } = configured();
    const before = synth(chart);
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect((e as Error).name).toBe('ValidationError');
        return (e as Error).message;
      }
      throw new Error('did not throw');
    };
    const untyped = <T>(value: unknown) => value as T;
    for (const bad of [null, 'public']) {
      const shown = JSON.stringify(bad);
      expect(message(() => harbor.addProject('web', untyped(bad))))
        .toBe(`invalid options ${shown}: must be an object of ProjectOptions, e.g. { storageLimitGiB: 50 } (project "web")`);
      expect(message(() => harbor.checkProject('web', untyped(bad)))).toBe(`invalid options ${shown}: must be an object of ProjectOptions, e.g. { storageLimitGiB: 50 }`);
      expect(message(() => harbor.addRobot('web', untyped(bad))))
        .toBe(`invalid options ${shown}: must be an object of RobotOptions, e.g. { permissions: [RobotPermission.pull("apps")] } (robot "web")`);
      expect(message(() => harbor.addProxyCache('ghcr', untyped(bad))))
        .toBe(`invalid options ${shown}: must be an object of ProxyCacheOptions, e.g. { upstream: ProxyUpstream.dockerHub() } (proxy cache "ghcr")`);
    }
    expect(message(() => harbor.addRobot('web', untyped(undefined))))
      .toBe('invalid options undefined: must be an object of RobotOptions, e.g. { permissions: [RobotPermission.pull("apps")] } (robot "web")');
    // an upstream or a permission of the right shape is refused too: only their factories check the type, URL and actions
    for (const upstream of [undefined, 'docker.io', { type: RegistryType.QUAY, url: 'https://quay.io', credentials: {} }]) {
      expect(message(() => harbor.addProxyCache('ghcr', untyped({ upstream }))))
        .toBe(`invalid upstream ${JSON.stringify(upstream) ?? 'undefined'}: must be a ProxyUpstream: ProxyUpstream.dockerHub() or ProxyUpstream.of(type, url) ` +
          '(proxy cache "ghcr")');
    }
    for (const permission of [null, 'apps', { project: 'apps', actions: ['delete'] }]) {
      expect(message(() => harbor.addRobot('web', { permissions: [RobotPermission.pull('apps'), untyped(permission)] })))
        .toBe(`invalid permissions ${JSON.stringify(permission)}: must hold RobotPermissions: RobotPermission.pull(project) or .push(project) (robot "web")`);
    }
    expect(message(() => harbor.checkRobot('web', { permissions: [untyped(null)] })))
      .toBe('invalid permissions null: must hold RobotPermissions: RobotPermission.pull(project) or .push(project)');
    // nothing was declared: the names are still free
    expect(synth(chart)).toEqual(before);
    harbor.addProject('web');
    harbor.addRobot('web', { permissions: [RobotPermission.pull('web')] });
    harbor.addProxyCache('ghcr', { upstream: ProxyUpstream.of(RegistryType.GITHUB_GHCR, 'https://ghcr.io') });
  });
});

// A project that left the code keeps its members: retireProjectGroups has the configuration Job remove its groups
// (lib/harbor/configure.js, "Retired project groups"; the Job's side in configure-oidc.test.ts)
// Harbor creates "library" public at its first start (goharbor/harbor v2.15.1
// make/migrations/postgresql/0001_initial_schema.up.sql:81, :120); declareLibrary declares it, private by default
describe('Harbor\'s "library", declared', () => {
  test('renders as a project, private unless declared public, with its options; a robot may be granted it as before', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.declareLibrary({ storageLimitGiB: 5 });
    harbor.addRobot('ci', { permissions: [RobotPermission.push('library')] });
    const config = configOf(synth(chart));
    expect(config.projects).toEqual([{ name: 'library', public: false, registry: null, storageLimit: 5 * 2 ** 30, metadata: {} }]);
    expect(config.robots.map((r: any) => r.permissions[0].namespace)).toEqual(['library']);

    const open = testChart('harbor');
    inClusterHarbor(open).declareLibrary({ public: true });
    // without storageLimitGiB the Job leaves library's quota as Harbor keeps it (storageLimit null), unlike addProject's
    expect(configOf(synth(open)).projects[0]).toEqual({ name: 'library', public: true, registry: null, storageLimit: null, metadata: {} });
  });

  test('is refused by addProject and addProxyCache (so a team named library cannot take it over), and declared once', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    expect(thrown(() => harbor.addProject('library')).message).toBe('invalid name "library": is Harbor\'s own project, which Harbor creates public: ' +
      'give the project or team another name, or take Harbor\'s over with declareLibrary (project "library")');
    expect(thrown(() => harbor.checkProject('library')).message).toBe('invalid name "library": is Harbor\'s own project, which Harbor creates public: ' +
      'give the project or team another name, or take Harbor\'s over with declareLibrary');
    expect(thrown(() => harbor.addProxyCache('library', { upstream: ProxyUpstream.dockerHub() })).message).toBe('invalid name "library": is Harbor\'s own ' +
      'project, which Harbor creates without a registry and sets a registry only when creating one: name the proxy cache otherwise (proxy cache "library")');
    harbor.declareLibrary();
    expect(thrown(() => harbor.declareLibrary()).message).toBe('invalid name "library": must be declared once: declareLibrary was called already (project "library")');
    expect(thrown(() => harbor.addProject('library')).message).toBe('invalid name "library": must be unique among the projects of this Harbor ' +
      '(addProject, addProxyCache, declareLibrary) (project "library")');
    expect(thrown(() => harbor.retireProjectGroups('library')).message).toMatch(/^invalid name "library": must not be a project this Harbor declares/);
    expect(configOf(synth(chart)).projects.map((p: any) => p.name)).toEqual(['library']);
  });
});

describe('retired project groups', () => {
  test('render as retiredProjectGroups, one name a line, after retiredRobots and before the OIDC settings', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProject('apps');
    harbor.retireProjectGroups('billing');
    const config = configOf(synth(chart));
    expect(config.retiredProjectGroups).toEqual(['billing']);
    expect(config.projects.map((p: any) => p.name)).toEqual(['apps']);
    expect(config).not.toHaveProperty('retiredRobots');
    expect(configText({ registries: [], projects: [], robots: [], retiredRobots: ['old-ci'], retiredProjectGroups: ['billing', 'a"b'], oidc: { name: 'x' } }))
      .toBe('{\n  "registries": [],\n  "projects": [],\n  "robots": [],\n  "retiredRobots": [\n    "old-ci"\n  ],\n' +
        '  "retiredProjectGroups": [\n    "billing",\n    "a\\"b"\n  ],\n  "oidc": {"name":"x"}\n}\n');
    // none, or an empty list: no key, so a chunk without them reads as before they existed
    const plain = '{\n  "registries": [],\n  "projects": [],\n  "robots": []\n}\n';
    expect(configText({ registries: [], projects: [], robots: [] })).toBe(plain);
    expect(configText({ registries: [], projects: [], robots: [], retiredRobots: [], retiredProjectGroups: [] })).toBe(plain);
  });

  test('refuse a bad name, a declared project, "library", a retirement twice, and a project declared once retired', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProject('apps');
    harbor.addProxyCache('hub', { upstream: ProxyUpstream.dockerHub() });
    expect(() => harbor.retireProjectGroups('Old Apps')).toThrow('invalid name "Old Apps": must be lower-case letters and digits, separated by single ".", "_" or "-"');
    for (const name of ['apps', 'hub', 'library']) {
      expect(() => harbor.retireProjectGroups(name)).toThrow(`invalid name "${name}": must not be a project this Harbor declares (addProject, addProxyCache, declareLibrary) ` +
        'or "library", which Harbor creates: a project is either declared or retired');
    }
    harbor.retireProjectGroups('billing');
    expect(() => harbor.retireProjectGroups('billing')).toThrow('invalid name "billing": must be retired once: retireProjectGroups was called with it already');
    const declaredAgain = 'invalid name "billing": must not be a project this Harbor retires (retireProjectGroups): a project is either declared or retired; ' +
      'drop the retireProjectGroups call to declare it again';
    expect(() => harbor.addProject('billing')).toThrow(`${declaredAgain} (project "billing")`);
    expect(() => harbor.addProxyCache('billing', { upstream: ProxyUpstream.dockerHub() })).toThrow(`${declaredAgain} (proxy cache "billing")`);
    expect(() => harbor.checkProject('billing')).toThrow(declaredAgain);
    // nothing of the refused calls reached the state
    expect(configOf(synth(chart)).retiredProjectGroups).toEqual(['billing']);
  });
});

describe('Harbor proxy-cache types and registry names, as Harbor accepts them', () => {
  // goharbor/harbor v2.15.1: core permits exactly PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE, with no built-in default
  // (src/lib/config/systemconfig.go:107), and answers 400 "unsupported registry type" to a proxy-cache project of any
  // other type (src/server/v2.0/handler/project.go:808-815); the installer's and harbor-helm 1.19.1's list
  // (make/photon/prepare/templates/core/env.jinja:42, templates/core/core-cm.yaml:56) has no "quay" since #22237.
  const UPSTREAM_DEFAULT = 'docker-hub,harbor,azure-acr,ali-acr,aws-ecr,google-gcr,docker-registry,github-ghcr,jfrog-artifactory';

  test('every registry type a proxy cache can be declared with is one core permits', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    const accepted: string[] = [];
    for (const type of Object.values(RegistryType)) {
      try {
        harbor.addProxyCache(`p-${type}`, { upstream: ProxyUpstream.of(type, 'https://registry.example.com') });
        accepted.push(type);
      } catch (err) {
        expect(String(err)).toMatch(/invalid type/);
      }
    }
    const permitted = envOf(container(find(synth(chart), 'Deployment', 'harbor-core'))).PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE.value;
    expect(permitted).toBe(UPSTREAM_DEFAULT);
    expect(accepted.filter((t) => !permitted.split(',').includes(t))).toEqual([]);
    expect(accepted).toContain(RegistryType.DOCKER_REGISTRY);
  });

  test('refuses a Quay proxy cache at synth, pointing at docker-registry', () => {
    expect(() => ProxyUpstream.of(RegistryType.QUAY, 'https://quay.io')).toThrow(
      'invalid type "quay": must be a registry type Harbor permits for proxy caches: '
      + 'docker-hub, harbor, azure-acr, ali-acr, aws-ecr, google-gcr, docker-registry, github-ghcr, jfrog-artifactory; proxy Quay as "docker-registry"');
    // the way to proxy quay.io
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProxyCache('quay', { upstream: ProxyUpstream.of(RegistryType.DOCKER_REGISTRY, 'https://quay.io') });
    expect(harbor.proxyCacheRelocation('quay').relocate(Image.of('quay.io/org/app:1')).reference).toBe('harbor.example.com/quay/org/app:1');
  });

  test('refuses a proxy cache named longer than a registry endpoint may be', () => {
    // src/controller/registry/controller.go:92: "the max length of name is 64"
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProxyCache('a'.repeat(64), { upstream: ProxyUpstream.dockerHub() });
    const name = 'b'.repeat(65);
    expect(() => harbor.addProxyCache(name, { upstream: ProxyUpstream.dockerHub() })).toThrow(new Error(
      `invalid name "${name}": must be at most 64 characters: Harbor names the proxy cache's registry endpoint after it (proxy cache "${name}")`));
  });
});

describe('Harbor and image relocation', () => {
  test('relocates Docker Hub images through a proxy-cache project', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
    expect(harbor.proxyCacheRelocation('dockerhub').relocate(Image.of('drone/drone:2.28.2')).reference)
      .toBe('harbor.example.com/dockerhub/drone/drone:2.28.2');
    harbor.addProxyCache('ghcr', { upstream: ProxyUpstream.of(RegistryType.GITHUB_GHCR, 'https://ghcr.io') });
    expect(harbor.proxyCacheRelocation('ghcr').relocate(Image.of('ghcr.io/org/app:1')).reference).toBe('harbor.example.com/ghcr/org/app:1');
    expect(() => harbor.proxyCacheRelocation('apps')).toThrow('invalid project "apps": must be a proxy cache of this Harbor: dockerhub, ghcr');
  });

  test('refuses to make Harbor pull itself, or the data services it needs, through itself', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
    Images.relocate(chart, harbor.proxyCacheRelocation('dockerhub'));
    expect(() => synth(chart)).toThrow(/invalid relocation of docker\.io\/library\/postgres:17\.9-bookworm to harbor\.example\.com\/dockerhub\/library\/postgres:17\.9-bookworm for test\/Postgres: test\/Postgres is a data service Harbor at harbor\.example\.com needs to start; relocate it with ImageRelocation\.upstream\(\) or to a pre-mirrored registry/);
    const postgres = chart.node.findChild('Postgres');
    const redis = chart.node.findChild('Redis');
    Images.relocate(postgres, ImageRelocation.upstream());
    Images.relocate(redis, ImageRelocation.upstream());
    expect(() => synth(chart)).toThrow(/Harbor at harbor\.example\.com cannot pull its own images through itself/);
    Images.relocate(harbor, ImageRelocation.registry('premirror.example.com/harbor'));
    const objects = synth(chart);
    expect(container(find(objects, 'Deployment', 'harbor-core')).image).toBe('premirror.example.com/harbor/goharbor/harbor-core:v2.15.1');
  });
});
