import fc from 'fast-check';
import { BODY_EXCERPT_CHARS, ConfigError, describeFailure, MIN_SECRET_CHARS, REDACTED, Redactor } from '../../lib/harbor/configure';
import { secretEchoes } from './fake-harbor';

// The redaction of lib/harbor/configure.js on its own: the script exports it when required and
// only runs when started with node (as the Job does). configure-script.test.ts runs the script.

/** Every character that JSON escaping, whitespace flattening, URL or base64 encoding changes. */
const SPECIAL = ['"', '\\', '/', '\n', '\r', '\t', ' ', '  ', '\u00a0', '\u2028', '<', '>', '&', '%', '+', '=', 'é', '€', '✓', '😀', '\u0001', '\b', '\f'];

/** Well-formed strings (as the environment gives), heavy on special characters; no "." (the tests' filler). */
const secretChars = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 3, arbitrary: fc.constantFrom(...'ABCXYZabcxyz0189_-:') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !c.includes('.')) },
);
/** A secret the script masks: at least MIN_SECRET_CHARS characters besides leading and trailing whitespace. */
const secret = fc.array(secretChars, { minLength: 1, maxLength: 24 }).map((parts) => parts.join(''))
  .filter((s) => [...s.trim()].length >= MIN_SECRET_CHARS && !s.includes('.'));

const FORMS = Object.keys(secretEchoes('x'));
/** Echo forms whose start is not secret material: a base64 blob beginning with a user name or a JSON key. */
const BLOB_FORMS = ['basic', 'base64Embedded'];
/** The forms the cut-short guard knows literally (mixed encodings are only matched whole). */
const LITERAL_FORMS = ['raw', 'json', 'jsonSlash', 'jsonAscii', 'jsonAsciiUpper', 'jsonGo', 'flattened', 'flattenedTrimmed', 'url', 'urlLower', 'form', 'base64', 'base64url'];

const RUNS = { numRuns: 500 };

