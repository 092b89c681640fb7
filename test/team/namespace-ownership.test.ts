// A team's namespaces (app, build and, on a dedicated runner, pull-request) are its alone: no CI engine of the app may
// put its Role or another repository's build pods there, whichever comes first, the team or the build namespace, and
// whether the Namespace is created or exists (`create: false`). A new user's trial found the gap: a build namespace
// added with `create: false` in a team's app namespace, and a route of another repository into it.
import { Construct } from 'constructs';
import { DroneCi, DroneKubeRunner, GitProvider, PipelineEvent, Postgres, Secret, WoodpeckerAgent, WoodpeckerCi } from '../../lib';
import { namespaceBuilder, recordBuildNamespace } from '../../lib/core/namespace-claims';
import { refusal, testChart } from '../util';
import { Engine, platform } from './fixtures';

const WEB = { name: 'web', repos: ['acme/web'] };
/** The refusal of a namespace of team "web", under `prop`, with what else the message carries (a route's context). */
const owned = (prop: string, namespace: string, role: string, suffix = '') => `invalid ${prop} ${JSON.stringify(namespace)}: must not be team "web"'s ` +
  `${role}: no other repository's builds may run beside the team's Secrets and pods${suffix}`;
/** The runner or agent set that builds in the platform's build namespaces, by engine. */
const BUILDER: Record<Engine, string> = { drone: 'platform/Runner', woodpecker: 'platform/Ci/Builds' };

describe.each<Engine>(['drone', 'woodpecker'])('a team\'s namespaces on %s', (engine) => {
  test('are refused as a build namespace of the engine, with or without create: false, naming the team, changing nothing', () => {
    const p = platform({}, { engine });
    p.teams.addTeam(WEB);
    const before = [...p.ci.buildNamespaces];
    // the trial's case: the advice to add it with create: false must not be given for a team's namespace
    const app = refusal(() => p.ci.addBuildNamespace('web'));
    expect(app).toBe(owned('namespace', 'web', 'app namespace'));
    expect(app).not.toMatch(/create: false/);
    expect(refusal(() => p.ci.addBuildNamespace('web', { create: false }))).toBe(owned('namespace', 'web', 'app namespace'));
    // the team's build namespace is one of the engine's already, for the team's own route: named as the team's
    expect(refusal(() => p.ci.addBuildNamespace('web-builds', { create: false }))).toBe(owned('namespace', 'web-builds', 'build namespace'));
    expect(p.ci.buildNamespaces).toEqual(before);
  });

  test('are refused as a route\'s namespace, naming the team and the route, which is not made', () => {
    const p = platform({}, { engine });
    p.teams.addTeam(WEB);
    const route = { name: 'tools-cron', repos: ['acme/tools'], events: [PipelineEvent.CRON] };
    expect(refusal(() => p.ci.addRoute({ ...route, namespace: 'web' }))).toBe(owned('namespace', 'web', 'app namespace', ' (route "tools-cron")'));
    // the build namespace is the engine's, but holds the team's deploy identity and pipeline secrets
    expect(refusal(() => p.ci.addRoute({ ...route, namespace: 'web-builds', serviceAccountName: 'deployer' })))
      .toBe(owned('namespace', 'web-builds', 'build namespace', ' (route "tools-cron")'));
    expect([...p.ci.grants.routes.keys()]).toEqual(['web']);
    // another namespace still takes the route
    p.ci.addBuildNamespace('tools');
    p.ci.addRoute({ ...route, namespace: 'tools' });
    expect([...p.ci.grants.routes.keys()]).toEqual(['web', 'tools-cron']);
  });

  test('a namespace the engine builds in already (create: false) is refused as any of a team\'s, naming the builder', () => {
    const p = platform({}, { engine });
    p.ci.addBuildNamespace('web', { create: false });
    p.ci.addBuildNamespace('shared', { create: false });
    const builds = (prop: string, ns: string, context = '(team "web")') => `invalid ${prop} "${ns}": must be a namespace of the team's own: ` +
      `${BUILDER[engine]} builds in it already, so other repositories' pipelines could run there ${context}`;
    // the app namespace the team took from its name: the refusal says so, and what to change
    expect(refusal(() => p.teams.addTeam(WEB))).toBe(builds('namespaces', 'web', '(the default for team "web": rename the team, or give namespaces)'));
    expect(refusal(() => p.teams.addTeam({ ...WEB, namespaces: ['web-apps', 'shared'] }))).toBe(builds('namespaces', 'shared'));
    expect(refusal(() => p.teams.addTeam({ ...WEB, namespaces: ['web-apps'], buildNamespace: 'shared' }))).toBe(builds('buildNamespace', 'shared'));
    expect(p.teams.teams).toEqual([]);
    // namespaces of its own: the team is made, its name free after the refusals
    expect(p.teams.addTeam({ ...WEB, namespaces: ['web-apps'] }).namespaces).toEqual(['web-apps']);
  });
});

