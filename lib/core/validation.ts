/**
 * Input checks shared by every construct. Each throws a `ValidationError` naming the prop, the bad value and
 * what is allowed, so a bad stack fails at synth time, before anything is written.
 *
 * The message is always one line: `invalid <prop> <value>: <allowed>`, or `missing <prop>: <allowed>`. The value is
 * JSON-quoted, with line breaks, C1 controls and invisible or bidirectional formatting characters escaped, and
 * shortened (with its length) when long, a path never (`describePath`); a secret value is never shown
 * (`invalidSecret`), nor the credentials a URL in a value may carry (`describeValue`).
 */

import * as fs from 'fs';
import { isIPv4, isIPv6 } from 'net';
import type { IConstruct } from 'constructs';
import { isInside } from './paths';
import { nearestName } from './text';

/** An invalid prop value, raised while the construct tree is built. Its message is a single line. */
export class ValidationError extends Error {
  public constructor(
    message: string,
    /** The prop or setting whose value is invalid, when the error comes from `invalid` or `invalidSecret`. */
    public readonly prop?: string,
    /** What the prop allows, when the error comes from `invalid` or `invalidSecret`. */
    public readonly allowed?: string,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/**
 * Whether `err` is the user's (a `ValidationError` or a secret state's `SecretStateError`): its one line says what to
 * change, so it is printed as it is, never wrapped or traced as a bug.
 */
export function isUserError(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === 'ValidationError' || name === 'SecretStateError';
}

/** Values whose JSON form is longer than this are shortened in messages. */
export const MAX_SHOWN_VALUE_LENGTH = 200;
/** How many characters of a shortened value are shown. */
const SHOWN_PREFIX = 64;

/**
 * Characters that JSON.stringify leaves as they are but that break or disguise a line in a terminal or log: DEL
 * and the C1 controls (NEL, U+0085, is a line break), soft hyphen, zero-width and bidirectional formatting marks,
 * the line and paragraph separators, and the byte-order mark.
 */
const UNSAFE_IN_LINE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/**
 * A URL from its scheme to the next whitespace. A password or a token in its user information (a git server given as
 * `https://user:token@host`, say), in its query (`?access_token=…`) or in its fragment must not reach a message that
 * quotes it.
 */
const URL_IN_TEXT = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)(\S*)/g;
/** A value that starts as a URL does, with a scheme and `//`: `URL_IN_TEXT` redacts it. */
const STARTS_WITH_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** A JSON string literal, in the JSON of a value that is not a string: each is redacted as the string it holds. */
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;
/** User information that holds no credential: a template's placeholders (`app:{password}`, `{user}`). */
const PLACEHOLDER_USERINFO = /^(?:[^:]*:\{[A-Za-z0-9_]+\}|\{[A-Za-z0-9_]+\})$/;
/** An authority that can be a host, with an optional port: a name or an address in brackets. */
const PLAUSIBLE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d+)?$/;
/** A host name with a dot, and an optional port, as it follows the `@` of user information. */
const DOTTED_HOST = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?(?:[/?#]|$)/;
/**
 * A host as it follows the `@` of user information written without a scheme (`user:token@git.example.com`), matched
 * where `lastIndex` says: a name or an address in brackets, an optional port, then the end, a path, a query, a
 * fragment or whitespace. An image's digest (`postgres:17@sha256:…`) is no host.
 */
const HOST_AFTER_USERINFO = /(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?=[/?#\s]|$)/y;
/**
 * A host that starts a value written without a scheme (`git.example.com?token=…`): a name with a dot, an address in
 * brackets or localhost, an optional port, then the end, a path, a query or a fragment.
 */
const LEADING_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|\[[0-9A-Fa-f:.]+\]|localhost)(?::\d{1,5})?(?=[/?#]|$)/;

/** What stands for a credential in a message. */
const REDACTED = '<redacted>';

/**
 * `rest`, a URL past its scheme and user information, with its query and its fragment redacted unless empty: either
 * may carry a token (`?access_token=…`, `#ghp_…`). The query ends at the first `#`; the fragment is all after it.
 */
function redactQueryAndFragment(rest: string): string {
  const start = rest.search(/[?#]/);
  if (start < 0) {
    return rest;
  }
  const hash = rest.indexOf('#', start);
  const query = hash < 0 ? rest.slice(start) : rest.slice(start, hash);
  const fragment = hash < 0 ? '' : rest.slice(hash);
  const hide = (part: string) => (part.length > 1 ? `${part[0]}${REDACTED}` : part);
  return `${rest.slice(0, start)}${hide(query)}${hide(fragment)}`;
}

/**
 * A URL (`URL_IN_TEXT`'s match) with its user information redacted, but for a template's placeholders, and its query
 * and fragment (`redactQueryAndFragment`). The user information ends at the authority's last `@`. An `@` only past a
 * `/`, `?` or `#` is a path's or a query's, unless what precedes them cannot be a host, or is a name without a dot
 * while a dotted host name follows the `@`: then it is a password or token holding one of them, which no URL parser
 * reads as user information, but which the user meant as one (`https://user:pa/ss@host`,
 * `https://abc/def@git.example.com`). Where it cannot tell, it redacts.
 */
function redactUrl(_whole: string, scheme: string, rest: string): string {
  const delimiter = rest.search(/[/?#]/);
  const authority = delimiter < 0 ? rest : rest.slice(0, delimiter);
  let end = authority.lastIndexOf('@');
  const host = authority.slice(end + 1);
  const last = rest.lastIndexOf('@');
  // an "@" past the authority: a path's or a query's, if the authority ends in a host that reads as one (a dotted
  // name or an address, or a plain name where no dotted name follows that "@"); else a credential's
  const hostReadsAsOne = PLAUSIBLE_HOST.test(host) && (host.includes('.') || host.startsWith('[') || !DOTTED_HOST.test(rest.slice(last + 1)));
  if (last > end && !hostReadsAsOne) {
    end = last;
  }
  const userInfo = end < 0 ? '' : PLACEHOLDER_USERINFO.test(rest.slice(0, end)) ? rest.slice(0, end + 1) : `${REDACTED}@`;
  return `${scheme}${userInfo}${redactQueryAndFragment(rest.slice(end + 1))}`;
}

/**
 * A value written without a scheme, redacted as a URL would be. One that starts with a host
 * (`git.example.com?token=…`) has its query and fragment redacted, and an `@` past the host is a path's or a
 * query's. One that starts with a user and a `:` (`user:token@git.example.com`, `admin:pw@10.0.0.1:6443`) has its
 * user information redacted up to the last `@` that a host follows, and the query and fragment after that host: a
 * password may hold any character, whitespace and `@` included. An e-mail address has no `:`, and is shown; a
 * command (`git clone https://u:token@host`) starts with no user and `:`, and its URL is redacted as any is.
 */
function redactSchemeless(value: string): string {
  if (STARTS_WITH_SCHEME.test(value) || /^mailto:/i.test(value)) {
    return value;
  }
  if (LEADING_HOST.test(value)) {
    return redactQueryAndFragment(value);
  }
  const colon = /^[^\s:]*:/.exec(value)?.[0].length ?? 0;
  for (let at = value.lastIndexOf('@'); colon > 0 && at >= colon; at = value.lastIndexOf('@', at - 1)) {
    HOST_AFTER_USERINFO.lastIndex = at + 1;
    if (HOST_AFTER_USERINFO.test(value)) {
      return `${REDACTED}@${redactQueryAndFragment(value.slice(at + 1))}`;
    }
  }
  return value;
}

/**
 * `text` with the credentials it may hold redacted (`<redacted>`): the user information, query and fragment of
 * the text itself when it is a URL written without a scheme (`redactSchemeless`), and of every URL in what is left.
 */
function redactCredentials(text: string): string {
  return redactSchemeless(text).replace(URL_IN_TEXT, redactUrl);
}

/**
 * A value as messages show it: JSON on one line, shortened with its length when longer than `maxLength` characters
 * (default 200), with the credentials a URL in it may carry redacted (`redactCredentials`: `https://<redacted>@host`,
 * `<redacted>@host` for `user:password@host`, `https://host?<redacted>`), unless they are a template's placeholders
 * (`postgres://app:{password}@db`). A number JSON cannot write (NaN, Infinity) is shown as JavaScript writes it.
 */
export function describeValue(value: unknown, maxLength: number = MAX_SHOWN_VALUE_LENGTH): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return String(value);
  }
  // a string is redacted before it may be shortened; in the JSON of anything else, every string, keys included
  if (typeof value === 'string') {
    value = redactCredentials(value);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) {
    // a value JSON cannot write (undefined, a BigInt, a cycle): as JavaScript writes it
    json = redactCredentials(String(value));
  } else if (typeof value !== 'string') {
    json = json.replace(JSON_STRING, (literal) => {
      const text = JSON.parse(literal) as string;
      const redacted = redactCredentials(text);
      return redacted === text ? literal : JSON.stringify(redacted);
    });
  }
  if (json.length > maxLength) {
    if (typeof value === 'string') {
      const chars = Array.from(value);
      json = `${JSON.stringify(`${chars.slice(0, SHOWN_PREFIX).join('')}…`)} (${chars.length} characters)`;
    } else {
      json = `${json.slice(0, SHOWN_PREFIX)}… (${json.length} characters of JSON)`;
    }
  }
  return json.replace(UNSAFE_IN_LINE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A file path as messages show it: quoted and escaped as `describeValue` does, never shortened, for a message that
 * names a path is there to name it whole.
 */
export function describePath(file: string): string {
  return describeValue(file, Infinity);
}

/** Throw a `ValidationError` for `prop` with its bad `value` and a description of what is `allowed`. */
export function invalid(prop: string, value: unknown, allowed: string): never {
  throw new ValidationError(`invalid ${prop} ${describeValue(value)}: ${allowed}`, prop, allowed);
}

/** `invalid` for a path: the value is shown whole (`describePath`), for a message that names a path names all of it. */
export function invalidPath(prop: string, value: string, allowed: string): never {
  throw new ValidationError(`invalid ${prop} ${describePath(value)}: ${allowed}`, prop, allowed);
}

/**
 * Throw a `ValidationError` for `prop`, which is unset but needed: `missing <prop>: <allowed>` (an unset value is
 * not shown as the word `undefined`).
 */
export function missing(prop: string, allowed: string): never {
  throw new ValidationError(`missing ${prop}: ${allowed}`, prop, allowed);
}

/**
 * Throw a `ValidationError` for the user name `prop`, showing none of it after its first ":": a login pasted whole
 * (`user:token`, as `docker login` and `git` credentials are written) holds its password there, which a refusal must
 * never print. A name without ":" is shown as `invalid` shows it.
 */
export function invalidUserName(prop: string, value: unknown, allowed: string): never {
  const colon = typeof value === 'string' ? value.indexOf(':') : -1;
  invalid(prop, colon < 0 ? value : `${(value as string).slice(0, colon)}:<redacted>`, allowed);
}

/** Throw a `ValidationError` for a secret `prop` without showing its value. */
export function invalidSecret(prop: string, allowed: string): never {
  throw new ValidationError(`invalid ${prop} <redacted>: ${allowed}`, prop, allowed);
}

/**
 * Run `check`, and give a `ValidationError` it throws the subject it is about: ` (<kind> "<name>")` appended to its
 * message, e.g. `invalid connectionLimit -1: must be an integer of at least 1 (database "neg")`, its `prop` and
 * `allowed` kept. A call adding one of many things (a database, a secret, a robot) wraps its checks with it, so the
 * message says which one was refused. Other errors pass unchanged, as does a message that already names the subject
 * (as `<kind> "<name>"`: an inner call's context for the same subject is not repeated) and one about a subject
 * without a name. The name is described only on a refusal (a thousand teams' calls succeed without it).
 *
 * @param kind what the subject is, e.g. `database`
 * @param name its name, quoted as `describeValue` quotes values
 */
export function withContext<T>(kind: string, name: unknown, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw namingSubject(kind, name, e);
  }
}

/**
 * `e` as `withContext` throws it: a `ValidationError` names its subject, unless it does already or has no name. The
 * error named is of `e`'s own class, with its fields (a `ConnectionLimitError`'s `limit`, which a program reads to
 * refuse its own setting), but its message, which its stack's first line reads as too.
 */
function namingSubject(kind: string, name: unknown, e: unknown): unknown {
  if (!(e instanceof ValidationError) || name === undefined || name === '') {
    return e;
  }
  const label = `${kind} ${describeValue(name)}`;
  // the subject named already, by an inner call for the same subject
  if (e.message.includes(label)) {
    return e;
  }
  const named: ValidationError = Object.assign(Object.create(Object.getPrototypeOf(e)), e);
  const message = `${e.message} (${label})`;
  Object.defineProperty(named, 'message', { value: message, writable: true, configurable: true });
  // the frames where it was refused, under the message as it now reads (`DOCKYARD_DEBUG=1` prints both)
  const head = `${e.name}: ${e.message}`;
  const stack = e.stack?.startsWith(head) ? `${e.name}: ${message}${e.stack.slice(head.length)}` : e.stack;
  Object.defineProperty(named, 'stack', { value: stack, writable: true, configurable: true });
  return named;
}

/**
 * `e`, caught from the checks of `construct`'s props (its constructor's, in a `try` around them), with the construct
 * it is about named by its construct path when it is a refusal (`withContext`): ` (<kind> "<path>")` appended, e.g.
 * `invalid host "Valkey.cache": must be … (ExternalRedis "platform/cache")`, its `prop` and `allowed` kept. A stack
 * may hold several constructs of a kind (a Redis or a PostgreSQL server per Harbor, a Harbor per region) whose props
 * alone do not say which one was refused; what a user names (a team, a database) is named by that name instead. A
 * refusal that names this construct or one below it already (an inner construct's own, or a message naming its
 * path, `test/Harbor's Ingress would route …`) is returned unchanged, as are other errors.
 *
 * @param kind the construct's class, e.g. `ExternalRedis`
 */
export function constructRefusal(kind: string, construct: IConstruct, e: unknown): unknown {
  const path = construct.node.path;
  // named already: by this construct's path (`test/Harbor's Ingress`, `"test/Harbor"`), or by one of a construct
  // below it (`test/Harbor/Core`); a path this one only starts (`test/Harbor2`) is another construct's
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (e instanceof ValidationError && new RegExp(`(?:^|[\\s"(])${escaped}(?=[/'"\\s):,;]|$)`).test(e.message)) {
    return e;
  }
  return namingSubject(kind, path, e);
}

/**
 * Run `check`, a check of props read from the setting `setting` (a program's configuration, e.g. the entry
 * `teams[1]` of a Pulumi config key), and give a `ValidationError` it throws the setting the user sets: `invalid name
 * "Search": …` becomes `invalid teams[1].name "Search": …`, and `missing repos: …` `missing teams[1].repos: …`, its
 * `prop` that setting and its `allowed` kept, so that the refusal reads as the settings' own do. The prop `whole` is
 * the setting itself, not a key of it: a retired team given as its name alone (`retiredTeams[0] billing`) is refused
 * as `invalid retiredTeams[0] "Billing": …`. A refusal whose message does not start by naming its prop keeps its
 * message behind the setting (`teams[1]: …`), so none loses it. Other errors pass unchanged. `withContext` names what a
 * refusal is about (`(team "Search")`); this, where its value was set.
 *
 * @param setting where the props were read from, e.g. `teams[1]`
 * @param check the check, e.g. a call of the library with those props
 * @param whole the prop that is the setting itself, if one is
 *   `@default` - every prop is a key of the setting: `<setting>.<prop>`
 */
export function inSetting<T>(setting: string, check: () => T, whole?: string): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof ValidationError)) {
      throw e;
    }
    // the head `invalid` and `missing` write: the prop, then its value or ":"
    const head = e.prop === undefined ? undefined : [`invalid ${e.prop} `, `missing ${e.prop}:`].find((h) => e.message.startsWith(h));
    if (head === undefined) {
      throw new ValidationError(`${setting}: ${e.message}`, e.prop, e.allowed);
    }
    const place = e.prop === whole ? setting : `${setting}.${e.prop}`;
    // "invalid " and "missing " are as long
    throw new ValidationError(`${head.slice(0, 'invalid '.length)}${place}${e.message.slice(head.length - 1)}`, place, e.allowed);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A public host's rule on its last label (`endsInANumber`), in words. */
const NUMBER_ENDING = ' nor a name ending in a number such as "ci.123" (URLs read that as IPv4)';

/** A host a public Ingress serves: fully qualified, never an IP address (Ingress rule hosts may not be IPs). */
export const PUBLIC_HOSTNAME_OPTIONS: HostnameOptions = { allowIpAddress: false, fullyQualified: true };

/**
 * What the checkers below accept, in words. Their errors end with `must be <rule>`, and tables of settings (the
 * README's `DOCKYARD_*` variables) quote the same text, so the two cannot drift apart.
 */
export const VALIDATION_RULES = {
  /** `checkDnsLabel` */
  dnsLabel: 'a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit',
  /** `checkDnsSubdomain` */
  dnsSubdomain: 'a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels',
  /** `checkHostname` without a port */
  hostName: hostNameRule({}),
  /** `checkHostname` of a public host name, which an Ingress serves: fully qualified, not an IP address */
  publicHostName: hostNameRule(PUBLIC_HOSTNAME_OPTIONS),
  /** `checkOAuthClientId` */
  oauthClientId: 'an OAuth client ID: 1 to 255 letters, digits, ".", "_", "~" or "-"',
  /** `checkHttpsBaseUrl` */
  httpsBaseUrl: 'an https base URL such as "https://git.example.com" or "https://example.com/gitlab": ' +
    'a lower-case DNS host, an optional :port and path, no credentials, query, fragment or "$"',
  /** `checkRegistryPrefix` */
  registryPrefix: 'a registry host with an optional :port and path, without scheme, such as "registry.example.com:5000/mirror": ' +
    'a lower-case DNS host with a "." (or localhost), and path segments of lower-case letters and digits separated by ".", "_", "__" or "-"',
  /** `checkStatePath`, for the output directory `outdir` */
  statePath: (outdir: string) => 'the path of a file, relative or absolute, such as ".dockyard/secrets.json", ' +
    `outside the output directory ${describePath(outdir)}; not an existing directory, not ending with "/"`,
} as const;

/**
 * Whether `value` is an RFC 1123 DNS label (`VALIDATION_RULES.dnsLabel`), for a checker whose own rule narrows it,
 * such as a shorter limit; `checkDnsLabel` is the check itself.
 */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS_LABEL.test(value);
}

/** Check an RFC 1123 DNS label (names of Namespaces, Services and most objects' name segments). */
export function checkDnsLabel(prop: string, value: string): string {
  if (!isDnsLabel(value)) {
    invalid(prop, value, `must be ${VALIDATION_RULES.dnsLabel}`);
  }
  return value;
}

/** Check an RFC 1123 DNS subdomain (names of Secrets, ConfigMaps, Deployments and other objects). */
export function checkDnsSubdomain(prop: string, value: string): string {
  if (!isDnsSubdomain(value)) {
    invalid(prop, value, `must be ${VALIDATION_RULES.dnsSubdomain}`);
  }
  return value;
}

/**
 * Check the StorageClass of a volume claim, if one is given: the API server refuses a claim whose `storageClassName`
 * is not a DNS-1123 subdomain (kubernetes/kubernetes pkg/apis/core/validation/validation.go
 * `ValidatePersistentVolumeClaimSpec`, which checks it with `ValidateClassName`, `NameIsDNSSubdomain`), and a
 * StatefulSet's claims are made from its template only when its pods are, after an apply that went through. The empty
 * name is kept as given: the API server takes it for "no class", and the claim then binds only a PersistentVolume made
 * beforehand with no class (Kubernetes docs, "Persistent Volumes", Class), which is how volumes made by hand are used
 * where the cluster has a default StorageClass (unset, the default class's provisioner makes a new volume).
 *
 * @param prop the prop that holds it, named in the error
 */
export function checkStorageClassName(prop: string, value: string | undefined): string | undefined {
  return value === undefined || value === '' ? value : checkDnsSubdomain(prop, value);
}

/**
 * Whether `value` is a key the API server takes in a ConfigMap's or a Secret's data (and so one a pod can select):
 * 1 to 253 letters, digits, "-", "_" and ".", neither "." nor ".." nor starting with ".." (k8s.io/apimachinery
 * pkg/util/validation/validation.go `IsConfigMapKey`, `hasChDirPrefix`; the kubelet's own files in a volume start with
 * "..").
 */
export function isConfigMapKey(value: unknown): value is string {
  return typeof value === 'string' && /^[-._a-zA-Z0-9]{1,253}$/.test(value) && value !== '.' && !value.startsWith('..');
}

/** `isConfigMapKey`'s rule, in words. */
export const CONFIG_MAP_KEY_RULE = '1 to 253 letters, digits, "-", "_" and ".", not "." nor starting with ".."';

/** Whether `value` is an RFC 1123 DNS subdomain (`VALIDATION_RULES.dnsSubdomain`), as `checkDnsSubdomain` takes it. */
export function isDnsSubdomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 253 && value.split('.').every((l) => l.length <= 63 && DNS_LABEL.test(l));
}

/** Options of `checkHostname`. */
export interface HostnameOptions {
  /**
   * Whether `:port` may follow the host.
   * @default false
   */
  readonly allowPort?: boolean;
  /**
   * Whether the host may be an IPv4 address, or a name that a URL reads as one: a last label all digits (RFC 3696
   * section 2) or "0x" and hex digits (`endsInANumber`). The host of an Ingress rule may not be an IP address
   * (Kubernetes `IngressRule.host`: "IPs are not allowed"), and a public host must parse in a browser's URL.
   * @default true
   */
  readonly allowIpAddress?: boolean;
  /**
   * Whether the name must be fully qualified, of at least two labels (`ci.example.com`, not `ci`), as a public host
   * name is: a single label resolves, if at all, through the resolver's search domains.
   * @default false
   */
  readonly fullyQualified?: boolean;
  /**
   * Whether the host names a registry in an image reference: it has a "." or a `:port`, or is `localhost`. A single
   * label with neither (`harbor/library/app`) reads as a Docker Hub namespace, so images relocated there would be
   * pulled from Docker Hub and a pull secret for it would never apply (distribution/reference `normalize.go`,
   * `splitDockerDomain`).
   * @default false
   */
  readonly registry?: boolean;
}

/**
 * Whether an image name whose first part is `hostPort` (a host, with its port if any) names that registry: a part
 * with a "." or ":" or `localhost` does; any other is read as a Docker Hub namespace (distribution/reference v0.6.0
 * `normalize.go`, `splitDockerDomain`; a part with an upper-case letter counts there too, but no host Dockyard takes
 * has one). The one rule for every registry host Dockyard checks.
 */
export function readsAsRegistry(hostPort: string): boolean {
  return /[.:]/.test(hostPort) || hostPort === 'localhost';
}

/**
 * Whether a host of these dot-separated `labels` ends in a number, which the WHATWG URL host parser, that of
 * browsers and Node's `URL`, reads as an IPv4 address: its last label all digits, or "0x" and hex digits ("ends in a
 * number checker", url.spec.whatwg.org §3.5 host parsing, step 10 of "host parser"). Such a name is refused there
 * when it is no IPv4 address (`https://ci.123/` fails to parse), and RFC 1123 §2.1 wants a top-level label alphabetic.
 */
function endsInANumber(labels: readonly string[]): boolean {
  const last = labels[labels.length - 1];
  return /^\d+$/.test(last) || /^0x[0-9a-f]*$/.test(last);
}

/**
 * Whether `host` is all numbers, dot-separated (decimal, or "0x" and hex digits), yet no IPv4 address as Go and Node
 * write one (four decimal numbers from 0 to 255, no leading zero: `isIPv4`). The C library's `inet_aton` reads such a
 * host as an IPv4 address of another form, and glibc's `getaddrinfo` tries it before DNS: libpq (PostgreSQL REL_15
 * `src/interfaces/libpq/fe-connect.c` `PQconnectPoll`, `CHT_HOST_NAME`: `pg_getaddrinfo_all(ch->host, ...)`) on the
 * Debian image of the reconciler connects to "10.1" as 10.0.0.1, to "010.0.0.1" as 8.0.0.1 and to "1.2.3" as 1.2.0.3,
 * while Go's `net.ParseIP` takes only the four-decimal form (go src/net/netip/netip.go `parseIPv4`) and Go's resolver,
 * that of Drone, Woodpecker, Harbor and containerd, looks the rest up in DNS. One value would name two servers, so it is
 * refused; a DNS name with a letter anywhere ("db.123", a Service `db` in namespace `123`) is not ambiguous.
 */
function isAmbiguousIPv4(host: string): boolean {
  return host.split('.').every((l) => /^(\d+|0x[0-9a-f]*)$/.test(l)) && !isIPv4(host);
}

/** `isAmbiguousIPv4`'s refusal, in words. */
const AMBIGUOUS_IPV4_RULE = 'an IPv4 address of four decimal numbers from 0 to 255 without leading zeros, or a name with a label that is not ' +
  'a number: C resolvers read "10.1" as 10.0.0.1 and "010.0.0.1" as 8.0.0.1, Go\'s look them up in DNS';

/** What `checkHostname` accepts with `options`, in words. */
function hostNameRule(options: HostnameOptions): string {
  return `a ${options.fullyQualified ? 'fully qualified ' : ''}lower-case DNS host name${options.fullyQualified ? ' such as "ci.example.com"' : ''}` +
    `${options.allowIpAddress === false ? `, not an IP address${NUMBER_ENDING}` : ''}${options.allowPort ? ', optionally with :port' : ''}, without scheme or path` +
    `${options.registry ? `; ${REGISTRY_HOST_RULE}` : ''}`;
}

/** The registry-host part of `checkHostname`'s rule, in words. */
const REGISTRY_HOST_RULE = 'as a registry host it needs a "." or a :port, or is localhost (a single label such as "harbor" ' +
  'reads as a Docker Hub namespace in an image name)';

/**
 * Whether `value` is a host name as `checkHostname` with `options` takes it, for a checker whose own rule adds to it
 * (a setting that must also differ from another); `checkHostname` is the check itself.
 */
export function isHostname(value: unknown, options: HostnameOptions = {}): value is string {
  const match = typeof value === 'string' ? /^([^:]+)(?::(\d+))?$/.exec(value) : null;
  const host = match?.[1] ?? '';
  const labels = host.split('.');
  const validHost = host.length <= 253 && labels.every((l) => l.length <= 63 && DNS_LABEL.test(l)) && !isAmbiguousIPv4(host) &&
    (options.allowIpAddress !== false || !endsInANumber(labels)) && (!options.fullyQualified || labels.length >= 2);
  const validPort = match?.[2] === undefined || (options.allowPort === true && Number(match[2]) >= 1 && Number(match[2]) <= 65535);
  const validRegistry = !options.registry || readsAsRegistry(value as string);
  return match !== null && validHost && validPort && validRegistry;
}

/** Check a DNS host name, optionally followed by `:port` when `allowPort` is set. */
export function checkHostname(prop: string, value: string, options: HostnameOptions = {}): string {
  if (options.allowIpAddress !== false && typeof value === 'string' && isAmbiguousIPv4(value.replace(/:\d+$/, ''))) {
    invalid(prop, value, `must be ${AMBIGUOUS_IPV4_RULE}`);
  }
  if (!isHostname(value, options)) {
    invalid(prop, value, `must be ${hostNameRule(options)}`);
  }
  return value;
}

// a number, then a binary or decimal SI suffix or a decimal exponent (`1e9`, `5E-1`), as the API server reads them
// (kubernetes/apimachinery pkg/api/resource/quantity.go: the grammar in its doc comment, `parseQuantityString`, whose
// exponent is an integer); a bare `E` is the exa suffix
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(?:(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+))?$/;
const SUFFIX: Record<string, number> = {
  '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/** Check a Kubernetes resource quantity such as `250m`, `1.5`, `512Mi` or `1e9`, and return its numeric value. */
export function parseQuantity(prop: string, value: string): number {
  // the same few quantities are checked for every team and container: each is parsed once
  const known = typeof value === 'string' ? QUANTITIES.get(value) : undefined;
  if (known !== undefined) {
    return known;
  }
  const match = typeof value === 'string' ? QUANTITY.exec(value) : null;
  if (!match) {
    invalid(prop, value, 'must be a Kubernetes quantity such as "250m", "2", "512Mi" or "10Gi"');
  }
  // an exponent read as JavaScript reads `3e-1` (0.3), not as a product (3 × 0.1 is 0.30000000000000004)
  const parsed = match[4] !== undefined ? Number(`${match[1]}e${match[4]}`) : Number(match[1]) * SUFFIX[match[3] ?? ''];
  if (!Number.isFinite(parsed)) {
    invalid(prop, value, 'must be a Kubernetes quantity of a size a number holds, such as "1e9"');
  }
  if (QUANTITIES.size < MAX_QUANTITIES) {
    QUANTITIES.set(value, parsed);
  }
  return parsed;
}

/** Quantities parsed so far, by their text; bounded, for a program that checks endlessly many. */
const QUANTITIES = new Map<string, number>();
const MAX_QUANTITIES = 1000;

/** The multipliers of quantities, in words: on a CPU quantity each means that many thousand, million... cores. */
const CPU_MULTIPLIER_WORDS: Record<string, string> = {
  k: 'thousand', M: 'million', G: 'billion', T: 'trillion', P: 'quadrillion', E: 'quintillion',
};
/** The binary multipliers, as powers of 1024. */
const CPU_BINARY_POWERS: Record<string, string> = { Ki: '1024', Mi: '1024²', Gi: '1024³', Ti: '1024⁴', Pi: '1024⁵', Ei: '1024⁶' };

/**
 * Check a CPU quantity, in cores, such as `2`, `0.5` or `250m`, and return its value in cores (`parseQuantity`).
 * A multiplier above one (k, M, G, T, P, E, the binary Ki to Ei, and a positive exponent such as `e3`) is refused:
 * Kubernetes takes "500M" as 500 million cores, and no container or namespace needs a thousand. "M" is most likely
 * "m" (millicores) in the wrong case, and is told so.
 */
export function parseCpu(prop: string, value: string): number {
  const parsed = parseQuantity(prop, value);
  // a positive decimal exponent multiplies too: "1e3" is a thousand cores
  const [, mantissa, exponent] = /^(.*?)[eE]\+?(\d+)$/.exec(value) ?? [];
  if (exponent !== undefined && Number(exponent) > 0) {
    invalid(prop, value, `"e${exponent}" multiplies by 10 to the power ${Number(exponent)}, so this is ${mantissa} × 10^${Number(exponent)} cores; ` +
      'CPU is given in cores ("2", "0.5") or millicores ("250m")');
  }
  const [, number, multiplier] = /^(.*?)(k|[KMGTPE]i|[MGTPE])$/.exec(value) ?? [];
  if (multiplier !== undefined) {
    const word = CPU_MULTIPLIER_WORDS[multiplier];
    const meaning = word !== undefined ? `"${multiplier}" multiplies by a ${word}, so this is ${number} ${word} cores`
      : `"${multiplier}" multiplies by ${CPU_BINARY_POWERS[multiplier]}, so this is ${number} × ${CPU_BINARY_POWERS[multiplier]} cores`;
    invalid(prop, value, `${meaning}; CPU is given in cores ("2", "0.5") or millicores ("250m")` +
      `${multiplier === 'M' ? `: did you mean "${number}m" (millicores)?` : ''}`);
  }
  return parsed;
}

/**
 * Check a URL whose scheme is one of `schemes`, written as it is meant: callers pass the value on as given (to Harbor,
 * to a config file), and the WHATWG parser that checks it forgives what their readers do not. It drops tabs and line
 * breaks anywhere and white space at either end, reads `HTTPS:`, `https:host` and backslashes as `https://`
 * (Go's net/url refuses control characters, and the Harbor configure script wants `https://`), so those are refused.
 */
export function checkUrl(prop: string, value: string, schemes: readonly string[]): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !schemes.includes(url.protocol.replace(/:$/, '')) || url.hostname === '') {
    invalid(prop, value, `must be an absolute URL with scheme ${schemes.join(' or ')}`);
  }
  // the authority as written: empty (`https:///host`, which the parser reads as a host and Go's net/url as a path) or
  // percent-encoded (which the parser decodes and Go refuses) is refused too
  const authority = value.slice(url.protocol.length + 2).split(/[/?#]/)[0];
  if (!value.startsWith(`${url.protocol}//`) || /[\s\\\u0000-\u001f\u007f-\u009f]/.test(value) || authority === '' || authority.includes('%')) {
    invalid(prop, value, `must be written as an absolute URL: "${url.protocol}//" in lower case first, then the host as it is (not ` +
      'percent-encoded), and no white space, control character or backslash (percent-encode a space in the path as %20)');
  }
  if (url.username !== '' || url.password !== '') {
    invalid(prop, value, 'must not embed credentials; pass them as a secret reference');
  }
  return url;
}

/**
 * Check an e-mail address: one `@` between a local part and a domain with a dot, no spaces. The ACME account of
 * Let's Encrypt takes any such address; this catches typos and an empty value, not deliverability.
 */
export function checkEmail(prop: string, value: string): string {
  if (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    invalid(prop, value, 'must be an e-mail address');
  }
  return value;
}

/** Check a TCP port number. */
export function checkPort(prop: string, value: number): number {
  return checkInteger(prop, value, 1, 65535);
}

/**
 * Check an integer within `[min, max]`. Without `max`, the bound is JavaScript's largest exact integer: the message
 * says "of at least <min>" unless the value is an integer past it (`1e20`), which that would not refuse.
 */
export function checkInteger(prop: string, value: number, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const unbounded = max === Number.MAX_SAFE_INTEGER && !(Number.isInteger(value) && value > max);
    invalid(prop, value, unbounded ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Check that `value` is a list (an array), first of all: a string, which JavaScript callers and configuration files
 * give for a list of one, would otherwise be read a character at a time (`repos: "acme/zz-app"` repeating "z").
 *
 * @param of what the list holds, for the message: `must be a list of <of>`
 *   `@default` - the message says `must be a list`
 */
export function checkList<T>(prop: string, value: readonly T[], of?: string): readonly T[] {
  if (!Array.isArray(value)) {
    const allowed = `must be a list${of ? ` of ${of}` : ''}`;
    if (value === undefined) {
      missing(prop, allowed);
    }
    invalid(prop, value, allowed);
  }
  return value;
}

/**
 * Check that `value`, given to a public method (an argument, or an element of a list), is an object (not null or a
 * list) and, given `type`, an instance of it. TypeScript sees to that, but a JavaScript caller may pass anything
 * (`db.grantConnect("apps")`), which would otherwise fail deep inside with a TypeError, or pass unnoticed. An unset
 * value is refused as any other (`invalid peer undefined`): the value may be a list's element, which is not missing.
 *
 * @param allowed what the value must be, for the message, e.g. `must be a NetworkPeer, e.g. NetworkPeer.namespace("apps")`
 * @param type the class `value` must be an instance of: one whose factories check what they make (`NetworkPeer`)
 *   `@default` - any object: options, or an interface's implementation (`IPostgresDatabase`)
 */
export function checkObject<T extends object>(prop: string, value: T, allowed: string, type?: Function): T {
  const valid = type === undefined ? typeof value === 'object' && value !== null && !Array.isArray(value) : value instanceof type;
  if (!valid) {
    invalid(prop, value, allowed);
  }
  return value;
}

/**
 * Check that a prop its construct cannot do without is set (`missing <prop>: <allowed>`) and an object
 * (`checkObject`). TypeScript requires it, but `npm run synth` and `scripts/build-synth.js` compile a stack without a
 * type-check, so a stack that leaves one out (or a JavaScript caller) would otherwise fail deep inside the construct
 * with a TypeError that names no prop (`Cannot read properties of undefined (reading 'user')`).
 *
 * @param allowed what the value must be, for the message, e.g. `must be an IPostgresDatabase: a database of
 *   Postgres.addDatabase, or an ExternalPostgres`
 * @param type the class `value` must be an instance of
 *   `@default` - any object
 */
export function checkRequiredObject<T extends object>(prop: string, value: T | undefined, allowed: string, type?: Function): T {
  if (value === undefined) {
    missing(prop, allowed);
  }
  return checkObject(prop, value, allowed, type);
}

/**
 * Check that `value` is a list (`checkList`) whose every element is an object (`checkObject`) and, given `type`, an
 * instance of it: a JavaScript caller's list of plain objects or strings where the factories' values belong.
 *
 * @param of what the list holds, for the message refusing a value that is no list: `must be a list of <of>`
 * @param allowed what each element must be, for the message refusing one, e.g. `must hold RobotPermissions:
 *   RobotPermission.pull(project) or .push(project)`
 * @param type the class each element must be an instance of
 *   `@default` - any object
 */
export function checkListOf<T extends object>(prop: string, value: readonly T[], of: string, allowed: string, type?: Function): readonly T[] {
  for (const item of checkList(prop, value, of)) {
    checkObject(prop, item, allowed, type);
  }
  return value;
}

/** Options of `checkUniqueList`. */
export interface UniqueListOptions {
  /**
   * Whether the list may be empty.
   * @default false
   */
  readonly allowEmpty?: boolean;
  /**
   * What the list holds, for the message refusing a value that is no list (`checkList`).
   * @default - the message says `must be a list`
   */
  readonly of?: string;
}

/** Check that `values` is a list (`checkList`), not empty, and holds no duplicates. */
export function checkUniqueList<T>(prop: string, values: readonly T[], options: UniqueListOptions = {}): readonly T[] {
  checkList(prop, values, options.of);
  if (!options.allowEmpty && values.length === 0) {
    invalid(prop, values, 'must not be empty');
  }
  // the first value equal (SameValueZero, as a Set compares) to one before it; most lists are short enough to
  // compare pairwise, without a Set
  if (values.length <= 16) {
    for (let i = 1; i < values.length; i++) {
      const v = values[i];
      for (let j = 0; j < i; j++) {
        const w = values[j];
        if (v === w || (v !== v && w !== w)) {
          invalid(prop, values, `must not repeat ${describeValue(v)}`);
        }
      }
    }
    return values;
  }
  const seen = new Set<T>();
  for (const v of values) {
    if (seen.has(v)) {
      invalid(prop, values, `must not repeat ${describeValue(v)}`);
    }
    seen.add(v);
  }
  return values;
}

/** A quantity that parses with `parse` (`parseCpu` for CPU), is more than zero and less than 1e15 in its unit. */
export function checkPositiveQuantity(prop: string, value: string, parse: (prop: string, value: string) => number = parseQuantity): string {
  if (parse(prop, value) <= 0 || Number(/^(\d*\.?\d+)/.exec(value)?.[1]) >= 1e15) {
    invalid(prop, value, 'must be a Kubernetes quantity above zero, such as "4", "500m" or "8Gi"');
  }
  return value;
}

/**
 * Check that `value` is an object whose keys are all among `known`, the settings of prop `prop`: a misspelt key
 * (`quota: { memroy: "16Gi" }`) would otherwise be ignored, and its setting silently left at its default. The message
 * names the key, as `<prop>.<key>`, suggests the nearest known one in any case (within one edit, two for a key of six
 * characters or more: "gpus" is no typo of "cpu"), and lists them all.
 */
export function checkKnownKeys(prop: string, value: object, known: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(prop, value, `must be an object of the settings ${known.join(', ')}`);
  }
  refuseUnknownKeys(value, known, (key) => `${prop}.${key}`, `${prop} has no setting`, 'its settings are');
}

/**
 * Check that a construct's `props` are an object (`checkObject`, as prop `props`: a JavaScript caller's null would
 * otherwise throw a TypeError on the first prop read) holding only the props `known`, as `checkKnownKeys` checks
 * settings: a JavaScript caller's misspelt prop (`namespace` for `namespaces`) would otherwise be ignored and its
 * default silently taken. The message names the key alone, as a refusal of any other prop does: `invalid namespace
 * ["a"]: a team has no prop "namespace" (did you mean "namespaces"?); its props are …`.
 *
 * @param subject what takes the props, as the message names it, e.g. `a team`
 * @param known every prop, e.g. `Object.keys` of a `Record<keyof Props, true>`, which fails to compile when `Props`
 *   gains a prop it does not list
 * @param allowed what the props must be, for the message refusing what is no object, e.g. `must be an object of
 *   RedisProps, e.g. { namespace: "cache" }`
 *   `@default` - `must be an object of the props <known>`
 */
export function checkKnownProps(subject: string, props: object, known: readonly string[], allowed?: string): void {
  checkObject('props', props, allowed ?? `must be an object of the props ${known.join(', ')}`);
  refuseUnknownKeys(props, known, (key) => key, `${subject} has no prop`, 'its props are');
}

/**
 * Refuse the first key of `value` not among `known`, suggesting the nearest known one in any case (within one edit,
 * two for a key of six characters or more: "gpus" is no typo of "cpu").
 */
function refuseUnknownKeys(value: object, known: readonly string[], propOf: (key: string) => string, hasNo: string, listed: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const near = nearestName(key, known, { maxEdits: key.length >= 6 ? 2 : 1, ignoreCase: true, firstOfTies: true });
      invalid(propOf(key), (value as Record<string, unknown>)[key], `${hasNo} ${describeValue(key)}` +
        `${near === undefined ? '' : ` (did you mean ${describeValue(near)}?)`}; ${listed} ${known.join(', ')}`);
    }
  }
}

/** Check that `value` is one of `allowed`, e.g. an enum's values from configuration. */
export function checkOneOf<T extends string>(prop: string, value: string, allowed: readonly T[], note?: string): T {
  if (!allowed.includes(value as T)) {
    invalid(prop, value, `must be one of ${allowed.join(', ')}${note ? ` (${note})` : ''}`);
  }
  return value as T;
}

/**
 * Check a server address: a lower-case DNS host name, an IPv4 address, or an IPv6 address without brackets or zone,
 * as libpq's `host` and `PGHOST` take them. A name is any DNS-1123 subdomain, as libpq resolves any name and a
 * Kubernetes Service is named: its last label may be all digits (`db.123`, the Service `db` of namespace `123`),
 * which only a URL of a special scheme (`https:`) would read as IPv4; the `postgres://` datasource is no such URL, and
 * libpq and Go's net/url take its host as written. A name of numbers alone must be an IPv4 address as Go writes one
 * (`isAmbiguousIPv4`).
 */
export function checkHost(prop: string, value: string): string {
  if (typeof value === 'string' && isAmbiguousIPv4(value)) {
    invalid(prop, value, `must be ${AMBIGUOUS_IPV4_RULE}`);
  }
  const valid = typeof value === 'string' && (isIPv4(value) || (isIPv6(value) && !value.includes('%')) || isDnsSubdomain(value));
  if (!valid) {
    invalid(prop, value, 'must be a lower-case DNS host name or an IP address, without scheme, port or path');
  }
  return value;
}

/**
 * The characters of an OAuth client ID: RFC 6749 allows any printable ASCII (VSCHAR), but every provider issues
 * tokens of URL-safe characters (RFC 3986 "unreserved"): GitHub `Iv1.8a61f9b3a7aba766` or `Ov23li…`, GitLab 64 hex
 * digits, Gitea a UUID, Bitbucket a key of letters and digits. Anything else (quotes, `$(`, spaces, URLs) is a
 * mistake, and would be interpolated into Drone's environment.
 */
const OAUTH_CLIENT_ID = /^[A-Za-z0-9._~-]{1,255}$/;

/**
 * Check that `value` is `true` or `false`: a JavaScript caller's string such as "false" would otherwise be taken as
 * true.
 */
export function checkBoolean(prop: string, value: boolean): boolean {
  if (typeof value !== 'boolean') {
    invalid(prop, value, 'must be true or false');
  }
  return value;
}

/**
 * Read a switch from a setting, a `DOCKYARD_*` variable or a Pulumi config value: the text `true` or `false`, or the
 * JSON boolean `pulumi config set --path` stores inside an object, exactly. Anything else, say "yes" or "1", fails
 * naming `prop`: a security setting is never read from a guess. `rule` is what the refusal says is allowed, for a
 * setting whose value has a further condition.
 *
 * @internal
 */
export function readTrueOrFalse(prop: string, value: unknown, rule: string = 'true or false'): boolean {
  if (value !== 'true' && value !== 'false' && value !== true && value !== false) {
    invalid(prop, value, `must be ${rule}`);
  }
  return value === 'true' || value === true;
}

/** Check an OAuth client ID (`DRONE_<PROVIDER>_CLIENT_ID`). It is not a secret, so it is shown in errors. */
export function checkOAuthClientId(prop: string, value: string): string {
  if (typeof value !== 'string' || !OAUTH_CLIENT_ID.test(value)) {
    invalid(prop, value, `must be ${VALIDATION_RULES.oauthClientId}`);
  }
  return value;
}

const URL_PATH_SEGMENT = /^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$/;

/**
 * Whether `host` is a DNS name an `https:` URL carries as a name: a DNS-1123 subdomain that does not end in a number,
 * which the WHATWG URL parser of browsers would read as IPv4 and refuse (`endsInANumber`). A URL host is the strictest
 * of the three rules: an Ingress host (`PUBLIC_HOSTNAME_OPTIONS`) refuses the same, for the URL users open, and a
 * libpq host (`checkHost`) refuses only a name of numbers alone.
 */
function isUrlHostName(host: string): boolean {
  return isDnsSubdomain(host) && !endsInANumber(host.split('.'));
}

/**
 * Check the base URL of a server such as a self-hosted git provider, and return it without a trailing slash.
 *
 * Only https: Drone sends the OAuth client secret and users' access tokens there, and sends users' browsers there
 * to log in. The host is a lower-case DNS name with an optional port; a path is allowed (GitLab under a relative
 * URL root) but no credentials, query, fragment or `$`. The string is checked as written, not as WHATWG URL
 * parsing would repair it. Without the trailing slash, `https://github.com/` is still recognised by Drone as the
 * public GitHub (harness/harness cmd/drone-server/config/config.go compares the server to "https://github.com"
 * and otherwise appends "/api/v3").
 */
export function checkHttpsBaseUrl(prop: string, value: string): string {
  const rule = `must be ${VALIDATION_RULES.httpsBaseUrl}`;
  const match = typeof value === 'string' ? /^https:\/\/([^/:?#@]+)(?::(\d{1,5}))?((?:\/[^/?#]+)*)\/?$/.exec(value) : null;
  const host = match?.[1] ?? '';
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  const segments = (match?.[3] ?? '').split('/').slice(1);
  const valid = match !== null && isUrlHostName(host) && (port === undefined || (port >= 1 && port <= 65535)) &&
    segments.every((s) => URL_PATH_SEGMENT.test(s) && s !== '.' && s !== '..');
  if (!valid) {
    invalid(prop, value, rule);
  }
  return value.replace(/\/$/, '');
}

/** What a git provider account is used as. */
export type GitAccountRole = 'organization' | 'user';

interface GitAccountRule {
  /** One name, or one segment of a nested path. */
  readonly pattern: RegExp;
  readonly max: number;
  /** Whether organisations may be nested groups `a/b`. */
  readonly nested?: boolean;
  readonly organization: string;
  readonly user: string;
}

/**
 * The account names each provider issues. None allows a comma (Drone splits DRONE_USER_FILTER and
 * DRONE_REPOSITORY_FILTER on commas: envconfig `[]string` fields in cmd/drone-server/config/config.go of
 * harness/harness v2.28.2, whose DRONE_USER_CREATE is split on "," and ":" too), whitespace, quotes or `$`.
 * Drone compares them case-insensitively (harness v2.28.2 plugin/admission/account.go lower-cases the filter and the logins).
 */
const GIT_ACCOUNT_RULES: Record<string, GitAccountRule> = {
  // github.com/join: "Username may only contain alphanumeric characters or single hyphens, and cannot begin or end
  // with a hyphen", at most 39 characters; organisations share the namespace and the rule
  github: {
    pattern: /^[A-Za-z0-9](?:-?[A-Za-z0-9])*$/,
    max: 39,
    organization: 'must be a GitHub organisation or user: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen',
    user: 'must be a GitHub login: 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen',
  },
  // docs.gitlab.com/user/reserved_names: slugs of letters, digits, "_", "." and "-", starting with a letter or digit,
  // no consecutive special characters, not ending in ".", ".git" or ".atom" (older accounts may end in "-" or "_");
  // paths are at most 255 characters. Subgroups nest as "a/b" (go-scm's GitLab driver gives a repository's
  // namespace as the group's full_path, which DRONE_REPOSITORY_FILTER matches)
  gitlab: {
    pattern: /^[A-Za-z0-9](?:[._-]?[A-Za-z0-9])*[-_]?$/,
    max: 255,
    nested: true,
    organization: 'must be a GitLab group or user path: "/"-separated segments of letters, digits, "_", "." and "-", each starting ' +
      'with a letter or digit, without consecutive special characters, not ending in ".", ".git" or ".atom"; at most 255 characters',
    user: 'must be a GitLab username: letters, digits, "_", "." and "-", starting with a letter or digit, ' +
      'without consecutive special characters, not ending in ".", ".git" or ".atom"; at most 255 characters',
  },
  // go-gitea/gitea modules/validation/helpers.go: ^[\da-zA-Z][-.\w]*$ without [-._]{2,} or a trailing [-._];
  // services/forms: MaxSize(40) for user and organisation names
  gitea: {
    pattern: /^[A-Za-z0-9](?:[._-]?[A-Za-z0-9])*$/,
    max: 40,
    organization: 'must be a Gitea organisation or user: 1 to 40 letters, digits, "-", "_" and ".", starting and ending ' +
      'with a letter or digit, without consecutive special characters',
    user: 'must be a Gitea username: 1 to 40 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, ' +
      'without consecutive special characters',
  },
  // Bitbucket Cloud workspace IDs (and the usernames that share their namespace): lower-case letters, digits, "-"
  // and "_"; go-scm's Bitbucket driver reports a workspace by that ID. Bitbucket documents no length limit: 255 is ours
  bitbucket: {
    pattern: /^[a-z0-9][a-z0-9_-]*$/,
    max: 255,
    organization: 'must be a Bitbucket workspace ID: 1 to 255 lower-case letters, digits, "-" and "_", starting with a letter or digit',
    user: 'must be a Bitbucket username: 1 to 255 lower-case letters, digits, "-" and "_", starting with a letter or digit',
  },
};

/**
 * Check an account name at a git provider (`github`, `gitlab`, `gitea` or `bitbucket`): an organisation (GitLab:
 * a group, possibly nested) or a user's login.
 */
export function checkGitAccount(prop: string, value: string, provider: string, role: GitAccountRole): string {
  const rule = GIT_ACCOUNT_RULES[provider];
  if (!rule) {
    invalid(prop, value, `cannot be checked for the unknown git provider ${describeValue(provider)}`);
  }
  const segments = typeof value === 'string' ? (rule.nested && role === 'organization' ? value.split('/') : [value]) : [];
  const valid = typeof value === 'string' && value.length <= rule.max &&
    segments.every((s) => rule.pattern.test(s) && !/\.(git|atom)$/i.test(s));
  if (!valid) {
    invalid(prop, value, rule[role]);
  }
  return value;
}

/** The allowed-values text of `checkGitAccount` for a provider and role, for documentation. */
export function gitAccountRule(provider: string, role: GitAccountRole): string {
  return GIT_ACCOUNT_RULES[provider]?.[role] ?? '';
}

/**
 * A path component of a repository name, as a regular expression's source: lower-case letters and digits separated by
 * one ".", one or two "_", or any number of "-" (distribution/reference v0.6.0 regexp.go, `separator` and
 * `pathComponent`): `web--api` and `web__api` are names the kubelet pulls. The one spelling of that grammar, for
 * `Image.of` (lib/core/image.ts) and `isRepositoryPathComponent`.
 *
 * @internal
 */
export const PATH_COMPONENT_SOURCE = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';

/**
 * An image tag, as a regular expression's source: a word character, then up to 127 word characters, "." and "-"
 * (distribution/reference `TagRegexp`, goharbor/distribution v2.7.1 `reference/regexp.go:37`). The one spelling of
 * it, for `Image.of` and `isImageTag`.
 *
 * @internal
 */
export const TAG_SOURCE = '[\\w][\\w.-]{0,127}';

const REPOSITORY_PATH_COMPONENT = new RegExp(`^${PATH_COMPONENT_SOURCE}$`);
const IMAGE_TAG = new RegExp(`^${TAG_SOURCE}$`);

/**
 * Whether `tag` is an image tag (`TAG_SOURCE`), as `ImageTag.of` takes one.
 *
 * @internal
 */
export function isImageTag(tag: unknown): tag is string {
  return typeof tag === 'string' && IMAGE_TAG.test(tag);
}

/**
 * Whether `part` is one part of a repository path in the distribution reference grammar (distribution/reference
 * regexp.go, `path-component`): lower-case letters and digits, separated by ".", "_", "__" or dashes.
 *
 * @internal
 */
export function isRepositoryPathComponent(part: string): boolean {
  return REPOSITORY_PATH_COMPONENT.test(part);
}

/** Harbor's rule for project (and robot) names, in words: what `isHarborName` allows. */
export const HARBOR_NAME_RULE = 'lower-case letters and digits, separated by single ".", "_" or "-"';

/**
 * Whether `name` is a name Harbor takes for a project or robot: lower-case letters and digits, single separators, at
 * most 255 (goharbor/harbor c50c7ddd `src/pkg/project/manager.go:59-64,77-85`, `restrictedNameChars` and
 * `projectNameMaxLen`; a robot's name, `src/server/v2.0/handler/robot.go:442-449` `validateName`, has the same
 * characters and no limit of its own there, and 255 holds it to a project name's). The one check of that rule, for
 * Harbor's own props and for a Harbor project named to a node mirror or an image relocation.
 */
export function isHarborName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 255 && /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name);
}

/**
 * Check a registry prefix `host[:port][/path]` that images are relocated under, e.g. `registry.example.com/mirror`.
 *
 * The host must contain a "." or a port, or be `localhost`: otherwise container runtimes read it as a Docker Hub
 * user (distribution/reference splitDockerDomain), and `mirror/library/postgres` would be pulled from Docker Hub.
 * A whole reference is at most 255 characters (reference.NameTotalLengthMax).
 */
export function checkRegistryPrefix(prop: string, value: string): string {
  if (!isRegistryPrefix(value)) {
    invalid(prop, value, `must be ${VALIDATION_RULES.registryPrefix}`);
  }
  return value;
}

/**
 * Whether `value` is a registry prefix as `checkRegistryPrefix` takes it, for a checker whose own rule adds to it (a
 * mirror that must not be on Harbor's host); `checkRegistryPrefix` is the check itself.
 */
export function isRegistryPrefix(value: unknown): value is string {
  const [hostPort, ...segments] = typeof value === 'string' ? value.split('/') : [''];
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(hostPort);
  const host = match?.[1] ?? '';
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  return typeof value === 'string' && match !== null && value.length <= 255 &&
    host.length <= 253 && host.split('.').every((l) => l.length <= 63 && DNS_LABEL.test(l)) &&
    readsAsRegistry(hostPort) &&
    (port === undefined || (port >= 1 && port <= 65535)) &&
    segments.every((s) => REPOSITORY_PATH_COMPONENT.test(s));
}

/**
 * Check the path of a local state file such as `LocalSecretStore`'s: a relative or absolute path of a file, not
 * ending with "/" or naming "." or "..", without NUL, not an existing directory, and outside `outdir` (the cdk8s
 * output directory, which synth rewrites and which is often published or committed).
 */
export function checkStatePath(prop: string, value: string, outdir: string): string {
  const rule = `must be ${VALIDATION_RULES.statePath(outdir)}`;
  if (typeof value !== 'string' || value.trim() === '' || value.includes('\0') || value.endsWith('/') || /(^|\/)\.\.?$/.test(value)) {
    invalidPath(prop, value, rule);
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(value, { throwIfNoEntry: false });
  } catch (e) {
    invalidPath(prop, value, `cannot be reached (${(e as NodeJS.ErrnoException).code ?? 'error'}); ${rule}`);
  }
  if (stat?.isDirectory()) {
    invalidPath(prop, value, `is a directory; ${rule}`);
  }
  if (isInside(value, outdir)) {
    invalidPath(prop, value, `is inside the output directory; ${rule}`);
  }
  return value;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

// Label keys repeat across objects (`app.kubernetes.io/name`, a team's label): each valid one is checked once.
const LABEL_KEYS = new Set<string>();
const LABEL_KEYS_KEPT = 10000;

/** Whether `key` is a Kubernetes label key: a name, optionally prefixed by a DNS subdomain and "/". */
function isLabelKey(key: string): boolean {
  if (LABEL_KEYS.has(key)) {
    return true;
  }
  const valid = checkLabelKey(key);
  if (valid && LABEL_KEYS.size < LABEL_KEYS_KEPT) {
    LABEL_KEYS.add(key);
  }
  return valid;
}

function checkLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  const validPrefix = prefix === undefined || (prefix.length <= 253 && prefix.split('.').every((l) => l.length <= 63 && DNS_LABEL.test(l)));
  return validPrefix && name.length <= 63 && LABEL_NAME.test(name);
}

/**
 * Check Kubernetes labels (k8s.io/apimachinery `validation.IsQualifiedName` for keys, `IsValidLabelValue` for
 * values), so a bad one fails at synth instead of at `kubectl apply`.
 */
export function checkLabels(prop: string, labels: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(labels && typeof labels === 'object' ? labels : {})) {
    if (!isLabelKey(key) || typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
      invalid(prop, labels, `${describeValue(key)} must be a label key with a label value: at most 63 letters, digits, "-", "_" ` +
        'and ".", starting and ending with a letter or digit, the key optionally prefixed by a DNS subdomain and "/"');
    }
  }
  return labels;
}
