// DroneCi checks a route in one place besides its own name rule: a route is a runner policy, so every other refusal
// is the runner's (`DroneKubeRunner.checkPolicy`), with the runner's message, whether the route is checked ahead
// (`checkAdditions`) or added (`addRoute`, whose message names the route too: `(route "web")`), and a refused route
// leaves the engine and the runner as they were.
import { CiRouteProps, PipelineEvent, SecretValue } from '../../lib';
import { VALIDATION_RULES } from '../../lib/core/validation';
import { find, serviceAccounts, synth, testChart, thrown } from '../util';
import { droneCi } from './fixtures';

function engine() {
  const chart = testChart('ci');
  const { ci, runner } = droneCi(chart, { extraBuildNamespaces: ['deploy'] });
  serviceAccounts(chart, ['deploy'], ['deployer']);
  ci.addRoute({ name: 'api', repos: ['acme/api'], namespace: 'deploy', serviceAccountName: 'deployer' });
  return { chart, runner, ci };
}

const ROUTE: CiRouteProps = { name: 'web', repos: ['acme/web'], namespace: 'deploy', serviceAccountName: 'deployer' };

describe('DroneCi routes', () => {
  const refusals: [string, CiRouteProps, string][] = [
    ['a name that is not a DNS label', { ...ROUTE, name: 'Web' }, `invalid name "Web": must be ${VALIDATION_RULES.dnsLabel}`],
    ['the runner\'s reserved name', { ...ROUTE, name: 'other-events' },
      'invalid name "other-events": must be unique among the runner\'s policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies'],
    ['a namespace that is no build namespace', { ...ROUTE, namespace: 'elsewhere' },
      'invalid namespace "elsewhere": must be one of the runner\'s build namespaces: elsewhere is not among ci-builds, deploy'],
    ['a ServiceAccount name that is not a DNS label', { ...ROUTE, serviceAccountName: 'Deploy_er' },
      `invalid serviceAccountName "Deploy_er": must be ${VALIDATION_RULES.dnsLabel}`],
    ['a repository that is no slug', { ...ROUTE, repos: ['web'] }, 'invalid repos ["web"]: "web" must be an "owner/name" slug or glob: an owner ' +
      'and a name of letters, digits, "_", "." and "-", with "*" and "?" as wildcards, joined by "/"; a project in a GitLab subgroup names every group on ' +
      'its path, e.g. "acme/platform/api"'],
    ['pull requests not allowed', { ...ROUTE, events: [PipelineEvent.PULL_REQUEST] },
      'invalid events ["pull_request"]: must not include pull_request unless allowPullRequests is true: pull requests may come from forks'],
    // two faults: the runner's order decides which one is named, as it does for a policy added to it directly
    ['a bad ServiceAccount name in a namespace that is no build namespace', { ...ROUTE, namespace: 'elsewhere', serviceAccountName: 'Deploy_er' },
      'invalid namespace "elsewhere": must be one of the runner\'s build namespaces: elsewhere is not among ci-builds, deploy'],
  ];

  test.each(refusals)('refuse %s with the runner\'s one line, checked ahead or added, changing nothing', (_what, route, message) => {
    const { chart, runner, ci } = engine();
    expect(thrown(() => runner.checkPolicy(route)).message).toBe(message);
    expect(thrown(() => ci.checkAdditions({ routes: [route] })).message).toBe(message);
    expect(thrown(() => ci.addRoute(route)).message).toBe(`${message} (route "${route.name}")`);
    expect([...ci.grants.routes.keys()]).toEqual(['api']);
    expect(find(synth(chart), 'ConfigMap', 'drone-runner-config').data['policies.yaml']).not.toMatch(/web|Web/);
  });

  test('refuse a name the engine has, in its own words, before the runner would name its policy', () => {
    const { ci } = engine();
    const message = 'invalid name "api": must be unique among the engine\'s routes';
    expect(thrown(() => ci.addRoute({ ...ROUTE, name: 'api' })).message).toBe(`${message} (route "api")`);
    expect(thrown(() => ci.checkAdditions({ routes: [{ ...ROUTE, name: 'api' }] })).message).toBe(message);
    // and one the additions have already
    expect(thrown(() => ci.checkAdditions({ routes: [ROUTE, { ...ROUTE, repos: ['acme/other'] }] })).message)
      .toBe('invalid name "web": must be unique among the engine\'s routes');
  });

  test('accept what the runner accepts: the route becomes its policy', () => {
    const { chart, ci } = engine();
    ci.checkAdditions({ routes: [ROUTE] });
    ci.addRoute(ROUTE);
    expect([...ci.grants.routes.keys()]).toEqual(['api', 'web']);
    expect(find(synth(chart), 'ConfigMap', 'drone-runner-config').data['policies.yaml']).toContain('name: web');
  });
});

