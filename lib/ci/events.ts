import { checkUniqueList, describeValue, invalid } from '../core';

/**
 * A build event, named as Drone names it. Each engine maps it to its own: Woodpecker calls `PROMOTE` and `ROLLBACK`
 * both `deployment`, and `CUSTOM` `manual` (`WoodpeckerCi.eventName`).
 */
export enum PipelineEvent {
  /** Builds of commits pushed to a branch. */
  PUSH = 'push',
  /** Builds of a tag pushed to the repository. */
  TAG = 'tag',
  /** Builds that promote an earlier build to an environment: `drone build promote`, a Woodpecker deployment. */
  PROMOTE = 'promote',
  /** Builds that roll an environment back to an earlier build: `drone build rollback`, a Woodpecker deployment. */
  ROLLBACK = 'rollback',
  /** Builds started by one of the repository's cron jobs. */
  CRON = 'cron',
  /** Builds started by hand from the UI or the API: `drone build create`, a Woodpecker manual pipeline. */
  CUSTOM = 'custom',
  /** Builds of pull requests, which may come from forks: never given a secret unless asked. */
  PULL_REQUEST = 'pull_request',
}

/** One of Woodpecker's events, with the Dockyard events it stands for. */
export interface WoodpeckerEvent {
  /** Woodpecker's name of it, e.g. `deployment`. */
  readonly name: string;
  /** The Dockyard events Woodpecker runs as it, in the order of `PipelineEvent`. */
  readonly events: readonly PipelineEvent[];
  /** Its name in object names, which allow no "_", e.g. `pr` in a route agent's (`routeAgentName`). */
  readonly short: string;
}

/**
 * Woodpecker's events for Dockyard's (woodpecker v3.17.0 `pipeline/frontend/metadata/const.go:21-29`, which
 * `server/model/const.go:26-34` repeats), in the order of `PipelineEvent`, each event in one of them: promote and
 * rollback are both a `deployment`, a custom build is `manual`. The one table of Woodpecker event names: pipelines'
 * `when: event:`, the route agents' labels and names, and the checks of grants and typed pipelines all read it.
 */
export const WOODPECKER_EVENTS: readonly WoodpeckerEvent[] = Object.freeze([
  { name: 'push', events: [PipelineEvent.PUSH], short: 'push' },
  { name: 'tag', events: [PipelineEvent.TAG], short: 'tag' },
  { name: 'deployment', events: [PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK], short: 'deploy' },
  { name: 'cron', events: [PipelineEvent.CRON], short: 'cron' },
  { name: 'manual', events: [PipelineEvent.CUSTOM], short: 'manual' },
  { name: 'pull_request', events: [PipelineEvent.PULL_REQUEST], short: 'pr' },
]);

/** Each event's entry of `WOODPECKER_EVENTS`: one lookup per event. */
const WOODPECKER_EVENT_OF: ReadonlyMap<string, WoodpeckerEvent> = new Map(
  WOODPECKER_EVENTS.flatMap((w) => w.events.map((event) => [event, w] as const)));

/** The Woodpecker event of an event, e.g. `deployment` for `PipelineEvent.PROMOTE`, with the events it stands for. */
export function woodpeckerEvent(event: PipelineEvent): WoodpeckerEvent {
  const found = WOODPECKER_EVENT_OF.get(event);
  if (found === undefined) {
    invalid('event', event, `must be one of ${Object.values(PipelineEvent).join(', ')}`);
  }
  return found;
}

/** The Woodpecker name of an event, e.g. `deployment` for `PipelineEvent.PROMOTE`. */
export function woodpeckerEventName(event: PipelineEvent): string {
  return woodpeckerEvent(event).name;
}

/** The Woodpecker events of `events`, each once, in the order of `events`: what a `when: event:`, an agent label or a grant names. */
export function woodpeckerNamesOf(events: readonly PipelineEvent[]): string[] {
  return [...new Set(events.map(woodpeckerEventName))];
}

/** Who may read a pipeline secret, or run under a route. */
export interface PipelineAccess {
  /**
   * Repository slugs or globs, e.g. `acme/api` or `acme/*`, in the forge's exact case. A project in a GitLab subgroup
   * is named by its whole path, `acme/platform/api`, and a wildcard never crosses a "/": `acme/*` matches none of
   * `acme/platform`'s projects, `acme/platform/*` all of them. Secrets and pull secrets match
   * them in any case (Drone's secrets extension lower-cases both sides), routes only in their exact case (Drone's
   * runner policies, Woodpecker's route agents): a pattern in the wrong case gets its secrets in the default build
   * namespace instead of its route, which typed pipelines refuse (`RepositoryPipelines`).
   */
  readonly repos: readonly string[];
  /**
   * The events whose builds get the secret.
   *
   * @default - push, tag, promote, rollback, cron and custom: every event but pull_request
   */
  readonly events?: readonly PipelineEvent[];
  /**
   * Allow `PipelineEvent.PULL_REQUEST` in `events`. Pull requests may come from forks, and run code nobody on the
   * team has reviewed.
   *
   * @default false
   */
  readonly allowPullRequests?: boolean;
}

