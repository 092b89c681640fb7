/**
 * Small models of upstream Drone behaviour, each a transcription of the cited source, for tests that evaluate the
 * rendered configuration the way Drone itself would.
 *
 * Versions: harness/harness v2.28.2 (the server), drone-runners/drone-runner-kube v1.0.0-rc.5 (the runner),
 * drone/runner-go v1.12.0 (its go.mod), Kubernetes' LimitRanger admission plugin.
 */
import { parseAllDocuments } from 'yaml';

/**
 * A user logging in to Drone, with the organisations the git provider lists: for the first time (`user.ID == 0`)
 * unless `registered`.
 */
export interface NewUser {
  readonly login: string;
  readonly orgs: string[];
  /** Whether Drone has the account already (`user.ID != 0`): an earlier log-in, or `DRONE_USER_CREATE`. */
  readonly registered?: boolean;
}

/**
 * Whether Drone admits a new user, from the server's env.
 *
 * - `cmd/drone-server/inject_plugin.go:47-49`: `admission.Combine(Membership(orgs, Users.Filter), Open(Registration.Closed), …)`;
 *   Combine refuses on the first refusal.
 * - `plugin/admission/account.go:38-72`: an empty filter admits; else the login or one of the user's organisations
 *   must be in it, case-insensitively.
 * - `plugin/admission/open.go:38-49`: closed registration refuses every new user.
 * - each of them admits a user Drone has already (`user.ID != 0`) without a check: a filter changed later turns no
 *   registered user away.
 * - `cmd/drone-server/config/config.go:273,299`: `DRONE_REGISTRATION_CLOSED` (bool), `DRONE_USER_FILTER` (comma list).
 */
export function droneAdmits(env: Record<string, string | undefined>, user: NewUser): boolean {
  // account.go:38-43, open.go:38-43 (and nobot.go): "Existing users are always admitted"
  if (user.registered) {
    return true;
  }
  const filter = (env.DRONE_USER_FILTER ?? '').split(',').map((a) => a.trim().toLowerCase()).filter((a) => a !== '');
  const member = filter.length === 0 || filter.includes(user.login.toLowerCase()) || user.orgs.some((o) => filter.includes(o.toLowerCase()));
  const closed = env.DRONE_REGISTRATION_CLOSED === 'true';
  return member && !closed;
}

/** The account Drone makes or updates at start (`droneBootstrapUser`). */
export interface BootstrapUser {
  readonly login: string;
  readonly admin: boolean;
  readonly machine: boolean;
}

/**
 * The account Drone makes, or updates, at each start from `DRONE_USER_CREATE`; undefined for none, `fatal` where the
 * server stops instead.
 *
 * - harness v2.28.2 `cmd/drone-server/config/config.go:630-650` (`UserCreate.Decode`): the value split on "," into
 *   `key:value` pairs, a pair of any other shape (no ":", or two) skipped, an unknown key ignored; `machine` and
 *   `admin` are true only for exactly `true`.
 * - `cmd/drone-server/main.go:70-81`: `Bootstrap` with that login, flags and token; an error stops the server.
 * - `cmd/drone-server/bootstrap/bootstrap.go:45-89`: an empty login makes nothing; an existing account of that
 *   login (`exists`) gets the flags (`update`, 91-123), first; else a machine account without a token is an error,
 *   and any other is made active.
 *
 * Drone finds the account at log-in by the forge's login, compared exactly (`handler/web/login.go:74`,
 * `store/user/user.go:249-252`: `WHERE user_login = :user_login` on a `VARCHAR`), so only that spelling logs in to it.
 */
export function droneBootstrapUser(env: Record<string, string | undefined>, exists = false): BootstrapUser | 'fatal' | undefined {
  let login = '';
  let token = '';
  let admin = false;
  let machine = false;
  for (const param of (env.DRONE_USER_CREATE ?? '').split(',')) {
    const parts = param.split(':');
    if (parts.length !== 2) continue;
    const [key, val] = parts;
    if (key === 'username') login = val;
    else if (key === 'token') token = val;
    else if (key === 'machine') machine = val === 'true';
    else if (key === 'admin') admin = val === 'true';
  }
  if (login === '') return undefined;
  if (!exists && machine && token === '') return 'fatal';
  return { login, admin, machine };
}

/**
 * bmatcuk/doublestar v1.1.1 `Match` (`doublestar.go:91-93`), which runner-go v1.12.0 `manifest/cond.go:7,72-79`
 * imports as `filepath` for policies' conditions, and drone-runner-kube v1.0.0-rc.5 `engine/linter/linter.go:207-224`
 * for the namespace rules (go.mod pins v1.1.1): `splitPathOnSeparator` (15-42) and `doMatching` (137-174) over
 * `/`-separated parts, where only a part that is exactly `**` crosses a `/` (149-162), and `matchComponent` (313-455)
 * within one part, runes compared exactly: a `*` ending the pattern takes the rest (343-349), and what is left of the
 * pattern once the name is used up matches only if it is `*` (with the name exhausted) or `**` (448-453), so a part
 * ending in `***` needs a character there. Character sets as 358-419 read them (`[aA]`, `[^a-z]`, ranges), as
 * `DroneKubeRunner.leaveRepos` writes them; no escapes or `{…}`, which Dockyard's patterns never hold.
 */
