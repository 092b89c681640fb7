import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { toYaml } from '../../lib';
import { toFlowYaml, yamlDoubleQuoted } from '../../lib/core/yaml';
import { EXAMPLE_STACKS } from '../stacks';

const roundTrip = (docs: unknown[]) => parseAllDocuments(toYaml(docs)).map((d) => d.toJS());

describe('toYaml', () => {
  test('writes block-style YAML in insertion order', () => {
    expect(toYaml([{ kind: 'ConfigMap', metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'x' } }, list: [1, 'b'] }])).toBe(
      'kind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    app.kubernetes.io/name: x\nlist:\n  - 1\n  - b\n');
  });

  test('quotes every scalar YAML would read as something else', () => {
    const tricky = {
      reserved: ['yes', 'No', 'on', 'OFF', 'true', 'null', '~', 'y'],
      numeric: ['1', '0.5', '.5', '-1', '+1', '1e3', '0x1F', '0o17', '.inf', '.NaN', '17.9-bookworm', '2.15.1'],
      special: ['', ' lead', 'trail ', 'a: b', 'a #b', '#c', '- x', '[x]', '{x}', '*x', '&x', '!x', '%x', '@x', '`x', '"q"', "'q'", '|', '>', '?x', 'a,b'],
      text: ['plain text', 'ünïcödé', 'tab\there', 'crlf\r\nline', '$(VAR)', 'http://host:8080/x?y=1', ':8080'],
      numbers: [0, -3, 2.5, 1e21],
      flags: [true, false, null],
      empty: { list: [], map: {} },
      nested: [[1, [2]], [{ a: 1 }], { b: [{ c: 'd' }] }],
      '.dockerconfigjson': 'x',
      'key with: colon': 'y',
      '10-script.sh': 'z',
    };
    expect(roundTrip([tricky])).toEqual([tricky]);
  });

  test('keeps multi-line text exactly, as literal blocks where YAML allows', () => {
    const texts = ['#!/bin/sh\nset -e\n\necho "$1"\n', 'no final newline\nhere', 'two final newlines\n\n', '  leading spaces\nx\n',
      'trailing spaces  \nx\n', 'a\n\n\nb\n', 'pem\n-----BEGIN X-----\nAAA=\n-----END X-----\n'];
    expect(roundTrip([{ texts }])).toEqual([{ texts }]);
    expect(toYaml([{ s: 'a\nb\n' }])).toBe('s: |\n  a\n  b\n');
    expect(toYaml([{ s: 'a\nb' }])).toBe('s: |-\n  a\n  b\n');
  });

  test('separates documents', () => {
    expect(toYaml([{ a: 1 }, { b: 2 }])).toBe('a: 1\n---\nb: 2\n');
    expect(toYaml([])).toBe('');
  });

  test.each(EXAMPLE_STACKS)('parses back to exactly the objects of the $name stack', ({ synth }) => {
    const stack = synth();
    expect(roundTrip(stack.objects)).toEqual(JSON.parse(JSON.stringify(stack.objects)));
  });
});

/**
 * Reads a YAML stream the way the yaml library does by default (YAML 1.2, core schema) and the way kubectl's
 * go-yaml reads it (YAML 1.1: `yes`/`on`/`y` booleans, `1_000`, `0b1`, `1:20` sexagesimals, timestamps, `.` floats,
 * U+0085/U+2028/U+2029 as line breaks), failing on any error or warning; the documents as plain JavaScript.
 */
function readBoth(yaml: string): { v12: unknown[]; v11: unknown[] } {
  const read = (version: '1.1' | '1.2') => parseAllDocuments(yaml, { version }).map((doc) => {
    if (doc.errors.length || doc.warnings.length) {
      expect({ version, yaml, errors: doc.errors.map((e) => e.message), warnings: doc.warnings.map((w) => w.message) })
        .toEqual({ version, yaml, errors: [], warnings: [] });
    }
    return doc.toJS();
  });
  return { v12: read('1.2'), v11: read('1.1') };
}

/** `docs` written by toYaml and read back, checked under YAML 1.2 and 1.1. */
function expectRoundTrip(docs: unknown[]): void {
  const yaml = toYaml(docs);
  const { v12, v11 } = readBoth(yaml);
  expect(v12).toEqual(docs);
  expect(v11).toEqual(docs);
}

