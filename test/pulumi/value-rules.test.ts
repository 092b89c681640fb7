// Harbor splices its database password into a key/value DSN and its Redis password into Redis URLs, unescaped
// (goharbor/harbor v2.15.1 src/common/dao/pgsql.go:95-96, src/jobservice/config/config.go:175; the rules and their
// property tests are in test/harbor/spliced-passwords.test.ts). A synth with LocalSecretStore refuses a value that
// does not fit; under Pulumi the same values arrive as a provided Secret's key or an input, often as Outputs, and went
// into their Secrets unchecked, for Harbor to fail at its start. They are refused now: a plain string before anything
// registers, an Output once its value is known, before its Secret is written.
import * as pulumi from '@pulumi/pulumi';
import type { ProvidedSecret } from '../../lib/pulumi';
import { thrown } from '../util';
import { registered, settled, setup } from './digitalocean/harness';
import { failure, printed } from './printed';

const DSN_RULE = 'must hold no white space and no "\\", and not start with "\'", which Harbor\'s DSN would read otherwise, as ' +
  'Harbor\'s database DSN reads it';
const URL_RULE = /must hold only letters, digits and .*, as Harbor's Redis URLs reads it$/;

/** A managed Harbor in namespace `harbor` on provided Secrets, or on the inputs HARBOR_DB_PASSWORD and VALKEY_PASSWORD. */
async function harborApp(fromInputs: boolean) {
  const { App } = await import('cdk8s');
  const { DockyardChart, ExternalPostgres, ExternalRedis, Secret, SecretValue } = await import('../../lib');
  const { managedHarbor } = await import('../harbor/fixtures');
  const app = new App();
  const chart = new DockyardChart(app, 'harbor', { namespace: 'harbor' });
  if (!fromInputs) {
    managedHarbor(chart);
    return app;
  }
  const db = new Secret(chart, 'DbPassword', { name: 'harbor-db-input', values: { password: SecretValue.input('HARBOR_DB_PASSWORD', 'the managed user harbor') } });
  const valkey = new Secret(chart, 'ValkeyPassword', { name: 'harbor-valkey-input', values: { password: SecretValue.input('VALKEY_PASSWORD', 'the Valkey password') } });
  managedHarbor(chart, {
    database: new ExternalPostgres(chart, 'InputDb', { host: 'db.example.com', port: 25060, databaseName: 'registry', user: 'harbor', password: db.key('password') }),
    redis: new ExternalRedis(chart, 'InputValkey', { host: 'valkey.example.com', port: 25061, username: 'default', password: valkey.key('password') }),
  });
  return app;
}

/** The provided Secrets `managedHarbor` reads, with the database and Valkey passwords given. */
function provided(db: pulumi.Input<string>, valkey: pulumi.Input<string>): ProvidedSecret[] {
  return [
    { namespace: 'harbor', name: 'harbor-db', stringData: { password: db } },
    { namespace: 'harbor', name: 'harbor-valkey', stringData: { password: valkey } },
    { namespace: 'harbor', name: 'harbor-spaces', stringData: { 'access-key': 'DO00ACCESS', 'secret-key': 'spaces-secret' } },
  ];
}

describe('values Harbor splices unescaped, under Pulumi', () => {
  beforeAll(() => setup());
  beforeEach(() => {
    registered.length = 0;
  });

  test('a provided database password given as a string is refused at construction, naming its Secret and key, before anything registers', async () => {
    const app = await harborApp(false);
    const { ChartDeployment } = await import('../../lib/pulumi');
    const err = thrown(() => new ChartDeployment('p', { app, secrets: provided('pa ss\\word', 'AVNS_valkey') }));
    expect(printed(err)).toBe(`invalid secrets harbor/harbor-db key password <redacted>: ${DSN_RULE}`);
    expect(err.message).not.toContain('pa ss');
    await settled();
    expect(registered).toEqual([]);
  });

  test('a provided Spaces key holding a " is refused at construction: the registry reads it from a YAML double-quoted string', async () => {
    const app = await harborApp(false);
    const { ChartDeployment } = await import('../../lib/pulumi');
    const secrets = [...provided('AVNS_db', 'AVNS_valkey').slice(0, 2),
      { namespace: 'harbor', name: 'harbor-spaces', stringData: { 'access-key': 'DO00ACCESS', 'secret-key': 'spa"ces' } }];
    const err = thrown(() => new ChartDeployment('p', { app, secrets }));
    expect(printed(err)).toBe('invalid secrets harbor/harbor-spaces key secret-key <redacted>: must hold no ", no \\ and no control character ' +
      'or line break, which the registry\'s YAML double-quoted string would end, escape or fold (any other character reads back as written), ' +
      'as Harbor\'s registry reads it');
    expect(err.message).not.toContain('spa"');
    await settled();
    expect(registered).toEqual([]);
  });

  test('an input given as a string is refused, naming the input variable, before anything registers', async () => {
    const app = await harborApp(true);
    const { ChartDeployment } = await import('../../lib/pulumi');
    // managedHarbor's own provided Secrets are still read (by nothing but their declaration), so they are given too
    const secrets = provided('unused', 'unused');
    const err = thrown(() => new ChartDeployment('p', { app, secrets, inputs: { HARBOR_DB_PASSWORD: 'AVNS_db', VALKEY_PASSWORD: 'v@l/k#ey' } }));
    expect(printed(err)).toMatch(new RegExp(`^invalid VALKEY_PASSWORD <redacted>: ${URL_RULE.source}`));
    expect(err.message).not.toContain('v@l');
    await settled();
    expect(registered).toEqual([]);
  });

  test('values that fit deploy: the Secrets hold them as they are', async () => {
    const app = await harborApp(false);
    const { ChartDeployment } = await import('../../lib/pulumi');
    new ChartDeployment('p', { app, secrets: provided(pulumi.secret('AVNS_db-Pa55'), 'AVNS_valkey-Pa55') });
    await settled(100);
    const secret = (name: string) => registered.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.name === name)!;
    expect(secret('harbor-db').inputs.stringData).toEqual({ password: 'AVNS_db-Pa55' });
    expect(secret('harbor-db').secretInputs).toBe(true);
    expect(secret('harbor-valkey').inputs.stringData).toEqual({ password: 'AVNS_valkey-Pa55' });
  });

  test('an Output is refused once its value is known, without showing it; one that fits passes as it is, still secret', async () => {
    const { checkedByRules } = await import('../../lib/pulumi/value-rules');
    const { HARBOR_DSN_PASSWORD_RULE } = await import('../../lib/harbor/database-password');
    const rules = [{ key: undefined as any, rule: HARBOR_DSN_PASSWORD_RULE, reader: 'Harbor\'s database DSN' }];
    const err = await failure(checkedByRules('secrets harbor/harbor-db key password', pulumi.secret('\'quoted'), rules) as pulumi.Output<string>);
    expect(printed(err)).toBe(`invalid secrets harbor/harbor-db key password <redacted>: ${DSN_RULE}`);
    const kept = checkedByRules('HARBOR_DB_PASSWORD', pulumi.secret('AVNS_db-Pa55'), rules) as pulumi.Output<string>;
    expect(await (kept as any).promise()).toBe('AVNS_db-Pa55');
    expect(await (kept as any).isSecret).toBe(true);
  });
});
