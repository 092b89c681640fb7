// After the program's substitutions no registered resource holds a placeholder host (.placeholder.dockyard)
import { registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

describe('placeholders left', () => {
  beforeAll(() => setup(), 60_000);
  test.each([['drone', {}], ['woodpecker', { ciEngine: 'woodpecker' }]])('%s', async (_n, extra) => {
    registered.length = 0;
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, ...extra } as any, 'oauth-secret');
    await settled(100);
    const left = registered.filter((r) => JSON.stringify(r.inputs).includes('.placeholder.dockyard')).map((r) => `${r.type} ${r.name}`);
    expect(left).toEqual([]);
    const ck = registered.filter((r) => r.inputs?.spec?.template?.metadata?.annotations?.['dockyard.dev/inputs-checksum'])
      .map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`);
    expect(ck.length).toBeGreaterThan(5);
  });
});
