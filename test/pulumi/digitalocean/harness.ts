/**
 * Pulumi mocks for the DigitalOcean components: a fake provider that computes the outputs DigitalOcean would
 * (host, password, keys, kubeconfig…), and records of every resource, invoke and parent.
 *
 * Call `setup()` in `beforeAll` and import the components after it: Pulumi provider modules must load after
 * `setMocks`.
 */
import * as pulumi from '@pulumi/pulumi';

/** A resource the mock monitor saw. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  /** Inputs with secrets unwrapped. */
  readonly inputs: any;
  /** Whether any input arrived as a secret. */
  readonly secretInputs: boolean;
  /** The inputs as the monitor got them, secrets still wrapped. */
  readonly raw?: any;
}

/** An invoke the mock monitor saw. */
export interface Invoked {
  readonly token: string;
  readonly inputs: any;
}

export const registered: Registered[] = [];
export const invoked: Invoked[] = [];
/** The parent of each resource, by `type::name`, seen by a transformation passed to the component. */
export const parents = new Map<string, pulumi.Resource | undefined>();
/** The options of each resource, by `type::name`, seen by that transformation: mocks see inputs only. */
export const options = new Map<string, pulumi.CustomResourceOptions>();

/** Pass as `transformations` in a component's options: children inherit it and report their parent. */
export const recordParent: pulumi.ResourceTransformation = (a) => {
  parents.set(`${a.type}::${a.name}`, a.opts.parent);
  options.set(`${a.type}::${a.name}`, a.opts);
  return undefined;
};

export const SECRET_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

function containsSecret(v: any): boolean {
  if (Array.isArray(v)) {
    return v.some(containsSecret);
  }
  if (v !== null && typeof v === 'object') {
    return v[SECRET_KEY] === SECRET_SIG || Object.values(v).some(containsSecret);
  }
  return false;
}

