import { registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

// The program's retiredTeams setting reaches the charts: Harbor's configuration deletes the team's robots. Under
// Pulumi nothing else would (no secret state warns of a team taken out of `teams`)
test('the DigitalOcean program retires the robots of its retiredTeams', async () => {
  await setup();
  const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
  deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, teams: [{ name: 'payments', repos: ['example/payments'] }], retiredTeams: ['billing'] },
    'github-oauth-client-secret');
  await settled(100);
  const retired = registered.filter((r) => r.inputs?.kind === 'ConfigMap' && /^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/.test(r.inputs.metadata.name))
    .flatMap((c) => JSON.parse(c.inputs.data['config.json']).retiredRobots ?? []);
  expect(retired).toEqual(expect.arrayContaining(['billing-pull', 'billing-push']));
}, 60_000);
