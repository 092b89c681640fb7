import * as pulumi from '@pulumi/pulumi';

/**
 * Whether a component protects the DigitalOcean resources that hold data (clusters, buckets, registries): its own
 * `protect` option when the caller sets one, else true.
 *
 * A benign-looking change can make DigitalOcean replace such a resource, which deletes what it holds: a DOKS
 * cluster's node size (terraform-provider-digitalocean `digitalocean/kubernetes/kubernetes.go`, `size` ForceNew,
 * used by the cluster's `node_pool`), a lower Kubernetes version (`resource_kubernetes_cluster.go`, CustomizeDiff),
 * a database cluster's VPC (`database/resource_database_cluster.go`, `private_network_uuid` ForceNew), or a setting
 * that drops the resource from the program. Protected, Pulumi refuses to delete or replace it and says so; removing
 * it is then a deliberate act (`pulumi state unprotect`, or `protect: false`).
 */
export function protectsData(opts: pulumi.ComponentResourceOptions | undefined): boolean {
  return opts?.protect ?? true;
}
