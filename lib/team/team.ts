import { Construct } from 'constructs';
import {
  checkBoolean, checkDnsLabel, checkKnownProps, checkListOf, checkObject, checkPort, checkUniqueList, componentLabels, describeValue, invalid, isDnsLabel, ISecret, Namespace, NetworkPeer, PodSecurityLevel,
  SecretValue, withContext,
} from '../core';
import { PodFirewall } from '../core/network';
import { NamespacedAccess } from '../core/rbac';
import { checkPipelineAccess, CiEngineKind, CiRouteProps, DEFAULT_EVENTS, ICiEngine, PipelineAccess, PipelineEvent } from '../ci';
import { DeployAccess, DeployPermission, DroneCi, DroneKubeRunner } from '../drone';
import { placedIn } from '../core/placement';
import { BuildEgressRule } from '../ci/build-egress';
import { checkStorageLimitGiB, Harbor, HarborRobot, ProjectMember, ProjectRole, RobotOptions, RobotPermission } from '../harbor';
import { PullSecret, RegistryCredential } from '../registry';
import { CheckedTeamQuota, checkTeamQuota, TeamQuota, TeamQuotaObjects } from './quota';
import { buildMemberPermissions, checkPrefixedMember, SubjectPrefixes, TeamMember } from './team-member';
import { checkTeamRoute } from './team-route';

/** The label every namespace of a team carries, with the team's name: NetworkPolicies select a team's namespaces by it. */
export const TEAM_LABEL = 'dockyard.dev/team';
/**
 * The label that says what a team namespace is for: `app` (the team's workloads), `build` (its pipelines but pull
 * requests) or `pull-requests` (its pull requests, on a dedicated runner: `TeamProps.pullRequestNamespace`).
 */
export const TEAM_NAMESPACE_ROLE_LABEL = 'dockyard.dev/team-namespace';
/**
 * The label that names the platform a team namespace belongs to (`TeamPlatformProps.platformName`), on every team
 * namespace of a platform given one: the teams' NetworkPolicies and admission policies select by it beside
 * `TEAM_LABEL`, so that a same-named team of another platform in the cluster is not taken for the same team.
 */
export const TEAM_PLATFORM_LABEL = 'dockyard.dev/platform';

/**
 * The longest team name: its derived names (`<name>-builds`, `<name>-pull-requests`, `drone-runner-<name>`, its
 * robots' names) stay DNS labels with room to spare.
 */
export const MAX_TEAM_NAME = 40;

/** Props of a `Team`. */
export interface TeamProps {
  /**
   * The team's name: a DNS label of at most 40 characters (25 on Woodpecker, whose route agents are named after it). It
   * names the Harbor project and prefixes everything else.
   */
  readonly name: string;
  /**
   * The team's repositories: slugs or globs such as `acme/payments` or `acme/payments-*`, in the forge's exact case
   * (`*` does not cross `/`), each naming its owner literally; a GitLab subgroup's projects are named by their whole
   * path, `acme/payments/*`. Only these get the team's pipeline secrets, its build namespace and its deploy identity.
   * Drone's secrets extension matches them in any case, but its runner policies (and Woodpecker's route agents) only
   * in the exact case, so a pattern in the wrong case gets the team's secrets in the default build namespace instead
   * of the team's: typed pipelines refuse that (`RepositoryPipelines`).
   */
  readonly repos: readonly string[];
  /**
   * The namespaces the team's applications run in, under Pod Security "restricted", each with the quota, default
   * requests and limits, and a default-deny NetworkPolicy.
   *
   * @default - one namespace named after the team
   */
  readonly namespaces?: readonly string[];
  /**
   * The namespace the team's pipelines run in for every event but pull requests (on Woodpecker only those of `events`
   * and `branches`, if given), with the deploy identity and a copy of the team's pull secret. Pull requests run in the runner's default build namespace, as its `default`
   * ServiceAccount: the shared pool's, or `pullRequestNamespace` on a dedicated runner.
   *
   * @default "<name>-builds"
   */
  readonly buildNamespace?: string;
  /**
   * The events the team's route runs in `buildNamespace`, as its deploy identity and with its pipeline secrets, push
   * login and pull secret. Woodpecker only (Drone refuses it), and never `pull_request`. The team's other events then
   * have no route: a workflow of theirs without the route's label runs on the pool agent, in the engine's default build
   * namespace as `default`, with none of the team's Secrets; with the label it waits for an agent until cancelled. The
   * team's secrets take these events (`addPipelineSecret`'s `events` left unset). Set it to push, cron and custom, or
   * fewer, for `branches`, as tags and deployments carry no branch of their own.
   *
   * @default - every event but pull requests: push, tag, promote, rollback, cron and custom
   */
  readonly events?: readonly PipelineEvent[];
  /**
   * The branches whose builds the team's route takes, exact names (`main`, `release/2.x`; no globs): only a build the
   * server records as one of them runs in `buildNamespace`, as the deploy identity and with the team's Secrets. Woodpecker
   * only (Drone refuses it), with `events` of push, cron and custom only: each of the team's agents also requires
   * `woodpecker-ci.org/commit-branch=<branch>`, which the server stamps and no pipeline can set (woodpecker v3.17.0
   * `pipeline/frontend/builder/builder.go:187-206`, matched exactly by `server/scheduler/filter.go:77-87`), one agent
   * per repository, event and branch. A build of another branch without the route's label runs on the pool agent, as
   * `default` with none of the team's Secrets; with the label it waits until cancelled, so the team's workflows of these
   * events carry `when: branch:` (typed pipelines must). Anyone with write access can still run a listed branch's own
   * pipeline with variables of their choosing: README, "Woodpecker: routes by branch". Retire the team with the same
   * `branches` (`RetireTeamOptions`): its agents are named after them.
   *
   * @default - every branch
   */
  readonly branches?: readonly string[];
  /**
   * The ResourceQuota and container defaults of each app namespace.
   *
   * @default - the `TeamQuota` defaults
   */
  readonly quota?: TeamQuota;
  /**
   * The storage quota of the team's Harbor project, in GiB, at most 1048576 (Harbor's 1024 TB). A change is applied
   * to the existing project by the next run of the Harbor configuration Job.
   *
   * @default 20
   */
  readonly registryQuotaGiB?: number;
  /**
   * What the team's deploy identity may do in its app namespaces. The defaults cover `kubectl apply` of a typical app,
   * `rollout status`, `scale`, and `--prune` with `DeployAccess.PRUNE_ALLOWLIST`; for `helm upgrade --install` add
   * `DeployPermission.helmReleases()` (its release Secrets), e.g.
   * `[...DeployAccess.DEFAULT_PERMISSIONS, DeployPermission.helmReleases()]`. Writes to what holds the team's
   * isolation and quota (NetworkPolicies, ResourceQuotas, LimitRanges, the CNIs' policies) are refused: a policy of the
   * team's would add to its default deny; its egress is `allowEgress`.
   *
   * @default DeployAccess.DEFAULT_PERMISSIONS
   */
  readonly deployPermissions?: readonly DeployPermission[];
  /**
   * Give the team a runner of its own (`drone-runner-<name>`, labelled `team: <name>`, limited to its repositories),
   * with two build namespaces: the team's `buildNamespace`, for every event but pull requests, and
   * `pullRequestNamespace`, its default, for pull requests, forks' included. Its pipelines route to it with
   * `node: { team: <name> }`. Its builds get the shared runner's build egress: its `buildEgress`, and every rule
   * `allowBuildEgress` declares there for all build namespaces, before or after. The shared runner's `buildPeer` does
   * not select the team's build namespaces (the team's `ci.buildPeer` does): a service that admits builds by it must
   * admit the team's too.
   *
   * @default false: the platform's shared runner
   */
  readonly dedicatedRunner?: boolean;
  /**
   * On a dedicated runner (`dedicatedRunner: true`, and only there), the namespace the team's pull requests, forks'
   * included, run in, as its `default` ServiceAccount: the runner's default build namespace. It holds no Secret, no
   * deploy identity and no egress to the API server (`TeamPlatform`'s `apiServer`), which the team's `buildNamespace`
   * has: a repository an admin marked trusted may mount Secrets, and a fork's pull request runs with its flag. Nor
   * does it get a pull secret: list it (`Team.pullRequestNamespace`) on the proxy-only `PullSecret` the shared
   * pool's namespace has, if any, or its pods pull the runner's images only where the nodes hold a mirror login.
   *
   * @default "<name>-pull-requests"
   */
  readonly pullRequestNamespace?: string;
  /**
   * The team's people, as the cluster's authenticator names them (`TeamMember.group`, `TeamMember.user`): bound to a
   * Role `team-members` in each app namespace, with `memberPermissions`, and in the build namespace (and a dedicated
   * runner's pull-request namespace), where they may read the build pods (not on Woodpecker), their logs and events.
   * Nowhere else: no other team's namespace, and nothing cluster-wide. A group listed by two teams sees both. Names
   * are bound after the API server's prefixes (`TeamPlatformProps.groupsPrefix`, `usernamePrefix`). On a Harbor that
   * signs in over OIDC, the groups are also members of the team's project (`memberProjectRole`).
   *
   * To take every member's access away, set `members: []` rather than drop the prop: the Roles and RoleBindings
   * `team-members` then stay, bound to no one, and a plain `kubectl apply` revokes; dropped, they leave the manifests,
   * which only an apply that prunes removes from the cluster.
   *
   * @default - none: only the deploy identity is bound in the team's namespaces; bind people with RoleBindings of
   *   your own
   */
  readonly members?: readonly TeamMember[];
  /**
   * What `members` may do in the team's app namespaces: the same kinds of grant as `deployPermissions`, with the same
   * refusals (no `pods/exec`, no RBAC, nothing that lifts the team's quota or network isolation). Set only with
   * `members`.
   *
   * @default TeamMember.DEFAULT_PERMISSIONS: read workloads, pods and their logs, and what bounds the namespace; no Secrets
   */
  readonly memberPermissions?: readonly DeployPermission[];
  /**
   * The role of the team's member groups (`TeamMember.group`) in its Harbor project, where the Harbor signs in over
   * OIDC (`HarborProps.oidc`): each group is then a member of the project, by its name as the groups claim gives it
   * (without `TeamPlatformProps.groupsPrefix`). Users are not made members: Harbor knows them only once they have
   * logged in. On such a Harbor the project's group members are exactly these: a group added by hand is removed by the
   * next configuration Job.
   *
   * @default ProjectRole.GUEST: pull and browse the project; pipelines push with the team's robot
   */
  readonly memberProjectRole?: ProjectRole;
}