/** A string in every position toYaml writes one: top-level document, mapping value and key, sequence items, deeper. */
function stringPositions(s: string): unknown[] {
  return [
    s,
    { value: s },
    { [s]: 'key' },
    [s, [s]],
    { a: { b: [{ c: s, [s]: s }] } },
  ];
}

// The strings of issue 8 and their relatives, each with what went wrong and where YAML 1.2 says why.
const ISSUE_STRINGS: [string, string, string][] = [
  ['a single line break', '\n', 'chomping (8.1.1.2): a literal block without content is empty whatever the chomping'],
  ['an empty first line, then an indented line', '\n  x', 'block indentation indicator (8.1.1.1): detected from the first non-empty line'],
  ['empty lines before an indented line, then a less indented one', '\n\n   indented\nnext', 'block indentation indicator (8.1.1.1): a less indented line ends the block, the rest is a syntax error'],
  ['U+0085 NEXT LINE', 'a\u0085b', 'line break characters (5.4): a line break in YAML 1.1, and a non-break in 1.2'],
  ['U+2028 LINE SEPARATOR', 'a\u2028b', 'line break characters (5.4): a line break in YAML 1.1'],
  ['U+2029 PARAGRAPH SEPARATOR', 'a\u2029b', 'line break characters (5.4): a line break in YAML 1.1'],
  ['U+2028 in multi-line text', 'a\u2028b\nc\n', 'line break characters (5.4): would split a literal block line in YAML 1.1'],
  ['a leading byte order mark', '\ufeffx', 'byte order mark (5.2): stripped at the start of a stream or document'],
  ['a byte order mark inside', 'a\ufeffb\n', 'byte order mark (5.2)'],
  ['U+FFFE and U+FFFF', '\ufffe\uffff', 'character set (5.1): not printable, must be escaped'],
  ['a lone high surrogate', 'a\ud800b', 'character set (5.1): not encodable as UTF-8, escaped as \\uD800 which the yaml library reads back'],
  ['a lone low surrogate', '\udc00\n', 'character set (5.1)'],
  ['a surrogate pair', 'a\ud83d\ude00b\nc\n', 'character set (5.1): a valid code point, kept raw'],
  ['C0 controls', '\x00\x01\x07\x08\x0b\x0c\x1b\x1f', 'character set (5.1) and escaped characters (5.7)'],
  ['DEL and C1 controls', '\x7f\x80\x9f\u00a0', 'character set (5.1): DEL and C1 are not printable'],
  ['a tab', 'a\tb', 'white space characters (5.5): a separator around plain scalars'],
  ['tabs in multi-line text', '\tindented\nx\t\n', 'white space characters (5.5): a tab cannot indent a block scalar'],
  ['a carriage return', 'a\rb', 'line break characters (5.4): CR is a line break, normalized to LF'],
  ['CRLF line ends', 'a\r\nb\r\n', 'line break characters (5.4): CRLF is normalized to LF in scalars'],
  ['a trailing space', 'x ', 'plain scalars (7.3.3): trailing white space is not content'],
  ['trailing spaces in multi-line text', 'trail  \nx\n', 'line folding (6.5) and empty lines (6.4): kept in literal blocks but easily lost, so quoted'],
  ['a space-only last line', 'x\n  ', 'empty lines (6.4): a line of spaces is an empty line of a block scalar'],
  ['trailing spaces at the very end', 'a\nb  ', 'literal style (8.1.2): content up to the line end is kept'],
  ['a leading space', ' x', 'plain scalars (7.3.3): leading white space is not content'],
  ['leading spaces in multi-line text', '  leading\nx\n', 'block indentation indicator (8.1.1.1)'],
  ['a leading space without a final line break', ' a\nb', 'block indentation indicator (8.1.1.1) with strip chomping (8.1.1.2)'],
  ['a document start marker line', 'a\n---\nb\n', 'document markers (9.1.2): `---` at the start of a line starts a document'],
  ['a document end marker line', '  x\n...\n', 'document markers (9.1.2): `...` at the start of a line ends a document'],
  ['a document start marker alone', '---', 'document markers (9.1.2)'],
  ['a document end marker alone', '...', 'document markers (9.1.2)'],
  ['two final line breaks', 'a\n\n', 'chomping (8.1.1.2): clip keeps one'],
  ['only line breaks', '\n\n\n', 'chomping (8.1.1.2)'],
  ['comment-like lines', '#x\n # y\n', 'comments (6.6): inside a block scalar these are content'],
  ['an octal in YAML 1.2', '0o12', 'core schema (10.3.2): int'],
  ['an exponent', '1e3', 'core schema (10.3.2): float'],
  ['a leading-dot float', '.5', 'core schema (10.3.2): float'],
  ['infinity', '.inf', 'core schema (10.3.2): float'],
  ['a lone dot', '.', 'YAML 1.1 float pattern [-+]?([0-9][0-9_]*)?\\.[0-9.]*'],
  ['two dots', '..', 'YAML 1.1 float pattern'],
  ['a dot and underscore', '._', 'YAML 1.1 float pattern in the yaml library (underscores allowed)'],
  ['an exponent without mantissa', 'e0', 'YAML 1.1 float pattern in the yaml library: [-+]?([0-9][0-9_]*)?(\\.[0-9_]*)?[eE][-+]?[0-9]+ reads NaN'],
  ['a dot and exponent', '.E+5', 'YAML 1.1 float pattern in the yaml library'],
  ['a dash', '-', 'block sequences (8.2.1): `- ` is an entry indicator'],
  ['a dash and space', '- x', 'block sequences (8.2.1)'],
  ['a question mark', '?', 'indicator characters (5.3): mapping key'],
  ['a colon', ':', 'indicator characters (5.3): mapping value'],
  ['a colon and space', 'a: b', 'implicit keys (7.4.2): `: ` ends a key'],
  ['a space and hash', 'a #b', 'comments (6.6): ` #` starts a comment'],
  ['an at sign', '@x', 'indicator characters (5.3): reserved'],
  ['a backquote', '`x', 'indicator characters (5.3): reserved'],
  ['an anchor', '&a', 'node anchors (6.9.2)'],
  ['an alias', '*a', 'alias nodes (7.1)'],
  ['a tag', '!t', 'node tags (6.9.1)'],
  ['a directive', '%x', 'directives (6.8)'],
  ['a comment', '#x', 'comments (6.6)'],
  ['an open bracket', '[', 'flow sequences (7.4.1)'],
  ['an open brace', '{', 'flow mappings (7.4.2)'],
  ['a pipe', '|', 'literal style (8.1.2)'],
  ['a greater-than sign', '>', 'folded style (8.1.3)'],
  ['YAML 1.1 yes', 'yes', 'YAML 1.1 bool type: y|Y|yes|Yes|YES|n|N|no|No|NO|true|...|on|On|ON|off|Off|OFF'],
  ['YAML 1.1 On', 'On', 'YAML 1.1 bool type'],
  ['YAML 1.1 y', 'y', 'YAML 1.1 bool type'],
  ['YAML 1.1 NULL', 'NULL', 'core schema (10.3.2) and YAML 1.1 null type'],
  ['YAML 1.1 underscored int', '1_000', 'YAML 1.1 int type'],
  ['YAML 1.1 binary int', '0b1', 'YAML 1.1 int type'],
  ['YAML 1.1 timestamp', '2001-12-14', 'YAML 1.1 timestamp type'],
  ['YAML 1.1 sexagesimal', '1:20', 'YAML 1.1 int type (base 60)'],
  ['YAML 1.1 value key', '=', 'YAML 1.1 value type'],
  ['YAML 1.1 merge key', '<<', 'YAML 1.1 merge type'],
  ['the empty string', '', 'plain scalars (7.3.3): empty is null'],
  ['a quote and backslash', '"\\\'', 'double-quoted style (7.3.1): escapes'],
  ['a key longer than 1024 characters', 'k'.repeat(1100), 'implicit keys (7.4.2, 8.2.2): at most 1024 characters'],
  ['a long key that needs escapes', '\u0085'.repeat(300), 'implicit keys (7.4.2): the limit counts the written characters'],
];

