import { checkBoolean, checkInteger, checkKnownProps, invalid } from '../core';
import { sha256 } from '../core/hash';
import { IRedis } from '../redis';
import { redisUrl } from '../redis/redis-ref';
import { componentUrl, HarborContext, REDIS_DB } from './context';

/** Options of a garbage collection schedule (`HarborGarbageCollection.weekly`, `.daily`, `.cron`). */
export interface HarborGarbageCollectionOptions {
  /**
   * Whether garbage collection also deletes untagged artifacts: an image pushed again under its tag leaves the old one
   * untagged, and only this frees its layers. Off, as in Harbor's portal (goharbor/harbor v2.15.1
   * src/portal/src/app/base/left-side-nav/clearing-job/gc-page/gc/gc.component.ts:148-151): an untagged artifact may
   * still be pulled by digest (a Deployment pinned to `image@sha256:...`), and deleting it breaks that pull.
   *
   * @default false
   */
  readonly deleteUntagged?: boolean;
  /**
   * How many workers delete blobs at once, 1 to 10, as Harbor takes (src/server/v2.0/handler/gc.go:292-297).
   *
   * @default 1, as in Harbor's portal
   */
  readonly workers?: number;
}

/** The cron of Harbor's portal's presets, by the schedule type it shows them as (gc.component.ts:275-291); Log Rotation shows the same. @internal */
export const PRESETS: ReadonlyArray<readonly [string, string]> = [['Hourly', '0 0 * * * *'], ['Daily', '0 0 0 * * *'], ['Weekly', '0 0 0 * * 0']];

/** One field of Harbor's cron: its name, its bounds and the names it takes (robfig/cron v3.0.1 spec.go:20-49). */
const CRON_FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: readonly string[] }> = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** The schedule type Harbor's portal shows for `cron`: Hourly, Daily, Weekly for its presets, Custom for any other. @internal */
export function scheduleType(cron: string): string {
  return PRESETS.find(([, preset]) => preset === cron)?.[0] ?? 'Custom';
}

const CRON_ALLOWED = 'must be a cron of 6 fields separated by single spaces, second minute hour day-of-month month day-of-week, ' +
  'with the second 0, e.g. "0 0 3 * * 6" (Saturdays at 03:00 in jobservice\'s time zone, UTC)';

/**
 * `expression` if Harbor takes it as a garbage collection schedule, else a `ValidationError` for `prop`. Harbor's
 * ValidateCronString (goharbor/harbor v2.15.1 src/common/utils/utils.go:295-313): robfig/cron v3's parser with
 * exactly six fields (Second | Minute | Hour | Dom | Month | Dow, no `@` descriptors, no `TZ=`), the first one `0`.
 * Each field is a comma-separated list of `*` or `?`, a number or name, or a range `a-b`, each with an optional
 * `/step` (robfig/cron v3.0.1 parser.go:236-318, bounds spec.go:20-49). Single spaces only: Harbor checks the
 * seconds on the expression split at each space, so with two spaces somewhere it would skip that check.
 */
export function checkHarborCron(prop: string, expression: string): string {
  if (typeof expression !== 'string' || expression.split(' ').length !== 6) {
    invalid(prop, expression, CRON_ALLOWED);
  }
  const fields = expression.split(' ');
  if (fields[0] !== '0') {
    invalid(prop, expression, `${CRON_ALLOWED}: Harbor refuses any other second than 0`);
  }
  fields.forEach((field, i) => {
    const problem = cronFieldProblem(field, CRON_FIELDS[i]);
    if (problem) {
      invalid(prop, expression, `${CRON_ALLOWED}; its ${CRON_FIELDS[i].name} field ${JSON.stringify(field)} ${problem}`);
    }
  });
  return expression;
}

