/**
 * A user's second and later `pulumi up` of the DigitalOcean program, under Pulumi mocks: the program runs once with a
 * stack's settings and once with one setting changed, each with the mocks set anew, and the two registrations are
 * compared resource by resource, as the engine diffs a program against its state.
 *
 * The mocks compute no diff: whether a changed input replaces a resource is the provider's, so `FORCE_NEW` copies the
 * inputs terraform-provider-digitalocean v2.99.1 (what @pulumi/digitalocean 4.80 bridges) marks ForceNew, and a
 * resource's own `replaceOnChanges` and `ignoreChanges` (read from the registration request) are applied on top.
 */
import { createHash } from 'crypto';
import type { Registered } from './harness';

/** The options a registration carried, as the engine sees them. */
export interface RegisteredOptions {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly replaceOnChanges: string[];
  readonly ignoreChanges: string[];
}

/** One run of the program. */
export interface ProgramRun {
  /** Every resource, by `<type>::<name>` (unique under the program's parents). */
  readonly resources: Map<string, Registered & { readonly options: RegisteredOptions }>;
  /** What deployDigitalOcean returned. */
  readonly outputs: any;
  /** The SDK instance the run used, for `isSecret` and `isUnknown` on its Outputs. */
  readonly pulumi: typeof import('@pulumi/pulumi');
}

/** The secrets a stack holds (`pulumi config set --secret`), by config key. */
export type StackSecrets = Partial<Record<'gitClientSecret' | 'imageMirrorPassword' | 'dockerHubToken' | 'cloneToken', string>>;

/** How many resources and invokes the last run had when it settled, to catch one that registers later. */
let settledCount: number | undefined;

/**
 * Run the program as `index.ts` does, from `config` (the stack's `pulumi config`, read with `readSettings`) and
 * `secrets`, in preview mode or not. Each run sets the mocks anew (`setMocks` gives the SDK a new monitor and preview
 * flag) and starts from empty registrations; the modules are loaded once per test file, as resetting them for every
 * run loaded the SDK, both providers and the charts again and took most of each run's time. A run whose resources
 * kept registering after it settled would leak into the next, so that fails the next run. `fresh` loads them anew
 * first, for a run that must also show that nothing a module computes when loaded changes the output.
 */
export async function runProgram(config: Record<string, string>, secrets: StackSecrets, preview: boolean, fresh = false): Promise<ProgramRun> {
  if (fresh) {
    jest.resetModules();
    settledCount = undefined;
  }
  const harness = await import('./harness');
  if (settledCount !== undefined && harness.registered.length + harness.invoked.length !== settledCount) {
    throw new Error(`the previous run registered ${harness.registered.length + harness.invoked.length - settledCount} more after it settled`);
  }
  harness.registered.length = 0;
  harness.invoked.length = 0;
  await harness.setup({ preview });
  const pulumi = await import('@pulumi/pulumi');
  const options = new Map<string, RegisteredOptions>();
  const monitor: any = pulumi.runtime.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    options.set(`${req.getType()}::${req.getName()}`, {
      protect: req.getProtect(), retainOnDelete: req.getRetainondelete(), deleteBeforeReplace: req.getDeletebeforereplace(),
      replaceOnChanges: req.getReplaceonchangesList(), ignoreChanges: req.getIgnorechangesList(),
    });
    return register(req, callback);
  };
  const { readSettings } = await import('../../../apps/digitalocean/config');
  const { deployDigitalOcean } = await import('../../../apps/digitalocean/program');
  const outputs = deployDigitalOcean(readSettings((key) => config[key]), secrets.gitClientSecret ?? GIT_CLIENT_SECRET, secrets.imageMirrorPassword,
    secrets.dockerHubToken, secrets.cloneToken);
  await harness.settled(100);
  settledCount = harness.registered.length + harness.invoked.length;
  const resources = new Map<string, Registered & { options: RegisteredOptions }>();
  for (const r of harness.registered) {
    const key = `${r.type}::${r.name}`;
    if (resources.has(key)) throw new Error(`${key} registered twice`);
    resources.set(key, { ...r, options: options.get(key)! });
  }
  return { resources, outputs, pulumi };
}

export const GIT_CLIENT_SECRET = 'github-oauth-client-secret-day-two';

