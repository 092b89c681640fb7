import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  checkRequiredObject, checkDnsLabel, checkInteger, checkUniqueList, constructRefusal, describeValue, Image, Images, invalid, missing, NetworkPeer, parseCpu, parseQuantity,
  PodSecurityLevel, Resources,
} from '../core';
import { deployment } from '../core/deployment';
import { EnvVars } from '../core/env';
import { kube, scaleQuantity } from '../core/k8s';
import { PodFirewall } from '../core/network';
import { PullAccess, UserAccounts, userAccounts } from '../core/pull-access';
import { recordNames } from '../core/left-names';
import { previousOutput } from '../core/previous-output';
import { compare, fewOf, notAmong } from '../core/text';
import { reposOverlap } from '../ci/repo-overlap';
import { warnOnce } from '../core/warn';
import { toFlowYaml, toYaml } from '../core/yaml';
import { placement } from '../core/placement';
import { httpGet, probesOf } from '../core/pod';
import { serviceAccount } from '../core/rbac';
import { baseEgressRules, BuildEgressOptions, BuildEgressProps, CLUSTER_DNS, copyBuildEgress } from '../ci/build-egress';
import {
  BuildNamespace, BuildNamespaceContext, BuildNamespaceOptions, BuildNamespaceOwner, BuildNamespaceSet, buildEphemeralStorage, BuildQuota, checkBuildQuota,
  CheckedBuildQuota, checkNotOwnedNamespace, checkNotOwnNamespace, DEFAULT_EPHEMERAL_STORAGE_LIMIT,
} from '../ci/build-namespace';
import { BuildImage, buildImage, checkBuildPulls, ProjectLookup } from '../ci/build-pulls';
import { checkPinnedAccounts } from '../ci/pinned-accounts';
import { checkEvents, checkWithinLimitEvents, limitEventsRule, PipelineEvent } from '../ci/events';
import { accessAnnotations } from './pipeline-secret';
import { IDroneSecretsExtension } from './secrets-extension';
import { checkRunnerServerRelease } from './runner-protocol';
import { IDroneServer } from './server';

/** Props of a `DroneKubeRunner`: where it runs and what it takes, and how its pipelines run (`DroneRunnerBuildSettings`). */
export interface DroneKubeRunnerProps extends DroneRunnerBuildSettings {
  /** The server the runner polls for pipelines. */
  readonly server: IDroneServer;
  /**
   * The name of the Deployment, ServiceAccount, Roles and related objects.
   *
   * @default "drone-runner"
   */
  readonly name?: string;
  /**
   * The namespace the runner itself runs in.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Where pipelines run unless a pipeline or policy says otherwise (`DRONE_NAMESPACE_DEFAULT`). It is always
   * among the build namespaces, so the runner's RBAC always covers it (drone/charts#60).
   *
   * @default - "<namespace>-builds"
   */
  readonly buildNamespace?: string;
  /**
   * Further namespaces pipelines may run in, e.g. ones that policies pin deploy repositories to; the same as
   * calling `addBuildNamespace` for each.
   *
   * @default - none
   */
  readonly extraBuildNamespaces?: readonly string[];
  /**
   * Whether to define the build namespaces, rather than use existing ones. Existing ones lack the runner's
   * `buildNamespaceLabels` unless you set them.
   *
   * @default true
   */
  readonly createBuildNamespaces?: boolean;
  /**
   * The Pod Security level enforced in created build namespaces. Baseline lets image builders such as kaniko run
   * as root while refusing privileged pods and host access; restricted violations are still warned about.
   *
   * @default PodSecurityLevel.BASELINE
   */
  readonly buildPodSecurity?: PodSecurityLevel;
  /**
   * Where build pods may open connections to: DNS and the internet outside the cluster's private ranges, and what
   * `allowBuildEgress` declares.
   *
   * @default - the cluster DNS, and the internet without the private, shared and link-local ranges
   */
  readonly buildEgress?: BuildEgressProps;
  /**
   * How many pipelines this runner runs at once.
   *
   * @default 10
   */
  readonly capacity?: number;
  /**
   * What the pods of the default build namespace, where every pull request runs (the guards and the catch-all place
   * them there), may request together: a ResourceQuota (`<name>-builds`) on `requests.cpu`, `requests.memory` and
   * `pods`. A pipeline's `resources.requests` set its whole pod's requests (drone-runner-kube v1.0.0-rc.5
   * `engine/compiler/compiler.go:641-652`), each container's share up to `buildMaxCpu`/`buildMaxMemory`, so a pull
   * request could otherwise hold whole nodes with `capacity` such pods. A pod past the quota is refused at its
   * create, and the runner fails its stage with the API server's "exceeded quota": at least `capacity` pipelines'
   * `buildResources` requests must fit (refused at synth otherwise). A rolling runner runs up to twice `capacity`
   * pipelines for up to `gracePeriodSec` (the stopping one finishes its stages, the new one takes more), under the same
   * quota: the default `pods` holds them, `cpu` and `memory` only pipelines at their default requests. The runner's other build namespaces get none: a
   * team's or a route's is claimed by an exclusive policy for trusted events; one no exclusive policy claims is open
   * to pull requests that name it, without the quota.
   *
   * @default - `capacity` times a step's default limits (`buildResources`: 20 CPU and 40Gi for 10), and four times
   *   `capacity` pods: twice the pipelines while the runner rolls, and as many pods again being deleted, which still
   *   count until their grace period has passed (kubernetes pkg/quota/v1/evaluator/core/pods.go `QuotaV1Pod`); a
   *   pipeline is one pod, so only a rollout comes near it
   */
  readonly buildQuota?: BuildQuota;
  /**
   * The secrets extension pipelines read secrets from. A `DroneCi` made with this runner refuses it unless this is
   * the engine's `secretsExtension`.
   *
   * @default - none: pipelines get only secrets stored in Drone
   */
  readonly secretsExtension?: IDroneSecretsExtension;
  /**
   * The runner's labels (`DRONE_RUNNER_LABELS`): it then gets only the pipelines whose `node:` equals them exactly,
   * and no other runner gets those (harness v2.28.2 `scheduler/queue/queue.go:196-199,266-276`). This is how a
   * dedicated runner is routed; generate the pipelines' `node:` from `labels`. Keys and values are letters, digits,
   * ".", "_", "-" and "/".
   *
   * @default - none: the runner gets only pipelines without `node:`
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * A guard, not a route: the runner fails, rather than skips, a pipeline of any other repository that the server
   * hands it (`DRONE_LIMIT_REPOS`; globs, `*` not crossing `/`, matched case-sensitively: Go's `filepath.Match` in
   * drone-runner-kube v1.0.0-rc.5 `internal/match/match.go:39-50`, so write them in the forge's case). The server hands any pipeline to any runner whose
   * labels match, so a runner with `limitRepos` needs `labels`, and the repositories' pipelines a matching `node:`.
   *
   * @default - every repository
   */
  readonly limitRepos?: readonly string[];
  /**
   * Requests and limits of the runner container (not of the pipelines).
   *
   * @default - 100m/64Mi requested, 500m/256Mi limit
   */
  readonly resources?: Resources;
}

/**
 * The props of a `DroneKubeRunner` that decide how its pipelines run and which it refuses, beside `buildPodSecurity`
 * and `buildEgress`: what a runner that stands in for another (a team's dedicated runner) takes over from it
 * (`DroneKubeRunner.buildSettings`).
 */
