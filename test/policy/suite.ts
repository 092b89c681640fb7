import type { ExampleStack } from '../stacks';
import {
  checkImagesPinned, checkNoPlaintextCredentials, checkPodSecurityRestricted, checkReadOnlyRootFs, checkReferences, checkResourcesAndProbes,
  validateSchema,
} from './checks';

/**
 * The policy suite: every check over every object of a stack, inside the caller's `describe`; `synth` builds the
 * stack the checks run on, and `again` (by default `synth`) builds it anew for the determinism check, on a state of
 * its own. Returns the stack the checks ran on, for the caller's own tests.
 */
export function policySuite(synth: () => ExampleStack, again: () => ExampleStack = synth): ExampleStack {
  const stack = synth();
  const all = [...stack.objects, ...stack.secrets];

  test('has objects to check', () => {
    expect(stack.objects.length).toBeGreaterThan(20);
  });

  test('validates strictly against Kubernetes 1.27', () => {
    expect(validateSchema(all, '1.27.0')).toEqual([]);
  });

  test('validates strictly against Kubernetes 1.36', () => {
    expect(validateSchema(all, '1.36.0')).toEqual([]);
  });

  test('passes Pod Security restricted', () => {
    expect(checkPodSecurityRestricted(stack.objects)).toEqual([]);
  });

  test('resolves every reference: Secrets and their keys, ConfigMaps, ServiceAccounts, PVCs, Roles, selectors and ports', () => {
    expect(checkReferences(all, { externalSecrets: stack.externalSecrets })).toEqual([]);
  });

  test('holds no credential in plaintext in the main manifests', () => {
    expect(checkNoPlaintextCredentials(stack.objects)).toEqual([]);
  });

  test('pins every image', () => {
    expect(checkImagesPinned(stack.objects)).toEqual([]);
  });

  test('gives every container requests, limits and probes', () => {
    expect(checkResourcesAndProbes(stack.objects)).toEqual([]);
  });

  test('runs every container with a read-only root filesystem', () => {
    expect(checkReadOnlyRootFs(stack.objects)).toEqual([]);
  });

  test('synthesizes byte-identical YAML twice', () => {
    expect(again().yaml).toBe(stack.yaml);
  });

  test('grants no cluster-wide RBAC and no wildcard', () => {
    expect(stack.objects.filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind))).toEqual([]);
    const rules = stack.objects.filter((o) => o.kind === 'Role').flatMap((r) => r.rules);
    expect(rules.filter((r) => [...r.apiGroups, ...r.resources, ...r.verbs].includes('*'))).toEqual([]);
  });

  test('gives every pod a NetworkPolicy', () => {
    const workloads = stack.objects.filter((o) => o.spec?.template?.metadata?.labels);
    // the workloads by namespace and by each label: a policy only looks at those carrying the rarest of its
    // matchLabels pairs (1,000 teams' stack on Woodpecker has 5,000 pods and policies in one namespace)
    const index = new Map<string, any[]>();
    const add = (key: string, w: any) => (index.get(key) ?? index.set(key, []).get(key)!).push(w);
    for (const w of workloads) {
      add(JSON.stringify([w.metadata.namespace]), w);
      for (const pair of Object.entries(w.spec.template.metadata.labels)) add(JSON.stringify([w.metadata.namespace, ...pair]), w);
    }
    const guarded = new Set<any>();
    for (const p of stack.objects.filter((o) => o.kind === 'NetworkPolicy')) {
      const pairs = Object.entries(p.spec.podSelector.matchLabels ?? {});
      const candidates = [[], ...pairs].map((pair) => index.get(JSON.stringify([p.metadata.namespace, ...pair])) ?? [])
        .reduce((a, b) => (b.length < a.length ? b : a));
      candidates.filter((w) => pairs.every(([k, v]) => w.spec.template.metadata.labels[k] === v)).forEach((w) => guarded.add(w));
    }
    const unguarded = workloads.filter((w) => !guarded.has(w));
    expect(unguarded.map((w) => w.metadata.name)).toEqual([]);
  });
  return stack;
}
