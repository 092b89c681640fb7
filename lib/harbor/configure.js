'use strict';
// Applies the Harbor configuration declared in CONFIG_FILE (OIDC sign-in, registry endpoints, projects and their group
// members, robot accounts) through the Harbor v2.0 REST API. Run by a Kubernetes Job from a ConfigMap,
// so it is one self-contained file using only Node built-ins (Node >= 20, global fetch).
//
// Idempotent: each object is looked up by name and only what differs is written, except
// registry credentials, robot secrets and the OIDC settings with their client secret: Harbor never returns the
// secrets in clear, so they are re-applied on every run (which also makes rotating them a matter of re-running the Job).
//
// Environment:
//   HARBOR_URL                e.g. http://harbor-core.harbor.svc:80
//   HARBOR_USERNAME           default "admin"
//   HARBOR_ADMIN_PASSWORD     required
//   CONFIG_FILE               path of the JSON configuration (holds no secrets, only env var names)
//   HARBOR_WAIT_SECONDS       the run's retry budget, default 900: how long, counted from the start of the run, it
//                             keeps retrying while Harbor is unreachable or answers 502/503/504 (the first ping
//                             included), while it is in read-only mode (see READ_ONLY), while upstream registries are
//                             unhealthy, while jobservice is down and a proxy cache is to be created (awaitJobservice),
//                             and while projects other Jobs create are missing (see Chunks). One budget for
//                             the whole run, not one per item, so the run always ends, and prints what it did not
//                             apply, well within the Job's activeDeadlineSeconds (3600, see configure-job.ts)
//   HARBOR_RETRY_INTERVAL_MS  pause between retries; default 5000
//   HARBOR_REQUEST_TIMEOUT_MS how long an API call may take before it counts as Harbor not answering; default 30000
//   HARBOR_REGISTRY_TIMEOUT_MS the same for a registry create or update, which Harbor holds until it has checked the
//                             upstream (see UNHEALTHY_REGISTRY); default 120000. The Job sets neither: the tests
//                             shorten them to stand for slow answers without waiting minutes.
//   JOB_NAME                  this run's Job (the Job sets it from its pod's job-name label), and
//   CURRENT_JOBS_FILE         the list of the current configure Jobs, one name a line (mounted from a ConfigMap the
//                             kubelet keeps up to date): with both set, a run whose Job the list does not name writes
//                             nothing, and its first write waits for the list to settle (see Superseded runs)
//   HARBOR_SETTLE_SECONDS     how old this pod's copy of the list must be before the run's first write; default 240
//   HARBOR_SUPERSEDED_WAIT_SECONDS how long a run whose Job the list does not name waits for a list that does before it
//                             stops as superseded, and a run without a list waits for one before it goes on unfenced;
//                             default 300
//   plus every variable named by accessSecretEnv / secretEnv / clientSecretEnv in the configuration.
//
// CONFIG_FILE (unknown fields are refused; optional fields shown with their defaults):
//   registries: [{ name, type, url, insecure: false, description: "", accessKey: null, accessSecretEnv: null }]
//   projects:   [{ name, public: false, registry: null (a declared registry name: proxy cache),
//                  storageLimit: -1 (unlimited, or bytes: the project's storage quota, kept in line on every run;
//                  null: not managed, the quota Harbor keeps is left as it is, as for Harbor's library declared
//                  without a limit: see Public library),
//                  metadata: {} (string values, under the keys Harbor takes: see PROJECT_METADATA; a key left out
//                  keeps the value Harbor has, which a "note:" line names when it is not Harbor's default: see
//                  METADATA_DEFAULTS),
//                  members: null (not managed), or [{ group, role: one of ROLES }] (see Project members) }]
//   robots:     [{ name, level: "system"|"project", project: null (required for level project),
//                  description: "", duration: -1 (or 1.. days: see Expiring robots), permissions: [{ kind, namespace, access: [{ resource, action }] }],
//                  secretEnv, stateKey: null (the state key of its secret, "<namespace>/<secret>/<key>", named
//                  in the line of a disabled robot) }]
//   retiredRobots: [name] (optional: system-level robots to delete, e.g. a team's that left; see Retired robots)
//   retiredProjectGroups: [name] (optional: projects whose group members are all removed, e.g. a team's that left;
//                 see Retired project groups)
//   leftProjects: [name] (optional: projects an earlier synth declared that the code neither declares nor retires now;
//                 checked, never changed: see Left projects)
//   settings:   { projectCreationRestriction: "adminonly"|"everyone" } (optional; in one configuration only: see Settings)
//   oidc:       { name, endpoint, clientId, clientSecretEnv, scope (comma-separated, with "openid"), groupsClaim: "",
//                 adminGroup: "", groupFilter: "", userClaim: "", autoOnboard: false, verifyCert: true }
//               (optional: sign-in with an OIDC provider; see OIDC)
//   gc:         { schedule, cron, deleteUntagged, workers, captures } (optional; PUT every run: see garbage-collection.ts)
//   audit:      { schedule, cron, retentionHours, eventTypes: "pull_artifact,..." } (optional; the audit log purge,
//               saved every run as gc is: see audit-log-retention.ts)
//   libraryDeclared: false (optional: true when another configuration of this Harbor declares "library", which this
//               one must not list under projects; see Public library)
// Applied in the order OIDC, settings, registries, projects, robots, project members, retired robots, retired project
// groups, left projects, gc, audit: projects may use the registries, robots and members the projects, group members need OIDC.
//
// Settings: Harbor lets any user who has signed in create a project while project_creation_restriction is "everyone",
// its default (goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:115, src/server/v2.0/handler/project.go
// CreateProject), and makes the creator its projectAdmin (src/pkg/project/dao/dao.go Create): a team member could
// create a team's project before the Job and keep full control of it, as the Job adopts a project it finds. The
// configuration with "settings" (the first chunk's, lib/harbor/configure-job.ts) sets it, "adminonly" unless Harbor's
// usersCreateProjects says otherwise, read first and written only where it differs. An adopted project that another
// user than HARBOR_USERNAME created (its owner_name) gets a warning line naming the users other than HARBOR_USERNAME
// who administer it (warnOfProjectAdmins).
//
// OIDC: the settings, auth_mode "oidc_auth" included, are PUT to /configurations on every run, as the client secret
// cannot be compared (Harbor never returns it: goharbor/harbor v2.15.1 src/controller/config/controller.go:236-242);
// Harbor takes the same values again without a change. Harbor refuses to change auth_mode once it has a user other
// than admin (robots are no users): 400 "the auth mode cannot be modified as new users have been inserted into
// database" (controller.go:118-130, :288-294). The run then fails the OIDC item with a line that says so and how to
// check it; the rest is applied. admin keeps its password login in OIDC mode (src/core/auth/authenticator.go:142-144),
// so this Job's own login keeps working. A harbor-core run with CONFIG_OVERWRITE_JSON takes no setting at all through
// the API (see CONFIG_OVERWRITTEN): the OIDC item then fails, without a write, with a line naming the variable, and the
// rest is applied; any other 403 still means HARBOR_USERNAME is no system administrator, and stops the run.
// A configuration with "settings" but no "oidc" (the Harbor's code declares none) warns while Harbor's auth_mode is
// oidc_auth and its settings are not read-only: Harbor still signs users in over OIDC, which nothing then manages, and
// cannot leave it once users have signed in (src/controller/config/controller.go authModeCanBeModified) (checkNoOidc).
//
// Project members: a project with "members" has its GROUP members managed exactly: each declared group is made a
// member with its role (POST, or PUT where the role differs), and every other group member is removed (DELETE), so a
// group dropped from the configuration loses its access. User members (the project's creator, users added by hand)
// are never touched. Harbor makes an OIDC group on the first POST that names it, but only in oidc_auth mode
// (src/controller/member/controller.go:189-204, src/core/auth/oidc/oidc.go:32-47): the Job of the chunk that carries
// "oidc" sets that mode, maybe at the same time as this one, so declared groups wait for it (in the same rounds as the
// items behind an unhealthy upstream, within HARBOR_WAIT_SECONDS), and fail at once when Harbor's auth mode is locked.
//
// Retired robots: a robot that leaves the configuration keeps its permissions and its secret, which never expires at
// a duration of -1, so leaving it out is not enough to revoke it: the configuration names it under retiredRobots, and
// the run deletes it (DELETE /robots/{id}, goharbor/harbor src/server/v2.0/handler/robot.go DeleteRobot), which ends
// every login with its secret. One already gone is reported and left alone, so the step stays idempotent.
//
// Expiring robots: a robot with a duration of N days expires N days after Harbor created it, and then logs in no more
// (goharbor/harbor v2.15.2 src/server/middleware/security/robot.go:65-69). No update extends that: Harbor recomputes
// expires_at only when the duration changes, and counts it from the robot's creation, not from the update
// (src/server/v2.0/handler/robot.go:394-401). So a declared robot that has expired, or that the declared duration,
// counted from its creation, would leave expired, is deleted and created anew (its N days count from then), with a
// line saying why, and its secret set as usual; the Job only runs again on a change of its state, so such a robot's
// logins fail from its expiry until the next run. A duration of -1 lifts an expiry with an update (robot.go:396-397).
//
// Disabled robots: a robot an operator disabled in Harbor (after its secret leaked, say) is left disabled: no update, no
// renewal, as the Job, run again by a later apply (finished Jobs are deleted after ten minutes), would otherwise enable
// it again with the secret that leaked. Its secret is still set to the state's, which leaves the flag as it is
// (v2.15.1 src/server/v2.0/handler/robot.go RefreshSec changes the secret alone), so that a rotation reaches it before
// the operator enables it again. Its item fails, with a line naming the way out: rotate its secret
// (DOCKYARD_ROTATE=<stateKey>), apply, then enable it in Harbor; or retire it. Harbor keeps the flag as "disable" and
// an update sets it from the body (robot.go updateV2Robot, r.Disabled = params.Robot.Disable), so the update of an
// enabled robot sends it back as listed. A secret refreshed in Harbor's UI cannot be seen (Harbor keeps only a hash)
// and is set back to the state's by the next run.
//
// Retired project groups: a project that leaves the configuration keeps its members, so the groups of a team that left
// would keep pulling its images. The configuration names the project under retiredProjectGroups, and the run removes
// every GROUP member of it, as a project declared with "members": [] would (ensureMembers: one mechanism for both),
// and never touches its user members. A project that is not in Harbor (deleted by hand, which deletes its members
// too: goharbor/harbor v2.15.1 src/controller/event/handler/internal/project.go:41-53) is reported and left alone:
// never created, so the step stays idempotent and a deleted project stays deleted. A project is either declared or
// retired, so no two items of one configuration disagree about its groups.
//
// Left projects: a project taken out of the code without a retirement stays in Harbor as it was, public flag included,
// and no item names it. The synth that finds one (its previous output's mark lists the projects declared before:
// lib/core/left-names.ts) names it under leftProjects, in the first chunk only. The run writes nothing for it: it looks
// the project up and, while it is public, warns as for a retired project (publicProjectWarning), with what to do; one
// not in Harbor, or private, gets a line of its own. Whether it keeps its group members is the code's to say
// (retireProjectGroups), not this run's. A project is declared, retired or left, one of the three.
//
// Superseded runs: a Job of an earlier state, still retrying when a newer state is applied (Harbor was down, say),
// would apply its older state after the newer one's Job is done: a retired robot or group back, a rotated robot secret
// set back to the old one. Every Job mounts the list of the current Jobs (a ConfigMap of a fixed name, which each apply
// replaces and the kubelet projects into running pods too, at the pod's next sync: every syncFrequency, a minute by
// default, plus up to half of it again, 90s at most: kubernetes/kubernetes pkg/kubelet/pod_workers.go completeWork,
// wait.Jitter(resyncInterval, workerResyncIntervalJitterFactor 0.5)) and knows its own name. Before every write the run
// reads the list: when it names the run's Job, the write goes ahead; when it does not, the run writes nothing, waits up
// to HARBOR_SUPERSEDED_WAIT_SECONDS for a list that does (this pod's copy may be the one before the apply that made the
// Job), and then stops as superseded, with exit status 0: its work is the newer Jobs'. When there is no list, it waits
// as long for one (`pulumi up` deletes the ConfigMap before it makes it anew, as it replaces a ConfigMap whose data
// changes), then, if the run has read no list before, goes on unfenced while there is none, as before there was one;
// a run that has read one (which may have left it out) stops as superseded instead. Without JOB_NAME or
// CURRENT_JOBS_FILE nothing is fenced.
// And the first write waits until this pod's copy of the list is HARBOR_SETTLE_SECONDS old, so that every older run has
// seen the list that leaves it out, and any write it had already sent has ended, before this run changes anything an
// older one could set back: 240s by default, the kubelet's 90s, the longest request (a registry write,
// HARBOR_REGISTRY_TIMEOUT_MS, 120s) and 30s to spare. A kubelet with a longer syncFrequency needs a longer wait.
//
// Public library: Harbor makes its built-in project "library" public at its first start; a configuration that declares
// it (Harbor.declareLibrary) takes it over as it finds it, as any declared project, and sets its visibility, private
// unless declared public; its storage quota only when a limit is declared (storageLimit null otherwise: a quota set by
// hand stays). Like any declared project it is created only when Harbor lacks it (deleted by hand), and never deleted.
// Otherwise nothing makes it private. A run that applies a robot which may push to it warns, once, while Harbor lists it
// public: what the robot pushes (the DigitalOcean program's platform pipelines push there) anyone pulls without a
// login (warnOfPublicLibrary). A robot goes with the chunk of its first permission's project (lib/harbor/configure-job.ts),
// which need not be library's: the chunk of one that pushes to library while another chunk declares it says so
// (libraryDeclared), and its run warns of nothing, as the other chunk's Job sets library's visibility as declared (and
// on a first run, with the Jobs running at the same time, may not have yet).
//
// Chunks: a large configuration is split over several Jobs that run at the same time, each with its own CONFIG_FILE
// (lib/harbor/configure-job.ts). A robot may name a project this file does not declare (a shared proxy cache, or
// Harbor's "library"): it must exist in Harbor, and until it does (another Job creating it) the robot waits, in the
// same rounds and backoff as the items behind an unhealthy upstream, within HARBOR_WAIT_SECONDS; then it fails.
//
// A failing item does not stop the independent ones: each failure is printed as it happens,
// the items that need it (a proxy project its registry, a robot its projects) are skipped, and
// the run ends with a line naming every item not applied. Bad credentials, a wrong HARBOR_URL
// or Harbor itself staying unreachable stop the run at once.
//
// Upstream registries Harbor finds unhealthy, or whose writes time out or answer 500 (see
// UNHEALTHY_REGISTRY), are tried once, then every project and robot that does not need them is
// applied, and only then are they retried, all in the same rounds with one backoff, until the
// run's budget runs out; the items that need one are applied as soon as it is. A registry that
// already exists in Harbor does not hold up its proxy-cache project and robots even when its
// update fails, nor does a project that exists its robots: they exist already, and a robot secret
// rotated in the cluster must reach Harbor (the pull Secrets carry the new one already).
//
// An object another run creates between the look-up and the POST (a 409) is looked up again and
// applied as found (see create).
//
// Exit status 0 when everything converged or the run was superseded (see Superseded runs), 1 otherwise. No secret value is ever printed:
// request bodies are never logged and every line goes through the Redactor (see Redaction).

const fs = require('node:fs');

const API = '/api/v2.0';
// Harbor's own rule for project and robot names; also keeps names free of the "," and "="
// that delimit the q= query syntax.
const HARBOR_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
// Harbor refuses registry names over 64 characters (goharbor/harbor v2.15.1 src/controller/registry/controller.go:92).
const REGISTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// Harbor's isValidDuration: -1 (never expires) or 1 to 2^31-2 days (src/server/v2.0/handler/robot.go:423).
const MAX_ROBOT_DURATION = 2 ** 31 - 2;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TRANSIENT_STATUS = new Set([502, 503, 504]);
const BODY_EXCERPT_CHARS = 300;
const RETRY_LOG_EVERY_MS = 30000;
// The longest pause between retries of an upstream registry Harbor found unhealthy.
const MAX_BACKOFF_MS = 60000;
// Harbor's answer when the health check it runs on every registry create and update fails: a 400, though the
// upstream may only be down for a moment (goharbor/harbor v2.15.1 src/controller/registry/controller.go:100-107,
// called by Update at :124-126 as well). What bad upstream credentials give depends on the adapter. The native
// (docker-registry) adapter's HealthCheck pings with them and reports any failure, a 401 included, as unhealthy: the
// same 400 (src/pkg/reg/adapter/native/adapter.go:118-131). The Docker Hub adapter logs in to Hub while it is being
// built (src/pkg/reg/adapter/dockerhub/adapter.go:43-47, client.go:65-68), before any health check, and IsHealthy
// hands that error on as it is (controller.go:172-176): a wrong token, a Hub outage or a 429 comes back as a bare
// 500 "internal server error", the cause only in core's log (src/lib/http/error.go:52-60). Both answers to a
// registry write are retried as an unhealthy upstream (upstreamDown): a typo in a registry's credentials costs the
// run's retry budget (HARBOR_WAIT_SECONDS) before it is reported, with UPSTREAM_HINTS; the other items are applied
// first all the same.
//
// The health check also makes a registry write as slow as the upstream: Harbor's clients wait up to 30 s to connect
// and 10 s for TLS (src/common/http/transport.go:65-73), and a registry client up to 30 minutes for an answer
// (src/pkg/registry/client.go:67-90, :156-159). So registry writes get HARBOR_REGISTRY_TIMEOUT_MS rather than
// HARBOR_REQUEST_TIMEOUT_MS, and one that times out is an unhealthy upstream too, not Harbor not being ready: retried
// with the others after the items that do not need it, rather than ending the run once HARBOR_WAIT_SECONDS is spent.
const UNHEALTHY_REGISTRY = 'the registry is unhealthy';
// Harbor answers every robot's name with its robot_name_prefix setting in front (default "robot$", editable by an
// admin: goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:155; src/controller/robot/controller.go:257-263)
// and lets a robot log in only under a name with the current prefix (src/server/middleware/security/robot.go:39-41).
// Dockyard's pull secrets log in as "robot$<name>" (lib/harbor/harbor.ts, the username in declareRobot): a robot whose
// name Harbor answers with another prefix fails (robotNameProblem), or the Job would pass with logins that cannot work.
const ROBOT_PREFIX = 'robot$';
// What the bare 500 of a registry write may hide (see above).
const UPSTREAM_HINTS = {
  500: " (for docker-hub, check the upstream username and token; Harbor core's log has the cause)",
};

