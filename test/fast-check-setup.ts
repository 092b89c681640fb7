import fc from 'fast-check';

// Property tests draw new cases on every run, which is how they find bugs. CI sets FC_SEED so that a submission
// lands or not on its own merits, and a failure is reproducible with the same seed.
if (process.env.FC_SEED) {
  fc.configureGlobal({ seed: Number(process.env.FC_SEED) });
}