export interface DroneRunnerBuildSettings {
  /**
   * The runner image.
   *
   * @default DroneKubeRunner.IMAGE
   */
  readonly image?: Image;
  /**
   * The image that clones the repository in every pipeline (`DRONE_IMAGE_CLONE`); relocated like the runner's own.
   * For a git server a private CA signs, give one built from `CLONE_IMAGE` with that CA in its system bundle: the
   * runner mounts no file into the clone step (README, "A private CA for the git server, OIDC and upstream registries").
   *
   * @default DroneKubeRunner.CLONE_IMAGE
   */
  readonly cloneImage?: Image;
  /**
   * The image every step starts from until the runner swaps in the step's image (`DRONE_IMAGE_PLACEHOLDER`).
   *
   * @default DroneKubeRunner.PLACEHOLDER_IMAGE
   */
  readonly placeholderImage?: Image;
  /**
   * What a pipeline's pod requests and each of its steps may use. The requests are the whole pod's
   * (`DRONE_RESOURCE_REQUEST_CPU/MEMORY`, unless the pipeline sets `resources.requests`): the runner splits them
   * across the pod's step containers and always sets them (drone-runner-kube v1.0.0-rc.5
   * `engine/compiler/compiler.go:644-711`); the one container it sets none on, a debug build's tmate init container
   * (`:455-466`), requests them whole by the LimitRange's `defaultRequest`, which adds nothing to the pod's requests. The limits are those of a step that
   * sets none, by a LimitRange `default` in each build namespace, so one build cannot starve a node; a step may set
   * its own `resources.limits` up to `buildMaxCpu` and `buildMaxMemory`. The requests must not exceed the limits,
   * so that no container's share of them exceeds its default limit. Memory is split in 4Mi parts and CPU in 1m, and
   * each container requests at least 4Mi and 1m (`DRONE_RESOURCE_MIN_REQUEST_*`, `command/daemon/config.go:76-77`),
   * so a pod of more containers than that holds parts requests more: at the default 128Mi, one of more than 32
   * containers (the clone step and each service included) requests 4Mi each.
   *
   * @default - 100m/128Mi requested per pipeline, 2 CPU/4Gi limit per step
   */
  readonly buildResources?: Resources;
  /**
   * The most CPU any one step may set as its limit (LimitRange `max`); at least `buildResources.cpuLimit`.
   *
   * @default "4"
   */
  readonly buildMaxCpu?: string;
  /**
   * The most memory any one step may set as its limit (LimitRange `max`); at least `buildResources.memoryLimit`.
   *
   * @default "8Gi"
   */
  readonly buildMaxMemory?: string;
  /**
   * The ephemeral storage of each container of a pipeline's pod (LimitRange `default` in each build namespace): the
   * node's disk its writable layer and logs take, which the kubelet bounds by evicting the pod, and with it the pod's
   * share for its volumes. The runner puts the workspace on an `emptyDir` without a size (drone-runner-kube
   * v1.0.0-rc.5 `engine/compiler/compiler.go:184-190`; `engine/convert.go:90-105` sets `sizeLimit` only on in-memory
   * volumes), as are a pipeline's own `temp` volumes, which an untrusted pipeline may declare
   * (`engine/linter/linter.go:200-205` refuses only in-memory ones): all on the node's disk, and counted against the
   * pod's total, this times its containers (one per step, the clone step and each service included). No step can set its
   * own (`engine/resource/pipeline.go:221-226`: CPU and memory only), so it is also the LimitRange's `max`. Each
   * container requests 256Mi of it (`defaultRequest`), which the scheduler counts against the node's disk.
   *
   * @default "4Gi"
   */
  readonly buildEphemeralStorageLimit?: string;
  /**
   * Whether remote debugging sessions with tmate are allowed. A debug build's pod then copies tmate in from
   * `DroneKubeRunner.TMATE_IMAGE` (`DRONE_TMATE_IMAGE`), relocated and pinned like the clone image.
   *
   * @default false
   */
  readonly tmate?: boolean;
  /**
   * Give the forge login Drone sends with each build (the netrc: for a private repository, the OAuth token of the
   * user who activated it, harness v2.28.2 `service/netrc/netrc.go:53-90`) to the clone step only
   * (`DRONE_NETRC_CLONE_ONLY`). Otherwise the runner puts it, as `DRONE_NETRC_USERNAME`, `DRONE_NETRC_PASSWORD` and
   * `DRONE_NETRC_FILE`, into every step (drone-runner-kube v1.0.0-rc.5 `engine/compiler/compiler.go:492-496`), where
   * a pull request's code, a fork's included, and every tool a step runs read it: a token that reads and writes
   * whatever that user can, in every repository. This is not a boundary against a hostile pipeline: a step that asks
   * for it (`from_secret: DRONE_NETRC_PASSWORD`) still gets it from the pod's Secret (`compiler.go:503-511`), as does
   * the first service, else the first step, of a pipeline with `clone: disable` (`compiler.go:495` gives it to step 0,
   * whichever that is: services come before steps, `compiler.go:356-414`);
   * see the README's "What a pull request can ask for". A step that needs the login, say to push a tag, asks for it so.
   *
   * @default true
   */
  readonly netrcCloneOnly?: boolean;
  /**
   * How long a stopping runner may take, in seconds (`terminationGracePeriodSeconds`). On SIGTERM (a rollout, such as
   * the one a team's onboarding causes by changing the policies; a node drain) the runner takes no new stage and
   * finishes those it runs: it runs each with a context no signal cancels (drone/runner-go v1.12.0
   * `poller/poller.go:16,77-78`) and exits once every poller has returned (`:33-51`; drone-runner-kube v1.0.0-rc.5
   * `command/daemon/daemon.go:60-68,261-265`). A stage ends at the latest at its repository's timeout, 60 minutes
   * unless changed (harness v2.28.2 `handler/api/repos/enable.go:72`; runner-go `pipeline/runtime/runner.go:146-147`),
   * then the runner deletes its pod and reports it. A stage still running when this period ends dies with the runner:
   * its pod stays in the build namespace, and Drone shows the build running until someone cancels it or the reaper
   * does, a day or more later (`DRONE_CLEANUP_INTERVAL`, `DRONE_CLEANUP_DEADLINE_RUNNING`: 24 h each,
   * `service/canceler/reaper/reaper.go:131-159`). Set it above the longest timeout your repositories have.
   *
   * @default 3900 - Drone's default timeout of 60 minutes, and 5 more to delete the pod and report
   */
  readonly gracePeriodSec?: number;
  /**
   * Only run pipelines for these events; others fail (a guard, like `limitRepos`).
   *
   * @default - every event
   */
  readonly limitEvents?: readonly PipelineEvent[];
  /**
   * Only run pipelines of repositories an admin marked trusted, e.g. for a dedicated deploy runner; others fail
   * (a guard, like `limitRepos`).
   *
   * @default false
   */
  readonly limitTrusted?: boolean;
}

/** Props of `DroneKubeRunner.addPolicy`. */
export interface RunnerPolicyProps {
  /** The policy's name. */
  readonly name: string;
  /**
   * The repositories it applies to: slugs or globs, in the forge's exact case. The runner matches them
   * case-sensitively against the slug as the forge spells it (runner-go v1.12.0 `manifest/cond.go:72-79`, with
   * bmatcuk/doublestar v1.1.1), where the secrets extension matches any case: `acme/app` does not route `Acme/App`,
   * whose pipelines then run in the default build namespace, with their secrets.
   */
  readonly repos: readonly string[];
  /**
   * The build namespace their pipelines are forced into.
   *
   * @default - the default build namespace
   */
  readonly namespace?: string;
  /**
   * The ServiceAccount their pipeline pods are forced to run as, in `namespace`.
   *
   * @default - the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;
  /**
   * The build events the policy applies to (`match.event`). For every other event, the repositories' pipelines are
   * pinned to the default build namespace and its `default` ServiceAccount, so that a pipeline cannot pick the
   * policy's namespace or ServiceAccount itself for, say, a pull request (only when the policy pins a ServiceAccount
   * or a namespace other than the default build namespace).
   *
   * @default - push, tag, promote, rollback, cron and custom: every event but pull_request
   */
  readonly events?: readonly PipelineEvent[];
  /**
   * Allow `PipelineEvent.PULL_REQUEST` in `events`: pull requests, which may come from forks, then run with the
   * policy's ServiceAccount.
   *
   * @default false
   */
  readonly allowPullRequests?: boolean;
  /**
   * Refuse the namespace to every other repository that asks for it in its pipeline (`DRONE_NAMESPACE_RULES_FILE`).
   *
   * @default true
   */
  readonly exclusive?: boolean;
}

const PORT = 3000;
const CONFIG_DIR = '/etc/drone-runner';
/** Drone's default repository timeout (60 minutes) and 5 more for the runner to delete the stage's pod and report: see `gracePeriodSec`. */
const DEFAULT_GRACE_PERIOD_SEC = 65 * 60;

/**
 * The Drone Kubernetes runner: it polls the server and runs each pipeline as a pod in a build namespace.
 *
 * It gets a Role with the upstream verbs in every build namespace, and policies pin namespaces and
 * ServiceAccounts per repository. Build namespaces admit no ingress, let their pods reach only DNS, the internet
 * outside the cluster's ranges and what is declared (`allowBuildEgress`), and mount no API token into pods that run
 * as their `default` ServiceAccount.
 */
export class DroneKubeRunner extends Construct {
  /** The default image. */
  public static readonly IMAGE = Image.of('docker.io/drone/drone-runner-kube:1.0.0-rc.5');
  /**
   * The default clone image, pinned instead of the runner's moving `drone/git:latest`: 1.2.0 is the newest tag that
   * clones as root, like pipeline steps, so steps never hit git's dubious-ownership check (1.2.1 runs as UID 1000
   * and `sudo chown`s the workspace; upstream reverted to root in drone/drone-git 3ccd783, after its last tag).
   * It is published for linux amd64, arm64 and arm (`docker/manifest.tmpl`).
   */
  public static readonly CLONE_IMAGE = Image.of('docker.io/drone/git:1.2.0');
  /** The runner's default placeholder image. */
  public static readonly PLACEHOLDER_IMAGE = Image.of('docker.io/drone/placeholder:1');
  /**
   * The image a debug build's pod copies tmate from, with `tmate: true`: the runner's own default for
   * `DRONE_TMATE_IMAGE` (drone-runner-kube v1.0.0-rc.5 `command/daemon/config.go:141`).
   */
  public static readonly TMATE_IMAGE = Image.of('docker.io/drone/drone-runner-docker:1');
  /**
   * The cluster DNS pods, which build pods may query by default: CoreDNS keeps kube-dns's label `k8s-app: kube-dns`
   * for compatibility (kubernetes/kubernetes cluster/addons/dns/coredns/coredns.yaml.base, and kubeadm's
   * cmd/kubeadm/app/phases/addons/dns/manifests.go). Where the DNS pods differ, set `buildEgress.dns`.
   */
  public static readonly CLUSTER_DNS = CLUSTER_DNS;
  /** The label key that names the runner on its build namespaces; `buildNamespaceLabels` holds it with its value. */
  public static readonly BUILD_NAMESPACE_LABEL = 'dockyard.dev/drone-runner';
  /** The label key that holds the runner's own namespace on its build namespaces. */
  public static readonly BUILD_NAMESPACE_RUNNER_NAMESPACE_LABEL = 'dockyard.dev/drone-runner-namespace';

