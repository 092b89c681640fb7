import { App } from 'cdk8s';
import { digitalOceanCharts, DigitalOceanChartsConfig } from '../../apps/digitalocean/charts';
import { DIGITALOCEAN_EXAMPLE, readSettings } from '../../apps/digitalocean/config';
import { ApiServerEndpoint, CiEngineKind, DockyardChart, PipelineEvent, TeamPlatform, VALIDATION_RULES } from '../../lib';
import { find, refusal, stderrOf } from '../util';

// Teams on the DigitalOcean program: its `teams` setting onboards them with TeamPlatform, as apps/teams does on the
// default platform. Before, the platform's harbor-push and harbor-pull reached every repository of the
// organisation, so a team added to the program was refused (no team may own a repository the platform's secrets reach).

/** The settings as `pulumi.Config.get` hands them over: a structured setting as its JSON text. */
const BASE: Record<string, string> = { domain: 'example.com', bucket: 'acme-harbor', gitClientId: 'Iv1.x', organization: 'acme', admin: 'alice' };
const read = (extra: Record<string, unknown>) => readSettings((k) => {
  const value = ({ ...BASE, ...extra } as Record<string, unknown>)[k];
  return value === undefined || typeof value === 'string' ? value : JSON.stringify(value);
});
const failure = (extra: Record<string, unknown>): string => refusal(() => read(extra));

