// ChartDeployment.check before the deployment (the program always calls it) changes nothing the whole DigitalOcean program
// registers, nor what it prints: the charts render twice
import { registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

describe('check then deploy', () => {
  beforeAll(() => setup(), 60_000);
  test.each([
    ['drone', {}],
    ['woodpecker+mirror', { ciEngine: 'woodpecker', imageMirror: 'mirror.acme.dev/airgap', imageMirrorUser: 'puller' }],
    ['docr', { containerRegistry: true }],
  ])('%s', async (_n, extra) => {
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const run = async (stub: boolean) => {
      registered.length = 0;
      const spy = stub ? jest.spyOn(ChartDeployment, 'check').mockImplementation(() => undefined) : undefined;
      const writes: string[] = [];
      const w = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { writes.push(String(s)); return true; });
      try {
        deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, ...extra } as any, 'oauth-secret', (extra as any).imageMirrorUser ? 'mirror-token' : undefined);
        await settled(100);
      } finally {
        spy?.mockRestore();
        w.mockRestore();
      }
      return { res: registered.map((r) => JSON.stringify([r.type, r.name, r.inputs])).sort(), writes };
    };
    const without = await run(true);
    const withCheck = await run(false);
    expect(withCheck.res.length).toBeGreaterThan(50);
    expect(withCheck.res).toEqual(without.res);
    expect(withCheck.writes).toEqual(without.writes);
  });
});
