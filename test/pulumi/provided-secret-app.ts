/**
 * An app whose Drone server reads the OAuth client secret from a Secret made outside Dockyard (`ci/drone-oauth`,
 * key `client-secret`), which a `ChartDeployment` must be given; and the chart, for more constructs. Imported
 * dynamically, after the test has set Pulumi's mocks.
 */
export async function appReadingProvidedSecret() {
  const { App } = await import('cdk8s');
  const { DockyardChart, DroneServer, GitProvider, Postgres, Secret } = await import('../../lib');
  const app = new App();
  const chart = new DockyardChart(app, 'c', { namespace: 'ci' });
  new DroneServer(chart, 'Drone', {
    host: 'drone.example.com', database: new Postgres(chart, 'Pg').addDatabase('drone'), admin: 'octocat',
    gitProvider: GitProvider.github({ clientId: 'id', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'drone-oauth').key('client-secret') }),
  });
  return { app, chart };
}