describe('the teams setting', () => {
  test('reads each team as Pulumi stores a --path value: numbers and true/false as such, quantities as text', () => {
    // pulumi config set --path 'teams[0].quota.cpu' 4 stores the number 4; 'teams[0].dedicatedRunner' true a boolean
    // (pulumi sdk/go/common/resource/config/map.go, adjustObjectValue: "true"/"false" become booleans, what
    // strconv.Atoi reads an integer, unless it starts with "0")
    const settings = read({
      teams: [
        { name: 'payments', repos: ['acme/payments-*'], namespaces: ['payments', 'payments-staging'], quota: { cpu: 4, memory: '8Gi', pods: 20 }, registryQuotaGiB: 30 },
        { name: 'search', repos: ['acme/search'], dedicatedRunner: true, pullRequestNamespace: 'search-prs', buildNamespace: 'search-ci', registryQuotaGiB: '5' },
        { name: 'docs', repos: ['acme/docs'], dedicatedRunner: 'false', namespaces: [2024, true] },
      ],
      platformRepos: ['acme/infra-*'],
      apiServer: 'https://203.0.113.10:6443',
    });
    expect(settings.teams).toEqual([
      { name: 'payments', repos: ['acme/payments-*'], namespaces: ['payments', 'payments-staging'], quota: { cpu: '4', memory: '8Gi', pods: 20 }, registryQuotaGiB: 30 },
      { name: 'search', repos: ['acme/search'], dedicatedRunner: true, pullRequestNamespace: 'search-prs', buildNamespace: 'search-ci', registryQuotaGiB: 5 },
      { name: 'docs', repos: ['acme/docs'], dedicatedRunner: false, namespaces: ['2024', 'true'] },
    ]);
    expect(settings.platformRepos).toEqual(['acme/infra-*']);
    expect(settings.apiServer?.cidr).toBe('203.0.113.10/32');
    expect(settings.apiServer?.port).toBe(6443);
    const unset = read({});
    expect([unset.teams, unset.platformRepos, unset.apiServer]).toEqual([undefined, undefined, undefined]);
  });

  test('reads a team\'s route by branch on Woodpecker, events and branches as text, and none where neither is set', () => {
    // a branch named 2024 arrives as the number 2024 (adjustObjectValue, above)
    const settings = read({
      ciEngine: 'woodpecker',
      teams: [{ name: 'docs', repos: ['acme/docs'], events: ['push', 'cron'], branches: ['main', 2024] }, { name: 'web', repos: ['acme/web'], events: ['push', 'tag'] }],
      retiredTeams: [{ name: 'billing', repos: ['acme/billing'], events: ['push'], branches: ['main'] }],
    });
    expect(settings.teams).toEqual([
      { name: 'docs', repos: ['acme/docs'], events: ['push', 'cron'], branches: ['main', '2024'] }, { name: 'web', repos: ['acme/web'], events: ['push', 'tag'] },
    ]);
    expect(settings.retiredTeams).toEqual([{ name: 'billing', repos: ['acme/billing'], events: ['push'], branches: ['main'] }]);
    expect(read({ teams: [{ name: 'a', repos: ['acme/a'] }] }).teams).toEqual([{ name: 'a', repos: ['acme/a'] }]);
  });

  test.each<[string, Record<string, unknown>, string | RegExp]>([
    ['teams set as text', { teams: 'payments' }, 'invalid teams "payments": must be a structured setting, not text: set it with pulumi config set --path, e.g. pulumi config set --path \'teams[0].name\' payments'],
    ['teams not a list', { teams: { name: 'payments' } }, /^invalid teams \{"name":"payments"\}: must be a list of teams, each with a name and repos/],
    ['a team not an object', { teams: ['payments'] }, /^invalid teams\[0\] "payments": must be a team, with a name and repos/],
    ['a misspelt key', { teams: [{ name: 'payments', repos: ['acme/p'], namespace: ['payments'] }] },
      'invalid teams[0].namespace ["payments"]: is not a team setting (did you mean namespaces?); a team takes name, repos, namespaces, buildNamespace, ' +
      'quota, registryQuotaGiB, dedicatedRunner, pullRequestNamespace, events, branches (members and deploy permissions are code: see apps/digitalocean/charts.ts)'],
    ['members, which are code', { teams: [{ name: 'payments', repos: ['acme/p'], members: ['devs'] }] }, /^invalid teams\[0\]\.members \["devs"\]: is not a team setting; a team takes/],
    ['no name', { teams: [{ repos: ['acme/p'] }] }, 'missing teams[0].name: must be set: pulumi config set --path \'teams[0].name\' <team name>'],
    ['no repos', { teams: [{ name: 'a' }, { name: 'b' }] }, 'missing teams[0].repos: must be set: pulumi config set --path \'teams[0].repos[0]\' <owner/repository>'],
    ['a name not text', { teams: [{ name: { first: 'a' }, repos: ['acme/p'] }] }, 'invalid teams[0].name {"first":"a"}: must be a string'],
    ['repos not a list', { teams: [{ name: 'a', repos: 'acme/p' }] }, 'invalid teams[0].repos "acme/p": must be a list of non-empty strings: set it with pulumi config set --path \'teams[0].repos[0]\' <value>'],
    ['an empty repository', { teams: [{ name: 'a', repos: [''] }] }, /^invalid teams\[0\]\.repos \[""\]: must be a list of non-empty strings/],
    ['namespaces not a list', { teams: [{ name: 'a', repos: ['acme/p'], namespaces: 'a' }] }, /^invalid teams\[0\]\.namespaces "a": must be a list of non-empty strings/],
    ['a quota not an object', { teams: [{ name: 'a', repos: ['acme/p'], quota: '4' }] }, 'invalid teams[0].quota "4": must be an object of quota settings, e.g. pulumi config set --path \'teams[0].quota.cpu\' 4'],
    ['registryQuotaGiB not a number', { teams: [{ name: 'a', repos: ['acme/p'], registryQuotaGiB: '20GiB' }] }, 'invalid teams[0].registryQuotaGiB "20GiB": must be a whole number'],
    ['dedicatedRunner not a flag', { teams: [{ name: 'a', repos: ['acme/p'], dedicatedRunner: 'yes' }] }, 'invalid teams[0].dedicatedRunner "yes": must be true or false'],
    ['platformRepos as text', { platformRepos: 'acme/*' }, /^invalid platformRepos "acme\/\*": must be a structured setting, not text/],
    ['platformRepos not strings', { platformRepos: [['a']] }, 'invalid platformRepos [["a"]]: must be a list of non-empty strings: set it with pulumi config set --path \'platformRepos[0]\' <value>'],
    ['apiServer by name', { apiServer: 'https://api.example.com' }, /^invalid apiServer "https:\/\/api\.example\.com": must be an https URL of an IP address/],
    ['retiredTeams as text', { retiredTeams: 'billing' }, /^invalid retiredTeams "billing": must be a structured setting, not text/],
    ['a retiredTeams entry empty', { retiredTeams: [''] }, 'invalid retiredTeams[0] "": must be a list whose entries are a team\'s name or an object of ' +
      'name, repos, buildNamespace, events and branches: set it with pulumi config set --path \'retiredTeams[0]\' <name>, or --path \'retiredTeams[0].name\' <name> and ' +
      '--path \'retiredTeams[0].repos[0]\' <owner/repository>'],
    ['a retiredTeams entry a list', { retiredTeams: [['x']] }, /^invalid retiredTeams\[0\] \["x"\]: must be a list whose entries are a team's name or an object/],
    ['a retired team without its name', { retiredTeams: [{ repos: ['acme/billing'] }] }, /^missing retiredTeams\[0\]\.name: must be set: pulumi config set --path 'retiredTeams\[0\]\.name' <name>$/],
    ['a retired team\'s unknown key', { retiredTeams: ['a', { name: 'x', when: 1 }] }, 'invalid retiredTeams[1].when 1: is not a setting of a retired team: name, repos, buildNamespace, events and branches are'],
    ['a retired team\'s repos as text', { retiredTeams: [{ name: 'x', repos: 'a/b' }] }, /^invalid retiredTeams\[0\]\.repos "a\/b": must be a list of non-empty strings/],
    // a team's route by branch (TeamProps.events and branches), checked as addTeam and Woodpecker's routes check it
    // (lib/team/team-route.ts checkTeamRoute, lib/woodpecker/route-branches.ts checkRouteBranches), named by its key
    ['events as text', { ciEngine: 'woodpecker', teams: [{ name: 'a', repos: ['acme/p'], events: 'push' }] },
      'invalid teams[0].events "push": must be a list of non-empty strings: set it with pulumi config set --path \'teams[0].events[0]\' <value>'],
    ['an unknown event', { ciEngine: 'woodpecker', teams: [{ name: 'a', repos: ['acme/p'], events: ['pushed'] }] },
      'invalid teams[0].events ["pushed"]: "pushed" must be one of push, tag, promote, rollback, cron, custom, pull_request'],
    ['pull requests', { ciEngine: 'woodpecker', teams: [{ name: 'a', repos: ['acme/p'], events: ['push', 'pull_request'] }] },
      /^invalid teams\[0\]\.events \["push","pull_request"\]: must not include pull_request: a team's pull requests, forks' included, run in the engine's shared build namespace/],
    ['a branch glob', { ciEngine: 'woodpecker', teams: [{ name: 'a', repos: ['acme/p'], events: ['push'], branches: ['release/*'] }] },
      /^invalid teams\[0\]\.branches \["release\/\*"\]: "release\/\*" must be an exact branch name of letters, digits/],
    ['branches of every event, tags\' among them', { ciEngine: 'woodpecker', teams: [{ name: 'a', repos: ['acme/p'], branches: ['main'] }] },
      /^invalid teams\[0\]\.branches \["main"\]: must be left out of a route for tag, promote, rollback, as a route by branch takes only push, cron, custom/],
    ['events on Drone', { teams: [{ name: 'a', repos: ['acme/p'], events: ['push'] }] },
      /^invalid teams\[0\]\.events \["push"\]: must be left out on Drone: a team's route there takes every event but pull requests/],
    ['branches on Drone', { teams: [{ name: 'a', repos: ['acme/p'], branches: ['main'] }] }, /^invalid teams\[0\]\.branches \["main"\]: /],
    ['a retired team\'s branch glob', { ciEngine: 'woodpecker', retiredTeams: ['a', { name: 'x', repos: ['acme/x'], events: ['push'], branches: ['*'] }] },
      /^invalid retiredTeams\[1\]\.branches \["\*"\]: "\*" must be an exact branch name/],
    ['a retired team\'s events on Drone', { retiredTeams: [{ name: 'x', events: ['cron'] }] }, /^invalid retiredTeams\[0\]\.events \["cron"\]: must be left out on Drone/],
  ])('refuses %s in one line naming its key', (_, extra, message) => {
    expect(failure(extra)).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  });
});

/** The DigitalOcean charts' objects with `extra` settings. */
function charts(extra: Partial<DigitalOceanChartsConfig>): any[] {
  let objects: any[] = [];
  stderrOf(() => { objects = digitalOceanCharts(new App(), { ...DIGITALOCEAN_EXAMPLE, ...extra }).toJson(); });
  return objects;
}

// Under Pulumi nothing warned of a team taken out of `teams` (a synth warns from its secret state), and the program
// had no way to retire one: its Harbor robots, whose secrets never expire, kept their permissions on its project
describe('the retiredTeams setting', () => {
  /** The robots Harbor's configuration chunks retire. */
  const retiredRobots = (objects: any[]) => objects.filter((o) => o.kind === 'ConfigMap' && /^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/.test(o.metadata.name))
    .flatMap((c) => JSON.parse(c.data['config.json']).retiredRobots ?? []).sort();

  test('is read as a list of team names, or of objects with retireTeam\'s options', () => {
    expect(read({ retiredTeams: ['billing', 2024] }).retiredTeams).toEqual(['billing', '2024']);
    expect(read({}).retiredTeams).toBeUndefined();
    expect(read({ retiredTeams: ['billing', { name: 'search', repos: ['acme/search-app'], buildNamespace: 'search-ci' }, { name: 2024 }] }).retiredTeams)
      .toEqual(['billing', { name: 'search', repos: ['acme/search-app'], buildNamespace: 'search-ci' }, { name: '2024' }]);
  });

  // On Woodpecker a retired team's agents, left by an apply without pruning, keep taking its pipelines unless retireTeam
  // is given its repos (TeamPlatform.retireTeam, WoodpeckerCi.closeRoute): the program could pass none before
  test('on Woodpecker, a retired team given its repos has its agents refused the server, and no warning', () => {
    const woodpecker = (retiredTeams: DigitalOceanChartsConfig['retiredTeams']) => {
      let objects: any[] = [];
      const stderr = stderrOf(() => {
        objects = digitalOceanCharts(new App(), { ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.WOODPECKER, teams: [{ name: 'payments', repos: ['example/payments'] }], retiredTeams }).toJson();
      });
      const excluded = objects.filter((o) => o.kind === 'NetworkPolicy').flatMap((o) => (o.spec.ingress ?? []).flatMap((r: any) => r.from ?? []))
        .flatMap((peer: any) => peer.podSelector?.matchExpressions ?? []).filter((e: any) => e.operator === 'NotIn').flatMap((e: any) => e.values);
      return { stderr, excluded };
    };
    const given = woodpecker([{ name: 'billing', repos: ['example/billing'] }]);
    expect(given.excluded).toEqual(['cron', 'deploy', 'manual', 'push', 'tag'].map((event) => expect.stringMatching(new RegExp(`^woodpecker-billing-${event}-[0-9a-f]{8}$`))));
    expect(given.stderr).not.toContain('names no repos');
    const bare = woodpecker(['billing']);
    expect(bare.excluded).toEqual([]);
    expect(bare.stderr).toContain('retireTeam("billing") on Woodpecker names no repos');
  });

  // a team routed by branch has agents named after its events and branches (WoodpeckerCi routes, TeamProps.branches):
  // retired with the same ones, the program closes exactly those; before, neither setting took them
  test('on Woodpecker, a team routed by branch gets agents of those branches only, and retired with them has those agents closed', () => {
    let objects: any[] = [];
    const stderr = stderrOf(() => {
      objects = digitalOceanCharts(new App(), {
        ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.WOODPECKER,
        teams: [{ name: 'docs', repos: ['example/docs'], events: [PipelineEvent.PUSH], branches: ['main'] }],
        retiredTeams: [{ name: 'billing', repos: ['example/billing'], events: [PipelineEvent.PUSH, PipelineEvent.CRON], branches: ['main'] }],
      }).toJson();
    });
    const labels = objects.filter((o) => o.kind === 'StatefulSet' && /^woodpecker-docs-/.test(o.metadata.name))
      .map((o) => o.spec.template.spec.containers[0].env.find((e: any) => e.name === 'WOODPECKER_AGENT_LABELS').value);
    expect(labels).toEqual(['!woodpecker-ci.org/commit-branch=main,!woodpecker-ci.org/event=push,dockyard.dev/route=docs,repo=example/docs']);
    const excluded = objects.filter((o) => o.kind === 'NetworkPolicy').flatMap((o) => (o.spec.ingress ?? []).flatMap((r: any) => r.from ?? []))
      .flatMap((peer: any) => peer.podSelector?.matchExpressions ?? []).filter((e: any) => e.operator === 'NotIn').flatMap((e: any) => e.values);
    // the very agents billing had while onboarded with that route
    const onboarded = charts({ ciEngine: CiEngineKind.WOODPECKER,
      teams: [{ name: 'billing', repos: ['example/billing'], events: [PipelineEvent.PUSH, PipelineEvent.CRON], branches: ['main'] }] });
    const agents = onboarded.filter((o) => o.kind === 'StatefulSet' && /^woodpecker-billing-/.test(o.metadata.name)).map((o) => o.metadata.name);
    expect(agents).toHaveLength(2);
    expect([...excluded].sort()).toEqual([...agents].sort());
    expect(stderr).not.toContain('names no repos');
  });

  test('retires each team\'s robots, beside the teams onboarded or without any', () => {
    expect(retiredRobots(charts({ teams: [{ name: 'payments', repos: ['example/payments'] }], retiredTeams: ['billing'] })))
      // and the platform's push robot `drone`, as with teams and no platformRepos
      .toEqual(['billing-pull', 'billing-push', 'drone']);
    // the last team gone: the platform's secrets stay off the organisation's repositories, as while it was onboarded,
    // so `drone` stays retired (before, the fallback to <organization>/* made it again, with push to library for all)
    expect(retiredRobots(charts({ retiredTeams: ['billing', 'search'] })))
      .toEqual(['billing-pull', 'billing-push', 'drone', 'search-pull', 'search-push']);
    expect(retiredRobots(charts({ teams: [{ name: 'payments', repos: ['example/payments'] }] }))).toEqual(['drone']);
  });

  test('refuses a team it onboards too, naming its place in the setting', () => {
    // in the settings' words, not the code's (drop the addTeam call, or the retireTeam call)
    expect(refusal(() => charts({ teams: [{ name: 'search', repos: ['example/search'] }, { name: 'payments', repos: ['example/payments'] }],
      retiredTeams: ['billing', 'payments'] })))
      .toBe('invalid retiredTeams[1] "payments": must not be in teams too (teams[1]): a team is either onboarded or retired; remove it from ' +
        'teams to retire it, or from retiredTeams to keep it');
    expect(refusal(() => charts({ teams: [{ name: 'payments', repos: ['example/payments'] }], retiredTeams: [{ name: 'payments', repos: ['example/payments'] }] })))
      .toBe('invalid retiredTeams[0].name "payments": must not be in teams too (teams[0]): a team is either onboarded or retired; remove it from ' +
        'teams to retire it, or from retiredTeams to keep it');
    // an entry of name and options: its name is a key of it
    expect(refusal(() => charts({ retiredTeams: [{ name: 'Billing', repos: ['example/billing'] }] })))
      .toMatch(/^invalid retiredTeams\[0\]\.name "Billing": must be a team name: /);
    expect(refusal(() => charts({ retiredTeams: ['billing', { name: 'search', buildNamespace: 'Search_CI' }] })))
      .toBe(`invalid retiredTeams[1].buildNamespace "Search_CI": must be ${VALIDATION_RULES.dnsLabel}`);
  });

  test('refuses a name retired twice, naming both entries in the settings\' words', () => {
    // TeamPlatform's retireTeam would say it in the code's ("retireTeam was called with it already")
    expect(refusal(() => charts({ retiredTeams: ['billing', 'search', { name: 'billing', repos: ['example/billing'] }] })))
      .toBe('invalid retiredTeams[2].name "billing": must be in retiredTeams once: retiredTeams[0] retires it already; remove one of them');
    expect(refusal(() => charts({ retiredTeams: ['search', 'search'] })))
      .toBe('invalid retiredTeams[1] "search": must be in retiredTeams once: retiredTeams[0] retires it already; remove one of them');
  });

  test('refuses an invalid name given twice as an invalid name, at its first place, before the name twice', () => {
    // removing one of the two places would leave the name refused all the same: the rule it breaks comes first, where
    // the setting gives it first, as each entry's refusal comes in the settings' order
    const rule = 'must be a team name: at most 40 lower-case letters, digits and "-", starting and ending with a letter or digit (it prefixes ' +
      'the team\'s namespaces, robots, secrets and runner policies)';
    expect(refusal(() => charts({ teams: [{ name: 'search', repos: ['example/search'] }, { name: 'Pay', repos: ['example/pay'] }], retiredTeams: ['Pay'] })))
      .toBe(`invalid teams[1].name "Pay": ${rule} (team "Pay")`);
    expect(refusal(() => charts({ retiredTeams: ['search', 'Pay', { name: 'Pay', repos: ['example/pay'] }] })))
      .toBe(`invalid retiredTeams[1] "Pay": ${rule}`);
    expect(refusal(() => charts({ retiredTeams: [{ name: 'Pay', repos: ['example/pay'] }, 'Pay'] })))
      .toBe(`invalid retiredTeams[0].name "Pay": ${rule}`);
    // on Woodpecker, the engine's limit, as addTeam gives it
    expect(refusal(() => charts({ ciEngine: CiEngineKind.WOODPECKER, teams: [{ name: 'Pay', repos: ['example/pay'] }], retiredTeams: ['Pay'] })))
      .toBe('invalid teams[0].name "Pay": must be a team name: at most 25 lower-case letters, digits and "-", starting and ending with a letter or ' +
        'digit (it prefixes the team\'s namespaces, robots, secrets and runner policies, and names its woodpecker route\'s agents) (team "Pay")');
  });
});

/** The JSON configurations of Harbor's configuration Jobs (not their script): projects, robots and the robots they retire. */
function harborConfiguration(objects: any[]): string {
  return objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'harbor' && o.metadata.name.startsWith('harbor-configure'))
    .flatMap((o) => Object.values(o.data as Record<string, string>)).filter((text) => text.startsWith('{')).join('\n');
}

/** The names of the Secrets `objects` hold whose data Drone's secrets extension serves (`<namespace>/<name>`). */
const names = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind).map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('teams on the DigitalOcean charts', () => {
  const TEAMS = [{ name: 'payments', repos: ['example/payments-*'], namespaces: ['payments', 'payments-staging'] }];

  test('onboard each team as TeamPlatform does, and give the platform\'s push and pull secrets to no repository', () => {
    const objects = charts({ teams: TEAMS });
    expect(names(objects, 'Namespace')).toEqual(expect.arrayContaining(['/payments', '/payments-staging', '/payments-builds']));
    expect(find(objects, 'ResourceQuota', 'team-quota', 'payments-staging').spec.hard['requests.cpu']).toBe('4');
    // the team's own push login, read by the secrets extension, and no platform-wide one
    const rules = JSON.stringify(find(objects, 'ConfigMap', 'drone-runner-config', 'dockyard').data);
    expect(rules).toContain('payments-builds');
    const configuration = harborConfiguration(objects);
    expect(configuration).toContain('"payments-push"');
    expect(configuration).toContain('"payments-pull"');
    expect(configuration).not.toMatch(/"name":"drone"/);
    // the robot `drone` an earlier pulumi up made, for `harbor-push` to every repository, is deleted from Harbor
    expect(configuration).toMatch(/"retiredRobots": \[\s*"drone"\s*\]/);
    const secretRole = find(objects, 'Role', 'drone-secrets', 'dockyard');
    expect(JSON.stringify(secretRole.rules)).not.toContain('"harbor-push"');
    expect(JSON.stringify(secretRole.rules)).toContain('"payments-harbor-push"');
  });

  test('without teams the platform\'s secrets reach the organisation, as before; platformRepos narrows them', () => {
    const before = charts({});
    expect(harborConfiguration(before)).not.toContain('retiredRobots');
    expect(JSON.stringify(find(before, 'Role', 'drone-secrets', 'dockyard').rules)).toContain('"harbor-push"');
    const narrowed = charts({ teams: TEAMS, platformRepos: ['example/infra-*'] });
    expect(JSON.stringify(find(narrowed, 'Role', 'drone-secrets', 'dockyard').rules)).toContain('"harbor-push"');
    expect(harborConfiguration(narrowed)).toMatch(/"name":"drone"/);
    expect(harborConfiguration(narrowed)).not.toContain('retiredRobots');
  });

  test('the last team leaving does not widen the platform\'s secrets to the organisation; platformRepos still can', () => {
    const left = charts({ retiredTeams: ['payments'] });
    const rules = JSON.stringify(find(left, 'Role', 'drone-secrets', 'dockyard').rules);
    expect(rules).not.toContain('"harbor-push"');
    expect(rules).not.toContain('"harbor-pull"');
    expect(harborConfiguration(left)).not.toMatch(/"name":"drone"/);
    const stated = charts({ retiredTeams: ['payments'], platformRepos: ['example/*'] });
    expect(JSON.stringify(find(stated, 'Role', 'drone-secrets', 'dockyard').rules)).toContain('"harbor-push"');
    expect(harborConfiguration(stated)).toMatch(/"name":"drone"/);
  });

  test('a team\'s refusal names its place in the setting, as does one overlapping platformRepos', () => {
    expect(refusal(() => charts({ teams: [TEAMS[0], { name: 'Search', repos: ['example/search'] }] }))).toBe('invalid teams[1].name "Search": must be a ' +
      'team name: at most 40 lower-case letters, digits and "-", starting and ending with a letter or digit (it prefixes the team\'s namespaces, ' +
      'robots, secrets and runner policies) (team "Search")');
    expect(refusal(() => charts({ teams: TEAMS, platformRepos: ['example/*'] })))
      .toMatch(/^invalid teams\[0\]\.repos "example\/payments-\*": must not overlap the platform's own grants/);
    // a key of a key: the quota's
    expect(refusal(() => charts({ teams: [{ ...TEAMS[0], quota: { cpu: '500M' } }] }))).toMatch(/^invalid teams\[0\]\.quota\.cpu "500M": /);
  });

  // a team's build pods pull the runner's clone image, relocated to the mirror, as the team's deploy identity or with
  // its pipelines' pull login: both must hold the mirror's login (TeamPlatform sharedLogins). Before, teams were
  // refused with such a mirror
  test('with a mirror that takes a login, every team\'s pull secret and pipeline pull login hold it beside the team\'s robot', () => {
    let chart: DockyardChart | undefined;
    stderrOf(() => { chart = digitalOceanCharts(new App(), { ...DIGITALOCEAN_EXAMPLE, teams: TEAMS, imageMirror: 'mirror.example.com/airgap', imageMirrorUser: 'puller' }); });
    const team = (chart!.node.findChild('Teams') as TeamPlatform).teams[0];
    // Secrets are the Pulumi program's to render: the pull secret's logins, where it is listed, and who pulls with it
    expect(team.pullSecret.registries).toEqual(['harbor.example.com', 'mirror.example.com']);
    expect(team.pullSecret.namespaces).toEqual(['payments', 'payments-staging']);
    const objects = chart!.toJson();
    expect(find(objects, 'ServiceAccount', 'deployer', 'payments-builds').imagePullSecrets).toEqual([{ name: 'payments-pull' }]);
    // the pipelines' pull login, which Drone's secrets extension serves to the team's repositories only
    expect(JSON.stringify(find(objects, 'Role', 'drone-secrets', 'dockyard').rules)).toContain('"payments-harbor-pull"');
    expect(() => charts({ teams: TEAMS, imageMirror: 'mirror.example.com/airgap' })).not.toThrow();
  });

  // the Container Registry's login is a DigitalOcean API token (DOCR_TOKEN_INPUT), which must not reach the teams
  test('refuses teams with a mirror on the Container Registry, whose login is an API token', () => {
    expect(() => charts({ teams: TEAMS, containerRegistry: true, imageMirror: 'registry.digitalocean.com/acme' }))
      .toThrow(/^invalid teams "payments": must be left unset with an imageMirror on the Container Registry: .*a DigitalOcean API token, which no team may hold; /);
  });

  // review: a team named cert-manager collided with the program's install only at pulumi up
  test('refuses a team claiming cert-manager\'s namespace, which the program reserves', () => {
    expect(() => charts({ teams: [TEAMS[0], { name: 'cert-manager', repos: ['example/cm'] }] }))
      .toThrow('invalid teams[1].namespaces "cert-manager": must be a namespace of the team\'s own: the platform reserves it (TeamPlatform ' +
        'reservedNamespaces) (the default for team "cert-manager": rename the team, or give namespaces)');
    expect(() => charts({ teams: [{ ...TEAMS[0], namespaces: ['payments', 'cert-manager'] }] })).toThrow(/^invalid teams\[0\]\.namespaces "cert-manager": .*reserves it/);
    expect(() => charts({ teams: [{ ...TEAMS[0], buildNamespace: 'cert-manager' }] })).toThrow(/^invalid teams\[0\]\.buildNamespace "cert-manager": .*reserves it/);
  });

  test('platformRepos is Drone\'s: Woodpecker grants secrets to routes of exact repositories, which the program has none of', () => {
    const objects = charts({ ciEngine: CiEngineKind.WOODPECKER, teams: [{ name: 'payments', repos: ['example/payments-app'] }] });
    expect(names(objects, 'Namespace')).toContain('/payments-builds');
    expect(() => charts({ ciEngine: CiEngineKind.WOODPECKER, platformRepos: ['example/infra'] }))
      .toThrow('invalid platformRepos "example/infra": must be set only with ciEngine drone');
  });

  test('a dedicated runner\'s pull-request namespace pulls with the shared pool\'s proxy login; apiServer reaches the teams\' builds only', () => {
    const api = ApiServerEndpoint.fromUrl('https://203.0.113.10:6443');
    const objects = charts({ teams: [{ ...TEAMS[0], dedicatedRunner: true }], apiServer: api });
    const pullRequests = find(objects, 'ServiceAccount', 'default', 'payments-pull-requests');
    const pool = find(objects, 'ServiceAccount', 'default', 'dockyard-builds');
    expect(pullRequests.imagePullSecrets).toEqual(pool.imagePullSecrets);
    expect(pool.imagePullSecrets.length).toBeGreaterThan(0);
    // the team's builds reach the API server at its port; the shared pool's internet rule leaves it out
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const reaching = policies.filter((p) => JSON.stringify(p.spec.egress ?? []).includes('"cidr":"203.0.113.10/32"'))
      .map((p) => p.metadata.namespace);
    expect(reaching).toContain('payments-builds');
    expect(reaching).not.toContain('dockyard-builds');
    const pool443 = policies.filter((p) => p.metadata.namespace === 'dockyard-builds').map((p) => JSON.stringify(p.spec.egress ?? []));
    expect(pool443.join()).toContain('"203.0.113.10/32"');
  });
});
