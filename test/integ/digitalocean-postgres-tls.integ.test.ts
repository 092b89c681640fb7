import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { CiEngineKind, sqlLiteral } from '../../lib';
import { digitalOceanCharts, PLACEHOLDERS, POSTGRES_SSL_MODE, PROVIDED_SECRETS, providedCiSecrets } from '../../apps/digitalocean/charts';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { harborOnDigitalOcean } from '../../apps/harbor-do/stack';
import { cleanEnv } from './datasource-harness';
import { PostgresServer } from './postgres-server';
import { makeTestPki } from './redis-server';
import { keptState, localCopy, objectOf, providedSecret, render, Rendered, resolveEnv } from './rendered';

/**
 * Every client of the DigitalOcean program's managed PostgreSQL, as its charts render it, against a real PostgreSQL 15
 * serving TLS with a certificate that does not name the host the clients connect to: what DigitalOcean does not
 * promise for its `private-` host, which is why the program verifies the CA only (`POSTGRES_SSL_MODE`, verify-ca).
 * Each client must connect with the cluster's CA, which its pod mounts from the provided `postgres-ca` Secret of its
 * namespace, and refuse a server another CA vouches for. psql (libpq) stands in for each driver, which reads the same
 * settings alike under verify-ca, checking the chain against the `sslrootcert` file and no host name:
 * - Drone's lib/pq v1.1.0: ssl.go:40-44 (verify-ca: InsecureSkipVerify, verifyCaOnly), :71-72 and :156-174 (the chain
 *   verified against RootCAs, the `sslrootcert` file of :132-150, with the empty ServerName of a verify-ca config);
 * - Woodpecker's lib/pq v1.12.3: ssl.go:106-109 and :152-160 (likewise, VerifyOptions without a DNSName);
 * - Harbor's pgconn v1.14.3 (core and jobservice): config.go:429 (PGSSLROOTCERT is `sslrootcert`), :653-684
 *   (verify-ca: the chain against RootCAs, "Leave DNSName empty to skip hostname verification"), :693-707 (RootCAs
 *   from that file alone), with `sslmode` from POSTGRESQL_SSLMODE in its DSN (goharbor/harbor v2.15.1
 *   src/common/dao/pgsql.go:95-96);
 * - the DatabaseGrants Job's psql itself, from PGSSLMODE and PGSSLROOTCERT.
 * The placeholder host becomes the private host name, as the program's substitution makes it, reached at the test
 * server through PGHOSTADDR (libpq connects there and checks the certificate against the host name); only the
 * mount's directory is swapped for a local one, and the port for the test server's. apps/harbor-do, the plain-manifest
 * Harbor on the same managed PostgreSQL, is held to the same: its core and jobservice, with the Secrets its synth's
 * `create Secret` lines name (`postgres-ca` holding the CA).
 */

/** A host name of DigitalOcean's form that the test server's certificate (localhost, 127.0.0.1) does not name. */
const PRIVATE_HOST = 'private-db-postgresql-fra1-12345-do-user-1-0.b.db.ondigitalocean.com';
const SUPERUSER = 'superuser-password';
const PASSWORDS: Record<string, string> = { harbor: 'harbor-pw-1f3a', drone: 'drone-pw-2b4c', woodpecker: 'woodpecker-pw-3c5d', doadmin: 'doadmin-pw-4d6e' };

