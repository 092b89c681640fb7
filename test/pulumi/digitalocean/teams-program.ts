import { registered, settled, setup } from './harness';
import { DIGITALOCEAN_EXAMPLE } from '../../../apps/digitalocean/config';

/**
 * The DigitalOcean program with its `teams` setting, under Pulumi mocks: every object of the teams registers, each
 * team's robot logins are Secrets whose values arrive as Pulumi secrets, and the platform's push login is gone.
 */
/** The tests, in preview mode or not: one mode per test file, as Pulumi's mocks are set once per process. */
export function describeTeamsProgram(preview: boolean): void {
describe(`the DigitalOcean program with teams${preview ? ', in a preview' : ''}`, () => {
  const settings = {
    ...DIGITALOCEAN_EXAMPLE,
    teams: [
      { name: 'payments', repos: ['example/payments-*'], namespaces: ['payments', 'payments-staging'], registryQuotaGiB: 30 },
      { name: 'search', repos: ['example/search'], dedicatedRunner: true },
    ],
  };
  const k8s = () => registered.filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:yaml') && r.inputs.kind);
  const key = (o: any) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

  beforeAll(async () => {
    await setup({ preview });
    const { deployDigitalOcean } = await import('../../../apps/digitalocean/program');
    deployDigitalOcean(settings, 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('registers every object of the charts, the teams\' among them', async () => {
    const { App } = await import('cdk8s');
    const { digitalOceanCharts } = await import('../../../apps/digitalocean/charts');
    const expected = digitalOceanCharts(new App(), { ...settings, postgresConnectionLimit: 22 }).toJson().map(key);
    const seen = new Set(k8s().map((r) => key(r.inputs)));
    expect(expected.filter((k) => !seen.has(k))).toEqual([]);
    expect(expected).toEqual(expect.arrayContaining(['Namespace /payments-staging', 'ResourceQuota payments/team-quota', 'Namespace /search-pull-requests',
      'Deployment dockyard/drone-runner-search']));
  });

  // @pulumi/kubernetes waits ten minutes for a Job, then fails the update (pulumi-kubernetes v4.32.0
  // provider/pkg/await/job.go DefaultJobTimeoutMins), unless the Job's inputs carry pulumi.com/timeoutSeconds
  // (provider/pkg/metadata/overrides.go TimeoutDuration): Harbor's configuration Jobs, which may wait for Harbor longer
  // than that on a new cluster, are awaited until their own deadline has passed; the reconciler, with none, as before
  test('awaits each Job with a deadline a minute past it, and others for the provider\'s default', () => {
    const jobs = k8s().filter((r) => r.inputs.kind === 'Job');
    const configure = jobs.filter((j) => j.inputs.metadata.name.startsWith('harbor-configure-'));
    expect(configure.length).toBeGreaterThan(0);
    for (const job of configure) {
      expect(job.inputs.spec.activeDeadlineSeconds).toBe(3600);
      expect(job.inputs.metadata.annotations['pulumi.com/timeoutSeconds']).toBe('3660');
    }
    const others = jobs.filter((j) => !configure.includes(j));
    expect(others.length).toBeGreaterThan(0);
    others.forEach((j) => expect(j.inputs.metadata.annotations?.['pulumi.com/timeoutSeconds']).toBeUndefined());
  });

  test('makes each team\'s robot logins Secrets whose values are Pulumi secrets, and no platform push login', () => {
    const secrets = k8s().filter((r) => r.type === 'kubernetes:core/v1:Secret');
    const teamLogins = secrets.filter((s) => /^(payments|search)-(push|pull)$|harbor-robot-(payments|search)-(push|pull)$/.test(s.inputs.metadata.name));
    expect(teamLogins.length).toBeGreaterThanOrEqual(4);
    expect(teamLogins.every((s) => s.secretInputs)).toBe(true);
    expect(secrets.map((s) => s.inputs.metadata.name).filter((n: string) => n === 'harbor-push' || n === 'harbor-robot-drone')).toEqual([]);
  });
});
}

/**
 * The program with teams and a mirror that takes a login (`imageMirrorUser`), under Pulumi mocks: every team's pull
 * secret and pipeline pull login hold the mirror's login beside the team's robot, as Pulumi secrets. Before, the
 * program refused teams with such a mirror: their build pods could not pull the runner's relocated clone image.
 */
export function describeTeamsMirrorProgram(preview: boolean): void {
describe(`the DigitalOcean program with teams and a mirror that takes a login${preview ? ', in a preview' : ''}`, () => {
  const settings = {
    ...DIGITALOCEAN_EXAMPLE, imageMirror: 'mirror.acme.dev/airgap', imageMirrorUser: 'puller',
    teams: [{ name: 'payments', repos: ['example/payments-*'] }],
  };
  const secrets = () => registered.filter((r) => r.type === 'kubernetes:core/v1:Secret');

  beforeAll(async () => {
    await setup({ preview });
    const pulumi = await import('@pulumi/pulumi');
    const { deployDigitalOcean } = await import('../../../apps/digitalocean/program');
    deployDigitalOcean(settings, 'github-oauth-client-secret', pulumi.secret('mirror-token-1234'));
    await settled(100);
  }, 60_000);

  test('registers the team\'s pull secret in its namespaces and its pipeline pull login, each a Pulumi secret', () => {
    const logins = secrets().filter((s) => ['payments-pull', 'payments-harbor-pull'].includes(s.inputs.metadata.name));
    expect(logins.map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`).sort())
      .toEqual(['dockyard/payments-harbor-pull', 'payments-builds/payments-pull', 'payments/payments-pull']);
    expect(logins.every((s) => s.secretInputs)).toBe(true);
    if (preview) {
      return; // a preview knows no secret's value
    }
    for (const login of logins) {
      const auths = JSON.parse(login.inputs.stringData['.dockerconfigjson']).auths;
      expect(Object.keys(auths)).toEqual(['harbor.example.com', 'mirror.acme.dev']);
      expect([auths['mirror.acme.dev'].username, auths['mirror.acme.dev'].password]).toEqual(['puller', 'mirror-token-1234']);
    }
  });
});
}
