import { describeValue, invalid } from '../core';

/**
 * The agent label that routes a pipeline to a route's agents: pipelines of a route carry it in their `labels:`
 * (`WoodpeckerCi.pipelineLabels`), and an agent without it never takes them.
 */
export const ROUTE_LABEL = 'dockyard.dev/route';

/**
 * The task label the server stamps with the pipeline's event, and that pipelines cannot set (woodpecker v3.17.0
 * `pipeline/const.go:24,33`, `pipeline/frontend/builder/builder.go:187-206`).
 */
export const EVENT_LABEL = 'woodpecker-ci.org/event';

/**
 * The task label the server stamps with the pipeline's branch (`Pipeline.Branch`), dropping any the pipeline sets
 * (woodpecker v3.17.0 `pipeline/const.go:32`, `pipeline/frontend/builder/builder.go:187-206`): a route by branch
 * requires it (`CiRouteProps.branches`).
 */
export const COMMIT_BRANCH_LABEL = 'woodpecker-ci.org/commit-branch';

/**
 * The task label the server sets to the repository's full name, over whatever the pipeline says
 * (`pipeline/const.go:35`, `server/model/task.go:57-66`).
 */
export const REPO_LABEL = 'repo';

/**
 * The task label the server stamps with the repository's ID on the forge, which a rename leaves as it is, dropping
 * any the pipeline sets (woodpecker v3.17.0 `pipeline/const.go:26`, `pipeline/frontend/builder/builder.go:187-199`).
 */
export const REPO_FORGE_ID_LABEL = 'woodpecker-ci.org/repo-forge-id';

// stringSliceAddToMap (cmd/agent/core/agent.go:347-363) cuts each item at its first "=", and a key or value that
// is empty fails; the list is split on "," (urfave/cli v3.10.1 flag.go:231-240) and each item trimmed
// (cmd/agent/core/flags.go:78-86). A leading "!" marks a label the task must carry (server/scheduler/filter.go:77-87).
// Values may hold braces too, for Bitbucket's repository UUIDs (`REPO_FORGE_ID_LABEL`).
const KEY = /^!?[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const VALUE = /^(?:\*|[A-Za-z0-9{][A-Za-z0-9._/{}-]*)$/;
// set by the agent itself (agent.go:230-234) or by the server (server/model/agent.go:63-74)
const RESERVED = ['hostname', 'platform', 'backend', 'org-id'];

/** `labels` checked for `WOODPECKER_AGENT_LABELS` and rendered as its `key=value,…` list, in key order. */
export function renderAgentLabels(labels: Record<string, string>): string {
  for (const [key, value] of Object.entries(labels)) {
    if (!KEY.test(key) || typeof value !== 'string' || !VALUE.test(value)) {
      invalid('labels', labels, `${describeValue(key)}: ${describeValue(value)} must be a key of letters, digits, ".", "_", "-" and "/" ` +
        '(with a leading "!" for a label the pipeline must carry) and a value of the same characters and braces, or "*"');
    }
    if (RESERVED.includes(key.replace(/^!/, ''))) {
      invalid('labels', labels, `must not set ${describeValue(key)}: the agent or the server sets it`);
    }
  }
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}
