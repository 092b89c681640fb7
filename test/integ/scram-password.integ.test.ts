import { createHash, createHmac, pbkdf2Sync } from 'crypto';
import fc from 'fast-check';
import { sqlLiteral } from '../../lib';
import { SCRAM_PASSWORD_RULE } from '../../lib/postgres/scram-password';
import { PostgresServer } from './postgres-server';

/**
 * `SCRAM_PASSWORD_RULE` against a real PostgreSQL 15: the server makes a role's SCRAM verifier from the password after
 * SASLprep (postgres/postgres src/backend/libpq/auth-scram.c `pg_be_scram_build_secret`, src/common/saslprep.c), and
 * a client proves it knows the password the verifier was made from (RFC 5802: StoredKey = H(HMAC(SaltedPassword,
 * "Client Key")), SaltedPassword = PBKDF2-SHA-256 of the password it sends). Drone's and Woodpecker's lib/pq send the
 * password as it is (v1.1.0 conn.go:1134, v1.12.3 conn.go:1368); Harbor's pgconn v1.14.3 sends precis.OpaqueString
 * of it (auth_scram.go:147-153: non-ASCII spaces mapped, NFC), the same for every password the rule admits (it holds
 * no non-ASCII space and is in NFKC form, hence NFC form). So: every admitted password's verifier is the one made
 * from the password as it is, and each refused example's is not, so its login would fail.
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

/** Characters SASLprep keeps, maps or normalizes, beside ASCII (controls too: an ASCII password is taken as it is). */
const UNITS = [
  'a', 'Z', '7', ' ', '\t', '\'', '\\', '$', '%', '@', ':', '/', '"', 'é', 'e\u0301', '密', '😀', 'ß', 'ﬁ', 'Ａ', '²', 'Ω', '\u2126',
  '\u00a0', '\u2003', '\u3000', '\u00ad', '\u200b', '\u200d', '\ufeff', '\u0301',
];

describe('SCRAM_PASSWORD_RULE against a real PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await PostgresServer.start(SUPERUSER);
  });
  afterAll(() => server?.stop());

  /** The verifier the server makes for each of `passwords`, in order. */
  const verifiers = (passwords: readonly string[]): string[] => {
    const sql = passwords.map((p, i) => `CREATE ROLE scram_${i} LOGIN PASSWORD ${sqlLiteral(p)};`).join('\n') +
      `\nSELECT rolpassword FROM pg_authid WHERE rolname LIKE 'scram\\_%' ORDER BY substr(rolname, 7)::int;` +
      `\n${passwords.map((_, i) => `DROP ROLE scram_${i};`).join('\n')}`;
    const r = server.psql('postgres', SUPERUSER, 'postgres', sql);
    expect(r.stderr).toBe('');
    return r.stdout.trim().split('\n').filter((l) => l.startsWith('SCRAM-SHA-256$'));
  };

  test('every password the rule admits has the verifier of the password as it is sent', () => {
    const passwords = fc.sample(fc.string({ unit: fc.constantFrom(...UNITS), minLength: 1, maxLength: 8 }), 300);
    const admitted = passwords.filter((p) => SCRAM_PASSWORD_RULE.fits(p));
    // the sample holds both kinds
    expect(admitted.length).toBeGreaterThan(20);
    expect(passwords.length - admitted.length).toBeGreaterThan(20);
    const made = verifiers(admitted);
    expect(made).toHaveLength(admitted.length);
    admitted.forEach((p, i) => {
      const { theirs, mine } = storedKey(made[i], p);
      expect({ password: p, mine }).toEqual({ password: p, mine: theirs });
    });
  });

  test('a no-break space, a soft hyphen, a ligature, a full-width letter or a decomposed accent is refused: its verifier is another\'s', () => {
    const refused = ['pass\u00a0word', 'pass\u00adword', 'ﬁle-pass', 'Ａdmin-pass', 'cafe\u0301-pass', 'pass\u200bword', '\u2126mega'];
    const made = verifiers(refused);
    refused.forEach((p, i) => {
      expect({ password: p, fits: SCRAM_PASSWORD_RULE.fits(p) }).toEqual({ password: p, fits: false });
      const { theirs, mine } = storedKey(made[i], p);
      expect({ password: p, same: mine === theirs }).toEqual({ password: p, same: false });
    });
    // what psql does, and the server with it: SASLprep, here NFKC of the mapped password
    expect(storedKey(made[2], 'file-pass').mine).toBe(storedKey(made[2], 'file-pass').theirs);
  });

  // the server skips SASLprep for a password it refuses (src/common/saslprep.c: a control character, C.2.1 or C.2.2, is
  // prohibited output; src/backend/libpq/auth-scram.c uses the raw bytes then), so what SASLprep would map or
  // normalize beside one is in the verifier as it is, as lib/pq and pgconn send it
  test('a password with a control character is taken as it is, no-break spaces, ligatures and all', () => {
    const controlled = ['pass\u00a0word\t', 'ﬁle\npass', 'Ａ\u0007\u00ad', 'cafe\u0301\u0085', '\u00a0\u007f'];
    expect(controlled.map((p) => SCRAM_PASSWORD_RULE.fits(p))).toEqual(controlled.map(() => true));
    const made = verifiers(controlled);
    controlled.forEach((p, i) => expect({ password: p, mine: storedKey(made[i], p).mine }).toEqual({ password: p, mine: storedKey(made[i], p).theirs }));
  });

  test('an ASCII password, control characters and all, is taken as it is', () => {
    const ascii = ['tab\there', 'new\nline', 'a\u007fb', 'quote\'s \\ $(x) %2F'];
    expect(ascii.every((p) => SCRAM_PASSWORD_RULE.fits(p))).toBe(true);
    const made = verifiers(ascii);
    ascii.forEach((p, i) => expect(storedKey(made[i], p).mine).toBe(storedKey(made[i], p).theirs));
  });
});
