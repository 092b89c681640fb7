/**
 * DigitalOcean managed-database size slugs and the checks shared by `ManagedPostgres` and `ManagedValkey`.
 * Pure functions: no Pulumi resource is created here.
 */
import { isRegionSlug } from '../../core/region-slug';
import { checkInteger, invalid } from '../../core/validation';

/**
 * The smallest managed-database size: 1 vCPU, 1 GB RAM. It allows a single node only.
 *
 * @see do.md §1.1, §6 (the provider's `DatabaseSlug` enum)
 */
export const SMALLEST_DATABASE_SIZE = 'db-s-1vcpu-1gb';

/** A managed-database engine whose sizes are checked here: PostgreSQL (`pg`) or Valkey (`valkey`). */
export type DatabaseEngine = 'pg' | 'valkey';

/**
 * The size families each engine offers, every slug `<family>-<vcpu>vcpu-<N>gb`, as the `layouts` of DigitalOcean's
 * database options list them (digitalocean/openapi 7c1300c specification/resources/databases/responses/options.yml):
 * PostgreSQL `db-s-1vcpu-1gb` … `db-s-6vcpu-16gb`, general purpose `gd-2vcpu-8gb` … `gd-40vcpu-160gb`, storage
 * optimised `so1_5-2vcpu-16gb` … `so1_5-32vcpu-256gb`, and `db-amd-…` and `db-intel-…` from `1vcpu-1gb` to
 * `16vcpu-64gb`; Valkey `db-s-1vcpu-1gb` … `db-s-16vcpu-64gb` and memory optimised `m-2vcpu-16gb` …
 * `m-32vcpu-256gb`. Each slug ends in its RAM, `-<N>gb`, which the connection limit counts.
 */
const SIZE_FAMILIES: Record<DatabaseEngine, { readonly families: readonly string[]; readonly product: string; readonly examples: string }> = {
  pg: { families: ['db-s', 'db-amd', 'db-intel', 'gd', 'so1_5'], product: 'PostgreSQL', examples: '"db-s-2vcpu-4gb" or "gd-2vcpu-8gb"' },
  valkey: { families: ['db-s', 'm'], product: 'Valkey', examples: '"db-s-2vcpu-4gb" or "m-2vcpu-16gb"' },
};

/** A slug of `engine`'s families; its group is the RAM in GB. */
function sizePattern(engine: DatabaseEngine): RegExp {
  return new RegExp(`^(?:${SIZE_FAMILIES[engine].families.join('|')})-[1-9]\\d*vcpu-([1-9]\\d*)gb$`);
}

/**
 * Check a managed-database size slug of `engine` such as `db-s-2vcpu-4gb`, naming `prop` (e.g. `size`, or a config
 * key such as `postgresSize`) if it is no slug of the engine's families (`SIZE_FAMILIES`).
 *
 * @returns the slug
 */
export function checkDatabaseSize(prop: string, size: string, engine: DatabaseEngine): string {
  if (typeof size !== 'string' || !sizePattern(engine).test(size)) {
    const { families, product, examples } = SIZE_FAMILIES[engine];
    invalid(prop, size, `must be a DigitalOcean ${product} size slug <family>-<vcpu>vcpu-<N>gb of the family ` +
      `${families.slice(0, -1).join(', ')} or ${families[families.length - 1]}, such as ${examples}`);
  }
  return size;
}

/** The RAM in GB of a size slug of `engine` such as `db-s-2vcpu-4gb` (its `-<N>gb`); throws on any other slug. */
export function databaseMemoryGb(size: string, engine: DatabaseEngine): number {
  return Number(sizePattern(engine).exec(checkDatabaseSize('size', size, engine))![1]);
}

/**
 * Check a cluster's size and node count together. A standby node can't be added to a 1 GB size: the options'
 * layouts of 2 and 3 nodes start at 2 GB, `db-s-1vcpu-2gb` (options.yml, as `SIZE_FAMILIES` cites it).
 */
export function checkDatabaseNodes(engine: DatabaseEngine, size: string, nodeCount: number, maxNodes?: number): void {
  const memoryGb = databaseMemoryGb(size, engine);
  checkInteger('nodeCount', nodeCount, 1, maxNodes);
  if (nodeCount > 1 && memoryGb === 1) {
    invalid('nodeCount', nodeCount, `must be 1 with size ${JSON.stringify(size)}; clusters with standby nodes start at 2 GB, such as "db-s-1vcpu-2gb"`);
  }
}

/**
 * Check a region slug such as `nyc3`, when it is known at construction (a string, not an Output): its shape, the one
 * rule of `spacesEndpoint` too (`isRegionSlug`, lib/core/region-slug.ts).
 */
export function checkRegion(prop: string, region: unknown): void {
  if (typeof region === 'string' && !isRegionSlug(region)) {
    invalid(prop, region, 'must be a DigitalOcean region slug such as "nyc3", "fra1" or "ams3"');
  }
}
