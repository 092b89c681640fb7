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