describe('Redactor.redact', () => {
  // The core property of issue 8: whatever encoding a server echoes a secret back in, with
  // whatever around it, the echo does not survive redaction.
  test('masks every echo form of a secret, whatever surrounds it', () => {
    fc.assert(fc.property(secret, fc.constantFrom(...FORMS), fc.string(), fc.string(), (value, form, before, after) => {
      const echo = secretEchoes(value)[form];
      const out = new Redactor([value]).redact(`${before}${echo}${after}`);
      expect(out).not.toContain(echo);
      expect(out).toContain(REDACTED);
    }), RUNS);
  });

  // Masking is by the union of all matches: secrets that overlap in the text are masked whole,
  // whichever is tried first (splitting on one secret after the other left the other's rest).
  test('masks overlapping secrets whole, in any order', () => {
    fc.assert(fc.property(
      fc.array(fc.constantFrom(...'ABCXYZ0189"\\/é😀-'), { minLength: 12, maxLength: 30 }).map((a) => a.join('')),
      fc.nat(), fc.nat(), fc.boolean(),
      (text, a, b, reversed) => {
        // two secrets of at least 4 characters, overlapping by at least one: [0, j) and [i, end)
        const chars = [...text];
        const j = 5 + (a % (chars.length - 5));
        const i = Math.min(j - 1, b % (chars.length - 4));
        const first = chars.slice(0, j).join('');
        const second = chars.slice(i).join('');
        const secrets = reversed ? [second, first] : [first, second];
        expect(new Redactor(secrets).redact(`(${text})`)).toBe(`(${REDACTED})`);
      },
    ), RUNS);
  });

  // Redaction must not mangle ordinary output: text made of other characters is left as it is.
  test('leaves text without secret material unchanged', () => {
    fc.assert(fc.property(
      fc.array(fc.stringMatching(/^[A-Z]{2}[A-Za-z0-9"\\/ é]{6,20}$/), { maxLength: 4 }),
      fc.string({ unit: fc.constantFrom(...'abcdefgh .,:;{}[]()\n\t#') }),
      (secrets, text) => {
        expect(new Redactor(secrets).redact(text)).toBe(text);
      },
    ), RUNS);
  });

  // Masking 1 to 3 characters would hide them everywhere in every message; such a value is not
  // masked (documented in the script), but the Basic credential built from it is.
  test('does not mask secrets shorter than MIN_SECRET_CHARS, but masks longer values containing them', () => {
    expect(MIN_SECRET_CHARS).toBe(4);
    const basic = Buffer.from('admin:abc').toString('base64');
    const redactor = new Redactor(['abc', '', basic]);
    expect(redactor.redact('abc is in the alphabet')).toBe('abc is in the alphabet');
    expect(redactor.redact(`Authorization: Basic ${basic}`)).toBe(`Authorization: Basic ${REDACTED}`);
    expect(new Redactor(['abcd']).redact('xabcdx')).toBe(`x${REDACTED}x`);
  });

  // A lone surrogate cannot come from the environment, but must not make redaction throw.
  test('copes with strings that are not well-formed', () => {
    const redactor = new Redactor(['ab\ud800cd', 'Zz\udc00Zz9']);
    expect(redactor.redact('<ab\ud800cd>')).toBe(`<${REDACTED}>`);
    expect(redactor.excerpt(`${'.'.repeat(298)}Zz\udc00Zz9`, BODY_EXCERPT_CHARS)).toBe(`${'.'.repeat(298)}${REDACTED}…`);
  });

  // Long, odd answers must not make redaction hang: every repetition in the patterns is bounded
  // or anchored, so the time stays linear in the answer's size.
  test('redacts a large, pathological answer in reasonable time', () => {
    const redactor = new Redactor(['\\\\Ab"/ é\n', ' \tAb cd\n', '%%Ab+/==']);
    const started = Date.now();
    for (const text of ['\\'.repeat(200_000), ' '.repeat(200_000), '%25'.repeat(70_000), 'Ab '.repeat(70_000), '\\"'.repeat(100_000)]) {
      redactor.excerpt(text, BODY_EXCERPT_CHARS);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('Redactor.excerpt', () => {
  // The bug of issue 8: the excerpt was cut at 300 characters before redacting, so a secret
  // straddling the cut was printed in part. Whatever the offset and form, nothing of the secret
  // is left where it started: the marker, or nothing when it started past the cut.
  test('never leaves the start of a secret straddling the cut', () => {
    fc.assert(fc.property(secret, fc.constantFrom(...FORMS.filter((f) => !BLOB_FORMS.includes(f))), fc.integer({ min: 250, max: 310 }), (value, form, offset) => {
      const echo = secretEchoes(value)[form];
      const out = new Redactor([value]).excerpt(`${'.'.repeat(offset)}${echo} tail`, BODY_EXCERPT_CHARS);
      const kept = out.replace(/…$/, '');
      expect(kept.slice(0, offset)).toBe('.'.repeat(Math.min(offset, kept.length)));
      // (whitespace a server added around the secret's own may be left, being no part of it)
      const rest = kept.slice(offset).trimStart();
      expect(rest === '' || rest.startsWith(REDACTED)).toBe(true);
      // cut at the limit, but never inside the marker
      expect(kept.length).toBeLessThanOrEqual(BODY_EXCERPT_CHARS + REDACTED.length);
    }), RUNS);
  });

  // A server or proxy that cut its answer short leaves the start of a secret at the end: the
  // excerpt masks a tail of MIN_SECRET_CHARS or more characters that begins a form of a secret.
  test('masks the start of a secret that ends the answer', () => {
    fc.assert(fc.property(secret, fc.constantFrom(...LITERAL_FORMS), fc.nat(), (value, form, n) => {
      const echo = secretEchoes(value)[form];
      const length = 1 + (n % echo.length);
      const out = new Redactor([value]).excerpt(`refused: ${echo.slice(0, length)}`, BODY_EXCERPT_CHARS);
      if (out.endsWith(REDACTED)) {
        // nothing of the echo is left; the mask may begin inside "refused: " where its end happens to begin a form
        // too (a secret starting ":" has the flattened form ": :…", whose start ends "refused: :")
        const kept = out.slice(0, -REDACTED.length);
        expect('refused: '.startsWith(kept)).toBe(true);
      } else {
        const rest = out.slice('refused:'.length).trim();
        expect(rest === '' || [...rest].length < MIN_SECRET_CHARS).toBe(true);
      }
    }), RUNS);
  });

  // The excerpt's ordinary job, unchanged by the redaction: one line, trimmed, cut at the limit
  // with an ellipsis, and no half of a surrogate pair printed.
  test('flattens whitespace and marks a cut', () => {
    const redactor = new Redactor(['Se cr\net']);
    expect(redactor.excerpt('  a\n\n b\tSe cr\net  ', 300)).toBe(`a b ${REDACTED}`);
    expect(redactor.excerpt(`${'a'.repeat(301)}`, 300)).toBe(`${'a'.repeat(300)}…`);
    expect(redactor.excerpt('', 300)).toBe('');
    expect(redactor.excerpt(undefined, 300)).toBe('');
    // a surrogate pair is not cut in half
    expect(redactor.excerpt(`${'a'.repeat(299)}😀b`, 300)).toBe(`${'a'.repeat(299)}…`);
  });
});

describe('describeFailure', () => {
  // A bug ends the run with a stack trace, which quotes the error's message: redacted too.
  test('redacts the stack of an unexpected error and the message of an expected one', () => {
    const value = 'Bug"gy\\Secret/9 é\n';
    const redactor = new Redactor([value]);
    const bug = new TypeError(`cannot parse ${JSON.stringify({ secret: value })}`);
    const line = describeFailure(bug, redactor);
    expect(line).toMatch(/^error: TypeError: cannot parse \{"secret":"\[REDACTED\]"\}\n\s+at /);
    expect(line).not.toContain('Bug');
    expect(describeFailure(new ConfigError(`bad ${encodeURIComponent(value)}`), redactor)).toBe(`error: bad ${REDACTED}\n`);
    expect(describeFailure('a string', redactor)).toBe('error: a string\n');
  });
});
