/**
 * Escaping for the engine's substitution of the whole pipeline file, the first sink a pipeline value passes through.
 * The others have their one rule in `lib/core`: the kubelet's `$(NAME)` expansion of pod env values
 * (`escapeEnvLiteral`, core/env.ts) and the step's POSIX shell (`shellQuote`, core/shell.ts).
 */

/**
 * `value` written so that the engine's substitution gives it back unchanged. Drone (drone/runner-go v1.12.0
 * `pipeline/runtime/runner.go:205`) and Woodpecker (v3.17.0 `pipeline/frontend/builder/builder.go:113`, through
 * `pipeline/frontend/metadata/substitution.go:24-32`) both run drone/envsubst v1.0.3 over the whole file before
 * parsing it (drone-runner-kube v1.0.0-rc.5 `go.mod:14`, woodpecker v3.17.0 `go.mod:21`). Outside `${…}` it reads
 * `$$` as `$` and `\\` as `\` and `\/` as `/` (drone/envsubst v1.0.3 `parse/scan.go:180-198`, `scanEscaped`, applied
 * by `scanIdent`), and it substitutes `${…}`. Doubling every `$` and `\` therefore undoes itself: nothing is
 * substituted, and the step gets exactly what was written. Applied to each string before the YAML is written, it
 * holds inside plain, double-quoted and literal scalars alike: a double-quoted scalar's own escapes (`\"`, `\n`,
 * `\uXXXX`) start with a `\` that envsubst leaves alone, and its `\\` come in pairs from doubled backslashes.
 */
export function escapeSubstitution(value: string): string {
  return value.replace(/[$\\]/g, '$&$&');
}

/** Every string of a document, keys included, with `escapeSubstitution` applied. */
export function escapeSubstitutionDeep<T>(value: T): T {
  if (typeof value === 'string') {
    return escapeSubstitution(value) as T;
  }
  if (Array.isArray(value)) {
    return value.map((v) => escapeSubstitutionDeep(v)) as T;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeSubstitution(k), escapeSubstitutionDeep(v)])) as T;
  }
  return value;
}