// Harbor's project roles by name, as its role table names them, and their ids (goharbor/harbor v2.15.1
// src/common/const.go:37-41).
const ROLES = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 };
// A user group made from an OIDC groups claim (src/common/const.go, OIDCGroupType).
const OIDC_GROUP_TYPE = 3;
// The most members Harbor lists a page (api/v2.0/swagger.yaml, parameter pageSize: maximum 100).
const MEMBER_PAGE_SIZE = 100;
// The longest group name Harbor stores (user_group.group_name varchar(255), make/migrations/postgresql/0001_initial_schema.up.sql:124).
const MAX_GROUP_NAME = 255;
// Harbor's answer to an auth_mode change once it has users (src/controller/config/controller.go:118-130).
const AUTH_MODE_LOCKED = 'the auth mode cannot be modified';
// Harbor's answer to any PUT /configurations while core runs with CONFIG_OVERWRITE_JSON: a 403 (code FORBIDDEN) whose
// message says so, for every setting, not only those the variable lists: core sets readOnlyForAll once it has applied
// the variable at start (goharbor/harbor v2.15.2 src/controller/config/controller.go:272-286, src/core/main.go:225)
// and UpdateUserConfigs then refuses every change (controller.go:79-82). An admin who lacks the right gets a 403 of
// the same code whose message is only the user's name (src/server/v2.0/handler/base.go:127-139, handler/config.go:76).
// GET /configurations tells it as well: every setting comes with editable false (controller.go:251-254, :267), while
// otherwise only auth_mode ever is.
const CONFIG_OVERWRITTEN = 'current config is init by env variable: CONFIG_OVERWRITE_JSON';
// Harbor's answer to every change while its read_only setting is on ("Repository Read Only" under Configuration >
// System Settings; common.ReadOnly, goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:116): a 403 of code
// DENIED with this message for every POST, PUT, PATCH and DELETE but PUT /configurations
// (src/server/middleware/readonly/readonly.go, src/core/middlewares/middlewares.go readonlySkippers; DENIED is a 403 by
// src/lib/http/error.go:38). An admin turns it on for a while (a backup, a migration), so it is retried as Harbor not
// being ready, within HARBOR_WAIT_SECONDS, not taken for HARBOR_USERNAME lacking the right, which stopped the run at
// once: a Job that fails is deleted ten minutes later and runs again only at a later apply, and meanwhile Harbor keeps
// a robot secret the pull Secrets no longer carry.
const READ_ONLY = 'The system is in read only mode';
// The OIDC settings: the configuration's field and Harbor's key (src/common/const.go:110-122, api/v2.0/swagger.yaml
// Configurations), in the order they are compared and logged. oidc_client_secret is apart: it is never returned.
const OIDC_SETTINGS = [
  ['name', 'oidc_name'], ['endpoint', 'oidc_endpoint'], ['clientId', 'oidc_client_id'], ['scope', 'oidc_scope'],
  ['groupsClaim', 'oidc_groups_claim'], ['adminGroup', 'oidc_admin_group'], ['groupFilter', 'oidc_group_filter'],
  ['userClaim', 'oidc_user_claim'], ['autoOnboard', 'oidc_auto_onboard'], ['verifyCert', 'oidc_verify_cert'],
];

// Who may create projects: Harbor's project_creation_restriction takes these two (goharbor/harbor v2.15.1
// src/lib/config/metadata/type.go ProjectCreationRestrictionType, src/common/const.go ProCrtRestrAdmOnly, ProCrtRestrEveryone)
// and defaults to "everyone" (src/lib/config/metadata/metadatalist.go:115).
const PROJECT_CREATION_RESTRICTIONS = ['adminonly', 'everyone'];
// The entity_type of a project member that is a user, not a group (goharbor/harbor v2.15.1 src/pkg/member/models/member.go):
// the projectAdmin users of an adopted project are warned of (see Settings).
const USER_MEMBER = 'u';
// Harbor's but Manual (goharbor/harbor v2.15.1 handler/gc.go:92-144)
const GC_TYPES = ['Hourly', 'Daily', 'Weekly', 'Custom', 'None'];

/** The configuration or environment is wrong: fails before Harbor is contacted. */
class ConfigError extends Error {}
/**
 * Harbor is not reachable or not ready yet, or an upstream registry is down: worth retrying until the run's deadline.
 * `upstream` marks the latter, which main retries with backoff once the other items are applied and which, past the
 * deadline, fails only its own item.
 */
class TransientError extends Error {
  constructor(message, upstream = false) {
    super(message);
    this.upstream = upstream;
  }
}
/** Harbor answered and refused, or holds state the config cannot converge: retrying will not help. */
class HarborError extends Error {
  /** @param status Harbor's HTTP status, when it answered with an error */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}
/** Nothing else can succeed either (bad credentials, wrong HARBOR_URL, Harbor gone): the run stops at once. */
class FatalError extends HarborError {}
/** The list of the current Jobs does not name this run's: it stops, having written nothing since (see Superseded runs). */
class SupersededError extends Error {}

// ---------------------------------------------------------------------------------------------
// Redaction. Every secret value known to the process (the admin password, the Basic credential
// built from it, registry access secrets, the declared robot secrets and the random secrets Harbor
// generates for new robots) is scrubbed from everything the script prints: log lines, excerpts of
// Harbor's answers, error messages and stack traces. It is a last line of defence should Harbor,
// a proxy or Node itself ever echo one back.
//
// A secret is matched in any of the forms it may take on the way back:
//   - raw, or with its whitespace runs collapsed to one space (excerpts flatten whitespace);
//   - JSON-escaped, once or several times over (\" \\ \/ \n, \uXXXX in either case: JSON.stringify,
//     Go's encoding/json which also escapes < > & U+2028 U+2029, ASCII-only encoders);
//   - URL-encoded (%XX in either case, "+" for a space, %25XX when encoded again);
//   - base64 and base64url of the secret, raw or JSON-escaped: of the secret alone, and the part of
//     its encoding that does not depend on what surrounds it, so that it is also found inside a
//     longer blob such as the Basic credential of any user name or an encoded JSON document.
// Matching is per character, so a mix of these (a JSON-escaped secret in a URL) is found too;
// ASCII letters and digits are only matched as themselves (no encoder escapes them).
// Every match of every form is masked, overlapping ones merged into a single marker, so the
// order of the secrets does not matter (they are still tried longest first).
//
// Secrets shorter than MIN_SECRET_CHARS are not masked: masking 1 to 3 characters would mangle
// every message (an "a" would hide every "a"), and such a value can be guessed anyway. Robot
// secrets are at least 8 bytes (Harbor's rule, checked below), the generated admin password 24
// characters; a user-supplied admin password that short still has its Basic credential masked.
//
// Excerpts of answers are redacted before whitespace is flattened, again after, and only then
// cut, so no secret can straddle the cut. As a further guard, an answer, or an excerpt, that ends
// with the first MIN_SECRET_CHARS or more characters of a (literal) form of a secret has that
// tail masked: it is what is left when Harbor or a proxy cut a secret short.

const REDACTED = '[REDACTED]';
const MIN_SECRET_CHARS = 4;
// Every repetition is bounded, so that no answer, however long and odd, takes more than linear
// time: a backslash may be escaped up to 4 times over (16 backslashes), a % encoded 3 times.
const MAX_ESCAPES = 16;
const PERCENT = `%(?:25){0,3}`;
// One backslash, raw or URL-encoded.
const BACKSLASH = `(?:\\\\|${PERCENT}5[cC])`;
// JSON's two-character escapes; \b and \f are also written as \u0008 and \u000c by some encoders.
const JSON_SHORT_ESCAPES = { '"': '"', '/': '/', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function anyCaseHex(hex) {
  return hex.replace(/[a-f]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

function percentEncoded(ch) {
  return [...Buffer.from(ch, 'utf8')].map((b) => `${PERCENT}${anyCaseHex(b.toString(16).padStart(2, '0'))}`).join('');
}

/** The ways one character (a code point) may be written back: raw, JSON-escaped, URL-encoded. */
function charAlternatives(ch) {
  if (/^[A-Za-z0-9]$/.test(ch)) {
    return [ch];
  }
  const alternatives = [];
  if (ch === '\\') {
    alternatives.push(BACKSLASH);
  } else {
    alternatives.push(escapeRegExp(ch));
    const short = JSON_SHORT_ESCAPES[ch];
    if (short) {
      // the escaped " or / may have been URL-encoded after the backslash
      const escaped = /[a-z]/.test(short) ? short : `(?:${escapeRegExp(short)}|${percentEncoded(short)})`;
      alternatives.push(`${BACKSLASH}{1,${MAX_ESCAPES}}${escaped}`);
    }
    let units = '';
    for (let i = 0; i < ch.length; i++) {
      units += `${BACKSLASH}{1,${MAX_ESCAPES}}u${anyCaseHex(ch.charCodeAt(i).toString(16).padStart(4, '0'))}`;
    }
    alternatives.push(units);
  }
  alternatives.push(percentEncoded(ch));
  if (ch === ' ') {
    alternatives.push('\\+');
  }
  return alternatives;
}

/**
 * A regular expression source matching `form` written in any of the ways above. A run of
 * whitespace inside the form matches any run of whitespace or escaped whitespace (flattening
 * turns it into one space; other code may re-indent it); it always follows a character of the
 * form, so a long run in the text is not scanned from every position. A run of n whitespace
 * characters at either end matches 0 to n of them, as trimming may have dropped them, or 1 to n
 * when the rest is too short to be matched on its own. A run of n backslashes matches n to 16n.
 */
function formPattern(form) {
  const chars = [...form];
  const isSpace = (ch) => /^\s$/.test(ch);
  const core = form.trim();
  const optionalEdges = [...core].length >= MIN_SECRET_CHARS;
  let source = '';
  for (let i = 0; i < chars.length;) {
    let j = i;
    if (isSpace(chars[i])) {
      const escaped = new Set();
      while (j < chars.length && isSpace(chars[j])) {
        charAlternatives(chars[j]).slice(1).forEach((a) => escaped.add(a));
        j++;
      }
      const edge = i === 0 || j === chars.length;
      const count = !edge ? '+' : `{${optionalEdges ? 0 : 1},${j - i}}`;
      source += `(?:\\s|${[...escaped].join('|')})${count}`;
    } else if (chars[i] === '\\') {
      while (j < chars.length && chars[j] === '\\') {
        j++;
      }
      source += `${BACKSLASH}{${j - i},${(j - i) * MAX_ESCAPES}}`;
    } else {
      const alternatives = charAlternatives(chars[i]);
      source += alternatives.length === 1 ? alternatives[0] : `(?:${alternatives.join('|')})`;
      j++;
    }
    i = j;
  }
  return source;
}

/**
 * The base64 and base64url forms of a secret, raw or JSON-escaped (inside an encoded JSON
 * document): the whole encoding (padded and not), and for each of the three byte alignments it
 * may have inside a longer blob, the characters that depend on the secret's bytes alone.
 */
function base64Forms(value) {
  const json = JSON.stringify(value).slice(1, -1);
  return [...new Set([value, json].flatMap(base64Encodings))];
}

function base64Encodings(value) {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    if (offset === 0) {
      forms.push(encoded, encoded.replace(/=+$/, ''));
    }
    // the first characters mix in the preceding bytes, the last ones the following bytes
    const start = offset === 0 ? 0 : offset + 1;
    const rest = (offset + bytes.length) % 3;
    const end = encoded.length - (rest === 0 ? 0 : rest === 1 ? 3 : 2);
    forms.push(encoded.slice(start, end));
  }
  return [...forms, ...forms.map((f) => f.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))];
}

/** JSON string escaping the way various encoders write it, without the quotes. */
function jsonForms(value) {
  const plain = JSON.stringify(value).slice(1, -1);
  const forms = new Set();
  for (const slash of [false, true]) {
    for (const html of [false, true]) {
      for (const unicode of [null, 'lower', 'upper']) {
        let form = slash ? plain.replace(/\//g, '\\/') : plain;
        if (html) {
          form = form.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        }
        if (unicode) {
          form = form.replace(/[^\x00-\x7f]/g, (c) => {
            const hex = `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
            return unicode === 'upper' ? hex.toUpperCase().replace('\\U', '\\u') : hex;
          });
        }
        forms.add(form);
      }
    }
  }
  return [...forms];
}

/** The literal forms of a secret, used to spot a secret cut short at the end of an excerpt. */
function literalForms(value) {
  const forms = new Set();
  for (const base of [value, ...base64Forms(value)]) {
    const flat = base.replace(/\s+/g, ' ');
    for (const form of new Set([base, flat, flat.trim()])) {
      [form, ...jsonForms(form)].forEach((f) => forms.add(f));
      // a string with a lone surrogate cannot be URL-encoded (nor come from the environment)
      if (form.isWellFormed()) {
        const url = encodeURIComponent(form);
        [url, url.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()), url.replace(/%20/g, '+')].forEach((f) => forms.add(f));
      }
    }
  }
  // as excerpts show them: an escaped form keeps the secret's spaces, which flattening collapses
  for (const form of [...forms]) {
    forms.add(form.replace(/\s+/g, ' '));
    forms.add(form.replace(/\s+/g, ' ').trim());
  }
  return [...forms].filter((f) => [...f].length >= MIN_SECRET_CHARS);
}

/** Scrubs a set of secret values from text; pure apart from the values it is given. */
class Redactor {
  constructor(values = []) {
    /** @type {Set<string>} */
    this.values = new Set();
    /** @type {{ length: number, pattern: RegExp }[]} */
    this.patterns = [];
    /** @type {string[]} */
    this.forms = [];
    this.add(...values);
  }

  /** Adds secret values; empty, non-string and too short values are ignored (see above). */
  add(...values) {
    for (const value of values) {
      if (typeof value !== 'string' || this.values.has(value) || [...value].length < MIN_SECRET_CHARS) {
        continue;
      }
      this.values.add(value);
      const bases = new Set([value, ...base64Forms(value)]);
      for (const base of bases) {
        if ([...base].length >= MIN_SECRET_CHARS) {
          this.patterns.push({ length: base.length, pattern: new RegExp(formPattern(base), 'g') });
        }
      }
      this.forms.push(...literalForms(value));
    }
    // longest first, so a secret containing another is tried whole first
    this.patterns.sort((a, b) => b.length - a.length);
    this.forms = [...new Set(this.forms)].sort((a, b) => b.length - a.length);
    return this;
  }

  /** `text` with every match of every secret form replaced by REDACTED. */
  redact(text) {
    const input = String(text);
    const spans = [];
    for (const { pattern } of this.patterns) {
      pattern.lastIndex = 0;
      let match;
      while ((match = pattern.exec(input)) !== null) {
        if (match[0].length > 0) {
          spans.push([match.index, match.index + match[0].length]);
        }
        // restart just after the start, not the end: overlapping matches are masked as well
        pattern.lastIndex = match.index + 1;
      }
    }
    if (spans.length === 0) {
      return input;
    }
    spans.sort((a, b) => a[0] - b[0]);
    let out = '';
    let at = 0;
    for (let i = 0; i < spans.length;) {
      const start = spans[i][0];
      let end = spans[i][1];
      for (i++; i < spans.length && spans[i][0] <= end; i++) {
        end = Math.max(end, spans[i][1]);
      }
      out += input.slice(at, start) + REDACTED;
      at = end;
    }
    return out + input.slice(at);
  }

  /**
   * The start of `text` for an error message: redacted, whitespace flattened, redacted again, cut
   * to `limit` characters (never inside a marker or a surrogate pair), and with a tail that could
   * be the start of a secret masked, both before (a server or proxy may have cut the text) and
   * after the cut.
   */
  excerpt(text, limit) {
    const body = this.maskSecretPrefix(String(text === undefined || text === null ? '' : text).replace(/\s+$/, ''));
    const flat = this.redact(this.redact(body).replace(/\s+/g, ' ').trim());
    let kept = flat;
    const cut = flat.length > limit;
    if (cut) {
      let end = limit;
      const marker = flat.lastIndexOf(REDACTED, end - 1);
      if (marker >= 0 && marker + REDACTED.length > end) {
        end = marker + REDACTED.length;
      } else if (/[\ud800-\udbff]/.test(flat[end - 1])) {
        end--;
      }
      kept = flat.slice(0, end);
    }
    // re-checked after the cut
    kept = this.maskSecretPrefix(this.redact(kept));
    return cut ? `${kept}…` : kept;
  }

  /** Masks a tail of MIN_SECRET_CHARS or more characters that begins a form of a secret. */
  maskSecretPrefix(text) {
    if (text.endsWith(REDACTED)) {
      return text;
    }
    let start = text.length;
    const last = text.charCodeAt(text.length - 1);
    for (const form of this.forms) {
      for (let length = Math.min(form.length, text.length); length >= MIN_SECRET_CHARS && text.length - length < start; length--) {
        if (form.charCodeAt(length - 1) === last && text.endsWith(form.slice(0, length))) {
          start = text.length - length;
          break;
        }
      }
    }
    return start === text.length ? text : text.slice(0, start) + REDACTED;
  }
}

// The secrets of this run; main adds them as it learns them.
const redactor = new Redactor();

function log(line) {
  process.stdout.write(`${redactor.redact(line)}\n`);
}

/** The line printed for the error that ends the run: the message, or the stack of a bug. */
function describeFailure(err, scrubber = redactor) {
  const expected = err instanceof ConfigError || err instanceof HarborError;
  return `error: ${scrubber.redact(expected ? err.message : (err && err.stack) || err)}\n`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Settings and configuration: everything is validated before the first request, so a typo fails
// in milliseconds instead of after Harbor has been half-configured.

function readSettings(env) {
  const rawUrl = env.HARBOR_URL;
  if (!rawUrl) {
    throw new ConfigError('environment variable HARBOR_URL is not set');
  }
  let url;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigError(`HARBOR_URL ${JSON.stringify(rawUrl)} is not a valid URL`);
  }
  if (url.username || url.password) {
    // not echoing the value: it holds credentials
    throw new ConfigError('HARBOR_URL must not contain credentials; set HARBOR_USERNAME and HARBOR_ADMIN_PASSWORD');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`HARBOR_URL ${JSON.stringify(rawUrl)} must be an http or https URL`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(`HARBOR_URL ${JSON.stringify(rawUrl)} must not have a query or fragment`);
  }
  const adminSecret = env.HARBOR_ADMIN_PASSWORD;
  if (!adminSecret) {
    throw new ConfigError('environment variable HARBOR_ADMIN_PASSWORD is not set');
  }
  const configFile = env.CONFIG_FILE;
  if (!configFile) {
    throw new ConfigError('environment variable CONFIG_FILE is not set');
  }
  return {
    base: url.origin + url.pathname.replace(/\/+$/, ''),
    username: env.HARBOR_USERNAME || 'admin',
    adminSecret,
    configFile,
    waitSeconds: nonNegativeInteger(env, 'HARBOR_WAIT_SECONDS', 900),
    retryIntervalMs: nonNegativeInteger(env, 'HARBOR_RETRY_INTERVAL_MS', 5000),
    requestTimeoutMs: positiveInteger(env, 'HARBOR_REQUEST_TIMEOUT_MS', 30000),
    registryTimeoutMs: positiveInteger(env, 'HARBOR_REGISTRY_TIMEOUT_MS', 120000),
    // both or neither: one without the other cannot tell whether this run is current
    fence: env.JOB_NAME && env.CURRENT_JOBS_FILE ? {
      jobName: env.JOB_NAME,
      file: env.CURRENT_JOBS_FILE,
      settleMs: nonNegativeInteger(env, 'HARBOR_SETTLE_SECONDS', 240) * 1000,
      supersededWaitMs: nonNegativeInteger(env, 'HARBOR_SUPERSEDED_WAIT_SECONDS', 300) * 1000,
      settled: false,
      unfenced: false,
      sawList: false,
    } : undefined,
  };
}

function positiveInteger(env, name, fallback) {
  const value = nonNegativeInteger(env, name, fallback);
  if (value === 0) {
    throw new ConfigError(`${name} "0" must be a positive integer`);
  }
  return value;
}

function nonNegativeInteger(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError(`${name} ${JSON.stringify(raw)} must be a non-negative integer`);
  }
  return Number(raw);
}

function readConfig(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read CONFIG_FILE ${file}: ${err.message}`);
  }
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE ${file} is not valid JSON: ${err.message}`);
  }
  return validateConfig(raw);
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkObject(value, where, allowed) {
  if (!isObject(value)) {
    throw new ConfigError(`${where} must be an object`);
  }
  // unknown fields are refused: a misspelt field would otherwise be silently ignored
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${where}: unknown field "${key}" (allowed: ${allowed.join(', ')})`);
    }
  }
  return value;
}

/**
 * Reads `obj[key]` as `type`; a missing or null value yields `fallback`, and is an error when
 * `fallback` is undefined (required field).
 */
function field(obj, key, where, type, fallback) {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (fallback === undefined) {
      throw new ConfigError(`${where}: field "${key}" is required`);
    }
    return fallback;
  }
  const ok = type === 'integer' ? Number.isSafeInteger(value)
    : type === 'array' ? Array.isArray(value)
      : type === 'object' ? isObject(value)
        : typeof value === type;
  if (!ok) {
    throw new ConfigError(`${where}: field "${key}" must be ${type === 'integer' || type === 'array' || type === 'object' ? 'an' : 'a'} ${type}, got ${JSON.stringify(value)}`);
  }
  // only fields defaulting to "" (descriptions) may be empty
  if (value === '' && fallback !== '') {
    throw new ConfigError(`${where}: field "${key}" must not be empty`);
  }
  return value;
}

function envName(obj, key, where, fallback) {
  const name = field(obj, key, where, 'string', fallback);
  if (name !== null && !ENV_NAME.test(name)) {
    throw new ConfigError(`${where}: field "${key}" ${JSON.stringify(name)} is not a valid environment variable name`);
  }
  return name;
}

/** Names an entry by its name when it has one, so errors point at what the author wrote. */
function entryLabel(raw, kind, list, index) {
  return isObject(raw) && typeof raw.name === 'string' && raw.name ? `${kind} ${raw.name}` : `${list}[${index}]`;
}

function unique(items, keyOf, what) {
  const seen = new Set();
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) {
      throw new ConfigError(`${what} ${key} is declared twice`);
    }
    seen.add(key);
  }
}

