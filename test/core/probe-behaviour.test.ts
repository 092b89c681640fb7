// What each program does at start, during an upgrade and while a downstream is down, and the probes that follow from
// it: a startup budget (failureThreshold × periodSeconds) that covers what runs before the program answers its probe,
// a liveness probe that passes whenever a restart would not help, and a readiness probe on what serving needs. Each
// fact cites the pinned upstream version it was read in.
import { Chart } from 'cdk8s';
import { parse } from 'yaml';
import { Postgres, Redis } from '../../lib';
import { httpGet, probesOf, tcpSocket } from '../../lib/core/pod';
import { inClusterHarbor } from '../harbor/fixtures';
import { droneServer } from '../drone/fixtures';
import { woodpeckerServer } from '../woodpecker/fixtures';
import { container, find, synth, testChart } from '../util';

/** Seconds the kubelet waits for a first startup success before it kills the container. */
const startupBudget = (c: any) => c.startupProbe.failureThreshold * c.startupProbe.periodSeconds;

/** The first container of the workload `add` puts into a chart of `namespace`. */
function containerOf(namespace: string, add: (chart: Chart) => unknown, kind: string, name: string): any {
  const chart = testChart(namespace);
  add(chart);
  return container(find(synth(chart), kind, name, namespace));
}

/** What the startup, liveness and readiness probes run, in that order. */
const handlers = (c: any) => [c.startupProbe, c.livenessProbe, c.readinessProbe].map((p) => p.httpGet ?? p.tcpSocket ?? p.exec);

/** An exec probe's command as the kubelet runs it: it expands `$$` to `$` (podTemplate escapes every `$` so). */
const asRun = (command: string[]) => command.map((arg) => arg.split('$$').join('$'));

