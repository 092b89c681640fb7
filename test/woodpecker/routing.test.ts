// Routing, pipeline secrets and pull secrets of WoodpeckerCi, evaluated with a transcription of Woodpecker v3.17.0's
// scheduler filter (test/woodpecker/upstream.ts): which agent takes which pipeline, in which namespace, and which
// Secrets its steps can read there.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { LocalSecretStore, PipelineEvent, Secret, SecretValue } from '../../lib';
import { WOODPECKER_EVENTS } from '../../lib/ci/events';
import { WoodpeckerCi } from '../../lib/woodpecker';
import { container, serviceAccounts, synth, testChart, thrown } from '../util';
import { gitlab, woodpeckerCi } from './fixtures';
import { agentsOf, agentTakes, literalEnv, taskLabels, Workflow } from './upstream';

const DEPLOY_EVENTS = [PipelineEvent.PUSH, PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK];

/** An engine with the route `release` of acme/api (push and deployments) into `deploy`, and its secret. */
function engine() {
  const chart = testChart('ci');
  const ci = woodpeckerCi(chart);
  const source = new Secret(chart, 'Source', { name: 'source', values: { token: SecretValue.hex(32) } });
  serviceAccounts(chart, ['deploy'], ['deployer']);
  ci.addRoute({ name: 'release', repos: ['acme/api'], events: DEPLOY_EVENTS, namespace: 'deploy', serviceAccountName: 'deployer' });
  ci.addPipelineSecret('Token', { name: 'deploy-token', repos: ['acme/api'], events: DEPLOY_EVENTS, values: { token: SecretValue.copyOf(source.key('token')) } });
  ci.addImagePullSecret('Pull', { name: 'harbor', repos: ['acme/*'], dockerConfig: SecretValue.copyOf(source.key('token')) });
  return { chart, ci };
}

