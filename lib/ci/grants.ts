import { checkPipelineAccess, PipelineAccess, PipelineEvent } from './events';

/** A pipeline secret as the platform grants it: its keys, to which repositories, for which events. */
export interface SecretGrant {
  /** The name pipelines reference it by. */
  readonly name: string;
  /** The keys it holds. */
  readonly keys: readonly string[];
  /** The repositories, slugs or globs. */
  readonly repos: readonly string[];
  /** The events. */
  readonly events: readonly PipelineEvent[];
}

/** A route: the repositories and events whose pipelines run in a build namespace, optionally as a ServiceAccount. */
export interface RouteGrant {
  /** The route's name. */
  readonly name: string;
  /** The repositories, slugs or globs. */
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
}

/** An image pull secret that pipelines may use for their step images. */
export interface PullSecretGrant {
  /** The name pipelines reference it by (Drone), or the Secret's name in the build namespaces (Woodpecker). */
  readonly name: string;
  /** The repositories, slugs or globs. */
  readonly repos: readonly string[];
  /** The events. */
  readonly events: readonly PipelineEvent[];
}

/**
 * What a CI engine grants pipelines: secrets, routes (build namespaces and deploy identities) and pull secrets, each
 * to some repositories and events. Both engines record here what they configure, so that a typed pipeline can be
 * checked at synth against what the platform really grants (`Pipeline.render`).
 */
export class PipelineGrants {
  private readonly secretGrants = new Map<string, SecretGrant>();
  private readonly routeGrants = new Map<string, RouteGrant>();
  private readonly pullGrants = new Map<string, PullSecretGrant>();

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

  /** Record a secret. */
  public addSecret(name: string, keys: readonly string[], access: PipelineAccess): SecretGrant {
    const { repos, events } = checkPipelineAccess(access);
    const grant: SecretGrant = { name, keys: [...keys].sort(), repos, events };
    this.secretGrants.set(name, grant);
    return grant;
  }

  /** Record a route. */
  public addRoute(name: string, namespace: string, serviceAccountName: string | undefined, access: PipelineAccess): RouteGrant {
    const { repos, events } = checkPipelineAccess(access);
    const grant: RouteGrant = { name, repos, events, namespace, ...(serviceAccountName ? { serviceAccountName } : {}) };
    this.routeGrants.set(name, grant);
    return grant;
  }

  /** Record a pull secret. */
  public addPullSecret(name: string, access: PipelineAccess): PullSecretGrant {
    const grant: PullSecretGrant = { name, ...checkPipelineAccess(access) };
    this.pullGrants.set(name, grant);
    return grant;
  }

  /**
   * The routes that apply to a repository's pipelines for an event: the first is the one the engine applies (Drone
   * applies the first policy that matches; Woodpecker routes each repository and event to one agent).
   */
  public routesFor(repo: string, event: PipelineEvent): RouteGrant[] {
    return [...this.routeGrants.values()].filter((r) => r.events.includes(event) && r.repos.some((p) => repoMatches(p, repo)));
  }
}

/**
 * Whether a repository pattern matches a repository, as the Drone secrets extension and runner policies match them:
 * Go's `path.Match`, case-insensitively (drone-kubernetes-secrets `plugin/match.go:12-19`, which lower-cases both), where
 * `*` and `?` never match a `/`. Character classes are not supported by our patterns (`checkPipelineAccess`).
 */
export function repoMatches(pattern: string, repo: string): boolean {
  let re = COMPILED.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${pattern.toLowerCase().replace(/[.+^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    COMPILED.set(pattern, re);
  }
  return re.test(repo.toLowerCase());
}

/** Each pattern's RegExp, compiled once: a thousand teams' pipelines check every pattern (no `g` flag, so no state). */
const COMPILED = new Map<string, RegExp>();
