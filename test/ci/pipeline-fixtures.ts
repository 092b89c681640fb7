// A small fake ICiEngine that only records grants, and the demo repository's pipelines, for the pipeline tests.
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  CiEngineKind, CiPullSecretProps, CiRouteProps, CiSecretProps, ICiEngine, Image, NetworkPeer, Pipeline, PipelineEvent, PipelineGrants,
  ISecret, RouteGrant, Secret, SecretRef, Step,
} from '../../lib';

/**
 * An engine that records what it grants and nothing else. Its labels: Drone's are the runner's whatever the route
 * (`DroneCi.pipelineLabels`); a Woodpecker-like engine labels each route's pipelines for the route's agent.
 */
export class FakeEngine extends Construct implements ICiEngine {
  public readonly url = 'https://ci.example.com';
  public readonly namespace = 'ci';
  public readonly buildNamespace = 'builds';
  public readonly buildNamespaces = ['builds', 'deploys'];
  public readonly buildNamespaceLabels = { 'dockyard.dev/ci': 'fake' };
  public readonly buildPeer = NetworkPeer.namespaces({ 'dockyard.dev/ci': 'fake' });
  public readonly grants = new PipelineGrants();
  /** The runner's limitEvents, set by a test. */
  public limitEvents?: PipelineEvent[];

  public constructor(scope: Construct, id: string, public readonly kind: CiEngineKind) {
    super(scope, id);
  }

  public addBuildNamespace(): void {
    throw new Error('not in the fake');
  }

  public allowBuildEgress(): void {
    throw new Error('not in the fake');
  }

  public addPipelineSecret(id: string, props: CiSecretProps): ISecret {
    this.grants.addSecret(props.name, Object.keys(props.values), props);
    return Secret.fromSecretName(this, id, props.name);
  }

  public addRoute(props: CiRouteProps): void {
    this.grants.addRoute(props.name, props.namespace, props.serviceAccountName, props);
  }

  public addImagePullSecret(_id: string, props: CiPullSecretProps): void {
    this.grants.addPullSecret(props.name, props);
  }

  public pipelineLabels(route?: RouteGrant): Readonly<Record<string, string>> {
    if (this.kind === CiEngineKind.DRONE) {
      return { pool: 'dockyard' };
    }
    return route ? { 'dockyard.dev/route': route.name } : {};
  }
}

/** The images the demo's steps run. */
export const IMAGES = {
  go: Image.of('docker.io/library/golang:1.23.4'),
  psql: Image.of('docker.io/library/postgres:17.9-bookworm'),
};

export const REPO = 'acme/demo';

/** A platform like the default stack's: an engine with the demo's grants, in a chart of its own. */
export function platform(kind: CiEngineKind): { app: App; chart: Chart; engine: FakeEngine } {
  const app = new App();
  const chart = new Chart(app, 'Platform');
  const engine = new FakeEngine(chart, 'Ci', kind);
  const grants = engine.grants;
  grants.addSecret('harbor-push', ['docker_config'], { repos: ['acme/*'], events: [PipelineEvent.PUSH, PipelineEvent.TAG, PipelineEvent.PROMOTE] });
  grants.addSecret('demo-database', ['password', 'url'], { repos: [REPO] });
  grants.addPullSecret('harbor-pull', { repos: ['acme/*'] });
  grants.addRoute('demo-deploy', 'deploys', 'deployer', { repos: [REPO] });
  return { app, chart, engine };
}

/** The demo's deploy identity, as a DeployAccess has it. */
export const DEPLOYER = { serviceAccountName: 'deployer', serviceAccountNamespace: 'deploys' };

/** The demo's pipelines: test and publish on push and custom builds; migrate on promote and rollback, as the deployer. */
export function demoPipelines(): Pipeline[] {
  const build = new Pipeline({
    name: 'build',
    events: [PipelineEvent.PUSH, PipelineEvent.CUSTOM],
    branches: ['main', 'release/*'],
    pullSecret: 'harbor-pull',
    steps: [
      Step.run('test', { image: IMAGES.go, commands: ['go vet ./...', 'go test ./...'], env: { GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' } }),
      Step.buildImage('publish', {
        repository: 'harbor.example.com/apps/demo',
        dockerConfig: SecretRef.of('harbor-push', 'docker_config'),
        events: [PipelineEvent.PUSH],
      }),
    ],
  });
  const deploy = new Pipeline({
    name: 'deploy',
    events: [PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK],
    dependsOn: ['build'],
    pullSecret: 'harbor-pull',
    steps: [
      Step.deploy('migrate', {
        identity: DEPLOYER,
        image: IMAGES.psql,
        secrets: { DATABASE_URL: SecretRef.of('demo-database', 'url') },
        commands: ['psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f migrations.sql'],
      }),
    ],
  });
  return [build, deploy];
}
