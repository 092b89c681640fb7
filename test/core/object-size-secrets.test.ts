import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DockyardChart, LocalSecretStore, runSynth, Secret, SecretValue, synthesize, ValidationError } from '../../lib';
import { kube } from '../../lib/core/k8s';
import { MAX_ANNOTATIONS_BYTES, MAX_OBJECT_BYTES, objectSize } from '../../lib/core/object-size';
import { stderrOf, tempDirs, thrown } from '../util';
import { escapeRegExp } from '../../lib/core/text';

// The Secrets of dist/secrets.local.yaml are applied like the charts' objects (`kubectl apply -f`, README
// "Object sizes"), so the limits of lib/core/object-size.ts hold for them too: over 1 MiB of JSON no apply mode can
// send a Secret (kubernetes pkg/apis/core/validation/validation.go ValidateSecret, MaxSecretSize = 1 MiB in
// pkg/apis/core/types.go), and past 256 KiB of annotations once client-side apply has copied the object into
// kubectl.kubernetes.io/last-applied-configuration (apimachinery pkg/api/validation/objectmeta.go,
// TotalAnnotationSizeLimitB) only `kubectl apply --server-side` can.

const KiB = 1024;

const tempDir = tempDirs('dockyard-secret-size-');

/** An app whose chart holds a ConfigMap and a small generated Secret, plus what `extra` adds. */
function build(outdir: string, extra: (chart: DockyardChart) => void = () => undefined): App {
  const app = new App({ outdir });
  const chart = new DockyardChart(app, 'test', { namespace: 'harbor' });
  kube(chart, 'C', 'ConfigMap', { metadata: { name: 'settings' }, data: { a: 'b' } });
  new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32) } });
  extra(chart);
  return app;
}

/** A Secret `name` whose one value is a fixed text of `n` characters (a template without placeholders). */
function bigSecret(chart: DockyardChart, name: string, n: number, c = 'x'): Secret {
  return new Secret(chart, name, { name, values: { bundle: SecretValue.template(c.repeat(n), {}) } });
}

