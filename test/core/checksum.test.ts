import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { CHECKSUM_ANNOTATION, LocalSecretStore, Secret, secretDigest, SecretValue, synthesize } from '../../lib';
import { testChart } from '../util';

/**
 * Day two: a changed ConfigMap or Secret must reach the pods that read it. Kubernetes rolls a workload's pods only
 * when its pod template changes (a Deployment's rollout is triggered by `.spec.template` changes: Kubernetes docs,
 * "Updating a Deployment"; pods do not reload env from a changed Secret, and subPath mounts never see updates), so
 * the template carries a checksum of its inputs, as harbor-helm does with `checksum/configmap` and
 * `checksum/secret` (templates/core/core-dpl.yaml).
 */

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

function workloads(objects: any[]): Map<string, any> {
  return new Map(objects.filter((o) => WORKLOADS.includes(o.kind)).map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
}

function checksums(objects: any[]): Record<string, string | undefined> {
  return Object.fromEntries([...workloads(objects)].map(([id, o]) => [id, o.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION]]));
}

/** Every `{ ...ref }` found under one of `fields` anywhere in `value`. */
function refs(value: any, fields: string[], out: any[] = []): any[] {
  if (Array.isArray(value)) {
    value.forEach((v) => refs(v, fields, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (fields.includes(k) && v && typeof v === 'object') {
        out.push(v);
      }
      refs(v, fields, out);
    }
  }
  return out;
}

/** Which workloads read a ConfigMap or Secret, found independently of the library: any reference by name in the pod spec. */
function readers(objects: any[], kind: 'configMap' | 'secret', namespace: string, name: string, key?: string): string[] {
  const fields = kind === 'configMap' ? ['configMap', 'configMapRef', 'configMapKeyRef'] : ['secret', 'secretRef', 'secretKeyRef'];
  return [...workloads(objects)].filter(([, o]) => o.metadata.namespace === namespace &&
    refs(o.spec.template.spec, fields).some((r) => (r.name ?? r.secretName) === name && (key === undefined || r.key === undefined || r.key === key)))
    .map(([id]) => id).sort();
}

function changed(a: Record<string, string | undefined>, b: Record<string, string | undefined>): string[] {
  return Object.keys(a).filter((k) => a[k] !== b[k]).sort();
}

describe('pod checksums: ConfigMaps', () => {
  const base = defaultStack(new App({ outdir: '/nonexistent' }), DEFAULT_CONFIG).toJson();
  const configMaps = base.filter((o) => o.kind === 'ConfigMap').map((o) => ({ namespace: o.metadata.namespace, name: o.metadata.name }));

  test('every workload that reads a ConfigMap or Secret carries the checksum; Jobs never do (their template is immutable)', () => {
    for (const [id, o] of workloads(base)) {
      expect([id, o.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION]]).toEqual([id, expect.stringMatching(/^[0-9a-f]{64}$/)]);
    }
    for (const job of base.filter((o) => o.kind === 'Job')) {
      expect(job.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION]).toBeUndefined();
    }
    expect(configMaps.length).toBeGreaterThan(5);
  });

  test.each(configMaps.map((c) => [`${c.namespace}/${c.name}`, c]))(
    'two synths that differ only in ConfigMap %s differ in the checksum of exactly the pods that read it', (_, cm) => {
      const app = new App({ outdir: '/nonexistent' });
      const chart = defaultStack(app, DEFAULT_CONFIG);
      // names are compared as rendered: some (the Harbor configure chunks') are settled only at synth
      const object = chart.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'ConfigMap' &&
        c.toJson().metadata.name === cm.name && c.metadata.namespace === cm.namespace)!;
      object.addJsonPatch(JsonPatch.add('/data/dockyard-test', 'changed'));
      const after = chart.toJson();
      expect(changed(checksums(base), checksums(after))).toEqual(readers(base, 'configMap', cm.namespace, cm.name));
    });
});

