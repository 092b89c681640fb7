import { Construct } from 'constructs';
import { checkDnsLabel, checkInteger, checkUniqueList, describeValue, invalid, NetworkPeer, Secret, withContext } from '../core';
import { notAmong } from '../core/text';
import { BuildEgressOptions, BuildEgressProps } from '../ci/build-egress';
import { checkPinnedAccounts } from '../ci/pinned-accounts';
import { buildImage, checkBuildPulls, ProjectLookup } from '../ci/build-pulls';
import { BuildNamespaceOptions, checkNotOwnedNamespace } from '../ci/build-namespace';
import { CiAdditions, CiEngineKind, CiPullSecretProps, CiRouteProps, CiSecretProps, ICiEngine } from '../ci/engine';
import { checkRepoOwners, nestedRepo } from '../ci/repo-owners';
import { checkPipelineAccess, DEFAULT_EVENTS, GrantedAccess, isRepoGlob, PipelineAccess, PipelineEvent, WOODPECKER_EVENTS, woodpeckerEventName } from '../ci/events';
import { PipelineGrants, repoMatches, RouteGrant } from '../ci/grants';
import { RepoPatternIndex } from '../ci/repo-pattern-index';
import { refuseProvidedSecrets } from '../ci/secret-names';
import { previousOutput, PreviousOutput, underStackMark } from '../core/previous-output';
import { warnOnce } from '../core/warn';
import { WoodpeckerAgent, WoodpeckerAgentOptions } from './agent';
import { WoodpeckerBuildNamespaces, WoodpeckerBuildOptions } from './builds';
import {
  closedAgentsOwner, earlierClosedAgentsOwner, listedRouteAgents, missedAgentsWarning, recordClosedAgents, recordedRouteAgents, recordRouteAgents, routeAgentsOwner, uncheckedAgentsWarning,
} from './closed-agents';
import { woodpeckerEventsOf } from './events';
import { checkRepoForgeIds, RepoPin } from './forge-ids';
import { COMMIT_BRANCH_LABEL, EVENT_LABEL, REPO_FORGE_ID_LABEL, REPO_LABEL, ROUTE_LABEL } from './labels';
import { checkRouteBranches } from './route-branches';
import { maxRouteName, pairKey, RoutedPair, routeAgentName } from './routes';
import { WoodpeckerServer, WoodpeckerServerOptions, WoodpeckerServerSettings } from './server';

/** Props of a `WoodpeckerCi`: the server's settings, its build namespaces' and the agents'. */
export interface WoodpeckerCiProps extends WoodpeckerBuildOptions, WoodpeckerServerSettings {
  /**
   * Where pipelines run that no route claims: the pool agent's backend namespace.
   *
   * @default - "<namespace>-builds"
   */
  readonly buildNamespace?: string;
  /**
   * Further build namespaces, e.g. for routes; the same as calling `addBuildNamespace` for each.
   *
   * @default - none
   */
  readonly extraBuildNamespaces?: readonly string[];
  /**
   * How many workflows the pool agent runs at once; each route's agents run one at a time.
   *
   * @default 10
   */
  readonly capacity?: number;
  /**
   * Settings of the server.
   *
   * @default - the server's defaults, named "woodpecker"
   */
  readonly server?: WoodpeckerServerOptions;
  /**
   * Settings of every agent: the pool agent and the routes' agents.
   *
   * @default - the agents' defaults
   */
  readonly agent?: WoodpeckerAgentOptions;
  /**
   * Routed repositories pinned to their IDs on the forge, e.g. `{ "acme/api": "123456789" }`, so that their routes
   * keep taking their pipelines after a rename. A route's agents otherwise match a repository by its full name,
   * which Woodpecker updates when the forge reports a rename (woodpecker v3.17.0 `server/api/hook.go:185-195`):
   * the renamed repository's routed pipelines then wait for an agent forever, until the code names it again. A
   * pinned repository's agents take any name instead (`repo=*`) and require the ID the server stamps on every task,
   * which a pipeline cannot set (`!woodpecker-ci.org/repo-forge-id=<id>`, `pipeline/frontend/builder/builder.go:187-199`),
   * so a new repository given the old name gets nothing. The route's secrets, pull secrets and identity follow, as
   * they belong to its namespace.
   *
   * A pin follows the repository wherever the forge takes it, to another owner too: a repository transferred out of
   * the organisation (or out of `repoOwners`, or a team's owner) keeps the route, as Woodpecker checks owners only
   * when it activates a repository (`server/api/repo.go:113-116`). Remove the pin before such a transfer. Woodpecker
   * stores another ID when a repair finds the repository under its name only (a deleted one created anew,
   * `repo.go:767-779`) or when it is moved (`repo.go:597-613`): then the pinned route takes nothing until the pin
   * holds the new ID. A pinned repository's pipeline without the route's label may run on the route's agents or the
   * pool's, as a name-pinned one may.
   *
   * The ID is GitHub's, GitLab's or Gitea's numeric repository or project ID, or Bitbucket's UUID in braces. Each
   * key must be a repository some route runs (in any case), checked at synth.
   *
   * @default - routes match repositories by name
   */
  readonly repoForgeIds?: Readonly<Record<string, string>>;
}

/**
 * Every setting of the server, which `WoodpeckerCiProps` takes and hands on as is (`passOn`). Typed by the settings'
 * keys, so that a setting added to `WoodpeckerServerSettings` fails to compile here until it is listed, rather than
 * be silently dropped.
 */
const SERVER_SETTINGS: Readonly<Record<keyof WoodpeckerServerSettings, true>> = {
  host: true, protocol: true, gitProvider: true, database: true, namespace: true, admins: true, orgs: true, open: true,
  repoOwners: true, authenticatePublicRepos: true, exposure: true, ingress: true, trustBundle: true,
};

/** Every build namespace setting, which `WoodpeckerCiProps` takes and hands on as is (`passOn`); typed like `SERVER_SETTINGS`. */
const BUILD_OPTIONS: Readonly<Record<keyof WoodpeckerBuildOptions, true>> = {
  createBuildNamespaces: true, buildPodSecurity: true, buildEgress: true, buildCpuLimit: true, buildMemoryLimit: true,
  buildMaxCpu: true, buildMaxMemory: true, buildEphemeralStorageLimit: true, buildMaxEphemeralStorage: true, buildQuota: true,
};

/**
 * The props of `props` that `keys` lists, each one present even when undefined, so that it overrides a value spread
 * before it as a prop written out by hand would.
 */
function passOn<T extends object, K extends keyof T>(props: T, keys: Readonly<Record<K, true>>): Pick<T, K> {
  return Object.fromEntries((Object.keys(keys) as K[]).map((key) => [key, props[key]])) as Pick<T, K>;
}

