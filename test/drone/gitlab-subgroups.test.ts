// Projects in GitLab subgroups on Drone: Drone never runs one, so every grant for one is refused, and so is a subgroup
// in the repository filter; and a repository the filter never syncs is refused.
//
// Upstream: Drone's syncer skips every repository whose slug holds more than one "/" (harness v2.28.2
// service/syncer/syncer.go:106-113, "skipping subrepositories"), before its repository filter, which compares the
// repository's namespace ignoring case (service/syncer/filter.go:22-35); the syncer is the only way a repository enters
// Drone's database. The slug of a subgroup's project would be its namespace's full path and its own (go-scm v1.42.2
// scm/driver/gitlab/repo.go:202-227, harness v2.28.2 service/repo/util.go:30). Both are modelled in `droneSyncs`.
import { DroneCi, DroneKubeRunner, DroneSecretsExtension, Pipeline, PipelineEvent, RepositoryPipelines, SecretValue, Step } from '../../lib';
import { IMAGES } from '../ci/pipeline-fixtures';
import { platform as teamPlatform } from '../team/fixtures';
import { synth, testChart, thrown } from '../util';
import { droneServer } from './fixtures';
import { droneSyncs, gitlabDroneRepo } from './upstream';

/** A Drone platform syncing the account `acme` (`null`: every repository), with a build and a deploy namespace. */
function platform(repositoryFilter: string[] | null = ['acme']) {
  const chart = testChart('ci');
  const server = droneServer(chart, repositoryFilter === null ? {} : { repositoryFilter });
  const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
  const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension, buildNamespace: 'builds', extraBuildNamespaces: ['deploys'] });
  const engine = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
  return { chart, engine, runner, secretsExtension };
}

test('Drone syncs no project of a GitLab subgroup, whatever its filter', () => {
  const api = gitlabDroneRepo('acme/platform', 'api');
  expect(api.slug).toBe('acme/platform/api');
  for (const filter of [undefined, 'acme', 'acme,acme/platform']) {
    expect(droneSyncs({ DRONE_REPOSITORY_FILTER: filter }, api)).toBe(false);
  }
  expect(droneSyncs({ DRONE_REPOSITORY_FILTER: 'Acme' }, gitlabDroneRepo('acme', 'web'))).toBe(true);
});