describe('toYaml reads back exactly', () => {
  test.each(ISSUE_STRINGS)('%s', (_name, s, _why) => {
    const { v12, v11 } = readBoth(toYaml([s, { value: s }, { [s]: 'key' }]));
    // the exact value read back, by the YAML 1.2 core schema and by YAML 1.1
    expect(v12).toEqual([s, { value: s }, { [s]: 'key' }]);
    expect(v11).toEqual([s, { value: s }, { [s]: 'key' }]);
    expect((v12[1] as any).value).toBe(s);
    expect((v11[1] as any).value).toBe(s);
    expectRoundTrip(stringPositions(s));
  });

  test('the strings of issue 8 are written as literal blocks with an indentation indicator, or double-quoted', () => {
    // chomping (8.1.1.2): a block without content lines reads as "", so "\n" is quoted
    expect(toYaml([{ s: '\n' }])).toBe('s: "\\n"\n');
    // block indentation indicator (8.1.1.1): `|2` is relative to the key's column, whatever the leading empty lines
    expect(toYaml([{ s: '\n  x' }])).toBe('s: |2-\n\n    x\n');
    expect(toYaml([{ s: '\n\n   indented\nnext' }])).toBe('s: |2-\n\n\n     indented\n  next\n');
    expect(toYaml([{ a: [' x\ny\n'] }])).toBe('a:\n  - |2\n     x\n    y\n');
    // line break characters (5.4): YAML 1.1 breaks lines at U+0085, U+2028 and U+2029, so they are escaped
    expect(toYaml([{ s: 'a\u0085b\u2028c\u2029d\ufeff' }])).toBe('s: "a\\u0085b\\u2028c\\u2029d\\ufeff"\n');
    // document markers (9.1.2): a top-level block's content is indented
    expect(toYaml(['a\n---\n'])).toBe('|\n  a\n  ---\n');
  });

  test('numbers: -0 is written as -0, non-finite numbers are refused', () => {
    expectRoundTrip([-0, { n: -0 }, [0, 1e21, 5e-324, -1.5e-7, Number.MAX_SAFE_INTEGER]]);
    expect(() => toYaml([{ n: NaN }])).toThrow(/NaN/);
    expect(() => toYaml([[Infinity]])).toThrow(/Infinity/);
  });

  test('undefined values are left out as in JSON, also when they are all an object holds', () => {
    expect(toYaml([{ a: { b: undefined }, c: [{ d: undefined }], e: undefined }])).toBe('a: {}\nc:\n  - {}\n');
  });
});

