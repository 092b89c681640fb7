import {
  ApiServerEndpoint, CiEngineKind, checkDnsLabel, checkDnsSubdomain, checkEmail, DEFAULT_EVENTS, ImageDigests, inSetting, invalid, missing, PipelineEvent,
  TrustBundle,
} from '../../lib';
// the pure rule modules, not the `lib/pulumi/digitalocean` index: that loads @pulumi/digitalocean, which the tests
// that read DIGITALOCEAN_EXAMPLE must load only after their Pulumi mocks are set
import { checkRegistryRegion } from '../../lib/pulumi/digitalocean/container-registry-regions';
import { checkDatabaseSize } from '../../lib/pulumi/digitalocean/database-size';
import { checkDropletSize } from '../../lib/pulumi/digitalocean/droplet-size';
import { checkKubernetesVersion } from '../../lib/pulumi/digitalocean/kubernetes-version';
import { checkSpacesBucketName, checkSpacesRegion } from '../../lib/pulumi/digitalocean/spaces-rules';
// a bad setting prints as its one line under Pulumi, even where these settings are read alone
import '../../lib/pulumi/run-errors';
import { editDistance } from '../../lib/core/text';
import { readTrueOrFalse } from '../../lib/core/validation';
import { MAX_CLIENTS } from '../../lib/redis/max-clients';
import { checkTeamRoute } from '../../lib/team/team-route';
import { checkRouteBranches } from '../../lib/woodpecker/route-branches';
import { checkCiEngine } from '../shared/ci-engine';
import { DOCR_TIERS } from '../../lib/pulumi/digitalocean/container-registry-tiers';
import { checkImageMirror, DigitalOceanRetiredTeam, DigitalOceanTeam, docrMirrorRegistry } from './charts';
import { checkCloneUser, checkGitAuthPublicRepos } from '../shared/clone-login';
import { checkDockerHubUser } from '../shared/image-mirror';
import {
  checkGitAccountOf, checkGitClientId, checkGitProviderKind, checkGitServer, checkGitServerCidrs, checkOrganization, GitProviderKind, GitServerEgress,
} from '../shared/git-provider';