/** Secret inputs reach the monitor wrapped in a signature object; unwrap them for deep assertions. */
export function unwrap(v: any): any {
  if (Array.isArray(v)) {
    return v.map(unwrap);
  }
  if (v !== null && typeof v === 'object') {
    if (v[SECRET_KEY] === SECRET_SIG) {
      return unwrap(v.value);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

/** The address the fake DigitalOcean Load Balancer of a LoadBalancer Service gets (TEST-NET-3). */
export const LOAD_BALANCER_IP = '203.0.113.10';

/** What DigitalOcean would compute for a resource; names stand in for Pulumi's auto-naming suffix. */
function fakeOutputs(type: string, name: string, inputs: any): Record<string, unknown> {
  const autoName = inputs.name ?? `${name}-a1b2c3`;
  switch (type) {
    case 'digitalocean:index/databaseCluster:DatabaseCluster': {
      const pg = inputs.engine === 'pg';
      return {
        name: autoName,
        host: `${autoName}.db.ondigitalocean.com`,
        privateHost: `private-${autoName}.db.ondigitalocean.com`,
        port: pg ? 25060 : 25061,
        user: pg ? 'doadmin' : 'default',
        password: `password(${name})`,
        uri: `uri(${name})`,
        privateUri: `private-uri(${name})`,
        database: pg ? 'defaultdb' : '',
        clusterUrn: `do:dbaas:${name}`,
      };
    }
    case 'digitalocean:index/databaseUser:DatabaseUser':
      return { password: `password(${name})`, role: 'normal' };
    case 'digitalocean:index/spacesBucket:SpacesBucket':
      return {
        name: autoName,
        bucketDomainName: `${autoName}.${inputs.region}.digitaloceanspaces.com`,
        endpoint: `${inputs.region}.digitaloceanspaces.com`,
        bucketUrn: `do:space:${autoName}`,
      };
    case 'digitalocean:index/spacesKey:SpacesKey':
      return { name: autoName, accessKey: `access-key(${name})`, secretKey: `secret-key(${name})`, createdAt: '2026-08-01T00:00:00Z' };
    case 'digitalocean:index/vpc:Vpc':
      return { name: autoName, vpcUrn: `do:vpc:${name}`, default: false };
    case 'digitalocean:index/kubernetesCluster:KubernetesCluster':
      return {
        name: autoName,
        endpoint: `https://${name}.k8s.ondigitalocean.com`,
        // what the state holds after creation: the kubeconfig of the last refresh
        kubeConfigs: [{ rawConfig: `stale-kubeconfig(${autoName})`, token: 'stale-token' }],
        clusterUrn: `do:kubernetes:${name}`,
      };
    case 'digitalocean:index/containerRegistry:ContainerRegistry':
      return { name: autoName, serverUrl: 'registry.digitalocean.com', endpoint: `registry.digitalocean.com/${autoName}` };
    case 'digitalocean:index/dnsRecord:DnsRecord':
      return { fqdn: `${inputs.name}.${inputs.domain}` };
    // a Helm release reports where it went; the ingress controller's Service, read after it, its Load Balancer
    case 'kubernetes:helm.sh/v3:Release':
      return { status: { name: inputs.name ?? name, namespace: inputs.namespace ?? 'default', chart: inputs.chart, version: inputs.version, status: 'deployed', revision: 1 } };
    case 'kubernetes:core/v1:Service':
      return { status: { loadBalancer: { ingress: [{ ip: LOAD_BALANCER_IP }] } } };
    case 'digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials': {
      const auth = Buffer.from(`token-${inputs.registryName}:token-${inputs.registryName}`).toString('base64');
      return { dockerCredentials: JSON.stringify({ auths: { 'registry.digitalocean.com': { auth } } }), credentialExpirationTime: '2076-01-01T00:00:00Z' };
    }
    // the generated credentials: stand-ins for @pulumi/random and @pulumi/tls, unique per resource
    case 'random:index/randomPassword:RandomPassword':
      return { result: `Rnd${name.replace(/[^A-Za-z0-9]/g, '')}1`.slice(0, inputs.length ?? 32), bcryptHash: `$2a$10$hash.of.${name}` };
    case 'random:index/randomId:RandomId':
      return { hex: Buffer.from(name).toString('hex').padEnd(2 * inputs.byteLength, '0').slice(0, 2 * inputs.byteLength) };
    case 'random:index/randomBytes:RandomBytes':
      return { hex: Buffer.from(name).toString('hex').padEnd(2 * inputs.length, '0').slice(0, 2 * inputs.length) };
    case 'tls:index/privateKey:PrivateKey':
      return { privateKeyPem: `-----BEGIN RSA PRIVATE KEY-----\n${name}\n-----END RSA PRIVATE KEY-----\n` };
    case 'tls:index/selfSignedCert:SelfSignedCert':
      return { certPem: `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n` };
    default:
      return {};
  }
}

/** What DigitalOcean would answer to an invoke. */
function fakeCall(token: string, inputs: any): Record<string, unknown> {
  switch (token) {
    case 'digitalocean:index/getKubernetesCluster:getKubernetesCluster':
      return {
        id: `cluster-id(${inputs.name})`,
        name: inputs.name,
        region: 'fra1',
        vpcUuid: `vpc-id(${inputs.name})`,
        endpoint: `https://${inputs.name}.k8s.ondigitalocean.com`,
        kubeConfigs: [{ rawConfig: `fresh-kubeconfig(${inputs.name})`, token: 'fresh-token', expiresAt: '2026-08-08T00:00:00Z' }],
      };
    case 'digitalocean:index/getKubernetesVersions:getKubernetesVersions': {
      // newest first, as DigitalOcean lists them (`doctl kubernetes options versions`): with a prefix, that minor's
      // patches; without, three minors, 1.33 to 1.35, so that a version of 1.32 or below is past its end of life
      const offered = inputs.versionPrefix === undefined
        ? ['1.35.9-do.0', '1.35.8-do.1', '1.34.9-do.0', '1.33.9-do.0']
        : [`${inputs.versionPrefix}9-do.0`, `${inputs.versionPrefix}8-do.1`];
      return { id: 'versions', latestVersion: offered[0], validVersions: offered };
    }
    // the cluster's CA, as the provider decodes it from the API's base64 (datasource_database_ca.go)
    case 'digitalocean:index/getDatabaseCa:getDatabaseCa':
      return { id: inputs.clusterId, clusterId: inputs.clusterId, certificate: fakeDatabaseCa(inputs.clusterId) };
    default:
      return inputs;
  }
}

/** The CA certificate the mocked `getDatabaseCa` answers for a cluster. */
export function fakeDatabaseCa(clusterId: string): string {
  return `-----BEGIN CERTIFICATE-----\nca-of-${clusterId}\n-----END CERTIFICATE-----\n`;
}

/** Options of `setup`. */
export interface SetupOptions {
  /**
   * Mock `pulumi preview` of a fresh stack: every resource is still to be created, so providers report only its
   * inputs, and its ID and every computed output (hosts, passwords, keys, statuses) stay unknown; a read reports
   * nothing either, as the engine skips a read whose ID is unknown.
   *
   * @default false
   */
  readonly preview?: boolean;
  /**
   * The outputs the stack's last update left, which a `StackReference` to any stack reads (in a preview too: the
   * engine runs a read whose ID is known, pulumi/pulumi pkg/resource/deploy/step.go:1314-1316, and a
   * StackReference's ID is the stack's name). Set `stackOutputs.outputs` between tests to change them;
   * `withoutSecretNames` answers as a CLI that reports no `secretOutputNames`; `refusal` answers the read as the
   * engine's monitor answers one whose step failed (the backend refused it): gRPC UNAVAILABLE, with that message
   * (pulumi/pulumi pkg/resource/deploy/source_eval.go:1531-1534); `failed` answers it as the engine does when that
   * step failed under `--continue-on-error`: with no property at all, the read's own outputs being still the empty
   * map it started with (pkg/v3.259.0-14-g1b59498 pkg/resource/deploy/step_generator.go:318, `GenerateReadSteps`;
   * step.go:1354-1356, `ReadStep.Apply` returns before setting them; step_executor.go:453-454, `step.Fail()`;
   * source_eval.go:1553-1556 answers `result.State.Outputs`), where a read that succeeds always holds `name`,
   * `outputs` and `secretOutputNames` (builtins.go:415-419).
   *
   * @default - none: the stack's first update
   */
  readonly stackOutputs?: { outputs: Record<string, unknown>; withoutSecretNames?: boolean; refusal?: string; failed?: boolean };
  /**
   * The organization the engine gives the program (`pulumi.getOrganization()`): a diy backend's is `organization`.
   *
   * @default - none, and `pulumi.getOrganization()` throws
   */
  readonly organization?: string;
}

/** gRPC's status code UNAVAILABLE (@grpc/grpc-js `Status.UNAVAILABLE`). */
const GRPC_UNAVAILABLE = 14;

/** The names of the stacks a `StackReference` read, in order. */
export const stackReads: string[] = [];

/** The SDK's file whose stacks `plainSdkDebugStacks` leaves unmapped. */
const SDK_DEBUG_STACKS = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;
/** Marks the `Error.prepareStackTrace` `plainSdkDebugStacks` installed, so that a second setup keeps it. */
const PLAIN_SDK_DEBUG_STACKS = Symbol('plainSdkDebugStacks');

/**
 * The SDK gives every promise it makes a stack trace (@pulumi/pulumi 3.270 runtime/debuggable.js, debuggablePromise:
 * `new Error().stack`, kept for a leak report at exit, which no test reads): thousands in a program run, and under
 * jest each was formatted through the tests' source maps (jest-runner installs source-map-support into every test
 * file's sandbox), which took half of a DigitalOcean program run's time. Those stacks get V8's own text instead;
 * every other stack (a failing test's, the SDK's resource source positions, Resource.callsites) is still mapped. With
 * PULUMI_DEBUG_PROMISE_LEAKS set, the leak report prints those stacks (debuggable.js leakedPromises,
 * promiseDebugString), so they are mapped too: a leak is looked for at the lines they name
 * (harness-debug-stacks.test.ts).
 */
function plainSdkDebugStacks(): void {
  const mapped = Error.prepareStackTrace;
  if (mapped === undefined || (mapped as any)[PLAIN_SDK_DEBUG_STACKS]) return;
  const plain = (error: Error, frames: NodeJS.CallSite[]) => !process.env.PULUMI_DEBUG_PROMISE_LEAKS && SDK_DEBUG_STACKS.test(frames[0]?.getFileName() ?? '')
    ? [String(error), ...frames.map((f) => `    at ${f}`)].join('\n')
    : mapped(error, frames);
  Error.prepareStackTrace = Object.assign(plain, { [PLAIN_SDK_DEBUG_STACKS]: true });
}

/** Install the mocks; call once per test file, before importing any component. */
export async function setup(options: SetupOptions = {}): Promise<void> {
  const preview = options.preview ?? false;
  plainSdkDebugStacks();
  await pulumi.runtime.setMocks({
    newResource: (a) => {
      if (a.type === 'pulumi:pulumi:StackReference') {
        // the builtin provider's read: the stack's outputs and which of them hold a secret (builtins.go readStackReference)
        stackReads.push(a.inputs.name);
        if (options.stackOutputs?.refusal !== undefined) {
          throw Object.assign(new Error(options.stackOutputs.refusal), { code: GRPC_UNAVAILABLE });
        }
        if (options.stackOutputs?.failed) return { id: a.id, state: {} };
        const outputs = options.stackOutputs?.outputs ?? {};
        const secretOutputNames = Object.keys(outputs).filter((k) => containsSecret(outputs[k])).sort();
        return { id: a.id, state: { name: a.inputs.name, outputs, ...(options.stackOutputs?.withoutSecretNames ? {} : { secretOutputNames }) } };
      }
      registered.push({ type: a.type, name: a.name, inputs: unwrap(a.inputs), secretInputs: containsSecret(a.inputs), raw: a.inputs });
      if (preview) {
        return { id: undefined, state: a.inputs };
      }
      return { id: `${a.name}-id`, state: { ...a.inputs, ...fakeOutputs(a.type, a.name, a.inputs) } };
    },
    call: (a) => {
      invoked.push({ token: a.token, inputs: unwrap(a.inputs) });
      return fakeCall(a.token, a.inputs);
    },
  }, 'dockyard', 'test', preview, options.organization);
}

/** The value of an Output. */
export function get<T>(out: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => out.apply((v) => {
    resolve(v);
    return v;
  }));
}

/** Wait until no resource has been registered for a while: every child of the components built so far is in. */
export async function settled(quietMs = 50): Promise<void> {
  // looked at every few milliseconds, so that it returns once quietMs have passed without a registration: waiting
  // quietMs between looks returned up to twice that after the last one, in every program run of every test
  const look = Math.min(10, quietMs);
  let count = registered.length + invoked.length;
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, look));
    if (count !== registered.length + invoked.length) {
      count = registered.length + invoked.length;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
  }
}

