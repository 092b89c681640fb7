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
import { fewOf } from './text';

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
 * Where `kubectl apply -f <dir>/` would create a namespace's first object before the Namespace itself, as one warning
 * line for each pair of files: the first such object, its file, the file that creates the namespace, and how many
 * other namespaces the same pair puts out of order (a thousand teams' Secrets in `secrets.local.yaml` before a
 * `tenants` chart are one line, not a thousand). Only the top-level files count (kubectl reads no subdirectory
 * without `-R`), and only namespaces some file defines: one the user creates is theirs to order.
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
  // per file that uses a namespace too early and file that defines it: the first object, and every namespace
  const early = new Map<string, { file: string; definer: string; first: [string, string]; namespaces: string[] }>();
  const warned = new Set<string>();
  const seen = new Set<string>();
  for (const file of sorted) {
    for (const namespace of file.defines) seen.add(namespace);
    for (const [namespace, what] of file.uses) {
      const definer = definedIn.get(namespace);
      if (definer !== undefined && !seen.has(namespace) && !warned.has(namespace)) {
        warned.add(namespace);
        const pair = JSON.stringify([file.path, definer]);
        const found = early.get(pair);
        if (found === undefined) {
          early.set(pair, { file: file.path, definer, first: [namespace, what], namespaces: [namespace] });
        } else {
          found.namespaces.push(namespace);
        }
      }
    }
  }
  return [...early.values()].map(({ file, definer, first: [namespace, what], namespaces }) => {
    const others = namespaces.slice(1);
    const more = others.length === 0 ? '' : `, and objects of ${others.length} more namespace${others.length === 1 ? '' : 's'} ` +
      `(${fewOf(others)}) before theirs`;
    return `kubectl apply -f on the output directory would create ${what} (${file}) before Namespace ${namespace} (${definer})${more}: ` +
      `it reads files in name order; apply ${definer} first, or give its chart an id that sorts before ${file}`;
  });
}