/** The DigitalOcean program's settings: `pulumi config set <key> <value>` in project `dockyard`. */
export interface DigitalOceanSettings {
  /** The DigitalOcean region of every resource (`region`). */
  readonly region: string;
  /** The domain Harbor and the CI server are served under (`domain`): `harbor.<domain>` and `<ciEngine>.<domain>`. */
  readonly domain: string;
  /** The managed PostgreSQL's size slug (`postgresSize`). */
  readonly postgresSize: string;
  /** The managed Valkey's size slug (`valkeySize`). */
  readonly valkeySize: string;
  /**
   * The managed Valkey's `maxclients` (`valkeyMaxClients`), as `INFO clients` prints it: the `ExternalRedis`'s
   * `maxClients`, from which Harbor sizes its Redis pools (README, "Redis connection budget"). DigitalOcean states no
   * limit per plan, so the program cannot derive it from `valkeySize`.
   *
   * @default - not known: Harbor's Redis pools keep their upstream sizes
   */
  readonly valkeyMaxClients?: number;
  /** The Spaces bucket for Harbor's images (`bucket`). */
  readonly bucket: string;
  /**
   * The Spaces bucket the program makes for Drone's build logs (`droneLogBucket`), with a key of its own; with
   * `ciEngine` woodpecker, none.
   *
   * @default - `<bucket>-drone-logs` with Drone
   */
  readonly droneLogBucket?: string;
  /**
   * Days Spaces keeps each Drone build log before its lifecycle rule deletes it (`droneLogRetentionDays`).
   *
   * @default 90
   */
  readonly droneLogRetentionDays?: number;
  /** An existing DOKS cluster to deploy to, instead of creating one (`clusterName`). */
  readonly clusterName?: string;
  /**
   * The DOKS version of a created cluster (`kubernetesVersion`), e.g. `1.34.1-do.0`: set it to upgrade the cluster
   * with `pulumi up`; never lower it.
   *
   * @default - the newest version DigitalOcean offers when the cluster is created, not managed from then on
   */
  readonly kubernetesVersion?: string;
  /** The node size and count of a created cluster (`nodeSize`, `nodeCount`). */
  readonly nodeSize: string;
  readonly nodeCount: number;
  /** Whether to create a DigitalOcean Container Registry and pull from it (`containerRegistry`). */
  readonly containerRegistry: boolean;
  /**
   * The subscription tier of the created Container Registry (`containerRegistryTier`): `starter` (1 repository),
   * `basic` (5) or `professional` (unlimited), do.md §1.6. A mirror of the stack's images on it needs `professional`.
   *
   * @default "basic"
   */
  readonly containerRegistryTier?: string;
  /** The CI engine (`ciEngine`): drone or woodpecker, served at `<engine>.<domain>`. */
  readonly ciEngine: CiEngineKind;
  /** The git provider users log in with (`gitProvider`): github, gitlab, gitea or bitbucket. */
  readonly gitProvider: GitProviderKind;
  /** The provider's base URL, for self-hosted GitLab, Gitea or GitHub Enterprise (`gitServer`). */
  readonly gitServer?: string;
  /**
   * Where build pods reach a self-hosted git server at a private address (`gitServerCidrs`: its addresses, on
   * `gitServer`'s port), as `DOCKYARD_GIT_SERVER_CIDRS` for the default stack.
   *
   * @default - none: build pods reach the git server only at a public address (or through the ingress controller)
   */
  readonly gitServerCidrs?: GitServerEgress;
  /**
   * Whether public repositories' builds clone with the forge login too (`gitAuthPublicRepos`), as
   * `DOCKYARD_GIT_AUTH_PUBLIC_REPOS` for the default stack; refused with `ciEngine` drone unless `cloneUser` is set.
   *
   * @default false
   */
  readonly gitAuthPublicRepos?: boolean;
  /** The OAuth app's client ID (`gitClientId`); its secret is `gitClientSecret`, set with `--secret`. */
  readonly gitClientId: string;
  /**
   * The organisation whose members may log in (`organization`; on GitLab, the users the admin adds) and the first
   * CI admin (`admin`, the forge login in its exact case).
   */
  readonly organization: string;
  readonly admin: string;
  /**
   * Whether the program installs ingress-nginx, cert-manager and a Let's Encrypt ClusterIssuer (`installIngress`).
   * Existing stacks that installed them by hand set neither this nor `acmeEmail`, and keep them as they are.
   *
   * @default - true when `acmeEmail` is set
   */
  readonly installIngress?: boolean;
  /**
   * The e-mail address of the Let's Encrypt account (`acmeEmail`); required when `installIngress` is on.
   *
   * @default - none: no ingress, cert-manager or issuer is installed unless `installIngress` says so
   */
  readonly acmeEmail?: string;
  /**
   * Whether the ClusterIssuer uses Let's Encrypt's staging directory (`acmeStaging`): untrusted certificates with
   * high rate limits, for trying a stack out.
   *
   * @default false
   */
  readonly acmeStaging?: boolean;
  /**
   * Whether the program creates the A records `harbor.<domain>` and `<ciEngine>.<domain>` (`drone.` or
   * `woodpecker.`) in DigitalOcean DNS, pointing at the ingress-nginx Load Balancer (`dnsRecords`).
   *
   * @default false
   */
  readonly dnsRecords?: boolean;
  /**
   * The DigitalOcean domain that holds the records (`dnsDomain`): `domain` itself or a parent of it.
   *
   * @default - `domain`
   */
  readonly dnsDomain?: string;
  /**
   * A registry that mirrors every image, for air-gapped clusters (`imageMirror`, e.g. `registry.example.com/mirror`
   * or the Container Registry, `registry.digitalocean.com/<registry name>` with `containerRegistry true`): every
   * image is pulled from it, and Harbor has no Docker Hub proxy cache.
   *
   * @default - the CI pulls Docker Hub images through Harbor's proxy cache, Harbor from upstream
   */
  readonly imageMirror?: string;
  /**
   * The user name of the mirror's login, if it needs one (`imageMirrorUser`); its password or token is the secret
   * `imageMirrorPassword` (`pulumi config set --secret imageMirrorPassword …`).
   *
   * @default - the mirror is pulled from anonymously, or with the Container Registry's token when it is that
   */
  readonly imageMirrorUser?: string;
  /**
   * The Docker Hub user Harbor's proxy cache logs in as (`dockerHubUser`); its access token is the secret
   * `dockerHubToken` (`pulumi config set --secret dockerHubToken …`). Docker Hub allows 100 pulls per 6 hours per
   * IPv4 address without a login, for the whole cluster behind its egress address, 200 for a Personal account and
   * none for paid ones (docs.docker.com/docker-hub/usage/pulls/).
   *
   * @default - Harbor pulls Docker Hub anonymously, and the program warns of it
   */
  readonly dockerHubUser?: string;
  /**
   * The digests every image is pulled by (`imageDigests`: the path of a file of `<reference> <digest>` lines, relative
   * to the project directory), pinned as the default stack pins `DOCKYARD_IMAGE_DIGESTS`: an image the file leaves out
   * fails the program before anything is registered.
   *
   * @default - images are pulled by tag
   */
  readonly imageDigests?: ImageDigests;
  /**
   * The CA certificates the CI server and Harbor trust beside the public ones (`caBundle`: the path of a PEM file,
   * relative to the project directory, as the default stack reads `DOCKYARD_CA_BUNDLE`): a private CA that signs the
   * git server, an OIDC provider or an upstream registry.
   *
   * @default - none: the public roots of the images only
   */
  readonly caBundle?: TrustBundle;
  /**
   * The forge login Drone clones private repositories with (`cloneUser`, `DroneServerProps.cloneLogin`), instead of
   * the OAuth token of the user who activated each; its token is the secret `cloneToken` (`pulumi config set --secret
   * cloneToken …`). Drone only: refused with `ciEngine` woodpecker.
   *
   * @default - none: each private repository's builds hold its activating user's OAuth token
   */
  readonly cloneUser?: string;
  /**
   * The application teams to onboard (`teams`, a structured setting: `pulumi config set --path 'teams[0].name'
   * payments`, `--path 'teams[0].repos[0]' 'acme/payments-*'`), each with the keys of `DigitalOceanTeam`; `events` and
   * `branches` (a route by branch) with `ciEngine` woodpecker only, checked as they are read.
   *
   * @default - none
   */
  readonly teams?: readonly DigitalOceanTeam[];
  /**
   * The repositories whose pipelines get the platform's `harbor-push` and `harbor-pull` (`platformRepos`, a
   * structured setting: `pulumi config set --path 'platformRepos[0]' 'acme/infra-*'`); Drone only.
   *
   * @default - `<organization>/*` without `teams` and `retiredTeams`, none with either
   */
  readonly platformRepos?: readonly string[];
  /**
   * Whether Harbor's built-in `library`, where the platform's pipelines push, stays public (`publicLibrary`).
   *
   * @default false
   */
  readonly publicLibrary?: boolean;
  /**
   * The teams that left (`retiredTeams`, a structured setting: `pulumi config set --path 'retiredTeams[0]' billing`):
   * their Harbor robots are deleted from Harbor, as `TeamPlatform.retireTeam` does (`DigitalOceanChartsConfig.retiredTeams`).
   * An entry may also be an object of `name`, `repos`, `buildNamespace`, `events` and `branches` (`pulumi config set
   * --path 'retiredTeams[0].name' billing`, `--path 'retiredTeams[0].repos[0]' acme/billing-app`), which on Woodpecker
   * cuts the team's leftover agents off the server (a team that had `events` or `branches` in `teams` with the same).
   *
   * @default - none
   */
  readonly retiredTeams?: readonly (string | DigitalOceanRetiredTeam)[];
  /**
   * The Kubernetes API server as pods reach it (`apiServer`, e.g. `https://203.0.113.10:443`, an address of
   * `kubectl -n default get endpointslice kubernetes`): the teams' build namespaces may reach it, no other build may.
   *
   * @default - none
   */
  readonly apiServer?: ApiServerEndpoint;
}

