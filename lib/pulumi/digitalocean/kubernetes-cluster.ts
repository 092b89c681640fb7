import * as digitalocean from '@pulumi/digitalocean';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { checkBoolean, checkInteger, invalid } from '../../core/validation';
import { endOfLifeVersionWarning, kubeconfigOf, newestVersion } from './cluster-answers';
import { protectsData } from './data-protection';
import { checkRegion } from './database-size';
import { checkDropletSize } from './droplet-size';
import { checkKubernetesVersion, checkKubernetesVersionPrefix } from './kubernetes-version';
import { checkVpcIpRange } from './vpc-ip-range';

/** The default node size: 2 vCPU, 4 GB; Harbor, Trivy and CI runners make 2 GB nodes tight (do.md §6). */
export const DEFAULT_NODE_SIZE = 's-2vcpu-4gb';

/**
 * An input of the cluster, and one of its default node pool, by Pulumi name: the names `ignoreChanges` takes, which
 * the engine and the bridge match against the inputs and the state and skip, silently, where none matches
 * (pulumi-terraform-bridge v3.136.0 pkg/tfbridge/diff.go:70-167 `visitPropertyValue`, `nodePool.autoScale` for the
 * one-item block `node_pool.0.auto_scale`), so a misspelt one is a compile error here.
 */
type ClusterInput = keyof digitalocean.KubernetesClusterArgs;
type NodePoolInput = keyof digitalocean.types.input.KubernetesClusterNodePool;
const NODE_POOL = 'nodePool' satisfies ClusterInput;

/**
 * The default node pool's settings this component leaves to the DigitalOcean console (its autoscaling, labels, taints
 * and tags): never sent, and left out of the diff, so that the next `pulumi up` keeps what the console set.
 */
const CONSOLE_NODE_POOL_SETTINGS: readonly NodePoolInput[] = ['autoScale', 'minNodes', 'maxNodes', 'labels', 'taints', 'tags'];

