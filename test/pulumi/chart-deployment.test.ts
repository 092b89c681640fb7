import { setup } from './digitalocean/harness';

describe('ChartDeployment', () => {
  beforeAll(setup);

  test('fails before registering anything when a Secret the charts read is not provided', async () => {
    const { App } = await import('cdk8s');
    const { DockyardChart, Postgres, Secret, DroneServer, GitProvider } = await import('../../lib');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'ci' });
    new DroneServer(chart, 'Drone', {
      host: 'drone.example.com', database: new Postgres(chart, 'Pg').addDatabase('drone'), admin: 'octocat',
      gitProvider: GitProvider.github({ clientId: 'id', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'drone-oauth').key('client-secret') }),
    });
    expect(() => new ChartDeployment('d', { app, secrets: [] })).toThrow('missing provided secrets: ci/drone-oauth (client-secret)');
    expect(() => new ChartDeployment('e', { app, secrets: [{ namespace: 'ci', name: 'drone-oauth', stringData: { other: 'x' } }] }))
      .toThrow('missing provided secrets: ci/drone-oauth (client-secret)');
  });
});