  /** The namespace pipelines run in by default. */
  public readonly buildNamespace: string;
  /** The runner's pods, as a NetworkPolicy peer. */
  public readonly peer: NetworkPeer;
  /** The runner's labels: the `node:` of the pipelines it gets, empty for none. */
  public readonly labels: Readonly<Record<string, string>>;
  /**
   * The labels the runner puts on the build namespaces it creates (`dockyard.dev/drone-runner: <name>` and
   * `dockyard.dev/drone-runner-namespace: <namespace>`), so that policies elsewhere can select them as a group.
   */
  public readonly buildNamespaceLabels: Readonly<Record<string, string>>;
  /**
   * Every pod of the build namespaces the runner creates, as a NetworkPolicy peer (by `buildNamespaceLabels`), e.g.
   * to admit builds to an in-cluster service with one rule however many build namespaces there are.
   */
  public readonly buildPeer: NetworkPeer;
  /** The Pod Security level of the build namespaces it creates (`buildPodSecurity`). */
  public readonly buildPodSecurity: PodSecurityLevel;
  /**
   * The `buildEgress` it was given (`{}` for the defaults), which the egress policy of every build namespace starts
   * from: for a runner that stands in for this one (a team's dedicated runner) to take the same, and for checks of
   * what builds can reach (`TeamPlatform`'s `apiServer`). A copy: changing the object given changes nothing here.
   */
  public readonly buildEgress: BuildEgressProps;
  /**
   * What its pipelines run with and which it refuses, as given (an unset prop stays unset): for a runner that stands
   * in for this one (a team's dedicated runner) to run pipelines as this one does, e.g. with a mirrored clone image
   * in an air gap, or only trusted repositories'. Not its own placement (name, namespace, labels, `limitRepos`).
   */
  public readonly buildSettings: DroneRunnerBuildSettings;

  /** The policies of `addPolicy`, in the order added (see `orderedPolicies` for the order rendered). */
  private readonly policies: AddedPolicy[] = [];
  /** The team each of a team's policies belongs to, by policy name (`_placeAmongTeams`). */
  private readonly teamOfPolicy = new Map<string, string>();
  /** The policies that are no team's, in the order added (`_platformPolicies`). */
  private readonly platformPolicies: AddedPolicy[] = [];
  /** The names of the policies that are a `DroneCi` route's (`_markRoute`). */
  private readonly routeNames = new Set<string>();
  /** The policies of `leaveRepos`, rendered before every other: by repositories another runner takes. */
  private readonly leftRepos: Array<{ readonly namespace: string; readonly document: object }> = [];
  /** The namespaces `leaveRepos` pins to or closes, which must never be this runner's build namespaces. */
  private readonly leftNamespaces = new Set<string>();
  /** The namespaces `leaveRepos` closes to all but the repositories it leaves, with those repositories. */
  private readonly closedNamespaces = new Map<string, readonly string[]>();
  /** The namespaces `closeNamespace` closes to every pipeline (while none of them is a build namespace of this runner). */
  private readonly retiredNamespaces = new Set<string>();
  /**
   * Whether a policy places pipelines outside the pool (a ServiceAccount of its own, or a build namespace other than
   * the default that pull requests do not reach), as the `other-events` guard guards them, so that `pull-request-refs`
   * goes first.
   */
  private placesOutsidePool = false;
  private readonly policyNames = new Set<string>(RESERVED_POLICY_NAMES);
  /** The namespaces an exclusive policy claims: the keys of the namespace rules (`namespaceRules`). */
  private readonly claimedNamespaces = new Set<string>();
  /** The namespace the runner runs in, beside the server and the secrets extension. */
  public readonly namespace: string;
  /**
   * The secrets extension the runner asks for pipeline secrets (`DRONE_SECRET_PLUGIN_ENDPOINT`), if any: the only one
   * whose Secrets its pipelines get (`DroneCi` checks that it is the engine's).
   *
   * @default - none: pipelines get only secrets stored in Drone
   */
  public readonly secretsExtension?: IDroneSecretsExtension;
  private readonly builds: Construct;
  private readonly buildScopes: BuildNamespaceSet;
  /** The ServiceAccounts policies pin pipelines to, besides `default`, by build namespace. */
  private readonly accounts = new Map<string, Set<string>>();
  /** The build namespaces a policy pins pipelines to as `default` (one given no `serviceAccountName`). */
  private readonly defaultPinned = new Set<string>();
  /**
   * The repositories every event of which a policy places: those of a policy for every event, and the guard's.
   * Pipelines of other repositories may reach the catch-all.
   */
  private readonly placedRepos = new Set<string>();
  /** The repositories the runner runs (`limitRepos`, as matched), if limited. */
  private limitRepos?: readonly string[];

  public constructor(scope: Construct, id: string, props: DroneKubeRunnerProps) {
    super(scope, id);
    // a refusal names the runner (`constructRefusal`): a stack may hold several, the shared one and a team's dedicated ones
    try {
      checkRequiredObject('server', props.server, 'must be the DroneServer the runner polls for builds');
      checkRunnerServerRelease(props.server);
      const image = props.image ?? DroneKubeRunner.IMAGE;
      const { name, namespace, labels, selector, peer } = placement(this, {
        app: 'drone', component: 'runner', name: props.name, defaultName: 'drone-runner', namespace: props.namespace, version: image.tag,
      });
      this.peer = peer;
      this.namespace = namespace;
      this.secretsExtension = props.secretsExtension;
      this.buildNamespace = checkDnsLabel('buildNamespace', props.buildNamespace ?? `${namespace}-builds`);
      const extra = (props.extraBuildNamespaces ?? []).map((n) => checkDnsLabel('extraBuildNamespaces', n));
      checkUniqueList('extraBuildNamespaces', [this.buildNamespace, ...extra]);
      [this.buildNamespace, ...extra].forEach((n, i) => DroneKubeRunner.checkBuildNamespace(i === 0 ? 'buildNamespace' : 'extraBuildNamespaces', n, namespace));
      const capacity = checkInteger('capacity', props.capacity ?? 10, 1, 1000);

      const buildResources = props.buildResources ?? Resources.of({ cpuRequest: '100m', cpuLimit: '2', memoryRequest: '128Mi', memoryLimit: '4Gi' });
      const buildMax = { cpu: props.buildMaxCpu ?? '4', memory: props.buildMaxMemory ?? '8Gi' };
      if (parseCpu('buildMaxCpu', buildMax.cpu) < parseQuantity('cpuLimit', buildResources.cpuLimit)) {
        invalid('buildMaxCpu', buildMax.cpu, `must be at least buildResources.cpuLimit ${describeValue(buildResources.cpuLimit)}`);
      }
      if (parseQuantity('buildMaxMemory', buildMax.memory) < parseQuantity('memoryLimit', buildResources.memoryLimit)) {
        invalid('buildMaxMemory', buildMax.memory, `must be at least buildResources.memoryLimit ${describeValue(buildResources.memoryLimit)}`);
      }
      this.labels = runnerLabels(props.labels ?? {});
      this.buildNamespaceLabels = { [DroneKubeRunner.BUILD_NAMESPACE_LABEL]: name, [DroneKubeRunner.BUILD_NAMESPACE_RUNNER_NAMESPACE_LABEL]: namespace };
      this.buildPeer = NetworkPeer.namespaces(this.buildNamespaceLabels);
      this.buildPodSecurity = props.buildPodSecurity ?? PodSecurityLevel.BASELINE;
      const buildContext: BuildNamespaceContext = {
        name, labels, serviceAccount: { name, namespace }, namespaceLabels: this.buildNamespaceLabels,
        // the exact rules of the upstream manifests: pipeline secrets and pods, whose images the runner swaps in
        rules: [
          { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] },
          { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'create', 'delete', 'list', 'watch', 'update'] },
        ],
        podSecurity: this.buildPodSecurity,
        create: props.createBuildNamespaces ?? true,
        limits: buildResources._toKube().limits,
        // what a container the runner gives no request gets: the one such is a debug build's tmate init container
        // (engine/compiler/compiler.go:455-466 adds it to spec.Internal, which the split at :666-711 never reaches;
        // engine/convert.go:200-218 renders its zero resources as none). Unset, the API server would default it to the
        // limit (2 CPU and 4Gi), and the pod, which counts the larger of its init containers and the sum of the others,
        // would ask the scheduler and the quota for that; the pipeline's default requests add nothing to it
        defaultRequest: buildResources._toKube().requests,
        max: buildMax,
        ephemeralStorage: buildEphemeralStorage(props.buildEphemeralStorageLimit ?? DEFAULT_EPHEMERAL_STORAGE_LIMIT),
        pool: { namespace: this.buildNamespace, quota: droneBuildQuota(props.buildQuota, capacity, buildResources) },
        egress: baseEgressRules(props.buildEgress ?? {}, DroneKubeRunner.CLUSTER_DNS),
      };
      this.buildEgress = copyBuildEgress(props.buildEgress ?? {});
      const {
        image: runnerImage, cloneImage, placeholderImage, buildResources: givenResources, buildMaxCpu, buildMaxMemory, buildEphemeralStorageLimit, tmate,
        netrcCloneOnly, gracePeriodSec, limitEvents, limitTrusted,
      } = props;
      this.buildSettings = {
        image: runnerImage, cloneImage, placeholderImage, buildResources: givenResources, buildMaxCpu, buildMaxMemory, buildEphemeralStorageLimit, tmate,
        netrcCloneOnly, gracePeriodSec, limitEvents: limitEvents && [...limitEvents], limitTrusted,
      };
      this.buildScopes = new BuildNamespaceSet(runnerOwner(namespace), buildContext, this);
      this.builds = new Construct(this, 'Builds');
      // under the props that gave them, as the checks above: e.g. a Namespace the app defines already
      this.addBuildScope('buildNamespace', this.buildNamespace, {});
      extra.forEach((ns) => this.addBuildScope('extraBuildNamespaces', ns, {}));
      // build pods need nothing of the server: they clone from the git provider and talk among themselves over
      // localhost; only the runner polls the server, so only it is admitted: by a rule of its own, which goes with it
      // (a retired team's runner that an apply without pruning leaves running reaches neither the server nor the
      // secrets extension once its rules are gone)
      props.server.grantConnect(this.peer);

