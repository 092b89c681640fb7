import { Construct, IConstruct } from 'constructs';
import { namespaceOf } from './chart';
import { instancesIn, recordInstance } from './instances';
import { checkDnsSubdomain, checkInteger, checkRequiredObject, checkUniqueList, CONFIG_MAP_KEY_RULE, describeValue, invalid, isConfigMapKey, missing, ValidationError } from './validation';
import { tomlString } from './toml';
import { percentEncode } from './percent-encode';
import { readRegistryKey } from './registry-key';
import { yamlDoubleQuoted } from './yaml';

/**
 * A Kubernetes Secret that holds credentials, referenced by name.
 *
 * Dockyard never renders a credential into the main manifests: a Secret is either generated from a separate
 * source (`Secret`) or already exists in the cluster (`Secret.fromSecretName`).
 */
export interface ISecret extends IConstruct {
  /** The Secret's name. */
  readonly secretName: string;
  /** The namespace the Secret lives in. */
  readonly namespace: string;
  /** Whether Dockyard generates the values (and can copy them into other namespaces). */
  readonly generated: boolean;
  /** A reference to one key of this Secret. */
  key(key: string): SecretKey;
  /**
   * Make the Secret available to pods in `namespace`, for `secretKeyRef` cannot cross namespaces.
   *
   * Generated Secrets are copied there with the same values; an existing Secret must already live there.
   */
  shareWith(namespace: string): void;
}

/** What a `password` prop taking a `SecretKey` accepts, in words, for messages. */
export const PASSWORD_KEY_RULE = 'must be a SecretKey, e.g. Secret.fromSecretName(scope, id, name).key("password")';

/** A typed reference to one key of a Kubernetes Secret: the only way Dockyard passes a credential around. */
export class SecretKey {
  /** @internal */
  public constructor(
    /** The Secret holding the value. */
    public readonly secret: ISecret,
    /** The key inside the Secret. */
    public readonly key: string,
  ) {
    if (!isConfigMapKey(key)) {
      invalid('key', key, `must be a Secret key: ${CONFIG_MAP_KEY_RULE}`);
    }
  }

  /** The `secretKeyRef` selector for a pod in `namespace`, sharing the Secret there if needed. */
  public selectorFor(namespace: string): {
    /** The Secret's name. */
    name: string;
    /** The key in the Secret. */
    key: string;
  } {
    this.secret.shareWith(namespace);
    return { name: this.secret.secretName, key: this.key };
  }

  /** `<namespace>/<secret>#<key>`, for messages. */
  public toString(): string {
    return `${this.secret.namespace}/${this.secret.secretName}#${this.key}`;
  }
}

/** How a generated value is produced. */
export enum SecretValueKind {
  /** Crypto-random characters. */
  RANDOM = 'random',
  /** The value of another generated key. */
  COPY = 'copy',
  /** A text with other generated keys substituted into `{name}` placeholders. */
  TEMPLATE = 'template',
  /** An RSA private key, PEM (PKCS#1). */
  RSA_PRIVATE_KEY = 'rsa-private-key',
  /** A self-signed X.509 certificate (PEM) for a generated RSA key; derived, so re-made when the key changes. */
  CERTIFICATE = 'certificate',
  /** One htpasswd line with the bcrypt hash of a generated password; derived, so re-made when the password changes. */
  HTPASSWD = 'htpasswd',
  /** A `.dockerconfigjson` document for one or more registries, computed from passwords Dockyard knows. */
  DOCKER_CONFIG_JSON = 'docker-config-json',
  /** A value an operator supplies once, then kept like a generated one. */
  INPUT = 'input',
}

/** One registry of a `.dockerconfigjson` document. */
export interface DockerConfigEntry {
  /** The key clients look the registry up by. */
  readonly registry: string;
  /**
   * The user name.
   *
   * @default - the value of `usernameFrom`
   */
  readonly username?: string;
  /**
   * A key whose value is the user name, for registries such as DigitalOcean's that log in with a token as both.
   *
   * @default - `username`
   */
  readonly usernameFrom?: SecretKey;
  /** The password or token: a key of a generated Secret, or an input. */
  readonly password: SecretKey;
}

/**
 * The text of a `DOCKER_CONFIG_JSON` value, given the values of its sources by name: the one rendering every
 * secret source shares.
 */
export function renderDockerConfig(value: SecretValue, sources: Record<string, string>): string {
  return JSON.stringify({
    auths: Object.fromEntries(value.entries!.map(({ registry, username }, i) => {
      const user = username ?? sources[`username${i}`];
      const password = sources[String(i)];
      return [registry, { username: user, password, auth: Buffer.from(`${user}:${password}`).toString('base64') }];
    })),
  });
}

