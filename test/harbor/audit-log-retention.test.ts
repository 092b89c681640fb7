import { HarborAuditLogRetention } from '../../lib';
import { find, synth, testChart } from '../util';
import { inClusterHarbor } from './fixtures';

// The audit log purge schedule in code (lib/harbor/audit-log-retention.ts): what the synth refuses, and what the first
// configure Job is given. configure-audit.test.ts runs the script against the fake Harbor.

/** The first configure Job's config.json (a Harbor of one chunk). */
function state(objects: any[]): any {
  const [job] = objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
  return JSON.parse(find(objects, 'ConfigMap', job.spec.template.spec.volumes[0].projected.sources[1].configMap.name).data['config.json']);
}
const auditOf = (auditLogRetention?: HarborAuditLogRetention) => {
  const chart = testChart('harbor');
  inClusterHarbor(chart, auditLogRetention ? { auditLogRetention } : {});
  return state(synth(chart)).audit;
};
const failure = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('the audit log purge the configure Job saves', () => {
  // pull events are logged by default (goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:184) and are
  // the bulk; Harbor deletes rows older than audit_retention_hour of the types named (src/pkg/auditext/dao/dao.go:141-170)
  test('by default daily at 00:00 UTC, pull events older than 90 days, every other event kept', () => {
    expect(auditOf()).toEqual({ schedule: 'Daily', cron: '0 0 0 * * *', retentionHours: 2160, eventTypes: 'pull_artifact' });
  });

  test('weekly, a cron, days and types; none removes, unmanaged sends nothing', () => {
    expect(auditOf(HarborAuditLogRetention.weekly({ keepDays: 365, eventTypes: ['pull_artifact', 'other', 'pull_artifact'] })))
      .toEqual({ schedule: 'Weekly', cron: '0 0 0 * * 0', retentionHours: 8760, eventTypes: 'pull_artifact,other' });
    expect(auditOf(HarborAuditLogRetention.cron('0 0 3 * * *'))).toMatchObject({ schedule: 'Custom', cron: '0 0 3 * * *' });
    expect(auditOf(HarborAuditLogRetention.none())).toEqual({ schedule: 'None' });
    expect(auditOf(HarborAuditLogRetention.unmanaged())).toBeUndefined();
  });

  // Harbor drops a type it does not know without a word (src/pkg/auditext/dao/dao.go:193-207) and then purges nothing;
  // its job purges nothing for 0 hours (src/jobservice/job/impl/purge/purge.go:104-107); the portal takes at most 10000
  // days (src/portal/.../audit-log-purge/set-job/set-job.component.ts:41)
  test.each<[string, () => unknown, string]>([
    ['an unknown type', () => HarborAuditLogRetention.daily({ eventTypes: ['pull'] }), 'invalid auditLogRetention.eventTypes "pull": must be one of create_artifact, delete_artifact, pull_artifact,'],
    ['no type', () => HarborAuditLogRetention.daily({ eventTypes: [] }), 'invalid auditLogRetention.eventTypes []: must name at least one event type'],
    ['0 days', () => HarborAuditLogRetention.daily({ keepDays: 0 }), 'invalid auditLogRetention.keepDays 0: must be an integer from 1 to 10000'],
    ['10001 days', () => HarborAuditLogRetention.daily({ keepDays: 10001 }), 'invalid auditLogRetention.keepDays 10001'],
    ['a bad cron', () => HarborAuditLogRetention.cron('0 3 * * *'), 'invalid auditLogRetention.cron "0 3 * * *": must be a cron of 6 fields'],
    ['an unknown option', () => HarborAuditLogRetention.daily({ days: 3 } as any), 'days'],
    ['plain options', () => inClusterHarbor(testChart('harbor'), { auditLogRetention: { keepDays: 3 } as any }),
      'must be a HarborAuditLogRetention: HarborAuditLogRetention.daily(), .weekly(), .cron(expression), .none() or .unmanaged()'],
  ])('refuses %s in one line', (_what, f, message) => {
    const text = failure(f);
    expect(text).toContain(message);
    expect(text).not.toContain('\n');
  });
});
