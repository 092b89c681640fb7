/**
 * A small YAML writer for Kubernetes manifests: plain data only (objects, arrays, strings, finite numbers,
 * booleans, null). It is several times faster than a general YAML library, and its output parses back to the same
 * data under YAML 1.2 (the yaml library) and YAML 1.1 (go-yaml, as kubectl reads it), for every string and key
 * (tested by test/core/yaml.test.ts over generated documents and every example stack). Keys keep their insertion
 * order. Strings are plain where that is unambiguous, literal blocks when multi-line text fits one exactly, and
 * double-quoted otherwise.
 */

const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;
// `.`, `..`, `._` and `e5`, `.e5` are floats to YAML 1.1 patterns (the spec's, and the yaml library's, whose
// exponent form makes the mantissa optional)
const NUMBER_LIKE = /^[-+.]?(?:\d|\.\d|inf|nan)|^0[box]|^\.(?:[\d_.]|$)|^\.?e[-+]?\d+$/i;
// a colon or a space only inside, and never followed by a space: `host:5000` and `a b` stay plain, `a: b` does not
const PLAIN = /^[A-Za-z_/.$](?:[A-Za-z0-9_./@$()+-]|[: ](?=[A-Za-z0-9_./@$()+-]))*$/;

// characters JSON.stringify leaves raw but YAML must not see raw: DEL, C1 controls (U+0085 is a line break in
// YAML 1.1), U+2028/U+2029 (line breaks in YAML 1.1), the byte order mark and the non-characters U+FFFE/U+FFFF
const YAML_UNSAFE_IN_JSON = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;
const YAML_UNSAFE_IN_JSON_ALL = new RegExp(YAML_UNSAFE_IN_JSON.source, 'g');

/**
 * `s` as a YAML double-quoted scalar, quotes included, on one line: it reads back exactly as `s` in any block or
 * flow context, under YAML 1.2 and 1.1. JSON's escapes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX`, lone
 * surrogates as `\uDXXX`) are all YAML escapes too; the characters JSON leaves raw but YAML reads otherwise are
 * escaped as `\uXXXX`.
 */
export function yamlDoubleQuoted(s: string): string {
  const json = JSON.stringify(s);
  return YAML_UNSAFE_IN_JSON.test(json)
    ? json.replace(YAML_UNSAFE_IN_JSON_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}

/**
 * A string as a plain scalar where both YAML 1.2 (core schema) and YAML 1.1 (go-yaml, as kubectl reads it) read it
 * as that same string, else double-quoted. Plain scalars start with a letter, `_`, `/`, `.` or `$` (never an
 * indicator character, YAML 1.2 section 7.3.3) and hold no `: `, ` #`, flow indicators or trailing space; the
 * words YAML 1.1 or 1.2 resolve to booleans or null, and what may read as a number (`.5`, `.inf`, and `.`, `..`,
 * `._`, `e5` which YAML 1.1 float patterns match), are quoted.
 */
function str(s: string): string {
  return isPlain(s) ? s : yamlDoubleQuoted(s);
}

/** Whether `str` writes `s` plain, as it is. */
function isPlain(s: string): boolean {
  if (!PLAIN.test(s) || (s.length <= 5 && RESERVED.test(s))) {
    return false;
  }
  // of the characters a plain scalar starts with, NUMBER_LIKE needs `.`, `e`, `i` or `n` (either case) first; the
  // reserved words are at most five characters long
  const first = s.charCodeAt(0) | 0x20;
  return !((first === 0x2e || first === 0x65 || first === 0x69 || first === 0x6e) && NUMBER_LIKE.test(s));
}

/** A scalar as YAML: plain where unambiguous, else double-quoted. */
function scalar(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new Error(`toYaml: cannot write the non-finite number ${value}`);
    }
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (typeof value === 'boolean') {
    return String(value);
  }
  return str(String(value));
}