/** A pipeline secret as the engine places it. */
interface PlacedSecret {
  readonly name: string;
  readonly secret: Secret;
  readonly repos: readonly string[];
  /** The Woodpecker events. */
  readonly events: readonly string[];
}

/** A pull secret as the engine places it. */
interface PlacedPullSecret {
  readonly name: string;
  readonly secret: Secret;
  /** What the caller granted it to (repositories, slugs or globs, and events), for the grant recorded once it is placed. */
  readonly access: PipelineAccess;
  /** The events the caller granted it to, as Woodpecker names them. */
  readonly woodpeckerEvents: readonly string[];
}

/** A route's agent. */
interface RouteAgent extends RoutedPair {
  readonly agent: WoodpeckerAgent;
  /** The ServiceAccount its steps may run as, beside the namespace's `default`, if its route names one. */
  readonly account?: string;
}

/** A repository, event and branch of a route, with the name of the agent that takes it (`routeAgentName`). */
interface NamedPair extends RoutedPair {
  readonly agentName: string;
}

/** A route closed (`closeRoute`, `_retireRoute`): the agents its props name. */
interface ClosedRoute {
  /** The names of the agents its repositories, events and branches give. */
  readonly named: Set<string>;
  /** Whether it was given its repositories. */
  reposGiven: boolean;
  /** The warning, if any, for a route closed without its repositories of which the previous output holds no agent. */
  unnamed?: string;
  /**
   * The warning, if any, for a route closed with its repositories but not its events (`retireTeam`'s `repos` alone,
   * `closeRoute` without `events`) of which the previous output holds no agent: the names the props give may be none
   * of the route's (`closeNamedRoute`).
   */
  unchecked?: string;
}

/** A route, checked: what `addRoute` adds. */
interface CheckedRoute {
  readonly name: string;
  readonly namespace: string;
  readonly account?: string;
  /** Its repositories and events, each once (a repository's event is one route's, whatever the branches). */
  readonly pairs: readonly RoutedPair[];
  /** Its agents: one per repository and event, or per repository, event and branch with `branches`. */
  readonly agents: readonly NamedPair[];
}

/**
 * What the engine's checks look up of the routes and secrets it holds that nothing else indexes, so that each check
 * is one lookup however many there are. Route names are the grants' keys, and secret IDs the secret scope's children.
 */
class Claims {
  /** The ServiceAccount of each build namespace's routes, with the first route that named it. */
  public readonly accounts = new Map<string, { readonly route: string; readonly account: string }>();
  /** The route of each repository and event (`pairKey`). */
  public readonly pairs = new Map<string, RoutedPair>();
  /** Pipeline and pull secret names. */
  public readonly secretNames = new Set<string>();

  /** Record a checked route. */
  public addRoute(route: CheckedRoute): void {
    if (route.account !== undefined && !this.accounts.has(route.namespace)) {
      this.accounts.set(route.namespace, { route: route.name, account: route.account });
    }
    route.pairs.forEach((pair) => this.pairs.set(pairKey(pair.repo, pair.event), pair));
  }

  /** Record a checked secret's name. */
  public addSecret(name: string): void {
    this.secretNames.add(name);
  }
}

/**
 * What a batch of additions adds before each of its parts (`checkAdditions`): the claims, and what the engine finds
 * in its grants, secret scope and build namespaces once they are added.
 */
class BatchClaims extends Claims {
  /** Route names. */
  public readonly routes = new Set<string>();
  /** Pipeline and pull secret construct IDs. */
  public readonly secretIds = new Set<string>();

  /** @param namespaces the batch's build namespaces, added before its routes */
  public constructor(public readonly namespaces: ReadonlySet<string>) {
    super();
  }

  public override addRoute(route: CheckedRoute): void {
    super.addRoute(route);
    this.routes.add(route.name);
  }

  /** Record a checked secret: its name and construct ID. */
  public addSecretOf(id: string, name: string): void {
    this.addSecret(name);
    this.secretIds.add(id);
  }
}

/**
 * Woodpecker CI as a Dockyard CI engine: the server, a pool agent for every pipeline no route claims, and one agent
 * per repository and event of each route.
 *
 * Routing rests on labels that pipelines cannot forge. The server sets each task's `repo` to the repository's full
 * name and `woodpecker-ci.org/event` to its event, over whatever the pipeline says (`server/model/task.go:57-66`,
 * `pipeline/frontend/builder/builder.go:187-206`), and an agent takes a task only if each of the task's labels
 * (the internal ones aside) is among the agent's with the same value or `*`, and each agent label written `!key`
 * is on the task with the same value (`server/scheduler/filter.go:28-87`). So a route's agent carries
 * `repo=<repository>`, `dockyard.dev/route=<route>` and `!woodpecker-ci.org/event=<event>` (and
 * `!woodpecker-ci.org/commit-branch=<branch>` for a route by branch), and runs in the route's namespace; the
 * route's pipelines carry `dockyard.dev/route: <route>` (`pipelineLabels`), which the pool agent lacks, so it never
 * takes them, and another repository's or event's pipeline never matches the route's agents.
 *
 * Pipeline secrets are Kubernetes Secrets in the routes' namespaces, which only the agents of the repositories and
 * events they are granted to may read (`WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS`). A pull secret goes only to
 * the build namespaces whose agents all run repositories and events it is granted to, and is listed by those
 * agents: an agent lists its pull secrets on every step pod it starts, and where it reads native secrets its steps
 * can read them too. Both are declared in the engine's namespace, which keys their values in the secret state, and
 * rendered only in the build namespaces they go to (`renderedInOwnNamespace: false`).
 */
export class WoodpeckerCi extends Construct implements ICiEngine {
  /** The pipeline label that routes a pipeline to a route's agents. */
  public static readonly ROUTE_LABEL = ROUTE_LABEL;

  /** The Woodpecker name of a Dockyard event, for pipelines' `when: event:`: promote and rollback are `deployment`. */
  public static eventName(event: PipelineEvent): string {
    return woodpeckerEventName(event);
  }

  /** Which engine. */
  public readonly kind = CiEngineKind.WOODPECKER;
  /** The public URL of the web UI. */
  public readonly url: string;
  /** The namespace of the server and the agents. */
  public readonly namespace: string;
  /** The default build namespace. */
  public readonly buildNamespace: string;
  /** What the engine grants pipelines. */
  public readonly grants = new PipelineGrants();
  /** The server. */
  public readonly server: WoodpeckerServer;
  /** The build namespaces and the agents' access to them. */
  public readonly builds: WoodpeckerBuildNamespaces;
  /** The pool agent, which runs every pipeline no route claims in the default build namespace. */
  public readonly poolAgent: WoodpeckerAgent;

