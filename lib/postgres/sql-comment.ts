/**
 * A psql `--` comment line that says `text`, on one line whatever `text` holds: every control character (C0 and DEL)
 * is written as `\uXXXX`.
 *
 * psql's lexer ends a `--` comment at `\n` or `\r` (postgres/postgres src/fe_utils/psqlscan.l: `newline [\n\r]`,
 * `non_newline [^\n\r]`, `comment ("--"{non_newline}*)`), so a raw line break would run the rest of `text` as SQL;
 * and in the reconciler's script the SQL is a bash heredoc, which ends at any line equal to its delimiter. Nothing
 * else in a comment means anything to psql or to a quoted heredoc, so nothing else is escaped.
 *
 * @internal
 */
export function sqlComment(text: string): string {
  return `-- ${text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
}
