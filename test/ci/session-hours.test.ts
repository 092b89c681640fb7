import { container, envOf, find, synth, testChart } from '../util';
import { droneServer } from '../drone/fixtures';
import { woodpeckerCi, woodpeckerServer } from '../woodpecker/fixtures';

// `sessionHours`: how long a CI login lasts. Each engine signs the expiry into the session at login, and reads the
// lifetime as a Go duration:
// - Drone 2.28.2: `DRONE_COOKIE_TIMEOUT`, default "720h" (harness v2.28.2 cmd/drone-server/config/config.go:285),
//   signed into the cookie by authcookie.NewSinceNow (session/session.go:48-60);
// - Woodpecker v3.17.0: `WOODPECKER_SESSION_EXPIRES`, default 72h (cmd/server/flags.go:231-236), the session
//   token's expiry (server/api/login.go:286-289).
// time.ParseDuration refuses more than math.MaxInt64 nanoseconds (2562047h47m16.854775807s), which would stop the
// server at start.

const droneEnv = (props: Parameters<typeof droneServer>[1]) => {
  const chart = testChart('ci');
  droneServer(chart, props);
  return envOf(container(find(synth(chart), 'Deployment', 'drone', 'ci')));
};
const woodpeckerEnv = (props: Parameters<typeof woodpeckerServer>[1]) => {
  const chart = testChart('ci');
  woodpeckerServer(chart, props);
  return envOf(container(find(synth(chart), 'Deployment', 'woodpecker', 'ci')));
};

describe('sessionHours', () => {
  test('unset, neither engine is given the variable: its own default holds, and the output is as before', () => {
    expect(droneEnv({}).DRONE_COOKIE_TIMEOUT).toBeUndefined();
    expect(woodpeckerEnv({}).WOODPECKER_SESSION_EXPIRES).toBeUndefined();
  });

  test('set, each engine gets it as a Go duration in hours', () => {
    expect(droneEnv({ sessionHours: 12 }).DRONE_COOKIE_TIMEOUT).toEqual({ name: 'DRONE_COOKIE_TIMEOUT', value: '12h' });
    expect(woodpeckerEnv({ sessionHours: 8 }).WOODPECKER_SESSION_EXPIRES).toEqual({ name: 'WOODPECKER_SESSION_EXPIRES', value: '8h' });
    // the longest Go reads
    expect(droneEnv({ sessionHours: 2562047 }).DRONE_COOKIE_TIMEOUT.value).toBe('2562047h');
  });

  test('WoodpeckerCi hands it on to its server (server options)', () => {
    const chart = testChart('ci');
    woodpeckerCi(chart, { server: { sessionHours: 24 } });
    const server = synth(chart).find((o: any) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'server');
    expect(envOf(container(server)).WOODPECKER_SESSION_EXPIRES).toEqual({ name: 'WOODPECKER_SESSION_EXPIRES', value: '24h' });
  });

  test.each([0, -1, 1.5, 2562048, Number.NaN, '12h' as any])('%p is refused, in one line naming the prop, the value and what is allowed', (value) => {
    // 2562047 hours: the longest duration Go's time.ParseDuration reads (lib/ci/session-hours.ts)
    const rule = 'must be an integer from 1 to 2562047';
    for (const make of [() => droneServer(testChart('ci'), { sessionHours: value }), () => woodpeckerServer(testChart('ci'), { sessionHours: value })]) {
      expect(make).toThrow(new RegExp(`^invalid sessionHours .*: ${rule}$`));
    }
  });
});
