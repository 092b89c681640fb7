/** The values of `DOCKYARD_DEBUG` that leave stack traces off, in lower case. */
const OFF = ['', '0', 'false', 'no', 'off'];

/**
 * Whether `DOCKYARD_DEBUG` asks for stack traces: set to anything but the empty string, `0`, `false`, `no` or `off`
 * (in any case, around whitespace: `DOCKYARD_DEBUG=' '` or `'0 '` is off), as command-line tools commonly read a
 * switch, so that `DOCKYARD_DEBUG=0` turns it off rather than on. scripts/build-synth.js, which runs before this is
 * compiled, reads it by the same rule.
 */
export function debugRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.DOCKYARD_DEBUG ?? '';
  return !OFF.includes(value.trim().toLowerCase());
}
