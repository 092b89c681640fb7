import { Construct } from 'constructs';
import { checkDnsSubdomain, checkRequiredObject, invalid, NetworkPeer, Secret, withContext } from '../core';
import { BuildEgressOptions, BuildEgressProps } from '../ci/build-egress';
import { BuildNamespaceOptions } from '../ci/build-namespace';
import { checkPipelineAccess, PipelineAccess, PipelineEvent } from '../ci/events';
import { checkRepoOwners } from '../ci/repo-owners';
import { CiAdditions, CiEngineKind, CiPullSecretProps, CiRouteProps, CiSecretProps, ICiEngine } from '../ci/engine';
import { PipelineGrants, RouteGrant } from '../ci/grants';
import { accessAnnotations } from './pipeline-secret';
import { DRONE_NO_BRANCHES } from './no-branch-routes';
import { DroneKubeRunner } from './runner';
import { DroneSecretsExtension } from './secrets-extension';
import { DroneServer } from './server';
import { PULL_SECRET_KEY } from '../ci/pipeline/drone';

/** Props of a `DroneCi`. */
export interface DroneCiProps {
  /** The Drone server. */
  readonly server: DroneServer;
  /** The runner whose build namespaces and policies the engine's routes become. */
  readonly runner: DroneKubeRunner;
  /**
   * The secrets extension that serves the engine's pipeline secrets and pull secrets: the one `runner` asks
   * (`DroneKubeRunnerProps.secretsExtension`), or the synth fails naming `runner`.
   */
  readonly secretsExtension: DroneSecretsExtension;
}

/**
 * Drone as an `ICiEngine`: the server, its Kubernetes runner and the secrets extension, with each grant mapped to
 * Drone's own mechanism.
 *
 * Repository patterns match differently in the two: the secrets extension lower-cases pattern and repository
 * (`repoMatches`), the runner's policies compare them exactly (`routeMatches`), against the slug as the forge
 * spells it. A route pattern in another case than the forge's leaves the repository's pipelines in the default
 * build namespace, with their secrets; `grants` models both, so typed pipelines refuse it.
 *
 * - A pipeline secret is a Secret that the extension serves, annotated with `X-Drone-Repos` and `X-Drone-Events`
 *   (repository globs allowed), which the runner asks for on behalf of each build (drone-runner-kube
 *   v1.0.0-rc.5 `command/daemon/config.go:86` reads the extension's endpoint; the server is given none).
 * - A route is a runner policy: it pins the repositories' pipelines, for its events, to a namespace and a
 *   ServiceAccount, whatever the pipeline asks for; their other events are pinned back to the default build
 *   namespace (`DroneKubeRunner.addPolicy`).
 * - An image pull secret is a pipeline secret holding `.dockerconfigjson`, which pipelines list in
 *   `image_pull_secrets`.
 *
 * It defines no objects of its own: the three parts render what they render without it.
 */
export class DroneCi extends Construct implements ICiEngine {
  /** The engine: Drone. */
  public readonly kind = CiEngineKind.DRONE;
  /** The server's public URL. */
  public readonly url: string;
  /** The server's namespace. */
  public readonly namespace: string;
  /** What the engine grants pipelines: secrets, routes and pull secrets, which typed pipelines are checked against. */
  public readonly grants = new PipelineGrants();
  /** The Drone server. */
  public readonly server: DroneServer;
  /** The runner. */
  public readonly runner: DroneKubeRunner;
  /** The secrets extension. */
  public readonly secretsExtension: DroneSecretsExtension;

