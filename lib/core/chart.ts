import { Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { annotateChecksums } from './checksum';
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
 */
export class DockyardChart extends Chart {
  public constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
  }

  public toJson(): any[] {
    const rank = (o: any) => (FIRST_KINDS.includes(o.kind) ? 0 : 1);
    // Array.prototype.sort is stable, so the construct order holds within each rank.
    const objects = super.toJson().sort((a, b) => rank(a) - rank(b));
    for (const o of objects.filter((x) => CLUSTER_KINDS.includes(x.kind))) {
      delete o.metadata.namespace;
    }
    // a changed ConfigMap or Secret rolls exactly the pods that read it
    annotateChecksums(this, objects);
    return objects;
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
