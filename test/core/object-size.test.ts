import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { DockyardChart, LocalSecretStore, runSynth, Secret, SecretValue, synthesize, ValidationError } from '../../lib';
import { kube } from '../../lib/core/k8s';
import {
  goJsonBytes, LAST_APPLIED_ANNOTATION, MAX_ANNOTATIONS_BYTES, MAX_OBJECT_BYTES, objectSize,
} from '../../lib/core/object-size';
import { stderrOf, thrown } from '../util';

const MiB = 1024 * 1024;
const KiB = 1024;

/** The message `fn` throws. */
const failure = (fn: () => void): string => thrown(fn).message;

function chartIn(app = new App({ outdir: '/nonexistent' })): DockyardChart {
  return new DockyardChart(app, 'test', { namespace: 'harbor' });
}

/** The JSON bytes of ConfigMap `name` with one data value of `n` times "x", as the chart renders it. */
function configMapBytes(name: string, n: number): number {
  const chart = chartIn();
  kube(chart, 'C', 'ConfigMap', { metadata: { name }, data: { 'configure.js': 'x'.repeat(n) } });
  return objectSize(chart.toJson()[0]).json;
}

/** A chart whose ConfigMap `name` is exactly `bytes` of JSON. */
function configMapOf(bytes: number, name = 'harbor-configure', app?: App): DockyardChart {
  const overhead = configMapBytes(name, 0);
  const chart = chartIn(app);
  kube(chart, 'C', 'ConfigMap', { metadata: { name }, data: { 'configure.js': 'x'.repeat(bytes - overhead) } });
  return chart;
}

describe('object sizes: how kubectl sends an object', () => {
  // kubectl serializes with apimachinery's UnstructuredJSONScheme, which calls json.NewEncoder(w).Encode
  // (staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/unstructured/helpers.go, doEncode), from
  // k8s.io/apimachinery/pkg/util/json/json.go: Go's encoding/json Encoder, whose HTML escaping is on by default, so
  // <, > and & are written as \u003c, \u003e, \u0026; U+2028 and U+2029 are always escaped
  test('counts the bytes Go writes, not the characters JavaScript does', () => {
    expect(goJsonBytes(JSON.stringify('<a&b>'))).toBe('"\\u003ca\\u0026b\\u003e"'.length);
    expect(goJsonBytes(JSON.stringify('a\u2028b'))).toBe('"a\\u2028b"'.length);
    // UTF-8 bytes: é is 2, 😀 is 4
    expect(goJsonBytes(JSON.stringify('é😀'))).toBe(8);
    expect(goJsonBytes(JSON.stringify({ 'a<b': 1 }))).toBe('{"a\\u003cb":1}'.length);
  });

  // kubectl's GetModifiedConfiguration (staging/src/k8s.io/kubectl/pkg/util/apply.go) drops the previous
  // last-applied annotation, encodes the object, and stores that text (with the Encoder's final "\n") as the annotation
  test('client-side apply adds the object itself, as JSON with a final line break, to its annotations', () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', annotations: { x: 'yz' } } };
    const json = JSON.stringify(object).length;
    expect(objectSize(object)).toEqual({ json, annotations: 3, annotationsWhenApplied: 3 + 48 + json + 1 });
    expect(LAST_APPLIED_ANNOTATION.length).toBe(48);
    // a previous last-applied annotation is neither counted nor serialized again
    const applied = { ...object, metadata: { ...object.metadata, annotations: { x: 'yz', [LAST_APPLIED_ANNOTATION]: 'q'.repeat(1000) } } };
    expect(objectSize(applied)).toEqual(objectSize(object));
  });

  // GetModifiedConfiguration (kubernetes/kubectl v0.36.3, pkg/util/apply.go lines 83-93) turns missing annotations
  // into an empty map and sets it before encoding; Unstructured.SetAnnotations (kubernetes/apimachinery v0.36.3,
  // pkg/apis/meta/v1/unstructured/unstructured.go lines 417-423) removes the field only for nil, so the stored
  // object carries "annotations":{}
  test('an object without annotations is stored with an empty annotations field: 17 bytes more', () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
    const json = JSON.stringify(object).length;
    const stored = JSON.stringify({ ...object, metadata: { name: 'a', annotations: {} } }).length;
    expect(stored - json).toBe(17);
    expect(objectSize(object)).toEqual({ json, annotations: 0, annotationsWhenApplied: 48 + stored + 1 });
    // empty annotations are already in the JSON: nothing is added
    const empty = { ...object, metadata: { name: 'a', annotations: {} } };
    expect(objectSize(empty)).toEqual({ json: stored, annotations: 0, annotationsWhenApplied: 48 + stored + 1 });
    // null annotations are written as {} in their place; an object without metadata gets both
    expect(objectSize({ ...object, metadata: { name: 'a', annotations: null } }).annotationsWhenApplied).toBe(48 + stored + 1);
    const bare = { kind: 'X' };
    expect(objectSize(bare).annotationsWhenApplied).toBe(48 + JSON.stringify({ kind: 'X', metadata: { annotations: {} } }).length + 1);
  });
});