describe('WoodpeckerCi routing, as Woodpecker\'s scheduler applies it', () => {
  const { chart, ci } = engine();
  const objects = synth(chart);
  const agents = agentsOf(objects);
  const route = ci.grants.routes.get('release')!;
  const routed = ci.pipelineLabels(route);
  const takers = (w: Workflow) => agents.filter((a) => agentTakes(taskLabels(w), a.filter)).map((a) => a.name);
  const agent = (name: string) => agents.find((a) => a.name === name)!;
  const secretNamespaces = Secret.allIn(chart).find((s) => s.secretName === 'deploy-token')!.namespaces;

  test('has a pool agent and one agent per repository and Woodpecker event of the route', () => {
    expect(agents.map((a) => [a.name, a.namespace])).toEqual([
      ['woodpecker-agent', 'ci-builds'],
      ['woodpecker-release-push-c7198fbc', 'deploy'],
      ['woodpecker-release-deploy-c7198fbc', 'deploy'],
    ]);
    expect(agents.map((a) => a.labels)).toEqual([
      'repo=*',
      '!woodpecker-ci.org/event=push,dockyard.dev/route=release,repo=acme/api',
      '!woodpecker-ci.org/event=deployment,dockyard.dev/route=release,repo=acme/api',
    ]);
    expect(agent('woodpecker-release-push-c7198fbc').filter).toMatchObject({
      'repo': 'acme/api', 'dockyard.dev/route': 'release', '!woodpecker-ci.org/event': 'push',
    });
    expect(routed).toEqual({ 'dockyard.dev/route': 'release' });
    expect(ci.pipelineLabels()).toEqual({});
  });

  test('the route\'s pipelines run on the route\'s agents in its namespace, with the secret readable and the ServiceAccount selectable', () => {
    expect(takers({ repo: 'acme/api', event: 'push', labels: routed })).toEqual(['woodpecker-release-push-c7198fbc']);
    expect(takers({ repo: 'acme/api', event: 'deployment', labels: routed })).toEqual(['woodpecker-release-deploy-c7198fbc']);
    for (const name of ['woodpecker-release-push-c7198fbc', 'woodpecker-release-deploy-c7198fbc']) {
      expect(agent(name)).toMatchObject({ namespace: 'deploy', nativeSecrets: true, accountFromStep: true });
    }
    // only there: the engine's own namespace declares it (its values' key in the secret state) but holds no copy
    expect(secretNamespaces).toEqual(['deploy']);
  });

  test('a pull request of the routed repository never gets the route\'s namespace, ServiceAccount or secret', () => {
    // with the route's label, no agent takes it (the route's agents require their event, filter.go:77-87); it waits
    expect(takers({ repo: 'acme/api', event: 'pull_request', labels: routed })).toEqual([]);
    // without it, only the pool takes it, in the default build namespace, where the secret is not
    expect(takers({ repo: 'acme/api', event: 'pull_request' })).toEqual(['woodpecker-agent']);
    expect(agent('woodpecker-agent')).toMatchObject({ namespace: 'ci-builds', nativeSecrets: false, accountFromStep: false });
    expect(secretNamespaces).not.toContain('ci-builds');
    // a pull request that copies the internal labels gains nothing: the server drops and stamps them
    // (builder.go:187-206, task.go:57-66)
    expect(takers({ repo: 'acme/api', event: 'pull_request', labels: { ...routed, 'woodpecker-ci.org/event': 'push', '!woodpecker-ci.org/event': 'push' } }))
      .toEqual([]);
  });

  test('another repository never gets the route, whatever labels its pipeline claims', () => {
    expect(takers({ repo: 'acme/web', event: 'push', labels: routed })).toEqual([]);
    expect(takers({ repo: 'acme/web', event: 'push', labels: { ...routed, repo: 'acme/api' } })).toEqual([]);
    expect(takers({ repo: 'acme/web', event: 'push' })).toEqual(['woodpecker-agent']);
  });

  test('the pool agent never takes a routed pipeline', () => {
    for (const event of ['push', 'tag', 'deployment', 'cron', 'manual', 'pull_request']) {
      for (const repo of ['acme/api', 'acme/web']) {
        expect(takers({ repo, event, labels: routed })).not.toContain('woodpecker-agent');
      }
    }
  });

  test('Woodpecker\'s events that no grant can name run on the pool without the route\'s label, and wait with it', () => {
    // pipeline/frontend/metadata/const.go:21-29 has three events beyond WOODPECKER_EVENTS; a workflow without
    // `when: event:` runs for them too (pipeline/frontend/yaml/constraint/constraint.go:64-80,177-178)
    const unnamed = ['release', 'pull_request_closed', 'pull_request_metadata'];
    expect(WOODPECKER_EVENTS.filter((w) => unnamed.includes(w.name))).toEqual([]);
    for (const event of unnamed) {
      expect(takers({ repo: 'acme/api', event, labels: routed })).toEqual([]);
      expect(takers({ repo: 'acme/api', event })).toEqual(['woodpecker-agent']);
    }
  });

  test('a routed repository\'s unlabelled pipeline of a routed event runs on the pool or the route, both within the grant', () => {
    // the route's agent has every label such a task carries (filter.go:45-72): extra agent labels do not matter
    expect(takers({ repo: 'acme/api', event: 'push' })).toEqual(['woodpecker-agent', 'woodpecker-release-push-c7198fbc']);
    expect(ci.grants.routesFor('acme/api', PipelineEvent.PUSH).map((r) => r.name)).toEqual(['release']);
  });

  test('the pull secret goes only where every agent runs a repository and event it is granted to: the route\'s namespace, not the pool', () => {
    // the kubelet pulls every step image of an agent with PULL_SECRET_NAMES (pipeline/backend/kubernetes/pod.go), and
    // a login to a registry project is access to it: the pool runs every repository's pipelines, acme/* is not all
    expect(agents.map((a) => a.pullSecrets)).toEqual([undefined, 'harbor', 'harbor']);
    const pull = Secret.allIn(chart).find((s) => s.secretName === 'harbor')!;
    expect(pull.namespaces).toEqual(['deploy']);
    expect(pull.namespace).toBe('ci');
    expect(pull.type).toBe('kubernetes.io/dockerconfigjson');
    expect(Object.keys(pull.values)).toEqual(['.dockerconfigjson']);
  });

  test('a route in the pool\'s namespace does not bring a pull secret there that is not for every repository', () => {
    // the pool agent runs every repository's pipelines in ci-builds, pull requests included: the pull secret would
    // reach no agent, which is refused
    const scope = testChart('ci');
    const pool = woodpeckerCi(scope);
    pool.addRoute({ name: 'api', repos: ['acme/api'], namespace: 'ci-builds', events: [PipelineEvent.PUSH] });
    const robot = new Secret(scope, 'Robot', { name: 'robot', values: { token: SecretValue.hex(32) } });
    pool.addImagePullSecret('Harbor', { name: 'harbor', repos: ['acme/*'], dockerConfig: SecretValue.dockerConfigJson([{ registry: 'harbor.example.com', username: 'robot$ci', password: robot.key('token') }]) });
    expect(() => synth(scope)).toThrow(`invalid repos and events {"repos":["acme/*"],"events":${JSON.stringify(['push', 'tag', 'promote', 'rollback', 'cron', 'custom'])}}: ` +
      'must include a repository and event that an agent runs: pull secret "harbor" reaches no agent');
    expect(Secret.allIn(scope).find((s) => s.secretName === 'harbor')!.namespaces).toEqual([]);
  });

  test('records the grants: a pull secret for what was asked, and the namespaces whose agents list it', () => {
    // with its values, which the checks of steps that use it read (a Step.buildImage's Docker config)
    const { values, ...secret } = ci.grants.secrets.get('deploy-token')!;
    expect(secret).toEqual({ name: 'deploy-token', keys: ['token'], repos: ['acme/api'], events: DEPLOY_EVENTS });
    expect(Object.keys(values!)).toEqual(['token']);
    expect(route).toEqual({ name: 'release', repos: ['acme/api'], events: DEPLOY_EVENTS, namespace: 'deploy', serviceAccountName: 'deployer' });
    // every event but pull requests, the default, and only where its agents run: typed pipelines elsewhere are refused
    expect(ci.grants.pullSecrets.get('harbor')).toEqual({
      name: 'harbor', repos: ['acme/*'], events: Object.values(PipelineEvent).filter((e) => e !== PipelineEvent.PULL_REQUEST), namespaces: ['deploy'],
    });
  });
});