// What a literal block cannot hold exactly (YAML 1.2 chapter 8.1): characters outside the printable set, and those
// YAML 1.1 reads as line breaks (U+0085, U+2028, U+2029) or a byte order mark; CR and tab (line break and
// separation characters); a lone surrogate; whitespace before a line break (space-only lines would be empty lines,
// and trailing blanks are easily lost); whitespace-only last line; several final line breaks (clip chomping
// keeps one).
const LITERAL_UNSAFE =
  /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\ud800-\udfff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[^\S\n]\n|\n[^\S\n]+$|\n\n$/;

/**
 * A multi-line string as a literal block, when YAML can keep it exactly; undefined otherwise. `indent` is the
 * content's indentation, two spaces more than the parent's (the key's or the dash's column).
 */
function literalBlock(s: string, indent: string): string | undefined {
  if (s.indexOf('\n') < 0 || s === '\n' || LITERAL_UNSAFE.test(s)) {
    return undefined;
  }
  // the indentation is detected from the first non-empty line, so when that begins with a space it is given
  // explicitly (YAML 1.2 section 8.1.1.1, block indentation indicator), relative to the parent's indentation
  let header = '|';
  if (s.charCodeAt(0) === 0x20 || (s.charCodeAt(0) === 0x0a && /^\n+ /.test(s))) {
    if (indent === '') {
      return undefined; // a top-level scalar's parent indentation is -1, which parsers treat differently
    }
    header = '|2';
  }
  // a top-level block's content is indented too, so that none of its lines reads as `---`, `...`, a directive
  // or a comment (YAML 1.2 section 9.1)
  const pad = indent || '  ';
  const ends = s.charCodeAt(s.length - 1) === 0x0a;
  // chomping (YAML 1.2 section 8.1.1.2): clip keeps the one final line break, strip none
  const lines = (ends ? s.slice(0, -1) : s).split('\n');
  let body = '';
  for (const line of lines) {
    body += line ? `\n${pad}${line}` : '\n';
  }
  return `${header}${ends ? '' : '-'}${body}`;
}

/** The entries of an object that are written: undefined values are left out, as in JSON. */
function defined(obj: Record<string, unknown>): [string, unknown][] {
  const all = Object.entries(obj);
  for (const [, v] of all) {
    if (v === undefined) {
      return all.filter(([, w]) => w !== undefined);
    }
  }
  return all;
}

// The block writer writes UTF-8 into buffers and the text is decoded once at the end, if at all (a synth writes the
// bytes to a file as they are: `toYamlChunks`, `YamlStream`). Building the whole text by concatenation makes a
// rope of millions of tiny pieces, which costs more to flatten (and to keep through garbage collections) than
// writing the bytes; and every level returning its text to be spliced into its parent's copies it once per level.
// The writer's state is module-wide: one document is written at a time, and nothing it calls writes YAML.
const CHUNK_BYTES = 1 << 20;
/** The first buffer of `toYaml`, reused: its text is decoded before it returns. */
const scratch: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
/** The buffers filled so far, the one being filled, and the position in it. */
let chunks: Buffer[] = [];
let buf: Buffer = scratch;
let pos = 0;
/** Whether anything but ASCII was written, so the text must be decoded as UTF-8 rather than as single bytes. */
let wide = false;

// Pieces are gathered into a short string and encoded a few kilobytes at a time: one native call per batch, and
// only small ropes, flattened while they are young.
let pending = '';
const BATCH = 4096;

/** Append `s`. */
function put(s: string): void {
  pending += s;
  if (pending.length > BATCH) {
    flush();
  }
}

/** Positions in what is pending (in UTF-16 units) of the `YamlStream` being written, settled when it is encoded. */
let marks: PendingMark[] = [];

