import { Chart } from 'cdk8s';
import { DroneCi, DroneKubeRunner, DroneKubeRunnerProps, DroneSecretsExtension, DroneServer, DroneServerProps, GitProvider, Postgres, Secret } from '../../lib';

/** A Drone server on an in-cluster Postgres, for tests of the server and its satellites. */
export function droneServer(chart: Chart, props: Partial<DroneServerProps> = {}): DroneServer {
  const postgres = new Postgres(chart, 'Postgres');
  const oauth = Secret.fromSecretName(chart, 'OAuth', 'drone-oauth');
  return new DroneServer(chart, 'Drone', {
    host: 'drone.example.com',
    gitProvider: GitProvider.github({ clientId: 'abc123', clientSecret: oauth.key('client-secret') }),
    database: postgres.addDatabase('drone'),
    admin: 'octocat',
    ...props,
  });
}

/** A DroneCi on `droneServer`, with its secrets extension and a runner of `runner` props. */
export function droneCi(chart: Chart, runner: Partial<DroneKubeRunnerProps> = {}): { ci: DroneCi; runner: DroneKubeRunner } {
  const server = droneServer(chart);
  const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
  const kubeRunner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension, ...runner });
  return { ci: new DroneCi(chart, 'Ci', { server, runner: kubeRunner, secretsExtension }), runner: kubeRunner };
}
