import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { invalid } from '../../core/validation';
import { checkDatabaseNodes, checkRegion, DatabaseEngine, SMALLEST_DATABASE_SIZE } from './database-size';

/** What every managed database cluster takes. */
export interface ManagedDatabaseArgs {
  /** The region, e.g. `nyc3`; the same as the Kubernetes cluster's so its nodes reach the private host. */
  readonly region: pulumi.Input<string>;
  /** The id of the DOKS cluster allowed through the database firewall (its only trusted source). */
  readonly kubernetesClusterId: pulumi.Input<string>;
  /**
   * The size slug of each node, of the engine's families (`checkDatabaseSize`), e.g. `db-s-2vcpu-4gb`.
   *
   * @default 'db-s-1vcpu-1gb'
   */
  readonly size?: string;
  /**
   * The number of nodes, at most 3. More than 1 needs a size of at least 2 GB, such as `db-s-1vcpu-2gb`.
   *
   * @default 1
   */
  readonly nodeCount?: number;
  /**
   * The VPC to place the cluster in; pass the Kubernetes cluster's VPC (`KubernetesCluster.vpcUuid`) so that
   * `host` is reachable from its pods.
   *
   * @default - the region's default VPC
   */
  readonly privateNetworkUuid?: pulumi.Input<string>;
  /**
   * The cluster's name in DigitalOcean.
   *
   * @default - the component name with a random suffix (Pulumi auto-naming)
   */
  readonly clusterName?: string;
  /**
   * Tags on the cluster. Given, they are managed: a tag added in the console is removed at the next `pulumi up`.
   *
   * @default - not managed: none at creation, and from then on what the console sets. The provider reads the
   * cluster's tags back and would otherwise remove them at the next `pulumi up` after a refresh
   * (terraform-provider-digitalocean v2.99.1 digitalocean/database/resource_database_cluster.go:241 optional, not
   * computed; :585 read; :543-547 `SetTags`, untagging what the configuration lacks)
   */
  readonly tags?: readonly string[];
}

const PRODUCTS: Record<string, string> = { pg: 'PostgreSQL', valkey: 'Valkey' };
const DEFAULT_VERSIONS: Record<string, string> = { pg: '17', valkey: '8' };

/** The checked engine settings of a managed database. */
export interface DatabaseSettings {
  /** The DigitalOcean engine slug, e.g. `pg` or `valkey`. */
  readonly engine: string;
  /** The engine's major version, a whole number such as `"17"`. */
  readonly version: string;
  /**
   * Whether the caller chose the version. A default is applied at creation only: a later Dockyard with another
   * default must not upgrade a running database's major version.
   */
  readonly versionChosen: boolean;
  /** The size slug of each node: `ManagedDatabaseArgs.size`, or `db-s-1vcpu-1gb` when it is unset. */
  readonly size: string;
  /** The number of nodes: `ManagedDatabaseArgs.nodeCount`, or 1 when it is unset. */
  readonly nodeCount: number;
}

/**
 * Check the common args before anything is registered; `chosen` is the caller's version, if any, and `maxNodes` the
 * engine's limit.
 */
export function databaseSettings(engine: DatabaseEngine, chosen: string | undefined, args: ManagedDatabaseArgs, maxNodes?: number): DatabaseSettings {
  const version = chosen ?? DEFAULT_VERSIONS[engine];
  const size = args.size ?? SMALLEST_DATABASE_SIZE;
  const nodeCount = args.nodeCount ?? 1;
  checkDatabaseNodes(engine, size, nodeCount, maxNodes);
  checkRegion('region', args.region);
  if (!/^[1-9]\d*$/.test(version)) {
    invalid('version', version, `must be a ${PRODUCTS[engine] ?? engine} major version number such as "${DEFAULT_VERSIONS[engine] ?? '1'}"`);
  }
  return { engine, version, versionChosen: chosen !== undefined, size, nodeCount };
}

/**
 * A DatabaseCluster and the DatabaseFirewall that owns its whole trusted-source list: one `k8s` rule for the DOKS
 * cluster (do.md §1.2), so nothing else reaches it. The cluster is protected when `protect` is (`protectsData`):
 * a new VPC, for one, replaces it (`private_network_uuid` is ForceNew). `engineArgs` are the engine's own settings.
 */
export function managedCluster(parent: pulumi.Resource, name: string, settings: DatabaseSettings, args: ManagedDatabaseArgs,
  protect: boolean, engineArgs: Pick<digitalocean.DatabaseClusterArgs, 'evictionPolicy'> = {}): digitalocean.DatabaseCluster {
  // what the caller does not set is left to DigitalOcean and the console: a version at creation (a later Dockyard's
  // default upgrades no running database), and the tags, which the firewall does not use (its rule names the DOKS
  // cluster by id) and the provider would otherwise untag at the next update after a refresh (`tags` above)
  const ignoreChanges = [
    ...(settings.versionChosen ? [] : ['version' as const]),
    ...(args.tags === undefined ? ['tags' as const] : []),
  ] satisfies (keyof digitalocean.DatabaseClusterArgs)[];
  const cluster = new digitalocean.DatabaseCluster(`${name}-cluster`, {
    name: args.clusterName,
    engine: settings.engine,
    version: settings.version,
    size: settings.size,
    nodeCount: settings.nodeCount,
    region: args.region,
    privateNetworkUuid: args.privateNetworkUuid,
    tags: args.tags ? [...args.tags] : undefined,
    ...engineArgs,
  }, { parent, protect, ...(ignoreChanges.length > 0 ? { ignoreChanges } : {}) });
  new digitalocean.DatabaseFirewall(`${name}-firewall`, {
    clusterId: cluster.id,
    rules: [{ type: 'k8s', value: args.kubernetesClusterId }],
  }, { parent });
  return cluster;
}
