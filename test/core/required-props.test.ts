// A prop a construct cannot do without, left out of a stack, is refused in one line naming it. `npm run synth` and
// `scripts/build-synth.js` compile a stack without a type-check (README, "The edit loop"), so a TypeScript stack that
// forgets `database` reaches the construct as a JavaScript caller's would: before, it failed deep inside with a
// TypeError naming no prop (`Cannot read properties of undefined (reading 'user')`), which runSynth prints as a bug
// with "set DOCKYARD_DEBUG=1 for the stack trace".
import {
  checkRequiredObject, DatabaseGrants, DroneCi, DroneKubeRunner, DroneSecretsExtension, DroneServer, ExternalPostgres, ExternalRedis, GitProvider, Harbor,
  HarborStorage, Postgres, Redis, RepositoryPipelines, Secret, TeamPlatform, ValidationError, WoodpeckerAgent, WoodpeckerCi, WoodpeckerServer,
} from '../../lib';
import { testChart } from '../util';

const github = (chart: ReturnType<typeof testChart>) =>
  GitProvider.github({ clientId: 'client', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'oauth').key('client-secret') });

/** The error `make` throws, which must be a ValidationError, the user's, printed as it is. */
function refusal(make: (chart: ReturnType<typeof testChart>) => unknown): string {
  const chart = testChart('dockyard');
  try {
    make(chart);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('a required prop left out is refused naming it', () => {
  const db = (chart: ReturnType<typeof testChart>, name = 'drone') => new Postgres(chart, 'Postgres', {}).addDatabase(name);
  const cases: [string, (chart: ReturnType<typeof testChart>) => unknown, string][] = [
    ['DroneServer without gitProvider', (c) => new DroneServer(c, 'Drone', { host: 'drone.example.com', database: db(c) } as any),
      'missing gitProvider: must be a GitProvider, e.g. GitProvider.github({ clientId, clientSecret })'],
    ['DroneServer without database', (c) => new DroneServer(c, 'Drone', { host: 'drone.example.com', gitProvider: github(c) } as any),
      'missing database: must be an IPostgresDatabase: a database of Postgres.addDatabase, or an ExternalPostgres'],
    ['WoodpeckerServer without gitProvider', (c) => new WoodpeckerServer(c, 'Wp', { host: 'ci.example.com', database: db(c, 'woodpecker') } as any),
      'missing gitProvider: must be a GitProvider, e.g. GitProvider.github({ clientId, clientSecret })'],
    ['WoodpeckerCi without database', (c) => new WoodpeckerCi(c, 'Wp', { host: 'ci.example.com', gitProvider: github(c) } as any),
      'missing database: must be an IPostgresDatabase: a database of Postgres.addDatabase, or an ExternalPostgres'],
    ['Harbor without database', (c) => new Harbor(c, 'Harbor', {
      externalUrl: 'https://harbor.example.com', redis: new Redis(c, 'Redis', {}), storage: HarborStorage.filesystem(),
    } as any), 'missing database: must be an IPostgresDatabase: a database of Postgres.addDatabase, or an ExternalPostgres (Harbor "test/Harbor")'],
    ['Harbor without redis', (c) => new Harbor(c, 'Harbor', {
      externalUrl: 'https://harbor.example.com', database: db(c, 'registry'), storage: HarborStorage.filesystem(),
    } as any), 'missing redis: must be an IRedis: a Redis or an ExternalRedis (Harbor "test/Harbor")'],
    ['Harbor without storage', (c) => new Harbor(c, 'Harbor', {
      externalUrl: 'https://harbor.example.com', database: db(c, 'registry'), redis: new Redis(c, 'Redis', {}),
    } as any), 'missing storage: must be a HarborStorage: HarborStorage.filesystem({ size }), .s3({ ... }) or .spaces({ ... }) (Harbor "test/Harbor")'],
    ['DroneKubeRunner without server', (c) => new DroneKubeRunner(c, 'Runner', {} as any),
      'missing server: must be the DroneServer the runner polls for builds (DroneKubeRunner "test/Runner")'],
    ['DroneCi without secretsExtension', (c) => {
      const server = new DroneServer(c, 'Drone', { host: 'drone.example.com', gitProvider: github(c), database: db(c), admin: 'alice' });
      return new DroneCi(c, 'Ci', { server, runner: new DroneKubeRunner(c, 'Runner', { server }) } as any);
    }, 'missing secretsExtension: must be the DroneSecretsExtension its runner asks for pipeline secrets'],
    ['WoodpeckerAgent without server', (c) => new WoodpeckerAgent(c, 'Agent', {} as any),
      'missing server: must be the WoodpeckerServer the agent takes pipelines from (WoodpeckerAgent "test/Agent")'],
    ['TeamPlatform without harbor', (c) => {
      const server = new DroneServer(c, 'Drone', { host: 'drone.example.com', gitProvider: github(c), database: db(c), admin: 'alice' });
      const secretsExtension = new DroneSecretsExtension(c, 'Secrets');
      const ci = new DroneCi(c, 'Ci', { server, secretsExtension, runner: new DroneKubeRunner(c, 'Runner', { server, secretsExtension }) });
      return new TeamPlatform(c, 'Teams', { ci } as any);
    }, 'missing harbor: must be the Harbor that holds the teams\' projects and robots'],
    ['ExternalPostgres without password', (c) => new ExternalPostgres(c, 'Db', {
      host: 'db.example.com', port: 25060, databaseName: 'drone', user: 'drone', maxConnections: 22,
    } as any), 'missing password: must be a SecretKey, e.g. Secret.fromSecretName(scope, id, name).key("password") (database "drone") (ExternalPostgres "test/Db")'],
    ['ExternalRedis without password', (c) => new ExternalRedis(c, 'Valkey', { host: 'valkey.example.com', port: 25061 } as any),
      'missing password: must be a SecretKey, e.g. Secret.fromSecretName(scope, id, name).key("password") (ExternalRedis "test/Valkey")'],
    ['DatabaseGrants without adminPassword', (c) => new DatabaseGrants(c, 'Grants', { host: 'db.example.com', port: 25060, adminUser: 'doadmin' } as any),
      'missing adminPassword: must be a SecretKey, e.g. Secret.fromSecretName(scope, id, name).key("password")'],
    ['RepositoryPipelines without engine', (c) => new RepositoryPipelines(c, 'Pipelines', { repo: 'acme/app' } as any),
      'missing engine: must be an ICiEngine: a DroneCi or a WoodpeckerCi'],
    ['Secret without values', (c) => new Secret(c, 'Token', { name: 'token' } as any),
      'missing values: must map each key to a SecretValue, e.g. { password: SecretValue.alphanumeric(32) }'],
    ['a pipeline secret without values', (c) => new DroneSecretsExtension(c, 'Secrets').addSecret('Sentry', { name: 'sentry', repos: ['acme/app'] } as any),
      'missing values: must map each key to a SecretValue, e.g. { password: SecretValue.alphanumeric(32) } (secret "sentry")'],
  ];
  test.each(cases)('%s', (_, make, message) => {
    expect(refusal(make)).toBe(message);
  });

  test('a value that is no such object is refused as invalid, showing it', () => {
    expect(refusal((c) => new Harbor(c, 'Harbor', {
      externalUrl: 'https://harbor.example.com', database: new Postgres(c, 'Postgres', {}).addDatabase('registry'), redis: new Redis(c, 'Redis', {}),
      storage: { size: '50Gi' },
    } as any))).toBe('invalid storage {"size":"50Gi"}: must be a HarborStorage: HarborStorage.filesystem({ size }), .s3({ ... }) or .spaces({ ... }) (Harbor "test/Harbor")');
    expect(() => checkRequiredObject('database', 'drone' as any, 'must be a database')).toThrow('invalid database "drone": must be a database');
    const set = { user: 'drone' };
    expect(checkRequiredObject('database', set, 'must be a database')).toBe(set);
  });
});
