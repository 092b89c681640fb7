import { IConstruct } from 'constructs';
import { Secret, SecretKey, SecretValueKind } from './secret';

/**
 * What a program that reads a Secret's value needs of it, where it splices the value into a format of its own
 * without escaping it: Harbor's key/value PostgreSQL DSN, a Redis URL's userinfo. Dockyard's generated values always
 * fit; a value given from outside may not, and then fails only in the program, at run time, sometimes printing it.
 */
export interface ValueRule {
  /** Whether `value` fits. */
  readonly fits: (value: string) => boolean;
  /** What the value must be, for the refusal, which never shows it: e.g. `must hold no white space`. */
  readonly allowed: string;
}

/** A rule on one key, and the program that reads it there, for the refusal. */
export interface KeyRule {
  readonly key: SecretKey;
  readonly rule: ValueRule;
  /** The program that needs it, e.g. `Harbor's database DSN`. */
  readonly reader: string;
}

/** Per app root: the rules on keys, in the order they were required. */
const rules = new WeakMap<IConstruct, KeyRule[]>();

/**
 * Require that the value of `key` fits `rule`, for `reader`: a synth with `LocalSecretStore` refuses a value that
 * does not, in one line naming the input variable (or state key) it came from, never the value, before anything
 * is written. A value the app does not hold (a Secret made outside it) is not checked.
 */
export function requireValue(scope: IConstruct, key: SecretKey, reader: string, rule: ValueRule): void {
  const root = scope.node.root;
  rules.set(root, [...rules.get(root) ?? [], { key, rule, reader }]);
}

/** The rules required below `scope`'s root (`requireValue`). */
export function valueRules(scope: IConstruct): readonly KeyRule[] {
  return rules.get(scope.node.root) ?? [];
}

/**
 * The key whose value `key` holds, following copies (`SecretValue.copyOf`) through the app's own Secrets: the key
 * itself unless it is a copy. A refusal names where a value came from, the input variable of an input.
 */
export function originOf(key: SecretKey): SecretKey {
  let at = key;
  const seen: SecretKey[] = [];
  for (;;) {
    const value = at.secret instanceof Secret ? at.secret.values[at.key] : undefined;
    // a cycle of copies is refused elsewhere; it must not loop here
    if (value?.kind !== SecretValueKind.COPY || !(value.sources.value.secret instanceof Secret)
      || seen.some((k) => k.secret === at.secret && k.key === at.key)) {
      return at;
    }
    seen.push(at);
    at = value.sources.value;
  }
}

/** The input variable `key`'s value comes from (`SecretValue.input`), following copies; undefined for any other value. */
export function inputVariableOf(key: SecretKey): string | undefined {
  const origin = originOf(key);
  const value = origin.secret instanceof Secret ? origin.secret.values[origin.key] : undefined;
  return value?.kind === SecretValueKind.INPUT ? value.env : undefined;
}
