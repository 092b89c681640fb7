import { IConstruct } from 'constructs';
import { invalid } from './validation';

// The API server keeps one object per group, kind, namespace and name: a manifest that renders two applies as one,
// the second replacing the first (two reconcilers' NetworkPolicies of one default name in one namespace, say). Every
// chart refuses that as it renders, and `synthesize` across all its charts, which land on one cluster.

/** The `name` prop of each construct that names its objects by it (`namedBy`), and whether it was the default. */
const names = new WeakMap<IConstruct, { readonly name: string; readonly defaulted: boolean }>();

/**
 * Record that `scope` names its objects `name`, from its `name` prop or, `defaulted`, its default for one unset: a
 * refusal of two objects that two constructs of one class so named both render then names the prop (lib/core/placement.ts).
 *
 * @internal
 */
export function namedBy(scope: IConstruct, name: string, defaulted: boolean): void {
  names.set(scope, { name, defaulted });
}

/** The nearest of `c` and its ancestors that recorded a `name` (`namedBy`), if any. */
function namingConstruct(c: IConstruct): IConstruct | undefined {
  return c.node.scopes.slice().reverse().find((s) => names.has(s));
}

/**
 * The refusal of two constructs of one class and `name` whose objects collide, naming the prop and whether the name
 * is the default (two `Postgres` given no `name` in one namespace), or undefined for other owners.
 */
function sameName(first: IConstruct, second: IConstruct, what: string): (() => never) | undefined {
  const [a, b] = [namingConstruct(first), namingConstruct(second)];
  if (a === undefined || b === undefined || a === b || a.constructor !== b.constructor || names.get(a)!.name !== names.get(b)!.name) {
    return undefined;
  }
  const kind = a.constructor.name;
  const { name } = names.get(b)!;
  const defaulted = names.get(a)!.defaulted || names.get(b)!.defaulted;
  return () => invalid('name', name, `must differ between two ${kind} constructs in one namespace, but ${a.node.path} and ${b.node.path} ` +
    `both have it${defaulted ? ` (${kind}'s default when name is unset)` : ''} and both render ${what}: give one of them another name, a DNS label`);
}

/** Per app root, while `withObjectNames` runs: the names every chart rendered so far claimed. */
const held = new WeakMap<IConstruct, ObjectNames>();

/**
 * The objects one render claimed, by identity, with what rendered each: a second object of the same identity is
 * refused in one line naming both.
 *
 * @internal
 */
export class ObjectNames {
  /** The names `scope`'s app holds across its charts (`withObjectNames`), else a fresh set for one chart's render. */
  public static for(scope: IConstruct): ObjectNames {
    return held.get(scope.node.root) ?? new ObjectNames();
  }

  /** The owner of each claimed identity: its construct, or what names it, worked out only for a refusal. */
  private readonly owners = new Map<string, IConstruct | (() => string)>();
  /** The claimed identities of objects the cluster removes itself (`removesItself`). */
  private readonly passing = new Set<string>();

  /**
   * Claim rendered object `o` for `owner` (its construct, or what describes it). Objects without a string kind and name
   * (one named by `generateName`, or not shaped as an object) claim nothing.
   *
   * @param clusterScoped whether its kind lives outside namespaces, where its namespace, if any, is not part of it
   */
  public claim(o: any, owner: IConstruct | (() => string), clusterScoped: boolean): void {
    const key = objectIdentity(o, clusterScoped);
    if (key === undefined) {
      return;
    }
    const other = this.owners.get(key);
    if (other !== undefined) {
      const what = describeIdentity(key);
      if (typeof other !== 'function' && typeof owner !== 'function') sameName(other, owner, what)?.();
      const named = (x: IConstruct | (() => string)) => (typeof x === 'function' ? x() : x.node.path);
      invalid('object', what, `must be rendered once, but ${named(other)} and ${named(owner)} both render it, and the API server keeps one ` +
        'object per kind, namespace and name (the second applied would replace the first): give one of them another name or namespace');
    }
    this.owners.set(key, owner);
    if (removesItself(o)) this.passing.add(key);
  }

  /**
   * Every identity claimed so far, in the order claimed: the API group, kind, namespace (empty for a cluster-scoped
   * object) and name, each separated by a tab, which no Kubernetes name, kind or group can hold.
   */
  public identities(): IterableIterator<string> {
    return this.owners.keys();
  }

  /** Whether the object of claimed identity `identity` is one the cluster removes itself (`removesItself`). */
  public passes(identity: string): boolean {
    return this.passing.has(identity);
  }
}

/**
 * Whether the cluster removes rendered object `o` by itself, so that one a synth stops writing needs no deleting: a
 * Job with `ttlSecondsAfterFinished`, as Dockyard's Jobs (`templateNamedJob`) have unless their chart keeps them, which the
 * TTL-after-finished controller deletes that long after it finishes, Complete or Failed (kubernetes
 * `pkg/controller/ttlafterfinished/ttlafterfinished_controller.go`, `needsCleanup`), unless it is suspended, which it
 * never does. One whose pod never starts (its image not pulled) is never finished and stays, as `kubectl get jobs`
 * shows; a superseded Job of Dockyard's writes nothing (the fence of lib/core/current-jobs.ts).
 */
export function removesItself(o: any): boolean {
  return o?.kind === 'Job' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('batch/')
    && typeof o.spec?.ttlSecondsAfterFinished === 'number' && o.spec.suspend !== true;
}

/**
 * The identity of rendered object `o` as `ObjectNames.identities` gives it (API group, kind, namespace, name, separated
 * by tabs), or undefined for one without a string kind and name.
 *
 * @param clusterScoped whether its kind lives outside namespaces, where its namespace, if any, is not part of it
 */
export function objectIdentity(o: any, clusterScoped: boolean): string | undefined {
  const metadata = o?.metadata;
  if (typeof o?.kind !== 'string' || metadata === null || typeof metadata !== 'object' || typeof metadata.name !== 'string') {
    return undefined;
  }
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const namespace = clusterScoped || typeof metadata.namespace !== 'string' ? '' : metadata.namespace;
  return `${group}\t${o.kind}\t${namespace}\t${metadata.name}`;
}

/** A rendered object as messages name it, as `describeIdentity` does: `Deployment test/plain`, `Namespace team-a`. */
export function describeObject(o: any): string {
  return `${o?.kind} ${o?.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o?.metadata?.name}`;
}

/** An identity (`objectIdentity`) as messages name the object: `Role team-a/deployer`, `Namespace team-a`. */
export function describeIdentity(identity: string): string {
  const [, kind, namespace, name] = identity.split('\t');
  return `${kind} ${namespace === '' ? '' : `${namespace}/`}${name}`;
}

/** Run `fn` with one set of object names for every chart of `scope`'s app rendered within it. */
export function withObjectNames<T>(scope: IConstruct, fn: () => T): T {
  const root = scope.node.root;
  if (held.has(root)) {
    return fn();
  }
  held.set(root, new ObjectNames());
  try {
    return fn();
  } finally {
    held.delete(root);
  }
}
