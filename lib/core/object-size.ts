import { IConstruct } from 'constructs';
import { ValidationError } from './validation';
import { warnOnce } from './warn';

/**
 * Size limits of the objects a cluster accepts, checked on every object a chart renders (`DockyardChart.toJson`)
 * and on every Secret `LocalSecretStore` renders into `secrets.local.yaml` (applied the same way), so a stack too
 * large for a cluster fails at synth time, before anything is written.
 *
 * - Over 1 MiB of JSON, an object fails the synth. That is Dockyard's one limit for every kind, the simplest safe
 *   one: the API server refuses a ConfigMap's or Secret's data over 1 MiB (kubernetes
 *   pkg/apis/core/validation/validation.go, `ValidateConfigMap` and `ValidateSecret`: `totalSize >
 *   core.MaxSecretSize`, with `MaxSecretSize = 1 * 1024 * 1024` in pkg/apis/core/types.go), which the JSON, always
 *   larger than the data, reaches first; other kinds are bounded by etcd's `--max-request-bytes` (1.5 MiB by
 *   default), not far above, so an object between the two might apply but Dockyard refuses it.
 * - Client-side `kubectl apply` stores the whole object, as JSON (with an empty `"annotations":{}` if it had none),
 *   in the annotation `kubectl.kubernetes.io/last-applied-configuration` (kubectl pkg/util/apply.go,
 *   `GetModifiedConfiguration`), and the API server refuses an object whose annotations total over 256 KiB
 *   (apimachinery pkg/api/validation/objectmeta.go: `TotalAnnotationSizeLimitB = 256 * (1 << 10)`, summed over the
 *   keys' and values' bytes by `ValidateAnnotationsSize`). Such an object applies with `kubectl apply --server-side` (or
 *   `kubectl create` and `kubectl replace`), which stores no such annotation, so it gets a warning, not an error.
 * - Annotations over 256 KiB on their own fail the synth: no apply mode can send them.
 *
 * Sizes are measured as kubectl sends them: Go's `encoding/json` through `json.NewEncoder` (apimachinery
 * pkg/apis/meta/v1/unstructured/helpers.go, `UnstructuredJSONScheme`, and pkg/util/json/json.go), which escapes
 * `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (HTML escaping is on by default) and U+2028, U+2029 as
 * `\u2028`, `\u2029`, and ends the text with a line break. Key order differs from JavaScript's (Go sorts map
 * keys), the length does not.
 */

/** The most bytes of JSON an object may have. */
export const MAX_OBJECT_BYTES = 1024 * 1024;
/** The most bytes an object's annotations may total, keys and values (`TotalAnnotationSizeLimitB`). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;
/** The annotation in which client-side `kubectl apply` keeps the object it applied (`v1.LastAppliedConfigAnnotation`). */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

// the characters Go's encoding/json writes as a 6-byte \uXXXX escape where JSON.stringify writes them raw: 1 byte
// for <, > and &, 3 bytes for U+2028 and U+2029. They can only stand inside strings, keys included.
const GO_ESCAPED = /[<>&\u2028\u2029]/g;

/** The bytes of `json` (JSON.stringify's text) as Go's `json.Encoder` writes the same value, without its final line break. */
export function goJsonBytes(json: string): number {
  let bytes = Buffer.byteLength(json, 'utf8');
  GO_ESCAPED.lastIndex = 0;
  for (let m = GO_ESCAPED.exec(json); m !== null; m = GO_ESCAPED.exec(json)) {
    bytes += m[0] === '\u2028' || m[0] === '\u2029' ? 3 : 5;
  }
  return bytes;
}

/** The bytes annotations take against `TotalAnnotationSizeLimitB`: each key's and value's UTF-8 length. */
function annotationBytes(annotations: Record<string, unknown>): number {
  let bytes = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (k !== LAST_APPLIED_ANNOTATION) {
      bytes += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(String(v ?? ''), 'utf8');
    }
  }
  return bytes;
}

/** The sizes the limits apply to, in bytes. */
export interface ObjectSize {
  /** The object's JSON, as kubectl sends it. */
  readonly json: number;
  /** Its annotations, as the API server counts them. */
  readonly annotations: number;
  /** Its annotations once client-side `kubectl apply` has added the last-applied one. */
  readonly annotationsWhenApplied: number;
}

/**
 * At least as many bytes as Go's encoder writes for `value`, without serializing it: each string character counted
 * as the 6 bytes of a `\uXXXX` escape, the most any character takes. Objects far below every limit by this bound
 * (nearly all of them: a thousand teams' stack has fifteen thousand) are not serialized to be measured exactly.
 */
function jsonBytesAtMost(value: any): number {
  if (value === null || value === undefined) return 4;
  switch (typeof value) {
    case 'string': return value.length * 6 + 2;
    case 'number': case 'boolean': return String(value).length;
    default: break;
  }
  let bytes = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) bytes += jsonBytesAtMost(value[i]) + 1;
  } else {
    // for-in, not Object.keys: no array of keys for each of the hundreds of thousands of maps a synth measures, and
    // V8 reads each value through the object's enumeration cache. A key it also finds on the prototype chain (never
    // on the plain objects rendered) only raises the bound, which can only send an object to the exact measure
    for (const k in value) bytes += k.length * 6 + 4 + jsonBytesAtMost(value[k]);
  }
  return bytes;
}

