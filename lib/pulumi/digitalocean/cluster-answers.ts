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

/** The Kubernetes minor of a DOKS version slug (`1.34.1-do.0` → 34), undefined for another text. */
function minorOf(slug: string): number | undefined {
  const minor = /^1\.(\d+)\./.exec(slug)?.[1];
  return minor === undefined ? undefined : Number(minor);
}

/**
 * The warning for a pinned `version` whose Kubernetes minor is older than every one DigitalOcean offers: past its end
 * of life, which DigitalOcean upgrades a cluster from itself, after which the provider plans to replace the cluster
 * (a version lower than it runs) and its protection stops every `pulumi up` in a line that does not say why. A slug
 * whose minor is still offered gets none, an older patch of it included: DigitalOcean may also schedule a required
 * upgrade of a cluster to its own minor's newest patch ("DigitalOcean may schedule an upgrade to the latest patch
 * version of the cluster's current minor version", docs.digitalocean.com products/kubernetes/how-to/upgrade-cluster),
 * with the same refusal after it, but the offer does not tell which patch that is or when, and warning of every pin
 * below its minor's newest patch would warn after each of DigitalOcean's patch releases.
 *
 * A cluster whose options say `protect: false` has no protection to stop that: the line then says `pulumi up`
 * replaces it with a new, empty cluster, which is what the engine does next.
 *
 * @param protectedCluster whether the cluster is protected (`protectsData`)
 * @returns one line, or undefined when there is nothing to say
 */
export function endOfLifeVersionWarning(version: string, versions: Pick<digitalocean.GetKubernetesVersionsResult, 'validVersions'>,
  protectedCluster: boolean): string | undefined {
  const pinned = minorOf(version);
  const offered = (versions.validVersions ?? []).map(minorOf).filter((m): m is number => m !== undefined);
  if (pinned === undefined || offered.length === 0 || pinned >= Math.min(...offered)) return undefined;
  const range = Math.min(...offered) === Math.max(...offered) ? `1.${Math.min(...offered)}` : `1.${Math.min(...offered)} to 1.${Math.max(...offered)}`;
  return `version "${version}" is of Kubernetes 1.${pinned}, past its end of life (DigitalOcean offers ${range}), and DigitalOcean upgrades such a ` +
    `cluster itself: once a refresh reads the newer version, pulumi up ${protectedCluster
      ? 'stops at "unable to replace resource … marked for protection"'
      : 'replaces the cluster with a new, empty one (its protection is off)'}, the provider ` +
    'replacing a cluster given a lower version than it runs; set version to the one the cluster runs (doctl kubernetes cluster list), or drop it to leave the version to DigitalOcean';
}