export function doublestarMatch(pattern: string, name: string): boolean {
  const split = (path: string): string[] => {
    if (!path.includes('/')) return [path];
    const parts: string[] = [];
    for (let start = 0; start < path.length;) {
      let end = path.indexOf('/', start);
      if (end === -1) end = path.length;
      parts.push(path.slice(start, end));
      start = end + 1;
    }
    return parts;
  };
  /** Whether the set `runes` (between `[` and `]`) admits `c` (358-419, without escapes); undefined if malformed. */
  const inSet = (runes: string, c: string): boolean | undefined => {
    if (runes.length === 0) return undefined;
    const negated = runes[0] === '^';
    let matched = false;
    for (let i = negated ? 1 : 0; i < runes.length;) {
      const low = runes[i++];
      if (low === '-') return undefined;
      let high = low;
      if (i < runes.length && runes[i] === '-') {
        if (++i >= runes.length || runes[i] === '-') return undefined;
        high = runes[i++];
      }
      if (low <= c && c <= high) matched = true;
    }
    return matched !== negated;
  };
  const matchComponent = (p: string, n: string): boolean => {
    if (p.length === 0 && n.length === 0) return true;
    if (p.length === 0) return false;
    if (n.length === 0 && p !== '*') return false;
    let pi = 0;
    let ni = 0;
    while (pi < p.length && ni < n.length) {
      if (p[pi] === '*') {
        pi++;
        if (pi >= p.length) return true; // a star at the end of a pattern will always match the rest of the path
        for (; ni < n.length; ni++) {
          if (matchComponent(p.slice(pi), n.slice(ni))) return true;
        }
        return false;
      } else if (p[pi] === '[') {
        const end = p.indexOf(']', pi + 1);
        if (end < 0 || !inSet(p.slice(pi + 1, end), n[ni])) return false; // ErrBadPattern, or no match
        pi = end + 1;
        ni++;
      } else if (p[pi] === '?' || p[pi] === n[ni]) {
        pi++;
        ni++;
      } else {
        return false;
      }
    }
    if (pi >= p.length && ni >= n.length) return true;
    // Go's precedence: (name exhausted && rest == "*") || rest == "**"
    return (ni >= n.length && p.slice(pi) === '*') || p.slice(pi) === '**';
  };
  const doMatching = (ps: string[], ns: string[]): boolean => {
    if (ps.length === 0 && ns.length === 0) return true;
    if (ps.length === 0 || ns.length === 0) return false;
    let pi = 0;
    let ni = 0;
    while (pi < ps.length && ni < ns.length) {
      if (ps[pi] === '**') {
        if (++pi >= ps.length) return true;
        for (; ni < ns.length; ni++) {
          if (doMatching(ps.slice(pi), ns.slice(ni))) return true;
        }
        return false;
      }
      if (!matchComponent(ps[pi], ns[ni])) return false;
      pi++;
      ni++;
    }
    return pi >= ps.length && ni >= ns.length;
  };
  return doMatching(split(pattern), split(name));
}

/** A runner-go condition as YAML spells it: a string, a list, or `{ include, exclude }` (`manifest/cond.go:93-117`). */
function conditionMatches(condition: unknown, value: string): boolean {
  let include: string[] = [];
  let exclude: string[] = [];
  if (typeof condition === 'string') {
    include = [condition];
  } else if (Array.isArray(condition)) {
    include = condition;
  } else if (condition && typeof condition === 'object') {
    include = (condition as any).include ?? [];
    exclude = (condition as any).exclude ?? [];
  }
  // manifest/cond.go:57-68: an exclusion wins; no inclusions means every value
  if (exclude.some((p) => doublestarMatch(p, value))) {
    return false;
  }
  return include.length === 0 || include.some((p) => doublestarMatch(p, value));
}

/** What the runner matches policies against (`engine/compiler/compiler.go:344-353`). */
export interface BuildMatch {
  readonly repo: string;
  readonly event: string;
  readonly branch?: string;
  /**
   * The build's ref (`args.Build.Ref`): a promote, rollback or custom build of a pull request keeps the pull
   * request's (harness v2.28.2 `handler/api/repos/builds/promote.go:65-66`). Default: a pull request's
   * `refs/pull/1/head` for `pull_request`, else `refs/heads/<branch>` (go-scm v1.42.2 `scm/driver/github/pr.go:152`).
   */
  readonly ref?: string;
}

/** A rendered runner policy. */
export interface RunnerPolicy {
  readonly name: string;
  readonly match?: Record<string, unknown>;
  readonly metadata?: { namespace?: string };
  readonly service_account?: string;
}

