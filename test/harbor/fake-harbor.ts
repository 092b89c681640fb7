import * as http from 'http';
import { AddressInfo } from 'net';
import { PROXY_CACHE_TYPES } from '../../lib/harbor/configuration';

/**
 * An in-process stand-in for the parts of the Harbor v2.0 API that lib/harbor/configure.js uses,
 * with in-memory state. It is deliberately stricter than Harbor about request bodies (unknown
 * fields are refused) so that a script sending the wrong shape fails loudly instead of being
 * silently ignored, and it mimics the Harbor behaviours the script must cope with: masked
 * registry secrets, "robot$" name prefixes, reordered robot permissions, Harbor's double
 * unescaping of q=, its robot secret rule, only the robot permissions Harbor grants, project storage limits kept as quotas apart from
 * the project (listed and changed only through /quotas), project metadata keys it does not know
 * dropped, slow answers (delayNext) and Docker Hub logins refused while a registry is written; its settings
 * (/configurations) with the OIDC client secret never returned, auth_mode locked once it has users besides admin and
 * every setting read-only under CONFIG_OVERWRITE_JSON (configOverwritten), robot expiry counted from creation, and
 * project members, with OIDC groups made on the first membership that names them in oidc_auth mode only; proxy caches
 * only of the permitted types, and not while jobservice is down (jobserviceDownFor, reported by GET /health); the
 * garbage collection schedule (gcSchedule), which keeps core's registry cache URL as it was when saved (coreRedisUrlReg).
 */

export interface RecordedRequest {
  readonly method: string;
  /** Path with the raw (still encoded) query string. */
  readonly path: string;
  readonly body: any;
}

/**
 * The garbage collection schedule as Harbor stores it (goharbor/harbor v2.15.1 src/pkg/scheduler/scheduler.go:95-135,
 * src/controller/gc/controller.go:206-212): its type and cron, the parameters it lists (extra_attrs), and the callback's
 * parameters, the gc.Policy, which hold core's _REDIS_URL_REG of the moment it was saved (src/server/v2.0/handler/gc.go:87)
 * and which every scheduled run starts with (src/controller/gc/callback.go:46-52, controller.go:83).
 */
/**
 * The audit log purge schedule as Harbor stores it (goharbor/harbor v2.15.1 src/server/v2.0/handler/purge.go:109-152,
 * :321-327): its type and cron, and the parameters as sent, which the schedule keeps as its extra attributes.
 */
export interface FakePurgeSchedule {
  id: number;
  type: string;
  cron: string;
  extraAttrs: Record<string, unknown>;
}

/** A schedule's GET answer, gc's and the purge's alike: 200 without a body for none, else its history entry. */
function scheduleAnswer(s: { id: number; type: string; cron: string; extraAttrs: object } | undefined) {
  if (!s) return { status: 200 };
  return {
    status: 200,
    body: {
      id: s.id, job_name: '', job_kind: s.cron, job_parameters: JSON.stringify(s.extraAttrs), deleted: false, job_status: '',
      schedule: { cron: s.cron, type: s.type, next_scheduled_time: '2026-12-06T00:00:00.000Z' },
      creation_time: '2026-12-05T00:00:00.000Z', update_time: '2026-12-05T00:00:00.000Z',
    },
  };
}

export interface FakeGcSchedule {
  id: number;
  type: string;
  cron: string;
  extraAttrs: { delete_untagged: boolean; delete_tag: boolean; workers: number };
  dryRun: boolean;
  redisUrlReg: string;
}

export interface FakeRegistry {
  id: number;
  name: string;
  type: string;
  url: string;
  insecure: boolean;
  description: string;
  credential?: { type: string; access_key: string; access_secret: string };
}

/**
 * As Harbor's project listing shows it (goharbor/harbor v2.15.1 api/v2.0/swagger.yaml, definition Project): no
 * storage_limit, which only the creation request takes (ProjectReq); the limit lives in the project's quota.
 */
export interface FakeProject {
  project_id: number;
  name: string;
  registry_id?: number;
  metadata: Record<string, string>;
  /** The user who created it (src/controller/project/controller.go, WithOwner: listed as owner_name). */
  owner_name: string;
}

/**
 * A project's quota as Harbor stores it (goharbor/harbor v2.15.1 src/pkg/quota/dao/model.go): the reference id is the
 * project id as a string (src/controller/quota/util.go:29-46); `hard.storage` is the limit in bytes, -1 unlimited.
 */
export interface FakeQuota {
  id: number;
  reference: 'project';
  reference_id: string;
  hard: Record<string, number>;
  /**
   * What the project stores, in bytes (`used.storage`, answered by ListQuotas: model/quota.go ToSwagger); 0 unless a
   * test sets it.
   */
  used?: Record<string, number>;
}

export interface FakeAccess {
  resource: string;
  action: string;
  effect?: string;
}

export interface FakePermission {
  kind: string;
  namespace: string;
  access: FakeAccess[];
}

export interface FakeRobot {
  id: number;
  /** As Harbor stores it: no prefix, "<project>+<name>" for project robots. */
  name: string;
  level: 'system' | 'project';
  project_id: number;
  description: string;
  duration: number;
  disable: boolean;
  permissions: FakePermission[];
  secret: string;
  /** When Harbor made it, as GET /robots answers it (RFC 3339); tests set it back to age a robot. */
  creation_time: string;
  /** Unix seconds, -1 for never; tests may set it to expire a robot. */
  expires_at: number;
}

const DAY_SECONDS = 86400;

/** Unix seconds `days` days after `from` (ms), as Go's t.AddDate(0, 0, days).Unix() counts them in UTC. */
function addDays(from: number, days: number): number {
  return Math.floor(from / 1000) + days * DAY_SECONDS;
}

/**
 * A project member as Harbor stores it (goharbor/harbor v2.15.1 src/pkg/member/models/member.go): a user ("u") or a
 * user group ("g"), by the entity's id, with its role id (src/common/const.go:37-41).
 */
export interface FakeMember {
  id: number;
  project_id: number;
  entity_type: 'u' | 'g';
  entity_id: number;
  role_id: number;
}

/** A user group (src/pkg/usergroup/model): group_type 3 is an OIDC group (src/common/const.go OIDCGroupType). */
export interface FakeUserGroup {
  id: number;
  group_name: string;
  group_type: number;
}

/**
 * The settings the fake keeps, with Harbor's defaults (goharbor/harbor v2.15.1
 * src/lib/config/metadata/metadatalist.go:71, :115, :138-150): auth_mode, who may create projects, and the OIDC ones.
 */
const DEFAULT_CONFIGURATIONS: Record<string, string | boolean> = {
  auth_mode: 'db_auth',
  project_creation_restriction: 'everyone',
  oidc_name: '',
  oidc_endpoint: '',
  oidc_client_id: '',
  oidc_client_secret: '',
  oidc_groups_claim: '',
  oidc_admin_group: '',
  oidc_group_filter: '',
  oidc_scope: '',
  oidc_user_claim: '',
  oidc_verify_cert: true,
  oidc_auto_onboard: false,
  oidc_extra_redirect_parms: '{}',
  oidc_logout: false,
};

/** Harbor's PasswordType settings, which GET /configurations leaves out (src/controller/config/controller.go:236-242). */
const PASSWORD_SETTINGS = ['oidc_client_secret'];

/** The values project_creation_restriction takes (src/lib/config/metadata/type.go ProjectCreationRestrictionType.validate). */
const PROJECT_CREATION_RESTRICTIONS = ['adminonly', 'everyone'];

/** The auth modes Harbor takes (src/lib/config/metadata/type.go:66-72). */
const AUTH_MODES = ['db_auth', 'ldap_auth', 'uaa_auth', 'http_auth', 'oidc_auth'];

/** Harbor's role names by id (the role table: make/migrations/postgresql). */
const ROLE_NAMES: Record<number, string> = { 1: 'projectAdmin', 2: 'developer', 3: 'guest', 4: 'maintainer', 5: 'limitedGuest' };

export interface FakeHarborOptions {
  readonly username?: string;
  readonly password?: string;
  /**
   * The loopback port to listen on: one a closed fake left free, to answer a run that was refused there.
   * @default a free port the system picks
   */
  readonly port?: number;
}

/** What an injected failure can echo back: the request as the fake received it. */
export interface EchoedRequest {
  readonly method: string;
  /** Path with the raw (still encoded) query string. */
  readonly path: string;
  /** The request body exactly as sent (JSON text), '' when none. */
  readonly text: string;
  /** The Authorization header as sent, '' when none. */
  readonly authorization: string;
}

