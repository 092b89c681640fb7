import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Image, Images } from './image';
import type { k8s } from './k8s';
import { SecretKey } from './secret';
import { invalid } from './validation';

/**
 * The environment of one container, built in order.
 *
 * Credentials enter only through `secret()` (a `secretKeyRef`); a value that embeds one, such as a DSN, uses
 * `$(NAME)` expansion of a variable defined earlier, which Kubernetes resolves inside the pod.
 */
export class EnvVars {
  private readonly vars = new Map<string, k8s.EnvVar>();

  /** @param namespace the namespace of the pod, where secret references must resolve */
  public constructor(private readonly namespace: string) {}

  /** A plain, non-secret value. */
  public value(name: string, value: string): void {
    this.add({ name, value });
  }

  /** A value read from a key of a Secret. */
  public secret(name: string, key: SecretKey): void {
    this.add({ name, valueFrom: { secretKeyRef: key.selectorFor(this.namespace) } });
  }

  /** An image reference that pods of another workload run, relocated at synth time like `scope`'s own images. */
  public image(name: string, scope: IConstruct, image: Image): void {
    this.add({ name, value: Lazy.any({ produce: () => Images.resolve(scope, image).reference }) });
  }

  /** A value read from the pod's own fields, e.g. `metadata.namespace`. */
  public field(name: string, fieldPath: string): void {
    this.add({ name, valueFrom: { fieldRef: { fieldPath } } });
  }

  /** Whether `name` is defined. */
  public has(name: string): boolean {
    return this.vars.has(name);
  }

  /** @internal */
  public _toKube(): k8s.EnvVar[] {
    return [...this.vars.values()];
  }

  private add(v: k8s.EnvVar): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name)) {
      invalid('env name', v.name, 'must be a C identifier');
    }
    if (this.vars.has(v.name)) {
      invalid('env name', v.name, 'must be defined once');
    }
    for (const ref of (typeof v.value === 'string' ? v.value : '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
      if (!this.vars.has(ref[1])) {
        invalid(`env ${v.name}`, v.value, `references $(${ref[1]}), which must be defined before it`);
      }
    }
    this.vars.set(v.name, v);
  }
}
