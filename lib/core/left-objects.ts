import * as fs from 'fs';
import * as path from 'path';
import { manifestObjects } from './manifest-objects';
import { describeIdentity, objectIdentity, removesItself } from './object-names';
import { shellQuote } from './shell';
import { fewOf } from './text';
import { describePath } from './validation';

// `kubectl apply -f` creates and updates what a manifest holds and deletes nothing, so an object a stack stops
// writing (a team retired, a namespace handed to another team, a Woodpecker agent renamed with its repository) stays
// in the cluster, still doing what it did, until it is deleted. Not with `kubectl apply --prune`: its default
// allowlist has no NetworkPolicy, Role, RoleBinding, ServiceAccount, ResourceQuota, LimitRange or
// PodDisruptionBudget (kubectl v0.36.3 pkg/util/prune/prune.go:29-50), the kinds a retired team or a switch of CI
// engine leaves, so the warning names those among the objects gone (`PRUNED_BY_DEFAULT`). Every synth lists the objects it wrote in its
// output directory's mark (`OUTPUT_MARKER`), and the next one names those it no longer writes. Not exported from
// lib/core.

/** The line that opens the list in the mark; a mark without it (an earlier version's) lists nothing. */
const LIST_HEADER = 'The objects it wrote, one a line (API group, kind, namespace, name, tab-separated), for the next synth to compare:\n';

/** The mark's list of `identities` (`ObjectNames.identities`): the header, then one line each. */
export function objectList(identities: readonly string[]): string {
  return identities.length === 0 ? LIST_HEADER : `${LIST_HEADER}${identities.join('\n')}\n`;
}

/**
 * Whether the previous output's mark (`previousMark`, its text) lists the object `identity` (`objectIdentity`), or
 * undefined when it has no object list (an earlier version's, or none). A search of the list, not a parse: a check at
 * every synth, and the list of a large stack is long.
 */
export function listsObject(previousMark: string | undefined, identity: string): boolean | undefined {
  const at = previousMark?.indexOf(LIST_HEADER) ?? -1;
  if (previousMark === undefined || at < 0) {
    return undefined;
  }
  // from the header's own newline: each listed identity sits between two
  return previousMark.indexOf(`\n${identity}\n`, at + LIST_HEADER.length - 1) >= 0;
}

/**
 * The mark's section of the objects the previous output held and this one does not, as the commands that delete
 * them (`deleteCommands`). The warning names only the first few, and the next synth compares with this one's list,
 * which no longer holds them: without this section and the printed commands, a user told to delete them could not
 * learn which. It comes before the object list, which runs to the end of the mark.
 */
const GONE_HEADER = 'The objects the previous output held and this one no longer writes, which kubectl apply leaves in the cluster, ' +
  'as the commands that delete them:\n';
const GONE_END = 'End of the objects no longer written.\n';
/** What the mark says before the command that deletes Namespaces, and the printed line before its own. */
const NAMESPACES_LAST = 'once nothing in them may stay (deleting a Namespace deletes everything in it, apps and volumes included)';

/**
 * The identities the previous output's mark (`previousMark`, its text, if there was one) lists and `identities` (this
 * synth's, `ObjectNames.identities`) lacks, in the mark's order; empty when there are none, or no list to compare with.
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
 * `gone` (`goneObjects`) less the Jobs that the previous output in `dir` shows removing themselves (`removesItself`):
 * marks written from b1bff8a to 43f3f5d (12-04/05) listed those Jobs too, and the first synth after upgrading from one
 * named each whose name has changed since (a configure or reconcile Job is named after its script's hash) as left in
 * the cluster, where the TTL-after-finished controller deletes it. Its manifests (`<chart>.k8s.yaml`; never the
 * generated Secrets) are read only when a Job is among `gone`; one that cannot be read leaves its Jobs named.
 */
export function withoutPassingJobs(gone: readonly string[], dir: string | undefined): readonly string[] {
  if (dir === undefined || !gone.some((g) => g.startsWith('batch\tJob\t'))) {
    return gone;
  }
  const passing = previousIdentities(dir, removesItself);
  return gone.filter((g) => !passing.has(g));
}

/**
 * The identities of the objects of the manifests in `dir` (`<chart>.k8s.yaml`; never the generated Secrets) for
 * which `test` holds; a manifest that cannot be read adds none.
 */
function previousIdentities(dir: string, test: (o: any) => boolean): Set<string> {
  const found = new Set<string>();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.k8s.yaml'))) {
    let objects: any[];
    try {
      objects = manifestObjects(path.join(dir, name));
    } catch {
      continue;
    }
    objects.filter(test).forEach((o) => found.add(objectIdentity(o, false)!));
  }
  return found;
}

/**
 * Whether rendered StatefulSet `o` leaves no data behind when deleted: it has no volumeClaimTemplates, or its
 * `persistentVolumeClaimRetentionPolicy` deletes its claims with it (Harbor's Trivy cache, a Woodpecker agent's ID:
 * lib/core/deployment.ts `deleteClaimsWithStatefulSet`).
 */
