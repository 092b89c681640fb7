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
  return PLAIN.test(s) && !RESERVED.test(s) && !NUMBER_LIKE.test(s) ? s : yamlDoubleQuoted(s);
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

function node(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return '[]';
    }
    return '\n' + value.map((item) => `${indent}- ${inline(item, indent + '  ')}`).join('\n');
  }
  if (typeof value === 'object' && value !== null) {
    const list = defined(value as Record<string, unknown>);
    return list.length === 0 ? '{}' : '\n' + entries(list, indent);
  }
  if (typeof value === 'string') {
    return literalBlock(value, indent) ?? str(value);
  }
  return scalar(value);
}

/** A value after `key: ` or `- `: nested collections start on the next line, sequence items continue inline. */
function inline(item: unknown, indent: string): string {
  if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
    const list = defined(item as Record<string, unknown>);
    // the first entry shares the dash's line
    return list.length === 0 ? '{}' : entries(list, indent).slice(indent.length);
  }
  const rendered = node(item, indent);
  return rendered.charCodeAt(0) === 0x0a ? rendered.slice(1 + indent.length) : rendered;
}

// An implicit key may be at most 1024 characters long (YAML 1.2 section 7.4.2 and 8.2.2; libyaml's limit too):
// a longer one is written as an explicit `? key` entry.
const MAX_IMPLICIT_KEY = 1000;

function entries(list: [string, unknown][], indent: string): string {
  const inner = indent + '  ';
  let out = '';
  for (let i = 0; i < list.length; i++) {
    const [k, v] = list[i];
    const key = str(k);
    const rendered = node(v, inner);
    const head = key.length > MAX_IMPLICIT_KEY ? `? ${key}\n${indent}:` : `${key}:`;
    out += `${i ? '\n' : ''}${indent}${head}${rendered.charCodeAt(0) === 0x0a ? '' : ' '}${rendered}`;
  }
  return out;
}

/** Documents as one multi-document YAML stream. */
export function toYaml(docs: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < docs.length; i++) {
    const doc = node(docs[i], '');
    out += `${i ? '---\n' : ''}${doc.charCodeAt(0) === 0x0a ? doc.slice(1) : doc}\n`;
  }
  return out;
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
