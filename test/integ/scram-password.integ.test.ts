import { createHash, createHmac, pbkdf2Sync } from 'crypto';
import fc from 'fast-check';
import { sqlLiteral } from '../../lib';
import * as tables from '../../lib/postgres/saslprep-tables';
import { LIB_PQ_SCRAM_PASSWORD_RULE, PGCONN_SCRAM_PASSWORD_RULE, serverScramPassword } from '../../lib/postgres/scram-password';
import { PostgresServer } from './postgres-server';
import { scramLogin } from './scram-login';

/**
 * The SCRAM password rules against a real PostgreSQL 15: the server makes a role's SCRAM verifier from the password
 * after SASLprep, or from the password as it is where SASLprep refuses it (postgres/postgres REL_15_STABLE
 * src/backend/libpq/auth-scram.c `pg_be_scram_build_secret`, src/common/saslprep.c `pg_saslprep`), and a client
 * proves it knows the password the verifier was made from (RFC 5802: StoredKey = H(HMAC(SaltedPassword, "Client
 * Key")), SaltedPassword = PBKDF2-SHA-256 of the password it sends). Drone's and Woodpecker's lib/pq send the
 * password as it is (v1.1.0 conn.go:1134, v1.12.3 conn.go:1368); Harbor's pgconn v1.14.3 sends precis.OpaqueString
 * of it, or the password as it is where OpaqueString refuses it (auth_scram.go:147-153). So: `serverScramPassword`
 * is the password each verifier was made from, and a password lib/pq's rule admits is exactly one whose verifier is
 * the password's as it is.
 */

const SUPERUSER = 'superuser-password';

/** The StoredKey of a SCRAM-SHA-256 verifier (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`) for `password` as sent. */
function storedKey(verifier: string, password: string): { theirs: string; mine: string } {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(verifier);
  expect(m).not.toBeNull();
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(m![2], 'base64'), Number(m![1]), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return { theirs: m![3], mine: createHash('sha256').update(clientKey).digest('base64') };
}

/**
 * Characters SASLprep keeps, maps, normalizes or refuses, beside ASCII (controls too: an ASCII password is taken as
 * it is): emoji and a code point unassigned in Unicode 3.2 (U+0221), prohibited ones (U+200E, U+E000), right-to-left
 * letters (Hebrew, Arabic) and "™", which NFKC makes left-to-right letters after pg_saslprep's bidi check.
 */
const UNITS = [
  'a', 'Z', '7', ' ', '\t', '\'', '\\', '$', '%', '@', ':', '/', '"', 'é', 'e\u0301', '密', '😀', '🦀', 'ß', 'ﬁ', 'Ａ', '²', 'Ω', '\u2126',
  '\u00a0', '\u2003', '\u3000', '\u00ad', '\u200b', '\u200d', '\ufeff', '\u0301', 'ש', 'ם', 'ا', '\u0221', '\u200e', '\ue000', '™',
];

/** The code points in and just outside every range of `ranges`. */
function boundaries(ranges: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    out.push(ranges[i] - 1, ranges[i], ranges[i + 1], ranges[i + 1] + 1);
  }
  return out;
}

/**
 * Passwords whose verifiers show each table's answer at `code`: after a no-break space, any prohibited, unassigned or
 * RandALCat code point refuses it, else it is mapped and normalized; between Hebrew letters, an LCat one refuses it;
 * before a Hebrew letter, a RandALCat one alone lets it through.
 */
const PROBES: [readonly number[], ((c: string) => string)[]][] = [
  [tables.NON_ASCII_SPACE_RANGES, [(c) => `\u00a0${c}`]],
  [tables.COMMONLY_MAPPED_TO_NOTHING_RANGES, [(c) => `\u00a0${c}`]],
  [tables.PROHIBITED_OUTPUT_RANGES, [(c) => `\u00a0${c}`]],
  [tables.UNASSIGNED_CODEPOINT_RANGES, [(c) => `\u00a0${c}`]],
  [tables.RANDALCAT_CODEPOINT_RANGES, [(c) => `\u00a0${c}`, (c) => `${c}\u00a0ש`]],
  [tables.LCAT_CODEPOINT_RANGES, [(c) => `ש\u00a0${c}ש`]],
];