/** The resources registered with a name starting with `prefix` (the component name) and "-" or "/". */
export function childrenOf(prefix: string): Registered[] {
  return registered.filter((r) => r.name.startsWith(`${prefix}-`) || r.name.startsWith(`${prefix}/`));
}

/** The one resource of `type` whose name starts with `prefix`. */
export function one(prefix: string, type: string): Registered {
  const found = childrenOf(prefix).filter((r) => r.type === type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type} under ${prefix}, found ${found.length}`);
  }
  return found[0];
}

/** Check that each resource of the component `prefix` has `component` as its parent, and return their types. */
export function expectParent(prefix: string, component: pulumi.Resource): string[] {
  const children = childrenOf(prefix);
  for (const child of children) {
    const key = `${child.type}::${child.name}`;
    if (!parents.has(key)) {
      throw new Error(`${key} was not seen by the component's transformation, so it is not its child`);
    }
    if (parents.get(key) !== component) {
      throw new Error(`${key} has another parent than its component`);
    }
  }
  return children.map((c) => c.type).sort();
}

export const T = {
  cluster: 'digitalocean:index/databaseCluster:DatabaseCluster',
  db: 'digitalocean:index/databaseDb:DatabaseDb',
  user: 'digitalocean:index/databaseUser:DatabaseUser',
  firewall: 'digitalocean:index/databaseFirewall:DatabaseFirewall',
  bucket: 'digitalocean:index/spacesBucket:SpacesBucket',
  key: 'digitalocean:index/spacesKey:SpacesKey',
  vpc: 'digitalocean:index/vpc:Vpc',
  doks: 'digitalocean:index/kubernetesCluster:KubernetesCluster',
  registry: 'digitalocean:index/containerRegistry:ContainerRegistry',
  credentials: 'digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials',
  k8sProvider: 'pulumi:providers:kubernetes',
  release: 'kubernetes:helm.sh/v3:Release',
  clusterIssuer: 'kubernetes:cert-manager.io/v1:ClusterIssuer',
  namespace: 'kubernetes:core/v1:Namespace',
  service: 'kubernetes:core/v1:Service',
  dnsRecord: 'digitalocean:index/dnsRecord:DnsRecord',
} as const;

/**
 * The warnings `pulumi.log.warn` is given while `run` runs (awaited, if it is async) and what it registers settles. The SDK is imported at the
 * call, so that a test that resets the module registry spies on the instance the program it imports logs through.
 */
export async function warningsDuring(run: () => unknown): Promise<string[]> {
  const { log } = await import('@pulumi/pulumi');
  const warnings: string[] = [];
  const spy = jest.spyOn(log, 'warn').mockImplementation((msg: string) => {
    warnings.push(msg);
    return Promise.resolve();
  });
  try {
    await run();
    await settled(100);
  } finally {
    spy.mockRestore();
  }
  return warnings;
}