function validateConfig(raw) {
  checkObject(raw, 'configuration', ['registries', 'projects', 'robots', 'retiredRobots', 'retiredProjectGroups', 'leftProjects', 'oidc', 'settings', 'gc', 'audit', 'libraryDeclared']);
  const registries = field(raw, 'registries', 'configuration', 'array', []).map(validateRegistry);
  unique(registries, (r) => r.name, 'registry');
  const registryNames = new Set(registries.map((r) => r.name));
  const projects = field(raw, 'projects', 'configuration', 'array', []).map((p, i) => validateProject(p, i, registryNames));
  unique(projects, (p) => p.name, 'project');
  const robots = field(raw, 'robots', 'configuration', 'array', []).map(validateRobot);
  unique(robots, (r) => r.label, 'robot');
  const retiredRobots = retiredNames(raw, 'retiredRobots', 'robot', 'robots', new Set(robots.map((r) => r.label)), Infinity);
  // a project declared too would have its members applied and removed by the same run
  const retiredProjectGroups = retiredNames(raw, 'retiredProjectGroups', 'project', 'projects', new Set(projects.map((p) => p.name)), 255);
  // one the code left has no members the run manages, and so none that two items could disagree about; still one of the three
  const leftProjects = retiredNames(raw, 'leftProjects', 'project', 'projects or retiredProjectGroups',
    new Set([...projects.map((p) => p.name), ...retiredProjectGroups]), 255);
  const oidc = raw.oidc === undefined || raw.oidc === null ? null : validateOidc(raw.oidc);
  const settings = raw.settings === undefined || raw.settings === null ? null : validateSettings(raw.settings);
  const gc = raw.gc === undefined || raw.gc === null ? null : validateGc(raw.gc);
  const audit = raw.audit === undefined || raw.audit === null ? null : validateAudit(raw.audit);
  const libraryDeclared = field(raw, 'libraryDeclared', 'configuration', 'boolean', false);
  if (libraryDeclared && projects.some((p) => p.name === LIBRARY)) {
    throw new ConfigError(`configuration: libraryDeclared says another configuration declares project ${LIBRARY}, which this one declares under "projects"; it is one or the other`);
  }
  return { registries, projects, robots, retiredRobots, retiredProjectGroups, leftProjects, oidc, settings, gc, audit, libraryDeclared };
}

// Harbor checks the cron and the hours (handler/purge.go:93-107, :143-152); a purge without event types deletes nothing
function validateAudit(raw) {
  checkObject(raw, 'audit', ['schedule', 'cron', 'retentionHours', 'eventTypes']);
  if (!GC_TYPES.includes(raw.schedule)) {
    throw new ConfigError(`audit: schedule must be one of ${GC_TYPES}`);
  }
  if (raw.schedule === 'None') return raw;
  return { ...raw, retentionHours: field(raw, 'retentionHours', 'audit', 'integer'), eventTypes: field(raw, 'eventTypes', 'audit', 'string') };
}

function validateGc(raw) {
  checkObject(raw, 'gc', ['schedule', 'cron', 'deleteUntagged', 'workers', 'captures']);
  if (!GC_TYPES.includes(raw.schedule)) {
    throw new ConfigError(`gc: schedule must be one of ${GC_TYPES}`);
  }
  // Harbor checks the cron and workers (gc.go:133-165)
  return { ...raw, deleteUntagged: raw.deleteUntagged === true, workers: field(raw, 'workers', 'gc', 'integer', 1) };
}

/** The Harbor-wide settings (see Settings): who may create projects. */
function validateSettings(raw) {
  const where = 'settings';
  checkObject(raw, where, ['projectCreationRestriction']);
  const restriction = field(raw, 'projectCreationRestriction', where, 'string');
  if (!PROJECT_CREATION_RESTRICTIONS.includes(restriction)) {
    throw new ConfigError(`${where}: projectCreationRestriction ${JSON.stringify(restriction)} must be one of ${PROJECT_CREATION_RESTRICTIONS.join(', ')}`);
  }
  return { projectCreationRestriction: restriction };
}

/**
 * The names under `key`, a list of retired robots or projects: each a Harbor name of `what` (at most `maxLength`
 * characters), none in `declared` (the names under `declaredKey`: a robot or project is either declared or retired),
 * none twice.
 */
function retiredNames(raw, key, what, declaredKey, declared, maxLength) {
  const names = field(raw, key, 'configuration', 'array', []).map((name, i) => {
    if (typeof name !== 'string' || !HARBOR_NAME.test(name) || name.length > maxLength) {
      throw new ConfigError(`${key}[${i}]: ${JSON.stringify(name)} must be a ${what} name: lower-case letters and digits separated by ".", "_" or "-"`);
    }
    if (declared.has(name)) {
      throw new ConfigError(`${key}[${i}]: ${what} ${name} is declared under "${declaredKey}" too; a ${what} is either declared or retired`);
    }
    return name;
  });
  unique(names, (name) => name, `retired ${what}`);
  return names;
}

function validateOidc(raw) {
  const where = 'oidc';
  checkObject(raw, where, ['clientSecretEnv', ...OIDC_SETTINGS.map(([name]) => name)]);
  const endpoint = field(raw, 'endpoint', where, 'string');
  if (!/^https:\/\/[^/]/.test(endpoint)) {
    throw new ConfigError(`${where}: endpoint ${JSON.stringify(endpoint)} must be an https URL`);
  }
  const scope = field(raw, 'scope', where, 'string');
  // Harbor splits it on "," and trims each (src/lib/config/userconfig.go:165); without openid no login works
  if (!scope.split(',').map((s) => s.trim()).includes('openid')) {
    throw new ConfigError(`${where}: scope ${JSON.stringify(scope)} must include "openid": without it the provider sends no ID token and every login fails`);
  }
  const groupFilter = field(raw, 'groupFilter', where, 'string', '');
  try {
    // with u, as lib/harbor/oidc.ts compileFilter checks it at synth: RE2-only escapes (\A, \pL) are errors, not letters
    new RegExp(groupFilter, 'u');
  } catch (err) {
    throw new ConfigError(`${where}: groupFilter ${JSON.stringify(groupFilter)} is not a regular expression: ${err.message}`);
  }
  return {
    name: field(raw, 'name', where, 'string'),
    endpoint,
    clientId: field(raw, 'clientId', where, 'string'),
    clientSecretEnv: envName(raw, 'clientSecretEnv', where),
    scope,
    groupsClaim: field(raw, 'groupsClaim', where, 'string', ''),
    adminGroup: field(raw, 'adminGroup', where, 'string', ''),
    groupFilter,
    userClaim: field(raw, 'userClaim', where, 'string', ''),
    autoOnboard: field(raw, 'autoOnboard', where, 'boolean', false),
    verifyCert: field(raw, 'verifyCert', where, 'boolean', true),
  };
}

function validateRegistry(raw, index) {
  let where = entryLabel(raw, 'registry', 'registries', index);
  checkObject(raw, where, ['name', 'type', 'url', 'insecure', 'accessKey', 'accessSecretEnv', 'description']);
  const name = field(raw, 'name', where, 'string');
  if (!REGISTRY_NAME.test(name)) {
    throw new ConfigError(`${where}: name ${JSON.stringify(name)} must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  where = `registry ${name}`;
  const url = field(raw, 'url', where, 'string');
  if (!/^https?:\/\/[^/]/.test(url)) {
    throw new ConfigError(`${where}: url ${JSON.stringify(url)} must be an http or https URL`);
  }
  const accessKey = field(raw, 'accessKey', where, 'string', null);
  const accessSecretEnv = envName(raw, 'accessSecretEnv', where, null);
  if ((accessKey === null) !== (accessSecretEnv === null)) {
    throw new ConfigError(`${where}: set both accessKey and accessSecretEnv, or neither for anonymous access`);
  }
  return {
    name,
    type: field(raw, 'type', where, 'string'),
    url,
    insecure: field(raw, 'insecure', where, 'boolean', false),
    description: field(raw, 'description', where, 'string', ''),
    accessKey,
    accessSecretEnv,
  };
}

function validateProject(raw, index, registryNames) {
  let where = entryLabel(raw, 'project', 'projects', index);
  checkObject(raw, where, ['name', 'public', 'registry', 'storageLimit', 'metadata', 'members']);
  const name = field(raw, 'name', where, 'string');
  if (!HARBOR_NAME.test(name) || name.length > 255) {
    throw new ConfigError(`${where}: name ${JSON.stringify(name)} must be lower-case letters and digits separated by ".", "_" or "-"`);
  }
  where = `project ${name}`;
  const registry = field(raw, 'registry', where, 'string', null);
  if (registry !== null && !registryNames.has(registry)) {
    throw new ConfigError(`${where}: registry ${JSON.stringify(registry)} is not declared under "registries"`);
  }
  // null, and only null, leaves the quota alone; a missing field is unlimited, as before null meant anything
  const storageLimit = raw.storageLimit === null ? null : field(raw, 'storageLimit', where, 'integer', -1);
  if (storageLimit !== null && (storageLimit < -1 || storageLimit === 0)) {
    throw new ConfigError(`${where}: storageLimit must be -1 (unlimited) or a positive number of bytes, got ${storageLimit}`);
  }
  const metadata = field(raw, 'metadata', where, 'object', {});
  if ('public' in metadata) {
    throw new ConfigError(`${where}: set visibility with the "public" field, not metadata.public`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    const problem = metadataProblem(key, registry !== null);
    if (problem) {
      throw new ConfigError(`${where}: metadata.${key} ${problem}`);
    }
    // Harbor stores project metadata as strings and compares them as such
    if (typeof value !== 'string') {
      throw new ConfigError(`${where}: metadata.${key} must be a string, got ${JSON.stringify(value)}`);
    }
  }
  const members = field(raw, 'members', where, 'array', null);
  return {
    name,
    public: field(raw, 'public', where, 'boolean', false),
    registry,
    storageLimit,
    metadata: { ...metadata },
    members: members === null ? null : validateMembers(members, where),
  };
}

function validateMembers(members, where) {
  const checked = members.map((raw, i) => {
    const at = `${where}: members[${i}]`;
    checkObject(raw, at, ['group', 'role']);
    const group = field(raw, 'group', at, 'string');
    if (group.length > MAX_GROUP_NAME) {
      throw new ConfigError(`${at}: group ${JSON.stringify(group)} is longer than Harbor's ${MAX_GROUP_NAME} characters`);
    }
    const role = field(raw, 'role', at, 'string');
    if (!Object.hasOwn(ROLES, role)) {
      throw new ConfigError(`${at}: role ${JSON.stringify(role)} must be one of ${Object.keys(ROLES).join(', ')}`);
    }
    return { group, role };
  });
  unique(checked, (m) => JSON.stringify(m.group), `${where}: member group`);
  return checked;
}

