import * as tables from '../../lib/postgres/saslprep-tables';

// lib/postgres/saslprep-tables.ts holds the RFC 3454 tables as postgres/postgres REL_15_STABLE src/common/saslprep.c
// lists them. Spot checks of entries against RFC 3454's appendices (and RFC 4013 section 2, which picks them), and of
// the order pg_saslprep's bsearch (and scram-password.ts' binary search) needs; test/integ/scram-password.integ.test.ts
// checks their edges against a PostgreSQL 15 server.

/** Whether `code` is in `ranges`, by a plain scan. */
const holds = (ranges: readonly number[], code: number) => {
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i] <= code && code <= ranges[i + 1]) {
      return true;
    }
  }
  return false;
};

const ALL = {
  NON_ASCII_SPACE_RANGES: tables.NON_ASCII_SPACE_RANGES,
  COMMONLY_MAPPED_TO_NOTHING_RANGES: tables.COMMONLY_MAPPED_TO_NOTHING_RANGES,
  PROHIBITED_OUTPUT_RANGES: tables.PROHIBITED_OUTPUT_RANGES,
  UNASSIGNED_CODEPOINT_RANGES: tables.UNASSIGNED_CODEPOINT_RANGES,
  RANDALCAT_CODEPOINT_RANGES: tables.RANDALCAT_CODEPOINT_RANGES,
  LCAT_CODEPOINT_RANGES: tables.LCAT_CODEPOINT_RANGES,
};

test.each(Object.entries(ALL))('%s is a list of ascending, disjoint, inclusive ranges', (_, ranges) => {
  expect(ranges.length % 2).toBe(0);
  for (let i = 0; i < ranges.length; i += 2) {
    expect(ranges[i]).toBeLessThanOrEqual(ranges[i + 1]);
    if (i > 0) {
      expect(ranges[i]).toBeGreaterThan(ranges[i - 1]);
    }
  }
});

test.each<[keyof typeof ALL, number[], number[]]>([
  // C.1.2: NO-BREAK SPACE, OGHAM SPACE MARK, EN QUAD..ZERO WIDTH SPACE, IDEOGRAPHIC SPACE; not SPACE itself
  ['NON_ASCII_SPACE_RANGES', [0x00a0, 0x1680, 0x2000, 0x200b, 0x202f, 0x205f, 0x3000], [0x0020, 0x200c, 0x3001]],
  // B.1: SOFT HYPHEN, COMBINING GRAPHEME JOINER, MONGOLIAN TODO SOFT HYPHEN, ZWNJ, ZWJ, WORD JOINER, variation selectors, BOM
  ['COMMONLY_MAPPED_TO_NOTHING_RANGES', [0x00ad, 0x034f, 0x1806, 0x180b, 0x200c, 0x200d, 0x2060, 0xfe00, 0xfe0f, 0xfeff], [0x00a0, 0x180e, 0xfe10]],
  // C.2.1 NUL, DEL; C.2.2 NEL, ARABIC END OF AYAH; C.3 private use; C.4 non-characters; C.5 surrogates; C.6
  // REPLACEMENT CHARACTER; C.7 IDEOGRAPHIC DESCRIPTION CHARACTER; C.8 LRM, RLM; C.9 LANGUAGE TAG
  ['PROHIBITED_OUTPUT_RANGES', [0x0000, 0x001f, 0x007f, 0x0085, 0x06dd, 0xe000, 0xfdd0, 0xffff, 0xd800, 0xfffd, 0x2ff0, 0x200e, 0x200f, 0xe0001, 0x10ffff],
    [0x0020, 0x007e, 0x00a1, 0x05d0, 0xf900, 0x1f600]],
  // A.1: code points Unicode 3.2 left unassigned, emoji among them (U+1F600 is in 1D800..1FFFD); not its letters
  ['UNASSIGNED_CODEPOINT_RANGES', [0x0221, 0x0234, 0x024f, 0x1f600, 0x1f980, 0x0860, 0xe0000], [0x0220, 0x0250, 0x4e00, 0x05d0, 0x2122]],
  // D.1: Hebrew and Arabic letters, RLM, Arabic presentation forms; not Latin, digits or Arabic-Indic digits (AN)
  ['RANDALCAT_CODEPOINT_RANGES', [0x05d0, 0x05ea, 0x0627, 0x200f, 0xfb1d, 0xfefc], [0x0041, 0x0031, 0x0660, 0x200e]],
  // D.2: Latin, Greek, CJK letters, LRM, OHM SIGN; not Hebrew, digits or TRADE MARK SIGN (ON)
  ['LCAT_CODEPOINT_RANGES', [0x0041, 0x007a, 0x00c0, 0x0386, 0x4e00, 0x200e, 0x2126, 0x10ffFD], [0x05d0, 0x0030, 0x2122, 0x00d7]],
])('%s holds what RFC 3454 lists and not its neighbours', (name, inside, outside) => {
  expect(inside.filter((c) => !holds(ALL[name], c)).map((c) => c.toString(16))).toEqual([]);
  expect(outside.filter((c) => holds(ALL[name], c)).map((c) => c.toString(16))).toEqual([]);
});