describe('pod checksums: generated Secrets', () => {
  function synth(dir: string, rotate: string[] = []) {
    const app = new App({ outdir: path.join(dir, 'dist') });
    defaultStack(app, DEFAULT_CONFIG);
    synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate }));
    const read = (f: string) => parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', f), 'utf8')).map((d) => d.toJS());
    return { objects: read('dockyard.k8s.yaml'), secrets: read('secrets.local.yaml') };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-checksum-'));
  const first = synth(dir);

  test.each([
    ['dockyard/drone-credentials/rpc-secret', 'dockyard', 'drone-credentials', 'rpc-secret'],
    ['harbor/harbor-core/csrf-key', 'harbor', 'harbor-core', 'csrf-key'],
    ['harbor/redis-password/password', 'harbor', 'redis-password', 'password'],
  ])('rotating %s rolls exactly the pods that read it, or what is made from it', (key, namespace, name, k) => {
    const before = synth(dir);
    expect(checksums(synth(dir).objects)).toEqual(checksums(before.objects)); // same state: same checksums
    const after = synth(dir, [key]);
    const differ = changed(checksums(before.objects), checksums(after.objects));
    expect(differ).toEqual(expect.arrayContaining(readers(before.objects, 'secret', namespace, name, k)));
    // every other pod that changed reads a key whose value changed with the rotated one, and no other pod changed
    const expected = new Set(after.secrets.flatMap((s) => {
      const old = before.secrets.find((b) => b.metadata.namespace === s.metadata.namespace && b.metadata.name === s.metadata.name)!;
      return Object.keys(s.stringData).filter((k) => s.stringData[k] !== old.stringData[k])
        .flatMap((k) => readers(before.objects, 'secret', s.metadata.namespace, s.metadata.name, k));
    }));
    expect(differ).toEqual([...expected].sort());
    expect(differ.length).toBeGreaterThan(0);
  });

  test('a checksum reveals nothing of the values: it is keyed by a random key kept with them', () => {
    const values = first.secrets.flatMap((s) => Object.values(s.stringData) as string[]);
    const text = JSON.stringify(first.objects);
    for (const v of values) {
      expect(text).not.toContain(v);
    }
    // the same values under another digest key give other checksums
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-checksum-'));
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
    state.values['#digest-key'] = 'f'.repeat(64);
    fs.writeFileSync(path.join(other, 'state.json'), JSON.stringify(state), { mode: 0o600 });
    fs.copyFileSync(path.join(dir, 'state.lock.json'), path.join(other, 'state.lock.json'));
    const moved = synth(other);
    expect(moved.secrets).toEqual(synth(dir).secrets);
    expect(changed(checksums(first.objects), checksums(moved.objects)).length).toBeGreaterThan(5);
  });
});

describe('secretDigest', () => {
  test('changes exactly when a value changes, and names the key when no secret source runs', () => {
    const chart = testChart('platform');
    const db = new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32), other: SecretValue.hex(16) } });
    const existing = Secret.fromSecretName(chart, 'Existing', 'provided');
    const digest = secretDigest(chart, [db.key('password'), existing.key('token')]);
    new ApiObject(chart, 'Digest', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { digest } });
    const resolved = () => chart.toJson().find((o: any) => o.kind === 'ConfigMap').data.digest;
    expect(resolved()).toMatch(/^[0-9a-f]{16}$/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-digest-'));
    const store = (rotate: string[] = []) => new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate });
    let a = '';
    let b = '';
    let c = '';
    store().transaction(chart, () => { a = resolved(); }, () => undefined);
    store().transaction(chart, () => { b = resolved(); }, () => undefined);
    store(['platform/db/other']).transaction(chart, () => { c = resolved(); }, () => undefined);
    expect(b).toBe(a);
    expect(c).toBe(a); // another key of the Secret changed, not one the digest covers
    store(['platform/db/password']).transaction(chart, () => { c = resolved(); }, () => undefined);
    expect(c).not.toBe(a);
    expect(a).not.toBe(resolved()); // without a secret source, only the names count
  });
});
