// Behaviour that renders as valid YAML but would be silently wrong (issue 9): each test evaluates the rendered
// settings with a model of the upstream code it cites (test/drone/upstream.ts).
import fc from 'fast-check';
import { parse } from 'yaml';
import {
  DeployAccess, DroneKubeRunner, DroneSecretsExtension, ExternalPostgres, GitProvider, Image, ImageRelocation, Images, PipelineEvent, Resources, Secret,
  SslMode,
} from '../../lib';
import { container, envOf, find, serviceAccounts, synth, testChart } from '../util';
import { mostDuringRollout, servingDuringRollout } from '../core/rollout-model';
import { droneServer } from './fixtures';
import {
  BuildMatch, droneAdmits, droneBootstrapUser, parsePolicies, parseRunnerLabels, PipelineRequest, placeBuild, schedulerRoutes, runnerConfigFiles, stageOnSigterm,
  netrcLogin, stepsWithNetrc,
} from './upstream';

/** A container's literal env values. */
function values(workload: any): Record<string, string> {
  return Object.fromEntries(Object.entries(envOf(container(workload))).filter(([, v]) => v.value !== undefined).map(([k, v]) => [k, v.value]));
}

describe('item 1: who can log in (harness v2.28.2 plugin/admission)', () => {
  const bob = { login: 'bob', orgs: ['acme'] };
  const mallory = { login: 'mallory', orgs: ['evil'] };

  test('with a user filter, registration is open and the filter gates it: members get in, outsiders do not', () => {
    const chart = testChart('ci');
    droneServer(chart, { userFilter: ['acme', 'alice'], admin: 'alice' });
    const env = values(find(synth(chart), 'Deployment', 'drone'));
    expect(droneAdmits(env, bob)).toBe(true);
    expect(droneAdmits(env, { login: 'Alice', orgs: [] })).toBe(true);
    expect(droneAdmits(env, mallory)).toBe(false);
    // what the old default rendered: closed registration refuses the member too (open.go:45-47)
    expect(droneAdmits({ ...env, DRONE_REGISTRATION_CLOSED: 'true' }, bob)).toBe(false);
  });

  test('a filter narrowed on day two turns away new outsiders only: the users Drone has keep logging in', () => {
    // plugin/admission/account.go:38-43 and open.go:38-43 admit every user Drone has already, whatever the filter;
    // the README tells to remove them as the admin (drone user rm)
    const before = testChart('ci');
    droneServer(before, { userFilter: ['acme', 'contractors'], admin: 'alice' });
    const after = testChart('ci');
    droneServer(after, { userFilter: ['acme'], admin: 'alice' });
    const [was, now] = [before, after].map((c) => values(find(synth(c), 'Deployment', 'drone')));
    expect([was.DRONE_USER_FILTER, now.DRONE_USER_FILTER]).toEqual(['acme,contractors', 'acme']);
    const carol = { login: 'carol', orgs: ['contractors'] };
    expect(droneAdmits(was, carol)).toBe(true);
    expect(droneAdmits(now, carol)).toBe(false);
    expect(droneAdmits(now, { ...carol, registered: true })).toBe(true);
  });

  test('without a filter, registration stays closed: nobody registers on their own', () => {
    const chart = testChart('ci');
    droneServer(chart, { admin: 'alice' });
    const env = values(find(synth(chart), 'Deployment', 'drone'));
    expect(env.DRONE_REGISTRATION_CLOSED).toBe('true');
    expect(droneAdmits(env, bob)).toBe(false);
  });

  test('under closed registration the admin alone logs in, as an admin: the account Drone makes at start', () => {
    // harness v2.28.2 config.go:630-650 (DRONE_USER_CREATE), main.go:70-81 and bootstrap.go:45-89 make the account
    // before anyone logs in, and the admission rules pass an account Drone has (open.go:38-43); log-in finds it by
    // the forge's login compared exactly (login.go:74, store/user/user.go:249-252), so another spelling is a new user
    const chart = testChart('ci');
    droneServer(chart, { admin: 'alice' });
    const env = values(find(synth(chart), 'Deployment', 'drone'));
    const account = droneBootstrapUser(env);
    expect(account).toEqual({ login: 'alice', admin: true, machine: false });
    const registered = (login: string) => typeof account === 'object' && account.login === login;
    expect(droneAdmits(env, { login: 'alice', orgs: [], registered: registered('alice') })).toBe(true);
    expect(droneAdmits(env, { login: 'Alice', orgs: [], registered: registered('Alice') })).toBe(false);
    expect(droneAdmits(env, { ...bob, registered: registered(bob.login) })).toBe(false);
  });

  test('the model reads DRONE_USER_CREATE as UserCreate.Decode and Bootstrap do (config.go:630-650, bootstrap.go:45-70)', () => {
    expect(droneBootstrapUser({ DRONE_USER_CREATE: 'username:alice,admin:True' })).toEqual({ login: 'alice', admin: false, machine: false });
    expect(droneBootstrapUser({ DRONE_USER_CREATE: 'admin:true,username:alice:x' })).toBeUndefined();
    expect(droneBootstrapUser({ DRONE_USER_CREATE: 'username:ci,machine:true' })).toBe('fatal');
    // an account of that login made before is updated, before the token is looked at (bootstrap.go:61-70)
    expect(droneBootstrapUser({ DRONE_USER_CREATE: 'username:ci,machine:true' }, true)).toEqual({ login: 'ci', admin: false, machine: true });
    expect(droneBootstrapUser({})).toBeUndefined();
  });

  test('refuses closed registration together with a filter, which would lock out every member', () => {
    expect(() => droneServer(testChart('ci'), { userFilter: ['acme'], registrationClosed: true }))
      .toThrow('invalid registrationClosed true: must not be true when userFilter is set');
    // an explicit open registration without a filter is the caller's choice
    const chart = testChart('ci');
    droneServer(chart, { registrationClosed: false });
    expect(droneAdmits(values(find(synth(chart), 'Deployment', 'drone')), mallory)).toBe(true);
  });

  test('refuses a user filter with GitLab, where any user can pass it with a subgroup of a listed name', () => {
    // go-scm v1.42.2 scm/driver/gitlab/org.go convertOrganization names a group `Name: from.Path`, its last path
    // segment, and GitLab lists subgroups among a user's groups: mallory's own subgroup `mallory/acme` is "acme",
    // and account.go:59-70 admits it, so the filter that gates registration on GitHub gates nothing on GitLab.
    // Entries naming users are no safer: `mallory/alice` passes the entry `alice` the same way
    const filtered = { DRONE_USER_FILTER: 'acme,alice', DRONE_REGISTRATION_CLOSED: 'false' };
    expect(droneAdmits(filtered, { login: 'mallory', orgs: ['acme'] })).toBe(true);
    expect(droneAdmits(filtered, { login: 'mallory', orgs: ['alice'] })).toBe(true);
    const gitlab = (chart: ReturnType<typeof testChart>) => GitProvider.gitlab({
      clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'GitLabOAuth', 'gitlab-oauth').key('client-secret'),
    });
    const chart = testChart('ci');
    expect(() => droneServer(chart, { gitProvider: gitlab(chart), userFilter: ['acme', 'alice'] })).toThrow(new Error(
      'invalid userFilter ["acme","alice"]: must be unset with a GitLab provider: Drone names a GitLab group by its last path segment, ' +
      'so a subgroup of a listed name, which any GitLab user can create (such as "mallory/acme"), would register; leave registration ' +
      'closed and add users as the admin (drone user add), or set registrationClosed: false to let every account register'));
    // without a filter on GitLab, registration stays closed and mallory cannot register
    const closed = testChart('ci');
    droneServer(closed, { gitProvider: gitlab(closed) });
    const env = values(find(synth(closed), 'Deployment', 'drone'));
    expect(env.DRONE_USER_FILTER).toBeUndefined();
    expect(droneAdmits(env, { login: 'mallory', orgs: ['acme'] })).toBe(false);
  });
});