/** The keys a team of the `teams` setting may hold: `DigitalOceanTeam`'s. */
export const TEAM_SETTING_KEYS: readonly (keyof DigitalOceanTeam)[] = [
  'name', 'repos', 'namespaces', 'buildNamespace', 'quota', 'registryQuotaGiB', 'dedicatedRunner', 'pullRequestNamespace', 'events', 'branches',
];

/** The keys a retired team of the `retiredTeams` setting may hold: `DigitalOceanRetiredTeam`'s. */
const RETIRED_TEAM_SETTING_KEYS: readonly (keyof DigitalOceanRetiredTeam)[] = ['name', 'repos', 'buildNamespace', 'events', 'branches'];

/** The settings of the example in tests and docs; a real stack sets at least domain, bucket and the GitHub app. */
export const DIGITALOCEAN_EXAMPLE = {
  region: 'fra1',
  domain: 'example.com',
  postgresSize: 'db-s-1vcpu-1gb',
  valkeySize: 'db-s-1vcpu-1gb',
  bucket: 'example-harbor',
  nodeSize: 's-2vcpu-4gb',
  nodeCount: 2,
  containerRegistry: false,
  ciEngine: CiEngineKind.DRONE,
  gitProvider: GitProviderKind.GITHUB,
  gitClientId: 'replace-with-oauth-client-id',
  organization: 'example',
  admin: 'example-admin',
  // what digitalOceanCharts needs beyond the settings: a 1 GB PostgreSQL allows 22 connections
  postgresConnectionLimit: 22,
};

