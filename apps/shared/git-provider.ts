import {
  CiEngineKind, checkGitAccount, checkGitHubServer, checkGitLabServer, checkHttpsBaseUrl, checkOAuthClientId, checkOneOf, describeValue, GitAccountRole, gitAccountRule, GitProvider,
  invalid, missing, SecretKey, ValidationError,
} from '../../lib';
import { nonEndpointRangeOf } from '../../lib/ci/build-egress';
import { Cidr, CIDR_RULE, cidrContains, formatCidr, parseCidr } from '../../lib/core/network';

/** The git providers the example stacks can log in with, by their configuration names. */
export enum GitProviderKind {
  GITHUB = 'github',
  GITLAB = 'gitlab',
  GITEA = 'gitea',
  BITBUCKET = 'bitbucket',
}

/** Check a provider name from configuration (`prop` names the setting in errors). */
export function checkGitProviderKind(prop: string, value: string): GitProviderKind {
  return checkOneOf(prop, value, Object.values(GitProviderKind));
}

/**
 * Check the provider's base URL from configuration and return it without a trailing slash.
 *
 * - github: optional, the base URL of a GitHub Enterprise Server (Drone and Woodpecker then call `<server>/api/v3`,
 *   so a URL ending in `/api/v3` is refused: `checkGitHubServer`);
 * - gitlab: optional, a self-managed GitLab's base URL (a URL ending in its `/api/v4` API root is refused:
 *   `checkGitLabServer`);
 * - gitea: required, for Gitea has no public default (Drone's `DRONE_GITEA_SERVER` has none);
 * - bitbucket: must be unset: Drone's bitbucket provider is Bitbucket Cloud only, with no server setting (a Bitbucket
 *   Server or Data Center is Drone's separate "stash" provider, which takes a private key instead of an OAuth app).
 *
 * @param prop the setting's name, e.g. `DOCKYARD_GIT_SERVER`
 * @param provider the configured provider, named `providerProp` in errors
 */
export function checkGitServer(prop: string, value: string | undefined, provider: GitProviderKind, providerProp: string): string | undefined {
  const which = `${providerProp} ${describeValue(provider)}`;
  if (provider === GitProviderKind.BITBUCKET) {
    if (value !== undefined) {
      invalid(prop, value, `must be unset for ${which}: that is Bitbucket Cloud, which has no server setting`);
    }
    return undefined;
  }
  if (value === undefined) {
    if (provider === GitProviderKind.GITEA) {
      missing(prop, `must be set for ${which}: the https base URL of the Gitea server, such as "https://gitea.example.com"`);
    }
    return undefined;
  }
  return provider === GitProviderKind.GITHUB ? checkGitHubServer(prop, value)
    : provider === GitProviderKind.GITLAB ? checkGitLabServer(prop, value) : checkHttpsBaseUrl(prop, value);
}

/** Check an OAuth client ID from configuration. */
export function checkGitClientId(prop: string, value: string): string {
  return checkOAuthClientId(prop, value);
}

/** Check an organisation (GitLab: a group, possibly nested) or a login at `provider` from configuration. */
export function checkGitAccountOf(prop: string, value: string, provider: GitProviderKind, role: GitAccountRole): string {
  return checkGitAccount(prop, value, provider, role);
}

/** The allowed-values text of an organisation or login at each provider, for documentation. */
export function gitAccountRules(role: GitAccountRole): string {
  return Object.values(GitProviderKind).map((p) => `${p}: ${gitAccountRule(p, role).replace(/^must be /, '')}`).join('; ');
}

/** The `GitProvider` of a configured kind; Gitea has no public default, so it needs `server`. */
export function gitProviderOf(kind: GitProviderKind, app: { clientId: string; clientSecret: SecretKey; server?: string }): GitProvider {
  switch (kind) {
    case GitProviderKind.GITHUB: return GitProvider.github(app);
    case GitProviderKind.GITLAB: return GitProvider.gitlab(app);
    case GitProviderKind.GITEA:
      return GitProvider.gitea({ ...app, server: app.server ?? missing('server', 'must be set for the gitea provider') });
    case GitProviderKind.BITBUCKET:
      if (app.server !== undefined) {
        invalid('server', app.server, 'must be unset for the bitbucket provider: that is Bitbucket Cloud, which has no server setting');
      }
      return GitProvider.bitbucketCloud({ clientId: app.clientId, clientSecret: app.clientSecret });
  }
}

