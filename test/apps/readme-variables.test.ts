import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_VARIABLES } from '../../apps/default/config';

/** The README's row for a variable: name, default, meaning and what is allowed, as the errors say it. */
export function readmeRow(v: (typeof CONFIG_VARIABLES)[number]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return `| \`${v.name}\` | ${cell(v.default)} | ${cell(v.meaning)} | ${cell(v.allowed)} |`;
}

describe('README: the DOCKYARD_* variables', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

  test.each(CONFIG_VARIABLES.map((v) => [v.name, v]))('%s has its row, with the rule its error message states', (_, v) => {
    expect(readme).toContain(`${readmeRow(v)}\n`);
  });

  test('the table lists no variable the stack does not read', () => {
    const documented = [...readme.matchAll(/^\| `(DOCKYARD_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(CONFIG_VARIABLES.map((v) => v.name).sort());
  });
});
