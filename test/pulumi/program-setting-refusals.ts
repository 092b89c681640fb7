// The DigitalOcean program's refusals of its settings, as `pulumi up` and `pulumi preview` print them: the one line of
// a RunError (@pulumi/pulumi 3.270.0 cmd/run/run.js:377-379 logs its message alone), naming the setting as the user
// sets it (a Pulumi config key, or its place in a structured one: `pulumi config set --path 'teams[1].name'`), the
// value (none of a secret's) and what is allowed, before anything is registered. Each kind of refusal is here: a config
// key, a key of a team (`teams[i]`) or of a retired team (`retiredTeams[i]`), read by the settings or refused by the
// charts' TeamPlatform (`inSetting`), and a setting the charts refuse.
import { thrown } from '../util';
import { registered, settled, setup } from './digitalocean/harness';
import { printed } from './printed';

/** The settings as `pulumi.Config.get` hands them over: a structured setting as its JSON text. */
const BASE: Record<string, unknown> = { domain: 'example.com', bucket: 'acme-harbor', gitClientId: 'Iv1.0123456789abcdef', organization: 'acme', admin: 'alice' };
/** A team name's rule, as TeamPlatform words it (lib/team/team.ts, checkTeamName). */
const TEAM_NAME = 'must be a team name: at most 40 lower-case letters, digits and "-", starting and ending with a letter or digit (it prefixes ' +
  'the team\'s namespaces, robots, secrets and runner policies)';

