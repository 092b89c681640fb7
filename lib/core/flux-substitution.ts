/**
 * Flux's post-build variable substitution, which a Kustomization with `postBuild` runs over every object it applies:
 * fluxcd/pkg kustomize v1.35.4 (kustomize-controller v1.9.4) `kustomize/kustomize_varsub.go:91-149` renders each
 * object as YAML and runs envsubst over it (`varSubstitution`, `:185-205`, not strict: an unset variable becomes
 * nothing), unless the object's labels or annotations set `kustomize.toolkit.fluxcd.io/substitute` to `disabled`
 * (`:107`, the key and value at `:42,49`). envsubst v1.7.0 replaces every `${…}` (`parse/scan.go:189-200`: `${` opens
 * one) and, in text (`parse/parse.go:70-73`), every `$$` by `$` (`scanEscaped`, `scan.go:213-220`, whose first `$`
 * `scanIdent` drops, `:154-183`; the fork's own `parse/parse_test.go:50-55` has `$${string}` become `${string}` and
 * `$$string` become `$string`): so a probe's `$$?` and a Kubernetes `$$(VAR)` escape are rewritten too. Dockyard's
 * scripts (the PostgreSQL reconciler's, Harbor's configure script) use `${…}` of their own, the PostgreSQL probes
 * `$$?`, and a value given to a construct reaches its object as given: so an object a Dockyard construct renders that
 * holds `${` or `$$` carries that annotation (`KubeObject`, lib/core/k8s.ts), and a user who turns on substitution for
 * variables of their own breaks none of them. Not exported from lib/core.
 */

/** The annotation (or label) whose value `FLUX_SUBSTITUTE_DISABLED` turns substitution off for the object that carries it. */
export const FLUX_SUBSTITUTE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/substitute';
/** The value of `FLUX_SUBSTITUTE_ANNOTATION` that turns substitution off. */
export const FLUX_SUBSTITUTE_DISABLED = 'disabled';

/** What Flux's substitution rewrites in a string: a `${…}`, or a `$$`. */
const REWRITTEN = /\$[{$]/;

/**
 * Whether a key or string anywhere in rendered value `value` holds `${` or `$$`, which Flux's substitution would
 * rewrite.
 */
export function holdsFluxVariable(value: unknown): boolean {
  if (typeof value === 'string') {
    return REWRITTEN.test(value);
  }
  if (value === null || typeof value !== 'object') {
    return false;
  }
  if (Array.isArray(value)) {
    return value.some(holdsFluxVariable);
  }
  // no entries array per object: this runs on every object a synth writes
  for (const key in value) {
    if (REWRITTEN.test(key) || holdsFluxVariable((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}