function leavesNoClaims(o: any): boolean {
  return o?.kind === 'StatefulSet' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('apps/') &&
    (!Array.isArray(o.spec?.volumeClaimTemplates) || o.spec.volumeClaimTemplates.length === 0 ||
      o.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete');
}

/**
 * The kubectl commands that delete exactly the `gone` objects (`goneObjects`), every one of them by name: one
 * `kubectl delete` per namespace, each object as `<kind>.<group>/<name>` (kubectl v0.36.3 `pkg/cmd/delete/delete.go:224`
 * reads its arguments as `kubectl get` does, `TYPE[.VERSION][.GROUP]/NAME`), so two kinds of one name in two groups
 * are told apart. The kind, lower-cased, names any kind, a plain chart's custom resources included, whatever its CRD's
 * plural and singular: kubectl reads `<type>.<group>` as a resource, then as a kind (k8s.io/cli-runtime v0.36.2
 * `pkg/resource/builder.go:772-816`, `mappingFor`; k8s.io/apimachinery v0.36.3 `pkg/runtime/schema/group_version.go:76-83`),
 * and discovery maps each kind lower-cased to its resource too (k8s.io/client-go v0.36.3 `restmapper/discovery.go:114`,
 * found by `meta.DefaultRESTMapper.RESTMappings`, `restmapper.go:466-515`); a plural guessed from the kind would not
 * be (`restmapper.go:192-270` matches a resource only by its plural or singular name). With
 * `--ignore-not-found`, so a second run, or one after a pruning apply, fails on nothing. The Namespaces go last, in
 * a command of their own (`namespaces`): deleting one deletes everything in it, what Dockyard never made included (a
 * team's apps and their volumes).
 */
function deleteCommands(gone: readonly string[]): { objects: string[]; namespaces?: string } {
  const arg = ([group, kind, , name]: string[]) => word(`${kind.toLowerCase()}${group === '' ? '' : `.${group}`}/${name}`);
  const byNamespace = new Map<string, string[]>();
  const namespaces: string[] = [];
  for (const identity of gone.map((line) => line.split('\t'))) {
    if (identity[0] === '' && identity[1] === 'Namespace') {
      namespaces.push(arg(identity));
    } else {
      byNamespace.set(identity[2], [...(byNamespace.get(identity[2]) ?? []), arg(identity)]);
    }
  }
  return {
    objects: [...byNamespace.keys()].sort().map((ns) =>
      `kubectl delete --ignore-not-found${ns === '' ? '' : ` -n ${word(ns)}`} ${byNamespace.get(ns)!.join(' ')}`),
    namespaces: namespaces.length === 0 ? undefined : `kubectl delete --ignore-not-found ${namespaces.join(' ')}`,
  };
}

/** The mark's section of the `gone` objects (`goneObjects`), or nothing when there are none. */
export function goneObjectList(gone: readonly string[]): string {
  if (gone.length === 0) {
    return '';
  }
  const { objects, namespaces } = deleteCommands(gone);
  const last = namespaces === undefined ? [] : [`# then, ${NAMESPACES_LAST}:`, namespaces];
  return `${GONE_HEADER}${[...objects, ...last].join('\n')}\n${GONE_END}`;
}

/**
 * What `kubectl apply --prune` deletes without `--prune-allowlist`, as `<API group>\t<kind>`: kubectl v0.36.3
 * `pkg/util/prune/prune.go:29-50`, `defaultNamespacedPruneResources` and `defaultNonNamespacedPruneResources`.
 */
const PRUNED_BY_DEFAULT = new Set(['\tConfigMap', '\tEndpoints', '\tPersistentVolumeClaim', '\tPod', '\tReplicationController', '\tSecret',
  '\tService', 'batch\tJob', 'batch\tCronJob', 'networking.k8s.io\tIngress', 'apps\tDaemonSet', 'apps\tDeployment', 'apps\tReplicaSet',
  'apps\tStatefulSet', '\tNamespace', '\tPersistentVolume']);

/** A kind's plural for a message: `NetworkPolicies`, `Roles`. */
function plural(kind: string): string {
  return /[^aeiou]y$/.test(kind) ? `${kind.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(kind) ? `${kind}es` : `${kind}s`;
}

/**
 * What the warning says of `kubectl apply --prune` for the `gone` objects: the kinds among them that it leaves
 * without `--prune-allowlist` (`PRUNED_BY_DEFAULT`), in the order they first appear, or, when it would delete every
 * one of them, that it needs `--all` or a selector (kubectl v0.36.3 `pkg/cmd/apply/apply.go:435-437`). An allowlist
 * replaces the default kinds rather than adding to them (`pkg/util/prune/prune.go:65-70`, the default only when the
 * list is empty), so one naming only the kinds left would leave the gone objects of the default kinds instead.
 */
function pruneNote(gone: readonly string[]): string {
  const left = [...new Set(gone.map((line) => line.split('\t').slice(0, 2)).filter(([group, kind]) => !PRUNED_BY_DEFAULT.has(`${group}\t${kind}`))
    .map(([, kind]) => plural(kind)))];
  return left.length === 0 ? 'kubectl apply --prune deletes these kinds only with --all or a label selector'
    : `kubectl apply --prune leaves ${left.join(', ')} unless --prune-allowlist names each, and the default kinds to prune too, as it replaces them`;
}

/**
 * The warning for the `gone` objects (`goneObjects`), naming the first few and the mark (`markPath`) that lists the
 * commands that delete them; undefined when there are none.
 */
export function leftObjectsWarning(gone: readonly string[], markPath: string): string | undefined {
  if (gone.length === 0) {
    return undefined;
  }
  const [count, they, them] = gone.length === 1 ? ['1 object', 'it is', 'it'] : [`${gone.length} objects`, 'they are', 'them'];
  return `warning: the previous output held ${count} this synth no longer writes, which kubectl apply leaves in the cluster as ` +
    `${they}: ${fewOf(gone.map(describeIdentity))}; delete ${them} once nothing needs ${them}, with the kubectl delete ` +
    `commands below, which ${describePath(markPath)} also lists until the next synth, or a GitOps tool's pruning ` +
    `(${pruneNote(gone)}; see the README, "Applying dist/ to a cluster")`;
}

/**
 * The notice after `leftObjectsWarning`'s: the commands that delete the `gone` objects (`deleteCommands`), on one
 * line; undefined when there are none.
 */
export function leftObjectsCommands(gone: readonly string[]): string | undefined {
  if (gone.length === 0) {
    return undefined;
  }
  const { objects, namespaces } = deleteCommands(gone);
  const first = objects.length === 0 ? '' : `to delete them: ${objects.join('; ')}`;
  const last = namespaces === undefined ? '' : `${first === '' ? 'to delete them' : '; then'}, ${NAMESPACES_LAST}: ${namespaces}`;
  return `${first}${last}`;
}

/**
 * The warning for the StatefulSets among the `gone` objects (`goneObjects`) whose claims outlive them, or undefined
 * when there are none. Deleting a StatefulSet leaves the claims its volumeClaimTemplates made
 * (`<template>-<name>-<ordinal>`) unless its `persistentVolumeClaimRetentionPolicy` says Delete (Kubernetes' default is
 * Retain: kubernetes/website content/en/docs/concepts/workloads/controllers/statefulset.md, "PersistentVolumeClaim
 * retention"), so the data stays, but the server that could read it goes: an in-cluster PostgreSQL dropped from the
 * code for a managed one is a server to dump before the delete commands run, which the other warning alone does not
 * say. A StatefulSet that the previous output in `dir` shows without claims, or deleting them with it (a Woodpecker
 * route's agent, renamed with its repositories; Harbor's Trivy), is left out; without that output, or not found in
 * it, one is named.
 */
export function goneStatefulSetsWarning(gone: readonly string[], dir?: string): string | undefined {
  let sets = gone.filter((g) => g.startsWith('apps\tStatefulSet\t'));
  if (sets.length > 0 && dir !== undefined) {
    const claimless = previousIdentities(dir, leavesNoClaims);
    sets = sets.filter((g) => !claimless.has(g));
  }
  if (sets.length === 0) {
    return undefined;
  }
  const namespaces = [...new Set(sets.map((g) => g.split('\t')[2]))];
  return `warning: ${fewOf(sets.map(describeIdentity))} ${sets.length === 1 ? 'is' : 'are'} among them: move what ${sets.length === 1 ? 'it holds' : 'they hold'} ` +
    'before deleting (an in-cluster PostgreSQL\'s databases: dump them and restore them into the new server, see the README, "Moving from the ' +
    'in-cluster Postgres to a managed one"), as a deleted StatefulSet leaves its volume claims and their data but no server to read them: ' +
    `delete the claims (${namespaces.map((ns) => `kubectl -n ${word(ns)} get pvc`).join(', ')}) once the data may go`;
}

/**
 * `text` as one shell word: as it is when it holds only what Kubernetes names hold (letters, digits, `.`, `-`, `/`,
 * `_`), which no shell reads otherwise; else quoted (`shellQuote`), as a name from a plain chart may hold anything.
 */
function word(text: string): string {
  return /^[A-Za-z0-9._/-]+$/.test(text) ? text : shellQuote(text);
}

/** The Secrets the previous output's mark lists, as `<namespace>/<name>`; empty without a mark or its list. */
export function secretsOfMark(previousMark: string | undefined): Set<string> {
  return objectsOfMark(previousMark, '', 'Secret');
}

/**
 * The objects of API group `group` and kind `kind` that the previous output's mark lists, as `<namespace>/<name>`;
 * empty without a mark or its list.
 */
export function objectsOfMark(previousMark: string | undefined, group: string, kind: string): Set<string> {
  const at = previousMark?.indexOf(LIST_HEADER) ?? -1;
  const out = new Set<string>();
  if (previousMark === undefined || at < 0) {
    return out;
  }
  for (const line of previousMark.slice(at + LIST_HEADER.length).split('\n')) {
    const [g, k, namespace, name] = line.split('\t');
    if (g === group && k === kind && namespace !== undefined && name !== undefined) out.add(`${namespace}/${name}`);
  }
  return out;
}
