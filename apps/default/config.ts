import { Duration } from 'cdk8s';
import {
  API_SERVER_URL_RULE, ApiServerEndpoint, CiEngineKind, checkDnsSubdomain, checkStatePath, describePath, describeValue, FinishedJobs, ImageDigests, invalid, invalidUserName,
  invalidPath, invalidSecret, isDnsSubdomain, isHostname, isRegistryPrefix, LETS_ENCRYPT_ISSUER, PUBLIC_HOSTNAME_OPTIONS, sameRegistryHost, TrustBundle, VALIDATION_RULES,
} from '../../lib';
import { MAX_OUTPUT_SHARDS } from '../../lib/core/output-shards';
import { isMalformedInputValue } from '../../lib/core/input-value';
import { isInside } from '../../lib/core/paths';
import { readTrueOrFalse } from '../../lib/core/validation';
import { CI_ENGINES, checkCiEngine } from '../shared/ci-engine';
import { checkCloneUser, checkGitAuthPublicRepos, cloneUserRule, unreadCloneTokenWarning } from '../shared/clone-login';
import { checkDockerHubUser, checkMirrorUserName, dockerHubUserRule, MIRROR_USER_RULE, unreadDockerHubTokenWarning } from '../shared/image-mirror';
import { MAX_TEAMS } from '../shared/limits';
import { printWarning, stackEnv } from '../shared/variables';
import {
  checkGitAccountOf, checkGitClientId, checkGitProviderKind, checkGitServer, checkGitServerCidrs, checkOrganization, DRONE_ORGANIZATION_RULE, gitServerCidrsRule,
  gitAccountRules, GitProviderKind, GitServerEgress,
} from '../shared/git-provider';

export { GitProviderKind };

/** The settings of the embedded default stack. Every one has a default, so a fresh clone synthesizes as is. */
export interface DefaultStackConfig {
  /** The CI engine (`DOCKYARD_CI`). */
  readonly ci: CiEngineKind;
  /** The public host name of the CI server (`DOCKYARD_HOST`). */
  readonly host: string;
  /** The public host name of Harbor (`DOCKYARD_HARBOR_HOST`). */
  readonly harborHost: string;
  /** The git provider (`DOCKYARD_GIT_PROVIDER`). */
  readonly gitProvider: GitProviderKind;
  /**
   * The git provider's base URL without a trailing slash (`DOCKYARD_GIT_SERVER`): GitHub Enterprise or a
   * self-managed GitLab, optional; a Gitea server, required; never for Bitbucket Cloud.
   */
  readonly gitServer?: string;
  /**
   * Where build pods reach a self-hosted git server at a private address (`DOCKYARD_GIT_SERVER_CIDRS`): its
   * addresses, on `gitServer`'s port. The build pods' internet rule leaves out the private ranges, so without them
   * every clone from such a server times out.
   *
   * @default - none: build pods reach the git server only at a public address (or through the ingress controller)
   */
  readonly gitServerEgress?: GitServerEgress;
  /**
   * Whether public repositories' builds clone with the forge login too (`DOCKYARD_GIT_AUTH_PUBLIC_REPOS`): for a forge
   * whose every clone needs a log-in (`DroneServerProps.authenticatePublicRepos`, `WoodpeckerServerSettings.authenticatePublicRepos`);
   * refused with `DOCKYARD_CI` drone unless `DOCKYARD_CLONE_USER` is set.
   *
   * @default false
   */
  readonly gitAuthPublicRepos?: boolean;
  /** The OAuth client ID; the client secret goes in the Secret `drone-oauth` (`DOCKYARD_GIT_CLIENT_ID`). */
  readonly gitClientId: string;
  /** The organisation whose members may log in and whose repositories are synced (`DOCKYARD_ORG`). */
  readonly organization: string;
  /** The git provider login of the first Drone admin (`DOCKYARD_ADMIN`). */
  readonly admin: string;
  /** The IngressClass of the Drone Ingress (`DOCKYARD_INGRESS_CLASS`). */
  readonly ingressClassName: string;
  /** The cert-manager ClusterIssuer for Drone's and Harbor's certificates (`DOCKYARD_CERT_ISSUER`). */
  readonly certIssuer: string;
  /**
   * A registry that mirrors every image, for air-gapped clusters (`DOCKYARD_IMAGE_MIRROR`, e.g.
   * `registry.example.com/mirror`); then nothing pulls from Docker Hub, not even through Harbor.
   *
   * @default - no mirror: Docker Hub images are pulled through Harbor's proxy cache
   */
  readonly imageMirror?: string;
  /**
   * The user name of the mirror's login, if it needs one (`DOCKYARD_IMAGE_MIRROR_USER`); its password or token is
   * the input `DOCKYARD_IMAGE_MIRROR_PASSWORD`, read at the first synth into the secret state. The login joins the
   * pull secret and the pipelines' `harbor-pull`.
   *
   * @default - the mirror is pulled from anonymously
   */
  readonly imageMirrorUser?: string;
  /**
   * The Docker Hub user Harbor's proxy cache logs in as (`DOCKYARD_DOCKERHUB_USER`); its access token is the input
   * `DOCKYARD_DOCKERHUB_TOKEN`, read at the first synth into the secret state, as the mirror's password is. Docker
   * Hub allows 100 pulls per 6 hours per IPv4 address without a login, 200 for a Personal account and none for paid
   * ones (docs.docker.com/docker-hub/usage/pulls/).
   *
   * @default - the proxy cache pulls Docker Hub anonymously, on purpose and without a warning: this is an evaluation stack
   */
  readonly dockerHubUser?: string;
  /** The local secret state file of `LocalSecretStore` (`DOCKYARD_STATE`). */
  readonly statePath: string;
  /**
   * The Kubernetes API server endpoint that deploy pipelines reach (`DOCKYARD_API_SERVER`): build pods reach only
   * DNS and the internet outside the cluster's ranges unless declared.
   *
   * @default - none: deploy pipelines cannot reach the API server
   */
  readonly apiServer?: ApiServerEndpoint;
  /**
   * The digests every image is pulled by (`DOCKYARD_IMAGE_DIGESTS`, a file of `<reference> <digest>` lines), pinned
   * with `requireAll`: an image it leaves out fails the synth.
   *
   * @default - none: images are pulled by tag
   */
  readonly imageDigests?: ImageDigests;
  /**
   * The CA certificates the CI server and Harbor trust beyond the public ones (`DOCKYARD_CA_BUNDLE`, a PEM file): a
   * private CA that signs the git server, an OIDC provider or an upstream registry.
   *
   * @default - none: the public roots of the images only
   */
  readonly trustBundle?: TrustBundle;
  /**
   * The forge login Drone clones private repositories with instead of the OAuth token of the user who activated each
   * (`DOCKYARD_CLONE_USER`, `DroneServerProps.cloneLogin`); its token is the input `DOCKYARD_CLONE_TOKEN`, read at the
   * first synth into the secret state, as the Docker Hub token is. Drone only: refused with Woodpecker.
   *
   * @default - none: each private repository's builds hold its activating user's OAuth token
   */
  readonly cloneUser?: string;
  /**
   * What becomes of the chart's finished Jobs (`DOCKYARD_FINISHED_JOBS`): `FinishedJobs.keep()` for a GitOps tool
   * that prunes, which would otherwise create each deleted Job again and run it.
   *
   * @default - deleted ten minutes after they finish (`DockyardChart`'s default)
   */
  readonly finishedJobs?: FinishedJobs;
}