/** The runner's policy file: one YAML document per policy (`engine/policy/parser.go:25-41`). */
export function parsePolicies(yaml: string): RunnerPolicy[] {
  return parseAllDocuments(yaml).map((d) => d.toJS()).filter((p) => p !== null);
}

/**
 * The policy the runner applies (`engine/policy/match.go:12-24`): the first whose conditions all match
 * (`manifest/cond.go:38-47`), else one named `default`, else none.
 */
export function matchPolicy(policies: RunnerPolicy[], build: BuildMatch): RunnerPolicy | undefined {
  const branch = build.branch ?? 'main';
  const ref = build.ref ?? (build.event === 'pull_request' ? 'refs/pull/1/head' : `refs/heads/${branch}`);
  const values: Record<string, string> = { repo: build.repo, event: build.event, branch, ref };
  // runner-go's manifest.Conditions decodes only these fields; go-yaml ignores any other key, so a misspelt or
  // unknown condition matches everything (the unsafe side, which the model must reproduce)
  const known = ['action', 'cron', 'ref', 'repo', 'instance', 'target', 'event', 'branch'];
  const first = policies.find((p) => Object.entries(p.match ?? {})
    .every(([key, cond]) => !known.includes(key) || conditionMatches(cond, values[key] ?? '')));
  return first ?? policies.find((p) => p.name === 'default');
}

/** What a pipeline asks for itself. */
export interface PipelineRequest {
  readonly namespace?: string;
  readonly serviceAccountName?: string;
}

/** Where a build pod lands and what it runs as, or the linter's refusal. */
export type BuildPlacement = { namespace: string; serviceAccountName: string } | { refused: string };

/**
 * The namespace and ServiceAccount of a pipeline's pod:
 *
 * - the namespace rules linter refuses a `metadata.namespace` whose rule the repository does not match
 *   (`engine/linter/linter.go:207-224`);
 * - the pipeline's own namespace and `service_account_name` (`engine/compiler/compiler.go:212-221`), else
 *   `DRONE_NAMESPACE_DEFAULT` (233-235) and `DRONE_SERVICE_ACCOUNT_DEFAULT` (256-259);
 * - then the matching policy overrides both (`compiler.go:636-638`, `engine/policy/policy.go:56-107`);
 * - an empty ServiceAccount is the namespace's `default` (Kubernetes).
 */
export function placeBuild(
  env: Record<string, string | undefined>, policies: RunnerPolicy[], namespaceRules: Record<string, string[]>,
  build: BuildMatch, pipeline: PipelineRequest = {},
): BuildPlacement {
  if (pipeline.namespace && namespaceRules[pipeline.namespace] && !namespaceRules[pipeline.namespace].some((p) => doublestarMatch(p, build.repo))) {
    return { refused: 'linter: pipeline restricted from using configured namespace' };
  }
  let namespace = pipeline.namespace || env.DRONE_NAMESPACE_DEFAULT || 'default';
  let serviceAccountName = pipeline.serviceAccountName || env.DRONE_SERVICE_ACCOUNT_DEFAULT || '';
  const policy = matchPolicy(policies, build);
  if (policy?.metadata?.namespace) {
    namespace = policy.metadata.namespace;
  }
  if (policy?.service_account) {
    serviceAccountName = policy.service_account;
  }
  return { namespace, serviceAccountName: serviceAccountName || 'default' };
}

/**
 * Whether the server hands a stage with `node:` labels to a runner with `DRONE_RUNNER_LABELS`
 * (`scheduler/queue/queue.go:196-199` and `checkLabels`, 266-276): both empty, or exactly the same map.
 */
export function schedulerRoutes(stageLabels: Record<string, string>, runnerLabels: Record<string, string>): boolean {
  const a = Object.entries(stageLabels);
  if (a.length === 0 && Object.keys(runnerLabels).length === 0) {
    return true;
  }
  return a.length === Object.keys(runnerLabels).length && a.every(([k, v]) => runnerLabels[k] === v);
}

/** `DRONE_RUNNER_LABELS` as envconfig decodes a map: `key:value` pairs separated by `,`. */
export function parseRunnerLabels(value: string | undefined): Record<string, string> {
  if (!value) {
    return {};
  }
  return Object.fromEntries(value.split(',').map((pair) => {
    const [key, ...rest] = pair.split(':');
    return [key, rest.join(':')];
  }));
}

/**
 * Go's `path.Match` without character classes and escapes, which our patterns never hold: golang/go
 * `src/path/match.go` (`Match`, `scanChunk`, `matchChunk`; commit 18d13db, the same algorithm as in Go 1.11, with
 * which drone-kubernetes-secrets is built, `.drone.yml`). `*` matches any run of non-`/` characters, `?` one.
 */
