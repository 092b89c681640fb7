import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  checkRequiredObject, checkDnsLabel, DockyardChart, checkKnownProps, checkList, checkListOf, checkPort, checkUniqueList, describeValue, invalid, isDnsLabel, isNamespaceDefined, NetworkPeer,
  sameRegistryHost,
} from '../core';
import { claimNamespace, describeOwnedNamespace, namespaceBuilder, namespaceOwner } from '../core/namespace-claims';
import { checkOutputShards, routeNamespaces, shardOf, splitChartOutput } from '../core/output-shards';
import { placements } from '../core/placement';
import { reaches } from '../core/in-tree';
import { onSecretRecord, SecretRecordView } from '../core/secret-record-review';
import { warnOnce } from '../core/warn';
import { parseCidr } from '../core/network';
import { CI_ENGINE_RULE, CiEngineKind, ICiEngine, PipelineEvent } from '../ci';
import { baseEgressRules, BuildEgressProps, internetRuleReaches, nonEndpointRangeOf } from '../ci/build-egress';
import { RepoPatternIndex } from '../ci/repo-pattern-index';
import { repoOwnerOf } from '../ci/repo-owners';
import { DroneCi } from '../drone';
import { Harbor } from '../harbor';
import { RegistryCredential } from '../registry';
import { ADMISSION_POLICY_PROPS_SHAPE, TeamAdmissionPolicy, TeamAdmissionPolicyProps } from './admission-policy';
import { reposOverlap } from '../ci/repo-overlap';
import { checkSubjectPrefix, SubjectPrefixes } from './team-member';
import { checkTeamRoute } from './team-route';
import { neitherOnboardsNorRetires, watchLeftTeamsOfStack } from './left-teams';
import { anotherStackOfTeam, leftTeamWarning, noteTeamsElsewhere, noteTeamsLeft, recordedAsHarbors, teamPlatformsOf } from '../harbor/left-robots';
import { retireTeamExample } from '../woodpecker/closed-agents';
import {
  checkTeamName, checkTeamPropsObject, defaultedNamespace, inTeam, MAX_TEAM_NAME, Team, teamNamespaceList, teamNamespaces, TeamProps, teamRobotNames,
} from './team';

/** What each namespace prop of a team gives, as refusals of the namespace name it (`describeOwnedNamespace`). */
const TEAM_NAMESPACE_ROLES = { namespaces: 'app namespace', buildNamespace: 'build namespace', pullRequestNamespace: 'pull-request namespace' } as const;

/** The least prefix length of an `apiServer` block, by family: 16 addresses at most. */
const MIN_API_SERVER_PREFIX_LENGTH = { 4: 28, 6: 124 } as const;