/** The default host name of Woodpecker, when `DOCKYARD_CI` is woodpecker. */
export const WOODPECKER_HOST = 'woodpecker.example.com';

/** The default local secret state file. */
export const DEFAULT_STATE_PATH = '.dockyard/secrets.json';

/** The cdk8s output directory when neither the App nor the cdk8s CLI (`CDK8S_OUTDIR`) sets one: `output` of cdk8s.yaml. */
export const DEFAULT_OUTDIR = 'dist';

/**
 * The output directory of a stack whose own default is `fallback` (the default stack's `dist`, apps/teams'
 * `dist-teams`, apps/harbor-do's `dist-harbor-do`): `CDK8S_OUTDIR` of `env` where it is set and not empty, as the
 * cdk8s CLI sets it, else `fallback`. An empty one is unset, as every `DOCKYARD_*` variable is: cdk8s's App would take
 * it as given, the working directory (cdk8s 2.70.106 lib/app.js:142, `props.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist'`).
 * In the code, not only in its npm script: run directly (`node build/apps/teams/main.js`), such a stack otherwise took
 * cdk8s's default, `dist/`, replacing the default stack's output, whose next synth then named every team's objects,
 * their Namespaces too, for deletion (a new user's trial).
 */
export function stackOutdir(env: NodeJS.ProcessEnv, fallback: string): string {
  return env.CDK8S_OUTDIR === undefined || env.CDK8S_OUTDIR === '' ? fallback : env.CDK8S_OUTDIR;
}

/** The defaults: placeholders that synthesize, to be replaced before a real deployment. */
export const DEFAULT_CONFIG: DefaultStackConfig = {
  ci: CiEngineKind.DRONE,
  host: 'drone.example.com',
  harborHost: 'harbor.example.com',
  gitProvider: GitProviderKind.GITHUB,
  gitClientId: 'replace-with-oauth-client-id',
  organization: 'example',
  admin: 'example-admin',
  ingressClassName: 'nginx',
  certIssuer: LETS_ENCRYPT_ISSUER,
  statePath: DEFAULT_STATE_PATH,
};

/** One `DOCKYARD_*` variable, as the README's table lists it (Markdown). */
export interface ConfigVariable {
  /** The variable's name. */
  readonly name: string;
  /** The default, or what happens without the variable. */
  readonly default: string;
  /** What the variable sets. */
  readonly meaning: string;
  /** The values it accepts; for a bad one the synth fails naming the variable, the value and this. */
  readonly allowed: string;
}

const { dnsSubdomain: DNS_SUBDOMAIN, publicHostName: PUBLIC_HOST_NAME } = VALIDATION_RULES;
/** Its table's and refusals' rule: true or false, and Drone's refusal of true without a clone user (`checkGitAuthPublicRepos`). */
const GIT_AUTH_PUBLIC_REPOS = 'true or false; true with DOCKYARD_CI drone only when DOCKYARD_CLONE_USER is set (a read-only login), as ' +
  'otherwise every public repository\'s builds, forks\' pull requests included, would hold the OAuth token of the user who activated it';