describe('a GitLab subgroup\'s project is refused on Drone, changing nothing', () => {
  const rule = (repo: string) => `"${repo}" must be an "owner/name" slug or glob of two parts on Drone: Drone syncs no project of a GitLab ` +
    'subgroup (a slug of more than one "/"), so none of its pipelines would run; Woodpecker runs them';
  const values = { v: SecretValue.hex(16) };

  test.each([
    ['a route', (p: ReturnType<typeof platform>) => p.engine.addRoute({ name: 'api', repos: ['acme/platform/api'], namespace: 'deploys' }),
      `invalid repos ["acme/platform/api"]: ${rule('acme/platform/api')} (route "api")`],
    ['a pipeline secret', (p: ReturnType<typeof platform>) => p.engine.addPipelineSecret('T', { name: 't', repos: ['acme/web', 'acme/platform/*'], values }),
      `invalid repos ["acme/web","acme/platform/*"]: ${rule('acme/platform/*')} (secret "t")`],
    ['a pull secret', (p: ReturnType<typeof platform>) => p.engine.addImagePullSecret('P', { name: 'p', repos: ['acme/*/api'], dockerConfig: SecretValue.input('P', 'a login') }),
      `invalid repos ["acme/*/api"]: ${rule('acme/*/api')} (pull secret "p")`],
    ['an addition checked ahead', (p: ReturnType<typeof platform>) => p.engine.checkAdditions({ routes: [{ name: 'api', repos: ['acme/platform/api'], namespace: 'deploys' }] }),
      `invalid repos ["acme/platform/api"]: ${rule('acme/platform/api')}`],
    ['a policy added to the runner itself', (p: ReturnType<typeof platform>) => p.runner.addPolicy({ name: 'api', repos: ['acme/platform/api'], namespace: 'deploys' }),
      `invalid repos ["acme/platform/api"]: ${rule('acme/platform/api')}`],
    ['a secret added to the extension itself', (p: ReturnType<typeof platform>) => p.secretsExtension.addSecret('T', { name: 't', repos: ['acme/platform/api'], values }),
      `invalid repos ["acme/platform/api"]: ${rule('acme/platform/api')} (secret "t")`],
    ['typed pipelines', (p: ReturnType<typeof platform>) => new RepositoryPipelines(p.chart, 'Api', {
      engine: p.engine, repo: 'acme/platform/api', pipelines: [new Pipeline({ name: 'build', events: [PipelineEvent.PUSH], steps: [Step.run('test', { image: IMAGES.go, commands: ['true'] })] })],
    }), `invalid repo "acme/platform/api": ${rule('acme/platform/api')}`],
  ])('%s', (_what, add, message) => {
    const p = platform(null);
    const before = synth(p.chart);
    expect(thrown(() => add(p)).message).toBe(message);
    expect(synth(p.chart)).toEqual(before);
  });

  test('a team', () => {
    const p = teamPlatform();
    expect(thrown(() => p.teams.addTeam({ name: 'platform', repos: ['acme/platform/*'] })).message)
      .toBe(`invalid repos ["acme/platform/*"]: ${rule('acme/platform/*')} (team "platform")`);
  });

  test('a subgroup in the repository filter, which matches nothing', () => {
    expect(thrown(() => platform(['acme', 'acme/platform'])).message).toBe('invalid repositoryFilter ["acme","acme/platform"]: "acme/platform" ' +
      'must be a git provider user or organisation, not a GitLab subgroup: Drone syncs no project of a subgroup, so the entry would match nothing');
  });
});

describe('a repository the repository filter never syncs is refused, changing nothing', () => {
  const message = (repo: string) => `invalid repos ["${repo}"]: "${repo}" must be a repository of an account in the server's repositoryFilter ("acme"): ` +
    'Drone syncs no other, so its pipelines never run (one synced before the filter was set or narrowed may build on); add its owner to repositoryFilter';

  test.each([
    ['a route', (engine: DroneCi) => engine.addRoute({ name: 'web', repos: ['other/web'], namespace: 'deploys' }), ' (route "web")'],
    ['a pipeline secret', (engine: DroneCi) => engine.addPipelineSecret('T', { name: 't', repos: ['other/web'], values: { v: SecretValue.hex(16) } }), ' (secret "t")'],
    ['a pull secret', (engine: DroneCi) => engine.addImagePullSecret('P', { name: 'p', repos: ['other/web'], dockerConfig: SecretValue.input('P', 'a login') }), ' (pull secret "p")'],
    // checked ahead, as the runner's own refusals are: without the context a batch's caller adds
    ['an addition checked ahead', (engine: DroneCi) => engine.checkAdditions({ routes: [{ name: 'web', repos: ['other/web'], namespace: 'deploys' }] }), ''],
  ])('%s', (_what, add, context) => {
    const { chart, engine } = platform();
    const before = synth(chart);
    expect(thrown(() => add(engine)).message).toBe(`${message('other/web')}${context}`);
    expect(synth(chart)).toEqual(before);
  });

  test('an owner in another case, a glob owner and a server without a filter are taken', () => {
    const { engine } = platform(['Acme']);
    expect(() => engine.addRoute({ name: 'web', repos: ['acme/web'], namespace: 'deploys' })).not.toThrow();
    // a glob owner can name a synced namespace: left to the engine
    expect(() => engine.addPipelineSecret('G', { name: 'g', repos: ['*/web'], values: { v: SecretValue.hex(16) } })).not.toThrow();
    expect(() => platform(null).engine.addRoute({ name: 'x', repos: ['other/x'], namespace: 'deploys' })).not.toThrow();
  });
});
