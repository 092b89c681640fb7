/**
 * Recognising credentials written out in text. A credential position (URL password, `password=` value) only
 * counts when it holds a literal: placeholders are filled in at run time from somewhere else.
 */

/** `$(VAR)`: expanded by the kubelet in env values, command and args, so its source matters; `$$(` escapes it. */
const KUBE_VAR = /(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g;
const ONLY_KUBE_VAR = new RegExp(`^${KUBE_VAR.source}$`);

/** Template syntaxes that Kubernetes leaves alone: `${VAR}`, shell `$VAR`/`$1`, `{{ ... }}`. */
const TEMPLATE = /^(\$\{[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?])|\{\{.*\}\})$/s;
/** A URL or an absolute path: names a credential's location, not the credential (once literals are ruled out). */
const LOCATION = /^([a-z][a-z0-9+.-]*:\/\/\S+|\/\S*)$/i;

const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]*)@/gi;
const URL_QUERY_SECRET = /[?&](?:access_token|token|api_?key|client_secret|secret)=([^&#\s]*)/gi;
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
/**
 * `password=x`, `password = x`, `password: x`, `"password": "x"`, `PGPASSWORD=x`, `--password=x`; not
 * `password_file:` nor SQL's `PASSWORD :'var'`.
 */
const PASSWORD_ASSIGNMENT = /(?:password|passwd)(?:["']?:|[ \t]*=)[ \t]*("[^"\n]*"|'[^'\n]*'|\{\{[^}\n]*\}\}|[^\s&;,]*)/gi;

/** Whether a `$(VAR)` reference is known to come from a Secret; other kubelet expansions are literals. */
export type SecretVar = (name: string) => boolean;

/** True when `value` carries no literal secret: empty, a template, or a `$(VAR)` fed by a Secret. */
export function isPlaceholder(value: string, secretVar: SecretVar): boolean {
  const v = value.replace(/^(["'])(.*)\1$/s, '$2').trim();
  if (!v || TEMPLATE.test(v)) return true;
  const kube = ONLY_KUBE_VAR.exec(v);
  return !!kube && secretVar(kube[1]);
}

/** Descriptions of each literal credential in `text` (never the credential itself). */
export function literalCredentials(text: string, secretVar: SecretVar): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(URL_PASSWORD)) {
    if (!isPlaceholder(m[1], secretVar)) found.push('a URL with a literal password');
  }
  for (const m of text.matchAll(URL_QUERY_SECRET)) {
    if (!isPlaceholder(m[1], secretVar)) found.push('a URL with a literal token in its query');
  }
  if (PEM_PRIVATE_KEY.test(text)) found.push('a PEM private key');
  for (const m of text.matchAll(PASSWORD_ASSIGNMENT)) {
    if (!isPlaceholder(m[1], secretVar)) found.push('a literal password assignment');
  }
  return [...new Set(found)];
}

export function isLocation(value: string): boolean {
  return LOCATION.test(value.trim());
}

/** The `$(VAR)` names in a value, in order. */
export function kubeVars(value: string): string[] {
  return [...value.matchAll(KUBE_VAR)].map((m) => m[1]);
}
