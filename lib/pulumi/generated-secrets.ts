import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import * as tls from '@pulumi/tls';
import { IConstruct } from 'constructs';
import { renderDockerConfig, renderTemplate, Secret, SecretKey, SecretValue, SecretValueKind } from '../core/secret';
import { checkInputValue, INPUT_VALUE_RULE } from '../core/input-value';
import { keyedDigest } from '../core/hash';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../core/labels';
import { invalidSecret, ValidationError } from '../core/validation';
import { inputVariableOf } from '../core/value-rules';
import { checkedByRules, checkInputsByRules, keyId, rulesByKey } from './value-rules';

/** Args of `GeneratedSecrets`. */
export interface GeneratedSecretsArgs {
  /** The cdk8s App (or any scope) whose generated Secrets are made; its charts must have been resolved first. */
  readonly app: IConstruct;
  /**
   * The values of `SecretValue.input`, by its `env` name, e.g. `config.requireSecret('dockerhubToken')`. Each is
   * refused as `LocalSecretStore` refuses an input variable (white space only, or one line beginning or ending with a
   * line break), and when empty: a plain string before anything is registered, an Output once its value is known.
   *
   * @default - none; the constructor throws if the app declares an input
   */
  readonly inputs?: Readonly<Record<string, pulumi.Input<string>>>;
}

// The alphabets of `SecretValue.hex` and `.alphanumeric`/`.password`, each mapped to its own random resource.
const HEX = '0123456789abcdef';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The Pulumi secret source: every generated `Secret` of a cdk8s app, made from Pulumi resources, in every
 * namespace it is needed. It reproduces `LocalSecretStore`, with the Pulumi state in place of the state file:
 * each random value, key or certificate is one resource (`random`, `tls`), made once and kept, and values derived
 * from it follow it when it is replaced.
 *
 * Resolve the app's charts (`chart.toJson()`, or `app.synthYaml()`) before constructing it: resolving is what
 * shares Secrets into the namespaces of the pods that read them, so `Secret.namespaces` is only complete afterwards.
 *
 * Each Secret becomes a `kubernetes:core/v1:Secret` child with the declared name, namespace, type and annotations,
 * the label `app.kubernetes.io/managed-by: dockyard`, and its values in `stringData`, all marked secret.
 *
 * Children are named `<name>-<namespace>/<secret>` (the Secrets), `<name>-<namespace>/<secret>/<key>` (the resource
 * of each value) and `<name>-digest-key`. A URN holds the parent's type but not its name, so two GeneratedSecrets
 * under one parent type must not be named `<a>` and `<a>-<more>`: `a` in namespace `b-ci` and `a-b` in `ci` would
 * both name a value `a-b-ci/…`, one resource to Pulumi (`ChartDeployment` refuses the names that could do so).
 */
export class GeneratedSecrets extends pulumi.ComponentResource {
  /** The Kubernetes Secrets: each generated Secret once per namespace, in declaration order. */
  public readonly secrets: k8s.core.v1.Secret[];
  /** Every produced value, by `<namespace>/<secret>/<key>` of its declaring Secret. */
  private readonly values = new Map<string, pulumi.Output<string>>();
  private digestKey?: pulumi.Output<string>;
  private readonly name: string;

