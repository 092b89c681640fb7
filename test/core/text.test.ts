// lib/core/text.ts: the one RegExp escape (grants' repository matchers, the team overlap check), the one
// locale-independent string order (diagram, pipeline renderers, node mirrors), the one edit distance and the one
// near-name rule (typo hints: settings and props, DOCKYARD_ROTATE entries, pipeline secrets).
// Properties on strings fast-check draws.
import fc from 'fast-check';
import { compare, editDistance, escapeRegExp, nearestName, notAmong } from '../../lib/core/text';

/** Every character that means something in a RegExp outside a class, `-` and `/`, and a few plain ones. */
const META = [...'^$\\.*+?()[]{}|-/', 'a', 'Z', '0', '\n', ' '];
/** Strings rich in metacharacters, and strings of any UTF-16 code units (lone surrogates included). */
const texts = fc.oneof(fc.string({ unit: fc.constantFrom(...META), maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }));
/** A text and another of the same length: one code unit changed, or any other string of its length. */
const textAndOther = texts.filter((s) => s.length > 0).chain((s) => fc.tuple(
  fc.constant(s),
  fc.oneof(
    fc.tuple(fc.nat(s.length - 1), fc.oneof(fc.constantFrom(...META), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })))
      .map(([i, c]) => s.slice(0, i) + c[0] + s.slice(i + 1)),
    fc.string({ unit: fc.constantFrom(...META), minLength: s.length, maxLength: s.length }),
  ),
)).filter(([s, t]) => s !== t);

describe('escapeRegExp', () => {
  test('the escaped text matches exactly the text, with and without the u flag', () => {
    fc.assert(fc.property(texts, (s) => {
      for (const flags of ['', 'u']) {
        expect(new RegExp(`^${escapeRegExp(s)}$`, flags).test(s)).toBe(true);
      }
    }), { numRuns: 2000 });
  });

  test('and no other string of the same length', () => {
    fc.assert(fc.property(textAndOther, ([s, t]) => {
      for (const flags of ['', 'u']) {
        expect(new RegExp(`^${escapeRegExp(s)}$`, flags).test(t)).toBe(false);
      }
    }), { numRuns: 2000 });
  });

  test('escapes each syntax character alone, and quantifies and groups as one atom when wrapped', () => {
    expect(escapeRegExp('^$\\.*+?()[]{}|')).toBe('\\^\\$\\\\\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|');
    expect(escapeRegExp('a-b/c')).toBe('a-b/c');
    fc.assert(fc.property(texts, (s) => {
      const twice = new RegExp(`^(?:${escapeRegExp(s)}){2}$`);
      expect(twice.test(s + s)).toBe(true);
      expect(twice.test(s)).toBe(s === '');
    }), { numRuns: 500 });
  });
});

describe('compare', () => {
  /** UTF-16 code-unit order, one unit at a time: the order `compare` promises, written out. */
  const byCodeUnits = (a: string, b: string): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
    }
    return a.length - b.length;
  };

  test('is UTF-16 code-unit order', () => {
    fc.assert(fc.property(texts, texts, (a, b) => {
      expect(Math.sign(compare(a, b))).toBe(Math.sign(byCodeUnits(a, b)));
    }), { numRuns: 2000 });
  });

  test('whatever the locale: upper case before lower, astral characters by their surrogates', () => {
    expect(['b', 'a', 'B', 'A'].sort(compare)).toEqual(['A', 'B', 'a', 'b']);
    // U+1F600 is the surrogates D83D DE00, below U+FF61; code-point order would put it last
    expect(['\uFF61', '\u{1F600}'].sort(compare)).toEqual(['\u{1F600}', '\uFF61']);
    expect(compare('x', 'x')).toBe(0);
  });
});

describe('editDistance', () => {
  test('counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
    expect(editDistance('secrets.json', 'secrets.json')).toBe(0);
    expect(editDistance('secret.json', 'secrets.json')).toBe(1);
    expect(editDistance('HOTS', 'HOST')).toBe(1);
    expect(editDistance('STAT', 'STATE')).toBe(1);
    expect(editDistance('ROTATION', 'ROTATE')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('ca', 'abc')).toBe(3); // optimal string alignment: a swapped pair is not edited again
  });
});

describe('nearestName', () => {
  test('by default: within two edits, three for a name of 24 characters or more', () => {
    expect(nearestName('harbor-pul', ['harbor-pull', 'demo-database'])).toBe('harbor-pull');
    expect(nearestName('harbr-pul', ['harbor-pull'])).toBe('harbor-pull'); // two edits
    expect(nearestName('hrbr-pul', ['harbor-pull'])).toBeUndefined(); // three edits
    const key = 'team-a/harbor-robot/token';
    expect(nearestName('team-b/hrbr-robot/token', [key])).toBeUndefined(); // 23 characters, three edits
    expect(nearestName('team-a/hrbr-robot/tokenx', [key])).toBe(key); // 24 characters, three edits
    expect(nearestName('team-b/hrbr-robot/tokenx', [key])).toBeUndefined(); // 24 characters, four edits
  });

  test('maxEdits sets the threshold', () => {
    expect(nearestName('cpus', ['cpu'], { maxEdits: 1 })).toBe('cpu');
    expect(nearestName('gpus', ['cpu'], { maxEdits: 1 })).toBeUndefined(); // two edits
    expect(nearestName('gpus', ['cpu'], { maxEdits: 2 })).toBe('cpu');
  });

  test('a tie suggests none, unless firstOfTies takes the first in known order', () => {
    expect(nearestName('team-b', ['team-a', 'team-c'])).toBeUndefined();
    expect(nearestName('team-b', ['team-a', 'team-c'], { firstOfTies: true })).toBe('team-a');
    expect(nearestName('team-b', ['team-c', 'team-a'], { firstOfTies: true })).toBe('team-c');
    expect(nearestName('team-b', ['team-bcd', 'team-a'])).toBe('team-a'); // one edit against two: no tie
  });

  test('a name listed twice is no tie with itself', () => {
    expect(nearestName('team-x', ['team-a', 'team-a'])).toBe('team-a');
  });

  test('case counts as an edit unless ignoreCase', () => {
    expect(nearestName('NameSpaces', ['namespaces'], { maxEdits: 1 })).toBeUndefined();
    expect(nearestName('NameSpaces', ['namespaces'], { maxEdits: 1, ignoreCase: true })).toBe('namespaces');
    expect(nearestName('NAMESPACE', ['namespaces'], { maxEdits: 1, ignoreCase: true })).toBe('namespaces');
  });

  test('none among none', () => {
    expect(nearestName('x', [])).toBeUndefined();
  });
});

describe('notAmong', () => {
  test('lists the names sorted, once each, with the near one', () => {
    expect(notAmong('ci-bulds', ['deploy', 'ci-builds', 'deploy'])).toBe('ci-bulds is not among ci-builds, deploy (did you mean ci-builds?)');
  });

  test('no hint for a name no typo away, and "it declares none" for no names', () => {
    expect(notAmong('prod', ['deploy', 'ci-builds'])).toBe('prod is not among ci-builds, deploy');
    expect(notAmong('prod', [])).toBe('it declares none');
  });
});