describe('a team\'s namespaces on Drone, beyond the engine\'s addBuildNamespace and addRoute', () => {
  test('are refused to another runner\'s buildNamespace and extraBuildNamespaces, and to a runner policy', () => {
    const p = platform();
    p.teams.addTeam(WEB);
    const runner = (id: string, props: object) => () => new DroneKubeRunner(p.chart, id, {
      server: p.ci.server, name: `drone-runner-${id.toLowerCase()}`, createBuildNamespaces: false, ...props,
    });
    expect(refusal(runner('Other', { buildNamespace: 'web' }))).toBe(owned('buildNamespace', 'web', 'app namespace', ' (DroneKubeRunner "platform/Other")'));
    expect(refusal(runner('Extra', { extraBuildNamespaces: ['web-builds'] }))).toBe(owned('extraBuildNamespaces', 'web-builds', 'build namespace',
      ' (DroneKubeRunner "platform/Extra")'));
    expect(refusal(() => p.runner.addPolicy({ name: 'tools', repos: ['acme/tools'], namespace: 'web-builds' })))
      .toBe(owned('namespace', 'web-builds', 'build namespace'));
  });

  test('a dedicated runner\'s pull-request and build namespaces are refused to the shared runner', () => {
    const p = platform();
    p.teams.addTeam({ ...WEB, dedicatedRunner: true });
    expect(refusal(() => p.ci.addBuildNamespace('web-pull-requests', { create: false }))).toBe(owned('namespace', 'web-pull-requests', 'pull-request namespace'));
    expect(refusal(() => p.ci.addBuildNamespace('web-builds', { create: false }))).toBe(owned('namespace', 'web-builds', 'build namespace'));
    // the team's own engine (its dedicated runner) made its namespaces before the team claimed them
    expect((p.teams.teams[0].ci as DroneCi).buildNamespaces).toEqual(['web-pull-requests', 'web-builds']);
  });
});

describe('a team\'s namespaces on Woodpecker, beyond the engine\'s addBuildNamespace and addRoute', () => {
  test('are refused to an agent\'s backend namespace: the team\'s build namespace is one of the build namespaces', () => {
    const p = platform({}, { engine: 'woodpecker' });
    p.teams.addTeam(WEB);
    const ci = p.ci as WoodpeckerCi;
    expect(refusal(() => new WoodpeckerAgent(p.chart, 'Stray', { server: ci.server, builds: ci.builds, name: 'stray', backendNamespace: 'web-builds' })))
      .toBe(owned('backendNamespace', 'web-builds', 'build namespace', ' (WoodpeckerAgent "platform/Stray")'));
  });

  test('are refused to another engine\'s extraBuildNamespaces', () => {
    const p = platform({}, { engine: 'woodpecker' });
    p.teams.addTeam(WEB);
    const other = new Construct(p.chart, 'Other');
    const gitProvider = GitProvider.github({ clientId: 'abc123', clientSecret: Secret.fromSecretName(other, 'OAuth', 'other-oauth', { namespace: 'other' }).key('client-secret') });
    expect(refusal(() => new WoodpeckerCi(other, 'Ci', {
      host: 'other.example.com', gitProvider, database: new Postgres(other, 'Db', { name: 'other-db' }).addDatabase('woodpecker'),
      namespace: 'other', extraBuildNamespaces: ['web'], createBuildNamespaces: false,
    }))).toBe(owned('extraBuildNamespaces', 'web', 'app namespace'));
  });
});

