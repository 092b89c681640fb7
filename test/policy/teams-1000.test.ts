// The policy suite over apps/teams with 1,000 teams: the scale the issue asks the library to hold (the 3-team stack
// runs with the other example stacks in stacks.test.ts). Longer than the others, and still part of `npm test`.
import { DEFAULT_CONFIG, WOODPECKER_HOST } from '../../apps/default/config';
import { teamsStack } from '../../apps/teams/stack';
import { CiEngineKind } from '../../lib';
import { MAX_ANNOTATIONS_BYTES, objectSize } from '../../lib/core/object-size';
import { synthStack } from '../stacks';
import { policySuite } from './suite';

jest.setTimeout(600_000);

describe('policy: teams stack with 1,000 teams', () => {
  // a new synth on each call: the suite checks that two agree byte for byte
  const stack = policySuite(() => synthStack('teams-1000', (app) => teamsStack(app, { ...DEFAULT_CONFIG, teams: 1000 })));

  test('every object, Secrets included, applies client-side: under 256 KiB with its last-applied annotation', () => {
    const { objects, secrets } = stack;
    const largest = [...objects, ...secrets]
      .map((o) => ({ name: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, bytes: objectSize(o).annotationsWhenApplied }))
      .sort((a, b) => b.bytes - a.bytes)[0];
    expect(largest.bytes).toBeLessThan(MAX_ANNOTATIONS_BYTES);
    expect(largest.name).toBe('ConfigMap dockyard/drone-runner-config'); // the one object that grows with the teams
  });
});

// on Woodpecker every team has agents of its own (its routes), which the server's NetworkPolicy once admitted one
// rule each: past the 256 KiB client-side apply stores near 180 teams, and 1 MiB near 680
describe('policy: teams stack with 1,000 teams on Woodpecker', () => {
  const stack = policySuite(() => synthStack('teams-woodpecker-1000',
    (app) => teamsStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST, teams: 1000 })));

  test('every object, Secrets included, applies client-side: under 256 KiB with its last-applied annotation', () => {
    const { objects, secrets } = stack;
    const largest = Math.max(...[...objects, ...secrets].map((o) => objectSize(o).annotationsWhenApplied));
    expect(largest).toBeLessThan(MAX_ANNOTATIONS_BYTES);
  });
});