/** Props of a `TeamPlatform`. */
export interface TeamPlatformProps {
  /**
   * The CI engine: teams' build namespaces, routes and pipeline secrets are added to it. On Woodpecker a team's
   * repositories must be exact (`owner/name`), as its agents match one repository each.
   */
  readonly ci: ICiEngine;
  /** The Harbor that holds the teams' projects and robots. */
  readonly harbor: Harbor;
  /**
   * Who may reach the teams' applications: the ingress controller's or the Gateway's pods, e.g.
   * `ServiceExposure.proxyPeer` of the exposure the platform uses.
   *
   * @default - every pod of the namespace "ingress-nginx"
   */
  readonly ingressPeers?: readonly NetworkPeer[];
  /**
   * Harbor projects every team's pull robot may pull from besides its own, e.g. the Docker Hub proxy cache. A team's
   * build pods pull with that robot, the engine's clone image included: synth refuses a team whose build pods would
   * pull such an image from a private project left out here (e.g. relocated through a private proxy cache). Each
   * must be "library" or a project added to `harbor` (`addProject`, `addProxyCache`) before the first `addTeam`, which
   * refuses one that is not, naming `sharedProjects`.
   *
   * @default - none
   */
  readonly sharedProjects?: readonly string[];
  /**
   * Logins to registries other than Harbor that every team's pods pull from: an image mirror that takes a login, to
   * which the platform relocates its images (`Images.relocateAll`), the engines' clone images among them, which every
   * team's build pods pull. Each team's pull secret `<team>-pull` holds these beside its pull robot's login, so they
   * reach its app namespaces, its deploy identity (its build pods) and its pipelines' pull login.
   *
   * Every team's pods, pipelines and members who may read Secrets in its namespaces can read them: give a login that
   * may only pull, never one that reaches more (a cloud API token, say). Harbor's host is refused: a team pulls from
   * Harbor with its own robot (see `sharedProjects`).
   *
   * @default - none: teams pull from Harbor, and from registries that take no login
   */
  readonly sharedLogins?: readonly RegistryCredential[];
  /**
   * Namespaces that no team may claim, beside those the app defines, "default", the "kube-" namespaces and the
   * ingress controller's: those that something outside the app installs in the cluster, e.g. cert-manager's.
   * A team claiming one is refused at `addTeam`, naming the prop that gave it.
   *
   * @default - none
   */
  readonly reservedNamespaces?: readonly string[];
  /**
   * The Kubernetes API server's endpoints, which each team's build namespace may reach on `apiServerPort`: an egress
   * rule there, and in no other namespace. Every event but pull requests (on Woodpecker those of the
   * team's `events` and `branches`, if given) runs there, as the team's deploy identity.
   * Pull requests, forks' included, run elsewhere and do not reach the endpoints: in the shared pool, or on a
   * dedicated runner (`TeamProps.dedicatedRunner`) in the team's `pullRequestNamespace`.
   *
   * Every other build and app pod is kept from the endpoints only by the internet rule of its egress, which leaves
   * out the private, shared and link-local ranges (10/8, 172.16/12, 192.168/16, 100.64/10, …): a private endpoint is
   * out of reach already, unless a rule of their own admits it (`Team.allowEgress`, `allowBuildEgress`, which are not
   * checked against it, whether the endpoints are private or public). A public one (an ipBlock the internet rule
   * would let through) the platform takes out of the app pods' internet rule itself (added to
   * `appEgress.apiServerCidrs`), and it refuses an engine whose build egress lets it through: add it to
   * `buildEgress.apiServerCidrs` of the Drone runner (a team's dedicated runner takes the shared one's) or of
   * `WoodpeckerCi`. An engine that does not tell its build egress (`ICiEngine.buildEgress`) is not checked.
   *
   * NetworkPolicies match after the `kubernetes` Service's address is translated (for most network plugins), so
   * name the endpoints (`kubectl -n default get endpointslice kubernetes`), e.g. `NetworkPeer.ipBlock('10.0.0.1/32')`, not the
   * Service's ClusterIP. It must be an ipBlock of at most 16 addresses (a /28, or /124 for IPv6), clear of loopback
   * and link-local ranges, where no endpoint lies: every team's builds reach the whole block.
   *
   * For endpoints in several blocks (a control plane across zones, such as EKS's endpoints in two subnets), use
   * `apiServers`.
   *
   * With neither this nor `apiServers`, on an engine whose `buildEgress.apiServerCidrs` names blocks, the synth warns,
   * naming them: the teams' deploy pipelines cannot reach them, and the app pods reach a public one. It is no refusal,
   * as a platform may mean its teams to have no API access: `apiServers: []` says so, and silences it.
   *
   * @default - none: deploy pipelines cannot reach the API server until it is declared
   */
  readonly apiServer?: NetworkPeer;
  /**
   * The API server's endpoints, when they are more than one block: each is checked and reached as `apiServer` is.
   * Set this or `apiServer`, not both. An empty list says the teams are to have no API access: as with neither set, no
   * build namespace reaches the API server, and the synth does not warn that the engine's build egress names one; the
   * blocks that egress names (`buildEgress.apiServerCidrs`) are taken out of the app pods' internet rule too (added to
   * `appEgress.apiServerCidrs`, as a public `apiServer` is), where it would let them through.
   *
   * @default - `apiServer`, if set
   */
  readonly apiServers?: readonly NetworkPeer[];
  /**
   * The API server endpoints' port.
   *
   * @default 443
   */
  readonly apiServerPort?: number;
  /**
   * Where the teams' app pods may open connections to, beside their own namespaces and what `Team.allowEgress`
   * declares: by default the cluster DNS and the internet outside the cluster's private, shared and link-local
   * ranges, as for build pods. A public `apiServer` (or block of `apiServers`) is added to its `apiServerCidrs`, and
   * with `apiServers: []` so is a public block the engine's `buildEgress.apiServerCidrs` names.
   *
   * @default - the runner's default build egress
   */
  readonly appEgress?: BuildEgressProps;
  /**
   * What the API server puts before the groups of an OIDC token, its `--oidc-groups-prefix` (e.g. `oidc:`): each
   * team's `TeamMember.group(name)` is bound in Kubernetes as `<prefix><name>`, and is the group `<name>` in Harbor,
   * which reads the groups claim as it is.
   *
   * @default "" (no prefix)
   */
  readonly groupsPrefix?: string;
  /**
   * What the API server puts before an OIDC token's username, its `--oidc-username-prefix` (e.g. `oidc:`): each
   * team's `TeamMember.user(name)` is bound as `<prefix><name>`. Check it on first use with `kubectl auth whoami`.
   *
   * "-", as the API server reads it, means no prefix too.
   *
   * @default "" (no prefix; note that the API server's own default prefixes a claim other than `email` with the issuer URL)
   */
  readonly usernamePrefix?: string;
  /**
   * Render `TeamAdmissionPolicy` with these props: ValidatingAdmissionPolicies, with their bindings, for every team
   * namespace. They refuse Services of type `ExternalName` and Services with `spec.externalIPs`, two ways a team that
   * may create Services reaches past its isolation; with `hostsDomain`, they also keep each team's Ingresses and
   * Gateway API routes to its own hosts, `<team>.<hostsDomain>` and below. `{}` renders the Service checks alone. Needs
   * Kubernetes 1.30 or later (`admissionregistration.k8s.io/v1`), hence off by default while Dockyard supports 1.27;
   * one per cluster covers every `TeamPlatform` in it, or, with `platformName`, one per platform covers its own teams.
   *
   * @default - none: the cluster admits what the teams' Roles allow
   */
  readonly admissionPolicy?: TeamAdmissionPolicyProps;
  /**
   * How many files `synthesize` splits the teams' objects into, beside the platform chart's own file, so that several
   * GitOps Applications or Kustomizations each take a bounded share (README, GitOps with Argo CD or Flux). With N > 1
   * each team gets the shard `sha256(team name) mod N`, which other teams' coming and going leaves as it is, and every
   * object in one of the team's namespaces (app, build and pull-request namespaces), whichever construct made it, and
   * those Namespaces themselves, is written to `<chart id>-teams-<kk>.k8s.yaml` (`kk` the shard, zero-padded to the
   * digits of N), not to `<chart id>.k8s.yaml`; every shard's file is written, an empty one as an empty file. The
   * objects, their bytes and the secret state stay the same: only the file each goes to changes. Changing N moves
   * teams between files: see the README before pruning across such a change. Every TeamPlatform of one chart must
   * give the same N, the files being the chart's. Only `synthesize` splits:
   * `app.synth()` and the Pulumi deployment render the chart whole.
   *
   * @default 1 - every object in the platform chart's file
   */
  readonly outputShards?: number;
  /**
   * The platform's name among other Dockyard platforms in the same cluster, e.g. `staging` or `production` (a DNS
   * label). Every team namespace then carries `dockyard.dev/platform: <platformName>` (`TEAM_PLATFORM_LABEL`) beside
   * `dockyard.dev/team`, and what selects a team's namespaces selects by both: its NetworkPolicies (`Team.appPeer`),
   * so that a team `payments` of another platform is not taken for this one's, and the admission policies of
   * `admissionPolicy`, which are named `<policy>-<platformName>` and bind only this platform's team namespaces, so
   * that two platforms' policies neither overwrite each other (a `hostsDomain` each) nor judge each other's teams.
   * Give every platform in the cluster a name of its own (README, Two platforms in one cluster): a platform without
   * one selects every same-named team, and its policies every team namespace, of the cluster.
   *
   * @default - none: one platform per cluster; names and selectors as before the prop existed
   */
  readonly platformName?: string;
}

/** Every prop of `TeamPlatformProps`: the record fails to compile when the interface gains a prop it does not list. */
const TEAM_PLATFORM_PROPS: Readonly<Record<keyof TeamPlatformProps, true>> = {
  ci: true, harbor: true, ingressPeers: true, sharedProjects: true, sharedLogins: true, reservedNamespaces: true, apiServer: true, apiServers: true, apiServerPort: true, appEgress: true,
  groupsPrefix: true, usernamePrefix: true, admissionPolicy: true, outputShards: true, platformName: true,
};
const TEAM_PLATFORM_PROP_KEYS = Object.keys(TEAM_PLATFORM_PROPS);