/** Args of `KubernetesCluster.create`. */
export interface KubernetesClusterCreateArgs {
  /** The region of the cluster and its VPC, e.g. `nyc3`; managed databases must share it. */
  readonly region: string;
  /**
   * The exact DOKS version slug, e.g. `1.34.1-do.0`: the cluster is upgraded in place to it when it changes. It can
   * only go up: DigitalOcean replaces a cluster given a lower version (terraform-provider-digitalocean
   * `resource_kubernetes_cluster.go`, CustomizeDiff), which the cluster's protection then refuses. That includes the
   * cluster DigitalOcean upgrades itself once its version's minor reaches end of life: a run whose pin is of a minor
   * DigitalOcean no longer offers warns of it in one line, before the protection's refusal (raise `version` to what the
   * cluster runs, or drop it). A required upgrade DigitalOcean may schedule to the newest patch of the pin's own minor
   * ends in the same refusal, with no warning first.
   *
   * @default - the newest version DigitalOcean offers when the cluster is created, and from then on whatever it
   * runs: the version is not managed (`ignoreChanges`), so no later `pulumi up` upgrades, or replaces, the cluster
   * because DigitalOcean's offer moved or the cluster was upgraded outside Pulumi
   */
  readonly version?: pulumi.Input<string>;
  /**
   * A minor version whose latest patch the cluster runs, e.g. `1.34.`, when `version` isn't given: a newer patch
   * upgrades the cluster in place on the next `pulumi up`. Raise it to upgrade the minor; never lower it, and never
   * leave it below a version the cluster was upgraded to outside Pulumi (that would replace the cluster).
   *
   * @default - none: see `version`
   */
  readonly versionPrefix?: string;
  /**
   * The Droplet size of the default node pool.
   *
   * @default 's-2vcpu-4gb'
   */
  readonly nodeSize?: string;
  /**
   * The number of nodes in the default node pool; at least 1.
   *
   * @default 2
   */
  readonly nodeCount?: number;
  /**
   * The default node pool's name.
   *
   * @default 'default'
   */
  readonly nodePoolName?: string;
  /**
   * Give every namespace pull access to the account's DigitalOcean Container Registry. The registry must exist
   * first (do.md §1.5): pass it as `registry` when this program creates it.
   *
   * @default false
   */
  readonly registryIntegration?: boolean;
  /**
   * The registry `registryIntegration` needs, when this program creates it (e.g. a `ContainerRegistry`); the
   * cluster waits for it.
   *
   * @default - none
   */
  readonly registry?: pulumi.Resource;
  /**
   * The VPC's private range, e.g. `10.110.0.0/20`: RFC 1918, /16 to /28, not overlapping another VPC of the account
   * (a range that does not fit is refused before anything registers; an overlap only by DigitalOcean).
   *
   * @default - chosen by DigitalOcean
   */
  readonly vpcIpRange?: string;
  /**
   * Run a highly available control plane. DigitalOcean turns it on by default from Kubernetes 1.36, and once on it
   * cannot be turned off, so it is sent only when given: a program that always sent `false` failed every `pulumi up`
   * after HA was turned on outside it (terraform-provider-digitalocean: `ha` is optional and computed).
   *
   * @default - DigitalOcean's: on for Kubernetes 1.36 and later, off before
   */
  readonly ha?: boolean;
  /**
   * Let DigitalOcean upgrade the cluster to each new patch of its minor version, in its maintenance window. Given, it
   * is managed: `false` turns off an auto-upgrade turned on in the console. Refused `true` with `version`, an exact
   * slug that DigitalOcean's next patch would leave behind: the provider replaces a cluster whose configured version is
   * lower than the one it runs (`version`), which the protection then refuses at every `pulumi up` after a refresh.
   *
   * @default - not managed: DigitalOcean's default (off) at creation, and from then on what the console sets. The
   * provider reads the cluster's `auto_upgrade` back and would otherwise send `false` for it at the next `pulumi up`
   * after a refresh or another update of the cluster (terraform-provider-digitalocean v2.99.1
   * digitalocean/kubernetes/resource_kubernetes_cluster.go:265-268 optional, not computed; :700 read; :811-819 sent
   * on update), silently turning off an auto-upgrade turned on in the console
   */
  readonly autoUpgrade?: boolean;
  /**
   * Upgrade the cluster by adding its new nodes before the old ones drain (DigitalOcean's surge upgrade). Given, it is
   * managed.
   *
   * @default - not managed: the provider's default (on) at creation, and from then on what the console sets, which the
   * provider would otherwise set back to on (resource_kubernetes_cluster.go:80-84 `Default: true`, :688 read)
   */
  readonly surgeUpgrade?: boolean;
  /**
   * The cluster's name in DigitalOcean.
   *
   * @default - the component name with a random suffix (Pulumi auto-naming)
   */
  readonly clusterName?: string;
  /**
   * Tags on the cluster. Given, they are managed: a tag added in the console goes at the next `pulumi up`.
   *
   * @default - not managed: none at creation, and from then on what the console sets, which the provider would
   * otherwise plan to remove at the next `pulumi up` after a refresh (terraform-provider-digitalocean v2.99.1
   * resource_kubernetes_cluster.go:148 optional; :694 read, DigitalOcean's `k8s` tags filtered out; :811-818 sent with
   * the cluster's settings update, godo leaving an empty `tags` out of the request, `json:"tags,omitempty"`)
   */
  readonly tags?: readonly string[];
}

/** Args of `KubernetesCluster.existing`. */
export interface KubernetesClusterExistingArgs {
  /** The name of the existing DOKS cluster. */
  readonly clusterName: pulumi.Input<string>;
}

/** What the private constructor builds: a new cluster or a reference to an existing one. */
type ClusterSource =
  | { readonly kind: 'create'; readonly args: KubernetesClusterCreateArgs }
  | { readonly kind: 'existing'; readonly args: KubernetesClusterExistingArgs };

