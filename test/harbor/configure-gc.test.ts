import { configureHarness } from './configure-run';

// lib/harbor/configure.js's garbage collection schedule (applyGc; lib/harbor/garbage-collection.ts says why) against the fake Harbor,
// whose /system/gc/schedule follows goharbor/harbor v2.15.1 src/server/v2.0/handler/gc.go (test/harbor/fake-harbor.ts
// cites the lines): 200 without a body when there is none, POST 201 and PUT 200 both deleting any schedule and saving a
// new one with core's _REDIS_URL_REG of the moment (gc.go:87), None deleting it.

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
const WEEKLY = { schedule: 'Weekly', cron: '0 0 0 * * 0', deleteUntagged: false, workers: 1, captures: 'core http://harbor-core:80, registry cache redis://harbor-redis:6379/2' };

function config(gc: unknown = WEEKLY): any {
  return { registries: [], projects: [{ name: 'apps', public: false, registry: null, storageLimit: -1, metadata: {} }], robots: [], ...(gc === null ? {} : { gc }) };
}

const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: {} });
const run = (cfg: unknown, env?: Record<string, string>) => configure.run(cfg, env);
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const gcWrites = () => configure.harbor.requests.filter((r) => r.method !== 'GET' && r.path === '/api/v2.0/system/gc/schedule')
  .map((r) => ({ method: r.method, body: r.body }));
const WEEKLY_BODY = { schedule: { type: 'Weekly', cron: '0 0 0 * * 0' }, parameters: { delete_untagged: false, delete_tag: true, workers: 1, dry_run: false } };

