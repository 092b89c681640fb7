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

/**
 * The `*`/`?` glob of doublestar's `Match`, which runner-go conditions and the namespace linter use: `*` and `?` do
 * not cross `/`. A `**` that ends the pattern takes every remaining part (bmatcuk/doublestar v1.1.1
 * `doublestar.go:149-154`), as policies' `refs/pull/**` use it. A set of letters, `[aA]`, matches one of them
 * (`matchComponent`'s character sets), as `DroneKubeRunner.leaveRepos` writes them; no other set is modelled.
 */
function globMatch(pattern: string, value: string): boolean {
  const sets: string[] = [];
  const source = pattern.replace(/\[([A-Za-z]+)\]/g, (_, letters: string) => `\u0001${sets.push(letters) - 1}\u0001`)
    .replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]').replace(/\u0000/g, '.*').replace(/\u0001(\d+)\u0001/g, (_, i: string) => `[${sets[Number(i)]}]`);
  return new RegExp(`^${source}$`).test(value);
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
  if (exclude.some((p) => globMatch(p, value))) {
    return false;
  }
  return include.length === 0 || include.some((p) => globMatch(p, value));
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
  if (pipeline.namespace && namespaceRules[pipeline.namespace] && !namespaceRules[pipeline.namespace].some((p) => globMatch(p, build.repo))) {
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
 * Whether the Kubernetes secrets extension hands a Secret to a build (drone/drone-kubernetes-secrets
 * `plugin/plugin.go` Find: the build's event must match `X-Drone-Events` and the repository slug `X-Drone-Repos`;
 * `plugin/util.go` splits both on commas; `plugin/match.go`: no patterns match everything, otherwise Go's
 * `path.Match`, case-insensitively, whose `*` does not cross `/`).
 */
export function secretReadable(annotations: Record<string, string | undefined>, build: { repo: string; event: string }): boolean {
  const patterns = (value: string | undefined) => (value ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  const matches = (name: string, list: string[]) => list.length === 0 || list.some((p) => globMatch(p.toLowerCase(), name.toLowerCase()));
  return matches(build.event, patterns(annotations['X-Drone-Events'])) && matches(build.repo, patterns(annotations['X-Drone-Repos']));
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