describe('the SCRAM password rules against a real PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await PostgresServer.start(SUPERUSER);
  });
  afterAll(() => server?.stop());

  /** The verifier the server makes for each of `passwords`, in order (in batches: psql's -c is one argument). */
  const verifiers = (passwords: readonly string[]): string[] => {
    const made: string[] = [];
    for (let at = 0; at < passwords.length; at += 500) {
      const batch = passwords.slice(at, at + 500);
      const sql = batch.map((p, i) => `CREATE ROLE scram_${i} LOGIN PASSWORD ${sqlLiteral(p)};`).join('\n') +
        `\nSELECT rolpassword FROM pg_authid WHERE rolname LIKE 'scram\\_%' ORDER BY substr(rolname, 7)::int;` +
        `\n${batch.map((_, i) => `DROP ROLE scram_${i};`).join('\n')}`;
      const r = server.psql('postgres', SUPERUSER, 'postgres', sql);
      expect(r.stderr).toBe('');
      made.push(...r.stdout.trim().split('\n').filter((l) => l.startsWith('SCRAM-SHA-256$')));
    }
    expect(made).toHaveLength(passwords.length);
    return made;
  };

  /** Create the role `name` that logs in with `password`, made by the server. */
  const createRole = (name: string, password: string) => {
    const r = server.psql('postgres', SUPERUSER, 'postgres', `CREATE ROLE ${name} LOGIN PASSWORD ${sqlLiteral(password)}`);
    expect(r.stderr).toBe('');
  };

  test('the server makes every verifier from serverScramPassword\'s form, and lib/pq\'s rule admits exactly the passwords it keeps', () => {
    const passwords = fc.sample(fc.string({ unit: fc.constantFrom(...UNITS), minLength: 1, maxLength: 8 }), 400);
    const made = verifiers(passwords);
    const admitted = passwords.filter((p) => LIB_PQ_SCRAM_PASSWORD_RULE.fits(p));
    // the sample holds both kinds, and passwords SASLprep refuses that the old rule refused (an emoji beside a ligature)
    expect(admitted.length).toBeGreaterThan(50);
    expect(passwords.length - admitted.length).toBeGreaterThan(50);
    passwords.forEach((p, i) => {
      const { theirs, mine } = storedKey(made[i], serverScramPassword(p));
      expect({ password: p, mine }).toEqual({ password: p, mine: theirs });
      const raw = storedKey(made[i], p);
      expect({ password: p, fits: LIB_PQ_SCRAM_PASSWORD_RULE.fits(p) }).toEqual({ password: p, fits: raw.mine === raw.theirs });
      // pgconn's rule admits fewer, each one the server keeps
      if (PGCONN_SCRAM_PASSWORD_RULE.fits(p)) {
        expect({ password: p, raw: raw.mine === raw.theirs }).toEqual({ password: p, raw: true });
      }
    });
  });

  // the tables of lib/postgres/saslprep-tables.ts, copied from src/common/saslprep.c: the server agrees at the edges
  // of every range, inside and out (surrogates cannot be sent as UTF-8)
  test('the server agrees with the SASLprep tables at every range\'s edges', () => {
    const passwords = [...new Set(PROBES.flatMap(([ranges, probes]) => boundaries(ranges)
      .filter((c) => c > 0x7f && c <= 0x10ffff && (c < 0xd800 || c > 0xdfff))
      .flatMap((c) => probes.map((probe) => probe(String.fromCodePoint(c))))))];
    const made = verifiers(passwords);
    const wrong = passwords.filter((p, i) => {
      const { theirs, mine } = storedKey(made[i], serverScramPassword(p));
      return mine !== theirs;
    });
    expect(wrong.map((p) => [...p].map((c) => c.codePointAt(0)!.toString(16)).join(' '))).toEqual([]);
  }, 180_000);

  test('an emoji, right-to-left or mixed-direction password logs in as lib/pq sends it, and the rules admit it', async () => {
    const passwords = ['pass😀word', '🦀ﬁle\u00adpäss', 'שלום-סיסמה', 'password-שלום', 'ש-pass-ש', 'pass\u0221word', '\u00ad\u00ad'];
    for (const [i, p] of passwords.entries()) {
      createRole(`lib_pq_${i}`, p);
      expect({ password: p, login: await scramLogin(server.port, `lib_pq_${i}`, p) }).toEqual({ password: p, login: 'ok' });
      expect({ password: p, libPq: LIB_PQ_SCRAM_PASSWORD_RULE.fits(p), pgconn: PGCONN_SCRAM_PASSWORD_RULE.fits(p) })
        .toEqual({ password: p, libPq: true, pgconn: true });
    }
  });

  test('a password SASLprep changes fails lib/pq\'s login, and the rules refuse it', async () => {
    // "ש™ם" passes pg_saslprep's bidi check, made before NFKC, and is stored as "שTMם"
    const passwords = ['pass\u00a0word', 'ﬁle-pass', 'cafe\u0301-pass', 'ש™ם'];
    for (const [i, p] of passwords.entries()) {
      createRole(`changed_${i}`, p);
      expect({ password: p, login: await scramLogin(server.port, `changed_${i}`, p) })
        .toEqual({ password: p, login: `password authentication failed for user "changed_${i}"` });
      expect({ password: p, libPq: LIB_PQ_SCRAM_PASSWORD_RULE.fits(p), pgconn: PGCONN_SCRAM_PASSWORD_RULE.fits(p) })
        .toEqual({ password: p, libPq: false, pgconn: false });
    }
    expect(await scramLogin(server.port, 'changed_3', 'שTMם')).toBe('ok');
  });

  // an emoji makes SASLprep refuse the password, so the server keeps it whole, but OpaqueString takes it (U+1F600 is a
  // symbol, So, which the PRECIS Freeform class allows: golang.org/x/text v0.35.0 secure/precis) and maps the no-break space and composes the accent
  test('beside an emoji, a no-break space or a decomposed accent logs in as lib/pq sends it but not as pgconn does', async () => {
    const passwords: [string, string][] = [['pass\u00a0word😀', 'pass word😀'], ['cafe\u0301😀', 'café😀']];
    for (const [i, [p, opaque]] of passwords.entries()) {
      createRole(`pgconn_${i}`, p);
      expect(await scramLogin(server.port, `pgconn_${i}`, p)).toBe('ok');
      expect(await scramLogin(server.port, `pgconn_${i}`, opaque)).toBe(`password authentication failed for user "pgconn_${i}"`);
      expect({ password: p, libPq: LIB_PQ_SCRAM_PASSWORD_RULE.fits(p), pgconn: PGCONN_SCRAM_PASSWORD_RULE.fits(p) })
        .toEqual({ password: p, libPq: true, pgconn: false });
    }
  });

  // the server skips SASLprep for a password it refuses (src/common/saslprep.c: a control character, C.2.1 or C.2.2, is
  // prohibited output; src/backend/libpq/auth-scram.c uses the raw bytes then), so what SASLprep would map or
  // normalize beside one is in the verifier as it is, as lib/pq and pgconn send it
  test('a password with a control character is taken as it is, no-break spaces, ligatures and all', async () => {
    const controlled = ['pass\u00a0word\t', 'ﬁle\npass', 'Ａ\u0007\u00ad', 'cafe\u0301\u0085', '\u00a0\u007f'];
    expect(controlled.map((p) => [LIB_PQ_SCRAM_PASSWORD_RULE.fits(p), PGCONN_SCRAM_PASSWORD_RULE.fits(p)])).toEqual(controlled.map(() => [true, true]));
    const made = verifiers(controlled);
    controlled.forEach((p, i) => expect({ password: p, mine: storedKey(made[i], p).mine }).toEqual({ password: p, mine: storedKey(made[i], p).theirs }));
    createRole('controlled', controlled[0]);
    expect(await scramLogin(server.port, 'controlled', controlled[0])).toBe('ok');
  });

  test('an ASCII password, control characters and all, is taken as it is', () => {
    const ascii = ['tab\there', 'new\nline', 'a\u007fb', 'quote\'s \\ $(x) %2F'];
    expect(ascii.every((p) => LIB_PQ_SCRAM_PASSWORD_RULE.fits(p) && PGCONN_SCRAM_PASSWORD_RULE.fits(p))).toBe(true);
    const made = verifiers(ascii);
    ascii.forEach((p, i) => expect(storedKey(made[i], p).mine).toBe(storedKey(made[i], p).theirs));
  });
});
