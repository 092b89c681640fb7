// The default stack's Drone settings, evaluated by upstream's rules (models in test/drone/upstream.ts, each citing
// its source): who can log in, which identity a pipeline runs as, whether its pods can pull, where it is routed.
import { App } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { demoPipelines } from '../../apps/default/pipeline';
import { defaultStack } from '../../apps/default/stack';
import { droneFilters } from '../../apps/shared/git-provider';
import { CiEngineKind, DroneCi, DroneKubeRunner, DroneSecretsExtension, RepositoryPipelines, registryHost, SecretValue } from '../../lib';
import { droneServer } from '../drone/fixtures';
import { droneAdmits, droneBootstrapUser, parsePolicies, parseRunnerLabels, placeBuild, schedulerRoutes, runnerConfigFiles } from '../drone/upstream';
import { EXAMPLE_STACKS } from '../stacks';
import { container, envOf, find, testChart } from '../util';

const stack = EXAMPLE_STACKS.find((s) => s.name === 'default')!.synth();
const org = DEFAULT_CONFIG.organization;
const demo = `${org}/demo`;

function values(workload: any): Record<string, string> {
  return Object.fromEntries(Object.entries(envOf(container(workload))).filter(([, v]) => v.value !== undefined).map(([k, v]) => [k, v.value]));
}

const server = values(find(stack.objects, 'Deployment', 'drone'));
const runner = values(find(stack.objects, 'Deployment', 'drone-runner'));
const config = runnerConfigFiles(stack.objects);
const policies = parsePolicies(config['policies.yaml']);
const rules = parse(config['namespace-rules.yaml']) as Record<string, string[]>;
const deployAccounts = stack.objects
  .filter((o) => o.kind === 'ServiceAccount' && o.metadata.labels?.['app.kubernetes.io/component'] === 'deploy-access')
  .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

