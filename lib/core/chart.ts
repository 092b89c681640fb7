import { ApiObject, Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { annotateChecksums, annotateWorkloads, hasPodTemplate, noteOutsideJobReaders } from './checksum';
import { DEFAULT_FINISHED_JOBS, FinishedJobs } from './finished-jobs';
import { isDockyardObject } from './k8s';
import { ObjectNames } from './object-names';
import { UserWorkload, warnUnrelocatedImages } from './unrelocated-images';
import { checkObjectSizes, surelyFits } from './object-size';
import { toYamlChunks, YamlMark, YamlStream } from './yaml';
import { checkDnsLabel, checkObject } from './validation';
import { checkWorkloadPulls, hasPodSpec } from './workload-pulls';
import { OutputShards, outputShardsOf } from './output-shards';

const FIRST_KINDS = ['Namespace', 'CustomResourceDefinition'];

/**
 * The rank of a rendered object in the chart's manifest, applied in order by `kubectl apply -f`: Namespaces and CRDs
 * first (0), then ServiceAccounts that list pull secrets (1), then the rest (2), each rank in construct order. The
 * ServiceAccount admission plugin copies an account's `imagePullSecrets` into a pod only when the pod is created
 * (kubernetes `plugin/pkg/admission/serviceaccount/admission.go`, `if len(pod.Spec.ImagePullSecrets) == 0`): a
 * Deployment applied before the account that lists its namespace's pull secret could have its pods made without it,
 * and they would stay in ImagePullBackOff until deleted.
 */
function rankOf(o: any): Rank {
  return FIRST_KINDS.includes(o?.kind) ? 0 : isPullAccount(o) ? 1 : 2;
}

/** Whether `o` is a ServiceAccount that lists pull secrets, which pods made after it get (`rankOf`). @internal */
export function isPullAccount(o: any): boolean {
  return o?.kind === 'ServiceAccount' && Array.isArray(o.imagePullSecrets) && o.imagePullSecrets.length > 0;
}

type Rank = 0 | 1 | 2;

/**
 * Kinds that live outside namespaces, which the chart's default namespace must not be stamped on: every built-in
 * cluster-scoped kind of Kubernetes 1.36 (the types marked `+genclient:nonNamespaced` in kubernetes/api v0.36.3 that
 * the 1.36 OpenAPI serves, and the aggregator's APIService), Gateway API's GatewayClass (kubernetes-sigs/gateway-api
 * v1.6.1 config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml, `scope: Cluster`), and cert-manager's
 * ClusterIssuer (its CRD `clusterissuers.cert-manager.io` is `scope: Cluster`), which the Ingresses' TLS names.
 *
 * @internal
 */
export const CLUSTER_KINDS = [
  ...FIRST_KINDS, 'APIService', 'CertificateSigningRequest', 'ClusterIssuer', 'ClusterRole', 'ClusterRoleBinding', 'ClusterTrustBundle', 'ComponentStatus',
  'CSIDriver', 'CSINode', 'DeviceClass', 'DeviceTaintRule', 'FlowSchema', 'GatewayClass', 'IngressClass', 'IPAddress', 'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding', 'MutatingWebhookConfiguration', 'Node', 'PersistentVolume', 'PriorityClass', 'PriorityLevelConfiguration',
  'ResourcePoolStatusRequest', 'ResourceSlice', 'RuntimeClass', 'SelfSubjectAccessReview', 'SelfSubjectReview', 'SelfSubjectRulesReview',
  'ServiceCIDR', 'StorageClass', 'StorageVersion', 'StorageVersionMigration', 'SubjectAccessReview', 'TokenReview', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration', 'VolumeAttachment', 'VolumeAttributesClass',
];

/** The props of a `DockyardChart`: cdk8s's, and what becomes of its finished Jobs. */
export interface DockyardChartProps extends ChartProps {
  /**
   * What becomes of the chart's finished Jobs (the PostgreSQL reconciler's, Harbor's configure Jobs): deleted that
   * long after they finish, or kept (`FinishedJobs.keep()`), which suits a GitOps tool that prunes (Argo CD with
   * `prune: true`, Flux with `prune: true`): a deleted Job is one it re-creates, and runs again. Kept Jobs are listed
   * in the output's mark, and one a synth no longer writes is named among the objects to delete.
   *
   * @default FinishedJobs.deleteAfter(Duration.minutes(10))
   */
  readonly finishedJobs?: FinishedJobs;
}

/**
 * A cdk8s chart that lists Namespaces first, then ServiceAccounts that list pull secrets (`rankOf`), keeps
 * cluster-scoped objects free of a namespace, and marks every pod template with a checksum of the ConfigMaps and
 * Secrets its pods read (`CHECKSUM_ANNOTATION`), so a change to them rolls exactly those pods.
 *
 * `kubectl apply -f` creates objects in file order, so on a fresh cluster a namespace must precede what lives in it.
 *
 * Every object is checked against the size limits of the API server (`checkObjectSizes`): one no cluster accepts
 * fails the synth, one that only `kubectl apply --server-side` can apply gets a warning on stderr. The check lives
 * here because `synthesize`, `app.synth()` (`cdk8s synth`) and the Pulumi deployment all render charts through
 * `toJson`.
 */
export class DockyardChart extends Chart {
  /** What becomes of the chart's finished Jobs (`DockyardChartProps.finishedJobs`). */
  public readonly finishedJobs: FinishedJobs;

  public constructor(scope: Construct, id: string, props: DockyardChartProps = {}) {
    const { finishedJobs, ...chartProps } = props;
    super(scope, id, { disableResourceNameHashes: true, ...chartProps });
    this.finishedJobs = finishedJobs === undefined ? DEFAULT_FINISHED_JOBS
      : checkObject('finishedJobs', finishedJobs, 'must be a FinishedJobs: FinishedJobs.deleteAfter(duration) or FinishedJobs.keep()', FinishedJobs);
  }

  public toJson(): any[] {
    const { objects, userWorkloads } = this.renderObjects(this.collect());
    const finished = this.finish(objects);
    warnUnrelocatedImages(this, userWorkloads);
    return finished;
  }

  /**
   * `toYamlChunks(this.toJson())`, the manifest `synthesize` writes, made object by object: each object's YAML is
   * written as soon as it is rendered, so a thousand teams' objects (tens of megabytes, which the garbage
   * collector would copy and mark) never all live at once. The bytes, errors and warnings are those of
   * `toJson`: objects are rendered in the same order; what `toJson` does after rendering touches each object apart
   * from the others, so it is done to each at once, except to those it could change or stop on (workloads, which
   * get checksums over every ConfigMap; objects that may be too large; anything not shaped as rendered objects
   * are; a document toYaml refuses), which are kept and finished at the end, as `toJson` would, in its order.
   * A subclass that renders itself, or a chart with dependencies, goes through `toJson`.
   *
   * @param constructs the chart's constructs without those of nested charts, in pre-order, if the caller has just
   * walked the tree (and nothing can have changed it since) and found no construct with dependencies
   * @internal
   */
  public _toYamlChunks(constructs?: readonly IConstruct[]): Buffer[] {
    // unsplit: an explicit `undefined` would take the parameter's default, the chart's split, and keep file 0 alone
    return this._toYamlFiles(constructs, false)[0];
  }

  /**
   * `_toYamlChunks`, its documents split over the chart's own file (index 0) and the shard files of `shards` (index
   * `k + 1` for shard `k`, `TeamPlatformProps.outputShards`), each file's in the order the one file has them (so
   * Namespaces first in each) and each document's bytes as there: the files together hold the one file's documents.
   *
   * @param constructs as `_toYamlChunks`'
   * @param split whether to split as the chart's `outputShardsOf` says; false for one file
   * @internal
   */
  public _toYamlFiles(constructs?: readonly IConstruct[], split: boolean = true): Buffer[][] {
    const shards: OutputShards | undefined = split ? outputShardsOf(this) : undefined;
    const fileCount = 1 + (shards?.files.length ?? 0);
    const fileOf = (o: any): number => (shards === undefined || o === null || typeof o !== 'object' ? 0
      : shards.fileOf(o.kind, CLUSTER_KINDS.includes(o.kind) ? undefined : o.metadata?.namespace, o.metadata?.name));
    // objects rendered through toJson, split as they come
    const byFiles = (objects: any[]): Buffer[][] => {
      const byFile: any[][] = Array.from({ length: fileCount }, () => []);
      objects.forEach((o) => byFile[fileOf(o)].push(o));
      return byFile.map((list) => toYamlChunks(list));
    };
    if (this.toJson !== DockyardChart.prototype.toJson) {
      return byFiles(this.toJson());
    }
    const collected = this.collect(constructs);
    if (collected.dependencies) {
      const { objects, userWorkloads } = this.renderObjects(collected);
      const finished = this.finish(objects);
      warnUnrelocatedImages(this, userWorkloads);
      return byFiles(finished);
    }
    this.checkValid(collected);
    // the documents in their final order, by rank: runs of documents written one after another, and kept objects;
    // the streams are shared by the files, the parts are each file's
    const streams: YamlStream[] = [new YamlStream(), new YamlStream(), new YamlStream()];
    const partsByFile: Part[][][] = Array.from({ length: fileCount }, () => [[], [], []]);
    const kept: any[] = [];
    const keptRanks: Rank[] = [];
    const configMaps: any[] = [];
    // every workload, Jobs too (written at once), for the pull check once all are rendered, as toJson checks them
    const workloads: any[] = [];
    const userWorkloads: UserWorkload[] = [];
    const names = ObjectNames.for(this);
    for (const apiObject of collected.found) {
      const o = this.renderClaimed(apiObject, names, userWorkloads);
      const shaped = o !== null && typeof o === 'object' && typeof o.kind === 'string';
      if (shaped && hasPodSpec(o)) {
        workloads.push(o);
      }
      const rank = rankOf(o);
      const list = partsByFile[fileOf(o)][rank];
      if (shaped && o.kind === 'ConfigMap') {
        configMaps.push(o);
      }
      if (!shaped || ((CLUSTER_KINDS.includes(o.kind) || o.kind === 'ConfigMap') && !isObject(o.metadata))) {
        kept.push(o);
        keptRanks.push(rank);
        list.push({ kept: o });
        continue;
      }
      if (CLUSTER_KINDS.includes(o.kind)) {
        delete o.metadata.namespace;
      }
      if (hasPodTemplate(o) || !surelyFits(o)) {
        kept.push(o);
        keptRanks.push(rank);
        list.push({ kept: o });
        continue;
      }
      const stream = streams[rank];
      const from = stream.mark();
      let to: YamlMark;
      try {
        to = stream.write(o);
      } catch {
        // toYaml refuses it: toJson would finish every object first, and toYaml then throw on the first such
        kept.push(o);
        keptRanks.push(rank);
        list.push({ kept: o });
        continue;
      }
      const last = list[list.length - 1];
      // the last document of this rank was the last written to its stream: one run of bytes
      if (last !== undefined && 'to' in last && last.to === from) {
        last.to = to;
      } else {
        list.push({ rank, from, to });
      }
    }
    // what toJson does after rendering, to the kept objects, in its order: first every namespace (here again where
    // it was already removed), then the checksums, the sizes and the YAML; the written objects pass each step as
    // they are, the ConfigMaps among them included
    for (const o of kept) {
      if (CLUSTER_KINDS.includes(o.kind)) {
        delete o.metadata.namespace;
      }
    }
    // the one file's order, whatever file each goes to: by rank, then in construct order (`kept`'s)
    const keptInOrder = ([0, 1, 2] as const).flatMap((rank) => kept.filter((_, i) => keptRanks[i] === rank));
    checkWorkloadPulls(this, workloads);
    warnUnrelocatedImages(this, userWorkloads);
    annotateWorkloads(this, keptInOrder, configMaps);
    noteOutsideJobReaders(this, workloads);
    checkObjectSizes(this, keptInOrder);
    // the kept objects written in the one file's order, so a document toYaml refuses is the first it would refuse
    const late = new YamlStream();
    const keptAt = new Map<any, [YamlMark, YamlMark]>();
    for (const o of keptInOrder) {
      const from = late.mark();
      keptAt.set(o, [from, late.write(o)]);
    }
    return partsByFile.map((parts) => {
      const out: Buffer[] = [];
      for (const part of parts.flat()) {
        if ('kept' in part) {
          out.push(...late.slices(...keptAt.get(part.kept)!));
        } else {
          out.push(...streams[part.rank].slices(part.from, part.to));
        }
      }
      // the first document has no `---` line before it
      if (out.length > 0) {
        out[0] = out[0].subarray(4);
      }
      return out.filter((b) => b.length > 0);
    });
  }

  /**
   * What `toJson` does to the rendered objects: in rank order (`rankOf`: Namespaces first), cluster objects without a
   * namespace, checksums, sizes.
   */
  private finish(rendered: any[]): any[] {
    const ranks: any[][] = [[], [], []];
    for (const o of rendered) {
      ranks[rankOf(o)].push(o);
      if (CLUSTER_KINDS.includes(o.kind)) {
        delete o.metadata.namespace;
      }
    }
    const objects = ranks.flat();
    // every pod can pull its images, each with the pull secrets that apply to it
    checkWorkloadPulls(this, objects);
    // a changed ConfigMap or Secret rolls exactly the pods that read it
    annotateChecksums(this, objects);
    noteOutsideJobReaders(this, objects);
    // last, on the objects exactly as they are written
    checkObjectSizes(this, objects);
    return objects;
  }

  /**
   * The chart's ApiObjects in construct order, and whether any construct has dependencies. Constructs'
   * validations run here, and their errors are thrown by `checkValid`.
   *
   * @param constructs the chart's constructs without those of nested charts, in pre-order, already walked and
   * found without dependencies
   */
  private collect(constructs?: readonly IConstruct[]): Collected {
    const found: ApiObject[] = [];
    const errors: string[] = [];
    let dependencies = false;
    const take = (c: IConstruct): void => {
      for (const error of c.node.validate()) errors.push(`[${c.node.path}] ${error}`);
      if (c instanceof ApiObject) found.push(c);
    };
    const visit = (c: IConstruct): void => {
      // a nested chart renders its own objects (cdk8s includes an object only in its closest chart)
      if (c !== this && Chart.isChart(c)) return;
      if (c.node.dependencies.length > 0) dependencies = true;
      take(c);
      for (const child of c.node.children) visit(child);
    };
    if (constructs === undefined) {
      visit(this);
    } else {
      constructs.forEach(take);
    }
    return { found, errors, dependencies };
  }

  private checkValid(collected: Collected): void {
    if (collected.errors.length > 0) {
      // cdk8s's own message (App._synthChart)
      throw new Error(`Validation failed with the following errors:\n  ${collected.errors.join('\n  ')}`);
    }
  }

  /**
   * `apiObject` rendered, its identity claimed in `names` (one object per kind, namespace and name), and kept in
   * `userWorkloads` if it is a workload no Dockyard construct made (`warnUnrelocatedImages`): what both ways of
   * rendering do to each object.
   */
  private renderClaimed(apiObject: ApiObject, names: ObjectNames, userWorkloads: UserWorkload[]): any {
    const o = apiObject.toJson();
    names.claim(o, apiObject, CLUSTER_KINDS.includes(o?.kind));
    if (hasPodSpec(o) && !isDockyardObject(apiObject)) userWorkloads.push({ owner: apiObject, object: o });
    return o;
  }

  /**
   * The chart's objects, in construct order, as `Chart.toJson` renders them: cdk8s orders them by a dependency graph
   * of the whole chart, built (with every construct's path) on each call, which at a thousand teams costs more than
   * rendering. Without dependencies that order is the construct tree's pre-order, so it is taken directly; a chart
   * with dependencies (`addDependency`) goes through cdk8s. Constructs' validations run either way.
   */
  private renderObjects(collected: Collected): { objects: any[]; userWorkloads: UserWorkload[] } {
    const names = ObjectNames.for(this);
    const userWorkloads: UserWorkload[] = [];
    const rendered = (apiObject: ApiObject): any => this.renderClaimed(apiObject, names, userWorkloads);
    if (collected.dependencies) {
      // cdk8s renders in its dependency order, its objects not paired with their constructs: each is rendered once
      // more here (a chart with dependencies is rare; rendering has no effect a second time changes)
      collected.found.forEach(rendered);
      return { objects: super.toJson(), userWorkloads };
    }
    this.checkValid(collected);
    return { objects: collected.found.map(rendered), userWorkloads };
  }
}

/** What `DockyardChart.collect` finds. */
interface Collected {
  readonly found: ApiObject[];
  readonly errors: string[];
  readonly dependencies: boolean;
}

/** Documents in the order they are written: a run of them in a stream, or one object kept to be written at the end. */
type Part = { rank: Rank; from: YamlMark; to: YamlMark } | { kept: any };

const isObject = (value: unknown): boolean => value !== null && typeof value === 'object';

/**
 * The namespace of objects defined at `scope`: the explicit one, else the chart's, else `default`.
 *
 * @param prop the prop name to report if `explicit` is invalid
 */
export function namespaceOf(scope: IConstruct, explicit?: string, prop = 'namespace'): string {
  if (explicit !== undefined) {
    return checkDnsLabel(prop, explicit);
  }
  return Chart.of(scope).namespace ?? 'default';
}