const FINISHED_JOBS = '"keep", or a whole number of seconds from 0 to 2147483647';
/**
 * The CI server's and Harbor's hosts: an Ingress rule's host, which may not be an IP address (Kubernetes
 * `IngressRule.host`: "IPs are not allowed"), and a public name, fully qualified.
 */
const HARBOR_HOST = `${PUBLIC_HOST_NAME}, and not DOCKYARD_HOST (the CI server's and Harbor's Ingresses would both claim path / of that host)`;
const MIRROR = `${VALIDATION_RULES.registryPrefix}; not on DOCKYARD_HARBOR_HOST (Harbor would pull its own images and its PostgreSQL and ` +
  'Valkey from itself, which it needs running to serve them)';
const MIRROR_USER = `${MIRROR_USER_RULE}, and only with DOCKYARD_IMAGE_MIRROR set`;
const DOCKERHUB_USER = dockerHubUserRule('DOCKYARD_IMAGE_MIRROR');
const DOCKERHUB_TOKEN = 'any value that is not empty or whitespace only, nor one line beginning or ending with a line break; read only with ' +
  'DOCKYARD_DOCKERHUB_USER set';
const CLONE_USER = cloneUserRule('DOCKYARD_CI');
const CLONE_TOKEN = 'any value that is not empty or whitespace only, nor one line beginning or ending with a line break; read only with ' +
  'DOCKYARD_CLONE_USER set';
const MIRROR_PASSWORD = 'any value that is not empty or whitespace only, nor one line beginning or ending with a line break; read only with ' +
  'DOCKYARD_IMAGE_MIRROR_USER set';

