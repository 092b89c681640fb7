import { IConstruct } from 'constructs';
import { ISecret, NetworkPeer, SecretValue } from '../core';
import { BuildEgressOptions, BuildEgressProps } from './build-egress';
import { BuildNamespaceOptions } from './build-namespace';
import { PipelineAccess, PipelineEvent } from './events';
import { PipelineGrants, RouteGrant } from './grants';

/** The CI engines Dockyard deploys. */
export enum CiEngineKind {
  /** Drone 2.x with its Kubernetes runner and the Kubernetes secrets extension. */
  DRONE = 'drone',
  /** Woodpecker 3.x with its Kubernetes backend. */
  WOODPECKER = 'woodpecker',
}

/** Props of `ICiEngine.addPipelineSecret`. */
export interface CiSecretProps extends PipelineAccess {
  /** The name pipelines reference the secret by (a DNS label, as it names a Kubernetes Secret too). */
  readonly name: string;
  /** Its keys and values. */
  readonly values: Readonly<Record<string, SecretValue>>;
}

/**
 * Props of `ICiEngine.addRoute`. Both engines route repositories by their exact spelling (`routeMatches`), so `repos`
 * must be written in the forge's case; secrets match in any case.
 */
export interface CiRouteProps extends PipelineAccess {
  /** The route's name (a DNS label). */
  readonly name: string;
  /** The build namespace the pipelines run in: one of the engine's `buildNamespaces`. */
  readonly namespace: string;
  /**
   * The ServiceAccount, in `namespace`, that the pipelines run as: a deploy identity (`DeployAccess`).
   *
   * @default - the namespace's `default` ServiceAccount, which mounts no API token
   */
  readonly serviceAccountName?: string;
  /**
   * The branches whose builds the route takes, exact names (`main`, `release/2.x`), for a route of `push`, `cron`
   * and `custom` only. Woodpecker only: each route agent then also requires the branch the server stamps on the
   * task (`woodpecker-ci.org/commit-branch`), which a pipeline cannot set, and a build of another branch that
   * carries the route's label waits for an agent until it is cancelled (typed pipelines must name these branches).
   * Anyone with write access can still run a listed branch's own pipeline with variables of their choosing: see the
   * README, "Woodpecker: routes by branch". Drone refuses it.
   *
   * @default - every branch
   */
  readonly branches?: readonly string[];
}

/**
 * Props of `ICiEngine.addImagePullSecret`: the repositories and events whose pipelines pull their step images with
 * it. Pull requests get it only with `allowPullRequests`, as it is a login a fork could print (Drone), or pull
 * private images with (Woodpecker, whose agents list it on every pod of the events they run).
 */
export interface CiPullSecretProps extends PipelineAccess {
  /** The name pipelines reference it by (Drone's `image_pull_secrets`). */
  readonly name: string;
  /** The Docker config JSON to pull with, e.g. `SecretValue.copyOf(pullSecret.dockerConfig)`. */
  readonly dockerConfig: SecretValue;
}

/**
 * A pipeline or pull secret as `ICiEngine.checkAdditions` checks it: what `addPipelineSecret` or
 * `addImagePullSecret` would be given, but the values, which no check reads.
 */
export interface CiSecretAddition extends PipelineAccess {
  /** The construct ID it would be added under. */
  readonly id: string;
  /** The name pipelines would reference it by. */
  readonly name: string;
}

/**
 * What a caller is about to add to a CI engine for one purpose, in the order it adds them, for
 * `ICiEngine.checkAdditions`.
 */
export interface CiAdditions {
  /**
   * Build namespaces the caller adds first (`addBuildNamespace`), so that the routes may run there. They are not
   * checked here: `addBuildNamespace` checks everything before it changes anything, so it goes first and its
   * refusal leaves the engine as it was.
   *
   * @default - none
   */
  readonly buildNamespaces?: readonly string[];
  /**
   * Routes, as `addRoute` would be given them.
   *
   * @default - none
   */
  readonly routes?: readonly CiRouteProps[];
  /**
   * Pipeline secrets (`addPipelineSecret`).
   *
   * @default - none
   */
  readonly pipelineSecrets?: readonly CiSecretAddition[];
  /**
   * Pull secrets (`addImagePullSecret`).
   *
   * @default - none
   */
  readonly pullSecrets?: readonly CiSecretAddition[];
}

/** What a prop taking an `ICiEngine` accepts, in words, for messages. */
export const CI_ENGINE_RULE = 'must be an ICiEngine: a DroneCi or a WoodpeckerCi';

/**
 * A CI engine: its server, the runners or agents that run pipelines as pods in build namespaces, and how pipelines
 * get secrets, deploy identities and pull secrets. The stacks, `TeamPlatform` and the DigitalOcean program use only
 * this, so the engine is one choice (`DroneCi` or `WoodpeckerCi`). Each engine maps the grants to its own mechanism,
 * least-privilege, and refuses at synth what it cannot express.
 */