export function goPathMatch(pattern: string, name: string): boolean {
  const matchChunk = (chunk: string, s: string): string | undefined => {
    for (const c of chunk) {
      if (s.length === 0) return undefined;
      if (c === '?' ? s[0] === '/' : c !== s[0]) return undefined;
      s = s.slice(1);
    }
    return s;
  };
  pattern: while (pattern.length > 0) {
    // scanChunk: the stars, then the chunk up to the next star
    const stars = /^\**/.exec(pattern)![0].length;
    const star = stars > 0;
    pattern = pattern.slice(stars);
    const end = pattern.indexOf('*') < 0 ? pattern.length : pattern.indexOf('*');
    const chunk = pattern.slice(0, end);
    pattern = pattern.slice(end);
    if (star && chunk === '') {
      // trailing * matches rest of string unless it has a /
      return !name.includes('/');
    }
    const t = matchChunk(chunk, name);
    if (t !== undefined && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < name.length && name[i] !== '/'; i++) {
        const rest = matchChunk(chunk, name.slice(i + 1));
        if (rest !== undefined) {
          if (pattern.length === 0 && rest.length > 0) continue;
          name = rest;
          continue pattern;
        }
      }
    }
    return false;
  }
  return name.length === 0;
}

/**
 * drone-kubernetes-secrets `plugin/match.go:12-24` (commit e0cacbf, the repository's last; no tags): no patterns
 * match everything, else `path.Match` of each lower-cased pattern against the lower-cased name.
 */
export function extensionMatch(name: string, patterns: readonly string[] | undefined): boolean {
  return patterns === undefined || patterns.length === 0 || patterns.some((p) => goPathMatch(p.toLowerCase(), name.toLowerCase()));
}

/**
 * drone-kubernetes-secrets `plugin/util.go:11-37`: the first annotation whose key equals `key` ignoring case, split on
 * "," as it stands (no blank is trimmed, and an empty part stays, matching only an empty name); an empty value is no
 * patterns, which `extensionMatch` takes as everything.
 */
function extensionPatterns(annotations: Record<string, string | undefined> | undefined, key: string): string[] | undefined {
  const entry = Object.entries(annotations ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase());
  if (entry === undefined || entry[1] === undefined) return undefined;
  const parts = entry[1].split(',');
  return parts.length === 1 && parts[0] === '' ? undefined : parts;
}

/**
 * Whether the Kubernetes secrets extension hands a Secret to a build, by its annotations alone
 * (drone-kubernetes-secrets `plugin/plugin.go:58-69`): the build's event must match `X-Drone-Events` and the
 * repository slug `X-Drone-Repos` (`extensionMatch`, `extensionPatterns`). `droneStepSecret` follows a whole request.
 */
export function secretReadable(annotations: Record<string, string | undefined> | undefined, build: { repo: string; event: string }): boolean {
  return extensionMatch(build.event, extensionPatterns(annotations, 'X-Drone-Events')) &&
    extensionMatch(build.repo, extensionPatterns(annotations, 'X-Drone-Repos'));
}

/** A platform as rendered: its manifests' objects and its generated Secrets (`LocalSecretStore.render`). */
export interface RenderedPlatform {
  readonly objects: any[];
  readonly secrets: any[];
}

/** The data of Secret `namespace/name` among `platform`'s, decoded, if it has one of that name. */
function secretData(platform: RenderedPlatform, namespace: string, name: string): Record<string, string> | undefined {
  const secret = [...platform.secrets, ...platform.objects]
    .find((o) => o.kind === 'Secret' && o.metadata.namespace === namespace && o.metadata.name === name);
  if (secret === undefined) return undefined;
  const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()]));
  return { ...data, ...secret.stringData };
}

/** The value of env variable `name` of `workload`'s first container: a literal, or a Secret key it references. */
function envValue(platform: RenderedPlatform, workload: any, name: string): string | undefined {
  const entry = workload.spec.template.spec.containers[0].env?.find((e: any) => e.name === name);
  const ref = entry?.valueFrom?.secretKeyRef;
  return ref ? secretData(platform, workload.metadata.namespace, ref.name)?.[ref.key] : entry?.value;
}

/**
 * Whether `account` (namespace/name) may `get` Secret `name` in `namespace` by the Roles bound to it there (the
 * RBAC authorizer's `RuleAllows`, kubernetes/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go: an empty or missing
 * `resourceNames` is every name). Dockyard binds no ClusterRole to the extension, so none is looked at.
 */
function mayGetSecret(platform: RenderedPlatform, account: { namespace: string; name: string }, namespace: string, name: string): boolean {
  const roles = platform.objects.filter((b) => b.kind === 'RoleBinding' && b.metadata.namespace === namespace && b.roleRef.kind === 'Role' &&
    b.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.name === account.name && (s.namespace ?? namespace) === account.namespace))
    .map((b) => platform.objects.find((r) => r.kind === 'Role' && r.metadata.namespace === namespace && r.metadata.name === b.roleRef.name));
  return roles.some((role) => (role?.rules ?? []).some((r: any) => r.apiGroups.includes('') && r.resources.includes('secrets') &&
    r.verbs.includes('get') && (!r.resourceNames?.length || r.resourceNames.includes(name))));
}

