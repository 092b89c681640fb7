// Projects in GitLab subgroups on Drone: named by their whole path in routes, secrets, pull secrets and typed
// pipelines, matched part by part, and refused when the server's repository filter would never sync them.
//
// Upstream: Drone's slug of a GitLab project is its namespace's full path and its own path (go-scm v1.42.2
// scm/driver/gitlab/repo.go:202-227, harness v2.28.2 service/repo/util.go:30: `gitlabDroneRepo`); the runner matches
// a policy's `match.repo` against the slug with doublestar, whose `*` stays within one part (runner-go v1.12.0
// manifest/cond.go:72-79); the secrets extension with Go's path.Match, likewise (drone-kubernetes-secrets
// plugin/match.go:12-24); the repository filter compares the whole namespace, ignoring case (drone v2.0.4
// service/syncer/filter.go:22-35: `droneSyncs`).
import { DeployAccess, DroneCi, DroneKubeRunner, DroneSecretsExtension, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, SecretValue, Step } from '../../lib';
import { IMAGES } from '../ci/pipeline-fixtures';
import { synth, testChart, thrown } from '../util';
import { droneServer } from './fixtures';
import { droneSyncs, gitlabDroneRepo, matchPolicy, parsePolicies, runnerConfigFiles, secretReadable } from './upstream';
import { envOf, container, find } from '../util';

const { PUSH, PROMOTE } = PipelineEvent;

/** A Drone platform syncing the group `acme` and its subgroup `acme/platform` (`null`: every repository), with a build and a deploy namespace. */
function platform(repositoryFilter: string[] | null = ['acme', 'acme/platform']) {
  const chart = testChart('ci');
  const server = droneServer(chart, repositoryFilter === null ? {} : { repositoryFilter });
  const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
  const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension, buildNamespace: 'builds', extraBuildNamespaces: ['deploys'] });
  const engine = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
  const deployer = new DeployAccess(chart, 'Deployer', { namespace: 'platform', serviceAccountNamespace: 'deploys' });
  return { chart, engine, deployer };
}

describe('a GitLab subgroup\'s projects on Drone', () => {
  const { chart, engine, deployer } = platform();
  const secret = engine.addPipelineSecret('PlatformToken', { name: 'platform-token', repos: ['acme/platform/*'], values: { token: SecretValue.input('TOKEN', 'a token') } });
  const top = engine.addPipelineSecret('TopToken', { name: 'acme-token', repos: ['acme/*'], values: { token: SecretValue.input('TOP', 'a token') } });
  engine.addRoute({ name: 'platform-deploy', repos: ['acme/platform/*'], events: [PROMOTE], namespace: 'deploys', serviceAccountName: deployer.serviceAccountName });
  const objects = synth(chart);
  const policies = parsePolicies(runnerConfigFiles(objects)['policies.yaml']);
  const api = gitlabDroneRepo('acme/platform', 'api');
  const nested = gitlabDroneRepo('acme/platform/tools', 'lint');
  const parent = gitlabDroneRepo('acme', 'web');

  test('are synced, and the route and secret for acme/platform/* reach exactly them', () => {
    const env = { DRONE_REPOSITORY_FILTER: envOf(container(find(objects, 'Deployment', 'drone'))).DRONE_REPOSITORY_FILTER.value };
    expect(env.DRONE_REPOSITORY_FILTER).toBe('acme,acme/platform');
    expect([api, parent, nested].map((r) => droneSyncs(env, r))).toEqual([true, true, false]);
    expect(api.slug).toBe('acme/platform/api');
    expect(matchPolicy(policies, { repo: api.slug, event: 'promote' })?.name).toBe('platform-deploy');
    expect(secretReadable(secret.annotations, { repo: api.slug, event: 'push' })).toBe(true);
    // a wildcard stays within its part: not the parent group's projects, nor a deeper subgroup's
    for (const other of [parent, nested]) {
      expect(matchPolicy(policies, { repo: other.slug, event: 'promote' })?.name).not.toBe('platform-deploy');
      expect(secretReadable(secret.annotations, { repo: other.slug, event: 'push' })).toBe(false);
    }
    // and the group's own `acme/*` reaches none of its subgroups' projects
    expect(secretReadable(top.annotations, { repo: parent.slug, event: 'push' })).toBe(true);
    expect(secretReadable(top.annotations, { repo: api.slug, event: 'push' })).toBe(false);
  });

  test('the grants agree with the rendered policies', () => {
    expect(engine.grants.routesFor(api.slug, PROMOTE).map((r) => r.name)).toEqual(['platform-deploy']);
    expect(engine.grants.routesFor(parent.slug, PROMOTE)).toEqual([]);
    expect(engine.grants.routesFor(nested.slug, PROMOTE)).toEqual([]);
  });

  test('typed pipelines take a subgroup\'s project, written under its name', () => {
    const pipelines = new RepositoryPipelines(chart, 'Api', {
      engine, repo: 'acme/platform/api', pipelines: [new Pipeline({
        name: 'release', events: [PUSH], steps: [Step.run('publish', { image: IMAGES.go, commands: ['true'], secrets: { TOKEN: SecretRef.of('platform-token', 'token') } })],
      })],
    });
    expect(pipelines.path).toBe('pipelines/api.drone.yml');
    expect(pipelines.render()[0].content).toContain('path: platform-token');
    // the parent group's project is not granted the subgroup's secret: its pipelines are refused at synth
    const web = new RepositoryPipelines(chart, 'Web', {
      engine, repo: 'acme/web', pipelines: [new Pipeline({
        name: 'release', events: [PUSH], steps: [Step.run('publish', { image: IMAGES.go, commands: ['true'], secrets: { TOKEN: SecretRef.of('platform-token', 'token') } })],
      })],
    });
    expect(thrown(() => web.render()).message).toMatch(/platform-token.*acme\/web|acme\/web.*platform-token/);
  });
});

