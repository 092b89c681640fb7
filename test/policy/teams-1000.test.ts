// The policy suite over apps/teams with 1,000 teams: the scale the issue asks the library to hold (the 3-team stack
// runs with the other example stacks in stacks.test.ts). Longer than the others, and still part of `npm test`.
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { teamsStack } from '../../apps/teams/stack';
import { MAX_ANNOTATIONS_BYTES, objectSize } from '../../lib/core/object-size';
import { synthStack } from '../stacks';
import { policySuite } from './suite';

jest.setTimeout(600_000);

describe('policy: teams stack with 1,000 teams', () => {
  const synth = () => synthStack('teams-1000', (app) => teamsStack(app, { ...DEFAULT_CONFIG, teams: 1000 }));
  policySuite(synth);

  test('every object, Secrets included, applies client-side: under 256 KiB with its last-applied annotation', () => {
    const stack = synth();
    const largest = [...stack.objects, ...stack.secrets]
      .map((o) => ({ name: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, bytes: objectSize(o).annotationsWhenApplied }))
      .sort((a, b) => b.bytes - a.bytes)[0];
    expect(largest.bytes).toBeLessThan(MAX_ANNOTATIONS_BYTES);
    expect(largest.name).toBe('ConfigMap dockyard/drone-runner-config'); // the one object that grows with the teams
  });
});