  private readonly agentOptions: WoodpeckerAgentOptions;
  private readonly routeScope: Construct;
  private readonly secretScope: Construct;
  private readonly routeAgents: RouteAgent[] = [];
  /**
   * The routes closed (`closeRoute`, `_retireRoute`), by name: their agents, and those the previous output holds of
   * them (`refusedAgents`), are refused the server's gRPC port, unless an agent of that name runs now.
   */
  private readonly closedRoutes = new Map<string, ClosedRoute>();
  /**
   * The agents refused, by name, with their routes, as last found, and the previous output they were found in; and
   * those of them the mark lists as closed (`recordClosedAgents`), checked, and as an earlier version listed them.
   */
  private refused?: {
    readonly previous: PreviousOutput; readonly agents: ReadonlyMap<string, string>; readonly listed: ReadonlyMap<string, string>;
    readonly earlier: ReadonlyMap<string, string>;
  };
  /** `repoForgeIds`, by repository in lower case. */
  private readonly pins: ReadonlyMap<string, RepoPin>;
  /** The routes' ServiceAccounts and repositories and the secrets' names, for the checks. */
  private readonly claims = new Claims();
  private readonly secrets: PlacedSecret[] = [];
  private readonly pullSecrets: PlacedPullSecret[] = [];
  private finalized = false;

  public constructor(scope: Construct, id: string, props: WoodpeckerCiProps) {
    super(scope, id);
    this.server = new WoodpeckerServer(this, 'Server', { ...props.server, ...passOn(props, SERVER_SETTINGS) });
    this.url = this.server.url;
    this.namespace = this.server.namespace;
    this.builds = new WoodpeckerBuildNamespaces(this, 'Builds', {
      ...passOn(props, BUILD_OPTIONS), name: `${this.server.serviceName}-agent`, namespace: this.namespace, buildNamespace: props.buildNamespace,
    });
    this.buildNamespace = this.builds.buildNamespace;
    // under the engine's prop, as DroneKubeRunner does, before `addBuildNamespace` would refuse them as `namespace`
    const extra = (props.extraBuildNamespaces ?? []).map((ns) => checkDnsLabel('extraBuildNamespaces', ns));
    checkUniqueList('extraBuildNamespaces', [this.buildNamespace, ...extra]);
    extra.forEach((ns) => this.builds.checkBuildNamespace('extraBuildNamespaces', ns));
    extra.forEach((ns) => this.builds.addBuildNamespace(ns));
    this.pins = props.repoForgeIds === undefined ? new Map()
      : checkRepoForgeIds(this.server.forge, props.repoForgeIds, (repo) => this.exactAccess({ repos: [repo] }));
    this.agentOptions = { ...props.agent };
    this.poolAgent = new WoodpeckerAgent(this, 'Agent', {
      ...this.agentOptions, server: this.server, builds: this.builds, name: `${this.server.serviceName}-agent`,
      // every repository, as the agent's default is (cmd/agent/core/agent.go:234), said explicitly; no route label,
      // so it never takes a routed pipeline
      labels: { [REPO_LABEL]: '*' },
      maxWorkflows: checkInteger('capacity', props.capacity ?? 10, 1, 1000),
    });
    this.routeScope = new Construct(this, 'Routes');
    this.secretScope = new Construct(this, 'Secrets');
    // routes and secrets may come in any order: they are placed, and checked against each other, once the tree is
    // complete (validations run before any object is resolved), before the agents render their environments
    // and then the agents' step pods are checked for the images they must pull, with the pull secrets settled
    this.node.addValidation({ validate: () => { this.settle(); this.checkRouteAccounts(); this.checkBuildPulls(); return []; } });
    this.server._refuseAgents(() => [...this.refusedAgents().keys()].sort());
    // the agents closed now, listed in the output's mark for a later synth to find however the props then name them
    recordClosedAgents(this, closedAgentsOwner(this.namespace, this.server.serviceName), () => this.refusedAgents('listed'));
    // and those an earlier version listed unchecked, kept unchecked while their route stays closed and no check lists them
    recordClosedAgents(this, earlierClosedAgentsOwner(this.namespace, this.server.serviceName), () => this.refusedAgents('earlier'));
    // and the agents the open routes run, kept once their route leaves the code unclosed, so a later retireTeam finds them
    recordRouteAgents(this, routeAgentsOwner(this.namespace, this.server.serviceName), this.server.serviceName,
      () => new Map(this.routeAgents.map((a) => [a.agent.name, a.route])), () => new Set(this.routeAgents.map((a) => a.route)),
      () => this.refusedAgents());
  }

  /** Every build namespace, the default first. */
  public get buildNamespaces(): readonly string[] {
    return this.builds.buildNamespaces;
  }

  /** The labels every created build namespace carries. */
  public get buildNamespaceLabels(): Readonly<Record<string, string>> {
    return this.builds.buildNamespaceLabels;
  }

  /**
   * The longest route name: a route's agents are named `<server>-<route>-<event>-<hash>`, StatefulSets of at most 52
   * characters (`routeAgentName`), so 25 with the server's default name.
   */
  public get maxRouteName(): number {
    return maxRouteName(this.server.serviceName);
  }

  /** Every pod of the created build namespaces, as a NetworkPolicy peer. */
  public get buildPeer(): NetworkPeer {
    return this.builds.buildPeer;
  }

  /** The build egress settings every build namespace starts from (`WoodpeckerBuildNamespaces.buildEgress`). */
  public get buildEgress(): BuildEgressProps {
    return this.builds.buildEgress;
  }

  /** Let pipelines run in `namespace` too (see `WoodpeckerBuildNamespaces.addBuildNamespace`); routes may then use it. */
  public addBuildNamespace(namespace: string, options?: BuildNamespaceOptions): void {
    this.checkOpen('namespace', namespace);
    this.builds.addBuildNamespace(namespace, options);
  }

  /** Let build pods open TCP connections to `peer` on `ports`, in every build namespace or some. */
  public allowBuildEgress(peer: NetworkPeer, ports: number[], options?: BuildEgressOptions): void {
    this.builds.allowBuildEgress(peer, ports, options);
  }

