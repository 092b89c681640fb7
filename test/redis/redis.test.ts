import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ExternalRedis, LocalSecretStore, NetworkPeer, Redis, RedisMaxMemoryPolicy, RedisProps, Resources, Secret } from '../../lib';
import { largestMaxMemoryMiB, smallestMemoryLimitMiB } from '../../lib/redis/memory-headroom';
import { container, envOf, find, refusal, synth, testChart } from '../util';

describe('Redis (in-cluster Valkey)', () => {
  test('runs one replica of Valkey as UID 999 with an append-only file on a volume', () => {
    const chart = testChart('cache');
    const redis = new Redis(chart, 'Redis', { storageSize: '2Gi', maxMemoryMiB: 100 });
    expect(redis).toMatchObject({ host: 'redis.cache.svc', port: 6379, tls: false, username: undefined });
    const sts = find(synth(chart), 'StatefulSet', 'redis');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2Gi');
    const c = container(sts);
    expect(c.image).toBe('docker.io/valkey/valkey:8.1.11');
    expect(c.command).toEqual(['valkey-server']);
    expect(c.args).toEqual(['/etc/valkey/valkey.conf', '--port', '6379', '--dir', '/data', '--appendonly', 'yes',
      '--maxmemory', '100mb', '--maxmemory-policy', 'noeviction', '--save', '']);
    // -e: ready on PONG alone, not on a LOADING reply (test/core/probe-behaviour.test.ts)
    expect(c.readinessProbe.exec.command).toEqual(['valkey-cli', '-e', '-p', '6379', 'ping']);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('maxMemoryPolicy: noeviction unless a cache server asks for allkeys-lru; nothing else', () => {
    // what each policy does with a Harbor's keys is tried against redis-server in test/integ/harbor-registry.integ.test.ts
    const chart = testChart('cache');
    const lru = new Redis(chart, 'Lru', { name: 'lru', maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU });
    expect(lru.maxMemoryPolicy).toBe('allkeys-lru');
    expect(new Redis(chart, 'Kept', { name: 'kept' }).maxMemoryPolicy).toBe('noeviction');
    const args = container(find(synth(chart), 'StatefulSet', 'lru')).args;
    expect(args.slice(args.indexOf('--maxmemory-policy'), args.indexOf('--maxmemory-policy') + 2)).toEqual(['--maxmemory-policy', 'allkeys-lru']);
    expect(refusal(() => new Redis(chart, 'Volatile', { name: 'v', maxMemoryPolicy: 'volatile-lru' as RedisMaxMemoryPolicy })))
      .toBe('invalid maxMemoryPolicy "volatile-lru": must be one of noeviction, allkeys-lru (Redis "test/Volatile")');
  });

  test('keeps the password out of the command line: a config file from a Secret, and REDISCLI_AUTH for the probe', () => {
    const chart = testChart('cache');
    const redis = new Redis(chart, 'Redis');
    const sts = find(synth(chart), 'StatefulSet', 'redis');
    expect(JSON.stringify(container(sts).args)).not.toMatch(/requirepass|\$\(/);
    expect(envOf(container(sts)).REDISCLI_AUTH.valueFrom.secretKeyRef).toEqual({ name: 'redis-password', key: 'password' });
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'config', secret: { secretName: 'redis-config' } });
    const secrets = parseAllDocuments(new LocalSecretStore({ statePath: path.join(os.tmpdir(), `dockyard-redis-${process.pid}.json`) }).render(chart)).map((d) => d.toJS());
    const password = secrets.find((s) => s.metadata.name === 'redis-password').stringData.password;
    expect(secrets.find((s) => s.metadata.name === 'redis-config').stringData['valkey.conf']).toBe(`requirepass ${password}\n`);
    expect(redis.password.toString()).toBe('cache/redis-password#password');
  });

  test('admits only granted clients and denies egress', () => {
    const chart = testChart('cache');
    const redis = new Redis(chart, 'Redis');
    redis.grantConnect(NetworkPeer.pods('apps', { app: 'x' }));
    const policy = find(synth(chart), 'NetworkPolicy', 'redis');
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: { matchLabels: { app: 'x' } } }],
      ports: [{ protocol: 'TCP', port: 6379 }],
    }]);
  });

  test('fails on bad props', () => {
    const chart = testChart('cache');
    // the default limit, 512Mi, holds 218 MiB of data through an AOF rewrite ((512 - 32) / 2.2): lib/redis/memory-headroom.ts
    expect(() => new Redis(chart, 'A', { maxMemoryMiB: 219 }))
      .toThrow('invalid maxMemoryMiB 219: must be at most 218 under the container\'s memory limit 512Mi: an append-only file rewrite forks the server');
    expect(() => new Redis(chart, 'A2', { maxMemoryMiB: 218, name: 'a2' })).not.toThrow();
    const gib = Resources.of({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '512Mi', memoryLimit: '1Gi' });
    // 600 MiB fitted under 1Gi before; the rewrite's copy would not
    expect(() => new Redis(chart, 'B', { maxMemoryMiB: 600, resources: gib, name: 'b' })).toThrow('must be at most 450 under the container\'s memory limit 1Gi');
    expect(() => new Redis(chart, 'B2', { maxMemoryMiB: 450, resources: gib, name: 'b2' })).not.toThrow();
    // own resources at the old default limit, 256Mi, and maxMemoryMiB unset: the default 192 is refused, saying it is
    // the default and the limit that would take it (192 * 2.2 + 32 = 454.4, so 455Mi)
    const old = Resources.of({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' });
    expect(() => new Redis(chart, 'Dflt', { resources: old, name: 'dflt' })).toThrow('invalid maxMemoryMiB 192: must be at most 101 under the container\'s ' +
      'memory limit 256Mi: an append-only file rewrite forks the server and can copy all its data, so the limit must hold 2.2 times maxmemory and ' +
      '32 MiB; raise resources.memoryLimit (192 is the default: set maxMemoryMiB, or a memory limit of at least 455Mi)');
    expect(() => new Redis(chart, 'Dflt2', { resources: Resources.of({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '455Mi' }), name: 'dflt2' })).not.toThrow();
    expect(() => new Redis(chart, 'Dflt3', { resources: Resources.of({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '454Mi' }), name: 'dflt3' })).toThrow(/at most 191 .* at least 455Mi\) \(Redis "test\/Dflt3"\)$/);
    // a value the code gave is not called the default
    expect(() => new Redis(chart, 'Dflt4', { resources: old, maxMemoryMiB: 192, name: 'dflt4' })).toThrow(/raise resources\.memoryLimit \(Redis "test\/Dflt4"\)$/);
    // the limit it names takes the value, and one MiB less does not, for every maxMemoryMiB a Redis may have
    for (let m = 16; m <= 4096; m++) {
      expect(largestMaxMemoryMiB(`${smallestMemoryLimitMiB(m)}Mi`)).toBeGreaterThanOrEqual(m);
      expect(largestMaxMemoryMiB(`${smallestMemoryLimitMiB(m) - 1}Mi`)).toBeLessThan(m);
    }
    expect(() => new Redis(chart, 'C', { maxMemoryMiB: 8 })).toThrow('invalid maxMemoryMiB 8: must be an integer of at least 16');
    expect(() => new Redis(chart, 'D', { storageSize: 'lots' })).toThrow(/invalid storageSize "lots"/);
    // a claim of no storage is refused by the API server (ValidatePersistentVolumeClaimSpec: see the Postgres test)
    expect(() => new Redis(chart, 'D0', { storageSize: '0Gi' })).toThrow('invalid storageSize "0Gi": must be a Kubernetes quantity above zero');
    // the API server refuses a claim's storageClassName unless it is a DNS-1123 subdomain (kubernetes/kubernetes
    // pkg/apis/core/validation/validation.go ValidatePersistentVolumeClaimSpec, through ValidateClassName)
    expect(() => new Redis(chart, 'E', { name: 'e', storageClassName: 'Fast SSD' }))
      .toThrow(new Error('invalid storageClassName "Fast SSD": must be a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels (Redis "test/E")'));
  });

  test('refuses a prop it does not have, suggesting the one meant, where JavaScript would drop it silently', () => {
    const props = { storagesize: '5Gi' } as unknown as RedisProps;
    expect(() => new Redis(testChart('cache'), 'R', props)).toThrow(new Error('invalid storagesize "5Gi": Redis has no prop "storagesize" ' +
      '(did you mean "storageSize"?); its props are name, namespace, image, storageSize, storageClassName, maxMemoryMiB, maxMemoryPolicy, resources (Redis "test/R")'));
    // one far from every prop gets no suggestion
    expect(() => new Redis(testChart('cache'), 'R', { replicas: 3 } as unknown as RedisProps))
      .toThrow(/^invalid replicas 3: Redis has no prop "replicas"; its props are name,/);
  });

  test('refuses props that are no object in one line, where null had thrown a TypeError (JavaScript callers)', () => {
    const allowed = 'must be an object of RedisProps, e.g. { namespace: "cache" }';
    expect(refusal(() => new Redis(testChart('cache'), 'R', null as unknown as RedisProps))).toBe(`invalid props null: ${allowed} (Redis "test/R")`);
    // a string had been refused for its characters, as props "0", "1", ...
    expect(refusal(() => new Redis(testChart('cache'), 'R', 'cache' as unknown as RedisProps))).toBe(`invalid props "cache": ${allowed} (Redis "test/R")`);
    // undefined takes the defaults
    const chart = testChart('cache');
    new Redis(chart, 'R', undefined);
    expect(find(synth(chart), 'StatefulSet', 'redis').metadata.namespace).toBe('cache');
  });
});

describe('ExternalRedis', () => {
  const password = () => Secret.fromSecretName(testChart(), 'P', 'valkey').key('password');

  test('defaults to TLS on 6379 without a user', () => {
    const redis = new ExternalRedis(testChart(), 'R', { host: 'valkey.example.com', password: password() });
    expect(redis).toMatchObject({ host: 'valkey.example.com', port: 6379, tls: true, username: undefined });
  });

  test('fails on bad props', () => {
    const chart = testChart();
    expect(() => new ExternalRedis(chart, 'A', { host: 'rediss://x', password: password() })).toThrow(/invalid host "rediss:\/\/x"/);
    expect(() => new ExternalRedis(chart, 'B', { host: 'x.example.com', port: 0, password: password() })).toThrow(/invalid port 0/);
    expect(() => new ExternalRedis(chart, 'C', { host: 'x.example.com', username: 'a b', password: password() }))
      .toThrow('invalid username "a b": must be a URL-safe ACL user name: letters, digits, ".", "_" or "-"');
    expect(() => new ExternalRedis(chart, 'D', { host: 'x.example.com', tls: false, caCertificate: password(), password: password() }))
      .toThrow(/invalid caCertificate "test\/valkey#password": needs tls: true/);
  });
});
