import { describeIdentity } from './object-names';
import { fewOf } from './text';

// `kubectl apply -f` creates and updates what a manifest holds and deletes nothing, so an object a stack stops
// writing (a team retired, a namespace handed to another team, a Woodpecker agent renamed with its repository) stays
// in the cluster, still doing what it did, until it is deleted. Not with `kubectl apply --prune`: its default
// allowlist has no NetworkPolicy, Role, RoleBinding or ServiceAccount (kubectl v0.36.3 pkg/util/prune/prune.go:29-50),
// the kinds a retired team leaves, so the warning says so. Every synth lists the objects it wrote in its
// output directory's mark (`OUTPUT_MARKER`), and the next one names those it no longer writes. Not exported from
// lib/core.

/** The line that opens the list in the mark; a mark without it (an earlier version's) lists nothing. */
const LIST_HEADER = 'The objects it wrote, one a line (API group, kind, namespace, name, tab-separated), for the next synth to compare:\n';

/** The mark's list of `identities` (`ObjectNames.identities`): the header, then one line each. */
export function objectList(identities: readonly string[]): string {
  return identities.length === 0 ? LIST_HEADER : `${LIST_HEADER}${identities.join('\n')}\n`;
}

/**
 * The warning for the objects the previous output's mark (`previousMark`, its text, if there was one) lists and
 * `identities` (this synth's, `ObjectNames.identities`) lacks, naming the first few; undefined when there are none,
 * or no list to compare with.
 */
export function leftObjectsWarning(previousMark: string | undefined, identities: readonly string[]): string | undefined {
  const at = previousMark?.indexOf(LIST_HEADER) ?? -1;
  if (previousMark === undefined || at < 0) {
    return undefined;
  }
  const now = new Set(identities);
  const gone: string[] = [];
  for (const line of previousMark.slice(at + LIST_HEADER.length).split('\n')) {
    if (line !== '' && !now.has(line)) gone.push(describeIdentity(line));
  }
  if (gone.length === 0) {
    return undefined;
  }
  const [count, they, them] = gone.length === 1 ? ['1 object', 'it is', 'it'] : [`${gone.length} objects`, 'they are', 'them'];
  return `warning: the previous output held ${count} this synth no longer writes, which kubectl apply leaves in the cluster as ` +
    `${they}: ${fewOf(gone)}; delete ${them} once nothing needs ${them} (kubectl delete, or a GitOps tool's pruning: kubectl apply --prune ` +
    'leaves NetworkPolicies, Roles, RoleBindings and ServiceAccounts; see the README, "Applying dist/ to a cluster")';
}

/** The Secrets the previous output's mark lists, as `<namespace>/<name>`; empty without a mark or its list. */
export function secretsOfMark(previousMark: string | undefined): Set<string> {
  const at = previousMark?.indexOf(LIST_HEADER) ?? -1;
  const out = new Set<string>();
  if (previousMark === undefined || at < 0) {
    return out;
  }
  for (const line of previousMark.slice(at + LIST_HEADER.length).split('\n')) {
    const [group, kind, namespace, name] = line.split('\t');
    if (group === '' && kind === 'Secret' && namespace !== undefined && name !== undefined) out.add(`${namespace}/${name}`);
  }
  return out;
}
