import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import fc from 'fast-check';
import { DockyardChart, ExternalPostgres, ExternalRedis, LocalSecretStore, Secret, SecretValue, synthesize } from '../../lib';
import { HARBOR_DSN_PASSWORD_RULE } from '../../lib/harbor/database-password';
import { REDIS_URL_PASSWORD_RULE } from '../../lib/redis/redis-ref';
import { withEnv } from '../registry/synth-app';
import { refusal } from '../util';
import { managedHarbor } from './fixtures';

// Harbor splices two passwords given from outside into formats of its own, unescaped: the database's into a key/value
// DSN, a Redis password into URLs. A value those formats read otherwise synthesized, and failed only in Harbor (and
// a Redis URL's, printed whole by jobservice and the Trivy adapter). The local store now refuses such a value at
// synth, naming the input variable, never the value. Each rule is checked here against a transcription of the parser
// that reads it.

/**
 * The settings jackc/pgconn v1.14.3 reads from a key/value DSN (config.go parseDSNSettings, which Harbor's pgx
 * driver uses for `host=%s port=%s user=%s password=%s dbname=%s sslmode=%s timezone=UTC`, goharbor/harbor v2.15.1
 * src/common/dao/pgsql.go:95-96), or an error.
 */
function pgconnSettings(dsn: string): Record<string, string> | Error {
  const space = (c: string) => ' \t\n\r\v\f'.includes(c);
  const settings: Record<string, string> = {};
  let s = dsn;
  while (s.length > 0) {
    const eq = s.indexOf('=');
    if (eq < 0) return new Error('invalid dsn');
    const key = s.slice(0, eq).replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
    s = s.slice(eq + 1).replace(/^[ \t\n\r\v\f]+/, '');
    let val = '';
    if (s.length === 0) {
      // an empty value
    } else if (s[0] !== '\'') {
      let end = 0;
      for (; end < s.length; end++) {
        if (space(s[end])) break;
        if (s[end] === '\\') {
          end++;
          if (end === s.length) return new Error('invalid backslash');
        }
      }
      val = s.slice(0, end).split('\\\\').join('\\').split('\\\'').join('\'');
      s = end === s.length ? '' : s.slice(end + 1);
    } else {
      s = s.slice(1);
      let end = 0;
      for (; end < s.length; end++) {
        if (s[end] === '\'') break;
        if (s[end] === '\\') end++;
      }
      if (end >= s.length) return new Error('unterminated quoted string in connection info string');
      val = s.slice(0, end).split('\\\\').join('\\').split('\\\'').join('\'');
      s = end === s.length ? '' : s.slice(end + 1);
    }
    if (key === '') return new Error('invalid dsn');
    settings[key] = val;
  }
  return settings;
}

/**
 * The password Go's net/url reads from a URL's userinfo (url.go: the fragment and query cut off, the authority up to
 * the first "/", the userinfo before its last "@", checked by `validUserinfo`, the password after its first ":",
 * unescaped), or an error.
 */