describe('default stack: Drone behaves as intended by upstream\'s rules', () => {
  test('a member of the organisation can log in, an outsider cannot', () => {
    // harness v2.28.2 cmd/drone-server/inject_plugin.go:47-49, plugin/admission/account.go:38-72, open.go:38-49
    expect(droneAdmits(server, { login: 'some-member', orgs: [org] })).toBe(true);
    expect(droneAdmits(server, { login: DEFAULT_CONFIG.admin, orgs: [] })).toBe(true);
    expect(droneAdmits(server, { login: 'outsider', orgs: ['elsewhere'] })).toBe(false);
  });

  test('a pull-request pipeline of the demo repository gets no deploy ServiceAccount', () => {
    // drone-runner-kube v1.0.0-rc.5 engine/policy/match.go:12-24 (first match wins), policy.go:104-107, compiler.go:212-259,636-638
    expect(deployAccounts).toEqual(['dockyard-deploy/deployer']);
    const deploy = placeBuild(runner, policies, rules, { repo: demo, event: 'promote' });
    expect(deploy).toEqual({ namespace: 'dockyard-deploy', serviceAccountName: 'deployer' });
    for (const asks of [{}, { namespace: 'dockyard-deploy', serviceAccountName: 'deployer' }, { serviceAccountName: 'deployer' }]) {
      const pr = placeBuild(runner, policies, rules, { repo: demo, event: 'pull_request' }, asks);
      expect(pr).toEqual({ namespace: 'dockyard-builds', serviceAccountName: 'default' });
    }
  });

  test('every ServiceAccount a build pod can run under can pull the images of the proxy registry', () => {
    // the runner sets pod pull secrets only from fetched image_pull_secrets (drone-runner-kube engine/convert.go:32);
    // Kubernetes adds a ServiceAccount's imagePullSecrets to a pod that names none
    const accounts = new Set<string>([`${runner.DRONE_NAMESPACE_DEFAULT}/default`]);
    for (const p of policies) {
      accounts.add(`${p.metadata?.namespace ?? runner.DRONE_NAMESPACE_DEFAULT}/${p.service_account ?? 'default'}`);
    }
    expect([...accounts].sort()).toEqual(['dockyard-builds/default', 'dockyard-deploy/deployer', 'dockyard-publish/default']);
    // the build pods' own images (clone, placeholder) come from the proxy registry, like the pipeline's steps
    const registry = registryHost(runner.DRONE_IMAGE_CLONE);
    expect(registry).toBe(DEFAULT_CONFIG.harborHost);
    for (const account of accounts) {
      const [namespace, name] = account.split('/');
      const sa = find(stack.objects, 'ServiceAccount', name, namespace);
      const pullSecrets: string[] = (sa.imagePullSecrets ?? []).map((s: any) => s.name);
      const covered = pullSecrets.some((secretName) => {
        const secret = stack.secrets.find((s) => s.metadata.namespace === namespace && s.metadata.name === secretName);
        const docker = secret && JSON.parse(secret.stringData?.['.dockerconfigjson'] ?? Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString());
        return Object.keys(docker?.auths ?? {}).some((host) => registryHost(host) === registry);
      });
      expect({ account, covered }).toEqual({ account, covered: true });
    }
  });

  test('a pull request, a fork\'s included, pulls through the proxy cache but cannot pull the platform\'s `apps` project', () => {
    // a pull request runs in the builds' pool as its default ServiceAccount (above), and Kubernetes hands that account's
    // imagePullSecrets to its pods (plugin/pkg/admission/serviceaccount/admission.go), whatever image a step names
    const sa = find(stack.objects, 'ServiceAccount', 'default', 'dockyard-builds');
    const logins = (sa.imagePullSecrets ?? []).flatMap((ref: any) => {
      const secret = stack.secrets.find((s) => s.metadata.namespace === 'dockyard-builds' && s.metadata.name === ref.name);
      return Object.values(JSON.parse(secret!.stringData['.dockerconfigjson']).auths).map((a: any) => a.username);
    });
    expect(logins).toEqual(['robot$node-puller']);
    const configMap = stack.objects.find((o) => o.kind === 'ConfigMap' && o.data?.['config.json'] && o.metadata.namespace === 'harbor');
    const robots = JSON.parse(configMap.data['config.json']).robots;
    const permissions = (name: string) => robots.find((r: any) => r.name === name).permissions.map((p: any) => `${p.namespace}:${p.access.map((a: any) => a.action)}`);
    expect(permissions('node-puller')).toEqual(['dockerhub:pull']);
    // the puller robot, which may pull `apps`, only where pipelines push or deploy and the demo runs, and in the
    // pipelines' `harbor-pull`, which the secrets extension hands out only to the events it is granted to
    expect(stack.secrets.filter((s) => s.stringData?.['.dockerconfigjson']?.includes('robot$puller')).map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort())
      .toEqual(['demo/registry-credentials', 'dockyard-deploy/registry-credentials', 'dockyard-publish/registry-credentials', 'dockyard/harbor-pull']);
  });

  test('every pipeline of the demo is routed to the stack\'s runner', () => {
    // harness v2.28.2 scheduler/queue/queue.go:196-199,266-276; trigger/trigger.go:402 (stage labels = node:)
    const app = new App();
    const chart = defaultStack(app, DEFAULT_CONFIG);
    const labels = parseRunnerLabels(values(find(chart.toJson(), 'Deployment', 'drone-runner')).DRONE_RUNNER_LABELS);
    const example = chart.node.findChild('ExamplePipeline') as RepositoryPipelines;
    const pipelines = example.render().flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS())).filter((d) => d.kind === 'pipeline');
    expect(pipelines.map((p) => p.name)).toEqual(['build', 'deploy']);
    for (const p of pipelines) {
      expect(schedulerRoutes(p.node ?? {}, labels)).toBe(true);
    }
    // a dedicated runner's labels become every pipeline's node:
    const ciChart = testChart('ci');
    const server = droneServer(ciChart);
    const secretsExtension = new DroneSecretsExtension(ciChart, 'DedicatedSecrets');
    const runner = new DroneKubeRunner(ciChart, 'DedicatedRunner', { server, secretsExtension, labels: { pool: 'demo' }, extraBuildNamespaces: ['deploys'] });
    const engine = new DroneCi(ciChart, 'DedicatedCi', { server, runner, secretsExtension });
    engine.addPipelineSecret('Push', { name: 'harbor-push', repos: ['example/*'], values: { docker_config: SecretValue.input('PUSH', 'a login') } });
    engine.addPipelineSecret('Db', { name: 'demo-database', repos: ['example/demo'], values: { password: SecretValue.input('PASSWORD', 'a password') } });
    engine.addImagePullSecret('Pull', { name: 'harbor-pull', repos: ['example/*'], dockerConfig: SecretValue.input('PULL', 'a login') });
    engine.addRoute({ name: 'deploy', repos: ['example/demo'], namespace: 'deploys', serviceAccountName: 'deployer' });
    const files = new RepositoryPipelines(ciChart, 'Dedicated', {
      engine, repo: 'example/demo', pipelines: demoPipelines('harbor.example.com', { serviceAccountName: 'deployer', serviceAccountNamespace: 'deploys' },
        { host: 'postgres.platform.svc', port: 5432, user: 'demo', databaseName: 'demo' }),
    }).render();
    const dedicated = files.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS())).filter((d) => d.kind === 'pipeline');
    expect(dedicated.every((p) => schedulerRoutes(p.node, { pool: 'demo' }) && !schedulerRoutes(p.node, {}))).toBe(true);
  });

  // a process's arguments show in `ps` in its pod and in /proc/<pid>/cmdline, and Drone's runner echoes each command
  // (drone-runner-kube v1.0.0-rc.5 engine/compiler/shell/shell.go:16-31): a secret reaches a step's command only
  // through its environment, and a command names it only as an argument of printf, a shell builtin that starts no
  // process (POSIX sh and busybox ash, kaniko's debug shell, build printf in)
  test('the demo\'s steps name a secret only in their environment: psql takes PGPASSWORD, not a URL in its arguments', () => {
    const chart = defaultStack(new App(), DEFAULT_CONFIG);
    const example = chart.node.findChild('ExamplePipeline') as RepositoryPipelines;
    const docs = example.render().flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
    const steps = docs.filter((d) => d.kind === 'pipeline').flatMap((p) => p.steps);
    const migrate = steps.find((st: any) => st.name === 'migrate');
    expect(migrate.environment.PGPASSWORD).toEqual({ from_secret: 'demo_database_password' });
    expect(docs).toContainEqual({ kind: 'secret', name: 'demo_database_password', get: { path: 'demo-database', name: 'password' } });
    expect(migrate.commands).toEqual(['psql -v ON_ERROR_STOP=1 -f migrations.sql']);
    for (const st of steps) {
      const secretVars = Object.entries(st.environment ?? {}).filter(([, v]: [string, any]) => v?.from_secret).map(([k]) => k);
      for (const command of st.commands ?? []) {
        for (const name of secretVars.filter((n) => new RegExp(`\\$+\\{?${n}\\b`).test(command))) {
          expect(`${st.name}: ${name} in ${command}`).toMatch(/: \w+ in printf /);
        }
      }
    }
  });

  // What Drone prints of its secrets when asked to: the server's whole configuration (RPC secret, database
  // datasource, OAuth client secret, cookie secret) at trace level (harness/harness v2.28.2 cmd/drone-server/main.go:60-61
  // `if logrus.IsLevelEnabled(logrus.TraceLevel) { fmt.Println(config.String()) }`, config/config.go:470-473 a plain
  // yaml.Marshal), and the runner's RPC requests, with the X-Drone-Token header and the stages' secrets in their
  // bodies (drone-runner-kube v1.0.0-rc.5 command/daemon/daemon.go:75-78, config.go:31-32). Dockyard exposes no
  // option that sets them: the rendered pods leave them unset
  test('the Drone server and runner run without trace logging or HTTP dumps, which print their secrets', () => {
    for (const env of [server, runner]) {
      for (const name of ['DRONE_LOGS_TRACE', 'DRONE_TRACE', 'DRONE_RPC_DUMP_HTTP', 'DRONE_RPC_DUMP_HTTP_BODY']) {
        expect(env[name]).toBeUndefined();
      }
    }
  });

  test('Drone\'s connection pool is bounded by its database\'s budget', () => {
    expect(Number(server.DRONE_DATABASE_MAX_CONNECTIONS)).toBeGreaterThan(0);
  });
});

