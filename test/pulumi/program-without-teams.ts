import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { settled, setup, warningsDuring } from './digitalocean/harness';

/**
 * A DigitalOcean stack without teams, since the program makes its TeamPlatform whatever `teams` holds (c28633c: the
 * platform lists the teams in the mark and warns of the last one taken out). Without teams the platform renders and
 * lists nothing, so such a stack's mark (the stack output dockyardMark, lib/pulumi/previous-mark.ts) is what it was
 * before: its items are those the release before c28633c wrote (checked by running this file on c28633c^), and a
 * run, first or against the mark it wrote, warns of nothing. One mode per test file, as Pulumi's mocks are set once
 * per process: `preview` for a `pulumi preview`, else `pulumi up`.
 */
export function describeProgramWithoutTeams(preview: boolean): void {
  describe(`a DigitalOcean stack without teams${preview ? ', in a preview' : ''}`, () => {
    let program: typeof import('../../apps/digitalocean/program');
    beforeAll(async () => {
      await setup({ preview });
      program = await import('../../apps/digitalocean/program');
    });

    /**
     * The mark of a run with `settings` against `mark`, and what it printed: pulumi.log.warn's warnings and stderr.
     * With a Docker Hub login, as a production stack has: without one every run warns of Docker Hub's anonymous limit.
     */
    const run = async (settings: object, mark: string | undefined) => {
      let next = '';
      let stderr = '';
      const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
        stderr += String(chunk);
        return true;
      });
      try {
        const warnings = await warningsDuring(() => {
          next = program.deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, dockerHubUser: 'acmebot', ...settings }, 'github-oauth-client-secret',
            undefined, 'dckr_pat_program-token-1234', undefined, mark).mark;
        });
        await settled(100);
        return { mark: next, printed: [...warnings, ...stderr.split('\n').filter((l) => l !== '')] };
      } finally {
        spy.mockRestore();
      }
    };

    // the mark's items as the release before c28633c wrote them for the example on each engine: its admins, CI URL,
    // version-checked images, Harbor projects and robots; no harbor-team line, which only a team gives
    const items: Record<string, unknown[]> = {
      drone: [
        'drone\tdockyard/drone\texample-admin', 'drone\tdockyard/drone\thttps://drone.example.com',
        expect.stringMatching(/^Deployment\tdockyard\tdrone\tserver\t\S+\/drone\/drone:[0-9.]+$/),
        expect.stringMatching(/^Deployment\tharbor\tharbor-core\tcore\t\S+\/goharbor\/harbor-core:v[0-9.]+$/),
        'harbor-project harbor/harbor\tdockerhub', 'harbor-project harbor/harbor\tlibrary',
        'harbor-robot harbor/harbor\tdrone', 'harbor-robot harbor/harbor\tpuller',
      ],
      woodpecker: [
        'woodpecker\tdockyard/woodpecker\texample-admin', 'woodpecker\tdockyard/woodpecker\thttps://woodpecker.example.com',
        expect.stringMatching(/^Deployment\tdockyard\twoodpecker\tserver\t\S+\/woodpeckerci\/woodpecker-server:v[0-9.]+$/),
        expect.stringMatching(/^Deployment\tharbor\tharbor-core\tcore\t\S+\/goharbor\/harbor-core:v[0-9.]+$/),
        'harbor-project harbor/harbor\tdockerhub', 'harbor-project harbor/harbor\tlibrary',
        'harbor-robot harbor/harbor\tpuller',
      ],
    };

    test.each(['drone', 'woodpecker'])('on %s, teams unset or empty write the mark of before, and no run warns', async (ciEngine) => {
      const unset = await run({ ciEngine }, undefined);
      expect(unset.printed).toEqual([]);
      expect(unset.mark.split('\n').filter((l) => l.startsWith('"')).map((l) => JSON.parse(l))).toEqual(items[ciEngine]);
      // and the lists' headings, no more
      expect(unset.mark.split('\n').filter((l) => l !== '' && !l.startsWith('"')).map((l) => l.slice(0, 30))).toEqual([
        'The CI servers\' admins it name', 'End of the CI admins.', 'The CI servers\' URLs it served', 'End of the CI URLs.',
        'The images of the workloads wh', 'End of the images.', 'The names it declared to progr', 'End of the declared names.',
      ]);
      for (const settings of [{ ciEngine, teams: [] }, { ciEngine, teams: [], retiredTeams: [] }]) {
        const empty = await run(settings, undefined);
        expect(empty.printed).toEqual([]);
        expect(empty.mark).toBe(unset.mark);
        // a second run, against the mark the first wrote, warns of nothing and writes it again
        const again = await run(settings, empty.mark);
        expect(again.printed).toEqual([]);
        expect(again.mark).toBe(unset.mark);
      }
      const again = await run({ ciEngine }, unset.mark);
      expect(again.printed).toEqual([]);
      expect(again.mark).toBe(unset.mark);
    }, 120_000);
  });
}
