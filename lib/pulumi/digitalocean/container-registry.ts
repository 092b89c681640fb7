import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { checkDnsLabel, checkInteger, describeValue, invalid, missing } from '../../core/validation';
import { printWarning } from '../../core/warn';
import { DOCR_REGISTRY } from '../../registry/credential';
import { checkRegistryRegion } from './container-registry-regions';
import { DOCR_TIERS } from './container-registry-tiers';
import { protectsData } from './data-protection';

/** The host of DigitalOcean Container Registry, the `auths` key of its Docker config (do.md §1.6). */
export const DOCR_SERVER = DOCR_REGISTRY;

export { DOCR_TIERS };

/** Args of a `ContainerRegistry`. */
export interface ContainerRegistryArgs {
  /**
   * Create the account's registry. DigitalOcean allows one per account (do.md §1.6), so set `false` to use the
   * one that already exists, named `registryName`.
   *
   * @default true
   */
  readonly createRegistry?: boolean;
  /**
   * The registry's name: the first path segment of every image (`registry.digitalocean.com/<name>/<repo>`).
   * Required when `createRegistry` is `false`.
   *
   * @default - the component name with a random suffix (Pulumi auto-naming), when the registry is created
   */
  readonly registryName?: string;
  /**
   * The subscription tier of a created registry: `starter`, `basic` or `professional`.
   *
   * @default 'basic'
   */
  readonly subscriptionTier?: string;
  /**
   * The region of a created registry, e.g. `fra1`; one of `DOCR_REGIONS`.
   *
   * @default - chosen by DigitalOcean
   */
  readonly region?: string;
  /**
   * Whether the credentials can push as well as pull.
   *
   * @default false
   */
  readonly write?: boolean;
  /**
   * How long the credentials stay valid, in seconds; more than 0 and less than 1576800000. Expired credentials are not
   * renewed by `pulumi up`: the provider issues new ones only when it reads the resource after they expired (`pulumi
   * refresh`, or `pulumi up --refresh`, which also updates the pull secret), and from the expiry until then every pull
   * with a pull secret made from `dockerConfigJson` fails, pods already running excepted. Setting it prints a warning
   * saying so.
   *
   * @default - the provider's default, 1576800000 (about 50 years)
   */
  readonly expirySeconds?: number;
}

/**
 * DigitalOcean Container Registry credentials for image pull secrets, optionally creating the registry itself.
 *
 * `dockerConfigJson` is the full `{"auths":{"registry.digitalocean.com":{"auth":"…"}}}` document, usable
 * verbatim as the `.dockerconfigjson` key of a `kubernetes.io/dockerconfigjson` Secret (do.md §1.6, §3.1).
 *
 * The registry it creates is protected (Pulumi refuses to delete it, images and all) unless the options say
 * `protect: false`.
 */
export class ContainerRegistry extends pulumi.ComponentResource {
  /** The registry's name. */
  public readonly registryName: pulumi.Output<string>;
  /** The registry host, `registry.digitalocean.com`. */
  public readonly serverUrl: string;
  /** The image prefix, `registry.digitalocean.com/<registryName>`. */
  public readonly endpoint: pulumi.Output<string>;
  /** The Docker config JSON for a pull (or, with `write`, push) secret; a Pulumi secret. */
  public readonly dockerConfigJson: pulumi.Output<string>;

  public constructor(name: string, args: ContainerRegistryArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
    // check every input before registering anything
    const create = args.createRegistry ?? true;
    const tier = args.subscriptionTier ?? 'basic';
    if (!DOCR_TIERS.includes(tier)) {
      invalid('subscriptionTier', tier, `must be one of ${DOCR_TIERS.join(', ')}`);
    }
    if (args.registryName !== undefined) checkDnsLabel('registryName', args.registryName);
    if (args.region !== undefined) checkRegistryRegion('region', args.region);
    if (!create && args.registryName === undefined) {
      missing('registryName', 'is required when createRegistry is false');
    }
    if (args.expirySeconds !== undefined) {
      // do.md §1.6: expiry must be > 0 and < 1576800000
      checkInteger('expirySeconds', args.expirySeconds, 1, 1576800000 - 1);
      // the provider renews expired credentials only in its Read, which `pulumi up` skips without --refresh
      // (terraform-provider-digitalocean 42df50b8 digitalocean/registry/resource_container_registry_docker_credentials.go,
      // updateExpiredDockerCredentials; Update issues new ones only when expiry_seconds or write changes)
      printWarning(`ContainerRegistry ${describeValue(name)}: expirySeconds ${args.expirySeconds} makes the registry credentials expire, and ` +
        '`pulumi up` does not renew them: the provider issues new ones only when it reads them after they expired (pulumi refresh, or ' +
        'pulumi up --refresh), and from the expiry until then every pull with a pull secret made from dockerConfigJson fails. Run pulumi ' +
        'up --refresh soon after each expiry, or leave expirySeconds unset for credentials that last about 50 years');
    }
    super('dockyard:digitalocean:ContainerRegistry', name, {}, opts);

    let registryName: pulumi.Output<string>;
    if (create) {
      const registry = new digitalocean.ContainerRegistry(`${name}-registry`, {
        name: args.registryName,
        subscriptionTierSlug: tier,
        region: args.region,
      // its images: turning the registry off in a program would delete them with it
      }, { parent: this, protect: protectsData(opts) });
      registryName = registry.name;
    } else {
      registryName = pulumi.output(args.registryName!);
    }

    const credentials = new digitalocean.ContainerRegistryDockerCredentials(`${name}-credentials`, {
      registryName,
      write: args.write ?? false,
      expirySeconds: args.expirySeconds,
    }, { parent: this });

    this.registryName = registryName;
    this.serverUrl = DOCR_SERVER;
    this.endpoint = pulumi.interpolate`${DOCR_SERVER}/${registryName}`;
    // the provider marks `dockerCredentials` secret only in the engine (additionalSecretOutputs); make it explicit
    this.dockerConfigJson = pulumi.secret(credentials.dockerCredentials);
    this.registerOutputs({
      registryName: this.registryName,
      serverUrl: this.serverUrl,
      endpoint: this.endpoint,
      dockerConfigJson: this.dockerConfigJson,
    });
  }
}
