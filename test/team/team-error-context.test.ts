import { NetworkPeer, SecretValue } from '../../lib';
import { refusal } from '../util';
import { platform } from './fixtures';

/**
 * Among many teams a refusal must say whose it was: every refusal of `addTeam`, `Team.addPipelineSecret` and
 * `Team.allowEgress` names the team, on one line, once.
 */


describe('addTeam refusals name the team', () => {
  test('a namespace of the platform, or one the team took from its name', () => {
    const p = platform();
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: ['acme/zz'], namespaces: ['default'] }))).toBe('invalid namespaces "default": ' +
      'must be a namespace of the team\'s own, not "default", a "kube-" system namespace or the ingress controller\'s (team "zz")');
    // a team named after the platform's namespace: its namespace comes from its name, so the name is what to change
    expect(refusal(() => p.teams.addTeam({ name: 'ci', repos: ['acme/ci'] }))).toBe('invalid namespaces "ci": must be a namespace of the ' +
      'team\'s own: the platform (or another construct of the app) defines it already (the default for team "ci": rename the team, or give namespaces)');
    // the trial's case: the build namespace "<name>-builds" is the runner's own; the props that were given name no default
    expect(refusal(() => p.teams.addTeam({ name: 'ci', repos: ['acme/ci'], namespaces: ['ci-apps'] }))).toBe('invalid buildNamespace "ci-builds": ' +
      'must be a namespace of the team\'s own: the platform (or another construct of the app) defines it already (the default for team "ci": ' +
      'rename the team, or give buildNamespace)');
    expect(refusal(() => p.teams.addTeam({ name: 'ci', repos: ['acme/ci'], namespaces: ['ci-apps'], buildNamespace: 'ci-builds' }))).toBe(
      'invalid buildNamespace "ci-builds": must be a namespace of the team\'s own: the platform (or another construct of the app) defines it already (team "ci")');
    // the pull-request namespace of a dedicated runner, taken from the name, and another team's namespace
    p.teams.addTeam({ name: 'web', repos: ['acme/web'], namespaces: ['web', 'zz-pull-requests'] });
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: ['acme/zz'], dedicatedRunner: true }))).toBe('invalid pullRequestNamespace ' +
      '"zz-pull-requests": must belong to one team: it is already "web"\'s (the default for team "zz": rename the team, or give pullRequestNamespace)');
    expect(p.teams.teams.map((t) => t.teamName)).toEqual(['web']);
  });

  test('an overlap with another team names both: the team refused and the team that has the repositories', () => {
    const p = platform();
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments-*'] });
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: ['acme/payments-api'] }))).toBe('invalid repos "acme/payments-api": must not ' +
      'overlap another team\'s repositories: it can match the same repository as "acme/payments-*" of team "payments" (team "zz")');
  });

  test('a repository whose owner is a glob', () => {
    expect(refusal(() => platform().teams.addTeam({ name: 'zz', repos: ['zz-*/app'] }))).toBe('invalid repos "zz-*/app": must name its owner ' +
      'literally, e.g. "acme/payments-*" (in a GitLab subgroup, every group: "acme/payments/*"): a team\'s repositories are told apart by ' +
      'owner and name (team "zz")');
    // a subgroup's project names every group on its path: a glob in any of them is refused alike
    expect(refusal(() => platform().teams.addTeam({ name: 'zz', repos: ['acme/*/app'] }))).toBe('invalid repos "acme/*/app": must name its ' +
      'owner literally, e.g. "acme/payments-*" (in a GitLab subgroup, every group: "acme/payments/*"): a team\'s repositories are told apart ' +
      'by owner and name (team "zz")');
  });

  test('a list given as a string is refused as such, not letter by letter', () => {
    const p = platform();
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: ['acme/zz'], namespaces: 'zz' as any }))).toMatch(/^invalid namespaces "zz": must be a list.* \(team "zz"\)$/);
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: 'acme/zz-app' as any }))).toMatch(/^invalid repos "acme\/zz-app": must be a list.* \(team "zz"\)$/);
    // a glob too: its "*" was read as an owner that is no literal
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: 'acme/zz-*' as any }))).toMatch(/^invalid repos "acme\/zz-\*": must be a list.* \(team "zz"\)$/);
  });

  test('dedicatedRunner must be a boolean: a string "false" would make a runner', () => {
    const p = platform();
    for (const value of ['yes', 'false', 1]) {
      expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: ['acme/zz'], dedicatedRunner: value as any })))
        .toBe(`invalid dedicatedRunner ${JSON.stringify(value)}: must be true or false (team "zz")`);
    }
    expect(p.teams.addTeam({ name: 'zz', repos: ['acme/zz'], dedicatedRunner: false }).teamName).toBe('zz');
  });

  test('a misspelt prop is refused, with the prop meant, not silently dropped (JavaScript callers)', () => {
    const p = platform();
    const props = 'name, repos, namespaces, buildNamespace, events, branches, quota, registryQuotaGiB, deployPermissions, dedicatedRunner, pullRequestNamespace, members, memberPermissions, memberProjectRole';
    // without the check, the team got its default namespace "zz", not the two it asked for
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: ['acme/zz'], namespace: ['zz-web', 'zz-jobs'] } as any))).toBe('invalid namespace ' +
      `["zz-web","zz-jobs"]: a team has no prop "namespace" (did you mean "namespaces"?); its props are ${props} (team "zz")`);
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: ['acme/zz'], registryQuotaGb: 50 } as any))).toBe('invalid registryQuotaGb 50: ' +
      `a team has no prop "registryQuotaGb" (did you mean "registryQuotaGiB"?); its props are ${props} (team "zz")`);
    // refused as misspelt, not as missing repos
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repo: ['acme/zz'] } as any))).toMatch(/^invalid repo \["acme\/zz"\]: a team has no prop "repo" \(did you mean "repos"\?\)/);
    // refused before anything was made: the team, spelt right, is onboarded with the namespaces it asked for
    expect(p.teams.addTeam({ name: 'zz', repos: ['acme/zz'], namespaces: ['zz-web', 'zz-jobs'], registryQuotaGiB: 50 }).namespaces).toEqual(['zz-web', 'zz-jobs']);
  });

  test('props that are no object are refused as such in one line, before a prop is read (JavaScript callers)', () => {
    const p = platform();
    const allowed = 'must be an object of TeamProps, e.g. { name: "payments", repos: ["acme/payments-*"] }';
    // a string had been refused for its characters (`invalid 0 "p": a team has no prop "0"`), undefined with a TypeError
    for (const [props, shown] of [['payments', '"payments"'], [undefined, 'undefined'], [null, 'null'], [['payments'], '["payments"]']] as const) {
      expect(refusal(() => p.teams.addTeam(props as any))).toBe(`invalid props ${shown}: ${allowed}`);
    }
    expect(p.teams.teams).toEqual([]);
    expect(p.teams.addTeam({ name: 'payments', repos: ['acme/payments'] }).teamName).toBe('payments');
  });

  test('the message names the team once when the refusal already names it as a team', () => {
    const p = platform({}, { runner: { limitEvents: ['pull_request' as any] } });
    expect(refusal(() => p.teams.addTeam({ name: 'zz', repos: ['acme/zz'] }))).toMatch(/it would fail every pipeline of team "zz"$/);
  });
});

describe('a team\'s later calls name the team', () => {
  test('addPipelineSecret', () => {
    const team = platform().teams.addTeam({ name: 'pay', repos: ['acme/pay'] });
    expect(refusal(() => team.addPipelineSecret('Bad', { name: 'Not A Label', values: { token: SecretValue.hex(32) } })))
      .toMatch(/^invalid name "Not A Label": .* \(team "pay"\)$/);
    expect(refusal(() => team.addPipelineSecret('Empty', { name: 'empty', values: {} }))).toMatch(/ \(team "pay"\)$/);
  });

  test('allowEgress', () => {
    const team = platform().teams.addTeam({ name: 'pay', repos: ['acme/pay'] });
    expect(refusal(() => team.allowEgress(NetworkPeer.ipBlock('10.0.0.0/24'), [70000]))).toMatch(/^invalid ports 70000: .* \(team "pay"\)$/);
    expect(refusal(() => team.allowEgress(NetworkPeer.ipBlock('10.0.0.0/24'), []))).toBe('invalid ports []: must list at least one port: apps ' +
      'reach only what they need (team "pay")');
  });
});