/**
 * Every prop of a team, each key of `TeamProps`: typed by them, so that a prop added to `TeamProps` fails to compile
 * here until it is listed, rather than be refused as unknown.
 */
const TEAM_PROPS: Readonly<Record<keyof TeamProps, true>> = {
  name: true, repos: true, namespaces: true, buildNamespace: true, events: true, branches: true, quota: true, registryQuotaGiB: true, deployPermissions: true,
  dedicatedRunner: true, pullRequestNamespace: true, members: true, memberPermissions: true, memberProjectRole: true,
};
const TEAM_PROP_KEYS = Object.keys(TEAM_PROPS);

/**
 * Refuse team props that are no object, before any prop is read: a JavaScript caller's `addTeam('payments')` would
 * otherwise be refused for its characters (`a team has no prop "0"`), and `addTeam(undefined)` throw a TypeError.
 */
export function checkTeamPropsObject(props: TeamProps): TeamProps {
  return checkObject('props', props, TEAM_PROPS_SHAPE);
}

/** What team props must be, as the refusal of anything else says. */
const TEAM_PROPS_SHAPE = 'must be an object of TeamProps, e.g. { name: "payments", repos: ["acme/payments-*"] }';

/**
 * Refuse a prop `TeamProps` does not have: a JavaScript caller's misspelt prop (`namespace`, `registryQuotaGb`)
 * would otherwise be ignored, and the team made without it.
 */
function checkTeamProps(props: TeamProps): void {
  checkKnownProps('a team', props, TEAM_PROP_KEYS, TEAM_PROPS_SHAPE);
}

/** A team's namespaces, checked: its app namespaces, build namespace, and pull-request namespace on a dedicated runner. */
export interface TeamNamespaces {
  /** The app namespaces. */
  readonly namespaces: readonly string[];
  /** The build namespace. */
  readonly buildNamespace: string;
  /**
   * The pull-request namespace: only on a dedicated runner.
   *
   * @default - none: the team is on the shared runner
   */
  readonly pullRequestNamespace?: string;
}

/** A prop of `TeamProps` that names a team namespace. */
export type TeamNamespaceProp = 'namespaces' | 'buildNamespace' | 'pullRequestNamespace';

/** Every namespace of a team, each with the prop that gave it, app namespaces first. */
export function teamNamespaceList(ns: TeamNamespaces): [TeamNamespaceProp, string][] {
  return [
    ...ns.namespaces.map((n): [TeamNamespaceProp, string] => ['namespaces', n]), ['buildNamespace', ns.buildNamespace],
    ...(ns.pullRequestNamespace === undefined ? [] : [['pullRequestNamespace', ns.pullRequestNamespace] as [TeamNamespaceProp, string]]),
  ];
}

/**
 * What a refusal of the namespace `prop` gave adds where the user gave no such prop (the team took it from its name):
 * where it came from and what to change; nothing otherwise.
 */
export function defaultedNamespace(props: TeamProps, prop: TeamNamespaceProp): string {
  return props[prop] === undefined ? ` (the default for team ${describeValue(props.name)}: rename the team, or give ${prop})` : '';
}