/** What a Drone stack's organisation may be, as its refusal and the README say it. */
export const DRONE_ORGANIZATION_RULE = 'a top-level group with Drone, which runs no project of a GitLab subgroup (its syncer skips them) and ' +
  'matches a nested group by its last path segment only, which any group of that name passes; for a subgroup, run Woodpecker';

/**
 * Refuse a nested GitLab group as the organisation of a Drone stack, before anything is built or registered: Drone's
 * syncer skips every project of a subgroup (harness v2.28.2 `service/syncer/syncer.go:106-113`), so none of the
 * organisation's projects would run, and its filters would match the group by its last segment (`droneFilters`).
 *
 * @param prop the setting that holds the organisation, named in errors
 */
export function checkDroneOrganization(prop: string, organization: string): void {
  if (organization.includes('/')) {
    invalid(prop, organization, `must be ${DRONE_ORGANIZATION_RULE}`);
  }
}

/**
 * Check the organisation of a stack on `engine` (`DOCKYARD_ORG`, or the DigitalOcean program's `organization`): an
 * account of `provider` (`checkGitAccountOf`), and on Drone no GitLab subgroup (`checkDroneOrganization`), so that a
 * program refuses it before it registers anything.
 */
export function checkOrganization(prop: string, value: string, provider: GitProviderKind, engine: CiEngineKind): string {
  checkGitAccountOf(prop, value, provider, 'organization');
  if (engine === CiEngineKind.DRONE) {
    checkDroneOrganization(prop, value);
  }
  return value;
}

/**
 * Drone's user and repository filters for an organisation and an admin.
 *
 * - A nested GitLab group `acme/platform` cannot gate log-in: Drone's user filter checks the names of the user's
 *   groups (harness v2.28.2 `plugin/admission/account.go:59-70`), and go-scm names a GitLab group by its own path only
 *   (`scm/driver/gitlab/org.go` `convertOrganization` sets `Name: from.Path`), so a member of any group called
 *   `platform` would pass, and registration is open when a filter is set. A nested group is refused. (A top-level
 *   group is no boundary either, as a subgroup `mallory/acme` passes `acme`: `ciEngine` gives GitLab no filter.)
 * - The admin may be the organisation itself (a personal account); Drone compares names in lower case
 *   (`plugin/admission/account.go`), so the list holds each name once, whatever its case.
 *
 * @param prop the setting that holds the organisation, named in errors
 */
export function droneFilters(organization: string, admin: string, prop = 'organization'): { userFilter: string[]; repositoryFilter: string[] } {
  checkDroneOrganization(prop, organization);
  const userFilter = organization.toLowerCase() === admin.toLowerCase() ? [organization] : [organization, admin];
  return { userFilter, repositoryFilter: [organization] };
}

/**
 * What the git server's addresses (`DOCKYARD_GIT_SERVER_CIDRS`, the DigitalOcean program's `gitServerCidrs`) may be,
 * as their refusals and the README say it; `serverProp` names the setting of the server's URL.
 */
export function gitServerCidrsRule(serverProp: string): string {
  return 'comma-separated CIDRs such as "10.20.0.15/32" or "10.20.0.0/28,fd00:20::/120", each an IPv4 or IPv6 address in plain notation and a ' +
    `prefix length with no address bits set after it, listed once, of at most ${MAX_GIT_SERVER_BLOCK} addresses (/${MIN_GIT_SERVER_PREFIX_LENGTH[4]}, ` +
    `or /${MIN_GIT_SERVER_PREFIX_LENGTH[6]} for IPv6: the server's own, as every build reaches each on its port), clear of the unspecified, loopback, ` +
    `link-local, multicast and cloud metadata and host addresses and of the API server's; only with ${serverProp} set`;
}

