// What KubernetesCluster reads from DigitalOcean's answers, apart so that each refusal is tested on its own: thrown in
// an Output, they fail every resource the Output feeds. Not an entry point's export.
import type * as digitalocean from '@pulumi/digitalocean';
import { invalid } from '../../core/validation';
import { EnvironmentError } from '../run-errors';

/**
 * The kubeconfig of a looked-up cluster.
 *
 * @throws EnvironmentError naming the cluster, never the answer's secrets, when DigitalOcean gave none
 */
export function kubeconfigOf(cluster: Pick<digitalocean.GetKubernetesClusterResult, 'name' | 'kubeConfigs'>): string {
  const config = cluster.kubeConfigs?.[0]?.rawConfig;
  if (!config) {
    // DigitalOcean's answer, not Dockyard's bug: one line under Pulumi
    throw new EnvironmentError(`DigitalOcean returned no kubeconfig for Kubernetes cluster "${cluster.name}": check it in the DigitalOcean console, then run pulumi up again`);
  }
  return config;
}

/**
 * The newest DOKS version offered, of the minor `prefix` if given.
 *
 * @throws ValidationError for a `versionPrefix` DigitalOcean no longer offers; EnvironmentError when it offers none
 */
export function newestVersion(versions: Pick<digitalocean.GetKubernetesVersionsResult, 'latestVersion'>, prefix: string | undefined): string {
  if (!versions.latestVersion && prefix !== undefined) {
    // a setting DigitalOcean no longer honours: the user's to change, named as any refused prop is
    invalid('versionPrefix', prefix, 'must be a Kubernetes minor version DigitalOcean offers: pick one from `doctl kubernetes options versions`');
  }
  if (!versions.latestVersion) {
    throw new EnvironmentError('DigitalOcean offers no Kubernetes version: set version to one from `doctl kubernetes options versions`');
  }
  return versions.latestVersion;
}
