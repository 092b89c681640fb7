import { ApiObject, Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { annotateChecksums } from './checksum';
import { checkObjectSizes } from './object-size';
import { checkDnsLabel } from './validation';

const FIRST_KINDS = ['Namespace', 'CustomResourceDefinition'];
// kinds that live outside namespaces, which the chart's default namespace must not be stamped on
const CLUSTER_KINDS = [...FIRST_KINDS, 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'IngressClass', 'PriorityClass'];

/**
 * A cdk8s chart that lists Namespaces first, keeps cluster-scoped objects free of a namespace, and marks every pod
 * template with a checksum of the ConfigMaps and Secrets its pods read (`CHECKSUM_ANNOTATION`), so a change to
 * them rolls exactly those pods.
 *
 * `kubectl apply -f` creates objects in file order, so on a fresh cluster a namespace must precede what lives in it.
 *
 * Every object is checked against the size limits of the API server (`checkObjectSizes`): one no cluster accepts
 * fails the synth, one that only `kubectl apply --server-side` can apply gets a warning on stderr. The check lives
 * here because `synthesize`, `app.synth()` (`cdk8s synth`) and the Pulumi deployment all render charts through
 * `toJson`.
 */
export class DockyardChart extends Chart {
  public constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
  }

  public toJson(): any[] {
    const rank = (o: any) => (FIRST_KINDS.includes(o.kind) ? 0 : 1);
    // Array.prototype.sort is stable, so the construct order holds within each rank.
    const objects = this.renderObjects().sort((a, b) => rank(a) - rank(b));
    for (const o of objects.filter((x) => CLUSTER_KINDS.includes(x.kind))) {
      delete o.metadata.namespace;
    }
    // a changed ConfigMap or Secret rolls exactly the pods that read it
    annotateChecksums(this, objects);
    // last, on the objects exactly as they are written
    checkObjectSizes(this, objects);
    return objects;
  }

  /**
   * The chart's objects, in construct order, as `Chart.toJson` renders them: cdk8s orders them by a dependency graph
   * of the whole chart, built (with every construct's path) on each call, which at a thousand teams costs more than
   * rendering. Without dependencies that order is the construct tree's pre-order, so it is taken directly; a chart
   * with dependencies (`addDependency`) goes through cdk8s. Constructs' validations run either way.
   */
  private renderObjects(): any[] {
    const found: ApiObject[] = [];
    const errors: string[] = [];
    let dependencies = false;
    const visit = (c: IConstruct): void => {
      // a nested chart renders its own objects (cdk8s includes an object only in its closest chart)
      if (c !== this && Chart.isChart(c)) return;
      if (c.node.dependencies.length > 0) dependencies = true;
      for (const error of c.node.validate()) errors.push(`[${c.node.path}] ${error}`);
      if (c instanceof ApiObject) found.push(c);
      for (const child of c.node.children) visit(child);
    };
    visit(this);
    if (dependencies) {
      return super.toJson();
    }
    if (errors.length > 0) {
      // cdk8s's own message (App._synthChart)
      throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
    }
    return found.map((o) => o.toJson());
  }
}

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
