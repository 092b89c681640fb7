import { registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * The DigitalOcean program without a Docker Hub login, in a preview: a production stack, so the synth's warning of
 * anonymous Docker Hub pulls shows (100 pulls per 6 hours per egress address: docs.docker.com/docker-hub/usage/pulls/),
 * naming the proxy cache; the proxy cache's registry endpoint has no credential, and no token Secret is made.
 */
describe('a preview of the DigitalOcean program without dockerHubUser', () => {
  const stderr: string[] = [];

  beforeAll(async () => {
    await setup({ preview: true });
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      stderr.push(String(chunk));
      return true;
    });
    try {
      deployDigitalOcean(DIGITALOCEAN_EXAMPLE, 'github-oauth-client-secret');
      await settled(100);
    } finally {
      spy.mockRestore();
    }
  }, 60_000);

  test('warns once that the proxy cache pulls Docker Hub anonymously', () => {
    const lines = stderr.join('').split('\n').filter((l) => l.includes('Docker Hub anonymously'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dockyard: warning: proxy cache "dockerhub" of Harbor harbor\.example\.com pulls Docker Hub anonymously/);
  });

  test('registers no token Secret and no registry credential', () => {
    expect(registered.filter((r) => r.inputs?.metadata?.name === 'dockerhub-token')).toEqual([]);
    const configMaps = registered.filter((r) => r.inputs?.kind === 'ConfigMap' && r.inputs.metadata.name.startsWith('harbor-configure-') && r.inputs.data?.['config.json']);
    const registries = configMaps.flatMap((c) => JSON.parse(c.inputs.data['config.json']).registries ?? []);
    expect(registries).toEqual([expect.objectContaining({ name: 'dockerhub', accessKey: null, accessSecretEnv: null })]);
  });
});