      const env = new EnvVars(namespace);
      env.value('DRONE_RPC_HOST', props.server.rpcHost);
      env.value('DRONE_RPC_PROTO', props.server.rpcProtocol);
      env.secret('DRONE_RPC_SECRET', props.server.rpcSecret);
      env.value('DRONE_RUNNER_CAPACITY', String(capacity));
      if (Object.keys(this.labels).length > 0) {
        env.value('DRONE_RUNNER_LABELS', Object.entries(this.labels).map(([k, v]) => `${k}:${v}`).join(','));
      }
      // the whole pod's requests, split across its containers; no DRONE_RESOURCE_LIMIT_*: the runner would cap every
      // step's own limit at it (compiler.go:683-692), where the LimitRange's max refuses a step above it visibly
      env.value('DRONE_RESOURCE_REQUEST_CPU', String(Math.ceil(parseQuantity('cpuRequest', buildResources.cpuRequest) * 1000)));
      env.value('DRONE_RESOURCE_REQUEST_MEMORY', String(Math.ceil(parseQuantity('memoryRequest', buildResources.memoryRequest))));
      env.value('DRONE_NAMESPACE_DEFAULT', this.buildNamespace);
      env.value('DRONE_POLICY_FILE', `${CONFIG_DIR}/policies.yaml`);
      env.value('DRONE_NAMESPACE_RULES_FILE', `${CONFIG_DIR}/namespace-rules.yaml`);
      env.value('DRONE_TMATE_ENABLED', String(props.tmate ?? false));
      // the forge login to the clone step alone: left to the runner's default, every step of a private repository's
      // pipeline, a pull request's too, held its activating user's OAuth token (see netrcCloneOnly)
      env.value('DRONE_NETRC_CLONE_ONLY', String(props.netrcCloneOnly ?? true));
      const buildImages = [props.cloneImage ?? DroneKubeRunner.CLONE_IMAGE, props.placeholderImage ?? DroneKubeRunner.PLACEHOLDER_IMAGE,
        ...(props.tmate ? [DroneKubeRunner.TMATE_IMAGE] : [])];
      env.image('DRONE_IMAGE_CLONE', this, buildImages[0]);
      // by tag, whatever digests are pinned: the runner tells a step still waiting on its placeholder by the container
      // status's image matching the placeholder (drone-runner-kube v1.0.0-rc.5 engine/podwatcher/watcher.go:178), and
      // containerd records no tag for an image pulled by digest (internal/cri/util/references.go:43-53), so the status
      // of a pinned placeholder may read as its image ID and the placeholder as the step begun
      env.image('DRONE_IMAGE_PLACEHOLDER', this, buildImages[1], { byTag: true });
      if (props.tmate) {
        // a debug build's pod gets an init container of this image, which copies tmate in (engine/compiler/compiler.go:456-466,
        // engine/convert.go:200-207): left unset, it was Docker Hub's drone/drone-runner-docker:1 under any relocation,
        // listed nowhere, and an air-gapped cluster's debug builds never started
        env.image('DRONE_TMATE_IMAGE', this, buildImages[2]);
      }
      // every container of a pipeline's pod starts from the placeholder and is swapped for its step's image, the clone
      // step's being the clone image (drone-runner-kube v1.0.0-rc.5 engine/convert.go:210-213,
      // engine/launcher/launcher.go:160, engine/compiler/compiler.go:355-367); the pod pulls both with the one pull
      // secret its pipeline's image_pull_secrets make, else with its ServiceAccount's (convert.go:32,301-309): checked
      // at synth, once every policy and pull secret is known
      this.node.addValidation({ validate: () => {
        this.checkPolicyAccounts(name);
        this.checkBuildPulls(buildImages);
        this.warnOpenPullSecrets(name);
        this.warnMisclosedNamespaces(name, namespace);
        return [];
      } });
      // the namespaces closed now, listed in the output's mark: a later synth tells a namespace closed anew from one
      // closed before (warnMisclosedNamespaces), and a name leaves the list, unwarned, when its closing goes
      recordNames(this, {
        owner: closedNamespacesOwner(namespace, name), declared: () => new Set(this.closedNow()), retired: () => new Set(),
        accepts: (ns) => /^[a-z0-9-]+$/.test(ns),
      });
      if (props.secretsExtension) {
        env.value('DRONE_SECRET_PLUGIN_ENDPOINT', props.secretsExtension.endpoint);
        env.secret('DRONE_SECRET_PLUGIN_TOKEN', props.secretsExtension.token);
        props.secretsExtension.grantAccess(this.peer);
      }
      if (props.limitRepos) {
        const limitRepos = accessAnnotations({ repos: props.limitRepos })['X-Drone-Repos'];
        env.value('DRONE_LIMIT_REPOS', limitRepos);
        this.limitRepos = limitRepos.split(',');
        if (Object.keys(this.labels).length === 0) {
          invalid('limitRepos', props.limitRepos, 'needs labels: the server hands any pipeline to any runner with matching labels, ' +
            'and this runner fails those of other repositories; route them with labels and a matching node: in their pipelines');
        }
      }
      if (props.limitEvents) {
        env.value('DRONE_LIMIT_EVENTS', checkEvents('limitEvents', props.limitEvents).join(','));
      }
      if (props.limitTrusted) {
        env.value('DRONE_LIMIT_TRUSTED', 'true');
      }

      // two ConfigMaps, each bounded by its own part of the configuration (a policy per team, a rule per build
      // namespace), projected into one directory
      kube(this, 'Config', 'ConfigMap', {
        metadata: { name: `${name}-config`, namespace, labels },
        // one flow-style document per line (the runner decodes the file document by document with buildkite/yaml,
        // engine/policy/parser.go): smaller than block style, and than JSON once the ConfigMap's own JSON escapes its
        // quotes, which at a thousand teams keeps the object under the 256 KiB that client-side kubectl apply stores
        // checked as they render, after the chart's validation: in one chart, TeamPlatform refuses an overlapping route
        // first; in another (a chart renders before the next is validated), this refuses it in the same words
        data: { 'policies.yaml': Lazy.any({ produce: () => { this.checkTeamsApart(); return this.renderedPolicies().map((p) => toFlowYaml(p)).join('\n---\n') + '\n'; } }) },
      });
      kube(this, 'NamespaceRules', 'ConfigMap', {
        metadata: { name: `${name}-namespace-rules`, namespace, labels },
        data: { 'namespace-rules.yaml': Lazy.any({ produce: () => toYaml([this.namespaceRules()]) }) },
      });
      serviceAccount(this, 'ServiceAccount', { name, namespace, labels });
      deployment(this, 'Resource', {
        name, namespace, labels, selector,
        // images the build pods run, for image lists and mirroring
        annotations: Images.annotation(this, buildImages, { byTag: [buildImages[1]] }),
        serviceAccountName: name,
        automountToken: true,
        terminationGracePeriodSeconds: checkInteger('gracePeriodSec', props.gracePeriodSec ?? DEFAULT_GRACE_PERIOD_SEC, 0),
        // the image runs as root by default, but writes nothing and listens on an unprivileged port
        runAs: { user: 65532, group: 65532 },
        containers: [{
          name: 'runner',
          image,
          ports: { http: PORT },
          env,
          mounts: [{ volume: 'config', path: CONFIG_DIR, readOnly: true }],
          probes: probesOf(httpGet('/healthz', 'http'), 60),
          resources: props.resources ?? Resources.of({ cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' }),
        }],
        volumes: [{
          name: 'config',
          projected: { sources: [{ configMap: { name: `${name}-config` } }, { configMap: { name: `${name}-namespace-rules` } }] },
        }],
      });
      // the runner serves only its health check: admit nothing
      new PodFirewall(this, 'NetworkPolicy', { name, namespace, podLabels: selector });
    } catch (e) {
      throw constructRefusal('DroneKubeRunner', this, e);
    }
  }

  /** Every namespace pipelines may run in: the default build namespace first, then the others in the order added. */
  public get buildNamespaces(): readonly string[] {
    return this.buildScopes.names;
  }

  /**
   * Let pipelines run in `namespace` too, with everything a build namespace gets: the Namespace with its Pod
   * Security level and `buildNamespaceLabels` (unless `create` is false), the runner's Role and RoleBinding there, the
   * LimitRange, a NetworkPolicy that admits no ingress, the egress policy (`buildEgress` and what
   * `allowBuildEgress` declared for every build namespace), and a `default` ServiceAccount that mounts no API token.
   * Policies may then pin repositories to it (`addPolicy`). Every check runs before anything is defined
   * (`BuildNamespaceSet.add`), so a refusal changes nothing.
   */
  public addBuildNamespace(namespace: string, options: BuildNamespaceOptions = {}): void {
    this.addBuildScope('namespace', namespace, options);
  }

  /**
   * Refuse or warn of a policy whose ServiceAccount (`serviceAccountName`) the app does not render in its namespace
   * (`checkPinnedAccounts`): the runner sets the pod's `serviceAccountName` from the policy whatever the cluster holds
   * (drone-runner-kube v1.0.0-rc.5 `engine/policy/policy.go:105-107`, `engine/convert.go:25`), so the runner fails the
   * stage at the pod's create, with every build of the policy's repositories and events.
   */
  private checkPolicyAccounts(runnerName: string): void {
    const pinned = this.policies.flatMap(({ name, account }) => account === undefined ? [] : [{ owner: `runner policy ${describeValue(name)}`, ...account }]);
    checkPinnedAccounts(this, `Drone runner ${describeValue(runnerName)}`, pinned, 'every pod the policy places');
  }