export interface FailureOptions {
  /** The request takes effect first, as when an answer is lost on the way. */
  readonly applied?: boolean;
  /** The message of Harbor's usual JSON error body; default "injected failure". */
  readonly message?: string;
  /**
   * Answer this text verbatim instead of Harbor's JSON error body, e.g. one that echoes a secret
   * back in some encoding; a function builds it from the request.
   */
  readonly body?: string | ((req: EchoedRequest) => string);
  /** Extra response headers (e.g. a Location for a 3xx); a function builds them from the request. */
  readonly headers?: Record<string, string> | ((req: EchoedRequest) => Record<string, string>);
}

interface InjectedDelay {
  method: string;
  path: RegExp;
  ms: number;
  remaining: number;
}

interface InjectedFailure {
  method: string;
  path: RegExp;
  status: number;
  remaining: number;
  applied: boolean;
  message: string;
  body?: FailureOptions['body'];
  headers?: FailureOptions['headers'];
}

const ROBOT_PREFIX = 'robot$';

/**
 * The properties of ProjectMetadata (goharbor/harbor v2.15.1 api/v2.0/swagger.yaml:7305-7356). Harbor decodes a
 * project request's metadata into that type, so any other key is dropped before the handler sees it; the handler then
 * copies what is left into the project (src/server/v2.0/handler/project.go:221, :581).
 */
const PROJECT_METADATA = [
  'public', 'enable_content_trust', 'enable_content_trust_cosign', 'prevent_vul', 'severity', 'auto_scan', 'auto_sbom_generation',
  'reuse_sys_cve_allowlist', 'retention_id', 'proxy_speed_kb', 'max_upstream_conn', 'proxy_cache_local_on_not_found',
];

/**
 * What Harbor keeps of a project request's metadata: the keys of ProjectMetadata, without proxy_speed_kb and
 * max_upstream_conn but on a proxy cache, and without enable_content_trust on one (project.go:166-176 on create,
 * :570-580 on update). Values must be strings.
 */
function projectMetadata(metadata: Record<string, unknown>, proxyCache: boolean): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') fail(422, `metadata.${key} must be a string`);
    if (!PROJECT_METADATA.includes(key)) continue;
    if (!proxyCache && (key === 'proxy_speed_kb' || key === 'max_upstream_conn')) continue;
    if (proxyCache && key === 'enable_content_trust') continue;
    kept[key] = value;
  }
  return kept;
}

const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * The accesses Harbor grants a robot permission of each kind, as "resource:action": rbac.GetPermissionProvider() is the
 * NolimitProvider, PoliciesMap's "System" and "Project" lists plus its own (goharbor/harbor v2.15.1
 * src/common/rbac/const.go:99-102, :113-161, :163-315). robotAPI.validate refuses any other with a 400 "bad request
 * permission: <resource>:<action>" (src/server/v2.0/handler/robot.go:345-365, containsAccess :437-444).
 */
const ROBOT_ACCESS: Record<string, ReadonlySet<string>> = {
  system: new Set([
    'audit-log:list',
    'preheat-instance:read', 'preheat-instance:create', 'preheat-instance:delete', 'preheat-instance:list', 'preheat-instance:update',
    'project:list', 'project:create',
    'replication-policy:read', 'replication-policy:create', 'replication-policy:delete', 'replication-policy:list', 'replication-policy:update',
    'replication:read', 'replication:create', 'replication:list',
    'replication-adapter:list',
    'registry:read', 'registry:create', 'registry:delete', 'registry:list', 'registry:update',
    'scan-all:read', 'scan-all:update', 'scan-all:stop', 'scan-all:create',
    'system-volumes:read',
    'garbage-collection:read', 'garbage-collection:create', 'garbage-collection:list', 'garbage-collection:update', 'garbage-collection:stop',
    'purge-audit:read', 'purge-audit:create', 'purge-audit:list', 'purge-audit:update', 'purge-audit:stop',
    'jobservice-monitor:list', 'jobservice-monitor:stop',
    'scanner:read', 'scanner:create', 'scanner:delete', 'scanner:list', 'scanner:update',
    'label:read', 'label:create', 'label:delete', 'label:update',
    'security-hub:read', 'security-hub:list',
    'catalog:read',
    'quota:read', 'quota:list',
    // NolimitProvider's
    'robot:create', 'robot:read', 'robot:list', 'robot:delete',
    'user:create', 'user:read', 'user:update', 'user:list', 'user:delete',
    'ldap-user:create', 'ldap-user:list',
    'quota:update',
    'user-group:create', 'user-group:read', 'user-group:update', 'user-group:list', 'user-group:delete',
  ]),
  project: new Set([
    'log:list',
    'project:read', 'project:delete', 'project:update',
    'metadata:read', 'metadata:create', 'metadata:delete', 'metadata:list', 'metadata:update',
    'repository:read', 'repository:update', 'repository:delete', 'repository:list', 'repository:pull', 'repository:push',
    'artifact:read', 'artifact:create', 'artifact:list', 'artifact:delete',
    'scan:create', 'scan:read', 'scan:stop',
    'sbom:create', 'sbom:stop', 'sbom:read',
    'tag:create', 'tag:list', 'tag:delete',
    'accessory:list',
    'artifact-addition:read',
    'artifact-label:create', 'artifact-label:delete',
    'scanner:create', 'scanner:read',
    'preheat-policy:read', 'preheat-policy:create', 'preheat-policy:delete', 'preheat-policy:list', 'preheat-policy:update',
    'immutable-tag:create', 'immutable-tag:delete', 'immutable-tag:list', 'immutable-tag:update',
    'notification-policy:read', 'notification-policy:create', 'notification-policy:delete', 'notification-policy:list', 'notification-policy:update',
    'tag-retention:read', 'tag-retention:create', 'tag-retention:delete', 'tag-retention:list', 'tag-retention:update',
    'label:read', 'label:create', 'label:delete', 'label:list', 'label:update',
    'quota:read',
    // NolimitProvider's
    'robot:create', 'robot:read', 'robot:list', 'robot:delete',
    'export-cve:create', 'export-cve:read',
    'member:create', 'member:read', 'member:update', 'member:list', 'member:delete',
  ]),
};

/** Harbor's isValidDuration (goharbor/harbor v2.15.1 src/server/v2.0/handler/robot.go:423). */
function checkDuration(d: unknown): void {
  if (!(d === -1 || (typeof d === 'number' && Number.isInteger(d) && d > 0 && d < 2 ** 31 - 1))) {
    fail(400, `bad request error duration input: ${d}, duration must be either -1(Never) or a positive integer`);
  }
}

/** Harbor's ValidateQuotaLimit: -1 (unlimited) or 1 to 1024 TiB (goharbor/harbor v2.15.1 src/lib/quota_storage_limit.go:23-35). */
function checkQuotaLimit(value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(400, `invalid quota limit ${JSON.stringify(value)}`);
  if (value <= 0 && value !== -1) fail(400, `invalid non-positive value for quota limit, value=${value}`);
  if (value > 2 ** 50) fail(400, `exceeded 1024TB, which is 1125899906842624 Bytes, value=${value}`);
}

/**
 * The error code Harbor's body names for each status, where the fake is not told another (DENIED, a 403 too): the
 * inverse of goharbor/harbor v2.15.1 src/lib/http/error.go:30-47 codeMap, with the codes of src/lib/errors/const.go.
 */
const ERROR_CODES: Record<number, string> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 409: 'CONFLICT',
  412: 'PRECONDITION', 413: 'REQUEST_ENTITY_TOO_LARGE', 429: 'TOO_MANY_REQUEST', 500: 'UNKNOWN',
};

class HttpError extends Error {
  constructor(public readonly status: number, message: string, public readonly code = ERROR_CODES[status] ?? String(status)) {
    super(message);
  }
}

/** Answer `status` with Harbor's JSON error body, whose code is `code` (Harbor's for the status unless told). */
function fail(status: number, message: string, code?: string): never {
  throw new HttpError(status, message, code);
}

function onlyFields(body: any, allowed: string[], what: string): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    fail(400, `${what}: body must be a JSON object`);
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      fail(400, `${what}: unexpected field ${key}`);
    }
  }
}

/**
 * Harbor's IsValidSec (goharbor/harbor v2.15.1 src/controller/robot/controller.go:428-436): 8 to 128 by Go's len(),
 * which counts bytes, not characters, and an ASCII lower-case letter, upper-case letter and digit.
 */
