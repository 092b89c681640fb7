// Credentials given from outside on the Pulumi path (a config secret, an input, a provided Secret's value) are
// refused when blank or pasted with a line break, as the default stack refuses its input variables
// (lib/core/input-value.ts): a new user's trial gave gitClientSecret "", "   " and "x\n", and imageMirrorPassword "",
// and each went into its Secret (a pull login "bob:"), to fail only at its first use.
import * as pulumi from '@pulumi/pulumi';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { thrown } from '../util';
import { registered, settled, setup } from './digitalocean/harness';
import { failure, printed } from './printed';
import { appReadingProvidedSecret } from './provided-secret-app';

const RULE = 'must not be white space only, nor one line that begins or ends with a line break: set it to the value alone';
const EMPTY = 'must not be empty, and not be white space only, nor one line that begins or ends with a line break: set it to the value alone';

describe('credentials given from outside under Pulumi', () => {
  beforeAll(() => setup());
  beforeEach(() => {
    registered.length = 0;
  });

  test.each([['', EMPTY], ['   ', RULE], ['s3cr3t\n', RULE], ['\r\ns3cr3t', RULE], ['s3cr3t\r\n', RULE]])(
    'the program refuses gitClientSecret %j in one line that does not show it, before anything registers', async (value, rule) => {
      const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
      const err = thrown(() => deployDigitalOcean(DIGITALOCEAN_EXAMPLE, value));
      expect(printed(err)).toBe(`invalid gitClientSecret <redacted>: ${rule}`);
      await settled();
      expect(registered).toEqual([]);
    });

  test('the program refuses an empty imageMirrorPassword with imageMirrorUser, before anything registers', async () => {
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    const settings = { ...DIGITALOCEAN_EXAMPLE, imageMirror: 'registry.example.com/mirror', imageMirrorUser: 'bob' };
    expect(printed(thrown(() => deployDigitalOcean(settings, 'github-oauth-client-secret', '')))).toBe(`invalid imageMirrorPassword <redacted>: ${EMPTY}`);
    await settled();
    expect(registered).toEqual([]);
  });

  test('a provided Secret\'s plain value is refused at construction, naming the Secret and key, before anything registers', async () => {
    const { app } = await appReadingProvidedSecret();
    const { ChartDeployment } = await import('../../lib/pulumi');
    const err = thrown(() => new ChartDeployment('p', { app, secrets: [{ namespace: 'ci', name: 'drone-oauth', stringData: { 'client-secret': ' \n' } }] }));
    expect(printed(err)).toBe(`invalid secrets ci/drone-oauth key client-secret <redacted>: ${RULE}`);
    await settled();
    expect(registered).toEqual([]);
  });

  test('an Output\'s value is refused once known, without showing it; a value of several lines keeps its last line break', async () => {
    const { checkedInput } = await import('../../lib/pulumi/generated-secrets');
    const err = await failure(checkedInput('DOCKYARD_TOKEN', pulumi.secret('s3cr3t\n')) as pulumi.Output<string>);
    expect(printed(err)).toBe(`invalid DOCKYARD_TOKEN <redacted>: ${RULE}`);
    expect(err.message).not.toContain('s3cr3t');
    expect(printed(await failure(checkedInput('DOCKYARD_TOKEN', pulumi.output('')) as pulumi.Output<string>))).toBe(`invalid DOCKYARD_TOKEN <redacted>: ${EMPTY}`);
    // a PEM ends in a line break, which OpenSSH may need
    const pem = '-----BEGIN KEY-----\nAAAA\n-----END KEY-----\n';
    const kept = checkedInput('DOCKYARD_KEY', pulumi.secret(pem)) as pulumi.Output<string>;
    expect(await (kept as any).promise()).toBe(pem);
    expect(await (kept as any).isSecret).toBe(true);
  });
});