/** Options of `TeamPlatform.retireTeam`. */
export interface RetireTeamOptions {
  /**
   * The team's build namespace, as its `addTeam` named it (`buildNamespace`): on Drone, the shared runner's namespace
   * rules close it to every pipeline (`DroneKubeRunner.closeNamespace`), as the runner's Role there stays in the
   * cluster after an apply without pruning.
   *
   * @default - `<name>-builds`, as `addTeam` names it by default
   */
  readonly buildNamespace?: string;
  /**
   * The team's repositories, as its `addTeam` listed them (`repos`): on Woodpecker, the server's gRPC port refuses the
   * agents its route had, named after them (`WoodpeckerCi.closeRoute`), as they stay in the cluster after an apply
   * without pruning and keep taking the team's pipelines, with its deploy identity and Secrets. The synth also refuses
   * the route's agents that the previous output held, and warns of those these props miss; without `repos` it warns
   * when it finds none (a synth without the previous output) that the agents keep taking work. Drone needs them not:
   * its runner's namespace rules close the build namespace.
   *
   * @default - none: on Woodpecker only the team's agents the previous output held are refused
   */
  readonly repos?: readonly string[];
  /**
   * The team's events, as its `addTeam` gave them (`TeamProps.events`): on Woodpecker its agents are named after
   * them, so `repos` closes the agents of these events. Without them a synth that finds none of the team's agents in
   * the previous output warns that it cannot tell whether the team had events or branches; a team that had neither
   * says so with the default events, given. Woodpecker only, as on `addTeam`.
   *
   * @default - every event but pull requests, as `addTeam` defaults them
   */
  readonly events?: readonly PipelineEvent[];
  /**
   * The team's branches, as its `addTeam` gave them (`TeamProps.branches`): on Woodpecker its agents are named after
   * them too (one per repository, event and branch), so `repos` names no agent of a team that had branches unless
   * they are given (the synth then warns, naming the agents the previous output held). Woodpecker only, as on `addTeam`.
   *
   * @default - every branch, as `addTeam` defaults them
   */
  readonly branches?: readonly string[];
}

/**
 * The shared platform that application teams are onboarded onto, one `addTeam` each: it holds the Drone runner,
 * the secrets extension and Harbor that every team's namespaces, policies, robots and secrets are added to.
 */
export class TeamPlatform extends Construct {
  private readonly props: TeamPlatformProps;
  private readonly ingressPeers: readonly NetworkPeer[];
  private readonly appEgress: ReturnType<typeof baseEgressRules>;
  private readonly byName = new Map<string, Team>();
  private readonly retired = new Set<string>();
  /** Every team's repository patterns, lower-cased as `reposOverlap` compares them, with the pattern and its team. */
  private readonly repoOwners = new RepoPatternIndex<{ readonly repo: string; readonly owner: string }>();
  private readonly apiServerPort: number;
  /** The API server's endpoints (`apiServers`, or `apiServer`), which every team's build namespace reaches. */
  private readonly apiServers: readonly NetworkPeer[];
  /** The API server's prefixes of OIDC groups and usernames (`groupsPrefix`, `usernamePrefix`). */
  private readonly subjectPrefixes: SubjectPrefixes;
  /** The logins every team's pull secret holds beside its robot's (`sharedLogins`). */
  private readonly sharedLogins: readonly RegistryCredential[];
  /** Namespaces no team may claim (`reservedNamespaces`). */
  private readonly reservedNamespaces: ReadonlySet<string>;
  /** How many shard files the teams' objects are split into (`outputShards`); 1 for none. */
  private readonly outputShards: number;
  /** The platform's name among others in the cluster (`platformName`), if given. */
  private readonly platformName?: string;