/**
 * Every key of the program's config (project `dockyard`): those Pulumi.yaml declares, and `imageMirrorPassword`,
 * `dockerHubToken` and `cloneToken`, secrets it cannot declare (see Pulumi.yaml).
 */
export const SETTING_KEYS: readonly string[] = [
  'region', 'domain', 'bucket', 'droneLogBucket', 'droneLogRetentionDays', 'postgresSize', 'valkeySize', 'valkeyMaxClients', 'clusterName', 'kubernetesVersion', 'nodeSize', 'nodeCount',
  'containerRegistry', 'containerRegistryTier', 'ciEngine', 'gitProvider', 'gitServer', 'gitServerCidrs', 'gitAuthPublicRepos', 'gitClientId', 'gitClientSecret', 'organization',
  'admin', 'installIngress', 'acmeEmail', 'acmeStaging', 'dnsRecords', 'dnsDomain', 'imageMirror', 'imageMirrorUser', 'imageMirrorPassword',
  'dockerHubUser', 'dockerHubToken', 'imageDigests', 'caBundle', 'cloneUser', 'cloneToken', 'teams', 'platformRepos', 'publicLibrary', 'retiredTeams', 'apiServer',
];

/**
 * A warning for each key of the program's config (`<project>:<key>` among `configKeys`, as
 * `pulumi.runtime.allConfig()` names them) that it does not read: `pulumi config set regoin ams3` set nothing the
 * program reads, and it deployed to the default region without a word, where the default stack warns of a misspelt
 * `DOCKYARD_*` variable. The nearest known key is suggested where one is within two edits, and alone.
 */
export function unknownSettingWarnings(configKeys: readonly string[], project: string): string[] {
  return configKeys.filter((k) => k.startsWith(`${project}:`)).map((k) => k.slice(project.length + 1))
    .filter((key) => !SETTING_KEYS.includes(key)).sort().map((key) => {
      const scored = SETTING_KEYS.map((known) => ({ known, d: editDistance(key.toLowerCase(), known.toLowerCase()) })).filter((x) => x.d <= 2);
      const best = Math.min(...scored.map((x) => x.d));
      const nearest = scored.filter((x) => x.d === best);
      const hint = nearest.length === 1 ? ` (did you mean ${nearest[0].known}?)` : '';
      return `config key ${key} is not a setting of this program${hint}, and is ignored: pulumi config rm ${key}`;
    });
}

/**
 * Read and check the settings from a getter such as `pulumi.Config.get`. A setting set to the empty string is unset,
 * as an empty `DOCKYARD_*` variable is for the default stack (`pulumi config set region ""` takes the default).
 */