  public constructor(name: string, args: GeneratedSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before `super` so that a bad app registers nothing, not even the component.
    const declared = Secret.allIn(args.app);
    check(declared, args.inputs ?? {}, args.app);
    // read before `super`, which fills an unset `protect` from the parent's
    const protectKept = opts?.protect ?? true;
    super('dockyard:pulumi:GeneratedSecrets', name, {}, opts);
    this.name = name;

    // A RandomPassword per password key, for an htpasswd line is made from its `bcryptHash`.
    const passwords = new Map<string, random.RandomPassword>();
    // a value a program splices unescaped must fit it (`requireValue`): an input's is checked once known
    const rules = rulesByKey(args.app);
    const valueOf = (key: SecretKey): pulumi.Output<string> => {
      const id = keyId(key);
      if (!this.values.has(id)) {
        this.values.set(id, pulumi.secret(checkedByRules(inputVariableOf(key) ?? id, produce(recipeOf(key), id), rules.get(id))));
      }
      return this.values.get(id)!;
    };
    const produce = (value: SecretValue, id: string): pulumi.Input<string> => {
      // A value that encrypts data kept elsewhere, or that its program reads only on its first start, is protected, as
      // LocalSecretStore refuses to make one anew unasked: its resource is named by the declaring Secret's namespace
      // and each of its arguments (length, alphabet, key size) replaces it, so a moved namespace or a changed recipe
      // would make a new value at `pulumi up` (data Drone or Harbor encrypted unreadable, an admin password the
      // program never reads again). Pulumi then fails with "marked for protection" instead; a rotation on purpose is
      // `pulumi state unprotect <urn>`, then `pulumi up --replace <urn>` (README, "What Pulumi will not delete").
      // `protect: false` on the component (or on its ChartDeployment) leaves them unprotected, for throw-away stacks.
      const kept = value.encrypts !== undefined || value.firstStartChange !== undefined;
      const opt = { parent: this, ...(kept ? { protect: protectKept } : {}) };
      switch (value.kind) {
        case SecretValueKind.RANDOM: {
          if (value.alphabet === HEX) {
            // RandomId marks none of its outputs secret (@pulumi/random randomId.js, unlike randomBytes.js): without
            // this they sit in the state in plaintext. Its id, the value in base64url, still does; RandomBytes would
            // not, but moving to it makes every hex value anew (Drone's database-secret among them), so that is
            // left to a deliberate rotation (README, "DigitalOcean": Credentials in the Pulumi state)
            return new random.RandomId(`${name}-${id}`, { byteLength: value.length! / 2 },
              { ...opt, additionalSecretOutputs: ['hex', 'b64Std', 'b64Url', 'dec'] }).hex;
          }
          const mixed = value.mixedClasses ? { minUpper: 1, minLower: 1, minNumeric: 1 } : {};
          const password = new random.RandomPassword(`${name}-${id}`,
            { length: value.length!, special: false, upper: true, lower: true, numeric: true, ...mixed }, opt);
          passwords.set(id, password);
          return password.result;
        }
        case SecretValueKind.COPY:
          return valueOf(value.sources.value);
        case SecretValueKind.TEMPLATE: {
          const sources = Object.fromEntries(Object.entries(value.sources).map(([n, key]) => [n, valueOf(key)]));
          return pulumi.all(sources).apply((values) => renderTemplate(value, values));
        }
        case SecretValueKind.RSA_PRIVATE_KEY:
          return new tls.PrivateKey(`${name}-${id}`, { algorithm: 'RSA', rsaBits: value.bits! }, opt).privateKeyPem;
        case SecretValueKind.CERTIFICATE:
          return new tls.SelfSignedCert(`${name}-${id}`, {
            privateKeyPem: valueOf(value.sources.key),
            subject: { commonName: value.commonName! },
            validityPeriodHours: value.days! * 24,
            isCaCertificate: true,
            allowedUses: ['cert_signing', 'digital_signature'],
          }, opt).certPem;
        case SecretValueKind.HTPASSWD:
          valueOf(value.sources.password); // makes the source's RandomPassword if no Secret made it yet
          return pulumi.interpolate`${value.user}:${passwords.get(keyId(value.sources.password))!.bcryptHash}`;
        case SecretValueKind.DOCKER_CONFIG_JSON: {
          const sources = Object.fromEntries(Object.entries(value.sources).map(([name, key]) => [name, valueOf(key)]));
          return pulumi.all(sources).apply((values) => renderDockerConfig(value, values));
        }
        case SecretValueKind.INPUT:
          return checkedInput(value.env!, args.inputs![value.env!]);
      }
    };

    this.secrets = declared.flatMap((secret) => {
      const stringData = Object.fromEntries(Object.keys(secret.values).sort().map((k) => [k, valueOf(secret.key(k))]));
      const annotations = Object.keys(secret.annotations).length > 0 ? { ...secret.annotations } : undefined;
      return secret.namespaces.map((namespace) => new k8s.core.v1.Secret(`${name}-${namespace}/${secret.secretName}`, {
        metadata: { name: secret.secretName, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, annotations },
        type: secret.type,
        stringData,
      }, { parent: this }));
    });
    this.registerOutputs({ secretNames: declared.flatMap((s) => s.namespaces.map((ns) => `${ns}/${s.secretName}`)) });
  }

  /**
   * The digest of a generated value by `<namespace>/<secret>/<key>`: an HMAC-SHA256 under a random key that is
   * itself a Pulumi resource, so it changes exactly when the value does and reveals nothing of it. Pod checksums
   * (`CHECKSUM_ANNOTATION`) are made from it.
   *
   * @throws if no generated value has that id
   */
  public digest(id: string): pulumi.Output<string> {
    const value = this.values.get(id);
    if (value === undefined) {
      throw new ValidationError(`secret key ${id} is not a key of a generated Secret of this app`);
    }
    return this.digestOf(id, value);
  }

  /**
   * The digest of a value the program provides, such as a key of a `ChartDeployment`'s provided Secret: made as
   * `digest` makes a generated value's, under the same random key, so that it too changes exactly when the value does
   * and reveals nothing of it, not even of a short value (a plain SHA-256 of one could be guessed).
   *
   * The result is a Pulumi secret, as it is derived from the key (and from the value, where that is secret): an
   * annotation made from it is kept encrypted in the state, though the digest itself would reveal nothing.
   *
   * @param id what the value is, e.g. `<namespace>/<secret>/<key>`: a distinct id gives a distinct digest
   * @param value the value
   */
  public digestOf(id: string, value: pulumi.Input<string>): pulumi.Output<string> {
    // RandomBytes marks its result secret in the Pulumi state (RandomId does not): the key must stay unknown
    this.digestKey ??= new random.RandomBytes(`${this.name}-digest-key`, { length: 32 }, { parent: this }).hex;
    return pulumi.all([this.digestKey, value]).apply(([key, v]) => keyedDigest(key, id, v));
  }