  public constructor(scope: Construct, id: string, props: TeamPlatformProps) {
    super(scope, id);
    // a JavaScript caller's misspelt prop (`admisionPolicy`) would otherwise be ignored, a security control with it
    checkKnownProps('a TeamPlatform', props, TEAM_PLATFORM_PROP_KEYS, 'must be an object of TeamPlatformProps, e.g. { ci, harbor }');
    checkRequiredObject('ci', props.ci, CI_ENGINE_RULE);
    checkRequiredObject('harbor', props.harbor, 'must be the Harbor that holds the teams\' projects and robots', Harbor);
    this.props = props;
    // addTeam refuses a team overlapping the platform's grants made before it; those made after it, at synth
    this.node.addValidation({ validate: () => { this.checkLaterPlatformGrants(); return []; } });
    // addTeam refuses a namespace a component runs in already; one placed in a team's namespace after, at synth
    this.node.addValidation({ validate: () => { this.checkLaterPlacements(); return []; } });
    // offboarding mistakes show only against the secret state, which a synth reads: see `reviewRetirements`
    onSecretRecord(this, (view) => this.reviewRetirements(view));
    // under a Pulumi stack, which keeps no secret state of Dockyard's, against the teams its mark lists
    watchLeftTeamsOfStack(this, props.harbor, () => this.byName.keys(), this.retired);
    this.ingressPeers = props.ingressPeers ?? [NetworkPeer.namespace('ingress-nginx')];
    this.subjectPrefixes = { group: checkSubjectPrefix('groupsPrefix', props.groupsPrefix), user: checkSubjectPrefix('usernamePrefix', props.usernamePrefix) };
    checkUniqueList('sharedProjects', props.sharedProjects ?? [], { allowEmpty: true });
    this.sharedLogins = checkSharedLogins(props.sharedLogins ?? [], props.harbor);
    this.reservedNamespaces = new Set(checkUniqueList('reservedNamespaces', props.reservedNamespaces ?? [], { allowEmpty: true })
      .map((ns) => checkDnsLabel('reservedNamespaces', ns)));
    const appEgress = props.appEgress ?? {};
    this.appEgress = baseEgressRules(appEgress);
    this.apiServerPort = checkPort('apiServerPort', props.apiServerPort ?? 443);
    this.outputShards = checkOutputShards('outputShards', props.outputShards ?? 1);
    this.platformName = props.platformName === undefined ? undefined : checkDnsLabel('platformName', props.platformName);
    if (this.outputShards > 1) {
      // only a DockyardChart's writer splits its manifest: a plain chart would write one file, silently
      // (`instanceof` is true of every cdk8s Chart: Chart.isChart)
      if (!DockyardChart.prototype.isPrototypeOf(Chart.of(this))) {
        invalid('outputShards', this.outputShards, `needs the TeamPlatform in a DockyardChart, whose manifest synthesize splits; ${Chart.of(this).node.path} ` +
          'is a plain cdk8s Chart');
      }
    }
    // every TeamPlatform of the chart, unsplit ones too: they must agree
    splitChartOutput(this, 'outputShards', this.outputShards);
    if (props.admissionPolicy != null) {
      if (typeof props.admissionPolicy !== 'object' || Array.isArray(props.admissionPolicy)) {
        // named as the prop it is here (the policy's own check would name it `props`)
        invalid('admissionPolicy', props.admissionPolicy, ADMISSION_POLICY_PROPS_SHAPE);
      }
      const given = (props.admissionPolicy as TeamAdmissionPolicyProps).platformName;
      if (given !== undefined && given !== this.platformName) {
        // the policies would bind another platform's namespaces than the teams' labels name
        invalid('admissionPolicy.platformName', given, 'must be left out: set the TeamPlatform\'s platformName, which labels its teams\' ' +
          `namespaces too, and the policies take it from there (it is ${this.platformName === undefined ? 'unset' : describeValue(this.platformName)})`);
      }
      new TeamAdmissionPolicy(this, 'AdmissionPolicy', { ...props.admissionPolicy, ...(this.platformName === undefined ? {} : { platformName: this.platformName }) });
    }
    // checked here, as every team's build egress to it is added after the team itself
    if (props.apiServers != null && !Array.isArray(props.apiServers)) {
      invalid('apiServers', props.apiServers, 'must be a list of NetworkPeer.ipBlock, e.g. [NetworkPeer.ipBlock("10.0.1.20/32")]');
    }
    if (props.apiServer != null && props.apiServers != null) {
      invalid('apiServers', props.apiServers.map(describePeer), 'must not be set together with apiServer: list every endpoint in apiServers');
    }
    const [prop, endpoints] = props.apiServers != null ? ['apiServers', props.apiServers] : ['apiServer', props.apiServer != null ? [props.apiServer] : []];
    // the endpoints' addresses, as `kubectl -n default get endpointslice kubernetes` lists them: a peer of pods or namespaces would
    // open those pods to every team's builds, and the API server is no pod they select (a host-network static pod,
    // or outside the cluster)
    const blocks = endpoints.map((endpoint) => {
      const cidr = endpoint instanceof NetworkPeer ? endpoint._toKube().ipBlock?.cidr : undefined;
      if (cidr === undefined) {
        invalid(prop, describePeer(endpoint), 'must be a NetworkPeer.ipBlock of the API server\'s endpoints (kubectl -n default get endpointslice kubernetes), ' +
          'e.g. NetworkPeer.ipBlock("10.0.0.1/32")');
      }
      return cidr;
    });
    if (props.apiServers != null) {
      // an empty list says so on purpose: the teams get no API access, and the synth does not warn of it
      checkUniqueList(prop, blocks, { allowEmpty: true });
    }
    this.apiServers = [...endpoints];
    const publicBlocks: string[] = [];
    for (const apiServer of blocks) {
      checkApiServerBlock(prop, apiServer, props.ci);
      if (internetRuleReaches(appEgress, parseCidr(prop, apiServer))) {
        publicBlocks.push(apiServer);
      }
    }
    if (props.apiServers != null && props.apiServers.length === 0) {
      // no API access on purpose: the app pods are kept from the API server too, at the blocks the engine's build
      // egress names for it, as from a public endpoint declared
      publicBlocks.push(...engineApiBlocksReached(appEgress, props.ci));
    }
    if (publicBlocks.length > 0) {
      // only the team's build namespaces are let through to them: every other pod's internet rule must leave them out
      this.appEgress = baseEgressRules({ ...appEgress, apiServerCidrs: [...(appEgress.apiServerCidrs ?? []), ...publicBlocks] });
    }
    // an engine that keeps its builds from the API server, on a platform that names none: the teams' deploy pipelines
    // cannot reach it, which shows only as timeouts at run time
    if (props.apiServers == null && props.apiServer == null) {
      this.node.addValidation({ validate: () => { this.warnOfUndeclaredApiServer(appEgress); return []; } });
    }
  }

  /**
   * Warn, at synth, of a platform without `apiServer` (or `apiServers`) whose engine's build egress names the API
   * server's blocks (`buildEgress.apiServerCidrs`, left out of every build's internet rule): no team's build namespace
   * gets a rule to them, so its deploy pipelines' connections time out, and the app pods' internet rule (`appEgress`)
   * still lets through those of them it does not leave out. A warning, not a refusal: a platform may mean to give the
   * teams no API access, which `apiServers: []` says.
   */
  private warnOfUndeclaredApiServer(appEgress: BuildEgressProps): void {
    const blocks = this.props.ci.buildEgress?.apiServerCidrs ?? [];
    if (blocks.length === 0) {
      return;
    }
    const reached = engineApiBlocksReached(appEgress, this.props.ci);
    warnOnce(this, `TeamPlatform ${this.node.path} has no apiServer (nor apiServers), but ${buildEgressOwner(this.props.ci)} ` +
      `buildEgress.apiServerCidrs names the API server at ${blocks.join(', ')}: the teams' build namespaces get no egress to it, so their deploy ` +
      `pipelines' connections to it time out${reached.length === 0 ? '' : `, and the teams' app pods reach ${reached.join(', ')}, which apiServer would take out of their egress`}; ` +
      'pass its endpoints as apiServer (an ApiServerEndpoint\'s peer, with apiServerPort its port) or apiServers, or apiServers: [] if the teams are to have no API access');
  }

  /** The teams, in the order they were added. */
  public get teams(): readonly Team[] {
    return [...this.byName.values()];
  }

