/**
 * Version skew: the example stacks are valid on Kubernetes 1.27 and 1.36 (test/policy), and here they also behave
 * the same on both. A kind a version does not serve fails `kubectl apply` loudly; a field behind a feature gate that
 * is off in one of them is dropped or ignored silently. So: every kind is a GA one both versions serve, and every
 * gated field the stacks render is on by default in both (test/core/feature-gates.ts holds the gates' stages, from
 * kubernetes/website), and each is named in the README's "Kubernetes versions" section.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GATED_FIELDS, offByDefault, onByDefault } from './feature-gates';
import { EXAMPLE_STACKS } from '../stacks';
import { schemaDir } from '../policy/checks/schema';

// the folder the policy suite reads, so DOCKYARD_K8S_SCHEMAS (README, The two commands) moves both
const SCHEMAS = schemaDir();
const SUPPORTED = [27, 36];

/** "<apiVersion>/<kind>" of every kind a schema file defines. */
function servedKinds(version: string): Set<string> {
  const definitions = JSON.parse(fs.readFileSync(path.join(SCHEMAS, `v${version}.json`), 'utf8')).definitions;
  return new Set(Object.values<any>(definitions).flatMap((d) => (d['x-kubernetes-group-version-kind'] ?? [])
    .map((g: any) => `${g.group ? `${g.group}/` : ''}${g.version}/${g.kind}`)));
}

const stacks = EXAMPLE_STACKS.map((s) => s.synth());

/** The gates the README's "Kubernetes versions" section names. */
function readmeGates(): string {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('\n### Kubernetes versions\n');
  expect(start).toBeGreaterThan(0);
  return readme.slice(start, readme.indexOf('\n#', start + 1));
}

describe('Kubernetes version skew of the example stacks', () => {
  test('every kind is a GA version that 1.27 and 1.36 both serve by default', () => {
    const served = ['1.27.0', '1.36.0'].map(servedKinds);
    const kinds = new Set(stacks.flatMap((s) => s.objects.map((o) => `${o.apiVersion}/${o.kind}`)));
    // an alpha or beta API is off by default (kube-apiserver --runtime-config), even where its schema is published
    expect([...kinds].filter((k) => /\/v\d+(alpha|beta)\d*\//.test(k) || !served.every((s) => s.has(k)))).toEqual([]);
    // the check can fail: 1.27 publishes the admission policies as v1alpha1 only (ValidatingAdmissionPolicy: alpha,
    // off, until 1.28; GA 1.30 — kubernetes/website 2ba93e04 feature-gates/ValidatingAdmissionPolicy.md:8-20), which is
    // why TeamPlatform's and the Drone build admission policies are off by default
    expect(served[0].has('admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy')).toBe(false);
    expect(served[1].has('admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy')).toBe(true);
    expect(served[0].has('admissionregistration.k8s.io/v1alpha1/ValidatingAdmissionPolicy')).toBe(true);
  });

  test.each(SUPPORTED)('every gated field the stacks render is on by default in 1.%i', (minor) => {
    expect(stacks.flatMap((s) => offByDefault(s.objects, minor).map((f) => `${s.name}: ${f}`))).toEqual([]);
  });

  test('the gated fields rendered are exactly the ones decided, and the README names each', () => {
    const rendered = GATED_FIELDS.filter((g) => stacks.some((s) => s.objects.some(g.uses))).map((g) => g.gate);
    // a new one fails here until it is decided (on in both versions? conditional, documented or refused?) and
    // documented in the README table
    expect(rendered).toEqual(['StatefulSetAutoDeletePVC', 'PDBUnhealthyPodEvictionPolicy', 'SizeMemoryBackedVolumes']);
    const section = readmeGates();
    expect(rendered.filter((g) => !section.includes(`\`${g}\``))).toEqual([]);
  });
});

describe('the gate catalogue', () => {
  test('a field behind a gate off in 1.27 is found in a rendered object', () => {
    // hostUsers is in the 1.27 schema, but UserNamespacesSupport is alpha and off there: the API server drops it
    const pod = { kind: 'Deployment', metadata: { namespace: 'ns', name: 'app' }, spec: { template: { spec: { hostUsers: false, containers: [] } } } };
    expect(offByDefault([pod], 27)).toEqual(['UserNamespacesSupport: Deployment ns/app']);
    expect(offByDefault([pod], 36)).toEqual([]);
    const job = { kind: 'CronJob', metadata: { namespace: 'ns', name: 'c' }, spec: { jobTemplate: { spec: { podFailurePolicy: { rules: [] }, template: { spec: {} } } } } };
    expect(offByDefault([job], 25)).toEqual(['JobPodFailurePolicy: CronJob ns/c']);
    expect(offByDefault([job], 27)).toEqual([]);
  });

  test('a stage holds from its version until the next one', () => {
    const minDomains = GATED_FIELDS.find((g) => g.gate === 'MinDomainsInPodTopologySpread')!;
    expect([24, 25, 26, 27, 30, 36].map((m) => onByDefault(minDomains, m))).toEqual([false, false, false, true, true, true]);
    expect(onByDefault(minDomains, 23)).toBe(false);
  });
});
