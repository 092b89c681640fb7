// The DigitalOcean program refuses its charts before it registers any resource: it registered the Container
// Registry, the cluster, the managed databases and the bucket first, and the Pulumi SDK lets the resources registered
// before an error finish (@pulumi/pulumi cmd/run: the program's failure is reported once its pending registrations
// settle), so an image the pinned digests left out failed `pulumi up` after creating them, where the README says it
// fails before anything is registered (a new user's DigitalOcean trial).
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { ImageDigests } from '../../lib';
import { thrown } from '../util';
import { registered, settled, setup } from './digitalocean/harness';
import { printed } from './printed';
import { appReadingProvidedSecret } from './provided-secret-app';

describe('the DigitalOcean program\'s refusals of its charts', () => {
  beforeAll(() => setup());

  test('an image the pinned digests leave out fails the program before anything registers, naming the image', async () => {
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    const settings = { ...DIGITALOCEAN_EXAMPLE, containerRegistry: true, imageDigests: ImageDigests.of({}) };
    expect(printed(thrown(() => deployDigitalOcean(settings, 'github-oauth-client-secret')))).toMatch(/^invalid image \S+ for \S+: it has no digest in the image digests /);
    await settled();
    expect(registered.map((r) => r.type)).toEqual([]);
  });

  test('ChartDeployment.check renders as the deployment does and changes nothing it then renders', async () => {
    const { ChartDeployment } = await import('../../lib/pulumi');
    const deploy = async (checkFirst: boolean) => {
      const { app } = await appReadingProvidedSecret();
      if (checkFirst) {
        ChartDeployment.check(app);
      }
      const { objects } = new ChartDeployment(checkFirst ? 'checked' : 'plain', { app, secrets: [{ namespace: 'ci', name: 'drone-oauth', stringData: { 'client-secret': 'oauth' } }] });
      // its children register once the charts' objects are read: let them, before the test ends
      await settled(100);
      return objects;
    };
    const plain = await deploy(false);
    expect(plain.length).toBeGreaterThan(5);
    expect(JSON.stringify(await deploy(true))).toBe(JSON.stringify(plain));
  });
});