/**
 * The key the kubelet files a `.dockerconfigjson` entry's login under (`readRegistryKey`): its host, and its path
 * where it keeps one. `https://index.docker.io/v1/` is `index.docker.io`; `harbor.example.com/library/` is itself.
 */
function dockerConfigKey(registry: string): string {
  const { host, path } = readRegistryKey(registry);
  return host + path;
}

/**
 * Refuse a `.dockerconfigjson` key (`SecretValue.dockerConfigJson`'s registry) with both a scheme and a path the
 * kubelet scopes its login to (`dockerConfigKey`): drone-runner-kube, which copies a pipeline's `image_pull_secrets`
 * into its pod's pull Secret, keeps only a URL's host (drone/runner-go v1.12.0 registry/auths/auth.go:116-122
 * `hostname`), so the login would serve the whole host there, in place of the host's own login, which one of the two
 * Go's map order decides (auth.go:42, encode.go:21). Written without the scheme, the key passes whole; docker/cli
 * reads either as its host (`ConvertToHostname`).
 */
function checkDockerConfigKey(registry: string): void {
  const { host, path, scheme } = readRegistryKey(registry);
  const key = host + path;
  if (scheme && path !== '') {
    invalid('registry', registry, `must name a path without a scheme (${describeValue(key)}): the kubelet keeps the login to that path, but ` +
      'Drone\'s runner reads a URL as its host alone, where the login would serve every image');
  }
}

/**
 * Refuse two `.dockerconfigjson` keys (each passed `checkDockerConfigKey`) that name one scope, as two spellings of a
 * host do (`http://harbor.example.com` beside `harbor.example.com`, or `https://harbor.example.com/`):
 * drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:546-561 reads the keys into one map by address
 * (drone/runner-go v1.12.0 registry/auths/auth.go:42-48 and :116-122 `hostname`: a URL's host, any other key whole;
 * encode.go:20-22, one login per address), keeping one of the two logins in Go's map order; the kubelet files both
 * under one key (kubernetes v1.35.0 pkg/credentialprovider/keyring.go `BasicDockerKeyring.Add`), as it does
 * `harbor.example.com/` beside `harbor.example.com`, and tries them in Go's map order. A host and a path of it
 * (`harbor.example.com/library/`), or another port, are two scopes to both.
 */
function checkDistinctDockerConfigKeys(registries: readonly string[]): void {
  // drone/runner-go's address: a URL's host (a key with a scheme here has no path, checkDockerConfigKey), else the key
  const droneAddress = (registry: string) => (readRegistryKey(registry).scheme ? dockerConfigKey(registry) : registry);
  const seen = new Map<string, string>();
  for (const registry of registries) {
    const key = dockerConfigKey(registry);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const reader = droneAddress(earlier) === droneAddress(registry)
        ? 'Drone\'s runner reads both as one address and keeps one of the two logins at random'
        : 'the kubelet files both logins under one key and tries them in a random order';
      invalid('registry', registry, `must not name ${describeValue(key)} again, which ${describeValue(earlier)} names: ${reader}; ` +
        'key each host[:port], and each path of it, once');
    }
    seen.set(key, registry);
  }
}

/** A template placeholder: `{name}`, the name of letters, digits and "_"; the one spelling of its grammar. */
const PLACEHOLDER_SOURCE = '\\{([A-Za-z0-9_]+)\\}';
const PLACEHOLDER = new RegExp(PLACEHOLDER_SOURCE, 'g');
const ONE_PLACEHOLDER = new RegExp(`^${PLACEHOLDER_SOURCE}$`);
const SOME_PLACEHOLDER = new RegExp(PLACEHOLDER_SOURCE);

/**
 * Whether `text` is one `SecretValue.template` placeholder and nothing else, e.g. `{password}`: the text a URL
 * builder leaves unescaped where the template escapes the value that replaces it (`postgresUrl`).
 *
 * @internal
 */
export function isTemplatePlaceholder(text: string): boolean {
  return ONE_PLACEHOLDER.test(text);
}

/**
 * Whether `text` holds a `SecretValue.template` placeholder anywhere, which a template would read as one: literal
 * text spliced into a template must not (`NodeMirrorFiles`' user names).
 *
 * @internal
 */
export function holdsTemplatePlaceholder(text: string): boolean {
  return SOME_PLACEHOLDER.test(text);
}

/**
 * How `SecretValue.template` escapes each value it substitutes: one rule per sink, chosen for the text the
 * placeholders stand in. A value is escaped where it is spliced, so no credential can end a string, add a key or
 * change a URL's host, whatever characters it holds.
 */
export class TemplateEscape {
  /**
   * The value as it is. Only for placeholders whose source is a random value (`SecretValue.hex`, `.alphanumeric`,
   * `.password`, or a `copyOf` one), whose letters and digits need escaping in no sink; `SecretValue.template`
   * refuses it over any other source.
   */
  public static readonly NONE = new TemplateEscape('none', (value) => value);

