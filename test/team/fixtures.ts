import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import {
  BuildEgressProps, DockyardChart, DroneCi, DroneKubeRunner, DroneKubeRunnerProps, DroneSecretsExtension, Harbor, HarborProps, HarborStorage, ICiEngine, Namespace, Postgres, ProxyUpstream, Redis,
  TeamPlatform, TeamPlatformProps, WoodpeckerCi,
} from '../../lib';
import { droneServer } from '../drone/fixtures';
import { github, gitlab } from '../woodpecker/fixtures';

/** The CI engine a `platform` runs. */
export type Engine = 'drone' | 'woodpecker';

/** How a `platform` is built, besides its TeamPlatform's props. */
export interface PlatformOptions {
  /**
   * The CI engine: Drone with a runner and the secrets extension, or Woodpecker with its own Postgres.
   *
   * @default "drone"
   */
  readonly engine?: Engine;
  /**
   * Whether the chart defines the namespace `ci` (else it exists outside the app).
   *
   * @default true
   */
  readonly definesCiNamespace?: boolean;
  /**
   * The build egress of the engine's build namespaces: the Drone runner's, or WoodpeckerCi's `buildEgress`.
   *
   * @default - the defaults
   */
  readonly buildEgress?: BuildEgressProps;
  /**
   * Woodpecker's git provider: GitHub, or GitLab (whose subgroups' projects have slugs of more than one "/").
   *
   * @default "github"
   */
  readonly forge?: 'github' | 'gitlab';
  /**
   * More props of the shared Drone runner.
   *
   * @default - none
   */
  readonly runner?: Partial<DroneKubeRunnerProps>;
  /**
   * More props of Harbor, made for the chart (a Secret of its own, say).
   *
   * @default - none
   */
  readonly harbor?: (chart: DockyardChart) => Partial<HarborProps>;
  /**
   * The app's output directory.
   *
   * @default - a folder of its own under the test run's temporary folder, made only if the app is synthesized: cdk8s's
   *   own default, `dist` in the working directory, put a test's manifests in the project's `dist/`, where the next
   *   `npm run synth` took them for an earlier output (a fresh clone's CI run, then `npm run synth`)
   */
  readonly outdir?: string;
  /**
   * The chart's id, which names its manifest file.
   *
   * @default "platform"
   */
  readonly chartId?: string;
}

/** How many platforms this test file made, for their output folders. */
let platforms = 0;

/** A platform on either engine. */
export interface Platform {
  readonly app: App;
  readonly chart: DockyardChart;
  readonly teams: TeamPlatform;
  readonly ci: ICiEngine;
  readonly harbor: Harbor;
  readonly objects: () => any[];
}

/** A platform on Drone, whose runner and secrets extension a test may also use directly. */
export interface DronePlatform extends Platform {
  readonly ci: DroneCi;
  readonly runner: DroneKubeRunner;
  readonly secretsExtension: DroneSecretsExtension;
}

/**
 * A small platform: the CI engine (by default Drone with a runner and the secrets extension), Harbor with the proxy
 * cache `dockerhub` that every team shares, and a TeamPlatform over them (`props` over those defaults), in the
 * namespace `ci`.
 */
export function platform(props?: Partial<TeamPlatformProps>, options?: PlatformOptions & { readonly engine?: 'drone' }): DronePlatform;
export function platform(props: Partial<TeamPlatformProps> | undefined, options: PlatformOptions): Platform;
export function platform(props: Partial<TeamPlatformProps> = {}, options: PlatformOptions = {}): Platform | DronePlatform {
  const app = new App({ outdir: options.outdir ?? path.join(os.tmpdir(), `dockyard-platform-${process.pid}-${++platforms}`) });
  const chart = new DockyardChart(app, options.chartId ?? 'platform', { namespace: 'ci' });
  if (options.definesCiNamespace ?? true) {
    new Namespace(chart, 'Namespace', { name: 'ci' });
  }
  // Woodpecker's engine comes before Harbor, Drone's (server, runner and secrets extension aside) after it
  const drone = (options.engine ?? 'drone') === 'drone' ? droneParts(chart, options.buildEgress, options.runner) : undefined;
  const woodpecker = drone ? undefined : new WoodpeckerCi(chart, 'Ci', {
    host: 'ci.example.com', gitProvider: options.forge === 'gitlab' ? gitlab(chart) : github(chart), database: new Postgres(chart, 'Postgres').addDatabase('woodpecker'),
    buildEgress: options.buildEgress,
  });
  const postgres = new Postgres(chart, 'HarborDatabase', { name: 'harbor-db' });
  const harbor = new Harbor(chart, 'Harbor', {
    namespace: 'harbor', externalUrl: 'https://harbor.example.com', database: postgres.addDatabase('registry', { user: 'harbor' }),
    redis: new Redis(chart, 'Redis', { namespace: 'harbor' }), storage: HarborStorage.filesystem(), ...options.harbor?.(chart),
  });
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
  const ci = drone ? new DroneCi(chart, 'Ci', drone) : woodpecker!;
  const teams = new TeamPlatform(chart, 'Teams', { ci, harbor, sharedProjects: ['dockerhub'], ...props });
  const base = { app, chart, teams, ci, harbor, objects: () => chart.toJson() };
  return drone ? { ...base, ci: ci as DroneCi, runner: drone.runner, secretsExtension: drone.secretsExtension } : base;
}

/** Drone's server, and the runner and secrets extension its DroneCi uses. */
function droneParts(chart: DockyardChart, buildEgress?: BuildEgressProps, more: Partial<DroneKubeRunnerProps> = {}) {
  const server = droneServer(chart);
  const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
  const runner = new DroneKubeRunner(chart, 'Runner', { ...more, server, secretsExtension, buildEgress });
  return { server, runner, secretsExtension };
}