export function readSettings(get: (key: string) => string | undefined): DigitalOceanSettings {
  const value = (key: keyof DigitalOceanSettings, fallback?: string | number | boolean) =>
    (get(key) || undefined) ?? (fallback === undefined ? undefined : String(fallback));
  const required = (key: keyof DigitalOceanSettings) => value(key) ?? missing(key, `must be set: pulumi config set ${key} <value>`);
  const nodeCount = readWholeNumber('nodeCount', value('nodeCount', DIGITALOCEAN_EXAMPLE.nodeCount)!, 1, 'must be a whole number of at least 1');
  // the Spaces bucket, the cluster and the databases all live in `region`, and a registry too when there is one
  const region = checkSpacesRegion('region', value('region', DIGITALOCEAN_EXAMPLE.region)!);
  const containerRegistry = readTrueOrFalse('containerRegistry', value('containerRegistry', false));
  if (containerRegistry) checkRegistryRegion('region', region);
  const gitProvider = checkGitProviderKind('gitProvider', value('gitProvider', GitProviderKind.GITHUB)!);
  const ciEngine = checkCiEngine('ciEngine', value('ciEngine', DIGITALOCEAN_EXAMPLE.ciEngine)!);
  const domain = checkDnsSubdomain('domain', required('domain'));
  const acmeEmail = value('acmeEmail');
  const installIngress = readTrueOrFalse('installIngress', value('installIngress', acmeEmail !== undefined));
  if (installIngress && acmeEmail === undefined) {
    missing('acmeEmail', 'must be set when installIngress is on: pulumi config set acmeEmail <address>');
  }
  if (acmeEmail !== undefined) checkEmail('acmeEmail', acmeEmail);
  const dnsDomain = value('dnsDomain') === undefined ? undefined : checkDnsSubdomain('dnsDomain', value('dnsDomain')!);
  if (dnsDomain !== undefined && domain !== dnsDomain && !domain.endsWith(`.${dnsDomain}`)) {
    invalid('dnsDomain', dnsDomain, `must be the domain ${domain} or a parent of it`);
  }
  const imageMirror = value('imageMirror');
  const imageMirrorUser = value('imageMirrorUser');
  const containerRegistryTier = value('containerRegistryTier');
  if (containerRegistryTier !== undefined) {
    if (!containerRegistry) {
      invalid('containerRegistryTier', containerRegistryTier, 'must be set only with containerRegistry true: it is the tier of the registry the program creates');
    }
    if (!DOCR_TIERS.includes(containerRegistryTier)) {
      invalid('containerRegistryTier', containerRegistryTier, `must be one of ${DOCR_TIERS.join(', ')}`);
    }
  }
  checkImageMirror({ imageMirror, imageMirrorUser, containerRegistry, domain });
  const dockerHubUser = value('dockerHubUser') === undefined ? undefined : checkDockerHubUser('dockerHubUser', value('dockerHubUser')!, 'imageMirror', imageMirror);
  // a mirror holds one repository per image: over a dozen, which only the professional tier holds (do.md §1.6)
  if (docrMirrorRegistry(imageMirror) !== undefined && containerRegistryTier !== 'professional') {
    invalid('imageMirror', imageMirror, `is on the Container Registry, whose ${containerRegistryTier ?? 'basic'} tier holds at most ` +
      `${containerRegistryTier === 'starter' ? 1 : 5} repositories, fewer than the stack's images: set containerRegistryTier professional`);
  }
  const imageDigests = value('imageDigests') === undefined ? undefined : ImageDigests.fromFile(value('imageDigests')!, 'imageDigests');
  const caBundle = value('caBundle') === undefined ? undefined : TrustBundle.fromFile(value('caBundle')!, 'caBundle');
  const cloneUser = value('cloneUser') === undefined ? undefined : checkCloneUser('cloneUser', value('cloneUser')!, 'ciEngine', ciEngine);
  const gitAuthPublicRepos = readTrueOrFalse('gitAuthPublicRepos', value('gitAuthPublicRepos', false));
  checkGitAuthPublicRepos({ setting: 'gitAuthPublicRepos', user: 'cloneUser', engine: 'ciEngine' },
    { authenticate: gitAuthPublicRepos, user: cloneUser !== undefined, engine: ciEngine });
  const gitServer = checkGitServer('gitServer', value('gitServer'), gitProvider, 'gitProvider');
  const apiServer = value('apiServer') === undefined ? undefined : ApiServerEndpoint.fromUrl(value('apiServer')!, 'apiServer');
  const bucket = checkSpacesBucketName('bucket', required('bucket'));
  const droneLogs = readDroneLogSettings(value('droneLogBucket'), value('droneLogRetentionDays'), ciEngine, bucket);
  if (value('kubernetesVersion') !== undefined && value('clusterName') !== undefined) {
    invalid('kubernetesVersion', value('kubernetesVersion'), 'must not be set with clusterName: the program creates no cluster then, and upgrades none');
  }
  return {
    region,
    domain,
    postgresSize: checkDatabaseSize('postgresSize', value('postgresSize', DIGITALOCEAN_EXAMPLE.postgresSize)!, 'pg'),
    valkeySize: checkDatabaseSize('valkeySize', value('valkeySize', DIGITALOCEAN_EXAMPLE.valkeySize)!, 'valkey'),
    // Valkey's own range for maxclients (valkey-io/valkey src/config.c, `createUIntConfig("maxclients", ..., 1,
    // UINT_MAX, ...)`), which ExternalRedis checks again as its maxClients
    valkeyMaxClients: value('valkeyMaxClients') === undefined ? undefined : readWholeNumber('valkeyMaxClients', value('valkeyMaxClients')!, 1,
      `must be a whole number from 1 to ${MAX_CLIENTS}: the managed Valkey's maxclients, as INFO clients prints it`, MAX_CLIENTS),
    bucket,
    ...droneLogs,
    // DOKS names are lower-case letters, digits and "-", as a DNS label
    clusterName: value('clusterName') === undefined ? undefined : checkDnsLabel('clusterName', value('clusterName')!),
    kubernetesVersion: value('kubernetesVersion') === undefined ? undefined : checkKubernetesVersion('kubernetesVersion', value('kubernetesVersion')!),
    nodeSize: checkDropletSize('nodeSize', value('nodeSize', DIGITALOCEAN_EXAMPLE.nodeSize)!),
    nodeCount,
    containerRegistry,
    containerRegistryTier,
    ciEngine,
    gitProvider,
    gitServer,
    gitServerCidrs: value('gitServerCidrs') === undefined ? undefined
      : checkGitServerCidrs('gitServerCidrs', value('gitServerCidrs')!, gitServer, 'gitServer', apiServer && { cidr: apiServer.cidr, prop: 'apiServer' }),
    gitAuthPublicRepos,
    gitClientId: checkGitClientId('gitClientId', required('gitClientId')),
    organization: checkOrganization('organization', required('organization'), gitProvider, ciEngine),
    admin: checkGitAccountOf('admin', required('admin'), gitProvider, 'user'),
    installIngress,
    acmeEmail,
    acmeStaging: readTrueOrFalse('acmeStaging', value('acmeStaging', false)),
    publicLibrary: readTrueOrFalse('publicLibrary', value('publicLibrary', false)),
    dnsRecords: readTrueOrFalse('dnsRecords', value('dnsRecords', false)),
    dnsDomain,
    imageMirror,
    imageMirrorUser,
    dockerHubUser,
    imageDigests,
    caBundle,
    cloneUser,
    teams: readTeams(value('teams'), ciEngine),
    platformRepos: value('platformRepos') === undefined ? undefined : stringList('platformRepos', parsed('platformRepos', value('platformRepos')!)),
    retiredTeams: value('retiredTeams') === undefined ? undefined : readRetiredTeams(parsed('retiredTeams', value('retiredTeams')!), ciEngine),
    apiServer,
  };
}

