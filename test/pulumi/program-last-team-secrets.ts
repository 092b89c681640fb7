import { CiEngineKind } from '../../lib';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { registered, settled, setup, warningsDuring } from './digitalocean/harness';

/**
 * The DigitalOcean program's `platformRepos` fallback (`<organization>/*`, which gives every repository of the
 * organisation the platform's harbor-push and harbor-pull) on a Drone stack whose last team was taken out of `teams`
 * without being put in `retiredTeams`: 148e65b withheld it only while `teams` or `retiredTeams` listed a team, so
 * that update gave every repository the push login until retiredTeams was set. The stack's mark, read before the
 * program builds its charts (apps/digitalocean/index.ts awaits it, in a preview too), lists the team
 * (lib/team/left-teams.ts), and withholds it as well. One mode per test file, as Pulumi's mocks are set once per
 * process: `preview` for a `pulumi preview`, else `pulumi up`.
 */
export function describeLastTeamSecrets(preview: boolean): void {
  describe(`the last team taken out of teams without retiredTeams, on Drone${preview ? ', in a preview' : ''}`, () => {
    let program: typeof import('../../apps/digitalocean/program');
    beforeAll(async () => {
      await setup({ preview });
      program = await import('../../apps/digitalocean/program');
    });

    /** This run's mark, and the secret names the Drone secrets extension's Role may read, as the run rendered it. */
    const run = async (settings: object, mark: string | undefined) => {
      registered.length = 0;
      let next = '';
      await warningsDuring(() => {
        next = program.deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.DRONE, ...settings }, 'github-oauth-client-secret',
          undefined, undefined, undefined, mark).mark;
      });
      await settled(100);
      const roles = registered.filter((r) => r.inputs?.kind === 'Role' && r.inputs.metadata?.name === 'drone-secrets');
      expect(roles).toHaveLength(1);
      return { mark: next, rules: JSON.stringify(roles[0].inputs.rules) };
    };

    test('gets no harbor-push or harbor-pull for the organisation, before retiredTeams and after; a stack that never had teams does', async () => {
      const withTeam = await run({ teams: [{ name: 'search', repos: ['example/search'] }] }, undefined);
      expect(withTeam.rules).not.toContain('"harbor-push"');
      // taken out of teams alone: the mark lists it, and the fallback is withheld (before, harbor-push came back for
      // example/* on this very update)
      const left = await run({}, withTeam.mark);
      expect(left.rules).not.toContain('"harbor-push"');
      expect(left.rules).not.toContain('"harbor-pull"');
      // carried on by the mark, which keeps listing the team that left
      const again = await run({}, left.mark);
      expect(again.rules).not.toContain('"harbor-push"');
      const retired = await run({ retiredTeams: ['search'] }, again.mark);
      expect(retired.rules).not.toContain('"harbor-push"');
      // a stack that never had teams, first run or against its own mark: the organisation's repositories get both
      const never = await run({}, undefined);
      expect(never.rules).toContain('"harbor-push"');
      expect(never.rules).toContain('"harbor-pull"');
      expect((await run({}, never.mark)).rules).toContain('"harbor-push"');
    }, 240_000);
  });
}
