import { checkObject, describeValue, invalid, ValidationError } from '../core';

/**
 * What a repository's ID is on each forge, as Woodpecker records it (`Repo.ForgeRemoteID`, woodpecker v3.17.0):
 * GitHub's, GitLab's and Gitea's numeric ID, written in decimal (`server/forge/github/convert.go:86`,
 * `server/forge/gitlab/convert.go:66`, `server/forge/gitea/helper.go:40`: `fmt.Sprint` of the API's integer), and
 * Bitbucket's UUID in braces, as its API spells it (`server/forge/bitbucket/convert.go:53`).
 */
const FORGE_IDS: Readonly<Record<string, { readonly pattern: RegExp; readonly numeric?: boolean; readonly rule: string }>> = {
  github: { pattern: /^[1-9][0-9]{0,18}$/, numeric: true, rule: 'GitHub\'s numeric repository ID, e.g. "123456789" (`gh api repos/<owner>/<name> --jq .id`)' },
  gitlab: { pattern: /^[1-9][0-9]{0,18}$/, numeric: true, rule: 'GitLab\'s numeric project ID, e.g. "4242" (the project\'s overview page shows it)' },
  gitea: { pattern: /^[1-9][0-9]{0,18}$/, numeric: true, rule: 'Gitea\'s numeric repository ID, e.g. "17" (`GET /api/v1/repos/<owner>/<name>`, its "id")' },
  bitbucket: {
    pattern: /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/,
    rule: 'Bitbucket\'s repository UUID in braces and lower case, e.g. "{21fa9bf8-b5b2-4891-97ed-d590bad0f871}" (`GET /2.0/repositories/<workspace>/<slug>`, its "uuid")',
  },
};

/** The largest numeric ID: the forges' IDs are 64-bit signed integers. */
const MAX_INT64 = BigInt('9223372036854775807');

/** A repository pinned to its forge's ID (`WoodpeckerCiProps.repoForgeIds`). */
export interface RepoPin {
  /** The repository, as the prop spells it. */
  readonly repo: string;
  /** Its ID on the forge. */
  readonly forgeId: string;
}

/**
 * `repoForgeIds` checked for `forge`: each ID in the forge's form, no ID given to two repositories, no repository
 * named twice in two cases; by repository in lower case. `checkRepo` checks each repository as a route would take it.
 */
export function checkRepoForgeIds(forge: string, value: Readonly<Record<string, string>>, checkRepo: (repo: string) => void): Map<string, RepoPin> {
  checkObject('repoForgeIds', value, 'must map "owner/name" repositories to their forge\'s IDs, e.g. { "acme/api": "123456789" }');
  const form = FORGE_IDS[forge];
  const pins = new Map<string, RepoPin>();
  const byId = new Map<string, string>();
  for (const repo of Object.keys(value).sort()) {
    const forgeId = value[repo];
    try {
      checkRepo(repo);
    } catch (e) {
      // the route's check, said of this prop
      if (e instanceof ValidationError && e.allowed !== undefined) {
        invalid('repoForgeIds', { [repo]: forgeId }, e.allowed);
      }
      throw e;
    }
    if (typeof forgeId !== 'string' || !form.pattern.test(forgeId) || (form.numeric && BigInt(forgeId) > MAX_INT64)) {
      invalid('repoForgeIds', { [repo]: forgeId }, `${describeValue(forgeId)} must be ${form.rule}`);
    }
    const other = pins.get(repo.toLowerCase());
    if (other !== undefined) {
      invalid('repoForgeIds', { [other.repo]: other.forgeId, [repo]: forgeId }, 'must name each repository once: the forge compares ' +
        'repository names in any case');
    }
    const same = byId.get(forgeId);
    if (same !== undefined) {
      invalid('repoForgeIds', { [same]: forgeId, [repo]: forgeId }, `must give each repository an ID of its own: ${describeValue(forgeId)} ` +
        'is one repository on the forge');
    }
    pins.set(repo.toLowerCase(), { repo, forgeId });
    byId.set(forgeId, repo);
  }
  return pins;
}
