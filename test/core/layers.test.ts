// The guide's layering: `core` at the bottom, no import upward; `lib/pulumi/` the only place that imports Pulumi.
// Read from the sources, so a new file that breaks a rule fails here rather than in a review.
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.resolve(__dirname, '../../lib');

/** Every .ts file below `dir`, relative to lib/. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.relative(LIB, full)] : [];
  });
}

/** The module specifiers a file imports or requires (`import … from`, `export … from`, `import(…)`, `require(…)`). */
function imports(file: string): string[] {
  const text = fs.readFileSync(path.join(LIB, file), 'utf8');
  const found: string[] = [];
  for (const re of [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g, /^import\s+['"]([^'"]+)['"]/gm]) {
    for (const m of text.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/** The lib/ folder a relative specifier of `file` lands in, or undefined for a package. */
function targetFolder(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = path.relative(LIB, path.resolve(LIB, path.dirname(file), spec));
  return target.split(path.sep)[0];
}

describe('lib layering', () => {
  const files = sources(LIB);

  test('the sources are found', () => {
    expect(files).toContain(path.join('core', 'validation.ts'));
    expect(files.length).toBeGreaterThan(100);
  });

  test('lib/core imports nothing from another lib folder', () => {
    const upward = files.filter((f) => f.startsWith(`core${path.sep}`))
      .flatMap((f) => imports(f).filter((s) => { const t = targetFolder(f, s); return t !== undefined && t !== 'core'; }).map((s) => `${f}: ${s}`));
    expect(upward).toEqual([]);
  });

  test('only lib/pulumi imports Pulumi, and nothing but lib/index.ts imports lib/pulumi', () => {
    const pulumi = files.filter((f) => !f.startsWith(`pulumi${path.sep}`))
      .flatMap((f) => imports(f).filter((s) => s.startsWith('@pulumi/') || (targetFolder(f, s) === 'pulumi' && f !== 'index.ts')).map((s) => `${f}: ${s}`));
    expect(pulumi).toEqual([]);
  });

  test('lib/index.ts only re-exports', () => {
    const lines = fs.readFileSync(path.join(LIB, 'index.ts'), 'utf8').split('\n').map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('//') && !l.startsWith('/*') && !l.startsWith('*'));
    expect(lines.filter((l) => !/^export \* from '\.\/[a-z-]+';$/.test(l) && !/^export \* as \w+ from '\.\/[a-z-]+';$/.test(l))).toEqual([]);
  });
});