  /**
   * A policy added to the shared Drone runner directly (`DroneKubeRunner.addPolicy`, not through a route, which is a
   * grant) that can match a repository `repo` matches, with that policy's pattern: the runner applies the first
   * policy that matches, and renders the teams' after every other (`DroneKubeRunner._placeAmongTeams`). The runner
   * itself refuses, at synth, one added after the team.
   */
  private runnerPolicyOverlapping(repo: string): { readonly name: string; readonly repo: string } | undefined {
    if (!(this.props.ci instanceof DroneCi)) return undefined;
    for (const policy of this.props.ci.runner._platformPolicies()) {
      const found = policy.repos.find((r) => reposOverlap(repo, r));
      if (found !== undefined) return { name: policy.name, repo: found };
    }
    return undefined;
  }

  /**
   * Refuse a grant of the platform's own (a route, pipeline secret or pull secret not made by a team) that overlaps a
   * team's repositories, as `addTeam` does for those made before the team: even one that lists exactly the team's
   * repositories (`repos: team.repos`), which would hand the platform's login to the team's pipelines. A team's own
   * grants are those it made (`Team._grants`); a lookup per pattern touches only the teams whose patterns begin alike.
   */
  private checkLaterPlatformGrants(): void {
    const grants = this.props.ci.grants;
    // the teams' own grants, a few per team, skipped whole: only the platform's few are looked up
    const teamGrants = new Set<string>();
    for (const team of this.byName.values()) {
      team._grants.forEach((g) => teamGrants.add(g));
    }
    const kinds = [['pipeline secret', grants.secrets], ['route', grants.routes], ['pull secret', grants.pullSecrets]] as const;
    for (const [kind, byName] of kinds) {
      for (const grant of byName.values()) {
        if (teamGrants.has(`${kind}\0${grant.name}`)) {
          continue;
        }
        for (const repo of grant.repos) {
          const team = this.repoOwners.candidatesOverlapping(repo.toLowerCase()).map((c) => c.value).find((c) => reposOverlap(repo, c.repo));
          if (team !== undefined) {
            invalid('repos', repo, `of the ${kind} ${describeValue(grant.name)} must not overlap the repositories of team ` +
              `${describeValue(team.owner)}: it can match the same repository as ${describeValue(team.repo)}, so it would apply to the ` +
              'team\'s repositories too; narrow one of them');
          }
        }
      }
    }
  }

  /**
   * Refuse a component `placement` put in a team's namespace after the team was onboarded, unless it is below the
   * team's construct (the team's own): the team's deploy identity and members reach the pods, Secrets and data of
   * their namespaces.
   */
  private checkLaterPlacements(): void {
    for (const [ns, constructs] of placements(this)) {
      const owner = namespaceOwner(this, ns);
      const team = owner?.kind === 'team' ? this.byName.get(owner.name) : undefined;
      if (team === undefined) {
        continue;
      }
      const foreign = constructs.find((c) => !c.node.scopes.includes(team));
      if (foreign !== undefined) {
        invalid('namespace', ns, `of ${foreign.node.path} must be another than ${describeOwnedNamespace(owner!)}: the team's deploy identity ` +
          'and members reach the pods, Secrets and data there; place it in another namespace, or define it below the team (as its scope) if it is the team\'s own');
      }
    }
  }

  /**
   * Onboard a team: its construct ID is its name, so a team keeps its objects when others are added or removed.
   * Team names, and every namespace of every team, are unique. A team's namespaces are its alone: one that a CI
   * engine of the app builds in already (a build namespace, even one added with `create: false`) is refused, and once
   * the team is made the engines refuse its namespaces as a build namespace, a route's or runner policy's namespace
   * or an agent's backend namespace of anything but the team. A team that is refused leaves the app exactly as it
   * was, its name free: a program may go on, or retry it with fixed props.
   */
  public addTeam(props: TeamProps): Team {
    // props that are no object have no name to give: refused before one is read
    checkTeamPropsObject(props);
    // every refusal names the team: among many teams a prop's value alone does not say whose it was
    return inTeam(props.name, () => this.onboard(props));
  }