function isValidSecret(secret: unknown): boolean {
  return typeof secret === 'string' && Buffer.byteLength(secret, 'utf8') >= 8 && Buffer.byteLength(secret, 'utf8') <= 128
    && /[a-z]/.test(secret) && /[A-Z]/.test(secret) && /[0-9]/.test(secret);
}

/** Go's url.QueryUnescape: "+" is a space. */
function queryUnescape(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return fail(400, `invalid escape in ${value}`);
  }
}

/** Harbor's q= parser: the already-decoded q is unescaped once more, then split on "," and "=". */
function parseQ(url: URL): Record<string, string> {
  const q = url.searchParams.get('q');
  const keywords: Record<string, string> = {};
  if (!q) {
    return keywords;
  }
  for (const param of queryUnescape(q).split(',')) {
    const at = param.indexOf('=');
    if (at <= 0 || at === param.length - 1) {
      fail(400, 'the query string must contain "=" and the key/value cannot be empty');
    }
    const value = param.slice(at + 1);
    if ('~[{('.includes(value[0])) {
      fail(400, `the fake only supports exact matches, got ${value}`);
    }
    keywords[param.slice(0, at)] = value;
  }
  return keywords;
}

export class FakeHarbor {
  /** Start a fake Harbor on a loopback port (a free one unless told); Harbor's built-in public "library" project exists. */
  public static async start(options: FakeHarborOptions = {}): Promise<FakeHarbor> {
    const harbor = new FakeHarbor(options);
    await new Promise<void>((resolve, reject) => {
      harbor.server.once('error', reject);
      harbor.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return harbor;
  }

  public readonly requests: RecordedRequest[] = [];
  public readonly registries = new Map<number, FakeRegistry>();
  public readonly projects = new Map<number, FakeProject>();
  public readonly robots = new Map<number, FakeRobot>();
  /** How many random secrets RefreshSec has drawn: a counter of its own, so that the ids stay as they were. */
  private refreshed = 0;
  public readonly quotas = new Map<number, FakeQuota>();
  /** Harbor's settings, the OIDC client secret included (which GET /configurations never returns). */
  public readonly configurations: Record<string, string | boolean> = { ...DEFAULT_CONFIGURATIONS };
  /** Users besides admin (id 1), by id: any of them locks auth_mode (src/controller/config/controller.go:288-294). */
  public readonly users = new Map<number, string>();
  public readonly userGroups = new Map<number, FakeUserGroup>();
  public readonly members = new Map<number, FakeMember>();
  /** How many of the next pings answer 503. */
  public pingFailures = 0;
  /**
   * Jobservice does not answer (yet): for this many of the next GET /health, which core answers without authentication
   * (goharbor/harbor v2.15.1 api/v2.0/swagger.yaml /health), it is "unhealthy", and until then every proxy-cache project
   * create answers a bare 500 and makes nothing: Harbor schedules the new proxy cache's retention policy on jobservice
   * within the create (src/server/v2.0/handler/project.go:241-254, src/controller/retention/controller.go:116-129,
   * src/pkg/task/task.go Create), and rolls the request's transaction back on its failure
   * (src/server/middleware/transaction/transaction.go). Infinity: it never comes up.
   */
  public jobserviceDownFor = 0;
  /** The saved garbage collection schedule, if any (see FakeGcSchedule). */
  public gcSchedule?: FakeGcSchedule;
  /** The saved audit log purge schedule, if any (see FakePurgeSchedule). */
  public purgeSchedule?: FakePurgeSchedule;
  /** Core's _REDIS_URL_REG, which a garbage collection schedule keeps as it was when saved. */
  public coreRedisUrlReg = 'redis://:first-password@harbor-redis:6379/2?idle_timeout_seconds=30';
  /**
   * Harbor's quota_per_project_enable (default true): while off, a created project gets no quota at all and its
   * storage_limit is ignored (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:128-143).
   */
  public quotaPerProject = true;
  /** Harbor's robot_name_prefix (default "robot$", src/lib/config/metadata/metadatalist.go), on every robot name it answers with. */
  public robotPrefix = ROBOT_PREFIX;
  /**
   * Docker Hub refuses the login (a wrong token, an outage, a 429). Harbor's Docker Hub adapter logs in while it is
   * built, before the health check of every registry create and update (goharbor/harbor v2.15.1
   * src/pkg/reg/adapter/dockerhub/client.go:59-68, adapter.go:43-47; src/controller/registry/controller.go:101-104,
   * :172-176), when the registry has an access key or secret; the error carries no code, so Harbor answers a 500 whose
   * body hides it (src/lib/http/error.go:52-60, 87-92): what the fake answers then, writing nothing.
   */
  public dockerHubRefusesLogin = false;
  /**
   * Core was started with CONFIG_OVERWRITE_JSON: every setting is read-only, whatever the variable lists
   * (goharbor/harbor v2.15.2 src/controller/config/controller.go:272-286, readOnlyForAll): GET /configurations
   * answers editable false for each (:251-254, :267) and any PUT a 403 that names the variable (:79-82).
   */
  public configOverwritten = false;
  /**
   * Harbor's read_only setting ("Repository Read Only"): every POST, PUT, PATCH and DELETE but PUT /configurations
   * answers 403 DENIED "The system is in read only mode. Any modification is prohibited.", after the credentials are
   * checked (goharbor/harbor v2.15.1 src/server/middleware/readonly/readonly.go, src/core/middlewares/middlewares.go
   * readonlySkippers and the order of MiddleWares).
   */
  public readOnly = false;
  private readonly failures: InjectedFailure[] = [];
  private readonly delays: InjectedDelay[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly username: string;
  private readonly password: string;
  private readonly server: http.Server;
  private nextId = 1;
  // apart from the other ids, so that a quota id is never also the id of its project
  private nextQuotaId = 1001;
  // apart too, so that the ids of registries, projects and robots stay as they were before members existed
  private nextMemberId = 5001;
  private nextGroupId = 7001;
  private nextUserId = 2;

  private constructor(options: FakeHarborOptions) {
    this.username = options.username ?? 'admin';
    this.password = options.password ?? 'Harbor12345';
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    // as goharbor/harbor v2.15.1 make/migrations/postgresql/0001_initial_schema.up.sql:81 (project 1, owner admin), :120
    // (public "true"), with an unlimited quota whatever quota_per_project_enable says (0010_1.9.0_schema.up.sql:89-97);
    // the API has no case for it: UpdateProject and DeleteProject treat it as any project
    // (src/server/v2.0/handler/project.go:268-307, :548-602), and so does this fake
    this.addProject({ name: 'library', public: true });
  }

  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public close(): Promise<void> {
    // the answers still held back are never sent
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Answer `status` to the next `times` requests matching `method` and `path` (the path without
   * query); with `applied`, the request takes effect first, as when an answer is lost on the way.
   * The answer is Harbor's JSON error with `message`, or `body` verbatim (text/plain).
   */
  public failNext(method: string, path: RegExp, status: number, times = 1, options: FailureOptions = {}): void {
    this.failures.push({
      method,
      path,
      status,
      remaining: times,
      applied: options.applied ?? false,
      message: options.message ?? 'injected failure',
      body: options.body,
      headers: options.headers,
    });
  }

  /**
   * Hold back the answer to the next `times` requests matching `method` and `path` (the path without query) for `ms`
   * milliseconds, then handle them as usual (an injected failure included), whether or not the client still waits:
   * as Harbor, whose registry create and update wait for the upstream's health check
   * (goharbor/harbor v2.15.1 src/controller/registry/controller.go:95-107, :124-126) and go on after the client
   * gave up.
   */
  public delayNext(method: string, path: RegExp, ms: number, times = 1): void {
    this.delays.push({ method, path, ms, remaining: times });
  }

  public addRegistry(registry: Omit<FakeRegistry, 'id' | 'insecure' | 'description'> & Partial<FakeRegistry>): FakeRegistry {
    const stored: FakeRegistry = { insecure: false, description: '', ...registry, id: this.nextId++ };
    this.registries.set(stored.id, stored);
    return stored;
  }

  /**
   * A project, with a quota of `storageLimit` bytes (default -1, unlimited), or none when it is null, created by the
   * user `ownerId` (`addUser`; default admin).
   */
  public addProject(project: {
    name: string; public?: boolean; registryId?: number; metadata?: Record<string, string>; storageLimit?: number | null; ownerId?: number;
  }): FakeProject {
    const ownerId = project.ownerId ?? 1;
    const stored: FakeProject = {
      project_id: this.nextId++,
      name: project.name,
      registry_id: project.registryId,
      metadata: { ...project.metadata, public: String(project.public ?? false) },
      owner_name: ownerId === 1 ? this.username : this.users.get(ownerId)!,
    };
    this.projects.set(stored.project_id, stored);
    // the creator becomes the project's projectAdmin (src/pkg/project/dao/dao.go:57-86)
    this.members.set(this.nextMemberId, { id: this.nextMemberId++, project_id: stored.project_id, entity_type: 'u', entity_id: ownerId, role_id: 1 });
    if (project.storageLimit !== null) {
      const quota: FakeQuota = { id: this.nextQuotaId++, reference: 'project', reference_id: String(stored.project_id), hard: { storage: project.storageLimit ?? -1 } };
      this.quotas.set(quota.id, quota);
    }
    return stored;
  }

  /** A user besides admin: one who logged in with a password, or with OIDC. */
  public addUser(name: string): number {
    const id = this.nextUserId++;
    this.users.set(id, name);
    return id;
  }

  /** Make group `groupName` (an OIDC group unless told) a member of project `projectName` with role `roleId`. */
  public addGroupMember(projectName: string, groupName: string, roleId: number, groupType = 3): FakeMember {
    const project = this.project(projectName) ?? fail(404, `project ${projectName} not found`);
    const group = this.groupByName(groupName, groupType) ?? this.addGroup(groupName, groupType);
    const member: FakeMember = { id: this.nextMemberId++, project_id: project.project_id, entity_type: 'g', entity_id: group.id, role_id: roleId };
    this.members.set(member.id, member);
    return member;
  }

  /** Make user `userId` a member of project `projectName` with role `roleId`. */
  public addUserMember(projectName: string, userId: number, roleId: number): FakeMember {
    const project = this.project(projectName) ?? fail(404, `project ${projectName} not found`);
    const member: FakeMember = { id: this.nextMemberId++, project_id: project.project_id, entity_type: 'u', entity_id: userId, role_id: roleId };
    this.members.set(member.id, member);
    return member;
  }

  /** Give the user member `userName` of project `projectName` role `roleId`, as an operator does in Harbor's UI. */
  public setMemberRole(projectName: string, userName: string, roleId: number): void {
    const project = this.project(projectName) ?? fail(404, `project ${projectName} not found`);
    const member = [...this.members.values()].find((m) => m.project_id === project.project_id && m.entity_type === 'u' && this.entityName(m) === userName)
      ?? fail(404, `user ${userName} is no member of ${projectName}`);
    member.role_id = roleId;
  }

  /** The members of project `projectName` as "<u|g>:<name>=<role name>", sorted. */
  public memberList(projectName: string): string[] {
    const project = this.project(projectName);
    return [...this.members.values()].filter((m) => m.project_id === project?.project_id)
      .map((m) => `${m.entity_type}:${this.entityName(m)}=${ROLE_NAMES[m.role_id] ?? m.role_id}`).sort();
  }

  public registry(name: string): FakeRegistry | undefined {
    return [...this.registries.values()].find((r) => r.name === name);
  }

  public project(name: string): FakeProject | undefined {
    return [...this.projects.values()].find((p) => p.name === name);
  }

  /** The quota of a project, by the project's name. */
  public quota(projectName: string): FakeQuota | undefined {
    const project = this.project(projectName);
    return project && [...this.quotas.values()].find((q) => q.reference_id === String(project.project_id));
  }

  /** A robot by its stored name ("ci-push", "apps+deployer"). */
  public robot(name: string): FakeRobot | undefined {
    return [...this.robots.values()].find((r) => r.name === name);
  }

  /** Recorded requests other than GETs, as "METHOD path" strings. */
  public writes(): string[] {
    return this.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    this.requests.push({ method, path, body });
    const delay = this.delays.find((d) => d.remaining > 0 && d.method === method && d.path.test(new URL(path, 'http://fake').pathname));
    if (delay) {
      delay.remaining--;
      // cleared, and never resolved, when the fake is closed
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          resolve();
        }, delay.ms);
        this.timers.add(timer);
      });
    }
    try {
      if (typeof body === 'string') {
        fail(400, 'invalid JSON body');
      }
      const echo: EchoedRequest = { method, path, text, authorization: req.headers.authorization ?? '' };
      const result = this.route(req, method, new URL(path, 'http://fake'), body, echo);
      res.writeHead(result.status, {
        'content-type': typeof result.body === 'string' ? 'text/plain' : 'application/json',
        ...result.headers,
      });
      res.end(result.body === undefined ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body));
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      const code = err instanceof HttpError ? err.code : ERROR_CODES[500];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code, message: (err as Error).message }] }));
    }
  }

  private route(req: http.IncomingMessage, method: string, url: URL, body: any, echo: EchoedRequest): { status: number; body?: unknown; headers?: Record<string, string> } {
    const path = url.pathname;
    if (method === 'GET' && path === '/api/v2.0/ping') {
      if (this.pingFailures > 0) {
        this.pingFailures--;
        fail(503, 'core is starting');
      }
      return { status: 200, body: 'Pong' };
    }
    const failure = this.failures.find((f) => f.remaining > 0 && f.method === method && f.path.test(path));
    if (failure) {
      failure.remaining--;
      if (failure.applied) {
        this.authorizedRoute(req, method, url, body);
      }
      if (failure.body !== undefined || failure.headers !== undefined) {
        const text = typeof failure.body === 'function' ? failure.body(echo) : failure.body;
        const headers = typeof failure.headers === 'function' ? failure.headers(echo) : failure.headers;
        // a string body is sent as text/plain, verbatim
        return { status: failure.status, body: text ?? '', headers };
      }
      fail(failure.status, failure.message);
    }
    // without authentication, as the ping
    if (method === 'GET' && path === '/api/v2.0/health') {
      return this.health();
    }
    return this.authorizedRoute(req, method, url, body);
  }

  private authorizedRoute(req: http.IncomingMessage, method: string, url: URL, body: any): { status: number; body?: unknown; headers?: Record<string, string> } {
    const path = url.pathname;
    const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      fail(401, 'unauthorized');
    }
    if (this.readOnly && !['GET', 'HEAD', 'OPTIONS'].includes(method) && !(method === 'PUT' && path === '/api/v2.0/configurations')) {
      fail(403, 'The system is in read only mode. Any modification is prohibited.', 'DENIED');
    }
    let m: RegExpExecArray | null;
    if (path === '/api/v2.0/registries') {
      if (method === 'GET') return this.listRegistries(url);
      if (method === 'POST') return this.createRegistry(body);
    } else if ((m = /^\/api\/v2\.0\/registries\/(\d+)$/.exec(path)) && method === 'PUT') {
      return this.updateRegistry(Number(m[1]), body);
    } else if (path === '/api/v2.0/projects') {
      if (method === 'GET') return this.listProjects(url);
      if (method === 'POST') return this.createProject(body);
    } else if ((m = /^\/api\/v2\.0\/projects\/(\d+)$/.exec(path)) && method === 'PUT') {
      return this.updateProject(Number(m[1]), body);
    } else if (path === '/api/v2.0/quotas' && method === 'GET') {
      return this.listQuotas(url);
    } else if ((m = /^\/api\/v2\.0\/quotas\/(\d+)$/.exec(path)) && method === 'PUT') {
      return this.updateQuota(Number(m[1]), body);
    } else if (path === '/api/v2.0/configurations') {
      if (method === 'GET') return this.getConfigurations();
      if (method === 'PUT') return this.updateConfigurations(body);
    } else if ((m = /^\/api\/v2\.0\/projects\/([^/]+)\/members$/.exec(path))) {
      if (method === 'GET') return this.listMembers(decodeURIComponent(m[1]), url);
      if (method === 'POST') return this.createMember(decodeURIComponent(m[1]), body);
    } else if ((m = /^\/api\/v2\.0\/projects\/([^/]+)\/members\/(\d+)$/.exec(path))) {
      if (method === 'PUT') return this.updateMember(decodeURIComponent(m[1]), Number(m[2]), body);
      if (method === 'DELETE') return this.deleteMember(decodeURIComponent(m[1]), Number(m[2]), body);
    } else if (path === '/api/v2.0/robots') {
      if (method === 'GET') return this.listRobots(url);
      if (method === 'POST') return this.createRobot(body);
    } else if (path === '/api/v2.0/system/purgeaudit/schedule') {
      if (method === 'GET') return this.getPurgeSchedule();
      if (method === 'POST' || method === 'PUT') return this.savePurgeSchedule(method, body);
    } else if (path === '/api/v2.0/system/gc/schedule') {
      if (method === 'GET') return this.getGcSchedule();
      if (method === 'POST' || method === 'PUT') return this.saveGcSchedule(method, body);
    } else if ((m = /^\/api\/v2\.0\/robots\/(\d+)$/.exec(path))) {
      if (method === 'PUT') return this.updateRobot(Number(m[1]), body);
      if (method === 'PATCH') return this.refreshSecret(Number(m[1]), body);
      if (method === 'DELETE') return this.deleteRobot(Number(m[1]), body);
    }
    return fail(404, `no route for ${method} ${path}`);
  }

  private listRegistries(url: URL) {
    const q = parseQ(url);
    const list = [...this.registries.values()].filter((r) => q.name === undefined || r.name === q.name);
    return {
      status: 200,
      // like Harbor's convertRegistry (goharbor/harbor v2.15.1 src/server/v2.0/handler/replication.go): the stored
      // secret is never returned, only "*****" when there is one; no access key, no credential fields
      body: list.map((r) => ({
        ...r,
        credential: r.credential?.access_key
          ? { type: r.credential.type || 'basic', access_key: r.credential.access_key, ...(r.credential.access_secret ? { access_secret: '*****' } : {}) }
          : {},
        status: 'healthy',
      })),
    };
  }

  private createRegistry(body: any) {
    onlyFields(body, ['name', 'type', 'url', 'insecure', 'description', 'credential'], 'registry');
    if (!body.name || !body.type || !body.url) fail(400, 'name, type and url are required');
    // src/controller/registry/controller.go:92
    if (body.name.length > 64) fail(400, 'the max length of name is 64');
    if (body.credential !== undefined) onlyFields(body.credential, ['type', 'access_key', 'access_secret'], 'credential');
    // the upstream is checked before the registry is stored (controller.go:81-86), the name's uniqueness after
    this.logInUpstream(body.type, body.credential);
    if (this.registry(body.name)) fail(409, `registry ${body.name} already exists`);
    const stored = this.addRegistry({
      name: body.name,
      type: body.type,
      url: body.url,
      insecure: Boolean(body.insecure),
      description: body.description ?? '',
      credential: body.credential && { ...body.credential },
    });
    return { status: 201, headers: { location: `/api/v2.0/registries/${stored.id}` } };
  }

  private updateRegistry(id: number, body: any) {
    onlyFields(body, ['name', 'description', 'url', 'credential_type', 'access_key', 'access_secret', 'insecure'], 'registry update');
    const r = this.registries.get(id) ?? fail(404, `registry ${id} not found`);
    // the update is checked as it would be stored: the new credential over the old one
    this.logInUpstream(r.type, {
      access_key: body.access_key ?? r.credential?.access_key ?? '',
      access_secret: body.access_secret ?? r.credential?.access_secret ?? '',
    });
    if (body.name !== undefined) r.name = body.name;
    if (body.description !== undefined) r.description = body.description;
    if (body.url !== undefined) r.url = body.url;
    if (body.insecure !== undefined) r.insecure = body.insecure;
    const credential = { type: '', access_key: '', access_secret: '', ...r.credential };
    if (body.credential_type !== undefined) credential.type = body.credential_type;
    if (body.access_key !== undefined) credential.access_key = body.access_key;
    if (body.access_secret !== undefined) credential.access_secret = body.access_secret;
    // Harbor only stores a credential that has an access key (src/pkg/reg/manager.go toDaoModel)
    r.credential = credential.access_key ? credential : undefined;
    return { status: 200 };
  }

  /** The Docker Hub adapter's login, with the credential of a registry being written (see dockerHubRefusesLogin). */
  private logInUpstream(type: string, credential?: { access_key?: string; access_secret?: string }): void {
    if (type === 'docker-hub' && this.dockerHubRefusesLogin && (credential?.access_key || credential?.access_secret)) {
      fail(500, 'internal server error', 'UNKNOWN');
    }
  }

  /**
   * GetHealth (goharbor/harbor v2.15.1 src/server/v2.0/handler/health.go, src/controller/health/controller.go): every
   * component, sorted by name, "healthy" or "unhealthy" with the error of its last check; the fake's are all healthy
   * but jobservice while it is down (see jobserviceDownFor).
   */
  private health() {
    const down = this.jobserviceDownFor > 0;
    if (down) this.jobserviceDownFor--;
    const components = ['core', 'database', 'jobservice', 'portal', 'redis', 'registry', 'registryctl'].map((name) => (
      name === 'jobservice' && down
        ? { name, status: 'unhealthy', error: 'failed to check health: Get "http://harbor-jobservice/api/v1/stats": dial tcp 10.43.0.12:80: connect: connection refused' }
        : { name, status: 'healthy' }));
    return { status: 200, body: { status: down ? 'unhealthy' : 'healthy', components } };
  }

  private listProjects(url: URL) {
    const q = parseQ(url);
    const list = [...this.projects.values()].filter((p) => q.name === undefined || p.name === q.name);
    // like Harbor's omitempty: no registry_id for plain projects
    return { status: 200, body: list.map(({ registry_id, ...p }) => ({ ...p, ...(registry_id ? { registry_id } : {}) })) };
  }

  private createProject(body: any) {
    onlyFields(body, ['project_name', 'public', 'metadata', 'storage_limit', 'registry_id'], 'project');
    if (!NAME.test(body.project_name ?? '')) fail(400, `invalid project name ${body.project_name}`);
    if (this.project(body.project_name)) fail(409, `The project named ${body.project_name} already exists`);
    const metadata = projectMetadata(body.metadata ?? {}, body.registry_id !== undefined);
    if (body.registry_id !== undefined && !this.registries.has(body.registry_id)) fail(400, `registry ${body.registry_id} not found`);
    // Harbor refuses a proxy cache of a type PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE does not list, which core reads
    // alone, set to PROXY_CACHE_TYPES by Dockyard (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:808-815,
    // src/lib/config/systemconfig.go:106-112)
    const upstreamType = body.registry_id === undefined ? undefined : this.registries.get(body.registry_id)!.type;
    if (upstreamType !== undefined && !PROXY_CACHE_TYPES.includes(upstreamType)) fail(400, `unsupported registry type ${upstreamType}`);
    // the retention policy's schedule cannot be submitted (see jobserviceDownFor): an error without a code
    if (body.registry_id !== undefined && this.jobserviceDownFor > 0) fail(500, 'internal server error', 'UNKNOWN');
    // project.go:831-836 validates a given limit; :128-143 makes none or 0 Harbor's storage_per_project (-1 unless an
    // admin set it, as here), or drops it with the quota
    if (body.storage_limit !== undefined && body.storage_limit !== null) checkQuotaLimit(body.storage_limit);
    const stored = this.addProject({
      name: body.project_name,
      public: body.public ?? metadata.public === 'true',
      registryId: body.registry_id,
      metadata,
      storageLimit: this.quotaPerProject ? (body.storage_limit || -1) : null,
    });
    return { status: 201, headers: { location: `/api/v2.0/projects/${stored.project_id}` } };
  }

  // Harbor's UpdateProject reads no storage_limit (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:545-602);
  // the fake refuses it rather than ignore it, so that a script relying on it fails here.
  private updateProject(id: number, body: any) {
    onlyFields(body, ['metadata'], 'project update');
    const p = this.projects.get(id) ?? fail(404, `project ${id} not found`);
    Object.assign(p.metadata, projectMetadata(body.metadata ?? {}, p.registry_id !== undefined));
    return { status: 200 };
  }

  /**
   * ListQuotas (goharbor/harbor v2.15.1 src/server/v2.0/handler/quota.go:56-90): exact filters on reference and
   * reference_id, an empty one ignored (src/pkg/quota/dao/util.go:66-72); each quota as model.Quota.ToSwagger
   * (src/server/v2.0/handler/model/quota.go:35-64) with the project reference object (driver/project/project.go:78-82).
   */
  private listQuotas(url: URL) {
    const reference = url.searchParams.get('reference') ?? '';
    const referenceId = url.searchParams.get('reference_id') ?? '';
    const list = [...this.quotas.values()].filter((q) => (reference === '' || q.reference === reference) && (referenceId === '' || q.reference_id === referenceId));
    return {
      status: 200,
      body: list.map((q) => {
        const project = this.projects.get(Number(q.reference_id));
        return {
          id: q.id,
          ref: project ? { id: project.project_id, name: project.name, owner_name: this.username } : {},
          hard: { ...q.hard },
          used: { storage: 0, ...q.used },
          creation_time: '2025-01-01T00:00:00.000Z',
          update_time: '2025-01-01T00:00:00.000Z',
        };
      }),
    };
  }

  /**
   * UpdateQuota (goharbor/harbor v2.15.1 src/server/v2.0/handler/quota.go:92-122): the body is QuotaUpdateReq
   * { hard } (api/v2.0/swagger.yaml), refused when empty; the project driver takes exactly the storage resource
   * (src/controller/quota/driver/project/project.go:85-107); the whole hard list is replaced.
   */
  private updateQuota(id: number, body: any) {
    onlyFields(body, ['hard'], 'quota update');
    if (body.hard === null || typeof body.hard !== 'object' || Object.keys(body.hard).length === 0) fail(400, 'hard required in body');
    const quota = this.quotas.get(id) ?? fail(404, `quota ${id} not found`);
    for (const [resource, value] of Object.entries(body.hard)) {
      if (resource !== 'storage') fail(400, `resource ${resource} not support`);
      checkQuotaLimit(value);
    }
    if (!('storage' in body.hard)) fail(400, 'resource storage not found');
    quota.hard = { ...body.hard };
    return { status: 200 };
  }

  /**
   * GetConfigurations (goharbor/harbor v2.15.1 src/server/v2.0/handler/config.go:41-72, src/controller/config/
   * controller.go:220-263): every setting as { value, editable }, but the PasswordType ones, which are left out;
   * auth_mode is editable only while Harbor has no user but admin.
   */
  private getConfigurations() {
    const body: Record<string, { value: string | boolean; editable: boolean }> = {};
    for (const [key, value] of Object.entries(this.configurations)) {
      if (!PASSWORD_SETTINGS.includes(key)) {
        body[key] = { value, editable: !this.configOverwritten && (key === 'auth_mode' ? this.users.size === 0 : true) };
      }
    }
    return { status: 200, body };
  }

  /**
   * UpdateConfigurations (config.go:75-92, controller.go:80-147): an auth_mode other than the current one is refused
   * once Harbor has a user besides admin; the same value, or none, passes. Harbor drops keys its Configurations
   * definition does not know (api/v2.0/swagger.yaml); the fake refuses them, and values of the wrong type.
   */
  private updateConfigurations(body: any) {
    // before the body is read (controller.go:79-82); the handler checked the admin's right first (config.go:76)
    if (this.configOverwritten) fail(403, 'current config is init by env variable: CONFIG_OVERWRITE_JSON, it cannot be updated', 'FORBIDDEN');
    onlyFields(body, Object.keys(DEFAULT_CONFIGURATIONS), 'configurations');
    for (const [key, value] of Object.entries(body)) {
      if (typeof value !== typeof DEFAULT_CONFIGURATIONS[key]) fail(400, `${key} must be a ${typeof DEFAULT_CONFIGURATIONS[key]}`);
    }
    if (body.project_creation_restriction !== undefined && !PROJECT_CREATION_RESTRICTIONS.includes(body.project_creation_restriction)) {
      fail(400, 'invalid project_creation_restriction, should be adminonly or everyone');
    }
    if (body.auth_mode !== undefined) {
      if (!AUTH_MODES.includes(body.auth_mode)) fail(400, `invalid auth_mode, shoud be one of ${AUTH_MODES.join(', ')}`);
      if (body.auth_mode !== this.configurations.auth_mode && this.users.size > 0) {
        fail(400, 'the auth mode cannot be modified as new users have been inserted into database');
      }
    }
    Object.assign(this.configurations, body);
    return { status: 200 };
  }

  /**
   * GetGCSchedule (goharbor/harbor v2.15.1 src/server/v2.0/handler/gc.go:167-180): 200 without a body when there is no
   * schedule; else a GCHistory (handler/model/gc.go:81-106) whose job_parameters is the schedule's extra_attrs as a JSON
   * string, without redis_url_reg (CleanExtraAttrs, :113-124), and whose schedule is { type, cron, next_scheduled_time }.
   */
  private getGcSchedule() {
    return scheduleAnswer(this.gcSchedule);
  }

  /**
   * GetPurgeSchedule (goharbor/harbor v2.15.1 src/server/v2.0/handler/purge.go:259-286): 200 without a body when there
   * is none; else an ExecHistory whose job_parameters is the schedule's extra attributes as a JSON string
   * (pg.String, src/controller/purge/model.go) and whose schedule is { cron, type, next_scheduled_time }.
   */
  private getPurgeSchedule() {
    return scheduleAnswer(this.purgeSchedule);
  }

  /**
   * CreatePurgeSchedule (201) and UpdatePurgeSchedule (200), purge.go:59-91, :288-319: both refuse a body without
   * parameters, without audit_retention_hour (an integer of at most 240000, :93-107, src/common/const.go:221) or
   * without include_event_types, None included, before kick (:109-141): None deletes any schedule; Hourly, Daily,
   * Weekly and Custom validate the cron (:143-152) and replace any schedule. kick reads include_event_types only as a
   * string (:122), dry_run only as a boolean (:119).
   */
  private savePurgeSchedule(method: string, body: any) {
    onlyFields(body, ['schedule', 'parameters'], 'schedule');
    if (body.schedule === undefined || body.schedule === null) fail(400, 'schedule cann\'t be empty');
    onlyFields(body.schedule, ['type', 'cron'], 'schedule.schedule');
    const parameters = body.parameters ?? {};
    if (Object.keys(parameters).length === 0) fail(400, 'schedule parameter cann\'t be empty');
    if (!('audit_retention_hour' in parameters)) fail(400, 'audit_retention_hour should provide');
    const hours = parameters.audit_retention_hour;
    if (typeof hours === 'number' && !Number.isInteger(hours)) fail(400, 'audit_retention_hour should be integer format');
    if (typeof hours === 'number' && hours > 240000) fail(400, 'audit_retention_hour should be less than 240000');
    if (!('include_event_types' in parameters)) fail(400, 'include_event_types should provide');
    const done = () => (method === 'POST' ? { status: 201, headers: { location: '/api/v2.0/system/purgeaudit/0' } } : { status: 200 });
    const type = body.schedule.type;
    if (type === 'None') {
      this.purgeSchedule = undefined;
      return done();
    }
    if (!['Hourly', 'Daily', 'Weekly', 'Custom'].includes(type)) fail(400, `the fake takes no schedule type ${JSON.stringify(type)}`);
    const cron = body.schedule.cron;
    if (typeof cron !== 'string' || cron === '' || cron.split(' ').length !== 6 || cron.split(' ')[0] !== '0') {
      fail(400, `invalid cron string for scheduled log rotation purge: ${cron}`);
    }
    if (this.jobserviceDownFor > 0) fail(500, 'internal server error', 'UNKNOWN');
    // GET shows them as Go's json.Marshal of a map writes them, keys sorted (src/controller/purge/model.go:47-53)
    this.purgeSchedule = { id: this.nextId++, type, cron, extraAttrs: Object.fromEntries(Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : 1))) };
    return done();
  }

  /**
   * CreateGCSchedule (201, with a Location) and UpdateGCSchedule (200) do the same (gc.go:54-80, kick :82-146): None
   * deletes any schedule; Hourly, Daily, Weekly and Custom validate the cron (:156-165, src/common/utils/utils.go:300-313)
   * and the workers (:133-142, :292-297), then delete any schedule and save a new one with core's _REDIS_URL_REG of
   * now. Manual would start a run, which the fake does not do. Unknown fields are refused (the swagger Schedule
   * definition, api/v2.0/swagger.yaml:8167-8194, and what Harbor's portal sends, gc.component.ts:218-273).
   */
  private saveGcSchedule(method: string, body: any) {
    onlyFields(body, ['schedule', 'parameters'], 'schedule');
    onlyFields(body.schedule, ['type', 'cron'], 'schedule.schedule');
    const parameters = body.parameters ?? {};
    onlyFields(parameters, ['delete_untagged', 'delete_tag', 'workers', 'dry_run'], 'schedule.parameters');
    const type = body.schedule.type;
    const done = () => (method === 'POST' ? { status: 201, headers: { location: '/api/v2.0/system/gc/0' } } : { status: 200 });
    if (type === 'None') {
      this.gcSchedule = undefined;
      return done();
    }
    if (!['Hourly', 'Daily', 'Weekly', 'Custom'].includes(type)) fail(400, `the fake takes no schedule type ${JSON.stringify(type)}`);
    if (parameters.workers !== undefined) {
      if (!Number.isInteger(parameters.workers)) fail(400, 'workers should be integer format');
      if (parameters.workers <= 0 || parameters.workers > 10) {
        fail(400, `Error: Invalid number of workers:${parameters.workers}. Workers must be greater than 0 and less than or equal to 10.`);
      }
    }
    const cron = body.schedule.cron;
    if (typeof cron !== 'string' || cron === '' || cron.split(' ').length !== 6 || cron.split(' ')[0] !== '0') {
      fail(400, `invalid cron string for scheduled gc: ${cron}`);
    }
    for (const key of ['delete_untagged', 'delete_tag', 'dry_run']) {
      if (parameters[key] !== undefined && typeof parameters[key] !== 'boolean') fail(400, `${key} must be a boolean`);
    }
    // the schedule is submitted to jobservice within the request, whose transaction then makes nothing
    // (src/pkg/scheduler/scheduler.go:180-192)
    if (this.jobserviceDownFor > 0) fail(500, 'internal server error', 'UNKNOWN');
    this.gcSchedule = {
      id: this.nextId++,
      type,
      cron,
      // CreateSchedule keeps these three, a false or 0 for one not sent (src/controller/gc/controller.go:206-212)
      extraAttrs: { delete_untagged: parameters.delete_untagged === true, delete_tag: parameters.delete_tag === true, workers: parameters.workers ?? 0 },
      dryRun: parameters.dry_run === true,
      redisUrlReg: this.coreRedisUrlReg,
    };
    return done();
  }

  /** Harbor's parseProjectNameOrID without X-Is-Resource-Name: a number is an id, anything else a name. */
  private projectOf(nameOrId: string): FakeProject {
    const project = /^\d+$/.test(nameOrId) ? this.projects.get(Number(nameOrId)) : this.project(nameOrId);
    return project ?? fail(404, `project ${nameOrId} not found`);
  }

  private groupByName(name: string, type: number): FakeUserGroup | undefined {
    return [...this.userGroups.values()].find((g) => g.group_name === name && g.group_type === type);
  }

  private addGroup(name: string, type: number): FakeUserGroup {
    const group = { id: this.nextGroupId++, group_name: name, group_type: type };
    this.userGroups.set(group.id, group);
    return group;
  }

  private entityName(m: FakeMember): string {
    if (m.entity_type === 'g') return this.userGroups.get(m.entity_id)!.group_name;
    return m.entity_id === 1 ? this.username : this.users.get(m.entity_id)!;
  }

  /**
   * ListProjectMembers (src/server/v2.0/handler/member.go:107-134, src/pkg/member/dao/dao.go:63-110): users and groups
   * ordered by name, `entityname` an exact match, paginated (page_size 10 by default, at most 100: api/v2.0/swagger.yaml
   * pageSize); X-Total-Count counts every member of the project, whatever the filter.
   */
  private listMembers(nameOrId: string, url: URL) {
    const project = this.projectOf(nameOrId);
    const page = Number(url.searchParams.get('page') ?? '1');
    const size = Number(url.searchParams.get('page_size') ?? '10');
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > 100) fail(422, 'page_size in query should be less than or equal to 100');
    const name = url.searchParams.get('entityname');
    const all = [...this.members.values()].filter((m) => m.project_id === project.project_id);
    const list = all.filter((m) => !name || this.entityName(m) === name)
      .sort((a, b) => (this.entityName(a) < this.entityName(b) ? -1 : this.entityName(a) > this.entityName(b) ? 1 : 0))
      .slice((page - 1) * size, page * size);
    return {
      status: 200,
      headers: { 'x-total-count': String(all.length) },
      body: list.map((m) => ({
        id: m.id, project_id: m.project_id, entity_name: this.entityName(m), role_name: ROLE_NAMES[m.role_id], role_id: m.role_id,
        entity_id: m.entity_id, entity_type: m.entity_type,
      })),
    };
  }

  /**
   * CreateProjectMember (member.go:42-60, src/controller/member/controller.go:120-226) for a group by name: the group is
   * looked up by name and type; one missing is made only in oidc_auth, whose SearchGroup finds any name
   * (src/core/auth/oidc/oidc.go:32-47), while db_auth's answers 404 "<name> not found" (src/core/auth/authenticator.go
   * DefaultAuthenticateHelper.SearchGroup). Then a duplicate is a 409, a role outside 1-5 a 400.
   */
  private createMember(nameOrId: string, body: any) {
    onlyFields(body, ['role_id', 'member_user', 'member_group'], 'project member');
    const project = this.projectOf(nameOrId);
    if (body.member_group === undefined || body.member_user !== undefined) fail(400, 'the fake only takes group members, by member_group');
    onlyFields(body.member_group, ['id', 'group_name', 'group_type', 'ldap_group_dn'], 'member_group');
    const { group_name: name, group_type: type } = body.member_group;
    if (typeof name !== 'string' || name === '') fail(400, 'the fake only takes groups by group_name');
    let group = this.groupByName(name, type);
    if (!group) {
      if (this.configurations.auth_mode !== 'oidc_auth') fail(404, `${name} not found`);
      group = this.addGroup(name, 3);
    }
    if ([...this.members.values()].some((m) => m.project_id === project.project_id && m.entity_type === 'g' && m.entity_id === group!.id)) {
      fail(409, 'The project member specified already exist');
    }
    if (!ROLE_NAMES[body.role_id]) fail(400, 'Failed to update project member, role is not in 1,2,3');
    const member: FakeMember = { id: this.nextMemberId++, project_id: project.project_id, entity_type: 'g', entity_id: group.id, role_id: body.role_id };
    this.members.set(member.id, member);
    return { status: 201, headers: { location: `/api/v2.0/projects/${nameOrId}/members/${member.id}` } };
  }

  /**
   * UpdateProjectMember (member.go:156-173, src/pkg/member/dao/dao.go:171-179): the role of the member of that id in
   * the project, silently nothing when there is none. Harbor does not check the role; the fake refuses one outside 1-5.
   */
  private updateMember(nameOrId: string, id: number, body: any) {
    onlyFields(body, ['role_id'], 'project member update');
    const project = this.projectOf(nameOrId);
    if (body.role_id === undefined) fail(400, 'role can not be empty');
    if (!ROLE_NAMES[body.role_id]) fail(400, `the fake refuses role ${body.role_id}`);
    const member = this.members.get(id);
    if (member && member.project_id === project.project_id) member.role_id = body.role_id;
    return { status: 200 };
  }

  /** DeleteProjectMember (member.go:75-88, dao.go:181-191): 200 whether or not the member was there. */
  private deleteMember(nameOrId: string, id: number, body: any) {
    if (body !== undefined) fail(400, 'DELETE takes no body');
    const project = this.projectOf(nameOrId);
    if (this.members.get(id)?.project_id === project.project_id) this.members.delete(id);
    return { status: 200 };
  }

  private toSwagger(r: FakeRobot) {
    return {
      id: r.id,
      name: `${this.robotPrefix}${r.name}`,
      level: r.level,
      description: r.description,
      duration: r.duration,
      disable: r.disable,
      editable: true,
      expires_at: r.expires_at,
      creation_time: r.creation_time,
      // Harbor groups scopes through a map: order is not preserved
      permissions: [...r.permissions].reverse().map((p) => ({ ...p, access: [...p.access].reverse() })),
    };
  }

  private listRobots(url: URL) {
    const q = parseQ(url);
    const level = q.Level ?? 'system';
    if (level !== 'system' && level !== 'project') fail(400, 'bad request error level input');
    let projectId = 0;
    if (level === 'project') {
      if (q.ProjectID === undefined) fail(400, 'must with project ID when to query project robots');
      projectId = Number(q.ProjectID);
      if (!Number.isInteger(projectId)) fail(400, 'Project ID must be int type.');
    }
    const list = [...this.robots.values()].filter((r) => r.level === level && r.project_id === projectId && (q.name === undefined || r.name === q.name));
    return { status: 200, body: list.map((r) => this.toSwagger(r)) };
  }

  /**
   * robotAPI.validate (goharbor/harbor v2.15.1 src/server/v2.0/handler/robot.go:330-365) in its order: permissions and
   * each access not empty, one permission for a project-level robot, every access one Harbor grants the permission's
   * kind (ROBOT_ACCESS), a kind "system" or "project"; then the controller's toScope (src/controller/robot/controller.go:361-379):
   * a system permission's namespace "/", a project one's "*" or an existing project.
   */
  private checkPermissions(level: string, permissions: any): FakePermission[] {
    if (!Array.isArray(permissions) || permissions.length === 0) fail(400, 'bad request empty permission');
    for (const p of permissions) {
      onlyFields(p, ['kind', 'namespace', 'access'], 'permission');
      if (!Array.isArray(p.access) || p.access.length === 0) fail(400, 'bad request empty access');
      for (const a of p.access) onlyFields(a, ['resource', 'action', 'effect'], 'access');
    }
    if (level === 'project' && permissions.length > 1) fail(400, 'bad request permission');
    for (const p of permissions) {
      const granted = Object.hasOwn(ROBOT_ACCESS, p.kind) ? ROBOT_ACCESS[p.kind] : fail(400, `bad request permission level: ${p.kind}`);
      for (const a of p.access) {
        if (!granted.has(`${a.resource}:${a.action}`)) fail(400, `bad request permission: ${a.resource}:${a.action}`);
      }
    }
    for (const p of permissions) {
      if (p.kind === 'system' && p.namespace !== '/') fail(400, 'unknown namespace');
      if (p.kind === 'project' && p.namespace !== '*' && !this.project(p.namespace)) fail(404, `project ${p.namespace} not found`);
    }
    return JSON.parse(JSON.stringify(permissions));
  }

  private createRobot(body: any) {
    onlyFields(body, ['name', 'description', 'level', 'duration', 'disable', 'permissions', 'secret'], 'robot');
    if (!NAME.test(body.name ?? '')) fail(400, 'robot name is not in lower case or contains illegal characters');
    if (body.level !== 'system' && body.level !== 'project') fail(400, `bad request error level input: ${body.level}`);
    checkDuration(body.duration);
    const permissions = this.checkPermissions(body.level, body.permissions);
    let name = body.name;
    let projectId = 0;
    if (body.level === 'project') {
      const project = this.project(permissions[0].namespace) ?? fail(404, 'project not found');
      name = `${project.name}+${body.name}`;
      projectId = project.project_id;
    }
    if (this.robot(name)) fail(409, `robot account ${projectId}:${name} already exists`);
    const secret = `Generated${this.nextId}Secret`;
    // the robot controller's Create: expires_at counts the duration from now (goharbor/harbor v2.15.2
    // src/controller/robot/controller.go:100-110); creation_time is the row's (src/pkg/robot/model/model.go:44)
    const now = Date.now();
    const stored: FakeRobot = {
      id: this.nextId++,
      name,
      level: body.level,
      project_id: projectId,
      description: body.description ?? '',
      duration: body.duration,
      disable: Boolean(body.disable),
      permissions,
      // like Harbor, a secret in the request is ignored
      secret,
      creation_time: new Date(now).toISOString(),
      expires_at: body.duration === -1 ? -1 : addDays(now, body.duration),
    };
    this.robots.set(stored.id, stored);
    return {
      status: 201,
      headers: { location: `/api/v2.0/robots/${stored.id}` },
      body: { id: stored.id, name: `${this.robotPrefix}${name}`, secret, creation_time: stored.creation_time, expires_at: stored.expires_at },
    };
  }

  private updateRobot(id: number, body: any) {
    const r = this.robots.get(id) ?? fail(404, `robot ${id} not found`);
    if (body === null || typeof body !== 'object') fail(400, 'body must be a JSON object');
    if (body.level !== r.level || body.name !== `${this.robotPrefix}${r.name}`) fail(400, 'cannot update the level or name of robot');
    checkDuration(body.duration);
    r.permissions = this.checkPermissions(body.level, body.permissions);
    r.description = body.description ?? '';
    // updateV2Robot (goharbor/harbor v2.15.2 src/server/v2.0/handler/robot.go:394-401): expires_at is recomputed only
    // when the duration changes, from the robot's creation_time, never from now; an expired robot stays expired
    if (body.duration !== r.duration) {
      r.expires_at = body.duration === -1 ? -1 : addDays(Date.parse(r.creation_time), body.duration);
    }
    r.duration = body.duration;
    r.disable = Boolean(body.disable);
    return { status: 200 };
  }

  /**
   * Whether Harbor lets robot `name` (as stored, no prefix) log in with `secret`: the robot security generator
   * (goharbor/harbor v2.15.2 src/server/middleware/security/robot.go:56-69) wants the secret, the robot enabled, and
   * expires_at -1 or still ahead.
   */
  public robotCanLogIn(name: string, secret: string): boolean {
    const r = this.robot(name);
    return r !== undefined && r.secret === secret && !r.disable && (r.expires_at === -1 || r.expires_at > Math.floor(Date.now() / 1000));
  }

  /**
   * As Harbor's DeleteRobot (goharbor/harbor src/server/v2.0/handler/robot.go): the robot is looked up first, so an
   * unknown id is a 404, and a deleted robot's secret logs in no more. No body is taken.
   */
  private deleteRobot(id: number, body: any) {
    if (body !== undefined) fail(400, 'DELETE takes no body');
    if (!this.robots.has(id)) fail(404, `robot ${id} not found`);
    this.robots.delete(id);
    return { status: 200 };
  }

  /**
   * RefreshSec (goharbor/harbor v2.15.1 src/server/v2.0/handler/robot.go:263-300): a secret that is absent or empty
   * has Harbor draw a random one, which the answer carries (a PATCH without a secret rotates it, and the pull Secrets
   * no longer match); a given one must pass IsValidSec, else a 400 with this message, and the answer's secret is "".
   */
  private refreshSecret(id: number, body: any) {
    onlyFields(body, ['secret'], 'robot secret');
    const r = this.robots.get(id) ?? fail(404, `robot ${id} not found`);
    if (body.secret === undefined || body.secret === '') {
      r.secret = `Refreshed${++this.refreshed}Secret`;
      return { status: 200, body: { secret: r.secret } };
    }
    if (!isValidSecret(body.secret)) {
      fail(400, 'the secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number');
    }
    r.secret = body.secret;
    return { status: 200, body: { secret: '' } };
  }
}

