import * as fs from 'fs';
import * as path from 'path';
import { changes, digestOf, exposures, generated, kubernetesHazards, kubernetesObjects, ProgramRun, renderedPlaceholders, runProgram, StackSecrets, STACK } from './digitalocean/day-two';
import { companyCa } from './digitalocean/clone-login-ca-program';
import { imagesOf } from '../registry/images-of';
import { tempDirs } from '../util';

/**
 * The second `pulumi up` of a DigitalOcean stack after one setting of what runs on the cluster changed (README,
 * "DigitalOcean with `pulumi up`": imageMirror, imageMirrorUser, imageDigests, dockerHubUser, caBundle, cloneUser, the
 * domain and forge settings, acmeStaging), or a secret was rotated: no DigitalOcean resource that holds data changes,
 * no generated credential is made anew, and every secret stays a Pulumi secret, in a Kubernetes Secret alone.
 */
describe('the DigitalOcean program on day two: application settings and secrets', () => {
  let base: ProgramRun;
  const tempDir = tempDirs('dockyard-day-two-');
  const SECRETS: Required<StackSecrets> = {
    gitClientSecret: 'github-oauth-client-secret-day-two', imageMirrorPassword: 'mirror-password-day-two', dockerHubToken: 'dckr_pat_day-two-1',
    cloneToken: 'github_pat_day-two-clone-1',
  };
  const after = (config: Record<string, string>, secrets: StackSecrets = {}) => runProgram({ ...STACK, ...config }, secrets, false);

  /** The generated credentials the change made anew (same resource, other inputs) and those it dropped. */
  function generatedChanges(run: ProgramRun): { changed: string[]; dropped: string[] } {
    const [old, now] = [generated(base), generated(run)];
    const keys = Object.keys(old);
    return { changed: keys.filter((k) => k in now && now[k] !== old[k]), dropped: keys.filter((k) => !(k in now)).map((k) => k.split('::')[1]) };
  }

  /** Every Kubernetes Secret of the run sent as a Pulumi secret. */
  function plainSecrets(run: ProgramRun): string[] {
    return [...kubernetesObjects(run)].filter(([, r]) => r.inputs.kind === 'Secret' && !r.secretInputs).map(([k]) => k);
  }

  beforeAll(async () => {
    base = await runProgram({ ...STACK }, {}, false);
  }, 60_000);

  test.each([
    ['imageMirror', { imageMirror: 'registry.example.com/mirror' }, {}],
    ['imageMirrorUser', { imageMirror: 'registry.example.com/mirror', imageMirrorUser: 'puller' }, { imageMirrorPassword: SECRETS.imageMirrorPassword }],
    ['dockerHubUser', { dockerHubUser: 'acmeci' }, { dockerHubToken: SECRETS.dockerHubToken }],
    ['cloneUser', { cloneUser: 'acme-ci' }, { cloneToken: SECRETS.cloneToken }],
    ['gitClientSecret', {}, { gitClientSecret: `${SECRETS.gitClientSecret}-rotated` }],
    ['gitProvider', { gitProvider: 'gitlab' }, {}],
    ['gitClientId', { gitClientId: 'Ov23liOther' }, {}],
    ['organization', { organization: 'acme-two' }, {}],
    ['admin', { admin: 'bob' }, {}],
    ['acmeStaging', { acmeStaging: 'true' }, {}],
  ])('%s changes no DigitalOcean resource and no generated credential; its secrets stay Pulumi secrets', async (_key, config, secrets) => {
    const run = await after(config, secrets);
    expect(changes(base, run)).toEqual([]);
    const { changed, dropped } = generatedChanges(run);
    expect(changed).toEqual([]);
    // a mirror leaves Harbor no proxy cache, and so no robot to pull through it: its secret goes with it, and a new
    // one is made if the mirror goes
    expect(dropped).toEqual('imageMirror' in config ? ['platform-generated-harbor/harbor-robot-puller/secret'] : []);
    expect(kubernetesHazards(base, run)).toEqual([]);
    expect(plainSecrets(run)).toEqual([]);
    // the secrets of the stack, and DigitalOcean's (the mocks' database passwords and Spaces keys)
    expect(await exposures(run, [...Object.values(secrets) as string[], 'password(postgres-', 'password(valkey-', 'key(spaces-key)', 'key(drone-logs-key)'])).toEqual([]);
    expect(renderedPlaceholders(run)).toEqual([]);
  }, 60_000);

  test('imageDigests and caBundle, files of the project, change no DigitalOcean resource and no generated credential', async () => {
    const { App } = await import('cdk8s');
    const { Images, ImageRelocation } = await import('../../lib');
    const { digitalOceanCharts } = await import('../../apps/digitalocean/charts');
    const { readSettings } = await import('../../apps/digitalocean/config');
    // every image as the charts name it before any relocation, as `dockyard-images --pairs` lists the sources
    const app = new App();
    const chart = digitalOceanCharts(app, { ...readSettings((k) => STACK[k]), postgresConnectionLimit: 22 });
    Images.relocateAll(app, ImageRelocation.upstream());
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'images.digests'), imagesOf(chart.toJson()).map((r) => `${r} ${digestOf(r)}`).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'ca.pem'), companyCa().pem);
    for (const config of [{ imageDigests: path.join(dir, 'images.digests') }, { caBundle: path.join(dir, 'ca.pem') }] as Record<string, string>[]) {
      const run = await after(config);
      expect([config, changes(base, run), generatedChanges(run), kubernetesHazards(base, run), plainSecrets(run)])
        .toEqual([config, [], { changed: [], dropped: [] }, [], []]);
    }
  }, 60_000);

  test('domain: the A records move to the new zone (a replacement: domain/resource_record.go:48 ForceNew), nothing else of DigitalOcean\'s', async () => {
    const run = await after({ domain: 'example.org' });
    expect(changes(base, run)).toEqual(['dns/drone DnsRecord: replace domain', 'dns/harbor DnsRecord: replace domain']);
    expect(generatedChanges(run)).toEqual({ changed: [], dropped: [] });
    // a domain inside a parent zone: records of other names, made before the old ones go
    expect(changes(base, await after({ domain: 'ci.example.com', dnsDomain: 'example.com' }))).toEqual([
      'dns/drone DnsRecord: delete', 'dns/drone.ci DnsRecord: create', 'dns/harbor DnsRecord: delete', 'dns/harbor.ci DnsRecord: create',
    ]);
  }, 60_000);

  // valkeyMaxClients sizes Harbor's Redis pools (lib/harbor/redis-budget.ts): core's two Redis URLs (its env) and the
  // registry's config.yml (a ConfigMap its pod template's checksum covers) change, so those two pods roll, and no other
  // (jobservice, Trivy, the portal, Drone: their Redis URLs carry no pool setting)
  test('valkeyMaxClients rolls Harbor\'s core and registry, and no other pod; no DigitalOcean resource changes', async () => {
    const run = await after({ valkeyMaxClients: '1000' });
    const templates = (r: ProgramRun) => new Map([...kubernetesObjects(r)].filter(([, o]) => o.inputs.spec?.template)
      .map(([k, o]) => [k, JSON.stringify(o.inputs.spec.template)]));
    const [old, now] = [templates(base), templates(run)];
    expect([...now.keys()].sort()).toEqual([...old.keys()].sort());
    expect([...old.keys()]).toEqual(expect.arrayContaining(['Deployment harbor/harbor-jobservice', 'StatefulSet harbor/harbor-trivy', 'Deployment dockyard/drone']));
    expect([...old].filter(([k, t]) => now.get(k) !== t).map(([k]) => k).sort()).toEqual(['Deployment harbor/harbor-core', 'Deployment harbor/harbor-registry']);
    const core = [...kubernetesObjects(run).values()].find((r) => r.inputs.kind === 'Deployment' && r.inputs.metadata.name === 'harbor-core')!;
    const env = Object.fromEntries(core.inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    // 4 kept free, (5 + 31 + 5) x 2 fixed (garbage collection's one on each jobservice pod), 10 pools: 91 each
    expect(env._REDIS_URL_CORE).toMatch(/\/0\?idle_timeout_seconds=30&pool_size=91&max_active_conns=91$/);
    expect(changes(base, run)).toEqual([]);
    expect(generatedChanges(run)).toEqual({ changed: [], dropped: [] });
  }, 60_000);

  test('a rotated dockerHubToken changes its Secret and reruns the Job that hands it to Harbor, and nothing else', async () => {
    const config = { dockerHubUser: 'acmeci', cloneUser: 'acme-ci' };
    const [one, two] = [await after(config, { dockerHubToken: SECRETS.dockerHubToken, cloneToken: SECRETS.cloneToken }),
      await after(config, { dockerHubToken: `${SECRETS.dockerHubToken}-rotated`, cloneToken: SECRETS.cloneToken })];
    const [a, b] = [kubernetesObjects(one), kubernetesObjects(two)];
    const differ = [...a].filter(([k, r]) => JSON.stringify(r.inputs) !== JSON.stringify(b.get(k)?.inputs)).map(([k]) => k.replace(/-[0-9a-f]{8}$/, '-<hash>'));
    expect(differ).toEqual(['Secret harbor/dockerhub-token', 'Job harbor/harbor-configure-<hash>']);
    expect(changes(one, two)).toEqual([]);
    expect(await exposures(two, [`${SECRETS.dockerHubToken}-rotated`])).toEqual([]);
  }, 60_000);
});