describe('the DigitalOcean program\'s PostgreSQL clients verify the server\'s CA, as rendered, against a server serving TLS', () => {
  let server: PostgresServer;
  let dir: string;
  let ca: string;
  let otherCa: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-do-postgres-tls-'));
    const pki = makeTestPki(dir);
    ca = fs.readFileSync(pki.caCertPath, 'utf8');
    otherCa = fs.readFileSync(makeTestPki(fs.mkdtempSync(path.join(dir, 'other-'))).caCertPath, 'utf8');
    server = await PostgresServer.start(SUPERUSER, { tls: pki });
    const sql = Object.entries(PASSWORDS).map(([role, pw]) => `CREATE ROLE ${role} LOGIN PASSWORD ${sqlLiteral(pw)}`);
    sql.push('CREATE DATABASE registry OWNER harbor', 'CREATE DATABASE drone OWNER drone', 'CREATE DATABASE woodpecker OWNER woodpecker',
      'CREATE DATABASE defaultdb OWNER doadmin');
    for (const s of sql) {
      expect(server.psql('postgres', SUPERUSER, 'postgres', s).stderr).toBe('');
    }
  });
  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const doCharts = (engine: CiEngineKind) => digitalOceanCharts(new App(), { ...DIGITALOCEAN_EXAMPLE, postgresConnectionLimit: 22, ciEngine: engine });
  /**
   * The secret states the renders start from, each made once (test/integ/rendered.ts keptState): the stacks' generated
   * values, Harbor's 4096-bit RSA token key among them (1-2 s to draw), are the same for every client and CA here
   */
  const CHARTS_STATE = keptState(() => doCharts(CiEngineKind.DRONE));
  const HARBOR_DO_STATE = keptState(() => harborOnDigitalOcean(new App()));
  /**
   * Each stack is rendered once for a CA and shared, read only, by the clients checked on it (the Drone charts by Harbor
   * core, jobservice, the Drone server and the DatabaseGrants Job)
   */
  const renders = new Map<string, Rendered>();
  const once = (key: string, make: () => Rendered): Rendered => renders.get(key) ?? renders.set(key, make()).get(key)!;

  /** The DigitalOcean charts rendered with every provided Secret, the CA Secrets holding `caPem`. */
  const renderCharts = (engine: CiEngineKind, caPem: string): Rendered => once(JSON.stringify(['charts', engine, caPem]), () => {
    const chart = doCharts(engine);
    const P = PROVIDED_SECRETS;
    const C = providedCiSecrets(engine);
    return render(chart, [
      providedSecret(P.harborDatabase.namespace, P.harborDatabase.name, { password: PASSWORDS.harbor }),
      providedSecret(C.database.namespace, C.database.name, { password: PASSWORDS[engine] }),
      providedSecret(P.postgresAdmin.namespace, P.postgresAdmin.name, { password: PASSWORDS.doadmin }),
      providedSecret(P.harborPostgresCa.namespace, P.harborPostgresCa.name, { [P.harborPostgresCa.key]: caPem }),
      providedSecret(P.postgresCa.namespace, P.postgresCa.name, { [P.postgresCa.key]: caPem }),
      providedSecret(P.valkey.namespace, P.valkey.name, { password: 'valkey-pw' }),
      providedSecret(P.spaces.namespace, P.spaces.name, { 'access-key': 'a', 'secret-key': 's' }),
      providedSecret(C.oauth.namespace, C.oauth.name, { 'client-secret': 'x' }),
    ], CHARTS_STATE());
  });
  /** The CA file the container reads at `inPod`, written to a local directory, and that local path. */
  const localCa = (rendered: Rendered, workload: any, container: string, inPod: string): string => localCopy(rendered, workload, container, inPod, dir);
  /** psql with `dbname` (a URL or key/value settings) and `env`, reaching the test server for the private host. */
  const psql = (dbname: string, env: Record<string, string>) => {
    const r = spawnSync('psql', ['--no-psqlrc', '-XAt', '--dbname', dbname, '-c', 'SELECT current_user || \'@\' || current_database()'], {
      encoding: 'utf8', timeout: 30_000,
      env: { ...cleanEnv(), HOME: fs.mkdtempSync(path.join(dir, 'home-')), PGHOSTADDR: '127.0.0.1', ...env },
    });
    return r.status === 0 ? r.stdout.trim() : r.stderr.trim();
  };
  const host = (value: string) => value.split(PLACEHOLDERS.postgresHost).join(PRIVATE_HOST);

  /** apps/harbor-do rendered with the Secrets its synth asks for, `postgres-ca` holding `caPem`. */
  const renderHarborDo = (caPem: string): Rendered => once(JSON.stringify(['harbor-do', caPem]), () => render(harborOnDigitalOcean(new App()), [
    providedSecret('harbor', 'harbor-database', { password: PASSWORDS.harbor }),
    providedSecret('harbor', 'postgres-ca', { 'ca.crt': caPem }),
    providedSecret('harbor', 'harbor-valkey', { password: 'valkey-pw' }),
    providedSecret('harbor', 'harbor-spaces', { 'access-key': 'a', 'secret-key': 's' }),
  ], HARBOR_DO_STATE()));
  /**
   * Harbor's `component` of the stack `renderWith` renders, whose database host is `renderedHost`, as it connects with
   * the CA Secret holding `caPem`: what psql prints.
   */
  const harborOf = (renderWith: (caPem: string) => Rendered, renderedHost: string) => (component: string) => (caPem: string): string => {
    const rendered = renderWith(caPem);
    // jobservice takes its database settings from core's configuration API (src/jobservice/job/impl/context.go `Init`),
    // which serves core's POSTGRESQL_* (lib/harbor/jobservice.ts), and its root certificate from its own environment
    const env = resolveEnv(rendered, objectOf(rendered, 'Deployment', 'harbor-core', 'harbor'), 'core');
    expect([env.POSTGRESQL_HOST, env.POSTGRESQL_SSLMODE]).toEqual([renderedHost, 'verify-ca']);
    const workload = objectOf(rendered, 'Deployment', `harbor-${component}`, 'harbor');
    const rootCert = resolveEnv(rendered, workload, component).PGSSLROOTCERT;
    // Harbor's DSN (pgsql.go:95-96), the root certificate from the environment
    const dsn = `host=${host(env.POSTGRESQL_HOST)} port=${server.port} user=${env.POSTGRESQL_USERNAME} password=${env.POSTGRESQL_PASSWORD} ` +
      `dbname=${env.POSTGRESQL_DATABASE} sslmode=${env.POSTGRESQL_SSLMODE}`;
    return psql(dsn, { PGSSLROOTCERT: localCa(rendered, workload, component, rootCert) });
  };
  const harbor = harborOf((caPem) => renderCharts(CiEngineKind.DRONE, caPem), PLACEHOLDERS.postgresHost);
  /** apps/harbor-do's host: a private host name of DigitalOcean's form, which the test server's certificate does not name either. */
  const harborDo = harborOf(renderHarborDo, 'private-harbor-db-do-user-0-0.b.db.ondigitalocean.com');
  /** The CI server of `engine`, likewise. */
  const ciServer = (engine: CiEngineKind) => (caPem: string): string => {
    const rendered = renderCharts(engine, caPem);
    const workload = objectOf(rendered, 'Deployment', engine, 'dockyard');
    const env = resolveEnv(rendered, workload, 'server');
    const url = env[`${engine.toUpperCase()}_DATABASE_DATASOURCE`];
    const caPath = `/etc/${engine}/database-ca/ca.crt`;
    expect(url).toBe(`postgres://${engine}@${PLACEHOLDERS.postgresHost}:25060/${engine}?sslmode=verify-ca&sslrootcert=${encodeURIComponent(caPath)}`);
    const local = localCa(rendered, workload, 'server', caPath);
    return psql(host(url).replace(':25060/', `:${server.port}/`).replace(encodeURIComponent(caPath), encodeURIComponent(local)),
      { PGPASSWORD: env.PGPASSWORD });
  };
  /** The DatabaseGrants Job's psql, likewise. */
  const grants = (caPem: string): string => {
    const rendered = renderCharts(CiEngineKind.DRONE, caPem);
    const job = rendered.objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('database-grants-'));
    const env = resolveEnv(rendered, job, 'reconcile');
    expect([env.PGHOST, env.PGSSLMODE]).toEqual([PLACEHOLDERS.postgresHost, 'verify-ca']);
    return psql('defaultdb', {
      PGHOST: host(env.PGHOST), PGPORT: String(server.port), PGUSER: env.PGUSER, PGPASSWORD: env.PGPASSWORD, PGSSLMODE: env.PGSSLMODE,
      PGSSLROOTCERT: localCa(rendered, job, 'reconcile', env.PGSSLROOTCERT),
    });
  };

  describe.each([
    ['Harbor core', harbor('core')],
    ['Harbor jobservice', harbor('jobservice')],
    ['apps/harbor-do\'s Harbor core', harborDo('core')],
    ['apps/harbor-do\'s Harbor jobservice', harborDo('jobservice')],
    ['the Drone server', ciServer(CiEngineKind.DRONE)],
    ['the Woodpecker server', ciServer(CiEngineKind.WOODPECKER)],
    ['the DatabaseGrants Job', grants],
  ])('%s', (_name, connect) => {
    test('connects to a server the cluster\'s CA vouches for, whatever names its certificate carries', () => {
      expect(connect(ca)).toMatch(/^(harbor@registry|drone@drone|woodpecker@woodpecker|doadmin@defaultdb)$/);
    });

    test('refuses a server another CA vouches for, before sending the password', () => {
      expect(connect(otherCa)).toMatch(/certificate verify failed/);
    });
  });

  test('the mode is verify-ca, for the certificate names another host than the one the clients connect to', () => {
    expect(POSTGRES_SSL_MODE).toBe('verify-ca');
    // what verify-full would do with a certificate that does not name the private host: refuse every connection
    const file = path.join(dir, 'ca-full.crt');
    fs.writeFileSync(file, ca);
    expect(psql(`host=${PRIVATE_HOST} port=${server.port} user=harbor password=${PASSWORDS.harbor} dbname=registry sslmode=verify-full`,
      { PGSSLROOTCERT: file })).toMatch(/does not match host name/);
  });
});
