import { ValueRule } from '../core/value-rules';

/**
 * The non-ASCII spaces SASLprep maps to " " (RFC 3454 table C.1.2, as postgres/postgres src/common/saslprep.c
 * `non_ascii_space_ranges` lists them, U+200B among them) and the characters it maps to nothing (table B.1,
 * `commonly_mapped_to_nothing_ranges`).
 */
const SASLPREP_MAPPED = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\u00ad\u034f\u1806\u180b-\u180d\u200c\u200d\u2060\ufe00-\ufe0f\ufeff]/u;

/**
 * A database password the clients Dockyard configures send as PostgreSQL checks it. PostgreSQL makes a role's SCRAM
 * verifier from the password after SASLprep (RFC 4013: the mapping of `SASLPREP_MAPPED`, then NFKC), unless it is
 * pure ASCII or SASLprep refuses it, when it takes it as it is (postgres/postgres REL_15 src/common/saslprep.c
 * `pg_saslprep` returns SASLPREP_PROHIBITED for a control character, table C.2.1 or C.2.2, left after the mapping;
 * src/backend/libpq/auth-scram.c `pg_be_scram_build_secret` then uses it unchanged, as its header comment says: "contains
 * characters prohibited by the SASLprep profile, we skip the SASLprep pre-processing and use the raw bytes"). pgconn's
 * OpaqueString refuses a control character too (golang/text secure/precis gen.go: `unicode.Cc` is DISALLOWED), and
 * pgconn then sends the password as it is (auth_scram.go:149-153), as lib/pq does: so a password holding a control
 * character (a tab, a line break) logs in whatever else it holds. Drone's and Woodpecker's lib/pq sends the password as
 * it is (v1.1.0 `conn.go:1134`, v1.12.3 `conn.go:1368`); Harbor's pgconn v1.14.3 maps non-ASCII spaces and
 * normalizes to NFC only (`auth_scram.go:147-153`, precis.OpaqueString), not NFKC. So a password SASLprep would change
 * (a no-break space, a soft hyphen, a ligature, a full-width letter, a decomposed accent) fails every login of theirs,
 * while psql, which SASLpreps it too, logs in. A password this rule admits is unchanged by SASLprep and by
 * OpaqueString (NFKC form is NFC form), or holds a control character, so all three send what the verifier was made
 * from. Other passwords SASLprep refuses (one with a code point unassigned in Unicode 3.2, such as an emoji, or
 * mixing right-to-left and left-to-right letters) are refused here when they hold what SASLprep would change: telling
 * them apart needs RFC 3454's tables, and pgconn's OpaqueString does change some of them.
 */
export const SCRAM_PASSWORD_RULE: ValueRule = {
  // eslint-disable-next-line no-control-regex
  fits: (value) => /^[\u0000-\u007f]*$/.test(value) || /\p{Cc}/u.test(value)
    || (!SASLPREP_MAPPED.test(value) && value.normalize('NFKC') === value),
  allowed: 'must be unchanged by SASLprep (RFC 4013), from which PostgreSQL makes its SCRAM verifier: no non-ASCII space, no soft hyphen ' +
    'or other character SASLprep drops, nothing NFKC normalization changes (a ligature, a full-width letter, a decomposed accent)',
};
