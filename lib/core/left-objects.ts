import { describeIdentity } from './object-names';
import { fewOf } from './text';
import { describePath } from './validation';

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
 * The mark's section of the objects the previous output held and this one does not, each as the command that
 * deletes it. The warning names only the first few, and the next synth compares with this one's list, which no
 * longer holds them: without this section a user told to delete them could not learn which. It comes before the
 * object list, which runs to the end of the mark.
 */
const GONE_HEADER = 'The objects the previous output held and this one no longer writes, which kubectl apply leaves in the cluster, ' +
  'one a line as the command that deletes it:\n';
const GONE_END = 'End of the objects no longer written.\n';

/**
 * The identities the previous output's mark (`previousMark`, its text, if there was one) lists and `identities` (this
 * synth's, `ObjectNames.identities`) lacks; empty when there are none, or no list to compare with.
 */
export function goneObjects(previousMark: string | undefined, identities: readonly string[]): string[] {
  const at = previousMark?.indexOf(LIST_HEADER) ?? -1;
  if (previousMark === undefined || at < 0) {
    return [];
  }
  const now = new Set(identities);
  return previousMark.slice(at + LIST_HEADER.length).split('\n').filter((line) => line !== '' && !now.has(line));
}

/**
 * The command that deletes the object `identity` names: the kind qualified by its API group, in its namespace.
 * kubectl maps `<Kind>.<group>` to the kind of that group (k8s.io/cli-runtime pkg/resource/builder.go,
 * `Builder.mappingFor`: an argument no resource matches is read with `schema.ParseKindArg`, and its group and kind
 * are mapped), so two kinds of one name in two groups are told apart. Names and namespaces are DNS names, safe in a
 * shell.
 */
function deleteCommand(identity: string): string {
  const [group, kind, namespace, name] = identity.split('\t');
  return `kubectl ${namespace === '' ? '' : `-n ${namespace} `}delete ${group === '' ? kind : `${kind}.${group}`} ${name}`;
}

/** The mark's section of the `gone` objects (`goneObjects`), or nothing when there are none. */
export function goneObjectList(gone: readonly string[]): string {
  return gone.length === 0 ? '' : `${GONE_HEADER}${gone.map(deleteCommand).join('\n')}\n${GONE_END}`;
}

/**
 * The warning for the `gone` objects (`goneObjects`), naming the first few and the mark (`markPath`) that lists every
 * one with the command that deletes it; undefined when there are none.
 */
export function leftObjectsWarning(gone: readonly string[], markPath: string): string | undefined {
  if (gone.length === 0) {
    return undefined;
  }
  const [count, they, them] = gone.length === 1 ? ['1 object', 'it is', 'it'] : [`${gone.length} objects`, 'they are', 'them'];
  return `warning: the previous output held ${count} this synth no longer writes, which kubectl apply leaves in the cluster as ` +
    `${they}: ${fewOf(gone.map(describeIdentity))}; delete ${them} once nothing needs ${them}, with the kubectl delete ` +
    `${gone.length === 1 ? 'command' : 'commands'} that ${describePath(markPath)} lists until the next synth, or a GitOps tool's pruning ` +
    '(kubectl apply --prune leaves NetworkPolicies, Roles, RoleBindings and ServiceAccounts; see the README, "Applying dist/ to a cluster")';
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