  /**
   * Percent-encoding of the value (`encodeURIComponent`): every character but the unreserved `A-Z a-z 0-9 - . _ ~`
   * and `! ' ( ) *` becomes `%XX` of its UTF-8 bytes, so `@ : / ? # [ ] % & = +` and spaces cannot end the
   * component. For a placeholder in a URL's user info, such as `postgres://app:{password}@db/app` (RFC 3986
   * §3.2.1: `userinfo = *( unreserved / pct-encoded / sub-delims / ":" )`), a path segment or a query value;
   * libpq, Go's `net/url` and WHATWG URL parsers decode it back. A value with a lone UTF-16 surrogate cannot be
   * encoded and fails the render in one line (`percentEncode`), the value not shown.
   */
  public static readonly URL = new TemplateEscape('url', (value) => percentEncode('value', value, true));

  /**
   * A YAML double-quoted scalar, quotes included, that reads back as exactly the value: `abc #def` stays a
   * string and no newline can start a key. The placeholder stands where a whole scalar goes, e.g.
   * `password: {password}` or `- {token}`, never inside quotes.
   */
  public static readonly YAML = new TemplateEscape('yaml', (value) => yamlDoubleQuoted(value));

  /**
   * A JSON string literal, quotes included (`JSON.stringify`). The placeholder stands where a whole JSON value
   * goes, e.g. `{"password": {password}}`, never inside quotes.
   */
  public static readonly JSON = new TemplateEscape('json', (value) => JSON.stringify(value));

  /**
   * A TOML basic string, quotes included (`tomlString`): `JSON.stringify`'s escapes, DEL escaped too. The
   * placeholder stands where a whole TOML value goes, e.g. `password = {password}`; a value with a lone UTF-16
   * surrogate, which TOML cannot hold, fails the render.
   */
  public static readonly TOML = new TemplateEscape('toml', (value) => tomlString(value, true));

  private constructor(
    /** The escape's name, e.g. `url`, for a secret store's description of a recipe. */
    public readonly name: string,
    private readonly escapeValue: (value: string) => string,
  ) {}

  /** The text that stands for `value` in the template. */
  public encode(value: string): string {
    return this.escapeValue(value);
  }

  /** `TemplateEscape.<NAME>`, for messages. */
  public toString(): string {
    return `TemplateEscape.${this.name.toUpperCase()}`;
  }
}

/** Options of `SecretValue.template`. */
export interface TemplateOptions {
  /**
   * How each substituted value is escaped, for the text the placeholders stand in: `TemplateEscape.URL` in a
   * URL or DSN, `.YAML` for a YAML scalar, `.JSON` for a JSON string.
   *
   * @default TemplateEscape.NONE - allowed only when every placeholder's source is a random value
   */
  readonly escape?: TemplateEscape;
}

/**
 * The text of a `TEMPLATE` value, given the values of its sources by placeholder name: the one rendering every
 * secret source shares. Each `{name}` is replaced in one pass by the value of `sources[name]`, escaped with
 * `value.escape`; a substituted value that itself holds `{x}` is not substituted again.
 *
 * @throws if a placeholder has no source value, if a value cannot be escaped (a lone surrogate for
 * `TemplateEscape.URL` or `.TOML`), or if a `TemplateEscape.NONE` value holds other than letters and digits (a random value
 * edited in the store). Errors name the placeholder, never the value.
 */
export function renderTemplate(value: SecretValue, sources: Record<string, string>): string {
  if (value.kind !== SecretValueKind.TEMPLATE) {
    throw new Error(`renderTemplate needs a ${SecretValueKind.TEMPLATE} value, not ${value.kind}`);
  }
  const escape = value.escape ?? TemplateEscape.NONE;
  return value.template!.replace(PLACEHOLDER, (_, name: string) => {
    const source = Object.prototype.hasOwnProperty.call(sources, name) ? sources[name] : undefined;
    if (typeof source !== 'string') {
      throw new Error(`template placeholder {${name}} has no source value`);
    }
    if (escape === TemplateEscape.NONE && !/^[A-Za-z0-9]*$/.test(source)) {
      throw new Error(`template placeholder {${name}} is spliced raw (${escape}), but its value has characters other than ` +
        'letters and digits (the value is not shown); its source must be a random value');
    }
    try {
      return escape.encode(source);
    } catch (e) {
      // what the escape takes, where it says (a ValidationError's `allowed`): its own line would name no placeholder
      const allowed = e instanceof ValidationError && e.allowed !== undefined ? `: it ${e.allowed}` : ` (${(e as Error).name})`;
      throw new Error(`template placeholder {${name}}: its value cannot be escaped with ${escape}${allowed}; the value is not shown`);
    }
  });
}