// every build, forks' pull requests included, reaches each address of the blocks on the server's port, so a block is
// the server's own few addresses, never a network: a block of the cluster's pod, Service or node range would open
// every pod or node listening on that port, where the network plugin matches ipBlock to pods (NetworkPolicy ipBlock
// is meant for addresses outside the cluster, pod addresses being ephemeral: Kubernetes docs, Network Policies)
const MIN_GIT_SERVER_PREFIX_LENGTH = { 4: 24, 6: 120 } as const;
const MAX_GIT_SERVER_BLOCK = 2 ** (32 - MIN_GIT_SERVER_PREFIX_LENGTH[4]);

/** Where build pods reach a self-hosted git server that the internet rule leaves out: its addresses, on its port. */
export interface GitServerEgress {
  /** The server's addresses, in canonical form (`formatCidr`). */
  readonly cidrs: readonly string[];
  /** The port of the server's base URL: its clone URLs' port, 443 unless the URL names one. */
  readonly port: number;
}

/**
 * Check the addresses of a self-hosted git server (`prop`, comma-separated CIDRs) that build pods must reach to clone,
 * and pair them with the port of `gitServer`. The build pods' internet rule leaves out the private ranges
 * (`baseEgressRules`), so a server at a private address is reached only through such a rule; the ranges no endpoint
 * lies in (`nonEndpointRangeOf`: loopback, link-local and the clouds' metadata endpoints) are refused, as an address
 * there would open them to every build.
 *
 * @param serverProp the setting of the server's URL, named when it is unset
 */
export function checkGitServerCidrs(prop: string, value: string, gitServer: string | undefined, serverProp: string,
  apiServer?: { readonly cidr: string; readonly prop: string }): GitServerEgress {
  const refuse = (why: string): never => invalid(prop, value, `${why}must be ${gitServerCidrsRule(serverProp)}`);
  if (gitServer === undefined) {
    refuse(`is set without ${serverProp} (the public services are reached through the internet already); `);
  }
  const cidrs = value.split(',').map((text) => {
    let cidr: Cidr;
    try {
      cidr = parseCidr(prop, text);
    } catch (e) {
      if (e instanceof ValidationError) {
        // parseCidr's reason before its rule, when it gives one (address bits after the prefix), else none
        const reason = e.allowed !== undefined && e.allowed !== CIDR_RULE && e.allowed.endsWith(CIDR_RULE)
          ? e.allowed.slice(0, -CIDR_RULE.length) : 'is no CIDR; ';
        return refuse(`${describeValue(text)} ${reason}`);
      }
      throw e;
    }
    if (cidr.prefix === 0) {
      refuse(`${describeValue(text)} is the whole address space; `);
    }
    const range = nonEndpointRangeOf(cidr);
    if (range !== undefined) {
      refuse(`${describeValue(text)} overlaps ${range}; `);
    }
    if (cidr.prefix < MIN_GIT_SERVER_PREFIX_LENGTH[cidr.family]) {
      refuse(`${describeValue(text)} holds more than ${MAX_GIT_SERVER_BLOCK} addresses; `);
    }
    // the API server is reached only from the namespaces that declare it (a deploy namespace): a rule for every build
    // namespace that held its address would open it to them all on this port
    const api = apiServer === undefined ? undefined : parseCidr(apiServer.prop, apiServer.cidr);
    if (api !== undefined && api.family === cidr.family && (cidrContains(cidr, api) || cidrContains(api, cidr))) {
      refuse(`${describeValue(text)} holds the API server's address (${apiServer!.prop}), which only the namespaces that declare it reach; `);
    }
    return formatCidr(cidr);
  });
  const twice = cidrs.find((c, i) => cidrs.indexOf(c) !== i);
  if (twice !== undefined) {
    refuse(`lists ${describeValue(twice)} twice; `);
  }
  const port = new URL(gitServer!).port;
  return { cidrs, port: port === '' ? 443 : Number(port) };
}