/**
 * A whole-number setting (`nodeCount`, `droneLogRetentionDays`, `valkeyMaxClients`), from `min` to `max`, refused
 * with `allowed` unless its text is that number in decimal digits as it prints: no sign, fraction, exponent, spaces or
 * leading zero. `Number` alone would read "0100" as 100 and "1e3" as 1000, and a later refusal that quotes the value
 * (`valkeyMaxClientsRefused` in charts.ts) would then print a text the user never set.
 *
 * @param max `@default` - JavaScript's largest exact integer
 */
function readWholeNumber(key: keyof DigitalOceanSettings, text: string, min: number, allowed: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) invalid(key, text, allowed);
  if (String(n) !== text) invalid(key, text, `${allowed}, written without a leading zero`);
  return n;
}

/** The days Drone's build logs are kept by default: a quarter, long enough to look back at a release's builds. */
export const DRONE_LOG_RETENTION_DAYS = 90;

/**
 * `droneLogBucket` (by default `<bucket>-drone-logs`) and `droneLogRetentionDays` with Drone, checked; neither may be
 * set with Woodpecker, which keeps its logs in its database.
 */
function readDroneLogSettings(bucketSetting: string | undefined, daysSetting: string | undefined, ciEngine: CiEngineKind,
  bucket: string): Pick<DigitalOceanSettings, 'droneLogBucket' | 'droneLogRetentionDays'> {
  if (ciEngine !== CiEngineKind.DRONE) {
    if (bucketSetting !== undefined) invalid('droneLogBucket', bucketSetting, 'must be set only with ciEngine drone: Woodpecker keeps its logs in its database');
    if (daysSetting !== undefined) invalid('droneLogRetentionDays', daysSetting, 'must be set only with ciEngine drone: Woodpecker keeps its logs in its database');
    return {};
  }
  const days = daysSetting === undefined ? DRONE_LOG_RETENTION_DAYS
    : readWholeNumber('droneLogRetentionDays', daysSetting, 1, 'must be a whole number of days of at least 1');
  const derived = `${bucket}-drone-logs`;
  if (bucketSetting === undefined && derived.length > 63) {
    invalid('droneLogBucket', derived, `is the default, ${bucket}-drone-logs, longer than the 63 characters of a bucket name: set droneLogBucket`);
  }
  const droneLogBucket = checkSpacesBucketName('droneLogBucket', bucketSetting ?? derived);
  if (droneLogBucket === bucket) {
    invalid('droneLogBucket', droneLogBucket, 'must not be the bucket of Harbor\'s images: Drone\'s logs get a bucket and key of their own');
  }
  return { droneLogBucket, droneLogRetentionDays: days };
}

