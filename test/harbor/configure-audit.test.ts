import { configureHarness } from './configure-run';

// lib/harbor/configure.js's audit log purge schedule (applyAuditPurge; lib/harbor/audit-log-retention.ts says why)
// against the fake Harbor, whose /system/purgeaudit/schedule follows goharbor/harbor v2.15.1
// src/server/v2.0/handler/purge.go (test/harbor/fake-harbor.ts cites the lines): 200 without a body when there is none,
// POST 201 and PUT 200 both replacing any schedule, and both refusing parameters without audit_retention_hour or
// include_event_types, None included (:302-319).

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
const DAILY = { schedule: 'Daily', cron: '0 0 0 * * *', retentionHours: 2160, eventTypes: 'pull_artifact' };

function config(audit: unknown = DAILY): any {
  return { registries: [], projects: [{ name: 'apps', public: false, registry: null, storageLimit: -1, metadata: {} }], robots: [], ...(audit === null ? {} : { audit }) };
}

const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: {} });
const run = (cfg: unknown, env?: Record<string, string>) => configure.run(cfg, env);
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const writes = () => configure.harbor.requests.filter((r) => r.method !== 'GET' && r.path === '/api/v2.0/system/purgeaudit/schedule')
  .map((r) => ({ method: r.method, body: r.body }));
// what Harbor's portal sends for 90 days of pulls (set-job.component.ts:220-240): hours, the types joined by ","
const DAILY_BODY = { schedule: { type: 'Daily', cron: '0 0 0 * * *' }, parameters: { audit_retention_hour: 2160, include_event_types: 'pull_artifact', dry_run: false } };

describe('the audit log purge schedule', () => {
  test('the first run creates it (POST), the next saves it again (PUT)', async () => {
    const first = await run(config());
    expect(first.code).toBe(0);
    expect(writes()).toEqual([{ method: 'POST', body: DAILY_BODY }]);
    expect(lines(first.stdout)).toContain('audit: purge saved Daily 0 0 0 * * * {"audit_retention_hour":2160,"include_event_types":"pull_artifact","dry_run":false} (was none)');
    expect(configure.harbor.purgeSchedule).toMatchObject({ type: 'Daily', cron: '0 0 0 * * *', extraAttrs: DAILY_BODY.parameters });
    const second = await run(config());
    expect(second.code).toBe(0);
    expect(writes()).toEqual([{ method: 'POST', body: DAILY_BODY }, { method: 'PUT', body: DAILY_BODY }]);
    expect(lines(second.stdout)).toContain('audit: purge saved Daily 0 0 0 * * * {"audit_retention_hour":2160,"include_event_types":"pull_artifact","dry_run":false} ' +
      '(was Daily 0 0 0 * * * {"audit_retention_hour":2160,"dry_run":false,"include_event_types":"pull_artifact"})');
  });

  test('one set in the portal is replaced (PUT), saying what it was', async () => {
    configure.harbor.purgeSchedule = { id: 7, type: 'Weekly', cron: '0 0 0 * * 0', extraAttrs: { audit_retention_hour: 24, dry_run: false, include_event_types: 'create_artifact,other' } };
    const result = await run(config({ ...DAILY, schedule: 'Custom', cron: '0 0 3 * * *', eventTypes: 'pull_artifact,other' }));
    expect(result.code).toBe(0);
    expect(writes()).toEqual([{ method: 'PUT', body: { schedule: { type: 'Custom', cron: '0 0 3 * * *' }, parameters: { ...DAILY_BODY.parameters, include_event_types: 'pull_artifact,other' } } }]);
    expect(result.stdout).toContain('(was Weekly 0 0 0 * * 0 {"audit_retention_hour":24,"dry_run":false,"include_event_types":"create_artifact,other"})');
  });

  test('None removes a schedule with the parameters Harbor requires even then, and writes nothing when there is none; no audit leaves Harbor\'s alone', async () => {
    expect((await run(config())).code).toBe(0);
    const removed = await run(config({ schedule: 'None' }));
    expect({ code: removed.code, stderr: removed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(writes().at(-1)).toEqual({ method: 'PUT', body: { schedule: { type: 'None' }, parameters: { audit_retention_hour: 0, include_event_types: '', dry_run: false } } });
    expect(lines(removed.stdout)).toContain('audit: purge removed (was Daily 0 0 0 * * * {"audit_retention_hour":2160,"dry_run":false,"include_event_types":"pull_artifact"})');
    expect(configure.harbor.purgeSchedule).toBeUndefined();
    const again = await run(config({ schedule: 'None' }));
    expect(lines(again.stdout)).toContain('audit: no purge');
    expect(writes()).toHaveLength(2);
    expect((await run(config())).code).toBe(0);
    const before = configure.harbor.requests.length;
    expect((await run(config(null))).code).toBe(0);
    expect(configure.harbor.requests.slice(before).filter((r) => r.path.startsWith('/api/v2.0/system/purgeaudit'))).toEqual([]);
    expect(configure.harbor.purgeSchedule).toBeDefined();
  });

  test('waits for jobservice before saving; a refusal fails the audit item alone, quoting Harbor', async () => {
    configure.harbor.jobserviceDownFor = 2;
    const waited = await run(config());
    expect({ code: waited.code, stderr: waited.stderr }).toEqual({ code: 0, stderr: '' });
    expect(waited.stdout).toContain('and Harbor schedules audit log purges on it');
    configure.harbor.failNext('PUT', /^\/api\/v2\.0\/system\/purgeaudit\/schedule$/, 400, 1, {
      body: JSON.stringify({ errors: [{ code: 'BAD_REQUEST', message: 'audit_retention_hour should be less than 240000' }] }),
    });
    const failed = await run(config());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('error: audit: PUT /api/v2.0/system/purgeaudit/schedule answered 400');
    expect(failed.stderr).toContain('1 of 2 items not applied: audit (failed)');
    expect(configure.harbor.project('apps')).toBeDefined();
  });

  test.each([
    [{ ...DAILY, days: 90 }, 'audit: unknown field "days" (allowed: schedule, cron, retentionHours, eventTypes)'],
    [{ ...DAILY, schedule: 'Manual' }, 'audit: schedule must be one of Hourly,Daily,Weekly,Custom,None'],
    [{ ...DAILY, retentionHours: '2160' }, 'audit: field "retentionHours" must be an integer, got "2160"'],
    [{ ...DAILY, eventTypes: ['pull_artifact'] }, 'audit: field "eventTypes" must be a string'],
  ])('refuses the audit %j before any request', async (audit, message) => {
    const result = await run(config(audit));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(configure.harbor.requests).toEqual([]);
  });
});