// The settings Harbor takes in a project's metadata: the properties of ProjectMetadata (goharbor/harbor v2.15.1
// api/v2.0/swagger.yaml:7305-7356) but "public", which has a field of its own. Harbor decodes the request into that
// type, so any other key is dropped without a word and a run would find it missing, and write it, every time.
const PROJECT_METADATA = [
  'enable_content_trust', 'enable_content_trust_cosign', 'prevent_vul', 'severity', 'auto_scan', 'auto_sbom_generation',
  'reuse_sys_cve_allowlist', 'proxy_speed_kb', 'max_upstream_conn', 'proxy_cache_local_on_not_found',
];

/**
 * What Harbor reads for each metadata key a project does not have (goharbor/harbor v2.15.1
 * src/pkg/project/models/project.go:97-194: absent, each setting is off, reuse_sys_cve_allowlist on, no severity, no
 * proxy speed or connection limit). Harbor deletes no key an update leaves out: UpdateProject hands on only the keys
 * the request names (src/server/v2.0/handler/project.go:581, :597), and the controller adds or updates those alone
 * (src/controller/project/controller.go:205-235); only DELETE /projects/{name}/metadatas/{key} removes one
 * (src/server/v2.0/handler/project_metadata.go:82-95). So a key taken out of the configuration keeps its last value:
 * see undeclaredMetadata.
 */
const METADATA_DEFAULTS = {
  enable_content_trust: 'false', enable_content_trust_cosign: 'false', prevent_vul: 'false', severity: '', auto_scan: 'false',
  auto_sbom_generation: 'false', reuse_sys_cve_allowlist: 'true', proxy_speed_kb: '-1', max_upstream_conn: '-1',
  proxy_cache_local_on_not_found: 'false',
};

/**
 * Whether Harbor reads `value` of metadata `key` as it reads the key's absence: a switch as harborTrue reads it; the
 * proxy limits apply only above 0 (src/controller/proxy/remote.go:94, src/server/middleware/repoproxy/proxy.go:107,
 * :251), and a value that is no 32-bit integer counts as 0 (project.go:161-185); severity by its exact value.
 */
function readsAsDefault(key, value) {
  if (key === 'proxy_speed_kb' || key === 'max_upstream_conn') {
    return !/^\+?0*[1-9]\d*$/.test(value) || Number(value) > 2 ** 31 - 1;
  }
  if (key === 'severity') {
    return value === METADATA_DEFAULTS[key];
  }
  return harborTrue(value) === (METADATA_DEFAULTS[key] === 'true');
}

/** Whether Harbor reads a project setting as on: "true" or "1", in any case (project.go:269-279, isTrue). */
function harborTrue(value) {
  return typeof value === 'string' && ['true', '1'].includes(value.toLowerCase());
}

/**
 * The notice for the settings project `label` has in Harbor (`current`, its metadata as listed) that the configuration
 * does not declare (`declared`) and that differ from what Harbor reads when a key is absent; undefined when there are
 * none. Such a key was set in Harbor's portal, or declared by an earlier configuration and taken out since: Harbor
 * keeps it either way (see METADATA_DEFAULTS), and the run leaves it, but says so, so that a setting taken out of the
 * configuration (prevent_vul "true", say) is not believed reset. Declaring the default value resets it.
 */
function undeclaredMetadata(label, current, declared) {
  const kept = PROJECT_METADATA.filter((key) => !Object.hasOwn(declared, key) && typeof current[key] === 'string' &&
    !readsAsDefault(key, current[key]));
  if (kept.length === 0) {
    return undefined;
  }
  const values = kept.map((key) => `${key} ${JSON.stringify(current[key])}`).join(', ');
  const defaults = kept.map((key) => `${key}: ${JSON.stringify(METADATA_DEFAULTS[key])}`).join(', ');
  return `${label}: keeps ${values} as set in Harbor: not declared in the configuration, and Harbor keeps a project setting ` +
    `no update names, so one taken out of the configuration is not reset; declare Harbor's default under metadata to reset it (${defaults})`;
}

/**
 * Why a project cannot keep `key` in its metadata; undefined when it can. Beside the keys Harbor does not know, Harbor
 * drops proxy_speed_kb and max_upstream_conn but on a proxy cache, and enable_content_trust on one, when creating and
 * updating a project alike (src/server/v2.0/handler/project.go:166-176, :570-580), and sets retention_id itself (a
 * proxy cache's retention policy: :224, :241-253; any other value is refused, :586-594, :794-796).
 */
function metadataProblem(key, proxyCache) {
  if (key === 'retention_id') {
    return 'is set by Harbor (the project\'s tag retention policy) and cannot be declared';
  }
  if (!PROJECT_METADATA.includes(key)) {
    return `is not a Harbor project setting, which Harbor would drop (allowed: ${PROJECT_METADATA.join(', ')})`;
  }
  if (!proxyCache && (key === 'proxy_speed_kb' || key === 'max_upstream_conn')) {
    return 'applies to proxy caches only (a project with "registry"), and Harbor drops it on any other project';
  }
  if (proxyCache && key === 'enable_content_trust') {
    return 'does not apply to a proxy cache, and Harbor drops it there';
  }
  return undefined;
}

function validateRobot(raw, index) {
  let where = entryLabel(raw, 'robot', 'robots', index);
  checkObject(raw, where, ['name', 'level', 'project', 'description', 'duration', 'permissions', 'secretEnv', 'stateKey']);
  const name = field(raw, 'name', where, 'string');
  if (!HARBOR_NAME.test(name)) {
    throw new ConfigError(`${where}: name ${JSON.stringify(name)} must be lower-case letters and digits separated by ".", "_" or "-"`);
  }
  const level = field(raw, 'level', `robot ${name}`, 'string');
  if (level !== 'system' && level !== 'project') {
    throw new ConfigError(`robot ${name}: level must be "system" or "project", got ${JSON.stringify(level)}`);
  }
  const project = field(raw, 'project', `robot ${name}`, 'string', null);
  if (level === 'project' && project === null) {
    throw new ConfigError(`robot ${name}: a project-level robot needs "project"`);
  }
  if (level === 'system' && project !== null) {
    throw new ConfigError(`robot ${name}: a system-level robot takes no "project"; scope it with permissions`);
  }
  // project robots live as "<project>+<name>" in Harbor; that is also how they are reported
  const label = level === 'project' ? `${project}+${name}` : name;
  where = `robot ${label}`;
  const duration = field(raw, 'duration', where, 'integer', -1);
  if (duration !== -1 && (duration < 1 || duration > MAX_ROBOT_DURATION)) {
    throw new ConfigError(`${where}: duration must be -1 (never expires) or a number of days from 1 to ${MAX_ROBOT_DURATION}, got ${duration}`);
  }
  const permissions = field(raw, 'permissions', where, 'array').map((p, i) => validatePermission(p, `${where}: permissions[${i}]`));
  if (permissions.length === 0) {
    throw new ConfigError(`${where}: permissions must not be empty`);
  }
  if (level === 'project' && (permissions.length !== 1 || permissions[0].kind !== 'project' || permissions[0].namespace !== project)) {
    throw new ConfigError(`${where}: a project-level robot needs exactly one permission of kind "project" with namespace "${project}"`);
  }
  return {
    name,
    level,
    project,
    label,
    description: field(raw, 'description', where, 'string', ''),
    duration,
    permissions,
    secretEnv: envName(raw, 'secretEnv', where),
    // where the secret is kept (DOCKYARD_ROTATE's name for it), for the line of a disabled robot; no secret
    stateKey: field(raw, 'stateKey', where, 'string', null),
  };
}

// The actions Harbor grants a robot on each resource, by permission kind: rbac.GetPermissionProvider() is the
// NolimitProvider, PoliciesMap's "System" and "Project" lists and its own additions (goharbor/harbor v2.15.1
// src/common/rbac/const.go:99-102, :113-161, :163-315). Harbor refuses a robot with any other access, on create and on
// update, with a 400 "bad request permission: <resource>:<action>" (src/server/v2.0/handler/robot.go:345-365), so the
// configuration refuses it first, before anything is written. Dockyard's own robots get repository pull and push only.
const ROBOT_ACCESS = {
  system: {
    'audit-log': ['list'], 'preheat-instance': ['read', 'create', 'delete', 'list', 'update'], 'project': ['list', 'create'],
    'replication-policy': ['read', 'create', 'delete', 'list', 'update'], 'replication': ['read', 'create', 'list'],
    'replication-adapter': ['list'], 'registry': ['read', 'create', 'delete', 'list', 'update'],
    'scan-all': ['read', 'update', 'stop', 'create'], 'system-volumes': ['read'],
    'garbage-collection': ['read', 'create', 'list', 'update', 'stop'], 'purge-audit': ['read', 'create', 'list', 'update', 'stop'],
    'jobservice-monitor': ['list', 'stop'], 'scanner': ['read', 'create', 'delete', 'list', 'update'],
    'label': ['read', 'create', 'delete', 'update'], 'security-hub': ['read', 'list'], 'catalog': ['read'],
    'quota': ['read', 'list', 'update'], 'robot': ['create', 'read', 'list', 'delete'],
    'user': ['create', 'read', 'update', 'list', 'delete'], 'ldap-user': ['create', 'list'],
    'user-group': ['create', 'read', 'update', 'list', 'delete'],
  },
  project: {
    'log': ['list'], 'project': ['read', 'delete', 'update'], 'metadata': ['read', 'create', 'delete', 'list', 'update'],
    'repository': ['read', 'update', 'delete', 'list', 'pull', 'push'], 'artifact': ['read', 'create', 'list', 'delete'],
    'scan': ['create', 'read', 'stop'], 'sbom': ['create', 'stop', 'read'], 'tag': ['create', 'list', 'delete'],
    'accessory': ['list'], 'artifact-addition': ['read'], 'artifact-label': ['create', 'delete'], 'scanner': ['create', 'read'],
    'preheat-policy': ['read', 'create', 'delete', 'list', 'update'], 'immutable-tag': ['create', 'delete', 'list', 'update'],
    'notification-policy': ['read', 'create', 'delete', 'list', 'update'], 'tag-retention': ['read', 'create', 'delete', 'list', 'update'],
    'label': ['read', 'create', 'delete', 'list', 'update'], 'quota': ['read'], 'robot': ['create', 'read', 'list', 'delete'],
    'export-cve': ['create', 'read'], 'member': ['create', 'read', 'update', 'list', 'delete'],
  },
};

function validatePermission(raw, where) {
  checkObject(raw, where, ['kind', 'namespace', 'access']);
  const kind = field(raw, 'kind', where, 'string');
  if (kind !== 'system' && kind !== 'project') {
    throw new ConfigError(`${where}: kind must be "system" or "project", got ${JSON.stringify(kind)}`);
  }
  const namespace = field(raw, 'namespace', where, 'string');
  // Harbor's toScope: a system permission's namespace is "/", any other a 400 "unknown namespace"
  // (goharbor/harbor v2.15.1 src/controller/robot/controller.go:361-367)
  if (kind === 'system' && namespace !== '/') {
    throw new ConfigError(`${where}: a permission of kind "system" takes namespace "/", got ${JSON.stringify(namespace)}`);
  }
  const granted = ROBOT_ACCESS[kind];
  const access = field(raw, 'access', where, 'array').map((a, i) => {
    const at = `${where}.access[${i}]`;
    checkObject(a, at, ['resource', 'action', 'effect']);
    const entry = { resource: field(a, 'resource', at, 'string'), action: field(a, 'action', at, 'string') };
    if (!Object.hasOwn(granted, entry.resource)) {
      throw new ConfigError(`${at}: resource ${JSON.stringify(entry.resource)} is not one Harbor grants a robot on a ${kind} permission ` +
        `(one of ${Object.keys(granted).join(', ')})`);
    }
    if (!granted[entry.resource].includes(entry.action)) {
      throw new ConfigError(`${at}: action ${JSON.stringify(entry.action)} on ${entry.resource} is not one Harbor grants a robot on a ${kind} permission ` +
        `(one of ${granted[entry.resource].join(', ')})`);
    }
    const effect = field(a, 'effect', at, 'string', null);
    if (effect !== null) {
      entry.effect = effect;
    }
    return entry;
  });
  if (access.length === 0) {
    throw new ConfigError(`${where}: access must not be empty`);
  }
  return { kind, namespace, access };
}

// Harbor's rule for robot secrets (isValidSec), checked here so that a bad value fails before
// anything is created; Go counts bytes, hence byteLength.
function secretProblem(value) {
  const length = Buffer.byteLength(value, 'utf8');
  if (length < 8 || length > 128) {
    return `must be 8 to 128 characters long (it has ${length})`;
  }
  if (!/[a-z]/.test(value) || !/[A-Z]/.test(value) || !/[0-9]/.test(value)) {
    return 'must contain at least one upper-case letter, one lower-case letter and one digit';
  }
  return undefined;
}

