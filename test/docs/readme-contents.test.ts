import * as fs from 'fs';
import * as path from 'path';

/**
 * The README's "Contents" lists every section (`##`) and subsection (`###`) in order, each linked by the anchor
 * GitHub gives its heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`. A heading added, renamed
 * or moved without its entry fails here, so the list a new reader starts from never goes stale.
 */
test('the README\'s contents list every heading in order, by its anchor', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  let fenced = false;
  const headings: string[] = [];
  for (const line of readme.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^(##|###) (.*)$/.exec(line);
    if (m && m[2] !== 'Contents') {
      const anchor = m[2].toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
      headings.push(`${m[1] === '##' ? '' : '  '}- [${m[2]}](#${anchor})`);
    }
  }
  const contents = /^## Contents\n\n((?:.*\n)*?)\n/m.exec(readme)?.[1].trimEnd().split('\n');
  expect(contents).toEqual(headings);
  expect(headings).toContain('- [Many teams](#many-teams)');
});

/** The README's Layout names every folder of `lib/` and `apps/`, so a reader looking for a construct's source finds it. */
test('the README\'s layout names every folder of lib/ and apps/', () => {
  const root = path.join(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const layout = readme.slice(readme.indexOf('## Layout'));
  const folders = ['lib', 'apps'].flatMap((top) => fs.readdirSync(path.join(root, top), { withFileTypes: true })
    .filter((d) => d.isDirectory()).map((d) => `\`${top}/${d.name}\``));
  expect(folders.filter((f) => !layout.includes(f))).toEqual([]);
});

/**
 * The anchor GitHub gives a heading (github/cmark-gfm's and github-markup's rule, as the Contents test above): lower
 * case, backticks and every punctuation mark but `-` and `_` dropped, each space a `-`; the second heading of the same
 * text gets `-1`, the third `-2`. Every level counts (`####` too), fenced code does not.
 */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) { fenced = !fenced; continue; }
    const m = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(base);
    seen.set(base, n === undefined ? 0 : n + 1);
    anchors.add(n === undefined ? base : `${base}-${n + 1}`);
  }
  return anchors;
}

/**
 * Every in-page link of the README (`](#anchor)`) lands on a heading, and every relative link (`](docs/x.svg)`) on a
 * file of the repository: a section renamed without its cross-references, or a file moved, fails here instead of
 * leaving a reader at the top of the page or at a 404.
 */
test('the README\'s in-page links resolve to headings and its relative links to files', () => {
  const root = path.join(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const anchors = headingAnchors(readme);
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  const inPage = links.filter((l) => l.startsWith('#')).map((l) => l.slice(1));
  expect(inPage.length).toBeGreaterThan(40);
  expect(inPage.filter((a) => !anchors.has(a))).toEqual([]);
  const relative = links.filter((l) => !l.startsWith('#') && !/^[a-z][a-z0-9+.-]*:/i.test(l));
  expect(relative.filter((l) => !fs.existsSync(path.join(root, decodeURIComponent(l.split('#')[0]))))).toEqual([]);
  // a relative link's fragment lands on a heading of its file, where that file is markdown
  for (const l of relative.filter((r) => r.includes('#') && r.split('#')[0].endsWith('.md'))) {
    const [file, fragment] = l.split('#');
    expect([l, headingAnchors(fs.readFileSync(path.join(root, file), 'utf8')).has(fragment)]).toEqual([l, true]);
  }
});

test('heading anchors follow GitHub\'s rules', () => {
  expect([...headingAnchors('# A `B`: c/d\n## x\n```\n## x\n```\n### x\n#### x\n## Rev\'s e_f-g\n')])
    .toEqual(['a-b-cd', 'x', 'x-1', 'x-2', 'revs-e_f-g']);
});

/**
 * Every path of this repository the README names in code spans (`lib/harbor/configure.js`,
 * `test/core/drain-example-stacks.test.ts`, `apps/shared/ci-engine.ts:12`) exists, so a reader sent to a file as
 * the source of a statement finds it; `docs/api/` is what `npm run docs` writes (typedoc.json's `out`).
 */
test('the README names only files of the repository that exist', () => {
  const root = path.join(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const generated = [`${JSON.parse(fs.readFileSync(path.join(root, 'typedoc.json'), 'utf8')).out}/`];
  const named = [...readme.matchAll(/`((?:lib|apps|test|scripts|bench|bin|docs)\/[^`\s]*)`/g)].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(50);
  const missing = named.filter((p) => !generated.includes(p) && !fs.existsSync(path.join(root, p.replace(/:[\d,-]+$/, ''))));
  expect([...new Set(missing)]).toEqual([]);
});

/**
 * Each Upgrade note is a paragraph of its own, its bold title after a blank line: notes merged one after another
 * without it run together into one paragraph, where a reader skimming the titles misses all but the first.
 */
test('each Upgrade note starts a paragraph', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Upgrade notes\n');
  const lines = readme.slice(start, readme.indexOf('\n## ', start + 1)).split('\n');
  const titles = lines.map((l, i) => [l, lines[i - 1]] as const).filter(([l]) => l.startsWith('**'));
  expect(titles.length).toBeGreaterThan(10);
  expect(titles.filter(([, before]) => before !== '').map(([l]) => l.slice(0, 60))).toEqual([]);
});
