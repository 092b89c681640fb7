// toYaml writes into buffers, toYamlChunks hands those out and YamlStream writes document by document
// (lib/core/yaml.ts): every one must write exactly the text of the plain recursive writer below, which returns each
// node's text for its parent to splice in (toYaml's writer before it wrote bytes), whatever the documents hold.
import fc from 'fast-check';
import { toYaml } from '../../lib';
import { toYamlChunks, YAML_SCALARS, YamlStream } from '../../lib/core/yaml';

const { str, scalar, literalBlock } = YAML_SCALARS;

function defined(obj: Record<string, unknown>): [string, unknown][] {
  return Object.entries(obj).filter(([, v]) => v !== undefined);
}

function node(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? '[]' : '\n' + value.map((item) => `${indent}- ${inline(item, indent + '  ')}`).join('\n');
  }
  if (typeof value === 'object' && value !== null) {
    const list = defined(value as Record<string, unknown>);
    return list.length === 0 ? '{}' : '\n' + entries(list, indent);
  }
  return typeof value === 'string' ? literalBlock(value, indent) ?? str(value) : scalar(value);
}

function inline(item: unknown, indent: string): string {
  if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
    const list = defined(item as Record<string, unknown>);
    return list.length === 0 ? '{}' : entries(list, indent).slice(indent.length);
  }
  const rendered = node(item, indent);
  return rendered.startsWith('\n') ? rendered.slice(1 + indent.length) : rendered;
}

function entries(list: [string, unknown][], indent: string): string {
  return list.map(([k, v], i) => {
    const key = str(k);
    const rendered = node(v, indent + '  ');
    const head = key.length > 1000 ? `? ${key}\n${indent}:` : `${key}:`;
    return `${i ? '\n' : ''}${indent}${head}${rendered.startsWith('\n') ? '' : ' '}${rendered}`;
  }).join('');
}

function reference(docs: readonly unknown[]): string {
  return docs.map((d, i) => {
    const doc = node(d, '');
    return `${i ? '---\n' : ''}${doc.startsWith('\n') ? doc.slice(1) : doc}\n`;
  }).join('');
}

/**
 * The documents written one at a time, then joined as `DockyardChart._toYamlChunks` joins them: in the order
 * written, or (`reversed`) last first, each but the first with its `---` line.
 */
function streamed(docs: readonly unknown[], reversed = false): string {
  const stream = new YamlStream();
  const ranges = docs.map((doc) => {
    const from = stream.mark();
    return { from, to: stream.write(doc) };
  });
  const ordered = reversed ? [...ranges].reverse() : ranges;
  return Buffer.concat(ordered.flatMap((r) => stream.slices(r.from, r.to))).toString('utf8').replace(/^---\n/, '');
}

const strings = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\n', 'a\n', '  x\ny\n', 'a\n\n', 'yes', 'null', '1.5', 'a: b', '- x', '#', 'x'.repeat(1100)),
  fc.array(fc.constantFrom('a', ' ', '\n', ':', '#', '-', '\t', '\r', '"', 'é', '\u2028', '\ud800', '1', '.', 'e'), { maxLength: 12 })
    .map((a) => a.join('')),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, strings, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(strings, tie('value'), { maxKeys: 4 })),
}));

/** What `write` gives: its text, or the message it throws. */
function result(write: () => string): string {
  try {
    return write();
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
}

describe('the YAML block writer', () => {
  test('toYaml, toYamlChunks and YamlStream write what the recursive writer writes', () => {
    fc.assert(fc.property(fc.array(value, { maxLength: 4 }), (docs) => {
      const expected = result(() => reference(docs));
      expect(result(() => toYaml(docs))).toBe(expected);
      expect(result(() => Buffer.concat(toYamlChunks(docs)).toString('utf8'))).toBe(expected);
      expect(result(() => streamed(docs))).toBe(expected);
      // the documents in another order than written: each is its own run of bytes
      if (!expected.startsWith('threw ')) {
        expect(streamed(docs, true)).toBe(reference([...docs].reverse()));
      }
    }), { numRuns: 3000 });
  });

  test('across buffers: documents of megabytes, ASCII or not', () => {
    const docs = Array.from({ length: 400 }, (_, i) => ({
      k: 'é'.repeat((i * 37) % 5000), l: ['x'.repeat((i * 101) % 9000), { m: `${'ü\n'.repeat(i % 300)}z` }], n: i,
    }));
    const expected = reference(docs);
    expect(toYamlChunks(docs).length).toBeGreaterThan(2);
    expect(Buffer.concat(toYamlChunks(docs)).toString('utf8')).toBe(expected);
    expect(toYaml(docs)).toBe(expected);
    expect(streamed(docs)).toBe(expected);
    expect(streamed(docs, true)).toBe(reference([...docs].reverse()));
  });

  test('a document the stream cannot write leaves the stream as it was', () => {
    const stream = new YamlStream();
    const start = stream.mark();
    stream.write({ a: 'x'.repeat(700000) });
    expect(() => stream.write({ b: 'y'.repeat(700000), c: NaN })).toThrow('toYaml: cannot write the non-finite number NaN');
    const end = stream.write({ d: 1 });
    expect(Buffer.concat(stream.slices(start, end)).toString('utf8')).toBe(`---\n${reference([{ a: 'x'.repeat(700000) }, { d: 1 }])}`);
  });
});
