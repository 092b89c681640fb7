import { SecretKey } from './secret';
import { invalid, invalidSecret } from './validation';

/** What a key of a generated Secret is given as, for the messages refusing anything else. */
export interface GeneratedKeyExample {
  /** The key's name, e.g. `token`. */
  readonly key: string;
  /** The environment variable of the example's `SecretValue.input`, e.g. `DOCKYARD_REGISTRY_TOKEN`. */
  readonly variable: string;
  /** What the value is, e.g. `the registry token`. */
  readonly description: string;
}

/**
 * Check a credential given under `prop`: a `SecretKey` of a Secret Dockyard generates (a generated value or a
 * `SecretValue.input`), whose value a synth knows. A JavaScript caller's plain string would otherwise fail later with
 * a TypeError, and is never shown (it may be the credential); a Secret made outside Dockyard
 * (`Secret.fromSecretName`) is refused for `why`, what needs the value.
 *
 * @param why why the value must be known at synth, e.g. `the login is written into the pull secret at synth`
 * @param example the key the messages show being made
 */
export function checkGeneratedKey(prop: string, key: SecretKey, why: string, example: GeneratedKeyExample): SecretKey {
  const generated = `a key of a Secret Dockyard generates, e.g. new Secret(scope, id, { name, values: { ${example.key}: ` +
    `SecretValue.input("${example.variable}", "${example.description}") } }).key("${example.key}")`;
  if (!(key instanceof SecretKey)) {
    const allowed = `must be ${generated}: a credential never appears as a plain string`;
    // anything given is never shown: a string (or an object holding one) here may be the credential itself
    if (key === undefined || key === null) invalid(prop, key, allowed);
    invalidSecret(prop, allowed);
  }
  if (!key.secret.generated) {
    invalid(prop, key.toString(), `must be ${generated}: ${why}; a Secret made outside Dockyard (Secret.fromSecretName) is read by no synth`);
  }
  return key;
}