test('a builder taken out of the tree again builds nowhere: a team refused halfway leaves its namespaces free', () => {
  const chart = testChart('ci');
  const team = new Construct(chart, 'Team');
  const runner = new Construct(team, 'Runner');
  recordBuildNamespace(runner, 'web-builds');
  recordBuildNamespace(runner, 'web-pull-requests');
  recordBuildNamespace(new Construct(chart, 'Shared'), 'web-pull-requests');
  expect(namespaceBuilder(chart, 'web-builds')).toBe('test/Team/Runner');
  expect(namespaceBuilder(chart, 'web-pull-requests')).toBe('test/Team/Runner');
  chart.node.tryRemoveChild('Team');
  expect(namespaceBuilder(chart, 'web-builds')).toBeUndefined();
  // another builder there still builds there
  expect(namespaceBuilder(chart, 'web-pull-requests')).toBe('test/Shared');
});

// A new user's trial: Harbor's namespace made outside the app (the README allows it) was accepted as a team's, whose
// deploy identity could then patch Harbor's pods and read its Secrets (the admin password, every robot's).
describe('a namespace a component of the app runs in', () => {
  test('is refused as a team\'s, naming the component, whether it was placed before the team or after', () => {
    const p = platform();
    // the fixture's Harbor and its Redis (placed first) run in "harbor", which no Namespace of the app defines
    expect(refusal(() => p.teams.addTeam({ name: 'search', repos: ['acme/search-*'], namespaces: ['harbor'] }))).toBe('invalid namespaces "harbor": ' +
      'must be a namespace of the team\'s own: platform/Redis runs in it already, whose pods, Secrets and data the team\'s deploy identity and ' +
      'members would reach (team "search")');
    expect(p.teams.teams).toEqual([]);
    // placed after the team: refused at synth
    const later = platform();
    later.teams.addTeam(WEB);
    new Postgres(later.chart, 'Stray', { name: 'stray', namespace: 'web' });
    expect(refusal(() => later.objects())).toBe('invalid namespace "web": of platform/Stray must be another than team "web"\'s app namespace: ' +
      'the team\'s deploy identity and members reach the pods, Secrets and data there; place it in another namespace, or define it below the team ' +
      '(as its scope) if it is the team\'s own');
  });

  test('below the team, as its own, is the team\'s to run there', () => {
    const p = platform();
    const team = p.teams.addTeam(WEB);
    new Postgres(team, 'Db', { name: 'web-db', namespace: 'web' });
    expect(p.objects().some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'web-db' && o.metadata.namespace === 'web')).toBe(true);
  });
});

// Namespaces something outside the app installs (cert-manager's, a monitoring stack's): a team claiming one would
// collide with that install only when applied
describe('TeamPlatform reservedNamespaces', () => {
  test('are refused as any namespace of a team, naming the prop that gave it, changing nothing', () => {
    const p = platform({ reservedNamespaces: ['cert-manager', 'monitoring'] });
    expect(refusal(() => p.teams.addTeam({ name: 'web', repos: ['acme/web'], namespaces: ['web', 'monitoring'] })))
      .toBe('invalid namespaces "monitoring": must be a namespace of the team\'s own: the platform reserves it (TeamPlatform reservedNamespaces) (team "web")');
    expect(refusal(() => p.teams.addTeam({ name: 'web', repos: ['acme/web'], buildNamespace: 'cert-manager' })))
      .toBe('invalid buildNamespace "cert-manager": must be a namespace of the team\'s own: the platform reserves it (TeamPlatform reservedNamespaces) (team "web")');
    expect(refusal(() => p.teams.addTeam({ name: 'cert-manager', repos: ['acme/cm'] }))).toMatch(/^invalid namespaces "cert-manager": .*reserves it .*\(the default for team "cert-manager": rename the team, or give namespaces\)/);
    expect(p.teams.teams).toEqual([]);
    expect(p.teams.addTeam({ name: 'web', repos: ['acme/web'] }).namespaces).toEqual(['web']);
  });

  test.each<[string, unknown, string]>([
    ['no list', 'cert-manager', 'invalid reservedNamespaces "cert-manager": must be a list'],
    ['a name that is no namespace', ['Cert_Manager'], 'invalid reservedNamespaces "Cert_Manager": must be a DNS-1123 label'],
    ['a name twice', ['monitoring', 'monitoring'], 'invalid reservedNamespaces ["monitoring","monitoring"]: must not repeat'],
  ])('refuse %s in one line', (_, reservedNamespaces, message) => {
    expect(refusal(() => platform({ reservedNamespaces: reservedNamespaces as string[] }))).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});
