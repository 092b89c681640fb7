import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import {
  DockyardChart, DroneServer, ExternalPostgres, GitProvider, IPostgresDatabase, LocalSecretStore, Secret, SecretValue, SslMode, synthesize,
  ValidationError,
} from '../../lib';
import * as tables from '../../lib/postgres/saslprep-tables';
import { LIB_PQ_SCRAM_PASSWORD_RULE, PGCONN_SCRAM_PASSWORD_RULE, saslprep, serverScramPassword } from '../../lib/postgres/scram-password';
import { ValueRule } from '../../lib/core/value-rules';
import { WoodpeckerServer } from '../../lib/woodpecker';
import { managedHarbor } from '../harbor/fixtures';
import { withEnv } from '../registry/synth-app';
import { refusal } from '../util';
import { github } from '../woodpecker/fixtures';

// PostgreSQL makes a role's SCRAM verifier from its password after SASLprep, or from the password as it is where
// SASLprep refuses it (postgres/postgres REL_15_STABLE src/common/saslprep.c `pg_saslprep`,
// src/backend/libpq/auth-scram.c `pg_be_scram_build_secret`). Drone's and Woodpecker's lib/pq send the password as it
// is (v1.1.0 conn.go:1134, v1.12.3 conn.go:1368); Harbor's pgconn v1.14.3 sends precis.OpaqueString of it (Zs mapped
// to " ", NFC), or the password as it is where OpaqueString refuses it (auth_scram.go:147-153; golang.org/x/text
// v0.35.0 secure/precis profiles.go). A password whose verifier is not made from what the client sends failed every
// login ("password authentication failed"): a synth with the local store refuses it, naming the variable.
// test/integ/scram-password.integ.test.ts runs the rules against PostgreSQL 15.

/** pg_saslprep written out plainly from saslprep.c, over the tables by a linear scan: the reference of the property tests. */
function referenceSaslprep(password: string): string | undefined {
  const holds = (ranges: readonly number[], code: number) => ranges.some((lo, i) => i % 2 === 0 && lo <= code && code <= ranges[i + 1]);
  const codes = [...password].map((c) => c.codePointAt(0)!);
  if (codes.every((c) => c < 0x80)) {
    return password;
  }
  const mapped = codes.flatMap((c) => holds(tables.NON_ASCII_SPACE_RANGES, c) ? [0x20] : holds(tables.COMMONLY_MAPPED_TO_NOTHING_RANGES, c) ? [] : [c]);
  if (mapped.length === 0) {
    return undefined;
  }
  for (const c of mapped) {
    if (holds(tables.PROHIBITED_OUTPUT_RANGES, c) || holds(tables.UNASSIGNED_CODEPOINT_RANGES, c)) {
      return undefined;
    }
  }
  if (mapped.some((c) => holds(tables.RANDALCAT_CODEPOINT_RANGES, c))) {
    if (mapped.some((c) => holds(tables.LCAT_CODEPOINT_RANGES, c))) {
      return undefined;
    }
    if (!holds(tables.RANDALCAT_CODEPOINT_RANGES, mapped[0]) || !holds(tables.RANDALCAT_CODEPOINT_RANGES, mapped[mapped.length - 1])) {
      return undefined;
    }
  }
  return String.fromCodePoint(...mapped).normalize('NFKC');
}

/** What the server makes the verifier from. */
const stored = (p: string) => referenceSaslprep(p) ?? p;
/** What pgconn may send: OpaqueString's form, unless it surely refuses the password (a Cc code point), and the password as it is. */
const pgconnSends = (p: string) => /\p{Cc}/u.test(p) ? [p] : [p, p.replace(/\p{Zs}/gu, ' ').normalize('NFC')];

/** Characters SASLprep keeps, maps, normalizes or refuses, and the neighbours of the tables' ranges. */
const UNITS = ['a', 'Z', '7', ' ', '\t', 'é', 'e\u0301', '\u0301', '密', '😀', 'ß', 'ﬁ', 'Ａ', '²', '\u2126', '™', '\u00a0', '\u2003', '\u00ad',
  '\u200b', '\u200d', '\ufeff', 'ש', 'ם', 'ا', '١', '\u0221', '\u200e', '\u200f', '\ue000', '\u0085'];
const EDGES = Object.values(tables).flatMap((ranges) => ranges.flatMap((c) => [c - 1, c, c + 1]))
  .filter((c) => c >= 0 && c <= 0x10ffff && (c < 0xd800 || c > 0xdfff)).map((c) => String.fromCodePoint(c));