/** What the runner says of a build when it asks for a secret (runner-go v1.12.0 `secret/external.go:60-65`). */
export interface SecretBuild {
  /** `Repo.Slug`: the repository the build is of, a fork's pull request's target. */
  readonly repo: string;
  /** `Build.Event`, e.g. `push`, `pull_request`, `promote`. */
  readonly event: string;
}

/**
 * What a step of a pipeline in `pipelineFile` (the `.drone.yml`'s parsed documents) gets for `from_secret: <name>` or
 * `image_pull_secrets: [<name>]` on runner `runner` (a Deployment's name) of `platform`: the value, or "" when the
 * runner finds none, in which case the step runs anyway with the variable empty (drone-runner-kube v1.0.0-rc.5
 * `engine/compiler/compiler.go:513-530`, and `image_pull_secrets` are dropped, 546-554). Drone's own stored secrets,
 * which the compiler asks first (`findSecret`, 758-782), are taken to be none: Dockyard stores none there.
 *
 * - runner-go v1.12.0 `secret/external.go`: no `DRONE_SECRET_PLUGIN_ENDPOINT`, no lookup (21-36); a `kind: secret`
 *   document of that name with a `get` (`getExternal`, 88-103), else none (46-50); a refusal is an error the
 *   compiler drops (`compiler.go:772-777`), and an empty value is none (74-77).
 * - The endpoint, `http://<service>.<namespace>.svc:<port>`, reaches the pods of the Service's selector on its
 *   target port, where the extension listens on `SERVER_ADDRESS`.
 * - drone-go v1.0.0 `plugin/secret/handler.go:58-67`: a request signed with another key than `SECRET_KEY` gets 400.
 * - drone-kubernetes-secrets `plugin/plugin.go:32-77`: path and name required; the Secret `path` in
 *   `KUBERNETES_NAMESPACE` (`cmd/drone-kubernetes-secrets/main.go:47-49`: default `default`), read with the pod's
 *   ServiceAccount (`mayGetSecret`); its key `name`; then the events and repositories (`secretReadable`).
 */
export function droneStepSecret(platform: RenderedPlatform, runner: string, pipelineFile: readonly any[], name: string, build: SecretBuild): string {
  const runnerPod = platform.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === runner);
  const endpoint = envValue(platform, runnerPod, 'DRONE_SECRET_PLUGIN_ENDPOINT');
  const resource = pipelineFile.find((d) => d?.kind === 'secret' && d.name === name && (d.get?.name || d.get?.path));
  if (!endpoint || resource === undefined) return '';
  const url = new URL(endpoint);
  const [serviceName, serviceNamespace, svc] = url.hostname.split('.');
  const service = platform.objects.find((o) => o.kind === 'Service' && o.metadata.name === serviceName && o.metadata.namespace === serviceNamespace);
  const port = service?.spec.ports.find((p: any) => String(p.port) === (url.port || '80'));
  if (svc !== 'svc' || port === undefined) return '';
  const extension = platform.objects.find((o) => o.kind === 'Deployment' && o.metadata.namespace === serviceNamespace &&
    Object.entries(service.spec.selector).every(([k, v]) => o.spec.template.metadata.labels?.[k] === v));
  if (extension === undefined) return '';
  const ports: any[] = extension.spec.template.spec.containers[0].ports ?? [];
  const target = typeof port.targetPort === 'string' ? ports.find((p) => p.name === port.targetPort)?.containerPort : port.targetPort ?? port.port;
  if (envValue(platform, extension, 'SERVER_ADDRESS') !== `:${target}`) return '';
  const key = envValue(platform, extension, 'SECRET_KEY');
  if (!key || key !== envValue(platform, runnerPod, 'DRONE_SECRET_PLUGIN_TOKEN')) return '';
  const { path, name: dataKey } = resource.get;
  if (!path || !dataKey) return '';
  const namespace = envValue(platform, extension, 'KUBERNETES_NAMESPACE') || 'default';
  const account = { namespace: serviceNamespace, name: extension.spec.template.spec.serviceAccountName || 'default' };
  if (!mayGetSecret(platform, account, namespace, path)) return '';
  const data = secretData(platform, namespace, path);
  const value = data?.[dataKey];
  const secret = [...platform.secrets, ...platform.objects].find((o) => o.kind === 'Secret' && o.metadata.namespace === namespace && o.metadata.name === path);
  if (value === undefined || !secretReadable(secret.metadata.annotations, build)) return '';
  return value;
}

/**
 * The runner's configuration directory as its pod sees it: the files of every ConfigMap its `config` volume
 * projects (Kubernetes projected volumes merge their sources' keys into one directory).
 */
export function runnerConfigFiles(objects: any[], runner = 'drone-runner'): Record<string, string> {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === runner);
  const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'config');
  const names: string[] = volume.projected ? volume.projected.sources.map((s: any) => s.configMap.name) : [volume.configMap.name];
  return Object.assign({}, ...names.map((n) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === n
    && o.metadata.namespace === deployment.metadata.namespace).data));
}