describe('log-in gating with a nested GitLab group', () => {
  // go-scm scm/driver/gitlab/org.go convertOrganization names a group by its own path (`Name: from.Path`), and
  // harness v2.28.2 plugin/admission/account.go:59-70 admits a user who is in a group of a filtered name: with
  // `acme/platform` as the filter's `platform`, a member of `mallory/platform` would pass and register
  test('is refused, naming the variable, instead of admitting members of any group of that name', () => {
    const rule = 'must be a top-level group with Drone, which runs no project of a GitLab subgroup (its syncer skips them) and matches a ' +
      'nested group by its last path segment only, which any group of that name passes; for a subgroup, run Woodpecker';
    // Drone's filters refuse it (a stack of the library's own meets this)
    expect(() => droneFilters('acme/platform', 'alice', 'DOCKYARD_ORG')).toThrow(`invalid DOCKYARD_ORG "acme/platform": ${rule}`);
    // and so does the stacks' configuration on Drone, before anything is built
    const { loadConfig } = require('../../apps/default/config');
    expect(() => loadConfig({ DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_ORG: 'acme/platform' })).toThrow(`invalid DOCKYARD_ORG "acme/platform": ${rule}`);
  });

  test('is taken with Woodpecker, whose repository owners are whole namespace paths', () => {
    // woodpecker v3.17.0 server/forge/gitlab/convert.go:61-67: a project's owner is its whole namespace path and its
    // full name `path_with_namespace`, which the demo's routes name (test/apps/ci-engine.test.ts)
    const config = { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, gitProvider: 'gitlab' as any, gitServer: 'https://git.acme.dev', organization: 'acme/platform' };
    expect(() => defaultStack(new App({ outdir: '/nonexistent' }), config)).not.toThrow();
  });
});