  /**
   * Run the pipelines of some repositories, for some events, in a build namespace, optionally letting their steps run
   * as a ServiceAccount there (`backend_options.kubernetes.serviceAccountName`; a step may then pick any
   * ServiceAccount of the namespace, so routes into one namespace must name the same one). Each repository and event
   * gets an agent of its own; the pipelines must carry `pipelineLabels(route)`.
   *
   * Repositories are exact slugs, spelled as the git provider spells the full name: Woodpecker compares the agent's
   * `repo` label to it exactly (`server/scheduler/filter.go:61-70`), so a pipeline of a differently spelled one waits
   * for an agent forever. Promote and rollback go together, as Woodpecker's `deployment`.
   *
   * A route of `deployment` runs a pull request's code too, forks' included, as the route's ServiceAccount and with
   * its namespace's Secrets, and nothing here can refuse it: deploying a pull request's pipeline restarts it as a
   * `deployment` with the pull request's commit and workflow files, and no approval (woodpecker v3.17.0
   * `server/api/pipeline.go:597-659`, `server/pipeline/restart.go:40-65`); a GitHub `deployment` webhook for the pull
   * request's commit makes a `deployment` pipeline of its files, as the default branch when the ref is the SHA, with
   * no approval and whatever "Allow deployments" says (`server/forge/github/parse.go:148-171`,
   * `server/pipeline/gated.go:32-66`). An agent sees the repository, the event and the pull request's base branch
   * only (`pipeline/frontend/builder/builder.go:187-206`), where Drone's runner pins a pull request's ref to the pool
   * (`pull-request-refs`). Never deploy a pull request's pipeline, and keep integrations that create GitHub
   * deployments off routed repositories.
   *
   * With `branches` (a route of push, cron and custom only, `checkRouteBranches`), each repository, event and branch
   * gets an agent that also requires `woodpecker-ci.org/commit-branch=<branch>`, the branch the server stamps over
   * whatever the pipeline says (`builder.go:187-206`; required labels are compared exactly, `filter.go:77-87`). A build
   * of another branch that carries the route's label then waits for an agent until cancelled: no agent may take it
   * instead, as the queue gives each task to the best-scoring idle agent (`server/queue/fifo.go:314-341`) and an
   * agent taking other branches would take the route's own whenever its agents were busy.
   */
  public addRoute(props: CiRouteProps): void {
    const route = withContext('route', props?.name, () => this.checkRoute(props));
    const { name, namespace, account, agents } = route;
    this.grants.addRoute(name, namespace, account, props);
    this.claims.addRoute(route);
    for (const { agentName, ...pair } of agents) {
      // a pinned repository's agents take its pipelines by the forge's ID, whatever its name is now
      const pin = this.pins.get(pair.repo.toLowerCase());
      const repo: Record<string, string> = pin === undefined ? { [REPO_LABEL]: pair.repo } : { [REPO_LABEL]: '*', [`!${REPO_FORGE_ID_LABEL}`]: pin.forgeId };
      const agent = new WoodpeckerAgent(this.routeScope, agentName, {
        ...this.agentOptions, server: this.server, builds: this.builds, name: agentName, backendNamespace: namespace,
        // a route by branch requires the branch the server stamps too, which no pipeline can set (builder.go:187-206)
        labels: { ...repo, [ROUTE_LABEL]: name, [`!${EVENT_LABEL}`]: pair.event, ...(pair.branch === undefined ? {} : { [`!${COMMIT_BRANCH_LABEL}`]: pair.branch }) },
        serviceAccountNameAllowFromStep: account !== undefined,
      });
      this.routeAgents.push({ ...pair, agent, account });
    }
  }

  /**
   * Close the server's gRPC port to the agents a route that is gone had, `<server>-<route>-<event>-<hash>` for each of
   * `repos` and each Woodpecker event of `events` (`addRoute`'s names): an apply without pruning leaves their
   * StatefulSets running, and each keeps taking the route's repositories' pipelines (the server stamps `repo` and the
   * event on every task, which their labels still match), in the route's namespace and as its ServiceAccount, with the
   * Secrets there. The server's one rule for its agents excludes them by their pods' `app.kubernetes.io/instance`
   * label, which they carry already (no pod rolls); an agent of the same name added again (`addRoute`) yields, in
   * either order. An agent connected before the apply may keep its connection (README, Offboarding).
   *
   * The names hash the repository and branch, so props that miss one would name other agents: a synth also closes
   * every agent of the route that the previous output held, by the route's name (its StatefulSets, then the agents its
   * mark lists as closed, lib/woodpecker/closed-agents.ts), and warns of those the props miss, as a synth without
   * that output (a fresh clone) would leave them open.
   *
   * @param name the route's name, as `addRoute` had it
   * @param repos the route's repositories, exact slugs as `addRoute` had them
   * @param events the route's events, as `addRoute` had them (`@default` - every event but pull requests,
   * `DEFAULT_EVENTS`: left out, a synth that finds none of the route's agents in the previous output cannot tell whether
   * the route had events or branches, and warns at each such synth; a route that had neither says so with
   * `DEFAULT_EVENTS`, given)
   * @param branches the route's branches, as `addRoute` had them (`@default` - none: a route of every branch)
   */
  public closeRoute(name: string, repos: readonly string[], events?: readonly PipelineEvent[], branches?: readonly string[]): void {
    this.closeNamedRoute('closeRoute', name, repos, events, branches);
  }

  /**
   * Close route `name` with its `repos`, `events` and `branches` (`closeRoute`), for `call`, which names it to the
   * user: `closeRoute` itself, or `retireTeam` through `_retireRoute`. Events left out (`undefined`), the synth names
   * the agents of the default events on every branch, none of a route by branch, which always named its events (the
   * default ones hold tag and deployment, which no route by branch takes: `checkRouteBranches`): it then finds the
   * route's own in the previous output (and warns of the miss), and without one it cannot check, and says so
   * (`refusedAgents`). Not when events are given: they are what the route had, and one without branches could say no
   * more, so a warning there could not be answered; the default events, given, are how a route that had neither says so.
   */
  private closeNamedRoute(call: 'retireTeam' | 'closeRoute', name: string, repos: readonly string[], events: readonly PipelineEvent[] | undefined,
    branches: readonly string[] | undefined): void {
    // null as unset, for JavaScript callers, as a default parameter took it before
    const given = events ?? undefined;
    const route = checkDnsLabel('name', name);
    this.checkOpen('name', route);
    // pull requests allowed: closing a route grants nothing
    const checked = checkPipelineAccess({ repos, events: given ?? DEFAULT_EVENTS, allowPullRequests: true });
    const checkedBranches = checkRouteBranches(branches, checked.events);
    const glob = checked.repos.find(isRepoGlob);
    if (glob !== undefined) {
      invalid('repos', checked.repos, `${describeValue(glob)} must be an exact "owner/name" slug: a route's agents are named after exact repositories`);
    }
    // named before any is kept, so a refusal (a route name too long for agent names) closes nothing
    const names = checked.repos.flatMap((repo) => woodpeckerEventsOf(checked.events).flatMap((event) => (checkedBranches ?? [undefined])
      .map((branch) => routeAgentName(this.server.serviceName, { route, repo, event, namespace: this.buildNamespace, branch }))));
    const closed = this.closedRoute(route);
    closed.reposGiven = true;
    names.forEach((n) => closed.named.add(n));
    // a later call of the same route that gives its events leaves the earlier one's names unchecked all the same
    if (given === undefined) closed.unchecked ??= uncheckedAgentsWarning(call, route, repos);
  }