describe('probesOf', () => {
  test('gives startup and liveness the alive handler and readiness the ready one, the alive one by default', () => {
    const probes = probesOf(tcpSocket('http'), 600, httpGet('/ready', 'http'));
    expect(probes.startup).toEqual({ ...tcpSocket('http'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 120 });
    expect(probes.liveness).toMatchObject(tcpSocket('http'));
    expect(probes.readiness).toEqual({ ...httpGet('/ready', 'http'), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 });
    expect(probesOf(tcpSocket('http')).readiness).toMatchObject(tcpSocket('http'));
  });
});

describe('Valkey', () => {
  test('is alive while it loads its append-only file and ready only once PING answers PONG', () => {
    // valkey-io/valkey 55bbbe0 (after 8.0.1): src/server.c:4182-4187 answers every command without CMD_LOADING,
    // PING among them (src/commands/ping.json), with "-LOADING ..." until the data is loaded; src/valkey-cli.c:2217-2219
    // exits 1 on an error reply only with -e (set_errcode, 0 unless -e: :2666-2667, :9534). test/integ/
    // valkey-loading.integ.test.ts checks both against a real server loading a large AOF
    const c = containerOf('cache', (chart) => new Redis(chart, 'Redis'), 'StatefulSet', 'redis');
    const ping = ['valkey-cli', '-p', '6379', 'ping'];
    expect(handlers(c)).toEqual([{ command: ping }, { command: ping }, { command: ['valkey-cli', '-e', '-p', '6379', 'ping'] }]);
  });
});

describe('PostgreSQL', () => {
  test('is alive while it rejects connections (crash recovery) and ready only once it accepts them', () => {
    // pg_isready exits 0 accepting, 1 rejecting ("for example during startup"), 2 no response, 3 no attempt
    // (PostgreSQL 17 docs, pg_isready, Exit Status); a server replaying WAL after a crash answers 57P03 "the database
    // system is starting up", which libpq's ping (fe-connect.c internal_ping) reports as PQPING_REJECT.
    // test/integ/postgres-probes.integ.test.ts runs these commands against a real server that rejects connections
    const pg = containerOf('data', (chart) => new Postgres(chart, 'Postgres'), 'StatefulSet', 'postgres');
    const isReady = ['pg_isready', '--host=127.0.0.1', '--port=5432', '--username=postgres'];
    expect(pg.readinessProbe.exec.command).toEqual(isReady);
    for (const probe of [pg.startupProbe, pg.livenessProbe]) {
      expect(asRun(probe.exec.command)).toEqual(['sh', '-c', `${isReady.join(' ')}; [ $? -le 1 ]`]);
    }
    // the first start's initdb runs a server on the socket alone (TCP gets no answer: exit 2): 300 s covers it
    expect(startupBudget(pg)).toBe(300);
  });
});

describe('Drone server (harness/harness v2.28.2)', () => {
  test('gets 600 s to reach the database and run its migrations before /healthz answers', () => {
    const c = containerOf('ci', droneServer, 'Deployment', 'drone');
    // cmd/drone-server/main.go:64 (InitializeApplication: the database, migrated) before :94 (ListenAndServe);
    // store/shared/db/conn.go:64-72 pings 30 times a second apart; store/shared/migrate/postgres/ddl_gen.go:211-234
    // runs each migration as one statement, recorded after it; files/020_amend_column_builds_deploy_id.sql changes a
    // column type, a rewrite of the builds table. 150 s, the default, left at most two minutes for that rewrite,
    // and a kill makes the next start run it again from the beginning
    expect(startupBudget(c)).toBe(600);
    // handler/health/health.go:33-39: 200 always, no downstream
    expect(handlers(c)).toEqual(Array(3).fill({ path: '/healthz', port: 'http' }));
  });
});

describe('Woodpecker server (woodpecker-ci/woodpecker v3.17.0)', () => {
  test('gets 600 s for its migrations, stays alive while the database is down and is ready only when it answers', () => {
    const c = containerOf('ci', woodpeckerServer, 'Deployment', 'woodpecker');
    // cmd/server/server.go:101-111: the store (10 connection tries, flags.go:60-65, then the migrations, setup.go:93)
    // before any server listens; a migration that fails is rolled back (migration.go:28-29), a killed one redone
    expect(startupBudget(c)).toBe(600);
    // server/router/router.go:68-69; server/api/z.go:53-58 (/version: JSON, no store) and :37-43 (/healthz: 500
    // unless the database answers a ping)
    expect(handlers(c)).toEqual([{ path: '/version', port: 'http' }, { path: '/version', port: 'http' }, { path: '/healthz', port: 'http' }]);
  });

  test('leaves the one long migration skipped, which 600 s could not hold', () => {
    const c = containerOf('ci', woodpeckerServer, 'Deployment', 'woodpecker');
    // cmd/server/flags.go:403-407 (false unless set) and setup.go:93; xormigrate v1.7.1 xormigrate.go:153-156 skips a
    // migration marked Long unless allowed, and starts the server; migration/005_convert_to_new_pipeline_errors_format.go:
    // 25-27 is v3.17.0's one, which rewrites every pipeline from before v2.0: "a migration that can take hours"
    // (docs/src/pages/migrations.md:285), recorded as done only once it ends (xormigrate.go:323-336), so killed at
    // this budget it would start over at every start
    expect(c.env.map((e: any) => e.name)).toContain('WOODPECKER_DISABLE_VERSION_CHECK');
    expect(c.env.map((e: any) => e.name)).not.toContain('WOODPECKER_MIGRATIONS_ALLOW_LONG');
  });
});

describe('Harbor (goharbor/harbor v2.15.1)', () => {
  test('core gets an hour for its schema migrations, which leave a dirty schema if killed, and probes /ping alone', () => {
    const c = containerOf('harbor', inClusterHarbor, 'Deployment', 'harbor-core');
    // src/core/main.go:212-219 migrates before web.Run (:327); golang-migrate v4.19.0 migrate.go:740-752 marks each
    // migration dirty before running it, :277-278 refuses a dirty schema at every later start; Harbor's chart allows
    // 3600 s (goharbor/harbor-helm 70564d5 values.yaml:632-637)
    expect(startupBudget(c)).toBe(3600);
    // src/server/v2.0/handler/ping.go: "Pong", no downstream; /api/v2.0/health would check every component
    expect(handlers(c)).toEqual(Array(3).fill({ path: '/api/v2.0/ping', port: 'http' }));
  });

  test('core rolls, so an upgrade\'s jobservice loads its settings from the old core while the new one migrates', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const core = find(synth(chart), 'Deployment', 'harbor-core');
    // src/jobservice/main.go:48-51 panics unless core's configuration API (src/pkg/config/rest/manager.go:35-46,
    // rest.go:44-58, one GET) answers, which core serves only once migrated (src/core/main.go:212-219, :327): with
    // every core pod down, jobservice restarts into the kubelet's backoff, up to 300 s a try. A rolling update keeps
    // the old core pods ready until a new one is (Kubernetes' 25% maxUnavailable is no pod below four replicas), so
    // only a first install, whose migrations run on an empty database, makes jobservice wait for core
    expect(core.spec.strategy?.type ?? 'RollingUpdate').toBe('RollingUpdate');
  });

  test('jobservice is alive on its port and ready on /api/v1/stats, which needs Redis', () => {
    const c = containerOf('harbor', inClusterHarbor, 'Deployment', 'harbor-jobservice');
    // src/jobservice/api/router.go:74-76 (stats unauthenticated), core/controller.go:139-141 and
    // worker/cworker/c_worker.go:290-295 (the heartbeats, read from Redis; an error is a 500, api/handler.go:186-193)
    expect(handlers(c)).toEqual([{ port: 'http' }, { port: 'http' }, { path: '/api/v1/stats', port: 'http' }]);
    expect(c.livenessProbe.httpGet).toBeUndefined();
  });

  test('trivy is alive on /probe/healthy and ready on /probe/ready, both of which check nothing', () => {
    const c = containerOf('harbor', inClusterHarbor, 'StatefulSet', 'harbor-trivy');
    // goharbor/harbor-scanner-trivy v0.36.0 (Harbor v2.15.1 Makefile:115) pkg/http/api/v1/handler.go:64-66, 375-381
    const healthy = { path: '/probe/healthy', port: 'api-server' };
    expect(handlers(c)).toEqual([healthy, healthy, { path: '/probe/ready', port: 'api-server' }]);
  });

  test('the registry is probed on routes that answer 200 whatever its storage or Redis does', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const objects = synth(chart);
    const pod = find(objects, 'Deployment', 'harbor-registry').spec.template.spec;
    const [registry, controller] = pod.containers;
    // distribution v2.8.3 (goharbor/distribution v2.8.3-harbor.1-rc.1, Harbor v2.15.1 Makefile:119): registry/
    // registry.go:166-167 and :444-449 answer "/" with 200, inside health.Handler, which fails every route only
    // when a registered check fails; registry/handlers/app.go:354-400 registers only the checks config.yml's
    // `health` names, and it names none
    expect(handlers(registry)).toEqual(Array(3).fill({ path: '/', port: 'registry' }));
    const config = parse(find(objects, 'ConfigMap', 'harbor-registry').data['config.yml']);
    expect(Object.keys(config)).toContain('storage');
    expect(config.health).toBeUndefined();
    // goharbor/harbor v2.15.1 src/registryctl/handlers/router.go:32 and api/health.go:24-28: "healthy", always
    expect(handlers(controller)).toEqual(Array(3).fill({ path: '/api/health', port: 'controller' }));
  });
});
