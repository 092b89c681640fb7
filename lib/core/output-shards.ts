import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { sha256 } from './hash';
import { invalid } from './validation';

/**
 * A chart's manifest split over files by namespace (`TeamPlatformProps.outputShards`): `synthesize` writes every
 * object of a routed namespace, and that Namespace itself, to the namespace's shard file, and the rest to the chart's
 * own `<chart id>.k8s.yaml`. Only the writer reads it: the construct tree, the objects and the secret state are those
 * of an unsplit chart, so the files together hold exactly the objects, and the bytes of each, of the one file.
 *
 * Why: a GitOps tool takes one share of a thousand teams' objects per Application or Kustomization (README, GitOps
 * with Argo CD or Flux: Argo CD's repo server refuses a directory over 10M of manifests, and an Application's status
 * grows with its objects).
 */
interface ChartShards {
  /** The shard files' names, in order: `<chart id>-teams-<kk>.k8s.yaml`. */
  readonly files: readonly string[];
  /** Each routed namespace's shard, an index into `files`. */
  readonly byNamespace: Map<string, number>;
}

const shardsByChart = new WeakMap<Chart, ChartShards>();
/** The count every caller of `splitChartOutput` in a chart gave, 1 (no split) included. */
const countByChart = new WeakMap<Chart, number>();

/** The most shards a chart's manifest may be split into. */
export const MAX_OUTPUT_SHARDS = 256;

/**
 * Check `outputShards`, given under `prop`: an integer from 1 (no split) to `MAX_OUTPUT_SHARDS`.
 */
export function checkOutputShards(prop: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_OUTPUT_SHARDS) {
    invalid(prop, value, `must be an integer from 1 to ${MAX_OUTPUT_SHARDS}: how many files the teams' objects are written to beside the ` +
      'platform\'s (1: all in one file)');
  }
  return value;
}

/**
 * The shard a name goes to among `count`: the first 32 bits of its SHA-256, modulo `count`. It depends on the name and
 * the count alone, so a team keeps its file when others are added or retired.
 */
export function shardOf(name: string, count: number): number {
  return parseInt(sha256(name).slice(0, 8), 16) % count;
}

/**
 * Split the manifest of the chart of `scope` into `count` shard files (`count` > 1; 1 splits nothing). Every caller in
 * one chart must give the same count, 1 included (`prop` names it in the refusal): the files are the chart's, and a
 * caller whose objects stay in the chart's own file beside another's split would leave its teams there unsaid.
 */
export function splitChartOutput(scope: IConstruct, prop: string, count: number): void {
  const chart = Chart.of(scope);
  const declared = countByChart.get(chart);
  if (declared !== undefined && declared !== count) {
    invalid(prop, count, `must be the same for every TeamPlatform of chart ${chart.node.path}, which ` +
      (declared === 1 ? 'another writes to one file already' : `splits its manifest into ${declared} files already`));
  }
  countByChart.set(chart, count);
  if (count === 1 || shardsByChart.has(chart)) {
    return;
  }
  shardsByChart.set(chart, { files: shardFileNames(chart.node.id, count), byNamespace: new Map() });
}

/** Route `namespaces` of the chart of `scope`, which `splitChartOutput` split, to the shard `shard`. */
export function routeNamespaces(scope: IConstruct, namespaces: readonly string[], shard: number): void {
  const shards = shardsByChart.get(Chart.of(scope))!;
  namespaces.forEach((ns) => shards.byNamespace.set(ns, shard));
}

/**
 * The files `chart`'s manifest is split over, and the file of each object: 0 for the chart's own file, `k + 1` for
 * shard `k`. Undefined for a chart not split.
 */
export function outputShardsOf(chart: Chart): OutputShards | undefined {
  const shards = shardsByChart.get(chart);
  if (shards === undefined) return undefined;
  return {
    files: shards.files,
    fileOf: (kind, namespace, name) => {
      // a Namespace goes with the objects in it; other cluster-scoped objects (a team's ClusterRoles, say, were there
      // any) with the chart, having no namespace to follow
      const ns = kind === 'Namespace' ? name : namespace;
      const shard = typeof ns === 'string' ? shards.byNamespace.get(ns) : undefined;
      return shard === undefined ? 0 : shard + 1;
    },
  };
}

/** What `outputShardsOf` returns. */
export interface OutputShards {
  /** The shard files' names, in order. */
  readonly files: readonly string[];
  /**
   * The file an object goes to: 0, the chart's own, or `k + 1` for shard `k`.
   *
   * @param namespace the namespace it lives in, undefined for a cluster-scoped kind
   */
  fileOf(kind: unknown, namespace: unknown, name: unknown): number;
}

/** The names of `id`'s `count` shard files, as `splitChartOutput` names them; none for 1 (no split). */
function shardFileNames(id: string, count: number): string[] {
  if (count < 2) return [];
  const width = String(count).length;
  return Array.from({ length: count }, (_, k) => `${id}-teams-${String(k).padStart(width, '0')}.k8s.yaml`);
}

/**
 * A warning for each chart whose team files changed in number since the previous output (`previous`, the files its
 * mark lists; undefined on a first synth or a mark without the list): `outputShards` set, changed or unset moves
 * teams between files, so, with one Argo CD Application or Flux Kustomization per file, between owners, and the one
 * that loses a team prunes its Namespaces unless the change is made as the README's "Changing N" says. `charts` are
 * this synth's charts: each one's id and the shard files it writes now (0 unsplit).
 *
 * The previous count is the largest N whose every shard file, as `splitChartOutput` names them, the previous output
 * listed, leaving out the files of this synth's charts: so a chart of the user's own named like a shard
 * (`<id>-teams-1`, or `<id>-teams-16` beside 16 shards) is not taken for one. A chart the previous output did not
 * write (its own `<id>.k8s.yaml` unlisted) is new, and moved no team.
 */
export function shardChangeWarnings(previous: readonly string[] | undefined, charts: readonly { readonly id: string; readonly shards: number }[]): string[] {
  if (previous === undefined) return [];
  const listed = new Set(previous);
  // a file that is a chart's own now was that chart's before, not a shard
  const own = new Set(charts.map((c) => `${c.id}.k8s.yaml`));
  const shardLike = new Set(previous.filter((f) => !own.has(f)));
  const warnings: string[] = [];
  for (const { id, shards: now } of charts) {
    if (!listed.has(`${id}.k8s.yaml`)) continue;
    const prefix = `${id}-teams-`;
    const candidates = [...shardLike].filter((f) => f.startsWith(prefix)).length;
    let before = 0;
    for (let n = candidates; n >= 2 && before === 0; n--) {
      if (shardFileNames(id, n).every((f) => shardLike.has(f))) before = n;
    }
    if (before !== now) {
      const files = (n: number) => (n === 0 ? `${id}.k8s.yaml alone` : `${n} files ${id}-teams-*.k8s.yaml`);
      warnings.push(`warning: the teams' objects moved between files: they were in ${files(before)}, now in ${files(now)} ` +
        '(TeamPlatform outputShards, DOCKYARD_TEAM_SHARDS): with an Argo CD Application or a Flux Kustomization per file, ' +
        'one that loses a team prunes its namespaces unless the change goes as README "GitOps with Argo CD or Flux", Changing N, says: ' +
        'pruning off, the new ones added and synced, then the old ones removed');
    }
  }
  return warnings;
}
