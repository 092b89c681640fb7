import { Construct } from 'constructs';
import {
  constructRefusal, DroneKubeRunner, ExternalPostgres, ExternalRedis, Harbor, HarborExposure, HarborStorage, IngressTls, Postgres, Redis, RedisMaxMemoryPolicy,
  ProxyUpstream, RobotPermission, Secret, SslMode, ValidationError, VALIDATION_RULES,
} from '../../lib';
import { WoodpeckerAgent, WoodpeckerBuildNamespaces } from '../../lib/woodpecker';
import { droneServer } from '../drone/fixtures';
import { woodpeckerServer } from '../woodpecker/fixtures';
import { App } from 'cdk8s';
import { DockyardChart } from '../../lib';
import { ConnectionLimitError } from '../../lib/harbor/connection-budget';
import { managedHarbor } from '../harbor/fixtures';
import { quotes, readmeQuotes, testChart, thrown } from '../util';

/**
 * A refusal of a construct a stack may hold several of names it by its construct path (`constructRefusal`): a
 * Harbor's redis and registryCache servers, a PostgreSQL server per app, a Harbor per region. Without it,
 * `invalid host "Valkey.cache": …` in a stack of several ExternalRedis did not say which one to fix.
 */

const password = (scope: Construct, name: string) => Secret.fromSecretName(scope, name, name).key('password');