/**
 * Whether `object` meets every limit by a bound alone, so that `checkObjectSizes` passes it without a word: its
 * JSON, counted at its largest, fits twice into the annotations' limit (which its own annotations, part of that
 * JSON, count against too). Nearly every object does, and is not serialized to be measured exactly.
 *
 * @internal
 */
export function surelyFits(object: any): boolean {
  // the empty annotations field kubectl adds to an object without annotations (at most 30 bytes, where its own
  // annotations count nothing) fits easily in the half of the limit the bound leaves
  return 2 * jsonBytesAtMost(object) + LAST_APPLIED_ANNOTATION.length + 1 <= MAX_ANNOTATIONS_BYTES;
}

/** The sizes of one rendered object (plain JSON data). */
export function objectSize(object: any): ObjectSize {
  const annotations = object?.metadata?.annotations ?? {};
  const own = annotationBytes(annotations);
  // kubectl leaves a previous last-applied annotation out of the object it serializes into the new one
  const last = annotations[LAST_APPLIED_ANNOTATION];
  const json = goJsonBytes(JSON.stringify(last === undefined ? object : withoutLastApplied(object)));
  // the annotation's value is the object's JSON, with the annotations field kubectl adds when there is none, and the
  // encoder's final line break
  const stored = json + emptyAnnotationsBytes(object, json);
  return { json, annotations: own, annotationsWhenApplied: own + LAST_APPLIED_ANNOTATION.length + stored + 1 };
}

/**
 * The bytes an empty `"annotations":{}` adds to the JSON (`json` bytes) of an object without annotations, as
 * kubectl serializes it into the last-applied annotation: `GetModifiedConfiguration` (kubernetes/kubectl v0.36.3,
 * pkg/util/apply.go lines 83-93) replaces missing annotations with an empty map and sets it before encoding, and
 * `Unstructured.SetAnnotations` (kubernetes/apimachinery v0.36.3, pkg/apis/meta/v1/unstructured/unstructured.go
 * lines 417-423) removes the field only for a nil map, so the empty one is written: 17 bytes (`,"annotations":{}`)
 * for any object with a name.
 */
function emptyAnnotationsBytes(object: any, json: number): number {
  const metadata = object?.metadata;
  if (metadata?.annotations != null) return 0;
  if (metadata !== null && typeof metadata === 'object') {
    return goJsonBytes(JSON.stringify({ ...metadata, annotations: {} })) - goJsonBytes(JSON.stringify(metadata));
  }
  return goJsonBytes(JSON.stringify({ ...object, metadata: { annotations: {} } })) - json;
}

function withoutLastApplied(object: any): any {
  const { [LAST_APPLIED_ANNOTATION]: _, ...annotations } = object.metadata.annotations;
  return { ...object, metadata: { ...object.metadata, annotations } };
}

/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object. */
function nameOf(object: any): string {
  const ns = object?.metadata?.namespace;
  return `${object?.kind} ${ns ? `${ns}/` : ''}${object?.metadata?.name}`;
}

/** A size as messages show it: KiB with one decimal below 1 MiB, MiB with two above. */
export function formatBytes(bytes: number): string {
  return bytes < MAX_OBJECT_BYTES ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MAX_OBJECT_BYTES).toFixed(2)} MiB`;
}


/**
 * Check rendered `objects` (a chart's, or the generated Secrets) below `scope` against the limits above: throw a
 * `ValidationError` for the first object no cluster accepts, and print one warning on stderr (once per app) for
 * each object that client-side `kubectl apply` cannot apply.
 */
export function checkObjectSizes(scope: IConstruct, objects: readonly any[]): void {
  for (const object of objects) {
    if (surelyFits(object)) continue;
    const size = objectSize(object);
    const what = nameOf(object);
    if (size.json > MAX_OBJECT_BYTES) {
      const allowed = `at most ${MAX_OBJECT_BYTES} bytes (1 MiB) of JSON, Dockyard's limit for every kind: the API server's ` +
        'for a ConfigMap\'s or Secret\'s data, near etcd\'s request limit (1.5 MiB by default) for other kinds; split it into smaller objects';
      throw new ValidationError(`invalid ${what}: it is ${size.json} bytes (${formatBytes(size.json)}) of JSON, must be ${allowed}`, what, allowed);
    }
    if (size.annotations > MAX_ANNOTATIONS_BYTES) {
      const allowed = `at most ${MAX_ANNOTATIONS_BYTES} bytes (256 KiB) in all, keys and values: the API server refuses more in any apply mode`;
      throw new ValidationError(`invalid ${what}: its annotations are ${size.annotations} bytes (${formatBytes(size.annotations)}), ` +
        `must be ${allowed}`, `${what} annotations`, allowed);
    }
    if (size.annotationsWhenApplied > MAX_ANNOTATIONS_BYTES) {
      warnOnce(scope, `${what} is ${formatBytes(size.json)}: past 256 KiB with its annotations once client-side kubectl apply stores ` +
        `it in ${LAST_APPLIED_ANNOTATION}, which the API server refuses; apply it with kubectl apply --server-side`);
    }
  }
}
