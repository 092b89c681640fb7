import { ExternalRedis, HarborGarbageCollection, IRedis, Redis, RedisMaxMemoryPolicy, Secret, SecretKey } from '../../lib';
import { withDigests } from '../../lib/core/checksum';
import { sha256 } from '../../lib/core/hash';
import { container, envOf, find, refusal, synth, testChart } from '../util';
import { inClusterHarbor, managedHarbor } from './fixtures';

// The garbage collection schedule in code (lib/harbor/garbage-collection.ts): what the synth refuses, and what the
// first configure Job is given. configure-gc.test.ts runs the script against the fake Harbor.

const jobs = (objects: any[]) => objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
/** The first configure Job's config.json (a Harbor of one chunk). */
function state(objects: any[]): any {
  const [job] = jobs(objects);
  return JSON.parse(find(objects, 'ConfigMap', job.spec.template.spec.volumes[0].projected.sources[1].configMap.name).data['config.json']);
}
const keyOf = (key: SecretKey) => `${key.secret.namespace}/${key.secret.secretName}/${key.key}`;
const CAPTURES = 'core http://harbor-core:80, jobs redis://redis.default.svc.cluster.local:6379/1, ' +
  'registry cache redis://redis.default.svc.cluster.local:6379/2';

describe('the schedule the configure Job saves', () => {
  // the default: weekly as Harbor's portal's preset (goharbor/harbor v2.15.1 src/portal/src/app/base/left-side-nav/
  // clearing-job/gc-page/gc/gc.component.ts:275-291), untagged kept and 1 worker as the portal's defaults (:148-151)
  test('by default weekly, Sundays at 00:00, as the portal shows "Weekly", untagged artifacts kept, 1 worker', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const gc = state(synth(chart)).gc;
    expect(gc).toEqual({ schedule: 'Weekly', cron: '0 0 0 * * 0', deleteUntagged: false, workers: 1, captures: expect.any(String) });
    // a digest of what the schedule keeps, not the addresses: the Job dials none of them
    const hostOf = JSON.stringify(synth(chart)).match(/redis\.[a-z.-]+svc[a-z.]*/)![0];
    expect(gc.captures).toBe(`sha256:${sha256(CAPTURES.replace(/redis\.default\.svc\.cluster\.local/g, hostOf)).slice(0, 16)}`);
  });

  // what the schedule keeps is the URL core (`_REDIS_URL_REG`) and jobservice (`JOB_SERVICE_POOL_REDIS_URL`) are
  // given, which Harbor saves with it (src/server/v2.0/handler/gc.go:87): one writer, `redisUrl`, makes both, so the
  // description is theirs without the password and the query, user name escaped alike
  test('describes the Redis URLs core and jobservice are given, user, TLS and escaping included, without the password', () => {
    const described = (objects: any[]) => {
      const url = (deployment: string, name: string) => envOf(container(find(objects, 'Deployment', deployment)))[name].value
        .replace(/:\$\([A-Z_]+\)@/, '@').replace(/\?.*$/, '');
      return `core http://harbor-core:80, jobs ${url('harbor-jobservice', 'JOB_SERVICE_POOL_REDIS_URL')}, registry cache ${url('harbor-core', '_REDIS_URL_REG')}`;
    };
    const chart = testChart('harbor');
    managedHarbor(chart);
    const objects = synth(chart);
    expect(described(objects)).toBe('core http://harbor-core:80, jobs rediss://default@private-valkey.example.com:25061/1, ' +
      'registry cache rediss://default@private-valkey.example.com:25061/2');
    expect(state(objects).gc.captures).toBe(`sha256:${sha256(described(objects)).slice(0, 16)}`);
    // an IRedis of any code, whose user name only the URL's writer escapes
    const custom = testChart('harbor');
    const registryCache: IRedis = {
      host: 'cache.example.com', port: 6380, tls: false, username: 'team/ci:rw@x', grantConnect: () => undefined,
      password: Secret.fromSecretName(custom, 'CachePw', 'cache-pw').key('password'),
    };
    managedHarbor(custom, { registryCache });
    const customObjects = synth(custom);
    expect(described(customObjects)).toContain('registry cache redis://team%2Fci%3Arw%40x@cache.example.com:6380/2');
    expect(state(customObjects).gc.captures).toBe(`sha256:${sha256(described(customObjects)).slice(0, 16)}`);
  });

  // the schedule keeps _REDIS_URL_REG with its query (src/server/v2.0/handler/gc.go:87), and the run opens its client
  // with the pool options there (src/jobservice/job/impl/gc/garbage_collection.go:499-506, src/lib/cache/redis/redis.go
  // New :149-159, :188 redis.ParseURL), but scans and deletes one key at a time (src/jobservice/job/impl/gc/util.go:26-39):
  // a pool size the budget changes later sizes nothing the run uses, so it does not run the first Job again
  test('leaves out the URL\'s query: a pool size changed by the budget is not a change of what the schedule keeps', () => {
    const build = (maxClients?: number) => {
      const chart = testChart('harbor');
      managedHarbor(chart, { redis: new ExternalRedis(chart, 'Limited', {
        host: 'private-valkey.example.com', port: 25061, username: 'default', maxClients,
        password: Secret.fromSecretName(chart, 'ValkeyPw', 'harbor-valkey').key('password'),
      }) });
      const objects = synth(chart);
      return { url: envOf(container(find(objects, 'Deployment', 'harbor-core')))._REDIS_URL_REG.value, captures: state(objects).gc.captures };
    };
    const [unlimited, limited] = [build(), build(1000)];
    expect(unlimited.url).toMatch(/\/2\?idle_timeout_seconds=30$/);
    expect(limited.url).toMatch(/\/2\?idle_timeout_seconds=30&pool_size=\d+&max_active_conns=\d+$/);
    expect(limited.captures).toBe(unlimited.captures);
  });

  test('daily, a cron (Custom unless a preset), and options; none removes, unmanaged sends nothing', () => {
    const gcOf = (garbageCollection: HarborGarbageCollection) => {
      const chart = testChart('harbor');
      inClusterHarbor(chart, { garbageCollection });
      const { captures, ...rest } = state(synth(chart)).gc ?? { captures: undefined };
      return rest;
    };
    expect(gcOf(HarborGarbageCollection.daily({ workers: 3 }))).toEqual({ schedule: 'Daily', cron: '0 0 0 * * *', deleteUntagged: false, workers: 3 });
    expect(gcOf(HarborGarbageCollection.cron('0 30 2 * * sat', { deleteUntagged: true })))
      .toEqual({ schedule: 'Custom', cron: '0 30 2 * * sat', deleteUntagged: true, workers: 1 });
    expect(gcOf(HarborGarbageCollection.cron('0 0 * * * *'))).toEqual({ schedule: 'Hourly', cron: '0 0 * * * *', deleteUntagged: false, workers: 1 });
    expect(gcOf(HarborGarbageCollection.none())).toEqual({ schedule: 'None' });
    const chart = testChart('harbor');
    inClusterHarbor(chart, { garbageCollection: HarborGarbageCollection.unmanaged() });
    expect(state(synth(chart)).gc).toBeUndefined();
  });

  test('crons Harbor takes: lists, ranges, steps, names, "?"', () => {
    for (const cron of ['0 0 3 * * 6', '0 */15 1-5 ? jan-mar mon,wed,fri', '0 0 0 1/2 * *', '0 5,35 0-23/2 1-31 1-12 0-6', '0 0 0 * * SUN']) {
      expect(HarborGarbageCollection.cron(cron).cron).toBe(cron);
    }
  });

  // goharbor/harbor v2.15.1 src/common/utils/utils.go:295-313 (6 fields, the first 0), robfig/cron v3.0.1 parser.go:236-318
  // and spec.go:20-49 (each field's syntax and bounds)
  test.each([
    ['0 3 * * 6', 'must be a cron of 6 fields'],
    ['0 0 3 * * 6 *', 'must be a cron of 6 fields'],
    ['0  0 3 * * 6', 'must be a cron of 6 fields'],
    [' 0 0 3 * * 6', 'must be a cron of 6 fields'],
    ['@weekly', 'must be a cron of 6 fields'],
    ['30 0 3 * * 6', 'Harbor refuses any other second than 0'],
    ['0 60 3 * * 6', 'its minute field "60" goes outside 0 to 59'],
    ['0 0 24 * * 6', 'its hour field "24" goes outside 0 to 23'],
    ['0 0 3 0 * *', 'its day of month field "0" goes outside 1 to 31'],
    ['0 0 3 * 13 *', 'its month field "13" goes outside 1 to 12'],
    ['0 0 3 * * 7', 'its day of week field "7" goes outside 0 to 6'],
    ['0 0 3 * * sunday', 'its day of week field "sunday" must hold numbers from 0 to 6 or a name (sun...)'],
    ['0 0 5-3 * * *', 'has a range that ends before it starts, "5-3"'],
    ['0 */0 * * * *', 'has a step that is not a positive number in "*/0"'],
    ['0 1/2/3 * * * *', 'has two "/" in "1/2/3"'],
    ['0 1-2-3 * * * *', 'has two "-" in "1-2-3"'],
    ['0 1,,2 * * * *', 'must hold numbers from 0 to 59'],
  ])('refuses the cron %j in one line naming it', (cron, why) => {
    const message = refusal(() => HarborGarbageCollection.cron(cron));
    expect(message).toContain(`invalid garbageCollection.cron ${JSON.stringify(cron)}: must be a cron of 6 fields separated by single spaces`);
    expect(message).toContain(why);
  });

  test('refuses workers outside 1 to 10, a deleteUntagged that is no boolean, an unknown option, and a prop of another kind', () => {
    expect(refusal(() => HarborGarbageCollection.weekly({ workers: 0 }))).toBe('invalid garbageCollection.workers 0: must be an integer from 1 to 10');
    expect(refusal(() => HarborGarbageCollection.weekly({ workers: 11 }))).toBe('invalid garbageCollection.workers 11: must be an integer from 1 to 10');
    expect(refusal(() => HarborGarbageCollection.daily({ workers: 1.5 }))).toBe('invalid garbageCollection.workers 1.5: must be an integer from 1 to 10');
    expect(refusal(() => HarborGarbageCollection.cron('0 0 3 * * 6', { deleteUntagged: 'yes' as any })))
      .toBe('invalid garbageCollection.deleteUntagged "yes": must be true or false');
    expect(refusal(() => HarborGarbageCollection.weekly({ deleteUntaged: true } as any)))
      .toBe('invalid deleteUntaged true: garbageCollection options has no prop "deleteUntaged" (did you mean "deleteUntagged"?); its props are deleteUntagged, workers');
    const chart = testChart('harbor');
    expect(refusal(() => inClusterHarbor(chart, { garbageCollection: { cron: '0 0 0 * * 0' } as any })))
      .toContain('invalid garbageCollection {"cron":"0 0 0 * * 0"}: must be a HarborGarbageCollection');
  });
});