describe('a repository the repository filter never syncs is refused, changing nothing', () => {
  // `acme` syncs `acme/api`, not the subgroup acme/platform's projects: their namespace is `acme/platform`
  const message = (repo: string) => `invalid repos ["${repo}"]: "${repo}" must be a repository of one of the server's repositoryFilter ("acme"): ` +
    'Drone syncs no other, so its pipelines never run (the filter compares a repository\'s whole namespace: for a project in a GitLab subgroup, ' +
    'the subgroup\'s full path); add its owner to repositoryFilter';

  test.each([
    ['a route', (engine: DroneCi) => engine.addRoute({ name: 'api', repos: ['acme/platform/api'], namespace: 'deploys' }), 'route "api"'],
    ['a pipeline secret', (engine: DroneCi) => engine.addPipelineSecret('T', { name: 't', repos: ['acme/platform/api'], values: { v: SecretValue.hex(16) } }), 'secret "t"'],
    ['a pull secret', (engine: DroneCi) => engine.addImagePullSecret('P', { name: 'p', repos: ['acme/platform/api'], dockerConfig: SecretValue.input('P', 'a login') }), 'pull secret "p"'],
    // checked ahead, as the runner's own refusals are: without the context a batch's caller adds
    ['an addition checked ahead', (engine: DroneCi) => engine.checkAdditions({ routes: [{ name: 'api', repos: ['acme/platform/api'], namespace: 'deploys' }] }), undefined],
  ])('%s', (_what, add, context) => {
    const { chart, engine } = platform(['acme']);
    const before = synth(chart);
    expect(thrown(() => add(engine)).message).toBe(context === undefined ? message('acme/platform/api') : `${message('acme/platform/api')} (${context})`);
    expect(synth(chart)).toEqual(before);
  });

  test('an owner in another case, a listed subgroup, a glob owner and a server without a filter are taken', () => {
    const { engine } = platform(['Acme', 'acme/platform']);
    expect(() => engine.addRoute({ name: 'api', repos: ['acme/platform/api', 'acme/web'], namespace: 'deploys' })).not.toThrow();
    // a glob owner can name a synced namespace: left to the engine
    expect(() => engine.addPipelineSecret('G', { name: 'g', repos: ['*/web'], values: { v: SecretValue.hex(16) } })).not.toThrow();
    expect(() => platform(null).engine.addRoute({ name: 'x', repos: ['other/x'], namespace: 'deploys' })).not.toThrow();
  });
});
