import { invalid } from './validation';

/**
 * `value` as one POSIX shell word that the shell reads back exactly: in single quotes, inside which nothing is
 * special (POSIX.1-2017 XCU 2.2.2), with each `'` written as `'\''` (close, escaped quote, reopen). The one quoting
 * rule for every shell command Dockyard writes (pipeline steps, the PostgreSQL reconciler's script).
 *
 * NUL is refused: no argument or variable can hold one (they are C strings), so no quoting can carry it.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    invalid('shell word', value, 'must not contain NUL, which no shell argument can hold');
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