/** How a structured setting is set, for its messages. */
const STRUCTURED = 'set it with pulumi config set --path, e.g. pulumi config set --path \'teams[0].name\' payments';

/**
 * The JSON of structured setting `key` (Pulumi hands a structured value to the program as its JSON text), refused
 * unless it is JSON: a plain `pulumi config set` of such a setting stores text.
 */
function parsed(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return invalid(key, text, `must be a structured setting, not text: ${STRUCTURED}`);
  }
}

/**
 * Text where a whole number or a boolean was given: Pulumi stores a `--path` value that reads as a number or as
 * `true`/`false` as one (sdk/go/common/resource/config/map.go, adjustObjectValue), so a namespace named `2024` arrives
 * as 2024, one named `true` as true.
 */
function asText(value: unknown): unknown {
  return (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || typeof value === 'boolean' ? String(value) : value;
}

/** A list of non-empty strings at `key`. */
function stringList(key: string, given: unknown): string[] {
  const value = Array.isArray(given) ? given.map(asText) : given;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    invalid(key, value, `must be a list of non-empty strings: set it with pulumi config set --path '${key}[0]' <value>`);
  }
  return value;
}

/**
 * A team's `events` and `branches` at `at` (`teams[0]`, `retiredTeams[0]`), if given: lists of text, checked as
 * `addTeam` checks a team's route (`checkTeamRoute`: Woodpecker's only, never pull requests) and as Woodpecker checks
 * a route by branch (`checkRouteBranches`: exact names, of push, cron and custom only), with the refusal naming the
 * setting (`inSetting`), e.g. `invalid teams[0].events ["pull_request"]: ...`. Neither given, nothing: a team without them routes
 * as before.
 */
function readTeamRoute(at: string, fields: Record<string, unknown>, ciEngine: CiEngineKind): { events?: PipelineEvent[]; branches?: string[] } {
  const events = fields.events === undefined ? undefined : stringList(`${at}.events`, fields.events) as PipelineEvent[];
  const branches = fields.branches === undefined ? undefined : stringList(`${at}.branches`, fields.branches);
  return inSetting(at, () => {
    const route = checkTeamRoute({ events, branches }, ciEngine);
    checkRouteBranches(route.branches, route.events ?? DEFAULT_EVENTS);
    return route as { events?: PipelineEvent[]; branches?: string[] };
  });
}

/**
 * The `retiredTeams` setting: a list whose entries are a team's name, or an object of `name` and the options
 * `TeamPlatform.retireTeam` takes (`repos`, `buildNamespace`, `events`, `branches`); the values are checked by
 * `retireTeam`, the events and branches here too (`readTeamRoute`).
 */
function readRetiredTeams(given: unknown, ciEngine: CiEngineKind): (string | DigitalOceanRetiredTeam)[] {
  const rule = 'must be a list whose entries are a team\'s name or an object of name, repos, buildNamespace, events and branches: set it with pulumi ' +
    'config set --path \'retiredTeams[0]\' <name>, or --path \'retiredTeams[0].name\' <name> and --path \'retiredTeams[0].repos[0]\' <owner/repository>';
  if (!Array.isArray(given)) {
    invalid('retiredTeams', given, rule);
  }
  return given.map((entry: unknown, i) => {
    const text = asText(entry);
    if (typeof text === 'string' && text !== '') {
      return text;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return invalid(`retiredTeams[${i}]`, entry, rule);
    }
    const fields = entry as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !(RETIRED_TEAM_SETTING_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) {
      invalid(`retiredTeams[${i}].${unknown[0]}`, fields[unknown[0]], 'is not a setting of a retired team: name, repos, buildNamespace, events and branches are');
    }
    if (fields.name === undefined) {
      missing(`retiredTeams[${i}].name`, `must be set: pulumi config set --path 'retiredTeams[${i}].name' <name>`);
    }
    const name = asText(fields.name);
    if (typeof name !== 'string' || name === '') {
      invalid(`retiredTeams[${i}].name`, fields.name, 'must be the team\'s name, as teams gave it');
    }
    return {
      name,
      ...(fields.repos === undefined ? {} : { repos: stringList(`retiredTeams[${i}].repos`, fields.repos) }),
      ...(fields.buildNamespace === undefined ? {} : { buildNamespace: asText(fields.buildNamespace) as string }),
      ...readTeamRoute(`retiredTeams[${i}]`, fields, ciEngine),
    };
  });
}

