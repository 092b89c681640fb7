// The policy suite over apps/teams with 1,000 teams: the scale the issue asks the library to hold (the 3-team stack
// runs with the other example stacks in stacks.test.ts). Longer than the others, and still part of `npm test`.
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { teamsStack } from '../../apps/teams/stack';
import { synthStack } from '../stacks';
import { policySuite } from './suite';

jest.setTimeout(600_000);

describe('policy: teams stack with 1,000 teams', () => {
  policySuite(() => synthStack('teams-1000', (app) => teamsStack(app, { ...DEFAULT_CONFIG, teams: 1000 })));
});
