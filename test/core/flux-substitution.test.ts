import { ApiObject } from 'cdk8s';
import { stringify } from 'yaml';
import { CHECKSUM_ANNOTATION } from '../../lib';
import { FLUX_SUBSTITUTE_ANNOTATION } from '../../lib/core/flux-substitution';
import { annotateChecksums } from '../../lib/core/checksum';
import { shortHash } from '../../lib/core/hash';
import { kube } from '../../lib/core/k8s';
import { EXAMPLE_STACKS } from '../stacks';
import { find, synth, testChart } from '../util';

// Flux's post-build substitution (kustomize-controller v1.9.4, fluxcd/pkg kustomize v1.35.4
// `kustomize/kustomize_varsub.go`): with a Kustomization's `postBuild` set, every object is rendered as YAML and
// each `${…}` in it replaced (`varSubstitution`, :185-205), an unset variable by nothing as it is not strict, and
// every `$$` by `$` (envsubst v1.7.0 `parse/scan.go:154-183,189-200,213-220`; its `parse/parse_test.go:50-55`:
// `$${string}` is `${string}`, `$$string` is `$string`), unless the object's labels or annotations hold
// `kustomize.toolkit.fluxcd.io/substitute: disabled` (:107, key and value at :42,49).

/** What Flux's substitution makes of `o`, with the postBuild variables `vars` (a model of the lines cited above). */
function fluxSubstituted(o: any, vars: Record<string, string>): any {
  const key = 'kustomize.toolkit.fluxcd.io/substitute';
  if (o.metadata?.labels?.[key] === 'disabled' || o.metadata?.annotations?.[key] === 'disabled') {
    return o;
  }
  // left to right, as envsubst scans: `$$` is one `$` (so `$${X}` is `${X}`), `${X…}` the variable X
  const text = stringify(o, { lineWidth: 0 }).replace(/\$\$|\$\{([^}]*)\}/g, (_all, name: string | undefined) =>
    (name === undefined ? '$' : vars[name.replace(/[^_A-Za-z0-9].*$/, '')] ?? ''));
  return JSON.parse(JSON.stringify(require('yaml').parse(text)));
}

