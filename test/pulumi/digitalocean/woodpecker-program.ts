import { get, registered, settled, setup, T } from './harness';
import { DIGITALOCEAN_EXAMPLE } from '../../../apps/digitalocean/config';
import { CiEngineKind } from '../../../lib';

/**
 * The DigitalOcean program with `ciEngine: woodpecker`, under Pulumi mocks: the same managed services and Harbor, with
 * Woodpecker where Drone was, its database and user on the managed PostgreSQL, and every Secret it reads provided.
 */
/** The tests, in preview mode or not: one mode per test file, as Pulumi's mocks are set once per process. */
export function describeWoodpeckerProgram(preview: boolean): void {
describe(`the DigitalOcean program with Woodpecker${preview ? ', in a preview' : ''}`, () => {
  let outputs: any;
  const settings = { ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.WOODPECKER, dnsRecords: true, installIngress: true, acmeEmail: 'ops@example.com' };
  const k8s = () => registered.filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:yaml') && r.inputs.kind);
  const secrets = () => k8s().filter((r) => r.type === 'kubernetes:core/v1:Secret');
  const key = (o: any) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

  beforeAll(async () => {
    await setup({ preview });
    const { deployDigitalOcean } = await import('../../../apps/digitalocean/program');
    outputs = deployDigitalOcean(settings, 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('creates the woodpecker database and user beside Harbor\'s, and none for Drone', () => {
    expect(registered.filter((r) => r.type === T.db).map((d) => d.inputs.name).sort()).toEqual(['registry', 'woodpecker']);
    expect(registered.filter((r) => r.type === T.user).map((d) => d.inputs.name).sort()).toEqual(['harbor', 'woodpecker']);
  });

  test('registers every object of the charts: the Woodpecker server and agent, no Drone', async () => {
    const { App } = await import('cdk8s');
    const { digitalOceanCharts } = await import('../../../apps/digitalocean/charts');
    const expected = digitalOceanCharts(new App(), { ...settings, postgresConnectionLimit: 22 }).toJson();
    const seen = new Set(k8s().map((r) => key(r.inputs)));
    expect(expected.map(key).filter((k) => !seen.has(k))).toEqual([]);
    expect(expected.map(key)).toEqual(expect.arrayContaining(['Deployment dockyard/woodpecker', 'StatefulSet dockyard/woodpecker-agent']));
    expect(expected.map(key).filter((k) => /drone/.test(k))).toEqual([]);
  });

  test('provides the Secrets Woodpecker reads, secret-wrapped: its database password and the OAuth app secret', () => {
    const provided = secrets().filter((s) => ['woodpecker-database', 'woodpecker-oauth'].includes(s.inputs.metadata.name));
    expect(provided.map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`).sort())
      .toEqual(['dockyard/woodpecker-database', 'dockyard/woodpecker-oauth']);
    expect(provided.every((s) => s.secretInputs)).toBe(true);
  });

  test('defines no push login, nor its robot: no Woodpecker step could read it', () => {
    // woodpecker v3.17.0 runs a step's pod in the agent's namespace (pipeline/backend/kubernetes/pod.go:99,
    // kubernetes.go:86-91) and refers to native secrets by name only (LocalObjectReference, secrets.go:119,135): a
    // Secret in the server's namespace reaches no step; WoodpeckerCi copies pipeline secrets into routes, and the
    // stack grants none, as it knows no exact repository. The Drone program defines both (program.test.ts)
    const names = secrets().map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`);
    expect(names).toEqual(expect.arrayContaining(['harbor/harbor-robot-puller']));
    // nor a pipelines' pull secret: with no route, Woodpecker would list it on no agent (WoodpeckerCi.addImagePullSecret)
    expect(names.filter((n) => /harbor-push|harbor-pull|robot-drone/.test(n))).toEqual([]);
    // the configuration chunks' config.json (the script beside them names "robots" too)
    const robots = k8s().filter((r) => r.inputs.kind === 'ConfigMap').map((r) => r.inputs.data?.['config.json'] as unknown)
      .filter((text): text is string => typeof text === 'string');
    expect(robots).toHaveLength(1);
    expect(JSON.parse(robots[0]).robots.map((r: any) => r.name)).toEqual(['puller']);
  });

  test('serves Woodpecker at woodpecker.<domain>, with its A record, and says how to log in', async () => {
    expect(outputs.ciUrl).toBe('https://woodpecker.example.com');
    expect(outputs.droneUrl).toBeUndefined();
    expect(registered.filter((r) => r.type === T.dnsRecord).map((r) => r.inputs.name).sort()).toEqual(['harbor', 'woodpecker']);
    // in a preview the steps wait for the Load Balancer's address, which is unknown
    if (!preview) {
      const steps: string = await get(outputs.nextSteps);
      expect(steps).toContain('Woodpecker: open https://woodpecker.example.com and log in with github as example-admin');
      // server/api/repo.go:125 activates with deployments off; server/api/pipeline.go:636-639 refuses them then
      expect(steps).toContain('Repositories: activate them in Woodpecker, and enable "Allow deployments" in each one\'s settings');
    }
  });
});
}