describe('a refusal names the construct it is about', () => {
  test('the second of two ExternalRedis is named, by its path, at the end of the one line', () => {
    const chart = testChart();
    new ExternalRedis(chart, 'Queue', { host: 'valkey.cache', password: password(chart, 'queue') });
    const err = thrown(() => new ExternalRedis(chart, 'RegistryCache', { host: 'Valkey.cache', password: password(chart, 'registry-cache') }));
    expect(err.message).toBe(`invalid host "Valkey.cache": must be ${VALIDATION_RULES.hostName} (ExternalRedis "test/RegistryCache")`);
    // still the refusal of the prop, for a caller that reads it (inSetting)
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).prop).toBe('host');
    // and the first, refused alike, is named as itself
    const other = testChart();
    expect(thrown(() => new ExternalRedis(other, 'Queue', { host: 'valkey.cache', port: 0, password: password(other, 'queue') })).message)
      .toMatch(/^invalid port 0: .* \(ExternalRedis "test\/Queue"\)$/);
  });

  test('a named refusal still redacts what a value holds: a host pasted with its credentials', () => {
    const chart = testChart();
    const message = thrown(() => new ExternalRedis(chart, 'Cache', { host: 'rediss://default:s3cret@valkey.example.com', password: password(chart, 'c') })).message;
    expect(message).toMatch(/^invalid host "rediss:\/\/<redacted>@valkey\.example\.com": .* \(ExternalRedis "test\/Cache"\)$/);
    expect(message).not.toContain('s3cret');
  });

  test('the in-cluster Redis refused is named among several', () => {
    const chart = testChart();
    new Redis(chart, 'Queue', { name: 'queue' });
    expect(thrown(() => new Redis(chart, 'Lru', { name: 'lru', maxMemoryPolicy: 'volatile-lru' as RedisMaxMemoryPolicy })).message)
      .toBe('invalid maxMemoryPolicy "volatile-lru": must be one of noeviction, allkeys-lru (Redis "test/Lru")');
  });

  test('the Postgres server refused is named among several', () => {
    const chart = testChart();
    new Postgres(chart, 'Drone', { name: 'drone-db' });
    expect(thrown(() => new Postgres(chart, 'Harbor', { name: 'harbor-db', storageClassName: 'Fast SSD' })).message)
      .toBe(`invalid storageClassName "Fast SSD": must be ${VALIDATION_RULES.dnsSubdomain} (Postgres "test/Harbor")`);
  });

  test('the Harbor refused is named among several, and a database by its name and by its server', () => {
    const chart = testChart();
    const harbor = (id: string, namespace: string, props: { name?: string; connectionLimit?: number; externalUrl?: string } = {}) => {
      const postgres = new Postgres(chart, `${id}Postgres`, { namespace, maxConnections: 50 });
      return new Harbor(chart, id, {
        namespace,
        name: props.name,
        externalUrl: props.externalUrl ?? `https://${namespace}.example.com`,
        database: postgres.addDatabase('registry', { user: 'harbor', connectionLimit: props.connectionLimit ?? 40 }),
        redis: new Redis(chart, `${id}Redis`, { namespace }),
        storage: HarborStorage.filesystem({ size: '20Gi' }),
        exposure: HarborExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }),
      });
    };
    harbor('Fra', 'fra');
    expect(thrown(() => harbor('Nyc', 'nyc', { externalUrl: 'https://nyc.example.com/v2' })).message)
      .toBe('invalid externalUrl "https://nyc.example.com/v2": must be a scheme, host and optional port, without path or query (Harbor "test/Nyc")');
    // a refusal of a database names it and, as each Harbor's server has a "registry", the server
    expect(thrown(() => harbor('Sfo', 'sfo', { connectionLimit: 60 })).message).toMatch(/\(database "registry"\) \(Postgres "test\/SfoPostgres"\)$/);
    const db = (id: string, host: string) => new ExternalPostgres(chart, id, {
      host, port: 25060, databaseName: 'registry', user: 'harbor', password: password(chart, id.toLowerCase()), sslMode: SslMode.REQUIRE,
    });
    db('FraDb', 'db.fra.example.com');
    expect(thrown(() => db('NycDb', 'db.nyc.example.com:25060')).message).toMatch(/^invalid host "db\.nyc\.example\.com:25060": .* \(database "registry"\) \(ExternalPostgres "test\/NycDb"\)$/);
  });

  test('a refusal that names the construct, or one below it, already is not named twice; other errors pass unchanged', () => {
    const chart = testChart();
    const parent = new Construct(chart, 'Harbor');
    const inner = new Construct(parent, 'Cache');
    const named = constructRefusal('ExternalRedis', inner, new ValidationError('invalid port 0: must be 1 to 65535', 'port', 'must be 1 to 65535'));
    expect((named as Error).message).toBe('invalid port 0: must be 1 to 65535 (ExternalRedis "test/Harbor/Cache")');
    expect((constructRefusal('ExternalRedis', inner, named) as Error).message).toBe((named as Error).message);
    expect((constructRefusal('Harbor', parent, named) as Error).message).toBe((named as Error).message);
    // a sibling whose path starts as this one's is another construct, and is named
    const sibling = new Construct(chart, 'HarborTwo');
    expect((constructRefusal('Harbor', sibling, named) as Error).message).toMatch(/ \(Harbor "test\/HarborTwo"\)$/);
    expect((constructRefusal('Harbor', sibling, named) as ValidationError).prop).toBe('port');
    // a message that names the construct's path itself, unquoted, names it already; one naming a path this one
    // only starts is another's
    const routed = new ValidationError('invalid externalUrl\'s host "ci.acme.dev": must not be routed by two exposures: test/Harbor\'s Ingress would route "/"');
    expect(constructRefusal('Harbor', parent, routed)).toBe(routed);
    const other = new ValidationError('invalid redis "valkey:6379": must not be the Redis of another Harbor (test/HarborTwo)');
    expect((constructRefusal('Harbor', parent, other) as Error).message).toBe(`${other.message} (Harbor "test/Harbor")`);
    // a bug is not the user's: it is thrown as it was
    const bug = new TypeError('x is undefined');
    expect(constructRefusal('Harbor', parent, bug)).toBe(bug);
  });

  // the DigitalOcean program reads a ConnectionLimitError's limit to refuse its own setting, valkeyMaxClients
  // (apps/digitalocean/charts.ts valkeyMaxClientsRefused): the named refusal is still one, with its fields
  test('a refusal named is of its own class, with its fields', () => {
    const chart = testChart('harbor');
    const redis = new ExternalRedis(chart, 'Limited', { host: 'valkey.example.com', port: 25061, password: password(chart, 'l'), maxClients: 100 });
    const err = thrown(() => managedHarbor(chart, { redis }));
    expect(err).toBeInstanceOf(ConnectionLimitError);
    expect([(err as ConnectionLimitError).limit, (err as ConnectionLimitError).prop]).toEqual([100, 'redis.maxClients']);
    expect(err.message).toMatch(/^invalid redis\.maxClients 100: must keep 4 connections free .* \(Harbor "test\/Harbor"\)$/);
    // its stack (which DOCKYARD_DEBUG=1 prints under the line) reads the message as named, above the frames where it
    // was refused: the budget's, not the catch's
    expect(err.stack?.split('\n')[0]).toBe(`ValidationError: ${err.message}`);
    expect(err.stack).toMatch(/\n\s+at .*redis-budget\.ts:/);
  });

  test('the README quotes the refusals as they are worded', () => {
    const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'platform', { namespace: 'platform' });
    const host = thrown(() => new ExternalRedis(chart, 'registry-cache', { host: 'Valkey.cache', password: password(chart, 'c') })).message;
    const db = new Postgres(chart, 'harbor-db', { name: 'harbor-db', maxConnections: 20 });
    const database = thrown(() => db.addDatabase('registry', { connectionLimit: 30 })).message;
    for (const [start, message] of [['invalid host "Valkey.cache"', host], ['invalid connectionLimit 30: … (database "registry") (Postgres', database]]) {
      const quoted = readmeQuotes(start);
      expect(quoted.length).toBeGreaterThan(0);
      for (const q of quoted) expect([q, quotes(q, message)]).toEqual([q, true]);
    }
  });
});

