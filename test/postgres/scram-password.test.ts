import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import {
  DockyardChart, DroneServer, ExternalPostgres, GitProvider, IPostgresDatabase, LocalSecretStore, Secret, SecretValue, SslMode, synthesize,
} from '../../lib';
import { SCRAM_PASSWORD_RULE } from '../../lib/postgres/scram-password';
import { WoodpeckerServer } from '../../lib/woodpecker';
import { managedHarbor } from '../harbor/fixtures';
import { withEnv } from '../registry/synth-app';
import { refusal } from '../util';
import { github } from '../woodpecker/fixtures';

// PostgreSQL makes a role's SCRAM verifier from its password after SASLprep, which Drone's and Woodpecker's lib/pq
// and Harbor's pgconn do not apply as the server does (lib/postgres/scram-password.ts; test/integ/scram-password.integ.test.ts
// runs the rule against PostgreSQL 15): such a password given from outside synthesized, and the server crash-looped
// on "password authentication failed". A synth with the local store now refuses it, naming the variable.

const ALLOWED = SCRAM_PASSWORD_RULE.allowed;

/** Each client of a database, on `database`. */
const CLIENTS: [string, (chart: Chart, database: IPostgresDatabase) => void, string][] = [
  ['Drone', (chart, database) => new DroneServer(chart, 'Drone', {
    host: 'drone.example.com', database, admin: 'octocat',
    gitProvider: GitProvider.github({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'drone-oauth').key('client-secret') }),
  }), 'Drone\'s lib/pq v1.1.0'],
  ['Woodpecker', (chart, database) => new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database }),
    'Woodpecker\'s lib/pq v1.12.3'],
  ['Harbor', (chart, database) => managedHarbor(chart, { database }), 'Harbor\'s pgconn v1.14.3'],
];

/** Synthesize `client` on a database whose password is the input DB_PASSWORD = `password`: the refusal, or undefined. */
function synthWith(client: (chart: Chart, database: IPostgresDatabase) => void, password: string): string | undefined {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-scram-'));
  try {
    const app = new App({ outdir: path.join(root, 'dist') });
    const chart = new DockyardChart(app, 'ci', { namespace: 'ci' });
    const key = new Secret(chart, 'DbPassword', { name: 'db-password', values: { password: SecretValue.input('DB_PASSWORD', 'the database password') } })
      .key('password');
    client(chart, new ExternalPostgres(chart, 'AppDb', {
      host: 'db.example.com', port: 25060, databaseName: 'app', user: 'app', password: key, sslMode: SslMode.REQUIRE, connectionLimit: 30,
    }));
    const synth = () => withEnv({ DB_PASSWORD: password }, () => synthesize(app, new LocalSecretStore({ statePath: path.join(root, 'state.json') })));
    if (SCRAM_PASSWORD_RULE.fits(password)) {
      synth();
      return undefined;
    }
    return refusal(synth);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe.each(CLIENTS)('a %s database password given from outside', (_, client, driver) => {
  test('is refused at synth when SASLprep would change it, naming the variable, never the value', () => {
    const message = synthWith(client, 'ﬁle-pässword');
    expect(message).toBe(`invalid DB_PASSWORD <redacted>: ${ALLOWED}, as ${driver} reads it; nothing was written`);
    expect(message).not.toContain('le-p');
    expect(synthWith(client, 'pass\u00a0word')).toBe(`invalid DB_PASSWORD <redacted>: ${ALLOWED}, as ${driver} reads it; nothing was written`);
  });

  test('is taken when SASLprep keeps it: ASCII of any kind, and composed letters', () => {
    expect(synthWith(client, 'it\'s-a-p@ss:w/rd%$x')).toBeUndefined();
    expect(synthWith(client, 'pässwörd-密码')).toBeUndefined();
  });

  // SASLprep refuses a password holding a control character, and PostgreSQL then makes the verifier from it as it is
  // (postgres/postgres REL_15 src/common/saslprep.c, table C.2.1 in prohibited_output_ranges; src/backend/libpq/auth-scram.c),
  // as lib/pq sends it and pgconn does when OpaqueString refuses it (golang/text secure/precis gen.go: Cc is DISALLOWED)
  test('is taken when it holds a control character, whatever SASLprep would otherwise change', () => {
    expect(synthWith(client, 'ﬁle\u0007pass\u00a0word')).toBeUndefined();
    expect(synthWith(client, 'Ａdmin\u0085\u00adpass')).toBeUndefined();
  });
});
