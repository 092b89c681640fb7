import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { thrown } from '../util';
import { registered, settled, setup, stackReads, warningsDuring } from './digitalocean/harness';
import { printed } from './printed';

/**
 * The previous output under Pulumi (lib/pulumi/previous-mark.ts): the DigitalOcean program keeps its mark's list of
 * version-checked images as a stack output and refuses, at the next run, what a synth refuses against it. In preview
 * mode or not (one mode per test file, as Pulumi's mocks are set once per process): the engine runs a
 * StackReference's read in a preview too (pulumi/pulumi pkg/resource/deploy/step.go:1314-1316), so a preview
 * refuses as `pulumi up` does.
 */
export function describePreviousMark(preview: boolean): void {
  describe(`the previous output under Pulumi${preview ? ', in a preview' : ''}`, () => {
    const stack = { outputs: {} as Record<string, unknown>, withoutSecretNames: false, refusal: undefined as string | undefined, failed: false };
    const saved = process.env.DOCKYARD_VERSION_CHANGE;
    beforeAll(() => setup({ preview, stackOutputs: stack, organization: 'acme' }));
    beforeEach(() => {
      stack.outputs = {};
      stack.withoutSecretNames = false;
      stack.refusal = undefined;
      stack.failed = false;
      delete process.env.DOCKYARD_VERSION_CHANGE;
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.DOCKYARD_VERSION_CHANGE;
      else process.env.DOCKYARD_VERSION_CHANGE = saved;
    });

    /** The DigitalOcean program's run against `mark`, the mark the stack kept (none: its first run). */
    const deploy = (mark: string | undefined, settings: object = {}) => program.deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, ...settings },
      'github-oauth-client-secret', undefined, undefined, undefined, mark);
    let program: typeof import('../../apps/digitalocean/program');
    beforeAll(async () => {
      program = await import('../../apps/digitalocean/program');
    });

    // the example's first run, and a run against the mark it wrote, made once for the tests that start from them: a
    // whole program run each, which every such test made anew (the tests read them and change nothing: a string and
    // a list)
    /** The mark of the example's first run. */
    let first: string;
    /** The warnings of a run against `first`, and the mark that run writes. */
    let againstFirst: { readonly warnings: readonly string[]; readonly mark: string };
    beforeAll(async () => {
      delete process.env.DOCKYARD_VERSION_CHANGE;
      first = deploy(undefined).mark;
      await settled(100);
      let mark = '';
      const warnings = await warningsDuring(() => {
        mark = deploy(first).mark;
      });
      againstFirst = { warnings, mark };
    });

    /** The first run's mark with the image of `workload` (a line's text) at `tag`. */
    function changedMark(workload = 'harbor-core', tag = 'v2.99.0'): string {
      const line = first.split('\n').find((l) => l.includes(workload))!;
      const changed = first.replace(line, line.replace(/:v?\d+\.\d+\.\d+/, `:${tag}`));
      expect(changed).not.toBe(first);
      return changed;
    }

    test('previousMark reads the stack being run, by <organization>/<project>/<stack>, and takes its mark output', async () => {
      const { previousMark, MARK_OUTPUT } = await import('../../lib/pulumi/previous-mark');
      stack.outputs = { [MARK_OUTPUT]: 'the list', harborUrl: 'https://harbor.example.com' };
      stackReads.length = 0;
      expect(await previousMark()).toBe('the list');
      // Pulumi Cloud takes only the full name (pkg/backend/httpstate/backend.go:2849-2856)
      expect(stackReads).toEqual(['acme/dockyard/test']);
    });

    test('a stack never updated, or updated by a version before the mark, has no previous mark; the latter is warned of', async () => {
      const { previousMark } = await import('../../lib/pulumi/previous-mark');
      // a stack never updated (or destroyed since) has no outputs at all: a first run, as a synth's, compares nothing
      expect(await warningsDuring(async () => expect(await previousMark('acme/dockyard/test')).toBeUndefined())).toEqual([]);
      // outputs without the mark: the checks were skipped where something ran before, which the user is told once
      stack.outputs = { harborUrl: 'https://harbor.example.com', kubeconfig: 'k' };
      const warnings = await warningsDuring(async () => expect(await previousMark('acme/dockyard/test')).toBeUndefined());
      expect(warnings).toEqual(['the stack "acme/dockyard/test" has outputs but no dockyardMark, as after an update by a Dockyard release ' +
        'before it: this run checks nothing against that update (no version change refused, no dropped admin, URL, project, robot or team ' +
        'warned of) and keeps its own mark for the next; if Harbor already runs a newer version than this run\'s (kubectl -n harbor get ' +
        'deployment harbor-core -o jsonpath=\'{..image}\'), stop here (README, "Upgrading the components")']);
    });

    test.each([false, true])('the mark is read beside a secret output (the kubeconfig), the secret output names unreported: %s', async (without) => {
      // without the names, the SDK takes every output of a stack holding a secret for one (stackReference.ts
      // isSecretOutputName), and getOutputValue would throw
      const { previousMark, MARK_OUTPUT } = await import('../../lib/pulumi/previous-mark');
      const { SECRET_KEY, SECRET_SIG } = await import('./digitalocean/harness');
      stack.outputs = { [MARK_OUTPUT]: 'the list', kubeconfig: { [SECRET_KEY]: SECRET_SIG, value: 'apiVersion: v1' } };
      stack.withoutSecretNames = without;
      expect(await previousMark('acme/dockyard/test')).toBe('the list');
    });

    test('an output of that name that is not text is warned of in one line, without its value, and compares nothing', async () => {
      // a refusal would come back at every run: a refused update keeps the stack's outputs, this one among them
      const { previousMark, MARK_OUTPUT } = await import('../../lib/pulumi/previous-mark');
      const cases: [unknown, string][] = [[{ images: ['hidden'] }, 'an object'], [['hidden'], 'a list'], [7, 'a number'], [true, 'a boolean']];
      for (const [value, kind] of cases) {
        stack.outputs = { [MARK_OUTPUT]: value };
        const warnings = await warningsDuring(async () => expect(await previousMark('acme/dockyard/test')).toBeUndefined());
        expect(warnings).toEqual([`the stack output dockyardMark of "acme/dockyard/test" is ${kind}, not the text Dockyard keeps there (an output of ` +
          'that name from another program, or edited by hand): this update compares nothing with the last one and replaces it with its own']);
      }
    });

    test('a mark edited by hand, cut short or of another shape neither fails the run nor warns: what it lists unreadably counts as unlisted', async () => {
      const core = first.split('\n').find((l) => l.includes('harbor-core'))!;
      const project = first.split('\n').find((l) => l.includes('harbor-project'))!;
      const edited = [
        '', 'not a mark at all', first.slice(0, first.indexOf('End of the images.')), first.slice(0, first.length / 2),
        first.replace(core, JSON.stringify('Deployment\tharbor\tharbor-core\tcore\tNOT AN IMAGE:::')),
        first.replace(core, JSON.stringify('Deployment\tharbor\tharbor-core\tcore\tgoharbor/harbor-core@sha256:' + '0'.repeat(64))),
        first.replace(core, JSON.stringify('Deployment\tharbor\tharbor-core')),
        first.replace(core, '"unterminated'),
        first.replace(project, JSON.stringify('harbor-project harbor/harbor\tNOT A PROJECT!\textra')),
        first.replace(project, JSON.stringify('harbor-project harbor/harbor\tNOT A PROJECT!')),
        // a robot's name that none could have (lib/harbor/left-robots.ts)
        first.replace(project, `${project}\n${JSON.stringify('harbor-robot harbor/harbor\tNOT A ROBOT!')}`),
      ];
      // what a run against the mark it wrote itself warns of (none of it the kept lists')
      const baseline = againstFirst.warnings;
      for (const mark of edited) {
        let next = '';
        const warnings = await warningsDuring(() => {
          next = deploy(mark).mark;
        });
        expect(warnings).toEqual(baseline);
        // this run's own lists, whatever the last one kept
        expect(next).toBe(first);
      }
    }, 300_000); // eleven runs of the whole program

    test('the mark holds the synth mark\'s kept lists: admins, CI URLs, version-checked images, Harbor projects; no secret', () => {
      const lists = first.split('\n').filter((l) => l !== '' && !l.startsWith('"'));
      expect(lists.map((l) => l.slice(0, 30))).toEqual([
        'The CI servers\' admins it name', 'End of the CI admins.', 'The CI servers\' URLs it served', 'End of the CI URLs.',
        'The images of the workloads wh', 'End of the images.', 'The names it declared to progr', 'End of the declared names.',
      ]);
      const items = first.split('\n').filter((l) => l.startsWith('"')).map((l) => JSON.parse(l));
      expect(items).toEqual([
        'drone\tdockyard/drone\texample-admin', 'drone\tdockyard/drone\thttps://drone.example.com',
        expect.stringMatching(/^Deployment\tdockyard\tdrone\tserver\t\S+\/drone\/drone:[0-9.]+$/),
        expect.stringMatching(/^Deployment\tharbor\tharbor-core\tcore\t\S+\/goharbor\/harbor-core:v[0-9.]+$/),
        'harbor-project harbor/harbor\tdockerhub', 'harbor-project harbor/harbor\tlibrary',
        // the robots' names, never their secrets (lib/harbor/left-robots.ts)
        'harbor-robot harbor/harbor\tdrone', 'harbor-robot harbor/harbor\tpuller',
      ]);
      expect(first).not.toContain('github-oauth-client-secret');
      // a run against its own mark changes nothing and refuses nothing (it ran in beforeAll, which a refusal fails)
      expect(againstFirst.mark).toBe(first);
    });

    test('a Harbor older than the previous run\'s is refused in the synth\'s line, in Pulumi\'s words, before anything registers', async () => {
      const changed = changedMark();
      registered.length = 0;
      // what a synth says of its previous output and of synthesizing, said of the stack's last update and pulumi up
      expect(printed(thrown(() => deploy(changed)))).toMatch(new RegExp('^invalid version "[0-9.]+" of Deployment harbor/harbor-core: the stack\'s ' +
        'last update ran \\S+:v2\\.99\\.0 there, and Harbor\'s core 2\\.99\\.0 migrated the registry database\'s schema forward .*; once that is done, ' +
        'run pulumi up once with DOCKYARD_VERSION_CHANGE=harbor/harbor-core$'));
      await settled();
      expect(registered).toEqual([]);
    });

    test('DOCKYARD_VERSION_CHANGE lets it through, and the next mark holds this run\'s image', async () => {
      const changed = changedMark();
      process.env.DOCKYARD_VERSION_CHANGE = 'harbor/harbor-core';
      expect(deploy(changed).mark).toBe(first);
      await settled(100);
    });

    test('DOCKYARD_VERSION_CHANGE that lets nothing through is refused, as at synth: against the mark, and on a first run', async () => {
      process.env.DOCKYARD_VERSION_CHANGE = 'harbor/harbor-core';
      const nothing = 'invalid DOCKYARD_VERSION_CHANGE entry "harbor/harbor-core": lets nothing through, as this run changes no version there ' +
        'that would be refused (against the stack\'s last update); unset it, so that it lets no later change through unseen';
      expect(printed(thrown(() => deploy(first)))).toBe(nothing);
      expect(printed(thrown(() => deploy(undefined)))).toBe(nothing);
      process.env.DOCKYARD_VERSION_CHANGE = 'harbor';
      expect(printed(thrown(() => deploy(first)))).toMatch(/^invalid DOCKYARD_VERSION_CHANGE entry "harbor": must be <namespace>\/<name>/);
    });

    test('a CI server older than the previous run\'s is warned of with pulumi.log.warn, not refused', async () => {
      const changed = changedMark('drone/drone:', '9.9.9');
      const warnings = await warningsDuring(() => expect(deploy(changed).mark).toBe(first));
      expect(warnings.filter((w) => w.startsWith('Deployment dockyard/drone goes from '))).toHaveLength(1);
    });

    test('a Woodpecker team dropped from the code is not warned of as running: the update deletes its agents, and the mark lists none', async () => {
      // the agents are resources of the stack (yaml.ConfigGroup), deleted by the update that drops them, where a
      // synth's kubectl apply without pruning leaves them running (lib/woodpecker/closed-agents.ts, recordRouteAgents)
      const teams = [{ name: 'pay', repos: ['example/pay'] }, { name: 'search', repos: ['example/search'] }];
      const before = deploy(undefined, { ciEngine: 'woodpecker', teams }).mark;
      await settled(100);
      expect(before).not.toContain('woodpecker-route-agents');
      const warnings = await warningsDuring(() => deploy(before, { ciEngine: 'woodpecker', teams: teams.slice(0, 1) }));
      expect(warnings.filter((w) => w.startsWith('Woodpecker route "search" left the code'))).toEqual([]);
    });

    /**
     * What two runs print, one after another from `mark`, with `settings`: the synth's warnings go to stderr
     * (lib/core/warn.ts), the mark's through Pulumi's log, and both are read.
     */
    async function printedOverTwoRuns(mark: string, settings: object): Promise<{ printed: string[]; mark: string }> {
      let stderr = '';
      const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
        stderr += String(chunk);
        return true;
      });
      const warnings: string[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          warnings.push(...await warningsDuring(() => {
            mark = deploy(mark, settings).mark;
          }));
        }
      } finally {
        spy.mockRestore();
      }
      return { printed: [stderr, ...warnings], mark };
    }

    test('a Woodpecker team routed by branch, retired with its repos alone, is not warned of as unchecked: the update deletes its agents', async () => {
      // a synth without the previous output warns that it cannot tell the team's agents (lib/woodpecker/woodpecker-ci.ts,
      // refusedAgents); the program's mark has no object list to tell by, and needs none, as the agents go with the update
      const teams = [{ name: 'pay', repos: ['example/pay'] }, { name: 'search', repos: ['example/search'], events: ['push'], branches: ['main'] }];
      const before = deploy(undefined, { ciEngine: 'woodpecker', teams }).mark;
      await settled(100);
      const after = await printedOverTwoRuns(before, { ciEngine: 'woodpecker', teams: teams.slice(0, 1), retiredTeams: [{ name: 'search', repos: ['example/search'] }] });
      expect(after.printed.filter((w) => w.includes('gives repos but no events'))).toEqual([]);
      // the runs were a retirement on Woodpecker: the agents its repos name for the default events are refused, and,
      // nothing being unchecked under the program, listed as closed in its mark (JSON strings: the tab is written \t),
      // one per event but pull requests
      expect(after.mark.match(/woodpecker-checked-closed-agents [^\n]*\\tsearch\/woodpecker-search-[a-z]+-[0-9a-f]{8}"/g)).toHaveLength(5);
    });

    test('a Woodpecker team retired blind, then with its events and branches, is not warned of for the blind names: the update deleted its agents', async () => {
      // the blind run lists the default events' agents as closed (the test above); the entry given the team's own
      // events and branches names none of them, and they stay on the list, refused. A warning of them as missed could
      // not be answered (the team never had those events) and would come back at every run while the entry stays
      const teams = [{ name: 'pay', repos: ['example/pay'] }, { name: 'search', repos: ['example/search'], events: ['push'], branches: ['main'] }];
      const before = deploy(undefined, { ciEngine: 'woodpecker', teams }).mark;
      await settled(100);
      const blind = deploy(before, { ciEngine: 'woodpecker', teams: teams.slice(0, 1), retiredTeams: [{ name: 'search', repos: ['example/search'] }] }).mark;
      await settled(100);
      const after = await printedOverTwoRuns(blind, {
        ciEngine: 'woodpecker', teams: teams.slice(0, 1), retiredTeams: [{ name: 'search', repos: ['example/search'], events: ['push'], branches: ['main'] }],
      });
      expect(after.printed.filter((w) => w.includes('with repos, events or branches that do not name'))).toEqual([]);
      // still refused: the 5 blind names and the team's own push agent on main, all on the checked list
      expect(after.mark.match(/woodpecker-checked-closed-agents [^\n]*\\tsearch\/woodpecker-search-[a-z]+-[0-9a-f]{8}"/g)).toHaveLength(6);
    });

    test('a Woodpecker team retired by its name alone is not warned of as unnamed: the update deletes its agents', async () => {
      // a synth that finds none of the team's agents warns that a retireTeam without repos leaves them taking work
      // (TeamPlatform.retireTeam, refusedAgents): under the program the update that drops the team from teams deletes
      // them, and each run would warn, as the mark keeps no object list, for as long as the retiredTeams entry stays
      const teams = [{ name: 'pay', repos: ['example/pay'] }, { name: 'search', repos: ['example/search'] }];
      const before = deploy(undefined, { ciEngine: 'woodpecker', teams }).mark;
      await settled(100);
      const { printed: printedNow } = await printedOverTwoRuns(before, { ciEngine: 'woodpecker', teams: teams.slice(0, 1), retiredTeams: ['search'] });
      expect(printedNow.filter((w) => w.includes('names no repos'))).toEqual([]);
      // the run was a retirement on Woodpecker that the synth would warn of (test/apps/digitalocean-teams.test.ts, the
      // same charts without the stack's mark): its Harbor robots are retired, so no left-team warning either
      expect(printedNow.filter((w) => w.includes('robot$search'))).toEqual([]);
    });

    test('a Woodpecker team\'s agents an earlier version\'s mark lists as closed are still found and refused, its props\' miss unwarned', async () => {
      // an earlier version (0123a94) listed closed agents under woodpecker-closed-agents, which a synth now reads as
      // unchecked, as it also held the names a blind retireTeam named (lib/woodpecker/woodpecker-ci.ts, refusedAgents);
      // under the program nothing was ever listed unchecked, so they count as found, as they did, and move to the
      // checked list. A retiredTeams entry that misses them is not warned of: the update that dropped the team deleted
      // its agents, and the list, which may hold blind names, would make the warning come back at every run
      const teams = [{ name: 'pay', repos: ['example/pay'] }, { name: 'search', repos: ['example/search'], events: ['push'], branches: ['main'] }];
      const first = deploy(undefined, { ciEngine: 'woodpecker', teams }).mark;
      await settled(100);
      const given = deploy(first, { ciEngine: 'woodpecker', teams: teams.slice(0, 1), retiredTeams: [{ name: 'search', repos: ['example/search'], events: ['push'], branches: ['main'] }] }).mark;
      await settled(100);
      const CHECKED = /woodpecker-checked-closed-agents [^\n]*\\tsearch\/woodpecker-search-[a-z]+-[0-9a-f]{8}"/g;
      const EARLIER = /"woodpecker-closed-agents [^\n]*\\tsearch\/woodpecker-search-[a-z]+-[0-9a-f]{8}"/g;
      expect(given.match(CHECKED)).toHaveLength(1);
      // the same line as 0123a94 wrote it: its owner was woodpecker-closed-agents <namespace>/<server>
      const earlier = given.replace(/woodpecker-checked-closed-agents /g, 'woodpecker-closed-agents ');
      expect(earlier.match(EARLIER)).toHaveLength(1);
      const after = await printedOverTwoRuns(earlier, { ciEngine: 'woodpecker', teams: teams.slice(0, 1), retiredTeams: [{ name: 'search', repos: ['example/search'] }] });
      expect(after.printed.filter((w) => w.includes('with repos, events or branches that do not name'))).toEqual([]);
      expect(after.printed.filter((w) => w.includes('gives repos but no events'))).toEqual([]);
      // the found agent and the 5 its repos name for the default events, all on the checked list, none left on the earlier
      expect(after.mark.match(CHECKED)).toHaveLength(6);
      expect(after.mark.match(EARLIER)).toBeNull();
    });

    // two teams' first run, and the run that drops one, made once for the two tests of what the dropped team leaves:
    // each made both (the tests read them; each run from there is the test's own)
    describe('a team dropped from the code', () => {
      const teams = [{ name: 'pay', repos: ['example/pay'] }, { name: 'search', repos: ['example/search'] }];
      /** The mark of the two teams' first run. */
      let before: string;
      /** The run against `before` without the team search: its warnings, its mark, and the data of what it registered. */
      let dropped: { readonly warnings: readonly string[]; readonly mark: string; readonly registeredData: readonly string[] };
      beforeAll(async () => {
        delete process.env.DOCKYARD_VERSION_CHANGE;
        before = deploy(undefined, { teams }).mark;
        await settled(100);
        registered.length = 0;
        let mark = '';
        const warnings = await warningsDuring(() => {
          mark = deploy(before, { teams: teams.slice(0, 1) }).mark;
        });
        dropped = { warnings, mark, registeredData: registered.map((r) => Object.values(r.inputs?.data ?? {}).join('\n')) };
      });

      test('a team\'s Harbor project dropped from the code is warned of, and handed to the first configure Job, until it is retired', async () => {
        const { warnings, registeredData } = dropped;
        let next = dropped.mark;
        expect(warnings.filter((w) => w.startsWith('Harbor project search of '))).toEqual([expect.stringMatching(/ was declared by an earlier run, and this one neither declares it /)]);
        expect(warnings.join('\n')).not.toContain('synth');
        // the configuration the first configure Job reads names it under leftProjects (configure.js is in the charts too,
        // whose text names the key alone)
        expect(registeredData.some((data) => /"leftProjects": \[\s*"search"/.test(data))).toBe(true);
        // carried on, as a synth carries it: the next run warns again
        expect(next).toContain(JSON.stringify('harbor-project harbor/harbor\tsearch'));
        registered.length = 0;
        const retired = await warningsDuring(() => {
          next = deploy(next, { teams: teams.slice(0, 1), retiredTeams: ['search'] }).mark;
        });
        expect(retired.filter((w) => w.startsWith('Harbor project search '))).toEqual([]);
        // the project leaves the mark (the retired team's build namespace stays listed as closed: drone-closed-namespaces)
        expect(next.split('\n').filter((l) => l.includes('harbor-project') && l.includes('search'))).toEqual([]);
      });

      test('a team dropped from the code is warned of for its Harbor robots, in the synth\'s words, until it is in retiredTeams', async () => {
        // the configure Jobs delete only the robots retiredRobots names (lib/harbor/configure.js, "Retired robots"), and
        // under Pulumi there is no secret state to tell of them: the mark lists the teams (lib/team/left-teams.ts)
        expect(before).toContain(JSON.stringify('harbor-team harbor/platform/Teams\tsearch'));
        const { warnings } = dropped;
        let next = dropped.mark;
        expect(warnings.filter((w) => w.includes('robot$search'))).toEqual([
          'team "search"\'s Harbor robots robot$search-push and robot$search-pull were made for it by an earlier update (the stack output ' +
          'dockyardMark lists the team), declared by platform/Harbor, but platform/Teams neither onboards the team (addTeam) nor retires it ' +
          '(retireTeam): the robots keep their permissions and secrets, which never expire; if the team left, move it from the teams setting ' +
          'to retiredTeams (the DigitalOcean program), or call retireTeam("search") in a program of your own',
        ]);
        // carried on, as the secret state carries the robots at a synth: the next run warns again
        const again = await warningsDuring(() => {
          next = deploy(next, { teams: teams.slice(0, 1) }).mark;
        });
        expect(again.filter((w) => w.includes('robot$search'))).toHaveLength(1);
        const retired = await warningsDuring(() => {
          next = deploy(next, { teams: teams.slice(0, 1), retiredTeams: ['search'] }).mark;
        });
        expect(retired.filter((w) => w.includes('robot$search'))).toEqual([]);
        // its team, robots and project leave the lists; on Drone the build namespace retireTeam closes is listed while
        // the call stays (drone-closed-namespaces, lib/drone/runner.ts)
        expect(next.split('\n').filter((l) => l.includes('search'))).toEqual([JSON.stringify('drone-closed-namespaces dockyard/drone-runner\tsearch-builds')]);
      });
    });

    test('a team\'s line edited by hand into a name no team could have is dropped, unwarned', async () => {
      const teams = [{ name: 'pay', repos: ['example/pay'] }];
      const before = deploy(undefined, { teams }).mark;
      await settled(100);
      const line = JSON.stringify('harbor-team harbor/platform/Teams\tpay');
      expect(before).toContain(line);
      // not a DNS label; longer than a team's name may be (MAX_TEAM_NAME, 40)
      const edited = before.replace(line, [line, JSON.stringify('harbor-team harbor/platform/Teams\tNot-A-Team'),
        JSON.stringify(`harbor-team harbor/platform/Teams\t${'a'.repeat(41)}`)].join('\n'));
      let next = '';
      const warnings = await warningsDuring(() => {
        next = deploy(edited, { teams }).mark;
      });
      expect(warnings.filter((w) => w.startsWith('team '))).toEqual([]);
      expect(next).toBe(before);
    });

    test('a switch to imageMirror retires the proxy cache\'s robot, so nothing warns of it', async () => {
      const before = first;
      expect(before).toContain(JSON.stringify('harbor-robot harbor/harbor\tpuller'));
      registered.length = 0;
      let next = '';
      const warnings = await warningsDuring(() => {
        next = deploy(before, { imageMirror: 'registry.example.com/mirror' }).mark;
      });
      expect(warnings.filter((w) => w.includes('robot$puller'))).toEqual([]);
      expect(next).not.toContain('puller');
      // the configuration the configure Job reads retires it (configure.js is in the charts too, whose text names the key alone)
      expect(registered.some((r) => /"retiredRobots": \[[^\]]*"puller"/.test(Object.values(r.inputs?.data ?? {}).join('\n')))).toBe(true);
    });

    test('an admin and a CI URL the code dropped are warned of, as a synth warns of them', async () => {
      const before = first;
      const warnings = await warningsDuring(() => deploy(before, { admin: 'other-admin', domain: 'ci.example.org' }));
      expect(warnings.filter((w) => w.startsWith('DroneServer dockyard/drone '))).toEqual([
        expect.stringMatching(/^DroneServer dockyard\/drone no longer names "example-admin" as an admin, but /),
        expect.stringMatching(/^DroneServer dockyard\/drone is now at "https:\/\/drone\.ci\.example\.org", no longer "https:\/\/drone\.example\.com", but /),
      ]);
      expect(await warningsDuring(() => deploy(undefined, { admin: 'other-admin', domain: 'ci.example.org' }))).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^DroneServer /)]));
    });

    test('a read that failed while the run went on (--continue-on-error) stops the run in one line, not comparing with nothing', async () => {
      // the engine answers the read with no property at all (harness, `failed`): in an update the SDK resolves the
      // outputs as undefined, where getOutputDetails threw a TypeError with its stack; in a preview as unknown, where
      // it found no mark, and the run went on unchecked, a Harbor downgrade among what it then applied
      const { previousMark } = await import('../../lib/pulumi/previous-mark');
      const changed = changedMark();
      stack.outputs = { dockyardMark: changed };
      stack.failed = true;
      stackReads.length = 0;
      const err = await previousMark().then(() => new Error('no refusal'), (e: Error) => e);
      expect(stackReads).toEqual(['acme/dockyard/test']);
      expect(printed(err)).toBe('the StackReference dockyard-previous-output read no outputs of the stack "acme/dockyard/test": its read failed, ' +
        'as the error printed under it says, and the run went on (--continue-on-error); without them this run cannot check its changes against ' +
        'the stack\'s last update, so it stops here: fix what that error names (README, "What a version check shows under pulumi up") and run again');
      // a read that succeeds is taken as before
      stack.failed = false;
      stack.outputs = { dockyardMark: first };
      expect(await previousMark()).toBe(first);
    });

    test('outputs an update left unknown (it went on past a failed resource) neither stop the run nor hide the mark, in a preview too', async () => {
      // under --continue-on-error the SDK registers the outputs of a failed resource (the cluster's kubeconfig) as
      // unknown (@pulumi/pulumi 3.270.0 runtime/rpc.js resolveProperties, serializeProperty), the engine keeps them
      // (pulumi/pulumi pkg/v3.259.0-14-g1b59498 pkg/resource/deploy/source_eval.go:3247-3251, KeepUnknowns) and the
      // checkpoint holds them as computed (pkg/resource/stack/deployment.go:785-786, 1059-1060); the read hands them
      // back as the unknown sentinel, which makes the whole outputs unknown in a preview
      const { previousMark } = await import('../../lib/pulumi/previous-mark');
      const unknown = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
      stack.outputs = { dockyardMark: first, kubeconfig: unknown, loadBalancerIp: unknown };
      const warnings = await warningsDuring(async () => expect(await previousMark()).toBe(first));
      expect(warnings).toEqual([]);
    });

    // last: the SDK then stops talking to the (mock) monitor, as under the engine
    test('a read whose step failed (the backend refused it) never settles: the engine\'s line is the one printed, and nothing is left unhandled', async () => {
      // the engine prints the backend's reason under the reference and cancels the run (pkg/resource/deploy/step.go:
      // 1353-1356, step_executor.go:404-431), answering the read UNAVAILABLE (source_eval.go:1531-1534), which the SDK
      // neither rejects nor reports (@pulumi/pulumi runtime/resource.js readResource, resolveURN): so previousMark
      // cannot warn and go on, nor add a line; README says what to check
      const { previousMark } = await import('../../lib/pulumi/previous-mark');
      stack.refusal = 'resource monitor shut down while waiting on step\'s done channel';
      stackReads.length = 0;
      let settledWith: unknown = 'pending';
      void previousMark().then((v) => { settledWith = v; }, (e: Error) => { settledWith = e; });
      await settled(100);
      expect(stackReads).toEqual(['acme/dockyard/test']);
      expect(settledWith).toBe('pending');
    });
  });
}