/**
 * The `teams` setting: a list of teams, each an object of `TEAM_SETTING_KEYS`, its values of the types
 * `TeamPlatform.addTeam` takes. The values themselves are checked by `addTeam` (the charts name the team's place
 * in the list); Pulumi stores a `--path` value that reads as a number or `true`/`false` as one, so a quota's
 * `cpu: 4` is read as "4", and `dedicatedRunner` and `registryQuotaGiB` also take their text.
 */
function readTeams(text: string | undefined, ciEngine: CiEngineKind): DigitalOceanTeam[] | undefined {
  if (text === undefined) {
    return undefined;
  }
  const list = parsed('teams', text);
  if (!Array.isArray(list)) {
    invalid('teams', list, `must be a list of teams, each with a name and repos: ${STRUCTURED}`);
  }
  return list.map((team: unknown, i) => {
    const at = `teams[${i}]`;
    if (typeof team !== 'object' || team === null || Array.isArray(team)) {
      invalid(at, team, `must be a team, with a name and repos: ${STRUCTURED}`);
    }
    const entries = team as Record<string, unknown>;
    for (const key of Object.keys(entries)) {
      if (!(TEAM_SETTING_KEYS as readonly string[]).includes(key)) {
        const near = TEAM_SETTING_KEYS.filter((k) => editDistance(key.toLowerCase(), k.toLowerCase()) <= 2);
        invalid(`${at}.${key}`, entries[key], `is not a team setting${near.length === 1 ? ` (did you mean ${near[0]}?)` : ''}; a team takes ` +
          `${TEAM_SETTING_KEYS.join(', ')} (members and deploy permissions are code: see apps/digitalocean/charts.ts)`);
      }
    }
    const text = (key: keyof DigitalOceanTeam): string | undefined => {
      const v = asText(entries[key]);
      if (v !== undefined && typeof v !== 'string') invalid(`${at}.${key}`, v, 'must be a string');
      return v as string | undefined;
    };
    const name = text('name') ?? missing(`${at}.name`, `must be set: pulumi config set --path '${at}.name' <team name>`);
    if (entries.repos === undefined) {
      missing(`${at}.repos`, `must be set: pulumi config set --path '${at}.repos[0]' <owner/repository>`);
    }
    const quota = entries.quota;
    if (quota !== undefined && (typeof quota !== 'object' || quota === null || Array.isArray(quota))) {
      invalid(`${at}.quota`, quota, 'must be an object of quota settings, e.g. pulumi config set --path \'' + at + '.quota.cpu\' 4');
    }
    const number = (key: keyof DigitalOceanTeam): number | undefined => {
      const v = entries[key];
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      if (n !== undefined && typeof n !== 'number') invalid(`${at}.${key}`, v, 'must be a whole number');
      return n as number | undefined;
    };
    const dedicated = entries.dedicatedRunner === undefined ? undefined : readTrueOrFalse(`${at}.dedicatedRunner`, entries.dedicatedRunner);
    return {
      name,
      repos: stringList(`${at}.repos`, entries.repos),
      ...(entries.namespaces === undefined ? {} : { namespaces: stringList(`${at}.namespaces`, entries.namespaces) }),
      ...(text('buildNamespace') === undefined ? {} : { buildNamespace: text('buildNamespace') }),
      ...(text('pullRequestNamespace') === undefined ? {} : { pullRequestNamespace: text('pullRequestNamespace') }),
      ...(quota === undefined ? {} : { quota: quotaOf(quota as Record<string, unknown>) }),
      ...(number('registryQuotaGiB') === undefined ? {} : { registryQuotaGiB: number('registryQuotaGiB') }),
      ...(dedicated === undefined ? {} : { dedicatedRunner: dedicated }),
      ...readTeamRoute(at, entries, ciEngine),
    };
  });
}

/** A quota of the `teams` setting: its quantities as text, as `TeamQuota` takes them, where Pulumi stored a number. */
function quotaOf(quota: Record<string, unknown>): DigitalOceanTeam['quota'] {
  return Object.fromEntries(Object.entries(quota).map(([k, v]) => [k, ['cpu', 'memory', 'storage'].includes(k) && typeof v === 'number' ? String(v) : v]));
}