  /** @internal */
  public _retireRoute(name: string, _buildNamespace: string, repos?: readonly string[], scope: Pick<CiRouteProps, 'events' | 'branches'> = {},
    unnamed?: string): void {
    if (repos !== undefined) {
      this.closeNamedRoute('retireTeam', name, repos, scope.events, scope.branches);
      return;
    }
    const route = checkDnsLabel('name', name);
    this.checkOpen('name', route);
    const closed = this.closedRoute(route);
    if (!closed.reposGiven) closed.unnamed = unnamed;
  }

  /** The record of closed route `name`, made empty if it has none. */
  private closedRoute(name: string): ClosedRoute {
    const closed = this.closedRoutes.get(name) ?? { named: new Set<string>(), reposGiven: false };
    this.closedRoutes.set(name, closed);
    return closed;
  }

  /**
   * The agents refused the server's gRPC port, by name, with their routes: of each closed route, those its props name
   * and those the previous output holds of it (`recordedRouteAgents`), less any of that name that runs now. Warns,
   * once, of a route whose props miss some of those (they are found only while a synth finds that output), and of one
   * closed without its repositories of which none is found, and of one closed without its events (`unchecked`) of
   * which none is found; none of the three under the DigitalOcean Pulumi program, whose update deletes the agents. Once per previous output: the server's policy and the mark's list ask for the same. `listed`:
   * those the mark lists as closed, which leave out the agents of a route closed unchecked, since a later synth would
   * find them there and take them for the route's own, checked, and say nothing. `earlier`: the agents of closed
   * routes that the mark of an earlier version lists as closed (`earlierClosedAgentsOwner`) and no check lists now.
   */
  private refusedAgents(which: 'refused' | 'listed' | 'earlier' = 'refused'): ReadonlyMap<string, string> {
    const previous = previousOutput(this);
    if (this.refused?.previous !== previous) this.refused = { previous, ...this.findRefusedAgents() };
    return which === 'refused' ? this.refused.agents : this.refused[which];
  }

  /** `refusedAgents`, found afresh in the previous output, and the warnings of what it finds, once each. */
  private findRefusedAgents(): { agents: Map<string, string>; listed: Map<string, string>; earlier: Map<string, string> } {
    const current = new Set([this.poolAgent.name, ...this.routeAgents.map((a) => a.agent.name)]);
    // Under the DigitalOcean Pulumi program (`underStackMark`) a route closed without repos, or with repos but no
    // events, of which nothing is found, is not warned of, nor one whose props miss agents found (below): its agents are resources of the stack, which the update that
    // drops them deletes (the StatefulSets leave the ChartDeployment's ConfigGroup), and its mark keeps no object list,
    // so it would find nothing and warn at every run while the retiredTeams entry stays, of agents gone. An update
    // that drops the team but fails on its protected Namespaces fails in the preview `pulumi up` runs first, before any
    // change, as Pulumi refuses a protected resource's delete there too (pulumi v3.259.0
    // pkg/resource/deploy/step.go:647-653, the refusal before the DryRun branch); the one that goes through deletes them.
    // Without that preview (`--skip-preview`) the update's other deletes go on past a protected one
    // (step_executor.go:442-449), the agents' among them: they are in the platform's namespace, not the team's.
    const byStack = underStackMark(this);
    const [namespace, prefix] = [this.namespace, this.server.serviceName];
    // An earlier version's list of closed agents (`earlierClosedAgentsOwner`) also holds the names a route closed with
    // repos but no events named where nothing was found, which no later synth may take for the route's own: its names
    // are refused and kept, never found. Not under a Pulumi stack, where nothing was ever listed unchecked (`unchecked`
    // below needs a synth's output), so its names count as found, as they did.
    const checked = [closedAgentsOwner(namespace, prefix), routeAgentsOwner(namespace, prefix), ...(byStack ? [earlierClosedAgentsOwner(namespace, prefix)] : [])];
    const record = recordedRouteAgents(this, checked, namespace, prefix);
    const earlierRecord = byStack ? new Map<string, Set<string>>() : listedRouteAgents(this, [earlierClosedAgentsOwner(namespace, prefix)], prefix);
    const agents = new Map<string, string>();
    const listed = new Map<string, string>();
    const earlier = new Map<string, string>();
    for (const [route, closed] of this.closedRoutes) {
      const found = [...(record.get(route) ?? [])].filter((n) => !current.has(n));
      const missed = found.filter((n) => !closed.named.has(n)).sort();
      const unconfirmed = [...(earlierRecord.get(route) ?? [])].filter((n) => !current.has(n) && !found.includes(n));
      // repos without events and nothing found: the names the props give are refused, as they may be the route's, but
      // not listed, so every synth that finds nothing more says so (until the call gives the events, or goes)
      const unchecked = closed.reposGiven && found.length === 0 && closed.unchecked !== undefined && !byStack;
      [...closed.named, ...missed].filter((n) => !current.has(n)).forEach((n) => {
        agents.set(n, route);
        if (!unchecked) listed.set(n, route);
      });
      // an earlier version's unchecked names stay refused, and on its list, until a check lists them or the call goes
      unconfirmed.filter((n) => !listed.has(n)).forEach((n) => {
        agents.set(n, route);
        earlier.set(n, route);
      });
      if (closed.reposGiven && missed.length > 0) {
        // not under the program either: the update that dropped the team deleted these agents, and the program's mark
        // is always found, so what the warning guards against (a synth without the previous output) cannot happen;
        // and an earlier version's list, counted as found there, may hold a blind retirement's names, which no props
        // of the route name: the warning would come back at every run, unanswerable
        if (!byStack) warnOnce(this, missedAgentsWarning(route, missed));
      } else if (unchecked) {
        warnOnce(this, closed.unchecked!);
      } else if (!closed.reposGiven && found.length === 0 && unconfirmed.length === 0 && closed.unnamed !== undefined && !byStack) {
        // a route closed without repos names none itself: what an earlier version listed of it was found then
        warnOnce(this, closed.unnamed);
      }
    }
    return { agents, listed, earlier };
  }

  /**
   * A secret that pipelines of some repositories get, for some events: a Kubernetes Secret named `name` in the
   * namespace of each route that serves them, which their steps read with `backend_options.kubernetes.secrets`.
   * Every repository and event must be routed, and a route namespace that gets the Secret must serve only
   * repositories and events it is granted to, for every pipeline there could read it; both are checked at synth,
   * as routes may be added later.
   */
  public addPipelineSecret(id: string, props: CiSecretProps): Secret {
    const { name, repos, wevents } = withContext('secret', props?.name, () => this.checkPipelineSecret(id, props));
    // declared in the engine's namespace, so its values keep their identity when routes change; rendered only in the
    // route namespaces it goes to at synth
    const secret = new Secret(this.secretScope, id, { name, namespace: this.namespace, values: props.values, renderedInOwnNamespace: false });
    this.grants.addSecret(name, Object.keys(props.values), props, props.values);
    this.claims.addSecret(name);
    this.secrets.push({ name, secret, repos, events: wevents });
    return secret;
  }

