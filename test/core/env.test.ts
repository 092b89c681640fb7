import fc from 'fast-check';
import { GitProvider, Image, IPostgresDatabase, IRedis, Resources, Secret, SslMode } from '../../lib';
import { EnvPart, envTemplate, EnvVars, escapeEnvLiteral } from '../../lib/core/env';
import { podTemplate } from '../../lib/core/pod';
import { redisUrl } from '../../lib/redis/redis-ref';
import { droneServer } from '../drone/fixtures';
import { container, envOf, find, synth, testChart } from '../util';
import { expand, mappingFor } from './kubelet-expansion';

/** What a pod's environment resolves from besides the container's own variables. */
interface PodContext {
  /** The Service variables the kubelet always injects (the `kubernetes` Service's, even without service links). */
  readonly services: Map<string, string>;
  readonly fields: Record<string, string>;
  readonly secrets: Record<string, string>;
}

const POD: PodContext = {
  services: new Map([['KUBERNETES_SERVICE_HOST', '10.96.0.1'], ['KUBERNETES_PORT', 'tcp://10.96.0.1:443']]),
  fields: { 'metadata.namespace': 'ci', 'metadata.name': 'pod-$(A)-0' },
  secrets: { 'postgres-drone/password': 's3cr$t $(A)', 'db/password': 'pa$$word' },
};

/**
 * The container's variables as the kubelet resolves them (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables):
 * in order, a non-empty `value` is expanded against the variables before it and the Service variables; a
 * `valueFrom` is taken as is. Service variables the container does not define are added at the end.
 */
function kubeletEnv(env: any[], pod: PodContext = POD): Map<string, string> {
  const vars = new Map<string, string>();
  const mapping = mappingFor(vars, pod.services);
  for (const v of env) {
    let value: string = v.value ?? '';
    if (value !== '') {
      value = expand(value, mapping);
    } else if (v.valueFrom?.secretKeyRef) {
      value = pod.secrets[`${v.valueFrom.secretKeyRef.name}/${v.valueFrom.secretKeyRef.key}`];
    } else if (v.valueFrom?.fieldRef) {
      value = pod.fields[v.valueFrom.fieldRef.fieldPath];
    }
    vars.set(v.name, value);
  }
  for (const [name, value] of pod.services) {
    if (!vars.has(name)) {
      vars.set(name, value);
    }
  }
  return vars;
}

/** Names that strings below like to mention, so that references to defined variables are common. */
const NAMES = ['A', 'B', 'PASSWORD', 'DRONE_DATABASE_PASSWORD', 'KUBERNETES_SERVICE_HOST'];

/** Text rich in `$`, `(`, `)`, references and escapes, mixed with arbitrary Unicode. */
const text = fc.array(fc.oneof(
  fc.constantFrom('$', '$$', '(', ')', '$(', '$()', '$$(', '$)', '$ ', ...NAMES.flatMap((n) => [`$(${n})`, `$$(${n})`, `$(${n}`])),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
), { maxLength: 8 }).map((parts) => parts.join(''));

/** A variable defined earlier: a plain value, or one read from a pod field. */
interface Earlier { readonly name: string; readonly value?: string; readonly field?: string }

const earlierVars = fc.uniqueArray(fc.oneof(
  fc.record({ name: fc.constantFrom(...NAMES), value: text }),
  fc.record({ name: fc.constantFrom(...NAMES), field: fc.constantFrom('metadata.namespace', 'metadata.name') }),
), { selector: (v: Earlier) => v.name, maxLength: NAMES.length });

function define(env: EnvVars, vars: readonly Earlier[]): void {
  for (const v of vars) {
    if (v.field !== undefined) {
      env.field(v.name, v.field);
    } else {
      env.value(v.name, v.value!);
    }
  }
}

/** What an earlier variable reads in the pod. */
function resolved(v: Earlier): string {
  return v.field !== undefined ? POD.fields[v.field] : v.value!;
}

const RUNS = { numRuns: 1000 };

