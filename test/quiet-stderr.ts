// Synths run inside tests tell the operator what they did on stderr ("dockyard: generated 20 new keys, ..."): hundreds
// of lines in a run, among which a failure is hard to find. They are left out of the run's output, errors
// ("dockyard: error: ...") and everything else still show. A test that checks what a synth says captures stderr
// itself (test/util.ts stderrOf, or jest.spyOn), which replaces this filter while it runs.
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
  (/^dockyard: (?!error:)/.test(String(chunk)) ? true : (write as (...args: unknown[]) => boolean)(chunk, ...rest))) as typeof process.stderr.write;