  /**
   * An image pull secret: a `kubernetes.io/dockerconfigjson` Secret named `name`, copied at synth into each build
   * namespace whose agents all run repositories of `repos` for events of `events` (the pool's build namespace only
   * for every repository and event: `*`/`*`, pull requests allowed), and listed by those agents
   * (`WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES`). The kubelet pulls every step image of such an agent with it, and
   * where an agent lets steps read the namespace's Secrets (a pipeline secret's route) its steps can read it too:
   * any Secret of the namespace, by name (`pipeline/backend/kubernetes/secrets.go:56-63,119,135,198-202`). So it
   * goes only where every pipeline is granted it. One that reaches no agent is refused at synth; the grant records
   * the namespaces it reaches (`PullSecretGrant.namespaces`), where a typed pipeline must run to pull with it.
   */
  public addImagePullSecret(id: string, props: CiPullSecretProps): void {
    const { name, asked, woodpeckerEvents } = withContext('pull secret', props?.name, () => this.checkPullSecret(id, props));
    // in no namespace until it is placed, at synth (`settle`)
    this.grants.addPullSecret(name, props, []);
    const secret = new Secret(this.secretScope, id, {
      name, namespace: this.namespace, type: 'kubernetes.io/dockerconfigjson', values: { '.dockerconfigjson': props.dockerConfig },
      renderedInOwnNamespace: false,
    });
    this.claims.addSecret(name);
    this.pullSecrets.push({
      name, secret, access: { repos: asked.repos, events: asked.events, allowPullRequests: props.allowPullRequests }, woodpeckerEvents,
    });
  }

  /**
   * Check, changing nothing, that `additions` could be added in their order: the checks of `addRoute`,
   * `addPipelineSecret` and `addImagePullSecret`, each against what the engine holds and what the additions add
   * before it (their build namespaces first).
   */
  public checkAdditions(additions: CiAdditions): void {
    const batch = new BatchClaims(new Set(additions.buildNamespaces ?? []));
    (additions.routes ?? []).forEach((route) => batch.addRoute(this.checkRoute(route, batch)));
    for (const secret of additions.pipelineSecrets ?? []) {
      batch.addSecretOf(secret.id, this.checkPipelineSecret(secret.id, secret, batch).name);
    }
    for (const secret of additions.pullSecrets ?? []) {
      batch.addSecretOf(secret.id, this.checkPullSecret(secret.id, secret, batch).name);
    }
  }

  /** Every check of `addPipelineSecret`, changing nothing (`batch`: against what a batch of additions adds too). */
  private checkPipelineSecret(id: string, props: PipelineAccess & { readonly name: string }, batch?: BatchClaims) {
    const name = this.checkSecret(id, props.name, batch);
    const { repos, events } = this.exactAccess(props);
    return { name, repos, wevents: woodpeckerEventsOf(events) };
  }

  /** Every check of `addImagePullSecret`, changing nothing (`batch`: as `checkPipelineSecret`'s). */
  private checkPullSecret(id: string, props: PipelineAccess & { readonly name: string }, batch?: BatchClaims) {
    const name = this.checkSecret(id, props.name, batch);
    const asked = checkPipelineAccess(props);
    this.checkRepoOwners(asked.repos);
    // refuses a grant of promote alone, which would reach rollbacks too, on Woodpecker's one deployment event
    return { name, asked, woodpeckerEvents: woodpeckerEventsOf(asked.events) };
  }

  /**
   * The labels a pipeline must carry to run under `route`: `dockyard.dev/route: <route>`, which only the route's
   * agents have; none for the pool agent.
   */
  public pipelineLabels(route?: RouteGrant): Readonly<Record<string, string>> {
    if (route === undefined) {
      return {};
    }
    if (!this.grants.routes.has(route.name)) {
      invalid('route', route.name, `must be a route of this engine: ${[...this.grants.routes.keys()].join(', ') || 'none yet'}`);
    }
    return { [ROUTE_LABEL]: route.name };
  }

  /** The repositories and events of `access`, checked, with repositories as exact slugs. */
  private exactAccess(access: PipelineAccess): GrantedAccess {
    const checked = checkPipelineAccess(access);
    const glob = checked.repos.find(isRepoGlob);
    if (glob !== undefined) {
      invalid('repos', checked.repos, `${describeValue(glob)} must be an exact "owner/name" slug: Woodpecker routes by exact ` +
        'repository (an agent\'s repo label matches one repository, or every one with "*")');
    }
    // only GitLab nests groups: elsewhere a slug of more than one "/" names no repository, and its grant none
    const nested = this.server.forge === 'gitlab' ? undefined : nestedRepo(checked.repos);
    if (nested !== undefined) {
      invalid('repos', checked.repos, `${describeValue(nested)} must be an "owner/name" slug on ${this.server.forge}: only a GitLab ` +
        'subgroup\'s project has more than one "/"');
    }
    this.checkRepoOwners(checked.repos);
    return checked;
  }

  /**
   * Refuse a repository the server would never activate: with `repoOwners` set, Woodpecker refuses to activate a
   * repository whose owner (everything before the last "/", GitLab's full namespace path) is none of them, compared
   * ignoring case (woodpecker v3.17.0 server/api/repo.go:113-116, server/services/permissions/repo_owners.go:24-38).
   */
  private checkRepoOwners(repos: readonly string[]): void {
    const owners = this.server.repoOwners;
    if (owners !== undefined) {
      checkRepoOwners(repos, {
        setting: 'repoOwners', owners,
        otherwise: 'Woodpecker activates no other ("Repo owner is not allowed"; one activated before repoOwners was set runs on, but cannot ' +
          'be activated again)',
      });
    }
  }

