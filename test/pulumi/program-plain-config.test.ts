// The DigitalOcean program as index.ts now calls it, with gitClientSecret and imageMirrorPassword read as plain text (config.require/get):
// every resource input that holds either, or the mirror login made of it, holds it inside a Pulumi secret
import { registered, settled, setup, SECRET_KEY, SECRET_SIG } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/** The paths, in the raw inputs, where `needle` (or its base64 forms) appears outside a secret wrapper. */
function plainOccurrences(v: any, needles: string[], at = ''): string[] {
  if (typeof v === 'string') return needles.some((n) => v.includes(n)) ? [at] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => plainOccurrences(x, needles, `${at}[${i}]`));
  if (v !== null && typeof v === 'object') {
    if (v[SECRET_KEY] === SECRET_SIG) return [];
    return Object.entries(v).flatMap(([k, x]) => plainOccurrences(x, needles, `${at}.${k}`));
  }
  return [];
}

describe('plain-text config values under the DigitalOcean program', () => {
  beforeAll(() => setup(), 60_000);
  test.each([false, true])('no resource input holds them outside a secret (containerRegistry %s)', async (containerRegistry) => {
    registered.length = 0;
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    const settings = { ...DIGITALOCEAN_EXAMPLE, containerRegistry, imageMirror: 'mirror.acme.dev/airgap', imageMirrorUser: 'puller' };
    deployDigitalOcean(settings as any, 'oauth-secret-5678', 'mirror-token-1234');
    await settled(100);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const needles = ['oauth-secret-5678', 'mirror-token-1234', b64('puller:mirror-token-1234'), b64('oauth-secret-5678'), b64('mirror-token-1234')];
    const found = registered.flatMap((r) => plainOccurrences(r.raw, needles).map((p) => `${r.type} ${r.name}${p}`));
    expect(registered.some((r) => JSON.stringify(r.inputs).includes('mirror-token-1234'))).toBe(true);
    expect(registered.some((r) => JSON.stringify(r.inputs).includes('oauth-secret-5678'))).toBe(true);
    expect(found).toEqual([]);
  });
});
