import { ValueRule } from '../core/value-rules';

/**
 * What Harbor's database password must be: core and the exporter splice it unquoted into a key/value DSN,
 * `host=%s port=%s user=%s password=%s dbname=%s sslmode=%s timezone=UTC` (goharbor/harbor v2.15.1
 * src/common/dao/pgsql.go:95-96), whose parser (jackc/pgconn v1.14.3 config.go:516-572) ends an unquoted value at
 * ASCII white space, reads a `\` as an escape and a value starting with `'` as a quoted one.
 */
export const HARBOR_DSN_PASSWORD_RULE: ValueRule = {
  fits: (value) => !/[ \t\n\r\v\f\\]/.test(value) && !value.startsWith('\''),
  allowed: 'must hold no white space and no "\\", and not start with "\'", which Harbor\'s DSN would read otherwise',
};
