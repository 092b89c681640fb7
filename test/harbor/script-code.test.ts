import * as fs from 'fs';
import * as ts from 'typescript';
import { scriptCode } from '../../lib/harbor/script-code';

// What the configuration script's ConfigMap is named by (lib/harbor/script-code.ts): its code, not its comment lines.
// Comment syntax: ECMA-262 (2024), 12.4 Comments — `//` to the end of the line, `/*` to the first `*/`.

/**
 * The tokens of JavaScript `text` as TypeScript's parser reads them (regular expressions and template literals in
 * their context), comments and white space between tokens left out, JSDoc included.
 */
function tokens(text: string): string[] {
  const file = ts.createSourceFile('script.js', text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone },
    true, ts.ScriptKind.JS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(file);
    if (children.length === 0) out.push(node.getText(file));
    else children.forEach(visit);
  };
  visit(file);
  return out;
}

describe('scriptCode', () => {
  const code = [
    '\'use strict\';',
    '// what it does',
    '// in two lines',
    '',
    '/**',
    ' * A function.',
    ' */',
    'function f(x) {',
    '  /* one line */',
    '  return x / 2; // beside code',
    '}',
  ].join('\n');

  test('leaves out blank lines, // lines and /* */ comments that fill their lines', () => {
    expect(scriptCode(code)).toBe(['\'use strict\';', 'function f(x) {', '  return x / 2; // beside code', '}'].join('\n'));
  });

  test('is the same for a text reworded in those comments, and differs for a change of code or of a comment beside it', () => {
    const reworded = code.replace('// in two lines', '// in two lines,\n//\n// now three').replace(' * A function.', ' * A function\n * that halves.\n')
      .replace('/* one line */', '/* still one line */');
    expect(reworded).not.toBe(code);
    expect(scriptCode(reworded)).toBe(scriptCode(code));
    expect(scriptCode(code.replace('x / 2', 'x / 3'))).not.toBe(scriptCode(code));
    expect(scriptCode(code.replace('// beside code', '// beside the code'))).not.toBe(scriptCode(code));
  });

  test('keeps a line whose comment is followed by code, and takes the whole text when a comment block ends before its line does', () => {
    expect(scriptCode('/* a */ run();\n')).toBe('/* a */ run();');
    const early = '/*\n * a\n */ run();\n// b\n';
    expect(scriptCode(early)).toBe(early);
    const unterminated = 'run();\n/* never closed\n';
    expect(scriptCode(unterminated)).toBe(unterminated);
  });

  // the check below can fail: a template literal's line that begins with // is text, which scriptCode leaves out
  test('the token check sees a template literal\'s line taken for a comment', () => {
    const template = 'const t = `a\n// not a comment\nb`;\n';
    expect(tokens(scriptCode(template))).not.toEqual(tokens(template));
    expect(tokens(scriptCode(code))).toEqual(tokens(code));
  });

  // scriptCode reads lines, not tokens: this is what keeps it from leaving code out of the name of the shipped script
  test('leaves nothing but comments and blank lines out of lib/harbor/configure.js', () => {
    const script = fs.readFileSync(require.resolve('../../lib/harbor/configure.js'), 'utf8');
    const kept = scriptCode(script);
    expect(kept.length).toBeLessThan(script.length);
    expect(tokens(kept)).toEqual(tokens(script));
  });
});
