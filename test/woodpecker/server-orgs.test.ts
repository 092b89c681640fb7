// WOODPECKER_ORGS with GitLab, whose groups nest: what Woodpecker v3.17.0 compares the entries with, modelled from
// its source (paths in woodpecker-ci/woodpecker at that tag), and the entries the server refuses because they can
// never match.
import { GitProvider, Secret } from '../../lib';
import { container, find, synth, testChart } from '../util';
import { woodpeckerServer } from './fixtures';
import { literalEnv } from './upstream';

/** A group as GitLab's `GET /groups` returns it: its display name and its path. */
interface GitLabGroup {
  readonly name: string;
  readonly fullPath: string;
}

/**
 * The teams Woodpecker sees for a GitLab user: `server/forge/gitlab/gitlab.go:190-210` lists the groups in which the
 * user is at least Developer (`MinAccessLevel: gitlab.DeveloperPermissions`, :196) and keeps each group's `Name`
 * as the team's `Login` (:206); the path is dropped.
 */
function gitLabTeams(groups: GitLabGroup[]): string[] {
  return groups.map((g) => g.name);
}

/**
 * Whether the login goes through: `cmd/server/flags.go:157-164` reads WOODPECKER_ORGS as a list split on ","
 * with each item trimmed, `server/services/permissions/orgs.go:24-33` lower-cases it, and `IsMember` (:40-47)
 * looks up each team's login, lower-cased (`server/api/login.go:138-163`).
 */
function admits(woodpeckerOrgs: string, teams: string[]): boolean {
  const orgs = new Set(woodpeckerOrgs.split(',').map((o) => o.trim().toLowerCase()));
  return teams.some((t) => orgs.has(t.toLowerCase()));
}

/** A Developer of the top-level group `acme` and of its subgroup `acme/platform`, which GitLab shows as "Platform Team". */
const GROUPS: GitLabGroup[] = [{ name: 'ACME', fullPath: 'acme' }, { name: 'Platform Team', fullPath: 'acme/platform' }];

function gitlabServer(orgs: string[], open?: boolean): Record<string, string> {
  const chart = testChart('ci');
  const clientSecret = Secret.fromSecretName(chart, 'GitLabOAuth', 'gitlab-oauth').key('client-secret');
  woodpeckerServer(chart, { gitProvider: GitProvider.gitlab({ clientId: 'id', clientSecret, server: 'https://gitlab.example.com' }), orgs, open });
  return literalEnv(container(find(synth(chart), 'Deployment', 'woodpecker', 'ci')));
}

describe('WoodpeckerServer orgs with GitLab', () => {
  test('renders group names, of top-level groups and subgroups, which Woodpecker matches ignoring case', () => {
    const env = gitlabServer(['Platform Team', 'acme']);
    expect(env.WOODPECKER_ORGS).toBe('Platform Team,acme');
    expect(admits(env.WOODPECKER_ORGS, gitLabTeams(GROUPS))).toBe(true);
    // each entry alone admits the user: the subgroup by its name, the top-level group by its name in another case
    expect(admits(gitlabServer(['Platform Team']).WOODPECKER_ORGS, gitLabTeams(GROUPS))).toBe(true);
    expect(admits(gitlabServer(['acme']).WOODPECKER_ORGS, gitLabTeams(GROUPS))).toBe(true);
    // and a user in neither group is refused
    expect(admits(env.WOODPECKER_ORGS, gitLabTeams([{ name: 'Other', fullPath: 'other' }]))).toBe(false);
  });

  test('accepts every GitLab group name, spaces, parentheses, dots and non-ASCII letters included', () => {
    for (const name of ['Platform Team (EU)', 'ops.infra', '_bots', 'Équipe-Données', 'team 2']) {
      expect(gitlabServer([name]).WOODPECKER_ORGS).toBe(name);
    }
  });

  test('refuses a group path, which never matches: the subgroup\'s members would all be locked out', () => {
    // what Woodpecker would do with it: compare "acme/platform" with the names "ACME" and "Platform Team"
    expect(admits('acme/platform', gitLabTeams(GROUPS))).toBe(false);
    expect(() => gitlabServer(['acme/platform'])).toThrow(
      'invalid orgs "acme/platform": must be a GitLab group\'s name as GitLab shows it, not its path: Woodpecker compares the names of ' +
      'the groups the user is at least Developer in, and a name holds no "/"');
  });

  test('refuses orgs with open registration: anyone can name a group after an entry and register', () => {
    // mallory creates a group whose display name is "ACME" (names are chosen by the group's owner and need not be
    // unique); login.go:138-163 admits on the name alone, and WOODPECKER_OPEN registers her (login.go:189-195)
    expect(admits('acme', gitLabTeams([{ name: 'ACME', fullPath: 'mallory-acme' }]))).toBe(true);
    expect(() => gitlabServer(['acme'], true)).toThrow(new Error('invalid orgs ["acme"]: must be unset when open is true with a GitLab ' +
      'provider: Woodpecker compares the display names of the user\'s GitLab groups, which their owners choose, so any GitLab user who ' +
      'names a group after an entry would register; keep open false and add users as an admin'));
    // closed, orgs only narrows who may log in among the users an admin added
    expect(gitlabServer(['acme'], false)).toMatchObject({ WOODPECKER_OPEN: 'false', WOODPECKER_ORGS: 'acme' });
  });

  test('refuses what no GitLab group name can be, with one line naming the prop', () => {
    const rule = 'must be a GitLab group\'s name: a letter, digit, emoji or "_", then letters, digits, emoji, "_", ".", dashes, spaces ' +
      'and parentheses, not ending in a space; at most 255 characters';
    // GitLab's own rule for a group's name: gitlab-org/gitlab lib/gitlab/regex.rb `group_name_regex` (a letter, digit,
    // emoji or "_" first; then also ".", dashes, spaces and parentheses) and the group model's 255-character limit.
    // "," would split the entry in two (flags.go:157-164); a trailing space is trimmed away before the comparison
    for (const bad of ['acme,evil', 'platform ', ' platform', '-x', '.x', 'a+b', 'a'.repeat(256)]) {
      let message: string | undefined;
      try {
        gitlabServer([bad]);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message?.endsWith(`: ${rule}`)).toBe(true);
      expect(message?.startsWith('invalid orgs ')).toBe(true);
      expect(message?.split('\n')).toHaveLength(1);
    }
    expect(gitlabServer(['a'.repeat(255)]).WOODPECKER_ORGS).toHaveLength(255);
  });
});