// A repository moved to another route (another team): a plain apply leaves the old route's agent running beside the
// new one, both for the same repository and event (README, "Woodpecker's agents on day two"). Each route's agents
// take their own route's label only, so the new route's pipelines never run on the old agent, as the old route's
// identity with its Secrets (woodpecker v3.17.0 server/scheduler/filter.go:28-87). A review found this broken by a
// change that gave route agents `dockyard.dev/route=*`, since reverted.
describe('a repository moved to another route, the old route\'s agent still running', () => {
  const routed = (name: string) => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart);
    serviceAccounts(chart, ['deploy'], ['deployer']);
    ci.addRoute({ name, repos: ['acme/api'], events: DEPLOY_EVENTS, namespace: 'deploy', serviceAccountName: 'deployer' });
    return { ci, agents: agentsOf(synth(chart)) };
  };
  const before = routed('release');
  const after = routed('ops');
  const takers = (w: Workflow) => [...before.agents, ...after.agents].filter((a) => agentTakes(taskLabels(w), a.filter)).map((a) => a.name);

  test('the new route\'s pipelines run on its own agents only', () => {
    const labels = after.ci.pipelineLabels(after.ci.grants.routes.get('ops'));
    expect(takers({ repo: 'acme/api', event: 'push', labels })).toEqual([expect.stringMatching(/^woodpecker-ops-push-/)]);
    expect(takers({ repo: 'acme/api', event: 'deployment', labels })).toEqual([expect.stringMatching(/^woodpecker-ops-deploy-/)]);
  });
});