/**
 * A team's namespaces, each a DNS label: its app namespaces, build namespace, and pull-request namespace on a dedicated
 * runner. `ci`, the engine the team is for, may shorten the name (`checkTeamName`).
 */
export function teamNamespaces(props: TeamProps, ci?: ICiEngine): TeamNamespaces {
  // `TeamPlatform.addTeam` takes a team's namespaces from here before anything else: a misspelt `namespaces` is
  // refused as such, not as the clash of its default namespace with another team's
  checkTeamProps(props);
  checkTeamName(props.name, ci);
  // checked for JavaScript callers: a string such as "false" would be taken as true
  if (props.dedicatedRunner !== undefined) {
    checkBoolean('dedicatedRunner', props.dedicatedRunner);
  }
  const namespaces = checkUniqueList('namespaces', props.namespaces ?? [props.name]).map((n) => checkDnsLabel('namespaces', n));
  const buildNamespace = checkDnsLabel('buildNamespace', props.buildNamespace ?? `${props.name}-builds`);
  if (!props.dedicatedRunner) {
    if (props.pullRequestNamespace !== undefined) {
      // a namespace given and silently not made would look like one the team's pull requests run in
      invalid('pullRequestNamespace', props.pullRequestNamespace, 'must be set only with dedicatedRunner: true: on the shared runner the ' +
        'team\'s pull requests run in its default build namespace');
    }
    return { namespaces, buildNamespace };
  }
  const pullRequestNamespace = checkDnsLabel('pullRequestNamespace', props.pullRequestNamespace ?? `${props.name}-pull-requests`);
  return { namespaces, buildNamespace, pullRequestNamespace };
}

/**
 * Check a team's name: a DNS label short enough for every name derived from it, on `ci` too (`ICiEngine.maxRouteName`,
 * when given). One rule, in one message, for every limit: a name told only that it is no DNS label ("at most 63") would
 * fail again over 40, and one told 40 again over Woodpecker's 25.
 */
