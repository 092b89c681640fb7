// The stacks' engine choice: who may log in to Woodpecker, whose repositories it builds, and what the shared
// settings turn into for each engine.
import { App } from 'cdk8s';
import { DEFAULT_CONFIG, WOODPECKER_HOST } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { digitalOceanCharts, providedCiSecrets } from '../../apps/digitalocean/charts';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { CI_ENGINES, checkCiEngine, ciEngineFacts, woodpeckerAccess } from '../../apps/shared/ci-engine';
import { GitProviderKind } from '../../apps/shared/git-provider';
import { CiEngineKind, DroneCi, Pipeline, PipelineEvent, RepositoryPipelines, Secret, SecretValue, Step } from '../../lib';
import { EXAMPLE_STACKS } from '../stacks';
import { container, envOf, find } from '../util';
import { gitlabProjectAllowed } from '../woodpecker/upstream';

describe('woodpeckerAccess', () => {
  // woodpecker v3.17.0 server/api/login.go:138-163 refuses anyone outside WOODPECKER_ORGS, admins included, and
  // :189-195 registers a new user only with WOODPECKER_OPEN or when WOODPECKER_ADMIN names them
  test('an organisation: its members register themselves, only they log in, only its repositories are activated', () => {
    expect(woodpeckerAccess('acme', 'alice', GitProviderKind.GITHUB)).toEqual({ open: true, orgs: ['acme'], admins: ['alice'], repoOwners: ['acme'] });
  });

  test('a personal account: registration stays closed and only the admin, whom an organisation filter would refuse, registers', () => {
    expect(woodpeckerAccess('alice', 'Alice', GitProviderKind.GITHUB)).toEqual({ open: false, admins: ['Alice'], repoOwners: ['alice'] });
  });

  // On GitLab, WOODPECKER_REPO_OWNERS is compared with the project's whole namespace path (server/forge/gitlab/
  // convert.go:61-67, server/services/permissions/repo_owners.go:36-38, server/api/repo.go:113-116): a nested group
  // names exactly its own projects, so it is taken; WOODPECKER_ORGS, which compares group names, is not rendered there
  test('a nested GitLab group: registration closed, no organisation filter, and only the projects directly in the group activated', () => {
    expect(woodpeckerAccess('acme/platform', 'alice', GitProviderKind.GITLAB)).toEqual({ open: false, admins: ['alice'], repoOwners: ['acme/platform'] });
    // the DigitalOcean program grants no repository on Woodpecker, so it takes the group as it is
    const config = { ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.WOODPECKER, gitProvider: GitProviderKind.GITLAB, organization: 'acme/platform' };
    const server = envOf(container(find(digitalOceanCharts(new App(), config).toJson(), 'Deployment', 'woodpecker')));
    expect([server.WOODPECKER_REPO_OWNERS.value, server.WOODPECKER_ORGS, server.WOODPECKER_OPEN.value]).toEqual(['acme/platform', undefined, 'false']);
    const owners = server.WOODPECKER_REPO_OWNERS.value;
    expect(gitlabProjectAllowed(owners, 'acme/platform/api')).toBe(true);
    expect(gitlabProjectAllowed(owners, 'Acme/Platform/api')).toBe(true);
    // not a subgroup's project, nor the parent group's, nor another group's subgroup of the same name
    expect(gitlabProjectAllowed(owners, 'acme/platform/tools/lint')).toBe(false);
    expect(gitlabProjectAllowed(owners, 'acme/api')).toBe(false);
    expect(gitlabProjectAllowed(owners, 'mallory/platform/api')).toBe(false);
    // a top-level group refuses its subgroups' projects: each subgroup must be listed
    expect(gitlabProjectAllowed('acme', 'acme/platform/api')).toBe(false);
    expect(gitlabProjectAllowed('acme', 'acme/api')).toBe(true);
  });

  test('the default stack takes a nested group with Woodpecker, and grants and routes its demo by the whole path', () => {
    const { loadConfig } = require('../../apps/default/config');
    const config = loadConfig({ DOCKYARD_CI: 'woodpecker', DOCKYARD_GIT_PROVIDER: 'gitlab', DOCKYARD_ORG: 'acme/platform' });
    const manifests = defaultStack(new App(), config).toJson();
    const server = envOf(container(find(manifests, 'Deployment', 'woodpecker')));
    expect(server.WOODPECKER_REPO_OWNERS.value).toBe('acme/platform');
    // woodpecker v3.17.0 server/scheduler/filter.go:61-70 gives a route's agent only tasks whose `repo` label, the
    // repository's full name (GitLab's path_with_namespace, server/forge/gitlab/convert.go:61-67), equals its own
    const labels = manifests.filter((m: any) => m.spec?.template !== undefined).map((m: any) => envOf(container(m)).WOODPECKER_AGENT_LABELS?.value)
      .filter((l: string | undefined) => l !== undefined);
    expect(labels).toContain('!woodpecker-ci.org/event=push,dockyard.dev/route=demo-build,repo=acme/platform/demo');
    expect(gitlabProjectAllowed(server.WOODPECKER_REPO_OWNERS.value, 'acme/platform/demo')).toBe(true);
  });

  test('the OAuth callback each engine serves, which the printed instructions name', () => {
    // harness v2.28.2 handler/web/web.go:115 handles "/login"; woodpecker v3.17.0 server/router/router.go:61 groups
    // the OAuth flow under "/authorize"
    expect(ciEngineFacts(CiEngineKind.DRONE).oauthCallbackPath).toBe('/login');
    expect(ciEngineFacts(CiEngineKind.WOODPECKER).oauthCallbackPath).toBe('/authorize');
    expect([CiEngineKind.DRONE, CiEngineKind.WOODPECKER].map((e) => ciEngineFacts(e).oauthSecretName)).toEqual(['drone-oauth', 'woodpecker-oauth']);
    // the names the stacks print and connect with; an existing stack's database keeps its name
    expect(CI_ENGINES.map((e) => [ciEngineFacts(e).title, ciEngineFacts(e).databaseName])).toEqual([['Drone', 'drone'], ['Woodpecker', 'woodpecker']]);
  });

  test('DOCKYARD_CI accepts the two engines and names the variable otherwise', () => {
    expect(checkCiEngine('DOCKYARD_CI', 'woodpecker')).toBe(CiEngineKind.WOODPECKER);
    expect(() => checkCiEngine('DOCKYARD_CI', 'Drone')).toThrow('invalid DOCKYARD_CI "Drone": must be one of drone, woodpecker');
  });
});