/** Resolves every secret the config references; names the variables, never the values. */
function resolveSecrets(config, env) {
  const wanted = [
    ...config.registries.filter((r) => r.accessSecretEnv).map((r) => [r.accessSecretEnv, `registry ${r.name}`]),
    ...config.robots.map((r) => [r.secretEnv, `robot ${r.label}`]),
    ...(config.oidc ? [[config.oidc.clientSecretEnv, 'oidc']] : []),
  ];
  const missing = wanted.filter(([name]) => !env[name]).map(([name, who]) => `${name} (${who})`);
  if (missing.length > 0) {
    throw new ConfigError(`environment variable(s) referenced by the configuration are not set: ${missing.join(', ')}`);
  }
  for (const robot of config.robots) {
    const problem = secretProblem(env[robot.secretEnv]);
    if (problem) {
      throw new ConfigError(`robot ${robot.label}: the secret in environment variable ${robot.secretEnv} ${problem}`);
    }
  }
  const values = new Map(wanted.map(([name]) => [name, env[name]]));
  return values;
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * Harbor's q= syntax is "k=v,k=v"; Harbor unescapes q once more after the usual query decoding,
 * so each value is escaped on its own and then the whole expression again: a "+" in a project
 * robot's name reaches the server as %252B and Harbor sees "+", not a space.
 */
function query(pairs) {
  const expression = pairs.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join(',');
  return `q=${encodeURIComponent(expression)}`;
}

/** The start of an answer's body for an error message, redacted before it is cut. */
function excerpt(text) {
  const quoted = redactor.excerpt(text, BODY_EXCERPT_CHARS);
  return quoted ? `: ${quoted}` : '';
}

function isTimeout(err) {
  return Boolean(err && (err.name === 'TimeoutError' || err.name === 'AbortError'));
}

function networkProblem(err, timeoutMs) {
  if (isTimeout(err)) {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  const cause = err && err.cause;
  return (cause && (cause.code || cause.message)) || (err && err.message) || String(err);
}

const HINTS = {
  401: ' (check HARBOR_USERNAME and HARBOR_ADMIN_PASSWORD)',
  403: ' (HARBOR_USERNAME must be a Harbor system administrator)',
};

/**
 * One API call. Errors name the method, path and status and quote the start of Harbor's answer,
 * never the request body (it may hold credentials).
 *
 * options.auth: false sends no credentials; options.timeoutMs replaces HARBOR_REQUEST_TIMEOUT_MS; options.upstreamDown
 * (status, text) tells the answers that mean an unhealthy upstream registry, and makes a timeout mean one too (see
 * UNHEALTHY_REGISTRY): both throw a TransientError with `upstream` set. options.forbidden(text) gives, for a 403 that is
 * not about the credentials, the line to fail the item with (a HarborError); any other 403 stops the run.
 */
async function call(ctx, method, path, body, options = {}) {
  if (method !== 'GET') {
    await ensureCurrent(ctx);
  }
  const target = `${method} ${API}${path}`;
  const timeoutMs = options.timeoutMs || ctx.requestTimeoutMs;
  const headers = { accept: 'application/json' };
  if (options.auth !== false) {
    headers.authorization = ctx.authorization;
  }
  let payload;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  let text;
  try {
    res = await fetch(`${ctx.base}${API}${path}`, {
      method,
      headers,
      body: payload,
      // never follow: fetch would replay the request, credentials and body to wherever Harbor points
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    if (options.upstreamDown && isTimeout(err)) {
      throw new TransientError(`${target}: ${networkProblem(err, timeoutMs)}; Harbor checks the upstream registry on every registry write, and a slow or unreachable upstream holds its answer up`, true);
    }
    throw new TransientError(`${target}: ${networkProblem(err, timeoutMs)}`);
  }
  if (TRANSIENT_STATUS.has(res.status)) {
    throw new TransientError(`${target} answered ${res.status}${excerpt(text)}`);
  }
  if (res.status === 403 && String(text).includes(READ_ONLY)) {
    throw new TransientError(`${target} answered 403: Harbor is in read-only mode (its read_only setting, Repository Read Only under ` +
      'Configuration > System Settings), which refuses every change until an admin turns it off');
  }
  if (res.status >= 300 && res.status < 400) {
    throw new FatalError(`${target} answered ${res.status}, redirecting to ${res.headers.get('location')}; set HARBOR_URL to the address Harbor serves its API on`);
  }
  if (options.upstreamDown && options.upstreamDown(res.status, text)) {
    throw new TransientError(`${target} answered ${res.status}${excerpt(text)}${UPSTREAM_HINTS[res.status] || ''}`, true);
  }
  const forbidden = res.status === 403 && options.forbidden && options.forbidden(text);
  if (forbidden) {
    throw new HarborError(forbidden, res.status);
  }
  if (res.status === 401 || res.status === 403) {
    throw new FatalError(`${target} answered ${res.status} ${res.statusText}${excerpt(text)}${HINTS[res.status]}`);
  }
  if (res.status >= 400) {
    throw new HarborError(`${target} answered ${res.status} ${res.statusText}${excerpt(text)}${HINTS[res.status] || ''}`, res.status);
  }
  let data;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  return { status: res.status, headers: res.headers, data };
}

/**
 * This pod's copy of the list of the current Jobs: whether it names this run's Job, and how old it is; `missing` when
 * there is none (its ConfigMap is optional, and `pulumi up` deletes it before it makes it anew with a new list).
 */
function readCurrentJobs(fence) {
  let text;
  let modified;
  try {
    text = fs.readFileSync(fence.file, 'utf8');
    modified = fs.statSync(fence.file).mtimeMs;
  } catch (err) {
    if (err.code === 'ENOENT') {
      return { missing: true };
    }
    throw new FatalError(`CURRENT_JOBS_FILE ${JSON.stringify(fence.file)} cannot be read: ${err.message}`);
  }
  // whole lines, as bash's grep -x reads them (lib/core/current-jobs.ts): the rendered list is one name a line. A
  // list read ends an unfenced stretch for good: should it go again, it may have left this run out
  fence.sawList = true;
  fence.unfenced = false;
  return { listed: text.split('\n').includes(fence.jobName), ageMs: Date.now() - modified };
}

/**
 * Go ahead with a write only while the list of the current Jobs names this run's, and, before the first, once this
 * pod's copy of it is HARBOR_SETTLE_SECONDS old; throws SupersededError when the list still leaves this run's Job out
 * after HARBOR_SUPERSEDED_WAIT_SECONDS. Without a list, it waits as long for one (an apply may be replacing it), then
 * goes on unfenced while there is none, unless the run has read a list before: one that left it out, or named it and
 * is gone, stops it as superseded, since a later list may leave it out (see Superseded runs).
 */
async function ensureCurrent(ctx) {
  const fence = ctx.fence;
  if (fence === undefined) {
    return;
  }
  let waitingSince;
  let settling = false;
  for (;;) {
    const current = readCurrentJobs(fence);
    if (current.missing ? fence.unfenced : current.listed && (fence.settled || current.ageMs >= fence.settleMs)) {
      if (settling) {
        log(`job ${fence.jobName}: the list of current Jobs has settled; applying`);
      }
      fence.settled = true;
      return;
    }
    let pause;
    if (current.listed) {
      if (!settling) {
        log(`job ${fence.jobName}: waiting until the list of current Jobs is ${fence.settleMs / 1000}s old, so that every earlier Job has seen it and stopped, before the first write`);
        settling = true;
      }
      pause = fence.settleMs - current.ageMs;
    } else {
      if (waitingSince === undefined) {
        waitingSince = Date.now();
        log(current.missing
          ? `job ${fence.jobName}: no list of current configure Jobs (${fence.file}); writing nothing while waiting up to ${fence.supersededWaitMs / 1000}s (HARBOR_SUPERSEDED_WAIT_SECONDS) for one`
          : `job ${fence.jobName}: not among the current configure Jobs (${fence.file}); writing nothing while waiting up to ${fence.supersededWaitMs / 1000}s (HARBOR_SUPERSEDED_WAIT_SECONDS) for a list that names it`);
      }
      const left = waitingSince + fence.supersededWaitMs - Date.now();
      if (left <= 0 && current.missing && !fence.sawList) {
        // its ConfigMap is left out of the apply: as before there was one (the wait was longer than the settling)
        log(`job ${fence.jobName}: still no list of current configure Jobs; applying unfenced`);
        fence.unfenced = true;
        fence.settled = true;
        return;
      }
      if (left <= 0) {
        throw new SupersededError(current.missing
          ? `job ${fence.jobName}: superseded, the list of current configure Jobs (${fence.file}) it had read is gone and did not come back; stopped without writing anything more`
          : `job ${fence.jobName}: superseded, the current configure Jobs (${fence.file}) do not include it; stopped without writing anything more, the newer Jobs apply the configuration`);
      }
      pause = Math.min(left, Math.max(ctx.retryIntervalMs, 100));
    }
    await sleep(Math.max(pause, 1));
  }
}

/**
 * Runs `step` until it succeeds, retrying while Harbor is unreachable or answers 502/503/504, every
 * HARBOR_RETRY_INTERVAL_MS, until the run's deadline (HARBOR_WAIT_SECONDS from the start of the run, shared by
 * every step and the first ping). Steps re-read state before writing, so re-running one after a write whose answer
 * was lost does not duplicate anything. Past the deadline an unreachable Harbor ends the run.
 *
 * An upstream registry Harbor found unhealthy is not retried here: its TransientError is thrown on at once, for main
 * to retry once the items that do not need that registry are applied (see retryUnhealthyRegistries).
 */
async function retrying(ctx, what, step) {
  let lastMessage;
  let lastLoggedAt = 0;
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof TransientError) || err.upstream) {
        throw err;
      }
      if (Date.now() + ctx.retryIntervalMs > ctx.deadline) {
        throw new FatalError(`${what}: Harbor still not ready after ${ctx.waitSeconds}s (HARBOR_WAIT_SECONDS): ${err.message}`);
      }
      // one line per new symptom, then a reminder now and then, rather than a line per attempt
      if (err.message !== lastMessage || Date.now() - lastLoggedAt >= RETRY_LOG_EVERY_MS) {
        log(`${what}: Harbor not ready (${err.message}); retrying every ${ctx.retryIntervalMs}ms`);
        lastMessage = err.message;
        lastLoggedAt = Date.now();
      }
      await sleep(ctx.retryIntervalMs);
    }
  }
}

/**
 * Whether an answer to a registry create or update may be the upstream's fault (see UNHEALTHY_REGISTRY): Harbor's
 * failed health check, or, for a Docker Hub upstream, a 500, which is what its adapter gives when it cannot even be
 * built (Docker Hub refusing the login). A 500 for another type is Harbor's own failure, reported as such.
 */
function upstreamDownFor(type) {
  return (status, text) => (status === 400 && String(text).includes(UNHEALTHY_REGISTRY)) || (status === 500 && type === 'docker-hub');
}

/**
 * The call options of a registry create or update of `type`: its own timeout, HARBOR_REGISTRY_TIMEOUT_MS, cut to what
 * is left of the run's budget but not under HARBOR_REQUEST_TIMEOUT_MS by that cut, so that a round of slow registries
 * ends close to the deadline, well within the Job's activeDeadlineSeconds.
 */
function registryWrite(ctx, type) {
  return {
    upstreamDown: upstreamDownFor(type),
    timeoutMs: Math.min(ctx.registryTimeoutMs, Math.max(ctx.requestTimeoutMs, ctx.deadline - Date.now())),
  };
}

/**
 * POST `body` to `path` to create an object the caller looked up and did not find. A 409 means it was created in
 * between, which only an overlapping Job does (this chunk's Job of an older state still retrying, or a Job run by hand):
 * Harbor answers 409 for a name it has (goharbor/harbor v2.15.1 src/pkg/reg/dao/dao.go:55, src/pkg/project/dao/dao.go:73,
 * src/pkg/robot/dao/dao.go:66). It is then looked up again with `findAgain`, and `{ found }` is returned for the caller
 * to go on as with one that existed; `{ res }`, the answer, when created here. A 409 for an object still not found
 * fails as any error.
 */
async function create(ctx, label, path, body, findAgain, options) {
  try {
    return { res: await call(ctx, 'POST', path, body, options) };
  } catch (err) {
    if (!(err instanceof HarborError) || err.status !== 409) {
      throw err;
    }
    const found = await findAgain();
    if (!found) {
      throw err;
    }
    log(`${label}: created meanwhile by another run (POST answered 409); applying the configuration to it`);
    return { found };
  }
}

/** The single element of a list answer accepted by `matches`; undefined when none. */
async function findOne(ctx, path, matches, what) {
  const { data } = await call(ctx, 'GET', path);
  if (data !== undefined && data !== null && !Array.isArray(data)) {
    throw new HarborError(`GET ${API}${path}: expected a JSON array, got ${typeof data}`);
  }
  const found = (data || []).filter(matches);
  if (found.length > 1) {
    throw new HarborError(`${what}: Harbor has ${found.length} objects of that name (ids ${found.map((f) => f.id ?? f.project_id).join(', ')})`);
  }
  return found[0];
}

// ---------------------------------------------------------------------------------------------
// Registries

function findRegistry(ctx, name) {
  return findOne(ctx, `/registries?${query([['name', name]])}`, (r) => r.name === name, `registry ${name}`);
}

/**
 * A URL as Harbor stores it, scheme://host/path, trimmed and without trailing "/" (goharbor/harbor v2.15.1
 * src/lib/endpoint.go ValidateHTTPURL, called by the registry controller's validate), for comparing: Harbor keeps the
 * host's case, which means nothing, so both sides are compared with the host in lower case.
 */
function normalizeUrl(raw) {
  const text = String(raw || '').trim().replace(/\/+$/, '');
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host.toLowerCase()}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return text;
  }
}

/**
 * What differs between a registry as Harbor lists it and as declared, among the fields the update sends. Harbor
 * answers GET /registries and GET /registries/{id} alike (convertRegistry, goharbor/harbor v2.15.1
 * src/server/v2.0/handler/replication.go): name, type, url, insecure, description and a credential with its type
 * and access_key, and access_secret only as "*****" when one is stored; an access key is only stored with a
 * credential (src/pkg/reg/manager.go toDaoModel). The secret itself cannot be compared.
 */
function registryDifferences(existing, registry) {
  const changed = [];
  if ((existing.description || '') !== registry.description) {
    changed.push('description');
  }
  if (normalizeUrl(existing.url) !== normalizeUrl(registry.url)) {
    changed.push('url');
  }
  if (Boolean(existing.insecure) !== registry.insecure) {
    changed.push('insecure');
  }
  const credential = existing.credential || {};
  if ((credential.access_key || '') !== (registry.accessKey || '')) {
    changed.push('access_key');
  } else if (registry.accessKey && (credential.type || 'basic') !== 'basic') {
    changed.push('credential_type');
  }
  return changed;
}

/**
 * Creates or updates a registry endpoint and returns its id. For one that already exists, `exists` is called with
 * its id before the update is attempted, so that its dependents can go ahead even if the update fails.
 */
async function ensureRegistry(ctx, registry, exists = () => {}) {
  const label = `registry ${registry.name}`;
  const accessSecret = registry.accessSecretEnv ? ctx.secrets.get(registry.accessSecretEnv) : '';
  let existing = await findRegistry(ctx, registry.name);
  if (!existing) {
    const body = {
      name: registry.name,
      type: registry.type,
      url: registry.url,
      insecure: registry.insecure,
      description: registry.description,
    };
    if (registry.accessKey) {
      body.credential = { type: 'basic', access_key: registry.accessKey, access_secret: accessSecret };
    }
    const { res, found } = await create(ctx, label, '/registries', body, () => findRegistry(ctx, registry.name), registryWrite(ctx, registry.type));
    if (res) {
      const match = /\/registries\/(\d+)\/?$/.exec(res.headers.get('location') || '');
      const id = match ? Number(match[1]) : (await findRegistry(ctx, registry.name) || {}).id;
      if (!Number.isSafeInteger(id)) {
        throw new HarborError(`${label}: created, but Harbor did not tell its id`);
      }
      log(`${label}: created`);
      return id;
    }
    existing = found;
  }
  if (existing.type !== registry.type) {
    // not handed on: a proxy-cache project created now would be bound to the wrong kind of upstream for good
    throw new HarborError(`${label}: exists in Harbor with type "${existing.type}" but the configuration declares "${registry.type}"; Harbor cannot change a registry's type, so delete it in Harbor (and the projects using it) or rename it in the configuration`);
  }
  exists(existing.id);
  const changed = registryDifferences(existing, registry);
  // Every update makes Harbor health-check the upstream, so an endpoint that already matches is left alone.
  // Unless it has an access secret: Harbor shows it as "*****", and it may have been rotated (the Job re-runs
  // when it is), so it is written again.
  if (changed.length === 0 && !registry.accessKey) {
    log(`${label}: unchanged`);
    return existing.id;
  }
  await call(ctx, 'PUT', `/registries/${existing.id}`, {
    name: registry.name,
    description: registry.description,
    url: registry.url,
    credential_type: 'basic',
    access_key: registry.accessKey || '',
    access_secret: accessSecret,
    insecure: registry.insecure,
  }, registryWrite(ctx, registry.type));
  log(`${label}: updated${changed.length > 0 ? ` (${changed.join(', ')})` : ''}`);
  return existing.id;
}

// ---------------------------------------------------------------------------------------------
// Projects

function findProject(ctx, name) {
  return findOne(ctx, `/projects?${query([['name', name]])}`, (p) => p.name === name, `project ${name}`);
}

function describeRegistry(id, registryNames) {
  if (!id) {
    return 'no registry (not a proxy cache)';
  }
  return registryNames.has(id) ? `registry "${registryNames.get(id)}" (id ${id})` : `registry id ${id}`;
}

/**
 * The storage quota Harbor keeps for a project; undefined when it keeps none. Harbor creates it with the project, from
 * its storage_limit (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:231-239), and none at all while
 * quota_per_project_enable is off (:128-143). GET /quotas filters on reference and reference_id (the project id as a
 * string) and answers [{ id, ref, hard: { storage }, used, ... }] (src/server/v2.0/handler/quota.go:56-90,
 * src/pkg/quota/dao/util.go:66-72, api/v2.0/swagger.yaml '/quotas' and definitions Quota, ResourceList).
 */
async function findProjectQuota(ctx, projectId, label) {
  const path = `/quotas?reference=project&reference_id=${projectId}`;
  return findOne(ctx, path, (q) => !q.ref || q.ref.id === projectId, `${label}: quota`);
}

/**
 * Wait, within the run's budget, until Harbor's jobservice is healthy, before a proxy-cache project is created: Harbor
 * gives a new proxy cache a tag retention policy (what was pulled in the last 7 days) on a daily schedule, which it
 * submits to jobservice within the create (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:241-254,
 * src/controller/retention/controller.go:116-129, src/pkg/scheduler/scheduler.go Schedule, src/pkg/task/task.go
 * Create). While jobservice does not answer, as on a first install, where it starts after core (it stops at once while
 * it cannot load its configuration from core, src/jobservice/main.go:48-51, and the kubelet's crash-loop back-off then
 * delays its next start by up to five minutes), the create answers a bare 500, and the request's transaction makes nothing
 * (src/core/middlewares/middlewares.go MiddleWares, src/server/middleware/transaction/transaction.go): the project
 * failed, its robots were skipped and the Job failed, to be run again by Kubernetes. Core reports jobservice at
 * GET /health, without authentication (api/v2.0/swagger.yaml /health), "unhealthy" until its first check of
 * jobservice's /api/v1/stats passes, then every 10s (src/controller/health/checker.go PeriodicHealthChecker,
 * jobserviceHealthChecker). A /health that names no jobservice, or fails, does not hold the create up: it reports for
 * itself what is wrong. Past the budget the project fails alone, naming jobservice.
 */
async function awaitJobservice(ctx, label, what = 'a new proxy cache\'s retention policy') {
  let logged = false;
  for (;;) {
    let data;
    try {
      ({ data } = await call(ctx, 'GET', '/health', undefined, { auth: false }));
    } catch (err) {
      if (!(err instanceof HarborError) || err instanceof FatalError) {
        throw err;
      }
      return;
    }
    const components = data && Array.isArray(data.components) ? data.components : [];
    const jobservice = components.find((c) => c && c.name === 'jobservice');
    if (!jobservice || jobservice.status === 'healthy') {
      return;
    }
    const why = `Harbor's jobservice is ${jobservice.error ? `unhealthy (${redactor.excerpt(jobservice.error, BODY_EXCERPT_CHARS)})` : 'unhealthy'}, ` +
      `and Harbor schedules ${what} on it`;
    if (Date.now() + ctx.retryIntervalMs > ctx.deadline) {
      throw new HarborError(`${label}: not created: ${why}; still so when the run's retry budget ran out (HARBOR_WAIT_SECONDS=${ctx.waitSeconds}): ` +
        'check the jobservice pod and its log');
    }
    if (!logged) {
      log(`${label}: waiting for jobservice before creating it: ${why}`);
      logged = true;
    }
    await sleep(ctx.retryIntervalMs);
  }
}

/**
 * Creates or updates a project and returns its id. Once the project exists (created now, or already there with the
 * declared registry), `exists` is called with its id before its quota or other settings are applied, so that its
 * robots can go ahead even if that fails (a rotated robot secret must reach Harbor all the same).
 */