  /**
   * Refuse build namespaces whose pods cannot pull the clone or placeholder image, or with `tmate` the tmate image
   * (`checkBuildPulls`), each ServiceAccount its pipelines run as judged on its own: one a policy pins there, and
   * `default` where some pipelines run as it (`runsAsDefault`).
   */
  private checkBuildPulls(images: readonly Image[]): void {
    const [clone, placeholder, tmate] = images;
    const pulled: BuildImage[] = [
      buildImage(this, clone, 'Drone\'s clone image, DRONE_IMAGE_CLONE'), buildImage(this, placeholder, 'Drone\'s placeholder image, DRONE_IMAGE_PLACEHOLDER'),
      ...(tmate === undefined ? [] : [buildImage(this, tmate, 'Drone\'s tmate image of debug builds, DRONE_TMATE_IMAGE')]),
    ];
    const projects = new ProjectLookup(this);
    const catchAll = this.catchAllRuns();
    for (const namespace of this.buildNamespaces) {
      const pinned = [...this.accounts.get(namespace) ?? []].sort();
      checkBuildPulls(this, {
        namespace, images: pulled, accounts: [...(this.runsAsDefault(namespace, catchAll) ? [DEFAULT_ACCOUNT] : []), ...pinned],
        notCounted: 'a pipeline\'s own image_pull_secrets are not counted: the pipelines that name none, those the guards and the catch-all ' +
          'place among them, pull these images too',
      }, projects);
    }
  }

  /**
   * Warn, once, when `closeNamespace` closes a namespace where the previous output held none of this runner's Roles
   * (`roleName`, the runner's name), while it held one in a namespace this synth neither builds in nor closes:
   * the namespace of a retired team given as another (`TeamPlatform.retireTeam`'s `buildNamespace`, `<name>-builds`
   * unless given), which stays open to any pipeline that names it while the Role stays in the cluster
   * (`closeNamespace`). Only a synth whose previous output held the Role can tell: the next one cannot. A namespace
   * the previous output's mark lists as closed already is left out: a team retired by an earlier synth is not one
   * given for another now (a build namespace dropped from the code beside it is the left objects' warning's).
   */
  private warnMisclosedNamespaces(roleName: string, namespace: string): void {
    if (this.retiredNamespaces.size === 0) {
      return;
    }
    const previous = previousOutput(this);
    const held = new Set([...previous.objects('rbac.authorization.k8s.io', 'Role')]
      .filter((r) => r.endsWith(`/${roleName}`)).map((r) => r.slice(0, r.indexOf('/'))));
    // the namespaces its mark lists as closed: a team retired by an earlier synth is no mistake of this one's
    const owner = closedNamespacesOwner(namespace, roleName);
    const before = new Set(previous.namesOf(owner));
    const rules = this.namespaceRules();
    const open = [...held].filter((ns) => !(ns in rules) && !this.buildScopes.has(ns)).sort(compare);
    // a namespace closed anew that held no Role, beside one that stays open: one given for the other, as far as can be told
    const closed = this.closedNow().filter((ns) => !held.has(ns) && !before.has(ns)).sort(compare);
    if (open.length === 0 || closed.length === 0) {
      return;
    }
    warnOnce(this, `Drone runner ${describeValue(roleName)} closes ${fewOf(closed)} to every pipeline (retireTeam, closeNamespace), where the previous ` +
      `output held none of its Roles, and leaves open ${fewOf(open)}, where it held its Role and RoleBinding and no longer builds: an apply without ` +
      'pruning leaves them, and any pipeline that names the namespace in metadata.namespace runs there, beside what is left there ' +
      '(drone-runner-kube v1.0.0-rc.5 engine/linter/linter.go:207-224); if it was a retired team\'s build namespace, pass it, ' +
      `retireTeam(<name>, { buildNamespace: ${describeValue(open[0])} }), as its addTeam had it, or close it with closeNamespace`);
  }

  /** The namespaces `closeNamespace` closes now: those that are no build namespace of this runner. */
  private closedNow(): string[] {
    return [...this.retiredNamespaces].filter((ns) => !this.buildScopes.has(ns));
  }

  /**
   * Warn, once per namespace, of a build namespace other than the default that the namespace rules leave open while
   * some pipeline may reach the catch-all, and whose `default` ServiceAccount pulls with pull secrets the default
   * build namespace's does not: any pipeline, a fork's pull request included, may name it in `metadata.namespace` and
   * run there as `default`, pulling with those logins. drone-runner-kube v1.0.0-rc.5 `engine/linter/linter.go:207-223`
   * admits a namespace the rules do not list, and `engine/policy/policy.go:56-59` sets a namespace only when the
   * policy gives one, which the catch-all does not (`engine/compiler/compiler.go:215,232-235` keeps the pipeline's).
   * Logins the default build namespace's `default` has too are left out: every pipeline has those anyway.
   */
  private warnOpenPullSecrets(runnerName: string): void {
    if (!this.catchAllRuns()) {
      return;
    }
    let users: UserAccounts | undefined;
    const secretsOf = (namespace: string) => PullAccess.accountPullSecrets(this, namespace, DEFAULT_ACCOUNT, (users ??= userAccounts(this))) ?? [];
    let pool: ReadonlySet<unknown> | undefined;
    for (const namespace of this.buildNamespaces) {
      if (namespace === this.buildNamespace || this.claimedNamespaces.has(namespace)) {
        continue;
      }
      const found = secretsOf(namespace);
      if (found.length === 0) {
        continue;
      }
      pool ??= new Set(secretsOf(this.buildNamespace).filter((s) => typeof s !== 'string'));
      const exposed = [...new Set(found.filter((s) => !pool!.has(s)).map((s) => (typeof s === 'string' ? describeValue(s) : describeValue(`${s.namespace}/${s.secretName}`))))].sort();
      if (exposed.length === 0) {
        continue;
      }
      warnOnce(this, `Drone runner ${describeValue(runnerName)}: build namespace ${describeValue(namespace)} is open to every pipeline, pull requests ` +
        'from forks included (no route claims it exclusively, and the runner admits any pipeline that names it in metadata.namespace), and its ' +
        `default ServiceAccount pulls with pull secret${exposed.length > 1 ? 's' : ''} ${exposed.join(', ')}, so any pipeline can pull with ` +
        `${exposed.length > 1 ? 'their' : 'its'} logins; claim the namespace with a route (addRoute, or addPolicy without exclusive: false), ` +
        'or keep the pull secret out of it (its namespaces)');
    }
  }

  /**
   * Whether some pipelines run in `namespace` as its `default` ServiceAccount: in the default build namespace (the
   * guards `pull-request-refs` and `other-events` place pipelines there as `default`), where a policy pins them as
   * `default`, and, while some pipeline may reach the catch-all (`catchAll`), in any build namespace the namespace
   * rules leave open: the catch-all sets no namespace, so such a pipeline runs in the one it names, as `default`,
   * wherever no rule restricts it (drone-runner-kube v1.0.0-rc.5 `engine/linter/linter.go:207-224` admits a
   * namespace the rules do not list).
   */
  private runsAsDefault(namespace: string, catchAll: boolean): boolean {
    return namespace === this.buildNamespace || this.defaultPinned.has(namespace) || (catchAll && !this.claimedNamespaces.has(namespace));
  }

  /**
   * Whether some pipeline may reach the catch-all: unless the runner runs only repositories (`limitRepos`) whose
   * every event a policy or the guard places (a team's dedicated runner, whose route and guard place its
   * repositories, those it is limited to).
   */
  private catchAllRuns(): boolean {
    return this.limitRepos === undefined || !this.limitRepos.every((r) => this.placedRepos.has(r));
  }

  /** `addBuildNamespace`, its refusals of `namespace` naming the prop `prop` that gave it. */
  private addBuildScope(prop: string, namespace: string, options: BuildNamespaceOptions): void {
    if (this.leftNamespaces.has(namespace)) {
      // a team's pull-request namespace: refused naming the team, as any namespace a team owns is
      checkNotOwnedNamespace(this, prop, namespace);
      invalid(prop, namespace, 'must not be a namespace this runner leaves repositories to (leaveRepos): it would run their pipelines there, ' +
        'with their secrets');
    }
    this.buildScopes.add(namespace, options, (context) => new BuildNamespace(this.builds, namespace, context, options), prop);
  }

  /**
   * Let build pods open TCP connections to `peer` on `ports`, e.g. to an in-cluster git server or registry, or
   * `NetworkPeer.ipBlock` for a private address outside the cluster. The peer's own NetworkPolicy must admit the
   * build namespaces too (`NetworkPeer.namespace`, or `buildPeer` for all of them).
   *
   * @param options `namespaces`: only these build namespaces, e.g. a team's namespace that reaches its own service
   */
  public allowBuildEgress(peer: NetworkPeer, ports: number[], options: BuildEgressOptions = {}): void {
    this.buildScopes.allowEgress(peer, ports, options);
  }

  /**
   * Give `runner`'s build namespaces, those it adds later included, the egress declared here for every build
   * namespace (`allowBuildEgress` without `namespaces`): what was declared so far, and what is declared later. For
   * a runner that stands in for this one, such as a team's dedicated runner, whose builds must reach the registry
   * or git server this runner's builds reach. Egress declared for named namespaces stays with those, and
   * `buildEgress` is `runner`'s own: make it with this runner's.
   */
  public shareBuildEgressWith(runner: DroneKubeRunner): void {
    this.buildScopes.shareEgressWith(runner.buildScopes);
  }