/** A stack as the README's commands set it up: HTTPS and DNS by the program, Drone, no optional setting. */
export const STACK: Readonly<Record<string, string>> = {
  region: 'fra1', domain: 'example.com', bucket: 'acme-harbor-images', gitProvider: 'github', gitClientId: 'Ov23liExample',
  organization: 'acme', admin: 'alice', acmeEmail: 'ops@example.com', dnsRecords: 'true',
};

/**
 * The inputs DigitalOcean cannot change in place: ForceNew in terraform-provider-digitalocean v2.99.1, by Pulumi type
 * and with Pulumi's names. Lines are of that tag.
 */
export const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  // digitalocean/database/resource_database_cluster.go:43 name, :50 engine, :148 private_network_uuid, :156
  // project_id; size and node_count resize (:441-449), region migrates (:474-480), version upgrades (:535)
  'digitalocean:index/databaseCluster:DatabaseCluster': ['name', 'engine', 'privateNetworkUuid', 'projectId'],
  // database/resource_database_firewall.go:30 cluster_id; the rules are updated in place
  'digitalocean:index/databaseFirewall:DatabaseFirewall': ['clusterId'],
  // database/resource_database_db.go:30,36 and resource_database_user.go:34,40
  'digitalocean:index/databaseDb:DatabaseDb': ['name', 'clusterId'],
  'digitalocean:index/databaseUser:DatabaseUser': ['name', 'clusterId'],
  // spaces/resource_spaces_bucket.go:48 region; `name` (:35-39) is not ForceNew, and its Update (:271-306) renames nothing
  'digitalocean:index/spacesBucket:SpacesBucket': ['region'],
  // spaces/resource_spaces_key.go: nothing; name and grants are updated in place (:78-103)
  'digitalocean:index/spacesKey:SpacesKey': [],
  // vpc/resource_vpc.go:41 region, :55 ip_range
  'digitalocean:index/vpc:Vpc': ['region', 'ipRange'],
  // registry/resource_container_registry.go:31 name, :46 region; the tier is updated in place
  'digitalocean:index/containerRegistry:ContainerRegistry': ['name', 'region'],
  // registry/resource_container_registry_docker_credentials.go:40 registry_name
  'digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials': ['registryName'],
  // domain/resource_record.go:31 type, :48 domain; name and value are updated in place
  'digitalocean:index/dnsRecord:DnsRecord': ['type', 'domain'],
  // kubernetes/resource_kubernetes_cluster.go:72 region, :112 vpc_uuid, :119 worker_subnet_uuid, :127 cluster_subnet,
  // :135 service_subnet, :452 isolated_workers; the node pool's size (kubernetes.go:28) and a lower version
  // (:461-476, CustomizeDiff) below
  'digitalocean:index/kubernetesCluster:KubernetesCluster': ['region', 'vpcUuid', 'workerSubnetUuid', 'clusterSubnet', 'serviceSubnet', 'isolatedWorkers'],
};

const DOKS = 'digitalocean:index/kubernetesCluster:KubernetesCluster';

/** `a` < `b` as DOKS version slugs (`1.34.1-do.0`), as hashicorp/go-version compares them in the CustomizeDiff. */
function lowerVersion(a: string, b: string): boolean {
  const parts = (v: string) => v.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    return typeof x[i] === 'number' && typeof y[i] === 'number' ? (x[i] as number) < (y[i] as number) : String(x[i]) < String(y[i]);
  }
  return false;
}

/** What the engine would do to a resource of the stack at the next `pulumi up`. */
export type Step = 'same' | 'update' | 'replace' | 'delete' | 'create';