/** The tests, in preview mode or not: one mode per test file, as Pulumi's mocks are set once per process. */
export function describeSettingRefusals(preview: boolean): void {
  describe(`the DigitalOcean program's refusals of its settings${preview ? ', in a preview' : ''}`, () => {
    beforeAll(() => setup({ preview }));

    /**
     * What the language host prints when the program runs with `extra` settings, as index.ts runs it (settings read,
     * then deployed), with `secret` as gitClientSecret; and that nothing registered.
     */
    async function refusal(extra: Record<string, unknown>, secret = 'github-oauth-client-secret'): Promise<string> {
      const { readSettings } = await import('../../apps/digitalocean/config');
      const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
      const settings = { ...BASE, ...extra };
      registered.length = 0;
      const line = printed(thrown(() => deployDigitalOcean(readSettings((k) => {
        const v = settings[k];
        return v === undefined || typeof v === 'string' ? v : JSON.stringify(v);
      }), secret)));
      await settled();
      expect(registered.map((r) => r.type)).toEqual([]);
      return line;
    }

    test('a config key: its name, its value and what it may be; a secret\'s value never', async () => {
      expect(await refusal({ postgresSize: 'db-s-1vcpu-1GB' })).toBe('invalid postgresSize "db-s-1vcpu-1GB": must be a DigitalOcean PostgreSQL size slug ' +
        '<family>-<vcpu>vcpu-<N>gb of the family db-s, db-amd, db-intel, gd or so1_5, such as "db-s-2vcpu-4gb" or "gd-2vcpu-8gb"');
      // Harbor's library stays public only on a true (apps/digitalocean/config.ts, readTrueOrFalse)
      expect(await refusal({ publicLibrary: 'yes' })).toBe('invalid publicLibrary "yes": must be true or false');
      expect(await refusal({}, 'oauth-secret-not-to-show\n')).toBe('invalid gitClientSecret <redacted>: must not be white space only, nor one line ' +
        'that begins or ends with a line break: set it to the value alone');
    });

    test('a team\'s key, as the settings read it and as the charts\' TeamPlatform refuses it', async () => {
      expect(await refusal({ ciEngine: 'woodpecker', teams: [{ name: 'a', repos: ['acme/a'], events: ['push', 'pull_request'] }] }))
        .toBe('invalid teams[0].events ["push","pull_request"]: must not include pull_request: a team\'s pull requests, forks\' included, run in the ' +
          'engine\'s shared build namespace, never in its own as its deploy identity; give some of push, tag, promote, rollback, cron, custom');
      expect(await refusal({ teams: [{ name: 'payments', repos: ['acme/payments'] }, { name: 'Search', repos: ['acme/search'] }] }))
        .toBe(`invalid teams[1].name "Search": ${TEAM_NAME} (team "Search")`);
      // the program declares Harbor's library (Harbor.declareLibrary), so a team named so, which would take it over, is
      // refused as a second declaration of it
      expect(await refusal({ teams: [{ name: 'library', repos: ['acme/library'] }] })).toBe('invalid teams[0].name "library": must be unique among ' +
        'the projects of this Harbor (addProject, addProxyCache, declareLibrary) (team "library")');
      expect(await refusal({ teams: [{ name: 'payments', repos: ['acme/payments'], quota: { cpu: '500M' } }] })).toBe('invalid teams[0].quota.cpu "500M": ' +
        '"M" multiplies by a million, so this is 500 million cores; CPU is given in cores ("2", "0.5") or millicores ("250m"): did you mean "500m" ' +
        '(millicores)? (team "payments")');
    });

    test('a retired team: its entry when given as a name alone, else its key', async () => {
      expect(await refusal({ retiredTeams: [{ name: 'billing', events: ['cron'] }] })).toBe('invalid retiredTeams[0].events ["cron"]: must be left out on ' +
        'Drone: a team\'s route there takes every event but pull requests (push, tag, promote, rollback, cron, custom); a narrower one is Woodpecker\'s, ' +
        'for a route by branch');
      // a name in both settings, in their words (the charts refuse it before TeamPlatform's retireTeam, whose words are the code's)
      expect(await refusal({ teams: [{ name: 'payments', repos: ['acme/payments'] }], retiredTeams: ['billing', 'payments'] })).toBe('invalid retiredTeams[1] ' +
        '"payments": must not be in teams too (teams[0]): a team is either onboarded or retired; remove it from teams to retire it, or from ' +
        'retiredTeams to keep it');
      expect(await refusal({ ciEngine: 'woodpecker', teams: [{ name: 'payments', repos: ['acme/payments'] }],
        retiredTeams: [{ name: 'payments', repos: ['acme/payments'] }] })).toBe('invalid retiredTeams[0].name "payments": must not be in teams too ' +
        '(teams[0]): a team is either onboarded or retired; remove it from teams to retire it, or from retiredTeams to keep it');
      // and a name retired twice (TeamPlatform's retireTeam would say "retireTeam was called with it already")
      expect(await refusal({ retiredTeams: ['billing', { name: 'billing', repos: ['acme/billing'] }] })).toBe('invalid retiredTeams[1].name "billing": ' +
        'must be in retiredTeams once: retiredTeams[0] retires it already; remove one of them');
      expect(await refusal({ retiredTeams: ['Billing'] })).toBe(`invalid retiredTeams[0] "Billing": ${TEAM_NAME}`);
      expect(await refusal({ retiredTeams: [{ name: 'Billing', repos: ['acme/billing'] }] })).toBe(`invalid retiredTeams[0].name "Billing": ${TEAM_NAME}`);
    });

    // the Valkey's maxclients: read as a whole number in Valkey's range, then shared by Harbor's Redis budget, whose
    // refusal of too small a limit names the setting, its value quoted as the setting's text, and this program's remedy,
    // not the library's (ExternalRedis, replicas, jobWorkers: apps/digitalocean/charts.ts, valkeyMaxClientsRefused)
    test('valkeyMaxClients: as the settings read it, and as the charts\' Redis budget refuses it', async () => {
      expect(await refusal({ valkeyMaxClients: 'many' })).toBe('invalid valkeyMaxClients "many": must be a whole number from 1 to 4294967295: ' +
        'the managed Valkey\'s maxclients, as INFO clients prints it');
      expect(await refusal({ valkeyMaxClients: '100' })).toBe('invalid valkeyMaxClients "100": must keep 4 connections free for an operator\'s ' +
        'valkey-cli and the provider\'s own clients, hold the 82 connections that the 8 pods that ' +
        'connect (1 core + 1 registry + 1 jobservice + 1 trivy, and 4 more while they roll) open whatever their pools, and give each of their 10 ' +
        'pools at least 4 connections, i.e. be at least 126; set it to the maxclients the managed Valkey\'s INFO clients prints, or take a larger ' +
        'valkeySize and set that one\'s (see the README, "Redis connection budget")');
    });

    test('a setting the charts refuse, named as it is set', async () => {
      expect(await refusal({ ciEngine: 'woodpecker', platformRepos: ['acme/infra'] })).toBe('invalid platformRepos "acme/infra": must be set only with ' +
        'ciEngine drone: Woodpecker grants secrets to routes of exact repositories, and this program has none');
      expect(await refusal({ teams: [{ name: 'payments', repos: ['acme/payments'] }], platformRepos: ['acme/*'] })).toBe('invalid teams[0].repos ' +
        '"acme/payments": must not overlap the platform\'s own grants: team "payments"\'s pattern can match the same repository as "acme/*" of the pipeline ' +
        'secret "harbor-push", which would apply to the team\'s repositories too; narrow one of them');
      expect(await refusal({ teams: [{ name: 'payments', repos: ['acme/payments'] }], containerRegistry: 'true', containerRegistryTier: 'professional',
        imageMirror: 'registry.digitalocean.com/acme' })).toBe('invalid teams "payments": must be left unset with an imageMirror on the Container ' +
        'Registry: a team\'s build pods would pull the runner\'s images from it with the team\'s own logins, and its login is a DigitalOcean API token, ' +
        'which no team may hold; use a mirror with a login of its own (imageMirrorUser), an anonymous one, or Harbor\'s proxy cache (no imageMirror)');
    });
  });
}