describe('object sizes: the 1 MiB limit', () => {
  // the API server refuses ConfigMap data over 1 MiB (kubernetes pkg/apis/core/validation/validation.go,
  // ValidateConfigMap: totalSize > core.MaxSecretSize, MaxSecretSize = 1 * 1024 * 1024) and etcd requests over
  // --max-request-bytes (1.5 MiB by default): Dockyard allows every kind 1 MiB of JSON, and says why
  test('an object of exactly 1 MiB passes (with a warning: only server-side apply takes it)', () => {
    const chart = configMapOf(MAX_OBJECT_BYTES);
    expect(MAX_OBJECT_BYTES).toBe(MiB);
    let objects: any[] = [];
    const err = stderrOf(() => { objects = chart.toJson(); });
    expect(objectSize(objects[0]).json).toBe(MiB);
    expect(err).toBe('dockyard: warning: ConfigMap harbor/harbor-configure is 1.00 MiB: past 256 KiB with its annotations once ' +
      'client-side kubectl apply stores it in kubectl.kubernetes.io/last-applied-configuration, which the API server refuses; ' +
      'apply it with kubectl apply --server-side\n');
  });

  test('one byte more fails the synth, naming the object, its size and which limit Dockyard applies', () => {
    const chart = configMapOf(MAX_OBJECT_BYTES + 1);
    expect(failure(() => chart.toJson())).toBe('invalid ConfigMap harbor/harbor-configure: it is 1048577 bytes (1.00 MiB) of JSON, ' +
      'must be at most 1048576 bytes (1 MiB) of JSON, Dockyard\'s limit for every kind: the API server\'s for a ConfigMap\'s or ' +
      'Secret\'s data, near etcd\'s request limit (1.5 MiB by default) for other kinds; split it into smaller objects');
    expect(() => chart.toJson()).toThrow(ValidationError);
  });

  test('HTML characters count as Go escapes them: 200 KiB of "<" is 1.2 MiB to the API server', () => {
    const chart = chartIn();
    kube(chart, 'C', 'ConfigMap', { metadata: { name: 'html' }, data: { 'index.html': '<'.repeat(200 * KiB) } });
    expect(failure(() => chart.toJson())).toMatch(/^invalid ConfigMap harbor\/html: it is 1228\d{3} bytes \(1\.17 MiB\) of JSON/);
  });

  test('a cluster-scoped object is named without a namespace', () => {
    const chart = chartIn();
    kube(chart, 'R', 'ClusterRole', { metadata: { name: 'big', annotations: { note: 'x'.repeat(MiB) } } });
    expect(failure(() => chart.toJson())).toMatch(/^invalid ClusterRole big: it is \d+ bytes \(1\.00 MiB\) of JSON/);
  });

  test('fails plain `app.synth()` (cdk8s synth) too', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-size-')) });
    configMapOf(MAX_OBJECT_BYTES + 1, 'harbor-configure', app);
    expect(() => app.synth()).toThrow(/^invalid ConfigMap harbor\/harbor-configure: it is 1048577 bytes/);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  test('runSynth prints it as one error line without a stack-trace hint', () => {
    const chart = configMapOf(MAX_OBJECT_BYTES + 1);
    const exitCode = process.exitCode;
    const err = stderrOf(() => runSynth(() => chart.toJson()));
    process.exitCode = exitCode;
    expect(err).toMatch(/^dockyard: error: invalid ConfigMap harbor\/harbor-configure: it is 1048577 bytes .* split it into smaller objects\n$/);
  });
});

describe('object sizes: the 256 KiB annotation limit', () => {
  // apimachinery pkg/api/validation/objectmeta.go: TotalAnnotationSizeLimitB = 256 * (1 << 10), and
  // ValidateAnnotationsSize sums len(k) + len(v) over every annotation
  const LIMIT = MAX_ANNOTATIONS_BYTES;
  // the last-applied key, the object with the "annotations":{} kubectl adds to one without (see above), the final "\n"
  const applied = (json: number) => 48 + json + 17 + 1;

  test('an object whose last-applied annotation just fits gets no warning', () => {
    expect(LIMIT).toBe(262144);
    const chart = configMapOf(LIMIT - 66);
    let objects: any[] = [];
    expect(stderrOf(() => { objects = chart.toJson(); })).toBe('');
    expect(objects[0].metadata.annotations).toBeUndefined();
    expect(applied(objectSize(objects[0]).json)).toBe(LIMIT);
    expect(objectSize(objects[0]).annotationsWhenApplied).toBe(LIMIT);
  });

  test('one byte more warns once, naming the object, its size and the apply mode that takes it', () => {
    const app = new App({ outdir: '/nonexistent' });
    const chart = configMapOf(LIMIT - 65, 'harbor-configure', app);
    const err = stderrOf(() => {
      chart.toJson();
      chart.toJson(); // resolved again in the same app: no second warning
    });
    expect(err).toBe('dockyard: warning: ConfigMap harbor/harbor-configure is 255.9 KiB: past 256 KiB with its annotations once ' +
      'client-side kubectl apply stores it in kubectl.kubernetes.io/last-applied-configuration, which the API server refuses; ' +
      'apply it with kubectl apply --server-side\n');
  });

  test('the object\'s own annotations count twice: themselves, and inside the last-applied one', () => {
    const chart = chartIn();
    kube(chart, 'C', 'ConfigMap', { metadata: { name: 'a', annotations: { note: 'x'.repeat(130 * KiB) } } });
    expect(stderrOf(() => chart.toJson())).toMatch(/^dockyard: warning: ConfigMap harbor\/a is 130\.\d KiB: past 256 KiB/);
  });

  test('annotations over 256 KiB on their own fail: no apply mode can send them', () => {
    const chart = chartIn();
    kube(chart, 'C', 'ConfigMap', { metadata: { name: 'a', annotations: { note: 'x'.repeat(LIMIT - 4 + 1) } } });
    expect(failure(() => chart.toJson())).toBe('invalid ConfigMap harbor/a: its annotations are 262145 bytes (256.0 KiB), ' +
      'must be at most 262144 bytes (256 KiB) in all, keys and values: the API server refuses more in any apply mode');
  });
});

describe('object sizes: synthesize', () => {
  test('an object over 1 MiB leaves the previous output directory and the secret state untouched', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-size-'));
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'state.json');
    const build = (bytes: number, more = false) => {
      const app = new App({ outdir });
      const chart = configMapOf(bytes, 'harbor-configure', app);
      new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32) } });
      // a Secret the state does not hold yet: had the failed synth saved, the state would have gained its value
      if (more) new Secret(chart, 'Api', { name: 'api', values: { token: SecretValue.alphanumeric(32) } });
      return app;
    };
    stderrOf(() => synthesize(build(1000), new LocalSecretStore({ statePath })));
    const snapshot = () => Object.fromEntries((fs.readdirSync(dir, { recursive: true }) as string[]).sort()
      .map((f) => [f, fs.statSync(path.join(dir, f)).isFile() ? fs.readFileSync(path.join(dir, f), 'utf8') : 'dir']));
    const before = snapshot();
    expect(Object.keys(before)).toEqual(['dist', 'dist/.dockyard-output', 'dist/secrets.local.yaml', 'dist/test.k8s.yaml', 'state.json', 'state.lock.json']);

    expect(() => synthesize(build(MAX_OBJECT_BYTES + 1, true), new LocalSecretStore({ statePath }))).toThrow(/^invalid ConfigMap harbor\/harbor-configure/);
    expect(snapshot()).toEqual(before); // no staging folder either, and no value for harbor/api in the state
    // the same build at a size that fits does save the new Secret: the check above could fail
    stderrOf(() => synthesize(build(1000, true), new LocalSecretStore({ statePath })));
    expect(fs.readFileSync(statePath, 'utf8')).not.toEqual(before['state.json']);
    expect(fs.readFileSync(statePath, 'utf8')).toContain('api');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the default stack emits no size warning, and its largest object is far from 256 KiB', () => {
    const app = new App({ outdir: '/nonexistent' });
    const chart = defaultStack(app, DEFAULT_CONFIG);
    let objects: any[] = [];
    expect(stderrOf(() => { objects = chart.toJson(); })).not.toMatch(/warning/);
    const largest = Math.max(...objects.map((o) => objectSize(o).annotationsWhenApplied));
    expect(largest).toBeLessThan(MAX_ANNOTATIONS_BYTES / 2);
  });
});