/** Every `DOCKYARD_*` variable the default stack reads, in the README's order. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'DOCKYARD_CI', default: '`drone`', meaning: 'the CI engine: Drone, or Woodpecker (see [CI engines](#ci-engines-drone-and-woodpecker))', allowed: `one of ${CI_ENGINES.join(', ')}` },
  { name: 'DOCKYARD_HOST', default: '`drone.example.com`, or `woodpecker.example.com`', meaning: 'public host name of the CI server', allowed: PUBLIC_HOST_NAME },
  { name: 'DOCKYARD_HARBOR_HOST', default: '`harbor.example.com`', meaning: 'public host name of Harbor', allowed: HARBOR_HOST },
  {
    name: 'DOCKYARD_GIT_PROVIDER', default: '`github`', meaning: 'the git provider users log in with',
    allowed: `one of ${Object.values(GitProviderKind).join(', ')}`,
  },
  {
    name: 'DOCKYARD_GIT_SERVER', default: 'the public service (none for `gitea`)', meaning: 'base URL of a self-hosted provider',
    allowed: 'github (GitHub Enterprise) and gitlab (self-managed): optional; gitea: required; bitbucket (Cloud only): must be unset. ' +
      `Set, ${VALIDATION_RULES.httpsBaseUrl}; a trailing "/" is dropped; the base URL, not an API root: for github not ending in /api/v3, which the CI engines append, for gitlab not in /api/v4`,
  },
  {
    name: 'DOCKYARD_GIT_SERVER_CIDRS', default: 'none: build pods reach the git server at a public address only (or through the ingress controller on 443)',
    meaning: 'addresses of a self-hosted git server at a private address (a company network, a VPN, a VPC; a forge in the cluster is reached by its pods: allowBuildEgress), which every build namespace may then ' +
      'reach on the port of DOCKYARD_GIT_SERVER (443 unless it names one), where its clone URLs point; without them every clone from such a server ' +
      'times out (see [Self-hosted forges](#self-hosted-forges))',
    allowed: gitServerCidrsRule('DOCKYARD_GIT_SERVER'),
  },
  {
    name: 'DOCKYARD_GIT_AUTH_PUBLIC_REPOS', default: '`false`: public repositories\' builds clone without a login',
    meaning: 'whether public repositories\' builds clone with the forge login too, for a self-hosted forge where every clone needs one (GitHub Enterprise ' +
      'Server in private mode, Gitea or Forgejo with `REQUIRE_SIGNIN_VIEW`); their builds, pull requests\' included, then hold the login a private ' +
      'repository\'s builds hold (see [Self-hosted forges](#self-hosted-forges))',
    allowed: GIT_AUTH_PUBLIC_REPOS,
  },
  {
    name: 'DOCKYARD_GIT_CLIENT_ID', default: '`replace-with-oauth-client-id`', meaning: 'OAuth client ID (the secret goes in `drone-oauth`, or `woodpecker-oauth` with Woodpecker)',
    allowed: VALIDATION_RULES.oauthClientId,
  },
  {
    name: 'DOCKYARD_ORG', default: '`example`', meaning: 'organisation whose members may log in (on GitLab, users the admin adds) and whose repositories sync',
    allowed: `${gitAccountRules('organization')}; ${DRONE_ORGANIZATION_RULE}`,
  },
  { name: 'DOCKYARD_ADMIN', default: '`example-admin`', meaning: 'git login of the first CI admin, in the forge\'s exact case', allowed: gitAccountRules('user') },
  { name: 'DOCKYARD_INGRESS_CLASS', default: '`nginx`', meaning: 'IngressClass of the CI server\'s and Harbor\'s Ingresses (their NetworkPolicies admit the namespace `ingress-nginx`, and their annotations are ingress-nginx\'s: another class is warned of)', allowed: DNS_SUBDOMAIN },
  {
    name: 'DOCKYARD_CERT_ISSUER', default: '`letsencrypt`', meaning: 'cert-manager ClusterIssuer of the CI server\'s and Harbor\'s certificates',
    allowed: DNS_SUBDOMAIN,
  },
  {
    name: 'DOCKYARD_IMAGE_MIRROR', default: 'none: Docker Hub images through Harbor\'s proxy cache',
    meaning: 'registry that mirrors every image, for air-gapped clusters (see `dockyard-images`)',
    allowed: MIRROR,
  },
  {
    name: 'DOCKYARD_IMAGE_MIRROR_USER', default: 'none: the mirror is pulled from anonymously',
    meaning: 'user name of the mirror\'s login; its password or token is read from `DOCKYARD_IMAGE_MIRROR_PASSWORD` at the first synth ' +
      'and kept in the secret state, and the login goes into the pull secret and the pipelines\' `harbor-pull`. A Harbor robot\'s name ' +
      'holds a `$`: quote it in single quotes (`DOCKYARD_IMAGE_MIRROR_USER=\'robot$mirror\'`), or the shell reads `$mirror` as a variable ' +
      'and the synth gets `robot`, a login every pull then fails',
    allowed: MIRROR_USER,
  },
  {
    name: 'DOCKYARD_IMAGE_MIRROR_PASSWORD', default: 'none: needed at the first synth when `DOCKYARD_IMAGE_MIRROR_USER` is set',
    meaning: 'password or token of the mirror\'s login, read at the first synth and when its key `dockyard/image-mirror-password/password` is rotated, ' +
      'then kept in the secret state for that user at that mirror; a different value, user or mirror host later fails the synth until that key is rotated',
    allowed: MIRROR_PASSWORD,
  },
  {
    name: 'DOCKYARD_DOCKERHUB_USER', default: 'none: Harbor\'s proxy cache pulls Docker Hub anonymously (100 pulls per 6 hours per IPv4 address)',
    meaning: 'Docker Hub user Harbor\'s `dockerhub` proxy cache logs in as (a Personal account\'s limit is 200 pulls per 6 hours, a paid one\'s none); ' +
      'its access token is read from `DOCKYARD_DOCKERHUB_TOKEN` at the first synth and kept in the secret state, and reaches Harbor through the configuration Job\'s Secret',
    allowed: DOCKERHUB_USER,
  },
  {
    name: 'DOCKYARD_DOCKERHUB_TOKEN', default: 'none: needed at the first synth when `DOCKYARD_DOCKERHUB_USER` is set',
    meaning: 'Docker Hub access token of that user, read at the first synth and when its key `harbor/dockerhub-token/token` is rotated, ' +
      'then kept in the secret state for that user; a different value or user later fails the synth until that key is rotated',
    allowed: DOCKERHUB_TOKEN,
  },
  {
    name: 'DOCKYARD_STATE', default: `\`${DEFAULT_STATE_PATH}\``,
    meaning: 'the local secret state, and with it the key record beside it, or beside its folder when that is named `.dockyard` (`secrets.lock.json` for the default; see [Credentials](#credentials-back-up-restore-rotate), Where the record is); '
      + 'a path where neither exists starts a new state, and the synth says so; it is refused where the output directory holds Secrets '
      + 'made from another state that still exists (a mistyped path, or another stack\'s state; a backup of the output\'s state passes, holding a value for each of its keys), or from this very path '
      + 'while its state and key record are both gone (restore them), so move the output directory away to start anew, or to switch it to another '
      + 'state, on purpose',
    allowed: VALIDATION_RULES.statePath(DEFAULT_OUTDIR),
  },
  {
    name: 'DOCKYARD_ROTATE', default: 'none', meaning: 'generated secrets to rotate on purpose in this synth',
    allowed: 'comma-separated `<namespace>/<secret>/<key>` or `<namespace>/<secret>`, or `all`, or `lost` (the keys the record lists and the state lacks), or `unusable` (the kept keys that cannot be used)',
  },
  {
    name: 'DOCKYARD_MOVE', default: 'none', meaning: 'namespaces, or single Secrets, whose kept secret values follow their Secrets to another namespace or name, in this synth',
    allowed: 'comma-separated `<old namespace>=<new namespace>` or `<old namespace>/<old secret>=<new namespace>/<new secret>`',
  },
  {
    name: 'DOCKYARD_VERSION_CHANGE', default: 'none',
    meaning: 'StatefulSets and Deployments whose refused version change (against the previous output) this synth lets through, once their ' +
      'data was moved as the refusal says: a PostgreSQL major version, an older Valkey or Harbor (see [Upgrading the components](#upgrading-the-components)); ' +
      'an entry that lets nothing through is refused',
    allowed: 'comma-separated `<namespace>/<name>`, such as `dockyard/postgres`',
  },
  {
    name: 'DOCKYARD_API_SERVER', default: 'none: deploy pipelines cannot reach the API server',
    meaning: 'the API server endpoint the demo\'s deploy pipelines reach from `dockyard-deploy`, and in `apps/teams` every team\'s from its build ' +
      'namespace (build pods reach nothing of the cluster unless declared; a public address is taken out of every build\'s internet rule)',
    allowed: API_SERVER_URL_RULE,
  },
  {
    name: 'DOCKYARD_IMAGE_DIGESTS', default: 'none: images are pulled by tag',
    meaning: 'a file of `<reference> <digest>` lines that pins every image to its digest (see [Pinning images by digest](#pinning-images-by-digest)): ' +
      'each image is pulled as `<reference>@<digest>`, through a mirror too, and one the file leaves out fails the synth',
    allowed: 'a readable file; each line a tagged image reference as `dockyard-images --pairs` lists its source after a synth with ' +
      '`DOCKYARD_IMAGE_MIRROR` set, a space and "sha256:" with 64 lower-case hex digits; blank lines and lines starting with "#" are skipped',
  },
  {
    name: 'DOCKYARD_CA_BUNDLE', default: 'none: the public roots of the images only',
    meaning: 'a PEM file of the CA certificates the CI server (its git provider: log-in, API, hooks) and Harbor (core, jobservice, Trivy: OIDC, ' +
      'upstream registries, webhooks; Trivy\'s vulnerability-database downloads check no certificate, see [Listing images for air-gapped ' +
      'clusters](#listing-images-for-air-gapped-clusters)) trust beside the public ones, e.g. a company CA that signs a self-hosted GitLab ' +
      '(see [A private CA](#a-private-ca-for-the-git-server-oidc-and-upstream-registries)); clone steps need it in their image',
    allowed: 'a readable file of one or more "-----BEGIN CERTIFICATE-----" blocks that parse as X.509, and no private key',
  },
  {
    name: 'DOCKYARD_CLONE_USER', default: 'none: each private repository\'s builds hold the OAuth token of the user who activated it',
    meaning: 'forge login Drone clones private repositories with (`DroneServer`\'s `cloneLogin`): a machine account, or a deploy token\'s user, ' +
      'that may only read the repositories Drone builds, whose token every such build then holds instead, a pull request\'s too ' +
      '(see "What a pull request can ask for" in [Credential and security model](#credential-and-security-model)); its token is read from ' +
      '`DOCKYARD_CLONE_TOKEN` at the first synth and kept in the secret state',
    allowed: CLONE_USER,
  },
  {
    name: 'DOCKYARD_CLONE_TOKEN', default: 'none: needed at the first synth when `DOCKYARD_CLONE_USER` is set',
    meaning: 'token of that login (a GitHub fine-grained token with read-only Contents, a GitLab deploy token with `read_repository`), read at the ' +
      'first synth and when its key `dockyard/drone-clone-login/token` is rotated, then kept in the secret state for that user at that git server; ' +
      'a different value, user or server later fails the synth until that key is rotated',
    allowed: CLONE_TOKEN,
  },
  {
    name: 'DOCKYARD_FINISHED_JOBS', default: '`600`: deleted ten minutes after they finish',
    meaning: 'what becomes of a finished Job (the PostgreSQL reconciler\'s, Harbor\'s configure Jobs): deleted that many seconds after it ' +
      'finishes, or kept, for a GitOps tool that prunes, which would otherwise create each deleted Job again and so run it again ' +
      '(see [GitOps with Argo CD or Flux](#gitops-with-argo-cd-or-flux))',
    allowed: FINISHED_JOBS,
  },
  {
    name: 'DOCKYARD_TEAMS', default: '`3`', meaning: 'how many example teams `npm run synth:teams` (`apps/teams`) onboards; the other stacks ignore it, with a warning. ' +
      'Lowering it does not offboard the teams it drops: their Harbor robots stay live until retired with `TeamPlatform.retireTeam`, ' +
      'and each synth warns of every such team (see [Many teams](#many-teams), Offboarding)',
    allowed: `a whole number from 0 to ${MAX_TEAMS}`,
  },
  {
    name: 'DOCKYARD_TEAM_SHARDS', default: '`1`: every object in `dockyard.k8s.yaml`',
    meaning: 'how many files `npm run synth:teams` splits the teams\' objects into (`TeamPlatformProps.outputShards`): each team\'s namespaces and ' +
      'everything in them go to `dockyard-teams-<kk>.k8s.yaml`, one GitOps Application or Kustomization each (see ' +
      '[GitOps with Argo CD or Flux](#gitops-with-argo-cd-or-flux), Shards); the other stacks ignore it, with a warning. Changing it moves teams ' +
      'between files, and adds, drops or renames files: follow Changing N there (pruning off for the change, the new files\' Applications or ' +
      'Kustomizations added with it, the gone ones\' deleted only once every new one has synced)',
    allowed: `a whole number from 1 to ${MAX_OUTPUT_SHARDS}`,
  },
  {
    name: 'DOCKYARD_DEBUG', default: 'off', meaning: 'print stack traces of errors',
    allowed: '`1` (any value but empty, `0`, `false`, `no` or `off`, in any case and around whitespace)',
  },
];

/** The names of `CONFIG_VARIABLES`. */
export const CONFIG_VARIABLE_NAMES: readonly string[] = CONFIG_VARIABLES.map((v) => v.name);