  /**
   * What `addRoute` refuses, against the engine's routes and those of `batch`: the route, checked. A route's
   * namespace must be a build namespace already, or one of the batch's.
   */
  private checkRoute(props: CiRouteProps, batch?: BatchClaims): CheckedRoute {
    const name = checkDnsLabel('name', props.name);
    this.checkOpen('name', name);
    if (this.grants.routes.has(name) || batch?.routes.has(name)) {
      invalid('name', name, 'must be unique among the engine\'s routes');
    }
    const { repos, events } = this.exactAccess(props);
    const branches = checkRouteBranches(props.branches, events);
    const namespace = props.namespace;
    // first, so that a team's namespace is refused naming its team, whether the agents build there or not
    checkNotOwnedNamespace(this, 'namespace', namespace);
    if (!batch?.namespaces.has(namespace) && !this.builds.has(namespace)) {
      invalid('namespace', namespace, `must be one of the engine's build namespaces: ${notAmong(namespace, this.buildNamespaces)}`);
    }
    const account = props.serviceAccountName === undefined ? undefined : checkDnsLabel('serviceAccountName', props.serviceAccountName);
    // the routes of a namespace that name a ServiceAccount all name the same one, so the first stands for them all
    const other = account === undefined ? undefined : this.claims.accounts.get(namespace) ?? batch?.accounts.get(namespace);
    if (other !== undefined && other.account !== account) {
      invalid('serviceAccountName', account, `must be ${describeValue(other.account)}, the ServiceAccount of route ` +
        `${describeValue(other.route)} in namespace ${describeValue(namespace)}: Woodpecker lets a step pick any ServiceAccount of its ` +
        'namespace (pipeline/backend/kubernetes/pod.go:199-202), so either route\'s pipelines could run as the other\'s');
    }
    const wevents = woodpeckerEventsOf(events);
    const pairs: RoutedPair[] = repos.flatMap((repo) => wevents.map((event) => ({ route: name, repo, event, namespace })));
    const own = new Set<string>();
    for (const pair of pairs) {
      const key = pairKey(pair.repo, pair.event);
      if (own.has(key)) {
        // two of the route's repositories would share an agent, whose name holds the repository in lower case
        invalid('repos', repos, `${describeValue(pair.repo)} must not name another of the route's repositories in another case: ` +
          'each repository gets route agents named after it in lower case');
      }
      own.add(key);
      const taken = this.claims.pairs.get(key) ?? batch?.pairs.get(key);
      if (taken) {
        invalid('repos', repos, `${describeValue(pair.repo)} with event ${describeValue(pair.event)} is routed by route ` +
          `${describeValue(taken.route)} already: Woodpecker gives a repository's event to one agent`);
      }
    }
    // the agents' names, which refuse a route name too long for them; `addRoute` names its agents with them
    const agents = pairs.flatMap((pair) => (branches ?? [undefined]).map((branch) => (branch === undefined ? pair : { ...pair, branch })))
      .map((agent) => ({ ...agent, agentName: routeAgentName(this.server.serviceName, agent) }));
    return { name, namespace, account, pairs, agents };
  }

  /** What `addPipelineSecret` and `addImagePullSecret` refuse of a secret's ID and name, against the engine's and `batch`'s: the name. */
  private checkSecret(id: string, value: string, batch?: BatchClaims): string {
    const name = checkDnsLabel('name', value);
    this.checkOpen('name', name);
    if (name.startsWith('wp-')) {
      // pipeline/backend/kubernetes/pod.go:40, secrets.go:251-253,345-351, service.go:30-31
      invalid('name', name, 'must not start with "wp-": the Kubernetes backend names its own pods, Services and Secrets so');
    }
    if (this.claims.secretNames.has(name) || batch?.secretNames.has(name)) {
      invalid('name', name, 'must be unique among the engine\'s pipeline and pull secrets: each is a Secret of that name');
    }
    if (this.secretScope.node.tryFindChild(id) !== undefined || batch?.secretIds.has(id)) {
      invalid('id', id, 'must be unique among the engine\'s pipeline and pull secrets: it is the construct ID of each');
    }
    return name;
  }

  private checkOpen(prop: string, value: unknown): void {
    if (this.finalized) {
      invalid(prop, value, 'must be added before the chart is synthesized: routes and secrets are placed then');
    }
  }

  /**
   * Place the secrets and check them against the routes, and record in `grants` where each pull secret went; once,
   * when the tree is complete (synth runs it as a validation, before anything renders), or earlier for a pipeline
   * rendered by hand (`RepositoryPipelines.render`). No route or secret can be added after it.
   */
  public settle(): void {
    if (this.finalized) {
      return;
    }
    this.finalized = true;
    // a route by branch has an agent per branch of a repository's event, all in its namespace
    const byPair = new Map<string, RouteAgent[]>();
    for (const a of this.routeAgents) {
      const key = pairKey(a.repo, a.event);
      const list = byPair.get(key);
      if (list === undefined) byPair.set(key, [a]);
      else list.push(a);
    }
    this.checkPinsRouted();
    // the route agents by namespace, in the order of the namespaces' first agents: each check below looks at one
    // namespace's agents, not at every route's (a thousand teams have thousands of them)
    const byNamespace = new Map<string, RouteAgent[]>();
    for (const a of this.routeAgents) {
      const list = byNamespace.get(a.namespace);
      if (list === undefined) byNamespace.set(a.namespace, [a]);
      else list.push(a);
    }
    for (const s of this.secrets) {
      const granted = new Set(s.repos.flatMap((repo) => s.events.map((event) => pairKey(repo, event))));
      const readers = s.repos.flatMap((repo) => s.events.flatMap((event) => {
        const agents = byPair.get(pairKey(repo, event));
        if (!agents) {
          invalid('repos', s.repos, `${describeValue(repo)} with event ${describeValue(event)} has no route, so pipeline secret ` +
            `${describeValue(s.name)} cannot reach it: on Woodpecker a pipeline secret is a Secret of a route's namespace; add a route for them`);
        }
        return agents;
      }));
      const namespaces = [...new Set(readers.map((a) => a.namespace))];
      for (const namespace of namespaces) {
        if (namespace === this.buildNamespace) {
          invalid('repos', s.repos, `must be routed to another namespace than ${describeValue(namespace)}, the default build namespace, ` +
            `where the pool agent runs every repository's pipelines: pipeline secret ${describeValue(s.name)} would lie there`);
        }
        const stranger = (byNamespace.get(namespace) ?? []).find((a) => !granted.has(pairKey(a.repo, a.event)));
        if (stranger) {
          invalid('repos', s.repos, `must include every repository and event namespace ${describeValue(namespace)} runs: route ` +
            `${describeValue(stranger.route)} runs ${describeValue(stranger.repo)} with event ${describeValue(stranger.event)} there, ` +
            `which pipeline secret ${describeValue(s.name)} is not granted to and could read`);
        }
      }
      namespaces.forEach((ns) => s.secret.shareWith(ns));
      readers.forEach((a) => a.agent.allowNativeSecrets());
    }
    // the kubelet pulls every step image of a namespace's agents with it, and a login to a registry project is
    // access to that project: only namespaces whose agents all run repositories and events it is granted to get it
    // (the pool runs every repository and event, so only a pull secret for all of them; its pods pull with what
    // their ServiceAccount lists otherwise, which Kubernetes adds only to pods that list no pull secret of their own)
    const namespacesOf = this.pullSecretNamespaces(byNamespace);
    this.pullSecrets.forEach((p, i) => {
      const namespaces = namespacesOf[i];
      if (namespaces.length === 0) {
        // either may be what misses: the repositories no route runs, or the events the routes run it for
        invalid('repos and events', { repos: p.access.repos, events: p.access.events }, `must include a repository and event that an agent runs: pull secret ${describeValue(p.name)} reaches no ` +
          'agent, as on Woodpecker a pull secret goes only to build namespaces whose every agent runs repositories and events it is granted ' +
          'to (the default build namespace only for every repository and event, "*/*" with pull requests allowed); add a route for them');
      }
      namespaces.forEach((ns) => p.secret.shareWith(ns));
      if (namespaces.includes(this.buildNamespace)) this.poolAgent.addPullSecretName(p.name);
      for (const ns of namespaces) (byNamespace.get(ns) ?? []).forEach((a) => a.agent.addPullSecretName(p.name));
      // what typed pipelines are checked against: the namespaces whose pipelines pull with it, not every one of its
      // repositories and events
      this.grants.addPullSecret(p.name, p.access, namespaces);
    });
    // a Secret the stack expects the user to provide where one of these is rendered would be overwritten; the
    // engine's namespace, which declares them, is kept free of their names too
    refuseProvidedSecrets(this, [...this.secrets, ...this.pullSecrets].map((s) => ({
      name: s.name, namespaces: [this.namespace, ...s.secret.namespaces],
    })));
  }

