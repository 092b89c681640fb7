/**
 * Whether `DOCKYARD_DEBUG` asks for stack traces: set to anything but the empty string, `0` or `false` (in any
 * case), as command-line tools commonly read a switch, so that `DOCKYARD_DEBUG=0` turns it off rather than on.
 */
export function debugRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.DOCKYARD_DEBUG ?? '';
  return value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