/**
 * The stacks' environment: `env` without empty `DOCKYARD_*` values (an empty value is the variable unset), and
 * without `DOCKYARD_*` variables no stack reads, each of which `warn` is told of (`stackEnv`).
 */
export function readStackEnv(env: NodeJS.ProcessEnv, warn?: (message: string) => void): NodeJS.ProcessEnv {
  return stackEnv(env, CONFIG_VARIABLE_NAMES, warn);
}

/** Options of `loadConfig`. */
export interface LoadConfigOptions {
  /**
   * The cdk8s output directory, which the state file must stay out of.
   *
   * @default - `CDK8S_OUTDIR` of `env` (set by the cdk8s CLI) where it is not empty, else "dist" (`stackOutdir`)
   */
  readonly outdir?: string;
  /**
   * Told of each `DOCKYARD_*` variable no stack reads, which is ignored.
   *
   * @default - a `dockyard: warning:` line on stderr
   */
  readonly warn?: (message: string) => void;
}

/** A host for the CI server or Harbor (`PUBLIC_HOSTNAME_OPTIONS`), refused with the variable's own `rule`. */
function checkPublicHost(name: string, value: string, rule: string): string {
  if (!isHostname(value, PUBLIC_HOSTNAME_OPTIONS)) {
    invalid(name, value, `must be ${rule}`);
  }
  return value;
}