/** Options of `SecretValue.selfSignedCertificate`. */
export interface SelfSignedCertificateOptions {
  /** The certificate's subject (and issuer) common name, e.g. `harbor-token-ca`. At most 64 characters. */
  readonly commonName: string;
  /**
   * How many days the certificate is valid, from the moment it is generated.
   *
   * @default 3650
   */
  readonly days?: number;
}

const HEX = '0123456789abcdef';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The recipe for one generated Secret value. Values are created once by the secret source and then kept. */
export class SecretValue {
  /** `length` random hexadecimal characters, e.g. 32 for Drone's database encryption key. */
  public static hex(length: number): SecretValue {
    checkInteger('length', length, 16, 4096);
    return new SecretValue(SecretValueKind.RANDOM, { alphabet: HEX, length });
  }

  /** `length` random letters and digits: safe in URLs, DSNs and shell words without escaping. */
  public static alphanumeric(length: number): SecretValue {
    checkInteger('length', length, 16, 4096);
    return new SecretValue(SecretValueKind.RANDOM, { alphabet: ALPHANUMERIC, length });
  }

  /**
   * `length` random letters and digits with at least one upper-case letter, one lower-case letter and one digit,
   * as password policies such as Harbor's robot secrets demand.
   */
  public static password(length: number): SecretValue {
    checkInteger('length', length, 16, 128);
    return new SecretValue(SecretValueKind.RANDOM, { alphabet: ALPHANUMERIC, length, mixedClasses: true });
  }

  /** The same value as another generated key, e.g. a database password handed to a pipeline. */
  public static copyOf(key: SecretKey): SecretValue {
    requireGenerated('copyOf', key);
    return new SecretValue(SecretValueKind.COPY, { sources: { value: key } });
  }

  /**
   * A text assembled from generated keys, e.g. a DSN: `{password}` is replaced by the value of `keys.password`,
   * escaped for the text around it with `options.escape`:
   *
   * ```ts
   * SecretValue.template('postgres://app:{password}@db/app', { password }, { escape: TemplateEscape.URL })
   * ```
   *
   * Without an escape the values are spliced raw, which only random sources allow (`SecretValue.hex`,
   * `.alphanumeric`, `.password`, or a `copyOf` one): their letters and digits need no escaping anywhere. An
   * operator's input or any other source needs the escape of its sink.
   *
   * @param template the text with `{name}` placeholders (letters, digits and "_")
   * @param keys the generated keys to substitute, by placeholder name
   * @param options how the substituted values are escaped
   */
  public static template(template: string, keys: Record<string, SecretKey>, options: TemplateOptions = {}): SecretValue {
    const escape = options.escape ?? TemplateEscape.NONE;
    if (!(escape instanceof TemplateEscape)) {
      invalid('escape', escape, 'must be TemplateEscape.NONE, .URL, .YAML, .JSON or .TOML');
    }
    const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
    for (const name of names) {
      if (!(name in keys)) {
        invalid('template', template, `placeholder {${name}} needs a key; got ${describeValue(Object.keys(keys))}`);
      }
    }
    Object.values(keys).forEach((k) => requireGenerated('template', k));
    if (escape === TemplateEscape.NONE) {
      for (const name of new Set(names)) {
        if (!isRandom(keys[name])) {
          invalid('template', template, `placeholder {${name}} is spliced raw (TemplateEscape.NONE), which only a random source ` +
            `(SecretValue.hex, .alphanumeric, .password, or a copyOf one) allows, and ${keys[name]} is not; ` +
            'pass the escape of the text around it, e.g. { escape: TemplateEscape.URL } in a URL, .YAML or .JSON');
        }
      }
    }
    return new SecretValue(SecretValueKind.TEMPLATE, { template, sources: keys, escape });
  }

  /**
   * An RSA private key in PEM (PKCS#1, `-----BEGIN RSA PRIVATE KEY-----`), e.g. Harbor core's token signing key.
   *
   * @param bits the modulus length: 2048, 3072 or 4096 (default 4096)
   */
  public static rsaPrivateKey(bits: number = 4096): SecretValue {
    if (!RSA_BITS.includes(bits)) {
      invalid('bits', bits, `must be one of ${RSA_BITS.join(', ')}`);
    }
    return new SecretValue(SecretValueKind.RSA_PRIVATE_KEY, { bits });
  }

