import { checkInteger, checkKnownProps, checkList, invalid } from '../core';
import { checkHarborCron, PRESETS, scheduleType } from './garbage-collection';

/**
 * The audit event types Harbor's purge takes (goharbor/harbor v2.15.1 src/pkg/auditext/model/model.go:49-64), and
 * `other`, every type but the first three (:23, :66-67), as its portal's Log Rotation offers them
 * (src/portal/src/app/base/left-side-nav/clearing-job/clearing-job-interfact.ts:19-23, set-job.component.ts:92-121).
 */
export const HARBOR_AUDIT_EVENT_TYPES: readonly string[] = [
  'create_artifact', 'delete_artifact', 'pull_artifact', 'create_project', 'delete_project', 'delete_repository', 'login_user',
  'logout_user', 'create_user', 'delete_user', 'update_user', 'create_robot', 'delete_robot', 'update_configuration', 'other',
];

/** Options of an audit log purge schedule (`HarborAuditLogRetention.daily`, `.weekly`, `.cron`). */
export interface HarborAuditLogRetentionOptions {
  /**
   * Days an audit record is kept before the purge deletes it, 1 to 10000 (the portal's limit, set-job.component.ts:41;
   * the API's is 240000 hours, src/common/const.go:221). Harbor's job purges nothing for 0 (src/jobservice/job/impl/purge/purge.go:104-107).
   *
   * @default 90
   */
  readonly keepDays?: number;
  /**
   * The event types the purge deletes (`HARBOR_AUDIT_EVENT_TYPES`): `pull_artifact`, `create_artifact`,
   * `delete_artifact`, a type of the rest, or `other` for all the rest. Harbor drops a type it does not know without a
   * word (src/pkg/auditext/dao/dao.go:193-207), so each is checked here.
   *
   * @default ["pull_artifact"]: pulls, the bulk of the log (every build pod's and node's), while pushes, deletions,
   *   logins, robot and configuration changes, few and the evidence of who changed what, are kept
   */
  readonly eventTypes?: readonly string[];
}

/**
 * When Harbor purges its audit log, which otherwise grows with every pull (`pull_audit_log_disable` is false by
 * default, goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:184): the schedule of Administration,
 * Clean Up, Log Rotation, which the configuration Job of the first chunk saves (lib/harbor/configure.js
 * `applyAuditPurge`) on every run, as it does garbage collection's, replacing one set in the portal. Harbor deletes the
 * records older than `keepDays` of the `eventTypes` (src/pkg/auditext/dao/dao.go:141-170).
 */
export class HarborAuditLogRetention {
  /** Every day at 00:00 in jobservice's time zone (UTC): the portal's "Daily" preset. */
  public static daily(options: HarborAuditLogRetentionOptions = {}): HarborAuditLogRetention {
    return new HarborAuditLogRetention(PRESETS[1][1], options);
  }

  /** Every Sunday at 00:00 in jobservice's time zone (UTC): the portal's "Weekly" preset. */
  public static weekly(options: HarborAuditLogRetentionOptions = {}): HarborAuditLogRetention {
    return new HarborAuditLogRetention(PRESETS[2][1], options);
  }

  /** On Harbor's 6-field cron `expression` (see `HarborGarbageCollection.cron`), in UTC. */
  public static cron(expression: string, options: HarborAuditLogRetentionOptions = {}): HarborAuditLogRetention {
    return new HarborAuditLogRetention(checkHarborCron('auditLogRetention.cron', expression), options);
  }

  /** No schedule: the Job removes any, one set in the portal included. The audit log then grows for good. */
  public static none(): HarborAuditLogRetention {
    return new HarborAuditLogRetention(undefined, {});
  }

  /** The schedule is not managed: whatever is set in Harbor's portal stays. */
  public static unmanaged(): HarborAuditLogRetention {
    return new HarborAuditLogRetention(undefined, {}, false);
  }

  /** The cron Harbor purges on, or undefined for none (or unmanaged). */
  public readonly cron?: string;
  /** Days an audit record is kept. */
  public readonly keepDays: number;
  /** The event types purged. */
  public readonly eventTypes: readonly string[];
  /** Whether the configuration Job sets the schedule. */
  public readonly managed: boolean;

  private constructor(cron: string | undefined, options: HarborAuditLogRetentionOptions, managed = true) {
    checkKnownProps('auditLogRetention options', options, ['keepDays', 'eventTypes']);
    this.cron = cron;
    this.keepDays = checkInteger('auditLogRetention.keepDays', options.keepDays ?? 90, 1, 10000);
    const types = checkList('auditLogRetention.eventTypes', options.eventTypes ?? ['pull_artifact'], 'event types');
    if (types.length === 0) {
      invalid('auditLogRetention.eventTypes', types, 'must name at least one event type: Harbor purges nothing without one (use .none() for no purge)');
    }
    for (const type of types) {
      if (!HARBOR_AUDIT_EVENT_TYPES.includes(type)) {
        invalid('auditLogRetention.eventTypes', type, `must be one of ${HARBOR_AUDIT_EVENT_TYPES.join(', ')}`);
      }
    }
    this.eventTypes = [...new Set(types)];
    this.managed = managed;
  }

  /**
   * What the configuration Job applies (`audit` in its config.json), or undefined when unmanaged.
   *
   * @internal
   */
  public _state(): object | undefined {
    if (!this.managed) return undefined;
    if (this.cron === undefined) return { schedule: 'None' };
    return { schedule: scheduleType(this.cron), cron: this.cron, retentionHours: this.keepDays * 24, eventTypes: this.eventTypes.join(',') };
  }
}
