import { EXAMPLE_STACKS } from '../stacks';
import { policySuite } from './suite';

/** The policy suite: every check over every object of every example stack. */
describe.each(EXAMPLE_STACKS)('policy: $name stack', ({ synth, synthNew }) => { policySuite(synth, synthNew); });