  /**
   * A self-signed X.509 v3 CA certificate in PEM for a generated RSA key, e.g. the certificate the Harbor registry
   * verifies core's tokens with. It is signed with SHA-256 and marked CA with keyUsage digitalSignature and
   * keyCertSign. It is re-made when the key, `commonName` or `days` change.
   *
   * @param key a key of a generated Secret whose value is `SecretValue.rsaPrivateKey`
   * @param options the subject common name and the validity period (`days` defaults to 3650, ten years)
   */
  public static selfSignedCertificate(key: SecretKey, options: SelfSignedCertificateOptions): SecretValue {
    requireGenerated('selfSignedCertificate', key);
    if (generatedValue(key)?.kind !== SecretValueKind.RSA_PRIVATE_KEY) {
      invalid('selfSignedCertificate source', key.toString(), 'must be a key whose value is SecretValue.rsaPrivateKey');
    }
    const commonName = options.commonName;
    // ub-common-name in RFC 5280 is 64 characters; control characters would make an unreadable subject
    if (typeof commonName !== 'string' || commonName.length === 0 || commonName.length > 64 || /\p{Cc}/u.test(commonName)) {
      invalid('commonName', commonName, 'must be 1 to 64 characters without control characters');
    }
    // GeneralizedTime ends at year 9999; a century is far beyond any sensible validity
    const days = checkInteger('days', options.days ?? 3650, 1, 36500);
    return new SecretValue(SecretValueKind.CERTIFICATE, { commonName, days, sources: { key } });
  }

  /**
   * One htpasswd line, `user:<bcrypt hash>`, for a generated password, e.g. the Harbor registry's basic-auth file.
   * The hash uses bcrypt with cost 10 and is re-made when the password or `user` change.
   *
   * @param user the user name: not empty, without ":" or whitespace
   * @param password a key of a generated Secret whose value is random (`hex` or `alphanumeric`) and at most
   * 72 characters long, for bcrypt ignores every byte after the 72nd
   */
  public static htpasswd(user: string, password: SecretKey): SecretValue {
    if (typeof user !== 'string' || !/^[^\s:\p{Cc}]+$/u.test(user)) {
      invalid('user', user, 'must be a non-empty name without ":", whitespace or control characters');
    }
    requireGenerated('htpasswd', password);
    const source = generatedValue(password);
    if (source?.kind !== SecretValueKind.RANDOM || source.length! > 72) {
      invalid('htpasswd source', password.toString(), 'must be a key whose value is SecretValue.hex or .alphanumeric of at most 72 characters, ' +
        'for bcrypt ignores every byte after the 72nd');
    }
    return new SecretValue(SecretValueKind.HTPASSWD, { user, sources: { password } });
  }