/** Every event but pull requests: what a secret or a route gets unless it says otherwise. */
export const DEFAULT_EVENTS: readonly PipelineEvent[] = Object.freeze(
  Object.values(PipelineEvent).filter((e) => e !== PipelineEvent.PULL_REQUEST));

/** A part of a repository slug or glob: what the forges allow in an owner, a group or a name, and the wildcards. */
const REPO_PART = '[A-Za-z0-9_.*?-]+';
/**
 * An owner and a name, or a GitLab project in a subgroup (`acme/platform/api`): two or more parts joined by "/".
 * Woodpecker names such a project by its whole path, GitLab's `path_with_namespace` (woodpecker v3.17.0
 * `server/forge/gitlab/convert.go:61-69`); Drone runs none (`checkDroneRepoParts`). Every matcher here keeps its
 * wildcards within one part, as the engines do.
 */
const REPO_GLOB = new RegExp(`^${REPO_PART}(?:/${REPO_PART})+$`);
/** What a repository may hold, in words. */
const REPO_RULE = 'an owner and a name of letters, digits, "_", "." and "-", with "*" and "?" as wildcards, joined by "/"; ' +
  'a project in a GitLab subgroup names every group on its path, e.g. "acme/platform/api"';
/** What `PipelineAccess.repos` holds, as messages say it. */
const REPOS_OF = '"owner/name" slugs or globs';

/** Every event, in declaration order. */
const EVENTS: ReadonlySet<string> = new Set(Object.values(PipelineEvent));

/** Whether a repository pattern is a glob rather than one repository. */
export function isRepoGlob(repo: string): boolean {
  return /[*?]/.test(repo);
}

/** Check a list of events: not empty, no repeats, each a `PipelineEvent`. */
export function checkEvents(prop: string, events: readonly PipelineEvent[]): readonly PipelineEvent[] {
  checkUniqueList(prop, events, { of: 'events' });
  for (const event of events) {
    if (!EVENTS.has(event)) {
      invalid(prop, events, `${describeValue(event)} must be one of ${[...EVENTS].join(', ')}`);
    }
  }
  return events;
}

/** What a `PipelineAccess` grants, checked and with its events defaulted. */
export interface GrantedAccess {
  /** The repositories, slugs or globs. */
  readonly repos: readonly string[];
  /** The events. */
  readonly events: readonly PipelineEvent[];
}

/** `access` checked, with its events defaulted: the repositories and events it grants. */
export function checkPipelineAccess(access: PipelineAccess): GrantedAccess {
  checkUniqueList('repos', access.repos, { of: REPOS_OF });
  if (access.repos.length === 0) {
    invalid('repos', access.repos, 'must list at least one repository: an "owner/name" slug or glob');
  }
  for (const repo of access.repos) {
    if (!REPO_GLOB.test(repo)) {
      invalid('repos', access.repos, `${describeValue(repo)} must be an "owner/name" slug or glob: ${REPO_RULE}`);
    }
  }
  // the default events need no check (most grants take them: a thousand teams' grants are checked per team)
  if (access.events === undefined || access.events === null) {
    return { repos: [...access.repos], events: [...DEFAULT_EVENTS] };
  }
  const events = checkEvents('events', access.events);
  if (events.includes(PipelineEvent.PULL_REQUEST) && !access.allowPullRequests) {
    invalid('events', events, 'must not include pull_request unless allowPullRequests is true: pull requests may come from forks');
  }
  return { repos: [...access.repos], events: [...events] };
}

/**
 * What a Drone runner with `limitEvents` does with a pipeline of another event: it fails it, whatever policy would
 * place it (drone-runner-kube v1.0.0-rc.5 `command/daemon/daemon.go` passes `config.Limit.Events` to its own
 * `internal/match/match.go`, and runner-go v1.12.0 `pipeline/runtime/runner.go` fails a stage the match refuses,
 * "insufficient permission", before any policy applies). The rule as messages state it.
 */
export function limitEventsRule(limitEvents: readonly PipelineEvent[]): string {
  return `the runner's limitEvents ${limitEvents.join(', ')}: the runner fails every pipeline of another event`;
}

/**
 * Refuse `events` (given as `given` under `prop`) of which any is outside a runner's `limitEvents` (`limitEventsRule`):
 * a policy or pipeline for such an event could only ever fail.
 */
export function checkWithinLimitEvents(prop: string, given: unknown, events: readonly string[], limitEvents: readonly PipelineEvent[]): void {
  const outside = events.filter((e) => !limitEvents.includes(e as PipelineEvent));
  if (outside.length > 0) {
    invalid(prop, given, `${outside.join(', ')} must be among ${limitEventsRule(limitEvents)}`);
  }
}