/** Encode what is pending into the current buffer, or a new one where it does not fit. */
function flush(): void {
  const n = pending.length;
  if (pos + 3 * n > buf.length) {
    chunks.push(buf.subarray(0, pos));
    buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, 3 * n));
    pos = 0;
  }
  const bytes = buf.write(pending, pos, 'utf8');
  // more bytes than UTF-16 units: something beyond ASCII
  if (bytes !== n) {
    wide = true;
  }
  for (const m of marks) {
    m.mark.chunk = chunks.length;
    m.mark.pos = pos + (bytes === n ? m.at : Buffer.byteLength(pending.slice(0, m.at), 'utf8'));
  }
  marks = [];
  pos += bytes;
  pending = '';
}

// Every piece `put` appends is a leaf of the rope that `flush` encodes, and flattening a rope costs per leaf as much
// as per character: the writer appends few, long pieces. Indentation, a line break with the indentation after it
// (and a dash), and each key with its colon (and space) are strings made once and kept; a mapping's scalar entry is
// three pieces (the line break, the key, the value), and a list item's dash shares its line break.

/** `s` as one sequential string, not a rope of the pieces it was made from: a kept piece is then one leaf. */
function sequential(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** By length: the indentation, and a line break before it, and a line break, it and a dash. */
const INDENTS: string[] = [];
const BREAKS: string[] = [];
const DASHES: string[] = [];

/** The indentation `length` spaces deep. */
function indentOf(length: number): string {
  let indent = INDENTS[length];
  if (indent === undefined) {
    indent = INDENTS[length] = sequential(' '.repeat(length));
    BREAKS[length] = sequential(`\n${indent}`);
    DASHES[length] = sequential(`\n${indent}- `);
  }
  return indent;
}

/** The indentation two spaces deeper than `indent`. */
function deeper(indent: string): string {
  return indentOf(indent.length + 2);
}

/** A line break and `indent`. */
function lineBreak(indent: string): string {
  return BREAKS[indent.length] ?? (indentOf(indent.length), BREAKS[indent.length]);
}

/** A line break, `indent` and a dash and space. */
function dashLine(indent: string): string {
  return DASHES[indent.length] ?? (indentOf(indent.length), DASHES[indent.length]);
}

/** A scalar as it follows `key: ` or `- `: a literal block for text that fits one, else a plain or quoted scalar. */
function scalarAt(value: unknown, indent: string): string {
  if (typeof value !== 'string') {
    return scalar(value);
  }
  // a plain scalar holds no line break, so it is never a literal block: most strings are settled by one test
  return isPlain(value) ? value : literalBlock(value, indent) ?? yamlDoubleQuoted(value);
}

/**
 * `value` after `key:` (`afterKey`) or after `- `. A scalar stays on the line (after a key, past a space); a non-empty
 * collection's block starts on the next line after a key, and on the dash's line after a dash; an empty one is
 * written `[]` or `{}` in flow style.
 */
function valueAfter(value: unknown, indent: string, afterKey: boolean): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      put(afterKey ? ' []' : '[]');
    } else {
      sequence(value, indent, !afterKey);
    }
  } else if (typeof value === 'object' && value !== null) {
    if (!mapping(value as Record<string, unknown>, indent, afterKey)) {
      put(afterKey ? ' {}' : '{}');
    }
  } else {
    if (afterKey) {
      put(' ');
    }
    put(scalarAt(value, indent));
  }
}

/**
 * The items of a non-empty list at `indent`, each on a line of its own; `inline`: the first item continues the
 * current line (after a dash), else it starts on the next.
 */
function sequence(items: readonly unknown[], indent: string, inline: boolean): void {
  const inner = deeper(indent);
  for (let i = 0; i < items.length; i++) {
    put(i === 0 && inline ? '- ' : dashLine(indent));
    valueAfter(items[i], inner, false);
  }
}

// An implicit key may be at most 1024 characters long (YAML 1.2 section 7.4.2 and 8.2.2; libyaml's limit too):
// a longer one is written as an explicit `? key` entry.
const MAX_IMPLICIT_KEY = 1000;