/** Every file below `dir` with its content, and every folder. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries((fs.readdirSync(dir, { recursive: true }) as string[]).sort()
    .map((f) => [f, fs.statSync(path.join(dir, f)).isFile() ? fs.readFileSync(path.join(dir, f), 'utf8') : 'dir']));
}

const WARNING_TAIL = ': past 256 KiB with its annotations once client-side kubectl apply stores it in ' +
  'kubectl.kubernetes.io/last-applied-configuration, which the API server refuses; apply it with kubectl apply --server-side\n';
const TOO_LARGE_TAIL = 'must be at most 1048576 bytes (1 MiB) of JSON, Dockyard\'s limit for every kind: the API server\'s for a ' +
  'ConfigMap\'s or Secret\'s data, near etcd\'s request limit (1.5 MiB by default) for other kinds; split it into smaller objects';

describe('object sizes: the generated Secrets of secrets.local.yaml', () => {
  test('a 300 KiB Secret warns once, naming it and the apply mode that takes it, and is written', () => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    let written: string[] = [];
    const err = stderrOf(() => {
      written = synthesize(build(outdir, (chart) => bigSecret(chart, 'ca-bundle', 300 * KiB)), new LocalSecretStore({ statePath: path.join(dir, 'state.json') }));
    });
    const warnings = err.split('\n').filter((l) => l.startsWith('dockyard: warning:'));
    expect(warnings).toEqual([`dockyard: warning: Secret harbor/ca-bundle is 300.2 KiB${WARNING_TAIL}`.trimEnd()]);
    // the warning's size is the Secret's as written to the file
    expect(written).toContain(path.join(outdir, 'secrets.local.yaml'));
    const docs = parseAllDocuments(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).map((d) => d.toJS());
    const secret = docs.find((d) => d.metadata.name === 'ca-bundle');
    expect(secret.stringData.bundle).toHaveLength(300 * KiB);
    expect((objectSize(secret).json / KiB).toFixed(1)).toBe('300.2');
    expect(objectSize(secret).annotationsWhenApplied).toBeGreaterThan(MAX_ANNOTATIONS_BYTES);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the largest Secret client-side apply takes gets no warning; one byte more warns', () => {
    // the limit is on the Secret's JSON as applied: 256 KiB less the last-applied key (48 bytes), the
    // "annotations":{} kubectl adds to an object without annotations (17 bytes: lib/core/object-size.ts cites
    // kubectl's GetModifiedConfiguration) and the final "\n"
    const store = () => new LocalSecretStore({ statePath: path.join(tempDir(), 'state.json') });
    const overhead = (() => {
      const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace: 'harbor' });
      bigSecret(chart, 'edge', 0);
      const docs = parseAllDocuments(store().render(chart)).map((d) => d.toJS());
      expect(docs[0].metadata.annotations).toBeUndefined();
      return JSON.stringify(docs[0]).length;
    })();
    const fits = MAX_ANNOTATIONS_BYTES - 48 - 17 - 1 - overhead;
    const warningOf = (n: number) => stderrOf(() => {
      const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace: 'harbor' });
      bigSecret(chart, 'edge', n);
      store().render(chart);
    }).split('\n').filter((l) => l.startsWith('dockyard: warning:'));
    expect(warningOf(fits)).toEqual([]);
    expect(warningOf(fits + 1)).toEqual([`dockyard: warning: Secret harbor/edge is 255.9 KiB${WARNING_TAIL}`.trimEnd()]);
  });

  test('each namespace\'s copy of a shared Secret is checked, and named with its namespace', () => {
    const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace: 'harbor' });
    bigSecret(chart, 'ca-bundle', 300 * KiB).shareWith('builds');
    const err = stderrOf(() => new LocalSecretStore({ statePath: path.join(tempDir(), 'state.json') }).render(chart));
    expect(err.split('\n').filter((l) => l.startsWith('dockyard: warning:'))).toEqual([
      `dockyard: warning: Secret harbor/ca-bundle is 300.2 KiB${WARNING_TAIL}`.trimEnd(),
      `dockyard: warning: Secret builds/ca-bundle is 300.2 KiB${WARNING_TAIL}`.trimEnd(),
    ]);
  });

  test('characters Go escapes count as it escapes them: 200 KiB of "<" is a 1.17 MiB Secret', () => {
    const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace: 'harbor' });
    bigSecret(chart, 'html', 200 * KiB, '<');
    const err = thrown(() => new LocalSecretStore({ statePath: path.join(tempDir(), 'state.json') }).render(chart));
    expect(err.message).toMatch(/^invalid Secret harbor\/html: it is 1228\d{3} bytes \(1\.17 MiB\) of JSON, /);
  });

  test('a 1.1 MiB Secret fails the synth with one line naming it, and nothing is half-written', () => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'state.json');
    stderrOf(() => synthesize(build(outdir), new LocalSecretStore({ statePath })));
    const before = snapshot(dir);
    expect(Object.keys(before)).toEqual(['dist', 'dist/.dockyard-output', 'dist/secrets.local.yaml', 'dist/test.k8s.yaml', 'state.json', 'state.lock.json']);

    // an operator's input: had the synth gone on, the state and the key record would have kept it
    const env = 'DOCKYARD_TEST_HUGE_BUNDLE';
    process.env[env] = 'y'.repeat(1.1 * 1024 * KiB);
    try {
      const app = build(outdir, (chart) => new Secret(chart, 'Bundle', {
        name: 'bundle', values: { 'ca.pem': SecretValue.input(env, 'a CA bundle') },
      }));
      const err = thrown(() => synthesize(app, new LocalSecretStore({ statePath })));
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(new RegExp(`^invalid Secret harbor/bundle: it is 1153\\d{3} bytes \\(1\\.10 MiB\\) of JSON, ${escapeRegExp(TOO_LARGE_TAIL)}$`));
      // the message names the Secret and its size, never its value
      expect(err.message).not.toContain('yyyy');
      expect(snapshot(dir)).toEqual(before); // no staging folder, no new state or record entry

      const exitCode = process.exitCode;
      const printed = stderrOf(() => runSynth(() => synthesize(app, new LocalSecretStore({ statePath }))));
      process.exitCode = exitCode;
      expect(printed.split('\n')).toEqual([`dockyard: error: ${err.message}`, '']);
    } finally {
      delete process.env[env];
    }
    expect(snapshot(dir)).toEqual(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('exactly 1 MiB passes (with the warning), one byte more fails', () => {
    const statePath = path.join(tempDir(), 'state.json');
    const overhead = (() => {
      const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace: 'harbor' });
      bigSecret(chart, 'edge', 0);
      return JSON.stringify(parseAllDocuments(new LocalSecretStore({ statePath }).render(chart))[0].toJS()).length;
    })();
    const render = (n: number) => {
      const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace: 'harbor' });
      bigSecret(chart, 'edge', n);
      return new LocalSecretStore({ statePath }).render(chart);
    };
    expect(stderrOf(() => render(MAX_OBJECT_BYTES - overhead))).toMatch(/^dockyard: warning: Secret harbor\/edge is 1\.00 MiB: past 256 KiB/);
    expect(thrown(() => render(MAX_OBJECT_BYTES - overhead + 1)).message)
      .toBe(`invalid Secret harbor/edge: it is 1048577 bytes (1.00 MiB) of JSON, ${TOO_LARGE_TAIL}`);
  });

  test('annotations over 256 KiB on their own fail: no apply mode can send them', () => {
    const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace: 'harbor' });
    new Secret(chart, 'Noted', { name: 'noted', annotations: { note: 'x'.repeat(MAX_ANNOTATIONS_BYTES) }, values: { a: SecretValue.hex(16) } });
    expect(thrown(() => new LocalSecretStore({ statePath: path.join(tempDir(), 'state.json') }).render(chart)).message)
      .toBe('invalid Secret harbor/noted: its annotations are 262148 bytes (256.0 KiB), must be at most 262144 bytes (256 KiB) ' +
        'in all, keys and values: the API server refuses more in any apply mode');
  });
});
