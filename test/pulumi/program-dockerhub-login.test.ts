import { registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * The DigitalOcean program with a Docker Hub login for Harbor's proxy cache, under Pulumi mocks: the token (the secret
 * config `dockerHubToken`) reaches the Secret the proxy cache's configuration Job reads, as a Pulumi secret, and no
 * other object; without it the program stops before registering anything. Without a login the program warns, as a
 * production stack's 100 anonymous pulls per 6 hours per egress address (docs.docker.com/docker-hub/usage/pulls/)
 * can fail a deploy on a cache miss.
 */
describe('the DigitalOcean program with dockerHubUser', () => {
  const settings = { ...DIGITALOCEAN_EXAMPLE, dockerHubUser: 'acmebot' };
  const TOKEN = 'dckr_pat_program-token-1234';
  let deploy: typeof import('../../apps/digitalocean/program').deployDigitalOcean;

  beforeAll(async () => {
    await setup();
    deploy = (await import('../../apps/digitalocean/program')).deployDigitalOcean;
  }, 60_000);

  test('without dockerHubToken, stops naming it before registering anything', () => {
    expect(() => deploy(settings, 'github-oauth-client-secret')).toThrow(
      'missing dockerHubToken: must be set with dockerHubUser: pulumi config set --secret dockerHubToken <Docker Hub access token of acmebot>');
    expect(() => deploy(settings, 'github-oauth-client-secret', undefined, ' \n')).toThrow(/^invalid dockerHubToken <redacted>/);
    expect(registered).toEqual([]);
  });

  test('puts the token into harbor/dockerhub-token, a Pulumi secret, which the configuration Job reads; the user into its config', async () => {
    const stderr: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      stderr.push(String(chunk));
      return true;
    });
    try {
      // a plain string, as index.ts reads it: the program marks it secret
      deploy(settings, 'github-oauth-client-secret', undefined, TOKEN);
      await settled(100);
    } finally {
      spy.mockRestore();
    }
    const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.name === 'dockerhub-token')!;
    expect([secret.inputs.metadata.namespace, secret.inputs.stringData, secret.secretInputs]).toEqual(['harbor', { token: TOKEN }, true]);
    const holders = registered.filter((r) => JSON.stringify(r.inputs).includes(TOKEN)).map((r) => `${r.type} ${r.inputs.metadata?.namespace}/${r.inputs.metadata?.name}`);
    expect(holders).toEqual(['kubernetes:core/v1:Secret harbor/dockerhub-token']);
    const configMaps = registered.filter((r) => r.inputs?.kind === 'ConfigMap' && r.inputs.metadata.name.startsWith('harbor-configure-') && r.inputs.data?.['config.json']);
    const registries = configMaps.flatMap((c) => JSON.parse(c.inputs.data['config.json']).registries ?? []);
    expect(registries).toEqual([expect.objectContaining({ name: 'dockerhub', accessKey: 'acmebot', accessSecretEnv: 'UPSTREAM_0_PASSWORD' })]);
    const jobs = registered.filter((r) => r.inputs?.kind === 'Job' && r.inputs.metadata.namespace === 'harbor');
    const env = jobs.flatMap((j) => j.inputs.spec.template.spec.containers.flatMap((c: any) => c.env ?? [])).find((e: any) => e.name === 'UPSTREAM_0_PASSWORD');
    expect(env).toEqual({ name: 'UPSTREAM_0_PASSWORD', valueFrom: { secretKeyRef: { name: 'dockerhub-token', key: 'token' } } });
    expect(stderr.join('')).not.toMatch(/Docker Hub anonymously/);
    expect(stderr.join('')).not.toContain(TOKEN);
  });
});
