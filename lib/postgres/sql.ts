/**
 * Quoting for the text Dockyard writes into psql scripts and shell commands. Names are also checked as plain
 * identifiers (`checkIdentifier`), so these rules are a second line of defence; passwords never pass through them:
 * they reach SQL only at run time, from the environment, as psql variables quoted by psql (`:'password'`) and by
 * the server (`format('%L')`).
 */
import { shellQuote } from '../core/shell';
import { ValidationError } from '../core/validation';

/**
 * Quote `name` as a PostgreSQL identifier, as `quote_ident()` does for names that need it: wrapped in double
 * quotes, each `"` doubled (PostgreSQL docs, "Lexical Structure: Identifiers and Key Words"). NUL is refused.
 */
export function sqlIdentifier(name: string): string {
  refuseNul(name);
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quote `text` as a PostgreSQL string literal, as `quote_literal()` does: each `'` doubled and, when there is a
 * backslash, each backslash doubled in an escape string `E'...'`, so it reads back the same whatever
 * `standard_conforming_strings` is (PostgreSQL docs, "String Constants" and "quote_literal"). NUL is refused.
 */
export function sqlLiteral(text: string): string {
  refuseNul(text);
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/**
 * Quote `word` for the reconciler's shell script as one word, by the one shell quoting rule (`shellQuote`,
 * core/shell.ts). NUL is refused here first, with the message of the other PostgreSQL text rules.
 */
export function shellWord(word: string): string {
  refuseNul(word);
  return shellQuote(word);
}

function refuseNul(text: string): void {
  if (text.includes('\0')) {
    // a ValidationError, as every refusal of input is: one line, under Pulumi too; the text is not shown
    throw new ValidationError('PostgreSQL text cannot contain NUL');
  }
}
