import { SecretValue } from '../core/secret';
import { escapeRegExp } from '../core/text';
import { withContext } from '../core/validation';
import { checkPipelineAccess, PipelineAccess, PipelineEvent } from './events';
import { literalBeginning, RepoPatternIndex } from './repo-pattern-index';

/** A pipeline secret as the platform grants it: its keys, to which repositories, for which events. */
export interface SecretGrant {
  /** The name pipelines reference it by. */
  readonly name: string;
  /** The keys it holds. */
  readonly keys: readonly string[];
  /** The repositories, slugs or globs, matched in any case (`repoMatches`). */
  readonly repos: readonly string[];
  /** The events. */
  readonly events: readonly PipelineEvent[];
  /**
   * Its values, by key, where the engine passes them (`addSecret`): what a check of a step that uses one may read,
   * e.g. the logins of a `Step.buildImage` step's Docker config.
   *
   * @default - not known: checks that need a value pass
   */
  readonly values?: Readonly<Record<string, SecretValue>>;
}

/** A route: the repositories and events whose pipelines run in a build namespace, optionally as a ServiceAccount. */
export interface RouteGrant {
  /** The route's name. */
  readonly name: string;
  /** The repositories, slugs or globs, which the engine matches in their exact case (`routeMatches`). */
  readonly repos: readonly string[];
  /** The events. */
  readonly events: readonly PipelineEvent[];
  /** The build namespace. */
  readonly namespace: string;
  /**
   * The deploy identity.
   *
   * @default - none: the namespace's `default` ServiceAccount
   */
  readonly serviceAccountName?: string;
  /**
   * The branches whose builds the route takes (`CiRouteProps.branches`), exact names.
   *
   * @default - every branch
   */
  readonly branches?: readonly string[];
}

/** An image pull secret that pipelines may use for their step images. */
export interface PullSecretGrant {
  /** The name pipelines reference it by (Drone), or the Secret's name in the build namespaces (Woodpecker). */
  readonly name: string;
  /** The repositories, slugs or globs. */
  readonly repos: readonly string[];
  /** The events. */
  readonly events: readonly PipelineEvent[];
  /**
   * The build namespaces whose pipelines pull with it, where the engine hands it out by namespace rather than to
   * each pipeline of `repos` and `events`: Woodpecker's agents list it on every step pod they start, and only the
   * agents of namespaces that hold it do (`WoodpeckerCi.addImagePullSecret`). A pipeline of `repos` and `events`
   * gets it only where it runs in one of them.
   *
   * @default - wherever a pipeline of `repos` and `events` runs (Drone's secrets extension serves it by repository
   *   and event)
   */
  readonly namespaces?: readonly string[];
}

/** What grants a pattern (`GrantedPattern`). */
export type GrantKind = 'pipeline secret' | 'route' | 'pull secret';

/** One repository pattern of one grant, as `PipelineGrants.patternsNear` lists it. */
export interface GrantedPattern {
  /** What grants it. */
  readonly kind: GrantKind;
  /** The grant's name. */
  readonly name: string;
  /** The pattern, as granted. */
  readonly repo: string;
}

/**
 * What a CI engine grants pipelines: secrets, routes (build namespaces and deploy identities) and pull secrets, each
 * to some repositories and events. Both engines record here what they configure, so that a typed pipeline can be
 * checked at synth against what the platform really grants (`Pipeline.render`).
 *
 * Secrets and pull secrets are granted to repositories in any case (`repoMatches`), routes only in their exact case
 * (`routeMatches`): Drone's secrets extension lower-cases both sides, its runner policies do not, and Woodpecker's
 * route agents compare the repository's name exactly. Both engines route case-sensitively, so one matcher serves them.
 */
export class PipelineGrants {
  private readonly secretGrants = new Map<string, SecretGrant>();
  private readonly routeGrants = new Map<string, RouteGrant>();
  private readonly pullGrants = new Map<string, PullSecretGrant>();
  /** The routes by the literal beginnings of their patterns, exact and lower-cased; rebuilt after `addRoute`. */
  private routeIndex?: { readonly exact: RouteIndex; readonly ignoringCase: RouteIndex };
  /**
   * Every pattern of every grant, lower-cased, by its literal beginning (`patternsNear`); added to as grants are,
   * so a pattern a later record of its grant dropped stays, and `patternsNear` leaves it out.
   */
  private readonly patterns = new RepoPatternIndex<GrantedPattern>();

  /** Every secret granted, by name. */
  public get secrets(): ReadonlyMap<string, SecretGrant> {
    return this.secretGrants;
  }

  /** Every route, by name. */
  public get routes(): ReadonlyMap<string, RouteGrant> {
    return this.routeGrants;
  }

  /** Every pull secret, by name. */
  public get pullSecrets(): ReadonlyMap<string, PullSecretGrant> {
    return this.pullGrants;
  }

