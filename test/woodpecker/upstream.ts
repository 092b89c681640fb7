/**
 * Small models of upstream Woodpecker behaviour, each a transcription of the cited source, for tests that evaluate
 * the rendered configuration the way Woodpecker itself would. Version: woodpecker-ci/woodpecker v3.17.0, with
 * urfave/cli v3.10.1 (its go.mod) for flag parsing.
 */

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
  /** The workflow's own `labels:`. */
  readonly labels?: Record<string, string>;
  readonly orgId?: number;
}

/** The internal label prefix (`pipeline/const.go:24`). */
const INTERNAL = 'woodpecker-ci.org';

/**
 * A queued task's labels:
 *
 * - `pipeline/frontend/builder/builder.go:187-206`: the workflow's labels with those under "woodpecker-ci.org"
 *   dropped, then the internal ones stamped (the event among them, `pipeline/const.go:33`);
 * - `server/pipeline/queue.go:47-51` and `server/model/task.go:57-66`: `repo` and `org-id` set over them.
 */
export function taskLabels(w: Workflow): Record<string, string> {
  const labels = Object.fromEntries(Object.entries(w.labels ?? {}).filter(([k]) => !k.startsWith(INTERNAL)));
  return {
    ...labels,
    [`${INTERNAL}/repo-full-name`]: w.repo,
    [`${INTERNAL}/org-id`]: String(w.orgId ?? 1),
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