function checkMirror(mirror: string, harborHost: string): string {
  if (!isRegistryPrefix(mirror)) {
    invalid('DOCKYARD_IMAGE_MIRROR', mirror, `must be ${MIRROR}`);
  }
  // the relocation guard would refuse it at synth too (Images.protect), naming an image rather than the variables
  if (sameRegistryHost(mirror, harborHost)) {
    invalid('DOCKYARD_IMAGE_MIRROR', mirror, `is on DOCKYARD_HARBOR_HOST ${describeValue(harborHost)}; must be ${MIRROR}`);
  }
  return mirror;
}

function checkMirrorUser(user: string, env: NodeJS.ProcessEnv): string {
  if (env.DOCKYARD_IMAGE_MIRROR === undefined) {
    invalidUserName('DOCKYARD_IMAGE_MIRROR_USER', user, `DOCKYARD_IMAGE_MIRROR is not set, and the login is for the mirror; must be ${MIRROR_USER}`);
  }
  return checkMirrorUserName('DOCKYARD_IMAGE_MIRROR_USER', user, MIRROR_USER);
}

/** A password of whitespace alone is a mistake (an unquoted or emptied variable), refused without showing it. */
function checkPassword(env: NodeJS.ProcessEnv, name: string, allowed: string): void {
  const password = env[name];
  // the secret store refuses a one-line value with a line break at an end too (checkInputValue), in words of its own:
  // refused here first, the variable's refusal is the configuration table's
  if (password !== undefined && (password.trim() === '' || isMalformedInputValue(password))) {
    invalidSecret(name, `must be ${allowed}`);
  }
}

/**
 * Warn of `DOCKYARD_TEAMS` set for the default stack, which onboards no teams: `DOCKYARD_TEAMS=5 npm run synth` would
 * otherwise write no team without a word, even for a value `npm run synth:teams` refuses. Its other variables are
 * the teams stack's too, so only this one is unread here.
 */
export function warnTeamsUnread(env: NodeJS.ProcessEnv, warn: (message: string) => void = printWarning): void {
  for (const name of ['DOCKYARD_TEAMS', 'DOCKYARD_TEAM_SHARDS']) {
    if ((env[name] ?? '') !== '') {
      warn(`${name} is not read by apps/default (npm run synth), which onboards no teams: npm run synth:teams (apps/teams) does; it is ignored`);
    }
  }
}

/**
 * A mirror password without a mirror user is read by nothing (the mirror is pulled from anonymously): warn, rather
 * than let it look used.
 */
function warnUnusedMirrorPassword(env: NodeJS.ProcessEnv, warn: (message: string) => void = printWarning): void {
  if (env.DOCKYARD_IMAGE_MIRROR_PASSWORD !== undefined && env.DOCKYARD_IMAGE_MIRROR_USER === undefined) {
    warn('DOCKYARD_IMAGE_MIRROR_PASSWORD is set but DOCKYARD_IMAGE_MIRROR_USER is not, so nothing reads it: the mirror is pulled from ' +
      'anonymously; set DOCKYARD_IMAGE_MIRROR_USER to log in');
  }
}

/** A Docker Hub token without a Docker Hub user is read by nothing (Harbor pulls anonymously): warn, as of the mirror's. */
function warnUnusedDockerHubToken(env: NodeJS.ProcessEnv, warn: (message: string) => void = printWarning): void {
  const warning = unreadDockerHubTokenWarning({ token: 'DOCKYARD_DOCKERHUB_TOKEN', user: 'DOCKYARD_DOCKERHUB_USER', mirror: 'DOCKYARD_IMAGE_MIRROR', removeToken: 'unset DOCKYARD_DOCKERHUB_TOKEN' },
    { token: env.DOCKYARD_DOCKERHUB_TOKEN !== undefined, user: env.DOCKYARD_DOCKERHUB_USER !== undefined, mirror: env.DOCKYARD_IMAGE_MIRROR !== undefined });
  if (warning !== undefined) warn(warning);
}

