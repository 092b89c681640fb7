// How a check against the previous output names the runs in its lines: a synth compares with the last synth's
// output directory, a Pulumi program (lib/pulumi/previous-mark.ts) with what the stack's last update kept. One set of
// lines for both (lib/core/kept-lists.ts, lib/core/version-changes.ts), each path passing its words. Not exported from
// lib/core.

/** The words a check's line uses for the run it belongs to and the ones before it. */
export interface RunWords {
  /** This run, as a line's subject: `this synth`. */
  readonly current: string;
  /** A run before this one: `an earlier synth`. */
  readonly earlier: string;
  /** What the last run left, which this one is checked against: `the previous output`. */
  readonly previous: string;
  /** What to do once, with a variable set, to let a change through: `synthesize once`. */
  readonly once: string;
}

/** A synth's words, which the README and the tests of the cdk8s path quote. */
export const SYNTH_WORDS: RunWords = {
  current: 'this synth', earlier: 'an earlier synth', previous: 'the previous output', once: 'synthesize once',
};