describe('Flux postBuild substitution', () => {
  test('the model rewrites an unmarked script, and leaves a marked one alone', () => {
    const script = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's' }, data: { 'run.sh': 'echo "${HOME:-/}" $${X} $$? $$$(Y)' } };
    expect(fluxSubstituted(script, { CLUSTER: 'prod' }).data['run.sh']).toBe('echo "" ${X} $? $$(Y)');
    // the model reads envsubst's own cases as it does (parse/parse_test.go:50-55, eval_test.go:198-202)
    const upstream = { kind: 'ConfigMap', metadata: { name: 'u' }, data: { a: '$${string}', b: '$$string', c: 'some text ${var01}$${var$${var01}$var01${var01}' } };
    expect(fluxSubstituted(upstream, { var01: 'abcdEFGH28ij' }).data)
      .toEqual({ a: '${string}', b: '$string', c: 'some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij' });
    const marked = { ...script, metadata: { name: 's', annotations: { [FLUX_SUBSTITUTE_ANNOTATION]: 'disabled' } } };
    expect(fluxSubstituted(marked, { CLUSTER: 'prod' })).toEqual(marked);
  });

  test.each(['default', 'default-woodpecker', 'teams'])('leaves every object of the %s stack as rendered, its scripts marked', (name) => {
    const { objects } = EXAMPLE_STACKS.find((s) => s.name === name)!.synth();
    const changed = objects.filter((o) => JSON.stringify(fluxSubstituted(o, { CLUSTER: 'prod' })) !== JSON.stringify(o))
      .map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    expect(changed).toEqual([]);
    const marked = objects.filter((o) => o.metadata?.annotations?.[FLUX_SUBSTITUTE_ANNOTATION] === 'disabled');
    // the PostgreSQL reconciler's and Harbor's configure scripts, which use `${…}` of their own, and the PostgreSQL
    // StatefulSet, whose probes hold `$$?`; nothing else
    expect(marked.map((o) => `${o.kind} ${o.metadata.name.replace(/-[0-9a-f]{8}$/, '')}`).sort())
      .toEqual(['ConfigMap harbor-configure-script', 'ConfigMap postgres-reconcile', 'StatefulSet postgres']);
    for (const o of marked.filter((c) => c.kind === 'ConfigMap')) {
      // the mark is no part of the name, which hashes the content
      expect(o.metadata.name.slice(-8)).toBe(shortHash(Object.values(o.data)[0] as string));
    }
    // without the mark, Flux would have rewritten them
    for (const o of marked) {
      const { [FLUX_SUBSTITUTE_ANNOTATION]: _, ...rest } = o.metadata.annotations;
      const unmarked = { ...o, metadata: { ...o.metadata, annotations: rest } };
      expect(fluxSubstituted(unmarked, {})).not.toEqual(unmarked);
    }
  });

  test('marks any Dockyard object holding ${ in a key or value, keeping its annotations and the sorted order of keys', () => {
    const chart = testChart('ci');
    kube(chart, 'Plain', 'ConfigMap', { metadata: { name: 'plain' }, data: { 'a.sh': 'echo $HOME $(date)' } });
    kube(chart, 'Script', 'ConfigMap', { metadata: { name: 'script', labels: { a: 'b' }, annotations: { 'z.dev/x': '1', 'a.dev/y': '2' } }, data: { 'a.sh': 'echo ${HOME}' } });
    kube(chart, 'Deep', 'ConfigMap', { metadata: { name: 'deep' }, data: { 'j.json': '[{"x": "$${y}"}]' } });
    kube(chart, 'Escape', 'ConfigMap', { metadata: { name: 'escape' }, data: { 'a.sh': 'true; [ $$? -le 1 ]' } });
    kube(chart, 'Key', 'ConfigMap', { metadata: { name: 'key' }, data: { '$${k}': 'v' } as Record<string, string> });
    new ApiObject(chart, 'Users', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'users' }, data: { 'a.sh': 'echo ${CLUSTER}' } });
    const objects = synth(chart);
    expect(find(objects, 'ConfigMap', 'plain').metadata).toEqual({ name: 'plain', namespace: 'ci' });
    const script = find(objects, 'ConfigMap', 'script');
    expect(script.metadata).toEqual({
      annotations: { 'a.dev/y': '2', [FLUX_SUBSTITUTE_ANNOTATION]: 'disabled', 'z.dev/x': '1' }, labels: { a: 'b' }, name: 'script', namespace: 'ci',
    });
    expect(Object.keys(script.metadata)).toEqual(['annotations', 'labels', 'name', 'namespace']);
    expect(Object.keys(script.metadata.annotations)).toEqual(['a.dev/y', FLUX_SUBSTITUTE_ANNOTATION, 'z.dev/x']);
    for (const name of ['deep', 'escape', 'key']) {
      expect([name, find(objects, 'ConfigMap', name).metadata.annotations]).toEqual([name, { [FLUX_SUBSTITUTE_ANNOTATION]: 'disabled' }]);
    }
    expect(Object.keys(find(objects, 'ConfigMap', 'deep').metadata)).toEqual(['annotations', 'name', 'namespace']);
    // an object of the user's own is theirs to mark, or to have Flux fill in
    expect(find(objects, 'ConfigMap', 'users').metadata).toEqual({ name: 'users', namespace: 'ci' });
  });

  test('the mark changes no reader\'s checksum: it counts a ConfigMap\'s data alone', () => {
    const checksum = (annotations?: Record<string, string>) => {
      const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'script', namespace: 'ci', annotations }, data: { 'a.sh': 'echo ${HOME}' } };
      const reader = {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'reader', namespace: 'ci' },
        spec: { template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 's', configMap: { name: 'script' } }] } } },
      };
      annotateChecksums(testChart('ci'), [configMap, reader]);
      return (reader.spec.template.metadata as any).annotations[CHECKSUM_ANNOTATION];
    };
    expect(checksum({ [FLUX_SUBSTITUTE_ANNOTATION]: 'disabled' })).toBe(checksum());
  });
});
