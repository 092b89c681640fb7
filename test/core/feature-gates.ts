/**
 * The feature gates behind fields that the Kubernetes 1.27 schema already holds but whose effect depends on the
 * cluster's version: a field in neither the 1.27 nor the 1.36 schema is refused by the strict schema tests
 * (test/policy/checks/schema.ts), but a field the 1.27 API server knows behind a gate that is off drops silently
 * (the API server's `dropDisabled...Fields`) or is stored and ignored by the controller, kubelet or scheduler.
 *
 * Each gate's stages are transcribed from kubernetes/website
 * content/en/docs/reference/command-line-tools-reference/feature-gates/<Gate>.md (the `stages:` front matter, which
 * the website generates from kubernetes/kubernetes pkg/features/kube_features.go), at the commit named.
 */
import { POD_TEMPLATE_KINDS, podTemplateOf } from '../../lib/core/pod-template-of';

/** One stage of a gate: from which minor version (1.x) it holds, and whether the gate is on by default then. */
export interface GateStage {
  readonly stage: 'alpha' | 'beta' | 'stable';
  readonly from: number;
  readonly on: boolean;
}

/** A gated field: the gate, its stages, and where a rendered object uses it. */
export interface GatedField {
  readonly gate: string;
  /** The field, as the README's "Kubernetes versions" table names it. */
  readonly field: string;
  /** kubernetes/website commit of the gate's page. */
  readonly source: string;
  readonly stages: readonly GateStage[];
  /** Whether object `o` (a rendered manifest) uses the field. */
  readonly uses: (o: any) => boolean;
}

/** The pod spec of a workload, Job or CronJob, as a list of none or one. */
function podSpecs(o: any): any[] {
  const spec = POD_TEMPLATE_KINDS.includes(o?.kind) ? podTemplateOf(o)?.spec : undefined;
  return spec ? [spec] : [];
}
const spreads = (o: any): any[] => podSpecs(o).flatMap((s) => s.topologySpreadConstraints ?? []);
const jobSpec = (o: any): any => (o?.kind === 'Job' ? o.spec : o?.kind === 'CronJob' ? o.spec?.jobTemplate?.spec : undefined);

export const GATED_FIELDS: readonly GatedField[] = [
  {
    gate: 'StatefulSetAutoDeletePVC',
    field: 'StatefulSet `spec.persistentVolumeClaimRetentionPolicy`',
    source: '36968e86b2229d7cdfe9c0129770254186f1a22d StatefulSetAutoDeletePVC.md:9-20',
    stages: [{ stage: 'alpha', from: 23, on: false }, { stage: 'beta', from: 27, on: true }, { stage: 'stable', from: 32, on: true }],
    uses: (o) => o?.kind === 'StatefulSet' && o.spec?.persistentVolumeClaimRetentionPolicy !== undefined,
  },
  {
    gate: 'PDBUnhealthyPodEvictionPolicy',
    field: 'PodDisruptionBudget `spec.unhealthyPodEvictionPolicy`',
    source: '584eca24ddefec34787c9f992929c8364c3f5e74 PDBUnhealthyPodEvictionPolicy.md:8-20',
    stages: [{ stage: 'alpha', from: 26, on: false }, { stage: 'beta', from: 27, on: true }, { stage: 'stable', from: 31, on: true }],
    uses: (o) => o?.kind === 'PodDisruptionBudget' && o.spec?.unhealthyPodEvictionPolicy !== undefined,
  },
  {
    gate: 'SizeMemoryBackedVolumes',
    field: '`emptyDir` `medium: Memory` with `sizeLimit`',
    source: '36968e86b2229d7cdfe9c0129770254186f1a22d SizeMemoryBackedVolumes.md:8-20',
    stages: [{ stage: 'alpha', from: 20, on: false }, { stage: 'beta', from: 22, on: true }, { stage: 'stable', from: 32, on: true }],
    uses: (o) => podSpecs(o).some((s) => (s.volumes ?? []).some((v: any) => v.emptyDir?.medium === 'Memory' && v.emptyDir.sizeLimit !== undefined)),
  },
  {
    gate: 'MatchLabelKeysInPodTopologySpread',
    field: '`topologySpreadConstraints[].matchLabelKeys`',
    source: '2ba93e0439e8035269a7bc8ccbe599e090d6cd30 MatchLabelKeysInPodTopologySpread.md:8-15',
    stages: [{ stage: 'alpha', from: 25, on: false }, { stage: 'beta', from: 27, on: true }],
    uses: (o) => spreads(o).some((t) => t.matchLabelKeys !== undefined),
  },
  {
    gate: 'MinDomainsInPodTopologySpread',
    field: '`topologySpreadConstraints[].minDomains`',
    source: '65cff40a0e4b35dd7b62d511a3e1417be3db65b1 MinDomainsInPodTopologySpread.md:8-24',
    stages: [{ stage: 'alpha', from: 24, on: false }, { stage: 'beta', from: 25, on: false }, { stage: 'beta', from: 27, on: true }, { stage: 'stable', from: 30, on: true }],
    uses: (o) => spreads(o).some((t) => t.minDomains !== undefined),
  },
  {
    gate: 'NodeInclusionPolicyInPodTopologySpread',
    field: '`topologySpreadConstraints[].nodeAffinityPolicy`, `nodeTaintsPolicy`',
    source: '02e08b9e976867e902064749a19094ad1b36c362 NodeInclusionPolicyInPodTopologySpread.md:8-20',
    stages: [{ stage: 'alpha', from: 25, on: false }, { stage: 'beta', from: 26, on: true }, { stage: 'stable', from: 33, on: true }],
    uses: (o) => spreads(o).some((t) => t.nodeAffinityPolicy !== undefined || t.nodeTaintsPolicy !== undefined),
  },
  {
    gate: 'UserNamespacesSupport',
    field: 'pod `hostUsers`',
    source: '02e08b9e976867e902064749a19094ad1b36c362 UserNamespacesSupport.md:8-19',
    stages: [{ stage: 'alpha', from: 25, on: false }, { stage: 'beta', from: 30, on: false }, { stage: 'beta', from: 33, on: true }],
    uses: (o) => podSpecs(o).some((s) => s.hostUsers !== undefined),
  },
  {
    gate: 'JobPodFailurePolicy',
    field: 'Job `spec.podFailurePolicy`',
    source: '54db14276cf10405668894b0e8fb8bcb8f292fbe JobPodFailurePolicy.md:8-19',
    stages: [{ stage: 'alpha', from: 25, on: false }, { stage: 'beta', from: 26, on: true }, { stage: 'stable', from: 31, on: true }],
    uses: (o) => jobSpec(o)?.podFailurePolicy !== undefined,
  },
];

/** Whether `gate` is on by default in Kubernetes 1.`minor`: the last stage that began at or before it; off before any. */
export function onByDefault(gate: GatedField, minor: number): boolean {
  return [...gate.stages].reverse().find((s) => s.from <= minor)?.on ?? false;
}

/** The gated fields `objects` use whose gate is off by default in 1.`minor`, as "<gate>: <Kind> <ns>/<name>". */
export function offByDefault(objects: readonly any[], minor: number): string[] {
  return GATED_FIELDS.filter((g) => !onByDefault(g, minor)).flatMap((g) => objects.filter(g.uses)
    .map((o) => `${g.gate}: ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`));
}