/** What is wrong with one field of a cron, or undefined. */
function cronFieldProblem(field: string, spec: typeof CRON_FIELDS[number]): string | undefined {
  const bounds = `from ${spec.min} to ${spec.max}${spec.names ? ` or a name (${spec.names[0]}...)` : ''}`;
  const value = (text: string): number | undefined => {
    const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
    if (named >= 0) return named + (spec.name === 'month' ? 1 : 0);
    return /^[0-9]+$/.test(text) ? Number(text) : undefined;
  };
  if (field === '') return 'is empty';
  for (const part of field.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return `has two "/" in ${JSON.stringify(part)}`;
    if (step !== undefined && !(/^[0-9]+$/.test(step) && Number(step) > 0)) return `has a step that is not a positive number in ${JSON.stringify(part)}`;
    if (range === '*' || range === '?') continue;
    const ends = range.split('-');
    if (ends.length > 2) return `has two "-" in ${JSON.stringify(part)}`;
    const start = value(ends[0]);
    // "a/step" means a to the field's maximum (parser.go:293-296)
    const end = ends.length === 2 ? value(ends[1]) : step !== undefined ? spec.max : start;
    if (start === undefined || end === undefined) return `must hold numbers ${bounds}, "*", "?", "-", "/" and ","`;
    if (start < spec.min || end > spec.max) return `goes outside ${spec.min} to ${spec.max}`;
    if (start > end) return `has a range that ends before it starts, ${JSON.stringify(part)}`;
  }
  return undefined;
}

/**
 * When Harbor deletes what nothing references any more (blobs of deleted artifacts, and with `deleteUntagged` the
 * untagged artifacts) from its storage, and clears the registry's cache: until a garbage collection runs, the volume
 * or bucket only grows, and so does the registry's cache, whose keys have no TTL (goharbor/harbor v2.15.1
 * src/jobservice/job/impl/gc/garbage_collection.go:499-527).
 *
 * The configuration Job of the first chunk saves the schedule on every run (lib/harbor/configure.js `applyGc`), because
 * Harbor saves with it the policy every scheduled run starts from, and that policy holds what core's environment said
 * at the save: the registry cache's URL, password included (src/server/v2.0/handler/gc.go:87, kept as the callback's
 * parameters by src/pkg/scheduler/scheduler.go:119-123, started from by src/controller/gc/callback.go:46-52 and
 * controller.go:83); and core's URL, to which jobservice reports each run (src/pkg/task/task.go:82, :169), kept with
 * the periodic job in jobservice's Redis (src/jobservice/period/policy_store.go:31-40, basic_scheduler.go:94). Nothing
 * reads them again: after a rotation of that password or a move of the cache, each run deletes blobs and then fails to
 * clear the cache (garbage_collection.go:191-206), which keeps pointing at the deleted blobs. GET never shows the URL
 * (src/server/v2.0/handler/model/gc.go:113-124), so the Job cannot tell a stale one: it POSTs when there is no schedule
 * (201) and PUTs otherwise (200), and both delete any schedule and save it anew (gc.go:54-80, :156-165); None is a PUT
 * that deletes it (:118-119), sent only when there is one. A save submits the periodic job to jobservice within the
 * request, which answers 500 while jobservice is down (scheduler.go:180-192), so the Job waits for jobservice first, as
 * for a proxy cache. `delete_tag` is sent true: the job's own default (garbage_collection.go:134-138), which Harbor kept
 * when it made it an option (goharbor/harbor#22382); without it a deleted manifest's tags stay in storage.
 * `gcCaptures` and the Job's name make a change of those URLs run the Job again (`ConfigureJobs.setGarbageCollection`).
 *
 * Harbor's garbage collection does not block pushes or pulls: it marks each blob and skips one a push touched meanwhile,
 * and leaves alone blobs uploaded in the last 2 hours (garbage_collection.go:141-147, :326-336).
 */
export class HarborGarbageCollection {
  /**
   * Every Sunday at 00:00 in jobservice's time zone (UTC): Harbor's portal's "Weekly" preset, which it then shows as
   * such (`0 0 0 * * 0`).
   */
  public static weekly(options: HarborGarbageCollectionOptions = {}): HarborGarbageCollection {
    return new HarborGarbageCollection(PRESETS[2][1], options);
  }

  /** Every day at 00:00 in jobservice's time zone (UTC): the portal's "Daily" preset (`0 0 0 * * *`). */
  public static daily(options: HarborGarbageCollectionOptions = {}): HarborGarbageCollection {
    return new HarborGarbageCollection(PRESETS[1][1], options);
  }

  /**
   * On Harbor's 6-field cron `expression`, in jobservice's time zone (UTC): second (always 0), minute, hour, day of
   * month, month, day of week, e.g. `0 0 3 * * 6` for Saturdays at 03:00.
   */
  public static cron(expression: string, options: HarborGarbageCollectionOptions = {}): HarborGarbageCollection {
    return new HarborGarbageCollection(checkHarborCron('garbageCollection.cron', expression), options);
  }