/**
 * Drone's slug of a GitLab project: go-scm v1.42.2 `scm/driver/gitlab/repo.go:202-227` (`convertRepository`) takes
 * the namespace's `full_path` as `Namespace` and the project's `path` as `Name`, and harness v2.28.2
 * `service/repo/util.go:30` joins them with "/": a subgroup's project keeps every group of its path.
 */
export function gitlabDroneRepo(namespaceFullPath: string, projectPath: string): { namespace: string; slug: string } {
  return { namespace: namespaceFullPath, slug: `${namespaceFullPath}/${projectPath}` };
}

/**
 * Whether Drone syncs a repository, from the server's env: harness v2.28.2 `service/syncer/syncer.go:106-113` skips a
 * slug of more than one "/" (a GitLab subgroup's project) before anything else; then `service/syncer/filter.go:22-35`
 * (`NamespaceFilter`): no filter syncs every repository, else one entry must equal the repository's namespace,
 * ignoring case (`strings.EqualFold`); `DRONE_REPOSITORY_FILTER` is a comma list (envconfig).
 */
export function droneSyncs(env: Record<string, string | undefined>, repo: { namespace: string; slug: string }): boolean {
  if (repo.slug.split('/').length > 2) {
    return false;
  }
  const filter = (env.DRONE_REPOSITORY_FILTER ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  return filter.length === 0 || filter.some((n) => n.toLowerCase() === repo.namespace.toLowerCase());
}

/**
 * What a step gets for a pipeline secret whose lookup meets `serving` extension pods: `value` (`droneStepSecret`) if
 * any serves, else "". The runner asks once, with no retry: drone/drone-go v1.7.1
 * `plugin/internal/client/client.go:117-127` returns the transport error (a refused connection), `:134-140` a status
 * above 299 as an error too; runner-go v1.12.0 `secret/external.go:65-69` passes it on and `secret/combine.go:24-28`
 * stops at it; drone-runner-kube v1.0.0-rc.5 `engine/compiler/compiler.go:772` drops it (`found, _ :=`), so the
 * step runs with the secret set empty and unmasked (`:522-530`) and `image_pull_secrets` add no login (`:546-554`).
 */
export function stepSecretWhileServing(serving: number, value: string): string {
  return serving > 0 ? value : '';
}

/** A stage a runner is running when it gets SIGTERM. */
export interface RunningStage {
  /** Minutes it has run when the signal comes. */
  readonly ranMin: number;
  /** Minutes it would run in all, unless its timeout ends it first. */
  readonly needsMin: number;
  /** Its repository's timeout in minutes: Drone's 60 unless changed (harness v2.28.2 `handler/api/repos/enable.go:72`). */
  readonly timeoutMin?: number;
}

/**
 * What becomes of `stage` when its runner, with `terminationGracePeriodSeconds` `graceSec`, gets SIGTERM (a rollout, a
 * drain), given `cleanupSec` for the runner to delete the stage's pod and report once the stage ends.
 *
 * - drone-runner-kube v1.0.0-rc.5 `command/daemon/daemon.go:60-68`: the signal cancels the poller's context only;
 *   `:261-265` the daemon returns once `Poll` does.
 * - drone/runner-go v1.12.0 `poller/poller.go:33-51`: `Poll` returns once each of its threads does, and a thread is
 *   inside `poll` until its stage ends: `:77-78` dispatch it with `noContext` (`:16`, `context.Background()`), so no
 *   signal cancels it; `:61-65` a thread waiting for a stage returns at once.
 * - runner-go `pipeline/runtime/runner.go:146-148`: the stage runs under its repository's timeout.
 *
 * So the stage `finishes` if it ends, and is cleaned up, within the grace period; else the kubelet kills the runner
 * with it (`killed`): no one deletes its pod or reports it, and the server shows it running until the reaper.
 */
export function stageOnSigterm(graceSec: number, stage: RunningStage, cleanupSec: number): 'finishes' | 'killed' {
  const endsInMin = Math.min(stage.needsMin, stage.timeoutMin ?? 60) - stage.ranMin;
  return endsInMin * 60 + cleanupSec <= graceSec ? 'finishes' : 'killed';
}

/** A container of a pipeline's pod, as far as its resources go. */
export interface DroneContainer {
  readonly name: string;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
}

/** The pod the runner creates for one pipeline, as far as resources and volumes go (`droneBuildPod`). */
export interface DroneBuildPod {
  readonly annotations: Record<string, string>;
  readonly containers: DroneContainer[];
  readonly initContainers: DroneContainer[];
  readonly volumes: Array<{ name: string; emptyDir?: { medium?: string; sizeLimit?: string } }>;
}

/** `divideIntEqually` (`engine/compiler/compiler.go:823-845`): `amount` in parts of whole `units`, the remainder from the first. */
function divideIntEqually(amount: number, count: number, units: number): number[] {
  const div = Math.floor(amount / (count * units));
  let rem = amount % (count * units);
  const parts = new Array<number>(count).fill(div * units);
  for (let i = 0; rem > 0; i++, rem -= units) parts[i] += units;
  return parts;
}

/**
 * The pod drone-runner-kube v1.0.0-rc.5 creates for `pipeline`, one document of a `.drone.yml`, on a runner with `env`,
 * as far as resources and volumes go:
 *
 * - one container per step, all in the one pod: the clone step first unless `clone.disable`
 *   (`engine/compiler/compiler.go:355-372`), then each service and each step, skipped ones too (`:377-430`); no init
 *   container unless a `debug` build on a runner with `DRONE_TMATE_ENABLED` (`:455-466`), whose one init container,
 *   copying tmate in, is an internal step the request split never reaches (`:666`, `spec.Steps` only) and so is
 *   rendered without resources (`engine/convert.go:200-218`);
 * - the workspace, an `emptyDir` (`:184-190`) rendered without `sizeLimit`, which only an in-memory volume gets
 *   (`engine/convert.go:90-105`);
 * - requests: the pipeline's `resources.requests`, else `DRONE_RESOURCE_REQUEST_CPU` (millicores) and `_MEMORY` (bytes),
 *   split across the containers, memory in 4Mi parts, each at least `DRONE_RESOURCE_MIN_REQUEST_CPU/MEMORY` (1m and
 *   4MB, `command/daemon/config.go:71-77`) and at most the step's limit (`compiler.go:641-711`); limits: the step's own
 *   `resources.limits`, CPU and memory only (`engine/resource/pipeline.go:221-226`), capped by
 *   `DRONE_RESOURCE_LIMIT_*`, which Dockyard leaves unset; rendered by `toResources` (`engine/convert.go:329-354`),
 *   which leaves out what is zero. Nothing sets ephemeral storage.
 */
export function droneBuildPod(pipeline: any, env: Record<string, string | undefined>, build: { readonly debug?: boolean } = {}): DroneBuildPod {
  const steps: any[] = [...(pipeline.clone?.disable ? [] : [{ name: 'clone' }]), ...(pipeline.services ?? []), ...(pipeline.steps ?? [])];
  const cpu = Number(pipeline.resources?.requests?.cpu ?? env.DRONE_RESOURCE_REQUEST_CPU ?? 100);
  const memory = Number(pipeline.resources?.requests?.memory ?? env.DRONE_RESOURCE_REQUEST_MEMORY ?? 104857600);
  const [minCpu, minMemory] = [Number(env.DRONE_RESOURCE_MIN_REQUEST_CPU ?? 1), Number(env.DRONE_RESOURCE_MIN_REQUEST_MEMORY ?? 4194304)];
  const partsMemory = divideIntEqually(memory, steps.length, 4 * 1024 * 1024);
  const partsCpu = divideIntEqually(cpu, steps.length, 1);
  const containers = steps.map((step, i): DroneContainer => {
    const limitCpu = Number(step.resources?.limits?.cpu ?? 0);
    const limitMemory = Number(step.resources?.limits?.memory ?? 0);
    const requestCpu = limitCpu > 0 ? Math.min(Math.max(partsCpu[i], minCpu), limitCpu) : Math.max(partsCpu[i], minCpu);
    const requestMemory = limitMemory > 0 ? Math.min(Math.max(partsMemory[i], minMemory), limitMemory) : Math.max(partsMemory[i], minMemory);
    const limits: Record<string, string> = {};
    if (limitMemory > 0) limits.memory = String(limitMemory);
    if (limitCpu > 0) limits.cpu = `${limitCpu}m`;
    return {
      name: step.name,
      resources: { requests: { memory: String(requestMemory), cpu: `${requestCpu}m` }, ...(Object.keys(limits).length > 0 ? { limits } : {}) },
    };
  });
  // envconfig reads the bool as strconv.ParseBool does (command/daemon/config.go, DRONE_TMATE_ENABLED)
  const tmate = build.debug === true && goTrue(env.DRONE_TMATE_ENABLED);
  const initContainers: DroneContainer[] = tmate ? [{ name: 'tmate', resources: {} }] : [];
  const volumes = [{ name: '_workspace', emptyDir: {} }, ...(tmate ? [{ name: '_addons', emptyDir: {} }] : [])];
  return { annotations: {}, containers, initContainers, volumes };
}

/** A Go `strconv.ParseBool` true, as envconfig reads a bool (`DRONE_NETRC_CLONE_ONLY`, `command/daemon/config.go:91-92`). */
const goTrue = (v: string | undefined) => ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v ?? '');

