import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import { sha256 } from './hash';
import { firstInstance } from './instances';
import { podContainers, podTemplateOf } from './pod-template-of';
import { Secret, SecretKey } from './secret';
import { secretStateKey } from './secret-record-review';

/**
 * Digests that let day-two changes reach running pods.
 *
 * Kubernetes restarts a workload's pods only when its pod template changes; a changed ConfigMap or Secret that the
 * pods mount or read does not change the template, so the pods keep the old content until someone restarts them
 * (harbor-helm solves this with `checksum/configmap` and `checksum/secret` pod annotations). Dockyard puts one
 * annotation, `dockyard.dev/inputs-checksum`, on every Deployment, StatefulSet and DaemonSet pod template (and
 * CronJob job template): a SHA-256 over the content of every ConfigMap the pod reads and a digest of every Secret
 * key it reads. A change rolls exactly the pods that read what changed.
 *
 * A generated Secret's value lives outside the main manifests, so its digest comes from the secret source: an
 * HMAC-SHA256 of the value under a random key kept with the values (so a digest in a committed manifest reveals
 * nothing, not even of a short value). Without a secret source (a chart resolved on its own) and for Secrets
 * Dockyard does not generate, a key contributes its name only: such a change needs a restart, e.g.
 * `kubectl rollout restart`. A key its consumer reads only on its first start (`SecretValue.readOnFirstStart`, such
 * as a database's superuser password) counts by name too: a restart would not make the consumer read the new value,
 * yet would cost its clients their connections; adding or removing the reference still rolls the pods.
 *
 * A Secret or ConfigMap volume that lists `items` counts the listed keys only: Kubernetes projects only those into
 * the volume (kubernetes/api v0.36.3 core/v1/types.go: `items` of SecretVolumeSource, lines 1435-1441, of
 * SecretProjection, 1471-1477, of ConfigMapVolumeSource, 1881-1887, and of ConfigMapProjection, 1918-1924), so a
 * change to another key does not reach the pod.
 *
 * Jobs get no annotation: their pod template is immutable, so a Job that must run again on a change carries the
 * digest in its name instead (`secretDigest`). Where the digest waits for deploy time (Pulumi), which no name can, the
 * template carries it (`deferredSecretChecksum`), and the deployer replaces the Job when it changes.
 */

/** The pod template annotation whose value changes exactly when an input of the pod changes. */
export const CHECKSUM_ANNOTATION = 'dockyard.dev/inputs-checksum';

/**
 * The digest of one value, by `<namespace>/<secret>/<key>` (`*` for a Secret a pod reads whole), or undefined for a
 * value the source does not know, which is then counted by name alone. `generated` tells a key of a Secret the app
 * generates from one the app only reads: a deployer that provides some of those (Pulumi's `ChartDeployment`) digests
 * them too.
 */
export type DigestSource = (stateKey: string, generated: boolean) => string | undefined;

/**
 * A digest known only at deploy time (Pulumi: an Output): a source returns `DEFERRED_DIGEST + stateKey`, and the
 * checksum is then written as `DEFERRED_CHECKSUM` + its parts, for the deployer to finish with `finishChecksum`.
 *
 * @internal
 */
export const DEFERRED_DIGEST = 'deferred-digest:';
/** @internal */
export const DEFERRED_CHECKSUM = 'deferred-checksum:';

const sources = new WeakMap<IConstruct, DigestSource>();
const placeholdersOf = new WeakMap<IConstruct, readonly string[]>();

/**
 * The id under which the deployer that substitutes a placeholder digests its value (`placeholder/<placeholder>`); the
 * deferred checksum names the placeholder by another key (`placeholderKey`), which `placeholderOfKey` reads back.
 *
 * @internal
 */
export const PLACEHOLDER_KEY = 'placeholder/';

/**
 * The placeholder a deferred digest's key names, as `placeholderKey` wrote it, or undefined for another key.
 *
 * @internal
 */
export function placeholderOfKey(stateKey: string): string | undefined {
  return stateKey.startsWith(PLACEHOLDER_MARK) ? Buffer.from(stateKey.slice(PLACEHOLDER_MARK.length), 'hex').toString() : undefined;
}

/** How a placeholder's deferred digest key begins: with a ":", which no namespace of a Secret's `<namespace>/<name>/<key>` holds. */
const PLACEHOLDER_MARK = 'placeholder:';

/**
 * The key of a placeholder's deferred digest: the placeholder in hex, for a deferred digest's key ends at the first
 * "," or "=" (`finishChecksum`), which a substitution's key may hold. The deployer digests it under the id
 * `PLACEHOLDER_KEY` + the placeholder.
 */