/**
 * A DigitalOcean Kubernetes (DOKS) cluster and a `@pulumi/kubernetes` provider for it: either created, with its
 * own VPC and a default node pool (`KubernetesCluster.create`), or an existing cluster looked up by name
 * (`KubernetesCluster.existing`, which creates no DigitalOcean resource).
 *
 * **Kubeconfig.** DOKS kubeconfig tokens expire after 7 days (do.md §1.5, §7). The cluster resource keeps the
 * kubeconfig of its last refresh in the state, so a provider built from it fails a week later with "the server
 * has asked for the client to provide credentials". This component therefore reads the kubeconfig from the
 * `getKubernetesCluster` data source on every run, which fetches fresh credentials each time, and sets the
 * provider's `clusterIdentifier` to the cluster id, so a new token updates the provider instead of replacing it
 * and every Kubernetes resource with it.
 *
 * If you need a kubeconfig that outlives one run (for CI or people outside Pulumi), don't export `kubeconfig`:
 * run `doctl kubernetes cluster kubeconfig save <name>`, whose kubeconfig mints a token from your DigitalOcean
 * API token on each use (doctl's exec credential plugin); or create a ServiceAccount with a
 * `kubernetes.io/service-account-token` Secret in the cluster and build a kubeconfig from the cluster's
 * endpoint, CA certificate and that token, which stays valid until the Secret is deleted.
 *
 * **Protection.** A created cluster and its VPC are protected (Pulumi refuses to delete or replace them, as a
 * change of `nodeSize` or a lower version would) unless the options say `protect: false`. The node size of a created
 * cluster is therefore fixed: DigitalOcean cannot change it in place.
 *
 * **Upgrades and the console.** What the caller leaves unset of the version, `autoUpgrade` and `surgeUpgrade` is not
 * managed after creation: an upgrade, or an auto-upgrade turned on in the DigitalOcean console, stays as it is at the
 * next `pulumi up`. So do the cluster's tags when not given, its VPC's description, and the default pool's autoscaling,
 * labels, taints and tags, which this component never sets;
 * its size and `nodeCount` are managed (with autoscaling on, a `pulumi up` after a refresh resizes the pool to
 * `nodeCount`, which the autoscaler then moves again).
 */
export class KubernetesCluster extends pulumi.ComponentResource {
  /** Create a DOKS cluster in a new VPC. */
  public static create(name: string, args: KubernetesClusterCreateArgs, opts?: pulumi.ComponentResourceOptions): KubernetesCluster {
    return new KubernetesCluster(name, { kind: 'create', args }, opts);
  }

  /** Use an existing DOKS cluster, found by name; nothing is created in DigitalOcean. */
  public static existing(name: string, args: KubernetesClusterExistingArgs, opts?: pulumi.ComponentResourceOptions): KubernetesCluster {
    return new KubernetesCluster(name, { kind: 'existing', args }, opts);
  }

  /** The cluster's id, e.g. for a database firewall's `k8s` rule. */
  public readonly clusterId: pulumi.Output<string>;
  /** The cluster's name. */
  public readonly clusterName: pulumi.Output<string>;
  /** The cluster's region. */
  public readonly region: pulumi.Output<string>;
  /**
   * The cluster's VPC: the one created with it, or the existing cluster's. Place managed databases in it
   * (`privateNetworkUuid`) so their private hosts are reachable from pods.
   */
  public readonly vpcUuid: pulumi.Output<string>;
  /** Whether this component created the cluster (and its VPC). */
  public readonly created: boolean;
  /** A kubeconfig read on this run, valid for 7 days; a Pulumi secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** A Kubernetes provider for the cluster. */
  public readonly provider: k8s.Provider;