  /**
   * Pin the pipelines of some repositories, for some events, to a build namespace and ServiceAccount. Policies
   * override the pipeline's own choice; the first that matches wins, in the order they are added
   * (drone-runner-kube v1.0.0-rc.5 `engine/policy/match.go:12-24`), except a team's (`TeamPlatform.addTeam`), which
   * go after every other, by team name: a team's repositories may match no other policy (refused at synth otherwise).
   * Unless the policy covers every event, a guard
   * (the policy `other-events`, one for all policies) pins the same repositories' other events to the default build
   * namespace and its `default` ServiceAccount, so a pull request never runs with a deploy identity. The guard is
   * rendered after every policy, so two policies for one repository and different events (push to deploy, promote
   * to release) both apply.
   *
   * A pipeline's own `service_account_name` never applies: the runner takes it unless a policy sets one
   * (`engine/compiler/compiler.go:220,257-259`, `engine/policy/policy.go:105-106`), so every policy sets one (the
   * namespace's `default` unless `serviceAccountName` is given), and a last policy named `default`, matching every
   * pipeline, sets `default` for the pipelines no other policy places. Once a policy pins a ServiceAccount, or a build
   * namespace other than the default without taking `pull_request` there, a first policy, `pull-request-refs`, pins
   * every event but `pull_request` of a pull request's ref (a promote, rollback or custom build of it, or a forge deployment: harness v2.28.2 `handler/api/repos/builds/promote.go:65-66` copies
   * the ref and fork), and of the empty ref of a GitHub deployment by commit SHA, to the default build namespace as
   * `default`: those may run a pull request's code.
   *
   * Repositories match case-sensitively (`RunnerPolicyProps.repos`). The runner's glob is doublestar's, not the
   * secrets extension's `path.Match`, and the two differ on two forms, which are refused so that a policy and the
   * secrets granted to the same patterns cover the same repositories: a part that is exactly `**` (it then matches
   * across `/`, e.g. GitLab subgroups), and a part ending in three or more `*` (it then needs a character there).
   */
  public addPolicy(props: RunnerPolicyProps): void {
    const { name, namespace, serviceAccount, repos, events, allEvents, exclusive } = this.policyOf(props, new Set());
    // only a policy that grants a namespace or ServiceAccount needs its other events pinned back
    const guard = !allEvents && (serviceAccount !== undefined || namespace !== this.buildNamespace);
    this.policyNames.add(name);
    // the events as a list of what is allowed, never as an exclusion: an event Drone adds later gets no identity
    const event = allEvents ? {} : { event: events };
    // `kind: policy` as the upstream docs write it: some runner versions keep only documents of that kind. Always a
    // ServiceAccount: without one the pipeline's own `service_account_name` stays (policy.go:105-106)
    const added: AddedPolicy = {
      name,
      repos,
      document: { kind: 'policy', name, match: { repo: repos, ...event }, metadata: { namespace }, service_account: serviceAccount ?? DEFAULT_ACCOUNT },
      // the same repositories' other events: otherwise their pipelines' own metadata.namespace and
      // service_account_name apply, and the namespace rules admit these repositories to `namespace`
      guardedRepos: guard ? repos : [],
      claims: exclusive ? { namespace, repos } : undefined,
      account: serviceAccount === undefined ? undefined : { namespace, name: serviceAccount },
    };
    this.policies.push(added);
    this.platformPolicies.push(added);
    // a pull request's code under another event would reach what the guard keeps its pull requests from: the
    // namespace's egress and pull secrets, outside the pool's quota, as well as an identity. Not for a namespace whose
    // policy takes pull_request (allowPullRequests): its pull requests run there themselves
    if (serviceAccount !== undefined || (namespace !== this.buildNamespace && !events.includes(PipelineEvent.PULL_REQUEST))) {
      this.placesOutsidePool = true;
    }
    if (serviceAccount !== undefined) {
      this.accounts.set(namespace, new Set([...(this.accounts.get(namespace) ?? []), serviceAccount]));
    } else {
      this.defaultPinned.add(namespace);
    }
    if (guard || allEvents) {
      repos.forEach((r) => this.placedRepos.add(r));
    }
    if (exclusive) {
      this.claimedNamespaces.add(namespace);
    }
  }

  /**
   * Leave the pipelines of `repos` to another runner, such as a team's dedicated one, so that this runner fails any
   * of them that still reaches it before their secrets are written anywhere. The server hands a pipeline without
   * `node:` to a runner without labels (harness v2.28.2 `scheduler/queue/queue.go:266-276`), this one, whatever its
   * repository, and the secrets extension serves a pipeline's secrets by its repository and event alone; without this
   * a dedicated team's pipeline that forgot its `node:` ran in this runner's default build namespace, among other
   * teams' builds, with the team's credentials in a Secret there. A first policy now pins every event of `repos` to
   * `namespace`, a build namespace of the other runner, where this runner has no Role: the runner compiles the
   * pipeline, then creates its Secret in the pod's namespace before the pod (drone-runner-kube v1.0.0-rc.5
   * `engine/engine_impl.go:82-95`), which the API server refuses, and the stage fails with that error. The namespace
   * may not become one of this runner's later (`addBuildNamespace` refuses it). The policy matches `repos` in any case
   * of their letters, as the secrets extension does (drone-kubernetes-secrets `plugin/match.go` lower-cases both
   * sides), where the runner's own match is exact (bmatcuk/doublestar v1.1.1 `Match`, whose `[...]` sets this uses):
   * a repository whose forge spells it otherwise than `repos` still gets its secrets, and is still failed here.
   *
   * `closedNamespaces`, the other runner's build namespaces where this runner may have built before (a team's build
   * namespace, until the team moved to a runner of its own), go in this runner's namespace rules with `repos` alone:
   * the rules refuse another repository's pipeline that names such a namespace (`engine/linter/linter.go:207-224`),
   * so this runner's Role there, which an apply without pruning leaves in the cluster, runs no other repository's
   * pipelines beside the team's Secrets. Its catch-all sets no namespace, so without the rule a pipeline it places
   * keeps the namespace it names (`engine/compiler/compiler.go:212-235`).
   *
   * @param repos the other runner's repositories, as its `limitRepos` names them
   * @param namespace a build namespace of the other runner, never one of this runner's: its pull-request namespace
   * @param closedNamespaces other build namespaces of the other runner, never one of this runner's, whose rules name `repos`;
   *   by default none
   */
  public leaveRepos(repos: readonly string[], namespace: string, closedNamespaces: readonly string[] = []): void {
    for (const ns of [namespace, ...closedNamespaces]) {
      checkDnsLabel('namespace', ns);
      if (this.buildScopes.has(ns)) {
        invalid('namespace', ns, `must not be a build namespace of ${this.node.id}: it would run there the pipelines it leaves to another runner`);
      }
    }
    [namespace, ...closedNamespaces].forEach((ns) => this.leftNamespaces.add(ns));
    closedNamespaces.forEach((ns) => this.closedNamespaces.set(ns, [...repos]));
    this.leftRepos.push({
      namespace, document: { kind: 'policy', name: LEFT_REPOS, match: { repo: repos.map(anyCase) }, metadata: { namespace }, service_account: DEFAULT_ACCOUNT },
    });
  }

  /**
   * Close `namespace`, where this runner built before and builds no more (a retired team's build namespace), to every
   * pipeline: it goes in the namespace rules with no repository, which the runner's linter reads as "none may name it"
   * (drone-runner-kube v1.0.0-rc.5 `engine/linter/linter.go:207-224`: a namespace the rules list admits only a
   * repository matching one of its patterns). This runner's Role and RoleBinding there, which an apply without pruning
   * leaves in the cluster (lib/core/left-objects.ts names them), let it create pods and Secrets there, and the
   * catch-all policy sets no namespace, so any pipeline that reaches it and names the namespace in `metadata.namespace`
   * ran there (`engine/compiler/compiler.go:212-235`), beside what the team left: its pull secret, its deploy identity,
   * and egress to the API server. A namespace that is (or becomes) a build namespace of this runner, or one `leaveRepos`
   * closes to its repositories, keeps those rules: the closing yields to them, whatever the order of the calls.
   *
   * @param namespace a namespace this runner may have built in before
   */
  public closeNamespace(namespace: string): void {
    this.retiredNamespaces.add(checkDnsLabel('namespace', namespace));
  }

  /**
   * Mark the policy `policyName`, added already, as team `team`'s, whose repositories no other policy of this runner
   * may match (`TeamPlatform` refuses a team overlapping another team, a platform grant or a policy of this runner
   * not a team's, `_platformPolicies`; and the runner itself, as its policies render, `checkTeamsApart`). The runner
   * renders the teams' policies after every other, in the order of
   * their teams' names, whatever the order of the `addTeam` calls, so that onboarding the same teams in another order
   * changes neither its configuration nor its pods.
   *
   * @internal
   */
  public _placeAmongTeams(policyName: string, team: string): void {
    this.teamOfPolicy.set(policyName, team);
    // the team's policy is the last added, as a rule: found from the end
    const i = this.platformPolicies.map((p) => p.name).lastIndexOf(policyName);
    if (i >= 0) this.platformPolicies.splice(i, 1);
  }

  /**
   * Refuse a policy that is no team's but can match a repository a team's policy matches (`reposOverlap`): the teams'
   * policies are rendered after every other (`orderedPolicies`), so it would place the team's pipelines, whichever
   * was added first. `TeamPlatform.addTeam` refuses it earlier for a policy added before the team; this covers those
   * added after it, and a `Team` made without a `TeamPlatform`.
   */
  private checkTeamsApart(): void {
    if (this.teamOfPolicy.size === 0 || this.platformPolicies.length === 0) {
      return;
    }
    for (const team of this.policies.filter((p) => this.teamOfPolicy.has(p.name))) {
      for (const policy of this.platformPolicies) {
        for (const repo of policy.repos) {
          const theirs = team.repos.find((r) => reposOverlap(repo, r));
          if (theirs !== undefined) {
            // a route in TeamPlatform's words (which refuses it too, first when both are in one chart)
            const [what, why] = this.routeNames.has(policy.name)
              ? ['route', 'so it would apply to the team\'s repositories too']
              : ['runner policy', 'and a team\'s policy comes after every other, so it would place the team\'s pipelines'];
            invalid('repos', repo, `of the ${what} ${describeValue(policy.name)} must not overlap the repositories of team ` +
              `${describeValue(this.teamOfPolicy.get(team.name))}: it can match the same repository as ${describeValue(theirs)}, ${why}; narrow one of them`);
          }
        }
      }
    }
  }