// Characters and words YAML gives a meaning: indicators (5.3), line breaks (5.4) and white space (5.5), document
// markers (9.1.2), escapes (5.7), the characters JSON leaves raw that YAML does not (5.1), and YAML 1.1 scalars.
const SPECIAL = fc.constantFrom(
  '\n', '\n', '\n', ' ', ' ', '  ', '\t', '\r', '\r\n', '-', '- ', '---', '...', ':', ': ', '#', ' #', '?', '? ', '|', '>', ',', '[', ']',
  '{', '}', '"', "'", '\\', '@', '`', '&', '*', '!', '%', '=', '<<', '~', '.', '_', '0', '1', '9', 'e', 'x', 'a', 'y', 'n',
  'yes', 'On', 'null', 'true', '.inf', '0x', '0o', '0b', '1_0', '12:30', '2001-12-14', 'é', '\u00a0', '\u0085', '\u2028',
  '\u2029', '\ufeff', '\ufffe', '\ud800', '\udfff', '\ud83d\ude00', '\x00', '\x1b', '\x7f', '\x9f', '#!/bin/sh', 'key: value',
  ' \n', '\n ', '\n  ', 'E', 'Y', 'NO', '+', '+.5', '-1', 'nan', '$', '/', '(', '\u3000',
);
const specialString = fc.array(SPECIAL, { maxLength: 12 }).map((parts) => parts.join(''));
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary-ascii' }),
  specialString,
  specialString,
  fc.string({ unit: SPECIAL, maxLength: 6 }),
);