describe('the garbage collection schedule', () => {
  test('the first run creates it (POST), the next saves it again (PUT), with core\'s registry cache URL of the moment', async () => {
    const first = await run(config());
    expect(first.code).toBe(0);
    expect(gcWrites()).toEqual([{ method: 'POST', body: WEEKLY_BODY }]);
    expect(lines(first.stdout)).toContain('gc: saved Weekly 0 0 0 * * 0 {"delete_untagged":false,"delete_tag":true,"workers":1,"dry_run":false} ' +
      '(was none), with core http://harbor-core:80, registry cache redis://harbor-redis:6379/2');
    expect(configure.harbor.gcSchedule).toMatchObject({ type: 'Weekly', cron: '0 0 0 * * 0', extraAttrs: { delete_untagged: false, delete_tag: true, workers: 1 }, dryRun: false });
    expect(configure.harbor.gcSchedule!.redisUrlReg).toContain('first-password');

    // the registry cache's password rotated: core has the new URL, the saved schedule still the old one, which the
    // GET does not show; the Job, run again by the rotation (lib/harbor/configure-job.ts), saves it anew
    configure.harbor.coreRedisUrlReg = 'redis://:second-password@harbor-redis:6379/2?idle_timeout_seconds=30';
    const second = await run(config());
    expect(second.code).toBe(0);
    expect(gcWrites()).toEqual([{ method: 'POST', body: WEEKLY_BODY }, { method: 'PUT', body: WEEKLY_BODY }]);
    expect(lines(second.stdout)).toContain('gc: saved Weekly 0 0 0 * * 0 {"delete_untagged":false,"delete_tag":true,"workers":1,"dry_run":false} ' +
      '(was Weekly 0 0 0 * * 0 {"delete_untagged":false,"delete_tag":true,"workers":1}), with core http://harbor-core:80, registry cache redis://harbor-redis:6379/2');
    expect(configure.harbor.gcSchedule!.redisUrlReg).toContain('second-password');
  });

  test('a changed schedule, or one set in the portal by hand, is replaced (PUT), saying what it was', async () => {
    configure.harbor.gcSchedule = {
      id: 99, type: 'Daily', cron: '0 0 0 * * *', extraAttrs: { delete_untagged: true, delete_tag: false, workers: 4 }, dryRun: false, redisUrlReg: 'redis://old',
    };
    const custom = { ...WEEKLY, schedule: 'Custom', cron: '0 30 2 * * 6', deleteUntagged: true, workers: 3, captures: '' };
    const result = await run(config(custom));
    expect(result.code).toBe(0);
    expect(gcWrites()).toEqual([{
      method: 'PUT',
      body: { schedule: { type: 'Custom', cron: '0 30 2 * * 6' }, parameters: { delete_untagged: true, delete_tag: true, workers: 3, dry_run: false } },
    }]);
    expect(lines(result.stdout)).toContain('gc: saved Custom 0 30 2 * * 6 {"delete_untagged":true,"delete_tag":true,"workers":3,"dry_run":false} ' +
      '(was Daily 0 0 0 * * * {"delete_untagged":true,"delete_tag":false,"workers":4}), with ');
    expect(configure.harbor.gcSchedule).toMatchObject({ type: 'Custom', cron: '0 30 2 * * 6', extraAttrs: { delete_untagged: true, delete_tag: true, workers: 3 } });
  });

  test('None removes a schedule (PUT type None), and writes nothing when there is none; no gc leaves Harbor\'s alone', async () => {
    expect((await run(config())).code).toBe(0);
    const removed = await run(config({ schedule: 'None' }));
    expect(removed.code).toBe(0);
    expect(gcWrites().at(-1)).toEqual({ method: 'PUT', body: { schedule: { type: 'None' } } });
    expect(lines(removed.stdout)).toContain('gc: removed (was Weekly 0 0 0 * * 0 {"delete_untagged":false,"delete_tag":true,"workers":1})');
    expect(configure.harbor.gcSchedule).toBeUndefined();
    const again = await run(config({ schedule: 'None' }));
    expect(again.code).toBe(0);
    expect(lines(again.stdout)).toContain('gc: none');
    expect(gcWrites()).toHaveLength(2);
    // unmanaged (no "gc"): a schedule set by hand stays, unread
    expect((await run(config())).code).toBe(0);
    const before = configure.harbor.requests.length;
    expect((await run(config(null))).code).toBe(0);
    expect(configure.harbor.requests.slice(before).filter((r) => r.path.startsWith('/api/v2.0/system/gc'))).toEqual([]);
    expect(configure.harbor.gcSchedule).toBeDefined();
  });

  // src/pkg/scheduler/scheduler.go:180-192: the save submits the periodic job to jobservice, a 500 while it is down
  test('waits for jobservice before saving; one that stays down fails the gc item alone, naming it', async () => {
    configure.harbor.jobserviceDownFor = 2;
    const waited = await run(config());
    expect({ code: waited.code, stderr: waited.stderr }).toEqual({ code: 0, stderr: '' });
    expect(waited.stdout.match(/gc: waiting for jobservice before creating it/g)).toHaveLength(1);
    expect(waited.stdout).toContain('and Harbor schedules gc runs on it');
    expect(configure.harbor.gcSchedule).toBeDefined();

    configure.harbor.gcSchedule = undefined;
    configure.harbor.jobserviceDownFor = Infinity;
    const failed = await run(config(), { HARBOR_WAIT_SECONDS: '1' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('error: gc: not created: Harbor\'s jobservice is unhealthy');
    expect(failed.stderr).toContain('1 of 2 items not applied: gc (failed)');
    expect(configure.harbor.project('apps')).toBeDefined();
    expect(gcWrites()).toHaveLength(1);
  });

  test('a schedule Harbor refuses fails the gc item alone, quoting Harbor', async () => {
    configure.harbor.failNext('POST', /^\/api\/v2\.0\/system\/gc\/schedule$/, 400, 1, {
      body: JSON.stringify({ errors: [{ code: 'BAD_REQUEST', message: 'invalid cron string for scheduled gc: 0 0 0 * * 0' }] }),
    });
    const result = await run(config());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: gc: POST /api/v2.0/system/gc/schedule answered 400');
    expect(result.stderr).toContain('invalid cron string for scheduled gc');
    expect(result.stderr).toContain('1 of 2 items not applied: gc (failed)');
    expect(configure.harbor.project('apps')).toBeDefined();
  });

  // Harbor refuses a bad cron or workers itself with a 400 (gc.go:133-165), which the fake mimics
  test.each([
    [{ ...WEEKLY, when: 'weekly' }, 'gc: unknown field "when" (allowed: schedule, cron, deleteUntagged, workers, captures)'],
    [{ ...WEEKLY, schedule: 'Manual' }, 'gc: schedule must be one of Hourly,Daily,Weekly,Custom,None'],
    [{ ...WEEKLY, workers: '2' }, 'gc: field "workers" must be an integer, got "2"'],
  ])('refuses the gc %j before any request', async (gc, message) => {
    const result = await run(config(gc));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(configure.harbor.requests).toEqual([]);
  });

  test.each([
    [{ ...WEEKLY, cron: '0 0 * * 0' }, 'invalid cron string for scheduled gc: 0 0 * * 0'],
    [{ ...WEEKLY, workers: 11 }, 'Invalid number of workers:11'],
  ])('a gc Harbor refuses, %j, fails its item alone', async (gc, message) => {
    const result = await run(config(gc));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('1 of 2 items not applied: gc (failed)');
  });
});