  /** Refuse a pinned repository that no route runs: a typo there would pin nothing, and say nothing. */
  private checkPinsRouted(): void {
    if (this.pins.size === 0) {
      return;
    }
    const routed = new Set(this.routeAgents.map((a) => a.repo.toLowerCase()));
    for (const [key, { repo, forgeId }] of this.pins) {
      if (!routed.has(key)) {
        invalid('repoForgeIds', { [repo]: forgeId }, `${describeValue(repo)} must be a repository a route runs: no route runs it, so ` +
          'its pin would take nothing; add its route, or remove the pin');
      }
    }
  }

  /**
   * Refuse or warn of a route whose ServiceAccount (`serviceAccountName`) the app does not render in its namespace
   * (`checkPinnedAccounts`): a step that names it (`backend_options.kubernetes.serviceAccountName`) gets it on its pod
   * whatever the cluster holds (woodpecker v3.17.0 `pipeline/backend/kubernetes/pod.go:199-202`), which the API
   * server then refuses.
   */
  private checkRouteAccounts(): void {
    const pinned = new Map(this.routeAgents.flatMap((a) => a.account === undefined ? []
      : [[a.route, { owner: `route ${describeValue(a.route)}`, namespace: a.namespace, name: a.account }]]));
    checkPinnedAccounts(this, `Woodpecker ${describeValue(this.server.serviceName)}`, [...pinned.values()], 'every pod of a step that runs as it');
  }

  /**
   * Refuse agents whose step pods cannot pull the clone or permission-init image (`checkBuildPulls`). The clone step
   * runs the server's clone image, and a step that runs as another user than root gets an init container of the
   * agent's permission-init image (woodpecker v3.17.0 `shared/constant/constant.go:30`,
   * `pipeline/backend/kubernetes/pod.go:298-326`). A step pod lists the agent's pull secrets
   * (`WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES`) and one for the step's own `registries`, if any (pod.go:226-235),
   * and gets its ServiceAccount's only if it lists none. A step runs as the namespace's `default`, or as the route's
   * account when it names it in its `backend_options` (pod.go:199-202); the default clone step has no
   * `backend_options` (`pipeline/frontend/yaml/compiler/compiler.go:153-168`), so it always runs as `default`.
   */
  private checkBuildPulls(): void {
    const clone = buildImage(this.server, this.server.cloneImage, 'Woodpecker\'s clone image, WOODPECKER_DEFAULT_CLONE_PLUGIN');
    const placed = new Map(this.pullSecrets.map((p) => [p.name, p.secret]));
    const projects = new ProjectLookup(this);
    const notCounted = 'a step\'s own registries are not counted: the clone step, and every step that names none, brings none';
    for (const { agent, account } of [{ agent: this.poolAgent, account: undefined }, ...this.routeAgents]) {
      const listed = { setting: 'WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES', secrets: agent.listedPullSecretNames.map((n) => placed.get(n) ?? n) };
      const namespace = agent.backendNamespace;
      checkBuildPulls(this, { namespace, images: [clone], accounts: ['default'], listed, notCounted }, projects);
      checkBuildPulls(this, {
        namespace,
        images: [buildImage(agent, agent.permissionInitImage, 'the permission-init image, WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE')],
        accounts: ['default', ...(account === undefined ? [] : [account])],
        listed,
        notCounted,
      }, projects);
    }
  }

  /**
   * The namespaces each pull secret goes to, by its index: the build namespace (where the pool runs every
   * repository and event) for a pull secret of every repository and event only, first, then the other route
   * namespaces in the order of their first agents, those whose agents all run repositories and events the secret
   * is for. The secrets that may serve each agent come from an index of their repository patterns, so the work
   * grows with the agents and what serves them, not with agents times secrets.
   */
  private pullSecretNamespaces(byNamespace: ReadonlyMap<string, readonly RouteAgent[]>): string[][] {
    const patterns = new RepoPatternIndex<number>();
    this.pullSecrets.forEach((p, i) => p.access.repos.forEach((r) => patterns.add(r.toLowerCase(), i)));
    const forPool = this.pullSecrets.map((p) => p.access.repos.some((r) => repoMatches(r, '*/*') && r.split('/').every((part) => part === '*')) &&
      WOODPECKER_EVENTS.every((w) => p.woodpeckerEvents.includes(w.name)));
    /** The pull secrets that may go where agent `a` runs. */
    const serving = (a: RouteAgent): Set<number> => new Set(patterns.candidatesFor(a.repo.toLowerCase())
      // repoMatches compares in any case, so the lower-cased pattern the index holds matches as the given one
      .filter((c) => repoMatches(c.pattern, a.repo))
      .map((c) => c.value)
      .filter((i) => this.pullSecrets[i].woodpeckerEvents.includes(a.event)));
    /** The pull secrets that may go to a namespace: those serving every agent of it. */
    const servingAll = (agents: readonly RouteAgent[]): Set<number> => {
      let out = serving(agents[0]);
      for (const a of agents.slice(1)) {
        const next = serving(a);
        out = new Set([...out].filter((i) => next.has(i)));
      }
      return out;
    };
    const out = this.pullSecrets.map((_, i) => (forPool[i] ? [this.buildNamespace] : []));
    for (const [ns, agents] of byNamespace) {
      // the pool runs every repository and event in its namespace, so only a pull secret for all of them goes
      // there (above), which serves every route agent there too; a route's own secret never
      if (ns === this.buildNamespace) {
        continue;
      }
      for (const i of servingAll(agents)) out[i].push(ns);
    }
    return out;
  }
}