function placeholderKey(placeholder: string): string {
  return `${PLACEHOLDER_MARK}${Buffer.from(placeholder).toString('hex')}`;
}

/**
 * Use `source` for the digests of generated values below `root` while `fn` runs: a secret source calls this around
 * resolving the charts, once it knows every value. `placeholders` are strings in the objects that the deployer
 * replaces at deploy time (a managed database's host): a pod that reads a ConfigMap holding one counts its value
 * too, as a deploy-time digest (`placeholderKey`), for the ConfigMap's content at synth does not change with it.
 *
 * @internal
 */
export function withDigests<T>(root: IConstruct, source: DigestSource, fn: () => T, placeholders: readonly string[] = []): T {
  sources.set(root.node.root, source);
  placeholdersOf.set(root.node.root, placeholders);
  // the readers this resolution finds replace any an earlier one noted: a Job's name follows the digests
  outsideReaders.delete(root.node.root);
  try {
    return fn();
  } finally {
    sources.delete(root.node.root);
    placeholdersOf.delete(root.node.root);
  }
}

/** The SHA-256 (`sha256`, the one digest of a text) of `parts`, each followed by a NUL, as checksums have always been made. */
function partsDigest(parts: readonly string[]): string {
  return sha256(parts.map((p) => `${p}\0`).join(''));
}

/**
 * The digest of one key of a Secret, as it stands in a checksum: the source's digest, or the name alone. `byName`
 * counts the name alone whatever the source knows (a pod template's key read only on its consumer's first start).
 * The source is asked for a Secret the app does not generate too (`secret` undefined): one whose values a deployer
 * provides; a local secret state knows none of those, and counts them by name.
 */
function keyDigest(root: IConstruct, secret: Secret | undefined, namespace: string, name: string, key: string, byName = false): string {
  const stateKey = secret ? secretStateKey(secret.namespace, secret.secretName, key) : secretStateKey(namespace, name, key);
  const digest = !byName ? sources.get(root.node.root)?.(stateKey, secret !== undefined) : undefined;
  return `${stateKey}=${digest ?? '-'}`;
}

/** The workloads that read a key only on their first start (`readOnFirstStartBy`), by app root and state key. */
const firstStartReaders = new WeakMap<IConstruct, Map<string, Set<string>>>();

/**
 * Declare the workload `kind` `namespace/name` of `scope`'s app the consumer that reads `keys` (each marked
 * `SecretValue.readOnFirstStart`) only on its first start: its checksum counts them by name, and every other pod that
 * reads them counts their values, as it reads them at each start (a tool logging in as PostgreSQL's superuser must
 * restart with the password the operator set). A marked key that names no consumer counts by name in every pod.
 *
 * @internal
 */
export function readOnFirstStartBy(scope: IConstruct, kind: string, namespace: string, name: string, keys: readonly SecretKey[]): void {
  for (const k of keys) {
    noteIn(firstStartReaders, scope, secretStateKey(k.secret.namespace, k.secret.secretName, k.key), `${kind}/${namespace}/${name}`);
  }
}

/** Add `value` to the set under `key` in `scope`'s app's map of `maps`, made as needed. @internal */
export function noteIn(maps: WeakMap<IConstruct, Map<string, Set<string>>>, scope: IConstruct, key: string, value: string): void {
  const root = scope.node.root;
  const byKey = maps.get(root) ?? new Map<string, Set<string>>();
  maps.set(root, byKey);
  byKey.set(key, (byKey.get(key) ?? new Set<string>()).add(value));
}

/**
 * Whether the workload `o` reads `key` of `secret` only on its first start (`SecretValue.readOnFirstStart`, and `o`
 * its consumer where one is declared with `readOnFirstStartBy`): a new value would not reach the consumer by a
 * restart, so it must not roll its pods. A Job's name (`secretDigest`) still counts its value, as the Jobs that log
 * in with it must run again.
 */
