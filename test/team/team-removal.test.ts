// A Team that throws halfway is removed in one place, TeamPlatform.addTeam: its construct goes, whichever step threw
// (here the engine refusing its build namespace, the step the Team used to catch itself), and its name is free
// again; a construct that had the name before stays. And the overlap check reads RegExp syntax characters in
// repository patterns literally (lib/core/text.ts escapeRegExp).
import { Construct } from 'constructs';
import fc from 'fast-check';
import { reposOverlap } from '../../lib/ci/repo-overlap';
import { platform } from './fixtures';

describe('a half-built team', () => {
  test('goes when the engine refuses its build namespace, and its name is free for a retry', () => {
    const p = platform();
    const refuse = jest.spyOn(p.ci, 'addBuildNamespace').mockImplementation(() => {
      throw new Error('refused');
    });
    expect(() => p.teams.addTeam({ name: 'web', repos: ['acme/web'] })).toThrow('refused');
    expect(refuse).toHaveBeenCalledTimes(1);
    expect(p.teams.node.tryFindChild('web')).toBeUndefined();
    expect(p.teams.teams).toEqual([]);
    refuse.mockRestore();
    const team = p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    expect(p.teams.node.tryFindChild('web')).toBe(team);
    expect(p.teams.teams).toEqual([team]);
  });

  test('a construct that had the team\'s name before stays', () => {
    const p = platform();
    const other = new Construct(p.teams, 'web');
    expect(() => p.teams.addTeam({ name: 'web', repos: ['acme/web'] })).toThrow(/There is already a Construct with name 'web'/);
    expect(p.teams.node.tryFindChild('web')).toBe(other);
    expect(p.teams.teams).toEqual([]);
  });
});

describe('reposOverlap reads RegExp syntax characters literally', () => {
  const SYNTAX = [...'^$\\.+(){}|'];
  const part = fc.array(fc.constantFrom('a', 'b', ...SYNTAX), { minLength: 1, maxLength: 5 }).map((a) => a.join(''));

  test('a glob overlaps the slugs it matches and no slug with a syntax character changed', () => {
    fc.assert(fc.property(part, part, fc.nat(), fc.constantFrom('x', ...SYNTAX), (owner, name, at, c) => {
      const slug = `${owner}/${name}`;
      expect(reposOverlap(`${owner}/*`, slug)).toBe(true);
      expect(reposOverlap(`${owner}/?${name.slice(1)}`, slug)).toBe(true);
      const i = at % owner.length;
      const changed = `${owner.slice(0, i)}${c}${owner.slice(i + 1)}/${name}`;
      expect(reposOverlap(`${owner}/*`, changed)).toBe(changed.toLowerCase().startsWith(`${owner.toLowerCase()}/`));
    }), { numRuns: 1000 });
  });
});