/**
 * The entries of a map at `indent`, in insertion order, undefined values left out as in JSON. `onNextLine`: the
 * first entry starts on the next line (after a key), else it continues the current line (after a dash). Returns
 * whether any entry was written: if none, nothing was.
 */
function mapping(obj: Record<string, unknown>, indent: string, onNextLine: boolean): boolean {
  const inner = deeper(indent);
  let first = true;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === undefined) {
      continue;
    }
    if (!first || onNextLine) {
      put(lineBreak(indent));
    }
    first = false;
    const key = keyOf(k);
    if (key.text.length > MAX_IMPLICIT_KEY) {
      put('? ');
      put(key.text);
      put(lineBreak(indent));
      put(':');
      valueAfter(v, inner, true);
    } else if (typeof v !== 'object' || v === null) {
      put(key.colonSpace);
      put(scalarAt(v, inner));
    } else {
      put(key.colon);
      valueAfter(v, inner, true);
    }
  }
  return !first;
}

/** A key as `str` writes it, and with the colon (and space) that follow it. */
interface KeyText {
  readonly text: string;
  readonly colon: string;
  readonly colonSpace: string;
}

// Keys repeat across documents (`metadata`, `name`, label keys), so each is checked once. Bounded, for a stream
// with keys of its own in every document.
const KEY_CACHE = new Map<string, KeyText>();
const KEY_CACHE_SIZE = 10000;

/** A key as `str` writes it, with its colon. */
function keyOf(k: string): KeyText {
  let key = KEY_CACHE.get(k);
  if (key === undefined) {
    const text = str(k);
    // (V8 copies a short concatenation, most keys', into one string; a long one stays two leaves)
    key = { text, colon: `${text}:`, colonSpace: `${text}: ` };
    if (KEY_CACHE.size < KEY_CACHE_SIZE) {
      KEY_CACHE.set(k, key);
    }
  }
  return key;
}

/** Write `docs` into `first` and the buffers after it; returns every buffer, each cut to what it holds. */
function write(docs: readonly unknown[], first: Buffer): { chunks: Buffer[]; wide: boolean } {
  chunks = [];
  buf = first;
  pos = 0;
  wide = false;
  try {
    for (let i = 0; i < docs.length; i++) {
      if (i > 0) {
        put('---\n');
      }
      // a top-level collection starts at the first column, as after a dash
      valueAfter(docs[i], '', false);
      put('\n');
    }
    flush();
    chunks.push(buf.subarray(0, pos));
    return { chunks, wide };
  } finally {
    chunks = [];
    buf = scratch;
    pos = 0;
    pending = '';
  }
}

/** Documents as one multi-document YAML stream. */
export function toYaml(docs: readonly unknown[]): string {
  const written = write(docs, scratch);
  const bytes = written.chunks.length === 1 ? written.chunks[0] : Buffer.concat(written.chunks);
  return bytes.toString(written.wide ? 'utf8' : 'latin1');
}

/**
 * `toYaml`'s text as UTF-8, in the buffers it was written to: for a file, without a string in between.
 *
 * @internal
 */
export function toYamlChunks(docs: readonly unknown[]): Buffer[] {
  return write(docs, Buffer.allocUnsafe(CHUNK_BYTES)).chunks;
}

/**
 * The scalar writers of `toYaml`, for a test that checks its block writer against a plain recursive one.
 *
 * @internal
 */
export const YAML_SCALARS = { str, scalar, literalBlock } as const;

/** A position in a `YamlStream`: after a document. @internal */
export interface YamlMark {
  /** The buffer, by index. */
  readonly chunk: number;
  /** The byte in it. */
  readonly pos: number;
}

/** A mark whose place is known once the text before it is encoded: `at` UTF-16 units into what is pending. */
interface PendingMark {
  readonly mark: { chunk: number; pos: number };
  readonly at: number;
}