  /**
   * Record a secret.
   *
   * @param values its values by key, for the checks that read them (`SecretGrant.values`)
   */
  public addSecret(name: string, keys: readonly string[], access: PipelineAccess, values?: Readonly<Record<string, SecretValue>>): SecretGrant {
    const { repos, events } = withContext('secret', name, () => checkPipelineAccess(access));
    const grant: SecretGrant = { name, keys: [...keys].sort(), repos, events, ...(values ? { values: { ...values } } : {}) };
    this.indexPatterns('pipeline secret', name, repos, this.secretGrants.get(name));
    this.secretGrants.set(name, grant);
    return grant;
  }

  /** Record a route. */
  public addRoute(name: string, namespace: string, serviceAccountName: string | undefined,
    access: PipelineAccess & Pick<RouteGrant, 'branches'>): RouteGrant {
    const { repos, events } = withContext('route', name, () => checkPipelineAccess(access));
    const grant: RouteGrant = {
      name, repos, events, namespace, ...(serviceAccountName ? { serviceAccountName } : {}), ...(access.branches ? { branches: [...access.branches] } : {}),
    };
    this.indexPatterns('route', name, repos, this.routeGrants.get(name));
    this.routeGrants.set(name, grant);
    this.routeIndex = undefined;
    return grant;
  }

  /**
   * Record a pull secret, again to narrow it: a later record of a name replaces the earlier.
   *
   * @param namespaces where the engine hands it out by namespace (`PullSecretGrant.namespaces`)
   *   `@default` - wherever a pipeline of its repositories and events runs
   */
  public addPullSecret(name: string, access: PipelineAccess, namespaces?: readonly string[]): PullSecretGrant {
    const checked = withContext('pull secret', name, () => checkPipelineAccess(access));
    const grant: PullSecretGrant = { name, ...checked, ...(namespaces ? { namespaces: [...namespaces] } : {}) };
    this.indexPatterns('pull secret', name, grant.repos, this.pullGrants.get(name));
    this.pullGrants.set(name, grant);
    return grant;
  }

