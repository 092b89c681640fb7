import { checkInteger } from '../core';

// Both engines read a session's lifetime as a Go time.Duration (Drone 2.28.2 through envconfig,
// cmd/drone-server/config/config.go:285; Woodpecker v3.17.0 through urfave/cli, cmd/server/flags.go:231-236), which
// time.ParseDuration refuses past math.MaxInt64 nanoseconds, 2562047h47m16.854775807s: a longer value would stop
// the server at start, so the synth refuses it.
const MAX_HOURS = 2562047;

/**
 * Check `value`, a CI server's `sessionHours`, and write it as the Go duration the engine reads (`"<hours>h"`).
 *
 * @internal
 */
export function sessionDuration(prop: string, value: number): string {
  return `${checkInteger(prop, value, 1, MAX_HOURS)}h`;
}