/**
 * An IngressClass other than ingress-nginx's: the stacks' NetworkPolicies admit the namespace `ingress-nginx` alone, and
 * Harbor's and the CI server's upload and timeout annotations are ingress-nginx's, which another controller ignores.
 * Warned, not refused: the class may be another name for ingress-nginx.
 */
function warnOtherIngressClass(env: NodeJS.ProcessEnv, warn: (message: string) => void = printWarning): void {
  const className = env.DOCKYARD_INGRESS_CLASS;
  // an invalid one is refused by loadConfig, in one line that this warning would precede (a new user's trial)
  if (className !== undefined && className !== DEFAULT_CONFIG.ingressClassName && isDnsSubdomain(className)) {
    warn(`DOCKYARD_INGRESS_CLASS is ${JSON.stringify(className)}: the stacks' NetworkPolicies admit only the namespace ingress-nginx, and ` +
      'Harbor\'s and the CI server\'s body-size and timeout annotations are ingress-nginx\'s; unless this class is ingress-nginx in that ' +
      'namespace, the Ingresses get no traffic (see the README, "Applying dist/ to a cluster")');
  }
}

/** `DOCKYARD_FINISHED_JOBS`: "keep", or the seconds after which a finished Job is deleted, written plainly. */
function checkFinishedJobs(value: string): FinishedJobs {
  if (value === 'keep') {
    return FinishedJobs.keep();
  }
  if (!/^(0|[1-9][0-9]{0,9})$/.test(value) || Number(value) > 2147483647) {
    invalid('DOCKYARD_FINISHED_JOBS', value, `must be ${FINISHED_JOBS}`);
  }
  return FinishedJobs.deleteAfter(Duration.seconds(Number(value)));
}

/**
 * The state path, checked. Where it is the default and the output directory holds it (`CDK8S_OUTDIR=.`), the output
 * directory is what to change, and the refusal names it: a new user's trial was told DOCKYARD_STATE, which it never set.
 * `env` is `readStackEnv`'s (an empty variable unset); `defaultState` is the stack's default state (apps/harbor-do's
 * is its own).
 */
export function checkStateOutside(env: NodeJS.ProcessEnv, outdir: string, defaultState: string = DEFAULT_CONFIG.statePath): string {
  if (env.DOCKYARD_STATE === undefined && env.CDK8S_OUTDIR !== undefined && isInside(defaultState, outdir)) {
    invalidPath('CDK8S_OUTDIR', outdir, `holds the secret state ${describePath(defaultState)} (DOCKYARD_STATE's default), which ` +
      'every synth would replace with the rest of the directory; synthesize into a directory of its own, such as "dist", or set DOCKYARD_STATE outside it');
  }
  return checkStatePath('DOCKYARD_STATE', env.DOCKYARD_STATE ?? defaultState, outdir);
}

/**
 * Read the configuration from `DOCKYARD_*` environment variables over the defaults, checking each. An empty value is
 * the variable unset; a `DOCKYARD_*` variable no stack reads gets a warning (`readStackEnv`).
 */
