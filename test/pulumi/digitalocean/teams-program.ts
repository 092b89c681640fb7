import { registered, settled, setup } from './harness';
import { DIGITALOCEAN_EXAMPLE, readSettings } from '../../../apps/digitalocean/config';

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

/**
 * The program with `ciEngine: woodpecker` and a team routed by branch, its settings read as `pulumi config set --path`
 * stores them (`teams[0].events[0]`, `teams[0].branches[0]`; a structured setting reaches the program as JSON text):
 * the team's agents take only its events on its branches, and the team retired with the same route has exactly its
 * agents closed. Before, the program's settings took neither key.
 */
export function describeWoodpeckerTeamsProgram(preview: boolean): void {
describe(`the DigitalOcean program with a Woodpecker team routed by branch${preview ? ', in a preview' : ''}`, () => {
  const config: Record<string, string> = {
    domain: 'example.com', bucket: 'example-harbor', gitClientId: 'replace-with-oauth-client-id', organization: 'example', admin: 'example-admin',
    ciEngine: 'woodpecker',
    teams: JSON.stringify([{ name: 'docs', repos: ['example/docs'], events: ['push', 'cron'], branches: ['main'] }]),
    retiredTeams: JSON.stringify([{ name: 'billing', repos: ['example/billing'], events: ['push'], branches: ['main'] }]),
  };
  const k8s = () => registered.filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:yaml') && r.inputs.kind);
  const agentLabels = (r: any) => r.inputs.spec.template.spec.containers[0].env.find((e: any) => e.name === 'WOODPECKER_AGENT_LABELS').value;

  beforeAll(async () => {
    await setup({ preview });
    const { deployDigitalOcean } = await import('../../../apps/digitalocean/program');
    deployDigitalOcean(readSettings((key) => config[key]), 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('registers the team\'s agents, one per event on its branch, and no other of its', () => {
    const agents = k8s().filter((r) => r.inputs.kind === 'StatefulSet' && /^woodpecker-docs-/.test(r.inputs.metadata.name));
    expect(agents.map(agentLabels).sort()).toEqual(['cron', 'push'].map((event) =>
      `!woodpecker-ci.org/commit-branch=main,!woodpecker-ci.org/event=${event},dockyard.dev/route=docs,repo=example/docs`));
  });

  test('closes the retired team\'s agent of its route, by the name it had', async () => {
    const excluded = k8s().filter((r) => r.inputs.kind === 'NetworkPolicy').flatMap((r) => (r.inputs.spec.ingress ?? []).flatMap((i: any) => i.from ?? []))
      .flatMap((peer: any) => peer.podSelector?.matchExpressions ?? []).filter((e: any) => e.operator === 'NotIn').flatMap((e: any) => e.values);
    // the agent billing had while onboarded with that route, as the charts render it
    const { App } = await import('cdk8s');
    const { digitalOceanCharts } = await import('../../../apps/digitalocean/charts');
    const onboarded = readSettings((key) => ({ ...config, teams: config.retiredTeams, retiredTeams: undefined } as Record<string, string | undefined>)[key]);
    const agents = digitalOceanCharts(new App(), { ...onboarded, postgresConnectionLimit: 22 }).toJson()
      .filter((o) => o.kind === 'StatefulSet' && /^woodpecker-billing-/.test(o.metadata.name)).map((o) => o.metadata.name);
    expect(agents).toEqual([expect.stringMatching(/^woodpecker-billing-push-[0-9a-f]{8}$/)]);
    expect(excluded).toEqual(agents);
  });
});
}