  /** `addTeam`, its refusals not yet naming the team. */
  private onboard(props: TeamProps): Team {
    if (this.byName.has(props.name)) {
      invalid('name', props.name, 'must be unique among the teams');
    }
    // the team's pull robot is granted them: refused here as the prop they came from, not as the robot's permissions.
    // Not in the constructor: a program may add the projects to Harbor after the platform, before its first team
    for (const project of this.props.sharedProjects ?? []) {
      if (!this.props.harbor._hasProject(project)) {
        invalid('sharedProjects', project, 'must name "library" or a project added to this Harbor with addProject or addProxyCache before addTeam');
      }
    }
    if (this.retired.has(props.name)) {
      invalid('name', props.name, 'must not be a team this platform retires (retireTeam): drop the retireTeam call to onboard it again');
    }
    // checked before anything is defined, so a clash names both teams
    // every namespace of the team, with the prop that gave it (`TEAM_NAMESPACE_ROLES`)
    const own = teamNamespaceList(teamNamespaces(props, this.props.ci));
    // a repository belongs to one team: the runner applies the first policy that matches, and the secrets
    // extension gives a secret to every repository that matches
    // a list, before its entries are read: a string's characters are no repositories
    for (const repo of checkList('repos', props.repos ?? [])) {
      // the owner is every part but the name: a GitLab subgroup's projects (`acme/payments/*`) name each group on the path
      if (/[*?[]/.test(repoOwnerOf(repo))) {
        invalid('repos', repo, 'must name its owner literally, e.g. "acme/payments-*" (in a GitLab subgroup, every group: "acme/payments/*"): ' +
          'a team\'s repositories are told apart by owner and name');
      }
      const clash = this.repoOwners.candidatesOverlapping(repo.toLowerCase()).find((c) => reposOverlap(repo, c.value.repo))?.value;
      if (clash !== undefined) {
        invalid('repos', repo, `must not overlap another team's repositories: it can match the same repository as ${describeValue(clash.repo)} of team ${describeValue(clash.owner)}`);
      }
      // nor the platform's own routes and secrets: a route of the platform's added before the team's comes first in the
      // runner's policies (the team's pushes would run there, not as its identity), and a secret of the platform's
      // reaches the team's repositories too (the platform's push login, say). Every team's grants name its own
      // patterns, which the check above has just found apart from this one, so any grant found here is the platform's
      const granted = this.props.ci.grants.patternsNear(repo).find((g) => reposOverlap(repo, g.repo));
      if (granted !== undefined) {
        invalid('repos', repo, `must not overlap the platform's own grants: team ${describeValue(props.name)}'s pattern can match the same ` +
          `repository as ${describeValue(granted.repo)} of the ${granted.kind} ${describeValue(granted.name)}, which would apply to the team's ` +
          'repositories too; narrow one of them');
      }
      // a team on a runner of its own is none of the shared runner's policies: `leaveRepos` fails its pipelines there first
      const policy = props.dedicatedRunner === true ? undefined : this.runnerPolicyOverlapping(repo);
      if (policy !== undefined) {
        invalid('repos', repo, `must not overlap the shared runner's own policies: team ${describeValue(props.name)}'s pattern can match the ` +
          `same repository as ${describeValue(policy.repo)} of the runner policy ${describeValue(policy.name)}, which would place the team's ` +
          'pipelines; narrow one of them');
      }
    }
    const ingress = new Set(this.ingressPeers.map((p) => p.namespace).filter((n) => n !== undefined));
    own.forEach(([prop, ns]) => {
      // a namespace the team took from its name: the user gave no such prop, so the refusal says where it came from
      // and what to change
      const defaulted = defaultedNamespace(props, prop);
      // the app's registry of owned namespaces, which the engines' build namespaces, routes and agents look up too
      const owner = namespaceOwner(this, ns);
      if (owner !== undefined) {
        invalid(prop, ns, `must belong to one team: it is already ${describeValue(owner.name)}'s${defaulted}`);
      }
      if (ns === 'default' || ns.startsWith('kube-') || ingress.has(ns)) {
        invalid(prop, ns, `must be a namespace of the team's own, not "default", a "kube-" system namespace or the ingress controller's${defaulted}`);
      }
      if (isNamespaceDefined(this, ns)) {
        invalid(prop, ns, `must be a namespace of the team's own: the platform (or another construct of the app) defines it already${defaulted}`);
      }
      if (this.reservedNamespaces.has(ns)) {
        invalid(prop, ns, `must be a namespace of the team's own: the platform reserves it (TeamPlatform reservedNamespaces)${defaulted}`);
      }
      // one the app does not define but builds in (added with create: false): the engine's Role and other
      // repositories' pipelines would stay there beside the team's
      const builder = namespaceBuilder(this, ns);
      if (builder !== undefined) {
        invalid(prop, ns, `must be a namespace of the team's own: ${builder} builds in it already, so other repositories' pipelines could run there${defaulted}`);
      }
    });
    // the Team checks everything that can refuse it before it changes anything, so a refused team leaves the app as
    // it was and its name free for a retry; should anything still throw halfway (the engine refusing its build
    // namespace, say), its construct at least goes: here, the one place that removes a half-built team (unless the
    // name was another construct's already, which then stays)
    const existing = this.node.tryFindChild(props.name);
    let team: Team;
    try {
      team = new Team(this, props.name, {
        ci: this.props.ci, harbor: this.props.harbor,
        ingressPeers: this.ingressPeers, sharedProjects: this.props.sharedProjects ?? [], sharedLogins: this.sharedLogins, appEgress: this.appEgress,
        subjectPrefixes: this.subjectPrefixes, ...(this.platformName === undefined ? {} : { platformName: this.platformName }),
      }, props);
    } catch (e) {
      if (existing === undefined) this.node.tryRemoveChild(props.name);
      throw e;
    }
    // claimed once the team is made, its own build namespace and route with it: from here on they are the team's alone
    own.forEach(([prop, ns]) => claimNamespace(this, ns, { kind: 'team', name: team.teamName, role: TEAM_NAMESPACE_ROLES[prop] }));
    if (this.outputShards > 1) {
      // the writer puts every object of these namespaces in the team's shard file; the tree stays as it is
      routeNamespaces(this, own.map(([, ns]) => ns), shardOf(team.teamName, this.outputShards));
    }
    team.repos.forEach((repo) => this.repoOwners.add(repo.toLowerCase(), { repo, owner: team.teamName }));
    for (const endpoint of this.apiServers) {
      // the deploy identity's pipelines talk to the API server; pull requests run elsewhere: in the shared pool, or
      // in the pull-request namespace of a dedicated runner, which must never reach it
      team.ci.allowBuildEgress(endpoint, [this.apiServerPort], { namespaces: [team.buildNamespace] });
    }
    this.byName.set(team.teamName, team);
    return team;
  }

  /**
   * Retire a team that has left, once its `addTeam` call is gone: its push and pull robots (`robot$<name>-push`,
   * `robot$<name>-pull`) are deleted from Harbor by the configuration Jobs (`Harbor.retireRobot`), so copies of their
   * secrets (in old pull Secrets, pipelines' logs, backups) log in no more. Without this they keep their permissions
   * and secrets, which never expire. On a Harbor that signs in over OIDC the Jobs also remove every group member of the
   * team's project, if Harbor still has it (`Harbor.retireProjectGroups`), so the team's member groups pull its images
   * no more; its user members stay.
   *
   * On Drone, the shared runner's namespace rules close the team's build namespace to every pipeline
   * (`options.buildNamespace`): the runner's Role and RoleBinding there stay in the cluster after an apply without
   * pruning, and any pipeline that named the namespace (`metadata.namespace`) ran there, beside the team's pull secret
   * and deploy identity. The rule goes if the namespace is a build namespace again (another team's). On Woodpecker,
   * the server's gRPC port refuses the agents the team's route had (`WoodpeckerCi.closeRoute`), which an apply without
   * pruning leaves running, taking the team's pipelines: those `options.repos`, `events` and `branches` name, and every
   * agent of the route the previous output held (lib/woodpecker/closed-agents.ts); the synth warns of agents found
   * there that the options miss, and, when it finds none, of a call without `repos` or with `repos` but no `events`
   * (not under the DigitalOcean Pulumi program, whose update deletes the agents).
   *
   * Nothing else is deleted: the team's project keeps its images (delete it in Harbor when they may go, its
   * repositories first, as Harbor refuses to delete a project that holds any; a team onboarded later under the same
   * name takes the project over), and its namespaces and other objects leave the manifests, which a GitOps tool with pruning removes from the cluster, or you with `kubectl delete` (the synth names
   * them; `kubectl apply --prune` by default leaves their NetworkPolicies, Roles and RoleBindings). Keep the call
   * while any Harbor the stack configures may still have the robots; a name retired here cannot be onboarded in the
   * same app.
   *
   * @param name the team's name, as given to `addTeam`
   * @param options the team's build namespace, if it was not `<name>-builds`, and its repositories, events and branches
   */
  public retireTeam(name: string, options: RetireTeamOptions = {}): void {
    checkTeamName(name);
    checkKnownProps('retireTeam options', options, ['buildNamespace', 'repos', 'events', 'branches'],
      'must be an object of RetireTeamOptions, e.g. { buildNamespace: "payments-ci" }');
    const buildNamespace = checkDnsLabel('buildNamespace', options.buildNamespace ?? `${name}-builds`);
    // the route as addTeam had it, checked as addTeam checks it (the branches against the events by closeRoute)
    const route = checkTeamRoute(options, this.props.ci.kind);
    if (this.byName.has(name)) {
      invalid('name', name, 'must not be a team this platform onboards (addTeam) when retireTeam retires it: a team is either onboarded or retired; ' +
        'drop the addTeam call to retire it, or the retireTeam call to keep it');
    }
    if (this.retired.has(name)) {
      invalid('name', name, 'must be retired once: retireTeam was called with it already');
    }
    const harbor = this.props.harbor;
    const robots = teamRobotNames(name);
    // All of the project's groups, not the team's last members: on an OIDC Harbor the team declared its project's
    // group members (its groups, or none), so every run made them exactly those and no group of the project is anyone
    // else's; and the code no longer says who the members were. Elsewhere the project's members were never managed,
    // so its groups (LDAP's, added by hand) are not the team's to remove.
    const groups = harbor.oidc !== undefined;
    // every check first, so a refusal retires nothing
    robots.forEach((robot) => harbor.checkRetireRobot(robot));
    if (groups) harbor.checkRetireProjectGroups(name);
    // the engine checks everything before it keeps anything, and goes first of what keeps something
    // Woodpecker warns at synth, if the previous output holds none of the team's agents either, of a call without repos
    // (this warning) or with repos but no events (closeRoute's, which both reach)
    this.props.ci._retireRoute?.(name, buildNamespace, options.repos, route,
      `retireTeam(${describeValue(name)}) on Woodpecker names no repos: the team's agents, which an apply without pruning ` +
      'leaves running, keep taking its repositories\' pipelines with its deploy identity and Secrets until deleted; pass the repos ' +
      `its addTeam had, and its events and branches if it had them (its agents are named after them), ${retireTeamExample(name, [`acme/${name}-app`])}`);
    robots.forEach((robot) => { harbor.retireRobot(robot); harbor._retiredForTeam(robot); });
    if (groups) harbor.retireProjectGroups(name);
    // elsewhere its groups are not the team's to remove, but the project left the code on purpose: no left-project warning
    else harbor._releaseProject(name);
    this.retired.add(name);
  }

  /** The teams retired, in the order retired. */
  public get retiredTeams(): readonly string[] {
    return [...this.retired];
  }

  /**
   * Warn of the offboarding mistakes that nothing refuses, as far as the secret state tells them: a `retireTeam` name
   * of which the state holds no robot (a misspelt name retires nothing, and the real team's robots stay live), and a
   * team whose robots the platform's Harbor declared for a team (`<team>-push` and `<team>-pull`, both on record as
   * declared by that Harbor's `addRobot`) that this platform now neither onboards nor retires: its `addTeam` call went
   * without `retireTeam`, and the robots keep their permissions and secrets. Only a TeamPlatform reviews: another stack
   * on the same state (the default stack, say) never warns of teams it does not have; nor does this platform of a team
   * another stack on the state has, or warns of itself (`anotherStackOfTeam`).
   */
  private reviewRetirements(view: SecretRecordView): void {
    const harbor = this.props.harbor;
    // a render of part of the app sees none of the Harbor's robots declared
    if (!reaches(view.scope, harbor)) {
      return;
    }
    for (const name of this.retired) {
      const keys = teamRobotNames(name).map((robot) => harbor._robotRecord(robot).stateKey);
      if (!keys.some((k) => view.onRecord.has(k))) {
        warnOnce(this, `retireTeam(${describeValue(name)}) names a team of which the secret state holds no robot (${keys.join(', ')}): if the ` +
          'name is misspelt, it retires nothing and the real team\'s robots keep their permissions and secrets; check it against addTeam\'s ' +
          '(if this state never held the team, a new environment\'s say, drop the call there; if you deleted its entries, ignore this)');
      }
    }
    // the state tells not which TeamPlatform of the Harbor had a team: each of them names them all, so that their
    // reviews print one line (warnOnce)
    const platforms = teamPlatformsOf(harbor);
    // and what stays open on the engine of each, which may differ (a Drone platform and a Woodpecker one)
    const engines = platforms.map((p) => ({ path: p, kind: platformAt(this, p)?.props.ci.kind }));
    // and the output's mark lists them, so that Harbor warns of them once the platform left the code
    const left: string[] = [];
    // a team another stack on the state has now (moved there), or warns of as left itself, is that stack's to warn of
    const elsewhere = anotherStackOfTeam(harbor, view);
    const teamsElsewhere = new Map<string, string>();
    for (const [key, path] of Object.entries(view.declaredBy)) {
      const team = /^(.+)-push$/.exec(harbor._robotDeclaredAt(path) ?? '')?.[1];
      if (team === undefined || !isDnsLabel(team) || team.length > MAX_TEAM_NAME || this.retired.has(team)) {
        continue;
      }
      const robots = teamRobotNames(team).map((robot) => harbor._robotRecord(robot));
      // a pair an earlier synth retired (the state dropped their secrets then) left as it should; one the state
      // records as the Harbor's own, not a team's, Harbor warns of (lib/harbor/left-robots.ts)
      const gone = robots.every((r) => view.declaredBy[r.stateKey] === r.declaredBy && !view.declared.has(r.stateKey) && !r.retired
        && !view.retiredBefore.has(r.stateKey)) && !teamRobotNames(team).some((robot) => recordedAsHarbors(harbor, view, robot));
      const there = robots[0].stateKey === key && gone ? elsewhere(team) : undefined;
      if (there !== undefined) {
        teamsElsewhere.set(team, there);
      } else if (robots[0].stateKey === key && gone) {
        left.push(team);
        warnOnce(this, `${leftTeamWarning(harbor, team, neitherOnboardsNorRetires(platforms), 'are on record in the secret state', leftEngineAccess(engines, team))}; ` +
          'if they are robots of another stack on this state, named like a team\'s, ignore this (and retire them there with retireRobot when they go)');
      }
    }
    noteTeamsElsewhere(harbor, teamsElsewhere);
    noteTeamsLeft(harbor, this, left);
  }
}

/**
 * What a team dropped from the code without `retireTeam` still opens on its engine, for the warning of its robots. On
 * Drone the shared runner's namespace rules no longer list its build namespace, so any repository's pipeline that names
 * it runs there (drone-runner-kube v1.0.0-rc.5 `engine/linter/linter.go:207-224`), as `default` (the catch-all policy),
 * where its pods may mount the team's pull Secret (its pull robot's live login) that an apply without pruning leaves; on
 * Woodpecker the server's gRPC port still admits its agents, which such an apply leaves
 * running. `retireTeam` closes both.
 */
function engineLeftovers(kind: CiEngineKind | undefined, team: string): string | undefined {
  if (kind === CiEngineKind.DRONE) {
    return `its build namespace (${team}-builds, unless its addTeam set buildNamespace) is open to every repository's pipelines, ` +
      'whose pods may mount the pull Secret an apply without pruning leaves there';
  }
  if (kind === CiEngineKind.WOODPECKER) {
    return 'its agents, which an apply without pruning leaves running, keep taking its repositories\' pipelines with its deploy ' +
      'identity (retireTeam with its repos, and its events and branches if it had them, refuses them)';
  }
  return undefined;
}

/**
 * What the warning of a team's robots adds of what stays open on the engines of `platforms`, the TeamPlatforms of the
 * Harbor (`engineLeftovers`): the state does not tell which of them had the team, so each names every engine's, in
 * the same words, and the platforms' reviews print one line (warnOnce). Platforms of one engine name it once; of two
 * engines, each with the platforms it is theirs of.
 */
function leftEngineAccess(platforms: readonly { path: string; kind?: CiEngineKind }[], team: string): string {
  const kinds = [...new Set(platforms.map((p) => p.kind))];
  const texts = kinds.map((kind) => ({ kind, text: engineLeftovers(kind, team) }));
  if (kinds.length === 1) {
    return texts[0].text === undefined ? '' : `, and ${texts[0].text}`;
  }
  const on = texts.filter((t) => t.text !== undefined).map((t) =>
    `on ${t.kind === CiEngineKind.DRONE ? 'Drone' : 'Woodpecker'} (${platforms.filter((p) => p.kind === t.kind).map((p) => p.path).join(', ')}), ${t.text}`);
  return on.length === 0 ? '' : `, and, ${on.join(', or, ')}`;
}

/** The TeamPlatform at construct path `at` in the app of `scope` (a path `teamPlatformsOf` gives), if one is there. */
function platformAt(scope: Construct, at: string): TeamPlatform | undefined {
  const found = at.split('/').reduce<IConstruct | undefined>((c, id) => c?.node.tryFindChild(id), scope.node.root);
  return found instanceof TeamPlatform ? found : undefined;
}

/**
 * Check one block of the API server's endpoints, given under `prop`: every team's build namespace is let through
 * to the whole block on the API server's port, so it is a few addresses (endpoints of a highly available control
 * plane), never a share of the pod, Service or node networks, and the engine's builds must not reach it otherwise.
 */
function checkApiServerBlock(prop: string, apiServer: string, ci: ICiEngine): void {
  const cidr = parseCidr(prop, apiServer);
  if (cidr.prefix === 0) {
    invalid(prop, apiServer, 'must be the API server\'s endpoints, not the whole address space');
  }
  if (cidr.prefix < MIN_API_SERVER_PREFIX_LENGTH[cidr.family]) {
    invalid(prop, apiServer, `must be the API server's endpoints, at most 16 addresses (/${MIN_API_SERVER_PREFIX_LENGTH[4]}, or ` +
      `/${MIN_API_SERVER_PREFIX_LENGTH[6]} for IPv6): every team's builds reach the whole block; list blocks apart in apiServers`);
  }
  const range = nonEndpointRangeOf(cidr);
  if (range !== undefined) {
    invalid(prop, apiServer, `must be the API server's endpoints: it overlaps ${range} (unspecified, loopback, link-local, multicast ` +
      'or a cloud\'s metadata or host services), where no API server lies and no build may reach');
  }
  if (ci.buildEgress !== undefined && internetRuleReaches(ci.buildEgress, cidr)) {
    invalid(prop, apiServer, 'must be left out of the build pods\' internet rule, or every build, pull requests from ' +
      `forks included, reaches the API server: add it to ${buildEgressOwner(ci)} buildEgress.apiServerCidrs`);
  }
}

/** The API server's blocks the engine's build egress names (`buildEgress.apiServerCidrs`) that `appEgress`'s internet rule lets through. */
function engineApiBlocksReached(appEgress: BuildEgressProps, ci: ICiEngine): string[] {
  return (ci.buildEgress?.apiServerCidrs ?? []).filter((block) => internetRuleReaches(appEgress, parseCidr('buildEgress.apiServerCidrs', block)));
}

/** Whose `buildEgress` the engine's is, as messages name it: WoodpeckerCi's own, or its Drone runner's. */
function buildEgressOwner(ci: ICiEngine): string {
  return ci.kind === CiEngineKind.WOODPECKER ? 'WoodpeckerCi\'s' : 'the Drone runner\'s';
}

/** A peer as an error message shows it: its Kubernetes form, or the value itself when it is no NetworkPeer. */
function describePeer(peer: unknown): unknown {
  return peer instanceof NetworkPeer ? peer._toKube() : peer;
}


/**
 * Check `sharedLogins`: registry logins, one per registry, none of them Harbor's (a team pulls from Harbor with its
 * own robot, and a shared Harbor login would be the platform's, reaching every project it may).
 */
function checkSharedLogins(logins: readonly RegistryCredential[], harbor: Harbor): readonly RegistryCredential[] {
  checkListOf('sharedLogins', logins, 'RegistryCredentials', 'must hold RegistryCredentials, e.g. RegistryCredential.basic({ registry, username, password })',
    RegistryCredential);
  checkUniqueList('sharedLogins', logins.map((l) => l.registry), { allowEmpty: true });
  const own = logins.find((l) => sameRegistryHost(l.registry, harbor.host));
  if (own !== undefined) {
    invalid('sharedLogins', own.registry, 'must be another registry than Harbor\'s: a team pulls from Harbor with its own robot; list the projects ' +
      'every team may pull from in sharedProjects');
  }
  return [...logins];
}