/**
 * The steps of `pipeline` (one document of a `.drone.yml`, `clone` standing for the clone step) whose containers hold
 * the forge login Drone sends with the build (the netrc), on a runner with `env`, for a repository that is `private`
 * or not:
 *
 * - harness v2.28.2 `service/netrc/netrc.go:55-58`: no netrc for a public repository unless private mode
 *   (`DRONE_GIT_ALWAYS_AUTH`, which Dockyard never sets); else the activating user's OAuth token (`:74-89`), which
 *   `operator/manager/manager.go:488-511` sends with every build of the repository, whatever its event;
 * - drone-runner-kube v1.0.0-rc.5 `engine/compiler/compiler.go:355-367,375-430`: the clone step first unless
 *   `clone.disable`, then the services, then the steps;
 * - `compiler.go:492-496`: every step gets `DRONE_NETRC_*`, or with `DRONE_NETRC_CLONE_ONLY` the first one only, the
 *   clone step or, with `clone.disable`, the pipeline's own first service or step;
 * - `compiler.go:503-511` with `engine/compiler/step.go:62-70`: a step whose `environment` asks `from_secret` for a
 *   name already among the pod's secrets (`DRONE_NETRC_PASSWORD` is, `compiler.go:804-807`) gets it from there, the
 *   secrets extension never asked.
 */