/** A runner with a deploy identity pinned to `acme/app`, and its rendered config. */
function deployRunner(policy: { events?: PipelineEvent[]; allowPullRequests?: boolean } = {}) {
  const chart = testChart('ci');
  const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy'] });
  const deployer = new DeployAccess(chart, 'Deploy', { namespace: 'app', serviceAccountNamespace: 'deploy' });
  runner.addPolicy({ name: 'app-deploy', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: deployer.serviceAccountName, ...policy });
  const objects = synth(chart);
  const config = runnerConfigFiles(objects);
  return {
    env: values(find(objects, 'Deployment', 'drone-runner')),
    policies: parsePolicies(config['policies.yaml']),
    rules: parse(config['namespace-rules.yaml']) as Record<string, string[]>,
  };
}

describe('item 2: event-scoped policies (drone-runner-kube v1.0.0-rc.5 engine/policy, engine/compiler)', () => {
  test('a push runs with the deploy identity, a pull request never, even when its pipeline asks for it', () => {
    const { env, policies, rules } = deployRunner();
    expect(placeBuild(env, policies, rules, { repo: 'acme/app', event: 'push' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(placeBuild(env, policies, rules, { repo: 'acme/app', event: 'promote' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    const pr = { repo: 'acme/app', event: 'pull_request' };
    expect(placeBuild(env, policies, rules, pr)).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
    // the namespace rules admit acme/app to `deploy`; only the other-events policy pins it back
    expect(placeBuild(env, policies, rules, pr, { namespace: 'deploy', serviceAccountName: 'deployer' }))
      .toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
    // another repository cannot pick the namespace at all
    expect(placeBuild(env, policies, rules, { repo: 'acme/other', event: 'push' }, { namespace: 'deploy', serviceAccountName: 'deployer' }))
      .toEqual({ refused: 'linter: pipeline restricted from using configured namespace' });
  });

  test('the old policy, matching every event, gave pull requests the deploy identity', () => {
    const { env, policies, rules } = deployRunner();
    const old = [{ name: 'app-deploy', match: { repo: ['acme/app'] }, metadata: { namespace: 'deploy' }, service_account: 'deployer' }];
    expect(placeBuild(env, old, rules, { repo: 'acme/app', event: 'pull_request' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(policies).not.toEqual(old);
  });

  test('pull requests get the deploy identity only by the named opt-in', () => {
    const { env, policies, rules } = deployRunner({
      events: [PipelineEvent.PUSH, PipelineEvent.PULL_REQUEST], allowPullRequests: true,
    });
    expect(placeBuild(env, policies, rules, { repo: 'acme/app', event: 'pull_request' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(placeBuild(env, policies, rules, { repo: 'acme/app', event: 'tag' })).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
  });

  test.each([['deploy first', false], ['release first', true]])(
    'two policies for one repository and different events both apply, whichever is added first (%s)', (_, releaseFirst) => {
      // the first matching policy wins (engine/policy/match.go:12-24); a guard matches every event of its
      // repositories, so guards must come after every policy
      const chart = testChart('ci');
      const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy', 'release'] });
      serviceAccounts(chart, ['deploy'], ['deployer']);
      serviceAccounts(chart, ['release'], ['releaser']);
      const add = [
        () => runner.addPolicy({ name: 'org-deploy', repos: ['acme/*'], events: [PipelineEvent.PUSH], namespace: 'deploy', serviceAccountName: 'deployer' }),
        () => runner.addPolicy({ name: 'app-release', repos: ['acme/app'], events: [PipelineEvent.PROMOTE], namespace: 'release', serviceAccountName: 'releaser' }),
      ];
      (releaseFirst ? [...add].reverse() : add).forEach((f) => f());
      const objects = synth(chart);
      const config = runnerConfigFiles(objects);
      const env = values(find(objects, 'Deployment', 'drone-runner'));
      const policies = parsePolicies(config['policies.yaml']);
      const rules = parse(config['namespace-rules.yaml']) as Record<string, string[]>;
      expect(placeBuild(env, policies, rules, { repo: 'acme/app', event: 'push' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
      expect(placeBuild(env, policies, rules, { repo: 'acme/app', event: 'promote' })).toEqual({ namespace: 'release', serviceAccountName: 'releaser' });
      expect(placeBuild(env, policies, rules, { repo: 'acme/app', event: 'pull_request' })).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
      expect(placeBuild(env, policies, rules, { repo: 'acme/lib', event: 'push' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    });

  test('a condition the runner does not know matches everything, so policies render only known keys', () => {
    const { policies } = deployRunner();
    const known = ['action', 'cron', 'ref', 'repo', 'instance', 'target', 'event', 'branch'];
    for (const p of policies) {
      expect(Object.keys(p.match ?? {}).filter((k) => !known.includes(k))).toEqual([]);
    }
    // the model reproduces it: a misspelt key would hand every repository the deploy identity
    const typo = [{ name: 'x', match: { repos: ['acme/app'] }, metadata: { namespace: 'deploy' }, service_account: 'deployer' }];
    expect(placeBuild({}, typo as any, {}, { repo: 'other/repo', event: 'push' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
  });
});

/** A runner with build namespaces `deploy` and `release`, set up by `setup`, and its rendered config. */
function placed(setup: (runner: DroneKubeRunner) => void) {
  const chart = testChart('ci');
  const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy', 'release'] });
  // the accounts the tests' policies pin, in every build namespace: a policy may pin only one the app defines
  serviceAccounts(chart, ['ci-builds', 'deploy', 'release'], ['deployer', 'releaser']);
  setup(runner);
  const objects = synth(chart);
  const config = runnerConfigFiles(objects);
  const env = values(find(objects, 'Deployment', 'drone-runner'));
  const policies = parsePolicies(config['policies.yaml']);
  const rules = (parse(config['namespace-rules.yaml']) ?? {}) as Record<string, string[]>;
  return { policies, place: (build: BuildMatch, pipeline?: PipelineRequest, p = policies) => placeBuild(env, p, rules, build, pipeline) };
}

// drone-runner-kube v1.0.0-rc.5: the pod runs as the pipeline's own `service_account_name` (engine/compiler/
// compiler.go:212-221, 256-259) unless the matching policy sets one (compiler.go:636-638, engine/policy/policy.go:101-104);
// the namespace rules check only the namespace a pipeline asks for (engine/linter/linter.go:207-224)
describe('a pipeline\'s own service_account_name never applies (drone-runner-kube v1.0.0-rc.5 engine/compiler, engine/policy)', () => {
  const deployer = { serviceAccountName: 'deployer' };

  test('a deploy identity in the default build namespace: no other repository\'s pull request gets it by asking', () => {
    const { policies, place } = placed((runner) => runner.addPolicy({ name: 'app', repos: ['acme/app'], serviceAccountName: 'deployer', exclusive: false }));
    expect(place({ repo: 'acme/other', event: 'pull_request' }, deployer)).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/other', event: 'push' }, deployer)).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/app', event: 'pull_request' }, deployer)).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/app', event: 'push' })).toEqual({ namespace: 'ci-builds', serviceAccountName: 'deployer' });
    // the catch-all `default` is what places acme/other: without it (as rendered before), the pipeline's own choice held
    expect(policies[policies.length - 1]).toEqual({ kind: 'policy', name: 'default', service_account: 'default' });
    expect(place({ repo: 'acme/other', event: 'pull_request' }, deployer, policies.slice(0, -1)))
      .toEqual({ namespace: 'ci-builds', serviceAccountName: 'deployer' });
  });

  test('a deploy identity in a namespace that is not exclusive: another repository may run there, never as it', () => {
    const { place } = placed((runner) => runner.addPolicy({
      name: 'app', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer', exclusive: false,
    }));
    expect(place({ repo: 'acme/other', event: 'pull_request' }, { namespace: 'deploy', ...deployer })).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/other', event: 'push' }, { namespace: 'deploy', ...deployer })).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/app', event: 'push' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
  });

  test('a later policy without a ServiceAccount sets `default`, so a pull request it places cannot ask for the identity', () => {
    const { policies, place } = placed((runner) => {
      runner.addPolicy({ name: 'app', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer' });
      runner.addPolicy({
        name: 'tests', repos: ['acme/*'], namespace: 'deploy', events: [PipelineEvent.PULL_REQUEST], allowPullRequests: true, exclusive: false,
      });
    });
    expect(policies.find((p) => p.name === 'tests')?.service_account).toBe('default');
    expect(place({ repo: 'acme/app', event: 'pull_request' }, deployer)).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/lib', event: 'pull_request' }, deployer)).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/app', event: 'push' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    // rendered without a ServiceAccount, as before, the pipeline's own choice held
    const bare = policies.map((p) => (p.name === 'tests' ? { ...p, service_account: undefined } : p));
    expect(place({ repo: 'acme/app', event: 'pull_request' }, deployer, bare)).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
  });

  test('every policy sets a ServiceAccount, and the runner ends with the catch-all even without policies', () => {
    const none = placed(() => undefined);
    expect(none.policies).toEqual([{ kind: 'policy', name: 'default', service_account: 'default' }]);
    expect(none.place({ repo: 'acme/app', event: 'pull_request' }, { namespace: 'deploy', ...deployer })).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    const some = placed((runner) => {
      runner.addPolicy({ name: 'big', repos: ['acme/monorepo'], exclusive: false });
      runner.addPolicy({ name: 'app', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer' });
    });
    expect(some.policies.map((p) => [p.name, p.service_account]))
      .toEqual([['pull-request-refs', 'default'], ['big', 'default'], ['app', 'deployer'], ['other-events', 'default'], ['default', 'default']]);
  });

  test('property: a pipeline runs as `default` or as a ServiceAccount a policy pins for its repository and event, and a pull request\'s code only by opt-in', () => {
    const repos = ['acme/app', 'acme/web', 'acme/*'];
    const policy = fc.record({
      repo: fc.constantFrom(...repos),
      namespace: fc.constantFrom('ci-builds', 'deploy', 'release'),
      serviceAccountName: fc.option(fc.constantFrom('deployer', 'releaser'), { nil: undefined }),
      exclusive: fc.boolean(),
      events: fc.subarray([PipelineEvent.PUSH, PipelineEvent.PROMOTE, PipelineEvent.CUSTOM, PipelineEvent.PULL_REQUEST], { minLength: 1 }),
    });
    const build = fc.record({
      repo: fc.constantFrom('acme/app', 'acme/web', 'acme/other', 'evil/app'),
      event: fc.constantFrom('push', 'pull_request', 'promote', 'rollback', 'custom', 'tag', 'cron'),
      ref: fc.constantFrom('refs/heads/main', 'refs/tags/v1', 'refs/pull/7/head', 'refs/merge-requests/3/head', 'refs/pull-requests/2/from'),
    });
    const request = fc.record({
      namespace: fc.option(fc.constantFrom('ci-builds', 'deploy', 'release'), { nil: undefined }),
      serviceAccountName: fc.option(fc.constantFrom('deployer', 'releaser'), { nil: undefined }),
    });
    fc.assert(fc.property(fc.array(policy, { maxLength: 3 }), fc.array(fc.tuple(build, request), { minLength: 1, maxLength: 8 }), (given, cases) => {
      const added: typeof given = [];
      const { place } = placed((runner) => given.forEach((p, i) => {
        const props = { ...p, name: `p${i}`, repos: [p.repo], allowPullRequests: true, exclusive: p.exclusive && p.namespace !== 'ci-builds' };
        runner.addPolicy(props);
        added.push(props);
      }));
      for (const [b, pipeline] of cases) {
        const placement = place(b, pipeline);
        if ('refused' in placement || placement.serviceAccountName === 'default') continue;
        // a pinned identity: of a policy for this repository and event
        const pinned = added.filter((p) => p.serviceAccountName === placement.serviceAccountName && p.events.includes(b.event as PipelineEvent)
          && (p.repo === b.repo || (p.repo === 'acme/*' && b.repo.startsWith('acme/'))));
        expect(pinned).not.toEqual([]);
        // a pull request's ref runs with an identity only as a pull request its policy opts into
        if (b.ref.startsWith('refs/pull') || b.ref.startsWith('refs/merge-requests/')) {
          expect(b.event).toBe('pull_request');
        }
      }
    }), { numRuns: 40 });
  });
});

describe('a pull request\'s ref under another event runs without the identity (harness v2.28.2 handler/api/repos/builds/promote.go:65-66)', () => {
  test('a promote, rollback or custom build of a pull request\'s ref, on any forge, runs in the pool as `default`', () => {
    const { place } = placed((runner) => runner.addPolicy({
      name: 'app', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer', events: [PipelineEvent.PUSH, PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK, PipelineEvent.CUSTOM],
    }));
    const pool = { namespace: 'ci-builds', serviceAccountName: 'default' };
    // go-scm v1.42.2: GitHub scm/driver/github/pr.go:152, GitLab gitlab/pr.go:169, Bitbucket bitbucket/webhook.go:896
    for (const ref of ['refs/pull/7/head', 'refs/pull/7/merge', 'refs/merge-requests/3/head', 'refs/pull-requests/2/from', 'refs/pull-request/2/head']) {
      for (const event of ['promote', 'rollback', 'custom']) {
        expect(place({ repo: 'acme/app', event, ref }, { namespace: 'deploy', serviceAccountName: 'deployer' })).toEqual(pool);
      }
    }
    expect(place({ repo: 'acme/app', event: 'promote', ref: 'refs/heads/main' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(place({ repo: 'acme/app', event: 'promote', ref: 'refs/tags/v1.2.0' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    // a branch whose name starts like one is no pull request's ref
    expect(place({ repo: 'acme/app', event: 'push', ref: 'refs/heads/refs/pull/1' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
  });

  test('a pull request itself keeps a policy that opts into pull requests', () => {
    const { policies, place } = placed((runner) => runner.addPolicy({
      name: 'app', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer',
      events: [PipelineEvent.PULL_REQUEST, PipelineEvent.PUSH, PipelineEvent.PROMOTE], allowPullRequests: true,
    }));
    expect(place({ repo: 'acme/app', event: 'pull_request', ref: 'refs/pull/7/head' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(place({ repo: 'acme/app', event: 'promote', ref: 'refs/pull/7/head' })).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
    expect(policies[0]).toEqual({
      kind: 'policy', name: 'pull-request-refs',
      match: { event: { exclude: ['pull_request'] }, ref: ['refs/pull/**', 'refs/pull-request/**', 'refs/pull-requests/**', 'refs/merge-requests/**', ''] },
      metadata: { namespace: 'ci-builds' }, service_account: 'default',
    });
    // without it, a promote of the pull request's build ran as the identity
    expect(place({ repo: 'acme/app', event: 'promote', ref: 'refs/pull/7/head' }, undefined, policies.slice(1)))
      .toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
  });

  test('a GitHub deployment of a commit SHA, which carries no ref, is pinned too: its .drone.yml may be a pull request\'s', () => {
    // go-scm v1.42.2 scm/driver/github/webhook.go:676-683 empties the ref of a deployment by 40-character SHA; harness
    // v2.28.2 service/hook/parser/parse.go:359-378 makes it a promote with that ref, and plugin/config/repo.go:34 reads
    // the config at the SHA. doublestar v1.1.1 (doublestar.go:316-323, matchComponent) matches "" against the empty ref only.
    const { policies, place } = placed((runner) => runner.addPolicy({
      name: 'app', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer', events: [PipelineEvent.PUSH, PipelineEvent.PROMOTE],
    }));
    expect(place({ repo: 'acme/app', event: 'promote', ref: '' })).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
    // a deployment of a branch or tag keeps the deploy identity: the empty pattern matches no ref with a part
    expect(place({ repo: 'acme/app', event: 'promote', ref: 'refs/heads/main' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(place({ repo: 'acme/app', event: 'promote', ref: 'refs/tags/v1.0.0' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(place({ repo: 'acme/app', event: 'push', ref: 'refs/heads/main' })).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
    // without the empty pattern, the deployment by SHA ran as the identity
    const without = policies.map((p) => (p.name === 'pull-request-refs'
      ? { ...p, match: { ...p.match, ref: (p.match!.ref as string[]).filter((r) => r !== '') } } : p));
    expect(place({ repo: 'acme/app', event: 'promote', ref: '' }, undefined, without)).toEqual({ namespace: 'deploy', serviceAccountName: 'deployer' });
  });

  test('a policy that pins only a namespace gets it too: a promote of a pull request\'s build stays out of the namespace', () => {
    // the other-events guard keeps the repository's pull requests out of a namespace a policy pins (its egress, its
    // default account's pull secrets, no pool quota); a promote, rollback or custom build of a pull request's ref runs
    // the same code (promote.go:65-66, create.go:66), so it is pinned to the pool as well
    const { policies, place } = placed((runner) => runner.addPolicy({ name: 'big', repos: ['acme/monorepo'], namespace: 'deploy' }));
    expect(policies.map((p) => p.name)).toEqual(['pull-request-refs', 'big', 'other-events', 'default']);
    const pool = { namespace: 'ci-builds', serviceAccountName: 'default' };
    for (const event of ['promote', 'rollback', 'custom']) {
      expect(place({ repo: 'acme/monorepo', event, ref: 'refs/pull/7/head' }, { namespace: 'deploy' })).toEqual(pool);
    }
    expect(place({ repo: 'acme/monorepo', event: 'pull_request', ref: 'refs/pull/7/head' }, { namespace: 'deploy' })).toEqual(pool);
    expect(place({ repo: 'acme/monorepo', event: 'promote', ref: 'refs/heads/main' })).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    // without it, the promote of the pull request's build ran in the policy's namespace
    expect(place({ repo: 'acme/monorepo', event: 'promote', ref: 'refs/pull/7/head' }, undefined, policies.slice(1)))
      .toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    // a GitHub deployment of a commit SHA carries no ref (go-scm v1.42.2 scm/driver/github/webhook.go:676-683): it
    // leaves the policy's namespace too, as the README's Upgrade note says; a tag's or a branch's stays
    expect(place({ repo: 'acme/monorepo', event: 'promote', ref: '' })).toEqual(pool);
    expect(place({ repo: 'acme/monorepo', event: 'promote', ref: '' }, undefined, policies.slice(1))).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/monorepo', event: 'promote', ref: 'refs/tags/v1.2.3' })).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/monorepo', event: 'tag', ref: 'refs/tags/pull/7' })).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
    expect(place({ repo: 'acme/monorepo', event: 'push', ref: 'refs/heads/refs/pull/7/head' })).toEqual({ namespace: 'deploy', serviceAccountName: 'default' });
  });

  test('a namespace-only policy that takes pull requests renders none: its pull requests run in the namespace themselves', () => {
    // allowPullRequests puts the repository's pull requests, forks' included, in `deploy` (no guard for them), so a
    // promote of one's build there reaches nothing the pull request does not; before this runner had no such policy
    // document, and a promote of a pull request's build ran where the pull request did
    const all = ['push', 'pull_request', 'tag', 'promote', 'rollback', 'cron', 'custom'] as PipelineEvent[];
    const { policies, place } = placed((runner) => runner.addPolicy({ name: 'previews', repos: ['acme/web'], namespace: 'deploy', events: all, allowPullRequests: true }));
    expect(policies.map((p) => p.name)).toEqual(['previews', 'default']);
    const deploy = { namespace: 'deploy', serviceAccountName: 'default' };
    expect(place({ repo: 'acme/web', event: 'pull_request', ref: 'refs/pull/7/head' })).toEqual(deploy);
    expect(place({ repo: 'acme/web', event: 'promote', ref: 'refs/pull/7/head' })).toEqual(deploy);
    // one that keeps pull requests out renders it, for every repository
    const both = placed((runner) => {
      runner.addPolicy({ name: 'previews', repos: ['acme/web'], namespace: 'deploy', events: all, allowPullRequests: true });
      runner.addPolicy({ name: 'migrate', repos: ['acme/db'], namespace: 'release' });
    });
    expect(both.policies.map((p) => p.name)).toEqual(['pull-request-refs', 'previews', 'migrate', 'other-events', 'default']);
  });

  test('a runner whose policies place nothing outside the pool renders no pull-request-refs', () => {
    const { policies } = placed((runner) => runner.addPolicy({ name: 'pool', repos: ['acme/monorepo'], exclusive: false }));
    expect(policies.map((p) => p.name)).toEqual(['pool', 'default']);
  });

  test('refuses the guards\' names', () => {
    const chart = testChart('ci');
    const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy'] });
    expect(() => runner.addPolicy({ name: 'pull-request-refs', repos: ['acme/app'], namespace: 'deploy' })).toThrow(
      'invalid name "pull-request-refs": must be unique among the runner\'s policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies');
    expect(() => runner.addPolicy({ name: 'default', repos: ['acme/app'], namespace: 'deploy' })).toThrow('invalid name "default": must not be "default"');
  });
});

describe('item 4: dedicated runners are routed by labels (harness v2.28.2 scheduler/queue/queue.go:196-199,266-276)', () => {
  test('a labelled runner gets exactly the pipelines whose node: equals its labels, and the general runner none of them', () => {
    const chart = testChart('ci');
    const server = droneServer(chart);
    new DroneKubeRunner(chart, 'General', { server, name: 'drone-runner' });
    const deploy = new DroneKubeRunner(chart, 'Deploy', {
      server, name: 'drone-runner-deploy', buildNamespace: 'ci-deploy-builds', labels: { pool: 'deploy' }, limitRepos: ['acme/app'],
    });
    const objects = synth(chart);
    const general = parseRunnerLabels(values(find(objects, 'Deployment', 'drone-runner')).DRONE_RUNNER_LABELS);
    const dedicated = parseRunnerLabels(values(find(objects, 'Deployment', 'drone-runner-deploy')).DRONE_RUNNER_LABELS);
    expect(dedicated).toEqual({ pool: 'deploy' });
    expect(deploy.labels).toEqual(dedicated);
    const routed = { ...deploy.labels };
    expect(schedulerRoutes(routed, dedicated)).toBe(true);
    expect(schedulerRoutes(routed, general)).toBe(false);
    expect(schedulerRoutes({}, general)).toBe(true);
    expect(schedulerRoutes({}, dedicated)).toBe(false);
    // a pipeline with more labels than the runner's is not routed to it either: the maps must be equal
    expect(schedulerRoutes({ pool: 'deploy', arch: 'arm64' }, dedicated)).toBe(false);
  });
});

describe('item 5: build resources (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:640-711)', () => {
  /** Per-container requests as the runner computes them for a pod of `steps` containers with no step limits. */
  function containerRequests(env: Record<string, string>, steps: number): { cpu: number; memory: number }[] {
    const cpu = Number(env.DRONE_RESOURCE_REQUEST_CPU ?? 100);
    const memory = Number(env.DRONE_RESOURCE_REQUEST_MEMORY ?? 104857600);
    const split = (amount: number, unit: number) => Array.from({ length: steps }, (_, i) => {
      const div = Math.floor(amount / (steps * unit)) * unit;
      const rem = amount % (steps * unit);
      return div + (i < rem / unit ? unit : 0);
    });
    const cpus = split(cpu, 1);
    const mems = split(memory, 4 * 1024 * 1024);
    // minimums 1m and 4MB (command/daemon/config.go:76-77)
    return cpus.map((c, i) => ({ cpu: Math.max(c, 1), memory: Math.max(mems[i], 4 * 1024 * 1024) }));
  }

  test('the runner sets pod requests that fit under the LimitRange default, and steps may go up to its max', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', {
      server: droneServer(chart),
      buildResources: Resources.of({ cpuRequest: '500m', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '4Gi' }),
      buildMaxMemory: '16Gi',
    });
    const objects = synth(chart);
    const env = values(find(objects, 'Deployment', 'drone-runner'));
    expect(env.DRONE_RESOURCE_REQUEST_CPU).toBe('500');
    expect(env.DRONE_RESOURCE_REQUEST_MEMORY).toBe(String(2 ** 30));
    // a DRONE_RESOURCE_LIMIT_* would cap every step's own limit (compiler.go:683-692)
    expect(env.DRONE_RESOURCE_LIMIT_MEMORY).toBeUndefined();
    const [limits] = find(objects, 'LimitRange', 'drone-runner-builds', 'ci-builds').spec.limits;
    // the runner sets every step's CPU and memory requests, so the defaultRequest of them applies only to a debug
    // build's tmate init container, which gets the pipeline's own; ephemeral storage it never sets
    // (test/ci/build-resources.test.ts)
    expect(limits).toEqual({
      'type': 'Container', 'default': { 'cpu': '2', 'memory': '4Gi', 'ephemeral-storage': '4Gi' },
      'defaultRequest': { 'cpu': '500m', 'memory': '1Gi', 'ephemeral-storage': '256Mi' },
      'max': { 'cpu': '4', 'memory': '16Gi', 'ephemeral-storage': '4Gi' },
    });
    // the whole pod's request fits under one step's default limit, so even a one-step pod is admitted
    expect(Number(env.DRONE_RESOURCE_REQUEST_CPU)).toBeLessThanOrEqual(2000);
    expect(Number(env.DRONE_RESOURCE_REQUEST_MEMORY)).toBeLessThanOrEqual(4 * 2 ** 30);
    expect(containerRequests(env, 2).reduce((sum, r) => sum + r.cpu, 0)).toBe(500);
  });

  test('refuses requests above the default limit and a max below it', () => {
    const make = (props: object) => {
      const chart = testChart('ci');
      return new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), ...props });
    };
    expect(() => make({ buildResources: Resources.of({ cpuRequest: '3', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '4Gi' }) }))
      .toThrow('invalid cpuLimit "2": must be at least cpuRequest "3"');
    expect(() => make({ buildMaxMemory: '1Gi' })).toThrow('invalid buildMaxMemory "1Gi": must be at least buildResources.memoryLimit "4Gi"');
  });
});

describe('item 6: images', () => {
  test('clones with drone/git 1.2.0, the newest tag that runs as root like pipeline steps', () => {
    // drone/drone-git: v1.2.1's docker/Dockerfile.linux.amd64 has `USER drone:drone` (UID 1000) and posix/clone
    // `sudo chown`s the workspace; v1.2.0's has no USER; the revert to root (3ccd783) came after the last tag
    expect(DroneKubeRunner.CLONE_IMAGE.reference).toBe('docker.io/drone/git:1.2.0');
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart) });
    expect(values(find(synth(chart), 'Deployment', 'drone-runner')).DRONE_IMAGE_CLONE).toBe('docker.io/drone/git:1.2.0');
  });

  // drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:456-466 gives a debug build, with tmate enabled, an
  // internal step of DRONE_TMATE_IMAGE (command/daemon/config.go:141, default drone/drone-runner-docker:1), which
  // engine/convert.go:200-207 makes an init container of the build pod: relocated, or it is pulled from Docker Hub
  test('with tmate, the image debug builds copy tmate from is set, relocated and listed; without, nothing changes', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), tmate: true });
    Images.relocate(chart, ImageRelocation.registry('mirror.example.com/air'));
    const runner = find(synth(chart), 'Deployment', 'drone-runner');
    expect(values(runner).DRONE_TMATE_IMAGE).toBe('mirror.example.com/air/drone/drone-runner-docker:1');
    expect(runner.metadata.annotations['dockyard.dev/images'].split(',')).toContain('mirror.example.com/air/drone/drone-runner-docker:1');
    const off = testChart('ci');
    new DroneKubeRunner(off, 'Runner', { server: droneServer(off) });
    const plain = find(synth(off), 'Deployment', 'drone-runner');
    expect(values(plain).DRONE_TMATE_IMAGE).toBeUndefined();
    expect(plain.metadata.annotations['dockyard.dev/images']).toBe('docker.io/drone/git:1.2.0,docker.io/drone/placeholder:1');
  });

  test('keeps the amd64-only secrets extension on amd64 nodes', () => {
    // drone/drone-kubernetes-secrets has no git tag: its only multi-arch reference is the moving `latest`
    // (docker/manifest.tmpl), so the pinned default is the linux-amd64 build
    expect(DroneSecretsExtension.IMAGE.reference).toBe('docker.io/drone/kubernetes-secrets:linux-amd64');
    const chart = testChart('ci');
    new DroneSecretsExtension(chart, 'Secrets');
    expect(find(synth(chart), 'Deployment', 'drone-secrets').spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    const arm = testChart('ci');
    new DroneSecretsExtension(arm, 'Secrets', { image: Image.of('registry.example.com/drone/kubernetes-secrets:linux-arm64'), nodeSelector: { 'kubernetes.io/arch': 'arm64' } });
    expect(find(synth(arm), 'Deployment', 'drone-secrets').spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' });
  });
});

describe('item 7: Drone\'s connection pool (harness v2.28.2 store/shared/db/conn.go:38)', () => {
  function managed(chart: any, connectionLimit?: number) {
    const creds = Secret.fromSecretName(chart, 'Db', 'managed-db');
    return new ExternalPostgres(chart, 'Managed', {
      host: 'db.example.com', port: 25060, databaseName: 'drone', user: 'drone', password: creds.key('password'), sslMode: SslMode.REQUIRE,
      connectionLimit,
    });
  }

  test('is always bounded: by the database\'s connection limit, else by maxConnections or its default', () => {
    const limited = testChart('ci');
    droneServer(limited, { database: managed(limited, 15) });
    expect(values(find(synth(limited), 'Deployment', 'drone')).DRONE_DATABASE_MAX_CONNECTIONS).toBe('15');
    const unlimited = testChart('ci');
    // a database without a connection limit (some may default one): 0, Drone's default, would be database/sql's unlimited pool
    droneServer(unlimited, { database: Object.create(managed(unlimited), { connectionLimit: { value: undefined } }) });
    expect(values(find(synth(unlimited), 'Deployment', 'drone')).DRONE_DATABASE_MAX_CONNECTIONS).toBe('20');
    const chosen = testChart('ci');
    droneServer(chosen, { database: managed(chosen, 15), maxConnections: 8 });
    expect(values(find(synth(chosen), 'Deployment', 'drone')).DRONE_DATABASE_MAX_CONNECTIONS).toBe('8');
  });

  test('refuses a pool larger than the database allows, or none', () => {
    const a = testChart('ci');
    expect(() => droneServer(a, { database: managed(a, 15), maxConnections: 16 }))
      .toThrow('invalid maxConnections 16: must be at most the database\'s connectionLimit 15');
    const b = testChart('ci');
    expect(() => droneServer(b, { database: managed(b, 15), maxConnections: 0 })).toThrow('invalid maxConnections 0: must be an integer of at least 1');
  });
});

describe('a stopping runner finishes the stages it runs (drone-runner-kube v1.0.0-rc.5, runner-go v1.12.0 poller/poller.go)', () => {
  // a minute to delete the stage's pod and report it, reports being retried every 10 s while the server answers 5xx
  // (runner-go client/http.go:212-249)
  const CLEANUP_SEC = 60;
  const grace = (props: { gracePeriodSec?: number } = {}) => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), ...props });
    return find(synth(chart), 'Deployment', 'drone-runner').spec.template.spec.terminationGracePeriodSeconds as number;
  };

  test('by default, a stage that starts as the runner rolls ends within the grace period, even at Drone\'s default timeout', () => {
    const g = grace();
    // a team's onboarding rolls the shared runner (test/team/onboarding-rolls.test.ts) while stages run
    expect(stageOnSigterm(g, { ranMin: 0, needsMin: 600 }, CLEANUP_SEC)).toBe('finishes');
    expect(stageOnSigterm(g, { ranMin: 59, needsMin: 60 }, CLEANUP_SEC)).toBe('finishes');
    // the grace period that waited exactly the timeout left no time to clean up: the stage went with the runner
    expect(stageOnSigterm(3600, { ranMin: 0, needsMin: 600 }, CLEANUP_SEC)).toBe('killed');
  });

  test('the new runner starts before the old one stops, so builds that start meanwhile are taken', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart) });
    const runner = find(synth(chart), 'Deployment', 'drone-runner');
    expect(servingDuringRollout(runner)).toBe(1);
    // the old pod, finishing its stages, comes on top: up to twice the capacity runs meanwhile
    expect(mostDuringRollout(runner)).toBe(2);
  });

  test('a repository timeout above the grace period is killed with the runner, unless gracePeriodSec covers it', () => {
    const stage = { ranMin: 0, needsMin: 85, timeoutMin: 90 };
    expect(stageOnSigterm(grace(), stage, CLEANUP_SEC)).toBe('killed');
    expect(stageOnSigterm(grace({ gracePeriodSec: 95 * 60 }), stage, CLEANUP_SEC)).toBe('finishes');
  });
});

// The forge login Drone sends with every build of a private repository: the OAuth token of the user who activated it
// (harness v2.28.2 service/netrc/netrc.go:53-90, operator/manager/manager.go:488-511), a pull request's build and a
// fork's included. drone-runner-kube v1.0.0-rc.5 puts it into every step unless DRONE_NETRC_CLONE_ONLY
// (engine/compiler/compiler.go:492-496; command/daemon/config.go:91-92), so a pull request's code, and every tool a
// step runs, read a token that writes to every repository that user can.
describe('the forge login of a private repository\'s build (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:492-511)', () => {
  const runnerEnv = (props: object = {}) => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), ...props });
    return values(find(synth(chart), 'Deployment', 'drone-runner'));
  };
  const pullRequest = {
    kind: 'pipeline', type: 'kubernetes', name: 'default',
    steps: [{ name: 'test', image: 'node:22', commands: ['npm ci', 'npm test'] }, { name: 'report', image: 'alpine:3.21', commands: ['env'] }],
  };

  test('by default only the clone step holds it: the pipeline\'s own steps, and what they run, do not', () => {
    expect(stepsWithNetrc(pullRequest, runnerEnv(), { private: true })).toEqual(['clone']);
  });

  test('the runner\'s own default gave it to every step', () => {
    expect(stepsWithNetrc(pullRequest, {}, { private: true })).toEqual(['clone', 'test', 'report']);
    expect(stepsWithNetrc(pullRequest, runnerEnv({ netrcCloneOnly: false }), { private: true })).toEqual(['clone', 'test', 'report']);
  });

  test('a public repository\'s builds get none (no DRONE_GIT_ALWAYS_AUTH)', () => {
    const chart = testChart('ci');
    droneServer(chart);
    expect(values(find(synth(chart), 'Deployment', 'drone')).DRONE_GIT_ALWAYS_AUTH).toBeUndefined();
    expect(stepsWithNetrc(pullRequest, {}, { private: false })).toEqual([]);
  });

  // not a boundary: what a hostile pipeline still gets, as the README's "What a pull request can ask for" says
  test('a pipeline that disables its clone, or asks for the login by name, still gets it (upstream, documented)', () => {
    const env = runnerEnv();
    expect(stepsWithNetrc({ ...pullRequest, clone: { disable: true } }, env, { private: true })).toEqual(['test']);
    // a service is step 0 then: services come before steps (compiler.go:356-414)
    const withService = { ...pullRequest, clone: { disable: true }, services: [{ name: 'db', image: 'postgres:17' }] };
    expect(stepsWithNetrc(withService, env, { private: true })).toEqual(['db']);
    const asking = { ...pullRequest, steps: [pullRequest.steps[0], { ...pullRequest.steps[1], environment: { T: { from_secret: 'DRONE_NETRC_PASSWORD' } } }] };
    expect(stepsWithNetrc(asking, env, { private: true })).toEqual(['clone', 'report']);
  });
});

describe('the login a private repository\'s builds hold (harness v2.28.2 service/netrc/netrc.go:53-90)', () => {
  test('by default the activating user\'s OAuth token; with cloneLogin the machine login, given from its Secret', () => {
    const plain = testChart('ci');
    droneServer(plain);
    expect(netrcLogin(envOf(container(find(synth(plain), 'Deployment', 'drone'))), { private: true })).toBe('activating user');
    const chart = testChart('ci');
    const token = Secret.fromSecretName(chart, 'CloneToken', 'drone-clone-login').key('token');
    droneServer(chart, { cloneLogin: { username: 'acme-ci', password: token } });
    const env = envOf(container(find(synth(chart), 'Deployment', 'drone')));
    expect(netrcLogin(env, { private: true })).toBe('clone login');
    expect(netrcLogin(env, { private: false })).toBe('none');
    expect(env.DRONE_GIT_USERNAME.value).toBe('acme-ci');
    expect(env.DRONE_GIT_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'drone-clone-login', key: 'token' });
  });

  test.each([['a space', 'acme ci'], ['a line break', 'acme\nci'], ['nothing', '']])('refuses a username with %s, which would split the netrc line', (_, username) => {
    const chart = testChart('ci');
    const token = Secret.fromSecretName(chart, 'CloneToken', 'drone-clone-login').key('token');
    expect(() => droneServer(chart, { cloneLogin: { username, password: token } })).toThrow(/^invalid cloneLogin.username .*: must be a forge login: printable ASCII without spaces nor ":"$/);
  });

  test('refuses a username holding ":", most often a pasted token, without showing what follows it', () => {
    const chart = testChart('ci');
    const token = Secret.fromSecretName(chart, 'CloneToken', 'drone-clone-login').key('token');
    expect(() => droneServer(chart, { cloneLogin: { username: 'acme-ci:ghp_hunter2', password: token } })).toThrow(new Error(
      'invalid cloneLogin.username "acme-ci:<redacted>": must be a forge login: printable ASCII without spaces nor ":"'));
  });

  test('refuses a token given as a plain string, or a login that is no object, without showing it', () => {
    expect(() => droneServer(testChart('ci'), { cloneLogin: { username: 'acme-ci', password: 'ghp_hunter2' as never } })).toThrow(new Error(
      'invalid cloneLogin.password <redacted>: must be a SecretKey: the token, in a Secret of the server\'s namespace, never a plain string'));
    expect(() => droneServer(testChart('ci'), { cloneLogin: 'acme-ci:ghp_hunter2' as never }))
      .toThrow(new Error('invalid cloneLogin <redacted>: must be { username, password: SecretKey }'));
    expect(() => droneServer(testChart('ci'), { cloneLogin: { username: 'acme-ci' } as never }))
      .toThrow(new Error('missing cloneLogin.password: must be a SecretKey: the token, in a Secret of the server\'s namespace, never a plain string'));
  });
});