  /**
   * The value of a key of a generated Secret of the app, marked secret, for other components such as node files.
   *
   * @throws if the key is not one of a Secret this component made
   */
  public value(key: SecretKey): pulumi.Output<string> {
    const value = key.secret.generated ? this.values.get(keyId(key)) : undefined;
    if (value === undefined) {
      throw new ValidationError(`secret key ${key} is not a key of a generated Secret of this app`);
    }
    return value;
  }
}

function recipeOf(key: SecretKey): SecretValue {
  return (key.secret as Secret).values[key.key];
}

/**
 * A credential given from outside, refused where it is empty or as `checkInputValue` says: a plain string at once,
 * before anything is registered; an Output once its value is known, at deploy time, which fails the update before
 * the Secret holding it is written (unknown in a preview, it is not checked).
 *
 * @param name what the refusal names: the input variable, or the provided Secret's key
 */
export function checkedInput(name: string, input: pulumi.Input<string>): pulumi.Input<string> {
  const checked = (value: string): string => {
    if (value === '') {
      invalidSecret(name, `must not be empty, and ${INPUT_VALUE_RULE.replace(/^must /, '')}`);
    }
    checkInputValue(name, value);
    return value;
  };
  return typeof input === 'string' ? checked(input) : pulumi.output(input).apply(checked);
}

/**
 * Throw for any value that cannot be made from Pulumi resources, then for missing inputs, and inputs given as plain
 * strings that their checks refuse, before anything is registered. It walks the sources too, for a source may be declared outside the app.
 */
function check(secrets: Secret[], inputs: Record<string, pulumi.Input<string>>, app: IConstruct): void {
  const missing = new Set<string>();
  const seen = new Set<string>();
  const visit = (key: SecretKey): void => {
    if (seen.has(keyId(key))) {
      return;
    }
    seen.add(keyId(key));
    const value = recipeOf(key);
    if (value.kind === SecretValueKind.RANDOM && value.alphabet === HEX && value.length! % 2 !== 0) {
      throw new ValidationError(`invalid secret value ${key}: SecretValue.hex(${value.length}) needs an even length, ` +
        'for it is made by random.RandomId from length/2 bytes');
    }
    if (value.kind === SecretValueKind.RANDOM && value.alphabet !== HEX && value.alphabet !== ALPHANUMERIC) {
      throw new ValidationError(`invalid secret value ${key}: random alphabet ${JSON.stringify(value.alphabet)} is not supported`);
    }
    const source = value.kind === SecretValueKind.HTPASSWD ? recipeOf(value.sources.password) : undefined;
    if (source !== undefined && (source.kind !== SecretValueKind.RANDOM || source.alphabet !== ALPHANUMERIC)) {
      throw new ValidationError(`invalid secret value ${key}: the htpasswd source ${value.sources.password} must be ` +
        'SecretValue.alphanumeric or .password, for the bcrypt hash is the bcryptHash of its random.RandomPassword');
    }
    const input = value.kind === SecretValueKind.INPUT ? inputs[value.env!] : undefined;
    if (value.kind === SecretValueKind.INPUT && (input === undefined || input === '')) {
      missing.add(`${value.env} (${value.description})`);
    } else if (typeof input === 'string') {
      checkInputValue(value.env!, input);
    }
    Object.values(value.sources).forEach(visit);
  };
  secrets.forEach((s) => Object.keys(s.values).forEach((k) => visit(s.key(k))));
  checkInputsByRules(app, inputs);
  // Two Secrets rendered to one namespace and name would be two resources fighting over one object; two declared
  // with one namespace and name would share their values, which are keyed so (a Secret need not be rendered where it
  // is declared: a Woodpecker pipeline secret goes only to its routes' namespaces)
  const rendered = secrets.flatMap((s) => s.namespaces.map((ns) => `${ns}/${s.secretName}`));
  const declared = secrets.map((s) => `${s.namespace}/${s.secretName}`);
  const duplicate = [rendered, declared].map((ids) => ids.find((n, i) => ids.indexOf(n) !== i)).find((d) => d !== undefined);
  if (duplicate !== undefined) {
    throw new ValidationError(`duplicate generated Secret ${duplicate}: two Secrets would be made with that namespace and name`);
  }
  if (missing.size > 0) {
    throw new ValidationError(`missing secret inputs: ${[...missing].join(', ')}; pass them in GeneratedSecretsArgs.inputs, ` +
      'e.g. from config.requireSecret; nothing was created');
  }
}