  /**
   * The patterns of the grants (secrets, routes and pull secrets) that may name a repository `pattern` names too,
   * compared in any case: those whose literal beginnings do not tell them apart (`RepoPatternIndex.candidatesOverlapping`),
   * for the caller's own overlap test; each pattern of each grant as it stands, once. A lookup costs the candidates,
   * not the grants: `TeamPlatform.addTeam` checks every team's patterns, with a thousand teams' grants recorded.
   */
  public patternsNear(pattern: string): GrantedPattern[] {
    const seen = new Set<string>();
    return this.patterns.candidatesOverlapping(pattern.toLowerCase()).map((c) => c.value).filter((g) => {
      const key = `${g.kind}\0${g.name}\0${g.repo}`;
      const current = (g.kind === 'route' ? this.routeGrants : g.kind === 'pull secret' ? this.pullGrants : this.secretGrants).get(g.name);
      if (seen.has(key) || !current?.repos.includes(g.repo)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Index the patterns of a grant recorded again, or for the first time, that its previous record lacked. */
  private indexPatterns(kind: GrantKind, name: string, repos: readonly string[], previous: { readonly repos: readonly string[] } | undefined): void {
    repos.filter((repo) => !previous?.repos.includes(repo)).forEach((repo) => this.patterns.add(repo.toLowerCase(), { kind, name, repo }));
  }

  /**
   * The routes that apply to a repository's pipelines for an event, the repository spelled as the forge spells it:
   * the first is the one the engine applies (Drone applies the first policy that matches; Woodpecker routes each
   * repository and event to one agent). Patterns match only in their exact case (`routeMatches`).
   */
  public routesFor(repo: string, event: PipelineEvent): RouteGrant[] {
    return this.indexes().exact.lookup(repo, event);
  }

  /**
   * The routes whose patterns match a repository for an event ignoring case: the routes the platform meant for it
   * where a pattern and the repository's spelling differ only in case. Where the first differs from `routesFor`'s
   * first, the engine runs the repository's pipelines elsewhere than its secrets' grants suppose.
   */
  public routesIgnoringCase(repo: string, event: PipelineEvent): RouteGrant[] {
    return this.indexes().ignoringCase.lookup(repo.toLowerCase(), event);
  }

  private indexes(): { readonly exact: RouteIndex; readonly ignoringCase: RouteIndex } {
    if (this.routeIndex === undefined) {
      const routes = [...this.routeGrants.values()];
      this.routeIndex = { exact: new RouteIndex(routes, (p) => p), ignoringCase: new RouteIndex(routes, (p) => p.toLowerCase()) };
    }
    return this.routeIndex;
  }
}

/**
 * Routes by the literal beginnings of their patterns (`RepoPatternIndex`). `routesFor` runs for every pipeline and
 * event against every team's route, a thousand and more: a lookup tests only the patterns whose beginning the
 * repository starts with.
 */
class RouteIndex {
  private readonly patterns = new RepoPatternIndex<{ readonly order: number; readonly route: RouteGrant }>();

  public constructor(routes: readonly RouteGrant[], spell: (pattern: string) => string) {
    routes.forEach((route, order) => route.repos.forEach((repo) => this.patterns.add(spell(repo), { order, route })));
  }

  /** The routes for `event` with a pattern that matches `repo`, spelled as the index spells patterns, in order. */
  public lookup(repo: string, event: PipelineEvent): RouteGrant[] {
    const hits = new Map<number, RouteGrant>();
    for (const { pattern, value: { order, route } } of this.patterns.candidatesFor(repo)) {
      if (!hits.has(order) && route.events.includes(event) && routeMatches(pattern, repo)) {
        hits.set(order, route);
      }
    }
    return [...hits.entries()].sort(([a], [b]) => a - b).map(([, route]) => route);
  }
}

/**
 * Whether a repository pattern matches a repository, as the Drone secrets extension matches them: Go's `path.Match`,
 * case-insensitively (drone-kubernetes-secrets `plugin/match.go:12-24`, which lower-cases both), where `*` and `?`
 * never match a `/`. Character classes are not supported by our patterns (`checkPipelineAccess`). Routes match
 * otherwise: `routeMatches`.
 */
export function repoMatches(pattern: string, repo: string): boolean {
  let re = COMPILED.get(pattern);
  if (re === undefined) {
    const source = pattern.toLowerCase().replace(/\*|\?|[^*?]+/g, (token) => (token === '*' ? '[^/]*' : token === '?' ? '[^/]' : escapeRegExp(token)));
    re = new RegExp(`^${source}$`);
    COMPILED.set(pattern, re);
  }
  return re.test(repo.toLowerCase());
}

/** Each pattern's RegExp, compiled once: a thousand teams' pipelines check every pattern (no `g` flag, so no state). */
const COMPILED = new Map<string, RegExp>();

/**
 * Whether a route's repository pattern matches a repository as the engines route it: case-sensitively, both.
 *
 * - Drone: the runner applies the first policy whose `match.repo` includes the build's repository
 *   (drone-runner-kube v1.0.0-rc.5 `engine/policy/match.go:12-16`, matched against `args.Repo.Slug` in
 *   `engine/compiler/compiler.go:344-353`), by runner-go v1.12.0 `manifest/cond.go:72-79`, whose `filepath` is
 *   bmatcuk/doublestar v1.1.1's `Match` (`cond.go:7`), which compares runes exactly. The slug is the forge's own
 *   spelling, `owner + "/" + name` (harness v2.28.2 `service/repo/util.go:30`, `service/syncer/util.go:31`; go-scm
 *   v1.42.2 `scm/driver/github/repo.go:263-264`).
 * - Woodpecker: a route's agent carries `repo=<slug>`, and the server's filter takes a task only if its `repo`
 *   label, the repository's full name as the forge spells it, equals it (v3.17.0 `server/model/task.go:64`,
 *   `server/scheduler/filter.go:61-70`). Woodpecker routes take exact slugs, so this is equality.
 *
 * doublestar is not `path.Match`: a part that is exactly `**` matches any number of `/`-separated parts
 * (`doublestar.go:149-162`), and a run of three or more `*` ending a part must match at least one character
 * (`doublestar.go:343-357,448-453`), so `acme/app***` routes `acme/apps` but not `acme/app`. Patterns and repositories
 * as `checkPipelineAccess` and `RepositoryPipelines` admit them: letters, digits, `.`, `_`, `-`, `*`, `?` and `/`,
 * never ending in `/`.
 */
export function routeMatches(pattern: string, repo: string): boolean {
  let compiled = ROUTE_PATTERNS.get(pattern);
  if (compiled === undefined) {
    compiled = compileRoutePattern(pattern);
    ROUTE_PATTERNS.set(pattern, compiled);
  }
  if (!repo.startsWith(compiled.prefix)) {
    return false;
  }
  return compiled.re === undefined ? repo.length === compiled.prefix.length : compiled.re.test(repo);
}

/** A route pattern, compiled: its literal beginning, which every repository it matches starts with, and the rest. */
interface RoutePattern {
  /** The pattern up to its first wildcard: the whole pattern when it has none. */
  readonly prefix: string;
  /** The whole pattern, unless it has no wildcard and only equality matches. */
  readonly re?: RegExp;
}

/** Each route pattern compiled once, in either case (`routesIgnoringCase` compiles the lower-cased one). */
const ROUTE_PATTERNS = new Map<string, RoutePattern>();

function compileRoutePattern(pattern: string): RoutePattern {
  const prefix = literalBeginning(pattern);
  if (prefix === pattern) {
    return { prefix };
  }
  const parts = pattern.split('/');
  let source = '';
  let separator = false;
  parts.forEach((part, i) => {
    if (separator) {
      source += '/';
    }
    if (part === '**') {
      // doublestar.go:149-162: the rest of the name, at least one part, when last; else any number of whole parts,
      // each with its own separator
      source += i === parts.length - 1 ? '.*' : '(?:[^/]*/)*';
      separator = false;
      return;
    }
    source += part.replace(/\*+|\?|[^*?]/g, (token, at: number) => {
      if (token === '?') return '[^/]';
      if (token.startsWith('*')) return token.length >= 3 && at + token.length === part.length ? '[^/]+' : '[^/]*';
      return escapeRegExp(token);
    });
    separator = true;
  });
  return { prefix, re: new RegExp(`^${source}$`) };
}