/** The step of each DigitalOcean resource from `before` to `after`, with the inputs that changed. */
export function digitalOceanSteps(before: ProgramRun, after: ProgramRun): Record<string, { step: Step; changed: string[]; protect: boolean }> {
  const steps: Record<string, { step: Step; changed: string[]; protect: boolean }> = {};
  const keys = new Set([...before.resources.keys(), ...after.resources.keys()].filter((k) => k.startsWith('digitalocean:')));
  for (const key of keys) {
    const [old, now] = [before.resources.get(key), after.resources.get(key)];
    const label = key.split('::')[1] + ' ' + key.split(':')[2];
    if (!now) {
      steps[label] = { step: 'delete', changed: [], protect: old!.options.protect };
      continue;
    }
    if (!old) {
      steps[label] = { step: 'create', changed: [], protect: now.options.protect };
      continue;
    }
    const ignored = new Set(now.options.ignoreChanges);
    // a nested path (`nodePool.autoScale`) ignores that key of the object on both sides
    const [was, is] = [withoutIgnored(old.inputs, ignored), withoutIgnored(now.inputs, ignored)];
    const fields = new Set([...Object.keys(was), ...Object.keys(is)]);
    const changed = [...fields].filter((f) => !ignored.has(f) && JSON.stringify(was[f]) !== JSON.stringify(is[f])).sort();
    const forceNew = new Set([...(FORCE_NEW[now.type] ?? []), ...now.options.replaceOnChanges]);
    if (now.type === DOKS && changed.includes('nodePool') && old.inputs.nodePool.size !== now.inputs.nodePool.size) forceNew.add('nodePool');
    if (now.type === DOKS && changed.includes('version') && lowerVersion(now.inputs.version, old.inputs.version)) forceNew.add('version');
    if (!(now.type in FORCE_NEW)) throw new Error(`no ForceNew list for ${now.type}: read its schema and add it`);
    const step: Step = changed.length === 0 ? 'same' : changed.some((f) => forceNew.has(f)) ? 'replace' : 'update';
    steps[label] = { step, changed, protect: now.options.protect };
  }
  return steps;
}

/**
 * `run` as the state holds it after a refresh (`pulumi refresh`, `pulumi up --refresh`, or the read that ends every
 * update of the resource) that found `read` set outside Pulumi on the resource `key` (`<type>::<name>`): the bridge
 * diffs the next run's inputs against the state, so a property the provider reads back and the program leaves unset
 * is a change unless it is ignored (pulumi-terraform-bridge v3.136.0 pkg/tfbridge/diff.go:307-335, the olds visited).
 */
export function refreshed(run: ProgramRun, key: string, read: Record<string, unknown>): ProgramRun {
  const resource = run.resources.get(key);
  if (!resource) throw new Error(`no ${key} in the run`);
  const resources = new Map(run.resources);
  resources.set(key, { ...resource, inputs: { ...resource.inputs, ...read } });
  return { ...run, resources };
}

/** The created DOKS cluster of the program's runs, by `<type>::<name>`. */
export const CLUSTER = `${DOKS}::cluster-cluster`;

/**
 * `run` after a refresh that read what a user set on the created cluster in the DigitalOcean console: auto-upgrade on,
 * surge upgrade off, a tag (terraform-provider-digitalocean v2.99.1 resource_kubernetes_cluster.go:688, :700, :694 read them back),
 * and the default pool autoscaled, labelled, tainted and tagged (kubernetes.go:552-588 flattenNodePool).
 */
export function changedInConsole(run: ProgramRun): ProgramRun {
  return refreshed(run, CLUSTER, {
    autoUpgrade: true, surgeUpgrade: false, tags: ['team-ci'],
    nodePool: { ...run.resources.get(CLUSTER)!.inputs.nodePool, autoScale: true, minNodes: 2, maxNodes: 4, labels: { tier: 'ci' },
      taints: [{ key: 'ci', value: 'true', effect: 'NoSchedule' }], tags: ['ci'] },
  });
}

/** `inputs` without the nested keys the ignored paths `<field>.<key>` name (one level: what the program ignores). */
function withoutIgnored(inputs: any, ignored: ReadonlySet<string>): any {
  const copy = { ...inputs };
  for (const path of ignored) {
    const [field, key, ...rest] = path.split('.');
    if (key === undefined) continue;
    if (rest.length > 0) throw new Error(`ignoreChanges path ${path} is deeper than this diff handles`);
    if (copy[field] !== null && typeof copy[field] === 'object') {
      const { [key]: _ignored, ...kept } = copy[field];
      copy[field] = kept;
    }
  }
  return copy;
}

/** The steps other than `same`, as `<name> <Type>: <step> [fields]`, for a readable expectation. */
export function changes(before: ProgramRun, after: ProgramRun): string[] {
  return Object.entries(digitalOceanSteps(before, after)).filter(([, s]) => s.step !== 'same')
    .map(([label, s]) => `${label}: ${s.step}${s.changed.length ? ` ${s.changed.join(',')}` : ''}${s.protect ? ' (protected)' : ''}`).sort();
}

/** The generated credentials (@pulumi/random, @pulumi/tls) of a run, by resource key, with their inputs. */
export function generated(run: ProgramRun): Record<string, string> {
  return Object.fromEntries([...run.resources].filter(([k]) => /^(random|tls):/.test(k)).map(([k, r]) => [k, JSON.stringify(r.inputs)]));
}