async function ensureProject(ctx, project, registryIds, exists = () => {}) {
  const label = `project ${project.name}`;
  const registryId = project.registry ? registryIds.get(project.registry) : null;
  const metadata = { ...project.metadata, public: String(project.public) };
  let existing = await findProject(ctx, project.name);
  if (!existing) {
    const body = {
      project_name: project.name,
      public: project.public,
      metadata,
    };
    // without storage_limit Harbor gives a new project its storage_per_project setting (goharbor/harbor v2.15.1
    // src/server/v2.0/handler/project.go:128-143)
    if (project.storageLimit !== null) {
      body.storage_limit = project.storageLimit;
    }
    if (registryId) {
      body.registry_id = registryId;
      await awaitJobservice(ctx, label);
    }
    const { found } = await create(ctx, label, '/projects', body, () => findProject(ctx, project.name));
    if (!found) {
      const created = await findProject(ctx, project.name);
      if (!created) {
        throw new HarborError(`${label}: created, but Harbor does not list it`);
      }
      // Harbor drops storage_limit without a word while quota_per_project_enable is off (project.go:128-143): the
      // quota is checked, and set where it differs, as on every run. The project exists, so its robots go ahead
      // whatever the quota does.
      log(`${label}: created`);
      exists(created.project_id);
      const fixed = await applyQuota(ctx, created.project_id, project, label);
      if (fixed) {
        log(`${label}: updated (${fixed})`);
      }
      return created.project_id;
    }
    existing = found;
  }
  const existingRegistryId = existing.registry_id || null;
  if (existingRegistryId !== registryId) {
    const names = new Map([...registryIds].map(([name, id]) => [id, name]));
    throw new HarborError(`${label}: exists in Harbor with ${describeRegistry(existingRegistryId, names)} but the configuration declares ${describeRegistry(registryId, names)}; Harbor only sets a project's registry when creating it, so delete project ${project.name} in Harbor or rename it in the configuration`);
  }
  exists(existing.project_id);
  await warnOfProjectAdmins(ctx, existing, label);
  const current = existing.metadata || {};
  const changed = Object.keys(metadata).filter((key) => current[key] !== metadata[key]);
  const kept = undeclaredMetadata(label, current, metadata);
  if (kept) {
    log(`note: ${kept}`);
  }
  // the metadata first: a quota that cannot be applied stops the run, but not the project's other settings
  if (changed.length > 0) {
    await call(ctx, 'PUT', `/projects/${existing.project_id}`, { metadata });
  }
  // Harbor's UpdateProject ignores storage_limit (src/server/v2.0/handler/project.go:545-602): a project's limit is
  // the hard storage of its quota, changed through PUT /quotas/{id} with { hard: { storage } }, -1 for unlimited
  // (src/server/v2.0/handler/quota.go:92-122, src/lib/quota_storage_limit.go:23-35).
  const fixed = await applyQuota(ctx, existing.project_id, project, label);
  if (fixed) {
    changed.push(fixed);
  }
  log(changed.length === 0 ? `${label}: unchanged` : `${label}: updated (${changed.join(', ')})`);
  return existing.project_id;
}

/**
 * Print a warning when `existing`, a project the run adopts as it finds it, was created by another user than the Job's
 * own (admin) and has projectAdmin users other than admin: the user who creates a project is made its projectAdmin
 * (goharbor/harbor v2.15.1 src/pkg/project/dao/dao.go Create), so one may have created a declared project before the
 * Job did, while project_creation_restriction was "everyone" (see Settings), and keep control of it, or hand it to
 * another user. Harbor lists a project's creator as owner_name (src/controller/project/controller.go, WithOwner). A
 * project the Job's user created has no warning, whoever was made a projectAdmin since (on purpose, then). A warning,
 * not a failure: the users may be meant to administer it.
 */
async function warnOfProjectAdmins(ctx, existing, label) {
  const owner = existing.owner_name;
  if (typeof owner !== 'string' || owner === ctx.username) {
    return;
  }
  const admins = (await listMembers(ctx, existing.project_id))
    .filter((m) => m.entity_type === USER_MEMBER && m.role_id === ROLES.projectAdmin && m.entity_name !== ctx.username)
    .map((m) => JSON.stringify(m.entity_name));
  if (admins.length > 0) {
    log(`warning: ${label}: created by user ${JSON.stringify(owner)}, not by this Job, and administered by user${admins.length > 1 ? 's' : ''} ` +
      `${admins.join(', ')} (Harbor makes a project's creator its projectAdmin), which the code does not declare; remove ` +
      `${admins.length > 1 ? 'them' : 'the user'} under Projects > Members in Harbor unless that is meant`);
  }
}

/**
 * Set the project's storage quota to the declared limit where it differs, unless none is managed (null); returns what
 * changed, for the log (`storage_limit <old> -> <new>`: sizes, no secrets), or undefined. Fails when Harbor keeps no quota for the project
 * but a limit is declared, which Harbor could then not enforce.
 */
async function applyQuota(ctx, projectId, project, label) {
  if (project.storageLimit === null) {
    // not managed: whatever quota Harbor keeps, one set by hand included, stays
    return undefined;
  }
  const quota = await findProjectQuota(ctx, projectId, label);
  if (!quota) {
    if (project.storageLimit !== -1) {
      throw new HarborError(`${label}: Harbor keeps no storage quota for it (none is made while quota_per_project_enable is off), so its storageLimit of ${project.storageLimit} bytes cannot be applied; turn per-project quotas on in Harbor, or declare no storage limit`);
    }
    return undefined;
  }
  warnOfQuotaOverflow(quota, project, label);
  const before = (quota.hard || {}).storage;
  if (before === project.storageLimit) {
    return undefined;
  }
  await call(ctx, 'PUT', `/quotas/${quota.id}`, { hard: { storage: project.storageLimit } });
  return `storage_limit ${before === undefined ? 'none' : before} -> ${project.storageLimit}`;
}

/**
 * Print a warning when the project already stores more than its declared storage limit, as Harbor lists it in the
 * quota's used.storage (goharbor/harbor v2.15.1 src/server/v2.0/handler/model/quota.go ToSwagger). Harbor takes such
 * a limit without a word (UpdateQuota checks the limit alone: src/server/v2.0/handler/quota.go:92-122,
 * src/controller/quota/driver/project/project.go Validate), but then refuses every write that adds to the project, as
 * it checks the new usage against the limit, not the change (src/pkg/quota/util.go IsSafe): every push fails, and a
 * proxy cache stores nothing more, so every pull goes to the upstream and counts against its rate limit. A warning,
 * not a failure: a limit lowered on purpose is applied; on every run while it lasts, not only the one that lowers it.
 */
function warnOfQuotaOverflow(quota, project, label) {
  const used = (quota.used || {}).storage;
  if (project.storageLimit !== -1 && Number.isSafeInteger(used) && used > project.storageLimit) {
    log(`warning: ${label}: it stores ${used} bytes, more than its storageLimit of ${project.storageLimit} bytes: Harbor ` +
      'refuses every push to it, and a proxy cache caches nothing more, until it stores less; raise the limit, or delete ' +
      'artifacts from it');
  }
}

// ---------------------------------------------------------------------------------------------
// Robot accounts

/** Order-insensitive form of a permission list: Harbor returns scopes and accesses in any order. */
function canonicalPermissions(permissions) {
  return JSON.stringify((permissions || [])
    .map((p) => ({
      kind: p.kind,
      namespace: p.namespace,
      // an empty effect is stored for "allow"
      access: [...new Set((p.access || []).map((a) => `${a.resource}:${a.action}:${a.effect || 'allow'}`))].sort(),
    }))
    .sort((a, b) => `${a.kind}/${a.namespace}`.localeCompare(`${b.kind}/${b.namespace}`)));
}

function robotDifferences(existing, robot) {
  const changed = [];
  if ((existing.description || '') !== robot.description) {
    changed.push('description');
  }
  if (existing.duration !== robot.duration) {
    changed.push('duration');
  }
  if (canonicalPermissions(existing.permissions) !== canonicalPermissions(robot.permissions)) {
    changed.push('permissions');
  }
  return changed;
}

/**
 * Why robot `label` cannot log in under the name Harbor gives it, `name`, as Dockyard's pull secrets do; undefined when
 * it can (see ROBOT_PREFIX).
 */
function robotNameProblem(label, name) {
  const expected = `${ROBOT_PREFIX}${label}`;
  if (name === expected) {
    return undefined;
  }
  if (typeof name !== 'string' || !name.endsWith(label)) {
    return `robot ${label}: Harbor names it ${JSON.stringify(name)}, not ${JSON.stringify(expected)}, the user Dockyard's pull secrets log in as`;
  }
  const prefix = name.slice(0, name.length - label.length);
  return `robot ${label}: Harbor's robot_name_prefix setting is ${JSON.stringify(prefix)}, not ${JSON.stringify(ROBOT_PREFIX)}: the robot is ` +
    `${JSON.stringify(name)} and Harbor refuses logins as ${JSON.stringify(expected)}, the user Dockyard's pull secrets give; set ` +
    `robot_name_prefix back to ${JSON.stringify(ROBOT_PREFIX)} in Harbor (Configuration, System Settings): the robot and its secret are applied`;
}

/**
 * Why robot `existing`, as Harbor lists it, must be deleted and created anew to log in with the declared duration, as
 * of `now` (ms); undefined when it can be kept (see Expiring robots). Harbor lets no robot log in once its expires_at
 * (Unix seconds, -1 for never) is reached: goharbor/harbor v2.15.2 src/server/middleware/security/robot.go:65-69. An
 * update recomputes expires_at only when the duration changes, and then from the robot's creation_time, not from now
 * (src/server/v2.0/handler/robot.go:394-401), so no update moves a robot's expiry past creation + duration: a robot
 * that has expired, or would be by the declared duration counted from its creation, only works again as a new robot,
 * whose expires_at is counted from its creation, now (src/controller/robot/controller.go:100-110). A duration of -1
 * needs no new robot: the update sets expires_at -1, which lifts an expiry (robot.go:396-397).
 */
function robotRenewal(label, existing, robot, now) {
  if (robot.duration === -1) {
    return undefined;
  }
  const nowSeconds = Math.floor(now / 1000);
  if (existing.duration === robot.duration) {
    // the update, if any, keeps expires_at as it is
    const expiresAt = existing.expires_at;
    if (Number.isSafeInteger(expiresAt) && expiresAt !== -1 && expiresAt <= nowSeconds) {
      return `it expired at ${isoSeconds(expiresAt)} (expires_at), and Harbor extends no robot's expiry`;
    }
    return undefined;
  }
  // Harbor answers creation_time as an RFC 3339 date-time (api/v2.0/swagger.yaml Robot; handler/model/robot.go:53)
  const created = Date.parse(existing.creation_time);
  if (!Number.isFinite(created)) {
    throw new HarborError(`${label}: Harbor lists its creation_time as ${JSON.stringify(existing.creation_time)}, not a date-time, so ` +
      `whether a duration of ${robot.duration} days, which Harbor counts from it, has run out cannot be told; not updated`);
  }
  // AddDate(0, 0, days) in robot.go:399: whole days, of 86400 s in UTC (a core in a zone with daylight saving time
  // may differ by an hour: a robot at that edge is renewed by the next run)
  const expiresAt = Math.floor(created / 1000) + robot.duration * 86400;
  if (expiresAt <= nowSeconds) {
    return `Harbor counts the duration of ${robot.duration} days (it was ${existing.duration}) from its creation at ` +
      `${isoSeconds(Math.floor(created / 1000))}, so the update would leave it expired since ${isoSeconds(expiresAt)}`;
  }
  return undefined;
}

/** The line for a robot Harbor has disabled, which the run leaves as it is (see Disabled robots). */
function disabledRobot(label, robot) {
  const key = robot.stateKey === null ? 'the state key of its secret, <namespace>/<secret>/<key>' : robot.stateKey;
  return `${label}: disabled in Harbor, so left disabled and not updated (its secret set to the state's); to give it a ` +
    `new secret, rotate it (DOCKYARD_ROTATE=${key} npm run synth, then apply, which sets the new one), then enable it in ` +
    'Harbor; or retire it in code (Harbor.retireRobot)';
}

/** Unix seconds as an ISO date-time, for the log. */
function isoSeconds(seconds) {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
}

async function ensureRobot(ctx, robot, projectIds) {
  const label = `robot ${robot.label}`;
  let filter = [['name', robot.label]];
  if (robot.level === 'project') {
    let projectId = projectIds.get(robot.project);
    if (projectId === undefined) {
      // a project not declared here, e.g. Harbor's built-in "library"
      projectId = (await findProject(ctx, robot.project) || {}).project_id;
      if (projectId === undefined) {
        throw new HarborError(`${label}: project ${robot.project} does not exist in Harbor; declare it under "projects"`);
      }
    }
    filter = [['Level', 'project'], ['ProjectID', String(projectId)], ['name', robot.label]];
  }
  // Harbor stores names without its robot_name_prefix but answers with it (see ROBOT_PREFIX); any prefix is found here,
  // and one other than ROBOT_PREFIX fails the robot once it is applied.
  const find = () => findOne(ctx, `/robots?${query(filter)}`,
    (r) => typeof r.name === 'string' && r.name.endsWith(robot.label) && (!r.level || r.level === robot.level), label);
  let existing = await find();
  // before anything else is written, a renewal included, which would make it anew enabled (see Disabled robots); the
  // secret alone is set, which keeps it disabled, so that a rotation reaches it before it is enabled again
  if (existing && existing.disable) {
    await call(ctx, 'PATCH', `/robots/${existing.id}`, { secret: ctx.secrets.get(robot.secretEnv) });
    throw new HarborError(disabledRobot(label, robot));
  }
  const renewal = existing && robotRenewal(label, existing, robot, Date.now());
  if (renewal) {
    try {
      await call(ctx, 'DELETE', `/robots/${existing.id}`);
    } catch (err) {
      // gone since it was listed (DeleteRobot looks it up first and answers 404): it is created below all the same
      if (!(err instanceof HarborError) || err.status !== 404) {
        throw err;
      }
    }
    log(`${label}: deleted to be created anew: ${renewal}`);
    existing = undefined;
  }
  let id;
  let name;
  if (!existing) {
    const { res, found } = await create(ctx, label, '/robots', {
      name: robot.name,
      description: robot.description,
      level: robot.level,
      duration: robot.duration,
      disable: false,
      permissions: robot.permissions,
    }, find);
    if (res) {
      // The answer carries a random secret generated by Harbor: not used, the declared one follows,
      // but masked from now on, as it is valid until then.
      redactor.add(res.data && res.data.secret);
      id = res.data && res.data.id;
      if (!Number.isSafeInteger(id)) {
        throw new HarborError(`${label}: created, but Harbor did not tell its id`);
      }
      name = res.data.name;
      log(`${label}: created`);
    }
    existing = found;
  }
  if (existing) {
    id = existing.id;
    name = existing.name;
    const changed = robotDifferences(existing, robot);
    if (changed.length === 0) {
      log(`${label}: unchanged`);
    } else {
      // disable as Harbor listed it (false, see above): an operator who disables it meanwhile is not undone
      await call(ctx, 'PUT', `/robots/${id}`, {
        ...existing,
        description: robot.description,
        duration: robot.duration,
        permissions: robot.permissions,
      });
      log(`${label}: updated (${changed.join(', ')})`);
    }
  }
  // Always set: Harbor only keeps a hash, so whether it already matches cannot be checked.
  await call(ctx, 'PATCH', `/robots/${id}`, { secret: ctx.secrets.get(robot.secretEnv) });
  log(`${label}: secret set`);
  // Checked last: the robot is applied all the same, so that it works as soon as the prefix is set back, without
  // running the Job again.
  const problem = robotNameProblem(robot.label, name);
  if (problem) {
    throw new HarborError(problem);
  }
}

