/**
 * DigitalOcean managed-database size slugs and the checks shared by `ManagedPostgres` and `ManagedValkey`.
 * Pure functions: no Pulumi resource is created here.
 */
import { checkInteger, invalid } from '../../core/validation';

/**
 * The smallest managed-database size: 1 vCPU, 1 GB RAM. It allows a single node only.
 *
 * @see do.md §1.1, §6 (the provider's `DatabaseSlug` enum)
 */
export const SMALLEST_DATABASE_SIZE = 'db-s-1vcpu-1gb';

// Every slug documented for DigitalOcean managed databases follows `db-s-<vcpu>vcpu-<N>gb`: the
// `DatabaseSlug` enum of @pulumi/digitalocean (db-s-1vcpu-1gb … db-s-16vcpu-64gb) and the provider's
// `db-s-2vcpu-2gb` example. Other families (e.g. `gd-…`, `so1_5-…`) aren't documented in do.md, so their
// RAM and connection limits aren't known here.
const DATABASE_SIZE = /^db-s-([1-9]\d*)vcpu-([1-9]\d*)gb$/;

/**
 * Check a managed-database size slug such as `db-s-2vcpu-4gb`, naming `prop` (e.g. `size`, or a config key such as
 * `postgresSize`) if it is any other slug.
 *
 * @returns the slug
 */
export function checkDatabaseSize(prop: string, size: string): string {
  if (typeof size !== 'string' || !DATABASE_SIZE.test(size)) {
    invalid(prop, size, 'must be a DigitalOcean database size slug db-s-<vcpu>vcpu-<N>gb, such as "db-s-1vcpu-1gb" or "db-s-2vcpu-4gb"');
  }
  return size;
}

/** The RAM in GB of a managed-database size slug such as `db-s-2vcpu-4gb`; throws on any other slug. */
export function databaseMemoryGb(size: string): number {
  return Number(DATABASE_SIZE.exec(checkDatabaseSize('size', size))![2]);
}

/**
 * Check a cluster's size and node count together. A standby node can't be added to the smallest single-node
 * plan: clusters of 2 or more nodes start at `db-s-1vcpu-2gb` (do.md §1.1, DO API options example).
 */
export function checkDatabaseNodes(size: string, nodeCount: number, maxNodes?: number): void {
  databaseMemoryGb(size);
  checkInteger('nodeCount', nodeCount, 1, maxNodes);
  if (nodeCount > 1 && size === SMALLEST_DATABASE_SIZE) {
    invalid('nodeCount', nodeCount, `must be 1 with size "${SMALLEST_DATABASE_SIZE}"; clusters with standby nodes start at "db-s-1vcpu-2gb"`);
  }
}

/** Check a region slug such as `nyc3`, when it is known at construction. */
export function checkRegion(prop: string, region: unknown): void {
  if (typeof region === 'string' && !/^[a-z]{3}[0-9]$/.test(region)) {
    invalid(prop, region, 'must be a DigitalOcean region slug such as "nyc3", "fra1" or "ams3"');
  }
}