describe('log-in on GitLab', () => {
  // Drone: go-scm v1.42.2 scm/driver/gitlab/org.go names a group by its last path segment (`Name: from.Path`), and
  // harness v2.28.2 plugin/admission/account.go:59-70 admits a new user in a group of a filtered name, so a subgroup
  // `mallory/acme`, which any GitLab user can create, passes the filter `acme`. Woodpecker v3.17.0
  // server/forge/gitlab/gitlab.go:202-210 compares groups' display names, which their owners choose.
  const gitlab = { ...DEFAULT_CONFIG, gitProvider: 'gitlab' as any, gitServer: 'https://gitlab.com' };
  const envOfWorkload = (config: typeof DEFAULT_CONFIG, name: string) => {
    const chart = defaultStack(new App({ outdir: '/nonexistent' }), config);
    return values(find(chart.toJson(), 'Deployment', name));
  };

  test('Drone keeps registration closed: a member of a group named like the organisation cannot register', () => {
    const env = envOfWorkload(gitlab, 'drone');
    expect(env.DRONE_REGISTRATION_CLOSED).toBe('true');
    expect(env.DRONE_USER_FILTER).toBeUndefined();
    expect(env.DRONE_REPOSITORY_FILTER).toBe(org);
    // the admin, whom Drone makes at start (harness v2.28.2 config.go:630-650, bootstrap.go:45-89), logs in as an
    // admin, the one who can add users (drone user add): without the flag nobody else could ever log in
    expect(droneBootstrapUser(env)).toEqual({ login: DEFAULT_CONFIG.admin, admin: true, machine: false });
    expect(droneAdmits(env, { login: DEFAULT_CONFIG.admin, orgs: [], registered: true })).toBe(true);
    expect(droneAdmits(env, { login: 'mallory', orgs: [org] })).toBe(false);
    // on GitHub, organisation names are the organisation's own: the filter gates log-in there
    expect(droneAdmits(server, { login: 'some-member', orgs: [org] })).toBe(true);
  });

  test('Woodpecker keeps registration closed, without an organisation filter', () => {
    const env = envOfWorkload({ ...gitlab, ci: CiEngineKind.WOODPECKER }, 'woodpecker');
    expect(env.WOODPECKER_OPEN).toBe('false');
    expect(env.WOODPECKER_ORGS).toBeUndefined();
    expect(env.WOODPECKER_ADMIN).toBe(DEFAULT_CONFIG.admin);
    expect(env.WOODPECKER_REPO_OWNERS).toBe(org);
    const github = envOfWorkload({ ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER }, 'woodpecker');
    expect([github.WOODPECKER_OPEN, github.WOODPECKER_ORGS]).toEqual(['true', org]);
  });
});