describe('WoodpeckerCi', () => {
  test('is the Woodpecker engine, with its URL, namespaces and build peer', () => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart);
    expect(ci.kind).toBe('woodpecker');
    expect(ci.url).toBe('https://ci.example.com');
    expect(ci.namespace).toBe('ci');
    expect(ci.buildNamespace).toBe('ci-builds');
    expect(ci.buildNamespaces).toEqual(['ci-builds', 'deploy']);
    expect(ci.buildNamespaceLabels).toEqual({ 'dockyard.dev/woodpecker-agent': 'woodpecker-agent', 'dockyard.dev/woodpecker-agent-namespace': 'ci' });
    expect(ci.buildPeer._toKube()).toEqual({ namespaceSelector: { matchLabels: ci.buildNamespaceLabels } });
    ci.addBuildNamespace('later');
    expect(ci.buildNamespaces).toEqual(['ci-builds', 'deploy', 'later']);
    // the pool agent runs ten workflows at once
    const pool = synth(chart).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'woodpecker-agent');
    expect(literalEnv(container(pool)).WOODPECKER_MAX_WORKFLOWS).toBe('10');
  });

  test('names each Dockyard event as Woodpecker does (server/model/const.go:26-34)', () => {
    expect(Object.values(PipelineEvent).map((e) => [e, WoodpeckerCi.eventName(e)])).toEqual([
      ['push', 'push'], ['tag', 'tag'], ['promote', 'deployment'], ['rollback', 'deployment'], ['cron', 'cron'], ['custom', 'manual'],
      ['pull_request', 'pull_request'],
    ]);
  });

  test('renders the same whether secrets come before or after their routes, and twice the same', () => {
    const build = (secretFirst: boolean) => {
      const chart = testChart('ci');
      const ci = woodpeckerCi(chart);
      const source = new Secret(chart, 'Source', { name: 'source', values: { token: SecretValue.hex(32) } });
      const secret = () => ci.addPipelineSecret('Token', { name: 't', repos: ['acme/api'], values: { token: SecretValue.copyOf(source.key('token')) } });
      const route = () => ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy' });
      if (secretFirst) {
        secret(); route();
      } else {
        route(); secret();
      }
      return { yaml: JSON.stringify(synth(chart)), namespaces: Secret.allIn(chart).find((s) => s.secretName === 't')!.namespaces };
    };
    const a = build(true);
    const b = build(false);
    expect(a.yaml).toBe(b.yaml);
    expect(a.namespaces).toEqual(['deploy']);
    expect(build(true).yaml).toBe(a.yaml);
  });

  test('switches native secrets on only for the agents of the repositories and events a secret is granted to', () => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart);
    ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PUSH, PipelineEvent.TAG] });
    ci.addBuildNamespace('later-ns');
    ci.addRoute({ name: 'other', repos: ['acme/web'], namespace: 'later-ns', events: [PipelineEvent.PUSH] });
    ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], events: [PipelineEvent.PUSH, PipelineEvent.TAG], values: { v: SecretValue.hex(16) } });
    const agents = agentsOf(synth(chart));
    expect(agents.map((a) => [a.name, a.nativeSecrets, a.accountFromStep])).toEqual([
      ['woodpecker-agent', false, false],
      ['woodpecker-r-push-c7198fbc', true, false],
      ['woodpecker-r-tag-c7198fbc', true, false],
      ['woodpecker-other-push-86f279ce', false, false],
    ]);
  });

  describe('refuses what Woodpecker cannot express, with one line naming the prop', () => {
    const value = { v: SecretValue.hex(16) };
    const cases: [string, (ci: WoodpeckerCi) => void, string][] = [
      ['a route by glob', (ci) => ci.addRoute({ name: 'r', repos: ['acme/*'], namespace: 'deploy' }),
        'invalid repos ["acme/*"]: "acme/*" must be an exact "owner/name" slug: Woodpecker routes by exact repository'],
      ['a secret by glob', (ci) => ci.addPipelineSecret('S', { name: 's', repos: ['acme/a?i'], values: value }), '"acme/a?i" must be an exact "owner/name" slug'],
      ['promote without rollback', (ci) => ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PROMOTE] }),
        'invalid events ["promote"]: must list promote and rollback together or neither'],
      // checkAdditions runs addPipelineSecret's checks, this one included, before anything is added
      ['a secret for promote without rollback, checked ahead', (ci) => ci.checkAdditions({
        pipelineSecrets: [{ id: 'S', name: 's', repos: ['acme/api'], events: [PipelineEvent.PROMOTE] }],
      }), 'invalid events ["promote"]: must list promote and rollback together or neither'],
      ['a secret for promote without rollback', (ci) => ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], events: [PipelineEvent.PROMOTE], values: value }),
        'invalid events ["promote"]: must list promote and rollback together or neither'],
      ['a route outside the build namespaces', (ci) => ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'prod' }),
        'invalid namespace "prod": must be one of the engine\'s build namespaces: prod is not among ci-builds, deploy'],
      ['a repository and event routed twice', (ci) => {
        ci.addRoute({ name: 'a', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
        ci.addRoute({ name: 'b', repos: ['Acme/API'], namespace: 'deploy', events: [PipelineEvent.TAG, PipelineEvent.PUSH] });
      }, '"Acme/API" with event "push" is routed by route "a" already'],
      ['a route name twice', (ci) => {
        ci.addRoute({ name: 'a', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
        ci.addRoute({ name: 'a', repos: ['acme/web'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
      }, 'invalid name "a": must be unique among the engine\'s routes'],
      ['two ServiceAccounts in one namespace', (ci) => {
        ci.addRoute({ name: 'a', repos: ['acme/api'], namespace: 'deploy', serviceAccountName: 'api' });
        ci.addRoute({ name: 'b', repos: ['acme/web'], namespace: 'deploy', serviceAccountName: 'web' });
      }, 'invalid serviceAccountName "web": must be "api", the ServiceAccount of route "a" in namespace "deploy"'],
      ['a long route name', (ci) => ci.addRoute({ name: 'r'.repeat(30), repos: ['acme/api'], namespace: 'deploy' }),
        'must be at most 25 characters: it names the route\'s agents'],
      ['a pull request route without consent', (ci) => ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PULL_REQUEST] }),
        'must not include pull_request unless allowPullRequests is true'],
      ['a secret named like the backend\'s objects', (ci) => ci.addPipelineSecret('S', { name: 'wp-token', repos: ['acme/api'], values: value }),
        'invalid name "wp-token": must not start with "wp-"'],
      ['a secret name twice', (ci) => {
        ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], values: value });
        ci.addImagePullSecret('P', { name: 's', repos: ['acme/api'], dockerConfig: SecretValue.hex(16) });
      }, 'invalid name "s": must be unique among the engine\'s pipeline and pull secrets'],
      ['a route name', (ci) => ci.addRoute({ name: 'Release', repos: ['acme/api'], namespace: 'deploy' }), 'invalid name "Release": must be a DNS-1123 label'],
      ['a ServiceAccount name', (ci) => ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', serviceAccountName: 'Deployer' }),
        'invalid serviceAccountName "Deployer"'],
      ['a secret name', (ci) => ci.addPipelineSecret('S', { name: 'my_token', repos: ['acme/api'], values: value }), 'invalid name "my_token"'],
      ['a pull secret name', (ci) => ci.addImagePullSecret('P', { name: 'wp-pull', repos: ['acme/api'], dockerConfig: SecretValue.hex(16) }),
        'invalid name "wp-pull": must not start with "wp-"'],
      ['an unknown event', () => WoodpeckerCi.eventName('release' as PipelineEvent), 'invalid event "release": must be one of push, tag'],
      ['an unknown route\'s labels', (ci) => ci.pipelineLabels({ name: 'x', repos: [], events: [], namespace: 'deploy' }),
        'invalid route "x": must be a route of this engine'],
    ];
    test.each(cases)('%s', (_, act, message) => {
      const ci = woodpeckerCi(testChart('ci'));
      let error: Error | undefined;
      try {
        act(ci);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toContain(message);
      expect(error?.message.split('\n')).toHaveLength(1);
    });
  });

  // With WOODPECKER_REPO_OWNERS set, the server refuses to activate a repository whose owner is none of them,
  // compared ignoring case (woodpecker v3.17.0 server/api/repo.go:113-116, "Repo owner is not allowed";
  // server/services/permissions/repo_owners.go:24-38, `strings.ToLower(repo.Owner)`), so its pipelines never run
  describe('refuses a repository outside the server\'s repoOwners, which Woodpecker never activates', () => {
    const owned = () => woodpeckerCi(testChart('ci'), { repoOwners: ['Acme', 'octo-labs'] });
    const rule = 'must be a repository of one of the server\'s repoOwners ("Acme", "octo-labs"): Woodpecker activates no other ' +
      '("Repo owner is not allowed"; one activated before repoOwners was set runs on, but cannot be activated again); add its owner to repoOwners';
    test.each([
      ['a route', (ci: WoodpeckerCi) => ci.addRoute({ name: 'r', repos: ['acme/api', 'other/api'], namespace: 'deploy' }), '["acme/api","other/api"]: "other/api"', ' (route "r")'],
      ['a pipeline secret', (ci: WoodpeckerCi) => ci.addPipelineSecret('S', { name: 's', repos: ['octo-labs/api', 'octo/api'], values: { v: SecretValue.hex(16) } }),
        '["octo-labs/api","octo/api"]: "octo/api"', ' (secret "s")'],
      ['a pull secret', (ci: WoodpeckerCi) => ci.addImagePullSecret('P', { name: 'p', repos: ['acme/*', 'octo/app'], dockerConfig: SecretValue.hex(16) }),
        '["acme/*","octo/app"]: "octo/app"', ' (pull secret "p")'],
      ['a pull secret by a glob of another owner', (ci: WoodpeckerCi) => ci.addImagePullSecret('P', { name: 'p', repos: ['other/*'], dockerConfig: SecretValue.hex(16) }),
        '["other/*"]: "other/*"', ' (pull secret "p")'],
    ])('%s', (_, act, named, context) => {
      expect(thrown(() => act(owned())).message).toBe(`invalid repos ${named} ${rule}${context}`);
    });

    test('admits its owners\' repositories in any case, and any owner without repoOwners', () => {
      const ci = owned();
      ci.addRoute({ name: 'r', repos: ['ACME/api', 'octo-labs/api'], namespace: 'deploy' });
      ci.addPipelineSecret('S', { name: 's', repos: ['acme/web'], values: { v: SecretValue.hex(16) } });
      ci.addImagePullSecret('P', { name: 'p', repos: ['acme/*'], dockerConfig: SecretValue.hex(16) });
      // an owner with a wildcard may match one of them: left to Woodpecker
      ci.addImagePullSecret('Q', { name: 'q', repos: ['octo-*/app'], dockerConfig: SecretValue.hex(16) });
      expect(ci.grants.routes.get('r')?.repos).toEqual(['ACME/api', 'octo-labs/api']);
      expect(() => woodpeckerCi(testChart('ci')).addRoute({ name: 'r', repos: ['other/api'], namespace: 'deploy' })).not.toThrow();
    });

    // a GitLab subgroup's project: its owner is the whole namespace path (server/forge/gitlab/convert.go:61-67), so
    // `acme` does not admit `acme/platform/api`, and `acme/platform` does
    test('compares a GitLab subgroup\'s project by its whole namespace path', () => {
      const onGitLab = (repoOwners: string[]) => {
        const chart = testChart('ci');
        return woodpeckerCi(chart, { gitProvider: gitlab(chart), repoOwners });
      };
      const gitlabRule = rule.replace('("Acme", "octo-labs")', '("Acme")');
      expect(thrown(() => onGitLab(['Acme']).addRoute({ name: 'r', repos: ['acme/platform/api'], namespace: 'deploy' })).message)
        .toBe(`invalid repos ["acme/platform/api"]: "acme/platform/api" ${gitlabRule} (route "r")`);
      const ci = onGitLab(['acme', 'Acme/Platform']);
      ci.addRoute({ name: 'r', repos: ['acme/platform/api'], namespace: 'deploy' });
      expect(ci.grants.routesFor('acme/platform/api', PipelineEvent.PUSH).map((r) => r.name)).toEqual(['r']);
      expect(ci.grants.routesFor('acme/api', PipelineEvent.PUSH)).toEqual([]);
    });

    test('refuses an owner with a wildcard, which matches no owner', () => {
      const chart = testChart('ci');
      expect(thrown(() => woodpeckerCi(chart, { gitProvider: gitlab(chart), repoOwners: ['acme', 'acme/*'] })).message).toBe('invalid repoOwners ' +
        '"acme/*": must name an owner exactly, without wildcards: Woodpecker compares it with a repository\'s whole owner; list each GitLab ' +
        'subgroup whose projects may be activated (e.g. "acme/platform")');
    });

    test('refuses a slug of more than one "/" on any other forge, where no repository has one', () => {
      expect(thrown(() => owned().addRoute({ name: 'r', repos: ['acme/platform/api'], namespace: 'deploy' })).message).toBe(
        'invalid repos ["acme/platform/api"]: "acme/platform/api" must be an "owner/name" slug on github: only a GitLab subgroup\'s project has ' +
        'more than one "/" (route "r")');
    });
  });

  describe('refuses at synth a secret that would reach a pipeline it is not granted to', () => {
    const value = { v: SecretValue.hex(16) };
    const cases: [string, (ci: WoodpeckerCi) => void, string][] = [
      ['an unrouted repository and event', (ci) => {
        ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
        ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], events: [PipelineEvent.PUSH, PipelineEvent.TAG], values: value });
      }, 'invalid repos ["acme/api"]: "acme/api" with event "tag" has no route, so pipeline secret "s" cannot reach it'],
      ['a namespace that also runs another repository', (ci) => {
        ci.addRoute({ name: 'r', repos: ['acme/api', 'acme/web'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
        ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], events: [PipelineEvent.PUSH], values: value });
      }, 'route "r" runs "acme/web" with event "push" there, which pipeline secret "s" is not granted to and could read'],
      ['a namespace that also runs another event', (ci) => {
        ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], events: [PipelineEvent.PUSH], values: value });
        ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PUSH, PipelineEvent.CRON] });
      }, 'route "r" runs "acme/api" with event "cron" there'],
      ['the default build namespace', (ci) => {
        ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'ci-builds', events: [PipelineEvent.PUSH] });
        ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], events: [PipelineEvent.PUSH], values: value });
      }, 'must be routed to another namespace than "ci-builds", the default build namespace'],
    ];
    test.each(cases)('%s', (_, act, message) => {
      const chart = testChart('ci');
      const ci = woodpeckerCi(chart);
      act(ci);
      let error: Error | undefined;
      try {
        synth(chart);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toContain(message);
      expect(error?.message.split('\n')).toHaveLength(1);
    });
  });

  test.each<[string, string[], PipelineEvent[] | undefined, string[]]>([
    ['runs only granted repositories and events', ['acme/*'], [PipelineEvent.CRON], ['deploy']],
    ['runs only granted ones, though the pool does not: the pool runs pull requests too', ['*/*'], undefined, ['deploy']],
    ['is the pool, for a pull secret of every repository and event', ['*/*'], Object.values(PipelineEvent), ['ci-builds', 'deploy']],
  ])('a pull secret goes to each namespace whose every agent runs what it is granted to: one that %s', (_, repos, events, where) => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart);
    ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.CRON] });
    ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], events: [PipelineEvent.CRON], values: { v: SecretValue.hex(16) } });
    ci.addImagePullSecret('P', { name: 'harbor', repos, events, allowPullRequests: true, dockerConfig: SecretValue.hex(16) });
    const agents = agentsOf(synth(chart));
    expect(Secret.allIn(chart).find((s) => s.secretName === 'harbor')!.namespaces).toEqual(where);
    expect(ci.grants.pullSecrets.get('harbor')!.namespaces).toEqual(where);
    // every agent of those namespaces lists it, and no other
    expect(agents.filter((a) => a.pullSecrets === 'harbor').map((a) => a.namespace)).toEqual(agents.map((a) => a.namespace).filter((ns) => where.includes(ns)));
  });

  describe('refuses at synth a pull secret that reaches no agent, with one line', () => {
    // the default events, those a grant without `events` names
    const DEFAULT = ['push', 'tag', 'promote', 'rollback', 'cron', 'custom'];
    const noAgent = (repos: string[], events: string[] = DEFAULT) => `invalid repos and events ${JSON.stringify({ repos, events })}: ` +
      'must include a repository and event that an agent runs: ' +
      'pull secret "harbor" reaches no agent, as on Woodpecker a pull secret goes only to build namespaces whose every agent runs repositories ' +
      'and events it is granted to (the default build namespace only for every repository and event, "*/*" with pull requests allowed); ' +
      'add a route for them';
    const cases: [string, (ci: WoodpeckerCi) => void, string][] = [
      ['a repository no route covers', (ci) => {
        ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
        ci.addImagePullSecret('P', { name: 'harbor', repos: ['acme/other'], dockerConfig: SecretValue.hex(16) });
      }, noAgent(['acme/other'])],
      // a step of an agent with WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS names any Secret of its namespace, pull
      // secrets included (woodpecker v3.17.0 pipeline/backend/kubernetes/secrets.go:56-63 checks the switch only, and
      // :119,135,198-202 refer to the Secret by name alone)
      ['routed events it is not granted to, where steps read the namespace\'s Secrets', (ci) => {
        ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.CRON] });
        ci.addPipelineSecret('S', { name: 's', repos: ['acme/api'], events: [PipelineEvent.CRON], values: { v: SecretValue.hex(16) } });
        ci.addImagePullSecret('P', { name: 'harbor', repos: ['acme/api'], events: [PipelineEvent.PUSH], dockerConfig: SecretValue.hex(16) });
      }, noAgent(['acme/api'], ['push'])],
      // the kubelet would pull the pull requests' step images with it, and a login to a project is access to it
      ['routed events it is not granted to, where steps read no Secret', (ci) => {
        ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PULL_REQUEST], allowPullRequests: true });
        ci.addImagePullSecret('P', { name: 'harbor', repos: ['acme/api'], dockerConfig: SecretValue.hex(16) });
      }, noAgent(['acme/api'])],
      ['a namespace that also runs another repository', (ci) => {
        ci.addRoute({ name: 'r', repos: ['acme/api', 'labs/web'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
        ci.addImagePullSecret('P', { name: 'harbor', repos: ['acme/*'], dockerConfig: SecretValue.hex(16) });
      }, noAgent(['acme/*'])],
      ['every repository but not every event, with no route', (ci) => {
        ci.addImagePullSecret('P', { name: 'harbor', repos: ['*/*'], dockerConfig: SecretValue.hex(16) });
      }, noAgent(['*/*'])],
    ];
    test.each(cases)('%s', (_, act, message) => {
      const chart = testChart('ci');
      const ci = woodpeckerCi(chart);
      act(ci);
      const error = thrown(() => synth(chart));
      expect(error.message).toBe(message);
    });
  });

  test('refuses a pull secret for promote without rollback, which would reach rollbacks too', () => {
    const ci = woodpeckerCi(testChart('ci'));
    expect(thrown(() => ci.addImagePullSecret('P', { name: 'harbor', repos: ['acme/api'], events: [PipelineEvent.PROMOTE], dockerConfig: SecretValue.hex(16) })).message)
      .toBe('invalid events ["promote"]: must list promote and rollback together or neither: Woodpecker has one event, deployment, for both, ' +
        'so granting one would grant the other (pull secret "harbor")');
    expect(thrown(() => ci.checkAdditions({ pullSecrets: [{ id: 'P', name: 'harbor', repos: ['acme/api'], events: [PipelineEvent.ROLLBACK] }] })).message)
      .toBe('invalid events ["rollback"]: must list promote and rollback together or neither: Woodpecker has one event, deployment, for both, ' +
        'so granting one would grant the other');
  });

  test('names the route or secret it refuses, as the Drone engine does', () => {
    const ci = woodpeckerCi(testChart('ci'));
    expect(thrown(() => ci.addRoute({ name: 'web', repos: ['acme/*'], namespace: 'deploy' })).message).toMatch(/^invalid repos .* \(route "web"\)$/);
    expect(thrown(() => ci.addPipelineSecret('S', { name: 'db', repos: ['acme/*'], values: { url: SecretValue.hex(16) } })).message)
      .toMatch(/^invalid repos .* \(secret "db"\)$/);
  });

  test('refuses a pipeline or pull secret named as a Secret the stack expects to be provided where it is copied', () => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart);
    Secret.fromSecretName(chart, 'Provided', 'harbor', { namespace: 'deploy' });
    ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
    ci.addImagePullSecret('P', { name: 'harbor', repos: ['acme/api'], dockerConfig: SecretValue.hex(16) });
    expect(thrown(() => synth(chart)).message).toBe('invalid name "harbor": must not be the name of a Secret the stack expects to be provided ' +
      'in namespace deploy: the pipeline secret would overwrite it');
  });

  test('keeps the secret state\'s keys under the engine\'s namespace, and renders the Secrets only where they are copied', () => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart);
    ci.addRoute({ name: 'r', repos: ['acme/api'], namespace: 'deploy', events: [PipelineEvent.PUSH] });
    ci.addPipelineSecret('S', { name: 'token', repos: ['acme/api'], events: [PipelineEvent.PUSH], values: { v: SecretValue.hex(16) } });
    ci.addImagePullSecret('P', { name: 'harbor', repos: ['acme/api'], dockerConfig: SecretValue.hex(16) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-woodpecker-secrets-'));
    try {
      chart.toJson();
      const statePath = path.join(dir, 'state.json');
      const rendered = parseAllDocuments(new LocalSecretStore({ statePath }).render(chart.node.root)).map((d) => d.toJS())
        .filter((d) => ['token', 'harbor'].includes(d.metadata.name)).map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
      expect(rendered).toEqual(['deploy/token', 'deploy/harbor']);
      // the values' keys are the declaring Secrets' (namespace/name/key), which do not move with their copies
      const keys = Object.keys(JSON.parse(fs.readFileSync(statePath, 'utf8')).values).filter((k) => /token|harbor/.test(k));
      expect(keys.sort()).toEqual(['ci/harbor/.dockerconfigjson', 'ci/token/v']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuses bad engine props with one line', () => {
    expect(() => woodpeckerCi(testChart('ci'), { extraBuildNamespaces: ['Deploy'] })).toThrow('invalid extraBuildNamespaces "Deploy"');
    expect(() => woodpeckerCi(testChart('ci'), { extraBuildNamespaces: ['ci-builds'] }))
      .toThrow('invalid extraBuildNamespaces ["ci-builds","ci-builds"]: must not repeat "ci-builds"');
    expect(() => woodpeckerCi(testChart('ci'), { extraBuildNamespaces: ['deploy', 'deploy'] }))
      .toThrow('invalid extraBuildNamespaces ["ci-builds","deploy","deploy"]: must not repeat "deploy"');
    // a build namespace added later, by its own call, is refused under that call's prop
    const later = woodpeckerCi(testChart('ci'), { extraBuildNamespaces: ['deploy'] });
    expect(() => later.addBuildNamespace('deploy')).toThrow('invalid namespace "deploy": must not already be a build namespace');
    // the engine's prop is named, not the agent's it becomes
    expect(() => woodpeckerCi(testChart('ci'), { capacity: 0 })).toThrow('invalid capacity 0');
    expect(() => woodpeckerCi(testChart('ci'), { capacity: 1001 })).toThrow('invalid capacity 1001');
    expect(() => woodpeckerCi(testChart('ci'), { buildNamespace: 'ci' })).toThrow('invalid buildNamespace "ci": must differ from the agents\' own namespace');
    expect(() => woodpeckerCi(testChart('ci'), { extraBuildNamespaces: ['ci'] })).toThrow('invalid extraBuildNamespaces "ci": must differ from the agents\' own namespace');
    expect(() => woodpeckerCi(testChart('ci'), { buildNamespace: 'kube-system' })).toThrow('invalid buildNamespace "kube-system": must be a namespace for builds, not \"default\" or a \"kube-\" system namespace: a build namespace admits no ingress to any pod in it, and the CI engine may create pods and Secrets there');
    expect(() => woodpeckerCi(testChart('ci')).addBuildNamespace('default')).toThrow('invalid namespace "default": must be a namespace for builds');
  });

  test('refuses routes and secrets added after the chart was synthesized', () => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart);
    synth(chart);
    expect(() => ci.addRoute({ name: 'late', repos: ['acme/api'], namespace: 'deploy' }))
      .toThrow('invalid name "late": must be added before the chart is synthesized');
    expect(() => ci.addPipelineSecret('S', { name: 'late', repos: ['acme/api'], values: { v: SecretValue.hex(16) } }))
      .toThrow('invalid name "late": must be added before the chart is synthesized');
    expect(() => ci.addBuildNamespace('late')).toThrow('invalid namespace "late": must be added before the chart is synthesized');
  });
});