export function stepsWithNetrc(pipeline: any, env: Record<string, string | undefined>, repo: { private: boolean }): string[] {
  if (!repo.private) {
    return [];
  }
  const steps: any[] = [...(pipeline.clone?.disable ? [] : [{ name: 'clone' }]), ...(pipeline.services ?? []), ...(pipeline.steps ?? [])];
  const cloneOnly = goTrue(env.DRONE_NETRC_CLONE_ONLY);
  const asks = (step: any) => Object.values(step.environment ?? {}).some((v: any) => typeof v?.from_secret === 'string' && v.from_secret.startsWith('DRONE_NETRC_'));
  return steps.filter((step, i) => !cloneOnly || i === 0 || asks(step)).map((step) => step.name);
}

/**
 * Whose login the netrc of a build carries, from the server's env (harness v2.28.2 `service/netrc/netrc.go:53-90`,
 * wired in `cmd/drone-server/inject_service.go:93-101` from `config.go:95-97`): none for a public repository without
 * `DRONE_GIT_ALWAYS_AUTH`; the configured login when both `DRONE_GIT_USERNAME` and `DRONE_GIT_PASSWORD` are set; else
 * the OAuth token of the user who activated the repository.
 */
export function netrcLogin(env: Record<string, { value?: string; valueFrom?: unknown } | undefined>, repo: { private: boolean }):
  'none' | 'clone login' | 'activating user' {
  if (!repo.private && !goTrue(env.DRONE_GIT_ALWAYS_AUTH?.value)) {
    return 'none';
  }
  const set = (v: { value?: string; valueFrom?: unknown } | undefined) => v !== undefined && (v.valueFrom !== undefined || (v.value ?? '') !== '');
  return set(env.DRONE_GIT_USERNAME) && set(env.DRONE_GIT_PASSWORD) ? 'clone login' : 'activating user';
}

/**
 * The `.dockerconfigjson` of the pull Secret drone-runner-kube v1.0.0-rc.5 makes for a pipeline's pod from the values
 * its `image_pull_secrets` get (`droneStepSecret`, each a `.dockerconfigjson`, in the pipeline's order); undefined
 * where it makes none.
 *
 * - `engine/compiler/compiler.go:535-563`: the registry plugins' logins first, none here (Dockyard sets neither
 *   `DRONE_DOCKER_CONFIG` nor `DRONE_REGISTRY_PLUGIN_ENDPOINT`, `command/daemon/daemon.go:142-151`), then each pull
 *   secret's `auths.ParseString`, one that does not parse skipped; with no login, no pull Secret;
 *   `engine/convert.go:289-299` writes it as `.dockerconfigjson`.
 * - drone/runner-go v1.12.0 `registry/auths/auth.go:35-54` `Parse`: each key through `hostname` (`:116-122`: Go's
 *   `url.Parse`, whose `Host` only a key with a scheme and `//` has, the key kept whole otherwise, path and all), a
 *   non-empty `auth` decoded (`decode`, `:99-112`, base64 split at the first ":") in place of `username`/`password`.
 * - `registry/auths/encode.go:17-29` `Encode`: one `auth` per address, a later login to the same address replacing an
 *   earlier one (a Go map), written with its keys sorted (encoding/json sorts map keys).
 */
export function droneRunnerPullSecret(values: readonly string[]): string | undefined {
  const creds: { address: string; username: string; password: string }[] = [];
  for (const value of values) {
    let parsed: any;
    try {
      parsed = JSON.parse(value);
    } catch {
      continue;
    }
    for (const [key, entry] of Object.entries<any>(parsed?.auths ?? {})) {
      let { username = '', password = '' } = entry;
      if (typeof entry.auth === 'string' && entry.auth !== '') {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        [username, password] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
      }
      // url.Parse: a scheme, then "//" and an authority, whose host (userinfo dropped) is the URL's Host
      const host = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@]*@)?([^/?#]*)/.exec(key)?.[1];
      creds.push({ address: host !== undefined && host !== '' ? host : key, username, password });
    }
  }
  if (creds.length === 0) {
    return undefined;
  }
  const auths = new Map(creds.map((c) => [c.address, { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') }]));
  const sorted = [...auths.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `${JSON.stringify({ auths: Object.fromEntries(sorted.map((k) => [k, auths.get(k)])) })}\n`;
}
