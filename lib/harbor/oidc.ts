import { checkBoolean, checkOAuthClientId, checkUrl, invalid, invalidSecret, SecretKey } from '../core';
import { checkGeneratedKey } from '../core/generated-key';

/** Options of `HarborOidc.of`. */
export interface HarborOidcOptions {
  /** The provider's name, shown on Harbor's login page ("LOGIN WITH <name>"), e.g. `Keycloak`. */
  readonly name: string;
  /**
   * The provider's issuer URL, e.g. `https://sso.example.com/realms/acme`: https, exactly as the `issuer` of its
   * discovery document (`<issuer>/.well-known/openid-configuration`), a trailing slash included or not, since Harbor's
   * OIDC client (coreos/go-oidc `NewProvider`) refuses a provider whose document names another issuer. Core fetches
   * it, so it must be reachable from the cluster.
   */
  readonly endpoint: string;
  /** The client ID of Harbor at the provider. */
  readonly clientId: string;
  /**
   * The client's secret: a key of a Secret Dockyard generates, usually a `SecretValue.input`, e.g.
   * `new Secret(chart, 'HarborOidc', { name: 'harbor-oidc', values: { secret: SecretValue.input('HARBOR_OIDC_SECRET', 'the Harbor client secret at the IdP') } }).key('secret')`.
   * The configuration Job's name carries a digest of it, so a rotated secret reaches Harbor on the next apply.
   */
  readonly clientSecret: SecretKey;
  /**
   * The scopes Harbor asks for. Must hold `openid`: without it the provider sends no ID token and every login fails
   * (goharbor/harbor v2.15.1 src/pkg/oidc/helper.go:211; Harbor's UI insists on it, its API does not). Keep
   * `offline_access` where the provider takes it: `docker login` with a user's CLI secret refreshes the user's token
   * with it once the token expires (src/pkg/oidc/secret.go:114-133), and fails when the provider gave no refresh
   * token. Ask also for the scope that puts `groupsClaim` in the token if the provider needs one (Keycloak: a client
   * scope with a group mapper).
   *
   * @default ["openid", "profile", "email", "offline_access"]
   */
  readonly scope?: readonly string[];
  /**
   * The claim that lists a user's groups, which `ProjectMember.oidcGroup` and `adminGroup` name.
   *
   * @default "groups"
   */
  readonly groupsClaim?: string;
  /**
   * The group whose users are Harbor system administrators.
   *
   * @default - none: no OIDC user is a system administrator but those made one in Harbor by hand
   */
  readonly adminGroup?: string;
  /**
   * A regular expression that the groups Harbor keeps of the claim must match; others are ignored, as if the user
   * were not in them. Harbor matches it unanchored (Go's `regexp.MatchString`): write `^team-` for a prefix.
   * Checked at synth with JavaScript's regular expressions: Go's RE2 refuses lookarounds and backreferences, which
   * are refused here too (Harbor would then keep every group), and RE2's inline flags such as `(?i)`, which
   * JavaScript does not compile, are refused as well, as are RE2's `\A`, `\z`, `\Q...\E`, `\pL` and `\x{41}` (compiled
   * with JavaScript's `u` flag, where they are errors rather than other patterns) and needless escapes such as `\-`,
   * and what JavaScript compiles and RE2 does not: `\u`, `\c`, and Unicode properties other than the general
   * categories, `Any`, `ASCII` and `Assigned` (`\p{Script=Latin}`, `\p{Alphabetic}`); other rare syntax may read
   * differently in RE2.
   *
   * @default - every group of the claim is kept
   */
  readonly groupFilter?: string;
  /**
   * The claim whose value becomes a new user's Harbor user name with `autoOnboard`. A user without it gets the
   * `name` claim, spaces turned into `_`.
   *
   * @default "preferred_username"
   */
  readonly userClaim?: string;
  /**
   * Whether a user's first login makes the Harbor user from `userClaim` at once. When false, the first login stops at
   * a page where the user picks a user name (goharbor/harbor v2.15.1 src/core/controllers/oidc.go:183-205).
   *
   * @default true
   */
  readonly autoOnboard?: boolean;
  /**
   * Whether Harbor checks the provider's TLS certificate. For a provider a private CA signs, keep it on and give the
   * Harbor that CA as its `trustBundle`: turned off, core accepts any certificate, so whoever sits between core and
   * the provider can answer for it (goharbor/harbor v2.15.1 src/pkg/oidc/helper.go:243-253 `clientCtx`).
   *
   * @default true
   */
  readonly verifyCert?: boolean;
}

/** The scopes asked for by default: `HarborOidcOptions.scope` says why. */
const DEFAULT_SCOPE = ['openid', 'profile', 'email', 'offline_access'];

/** A scope token: RFC 6749 §3.3's NQCHAR without space, and without the "," Harbor splits `oidc_scope` on. */
const SCOPE_TOKEN = /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+$/;

/** A claim's name: printable ASCII without whitespace (RFC 6749 VSCHAR), at most 255 characters. */
const PRINTABLE = /^[\x21-\x7e]{1,255}$/;