/** A digest per reference, as `crane digest` would print one: fake but well formed, and stable. */
export function digestOf(reference: string): string {
  return `sha256:${createHash('sha256').update(reference).digest('hex')}`;
}

/** The Kubernetes objects of a run, by `<kind> <namespace>/<name>`. */
export function kubernetesObjects(run: ProgramRun): Map<string, Registered & { readonly options: RegisteredOptions }> {
  return new Map([...run.resources.values()].filter((r) => r.type.startsWith('kubernetes:') && r.inputs?.kind && r.inputs?.metadata)
    .map((r) => [`${r.inputs.kind} ${r.inputs.metadata.namespace ?? ''}/${r.inputs.metadata.name}`, r]));
}

/**
 * What a change does to the Kubernetes objects that hold data or cannot change in place: a Namespace deleted (with
 * everything in it), a StatefulSet's selector or volume claim templates changed (immutable: the API server refuses
 * the update, kubernetes apps/v1 validation), a PersistentVolumeClaim deleted.
 */
export function kubernetesHazards(before: ProgramRun, after: ProgramRun): string[] {
  const [old, now] = [kubernetesObjects(before), kubernetesObjects(after)];
  const hazards: string[] = [];
  for (const [key, r] of old) {
    const next = now.get(key);
    if (!next && ['Namespace', 'PersistentVolumeClaim'].includes(r.inputs.kind)) hazards.push(`${key}: delete${r.options.protect ? ' (protected)' : ''}`);
    if (next && r.inputs.kind === 'StatefulSet') {
      for (const field of ['selector', 'volumeClaimTemplates', 'serviceName']) {
        if (JSON.stringify(r.inputs.spec[field]) !== JSON.stringify(next.inputs.spec[field])) hazards.push(`${key}: ${field} changed`);
      }
    }
  }
  return hazards;
}

/**
 * Text in a run's inputs made from a value that was not there yet: an Output put into a template string (the SDK's
 * "Calling [toString] on an [Output<T>]" text), an object, or an absent value spliced into text.
 */
export function renderedPlaceholders(run: ProgramRun): string[] {
  const found: string[] = [];
  const walk = (where: string, v: any): void => {
    if (typeof v === 'string') {
      // a script or a JSON document of many lines may say `undefined` or `null` of its own; a value of one line not
      if (v.includes('Calling [toString]') || v.includes('[object Object]') || (!v.includes('\n') && /(^|[\s/:=@.,"'])(undefined|NaN|null)($|[\s/:=@.,"'])/.test(v))) {
        found.push(`${where}: ${v.slice(0, 120)}`);
      }
    } else if (v !== null && typeof v === 'object') {
      Object.values(v).forEach((x) => walk(where, x));
    }
  };
  for (const r of run.resources.values()) walk(`${r.type}::${r.name}`, r.inputs);
  return found;
}

/**
 * Every place outside a Kubernetes Secret (or a Pulumi secret input) where one of `values` shows: a stack output, a
 * resource input. `run.outputs.kubeconfig` must be a secret Output; the other outputs are checked for the values.
 */
export async function exposures(run: ProgramRun, values: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const r of run.resources.values()) {
    if (r.type === 'kubernetes:core/v1:Secret' && r.secretInputs) continue;
    const text = JSON.stringify(r.inputs);
    for (const v of values) if (text.includes(v)) found.push(`${r.type}::${r.name} holds ${v.slice(0, 4)}…`);
  }
  const { pulumi, outputs } = run;
  if (!(await pulumi.isSecret(outputs.kubeconfig))) found.push('the kubeconfig output is not secret');
  for (const key of ['harborUrl', 'ciUrl', 'droneUrl', 'registryHost', 'adminPasswordCommand', 'loadBalancerIp', 'nextSteps']) {
    const value = outputs[key];
    if (value === undefined) continue;
    // an Output unknown in a preview has no text yet: its apply would never run
    if (pulumi.Output.isInstance(value) && !(await (value as any).isKnown)) continue;
    const text = pulumi.Output.isInstance(value) ? await new Promise<string>((resolve) => value.apply((v: unknown) => { resolve(String(v)); return v; })) : String(value);
    for (const v of values) if (text.includes(v)) found.push(`output ${key} holds ${v.slice(0, 4)}…`);
  }
  return found;
}