function goUrlPassword(url: string): string | Error {
  const rest = url.split('#')[0].split('?')[0].replace(/^rediss?:\/\//, '');
  const authority = rest.split('/')[0];
  const at = authority.lastIndexOf('@');
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return new Error('net/url: invalid userinfo');
  const password = userinfo.slice(userinfo.indexOf(':') + 1);
  try {
    if (/%(?![0-9A-Fa-f]{2})/.test(password)) return new Error('invalid URL escape');
    return decodeURIComponent(password);
  } catch (e) {
    return e as Error;
  }
}

describe('the rules of passwords Harbor splices as they are', () => {
  test('a database password the rule admits reads back whole from Harbor\'s DSN, and one it refuses can read otherwise', () => {
    const dsn = (password: string) => `host=db.example.com port=25060 user=harbor password=${password} dbname=registry sslmode=require timezone=UTC`;
    fc.assert(fc.property(fc.string({ minLength: 1, unit: 'binary' }), (password) => {
      const settings = pgconnSettings(dsn(password));
      if (HARBOR_DSN_PASSWORD_RULE.fits(password)) {
        expect((settings as Record<string, string>).password).toBe(password);
        expect((settings as Record<string, string>).dbname).toBe('registry');
      }
    }), { numRuns: 2000 });
    for (const refused of ['pass word', 'a\\\\b', '\'quoted', 'tab\there', 'end\\']) {
      expect(HARBOR_DSN_PASSWORD_RULE.fits(refused)).toBe(false);
      const settings = pgconnSettings(dsn(refused));
      expect(settings instanceof Error || settings.password !== refused || settings.dbname !== 'registry').toBe(true);
    }
  });

  test('a Redis password the rule admits reads back whole from a Redis URL, and one it refuses does not', () => {
    const url = (password: string) => `rediss://default:${password}@valkey.example.com:25061/2?idle_timeout_seconds=30`;
    fc.assert(fc.property(fc.string({ minLength: 1, unit: 'binary' }), (password) => {
      if (REDIS_URL_PASSWORD_RULE.fits(password)) {
        expect(goUrlPassword(url(password))).toBe(password);
      }
    }), { numRuns: 2000 });
    for (const refused of ['p%20w', 'a/b', 'a?b', 'a#b', 'sp ace', 'ünï']) {
      expect(REDIS_URL_PASSWORD_RULE.fits(refused)).toBe(false);
      expect(goUrlPassword(url(refused))).not.toBe(refused);
    }
  });
});

describe('a synth with passwords given from outside', () => {
  /** Synthesize a managed Harbor whose database and Valkey passwords are the inputs HARBOR_DB_PASSWORD and VALKEY_PASSWORD. */
  const synth = (env: Record<string, string>) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-spliced-'));
    const outdir = path.join(root, 'dist');
    const app = new App({ outdir });
    const chart = new DockyardChart(app, 'harbor', { namespace: 'harbor' });
    const db = new Secret(chart, 'DbPassword', { name: 'harbor-db', values: { password: SecretValue.input('HARBOR_DB_PASSWORD', 'the managed user harbor') } });
    const valkey = new Secret(chart, 'ValkeyPassword', { name: 'harbor-valkey', values: { password: SecretValue.input('VALKEY_PASSWORD', 'the Valkey password') } });
    managedHarbor(chart, {
      database: new ExternalPostgres(chart, 'InputDb', { host: 'db.example.com', port: 25060, databaseName: 'registry', user: 'harbor', password: db.key('password') }),
      redis: new ExternalRedis(chart, 'InputValkey', { host: 'valkey.example.com', port: 25061, username: 'default', password: valkey.key('password') }),
    });
    const statePath = path.join(root, 'state.json');
    try {
      return { message: refusal(() => withEnv(env, () => synthesize(app, new LocalSecretStore({ statePath })))), written: fs.existsSync(outdir) || fs.existsSync(statePath) };
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };

  test('refuses a database password Harbor\'s DSN reads otherwise, naming the variable, not the value, writing nothing', () => {
    const refused = synth({ HARBOR_DB_PASSWORD: 'h@rb:or/% pw', VALKEY_PASSWORD: 'AVNS_valkey-Pa55' });
    expect(refused.message).toBe('invalid HARBOR_DB_PASSWORD <redacted>: must hold no white space and no "\\", and not start with "\'", which ' +
      'Harbor\'s DSN would read otherwise, as Harbor\'s database DSN reads it; nothing was written');
    expect(refused.message).not.toContain('rb:or');
    expect(refused.written).toBe(false);
  });

  test('refuses a Valkey password a Redis URL reads otherwise', () => {
    const refused = synth({ HARBOR_DB_PASSWORD: 'AVNS_db-Pa55', VALKEY_PASSWORD: 'v@lk:ey/%$#' });
    expect(refused.message).toMatch(/^invalid VALKEY_PASSWORD <redacted>: must hold only letters, digits and .*, as Harbor's Redis URLs reads it; nothing was written$/);
    expect(refused.written).toBe(false);
  });
});