/**
 * Single sign-on to Harbor with an OpenID Connect provider (`HarborProps.oidc`): the configuration Job sets Harbor's
 * authentication mode to `oidc_auth` with these settings on every run. Register `Harbor.oidcRedirectUri`
 * (`<externalUrl>/c/oidc/callback`) as the client's redirect URI at the provider.
 */
export class HarborOidc {
  /** Sign in with the OIDC provider at `options.endpoint`. */
  public static of(options: HarborOidcOptions): HarborOidc {
    const allowed = 'must be an object of HarborOidcOptions: { name, endpoint, clientId, clientSecret }';
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      // anything but unset is never shown: a JavaScript caller's value may hold the client secret
      if (options === undefined) invalid('oidc', options, allowed);
      invalidSecret('oidc', allowed);
    }
    return new HarborOidc(options);
  }

  /** The provider's name on the login page. */
  public readonly name: string;
  /** The issuer URL. */
  public readonly endpoint: string;
  /** The client ID. */
  public readonly clientId: string;
  /** The client secret. */
  public readonly clientSecret: SecretKey;
  /** The scopes asked for. */
  public readonly scope: readonly string[];
  /** The claim that lists a user's groups. */
  public readonly groupsClaim: string;
  /** The group of Harbor system administrators, or "" for none. */
  public readonly adminGroup: string;
  /** The filter of the groups Harbor keeps, or "" for all. */
  public readonly groupFilter: string;
  /** The claim that names a new user. */
  public readonly userClaim: string;
  /** Whether a first login makes the user at once. */
  public readonly autoOnboard: boolean;
  /** Whether the provider's certificate is checked. */
  public readonly verifyCert: boolean;

  private constructor(options: HarborOidcOptions) {
    this.name = checkText('name', options.name, 'must be the provider\'s name shown on the login page: 1 to 255 characters without control characters');
    const url = checkUrl('endpoint', options.endpoint, ['https']);
    if (url.search !== '' || url.hash !== '' || options.endpoint.includes('?') || options.endpoint.includes('#')) {
      invalid('endpoint', options.endpoint, 'must be the provider\'s issuer URL, without query or fragment');
    }
    this.endpoint = options.endpoint;
    this.clientId = checkOAuthClientId('clientId', options.clientId);
    // the configuration Job's name carries the digest of a generated key (lib/core/checksum.ts): one made outside
    // Dockyard counts by its name only, so a rotated secret would never run the Job again
    this.clientSecret = checkGeneratedKey('clientSecret', options.clientSecret,
      'the configuration Job runs again when its digest changes, so that a rotated secret reaches Harbor',
      { key: 'secret', variable: 'HARBOR_OIDC_SECRET', description: 'the Harbor client secret at the identity provider' });
    this.scope = checkScope(options.scope ?? DEFAULT_SCOPE);
    this.groupsClaim = checkPrintable('groupsClaim', options.groupsClaim ?? 'groups', 'the name of the claim that lists a user\'s groups');
    this.adminGroup = options.adminGroup === undefined ? ''
      : checkText('adminGroup', options.adminGroup, 'must be the name of a group of the groups claim: 1 to 255 characters without control characters');
    this.groupFilter = options.groupFilter === undefined ? '' : checkGroupFilter(options.groupFilter);
    this.userClaim = checkPrintable('userClaim', options.userClaim ?? 'preferred_username', 'the name of the claim that names a user');
    this.autoOnboard = checkBoolean('autoOnboard', options.autoOnboard ?? true);
    this.verifyCert = checkBoolean('verifyCert', options.verifyCert ?? true);
  }

  /** Whether the groups claim's value `group` passes `groupFilter`, as JavaScript reads the filter (see `compileFilter`). */
  public keepsGroup(group: string): boolean {
    return this.groupFilter === '' || compileFilter(this.groupFilter).test(group);
  }

  /**
   * The settings as the configuration Job reads them (lib/harbor/configure.js, "oidc"), but for `clientSecretEnv`,
   * the variable of the client secret, which its chunk names.
   *
   * @internal
   */
  public _state(): object {
    return {
      name: this.name,
      endpoint: this.endpoint,
      clientId: this.clientId,
      scope: this.scope.join(','),
      groupsClaim: this.groupsClaim,
      adminGroup: this.adminGroup,
      groupFilter: this.groupFilter,
      userClaim: this.userClaim,
      autoOnboard: this.autoOnboard,
      verifyCert: this.verifyCert,
    };
  }
}

function checkText(prop: string, value: string, allowed: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 255 || /[\p{Cc}]/u.test(value)) {
    invalid(prop, value, allowed);
  }
  return value;
}

function checkPrintable(prop: string, value: string, what: string): string {
  if (typeof value !== 'string' || !PRINTABLE.test(value)) {
    invalid(prop, value, `must be ${what}: 1 to 255 printable ASCII characters without spaces`);
  }
  return value;
}