describe('toYaml properties', () => {
  // every string, as every kind of scalar toYaml writes: plain (7.3.3), double-quoted (7.3.1), literal (8.1.2)
  test('any string round-trips as a value and as a key', () => {
    fc.assert(fc.property(anyString, (s) => {
      expectRoundTrip(stringPositions(s));
    }), { numRuns: 2000 });
  });

  // plain data of any shape: block sequences (8.2.1) and mappings (8.2.2), compact nesting in sequence entries,
  // flow `[]` and `{}` for empty collections, several documents in one stream (9.2)
  test('1,000 nested multi-document streams round-trip', () => {
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        tie('leaf'),
        tie('array'),
        tie('object'),
      ),
      leaf: fc.oneof(
        anyString,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
      ),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(fc.oneof(anyString, fc.constantFrom('a', 'b', 'name')), tie('value'), { maxKeys: 4 }),
    }));
    fc.assert(fc.property(fc.array(value, { maxLength: 4 }), (docs) => {
      expectRoundTrip(docs);
    }), { numRuns: 1000 });
  });

  // flow style (7.4): the same data as one line, as the runner's policy file holds it
  test('toFlowYaml: 1,000 values read back as one-line documents, under YAML 1.2 and 1.1', () => {
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('array'), tie('object')),
      leaf: fc.oneof(anyString, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null)),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(fc.oneof(anyString, fc.constantFrom('a', 'b', 'name')), tie('value'), { maxKeys: 4 }),
    }));
    fc.assert(fc.property(fc.array(value, { maxLength: 4 }), (docs) => {
      const lines = docs.map((d) => toFlowYaml(d));
      lines.forEach((l) => expect(l).not.toMatch(/\n/));
      const { v12, v11 } = readBoth(lines.join('\n---\n') + '\n');
      expect(v12).toEqual(docs);
      expect(v11).toEqual(docs);
    }), { numRuns: 1000 });
    expect(toFlowYaml({ kind: 'policy', match: { repo: ['acme/a-*'], event: ['push', 'tag'] }, n: null }))
      .toBe('{kind: policy, match: {repo: ["acme/a-*"], event: [push, tag]}, "n": null}'); // YAML 1.1 reads a plain n as false
  });

  // double-quoted style (7.3.1): one line, every escape a YAML escape (5.7), so the scalar means the same in block
  // and flow context (7.4) and as an implicit key
  test('yamlDoubleQuoted reads back exactly when spliced into a template', () => {
    fc.assert(fc.property(anyString.filter((s) => s !== 'fixed K'), (s) => {
      const q = yamlDoubleQuoted(s);
      expect(q).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
      const templates: [string, unknown][] = [
        [q, s],
        [`a:\n  password: ${q}\n  next: x\n`, { a: { password: s, next: 'x' } }],
        // the fixed key is one no generated string can equal (it has a space and an upper-case letter after it)
        [`- [${q}, ${q}]\n- {"fixed K": ${q}, ${q}: v}\n`, [[s, s], { 'fixed K': s, [s]: 'v' }]],
        [`${q}: x\n`, { [s]: 'x' }],
      ];
      for (const [text, expected] of templates) {
        const { v12, v11 } = readBoth(text);
        expect(v12).toEqual([expected]);
        expect(v11).toEqual([expected]);
      }
    }), { numRuns: 1000 });
  });

  test('yamlDoubleQuoted writes JSON where JSON and YAML agree', () => {
    expect(yamlDoubleQuoted('p@ss "w\\rd"\n')).toBe(JSON.stringify('p@ss "w\\rd"\n'));
    expect(yamlDoubleQuoted('ünï😀')).toBe('"ünï😀"');
    expect(yamlDoubleQuoted('\u0085\u2028\u2029\ufeff\x7f\ud800')).toBe('"\\u0085\\u2028\\u2029\\ufeff\\u007f\\ud800"');
  });
});

// kubectl reads manifests with sigs.k8s.io/yaml (go-yaml): where it is installed, it reads the same
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
(kubectl ? test : test.skip)('kubectl reads the strings of issue 8 and generated documents the same', () => {
  const sortKeys = (v: unknown): unknown => (Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, w]) => [k, sortKeys(w)])) : v);
  // Go strings are UTF-8: a lone surrogate cannot be represented, and go-yaml rejects its escape; -0 reads as 0
  const goString = (s: string) => !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
  const values: unknown[] = ISSUE_STRINGS.map(([, s]) => s).filter(goString);
  values.push(Object.fromEntries(values.map((s, i) => [s as string, i])));
  values.push(...fc.sample(fc.array(fc.dictionary(specialString, specialString, { maxKeys: 3 })), { numRuns: 200, seed: 8 })
    .map((v) => JSON.parse(JSON.stringify(v).replace(/\\ud[89a-f][0-9a-f]{2}/gi, 'x'))));
  const objects = values.map((v, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { v } }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-yaml-'));
  fs.writeFileSync(path.join(dir, 'in.yaml'), toYaml(objects));
  const result = spawnSync('kubectl', ['label', '--local', '-f', path.join(dir, 'in.yaml'), 'checked=yes', '-o', 'json'],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(result.stderr).toBe('');
  // one JSON object per document
  const read = result.stdout.trim().split(/\n}\n{/).map((part, i, all) => JSON.parse(`${i ? '{' : ''}${part}${i < all.length - 1 ? '}' : ''}`));
  expect(read.map((o) => sortKeys(o.data.v))).toEqual(values.map(sortKeys));
});