export function checkTeamName(name: string, ci?: ICiEngine): string {
  // an engine that names objects after a route (Woodpecker's agents) takes shorter names: its limit is in the same
  // line, or a name told "at most 40" would fail again over 25
  const max = Math.min(MAX_TEAM_NAME, ci?.maxRouteName ?? MAX_TEAM_NAME);
  if (!isDnsLabel(name) || name.length > max) {
    invalid('name', name, `must be a team name: at most ${max} lower-case letters, digits and "-", starting and ending with a letter ` +
      `or digit (it prefixes the team's namespaces, robots, secrets and runner policies${max < MAX_TEAM_NAME ? `, and names its ${ci!.kind} route's agents` : ''})`);
  }
  return name;
}

/**
 * What a team's deploy identity may never manage in its own namespaces, by `apiGroup/resource`, for each undoes the
 * team's boundaries: its ResourceQuota and LimitRange, and its NetworkPolicies, including the namespaced policies of
 * Cilium, Calico (through its CRDs or its API server) and Antrea, whose allow rules add to the team's default deny
 * (Antrea's tiers are even enforced before it), and Cilium's redirect and Envoy configurations, which send other
 * pods' traffic to the team's. Subresources are refused with their resource: quota admission enforces `status.hard`
 * of a ResourceQuota, which `resourcequotas/status` writes. Cluster-scoped policies (`adminnetworkpolicies`, Cilium's,
 * Calico's and Antrea's cluster-wide ones) a namespaced Role cannot grant. Other CNIs' CRDs are not listed: grant
 * none of them. (The Namespace itself no deploy identity may manage: `DeployPermission` refuses it.)
 */
const TEAM_BOUNDARIES = [
  '/resourcequotas', '/limitranges', 'networking.k8s.io/networkpolicies', 'cilium.io/ciliumnetworkpolicies',
  'cilium.io/ciliumlocalredirectpolicies', 'cilium.io/ciliumenvoyconfigs', 'crd.projectcalico.org/networkpolicies',
  'projectcalico.org/networkpolicies', 'crd.antrea.io/networkpolicies',
];

/** Refuse permissions, given under `prop`, that change what `TEAM_BOUNDARIES` lists; reading it is harmless. */
function checkTeamBoundaries(prop: 'deployPermissions' | 'memberPermissions', permissions: readonly DeployPermission[]): void {
  for (const p of permissions) {
    // a grant that only reads leaves the team's boundaries as they are
    if (!p.writes) {
      continue;
    }
    const crossing = p.resources.find((r) => TEAM_BOUNDARIES.includes(`${p.apiGroup}/${r.split('/')[0]}`));
    if (crossing !== undefined) {
      invalid(prop, `${p.apiGroup}/${crossing}`,
        `must not change ${TEAM_BOUNDARIES.join(', ')}, or their subresources (reading them is allowed): they hold the team's isolation and quota`);
    }
  }
}

/**
 * Check a team's members and their permissions: `TeamMember`s (made by its factories, which check the names), each
 * once, and permissions only beside members, checked as the deploy identity's are.
 */
function checkMembers(props: TeamProps, ctx: TeamContext): CheckedMembers {
  const members = checkListOf('members', props.members ?? [], 'TeamMember.group(...) or TeamMember.user(...)',
    'must be a list of TeamMember.group(...) or TeamMember.user(...)', TeamMember);
  const seen = new Set<string>();
  for (const member of members) {
    const key = `${member.kind}\0${member.name}`;
    if (seen.has(key)) {
      invalid('members', members.map((m) => m._describe()), `must not repeat ${member._describe()}`);
    }
    seen.add(key);
    checkPrefixedMember(member, ctx.subjectPrefixes ?? NO_PREFIXES);
  }
  const projectMembers = harborMembers(props, ctx, members);
  if (props.memberPermissions !== undefined && members.length === 0) {
    invalid('memberPermissions', props.memberPermissions.map((p) => `${p.apiGroup}/${p.resources.join(',')}`),
      'must be set only with members: it is what they may do in the team\'s app namespaces');
  }
  if (props.memberPermissions === undefined) {
    // the defaults hold (a test checks them once): a thousand teams take them
    return { members, permissions: TeamMember.DEFAULT_PERMISSIONS, projectMembers };
  }
  checkListOf('memberPermissions', props.memberPermissions, 'DeployPermission',
    'must be a list of DeployPermission.read(...), .manage(...) or .allow(...)', DeployPermission);
  const permissions = DeployAccess.checkPermissions('memberPermissions', props.memberPermissions);
  checkTeamBoundaries('memberPermissions', permissions);
  return { members, permissions, projectMembers };
}

/** A team's members, checked: who they are, what they may do in its app namespaces, and who they are in Harbor. */
interface CheckedMembers {
  readonly members: readonly TeamMember[];
  readonly permissions: readonly DeployPermission[];
  /** Its Harbor project's group members: `undefined` (left alone) unless the Harbor signs in over OIDC. */
  readonly projectMembers?: ProjectMember[];
}

/** No prefix: subjects bound as their names. */
const NO_PREFIXES: SubjectPrefixes = { group: '', user: '' };

/**
 * The team's member groups as members of its Harbor project, with `memberProjectRole`, where the Harbor signs in
 * over OIDC; else `undefined`, and `memberProjectRole`, which would do nothing, is refused.
 */
function harborMembers(props: TeamProps, ctx: TeamContext, members: readonly TeamMember[]): ProjectMember[] | undefined {
  const groups = members.filter((m) => m.kind === 'Group');
  if (props.memberProjectRole !== undefined && (ctx.harbor.oidc === undefined || groups.length === 0)) {
    invalid('memberProjectRole', props.memberProjectRole, 'must be set only with TeamMember.group members on a Harbor that signs in over ' +
      'OIDC (HarborProps.oidc): only there are groups members of the team\'s project');
  }
  if (ctx.harbor.oidc === undefined) {
    return undefined;
  }
  return groups.map((g) => ProjectMember.oidcGroup(g.name, props.memberProjectRole ?? ProjectRole.GUEST));
}

/**
 * `check()`, whose refusal names the team when it does not already: among a thousand teams, `invalid quota.cpu
 * "500M"` alone does not say whose quota it is.
 */
export function inTeam<T>(name: unknown, check: () => T): T {
  return withContext('team', name, check);
}

/** Why a team's secret never reaches pull requests on Woodpecker. */
const WOODPECKER_PULL_REQUESTS = 'a team\'s pull requests run in the engine\'s shared build namespace, which holds no secret of the team\'s';

/**
 * Refuse the events of a team's pipeline secret that would not do what they say, where the engine's own checks
 * would name the team's route, which its owners never wrote, or say nothing: `allowPullRequests` without
 * `PULL_REQUEST` in `events` (it only allows listing it), and on Woodpecker, where the secret is a Secret of the
 * team's build namespace (`WoodpeckerCi`), pull requests, which run in the engine's shared build namespace, events
 * the team's route does not run (`TeamProps.events`), which run there too, and fewer events than the route runs in
 * the build namespace, whose every pipeline could read it.
 */
function checkTeamSecretEvents(props: TeamPipelineSecretProps, engine: CiEngineKind, routeEvents: readonly PipelineEvent[]): void {
  const events = props.events ?? undefined;
  const pullRequests = Array.isArray(events) && events.includes(PipelineEvent.PULL_REQUEST);
  const woodpecker = engine === CiEngineKind.WOODPECKER;
  if (woodpecker && props.allowPullRequests === true) {
    invalid('allowPullRequests', props.allowPullRequests, `must not be set on Woodpecker: ${WOODPECKER_PULL_REQUESTS}`);
  }
  if (props.allowPullRequests === true && !pullRequests) {
    invalid('allowPullRequests', props.allowPullRequests, `gives nothing without ${PipelineEvent.PULL_REQUEST} in events, which ` +
      `${events === undefined ? 'is unset: every event but pull requests' : 'leaves it out'}; list the events, ${PipelineEvent.PULL_REQUEST} among them`);
  }
  // an empty list is the engine's to refuse, as on Drone
  if (!woodpecker || !Array.isArray(events) || events.length === 0) {
    return;
  }
  if (pullRequests) {
    invalid('events', events, `must not include ${PipelineEvent.PULL_REQUEST} on Woodpecker: ${WOODPECKER_PULL_REQUESTS}`);
  }
  const outside = events.filter((e) => !routeEvents.includes(e));
  if (outside.length > 0) {
    // the engine would refuse it only at synth, for a route its owners never wrote
    invalid('events', events, `${outside.join(', ')} must be among the events of the team's route (${routeEvents.join(', ')}) on Woodpecker: ` +
      'the team\'s other events run on the pool agent, in the engine\'s default build namespace, where no secret of the team\'s lies');
  }
  const missing = routeEvents.filter((e) => !events.includes(e));
  if (missing.length > 0) {
    invalid('events', events, `must include every event of the team's route (${routeEvents.join(', ')}) on Woodpecker, or be left unset: the ` +
      `secret is a Secret of the team's build namespace, which its pipelines of ${missing.join(', ')} could read as well`);
  }
}

/**
 * The name of every team's deploy identity: its ServiceAccount (in the team's build namespace), Role and RoleBinding
 * (in each app namespace). `TEAM_PLATFORM_OBJECT_CHECKS` knows the deploy identity by it.
 */
export const TEAM_DEPLOYER = 'deployer';
/** The Role and RoleBinding of the team's members, in each of its namespaces. */
const MEMBERS = 'team-members';

/**
 * The labels of a team namespace: the team's, what the namespace is for (`TEAM_NAMESPACE_ROLE_LABEL`) and, given a
 * platform name, the platform's (`TEAM_PLATFORM_LABEL`). Without one the labels are as before platform names existed.
 */
function teamLabels(name: string, role: 'app' | 'build' | 'pull-requests', platformName: string | undefined): Record<string, string> {
  return { [TEAM_LABEL]: name, [TEAM_NAMESPACE_ROLE_LABEL]: role, ...(platformName === undefined ? {} : { [TEAM_PLATFORM_LABEL]: platformName }) };
}

/** A team's props, checked, and what it asks of the CI engine. */
interface TeamPlan {
  readonly name: string;
  readonly repos: readonly string[];
  readonly namespaces: readonly string[];
  readonly buildNamespace: string;
  /** On a dedicated runner: where pull requests run, its default build namespace. */
  readonly pullRequestNamespace?: string;
  readonly registryQuotaGiB: number;
  /** The quota of each app namespace. */
  readonly quota: CheckedTeamQuota;
  /** The route of every event but pull requests (`events`, `branches` if given): into the build namespace, as the deploy identity. */
  readonly route: CiRouteProps;
  /** The team's members, and what they may do in its app namespaces. */
  readonly members: ReturnType<typeof checkMembers>;
}

/** The construct ID and name a team's secret gets on the engine: both prefixed with the team's name. */
function teamSecret(team: string, id: string, name: string): { readonly id: string; readonly name: string } {
  return { id: `${team}-${id}`, name: `${team}-${name}` };
}

/** The pipeline secret with the team's push login (`Team.addPipelineSecret`). */
const PUSH_SECRET = { id: 'HarborPush', name: 'harbor-push', login: 'push' };
/** The pull secret with the team's pull login, for its pipelines' step images. */
const PULL_SECRET = { id: 'HarborPull', name: 'harbor-pull', login: 'pull' };

/**
 * Refuse a pipeline secret name ending as a team's Harbor logins' names end: a team's names are `<team>-<name>`, so
 * `eng-harbor-pull` of team `ops` is `ops-eng-harbor-pull`, the name of team `ops-eng`'s pull login, and adding that
 * team would be refused over a name its owners never wrote.
 */
function checkNotLoginName(team: string, name: string): void {
  for (const secret of [PUSH_SECRET, PULL_SECRET]) {
    if (name.endsWith(`-${secret.name}`)) {
      const other = `${team}-${name.slice(0, -secret.name.length - 1)}`;
      invalid('name', name, `must not end in "-${secret.name}": "${team}-${name}" is the name of the ${secret.login} login of a team named ` +
        `"${other}"; choose another name`);
    }
  }
}

/** A Harbor robot of a team: its name and options. */
interface TeamRobot {
  readonly name: string;
  readonly options: RobotOptions;
}

/** The team's push robot: pushes to its own project. */
function pushRobotOf(team: string): TeamRobot {
  return { name: `${team}-push`, options: { permissions: [RobotPermission.push(team)], description: `the ${team} team's pipelines push images` } };
}

/** The names of a team's robots, push and pull, without Harbor's `robot$` prefix. */
export function teamRobotNames(team: string): string[] {
  return [pushRobotOf(team).name, pullRobotOf(team, []).name];
}

/** The team's pull robot: pulls from its own project and the shared ones. */
function pullRobotOf(team: string, sharedProjects: readonly string[]): TeamRobot {
  return {
    name: `${team}-pull`,
    options: {
      permissions: [RobotPermission.pull(team), ...sharedProjects.map((p) => RobotPermission.pull(p))],
      description: `the ${team} team's namespaces pull images`,
    },
  };
}

/**
 * Refuse a team on a Drone runner whose `limitEvents` hold none of the events a team's route runs (every event but
 * pull requests): the runner, or the team's dedicated runner, which takes them, would fail every pipeline the route
 * places (see `DroneKubeRunner.addPolicy`). Named as the runner's prop, which the platform sets: a team has no
 * events to give.
 */
function checkRunnerEvents(limitEvents: readonly PipelineEvent[] | undefined, team: string): void {
  if (limitEvents !== undefined && !DEFAULT_EVENTS.some((e) => limitEvents.includes(e))) {
    invalid('limitEvents', limitEvents, `must include one of the events a team's route runs (${DEFAULT_EVENTS.join(', ')}) on the ` +
      `platform's Drone runner (a team's dedicated runner takes them too): it would fail every pipeline of team ${describeValue(team)}`);
  }
}

/**
 * Check a team against the engine and Harbor it is built on, changing nothing: every refusal of `new Team` comes
 * from here but one, the engine's `addBuildNamespace` (a namespace it has already, e.g. one it was given with
 * `create: false`), which refuses before it changes anything and so comes first. A team that is refused therefore
 * leaves the app, the engine and Harbor as they were, and its name free. Each check is the one its construct or
 * `add*` call runs, run ahead: O(the team's size), never O(the number of teams).
 */
function checkTeam(ctx: TeamContext, props: TeamProps): TeamPlan {
  // first, as `teamNamespaces` checks it, so a misspelt `repos` is refused as such, not as missing repos
  checkTeamProps(props);
  const name = checkTeamName(props.name, ctx.ci);
  const repos = checkPipelineAccess({ repos: props.repos }).repos;
  const { namespaces, buildNamespace, pullRequestNamespace } = teamNamespaces(props, ctx.ci);
  if (namespaces.includes(buildNamespace)) {
    invalid('buildNamespace', buildNamespace, 'must not be one of the app namespaces: untrusted builds and the apps they deploy stay apart');
  }
  if (pullRequestNamespace !== undefined && namespaces.includes(pullRequestNamespace)) {
    invalid('pullRequestNamespace', pullRequestNamespace, 'must not be one of the app namespaces: pull requests, forks\' included, and the ' +
      'team\'s apps stay apart');
  }
  if (pullRequestNamespace === buildNamespace) {
    invalid('pullRequestNamespace', pullRequestNamespace, 'must differ from buildNamespace: pull requests, forks\' included, must not run ' +
      'beside the deploy identity, the team\'s pull secret and the API server\'s egress');
  }
  const registryQuotaGiB = checkStorageLimitGiB('registryQuotaGiB', props.registryQuotaGiB ?? 20);
  // the default permissions hold (DeployAccess and a test check them once): a thousand teams take them
  if (props.deployPermissions !== undefined) {
    checkTeamBoundaries('deployPermissions', DeployAccess.checkPermissions('deployPermissions', props.deployPermissions));
  }
  const quota = checkTeamQuota(props.quota);
  const members = checkMembers(props, ctx);
  if (props.dedicatedRunner && !(ctx.ci instanceof DroneCi)) {
    invalid('dedicatedRunner', true, `must be false on ${ctx.ci.kind}: every route there runs on agents of its own already`);
  }
  // events and branches only when given: a team without them routes as it always did
  const route: CiRouteProps = { name, repos: [...repos], namespace: buildNamespace, serviceAccountName: TEAM_DEPLOYER, ...checkTeamRoute(props, ctx.ci.kind) };
  if (ctx.ci instanceof DroneCi) {
    checkRunnerEvents(ctx.ci.runner.buildSettings.limitEvents, name);
  }
  if (props.dedicatedRunner && ctx.ci instanceof DroneCi && pullRequestNamespace !== undefined) {
    // the team's own runner runs in the shared runner's namespace (DroneKubeRunner refuses a build namespace there),
    // its default build namespace the pull requests', and the route goes to it as its first policy
    DroneKubeRunner.checkBuildNamespace('buildNamespace', buildNamespace, ctx.ci.runner.namespace);
    DroneKubeRunner.checkBuildNamespace('pullRequestNamespace', pullRequestNamespace, ctx.ci.runner.namespace);
    DroneKubeRunner.checkFirstPolicy({ ...route, exclusive: false }, pullRequestNamespace, ctx.ci.runner.buildSettings.limitEvents, [buildNamespace]);
  }
  // a dedicated runner takes the build namespace and the route; the pipeline and pull secrets go to the platform's engine
  ctx.ci.checkAdditions?.({
    buildNamespaces: props.dedicatedRunner ? [] : [buildNamespace],
    routes: props.dedicatedRunner ? [] : [route],
    pipelineSecrets: [{ ...teamSecret(name, PUSH_SECRET.id, PUSH_SECRET.name), repos: [...repos], ...routeEventsOf(route) }],
    pullSecrets: [{ ...teamSecret(name, PULL_SECRET.id, PULL_SECRET.name), repos: [...repos], ...routeEventsOf(route) }],
  });
  ctx.harbor.checkProject(name, { storageLimitGiB: registryQuotaGiB, members: members.projectMembers });
  for (const robot of [pushRobotOf(name), pullRobotOf(name, ctx.sharedProjects)]) {
    ctx.harbor.checkRobot(robot.name, robot.options, [name]);
  }
  // last, after the refusals that say more of a namespace (the runner's own, say): one made outside the app (as
  // Harbor's may be) in which a component of the app runs, whose Secrets the team's deploy identity could read and
  // whose pods it could patch or replace (`TeamPlatform` refuses one placed there later, at synth)
  for (const [prop, ns] of teamNamespaceList({ namespaces, buildNamespace, pullRequestNamespace })) {
    const component = placedIn(ctx.harbor, ns)[0];
    if (component !== undefined) {
      invalid(prop, ns, `must be a namespace of the team's own: ${component.node.path} runs in it already, whose pods, Secrets and data the ` +
        `team's deploy identity and members would reach${defaultedNamespace(props, prop)}`);
    }
  }
  return { name, repos, namespaces, buildNamespace, pullRequestNamespace, registryQuotaGiB, quota, route, members };
}

/**
 * The events of a team's own grants when its route names them (`TeamProps.events`), as `{ events }`: on Woodpecker a
 * secret goes only to routed events. None otherwise, so that a team without them grants as it always did.
 */
function routeEventsOf(route: CiRouteProps): { events?: PipelineEvent[] } {
  return route.events === undefined ? {} : { events: [...route.events] };
}

/** What a team is built on: the platform's shared parts, from `TeamPlatform`. */
export interface TeamContext {
  /** The CI engine, which gets the team's build namespace, route and pipeline secrets. */
  readonly ci: ICiEngine;
  /** The Harbor that holds the team's project and robots. */
  readonly harbor: Harbor;
  /** Who may reach the team's applications: the ingress controller or the Gateway. */
  readonly ingressPeers: readonly NetworkPeer[];
  /** Harbor projects every team's pull robot may pull from, e.g. the Docker Hub proxy cache. */
  readonly sharedProjects: readonly string[];
  /**
   * Logins to registries other than Harbor that the team's pull secret holds beside its robot's
   * (`TeamPlatformProps.sharedLogins`).
   *
   * @default - none
   */
  readonly sharedLogins?: readonly RegistryCredential[];
  /** The egress rules of app namespaces: DNS and the internet without the cluster's ranges. */
  readonly appEgress: readonly BuildEgressRule[];
  /**
   * The API server's prefixes of OIDC groups and usernames, put before members' names in RoleBindings.
   *
   * @default - none
   */
  readonly subjectPrefixes?: SubjectPrefixes;
  /**
   * The platform's name among others in the cluster (`TeamPlatformProps.platformName`), put on every team namespace
   * as `TEAM_PLATFORM_LABEL` and selected by the team's NetworkPolicies.
   *
   * @default - none: the team's namespaces are selected by the team's name alone
   */
  readonly platformName?: string;
}

/** Props of `Team.addPipelineSecret`. */
export interface TeamPipelineSecretProps {
  /** The name within the team: the Secret is `<team>-<name>`, a pipeline's `get.path`. */
  readonly name: string;
  /** The keys (a pipeline's `get.name`) and their values. */
  readonly values: Readonly<Record<string, SecretValue>>;
  /**
   * The events whose builds get it. On Woodpecker a team's secret is a Secret of its build namespace, which every
   * pipeline its route runs there may read: leave it unset there (a narrower list is refused, and so is an event the
   * route does not run, `TeamProps.events`).
   *
   * @default - the events of the team's route: every event but pull requests unless `TeamProps.events` says fewer
   */
  readonly events?: readonly PipelineEvent[];
  /**
   * Allow `PipelineEvent.PULL_REQUEST` in `events`, which it must then list: pull requests may come from forks, and
   * run code nobody on the team has reviewed. It gives nothing by itself (the default events leave pull requests out),
   * so it is refused without `PULL_REQUEST` in `events`. Drone only: on Woodpecker a team's pull requests run in the
   * engine's shared build namespace, which holds no secret of the team's.
   *
   * @default false
   */
  readonly allowPullRequests?: boolean;
}

/**
 * One application team on the shared platform (`TeamPlatform.addTeam`): its app namespaces under Pod Security
 * "restricted" with a quota, default requests and limits and a default-deny NetworkPolicy that admits only the
 * team's own namespaces and the ingress controller; a build namespace under a runner policy for its repositories
 * (and on a dedicated runner a namespace of its pull requests, `pullRequestNamespace`); a deploy identity that
 * reaches only its app namespaces; a Harbor project with a storage quota; a push robot for its pipelines and a pull
 * robot for its namespaces; and pipeline secrets for its repositories only.
 *
 * Teams never see each other's Secrets, namespaces or projects: every grant names the team's repositories,
 * namespaces or project, and NetworkPolicies select the team's namespaces by `dockyard.dev/team`.
 */
export class Team extends Construct {
  /** The team's name. */
  public readonly teamName: string;
  /** Its repositories. */
  public readonly repos: readonly string[];
  /** Its app namespaces. */
  public readonly namespaces: readonly string[];
  /** The namespace its pipelines run in for every event but pull requests (its route's, `TeamProps.events`), as its deploy identity. */
  public readonly buildNamespace: string;
  /**
   * On a dedicated runner, the namespace its pull requests run in, as `default` (`TeamProps.pullRequestNamespace`);
   * `undefined` on the shared runner, whose default build namespace they run in.
   */
  public readonly pullRequestNamespace?: string;
  /**
   * The CI engine its pipelines run on: the platform's, or one with its own Drone runner (`dedicatedRunner`), whose
   * grants hold the team's route, pipeline secrets and pull secret. Check the team's typed pipelines against it
   * (`RepositoryPipelines.engine`).
   */
  public readonly ci: ICiEngine;
  /** The deploy identity: a ServiceAccount in the build namespace, bound in every app namespace. */
  public readonly deployer: DeployAccess;
  /** The Harbor project. */
  public readonly project: string;
  /** The robot the team's pipelines push with (`<team>-push`, for push, tag and promote builds). */
  public readonly pushRobot: HarborRobot;
  /** The robot its namespaces pull with. */
  public readonly pullRobot: HarborRobot;
  /** The pull secret `<team>-pull`: on the app namespaces' `default` accounts and on the deploy identity. */
  public readonly pullSecret: PullSecret;
  /**
   * The engine's grants this team made, as `<kind>\0<name>` (`GrantKind`): a platform grant is any other.
   *
   * @internal
   */
  public readonly _grants = new Set<string>();
  /** Every pod of the team's app namespaces, as a NetworkPolicy peer, e.g. for a database's `grantConnect`. */
  public readonly appPeer: NetworkPeer;
  /** The team's members (`TeamProps.members`), bound in its namespaces. */
  public readonly members: readonly TeamMember[];
  /** Whether the team lists its members, if none (`members: []`): its namespaces then keep the members' Roles. */
  private readonly membersDeclared: boolean;
  /** The team's route, as given to the engine: its events and branches among it (`TeamProps.events`, `branches`). */
  private readonly route: CiRouteProps;

  private readonly ctx: TeamContext;
  private readonly firewalls: PodFirewall[] = [];

  /**
   * Teams are made by `TeamPlatform.addTeam`, which also keeps teams from sharing repositories or namespaces and takes
   * back a team refused halfway (the engine refusing its build namespace). Made directly, a refused team may leave its
   * half-built construct behind: remove it with `scope.node.tryRemoveChild(id)`.
   */
  public constructor(scope: Construct, id: string, ctx: TeamContext, props: TeamProps) {
    // everything that can refuse the team is checked before its construct exists
    const plan = inTeam(props.name, () => checkTeam(ctx, props));
    super(scope, id);
    this.ctx = ctx;
    const name = plan.name;
    this.teamName = name;
    this.repos = plan.repos;
    this.namespaces = plan.namespaces;
    this.buildNamespace = plan.buildNamespace;
    this.pullRequestNamespace = plan.pullRequestNamespace;
    this.members = plan.members.members;
    this.membersDeclared = props.members !== undefined;
    this.route = plan.route;
    if (!props.dedicatedRunner) {
      // the one step that may still refuse (see `checkTeam`), before anything else changes; should it throw,
      // `TeamPlatform.addTeam` removes this construct again, as it does whatever throws here
      ctx.ci.addBuildNamespace(this.buildNamespace, { labels: teamLabels(name, 'build', ctx.platformName) });
    }
    const labels = { ...componentLabels({ name: 'dockyard', instance: name, component: 'team' }), [TEAM_LABEL]: name };
    this.appPeer = NetworkPeer.namespaces(teamLabels(name, 'app', ctx.platformName));

    // the app namespaces: restricted, bounded, closed to everyone but the team and the ingress controller
    for (const ns of this.namespaces) {
      const scope_ = new Construct(this, ns);
      new Namespace(scope_, 'Namespace', { name: ns, podSecurity: PodSecurityLevel.RESTRICTED, labels: teamLabels(name, 'app', ctx.platformName) });
      new TeamQuotaObjects(scope_, 'Quota', ns, labels, plan.quota);
      const firewall = new PodFirewall(scope_, 'NetworkPolicy', { name: 'team-default-deny', namespace: ns, podLabels: {}, denyEgress: true });
      firewall.allowFrom([this.appPeer, ...ctx.ingressPeers], []);
      firewall.allowEgress([this.appPeer], []);
      for (const rule of ctx.appEgress) firewall.allowEgress(rule.peers, rule.ports);
      this.firewalls.push(firewall);
      this.bindMembers(scope_, 'Members', ns, plan.members.permissions, labels);
    }

    // the deploy identity lives in the build namespace and reaches exactly the app namespaces
    let dedicated: DroneKubeRunner | undefined;
    if (props.dedicatedRunner && ctx.ci instanceof DroneCi && this.pullRequestNamespace !== undefined) {
      // its own runner, in the platform's namespace, whose default build namespace, where its guards and catch-all
      // place pull requests (forks' included), is the team's pull-request namespace: never the build namespace, which
      // holds the deploy identity, a copy of the team's pull secret and the API server's egress, and where a trusted
      // repository's pipeline, a fork's pull request too, could mount a Secret (drone-runner-kube v1.0.0-rc.5
      // engine/linter/linter.go:130-198). The Namespaces are defined here so that they carry the team's labels beside
      // the runner's
      dedicated = new DroneKubeRunner(this, 'Runner', {
        // the shared runner's images, build limits, guards and the like: its pipelines run as the shared pool's do
        ...ctx.ci.runner.buildSettings,
        // beside the shared runner, the server and the secrets extension (as `checkTeam` expects it)
        server: ctx.ci.server, secretsExtension: ctx.ci.secretsExtension, name: `drone-runner-${name}`, namespace: ctx.ci.runner.namespace,
        buildNamespace: this.pullRequestNamespace, extraBuildNamespaces: [this.buildNamespace], createBuildNamespaces: false,
        labels: { team: name }, limitRepos: [...this.repos], buildPodSecurity: ctx.ci.runner.buildPodSecurity,
        // the shared builds' egress: pull requests from forks run here, and must reach no more than in the shared pool
        // (the API server's public address, NodeLocal DNS, an air gap), nor less (the registry, the git server)
        buildEgress: ctx.ci.runner.buildEgress,
      });
      ctx.ci.runner.shareBuildEgressWith(dedicated);
      // a pipeline of the team's without `node:` reaches the shared runner, and the secrets extension serves it the
      // team's credentials by repository: the shared runner fails it before any Secret is written. The build namespace
      // stays closed to other repositories in the shared runner's namespace rules: a team that left the shared runner
      // leaves its Role there in the cluster unless the apply prunes
      ctx.ci.runner.leaveRepos([...this.repos], this.pullRequestNamespace, [this.buildNamespace]);
      new Namespace(this, 'BuildNamespace', {
        name: this.buildNamespace, podSecurity: dedicated.buildPodSecurity, labels: { ...teamLabels(name, 'build', ctx.platformName), ...dedicated.buildNamespaceLabels },
      });
      // its own role: no selector of the team's app (`appPeer`) or build namespaces takes it
      new Namespace(this, 'PullRequestNamespace', {
        name: this.pullRequestNamespace, podSecurity: dedicated.buildPodSecurity,
        labels: { ...teamLabels(name, 'pull-requests', ctx.platformName), ...dedicated.buildNamespaceLabels },
      });
      this.ci = new DroneCi(this, 'Ci', { server: ctx.ci.server, runner: dedicated, secretsExtension: ctx.ci.secretsExtension });
    } else {
      this.ci = ctx.ci;
    }
    this.deployer = new DeployAccess(this, 'Deploy', {
      name: TEAM_DEPLOYER, namespace: this.namespaces[0], serviceAccountNamespace: this.buildNamespace, permissions: props.deployPermissions,
    });
    this.namespaces.slice(1).forEach((ns) => this.deployer.addNamespace(ns));
    // the team's builds, which its members may read: in its build namespace, and on a dedicated runner the pull
    // requests' (the shared pool's holds other teams' pull requests: no member reads there)
    this.bindMembers(this, 'BuildMembers', this.buildNamespace, buildMemberPermissions(this.ci.kind), labels);
    if (dedicated && this.pullRequestNamespace !== undefined) {
      this.bindMembers(this, 'PullRequestMembers', this.pullRequestNamespace, buildMemberPermissions(this.ci.kind), labels);
    }
    // the route's events (every event but pull requests, unless `events` says fewer) run in the build namespace as the
    // deploy identity, on Woodpecker only on `branches` if given; the Drone runner pins the same
    // repositories' pull requests to its default namespace as `default` (a guard policy): the shared pool, or on a
    // dedicated runner the team's pull-request namespace; on Woodpecker, pull requests never reach the route's agents
    const route = plan.route;
    this._grants.add(`route\0${route.name}`);
    if (dedicated) {
      dedicated.addPolicy({ ...route, exclusive: false });
      this.ci.grants.addRoute(name, this.buildNamespace, route.serviceAccountName, route);
    } else {
      this.ci.addRoute(route);
      // the order of the addTeam calls is no part of the shared runner's configuration: see `_placeAmongTeams`
      if (ctx.ci instanceof DroneCi) ctx.ci.runner._placeAmongTeams(route.name, name);
    }

    // Harbor: the project, a robot to push from pipelines and one to pull into the namespaces
    this.project = name;
    ctx.harbor.addProject(name, { storageLimitGiB: plan.registryQuotaGiB, members: plan.members.projectMembers });
    const [push, pull] = [pushRobotOf(name), pullRobotOf(name, ctx.sharedProjects)];
    this.pushRobot = ctx.harbor.addRobot(push.name, push.options);
    this.pullRobot = ctx.harbor.addRobot(pull.name, pull.options);
    // recorded in the secret state as a team's: the platform, not Harbor, warns of them when the team leaves unretired
    [push.name, pull.name].forEach((robot) => ctx.harbor._declaredForTeam(robot));
    this.pullSecret = new PullSecret(this, 'PullSecret', {
      // the team's own login, listed in its namespaces only: never the app-wide pull secret of Harbor
      name: `${name}-pull`, namespace: this.namespaces[0], appWide: false,
      // and the platform's shared logins (an image mirror's), which its build pods need for the engine's clone image
      credentials: [RegistryCredential.harborRobot(ctx.harbor.host, this.pullRobot), ...ctx.sharedLogins ?? []],
      // not the build namespace's `default` account, nor the pull-request namespace's: a fork's pull request must not
      // pull the team's images; the deploy identity gets the secret instead, which copies it to the build namespace
      namespaces: [...this.namespaces],
    });
    this.deployer.addImagePullSecret(this.pullSecret.secret);

    // pipeline secrets, for the team's repositories only
    this.addPipelineSecret(PUSH_SECRET.id, {
      name: PUSH_SECRET.name,
      // the team's own robot, pushing to the team's own project, for every event its route runs (all but pull
      // requests, or `events`; events unset here take the route's): on Woodpecker a namespace's Secrets reach every
      // pipeline that runs there, so the two must agree
      values: {
        docker_config: SecretValue.dockerConfigJson([{ registry: ctx.harbor.host, username: this.pushRobot.username, password: this.pushRobot.secret }]),
      },
    });
    // the team's pull login for its pipelines' step images: a pipeline secret on Drone, a pull secret of the team's
    // build namespace on Woodpecker
    const pullLogin = teamSecret(name, PULL_SECRET.id, PULL_SECRET.name);
    ctx.ci.addImagePullSecret(pullLogin.id, {
      name: pullLogin.name, repos: [...this.repos], ...routeEventsOf(this.route), dockerConfig: SecretValue.copyOf(this.pullSecret.dockerConfig),
    });
    // recorded once made: a grant the engine refused is no grant of the team's
    this._grants.add(`pull secret\0${pullLogin.name}`);
    this.recordOnOwnEngine(pullLogin.name);
  }

  /**
   * Record the team's secret or pull secret `name`, made on the platform's engine, in the grants of the team's own
   * engine too (`ci`, on a dedicated runner): its typed pipelines are checked against those, and the platform's
   * secrets extension, which that engine shares, serves it to them. Without it a pipeline of the team's could name
   * none of its own secrets ("it declares none"). The platform's own grants never reach a team's repositories
   * (`TeamPlatform.addTeam` refuses an overlap), so the team's are all its pipelines get.
   */
  private recordOnOwnEngine(name: string): void {
    if (this.ci === this.ctx.ci) {
      return;
    }
    // the access as granted, checked already: pull requests among its events were allowed then
    const access = (g: { readonly repos: readonly string[]; readonly events: readonly PipelineEvent[] }): PipelineAccess =>
      ({ repos: [...g.repos], events: [...g.events], allowPullRequests: g.events.includes(PipelineEvent.PULL_REQUEST) });
    const secret = this.ctx.ci.grants.secrets.get(name);
    if (secret !== undefined) {
      this.ci.grants.addSecret(secret.name, secret.keys, access(secret), secret.values);
    }
    const pull = this.ctx.ci.grants.pullSecrets.get(name);
    if (pull !== undefined) {
      this.ci.grants.addPullSecret(pull.name, access(pull), pull.namespaces);
    }
  }

  /**
   * A pipeline secret for the team's repositories only: the Secret `<team>-<name>`, which no other repository's
   * pipelines can read (Drone's secrets extension, or Woodpecker's route namespaces).
   */
  public addPipelineSecret(id: string, props: TeamPipelineSecretProps): ISecret {
    return inTeam(this.teamName, () => {
      checkNotLoginName(this.teamName, checkDnsLabel('name', props.name));
      checkTeamSecretEvents(props, this.ci.kind, this.route.events ?? DEFAULT_EVENTS);
      const secret = teamSecret(this.teamName, id, props.name);
      const made = this.ctx.ci.addPipelineSecret(secret.id, {
        // unset, the events of the team's route (`TeamProps.events`), which are the engine's default unless given
        name: secret.name, repos: [...this.repos], values: props.values, events: props.events ?? routeEventsOf(this.route).events,
        allowPullRequests: props.allowPullRequests,
      });
      // recorded once made: a secret the engine refused is no grant of the team's
      this._grants.add(`pipeline secret\0${secret.name}`);
      this.recordOnOwnEngine(secret.name);
      return made;
    });
  }

  /**
   * Bind the team's members, if any, to a Role `team-members` in `namespace` with `permissions`: one Role and one
   * RoleBinding for them all, so that a member added or gone changes one list.
   */
  private bindMembers(scope: Construct, id: string, namespace: string, permissions: readonly DeployPermission[], labels: Record<string, string>): void {
    // `members: []` keeps the Role and its RoleBinding, bound to no one, so that a plain `kubectl apply` takes the
    // access back: objects that leave the manifests stay in the cluster unless the apply prunes
    if (!this.membersDeclared) {
      return;
    }
    new NamespacedAccess(scope, id, {
      name: MEMBERS, namespace, labels, rules: permissions.map((p) => p._toRule()), subjects: this.members.map((m) => m._toSubject(this.ctx.subjectPrefixes ?? NO_PREFIXES)),
    });
  }

  /**
   * Let the team's app pods open connections to `peer` on `ports` (TCP), e.g. a database the platform runs for
   * them; nothing else of the cluster is reachable from them.
   */
  public allowEgress(peer: NetworkPeer, ports: number[]): void {
    inTeam(this.teamName, () => {
      if (!Array.isArray(ports) || ports.length === 0) {
        invalid('ports', ports, 'must list at least one port: apps reach only what they need');
      }
      checkUniqueList('ports', ports).forEach((port) => checkPort('ports', port));
    });
    for (const firewall of this.firewalls) firewall.allowEgress([peer], ports.map((port) => ({ protocol: 'TCP' as const, port })));
  }
}