function checkScope(scope: readonly string[]): readonly string[] {
  if (!Array.isArray(scope) || scope.some((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s))) {
    invalid('scope', scope, 'must be a list of scope names, each printable ASCII without spaces, quotes, "\\" or ","');
  }
  if (new Set(scope).size !== scope.length) {
    invalid('scope', scope, 'must name each scope once');
  }
  if (!scope.includes('openid')) {
    invalid('scope', scope, 'must include "openid": without it the provider sends no ID token and every login fails');
  }
  return [...scope];
}

function checkGroupFilter(filter: string): string {
  const allowed = 'must be a regular expression Go (RE2) and JavaScript both compile, e.g. "^team-"; RE2 has no lookarounds or ' +
    'backreferences, and Harbor keeps every group when it cannot compile the filter';
  if (typeof filter !== 'string' || filter === '' || hasJsOnlySyntax(filter)) {
    invalid('groupFilter', filter, allowed);
  }
  try {
    compileFilter(filter);
  } catch {
    invalid('groupFilter', filter, `${allowed}; RE2-only syntax JavaScript cannot compile, such as (?i), (?P<name>...), \\A, \\z, \\pL or \\x{41}, ` +
      'is refused, as it cannot be checked here, and so is a needless escape such as \\-: write [Tt]eam for (?i)team');
  }
  return filter;
}

/**
 * `filter` as JavaScript compiles it, with the `u` flag: without it, JavaScript reads an escape it does not know as
 * the letter itself (Annex B identity escapes), so RE2's `\A`, `\z`, `\Q...\E`, `\pL` and `\x{41}` would compile as
 * other patterns (`A`, `z`, `pL`, `x` repeated 41 times) and pass checks Harbor's RE2 reads otherwise (goharbor/harbor
 * v2.15.1 src/pkg/oidc/helper.go filterGroup, Go's regexp.MatchString). With `u` they throw, and are refused.
 */
function compileFilter(filter: string): RegExp {
  return new RegExp(filter, 'u');
}

/**
 * The Unicode properties both JavaScript (with the `u` flag) and Go 1.25's regexp know, which Harbor v2.15.1 is built
 * with (its Makefile's golang:1.25.9): the general categories by short name (`Lu`, and `LC`, `Cn`, which Go has since
 * 1.25) or long name (`Uppercase_Letter`: Go 1.25's `unicode.CategoryAliases`), and `Any`, `ASCII`, `Assigned`
 * (`unicodeTable` in regexp/syntax/parse.go). JavaScript's other properties (`Alphabetic`, `Script=Latin`) Go lacks.
 */
const SHARED_PROPERTY = new RegExp('^\\{(?:[CLMNPSZ][a-z]?|LC|Any|ASCII|Assigned|' + [
  'Cased_Letter', 'Close_Punctuation', 'Combining_Mark', 'Connector_Punctuation', 'Control', 'cntrl', 'Currency_Symbol', 'Dash_Punctuation',
  'Decimal_Number', 'digit', 'punct',
  'Enclosing_Mark', 'Final_Punctuation', 'Format', 'Initial_Punctuation', 'Letter', 'Letter_Number', 'Line_Separator', 'Lowercase_Letter',
  'Mark', 'Math_Symbol', 'Modifier_Letter', 'Modifier_Symbol', 'Nonspacing_Mark', 'Number', 'Open_Punctuation', 'Other', 'Other_Letter',
  'Other_Number', 'Other_Punctuation', 'Other_Symbol', 'Paragraph_Separator', 'Private_Use', 'Punctuation', 'Separator', 'Space_Separator',
  'Spacing_Mark', 'Surrogate', 'Symbol', 'Titlecase_Letter', 'Unassigned', 'Uppercase_Letter',
].join('|') + ')\\}');

/**
 * Whether `filter` uses syntax JavaScript compiles and Go's RE2 refuses (Go's regexp/syntax documentation lists them
 * as not supported): a lookaround, `(?=`, `(?!`, `(?<=`, `(?<!`, a backreference, `\1` to `\9` or `\k<name>`, and
 * escapes RE2's parser has not (`parseEscape` in Go's regexp/syntax/parse.go): `\u` and `\c`; and a Unicode property
 * Go does not know (`SHARED_PROPERTY`). Escaped characters are skipped as pairs, so `\\1` (a backslash, then 1) is no
 * backreference. Harbor keeps every group when Go cannot compile the filter (v2.15.1 src/pkg/oidc/helper.go
 * filterGroup).
 */
function hasJsOnlySyntax(filter: string): boolean {
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '\\') {
      const next = filter[i + 1] ?? '';
      if (/[1-9kuc]/.test(next)) {
        return true;
      }
      if ((next === 'p' || next === 'P') && filter[i + 2] === '{' && !SHARED_PROPERTY.test(filter.slice(i + 2))) {
        return true;
      }
      i++;
    } else if (filter.startsWith('(?=', i) || filter.startsWith('(?!', i) || filter.startsWith('(?<=', i) || filter.startsWith('(?<!', i)) {
      return true;
    }
  }
  return false;
}