describe('DroneCi secrets', () => {
  // the engine's secrets are Secrets of the extension, so one check, the extension's, refuses a name taken by either
  const taken = (name: string) => `invalid name "${name}": must be unique among the pipeline secrets of this extension`;
  const values = { token: SecretValue.hex(16) };
  const dockerConfig = SecretValue.input('PULL', 'a login');

  test('refuse a name the engine has, added or checked ahead, with the extension\'s one line, changing nothing', () => {
    const { chart, ci } = engine();
    ci.addPipelineSecret('Api', { name: 'token', repos: ['acme/api'], values });
    ci.addImagePullSecret('Pull', { name: 'pull', repos: ['acme/api'], dockerConfig });
    const before = synth(chart);
    for (const name of ['token', 'pull']) {
      // an addition names what it adds; a check ahead leaves that to its caller (`TeamPlatform.addTeam` names the team)
      expect(thrown(() => ci.addPipelineSecret('Other', { name, repos: ['acme/web'], values })).message).toBe(`${taken(name)} (secret "${name}")`);
      expect(thrown(() => ci.addImagePullSecret('Other', { name, repos: ['acme/web'], dockerConfig })).message).toBe(`${taken(name)} (pull secret "${name}")`);
      expect(thrown(() => ci.checkAdditions({ pipelineSecrets: [{ id: 'Other', name, repos: ['acme/web'] }] })).message).toBe(taken(name));
      expect(thrown(() => ci.checkAdditions({ pullSecrets: [{ id: 'Other', name, repos: ['acme/web'] }] })).message).toBe(taken(name));
    }
    expect([...ci.grants.secrets.keys()]).toEqual(['token']);
    expect([...ci.grants.pullSecrets.keys()]).toEqual(['pull']);
    expect(synth(chart)).toEqual(before);
  });

  test('refuse an access the extension refuses with its one line, named once as what the engine adds, changing nothing', () => {
    const { chart, ci } = engine();
    const before = synth(chart);
    const slug = 'invalid repos ["web"]: "web" must be an "owner/name" slug or glob: an owner and a name of letters, digits, "_", "." ' +
      'and "-", with "*" and "?" as wildcards, joined by "/"; a project in a GitLab subgroup names every group on its path, ' +
      'e.g. "acme/platform/api"';
    const forks = 'invalid events ["pull_request"]: must not include pull_request unless allowPullRequests is true: pull requests may come from forks';
    // the extension adds them unwrapped (`_addSecret`): one suffix, the engine's, never `(secret "pull") (pull secret "pull")`
    expect(thrown(() => ci.addImagePullSecret('Pull', { name: 'pull', repos: ['web'], dockerConfig })).message).toBe(`${slug} (pull secret "pull")`);
    expect(thrown(() => ci.addImagePullSecret('Pull', { name: 'pull', repos: ['acme/web'], events: [PipelineEvent.PULL_REQUEST], dockerConfig })).message)
      .toBe(`${forks} (pull secret "pull")`);
    expect(thrown(() => ci.addPipelineSecret('Api', { name: 'token', repos: ['web'], values })).message).toBe(`${slug} (secret "token")`);
    // added to the extension itself, it is the extension's secret
    expect(thrown(() => ci.secretsExtension.addSecret('Api', { name: 'token', repos: ['web'], values })).message).toBe(`${slug} (secret "token")`);
    expect([ci.grants.secrets.size, ci.grants.pullSecrets.size]).toEqual([0, 0]);
    expect(synth(chart)).toEqual(before);
    // the names and IDs are still free
    ci.addImagePullSecret('Pull', { name: 'pull', repos: ['acme/web'], dockerConfig });
    ci.addPipelineSecret('Api', { name: 'token', repos: ['acme/web'], values });
  });

  test('refuse a name the additions have already in the same words, and an ID taken by the engine or them in the engine\'s', () => {
    const { ci } = engine();
    ci.addPipelineSecret('Api', { name: 'token', repos: ['acme/api'], values });
    const secret = (id: string, name: string) => ({ id, name, repos: ['acme/web'] });
    expect(thrown(() => ci.checkAdditions({ pipelineSecrets: [secret('A', 'web')], pullSecrets: [secret('B', 'web')] })).message).toBe(taken('web'));
    expect(thrown(() => ci.checkAdditions({ pullSecrets: [secret('Api', 'web')] })).message)
      .toBe('invalid id "Api": must be unique among the secrets extension\'s children: it is the construct ID of each secret');
    expect(thrown(() => ci.checkAdditions({ pipelineSecrets: [secret('A', 'web')], pullSecrets: [secret('A', 'web-pull')] })).message)
      .toBe('invalid id "A": must be unique among the secrets extension\'s children: it is the construct ID of each secret');
    ci.checkAdditions({ pipelineSecrets: [secret('A', 'web')], pullSecrets: [secret('B', 'web-pull')] });
  });
});