function readOnFirstStart(scope: IConstruct, secret: Secret | undefined, key: string, o: any): boolean {
  if (secret?.values[key]?.firstStartChange === undefined) {
    return false;
  }
  const consumers = firstStartReaders.get(scope.node.root)?.get(secretStateKey(secret.namespace, secret.secretName, key));
  return consumers === undefined || consumers.has(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
}

/** The checksum of sorted, distinct parts, or a deferred one when a part waits for a deploy-time digest. */
function checksumOf(parts: string[]): string {
  const unique = [...new Set(parts)].sort();
  return unique.some((p) => p.includes(DEFERRED_DIGEST)) ? DEFERRED_CHECKSUM + JSON.stringify(unique) : partsDigest(unique);
}

/**
 * Finish a deferred checksum once every digest is known: the same SHA-256 a secret source that knows its values
 * writes at synth.
 *
 * @internal
 */
export function finishChecksum(deferred: string, digestOf: (stateKey: string) => string): string {
  const parts = (JSON.parse(deferred.slice(DEFERRED_CHECKSUM.length)) as string[])
    .map((p) => p.replace(new RegExp(`${DEFERRED_DIGEST}([^,=]+)`, 'g'), (_, key: string) => digestOf(key)));
  return partsDigest(parts);
}

/** A deploy-time digest and what follows it, in a key's part. */
const DEFERRED_TAIL = new RegExp(`${DEFERRED_DIGEST}.*$`);

/**
 * A 16-hex digest of the values of `keys` that changes exactly when one of them changes and reveals nothing of
 * them. Use it in the name of a Job that must run again when a credential changes, e.g. a database reconciler.
 *
 * It returns a token that resolves at synth, once the secret source knows the values; inside another token's
 * `produce` (a Job name built from several parts), use `secretDigestNow`.
 */
export function secretDigest(scope: IConstruct, keys: SecretKey[]): string {
  return Lazy.any({ produce: () => secretDigestNow(scope, keys) }) as unknown as string;
}

/** `secretDigest`, computed at once: call it only while the charts resolve, e.g. in a `Lazy` of a Job's name. */
export function secretDigestNow(scope: IConstruct, keys: readonly SecretKey[]): string {
  // a deploy-time digest cannot name an object: such a Job name counts the keys' names only (`deferredSecretChecksum`)
  return partsDigest(secretParts(scope, keys).map((p) => p.replace(DEFERRED_TAIL, '-'))).slice(0, 16);
}

/**
 * The checksum of `keys` left to deploy time, where one of their digests waits for it (Pulumi), else undefined: for
 * the pod template of a Job whose name counts those keys (`secretDigestNow`), as a name cannot wait. A deployer that
 * finishes it (`ChartDeployment`) changes the template when a value changes, and @pulumi/kubernetes replaces a Job
 * whose template changed, which runs it again, as a new name does at synth. Call it only while the charts resolve.
 *
 * @internal
 */
export function deferredSecretChecksum(scope: IConstruct, keys: readonly SecretKey[]): string | undefined {
  const checksum = checksumOf(secretParts(scope, keys));
  return checksum.startsWith(DEFERRED_CHECKSUM) ? checksum : undefined;
}

/** Each key's part of a checksum, its value's digest counted whatever its consumer reads on its first start. */
function secretParts(scope: IConstruct, keys: readonly SecretKey[]): string[] {
  return keys.map((k) => keyDigest(scope, k.secret instanceof Secret ? k.secret : undefined, k.secret.namespace, k.secret.secretName, k.key));
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** What a workload counts beside what its pods read (`countIndirectInputs`). */
export interface IndirectInputs {
  /** Secret keys whose values reach the pods another way. */
  readonly keys?: readonly SecretKey[];
  /** Plain settings that reach the pods another way, as they stand. */
  readonly values?: readonly string[];
}

/** The inputs each workload counts beside what its pods read, by app root and `<kind>/<namespace>/<name>`. */
const indirectInputs = new WeakMap<IConstruct, Map<string, IndirectInputs[]>>();

/**
 * Count `inputs` in the checksum of the workload `kind` `namespace/name` of `scope`'s app as if its pods read them:
 * for what a pod gets from another pod rather than from a Secret or its own spec, so that a change rolls it too.
 * Harbor's jobservice, say, loads the database settings, the password with them, from core's configuration API once,
 * at start (goharbor/harbor `src/jobservice/job/impl/context.go` `Init`).
 *
 * @internal
 */
export function countIndirectInputs(scope: IConstruct, kind: string, namespace: string, name: string, inputs: IndirectInputs): void {
  const root = scope.node.root;
  const byWorkload = indirectInputs.get(root) ?? new Map<string, IndirectInputs[]>();
  indirectInputs.set(root, byWorkload);
  const id = `${kind}/${namespace}/${name}`;
  byWorkload.set(id, [...(byWorkload.get(id) ?? []), inputs]);
}

/**
 * The workloads and Jobs whose pods read each Secret the app does not generate, by app root and `<namespace>/<name>`:
 * what `annotateWorkloads` found, the pods another hands a value to (`countIndirectInputs`) included. Such a Secret
 * counts by name alone, so a change of it rolls none of them and runs no Job again: `printRequiredSecrets` names them.
 */
const outsideReaders = new WeakMap<IConstruct, Map<string, Set<string>>>();

/**
 * Note that the workload or Job `o` reads the Secret `namespace/name`, which the app does not generate: while a secret
 * source resolves the charts (`withDigests`), as a Job's name resolved otherwise is not the one written.
 */
function noteOutsideReader(scope: IConstruct, namespace: string, name: string, o: any): void {
  if (sources.has(scope.node.root)) {
    noteIn(outsideReaders, scope, `${namespace}/${name}`, `${o.metadata.namespace}/${o.kind.toLowerCase()}/${o.metadata.name}`);
  }
}

/**
 * The workloads (Deployments, StatefulSets, DaemonSets) and Jobs whose pods read the Secret `namespace/name`, which
 * the app does not generate, as `<namespace>/<kind>/<name>` (kind in lower case, as `kubectl` takes it), sorted:
 * known once the app's charts have resolved (`synthesize`), else none. CronJobs are left out: each run starts pods
 * that read the Secret as it then is.
 *
 * @internal
 */
export function outsideSecretReaders(scope: IConstruct, namespace: string, name: string): string[] {
  return [...outsideReaders.get(scope.node.root)?.get(`${namespace}/${name}`) ?? []].filter((r) => !r.includes('/cronjob/')).sort();
}

/** The checksum parts of what `countIndirectInputs` gave the workload `o`, a resolved object. */
function indirectParts(scope: IConstruct, o: any): string[] {
  const inputs = indirectInputs.get(scope.node.root)?.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`) ?? [];
  return inputs.flatMap((input) => [
    ...(input.keys ?? []).map((k) => {
      const secret = k.secret instanceof Secret ? k.secret : undefined;
      if (!secret) {
        noteOutsideReader(scope, k.secret.namespace, k.secret.secretName, o);
      }
      return `secret:${keyDigest(scope, secret, k.secret.namespace, k.secret.secretName, k.key, readOnFirstStart(scope, secret, k.key, o))}`;
    }),
    // as JSON, so that no setting's text can pass for another part
    ...(input.values ?? []).map((v) => `value:${JSON.stringify(v)}`),
  ]);
}

/**
 * Set `CHECKSUM_ANNOTATION` on the pod template of every workload among `objects` (one chart's resolved objects),
 * over the ConfigMaps among `objects` and the Secrets below `scope` that the pod reads.
 *
 * @internal
 */
export function annotateChecksums(scope: IConstruct, objects: any[]): void {
  annotateWorkloads(scope, objects, objects.filter((x) => x.kind === 'ConfigMap'));
}

/**
 * Whether `annotateChecksums` may annotate `object`: a workload or CronJob, which has a pod template.
 *
 * @internal
 */
export function hasPodTemplate(object: any): boolean {
  return WORKLOADS.includes(object.kind) || object.kind === 'CronJob';
}

/**
 * `annotateChecksums` of `objects`, over `configMaps`: the ConfigMaps among all of the chart's objects, in their
 * order (a later one of the same name replaces an earlier one).
 *
 * @internal
 */
export function annotateWorkloads(scope: IConstruct, objects: readonly any[], configMaps: readonly any[]): void {
  const contents = new Map<string, any>();
  for (const o of configMaps) {
    contents.set(`${o.metadata.namespace}/${o.metadata.name}`, { data: o.data ?? {}, binaryData: o.binaryData ?? {} });
  }
  // the app's first generated Secret of that name in that namespace, in construct order
  const secretNamed = (namespace: string, name: string): Secret | undefined => generatedSecretNamed(scope, name, namespace);
  const placeholders = placeholdersOf.get(scope.node.root) ?? [];
  // a ConfigMap's parts: its content's digest, and a deploy-time digest of each placeholder it holds
  const configMapParts = (name: string, content: any): string[] => {
    const text = content === undefined ? '' : JSON.stringify(content);
    return [`configmap:${name}=${content ? partsDigest([text]) : '-'}`,
      ...placeholders.filter((p) => text.includes(p)).map((p) => `placeholder:${p}=${DEFERRED_DIGEST}${placeholderKey(p)}`)];
  };
  for (const o of objects) {
    const template = hasPodTemplate(o) ? podTemplateOf(o) : undefined;
    if (!template?.spec) {
      continue;
    }
    const namespace = o.metadata.namespace;
    const parts = inputsOf(template.spec).flatMap((input) => {
      if (input.kind === 'configMap') {
        const content = contents.get(`${namespace}/${input.name}`);
        return configMapParts(input.name, content && input.keys ? pick(content, input.keys) : content);
      }
      const secret = secretNamed(namespace, input.name);
      if (!secret) {
        noteOutsideReader(scope, namespace, input.name, o);
      }
      const keys = input.keys ? [...new Set(input.keys)].sort() : secret ? Object.keys(secret.values).sort() : ['*'];
      return [`secret:${keys.map((k) => keyDigest(scope, secret, namespace, input.name, k, readOnFirstStart(scope, secret, k, o))).join(',')}`];
    }).concat(indirectParts(scope, o));
    if (parts.length === 0) {
      continue;
    }
    template.metadata = template.metadata ?? {};
    template.metadata.annotations = { ...template.metadata.annotations, [CHECKSUM_ANNOTATION]: checksumOf(parts) };
  }
}

/**
 * Note the Jobs among `objects` (one chart's resolved objects) that read a Secret the app does not generate. A Job
 * gets no checksum (its template is immutable) and keeps its name when such a Secret changes, so it must be run
 * again by hand: `printRequiredSecrets` names it.
 *
 * @internal
 */
export function noteOutsideJobReaders(scope: IConstruct, objects: readonly any[]): void {
  for (const o of objects) {
    if (o?.kind !== 'Job') {
      continue;
    }
    for (const input of inputsOf(o.spec?.template?.spec ?? {})) {
      if (input.kind === 'secret' && !generatedSecretNamed(scope, input.name, o.metadata.namespace)) {
        noteOutsideReader(scope, o.metadata.namespace, input.name, o);
      }
    }
  }
}

interface Input {
  readonly kind: 'configMap' | 'secret';
  readonly name: string;
  /**
   * The keys the pod reads: the one of a Secret's `valueFrom`, or a volume's `items`; undefined for the whole object
   * (a ConfigMap's `valueFrom` counts the whole ConfigMap).
   */
  readonly keys?: readonly string[];
}

/**
 * The keys a volume or projected source lists in `items`, or undefined when it projects every key. An empty list
 * counts every key too: the reading that can only roll a pod too often, never miss a change.
 */
function itemKeys(source: { items?: Array<{ key: string }> }): string[] | undefined {
  return source.items !== undefined && source.items.length > 0 ? source.items.map((i) => i.key) : undefined;
}

/** The entries of a ConfigMap's content under `keys`, in `data` or `binaryData` as they are. */
function pick(content: { data: Record<string, string>; binaryData: Record<string, string> }, keys: readonly string[]) {
  const only = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k)));
  return { data: only(content.data), binaryData: only(content.binaryData) };
}

/** Every ConfigMap and Secret a pod spec reads: volumes, projected sources, env and envFrom of every container. */
function inputsOf(spec: any): Input[] {
  const out: Input[] = [];
  for (const v of spec.volumes ?? []) {
    if (v.configMap) {
      out.push({ kind: 'configMap', name: v.configMap.name, keys: itemKeys(v.configMap) });
    }
    if (v.secret) {
      out.push({ kind: 'secret', name: v.secret.secretName, keys: itemKeys(v.secret) });
    }
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) {
        out.push({ kind: 'configMap', name: s.configMap.name, keys: itemKeys(s.configMap) });
      }
      if (s.secret) {
        out.push({ kind: 'secret', name: s.secret.name, keys: itemKeys(s.secret) });
      }
    }
  }
  for (const c of podContainers(spec)) {
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef) {
        out.push({ kind: 'configMap', name: e.configMapRef.name });
      }
      if (e.secretRef) {
        out.push({ kind: 'secret', name: e.secretRef.name });
      }
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef) {
        out.push({ kind: 'configMap', name: e.valueFrom.configMapKeyRef.name });
      }
      if (e.valueFrom?.secretKeyRef) {
        out.push({ kind: 'secret', name: e.valueFrom.secretKeyRef.name, keys: [e.valueFrom.secretKeyRef.key] });
      }
    }
  }
  return out;
}

/**
 * The generated Secret `name` that is rendered in `namespace`, the first in the app of `scope` in tree order:
 * `Secret.allIn(scope.node.root).find(...)`, without walking the tree.
 *
 * @internal
 */
export function generatedSecretNamed(scope: IConstruct, name: string, namespace: string): Secret | undefined {
  // Secrets are recorded by name as they are made (Secret's constructor), so this is one lookup
  return firstInstance(scope, Secret, name, (s) => s.namespaces.includes(namespace));
}
