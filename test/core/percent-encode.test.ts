import fc from 'fast-check';
import { IPostgresDatabase, IRedis, ProjectMember, ProjectRole, Secret, SslMode, TemplateEscape } from '../../lib';
import { EnvRef } from '../../lib/core/env';
import { percentEncode } from '../../lib/core/percent-encode';
import { describeValue, ValidationError } from '../../lib/core/validation';
import { postgresUrl } from '../../lib/postgres/datasource';
import { redisUrl } from '../../lib/redis/redis-ref';
import { refusal, testChart } from '../util';

/**
 * Every `encodeURIComponent` sink of the library goes through `percentEncode` (lib/core/percent-encode.ts), which
 * refuses in one line naming the prop what `encodeURIComponent` would throw a bare `URIError: URI malformed` on: a
 * lone UTF-16 surrogate (ECMA-262 §19.2.6.5 Encode). `git grep encodeURIComponent lib` finds no other sink in the
 * TypeScript; configure.js, the Harbor Job's script, encodes names checked at synth (ProjectMember.oidcGroup below).
 */
const RULE = 'must be a string of well-formed Unicode (no lone UTF-16 surrogate), which a URL percent-encodes as UTF-8';

/** Any UTF-16 text: every code unit, so lone surrogates, pairs and everything else, with surrogates made likely. */
const anyUtf16 = fc.array(fc.oneof(
  fc.integer({ min: 0, max: 0xffff }),
  fc.integer({ min: 0xd800, max: 0xdfff }),
), { maxLength: 12 }).map((units) => String.fromCharCode(...units));

/** Whether `encodeURIComponent` takes `value`, the reference the property is checked against. */
function encodable(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(URIError);
    return false;
  }
}

/** `act`'s refusal: a `ValidationError` of one line (never a `URIError`), its message. */
function oneLineRefusal(act: () => unknown): string {
  let error: unknown;
  try {
    act();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  const message = (error as Error).message;
  expect(message).not.toMatch(/[\n\r\u2028\u2029]/);
  return message;
}

const redis = (username: string): IRedis => ({
  host: 'redis.example.com', port: 6379, tls: true, username,
  password: Secret.fromSecretName(testChart('percent'), 'Pw', 'redis-pw').key('password'), grantConnect: () => undefined,
});

const database = (over: Partial<IPostgresDatabase>): IPostgresDatabase => ({
  host: 'db.example.com', port: 5432, databaseName: 'app', user: 'app', sslMode: SslMode.REQUIRE,
  password: Secret.fromSecretName(testChart('percent-pg'), 'P', 'p').key('password'), grantConnect: () => undefined, ...over,
});

describe('percentEncode', () => {
  test('any string either encodes as encodeURIComponent does, and decodes back, or is refused in one line naming the prop', () => {
    fc.assert(fc.property(anyUtf16, (value) => {
      if (encodable(value)) {
        expect(percentEncode('x', value)).toBe(encodeURIComponent(value));
        expect(decodeURIComponent(percentEncode('x', value))).toBe(value);
      } else {
        expect(oneLineRefusal(() => percentEncode('x', value))).toBe(`invalid x ${describeValue(value)}: ${RULE}`);
      }
    }), { numRuns: 500 });
  });

  test('refuses a lone surrogate at either end and a value that is not a string, and takes a pair', () => {
    expect(refusal(() => percentEncode('p', 'a\ud800'))).toBe(`invalid p "a\\ud800": ${RULE}`);
    expect(refusal(() => percentEncode('p', '\udc00a'))).toBe(`invalid p "\\udc00a": ${RULE}`);
    expect(refusal(() => percentEncode('p', 7 as unknown as string))).toBe(`invalid p 7: ${RULE}`);
    expect(percentEncode('p', '\ud83d\ude00')).toBe('%F0%9F%98%80');
    // a secret is never shown
    expect(refusal(() => percentEncode('password', 'hunter2\ud800', true))).toBe(`invalid password <redacted>: ${RULE}`);
  });
});

describe('every percent-encoding sink refuses in one line what it cannot encode', () => {
  test('redisUrl: a custom IRedis\'s user name', () => {
    fc.assert(fc.property(anyUtf16, (username) => {
      const render = () => redisUrl(redis(username), 'REDIS_PASSWORD', { database: 2 }).map((p) => (p instanceof EnvRef ? 'pw' : p)).join('');
      if (encodable(username)) {
        // an empty user name writes none
        expect(render()).toBe(`rediss://${encodeURIComponent(username)}:pw@redis.example.com:6379/2`);
      } else {
        expect(oneLineRefusal(render)).toBe(`invalid redis.username ${describeValue(username)}: ${RULE}`);
      }
    }), { numRuns: 300 });
    // the report's case: a user name holding a lone surrogate, and without a password (Harbor's garbage collection)
    expect(refusal(() => redisUrl(redis('ci\ud800'), undefined, { database: 2 }))).toBe(`invalid redis.username "ci\\ud800": ${RULE}`);
  });

  test('postgresUrl: a custom IPostgresDatabase\'s user, database name and sslMode, and the CA path', () => {
    fc.assert(fc.property(anyUtf16, fc.constantFrom('user', 'databaseName', 'sslMode'), (value, prop) => {
      const render = () => postgresUrl(database({ [prop]: value }));
      if (encodable(value)) {
        expect(render()).toContain(encodeURIComponent(value));
      } else {
        expect(oneLineRefusal(render)).toBe(`invalid database.${prop} ${describeValue(value)}: ${RULE}`);
      }
    }), { numRuns: 300 });
    expect(refusal(() => postgresUrl(database({}), '/etc/ca\udfff.crt'))).toBe(`invalid sslRootCert "/etc/ca\\udfff.crt": ${RULE}`);
  });

  test('TemplateEscape.URL: refused in one line without the value', () => {
    fc.assert(fc.property(anyUtf16, (value) => {
      if (encodable(value)) {
        expect(TemplateEscape.URL.encode(value)).toBe(encodeURIComponent(value));
      } else {
        expect(oneLineRefusal(() => TemplateEscape.URL.encode(value))).toBe(`invalid value <redacted>: ${RULE}`);
      }
    }), { numRuns: 300 });
  });

  test('ProjectMember.oidcGroup: a group the configuration Job percent-encodes (configure.js listMembers)', () => {
    expect(refusal(() => ProjectMember.oidcGroup('dev\ud800', ProjectRole.DEVELOPER))).toBe('invalid group "dev\\ud800": must be the group\'s name as ' +
      'the OIDC groups claim gives it: 1 to 255 characters, without control characters or lone UTF-16 surrogates');
    expect(ProjectMember.oidcGroup('dev \ud83d\ude00', ProjectRole.DEVELOPER).group).toBe('dev \ud83d\ude00');
  });
});
