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
 * pure ASCII, which it takes as it is (postgres/postgres src/common/saslprep.c `pg_saslprep`, called by
 * src/backend/libpq/auth-scram.c `pg_be_scram_build_secret`). Drone's and Woodpecker's lib/pq sends the password as
 * it is (v1.1.0 `conn.go:1134`, v1.12.3 `conn.go:1368`); Harbor's pgconn v1.14.3 maps non-ASCII spaces and
 * normalizes to NFC only (`auth_scram.go:147-153`, precis.OpaqueString), not NFKC. So a password SASLprep would change
 * (a no-break space, a soft hyphen, a ligature, a full-width letter, a decomposed accent) fails every login of theirs,
 * while psql, which SASLpreps it too, logs in. A password this rule admits is unchanged by SASLprep and by
 * OpaqueString (NFKC form is NFC form), so all three send what the verifier was made from.
 */
export const SCRAM_PASSWORD_RULE: ValueRule = {
  // eslint-disable-next-line no-control-regex
  fits: (value) => /^[\u0000-\u007f]*$/.test(value) || (!SASLPREP_MAPPED.test(value) && value.normalize('NFKC') === value),
  allowed: 'must be unchanged by SASLprep (RFC 4013), from which PostgreSQL makes its SCRAM verifier: no non-ASCII space, no soft hyphen ' +
    'or other character SASLprep drops, nothing NFKC normalization changes (a ligature, a full-width letter, a decomposed accent)',
};