describe.each(CI_ENGINES)('the DigitalOcean charts with %s', (engine) => {
  const { title, databaseName: db } = ciEngineFacts(engine);
  const app = new App();
  const chart = digitalOceanCharts(app, { ...DIGITALOCEAN_EXAMPLE, ciEngine: engine });
  const objects = chart.toJson();

  test('connect the server to the database named in ciEngineFacts, as the user of that name the program creates', () => {
    const env = envOf(container(find(objects, 'Deployment', engine)));
    const datasource = env[`${engine.toUpperCase()}_DATABASE_DATASOURCE`].value;
    // a libpq keyword string or a URL, whichever the engine's construct writes: the user and database it names
    const url = /^postgres(?:ql)?:\/\/([^:@/]+)(?::[^@]*)?@[^/]+\/([^?]+)/.exec(datasource);
    const named = url ? { user: url[1], dbname: url[2] } : { user: /\buser=(\S+)/.exec(datasource)?.[1], dbname: /\bdbname=(\S+)/.exec(datasource)?.[1] };
    expect(named).toEqual({ user: db, dbname: db });
    const refs = Object.values(env).map((e: any) => e.valueFrom?.secretKeyRef?.name).filter(Boolean);
    expect(refs).toContain(providedCiSecrets(engine).database.name);
    expect(providedCiSecrets(engine).database.name).toBe(`${db}-database`);
    const grants = objects.find((o: any) => o.kind === 'ConfigMap' && /^database-grants-[0-9a-f]{8}$/.test(o.metadata.name)).data['reconcile.sh'];
    expect(grants).toContain(`-- database ${db}, role ${db}\n`);
  });

  test('name the database\'s constructs after the engine\'s title, as before', () => {
    expect(chart.node.tryFindChild(`${title}Database`)).toBeDefined();
    expect(chart.node.tryFindChild(`${title}DatabaseSecret`)).toBeDefined();
  });
});