describe('escapeEnvLiteral and EnvVars.value', () => {
  test('double every $', () => {
    expect(escapeEnvLiteral('')).toBe('');
    expect(escapeEnvLiteral('no dollar')).toBe('no dollar');
    expect(escapeEnvLiteral('$(A) $$ $')).toBe('$$(A) $$$$ $$');
  });

  test('a value reads back literally through the kubelet, whatever variables are defined before it', () => {
    fc.assert(fc.property(earlierVars, text, (vars, s) => {
      const env = new EnvVars('ci');
      define(env, vars);
      env.value('X', s);
      const got = kubeletEnv(env._toKube());
      expect(got.get('X')).toBe(s);
      // and every earlier value too
      vars.forEach((v) => expect(got.get(v.name)).toBe(resolved(v)));
    }), RUNS);
  });

  test('refuses, in one line, a name that is not a C identifier, and a name given twice', () => {
    const env = new EnvVars('ci');
    env.value('_A1', 'x');
    expect(() => env.value('A-B', 'x')).toThrow(/^invalid env name "A-B": must be a C identifier$/);
    expect(() => env.value('1A', 'x')).toThrow(/^invalid env name "1A": must be a C identifier$/);
    expect(() => env.value('_A1', 'y')).toThrow(/^invalid env name "_A1": must be defined once$/);
  });

  test('a value that mentions an undefined variable is a literal, not an error', () => {
    const env = new EnvVars('ci');
    env.value('X', 'before $(LATER)');
    env.value('LATER', 'x');
    expect(env._toKube()[0]).toEqual({ name: 'X', value: 'before $$(LATER)' });
  });
});

describe('EnvVars.interpolate', () => {
  const parts = fc.array(fc.oneof(text.map((s) => ({ literal: s })), fc.nat().map((i) => ({ ref: i }))), { maxLength: 8 });

  test('expands to the literal parts and the referenced variables\' values', () => {
    fc.assert(fc.property(earlierVars.filter((v) => v.length > 0), parts, (vars, ps) => {
      const env = new EnvVars('ci');
      define(env, vars);
      const refs = ps.map((p) => ('ref' in p ? vars[p.ref % vars.length] : undefined));
      env.interpolate('X', ps.map((p, i): EnvPart => ('ref' in p ? EnvVars.ref(refs[i]!.name) : p.literal)));
      const expected = ps.map((p, i) => ('ref' in p ? resolved(refs[i]!) : p.literal)).join('');
      expect(kubeletEnv(env._toKube()).get('X')).toBe(expected);
    }), RUNS);
  });

  test('envTemplate keeps interpolated strings and numbers literal and only EnvRefs as references', () => {
    const env = new EnvVars('ci');
    env.value('PASSWORD', 'pw');
    const user = 'u$(PASSWORD)';
    env.interpolate('URL', envTemplate`redis://${user}:${EnvVars.ref('PASSWORD')}@h$:${6379}/$(PASSWORD)`);
    const [, url] = env._toKube();
    expect(url).toEqual({ name: 'URL', value: 'redis://u$$(PASSWORD):$(PASSWORD)@h$$:6379/$$(PASSWORD)' });
    expect(kubeletEnv(env._toKube()).get('URL')).toBe('redis://u$(PASSWORD):pw@h$:6379/$(PASSWORD)');
  });

  test('a reference to an undefined variable fails, naming it', () => {
    const env = new EnvVars('ci');
    env.value('A', 'a');
    expect(() => env.interpolate('URL', envTemplate`x${EnvVars.ref('MISSING')}`))
      .toThrow(/invalid env URL .*MISSING.*: references \$\(MISSING\), which must be defined before it/);
  });

  test('a reference to a variable defined later, or to itself, fails, naming it', () => {
    const env = new EnvVars('ci');
    expect(() => env.interpolate('URL', envTemplate`redis://:${EnvVars.ref('PASSWORD')}@h`)).toThrow(/references \$\(PASSWORD\)/);
    env.value('PASSWORD', 'pw');
    expect(() => env.interpolate('SELF', [EnvVars.ref('SELF')])).toThrow(/references \$\(SELF\), which must be defined before it/);
    expect(env.has('URL')).toBe(false);
    expect(env.has('SELF')).toBe(false);
  });

  test('redisUrl refers to the password variable and keeps every other part literal', () => {
    // the user name is percent-encoded for the URL first (its "$" is then no "$" at all), the query escaped for the kubelet
    const redis = { host: 'redis.example.com', port: 6379, tls: true, username: 'u$(REDIS_PASSWORD)' } as IRedis;
    const env = new EnvVars('ci');
    env.value('REDIS_PASSWORD', 'pw');
    env.interpolate('URL', redisUrl(redis, 'REDIS_PASSWORD', { database: 2, query: 'a=$b' }));
    expect(env._toKube()[1].value).toBe('rediss://u%24(REDIS_PASSWORD):$(REDIS_PASSWORD)@redis.example.com:6379/2?a=$$b');
    expect(kubeletEnv(env._toKube()).get('URL')).toBe('rediss://u%24(REDIS_PASSWORD):pw@redis.example.com:6379/2?a=$b');
  });
});

