import { Construct } from 'constructs';
import { NetworkPeer, Secret } from '../core';
import { BuildEgressOptions } from '../ci/build-egress';
import { BuildNamespaceOptions } from '../ci/build-namespace';
import { CiEngineKind, CiPullSecretProps, CiRouteProps, CiSecretProps, ICiEngine } from '../ci/engine';
import { PipelineGrants, RouteGrant } from '../ci/grants';
import { DroneKubeRunner } from './runner';
import { DroneSecretsExtension } from './secrets-extension';
import { DroneServer } from './server';

/** Props of a `DroneCi`. */
export interface DroneCiProps {
  /** The Drone server. */
  readonly server: DroneServer;
  /** The runner whose build namespaces and policies the engine's routes become. */
  readonly runner: DroneKubeRunner;
  /** The secrets extension that serves the engine's pipeline secrets and pull secrets. */
  readonly secretsExtension: DroneSecretsExtension;
}

/**
 * Drone as an `ICiEngine`: the server, its Kubernetes runner and the secrets extension, with each grant mapped to
 * Drone's own mechanism.
 *
 * - A pipeline secret is a Secret that the extension serves, annotated with `X-Drone-Repos` and `X-Drone-Events`
 *   (repository globs allowed), which the server asks for on behalf of each build.
 * - A route is a runner policy: it pins the repositories' pipelines, for its events, to a namespace and a
 *   ServiceAccount, whatever the pipeline asks for; their other events are pinned back to the default build
 *   namespace (`DroneKubeRunner.addPolicy`).
 * - An image pull secret is a pipeline secret holding `.dockerconfigjson`, which pipelines list in
 *   `image_pull_secrets`.
 *
 * It defines no objects of its own: the three parts render what they render without it.
 */
export class DroneCi extends Construct implements ICiEngine {
  public readonly kind = CiEngineKind.DRONE;
  public readonly url: string;
  public readonly namespace: string;
  public readonly grants = new PipelineGrants();
  /** The Drone server. */
  public readonly server: DroneServer;
  /** The runner. */
  public readonly runner: DroneKubeRunner;
  /** The secrets extension. */
  public readonly secretsExtension: DroneSecretsExtension;

  public constructor(scope: Construct, id: string, props: DroneCiProps) {
    super(scope, id);
    this.server = props.server;
    this.runner = props.runner;
    this.secretsExtension = props.secretsExtension;
    this.url = props.server.url;
    this.namespace = props.server.namespace;
  }

  public get buildNamespace(): string {
    return this.runner.buildNamespace;
  }

  public get buildNamespaces(): readonly string[] {
    return this.runner.buildNamespaces;
  }

  public get buildNamespaceLabels(): Readonly<Record<string, string>> {
    return this.runner.buildNamespaceLabels;
  }

  public get buildPeer(): NetworkPeer {
    return this.runner.buildPeer;
  }

  public addBuildNamespace(namespace: string, options?: BuildNamespaceOptions): void {
    this.runner.addBuildNamespace(namespace, options);
  }

  public allowBuildEgress(peer: NetworkPeer, ports: number[], options?: BuildEgressOptions): void {
    this.runner.allowBuildEgress(peer, ports, options);
  }

  public addPipelineSecret(id: string, props: CiSecretProps): Secret {
    const secret = this.secretsExtension.addSecret(id, props);
    this.grants.addSecret(props.name, Object.keys(props.values), props);
    return secret;
  }

  public addRoute(props: CiRouteProps): void {
    this.runner.addPolicy(props);
    this.grants.addRoute(props.name, props.namespace, props.serviceAccountName, props);
  }

  public addImagePullSecret(id: string, props: CiPullSecretProps): void {
    this.secretsExtension.addSecret(id, {
      name: props.name, repos: props.repos, events: props.events, allowPullRequests: props.allowPullRequests,
      values: { '.dockerconfigjson': props.dockerConfig },
    });
    this.grants.addPullSecret(props.name, props);
  }

  /** The runner's labels: Drone sends a pipeline only to a runner whose labels equal its `node` (harness v2.28.2 `scheduler/queue/queue.go:266-276`). */
  public pipelineLabels(_route?: RouteGrant): Readonly<Record<string, string>> {
    return this.runner.labels;
  }
}