  private constructor(name: string, source: ClusterSource, opts: pulumi.ComponentResourceOptions = {}) {
    // check every input before registering anything
    if (source.kind === 'create') {
      checkCreateArgs(source.args);
    }
    super('dockyard:digitalocean:KubernetesCluster', name, {}, opts);
    let data: pulumi.Output<digitalocean.GetKubernetesClusterResult>;
    if (source.kind === 'create') {
      const args = source.args;
      // the VPC and the cluster hold the workloads: a replacement of either starts an empty cluster
      const protect = protectsData(opts);
      // its description is the console's, which this component never sets: the provider reads it back and its update
      // sends the configured one, none, so a description written in the console was cleared at the next `pulumi up`
      // after a refresh (terraform-provider-digitalocean v2.99.1 digitalocean/vpc/resource_vpc.go:45-50 optional, not
      // computed; :136 read; :148-152 sent on update)
      const vpc = new digitalocean.Vpc(`${name}-vpc`, { region: args.region, ipRange: args.vpcIpRange },
        { parent: this, protect, ignoreChanges: ['description'] satisfies (keyof digitalocean.VpcArgs)[] });
      // a version nobody chose is read once, at creation: re-read on every run it would follow DigitalOcean's offer
      // (and replace a cluster upgraded past it outside Pulumi), so it is left out of the diff from then on
      const unmanagedVersion = args.version === undefined && args.versionPrefix === undefined;
      // what the caller does not set is left to DigitalOcean and the console, not set back at the next update
      // (`autoUpgrade`, `surgeUpgrade`): the bridge drops an ignored property's diff even where only the state holds it
      // (pulumi-terraform-bridge v3.136.0 pkg/tfbridge/diff.go:307-335 computeIgnoreChanges, visiting the olds;
      // pkg/tfshim/sdk-v2/instance_diff.go:95-109 processIgnoreChanges)
      // The default pool's autoscaling, labels, taints and tags, which this component never sets, likewise: the provider
      // reads each back (kubernetes.go:552-588 flattenNodePool) and its pool update sends the configured ones, so
      // autoscaling turned on in the console went off, and the console's labels and taints were cleared
      // (resource_kubernetes_node_pool.go:242-276: `AutoScale` false when unset, `Labels` and `Taints` as configured)
      const ignoreChanges: string[] = [
        ...(unmanagedVersion ? ['version' as const] : []),
        ...(args.autoUpgrade === undefined ? ['autoUpgrade' as const] : []),
        ...(args.surgeUpgrade === undefined ? ['surgeUpgrade' as const] : []),
        // the cluster's own tags alike: read back without DigitalOcean's `k8s` ones and sent with every settings update
        // (resource_kubernetes_cluster.go:694 `FilterTags`, :811-818), so a tag added in the console was a planned update
        // at every `pulumi up` after a refresh
        ...(args.tags === undefined ? ['tags' as const] : []),
        ...CONSOLE_NODE_POOL_SETTINGS.map((p) => `${NODE_POOL}.${p}` as const),
      ] satisfies (ClusterInput | `${typeof NODE_POOL}.${NodePoolInput}`)[];
      const cluster = new digitalocean.KubernetesCluster(`${name}-cluster`, {
        name: args.clusterName,
        region: args.region,
        version: args.version === undefined ? latestVersion(args.versionPrefix, this) : pinnedVersion(args.version, protect, this),
        vpcUuid: vpc.id,
        nodePool: { name: args.nodePoolName ?? 'default', size: args.nodeSize ?? DEFAULT_NODE_SIZE, nodeCount: args.nodeCount ?? 2 },
        registryIntegration: args.registryIntegration ?? false,
        ha: args.ha,
        autoUpgrade: args.autoUpgrade,
        surgeUpgrade: args.surgeUpgrade,
        tags: args.tags ? [...args.tags] : undefined,
      }, { parent: this, protect, dependsOn: args.registry ? [args.registry] : [], ignoreChanges });

      // The data source rather than `cluster.kubeConfigs`: the resource's kubeconfig is only renewed by a
      // refresh, the data source's on every run. Reading `cluster.name` makes it wait until the cluster exists.
      data = digitalocean.getKubernetesClusterOutput({ name: cluster.name }, { parent: this, dependsOn: [cluster] });
      this.clusterId = cluster.id;
      this.clusterName = cluster.name;
      this.region = cluster.region;
      this.vpcUuid = vpc.id;
      this.created = true;
    } else {
      data = digitalocean.getKubernetesClusterOutput({ name: source.args.clusterName }, { parent: this });
      // the invoke's result is all secret when it carries the (sensitive) kubeconfig; these fields aren't
      this.clusterId = pulumi.unsecret(data.id);
      this.clusterName = pulumi.unsecret(data.name);
      this.region = pulumi.unsecret(data.region);
      this.vpcUuid = pulumi.unsecret(data.vpcUuid);
      this.created = false;
    }

    this.kubeconfig = pulumi.secret(data.apply(kubeconfigOf));
    this.provider = new k8s.Provider(`${name}-provider`, {
      kubeconfig: this.kubeconfig,
      // only a different cluster replaces the provider; a fresh token is an update
      clusterIdentifier: this.clusterId,
    }, { parent: this });

    this.registerOutputs({
      clusterId: this.clusterId,
      clusterName: this.clusterName,
      region: this.region,
      vpcUuid: this.vpcUuid,
      created: this.created,
      kubeconfig: this.kubeconfig,
    });
  }
}