describe('command, args and exec probes', () => {
  test('read back literally through the kubelet, whatever the container\'s environment', () => {
    const chart = testChart('ci');
    fc.assert(fc.property(earlierVars, text, fc.array(text, { maxLength: 3 }), text, (vars, command, args, probe) => {
      const env = new EnvVars('ci');
      define(env, vars);
      const exec = { exec: { command: ['sh', probe] } };
      const tpl = podTemplate(chart, {}, {
        namespace: 'ci', runAs: { user: 1000, group: 1000 },
        containers: [{
          name: 'c', image: Image.of('docker.io/library/busybox:1.37'), command: [command], args, env,
          probes: { liveness: exec, readiness: exec },
          resources: Resources.of({ cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '16Mi', memoryLimit: '32Mi' }),
        }],
      });
      const c = tpl.spec!.containers[0];
      // pkg/kubelet/container/helpers.go: ExpandContainerCommandAndArgs with the resolved environment, and
      // ExpandContainerCommandOnlyStatic for exec probes (pkg/kubelet/prober/prober.go), with the raw static values
      const mapping = mappingFor(kubeletEnv(env._toKube()));
      const statics = mappingFor(new Map(env._toKube().filter((v) => v.value !== undefined).map((v) => [v.name, v.value as string])));
      expect(c.command!.map((s) => expand(s, mapping))).toEqual([command]);
      expect((c.args ?? []).map((s) => expand(s, mapping))).toEqual(args);
      expect(c.livenessProbe!.exec!.command!.map((s) => expand(s, statics))).toEqual(['sh', probe]);
      expect(c.readinessProbe!.exec!.command!.map((s) => expand(s, statics))).toEqual(['sh', probe]);
    }), RUNS);
  });
});

describe('Drone', () => {
  test('a git client ID that looks like a reference renders escaped and never expands to the database password', () => {
    const chart = testChart('ci');
    const clientSecret = Secret.fromSecretName(chart, 'OAuth2', 'drone-oauth').key('client-secret');
    const gitProvider = GitProvider.github({ clientId: 'abc123', clientSecret });
    // GitProvider's validation rejects such an ID; the sink must hold on its own, so bypass it
    Object.assign(gitProvider, { app: { clientId: '$(PGPASSWORD)', clientSecret } });
    droneServer(chart, { gitProvider });
    const c = container(find(synth(chart), 'Deployment', 'drone'));
    expect(envOf(c).DRONE_GITHUB_CLIENT_ID.value).toBe('$$(PGPASSWORD)');
    expect(kubeletEnv(c.env).get('DRONE_GITHUB_CLIENT_ID')).toBe('$(PGPASSWORD)');
  });

  test('the datasource holds no variable reference, and a $ in a database setting stays literal', () => {
    const chart = testChart('ci');
    const creds = Secret.fromSecretName(chart, 'Db', 'db');
    // bypasses ExternalPostgres' validation: the escaping must hold whatever a database reports; the password is in
    // PGPASSWORD, and the URL percent-encodes the `$` of the database name and sslmode (lib/postgres/datasource.ts)
    const database: IPostgresDatabase = {
      host: 'db.example.com', port: 5432, databaseName: 'drone$(PGPASSWORD)', user: 'drone',
      password: creds.key('password'), sslMode: 'require$' as SslMode, grantConnect: () => undefined,
    };
    droneServer(chart, { database });
    const c = container(find(synth(chart), 'Deployment', 'drone'));
    const url = 'postgres://drone@db.example.com:5432/drone%24(PGPASSWORD)?sslmode=require%24';
    expect(envOf(c).DRONE_DATABASE_DATASOURCE.value).toBe(url);
    expect(kubeletEnv(c.env).get('DRONE_DATABASE_DATASOURCE')).toBe(url);
  });
});