  /**
   * A `.dockerconfigjson` document (`kubernetes.io/dockerconfigjson`) that logs in to each registry with a user
   * name and a password Dockyard knows, with the base64 `auth` field kubelet and docker read.
   *
   * @param entries one per registry, keyed as clients look it up, e.g. `harbor.example.com` or
   * `https://index.docker.io/v1/`; or one per path of a registry, keyed without a scheme, e.g.
   * `harbor.example.com/library/` beside `harbor.example.com`: the kubelet tries a path's login for the images under
   * it, before the host's (kubernetes v1.35.0 pkg/credentialprovider/keyring.go). A path with a scheme is refused:
   * Drone's runner would keep the host alone. So are two keys for one scope, such as `http://harbor.example.com` or
   * `https://harbor.example.com/` beside `harbor.example.com`: Drone's runner would keep one of their logins.
   */
  public static dockerConfigJson(entries: DockerConfigEntry[]): SecretValue {
    if (entries.length === 0) {
      invalid('entries', entries, 'must name at least one registry');
    }
    const sources: Record<string, SecretKey> = {};
    entries.forEach((e, i) => {
      if (typeof e.registry !== 'string' || !/^(https?:\/\/)?[a-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]*)?$/.test(e.registry)) {
        invalid('registry', e.registry, 'must be a registry host such as "harbor.example.com", "host:5000" or "https://index.docker.io/v1/"');
      }
      if (e.username === undefined && e.usernameFrom === undefined) {
        missing('username', 'must be given, as username or as usernameFrom');
      }
      if (e.username !== undefined && e.usernameFrom !== undefined) {
        invalid('username', e.username, 'must be given either as username or as usernameFrom, not both');
      }
      if (e.username !== undefined && (typeof e.username !== 'string' || !/^[^\s:\p{Cc}]+$/u.test(e.username))) {
        invalid('username', e.username, 'must be a non-empty name without ":", whitespace or control characters');
      }
      requireGenerated('dockerConfigJson', e.password);
      sources[String(i)] = e.password;
      if (e.usernameFrom) {
        requireGenerated('dockerConfigJson', e.usernameFrom);
        sources[`username${i}`] = e.usernameFrom;
      }
    });
    checkUniqueList('registry', entries.map((e) => e.registry));
    entries.forEach((e) => checkDockerConfigKey(e.registry));
    checkDistinctDockerConfigKeys(entries.map((e) => e.registry));
    return new SecretValue(SecretValueKind.DOCKER_CONFIG_JSON, { entries: entries.map(({ registry, username }) => ({ registry, username })), sources });
  }

  /**
   * A value an operator supplies, such as a Docker Hub access token: the secret source asks for it once (the local
   * store reads the environment variable `env` on the first synth that lacks it) and then keeps it.
   *
   * @param env the environment variable the value is read from, e.g. `DOCKYARD_DOCKERHUB_TOKEN`
   * @param description what the value is and where to get it, shown when it is missing
   */
  public static input(env: string, description: string): SecretValue {
    if (typeof env !== 'string' || !/^[A-Z_][A-Z0-9_]*$/.test(env)) {
      invalid('env', env, 'must be an upper-case environment variable name');
    }
    return new SecretValue(SecretValueKind.INPUT, { env, description });
  }

  /**
   * What the value encrypts that is kept elsewhere, e.g. in a database (`encrypting`): rotating it loses that data,
   * and a synth that rotates it warns.
   */
  public readonly encrypts?: string;
  /**
   * How to change the value in its consumer first, for a value the consumer reads only on its first start
   * (`readOnFirstStart`): a synth that rotates it warns.
   */
  public readonly firstStartChange?: string;
  /** The characters a random value is drawn from. */
  public readonly alphabet?: string;
  /** Whether a random value must mix upper case, lower case and digits. */
  public readonly mixedClasses?: boolean;
  /** The registries and user names of a docker config; the passwords are `sources`, by index. */
  public readonly entries?: ReadonlyArray<{
    /** The registry, as clients look it up. */
    readonly registry: string;
    /** The user name, if the registry has one. */
    readonly username?: string;
  }>;
  /** The environment variable an input is read from. */
  public readonly env?: string;
  /** What an input is. */
  public readonly description?: string;
  /** Whom an input belongs to (`belongingTo`), part of its recipe. */
  public readonly owner?: string;
  /** The length of a random value. */
  public readonly length?: number;
  /** The text of a template value. */
  public readonly template?: string;
  /** How a template value escapes what it substitutes. */
  public readonly escape?: TemplateEscape;
  /** The modulus length of an RSA private key. */
  public readonly bits?: number;
  /** The subject common name of a certificate. */
  public readonly commonName?: string;
  /** The validity of a certificate, in days. */
  public readonly days?: number;
  /** The user name of an htpasswd line. */
  public readonly user?: string;
  /**
   * The keys the value is made from: `value` for a copy, the placeholders for a template, `key` for a certificate,
   * `password` for an htpasswd line, the entries' indexes for a docker config.
   */
  public readonly sources: Readonly<Record<string, SecretKey>>;

  private constructor(
    /** How the value is produced. */
    public readonly kind: SecretValueKind,
    options: {
      alphabet?: string; length?: number; template?: string; bits?: number; commonName?: string; days?: number; user?: string;
      mixedClasses?: boolean; entries?: { registry: string; username?: string }[]; env?: string; description?: string;
      sources?: Record<string, SecretKey>; escape?: TemplateEscape; encrypts?: string; firstStartChange?: string; owner?: string;
    },
  ) {
    this.encrypts = options.encrypts;
    this.firstStartChange = options.firstStartChange;
    this.alphabet = options.alphabet;
    this.mixedClasses = options.mixedClasses;
    this.entries = options.entries;
    this.env = options.env;
    this.description = options.description;
    this.owner = options.owner;
    this.length = options.length;
    this.template = options.template;
    this.escape = options.escape;
    this.bits = options.bits;
    this.commonName = options.commonName;
    this.days = options.days;
    this.user = options.user;
    this.sources = options.sources ?? {};
  }

  /**
   * This value, marked as a key that encrypts data kept elsewhere, such as Drone's `DRONE_DATABASE_SECRET`, which
   * encrypts the secrets Drone stores in PostgreSQL. Rotating it loses that data, so a synth that rotates it (by
   * name or with `DOCKYARD_ROTATE=all`) prints a warning that names the key and `data`. The value and its recipe in
   * the key record are the same as without the mark.
   *
   * ```ts
   * SecretValue.hex(32).encrypting('the repository and organisation secrets Drone stores in PostgreSQL')
   * ```
   *
   * @param data what the value encrypts: one line, at most 200 characters
   */
  public encrypting(data: string): SecretValue {
    return this.marked('encrypting', 'data', 'what the value encrypts', data, { encrypts: data });
  }

  /**
   * This value, marked as one its consumer reads only on its first start, such as a database's superuser password
   * or Harbor's admin password: rotating it in the state alone leaves the consumer on the old value (and whatever
   * logs in with it locked out), so a synth that rotates it prints a warning that names the key and `change`, how to
   * change the value in the consumer first. The value and its recipe in the key record are the same as without the
   * mark. The consumer's pods count the key in their checksum by name only (`CHECKSUM_ANNOTATION`): rotating it
   * restarts none of them, as a restart would not make the consumer read it, while a Job named after its digest
   * (`secretDigest`) still runs again. Dockyard's own such keys name their consumer (the PostgreSQL StatefulSet,
   * Harbor core), and any other pod that reads them, which reads them at each start, rolls with a rotation; a key of
   * your own counts by name in every pod that reads it.
   *
   * @param change how to set the new value in the consumer before applying: one line, at most 200 characters
   */
  public readOnFirstStart(change: string): SecretValue {
    return this.marked('readOnFirstStart', 'change', 'how to change the value first', change, { firstStartChange: change });
  }

  /**
   * This input, kept only for `owner`, such as the user name and registry a password is for
   * (`SecretValue.input('REGISTRY_PASSWORD', '…').belongingTo('bob at registry.example.com')`). The owner is part of the
   * value's recipe in the key record, so a later synth that declares it for another owner refuses the kept value,
   * which would pair one account's password with another's name, until the key is rotated on purpose (which reads the
   * variable again). A key recorded before it had an owner takes the owner it is declared with.
   *
   * @param owner whom the value belongs to: one line, at most 600 characters (a user name and a host fit), nothing
   * secret (the key record shows it)
   */
  public belongingTo(owner: string): SecretValue {
    if (this.kind !== SecretValueKind.INPUT) {
      invalid('belongingTo', this.kind, 'must mark a value an operator supplies: SecretValue.input');
    }
    return this.marked('belongingTo', 'owner', 'whom the value belongs to', owner, { owner }, 600);
  }

  /**
   * This value with `mark` added by `method`, whose description `text` (the parameter `prop`, of `what`) is checked;
   * every other field as it is (a field added later comes along), the lists copied.
   */
  private marked(
    method: string, prop: string, what: string, text: string, mark: { encrypts?: string; firstStartChange?: string; owner?: string }, max = 200,
  ): SecretValue {
    // no control or format characters (a bidirectional override among them): the text reaches messages as it is
    if (typeof text !== 'string' || text.trim() === '' || text.length > max || /[\p{Cc}\p{Cf}]/u.test(text)) {
      invalid(prop, text, `must be a description of ${what}: 1 to ${max} characters on one line`);
    }
    // only a value kept in the state is rotated by name: one made from others follows them
    if (this.kind !== SecretValueKind.RANDOM && this.kind !== SecretValueKind.RSA_PRIVATE_KEY && this.kind !== SecretValueKind.INPUT) {
      invalid(method, this.kind, 'must mark a value kept in the secret state: SecretValue.hex, .alphanumeric, .password, .rsaPrivateKey or .input');
    }
    const { kind, entries, sources, ...fields } = this as SecretValue;
    return new SecretValue(kind, { ...fields, entries: entries?.map((e) => ({ ...e })), sources: { ...sources }, ...mark });
  }
}

