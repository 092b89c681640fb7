import { registered, setup, warningsDuring } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { CiEngineKind } from '../../lib';

/**
 * `cloneUser` without the secret `cloneToken` stops the program before it registers anything, as `dockerHubUser`
 * without `dockerHubToken` does; a `cloneToken` without `cloneUser` is read by nothing (Drone's builds keep the
 * activating user's OAuth token), and the program says so in one warning, as the default stack does of
 * DOCKYARD_CLONE_TOKEN. The charts, given a `cloneUser` with Woodpecker directly (not through readSettings), refuse
 * it.
 */
describe('the DigitalOcean program: cloneUser and cloneToken apart, and cloneUser with Woodpecker', () => {
  let deploy: typeof import('../../apps/digitalocean/program').deployDigitalOcean;

  beforeAll(async () => {
    await setup({ preview: true });
    deploy = (await import('../../apps/digitalocean/program')).deployDigitalOcean;
  }, 60_000);

  test('cloneUser without cloneToken, or with a blank one, stops naming it before registering anything', () => {
    const settings = { ...DIGITALOCEAN_EXAMPLE, cloneUser: 'acme-ci' };
    expect(() => deploy(settings, 'github-oauth-client-secret')).toThrow(
      'missing cloneToken: must be set with cloneUser: pulumi config set --secret cloneToken <read-only forge token of acme-ci>');
    expect(() => deploy(settings, 'github-oauth-client-secret', undefined, undefined, ' \n')).toThrow(/^invalid cloneToken <redacted>/);
    expect(registered).toEqual([]);
  });

  test('a token without its user is warned of, without its value', async () => {
    const warnings = await warningsDuring(() => deploy(DIGITALOCEAN_EXAMPLE, 'github-oauth-client-secret', undefined, undefined, 'github_pat_unread'));
    expect(warnings.filter((w) => w.startsWith('cloneToken'))).toEqual([
      'cloneToken is set but cloneUser is not, so nothing reads it: Drone\'s builds of private repositories keep the OAuth token of the user ' +
        'who activated each one; set cloneUser to clone as that login, or pulumi config rm cloneToken',
    ]);
    expect(warnings.join('\n')).not.toContain('github_pat_unread');
    // with Woodpecker, where cloneUser would be refused, it is not asked for
    const woodpecker = await warningsDuring(() => deploy({ ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.WOODPECKER }, 'github-oauth-client-secret',
      undefined, undefined, 'github_pat_unread'));
    expect(woodpecker.filter((w) => w.startsWith('cloneToken'))).toEqual([
      'cloneToken is set but ciEngine is woodpecker, so nothing reads it (Woodpecker has no server-wide clone login: it clones a private ' +
        'repository with the token of the user who activated it, which every pipeline of the repository can take; activate such ' +
        'repositories as a machine account); pulumi config rm cloneToken',
    ]);
  }, 60_000);

  test('the charts refuse cloneUser with Woodpecker, naming the keys', async () => {
    const { App } = await import('cdk8s');
    const { digitalOceanCharts } = await import('../../apps/digitalocean/charts');
    expect(() => digitalOceanCharts(new App(), { ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.WOODPECKER, cloneUser: 'acme-ci' }))
      .toThrow(/^invalid cloneUser "acme-ci": ciEngine is woodpecker; must be a forge login/);
  });
});
