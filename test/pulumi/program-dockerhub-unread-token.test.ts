import { setup, warningsDuring } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * A `dockerHubToken` without `dockerHubUser` is read by nothing, and the program says so in one warning. Its advice
 * depends on `imageMirror`: with a mirror Harbor makes no Docker Hub proxy cache and the config refuses
 * `dockerHubUser`, so the line must not tell the user to set it (as the default stack's DOCKYARD_DOCKERHUB_TOKEN
 * warning does not, apps/default/config.ts).
 */
async function warningsOf(imageMirror: string | undefined): Promise<string[]> {
  await setup({ preview: true });
  const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
  const warnings = await warningsDuring(() => deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, imageMirror }, 'github-oauth-client-secret', undefined, 'dckr_pat_example'));
  return warnings.filter((w) => w.startsWith('dockerHubToken is set'));
}

describe('a dockerHubToken without dockerHubUser', () => {
  beforeEach(() => jest.resetModules());

  test('without a mirror: asks for dockerHubUser, or to remove the token', async () => {
    expect(await warningsOf(undefined)).toEqual([
      'dockerHubToken is set but dockerHubUser is not, so nothing reads it: Harbor pulls Docker Hub anonymously; ' +
        'set dockerHubUser to log in, or pulumi config rm dockerHubToken',
    ]);
  }, 60_000);

  test('with imageMirror: only to remove the token, as dockerHubUser would be refused', async () => {
    expect(await warningsOf('registry.example.com/mirror')).toEqual([
      'dockerHubToken is set but imageMirror leaves Harbor no Docker Hub proxy cache, so nothing reads it; pulumi config rm dockerHubToken',
    ]);
  }, 60_000);
});