export function loadConfig(given: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): DefaultStackConfig {
  const env = readStackEnv(given, options.warn);
  const pick = (name: string, fallback: string) => env[name] ?? fallback;
  const outdir = options.outdir ?? stackOutdir(env, DEFAULT_OUTDIR);
  const provider = checkGitProviderKind('DOCKYARD_GIT_PROVIDER', pick('DOCKYARD_GIT_PROVIDER', DEFAULT_CONFIG.gitProvider));
  const ci = checkCiEngine('DOCKYARD_CI', pick('DOCKYARD_CI', DEFAULT_CONFIG.ci));
  checkPassword(env, 'DOCKYARD_IMAGE_MIRROR_PASSWORD', MIRROR_PASSWORD);
  checkPassword(env, 'DOCKYARD_DOCKERHUB_TOKEN', DOCKERHUB_TOKEN);
  checkPassword(env, 'DOCKYARD_CLONE_TOKEN', CLONE_TOKEN);
  warnUnusedMirrorPassword(env, options.warn);
  warnUnusedDockerHubToken(env, options.warn);
  const unreadClone = unreadCloneTokenWarning({ token: 'DOCKYARD_CLONE_TOKEN', user: 'DOCKYARD_CLONE_USER', removeToken: 'unset DOCKYARD_CLONE_TOKEN', engine: 'DOCKYARD_CI' },
    { token: env.DOCKYARD_CLONE_TOKEN !== undefined, user: env.DOCKYARD_CLONE_USER !== undefined, engine: ci });
  if (unreadClone !== undefined) (options.warn ?? printWarning)(unreadClone);
  warnOtherIngressClass(env, options.warn);
  const host = checkPublicHost('DOCKYARD_HOST', pick('DOCKYARD_HOST', ci === CiEngineKind.WOODPECKER ? WOODPECKER_HOST : DEFAULT_CONFIG.host),
    PUBLIC_HOST_NAME);
  const harborHost = checkPublicHost('DOCKYARD_HARBOR_HOST', pick('DOCKYARD_HARBOR_HOST', DEFAULT_CONFIG.harborHost), HARBOR_HOST);
  // the library refuses two exposures of one host at synth too (lib/core/exposure-hosts.ts), naming the constructs and
  // their props; this names the variables, before anything is built. Both hosts are lower-case (checkPublicHost), so
  // comparing them exactly compares them in any case, as the library does
  if (harborHost === host) {
    // named as the variable the user set: DOCKYARD_HOST set to Harbor's default host is that variable's mistake
    if (env.DOCKYARD_HARBOR_HOST === undefined) {
      invalid('DOCKYARD_HOST', host, `is Harbor's host too (DOCKYARD_HARBOR_HOST, by default ${describeValue(DEFAULT_CONFIG.harborHost)}); must be ` +
        `${PUBLIC_HOST_NAME}, apart from Harbor's, or set DOCKYARD_HARBOR_HOST to another`);
    }
    invalid('DOCKYARD_HARBOR_HOST', harborHost, `is the CI server's host (DOCKYARD_HOST) too; must be ${HARBOR_HOST}`);
  }
  const gitServer = checkGitServer('DOCKYARD_GIT_SERVER', env.DOCKYARD_GIT_SERVER, provider, 'DOCKYARD_GIT_PROVIDER');
  const apiServer = env.DOCKYARD_API_SERVER === undefined ? undefined : ApiServerEndpoint.fromUrl(env.DOCKYARD_API_SERVER, 'DOCKYARD_API_SERVER');
  const gitAuthPublicRepos = env.DOCKYARD_GIT_AUTH_PUBLIC_REPOS === undefined ? undefined
    : readTrueOrFalse('DOCKYARD_GIT_AUTH_PUBLIC_REPOS', env.DOCKYARD_GIT_AUTH_PUBLIC_REPOS, GIT_AUTH_PUBLIC_REPOS);
  checkGitAuthPublicRepos({ setting: 'DOCKYARD_GIT_AUTH_PUBLIC_REPOS', user: 'DOCKYARD_CLONE_USER', engine: 'DOCKYARD_CI' },
    { authenticate: gitAuthPublicRepos === true, user: env.DOCKYARD_CLONE_USER !== undefined, engine: ci });
  return {
    ci,
    host,
    harborHost,
    gitProvider: provider,
    gitServer,
    gitServerEgress: env.DOCKYARD_GIT_SERVER_CIDRS === undefined ? undefined
      : checkGitServerCidrs('DOCKYARD_GIT_SERVER_CIDRS', env.DOCKYARD_GIT_SERVER_CIDRS, gitServer, 'DOCKYARD_GIT_SERVER',
        apiServer && { cidr: apiServer.cidr, prop: 'DOCKYARD_API_SERVER' }),
    gitAuthPublicRepos,
    gitClientId: checkGitClientId('DOCKYARD_GIT_CLIENT_ID', pick('DOCKYARD_GIT_CLIENT_ID', DEFAULT_CONFIG.gitClientId)),
    organization: checkOrganization('DOCKYARD_ORG', pick('DOCKYARD_ORG', DEFAULT_CONFIG.organization), provider, ci),
    admin: checkGitAccountOf('DOCKYARD_ADMIN', pick('DOCKYARD_ADMIN', DEFAULT_CONFIG.admin), provider, 'user'),
    ingressClassName: checkDnsSubdomain('DOCKYARD_INGRESS_CLASS', pick('DOCKYARD_INGRESS_CLASS', DEFAULT_CONFIG.ingressClassName)),
    certIssuer: checkDnsSubdomain('DOCKYARD_CERT_ISSUER', pick('DOCKYARD_CERT_ISSUER', DEFAULT_CONFIG.certIssuer)),
    imageMirror: env.DOCKYARD_IMAGE_MIRROR === undefined ? undefined : checkMirror(env.DOCKYARD_IMAGE_MIRROR, harborHost),
    imageMirrorUser: env.DOCKYARD_IMAGE_MIRROR_USER === undefined ? undefined : checkMirrorUser(env.DOCKYARD_IMAGE_MIRROR_USER, env),
    dockerHubUser: env.DOCKYARD_DOCKERHUB_USER === undefined ? undefined : checkDockerHubUser('DOCKYARD_DOCKERHUB_USER', env.DOCKYARD_DOCKERHUB_USER, 'DOCKYARD_IMAGE_MIRROR', env.DOCKYARD_IMAGE_MIRROR),
    statePath: checkStateOutside(env, outdir),
    apiServer,
    imageDigests: env.DOCKYARD_IMAGE_DIGESTS === undefined ? undefined : ImageDigests.fromFile(env.DOCKYARD_IMAGE_DIGESTS, 'DOCKYARD_IMAGE_DIGESTS'),
    cloneUser: env.DOCKYARD_CLONE_USER === undefined ? undefined : checkCloneUser('DOCKYARD_CLONE_USER', env.DOCKYARD_CLONE_USER, 'DOCKYARD_CI', ci),
    trustBundle: env.DOCKYARD_CA_BUNDLE === undefined ? undefined : TrustBundle.fromFile(env.DOCKYARD_CA_BUNDLE, 'DOCKYARD_CA_BUNDLE'),
    finishedJobs: env.DOCKYARD_FINISHED_JOBS === undefined ? undefined : checkFinishedJobs(env.DOCKYARD_FINISHED_JOBS),
  };
}