export interface ICiEngine extends IConstruct {
  /** Which engine. */
  readonly kind: CiEngineKind;
  /** The public URL of the web UI. */
  readonly url: string;
  /** The namespace of the engine's own pods. */
  readonly namespace: string;
  /** The default build namespace: where pipelines run that no route claims. */
  readonly buildNamespace: string;
  /** Every build namespace, the default first. */
  readonly buildNamespaces: readonly string[];
  /** The labels every build namespace carries, for NetworkPolicies that admit builds by namespace selector. */
  readonly buildNamespaceLabels: Readonly<Record<string, string>>;
  /** The pods of every build namespace, for NetworkPolicies of services that builds reach. */
  readonly buildPeer: NetworkPeer;
  /**
   * The build egress settings (`buildEgress`) every build namespace's egress policy starts from, for checks of what
   * builds can reach: `TeamPlatform` refuses a public `apiServer` that builds could reach through the internet rule.
   *
   * @default - unknown: such checks are skipped
   */
  readonly buildEgress?: BuildEgressProps | undefined;
  /**
   * The only events the engine runs pipelines for (Drone's runner `limitEvents`): a pipeline of another event fails,
   * so typed pipelines (`RepositoryPipelines`) refuse one at synth.
   *
   * @default - every event
   */
  readonly limitEvents?: readonly PipelineEvent[] | undefined;
  /** What the engine grants pipelines, for checking typed pipelines (`Pipeline`). */
  readonly grants: PipelineGrants;
  /**
   * The longest route name the engine takes, where it names objects after a route (Woodpecker's route agents):
   * `TeamPlatform` refuses a longer team name in the one line of its name rule, rather than pass it and have the
   * engine refuse it after.
   *
   * @default - no limit of the engine's own
   */
  readonly maxRouteName?: number | undefined;

  /** Let pipelines run in `namespace` too, with everything a build namespace gets. */
  addBuildNamespace(namespace: string, options?: BuildNamespaceOptions): void;
  /** Let build pods open TCP connections to `peer` on `ports`, in every build namespace or some. */
  allowBuildEgress(peer: NetworkPeer, ports: number[], options?: BuildEgressOptions): void;
  /** A secret that pipelines of some repositories get, for some events: the Secret that holds it. */
  addPipelineSecret(id: string, props: CiSecretProps): ISecret;
  /** Run the pipelines of some repositories, for some events, in a build namespace, optionally as a deploy identity. */
  addRoute(props: CiRouteProps): void;
  /** An image pull secret for the step images of some repositories' pipelines. */
  addImagePullSecret(id: string, props: CiPullSecretProps): void;
  /**
   * The labels a pipeline must carry for the runner or agent that serves it to take it: Drone's `node` (the runner's
   * labels), Woodpecker's workflow `labels` (the route's agents, so that the pool agent never takes a routed
   * pipeline).
   *
   * @param route the route the pipeline runs under, if any
   */
  pipelineLabels(route?: RouteGrant): Readonly<Record<string, string>>;
  /**
   * Check, changing nothing, that `additions` could be added in their order: throw the one-line error of the first
   * `addRoute`, `addPipelineSecret` or `addImagePullSecret` call that would refuse them. A caller that adds several
   * things for one purpose (`TeamPlatform.addTeam`) checks them all first, so that a refusal leaves the engine as
   * it was; an engine without it is checked only by its `add*` calls.
   */
  checkAdditions?(additions: CiAdditions): void;
  /**
   * Place what the engine can place only once the app is complete, and record it in `grants`: Woodpecker places its
   * secrets by its routes, and records where each pull secret went (`PullSecretGrant.namespaces`). Synth does it
   * before any pipeline file renders; `RepositoryPipelines.render` calls it for a render of its own. Nothing can be
   * added to the engine after it.
   *
   * @default - nothing to place: the grants are complete as they are added (Drone)
   */
  settle?(): void;
  /**
   * Close what a route that is gone (a retired team's: `TeamPlatform.retireTeam`) keeps doing after an apply without
   * pruning, as far as the engine can from the code, checking everything before it keeps anything: Drone closes
   * `buildNamespace` to every pipeline in its runner's namespace rules (`DroneKubeRunner.closeNamespace`), as the
   * runner's Role there stays; Woodpecker refuses the server's gRPC port to the route's agents, which it names after
   * `repos` and `scope` (`WoodpeckerCi.closeRoute`) and finds in the previous output too, by the route's name
   * (lib/woodpecker/closed-agents.ts), warning at synth of those the props miss; under the DigitalOcean Pulumi
   * program (`underStackMark`), of no route of which it finds nothing, as its update deletes the agents.
   *
   * @param repos the route's repositories, as it listed them; `@default` - none: Woodpecker closes the agents the
   * previous output holds of the route, and warns with `unnamed` if it holds none
   * @param scope the route's events and branches, as it had them; `@default` - every event but pull requests, every
   * branch (Woodpecker names a route's agents after them; with `repos` but no events, it warns that it cannot check
   * them if the previous output holds none of the route's agents, `uncheckedAgentsWarning`)
   * @param unnamed the warning for a route closed without `repos` of which nothing is found; `@default` - none
   * @default - nothing to close
   * @internal
   */
  _retireRoute?(name: string, buildNamespace: string, repos?: readonly string[], scope?: Pick<CiRouteProps, 'events' | 'branches'>, unnamed?: string): void;
}