const passwords = fc.string({ unit: fc.oneof(fc.constantFrom(...UNITS), fc.constantFrom(...EDGES), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 8 });

describe('saslprep, as PostgreSQL 15 applies it', () => {
  // RFC 4013 section 3's examples; its "<U+0007>" is an error there, but pg_saslprep keeps any pure ASCII string as it
  // is ("Quick check if the input is pure ASCII"), which makes the same verifier
  test.each<[string, string | undefined]>([
    ['I\u00adX', 'IX'], ['user', 'user'], ['USER', 'USER'], ['\u00aa', 'a'], ['\u2168', 'IX'], ['\u0007', '\u0007'], ['\u0627\u0031', undefined],
  ])('RFC 4013\'s example %j is %j', (input, output) => {
    expect(saslprep(input)).toBe(output);
  });

  test.each<[string, string, string | undefined]>([
    ['an emoji, unassigned in Unicode 3.2 (A.1), refuses it', 'pass😀word', undefined],
    ['a code point assigned after Unicode 3.2 refuses it', 'pass\u0221word', undefined],
    ['a private-use code point (C.3) refuses it', 'pass\ue000word', undefined],
    ['a left-to-right mark (C.8) refuses it', 'pass\u200eword', undefined],
    ['right-to-left letters alone are kept', 'שלום-סיסמה', 'שלום-סיסמה'],
    ['right-to-left beside left-to-right letters refuse it (RFC 3454 section 6)', 'password-שלום', undefined],
    ['right-to-left letters must start and end it', 'שלום1', undefined],
    ['left-to-right letters between right-to-left ones refuse it', 'ש-pass-ש', undefined],
    ['its bidi check comes before NFKC: "™" is no LCat, its "TM" is', 'ש™ם', 'שTMם'],
    ['a no-break space maps to " "', 'pass\u00a0word', 'pass word'],
    ['U+200B maps to " ", saslprep.c lists it as a space before B.1 drops it', 'pass\u200bword', 'pass word'],
    ['a soft hyphen maps to nothing', 'pass\u00adword', 'password'],
    ['nothing but what maps to nothing refuses it', '\u00ad\ufeff', undefined],
    ['a ligature and a full-width letter are NFKC\'d', 'ﬁＡ', 'fiA'],
    ['a decomposed accent is composed', 'cafe\u0301', 'café'],
    ['a control character beside a ligature refuses it', 'ﬁ\tle', undefined],
  ])('%s', (_, input, output) => {
    expect(saslprep(input)).toBe(output);
    expect(serverScramPassword(input)).toBe(output ?? input);
  });

  test('matches pg_saslprep written out plainly, over any password', () => {
    fc.assert(fc.property(passwords, (p) => {
      expect(saslprep(p)).toBe(referenceSaslprep(p));
    }), { numRuns: 2000 });
  });
});

describe('the SCRAM password rules', () => {
  test.each<[string, string, boolean, boolean]>([
    // [what, password, lib/pq, pgconn]
    ['an emoji: SASLprep refuses it, the server keeps it', 'pass😀word', true, true],
    ['an emoji beside a ligature and a soft hyphen: kept whole by the server, by lib/pq, and by pgconn (NFC keeps both)', '🦀ﬁle\u00adpäss', true, true],
    ['right-to-left letters alone: SASLprep keeps them', 'שלום-סיסמה', true, true],
    ['mixed directions: SASLprep refuses it (bidi), the server keeps it', 'password-שלום', true, true],
    ['mixed directions beside a full-width letter', 'Ａ-שלום', true, true],
    ['left-to-right letters and a ligature between right-to-left ones', 'ש-ﬁle-ש', true, true],
    ['a code point unassigned in Unicode 3.2 beside a no-break space: lib/pq sends it as kept, pgconn maps the space', 'pass\u0221\u00a0word', true, false],
    ['a private-use code point beside a ligature', '\ue000ﬁ', true, true],
    ['an emoji beside a no-break space: pgconn maps the space', 'pass\u00a0word😀', true, false],
    ['an emoji beside a decomposed accent: pgconn composes it', 'cafe\u0301😀', true, false],
    ['mixed directions beside an ideographic space', 'pass\u3000שלום', true, false],
    ['a control character beside what either would map', 'cafe\u0301\u00a0\u0085', true, true],
    ['a no-break space SASLprep maps', 'pass\u00a0word', false, false],
    ['a soft hyphen SASLprep drops', 'pass\u00adword', false, false],
    ['a ligature', 'ﬁle-pass', false, false],
    ['a full-width letter', 'Ａdmin-pass', false, false],
    ['a decomposed accent', 'cafe\u0301-pass', false, false],
    ['"™" between right-to-left letters, which SASLprep takes and NFKCs', 'ש™ם', false, false],
    ['composed letters SASLprep keeps', 'pässwörd-密码', true, true],
  ])('%s', (_, password, libPq, pgconn) => {
    expect([LIB_PQ_SCRAM_PASSWORD_RULE.fits(password), PGCONN_SCRAM_PASSWORD_RULE.fits(password)]).toEqual([libPq, pgconn]);
  });

  test('lib/pq\'s admits a password exactly when the server keeps it as lib/pq sends it', () => {
    fc.assert(fc.property(passwords, (p) => {
      expect(LIB_PQ_SCRAM_PASSWORD_RULE.fits(p)).toBe(stored(p) === p);
    }), { numRuns: 2000 });
  });

  test('pgconn\'s admits a password exactly when the server keeps what pgconn may send', () => {
    fc.assert(fc.property(passwords, (p) => {
      expect(PGCONN_SCRAM_PASSWORD_RULE.fits(p)).toBe(pgconnSends(p).every((sent) => sent === stored(p)));
    }), { numRuns: 2000 });
  });
});

/** Each client of a database, on `database`, with its driver and the rule on its password. */
const CLIENTS: [string, (chart: Chart, database: IPostgresDatabase) => void, string, ValueRule][] = [
  ['Drone', (chart, database) => new DroneServer(chart, 'Drone', {
    host: 'drone.example.com', database, admin: 'octocat',
    gitProvider: GitProvider.github({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'drone-oauth').key('client-secret') }),
  }), 'Drone\'s lib/pq v1.1.0', LIB_PQ_SCRAM_PASSWORD_RULE],
  ['Woodpecker', (chart, database) => new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database }),
    'Woodpecker\'s lib/pq v1.12.3', LIB_PQ_SCRAM_PASSWORD_RULE],
  ['Harbor', (chart, database) => managedHarbor(chart, { database }), 'Harbor\'s pgconn v1.14.3', PGCONN_SCRAM_PASSWORD_RULE],
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
    let synthesized = false;
    const message = refusal(() => {
      withEnv({ DB_PASSWORD: password }, () => synthesize(app, new LocalSecretStore({ statePath: path.join(root, 'state.json') })));
      synthesized = true;
      // refusal() needs a throw: this one says the synth took the password
      throw new ValidationError('synthesized');
    });
    return synthesized ? undefined : message;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe.each(CLIENTS)('a %s database password given from outside', (name, client, driver, rule) => {
  const refused = `invalid DB_PASSWORD <redacted>: ${rule.allowed}, as ${driver} reads it; nothing was written`;

  test('is refused at synth when SASLprep would change it, naming the variable, never the value', () => {
    const message = synthWith(client, 'ﬁle-pässword');
    expect(message).toBe(refused);
    expect(message).not.toContain('le-p');
    expect(synthWith(client, 'pass\u00a0word')).toBe(refused);
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

  // SASLprep refuses an emoji (unassigned in Unicode 3.2, RFC 3454 A.1) and right-to-left beside left-to-right
  // letters (RFC 3454 section 6), and the server keeps such a password as it is, ligatures and all, as both drivers
  // send it; the old rule refused these
  test('is taken when it holds an emoji or mixes directions, which SASLprep refuses', () => {
    expect(synthWith(client, 'ﬁle-pass😀')).toBeUndefined();
    expect(synthWith(client, 'Ａdmin-שלום')).toBeUndefined();
  });

  // pgconn maps a no-break space and composes a decomposed accent (OpaqueString: golang.org/x/text v0.35.0
  // secure/precis profiles.go) even where SASLprep refuses the password and the server keeps it as it is
  test(`beside an emoji, a no-break space is ${name === 'Harbor' ? 'refused, as pgconn maps it' : 'taken, as lib/pq sends it'}`, () => {
    expect(synthWith(client, 'pass\u00a0word😀')).toBe(name === 'Harbor' ? refused : undefined);
  });
});
