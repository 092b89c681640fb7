import * as pulumi from '@pulumi/pulumi';
import { IConstruct } from 'constructs';
import { SecretKey } from '../core/secret';
import { secretStateKey } from '../core/secret-record-review';
import { invalidSecret } from '../core/validation';
import { inputVariableOf, KeyRule, valueRules } from '../core/value-rules';

/**
 * The rules `requireValue` set on the keys of `app`'s Secrets, by `<namespace>/<secret>/<key>`: Harbor's database
 * password and Redis password, which Harbor splices unescaped into a DSN and a URL. Under Pulumi a value given from
 * outside (an input, a provided Secret's key) arrives as an Output, so it is checked here, where it is known, as
 * `LocalSecretStore` checks it at synth.
 */
export function rulesByKey(app: IConstruct): Map<string, KeyRule[]> {
  const byKey = new Map<string, KeyRule[]>();
  for (const rule of valueRules(app)) {
    const id = keyId(rule.key);
    byKey.set(id, [...byKey.get(id) ?? [], rule]);
  }
  return byKey;
}

/**
 * A key's `<namespace>/<secret>/<key>`, of its declaring Secret: the id of a generated value, as in the local store,
 * and of a provided Secret's key.
 */
export function keyId(key: SecretKey): string {
  return secretStateKey(key.secret.namespace, key.secret.secretName, key.key);
}

/**
 * `input`, refused where it breaks one of `rules`, in one line naming `name` and what the program that reads it
 * allows, never the value: a plain string at once, before anything registers; an Output once its value is known,
 * which fails the update before the Secret holding it is written (unknown in a preview, it is not checked).
 *
 * @param name what the refusal names: the input variable, or the provided Secret's key
 */
export function checkedByRules(name: string, input: pulumi.Input<string>, rules: readonly KeyRule[] | undefined): pulumi.Input<string> {
  if (rules === undefined || rules.length === 0) {
    return input;
  }
  const checked = (value: string): string => {
    for (const { rule, reader } of rules) {
      if (!rule.fits(value)) {
        invalidSecret(name, `${rule.allowed}, as ${reader} reads it`);
      }
    }
    return value;
  };
  return typeof input === 'string' ? checked(input) : pulumi.output(input).apply(checked);
}

/**
 * Refuse each input given as a plain string that breaks a rule on a key holding it (`SecretValue.input`, copies
 * followed), naming the input variable: before anything registers. An Output's value is checked once known, where
 * `GeneratedSecrets` produces it.
 */
export function checkInputsByRules(app: IConstruct, inputs: Readonly<Record<string, pulumi.Input<string>>>): void {
  for (const rule of valueRules(app)) {
    const env = inputVariableOf(rule.key);
    const input = env === undefined ? undefined : inputs[env];
    if (typeof input === 'string') {
      checkedByRules(env!, input, [rule]);
    }
  }
}