/** Delete the system-level robot `name` if Harbor has it (see Retired robots); true if it was there. */
async function retireRobot(ctx, name) {
  const label = `robot ${name}`;
  // Harbor matches q=name= exactly (goharbor/harbor src/lib/q/builder.go: "~" marks a fuzzy match) and, without a
  // Level, lists system robots only (src/server/v2.0/handler/robot.go ListRobot); it answers with its "robot$"
  // prefix (configurable). Checked here too, as a delete must never reach another robot: the name ends the
  // answer's, after a prefix with no "+" (a project robot's "<project>+"), and nothing of a robot name before it.
  const existing = await findOne(ctx, `/robots?${query([['name', name]])}`,
    (r) => typeof r.name === 'string' && r.name.endsWith(name) && (!r.level || r.level === 'system') && !r.name.slice(0, -name.length).includes('+'),
    label);
  if (!existing) {
    log(`${label}: retired, not in Harbor`);
    return false;
  }
  const prefix = existing.name.slice(0, existing.name.length - name.length);
  if (prefix !== '' && /[a-z0-9._-]$/.test(prefix)) {
    // "robot$old-ci" would end with "ci" too: a prefix that could be part of a name leaves it unclear which robot this is
    throw new HarborError(`${label}: Harbor lists ${JSON.stringify(existing.name)}, which may be another robot whose name ends in ${JSON.stringify(name)}: ` +
      'not deleted; check the robot_name_prefix setting, and delete the robot by hand if it is this one');
  }
  try {
    await call(ctx, 'DELETE', `/robots/${existing.id}`);
  } catch (err) {
    // gone since it was listed (DeleteRobot looks it up first and answers 404): what the step wants
    if (err instanceof HarborError && err.status === 404) {
      log(`${label}: retired, not in Harbor`);
      return false;
    }
    throw err;
  }
  log(`${label}: deleted (retired)`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// OIDC

/** Harbor's settings as GET /configurations answers them: `{ <key>: { value, editable } }`, secrets left out. */
async function readConfigurations(ctx) {
  const { data } = await call(ctx, 'GET', '/configurations');
  if (!isObject(data)) {
    throw new HarborError(`GET ${API}/configurations: expected a JSON object, got ${typeof data}`);
  }
  const value = (key) => (isObject(data[key]) ? data[key].value : undefined);
  return {
    value,
    authModeEditable: !isObject(data.auth_mode) || data.auth_mode.editable !== false,
    // CONFIG_OVERWRITE_JSON makes every setting read-only; without it, only auth_mode can be (see CONFIG_OVERWRITTEN)
    readOnly: Object.entries(data).some(([key, entry]) => key !== 'auth_mode' && isObject(entry) && entry.editable === false),
  };
}

/**
 * The line for a Harbor whose settings CONFIG_OVERWRITE_JSON makes read-only (see CONFIG_OVERWRITTEN): what cannot be
 * done, `what`, and the way out besides unsetting the variable, `instead`.
 */
function configOverwritten(label, what, instead) {
  return `${label}: harbor-core runs with the CONFIG_OVERWRITE_JSON environment variable, which makes every Harbor setting ` +
    `read-only (not only those it lists: PUT /api/v2.0/configurations answers 403), so ${what}; unset CONFIG_OVERWRITE_JSON ` +
    `on harbor-core and restart it, or ${instead}`;
}

/** What configOverwritten says for the OIDC item: Dockyard then cannot set them, but the variable can. */
const OIDC_OVERWRITTEN = ['the OIDC settings cannot be applied', 'remove the Harbor\'s oidc and set the OIDC settings in CONFIG_OVERWRITE_JSON'];

/** The line for a Harbor whose auth mode, `mode`, cannot become oidc_auth, with what to do. */
function authModeLocked(label, mode) {
  return `${label}: Harbor already has local users besides admin, so its auth_mode (${mode === undefined ? 'unknown' : mode}) cannot change ` +
    'to oidc_auth (Harbor refuses it once any user has been created or has logged in; robots do not count). Check under ' +
    'Administration > Configuration > Authentication, where Auth Mode cannot be changed, or GET /api/v2.0/configurations, ' +
    'whose auth_mode.editable is false; delete those users (Administration > Users) and run the Job again, or sign in ' +
    'without OIDC (remove the Harbor\'s oidc)';
}

/**
 * Set auth_mode oidc_auth and the OIDC settings (see OIDC above). Read first, for the log to say what changed and to
 * report a locked auth mode without writing; then PUT whole, the client secret included, on every run.
 */
async function applyOidc(ctx, oidc) {
  const label = 'oidc';
  const current = await readConfigurations(ctx);
  const mode = current.value('auth_mode');
  // before the users' lock: under CONFIG_OVERWRITE_JSON auth_mode is not editable either, whatever the users
  if (current.readOnly) {
    throw new HarborError(configOverwritten(label, ...OIDC_OVERWRITTEN));
  }
  if (mode !== 'oidc_auth' && !current.authModeEditable) {
    throw new HarborError(authModeLocked(label, mode));
  }
  const body = { auth_mode: 'oidc_auth', oidc_client_secret: ctx.secrets.get(oidc.clientSecretEnv) };
  OIDC_SETTINGS.forEach(([name, key]) => {
    body[key] = oidc[name];
  });
  const changed = [...(mode === 'oidc_auth' ? [] : [`auth_mode ${mode} -> oidc_auth`]),
    ...OIDC_SETTINGS.filter(([name, key]) => current.value(key) !== oidc[name]).map(([, key]) => key)];
  try {
    // a core started with CONFIG_OVERWRITE_JSON since the read (or another replica) refuses it with a 403 that names it
    await call(ctx, 'PUT', '/configurations', body, {
      forbidden: (text) => (String(text).includes(CONFIG_OVERWRITTEN) ? configOverwritten(label, ...OIDC_OVERWRITTEN) : undefined),
    });
  } catch (err) {
    // a user made between the read and the write
    if (err instanceof HarborError && err.status === 400 && err.message.includes(AUTH_MODE_LOCKED)) {
      throw new HarborError(authModeLocked(label, mode));
    }
    throw err;
  }
  log(`${label}: ${changed.length === 0 ? 'unchanged' : `updated (${changed.join(', ')})`}; client secret set`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Settings

/**
 * Set Harbor's project_creation_restriction as declared (see Settings): read first, so that a run where it is already
 * set writes nothing, and a core under CONFIG_OVERWRITE_JSON that has it set otherwise fails with a line naming it.
 */
async function applySettings(ctx, settings) {
  const label = 'settings';
  const wanted = settings.projectCreationRestriction;
  const current = await readConfigurations(ctx);
  const before = current.value('project_creation_restriction');
  if (before === wanted) {
    log(`${label}: unchanged (project_creation_restriction ${wanted})`);
    return true;
  }
  const overwritten = [`project_creation_restriction cannot be set to ${wanted} (it is ${before})`,
    `set project_creation_restriction ${wanted} in CONFIG_OVERWRITE_JSON`];
  if (current.readOnly) {
    throw new HarborError(configOverwritten(label, ...overwritten));
  }
  await call(ctx, 'PUT', '/configurations', { project_creation_restriction: wanted }, {
    forbidden: (text) => (String(text).includes(CONFIG_OVERWRITTEN) ? configOverwritten(label, ...overwritten) : undefined),
  });
  log(`${label}: updated (project_creation_restriction ${before === undefined ? 'unset' : before} -> ${wanted})`);
  return true;
}

/**
 * The OIDC item of the Job that holds the settings when the configuration declares no oidc (see OIDC): warns while
 * Harbor is in oidc_auth, which nothing then manages, unless CONFIG_OVERWRITE_JSON sets Harbor's settings (where
 * OIDC belongs then, as OIDC_OVERWRITTEN says). A warning, not a failure: a Harbor whose OIDC an operator set by
 * hand is theirs to run, and a Job that failed on every run would hide its other items' failures.
 */
async function checkNoOidc(ctx) {
  const label = 'oidc';
  const current = await readConfigurations(ctx);
  const mode = current.value('auth_mode');
  if (mode !== 'oidc_auth' || current.readOnly) {
    log(`${label}: not declared; Harbor's auth_mode is ${mode === undefined ? 'unknown' : mode}` +
      `${current.readOnly ? ', and its settings are read-only under CONFIG_OVERWRITE_JSON' : ''}`);
    return true;
  }
  const way = current.authModeEditable
    ? 'declare oidc again, or, as no user but admin has signed in yet, set Auth Mode back to Database under Administration > Configuration > Authentication'
    : 'declare oidc again (Harbor cannot leave OIDC once users have signed in with it), unless you run its OIDC by hand';
  log(`warning: ${label}: Harbor signs users in over OIDC (auth_mode oidc_auth), but the code declares no oidc for this Harbor, so its ` +
    `OIDC settings, project group members and the group retirements of teams that leave are not managed; ${way}`);
  return true;
}

// The schedule saved at `path` (garbage collection's, the audit log purge's), as the log shows it, or false for none:
// its GET answers no body for none (handler/gc.go:167-180, handler/purge.go:259-286)
async function savedSchedule(ctx, path) {
  const { data } = await call(ctx, 'GET', path);
  return isObject(data) && isObject(data.schedule) && `${data.schedule.type} ${data.schedule.cron} ${data.job_parameters}`;
}

// Saves a schedule at `path`: an update of the one `was` found, else a new one
async function saveSchedule(ctx, path, was, schedule, parameters) {
  await call(ctx, was ? 'PUT' : 'POST', path, { schedule, parameters });
}

async function applyGc(ctx, gc) {
  const path = '/system/gc/schedule';
  const was = await savedSchedule(ctx, path);
  if (gc.schedule === 'None') {
    if (was) await call(ctx, 'PUT', path, { schedule: { type: 'None' } });
    log(`gc: ${was ? `removed (was ${was})` : 'none'}`);
    return true;
  }
  await awaitJobservice(ctx, 'gc', 'gc runs');
  const parameters = { delete_untagged: gc.deleteUntagged, delete_tag: true, workers: gc.workers, dry_run: false };
  await saveSchedule(ctx, path, was, { type: gc.schedule, cron: gc.cron }, parameters);
  log(`gc: saved ${gc.schedule} ${gc.cron} ${JSON.stringify(parameters)} (was ${was || 'none'}), with ${gc.captures}`);
  return true;
}

// The audit log purge (Clean Up, Log Rotation), saved every run as gc is. Update, None included, is refused without
// audit_retention_hour and include_event_types (handler/purge.go:302-319), so None sends both; include_event_types is
// one comma-separated string (:122, job/impl/purge/purge.go:78-84).
async function applyAuditPurge(ctx, audit) {
  const path = '/system/purgeaudit/schedule';
  const was = await savedSchedule(ctx, path);
  if (audit.schedule === 'None') {
    const parameters = { audit_retention_hour: 0, include_event_types: '', dry_run: false };
    if (was) await call(ctx, 'PUT', path, { schedule: { type: 'None' }, parameters });
    log(`audit: ${was ? `purge removed (was ${was})` : 'no purge'}`);
    return true;
  }
  await awaitJobservice(ctx, 'audit', 'audit log purges');
  const parameters = { audit_retention_hour: audit.retentionHours, include_event_types: audit.eventTypes, dry_run: false };
  await saveSchedule(ctx, path, was, { type: audit.schedule, cron: audit.cron }, parameters);
  log(`audit: purge saved ${audit.schedule} ${audit.cron} ${JSON.stringify(parameters)} (was ${was || 'none'})`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Project members

/**
 * The members of project `projectId` (users and groups alike), every page; with `entityName`, those of that name only
 * (Harbor matches it exactly: src/pkg/member/dao/dao.go:63-110). Harbor lists `page_size` at most 100 a page, 10 by
 * default, and tells the total in X-Total-Count (src/server/v2.0/handler/member.go:107-134).
 */
async function listMembers(ctx, projectId, entityName) {
  const all = [];
  for (let page = 1; ; page++) {
    const filter = entityName === undefined ? '' : `&entityname=${encodeURIComponent(entityName)}`;
    const path = `/projects/${projectId}/members?page=${page}&page_size=${MEMBER_PAGE_SIZE}${filter}`;
    const { data, headers } = await call(ctx, 'GET', path);
    if (data !== undefined && data !== null && !Array.isArray(data)) {
      throw new HarborError(`GET ${API}${path}: expected a JSON array, got ${typeof data}`);
    }
    const items = data || [];
    all.push(...items);
    // the total counts every member, whatever the filter: a short page ends the list as well
    const total = Number(headers.get('x-total-count'));
    if (items.length < MEMBER_PAGE_SIZE || (Number.isSafeInteger(total) && page * MEMBER_PAGE_SIZE >= total)) {
      return all;
    }
  }
}

function roleName(id) {
  return Object.keys(ROLES).find((name) => ROLES[name] === id) || `role ${id}`;
}

/**
 * Make project `project`'s group members those it declares (see Project members): add, fix the role of, and remove
 * groups; users are left alone. `label` starts its log line. Returns true.
 */
async function ensureMembers(ctx, project, projectId, label = `project ${project.name}`) {
  const groups = new Map();
  for (const member of await listMembers(ctx, projectId)) {
    if (member.entity_type === 'g') {
      groups.set(member.entity_name, [...(groups.get(member.entity_name) || []), member]);
    }
  }
  const changes = [];
  const setRole = async (member, declared) => {
    if (member.role_id !== ROLES[declared.role]) {
      await call(ctx, 'PUT', `/projects/${projectId}/members/${member.id}`, { role_id: ROLES[declared.role] });
      changes.push(`group ${JSON.stringify(declared.group)} ${roleName(member.role_id)} -> ${declared.role}`);
    }
  };
  // the group members not declared, and any second membership of a declared group's name (a group of another type)
  const removed = [];
  for (const declared of project.members) {
    const [existing, ...extra] = groups.get(declared.group) || [];
    groups.delete(declared.group);
    removed.push(...extra);
    if (existing) {
      await setRole(existing, declared);
      continue;
    }
    try {
      await call(ctx, 'POST', `/projects/${projectId}/members`, {
        role_id: ROLES[declared.role],
        member_group: { group_name: declared.group, group_type: OIDC_GROUP_TYPE },
      });
      changes.push(`group ${JSON.stringify(declared.group)} added as ${declared.role}`);
    } catch (err) {
      // 409 "The project member specified already exist" (src/controller/member/controller.go:75, :218-220): made by
      // another run since the listing; its role is applied as for one that was there
      if (!(err instanceof HarborError) || err.status !== 409) {
        throw err;
      }
      const found = (await listMembers(ctx, projectId, declared.group)).find((m) => m.entity_type === 'g' && m.entity_name === declared.group);
      if (!found) {
        throw err;
      }
      log(`${label}: group ${JSON.stringify(declared.group)} made a member meanwhile by another run (POST answered 409); applying its role`);
      await setRole(found, declared);
    }
  }
  removed.push(...[...groups.values()].flat());
  for (const member of removed) {
    // Harbor answers 200 for a member already gone (src/pkg/member/dao/dao.go:181-191)
    await call(ctx, 'DELETE', `/projects/${projectId}/members/${member.id}`);
    changes.push(`group ${JSON.stringify(member.entity_name)} removed`);
  }
  const count = `${project.members.length} group${project.members.length === 1 ? '' : 's'}`;
  log(`${label}: members ${changes.length === 0 ? `unchanged (${count})` : `updated (${changes.join(', ')})`}`);
  return true;
}

/**
 * Remove every group member of the retired project `name` if Harbor has it (see Retired project groups); true if it was
 * there. Its user members stay, and a project not in Harbor is not created.
 */
async function retireProjectGroups(ctx, name) {
  const label = `project ${name}`;
  const gone = () => {
    log(`${label}: retired, not in Harbor`);
    return false;
  };
  // Harbor matches q=name= exactly and lists no deleted project (src/pkg/project/dao/dao.go:158-160, whose Delete
  // renames the project "<name>#<id>": :112-128)
  const existing = await findProject(ctx, name);
  if (!existing) {
    return gone();
  }
  try {
    // exactly what "members": [] does to a declared project: every group goes, users stay
    await ensureMembers(ctx, { name, members: [] }, existing.project_id, `${label} (retired)`);
  } catch (err) {
    // deleted since it was listed: listing or deleting its members then answers 404, as the member controller looks
    // the project up first (src/controller/member/controller.go:92-98, :257-262; src/pkg/project/dao/dao.go:131-141)
    if (err instanceof HarborError && err.status === 404) {
      return gone();
    }
    throw err;
  }
  // its groups gone, a public project still serves every pull without a login (goharbor/harbor v2.15.1
  // src/pkg/project/models/project.go:83-90 IsPublic, src/common/rbac/project/evaluator.go:36-41 and rbac_user.go:38:
  // an anonymous user gets the public project's policies), which no configuration sets back, as none declares it any
  // more: said on every run while it lasts
  if (harborTrue((existing.metadata || {}).public)) {
    log(publicProjectWarning(`${label} (retired)`, name));
  }
  return true;
}

// Harbor refuses to delete a project that still holds a repository: DELETE /projects/{name} answers 412 "the project
// contains repositories, can not be deleted", and so does the portal's delete (goharbor/harbor v2.15.1
// src/server/v2.0/handler/project.go:271-277 DeleteProject, :765-778 deletable, RepoCount > 0; PreconditionCode is a 412
// by src/lib/http/error.go:42). So the advice to delete a project says to delete its repositories first.
const DELETE_REPOSITORIES_FIRST = 'its repositories first: Harbor refuses to delete a project that holds any';

/**
 * The warning for project `name`, which no configuration declares, while Harbor has it public: anyone pulls its images
 * without a login (goharbor/harbor v2.15.1 src/pkg/project/models/project.go:82-90 IsPublic,
 * src/common/rbac/project/rbac_user.go:35-42), and Harbor makes it private on a PUT of its metadata by name
 * (src/server/v2.0/handler/project.go:545 UpdateProject; X-Is-Resource-Name, api/v2.0/swagger.yaml). `also` goes before
 * the advice; `deletable` false leaves out deleting it (Harbor's "library": see warnOfPublicLibrary).
 */
function publicProjectWarning(label, name, also = '', deletable = true) {
  return `warning: ${label}: public in Harbor, so anyone pulls its images without a login; ${also}make it private (Projects > ` +
    `${name} > Configuration, or PUT /api/v2.0/projects/${name} with {"metadata":{"public":"false"}} and X-Is-Resource-Name: true)` +
    (deletable ? `, or delete it (${DELETE_REPOSITORIES_FIRST})` : '');
}

// Harbor's built-in project: every Harbor has it from its first start, public (goharbor/harbor v2.15.1
// make/migrations/postgresql/0001_initial_schema.up.sql:81, :120, project_metadata "public" "true"), with an unlimited
// storage quota (0010_1.9.0_schema.up.sql:89-97). Unless a configuration declares it (Harbor.declareLibrary,
// lib/harbor/harbor.ts, which ensureProject adopts as any project it finds and sets private), no run makes it private.
const LIBRARY = 'library';

/**
 * Warn, once a run (`warned`), when `robot`, just applied, may push to Harbor's "library" and Harbor lists it
 * (`library`, as found by the run, or undefined) public: whatever it pushes, a pipeline's images, anyone pulls without
 * a login (src/pkg/project/models/project.go:82-90 IsPublic; src/common/rbac/project/rbac_user.go:35-42 gives every
 * visitor, anonymous included, a public project's pull). A warning, not a failure: a public library may be meant.
 */
function warnOfPublicLibrary(robot, library, warned) {
  const pushes = robot.permissions.some((p) => p.kind === 'project' && p.namespace === LIBRARY &&
    p.access.some((a) => a.resource === 'repository' && a.action === 'push'));
  if (!pushes || !library || !harborTrue((library.metadata || {}).public) || warned.has(LIBRARY)) {
    return;
  }
  warned.add(LIBRARY);
  log(publicProjectWarning(`project ${LIBRARY} (Harbor's own, which robot ${robot.label} pushes to)`, LIBRARY,
    'Harbor makes it public at its first start, and no configuration declares it (Harbor.declareLibrary, which makes it private); ', false));
}

/**
 * Look up project `name`, which left the code without a retirement (see Left projects), and warn while it is public;
 * true if Harbor has it. Nothing is written.
 */
async function checkLeftProject(ctx, name) {
  const label = `project ${name}`;
  const existing = await findProject(ctx, name);
  if (!existing) {
    log(`${label}: left the code, not in Harbor`);
    return false;
  }
  if (name === LIBRARY) {
    // Harbor's own, declared by Harbor.declareLibrary before: retireProjectGroups refuses it, and the run never deletes it
    log(harborTrue((existing.metadata || {}).public)
      ? publicProjectWarning(`${label} (Harbor's own, left the code)`, name, 'declare it again in the code (harbor.declareLibrary()), which makes it private, or ', false)
      : `${label}: left the code (Harbor's own, declared before by harbor.declareLibrary()), private in Harbor, so no one pulls its images ` +
        'without a login: nothing urgent; no run sets its visibility any more: declare it again to keep it so, which stops the synth\'s warning of it');
    return true;
  }
  if (harborTrue((existing.metadata || {}).public)) {
    log(publicProjectWarning(`${label} (left the code, not retired)`, name, `retire it in the code (harbor.retireProjectGroups(${JSON.stringify(name)})) and `));
  } else {
    // private: nothing urgent; the same choices as the synth's warning (lib/harbor/left-projects.ts), minus making it private
    log(`${label}: left the code, private in Harbor, so no one pulls its images without a login: nothing urgent; its group members keep ` +
      `their access: to let it go, retire it in the code (harbor.retireProjectGroups(${JSON.stringify(name)})), which removes them, and delete ` +
      `it in Harbor (Projects; ${DELETE_REPOSITORIES_FIRST}) if its images may go; if it was renamed or dropped by mistake, declare it again ` +
      '(addProject, addProxyCache); ' +
      'retiring it or declaring it again stops the synth\'s warning of it');
  }
  return true;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  // before anything can fail: an error message may quote a setting
  redactor.add(process.env.HARBOR_ADMIN_PASSWORD);
  const settings = readSettings(process.env);
  const config = readConfig(settings.configFile);
  const values = resolveSecrets(config, process.env);
  const authorization = `Basic ${Buffer.from(`${settings.username}:${settings.adminSecret}`).toString('base64')}`;
  redactor.add(...values.values(), authorization.slice('Basic '.length));

  // one retry budget for the whole run, counted from here, so the Job is never killed before the summary
  const ctx = { ...settings, authorization, secrets: values, deadline: Date.now() + settings.waitSeconds * 1000 };
  log(`waiting for Harbor at ${settings.base}`);
  await retrying(ctx, 'ping', () => call(ctx, 'GET', '/ping', undefined, { auth: false }));
  log('Harbor is up');

  // An item that fails does not stop the others: only those that need it are skipped, and the run
  // fails at the end, naming every item not applied. A FatalError still stops the run at once.
  const notApplied = [];
  const failed = (label, err) => {
    process.stderr.write(describeFailure(err.message.startsWith(`${label}:`) ? err : new HarborError(`${label}: ${err.message}`)));
    notApplied.push(`${label} (failed)`);
  };
  /** `{ value }` when `step` succeeded, `{ unhealthy }` when Harbor found an upstream unhealthy, else `{}`. */
  const attempt = async (label, step) => {
    try {
      return { value: await retrying(ctx, label, step) };
    } catch (err) {
      if (err instanceof TransientError && err.upstream) {
        return { unhealthy: err };
      }
      if (!(err instanceof HarborError) || err instanceof FatalError) {
        throw err;
      }
      failed(label, err);
      return {};
    }
  };
  const skip = (label, missing) => {
    log(`${label}: skipped, ${missing} was not applied`);
    notApplied.push(`${label} (${missing} not applied)`);
  };

  // OIDC first: the group members of every chunk need it (see OIDC and Project members). `authMode` is Harbor's as
  // last seen, looked up at most once a round (`modeChecked`) until it is oidc_auth.
  let oidcApplied = false;
  let authMode;
  let modeChecked;
  // why Harbor's auth_mode cannot become oidc_auth: 'users', 'overwritten' (CONFIG_OVERWRITE_JSON), or false
  let modeLocked = false;
  if (config.oidc) {
    oidcApplied = (await attempt('oidc', () => applyOidc(ctx, config.oidc))).value === true;
    if (oidcApplied) {
      authMode = 'oidc_auth';
    }
  } else if (config.settings) {
    // the one Job that holds the settings speaks for a Harbor whose code dropped oidc (see OIDC)
    await attempt('oidc', () => checkNoOidc(ctx));
  }
  // before any project: until it is adminonly, any user who signs in may create a declared project first (see Settings)
  if (config.settings) {
    await attempt('settings', () => applySettings(ctx, config.settings));
  }
  const lookUpAuthMode = async () => {
    if (authMode !== 'oidc_auth' && !modeChecked) {
      modeChecked = true;
      const current = await readConfigurations(ctx);
      authMode = current.value('auth_mode');
      modeLocked = authMode !== 'oidc_auth' && (current.readOnly ? 'overwritten' : !current.authModeEditable && 'users');
    }
    return true;
  };

  // Registries: the id of every one that exists in Harbor, even if its update failed; the ones whose
  // upstream Harbor found unhealthy, with the last answer, to retry later.
  const registryIds = new Map();
  const unhealthy = new Map();
  const tryRegistry = async (registry, retryingIn) => {
    const label = `registry ${registry.name}`;
    const result = await attempt(label, () => ensureRegistry(ctx, registry, (id) => registryIds.set(registry.name, id)));
    unhealthy.delete(registry.name);
    if (result.value !== undefined) {
      registryIds.set(registry.name, result.value);
    } else if (result.unhealthy) {
      unhealthy.set(registry.name, result.unhealthy);
      const then = retryingIn === undefined ? 'retrying after the items that do not need it'
        : Date.now() + retryingIn <= ctx.deadline ? `retrying in ${retryingIn}ms` : 'giving up';
      log(`${label}: upstream registry unhealthy (${result.unhealthy.message}); ${then}`);
    }
  };

  // Projects and robots are applied as soon as what they need is: `final` skips those still waiting.
  const projectIds = new Map();
  const projectsDone = new Set();
  const robotsDone = new Set();
  const declaredProjects = new Set(config.projects.map((p) => p.name));
  // Projects robots name that this configuration does not declare: "library", or one that another configuration's
  // Job, running at the same time, creates (see Chunks above). Looked up once a round until found; `absent` holds
  // the ones not found yet, whose robots wait like the items behind an unhealthy upstream.
  const absent = new Set();
  let checked;
  // the undeclared projects found, as listed, for the warning of a public push target (warnOfPublicLibrary)
  const foreignFound = new Map();
  const lookUp = async (name) => {
    if (!checked.has(name)) {
      const found = await findProject(ctx, name);
      checked.add(name);
      if (found) {
        foreignFound.set(name, found);
        projectIds.set(name, found.project_id);
        absent.delete(name);
      } else if (!absent.has(name)) {
        absent.add(name);
        log(`project ${name}: not in Harbor yet and not declared here (another configuration's Job creates it); its robots wait for it`);
      }
    }
    return projectIds.has(name);
  };
  // whether the run has warned of a public "library" a robot pushes to: once a run
  const warnedLibrary = new Set();
  const membersDone = new Set();
  // whether a project's groups wait for Harbor to be in oidc_auth
  let waitingForOidc = false;
  const applyReady = async (final) => {
    checked = new Set();
    modeChecked = false;
    for (const project of config.projects) {
      const label = `project ${project.name}`;
      if (projectsDone.has(project.name)) {
        continue;
      }
      if (project.registry && !registryIds.has(project.registry)) {
        if (!final && unhealthy.has(project.registry)) {
          continue;
        }
        projectsDone.add(project.name);
        skip(label, `registry ${project.registry}`);
        continue;
      }
      projectsDone.add(project.name);
      const { value } = await attempt(label, () => ensureProject(ctx, project, registryIds, (id) => projectIds.set(project.name, id)));
      if (value !== undefined) {
        projectIds.set(project.name, value);
      }
    }
    for (const robot of config.robots) {
      const label = `robot ${robot.label}`;
      if (robotsDone.has(robot.label)) {
        continue;
      }
      const needed = [robot.project, ...robot.permissions.filter((p) => p.kind === 'project').map((p) => p.namespace)]
        .filter((name) => name && declaredProjects.has(name) && !projectIds.has(name));
      const missing = needed.find((name) => projectsDone.has(name));
      if (!missing && needed.length > 0 && !final) {
        continue;
      }
      if (missing || needed.length > 0) {
        robotsDone.add(robot.label);
        skip(label, `project ${missing || needed[0]}`);
        continue;
      }
      const foreign = [robot.project, ...robot.permissions.filter((p) => p.kind === 'project' && p.namespace !== '*').map((p) => p.namespace)]
        .filter((name) => name && !declaredProjects.has(name));
      const wait = await attempt(label, async () => {
        for (const name of foreign) {
          if (!(await lookUp(name))) {
            return name;
          }
        }
        return null;
      });
      if (wait.value && !final) {
        continue;
      }
      robotsDone.add(robot.label);
      if (wait.value === undefined) {
        continue;
      }
      if (wait.value) {
        failed(label, new HarborError(`${label}: project ${wait.value} does not exist in Harbor; it is not declared in this configuration, and no other configuration's Job created it before the run's retry budget ran out (HARBOR_WAIT_SECONDS=${ctx.waitSeconds})`));
        continue;
      }
      // a robot that failed is left unwarned: its line says why already
      // a library another configuration declares is that one's to make private, or public as declared
      if ('value' in await attempt(label, () => ensureRobot(ctx, robot, projectIds)) && !config.libraryDeclared) {
        warnOfPublicLibrary(robot, foreignFound.get(LIBRARY), warnedLibrary);
      }
    }
    waitingForOidc = false;
    for (const project of config.projects) {
      const label = `project ${project.name} members`;
      if (project.members === null || membersDone.has(project.name)) {
        continue;
      }
      if (!projectIds.has(project.name)) {
        // still waiting for its registry, or not applied
        if (projectsDone.has(project.name)) {
          membersDone.add(project.name);
          skip(label, `project ${project.name}`);
        }
        continue;
      }
      // removing every group needs no OIDC; naming one does
      if (project.members.length > 0) {
        if (config.oidc && !oidcApplied) {
          membersDone.add(project.name);
          skip(label, 'oidc');
          continue;
        }
        if ((await attempt(label, lookUpAuthMode)).value === undefined) {
          membersDone.add(project.name);
          continue;
        }
        if (modeLocked) {
          membersDone.add(project.name);
          failed(label, new HarborError(modeLocked === 'overwritten'
            ? configOverwritten(label, `its auth_mode (${authMode}) cannot become oidc_auth, in which alone Harbor makes OIDC groups`,
              'set auth_mode oidc_auth and the OIDC settings in CONFIG_OVERWRITE_JSON')
            : authModeLocked(label, authMode)));
          continue;
        }
        if (authMode !== 'oidc_auth' && !final) {
          waitingForOidc = true;
          continue;
        }
        if (authMode !== 'oidc_auth') {
          membersDone.add(project.name);
          failed(label, new HarborError(`${label}: Harbor's auth_mode is still ${authMode}, not oidc_auth, now that the run's retry budget ran ` +
            `out (HARBOR_WAIT_SECONDS=${ctx.waitSeconds}), and Harbor makes OIDC groups only in oidc_auth; the configure Job of the first ` +
            'chunk (harbor-configure-<hash>, the one whose config.json has "oidc") sets it: its log says why it has not'));
          continue;
        }
      }
      membersDone.add(project.name);
      await attempt(label, () => ensureMembers(ctx, project, projectIds.get(project.name)));
    }
  };

  // First pass: each registry once, then everything that does not wait for an unhealthy upstream.
  for (const registry of config.registries) {
    await tryRegistry(registry);
  }
  await applyReady(false);

  // Then the unhealthy upstreams, in rounds sharing one backoff, with what is left of the run's budget; the
  // items that need a registry are applied as soon as it is.
  if (unhealthy.size > 0) {
    const left = Math.max(0, Math.floor((ctx.deadline - Date.now()) / 1000));
    log(`retrying ${unhealthy.size} registr${unhealthy.size === 1 ? 'y' : 'ies'} whose upstream Harbor found unhealthy (${[...unhealthy.keys()].join(', ')}) for up to ${left}s, what is left of HARBOR_WAIT_SECONDS (${ctx.waitSeconds}s)`);
  }
  let pause = ctx.retryIntervalMs;
  while ((unhealthy.size > 0 || absent.size > 0 || waitingForOidc) && Date.now() + pause <= ctx.deadline) {
    await sleep(pause);
    pause = Math.min(pause * 2, Math.max(MAX_BACKOFF_MS, ctx.retryIntervalMs));
    for (const registry of config.registries.filter((r) => unhealthy.has(r.name))) {
      await tryRegistry(registry, pause);
    }
    await applyReady(false);
  }
  for (const registry of config.registries.filter((r) => unhealthy.has(r.name))) {
    failed(`registry ${registry.name}`, new HarborError(`registry ${registry.name}: the upstream registry was still unhealthy when the run's retry budget ran out (HARBOR_WAIT_SECONDS=${ctx.waitSeconds}): ${unhealthy.get(registry.name).message}`));
  }
  unhealthy.clear();
  await applyReady(true);
  // counted apart in the summary: a retirement stays declared after its robot is gone, so most runs find none
  let deleted = 0;
  let absentRetired = 0;
  for (const name of config.retiredRobots) {
    const outcome = await attempt(`robot ${name}`, () => retireRobot(ctx, name));
    if (outcome.value === true) deleted++;
    if (outcome.value === false) absentRetired++;
  }
  let retiredFound = 0;
  let retiredGone = 0;
  for (const name of config.retiredProjectGroups) {
    const outcome = await attempt(`project ${name} (retired)`, () => retireProjectGroups(ctx, name));
    if (outcome.value === true) retiredFound++;
    if (outcome.value === false) retiredGone++;
  }
  let leftFound = 0;
  for (const name of config.leftProjects) {
    const outcome = await attempt(`project ${name} (left the code)`, () => checkLeftProject(ctx, name));
    if (outcome.value === true) leftFound++;
  }
  if (config.gc) {
    await attempt('gc', () => applyGc(ctx, config.gc));
  }
  if (config.audit) {
    await attempt('audit', () => applyAuditPurge(ctx, config.audit));
  }

  const managed = config.projects.filter((p) => p.members !== null).length;
  const total = config.registries.length + config.projects.length + config.robots.length + config.retiredRobots.length +
    config.retiredProjectGroups.length + config.leftProjects.length + managed + (config.oidc || config.settings ? 1 : 0) + (config.settings ? 1 : 0) + !!config.gc + !!config.audit;
  if (notApplied.length > 0) {
    throw new HarborError(`${notApplied.length} of ${total} items not applied: ${notApplied.join(', ')}`);
  }
  const retired = config.retiredRobots.length > 0 ? `, ${config.retiredRobots.length} retired robots (${deleted} deleted, ${absentRetired} already gone)` : '';
  const members = managed > 0 ? `, the group members of ${managed} project${managed === 1 ? '' : 's'}` : '';
  const count = config.retiredProjectGroups.length;
  const retiredGroups = count > 0 ? `, the groups of ${count} retired project${count === 1 ? '' : 's'} (${retiredFound} in Harbor, ${retiredGone} already gone)` : '';
  const leftCount = config.leftProjects.length;
  const left = leftCount > 0 ? `, ${leftCount} project${leftCount === 1 ? '' : 's'} left the code (${leftFound} in Harbor)` : '';
  log(`done: ${config.oidc ? 'OIDC, ' : ''}${config.settings ? 'settings, ' : ''}${config.registries.length} registries, ${config.projects.length} projects, ${config.robots.length} robots${members}${retired}${retiredGroups}${left}`);
}

// The redaction is exported for the tests, which require this file; the Job runs it with node.
module.exports = { Redactor, REDACTED, MIN_SECRET_CHARS, BODY_EXCERPT_CHARS, describeFailure, ConfigError, HarborError, FatalError, ROBOT_PREFIX };

if (require.main === module) {
  // whatever escapes main is printed redacted too, instead of by Node as it is
  const fatal = (err) => {
    process.stderr.write(describeFailure(err));
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  main().then(
    () => {
      process.exitCode = 0;
    },
    (err) => {
      if (err instanceof SupersededError) {
        // not a failure: the newer Jobs apply the configuration, and a failed Job would only be retried to stop again
        log(err.message);
        process.exitCode = 0;
        return;
      }
      process.stderr.write(describeFailure(err));
      process.exitCode = 1;
    },
  );
}
