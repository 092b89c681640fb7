/**
 * The order in which `kubectl apply -f <output directory>/` creates what synth writes, checked for a fresh cluster:
 * an object created before the Namespace it lives in is refused ("namespaces \"x\" not found").
 *
 * kubectl reads a directory's files in lexical order of their names (k8s.io/cli-runtime v0.36.2
 * `pkg/resource/visitor.go`, `ExpandPathsToFileVisitors`, walks it with Go's `filepath.Walk`, which visits in lexical
 * order) and applies their objects in that order, each file's top to bottom. Each chart lists its Namespaces first
 * (`DockyardChart`), so within one file the order holds; across files it holds only when the file that defines a
 * namespace sorts before every file with something in it. `secrets.local.yaml` sorts after a chart named
 * `dockyard` or `platform`, but before one named `tenants`.
 */

/** What one manifest file defines and holds, as far as namespaces go. */
export interface ManifestNamespaces {
  /** The file's path below the output directory. */
  readonly path: string;
  /** The namespaces its Namespace objects create. */
  readonly defines: ReadonlySet<string>;
  /** Each namespace its objects live in, with one of them, to name (e.g. `Secret team-a/team-a-pull`). */
  readonly uses: ReadonlyMap<string, string>;
}

/**
 * Each namespace whose first object `kubectl apply -f <dir>/` would create before the Namespace itself, as one
 * warning line: the object, its file, and the file that creates the namespace. Only the top-level files count (kubectl
 * reads no subdirectory without `-R`), and only namespaces some file defines: one the user creates is theirs to order.
 */
export function applyOrderWarnings(files: readonly ManifestNamespaces[]): string[] {
  // byte order of the names, as Go compares strings
  const sorted = files.filter((f) => !f.path.includes('/')).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const definedIn = new Map<string, string>();
  for (const file of sorted) {
    for (const namespace of file.defines) {
      if (!definedIn.has(namespace)) definedIn.set(namespace, file.path);
    }
  }
  const warnings: string[] = [];
  const warned = new Set<string>();
  const seen = new Set<string>();
  for (const file of sorted) {
    for (const namespace of file.defines) seen.add(namespace);
    for (const [namespace, what] of file.uses) {
      const definer = definedIn.get(namespace);
      if (definer !== undefined && !seen.has(namespace) && !warned.has(namespace)) {
        warned.add(namespace);
        warnings.push(`kubectl apply -f on the output directory would create ${what} (${file.path}) before Namespace ${namespace} ` +
          `(${definer}): it reads files in name order; apply ${definer} first, or give its chart an id that sorts before ${file.path}`);
      }
    }
  }
  return warnings;
}