const RSA_BITS = [2048, 3072, 4096];

/** The recipe of a key of a generated Secret (checked by `requireGenerated` first). */
function generatedValue(key: SecretKey): SecretValue | undefined {
  return (key.secret as Secret).values[key.key];
}

/** Whether `key` holds random letters or digits, itself or through copies: a value no sink needs escaped. */
function isRandom(key: SecretKey): boolean {
  const value = generatedValue(key);
  if (value?.kind === SecretValueKind.COPY) {
    return isRandom(value.sources.value);
  }
  return value?.kind === SecretValueKind.RANDOM && /^[A-Za-z0-9]+$/.test(value.alphabet ?? '');
}

function requireGenerated(factory: string, key: SecretKey): void {
  if (!key.secret.generated) {
    invalid(`${factory} source`, key.toString(), 'must be a key of a generated Secret, whose value Dockyard knows');
  }
}

/** Props of a generated `Secret`. */
export interface SecretProps {
  /** The Secret's name. */
  readonly name: string;
  /**
   * The namespace the Secret is created in.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** The keys and how each value is generated. */
  readonly values: Readonly<Record<string, SecretValue>>;
  /**
   * Annotations of the Secret, e.g. the Drone secrets extension's `X-Drone-Repos`.
   *
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * The Secret's type.
   *
   * @default "Opaque"
   */
  readonly type?: string;
  /**
   * Whether the Secret is rendered in its own namespace. False for a Secret only the namespaces it is shared with
   * read (`shareWith`), such as a CI engine's pipeline secret, copied into its routes' build namespaces: its own
   * namespace still keys its values in the secret state (`<namespace>/<name>/<key>`), so they stay the same
   * wherever it is shared.
   *
   * @default true
   */
  readonly renderedInOwnNamespace?: boolean;
}

/**
 * A Secret whose values Dockyard generates once, outside the main manifests.
 *
 * The construct renders nothing into its chart. A secret source materialises it: `LocalSecretStore` for the
 * embedded default (a git-ignored state file and a separate manifest), or the Pulumi program for the cloud.
 */