describe('the default stack with Woodpecker', () => {
  const app = new App();
  const chart = defaultStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST });
  const objects = chart.toJson();
  const server = envOf(container(find(objects, 'Deployment', 'woodpecker')));

  test('lets the organisation\'s members in, and builds only its repositories', () => {
    expect(server.WOODPECKER_OPEN.value).toBe('true');
    expect(server.WOODPECKER_ORGS.value).toBe(DEFAULT_CONFIG.organization);
    expect(server.WOODPECKER_ADMIN.value).toBe(DEFAULT_CONFIG.admin);
    // cmd/server/flags.go:165-172, checked when a repository is activated
    expect(server.WOODPECKER_REPO_OWNERS.value).toBe(DEFAULT_CONFIG.organization);
    expect(server.WOODPECKER_HOST.value).toBe(`https://${WOODPECKER_HOST}`);
  });

  test('runs the demo\'s pushing builds and its deploys in namespaces of their own, with their secrets only there', () => {
    // native secrets are read from the step's own namespace (pipeline/backend/kubernetes/secrets.go): each pipeline
    // secret is copied into exactly the namespace of the route granted it, never into the pool
    const { secrets } = EXAMPLE_STACKS.find((s) => s.name === 'default-woodpecker')!.synth();
    const placed = secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).filter((k) => /harbor-push|demo-database/.test(k)).sort();
    // only where their route agents read them: the platform namespace declares them (their state keys) but holds no copy
    expect(placed).toEqual(['dockyard-deploy/demo-database', 'dockyard-publish/harbor-push']);
    const agents = objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.name.startsWith('woodpecker-'))
      .map((s) => ({ name: s.metadata.name, env: envOf(container(s)) }))
      .map(({ name, env }) => [name, env.WOODPECKER_BACKEND_K8S_NAMESPACE.value, env.WOODPECKER_AGENT_LABELS?.value ?? '']);
    expect(agents.map(([, ns, labels]) => [ns, labels.split(',').filter((l: string) => !l.startsWith('repo=*')).sort().join(',')]).sort()).toEqual([
      ['dockyard-builds', ''],
      ['dockyard-deploy', '!woodpecker-ci.org/event=deployment,dockyard.dev/route=demo-deploy,repo=example/demo'],
      ['dockyard-publish', '!woodpecker-ci.org/event=push,dockyard.dev/route=demo-build,repo=example/demo'],
      ['dockyard-publish', '!woodpecker-ci.org/event=tag,dockyard.dev/route=demo-build,repo=example/demo'],
    ]);
  });
});

describe('RepositoryPipelines on Woodpecker', () => {
  test('with no pipeline, fails at synth as on Drone, though it has no file to write', () => {
    const app = new App();
    const chart = defaultStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST });
    const ci = (chart.node.findChild('ExamplePipeline') as RepositoryPipelines).engine;
    new RepositoryPipelines(chart, 'Empty', { engine: ci, repo: 'example/empty' });
    expect(() => chart.toJson()).toThrow('invalid pipelines []: must hold at least one pipeline of example/empty: add them with addPipeline');
  });

  test('a deploy identity whose name is no DNS label is refused where it is given, as the routes refuse it', () => {
    expect(() => Step.deploy('migrate', { identity: { serviceAccountName: 'deploy.er', serviceAccountNamespace: 'deploys' }, image: undefined as any, commands: ['true'] }))
      .toThrow(/^invalid identity.serviceAccountName "deploy.er"/);
    expect(new Pipeline({ name: 'ok', events: [PipelineEvent.PUSH] }).name).toBe('ok');
  });
});

describe('pipeline secrets never take the name of a Secret the stack expects to be provided', () => {
  test.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('on %s, the OAuth app\'s Secret is refused as a pipeline secret name', (ci) => {
    const app = new App();
    const chart = defaultStack(app, { ...DEFAULT_CONFIG, ci, host: ci === CiEngineKind.WOODPECKER ? WOODPECKER_HOST : DEFAULT_CONFIG.host });
    const engine = (chart.node.findChild('ExamplePipeline') as RepositoryPipelines).engine;
    const oauth = `${ci}-oauth`;
    engine.addPipelineSecret('Clash', { name: oauth, repos: ['example/demo'], events: [PipelineEvent.PUSH, PipelineEvent.TAG], values: { v: SecretValue.hex(16) } });
    expect(() => chart.toJson()).toThrow(`invalid name "${oauth}": must not be the name of a Secret the stack expects to be provided in namespace dockyard: ` +
      'the pipeline secret would overwrite it');
  });

  test('on drone, a provided Secret the secrets extension only reads (addExistingSecret) is not refused', () => {
    const app = new App();
    const chart = defaultStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.DRONE });
    const engine = (chart.node.findChild('ExamplePipeline') as RepositoryPipelines).engine as DroneCi;
    // made by External Secrets, say: listed as provided, and read by the extension, never generated
    Secret.fromSecretName(chart, 'ExternalToken', 'external-token', { namespace: 'dockyard' });
    engine.secretsExtension.addExistingSecret('external-token');
    expect(() => chart.toJson()).not.toThrow();
    expect(Secret.requiredIn(app).map((r) => `${r.namespace}/${r.secretName}`)).toContain('dockyard/external-token');
  });
});