// Harbor keeps the registry cache's URL, password included, with a saved schedule (src/server/v2.0/handler/gc.go:87,
// src/controller/gc/callback.go:46-52): the first Job must run again when they change, and it alone
describe('what the schedule keeps runs the first Job again', () => {
  const build = (options: { separateCache?: boolean; gc?: HarborGarbageCollection; rotated?: boolean } = {}) => {
    const chart = testChart('harbor');
    const registryCache = options.separateCache
      ? new Redis(chart, 'RegistryCache', { name: 'registry-cache', maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU }) : undefined;
    const harbor = inClusterHarbor(chart, { registryCache, garbageCollection: options.gc });
    harbor.addProject('apps');
    const redis = (registryCache ?? chart.node.findChild('Redis')) as Redis;
    const cacheKey = keyOf(redis.password);
    return withDigests(chart, (key) => (key === cacheKey && options.rotated ? 'rotated' : `digest-of-${key}`), () => synth(chart));
  };
  const names = (objects: any[]) => jobs(objects).map((j) => j.metadata.name);

  test('a rotation of the registry cache\'s password, whose value no Job reads', () => {
    const [before, after] = [build(), build({ rotated: true })];
    expect(names(after)).not.toEqual(names(before));
    // the Job only digests it: no variable names the Redis Secret
    const env = JSON.stringify(jobs(after)[0].spec.template.spec.containers[0].env);
    expect(env).not.toContain('redis');
    // unmanaged or none, the Job has nothing to save again, and None keeps no URL
    for (const gc of [HarborGarbageCollection.unmanaged(), HarborGarbageCollection.none()]) {
      expect(names(build({ gc, rotated: true }))).toEqual(names(build({ gc })));
    }
    expect(state(build({ gc: HarborGarbageCollection.none() })).gc).toEqual({ schedule: 'None' });
  });

  test('a move of the registry cache to a server of its own, and a change of the schedule', () => {
    const base = build();
    const moved = build({ separateCache: true });
    expect(state(moved).gc.captures).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(state(moved).gc.captures).not.toBe(state(base).gc.captures);
    expect(names(moved)).not.toEqual(names(base));
    expect(names(build({ gc: HarborGarbageCollection.daily() }))).not.toEqual(names(base));
    expect(names(build({ gc: HarborGarbageCollection.weekly() }))).toEqual(names(base));
  });
});
