import { ValueRule } from '../core/value-rules';
import {
  COMMONLY_MAPPED_TO_NOTHING_RANGES, LCAT_CODEPOINT_RANGES, NON_ASCII_SPACE_RANGES, PROHIBITED_OUTPUT_RANGES, RANDALCAT_CODEPOINT_RANGES,
  UNASSIGNED_CODEPOINT_RANGES,
} from './saslprep-tables';

/** Whether `code` is in `ranges`, inclusive pairs in ascending order (saslprep.c `is_code_in_table`). */
function inRanges(code: number, ranges: readonly number[]): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (code < ranges[2 * mid]) {
      hi = mid - 1;
    } else if (code > ranges[2 * mid + 1]) {
      lo = mid + 1;
    } else {
      return true;
    }
  }
  return false;
}

/**
 * PostgreSQL's SASLprep of `password`, or undefined where it returns SASLPREP_PROHIBITED, step by step as
 * postgres/postgres src/common/saslprep.c `pg_saslprep` takes them (a PostgreSQL 15 server agrees:
 * test/integ/scram-password.integ.test.ts): pure ASCII is kept as it is; else
 * 1. map (C.1.2 to " ", then B.1 to nothing), refusing an empty result; 2. NFKC; 3. refuse a prohibited or unassigned
 * code point; 4. refuse a string with a RandALCat code point that holds an LCat one or does not start and end with a
 * RandALCat one. Steps 3 and 4 look at the mapped string before NFKC, as pg_saslprep does (it checks `input_chars`),
 * not at its output as RFC 3454 says: so "ש™ם" passes them, though its NFKC "שTMם" mixes directions.
 *
 * NFKC is JavaScript's, of a newer Unicode than PostgreSQL 15's own tables: the two agree here, as normalization is
 * stable for code points both know (Unicode's normalization stability policy), and step 3 lets only ones assigned in
 * Unicode 3.2 through.
 */
export function saslprep(password: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(password)) {
    return password;
  }
  const mapped: number[] = [];
  for (const c of password) {
    const code = c.codePointAt(0)!;
    if (inRanges(code, NON_ASCII_SPACE_RANGES)) {
      mapped.push(0x20);
    } else if (!inRanges(code, COMMONLY_MAPPED_TO_NOTHING_RANGES)) {
      mapped.push(code);
    }
  }
  if (mapped.length === 0) {
    return undefined;
  }
  const normalized = String.fromCodePoint(...mapped).normalize('NFKC');
  if (mapped.some((code) => inRanges(code, PROHIBITED_OUTPUT_RANGES) || inRanges(code, UNASSIGNED_CODEPOINT_RANGES))) {
    return undefined;
  }
  const randAL = (code: number) => inRanges(code, RANDALCAT_CODEPOINT_RANGES);
  if (mapped.some(randAL)
    && (mapped.some((code) => inRanges(code, LCAT_CODEPOINT_RANGES)) || !randAL(mapped[0]) || !randAL(mapped[mapped.length - 1]))) {
    return undefined;
  }
  return normalized;
}

/**
 * The password PostgreSQL makes a role's SCRAM verifier from: its SASLprep, or the password as it is where SASLprep
 * refuses it (REL_15_STABLE src/backend/libpq/auth-scram.c `pg_be_scram_build_secret`: "If that doesn't work, because
 * the password isn't valid UTF-8 or contains prohibited characters, just proceed with the original password").
 */
export function serverScramPassword(password: string): string {
  return saslprep(password) ?? password;
}

/**
 * A database password Drone's and Woodpecker's lib/pq log in with: one the server makes its verifier from as it is.
 * lib/pq proves it knows the password as it is, without SASLprep (v1.1.0 `conn.go:1134`, v1.12.3 `conn.go:1368` hand
 * it to `scram.NewClient`), so it fits exactly when `serverScramPassword` keeps it: ASCII, a password SASLprep leaves
 * as it is, or one SASLprep refuses (a control character, an emoji or another code point unassigned in Unicode 3.2,
 * right-to-left letters beside left-to-right ones). A no-break space, a soft hyphen, a ligature, a full-width letter
 * or a decomposed accent in a password SASLprep takes fails every login, while psql, which SASLpreps it too, logs in.
 */
export const LIB_PQ_SCRAM_PASSWORD_RULE: ValueRule = {
  fits: (value) => serverScramPassword(value) === value,
  allowed: 'must be one PostgreSQL makes its SCRAM verifier from as it is: no non-ASCII space, soft hyphen, ligature, full-width letter, ' +
    'decomposed accent or other character SASLprep (RFC 4013) would change, unless the password also holds a control character, an emoji ' +
    'or another code point unassigned in Unicode 3.2, or mixes right-to-left and left-to-right letters',
};

/**
 * A database password Harbor's pgconn v1.14.3 logs in with. pgconn sends precis.OpaqueString of the password, or the
 * password as it is where OpaqueString refuses it (auth_scram.go:147-153). OpaqueString maps the spaces of Unicode's
 * Zs to " " and normalizes to NFC, then refuses a code point the PRECIS Freeform class disallows (golang.org/x/text
 * v0.35.0, Harbor v2.15.1's, secure/precis profiles.go `opaquestring`, profile.go `enforce`; no bidi rule). A
 * control character (Cc) is always disallowed there (secure/precis gen.go), and SASLprep refuses it too, so such a
 * password is sent and stored as it is. Otherwise this rule takes a password only when both of pgconn's forms, mapped
 * or as it is, equal the server's: whether OpaqueString refuses some other password would need PRECIS's derived
 * property of Go's Unicode tables, so some passwords pgconn and the server map alike (a no-break space in one SASLprep
 * takes) are refused too. An emoji or mixed directions need no more than lib/pq: OpaqueString keeps them.
 */
export const PGCONN_SCRAM_PASSWORD_RULE: ValueRule = {
  fits: (value) => serverScramPassword(value) === value && (/\p{Cc}/u.test(value) || value.replace(/\p{Zs}/gu, ' ').normalize('NFC') === value),
  allowed: 'must be one PostgreSQL makes its SCRAM verifier from as it is and OpaqueString keeps: no non-ASCII space, soft hyphen, ligature, ' +
    'full-width letter, decomposed accent or other character SASLprep (RFC 4013) would change, unless the password also holds a control ' +
    'character; an emoji or mixed-direction text may stand beside anything but a non-ASCII space or a decomposed accent',
};
