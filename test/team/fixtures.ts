import { App } from 'cdk8s';
import {
  DockyardChart, DroneCi, DroneKubeRunner, DroneSecretsExtension, Harbor, HarborStorage, Namespace, Postgres, ProxyUpstream, Redis, TeamPlatform,
  TeamPlatformProps,
} from '../../lib';
import { droneServer } from '../drone/fixtures';

/**
 * A small platform: Drone with a runner and the secrets extension, Harbor with the proxy cache `dockerhub` that every
 * team shares, and a TeamPlatform over them (`props` over those defaults), in the namespace `ci`.
 */
export function platform(props: Partial<TeamPlatformProps> = {}) {
  const app = new App();
  const chart = new DockyardChart(app, 'platform', { namespace: 'ci' });
  new Namespace(chart, 'Namespace', { name: 'ci' });
  const server = droneServer(chart);
  const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
  const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension });
  const postgres = new Postgres(chart, 'HarborDatabase', { name: 'harbor-db' });
  const harbor = new Harbor(chart, 'Harbor', {
    namespace: 'harbor', externalUrl: 'https://harbor.example.com', database: postgres.addDatabase('registry', { user: 'harbor' }),
    redis: new Redis(chart, 'Redis', { namespace: 'harbor' }), storage: HarborStorage.filesystem(),
  });
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
  const ci = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
  const teams = new TeamPlatform(chart, 'Teams', { ci, harbor, sharedProjects: ['dockerhub'], ...props });
  return { app, chart, teams, ci, runner, harbor, secretsExtension, objects: () => chart.toJson() };
}