export class Secret extends Construct implements ISecret {
  /**
   * Refer to a Secret that already exists in the cluster, e.g. made by External Secrets or Sealed Secrets.
   *
   * @param secretName the Secret's name
   * @param options where it lives
   */
  public static fromSecretName(scope: Construct, id: string, secretName: string, options: ExistingSecretOptions = {}): ISecret {
    return new ExistingSecret(scope, id, secretName, options);
  }

  /** Every generated Secret defined below `scope`. */
  public static allIn(scope: IConstruct): Secret[] {
    return scope.node.findAll().filter((c): c is Secret => c instanceof Secret);
  }

  /** Every existing Secret referred to below `scope`: the ones a user must create before applying. */
  public static requiredIn(scope: IConstruct): RequiredSecret[] {
    return instancesIn(scope, ExistingSecret)
      .map((s) => ({ namespace: s.namespace, secretName: s.secretName, keys: [...s.keys].sort(), description: s.description }));
  }

  public readonly secretName: string;
  public readonly namespace: string;
  public readonly generated = true;
  /** The keys and how each value is generated. */
  public readonly values: Readonly<Record<string, SecretValue>>;
  /** The Secret's annotations. */
  public readonly annotations: Readonly<Record<string, string>>;
  /** The Secret's type. */
  public readonly type: string;
  private readonly copies = new Set<string>();
  private readonly renderedInOwnNamespace: boolean;

  public constructor(scope: Construct, id: string, props: SecretProps) {
    super(scope, id);
    this.secretName = checkDnsSubdomain('name', props.name);
    // by name, for `generatedSecretNamed`
    recordInstance(Secret, this, this.secretName);
    this.namespace = namespaceOf(this, props.namespace);
    checkRequiredObject('values', props.values, 'must map each key to a SecretValue, e.g. { password: SecretValue.alphanumeric(32) }');
    if (Object.keys(props.values).length === 0) {
      invalid('values', props.values, 'must define at least one key');
    }
    Object.keys(props.values).forEach((k) => new SecretKey(this, k));
    this.values = { ...props.values };
    this.annotations = { ...props.annotations };
    this.type = props.type ?? 'Opaque';
    this.renderedInOwnNamespace = props.renderedInOwnNamespace ?? true;
  }

  /**
   * Every namespace the Secret is rendered in: its own first (unless `renderedInOwnNamespace` is false and it is not
   * shared there), then its copies in name order.
   */
  public get namespaces(): string[] {
    const own = this.renderedInOwnNamespace || this.copies.has(this.namespace) ? [this.namespace] : [];
    return [...own, ...[...this.copies].filter((n) => n !== this.namespace).sort()];
  }

  public key(key: string): SecretKey {
    if (!(key in this.values)) {
      invalid('key', key, `must be one of the keys of Secret ${this.secretName}: ${Object.keys(this.values).join(', ')}`);
    }
    return new SecretKey(this, key);
  }

  public shareWith(namespace: string): void {
    this.copies.add(namespace);
  }
}

/** An existing Secret that a stack reads and a user must provide. */
export interface RequiredSecret {
  /** The namespace it must live in. */
  readonly namespace: string;
  /** Its name. */
  readonly secretName: string;
  /** The keys consumers read. */
  readonly keys: string[];
  /**
   * What it holds, if described.
   * @default none
   */
  readonly description?: string;
}

/** Options of `Secret.fromSecretName`. */
export interface ExistingSecretOptions {
  /**
   * The namespace the Secret lives in.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * What the Secret holds and how to create it, for the list of Secrets a user must provide.
   *
   * @default - none
   */
  readonly description?: string;
}

class ExistingSecret extends Construct implements ISecret {
  public readonly namespace: string;
  public readonly generated = false;
  public readonly description?: string;
  /** The keys consumers read, for the list of Secrets a user must provide. */
  public readonly keys = new Set<string>();

  public constructor(scope: Construct, id: string, public readonly secretName: string, options: ExistingSecretOptions) {
    super(scope, id);
    recordInstance(ExistingSecret, this);
    checkDnsSubdomain('secretName', secretName);
    this.namespace = namespaceOf(this, options.namespace);
    this.description = options.description;
  }

  public key(key: string): SecretKey {
    const ref = new SecretKey(this, key);
    this.keys.add(key);
    return ref;
  }

  public shareWith(namespace: string): void {
    if (namespace !== this.namespace) {
      throw new ValidationError(`invalid secret ${describeValue(`${this.namespace}/${this.secretName}`)}: it is used by pods in namespace ` +
        `${describeValue(namespace)}, but secretKeyRef cannot cross namespaces; provide a copy in that namespace and refer to it there: ` +
        `Secret.fromSecretName(scope, id, ${describeValue(this.secretName)}, { namespace: ${describeValue(namespace)} })`);
    }
  }
}
