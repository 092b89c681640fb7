import { setup, warningsDuring } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { CiEngineKind } from '../../lib';

/**
 * A `cloneToken` without `cloneUser` is read by nothing (Drone's builds keep the activating user's OAuth token), and
 * the program says so in one warning, as the default stack does of DOCKYARD_CLONE_TOKEN. The charts, given a
 * `cloneUser` with Woodpecker directly (not through readSettings), refuse it before anything registers.
 */
describe('the DigitalOcean program: cloneToken without cloneUser, and cloneUser with Woodpecker', () => {
  test('a token without its user is warned of, without its value', async () => {
    await setup({ preview: true });
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    const warnings = await warningsDuring(() => deployDigitalOcean(DIGITALOCEAN_EXAMPLE, 'github-oauth-client-secret', undefined, undefined, 'github_pat_unread'));
    expect(warnings.filter((w) => w.startsWith('cloneToken'))).toEqual([
      'cloneToken is set but cloneUser is not, so nothing reads it: Drone\'s builds of private repositories keep the OAuth token of the user ' +
        'who activated each one; set cloneUser to clone as that login, or pulumi config rm cloneToken',
    ]);
    expect(warnings.join('\n')).not.toContain('github_pat_unread');
  }, 60_000);

  test('the charts refuse cloneUser with Woodpecker, naming the keys', async () => {
    const { App } = await import('cdk8s');
    const { digitalOceanCharts } = await import('../../apps/digitalocean/charts');
    expect(() => digitalOceanCharts(new App(), { ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.WOODPECKER, cloneUser: 'acme-ci' }))
      .toThrow(/^invalid cloneUser "acme-ci": ciEngine is woodpecker; must be a forge login/);
  });
});