/**
 * `toYamlChunks` written one document at a time, into buffers of its own: a manifest too large to hold as objects
 * until the last is rendered (`DockyardChart`) writes each object as it renders it, and puts the documents in
 * their final order at the end. Each document is written with the `---` line that separates it from one before;
 * whoever joins them leaves out the first document's. Text is encoded a few kilobytes at a time, as toYaml's is,
 * not a document at a time: a mark is settled when the text before it is, and `slices` settles every one.
 *
 * @internal
 */
export class YamlStream {
  private chunks: Buffer[] = [];
  private buf?: Buffer;
  private pos = 0;
  private pending = '';
  private marks: PendingMark[] = [];
  private last: YamlMark = { chunk: 0, pos: 0 };

  /**
   * Write `doc` after a `---` line; returns where it ends, where it began being the previous mark. A document that
   * cannot be written (toYaml throws) leaves nothing behind: the stream is as it was, and the error is thrown.
   */
  public write(doc: unknown): YamlMark {
    const before = { count: this.chunks.length, buf: this.buf, pos: this.pos, pending: this.pending, marks: this.marks.slice() };
    this.enter();
    try {
      put('---\n');
      valueAfter(doc, '', false);
      put('\n');
      const mark = { chunk: -1, pos: -1 };
      marks.push({ mark, at: pending.length });
      this.last = mark;
    } catch (e) {
      // an earlier mark settled on the way is pending again, for its text is pending again
      before.marks.forEach((m) => { m.mark.chunk = -1; m.mark.pos = -1; });
      chunks.length = before.count;
      buf = before.buf ?? buf;
      pos = before.pos;
      pending = before.pending;
      marks = before.marks;
      throw e;
    } finally {
      this.leave();
    }
    return this.last;
  }

  /** The position after the last document written. */
  public mark(): YamlMark {
    return this.last;
  }

  /** The bytes written between two marks, as slices of the stream's buffers (none empty). */
  public slices(from: YamlMark, to: YamlMark): Buffer[] {
    if (this.pending !== '' || this.marks.length > 0) {
      this.enter();
      try {
        flush();
      } finally {
        this.leave();
      }
    }
    const out: Buffer[] = [];
    for (let i = from.chunk; i <= to.chunk; i++) {
      const chunk = i < this.chunks.length ? this.chunks[i] : this.buf!;
      const slice = chunk.subarray(i === from.chunk ? from.pos : 0, i === to.chunk ? to.pos : chunk.length);
      if (slice.length > 0) {
        out.push(slice);
      }
    }
    return out;
  }

  /** Make the writer's state this stream's. */
  private enter(): void {
    chunks = this.chunks;
    buf = this.buf ?? Buffer.allocUnsafe(CHUNK_BYTES);
    pos = this.pos;
    pending = this.pending;
    marks = this.marks;
  }

  /** Keep the writer's state in this stream, and leave the writer as toYaml expects it. */
  private leave(): void {
    this.chunks = chunks;
    this.buf = buf;
    this.pos = pos;
    this.pending = pending;
    this.marks = marks;
    chunks = [];
    buf = scratch;
    pos = 0;
    pending = '';
    marks = [];
  }
}

/**
 * A value as one line of flow-style YAML (7.4): `{key: value, ...}`, `[item, ...]`, with the scalars `toYaml`
 * writes, double-quoted wherever a flow indicator could end them. Denser than block style, and, unlike JSON, with
 * few quotes: a file of one document per line, such as a runner's policies, stays small when it is itself a string
 * in a ConfigMap, whose JSON escapes every quote.
 */
export function toFlowYaml(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((v) => toFlowYaml(v === undefined ? null : v)).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    return `{${defined(value as Record<string, unknown>).map(([k, v]) => `${flowScalar(k)}: ${toFlowYaml(v)}`).join(', ')}}`;
  }
  return typeof value === 'string' ? flowScalar(value) : scalar(value);
}

/** A string in flow context: plain only where no `: ` or ` #` could end it, else double-quoted. */
function flowScalar(s: string): string {
  return / |:/.test(s) ? yamlDoubleQuoted(s) : str(s);
}