  public constructor(scope: Construct, id: string, props: DroneCiProps) {
    super(scope, id);
    checkRequiredObject('server', props.server, 'must be the engine\'s DroneServer', DroneServer);
    checkRequiredObject('runner', props.runner, 'must be the engine\'s DroneKubeRunner, which polls its server', DroneKubeRunner);
    checkRequiredObject('secretsExtension', props.secretsExtension, 'must be the DroneSecretsExtension its runner asks for pipeline secrets',
      DroneSecretsExtension);
    // the runner asks only the extension it was given (DRONE_SECRET_PLUGIN_ENDPOINT, drone-runner-kube v1.0.0-rc.5
    // command/daemon/daemon.go:152-161): with none, runner-go v1.12.0 secret/external.go:34-36 finds nothing, and
    // another's Role reads none of this one's Secrets; either way the compiler gives each `from_secret` an empty,
    // unmasked value and runs the step (engine/compiler/compiler.go:513-530), and drops `image_pull_secrets`
    // (546-554), so deploys fail at login with no word of the cause
    if (props.runner.secretsExtension !== props.secretsExtension) {
      const asks = props.runner.secretsExtension ? `asks ${props.runner.secretsExtension.node.path}` : 'asks none';
      invalid('runner', props.runner.node.path, `must ask the engine's secretsExtension ${props.secretsExtension.node.path} for pipeline secrets ` +
        `(DroneKubeRunnerProps.secretsExtension): it ${asks}, so its pipelines would get every from_secret and image_pull_secrets empty`);
    }
    this.server = props.server;
    this.runner = props.runner;
    this.secretsExtension = props.secretsExtension;
    this.url = props.server.url;
    this.namespace = props.server.namespace;
  }

  /** The runner's default build namespace. */
  public get buildNamespace(): string {
    return this.runner.buildNamespace;
  }

  /** The runner's build namespaces, the default first. */
  public get buildNamespaces(): readonly string[] {
    return this.runner.buildNamespaces;
  }

  /** The labels of the runner's build namespaces. */
  public get buildNamespaceLabels(): Readonly<Record<string, string>> {
    return this.runner.buildNamespaceLabels;
  }

  /** Every pod of the runner's build namespaces, as a NetworkPolicy peer. */
  public get buildPeer(): NetworkPeer {
    return this.runner.buildPeer;
  }

  /** The build egress settings every build namespace of the runner starts from (`DroneKubeRunner.buildEgress`). */
  public get buildEgress(): BuildEgressProps {
    return this.runner.buildEgress;
  }

  /** The runner's `limitEvents`, if it has any: the runner fails a pipeline of any other event. */
  public get limitEvents(): readonly PipelineEvent[] | undefined {
    return this.runner.buildSettings.limitEvents;
  }

  /** Let pipelines run in `namespace` too (`DroneKubeRunner.addBuildNamespace`); routes may then use it. */
  public addBuildNamespace(namespace: string, options?: BuildNamespaceOptions): void {
    this.runner.addBuildNamespace(namespace, options);
  }

  /** Let build pods reach `peer` on `ports` (`DroneKubeRunner.allowBuildEgress`). */
  public allowBuildEgress(peer: NetworkPeer, ports: number[], options?: BuildEgressOptions): void {
    this.runner.allowBuildEgress(peer, ports, options);
  }

  /** A Secret the secrets extension serves to the granted repositories and events. */
  public addPipelineSecret(id: string, props: CiSecretProps): Secret {
    return withContext('secret', props.name, () => {
      this.checkSecret(id, props.name);
      this.checkSynced(props);
      const secret = this.secretsExtension._addSecret(id, props);
      this.grants.addSecret(props.name, Object.keys(props.values), props, props.values);
      return secret;
    });
  }

  /** A runner policy that pins the repositories' pipelines, for its events, to a namespace and ServiceAccount. */
  public addRoute(props: CiRouteProps): void {
    withContext('route', props.name, () => {
      this.checkRoute(props);
      this.runner.addPolicy(props);
      this.runner._markRoute(props.name);
      this.grants.addRoute(props.name, props.namespace, props.serviceAccountName, props);
    });
  }

  /** A pipeline secret holding `.dockerconfigjson`, which pipelines list in `image_pull_secrets`. */
  public addImagePullSecret(id: string, props: CiPullSecretProps): void {
    withContext('pull secret', props.name, () => {
      this.checkSecret(id, props.name);
      this.checkSynced(props);
      // unwrapped: what the extension refuses is named once, as the pull secret it is here
      this.secretsExtension._addSecret(id, {
        name: props.name, repos: props.repos, events: props.events, allowPullRequests: props.allowPullRequests,
        values: { [PULL_SECRET_KEY]: props.dockerConfig },
      });
      this.grants.addPullSecret(props.name, props);
    });
  }

