// The text the configuration script's ConfigMap is named by. The ConfigMap holds lib/harbor/configure.js as written,
// comments and all, and its name carries a hash so that a Job still retrying an older state keeps reading its own
// script (configure-job.ts); every Job's name carries that name in turn. Hashed whole, a release that only reworded a
// comment of the script renamed the ConfigMap and so every configure Job: each ran again in every cluster, for
// nothing, and the old ConfigMap was left behind to be deleted by hand (an upgrade trial: two such releases in the
// last fifty commits). Not exported from lib/harbor.

/**
 * `text`, a JavaScript file, without its blank lines and the lines that hold nothing but a comment: a `//` line, or a
 * `/*` comment that begins its line and ends at the end of a line (ECMA-262, 12.4 Comments). Any other shape of
 * comment, one beside code or one whose end it cannot see, is kept, and a block comment that ends before its line
 * does is taken as code: the whole `text` is returned, so that no code is ever left out.
 *
 * It reads lines, not tokens, so a line inside a template literal that begins with `//` or `/*`, or is blank, would
 * be left out too; test/harbor/script-code.test.ts checks with TypeScript's parser that configure.js has none.
 */
export function scriptCode(text: string): string {
  const kept: string[] = [];
  let inBlock = false;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (inBlock) {
      const end = t.indexOf('*/');
      if (end >= 0) {
        if (end !== t.length - 2) return text;
        inBlock = false;
      }
    } else if (t.startsWith('/*')) {
      const end = t.indexOf('*/', 2);
      if (end < 0) inBlock = true;
      else if (end !== t.length - 2) kept.push(line);
    } else if (t !== '' && !t.startsWith('//')) {
      kept.push(line);
    }
  }
  return inBlock ? text : kept.join('\n');
}