  /** No schedule: the Job removes any, one set in Harbor's portal included. Storage then grows until a manual run. */
  public static none(): HarborGarbageCollection {
    return new HarborGarbageCollection(undefined, {});
  }

  /**
   * The schedule is not managed: whatever is set in Harbor's portal stays. A schedule saved there keeps the registry
   * cache's URL, password included, as it was then (see `HarborProps.garbageCollection`), so save it again there after
   * a rotation of that password or a move of `registryCache`.
   */
  public static unmanaged(): HarborGarbageCollection {
    return new HarborGarbageCollection(undefined, {}, false);
  }

  /** The cron Harbor runs it on, or undefined for none (or unmanaged). */
  public readonly cron?: string;
  /** Whether untagged artifacts are deleted too. */
  public readonly deleteUntagged: boolean;
  /** How many workers delete blobs at once. */
  public readonly workers: number;
  /** Whether the configuration Job sets the schedule. */
  public readonly managed: boolean;

  private constructor(cron: string | undefined, options: HarborGarbageCollectionOptions, managed = true) {
    checkKnownProps('garbageCollection options', options, ['deleteUntagged', 'workers']);
    this.cron = cron;
    this.deleteUntagged = checkBoolean('garbageCollection.deleteUntagged', options.deleteUntagged ?? false);
    this.workers = checkInteger('garbageCollection.workers', options.workers ?? 1, 1, 10);
    this.managed = managed;
  }

  /**
   * What the configuration Job applies (`gc` in its config.json), or undefined when unmanaged. `schedule` is the type
   * Harbor's portal shows for the cron (Hourly, Daily, Weekly for its presets, Custom for any other), or None.
   *
   * @internal
   */
  public _state(): object | undefined {
    if (!this.managed) return undefined;
    if (this.cron === undefined) return { schedule: 'None' };
    return { schedule: scheduleType(this.cron), cron: this.cron, deleteUntagged: this.deleteUntagged, workers: this.workers };
  }
}

/**
 * Where `server`'s database `db` is, as a Redis URL without the password: `redisUrl`'s, the one writer of Harbor's
 * Redis URLs, so the user name is escaped and the host checked as in core's `_REDIS_URL_REG`.
 */
function redisLocation(server: IRedis, db: number): string {
  return redisUrl(server, undefined, { database: db }).join('');
}

/**
 * What Harbor keeps with a saved garbage collection schedule and reads from nowhere else, described without the
 * password (which the Job's name digests instead): core's URL, to which jobservice reports each run; jobservice's
 * Redis, which holds the periodic job (a new server starts without it); and the registry cache's URL, which every run
 * clears. Without the URL's query, though the schedule keeps it and the run's client reads its pool options
 * (goharbor/harbor v2.15.1 src/lib/cache/redis/redis.go:149-159, :188 `redis.ParseURL`): the run scans and deletes
 * one key at a time (src/jobservice/job/impl/gc/util.go:26-39), so the pool size the budget sets (`coreRedisQuery`)
 * sizes nothing it uses, and a change of replicas or `maxClients` need not save the schedule again; the idle timeout
 * beside it is a constant (`REDIS_IDLE_QUERY`).
 */
export function gcCaptureText(ctx: HarborContext): string {
  return `core ${componentUrl(ctx, 'core', 80)}, jobs ${redisLocation(ctx.redis, REDIS_DB.jobservice)}, ` +
    `registry cache ${redisLocation(ctx.registryCache, REDIS_DB.registry)}`;
}

/**
 * The configuration Job's `gc.captures` (see `HarborGarbageCollection`): a digest of `gcCaptureText`, so that a change
 * of any of it changes the first chunk's configuration, and so its Job, which saves the schedule again. A digest, not
 * the text: the Job never connects to those servers, and addresses in its configuration would read as ones it dials
 * (to a reader, and to the tests that check each pod's configured addresses against the NetworkPolicies); under
 * `pulumi up` a server's address is a placeholder until deploy time, which would make the whole configuration unknown
 * in a preview. There the digest is of the placeholder, so only the password's change is seen: a replaced managed
 * Valkey needs the Job run again by hand (README, Garbage collection).
 */
export function gcCaptures(ctx: HarborContext): string {
  return `sha256:${sha256(gcCaptureText(ctx)).slice(0, 16)}`;
}