  /** The runner's labels: Drone sends a pipeline only to a runner whose labels equal its `node` (harness v2.28.2 `scheduler/queue/queue.go:266-276`). */
  public pipelineLabels(_route?: RouteGrant): Readonly<Record<string, string>> {
    return this.runner.labels;
  }

  /** @internal */
  public _retireRoute(_name: string, buildNamespace: string, repos?: readonly string[]): void {
    // checked as given, though Drone needs them not: its runner's namespace rules close the build namespace
    if (repos !== undefined) checkPipelineAccess({ repos });
    this.runner.closeNamespace(buildNamespace);
  }

  /**
   * Check, changing nothing, that `additions` could be added in their order: each route's and secret's name, ID,
   * repositories and events, against the engine's and the additions' own, and against what only the runner or the
   * secrets extension knows: policies and secrets added to them directly, and the runner's reserved policy names. A
   * route may name one of the additions' build namespaces.
   */
  public checkAdditions(additions: CiAdditions): void {
    const namespaces = new Set(additions.buildNamespaces ?? []);
    const routes = new Set<string>();
    for (const route of additions.routes ?? []) {
      routes.add(this.checkRoute(route, namespaces, routes));
    }
    const names = new Set<string>();
    const ids = new Set<string>();
    for (const secret of [...additions.pipelineSecrets ?? [], ...additions.pullSecrets ?? []]) {
      this.checkSecret(secret.id, secret.name, names, ids);
      accessAnnotations(secret);
      this.checkSynced(secret);
      names.add(secret.name);
      ids.add(secret.id);
    }
  }

  /**
   * A route's name once among the engine's routes and `batch` (the grants hold routes by name), then everything the
   * runner checks of the route's policy, in its order (`DroneKubeRunner.checkPolicy`: the name, the namespace, one of
   * the runner's or of `pending`, the repositories and events, the ServiceAccount): the route's name.
   */
  private checkRoute(props: CiRouteProps, pending: ReadonlySet<string> = new Set(), batch?: ReadonlySet<string>): string {
    // only a name the engine accepted before can be taken, so a malformed one passes here and the runner refuses it
    if (this.grants.routes.has(props.name) || batch?.has(props.name)) {
      invalid('name', props.name, 'must be unique among the engine\'s routes');
    }
    if (props.branches !== undefined) {
      invalid('branches', props.branches, DRONE_NO_BRANCHES);
    }
    this.runner.checkPolicy(props, pending);
    this.checkSynced(props);
    return props.name;
  }

  /**
   * Refuse, once `access` is a valid grant, a repository the server never syncs: with a `repositoryFilter`, Drone
   * syncs only repositories whose namespace one entry names, ignoring case (harness v2.28.2
   * `service/syncer/filter.go:22-35`), so a route or secret for another grants a pipeline that never runs. (One synced
   * before the filter was set or narrowed keeps building: the webhook handler does not consult the filter.)
   */
  private checkSynced(access: PipelineAccess): void {
    const filter = this.server.repositoryFilter;
    if (filter !== undefined) {
      checkRepoOwners(checkPipelineAccess(access).repos, {
        setting: 'repositoryFilter', owners: filter, listed: 'an account in the server\'s repositoryFilter',
        otherwise: 'Drone syncs no other, so its pipelines never run (one synced before the filter was set or narrowed may build on)',
      });
    }
  }

  /**
   * A secret's name once among the Secrets the extension reads and `names`: the engine's pipeline and pull secrets
   * are Secrets of the extension, so its check covers them (and the grants, which hold them by name), and those added
   * to it directly too. Then its construct ID once among the extension's children and `ids`.
   */
  private checkSecret(id: string, name: string, names?: ReadonlySet<string>, ids?: ReadonlySet<string>): void {
    checkDnsSubdomain('name', name);
    this.secretsExtension.checkSecret(name, names);
    if (this.secretsExtension.node.tryFindChild(id) !== undefined || ids?.has(id)) {
      invalid('id', id, 'must be unique among the secrets extension\'s children: it is the construct ID of each secret');
    }
  }
}