  /**
   * Mark the policy `policyName`, added already, as a `DroneCi` route's, for the messages that name it.
   *
   * @internal
   */
  public _markRoute(policyName: string): void {
    this.routeNames.add(policyName);
  }

  /**
   * The name and repositories of every policy added with `addPolicy` that is no team's (`_placeAmongTeams`), for
   * `TeamPlatform`'s overlap checks: a `DroneCi` route is a grant too, but a policy added to the runner directly is
   * not, and one that matched a team's repositories would place its pipelines, as it comes first.
   *
   * @internal
   */
  public _platformPolicies(): ReadonlyArray<{ readonly name: string; readonly repos: readonly string[] }> {
    return this.platformPolicies;
  }

  /**
   * Refuse a build namespace (the prop `prop`) that is the runner's own namespace `runnerNamespace`, where its
   * Secrets are: e.g. for a runner not made yet, such as a team's dedicated one.
   */
  public static checkBuildNamespace(prop: string, namespace: string, runnerNamespace: string): void {
    checkNotOwnNamespace(prop, namespace, runnerOwner(runnerNamespace));
  }

  /**
   * Check `props` as the first policy of a runner not made yet, whose default build namespace is `buildNamespace`,
   * whose further build namespaces are `extraBuildNamespaces` and whose `limitEvents` are `limitEvents` (a team's
   * dedicated runner): the checks `addPolicy` will run there, defining nothing.
   *
   * @param extraBuildNamespaces the runner's `extraBuildNamespaces`, which the policy may name. `@default` - none
   */
  public static checkFirstPolicy(props: RunnerPolicyProps, buildNamespace: string, limitEvents?: readonly PipelineEvent[],
    extraBuildNamespaces: readonly string[] = []): void {
    const namespaces = [buildNamespace, ...extraBuildNamespaces];
    checkedPolicy(props, {
      buildNamespace, hasBuildNamespace: (namespace) => namespaces.includes(namespace), buildNamespaces: () => namespaces,
      policyNames: new Set(RESERVED_POLICY_NAMES), limitEvents,
    });
  }

  /**
   * Check, changing nothing, that `addPolicy(props)` would be accepted once `pendingNamespaces` are build namespaces
   * too: throw the one-line error it would throw. A caller that adds the policy's namespace first, and would have to
   * undo it on a refusal (`DroneCi.checkAdditions` for `TeamPlatform.addTeam`), checks the policy before.
   *
   * @param props the policy, as `addPolicy` would be given it
   * @param pendingNamespaces build namespaces the caller adds before the policy (`addBuildNamespace`), which the
   *   policy may name as if they were the runner's; they are not checked themselves (`addBuildNamespace` checks them).
   *   `@default` - none: only the runner's build namespaces
   */
  public checkPolicy(props: RunnerPolicyProps, pendingNamespaces: ReadonlySet<string> = new Set()): void {
    this.policyOf(props, pendingNamespaces);
  }

  /**
   * Every check of `addPolicy`, in its order, against the runner's build namespaces and `pending`, changing nothing:
   * the policy as `addPolicy` renders it.
   */
  private policyOf(props: RunnerPolicyProps, pending: ReadonlySet<string>): CheckedPolicy {
    // first, so that a team's namespace is refused naming its team, whether the runner builds there or not
    checkNotOwnedNamespace(this, 'namespace', props?.namespace ?? this.buildNamespace);
    return checkedPolicy(props, {
      buildNamespace: this.buildNamespace,
      hasBuildNamespace: (namespace) => pending.has(namespace) || this.buildScopes.has(namespace),
      buildNamespaces: () => this.buildNamespaces,
      policyNames: this.policyNames,
      limitEvents: this.buildSettings.limitEvents,
    });
  }


  /**
   * Every policy in the order the runner tries them (the first that matches applies, `engine/policy/match.go:12-24`):
   * those of `leaveRepos`, `pull-request-refs` once a policy places pipelines outside the pool, the policies as added, the
   * `other-events` guard, and the catch-all `default`.
   */
  private renderedPolicies(): object[] {
    const left = [...this.leftRepos].sort((a, b) => compare(a.namespace, b.namespace)).map((l) => l.document);
    return [...left, ...this.pullRequestRefs(), ...this.orderedPolicies().map((p) => p.document), ...this.guard(), this.catchAll()];
  }

  /**
   * The policies of `addPolicy` in the order the runner tries them: as added, the teams' (`_placeAmongTeams`) last,
   * in the order of their teams' names. A team's repositories match no other policy, so where its policy stands
   * changes no pipeline's placement, and the order of the `addTeam` calls, which may be a file's or a directory
   * listing's, changes nothing. `leaveRepos` policies go by their namespaces: each fails its pipelines wherever it stands.
   */
  private orderedPolicies(): AddedPolicy[] {
    if (this.teamOfPolicy.size === 0) {
      return this.policies;
    }
    const teams = this.policies.filter((p) => this.teamOfPolicy.has(p.name));
    teams.sort((a, b) => compare(this.teamOfPolicy.get(a.name)!, this.teamOfPolicy.get(b.name)!));
    return [...this.platformPolicies, ...teams];
  }

  /**
   * The namespace rules (`engine/linter/linter.go:207-224`): for each namespace an exclusive policy claims, the
   * repositories whose pipelines may name it, in the order the policies are rendered; then the namespaces
   * `leaveRepos` closes, by name; then those `closeNamespace` closes to all, by name.
   */
  private namespaceRules(): Record<string, string[]> {
    const rules: Record<string, string[]> = {};
    for (const { claims } of this.orderedPolicies()) {
      if (claims !== undefined) rules[claims.namespace] = [...(rules[claims.namespace] ?? []), ...claims.repos];
    }
    // never a namespace a policy claims: those are this runner's build namespaces, which `leaveRepos` refuses
    for (const ns of [...this.closedNamespaces.keys()].sort(compare)) rules[ns] = [...this.closedNamespaces.get(ns)!];
    // closed to every pipeline, unless the namespace is in use again: one of this runner's, or one another runner's
    // repositories may name (above)
    for (const ns of [...this.retiredNamespaces].sort(compare)) {
      if (!(ns in rules) && !this.buildScopes.has(ns)) rules[ns] = [];
    }
    return rules;
  }

  /**
   * The first policy once any policy pins a ServiceAccount, or a build namespace other than the default without taking
   * `pull_request` there (as the guard does a pull request's, in `addPolicy`: a namespace's egress and pull secrets are
   * its own, and it has no quota): a build of a pull request's ref for any other event than `pull_request` (a
   * promote, rollback or custom build of it, or a forge deployment of it), of any repository, pinned to the default
   * build namespace as its `default` ServiceAccount. Drone copies a promoted or rolled-back build's ref
   * and fork (harness v2.28.2 `handler/api/repos/builds/promote.go:65-66`, `rollback.go:65-66`), and a custom build takes
   * any ref given as its branch (`create.go:66`, go-scm `scm/util.go:52-58`), so the build runs the pull request's
   * code, forks' included, under an event a deploy policy matches. The runner matches `match.ref` against the build's
   * ref (`engine/compiler/compiler.go:344-353`, runner-go v1.12.0 `manifest/cond.go:38-47`), with doublestar v1.1.1,
   * whose last `**` takes every remaining part (`doublestar.go:149-154`). The refs are those the forges' pull requests
   * carry in go-scm v1.42.2: `refs/pull/<n>/head` (GitHub, Gitea, Gogs, Gitee), `refs/merge-requests/<n>/head` (GitLab),
   * `refs/pull-requests/<n>/from` (Bitbucket), and the `refs/pull-request/` of its `IsPullRequest` (`scm/util.go:82-86`);
   * and the empty ref of a GitHub deployment of a commit SHA, which may be a pull request's (`PULL_REQUEST_REF_PATTERNS`).
   * A custom build of a branch with a pull request's commit (`drone build create --commit`) keeps the branch's ref and
   * is not pinned: the README tells to custom-build only commits you trust. One document for every repository: a thousand teams' policies would outgrow the ConfigMap with a ref condition each.
   * The events as an exclusion: an event Drone adds later is pinned too.
   */
  private pullRequestRefs(): object[] {
    return !this.placesOutsidePool ? [] : [{
      kind: 'policy', name: PULL_REQUEST_REFS, match: { event: { exclude: [PipelineEvent.PULL_REQUEST] }, ref: PULL_REQUEST_REF_PATTERNS },
      metadata: { namespace: this.buildNamespace }, service_account: DEFAULT_ACCOUNT,
    }];
  }

  /**
   * The guard, rendered after every policy: every repository of a policy that does not cover every event, for
   * any event, pinned to the default build namespace as its `default` ServiceAccount. One document for all of
   * them, as the runner applies the first policy that matches and every guard would pin to the same place.
   */
  private guard(): object[] {
    // rendered after every policy: the runner applies the first policy that matches, and the guard matches every
    // event of its repositories, so a guard before a later policy for the same repositories would hide it
    const repos = new Set(this.orderedPolicies().flatMap((p) => p.guardedRepos));
    return repos.size === 0 ? [] : [{
      kind: 'policy', name: OTHER_EVENTS, match: { repo: [...repos] }, metadata: { namespace: this.buildNamespace }, service_account: DEFAULT_ACCOUNT,
    }];
  }

