/**
 * Small models of upstream Woodpecker behaviour, each a transcription of the cited source, for tests that evaluate
 * the rendered configuration the way Woodpecker itself would. Version: woodpecker-ci/woodpecker v3.17.0, with
 * urfave/cli v3.10.1 (its go.mod) for flag parsing.
 */

import { dockerRef } from '../registry/node-pull-route';
import { kubeletImageName } from '../registry/kubelet-keyring';
import { container } from '../util';

/** The literal env values of a container (secret references left out). */
export function literalEnv(container: any): Record<string, string> {
  return Object.fromEntries((container.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
}

/**
 * A string slice flag read from the environment: split on "," (urfave/cli v3.10.1 `flag.go:231-240`,
 * `flag_slice_base.go:70`), each item trimmed (`TrimSpace: true`, cmd/agent/core/flags.go:78-86), empty ones
 * dropped (`utils.StringSliceDeleteEmpty`, cmd/agent/core/agent.go:351).
 */
function stringSlice(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The labels an agent polls with, from its environment:
 *
 * - `cmd/agent/core/agent.go:347-363` `stringSliceAddToMap`: each item cut at its first "=", key and value
 *   non-empty, else the agent fails to start;
 * - `agent.go:230-236`: hostname, platform, backend and `repo: *` first, the custom labels over them;
 * - `server/rpc/rpc.go:76-82`: the server copies its own labels over the agent's, which for a system agent
 *   (`OrgID == -1`) is `org-id: *` (`server/model/agent.go:63-74`).
 */
export function agentFilterLabels(env: Record<string, string>, hostname: string): Record<string, string> {
  const custom: Record<string, string> = {};
  for (const item of stringSlice(env.WOODPECKER_AGENT_LABELS)) {
    const at = item.indexOf('=');
    const [key, value] = at < 0 ? [item, ''] : [item.slice(0, at), item.slice(at + 1)];
    if (key === '' || value === '') {
      throw new Error(`the agent refuses to start: label ${JSON.stringify(item)} has no key or no value`);
    }
    custom[key] = value;
  }
  return { hostname, platform: 'linux/amd64', backend: env.WOODPECKER_BACKEND, repo: '*', ...custom, 'org-id': '*' };
}

/** A workflow as the server queues it. */
export interface Workflow {
  /** The repository's full name, as the forge spells it. */
  readonly repo: string;
  /** The Woodpecker event. */
  readonly event: string;
  /** The pipeline's branch (`Pipeline.branch`), stamped as `woodpecker-ci.org/commit-branch`. */
  readonly branch?: string;
  /** The workflow's own `labels:`. */
  readonly labels?: Record<string, string>;
  readonly orgId?: number;
  /** The repository's ID on the forge (`Repo.ForgeRemoteID`), which a rename keeps. */
  readonly forgeId?: string;
}

/** The internal label prefix (`pipeline/const.go:24`). */
const INTERNAL = 'woodpecker-ci.org';

/**
 * A queued task's labels:
 *
 * - `pipeline/frontend/builder/builder.go:187-206`: the workflow's labels with those under "woodpecker-ci.org"
 *   dropped, then the internal ones stamped (the repository's forge ID as `repo-forge-id`, :199, the pipeline's
 *   branch as `commit-branch` and the event among them, `pipeline/const.go:26,32-33`);
 * - `server/pipeline/queue.go:47-51` and `server/model/task.go:57-66`: `repo` and `org-id` set over them.
 */
export function taskLabels(w: Workflow): Record<string, string> {
  const labels = Object.fromEntries(Object.entries(w.labels ?? {}).filter(([k]) => !k.startsWith(INTERNAL)));
  return {
    ...labels,
    [`${INTERNAL}/repo-forge-id`]: w.forgeId ?? `id-of-${w.repo}`,
    [`${INTERNAL}/repo-full-name`]: w.repo,
    [`${INTERNAL}/org-id`]: String(w.orgId ?? 1),
    ...(w.branch === undefined ? {} : { [`${INTERNAL}/commit-branch`]: w.branch }),
    [`${INTERNAL}/event`]: w.event,
    repo: w.repo,
    'org-id': String(w.orgId ?? 1),
  };
}

/**
 * Whether an agent polling with `agent` labels takes a task with `task` labels: `server/scheduler/filter.go:28-87`
 * `createFilterFunc`, line by line.
 */
export function agentTakes(task: Record<string, string>, agent: Record<string, string>): boolean {
  // :31 a copy of the task's labels
  const labels = { ...task };
  // :33-35, :77-87 every agent label "!key" must be on the task (internal labels included) with the same value
  for (const [label, value] of Object.entries(agent)) {
    if (label.startsWith('!') && labels[label.slice(1)] !== value) {
      return false;
    }
  }
  // :37-42 internal labels are ignored from here on
  for (const k of Object.keys(labels)) {
    if (k.startsWith(INTERNAL)) delete labels[k];
  }
  for (const [taskLabel, taskValue] of Object.entries(labels)) {
    // :46-49 an empty task label is ignored
    if (taskValue === '') continue;
    // :51-59 the agent must have the label, or "!label"
    const agentValue = Object.prototype.hasOwnProperty.call(agent, taskLabel) ? agent[taskLabel]
      : Object.prototype.hasOwnProperty.call(agent, `!${taskLabel}`) ? agent[`!${taskLabel}`] : undefined;
    if (agentValue === undefined) return false;
    // :61-71 "*" or the same value
    if (agentValue !== '*' && agentValue !== taskValue) return false;
  }
  return true;
}

/**
 * The score of an agent for a task, or undefined where it does not take it: `server/scheduler/filter.go:28-75`, as
 * `agentTakes`, with the score it counts (:44-71): 10 for each of the task's labels the agent has with the same
 * value, 1 for each it has as `*`; required (`!`) and internal labels count nothing.
 */
export function agentScore(task: Record<string, string>, agent: Record<string, string>): number | undefined {
  if (!agentTakes(task, agent)) return undefined;
  let score = 0;
  for (const [taskLabel, taskValue] of Object.entries(task)) {
    if (taskLabel.startsWith(INTERNAL) || taskValue === '') continue;
    const has = (k: string) => Object.prototype.hasOwnProperty.call(agent, k);
    const agentValue = has(taskLabel) ? agent[taskLabel] : agent[`!${taskLabel}`];
    score += agentValue === '*' ? 1 : 10;
  }
  return score;
}

/**
 * The agent the queue hands a task to among those polling now (idle): `server/queue/fifo.go:314-341`
 * `assignToWorker`, the first with the highest score above 0 (`matched && score > bestScore`, bestScore from 0). A
 * busy agent (running its `WOODPECKER_MAX_WORKFLOWS`) is not polling, so it is not among them; a task no polling
 * agent takes stays pending, re-tried every tick (`process`, :257-287), with no time limit.
 */
export function assignTo<A extends { readonly filter: Record<string, string> }>(task: Record<string, string>, polling: readonly A[]): A | undefined {
  let best: A | undefined;
  let bestScore = 0;
  for (const agent of polling) {
    const score = agentScore(task, agent.filter);
    if (score !== undefined && score > bestScore) {
      best = agent;
      bestScore = score;
    }
  }
  return best;
}

/** A queued task as the concurrency check sees it. */
export interface QueuedTask {
  readonly pipelineId: number;
  /** The pipeline's creation time, which orders the queue. */
  readonly created: number;
  readonly name: string;
  /** `concurrency: limit:`; 0 for none. */
  readonly limit: number;
  /** The group as the server keys it (`concurrencyGroup`). */
  readonly group: string;
}

/**
 * The group a workflow with `concurrency: limit:` is limited in: `server/pipeline/queue.go:56-66`, one per
 * repository and workflow name unless the workflow names a group, which is then the repository's.
 */
export function concurrencyGroup(repoId: number, workflow: string, group?: string): string {
  return group === undefined || group === '' ? `${repoId}/${workflow}/` : `${repoId}//${group}`;
}

/**
 * Whether a pending task may start now: `server/queue/fifo.go:364-411` `canRunConcurrent`. Tasks of its group
 * running count against its limit, and so do those of its group from earlier pipelines (`created`, then name) that
 * are pending or waiting, whether or not any agent would take them.
 */
export function canRunConcurrent(task: QueuedTask, running: readonly QueuedTask[], pending: readonly QueuedTask[]): boolean {
  if (task.limit <= 0 || task.group === '') return true;
  const inGroup = running.filter((t) => t.group === task.group).length;
  if (inGroup >= task.limit) return false;
  const ahead = pending.filter((o) => o.group === task.group && o !== task && o.pipelineId !== task.pipelineId &&
    (o.created !== task.created ? o.created < task.created : o.name < task.name)).length;
  return inGroup + ahead < task.limit;
}

/** A pipeline as the server records it, from a forge's webhook or the API: what its workflows are made from. */
export interface Pipeline {
  /** The repository's full name. */
  readonly repo: string;
  /** The Woodpecker event. */
  readonly event: string;
  /** The commit the workflows clone and run. */
  readonly commit: string;
  /** The git ref. */
  readonly ref: string;
  /** The branch: a pull request's is its base branch. */
  readonly branch: string;
  /** The commit whose `.woodpecker/` files the workflows are: the code that decides what every step runs. */
  readonly configFrom: string;
  /** Whether a pull request comes from a fork. */
  readonly fromFork: boolean;
}

/** A repository's settings in Woodpecker that decide whether and how its pipelines run. */
export interface RepoSettings {
  /** "Allow deployments": off for every repository when it is activated (`server/api/repo.go:125`). */
  readonly allowDeploy: boolean;
  /** "Require approval for": `forks` unless `WOODPECKER_DEFAULT_APPROVAL_MODE` says otherwise (`server/model/repo.go:26-29`). */
  readonly requireApproval: 'none' | 'forks' | 'pull_requests' | 'all_events';
}

/**
 * A GitHub `pull_request` webhook (opened or synchronized): `server/forge/github/parse.go:177-233` `parsePullHook`,
 * the ref `refs/pull/<n>/head` (`convert.go:43`), the branch the pull request's base; the workflow files are read at
 * the pipeline's commit, the pull request's head (`server/forge/github/github.go:267-275` `File`: `opts.Ref = b.Commit`).
 */
export function githubPullRequest(repo: string, pr: { number: number; head: string; base: string; fromFork: boolean }): Pipeline {
  return {
    repo, event: 'pull_request', commit: pr.head, ref: `refs/pull/${pr.number}/head`, branch: pr.base, configFrom: pr.head, fromFork: pr.fromFork,
  };
}

/**
 * A GitHub `deployment` webhook, which Woodpecker subscribes every activated repository to
 * (`server/forge/github/github.go:618-625`): `parse.go:148-171` `parseDeployHook`. The commit is the deployment's SHA
 * and the workflow files are read there (`github.go:267-275`); a ref that is that SHA, or a prefix of it, becomes the
 * default branch (`:162-166`). The webhook handler checks no "Allow deployments" (`server/api/hook.go`, which checks
 * only pull requests, `:205`).
 */
export function githubDeployment(repo: string, deployment: { sha: string; ref: string; defaultBranch: string }): Pipeline {
  const { sha, ref, defaultBranch } = deployment;
  const isSha = sha.startsWith(ref) || sha === ref;
  const branch = isSha ? defaultBranch : ref;
  const named = isSha ? `refs/heads/${branch}` : ref;
  return {
    repo, event: 'deployment', commit: sha, ref: named.startsWith('refs/') ? named : `refs/heads/${branch}`, branch, configFrom: sha, fromFork: false,
  };
}

/**
 * A Bitbucket push of a tag: `server/forge/bitbucket/convert.go:198-213` `convertPushHook`, the branch the new
 * ref's name (:202), the tag's own, the event `tag` (:210-213).
 */
export function bitbucketTag(repo: string, tag: { name: string; commit: string }): Pipeline {
  return { repo, event: 'tag', commit: tag.commit, ref: `refs/tags/${tag.name}`, branch: tag.name, configFrom: tag.commit, fromFork: false };
}

/**
 * A manual pipeline (`POST /api/repos/{id}/pipelines`, for users with push access, `server/router/api.go:115`):
 * `server/api/pipeline.go:50-103` `CreatePipeline` runs the head of the branch it names (`BranchHead`, :70) as that
 * branch (:95), with the variables it is given (:102).
 */
export function manualPipeline(repo: string, run: { branch: string; head: string; variables?: Record<string, string> }): Pipeline & { variables: Record<string, string> } {
  return {
    repo, event: 'manual', commit: run.head, ref: run.branch, branch: run.branch, configFrom: run.head, fromFork: false, variables: { ...run.variables },
  };
}

/**
 * The environment every step of a pipeline starts from, the step's own `environment:` aside: the pipeline's
 * metadata (`CI_*`), then the global and additional variables over them (`server/pipeline/items.go:102`: a manual
 * pipeline's or a cron's variables, a restart's query parameters; `pipeline/frontend/builder/builder.go:221-222`
 * `WithEnviron(environ)` then `WithEnviron(b.Envs)`, each copied over the last, `compiler/option.go:143-147`), each
 * step's environment a copy of it (`compiler/convert.go:90-91`).
 */
export function stepEnvironment(metadata: Record<string, string>, variables: Record<string, string>): Record<string, string> {
  return { ...metadata, ...variables };
}

/**
 * Whether a pipeline from a webhook waits for approval: `server/pipeline/gated.go:32-66` `needsApproval`, which only
 * `pipeline.Create` consults (`server/pipeline/create.go:68`), never a restart; the repository's list of users who
 * need no approval (:38-42) is left out, as empty.
 */
export function needsApproval(repo: RepoSettings, pipeline: Pipeline): boolean {
  if (pipeline.event === 'cron' || pipeline.event === 'manual') return false;
  const pullRequest = ['pull_request', 'pull_request_closed', 'pull_request_metadata'].includes(pipeline.event);
  switch (repo.requireApproval) {
    case 'none': return false;
    case 'forks': return pullRequest && pipeline.fromFork;
    case 'pull_requests': return pullRequest;
    case 'all_events': return true;
  }
}

/**
 * "Deploy" on a finished pipeline (`POST /api/repos/{id}/pipelines/{n}?event=deployment`, for users with push
 * access, `server/router/api.go:122`): `server/api/pipeline.go:597-659` `PostPipeline` sets the event to
 * `deployment`, refused with 403 "repo does not allow deployments" unless the repository allows them (:628-640),
 * and calls `pipeline.Restart` (`server/pipeline/restart.go:32-119`), which copies the pipeline, commit, ref, branch
 * and fork included (`createNewOutOfOld`, :135-144), runs the old pipeline's workflow files (:44-54; the forge config
 * service keeps them on a restart, `server/services/config/forge.go:50-53`) and asks for no approval.
 */
export function deploy(repo: RepoSettings, pipeline: Pipeline): Pipeline {
  if (!repo.allowDeploy) {
    throw new Error('403 repo does not allow deployments');
  }
  return { ...pipeline, event: 'deployment' };
}

/** The workflow of `pipeline` that carries `labels`, as the server queues it. */
export function workflowOf(pipeline: Pipeline, labels?: Record<string, string>): Workflow {
  return { repo: pipeline.repo, event: pipeline.event, branch: pipeline.branch, labels };
}

/**
 * Whether `WOODPECKER_REPO_OWNERS` lets a GitLab project be activated. Its owner is the project's namespace, the full
 * path without the project's own segment (`server/forge/gitlab/convert.go:61-67`), compared in lower case with each
 * entry as a whole (`server/services/permissions/repo_owners.go:24-38`, checked by `server/api/repo.go:113-116`);
 * an empty list allows every owner. The list is split on "," and each item trimmed (`cmd/server/flags.go:165-172`).
 */
export function gitlabProjectAllowed(repoOwners: string | undefined, pathWithNamespace: string): boolean {
  const owners = (repoOwners ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const parts = pathWithNamespace.split('/');
  const owner = parts.slice(0, -1).join('/');
  return owners.length < 1 || owners.includes(owner.toLowerCase());
}

/** Every agent as the scheduler sees it: its filter labels, backend namespace and switches. */
export function agentsOf(objects: any[]) {
  return objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.labels['app.kubernetes.io/component'] === 'agent').map((sts) => {
    const env = literalEnv(container(sts));
    return {
      name: sts.metadata.name as string,
      filter: agentFilterLabels(env, `${sts.metadata.name}-0`),
      namespace: env.WOODPECKER_BACKEND_K8S_NAMESPACE,
      nativeSecrets: env.WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS === 'true',
      accountFromStep: env.WOODPECKER_BACKEND_K8S_SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP === 'true',
      pullSecrets: env.WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES,
      labels: env.WOODPECKER_AGENT_LABELS,
    };
  });
}

/** The `agent-config` flag's default (cmd/agent/core/flags.go:72-77). */
const DEFAULT_AGENT_CONFIG = '/etc/woodpecker/agent.conf';

/**
 * The path an agent keeps its ID at, from its container: `WOODPECKER_AGENT_CONFIG_FILE` whenever the container has
 * it, an empty value included, else the flag's default. The kubelet sets every `env` entry, an empty `value` as an
 * empty variable (kubernetes `pkg/kubelet/kubelet_pods.go` `makeEnvironmentVariables`: `tmpEnv[envVar.Name] =
 * runtimeVal`); urfave/cli v3.10.1 looks it up with `os.LookupEnv` (`value_source.go:109-111`) and sets a string
 * flag to what it found, empty or not (`flag_impl.go:132-146`: `val != "" || Kind() == reflect.String`).
 */
export function agentConfigPath(c: any): string {
  const entry = (c.env ?? []).find((e: any) => e.name === 'WOODPECKER_AGENT_CONFIG_FILE');
  return entry === undefined ? DEFAULT_AGENT_CONFIG : (entry.value ?? '');
}

/** Whether the agent container of `pod` (a pod spec) can write `path`: on a mounted volume, or on a writable root. */
function writable(pod: any, path: string): boolean {
  const c = pod.containers[0];
  const mounted = (c.volumeMounts ?? []).some((m: any) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`) && !m.readOnly);
  return mounted || c.securityContext?.readOnlyRootFilesystem !== true;
}

/** What the server holds after an agent's runs, and what went wrong on the way. */
export interface AgentRecordsAfter {
  /** The IDs of the agent records the server keeps (Settings → Agents). */
  readonly records: number[];
  /** How many starts logged "could not persist agent config" (config.go:73-76). */
  readonly writeErrors: number;
}

/**
 * Run the agent of `pod` (a StatefulSet's pod spec, whose volumes outlive the container) once per entry of `ends`
 * against one server, with the shared agent secret as Dockyard gives it (`WOODPECKER_AGENT_SECRET`: system agents),
 * and return the server's agent records at the end. Each run, as woodpecker v3.17.0 does it:
 *
 * - `cmd/agent/core/config.go:33-59` `readAgentConfig`: ID -1 when the path is empty or no file is there;
 * - `server/rpc/auth_server.go:59-90`: with the shared secret, ID -1 creates a new system agent record; a known ID
 *   reuses its record; an unknown one is refused ("AgentID not found in database");
 * - `cmd/agent/core/agent.go:128-135,223-227`: a non-empty path is written after auth, the ID counted as persisted
 *   only if the write succeeded (`writeAgentConfig`, config.go:61-80);
 * - `agent.go:201-221`: on a graceful stop (SIGTERM) an agent whose ID was not persisted calls `UnregisterAgent`,
 *   which deletes a system agent's record (`server/rpc/rpc.go:520-535`); a crash (OOM kill, SIGKILL, a node lost)
 *   calls nothing, and neither does a stop after the server was unreachable (`agent.go:208-218`, `IsConnected`).
 */
export function agentRecordsAfter(pod: any, ends: readonly ('sigterm' | 'crash')[]): AgentRecordsAfter {
  const path = agentConfigPath(pod.containers[0]);
  const canWrite = path !== '' && writable(pod, path);
  const records = new Set<number>();
  let nextId = 1;
  let stored: number | undefined;
  let writeErrors = 0;
  for (const end of ends) {
    let id = path === '' || stored === undefined ? -1 : stored;
    if (id === -1) {
      id = nextId++;
      records.add(id);
    } else if (!records.has(id)) {
      throw new Error('agent could not auth: AgentID not found in database');
    }
    let persisted = false;
    if (path !== '') {
      if (canWrite) {
        stored = id;
        persisted = true;
      } else {
        writeErrors++;
      }
    }
    if (end === 'sigterm' && !persisted) {
      records.delete(id);
    }
  }
  return { records: [...records], writeErrors };
}

/** A step's pod, as far as its resources go (`woodpeckerStepPods`). */
export interface WoodpeckerStepPod {
  readonly annotations: Record<string, string>;
  readonly containers: Array<{ name: string; resources: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
  readonly initContainers: Array<{ name: string; resources: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
  /** The PersistentVolumeClaims it mounts: the workflow's workspace. */
  readonly claims: string[];
}

/**
 * The pods the v3.17.0 Kubernetes backend creates for one workflow file, one per step, as far as resources go:
 *
 * - a clone step first unless `skip_clone` or a `clone:` of its own (`pipeline/frontend/yaml/compiler/compiler.go:153-168`),
 *   then each service and step, each a pod of its own (`pipeline/backend/kubernetes/pod.go:66-100`) with one container;
 * - the container's resources are exactly the step's `backend_options.kubernetes.resources` (`pod.go:278`,
 *   `resourceRequirements`, `:481-509`), nothing else; a step with a non-zero `securityContext.runAsUser` gets the
 *   permission init container too, which requests and is limited to 5m CPU and 12Mi memory and nothing else
 *   (`pod.go:298-345`, `initContainerMemLimit` `:43`);
 * - every step mounts the workflow's workspace, a PersistentVolumeClaim (`volume.go:28-64`; `pod.go:393-405`).
 */
export function woodpeckerStepPods(workflow: any): WoodpeckerStepPod[] {
  const clone = workflow.skip_clone || workflow.clone ? [] : [{ name: 'clone' }];
  const steps: any[] = [...clone, ...(workflow.clone ?? []), ...(workflow.services ?? []), ...(workflow.steps ?? [])];
  return steps.map((step) => {
    const { resources = {}, securityContext } = step.backend_options?.kubernetes ?? {};
    const init = { requests: { cpu: '5m', memory: '12Mi' }, limits: { cpu: '5m', memory: '12Mi' } };
    return {
      annotations: {},
      containers: [{ name: step.name, resources: { ...(resources.requests ? { requests: { ...resources.requests } } : {}), ...(resources.limits ? { limits: { ...resources.limits } } : {}) } }],
      initContainers: securityContext?.runAsUser ? [{ name: `init-${step.name}`, resources: init }] : [],
      claims: ['workspace'],
    };
  });
}

/** A step's `backend_options.kubernetes`, as a pipeline writes it (`pipeline/backend/kubernetes/backend_options.go`). */
export interface StepBackendOptions {
  readonly serviceAccountName?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: object[];
  readonly affinity?: object;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly runtimeClassName?: string;
  readonly hostUsers?: boolean;
  readonly secrets?: Array<{ name: string; key?: string; target?: { env?: string; file?: string } }>;
  readonly securityContext?: {
    privileged?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number; runAsNonRoot?: boolean;
    seccompProfile?: { type: string }; apparmorProfile?: { type: string }; allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}

/** A step of a pipeline file, as far as its pod goes. */
export interface PipelineStep {
  readonly name: string;
  readonly privileged?: boolean;
  readonly volumes?: string[];
  readonly dns?: string[];
  readonly extra_hosts?: string[];
  readonly backend_options?: { kubernetes?: StepBackendOptions };
}

/** A repository's trust, as an admin sets it (`server/model/repo.go`, `TrustedConfiguration`). */
export interface RepoTrust {
  readonly security?: boolean;
  readonly network?: boolean;
  readonly volumes?: boolean;
}

/**
 * What the linter refuses in a step for a repository's trust: `pipeline/frontend/yaml/linter/linter.go:249-281`
 * `lintTrusted` (`privileged` needs "security"; `dns`, `extra_hosts` "network"; `volumes` "volumes"), each an error
 * that fails the pipeline before any pod is made.
 */
export function untrustedFields(step: PipelineStep, trust: RepoTrust): string[] {
  return [
    ...(!trust.security && step.privileged ? ['privileged'] : []),
    ...(!trust.network && (step.dns ?? []).length > 0 ? ['dns'] : []),
    ...(!trust.network && (step.extra_hosts ?? []).length > 0 ? ['extra_hosts'] : []),
    ...(!trust.volumes && (step.volumes ?? []).length > 0 ? ['volumes'] : []),
  ];
}

/** A boolean agent flag from its container's env, else its default (urfave/cli reads "true"/"false"). */
function agentFlag(env: Record<string, string>, name: string, fallback: boolean): boolean {
  return env[name] === undefined ? fallback : env[name] === 'true';
}

/**
 * The pod the v3.17.0 Kubernetes backend creates for `step` on an agent whose container env is `env`, as far as
 * the fields that decide where it runs, as whom and with what go (the workspace claim and the step's own env left out):
 *
 * - the agent's switches and their defaults: `pipeline/backend/kubernetes/flags.go:52-136` (labels, annotations, node
 *   selector, affinity, ServiceAccount and native secrets off; tolerations on unless set false); agent-wide labels,
 *   annotations, node selector, tolerations and affinity are not modelled, and an agent that sets one is refused;
 * - `pod.go:111-176`: the step's labels and annotations only when allowed;
 * - `pod.go:178-240`: `runtimeClassName` and `hostUsers` as the step says, the node selector the agent's platform's
 *   architecture plus the step's when allowed (`:511-535`), the step's tolerations when allowed else the agent's
 *   (`:204-209`), its affinity when allowed (`:561-578`), its ServiceAccount when allowed (`:199-202`), its
 *   `volumes` each a PersistentVolumeClaim by name (`:211`, `:379-391`);
 * - `pod.go:580-648` `podSecurityContext`: `runAsUser`, `runAsGroup` of 0 dropped unless the step is privileged or
 *   `hostUsers` is false, `fsGroup` taken as given (`:618-621`), `runAsNonRoot` from the agent's
 *   `WOODPECKER_BACKEND_K8S_SECCTX_NONROOT` else the step's, the seccomp and AppArmor profiles as given;
 * - `pod.go:698-733` `containerSecurityContext`: privileged only for a privileged step, `allowPrivilegeEscalation`
 *   only when false, capabilities only dropped;
 * - `secrets.go:56-188`: the step's native secrets only when allowed, as `envFrom`, an env `secretKeyRef` or a
 *   secret volume, by any name.
 */
export function stepPod(step: PipelineStep, env: Record<string, string>, platform = 'linux/amd64'): any {
  for (const name of ['POD_LABELS', 'POD_ANNOTATIONS', 'POD_NODE_SELECTOR', 'POD_TOLERATIONS', 'POD_AFFINITY']) {
    if ((env[`WOODPECKER_BACKEND_K8S_${name}`] ?? '') !== '') {
      throw new Error(`the model does not cover WOODPECKER_BACKEND_K8S_${name}`);
    }
  }
  const allow = (name: string, fallback = false) => agentFlag(env, `WOODPECKER_BACKEND_K8S_${name}_ALLOW_FROM_STEP`, fallback);
  const o: StepBackendOptions = step.backend_options?.kubernetes ?? {};
  const privileged = step.privileged === true;
  const sc = o.securityContext;
  const allowRoot = privileged || o.hostUsers === false;
  const nonRoot = agentFlag(env, 'WOODPECKER_BACKEND_K8S_SECCTX_NONROOT', false) ? true : sc?.runAsNonRoot;
  const podSc = Object.fromEntries(Object.entries({
    runAsNonRoot: nonRoot,
    runAsUser: sc?.runAsUser !== undefined && (sc.runAsUser !== 0 || allowRoot) ? sc.runAsUser : undefined,
    runAsGroup: sc?.runAsGroup !== undefined && (sc.runAsGroup !== 0 || allowRoot) ? sc.runAsGroup : undefined,
    fsGroup: sc?.fsGroup,
    seccompProfile: sc?.seccompProfile,
    appArmorProfile: sc?.apparmorProfile,
  }).filter(([, v]) => v !== undefined));
  const containerSc = Object.fromEntries(Object.entries({
    privileged: privileged && sc?.privileged !== false ? true : undefined,
    allowPrivilegeEscalation: sc?.allowPrivilegeEscalation === false ? false : undefined,
    capabilities: (sc?.capabilities?.drop ?? []).length > 0 ? { drop: sc!.capabilities!.drop } : undefined,
  }).filter(([, v]) => v !== undefined));
  const native = agentFlag(env, 'WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS', false) ? o.secrets ?? [] : [];
  const files = native.filter((s) => s.target?.file !== undefined);
  const volumeName = (s: string) => s.split(':')[0].replace(/[^a-z0-9-]/gi, '-').toLowerCase();
  return {
    metadata: {
      labels: { ...(allow('POD_LABELS') ? o.labels : {}), 'woodpecker-ci.org/step': step.name },
      annotations: { ...(allow('POD_ANNOTATIONS') ? o.annotations : {}) },
    },
    spec: {
      runtimeClassName: o.runtimeClassName,
      hostUsers: o.hostUsers,
      serviceAccountName: allow('SERVICE_ACCOUNT_NAME') ? o.serviceAccountName : undefined,
      nodeSelector: { 'kubernetes.io/arch': platform.split('/')[1], ...(allow('POD_NODE_SELECTOR') ? o.nodeSelector : {}) },
      tolerations: allow('POD_TOLERATIONS', true) && (o.tolerations ?? []).length > 0 ? o.tolerations : undefined,
      affinity: allow('POD_AFFINITY') ? o.affinity : undefined,
      securityContext: Object.keys(podSc).length > 0 ? podSc : undefined,
      volumes: [
        ...(step.volumes ?? []).map((v) => ({ name: volumeName(v), persistentVolumeClaim: { claimName: volumeName(v) } })),
        ...files.map((s) => ({ name: s.name, secret: { secretName: s.name } })),
      ],
      containers: [{
        name: step.name,
        securityContext: Object.keys(containerSc).length > 0 ? containerSc : undefined,
        envFrom: native.filter((s) => s.key === undefined && s.target?.env === undefined && s.target?.file === undefined).map((s) => ({ secretRef: { name: s.name } })),
        env: native.filter((s) => (s.key !== undefined || s.target?.env !== undefined) && s.target?.file === undefined)
          .map((s) => ({ name: s.target?.env ?? s.key!.toUpperCase(), valueFrom: { secretKeyRef: { name: s.name, key: s.key } } })),
        volumeMounts: files.map((s) => ({ name: s.name, mountPath: s.target!.file, subPath: s.key, readOnly: true })),
      }],
    },
  };
}

/** A container of a pipeline file's `clone:`, `services:` or `steps:`, as far as the forge login goes. */
export interface PipelineContainer {
  readonly name: string;
  readonly image: string;
  readonly commands?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly environment?: Readonly<Record<string, unknown>>;
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** A pipeline file, its containers those whose `when` matched. */
export interface LoginPipeline {
  readonly skip_clone?: boolean;
  readonly clone?: readonly PipelineContainer[];
  readonly services?: readonly PipelineContainer[];
  readonly steps: readonly PipelineContainer[];
}

/** A repository as the compiler sees it: its forge's visibility, an admin's "security" trust, its own trusted clone plugins. */
export interface LoginRepo {
  readonly private: boolean;
  readonly trustedSecurity?: boolean;
  /** `Repo.NetrcTrustedPlugins`, which the repository's admins edit. */
  readonly netrcTrustedPlugins?: readonly string[];
}

/** Woodpecker's default clone plugin (`shared/constant/constant.go:30`). */
const DEFAULT_CLONE_PLUGIN = 'docker.io/woodpeckerci/plugin-git:2.9.2';
/** Its default trusted clone plugins (`shared/constant/constant.go:34-38`). */
const TRUSTED_CLONE_PLUGINS = [DEFAULT_CLONE_PLUGIN, 'docker.io/woodpeckerci/plugin-git', 'quay.io/woodpeckerci/plugin-git'];

/** A boolean flag from the env: urfave/cli's `strconv.ParseBool`, false when unset. */
const goBool = (v: string | undefined) => ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v ?? '');

/** A reference the model reads: name, optional tag or digest, not both (distribution/reference's grammar, roughly). */
function checkReference(image: string): void {
  if (!/^[a-z0-9]([a-z0-9._:-]*[a-z0-9])?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})?$/.test(image)) {
    throw new Error(`the model does not cover the image reference ${JSON.stringify(image)}`);
  }
}

/** `trimImage` (`pipeline/frontend/yaml/utils/image.go:24-35`): the familiar name without tag or digest. */
function trimImage(image: string): string {
  checkReference(image);
  const name = kubeletImageName(image);
  const familiar = name.startsWith('docker.io/') ? name.slice('docker.io/'.length) : name;
  return familiar.startsWith('library/') && familiar.split('/').length === 2 ? familiar.slice('library/'.length) : familiar;
}

/** `expandImage` (`image.go:38-49`): the full name with its tag or digest, `latest` where it has neither. */
function expandImage(image: string): string {
  checkReference(image);
  const { host, repository, object } = dockerRef(image);
  return `${host}/${repository}${object.startsWith('sha256:') ? '@' : ':'}${object}`;
}

/**
 * `MatchImageDynamic` (`image.go:66-85`): an entry with a ":" (a tag, a digest, or only a registry's port:
 * `imageHasTag` is `strings.Contains(name, ":")`) matches that full reference alone, one without any name of any tag.
 */
export function matchImageDynamic(image: string, list: readonly string[]): boolean {
  return list.some((entry) => (entry.includes(':') ? expandImage(image) === expandImage(entry) : trimImage(image) === trimImage(entry)));
}

/**
 * The steps whose environment holds the forge login (`CI_NETRC_USERNAME`, `CI_NETRC_PASSWORD`, `CI_NETRC_MACHINE`,
 * `pipeline/frontend/yaml/compiler/option.go:84-90`), for a pipeline of `repo` on a server whose container env is
 * `env`, woodpecker v3.17.0:
 *
 * - `server/pipeline/items.go:137-143`: the compiler gets the login only for a private repository, or any with
 *   `WOODPECKER_AUTHENTICATE_PUBLIC_REPOS` (`cmd/server/flags.go:178-182`);
 * - the trusted clone plugins, `items.go:118`: the repository's own list, then `WOODPECKER_PLUGINS_TRUSTED_CLONE`
 *   (`flags.go:245-253`, default `shared/constant/constant.go:34-38`), then the default clone plugin
 *   (`cmd/server/setup.go:200-202`; `WOODPECKER_DEFAULT_CLONE_PLUGIN`, `flags.go:204-210`);
 * - `compiler.go:154-176`: without a `clone:` section nor `skip_clone`, the default clone step `clone` gets it,
 *   whatever the lists say;
 * - `compiler.go:177-201` and `:231-255`: each container of a `clone:` section and each step gets it if the repository
 *   is trusted with "security", or if it is a plugin (no `commands`, `entrypoint` nor `environment`,
 *   `pipeline/frontend/yaml/types/container.go:60-64`) whose image is a trusted clone plugin (`:66-68`,
 *   `matchImageDynamic`); services never (`compiler.go:203-222`).
 */
export function stepsWithForgeLogin(pipeline: LoginPipeline, env: Record<string, string>, repo: LoginRepo): string[] {
  if (!repo.private && !goBool(env.WOODPECKER_AUTHENTICATE_PUBLIC_REPOS)) {
    return [];
  }
  const defaultClone = env.WOODPECKER_DEFAULT_CLONE_PLUGIN ?? env.WOODPECKER_DEFAULT_CLONE_IMAGE ?? DEFAULT_CLONE_PLUGIN;
  if (env.WOODPECKER_PLUGINS_TRUSTED_CLONE === '') {
    throw new Error('the model does not cover an empty WOODPECKER_PLUGINS_TRUSTED_CLONE');
  }
  const trusted = [
    ...(repo.netrcTrustedPlugins ?? []),
    ...(env.WOODPECKER_PLUGINS_TRUSTED_CLONE === undefined ? TRUSTED_CLONE_PLUGINS : stringSlice(env.WOODPECKER_PLUGINS_TRUSTED_CLONE)),
    defaultClone,
  ];
  const isPlugin = (c: PipelineContainer) => (c.commands ?? []).length === 0 && (c.entrypoint ?? []).length === 0 &&
    Object.keys(c.environment ?? {}).length === 0;
  const gets = (c: PipelineContainer) => repo.trustedSecurity === true || (isPlugin(c) && matchImageDynamic(c.image, trusted));
  const clone = pipeline.skip_clone ? [] : (pipeline.clone ?? []).length === 0 ? (defaultClone === '' ? [] : ['clone'])
    : pipeline.clone!.filter(gets).map((c) => c.name);
  return [...clone, ...pipeline.steps.filter(gets).map((c) => c.name)];
}