/**
 * The runners and agents a stack holds several of (the shared Drone runner and a team's dedicated one, Woodpecker's
 * pool agent and one per route) name themselves alike, and a Harbor's methods name which Harbor when the stack holds
 * another (with one, nothing is added: a program naming its settings, `inSetting`, prints no construct path).
 */
describe('runners and a Harbor\'s methods name which one among several', () => {
  test('the second of two DroneKubeRunners is named, and the first as itself', () => {
    const chart = testChart();
    const server = droneServer(chart);
    const runner = (id: string, capacity: number) => () => new DroneKubeRunner(chart, id, { server, name: `drone-runner-${id.toLowerCase()}`, buildNamespace: `${id.toLowerCase()}-builds`, capacity });
    runner('Shared', 10)();
    expect(thrown(runner('Pay', 0)).message).toBe('invalid capacity 0: must be an integer from 1 to 1000 (DroneKubeRunner "test/Pay")');
    const other = testChart();
    expect(thrown(() => new DroneKubeRunner(other, 'Shared', { server: droneServer(other), capacity: 0 })).message)
      .toMatch(/^invalid capacity 0: .* \(DroneKubeRunner "test\/Shared"\)$/);
  });

  test('the second of two WoodpeckerAgents is named, and the first as itself', () => {
    const chart = testChart();
    const server = woodpeckerServer(chart);
    const builds = new WoodpeckerBuildNamespaces(chart, 'Builds');
    new WoodpeckerAgent(chart, 'Pool', { server, builds, name: 'pool' });
    const err = thrown(() => new WoodpeckerAgent(chart, 'Pay', { server, builds, name: 'pay', maxWorkflows: 0 }));
    expect(err.message).toBe('invalid maxWorkflows 0: must be an integer from 1 to 1000 (WoodpeckerAgent "test/Pay")');
    expect((err as ValidationError).prop).toBe('maxWorkflows');
    expect(thrown(() => new WoodpeckerAgent(chart, 'Pool2', { server, builds, name: 'pool2', gracePeriodSec: -1 })).message)
      .toMatch(/^invalid gracePeriodSec -1: .* \(WoodpeckerAgent "test\/Pool2"\)$/);
  });

  const harborIn = (chart: Construct) => (id: string) => new Harbor(chart, id, {
    namespace: id.toLowerCase(),
    externalUrl: `https://${id.toLowerCase()}.example.com`,
    database: new Postgres(chart, `${id}Postgres`, { namespace: id.toLowerCase() }).addDatabase('registry', { user: 'harbor' }),
    redis: new Redis(chart, `${id}Redis`, { namespace: id.toLowerCase() }),
    storage: HarborStorage.filesystem({ size: '20Gi' }),
    exposure: HarborExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }),
  });

  test('a Harbor\'s addProject and addRobot name the Harbor refused among two, after the project or robot', () => {
    const harbor = harborIn(testChart());
    const fra = harbor('Fra');
    // one Harbor: it is the one, and nothing names it
    expect(thrown(() => fra.addProject('Pay')).message).toMatch(/ \(project "Pay"\)$/);
    const nyc = harbor('Nyc');
    expect(thrown(() => nyc.addProject('Pay')).message).toMatch(/ \(project "Pay"\) \(Harbor "test\/Nyc"\)$/);
    expect(thrown(() => fra.addProject('Pay')).message).toMatch(/ \(project "Pay"\) \(Harbor "test\/Fra"\)$/);
    fra.addProject('pay');
    const robot = thrown(() => fra.addRobot('ci', { permissions: [RobotPermission.push('missing')] }));
    expect(robot.message).toMatch(/ \(robot "ci"\) \(Harbor "test\/Fra"\)$/);
    expect(robot).toBeInstanceOf(ValidationError);
    expect(thrown(() => nyc.addRobot('ci', { permissions: [RobotPermission.push('pay')] })).message).toMatch(/ \(robot "ci"\) \(Harbor "test\/Nyc"\)$/);
    // a team's check before it adds: the same Harbor named
    expect(thrown(() => nyc.checkProject('Pay')).message).toMatch(/ \(Harbor "test\/Nyc"\)$/);
    // a bug in a method is thrown as it was
    const typeError = new TypeError('permissions is not iterable');
    const bug = thrown(() => nyc.addRobot('ci', { get permissions(): RobotPermission[] { throw typeError; } }));
    expect(bug).toBe(typeError);
    expect(bug.message).toBe('permissions is not iterable');
  });

  // each method of Harbor.naming's list names the Harbor among two, not only addProject, addRobot and checkProject;
  // with one, none does
  test('each of a Harbor\'s other methods names the Harbor refused among two', () => {
    const harbor = harborIn(testChart());
    const fra = harbor('Fra');
    fra.declareLibrary();
    fra.addProject('pay');
    const calls: [string, () => unknown][] = [
      ['addProxyCache', () => fra.addProxyCache('Hub', { upstream: ProxyUpstream.dockerHub() })],
      ['declareLibrary', () => fra.declareLibrary()],
      ['retireRobot', () => fra.retireRobot('Old')],
      ['retireRobot options', () => fra.retireRobot('old', { mayBeAbsent: 'yes' as unknown as boolean })],
      ['retireProjectGroups', () => fra.retireProjectGroups('Old')],
      ['checkRobot', () => fra.checkRobot('ci', { permissions: [RobotPermission.push('missing')] })],
      ['checkRetireRobot', () => fra.checkRetireRobot('Old')],
      ['checkRetireProjectGroups', () => fra.checkRetireProjectGroups('pay')],
    ];
    const ends = () => calls.map(([method, call]) => [method, / \(Harbor "test\/Fra"\)$/.test(thrown(call).message)]);
    expect(ends()).toEqual(calls.map(([method]) => [method, false]));
    harbor('Nyc');
    expect(ends()).toEqual(calls.map(([method]) => [method, true]));
  });
});