  /**
   * The last policy, `default`, without conditions: it matches every pipeline no other policy matched (and the runner
   * would apply a policy of that name to those wherever it stood, `engine/policy/match.go:18-22`; upstream's own
   * example ends with one, `engine/policy/testdata/policy.yml`), and sets the ServiceAccount `default`. Without it
   * such a pipeline runs as its own `service_account_name` (`engine/compiler/compiler.go:220`): a fork's pull request
   * could name a deploy identity in a namespace the namespace rules let it into. It sets no namespace, so a pipeline
   * still picks one the namespace rules allow (`engine/linter/linter.go:207-224`); every build namespace's `default`
   * mounts no API token.
   */
  private catchAll(): object {
    return { kind: 'policy', name: CATCH_ALL, service_account: DEFAULT_ACCOUNT };
  }
}

/** A policy `addPolicy` added: its document, and what the guard and the namespace rules take from it. */
interface AddedPolicy {
  readonly name: string;
  readonly repos: readonly string[];
  readonly document: object;
  /** The repositories whose other events the `other-events` guard pins back (none for a policy that needs no guard). */
  readonly guardedRepos: readonly string[];
  /** The namespace an exclusive policy claims in the namespace rules, and the repositories it admits there. */
  readonly claims?: { readonly namespace: string; readonly repos: readonly string[] };
  /** The ServiceAccount the policy pins (`serviceAccountName`), in its namespace; none for one that pins `default`. */
  readonly account?: { readonly namespace: string; readonly name: string };
}

/** What a policy is checked against: the runner's build namespaces and policy names. */
interface PolicyContext {
  readonly buildNamespace: string;
  hasBuildNamespace(namespace: string): boolean;
  /** For the error message. */
  buildNamespaces(): readonly string[];
  readonly policyNames: ReadonlySet<string>;
  /** The runner's `limitEvents`, if it has any. */
  readonly limitEvents?: readonly PipelineEvent[];
}

/**
 * `props` checked as `addPolicy` checks them, on a runner as `runner` describes it; defines nothing. One function for
 * a runner's own policies (`addPolicy`, `checkPolicy`) and for the first policy of a runner yet to be made
 * (`DroneKubeRunner.checkFirstPolicy`).
 */
function checkedPolicy(props: RunnerPolicyProps, runner: PolicyContext): CheckedPolicy {
  const name = checkDnsLabel('name', props.name);
  if (name === 'default') {
    invalid('name', name, 'must not be "default": the runner applies a policy of that name to every pipeline no other policy matches');
  }
  const namespace = props.namespace ?? runner.buildNamespace;
  const exclusive = props.exclusive ?? true;
  if (!runner.hasBuildNamespace(namespace)) {
    invalid('namespace', namespace, `must be one of the runner's build namespaces: ${notAmong(namespace, runner.buildNamespaces())}`);
  }
  if (exclusive && namespace === runner.buildNamespace) {
    invalid('namespace', namespace, 'must not be the default build namespace when exclusive: every repository runs there');
  }
  const access = accessAnnotations({ repos: props.repos, events: props.events, allowPullRequests: props.allowPullRequests });
  const repos = access['X-Drone-Repos'].split(',');
  // doublestar v1.1.1 doublestar.go:149-162 (a whole "**" part) and 343-357,448-453 (a trailing "***"), where Go's
  // path.Match reads every run of "*" as one that never crosses "/"
  const divergent = repos.find((r) => r.split('/').some((part) => part === '**' || part.endsWith('***')));
  if (divergent !== undefined) {
    invalid('repos', props.repos, `${describeValue(divergent)} must not have a part that is "**" or ends in three or more "*": the runner ` +
      'matches those otherwise than the secrets extension (doublestar, not path.Match), so the policy and the secrets would cover ' +
      'different repositories; write one "*"');
  }
  const events = access['X-Drone-Events'].split(',');
  if (runner.limitEvents !== undefined) {
    checkWithinLimit(props.events, events, runner.limitEvents);
  }
  const allEvents = Object.values(PipelineEvent).every((e) => events.includes(e));
  const serviceAccount = props.serviceAccountName === undefined ? undefined : checkDnsLabel('serviceAccountName', props.serviceAccountName);
  if (runner.policyNames.has(name)) {
    invalid('name', name, `must be unique among the runner's policies, and not "${OTHER_EVENTS}", "${PULL_REQUEST_REFS}" or "${LEFT_REPOS}", ` +
      'the names of the runner\'s own policies');
  }
  return { name, namespace, serviceAccount, repos, events, allEvents, exclusive };
}

/**
 * Refuse a policy whose events a runner with `limitEvents` would fail (`limitEventsRule`). Events given explicitly
 * must all be among them, for each one outside would only ever fail; the default events, every event but pull
 * requests, must include one of them, so that the policy can apply at all.
 */
function checkWithinLimit(given: readonly PipelineEvent[] | undefined, events: readonly string[], limitEvents: readonly PipelineEvent[]): void {
  if (given !== undefined) {
    checkWithinLimitEvents('events', given, events, limitEvents);
  } else if (!events.some((e) => limitEvents.includes(e as PipelineEvent))) {
    missing('events', `must be given: none of the default events (${events.join(', ')}) is among ${limitEventsRule(limitEvents)}`);
  }
}

/** A policy as `checkedPolicy` checks it: what `addPolicy` renders. */
interface CheckedPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount?: string;
  /** The repository patterns, as the runner matches them. */
  readonly repos: string[];
  readonly events: string[];
  /** Whether the events are every event, so that the policy matches without `match.event` and needs no guard. */
  readonly allEvents: boolean;
  readonly exclusive: boolean;
}

/** `pattern` with each ASCII letter as a doublestar set of both its cases (`acme/*` as `[aA][cC][mM][eE]/*`). */
function anyCase(pattern: string): string {
  return pattern.replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

/**
 * The quota of a runner's default build namespace (`buildQuota`), checked: at least `capacity` pods, each requesting
 * `buildResources`' requests, which the runner splits across the pod's containers (`engine/compiler/compiler.go:641-711`).
 */
function droneBuildQuota(quota: BuildQuota | undefined, capacity: number, resources: Resources): CheckedBuildQuota {
  const defaults = { cpu: String(scaleQuantity(resources.cpuLimit, capacity)), memory: String(scaleQuantity(resources.memoryLimit, capacity)), pods: 4 * capacity };
  return checkBuildQuota(quota, defaults, {
    cpu: capacity * parseQuantity('cpuRequest', resources.cpuRequest), memory: capacity * parseQuantity('memoryRequest', resources.memoryRequest), pods: capacity,
    why: `the ${capacity} pipelines the runner runs at once (capacity), each pod requesting ${resources.cpuRequest} CPU and ${resources.memoryRequest} ` +
      'memory (buildResources)',
  });
}

/** A runner in `namespace` as the owner of its build namespaces, as errors name it. */
function runnerOwner(namespace: string): BuildNamespaceOwner {
  return {
    namespace, namespaces: 'the runner\'s build namespaces', member: 'a build namespace of the runner',
    home: 'the runner\'s own namespace, so pipelines cannot reach its Secrets',
  };
}

/** The name of the runner's guard policy. */
const OTHER_EVENTS = 'other-events';
/** The name of the first policy, which pins other events than `pull_request` of a pull request's ref to the pool. */
const PULL_REQUEST_REFS = 'pull-request-refs';
/** The name of each policy of `leaveRepos`. */
const LEFT_REPOS = 'another-runner';
/** The names of the runner's own policies, which `addPolicy` refuses (and `default`, the catch-all's, with a reason of its own). */
const RESERVED_POLICY_NAMES = [OTHER_EVENTS, PULL_REQUEST_REFS, LEFT_REPOS];
/** The name of the last policy, which the runner applies to every pipeline no other policy matches. */
const CATCH_ALL = 'default';
/** The ServiceAccount every build namespace has, which mounts no API token. */
const DEFAULT_ACCOUNT = 'default';
/** The refs of pull requests, as go-scm v1.42.2 gives them (`pullRequestRefs`). */
/**
 * The refs `pull-request-refs` pins: pull requests' (see `pullRequestRefs`), and the empty ref of a GitHub deployment
 * of a commit SHA. go-scm v1.42.2 empties a deployment's ref when it names a 40-character SHA
 * (`scm/driver/github/webhook.go:676-683`); Drone makes it a `promote` with that empty ref and the SHA as `After`
 * (harness v2.28.2 `service/hook/parser/parse.go:359-378`) and reads `.drone.yml` at that commit
 * (`plugin/config/repo.go:34`), which may be a pull request's, a fork's included (deploy-preview integrations create
 * such deployments for every pull request). doublestar v1.1.1 matches the pattern `""` against the empty ref only
 * (`doublestar.go:316-323`, matchComponent: both empty match; an empty pattern part matches no other part).
 */
const PULL_REQUEST_REF_PATTERNS = ['refs/pull/**', 'refs/pull-request/**', 'refs/pull-requests/**', 'refs/merge-requests/**', ''];

const LABEL = /^[A-Za-z0-9._/-]+$/;

/** Runner labels, checked for the `key:value,…` syntax of `DRONE_RUNNER_LABELS`. */
function runnerLabels(labels: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL.test(key) || !LABEL.test(value)) {
      invalid('labels', labels, `${describeValue(key)}: ${describeValue(value)} must be letters, digits, ".", "_", "-" and "/"`);
    }
  }
  return { ...labels };
}

/** The mark's owner of the namespaces a runner closes (`closeNamespace`): one line, no tab. */
function closedNamespacesOwner(namespace: string, runner: string): string {
  return `drone-closed-namespaces ${namespace}/${runner}`;
}