function checkCreateArgs(args: KubernetesClusterCreateArgs): void {
  checkRegion('region', args.region);
  checkInteger('nodeCount', args.nodeCount ?? 2, 1);
  if (args.version !== undefined && args.versionPrefix !== undefined) {
    invalid('versionPrefix', args.versionPrefix, 'must not be set together with version');
  }
  if (args.versionPrefix !== undefined) {
    checkKubernetesVersionPrefix('versionPrefix', args.versionPrefix);
  }
  if (typeof args.version === 'string') {
    checkKubernetesVersion('version', args.version);
  }
  if (args.autoUpgrade !== undefined) checkBoolean('autoUpgrade', args.autoUpgrade);
  if (args.surgeUpgrade !== undefined) checkBoolean('surgeUpgrade', args.surgeUpgrade);
  if (args.autoUpgrade === true && args.version !== undefined) {
    invalid('autoUpgrade', true, 'must not be true with version, an exact slug DigitalOcean\'s next patch upgrade leaves behind: the provider ' +
      'replaces a cluster given a lower version than it runs, which the protection refuses; use versionPrefix (e.g. "1.34."), or no version');
  }
  if (args.nodeSize !== undefined) {
    checkDropletSize('nodeSize', args.nodeSize);
  }
  if (args.vpcIpRange !== undefined) {
    checkVpcIpRange('vpcIpRange', args.vpcIpRange);
  }
}


/**
 * The pinned `version`, sent as given once what DigitalOcean offers is read, with a warning first when its minor is
 * past its end of life (`endOfLifeVersionWarning`). DigitalOcean upgrades a cluster whose version reached end of life
 * itself; a refresh then reads the newer version (terraform-provider-digitalocean v2.99.1
 * digitalocean/kubernetes/resource_kubernetes_cluster.go:687 `d.Set("version", cluster.VersionSlug)`), the slug has no
 * diff suppress (:102-106), and the CustomizeDiff forces a new cluster for a configured version lower than the state's
 * (:460-478, `ForceNewIfChange` with hashicorp/go-version), which the cluster's protection refuses in the engine's
 * own words, not saying why (pulumi/pulumi pkg/resource/deploy/step_generator.go, "unable to replace resource …
 * as it is currently marked for protection", an update bailing at once).
 *
 * Warned of, not refused nor ignored. The running version is read (`getKubernetesCluster`) only once the cluster is
 * registered, as a created cluster's name is Pulumi's auto-name, so before the engine diffs it the program can only
 * tell that the pin's minor is gone from DigitalOcean's offer, not whether DigitalOcean has upgraded the cluster yet:
 * a refusal would stop every `pulumi up` of a cluster still running the pin, while the engine's refusal already stops
 * one that does not, right after this line. Ignoring the drift would take `ignoreChanges: ['version']`, which the
 * engine applies whatever the direction, so raising `version` would no longer upgrade the cluster, and the setting
 * would stay a version the cluster no longer runs. The line is logged before the cluster registers (the version is an
 * input of it), so it comes before the engine's. A cluster with `protect: false` has no refusal to come: the engine
 * replaces it, with a new, empty cluster, which the line then says instead.
 */
function pinnedVersion(version: pulumi.Input<string>, protect: boolean, parent: pulumi.Resource): pulumi.Output<string> {
  return pulumi.all([version, digitalocean.getKubernetesVersionsOutput({}, { parent })]).apply(([pinned, offered]) => {
    const warning = endOfLifeVersionWarning(pinned, offered, protect);
    if (warning !== undefined) void pulumi.log.warn(warning, parent);
    return pinned;
  });
}

/**
 * The latest DOKS version, of the minor `prefix` if given (the pattern do.md §1.5 recommends), failing clearly when
 * DigitalOcean no longer offers that minor.
 */
function latestVersion(prefix: string | undefined, parent: pulumi.Resource): pulumi.Output<string> {
  return digitalocean.getKubernetesVersionsOutput(prefix === undefined ? {} : { versionPrefix: prefix }, { parent })
    .apply((v) => newestVersion(v, prefix));
}
