import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Image, Images, ResolveOptions } from './image';
import type { k8s } from './k8s';
import { SecretKey } from './secret';
import { invalid } from './validation';

/*
 * Kubernetes expands `$(NAME)` in a container's env `value`, `command`, `args` and exec probe `command`, and reads
 * `$$` as a literal `$` (k8s.io/kubernetes third_party/forked/golang/expansion/expand.go: `$$` becomes `$`,
 * `$(NAME)` becomes the variable's value if it is defined, else stays as written, and any other `$` stays). Env
 * values see the variables defined before them in the same container, and the `kubernetes` Service's variables.
 *
 * So every string Dockyard writes to those fields is a literal unless it says otherwise: `escapeEnvLiteral` is the
 * one escaping rule, applied where the field is written (`EnvVars`, and `command`/`args`/probes in `podTemplate`);
 * a reference is only ever written through `EnvVars.interpolate` with an `EnvRef`.
 */

/**
 * Whether `name` is an environment variable name Dockyard writes: a C identifier, a letter or "_" then letters,
 * digits and "_", which every shell and both CI engines read back as one variable, and `$(NAME)` expansion too.
 *
 * @internal
 */
export function isEnvVarName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/**
 * Escape `text` so that Kubernetes' `$(NAME)` expansion reads it back exactly: every `$` is doubled.
 *
 * Upstream: k8s.io/kubernetes third_party/forked/golang/expansion/expand.go, where `$$` expands to `$`. Doubling every
 * `$`, not only those before `(` or `$`, also avoids expand.go mangling a lone `$` before a multi-byte UTF-8 character
 * (it copies the next byte as a rune).
 */
export function escapeEnvLiteral(text: string): string {
  // most values hold no `$`: returned as they are, without the split's array (every env value of every container)
  return text.includes('$') ? text.split('$').join('$$') : text;
}

/** A reference to a variable defined earlier in the same container, written `$(NAME)` for Kubernetes to expand. */
export class EnvRef {
  /** @internal */
  public constructor(public readonly name: string) {}
}

/** One part of an interpolated value: a literal string or a reference. */
export type EnvPart = string | EnvRef;

/**
 * Tagged template for `EnvVars.interpolate`: the template's text and every interpolated string or number are literal;
 * only `EnvRef`s (from `EnvVars.ref`) become references.
 *
 * @example envTemplate`redis://:${EnvVars.ref('REDIS_PASSWORD')}@${host}:6379`
 */
export function envTemplate(strings: TemplateStringsArray, ...values: Array<string | number | EnvRef>): EnvPart[] {
  const parts: EnvPart[] = [strings[0]];
  values.forEach((v, i) => parts.push(v instanceof EnvRef ? v : String(v), strings[i + 1]));
  return parts.filter((p) => p !== '');
}

/**
 * The environment of one container, built in order.
 *
 * Credentials enter only through `secret()` (a `secretKeyRef`). A value that embeds one, such as a DSN, is built with
 * `interpolate()`, whose `EnvRef` parts render as `$(NAME)` of a variable defined earlier, which Kubernetes resolves
 * inside the pod. Every other text is literal: `value()`, `image()` and the literal parts of `interpolate()` are
 * escaped with `escapeEnvLiteral`, so a `$(NAME)` in user input never expands (expand.go in k8s.io/kubernetes
 * third_party/forked/golang/expansion).
 */
export class EnvVars {
  /** A reference to the variable `name`, for `interpolate()` and `envTemplate`. */
  public static ref(name: string): EnvRef {
    return new EnvRef(name);
  }

  private readonly vars = new Map<string, k8s.EnvVar>();

  /** @param namespace the namespace of the pod, where secret references must resolve */
  public constructor(private readonly namespace: string) {}

  /** A plain, non-secret value, read back literally: no `$(NAME)` in it expands. */
  public value(name: string, value: string): void {
    this.add({ name, value: escapeEnvLiteral(value) });
  }

  /**
   * A value of literal parts and references to variables defined before it, e.g. a URL with a password:
   * `env.interpolate('URL', envTemplate\`redis://:${EnvVars.ref('PASSWORD')}@host\`)`.
   *
   * Literal parts are escaped; each reference renders as `$(NAME)` and must name a variable defined earlier.
   */
  public interpolate(name: string, parts: readonly EnvPart[]): void {
    const value = parts.map((p) => {
      if (!(p instanceof EnvRef)) {
        return escapeEnvLiteral(p);
      }
      if (!this.vars.has(p.name)) {
        invalid(`env ${name}`, p.name, `references $(${p.name}), which must be defined before it`);
      }
      return `$(${p.name})`;
    }).join('');
    this.add({ name, value });
  }

  /** A value read from a key of a Secret. */
  public secret(name: string, key: SecretKey): void {
    this.add({ name, valueFrom: { secretKeyRef: key.selectorFor(this.namespace) } });
  }

  /**
   * An image reference that pods of another workload run, relocated at synth time like `scope`'s own images (and
   * pinned to a digest as they are, unless `options.byTag`).
   */
  public image(name: string, scope: IConstruct, image: Image, options: ResolveOptions = {}): void {
    this.atSynth(name, () => Images.resolve(scope, image, options).reference);
  }

  /**
   * A plain value computed at synth time, once the whole app is built (e.g. from image relocations set after this
   * construct), and read back literally like `value()`.
   */
  public atSynth(name: string, produce: () => string): void {
    this.add({ name, value: Lazy.any({ produce: () => escapeEnvLiteral(produce()) }) });
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
    if (!isEnvVarName(v.name)) {
      invalid('env name', v.name, 'must be a C identifier');
    }
    if (this.vars.has(v.name)) {
      invalid('env name', v.name, 'must be defined once');
    }
    this.vars.set(v.name, v);
  }
}