function unicodeEscape(c: string, upper = false): string {
  const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
}

/**
 * The ways a server may echo a secret back in an answer, by name, for failures to send and for
 * tests to look for. Every one must be redacted by the script.
 */
export function secretEchoes(secret: string, username = 'admin'): Record<string, string> {
  const json = JSON.stringify(secret).slice(1, -1);
  const flat = secret.replace(/\s+/g, ' ');
  const url = encodeURIComponent(secret);
  return {
    raw: secret,
    // JSON.stringify
    json,
    // PHP and some Java encoders escape "/"
    jsonSlash: json.replace(/\//g, '\\/'),
    // ensure_ascii style encoders, in both cases (JSON escapes use UTF-16 units)
    jsonAscii: json.replace(/[^\x00-\x7f]/g, (c) => unicodeEscape(c)),
    jsonAsciiUpper: json.replace(/[^\x00-\x7f]/g, (c) => unicodeEscape(c, true)),
    // Go's encoding/json, which is what Harbor uses
    jsonGo: json.replace(/[<>&\u2028\u2029]/g, (c) => unicodeEscape(c)),
    // an answer quoting a JSON document inside a JSON string
    jsonTwice: JSON.stringify(json).slice(1, -1),
    flattened: flat,
    flattenedTrimmed: flat.trim(),
    // whitespace doubled, or turned into other whitespace, before the script flattens it
    respaced: secret.replace(/\s+/g, '\n \t'),
    url,
    urlLower: url.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    form: url.replace(/%20/g, '+'),
    urlTwice: encodeURIComponent(url),
    urlOfJson: encodeURIComponent(json),
    base64: Buffer.from(secret, 'utf8').toString('base64'),
    base64url: Buffer.from(secret, 'utf8').toString('base64url'),
    // the Basic credential, and the secret behind some other prefix in a base64 blob
    basic: Buffer.from(`${username}:${secret}`, 'utf8').toString('base64'),
    base64Embedded: Buffer.from(`{"user":"x","password":"${json}"}`, 'utf8').toString('base64'),
  };
}
