// The DOT writer's quoting, checked against Graphviz itself (@viz-js/viz, Graphviz compiled to WebAssembly): every
// name and label reaches the SVG as written. What needs quoting comes from Graphviz's documentation:
// - the DOT language (graphviz.org/doc/lang.html): "In quoted strings in DOT, the only escaped character is
//   double-quote ("). That is, in quoted strings, the dyad \" is converted to "; all other characters are left
//   unchanged. In particular, \\ remains \\. Layout engines may apply additional escape sequences.";
// - labels are escString (graphviz.org/docs/attr-types/escString/): the layout turns \n, \l and \r into line
//   breaks and \N, \G, \E, \T, \H, \L into the node's, graph's or edge's names, and \\ into one backslash.
// So lib/diagram/dot.ts doubles every backslash and escapes every '"'; a raw line break becomes a space.
import fc from 'fast-check';
import { renderSvg, toDot } from '../../lib';
import type { PlatformGraph } from '../../lib';

/** The text of the SVG's `<text>` and `<title>` elements, XML entities decoded, Graphviz's no-break spaces as spaces. */
function svgStrings(svg: string, element: 'text' | 'title'): string[] {
  const decode = (s: string) => s
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
    .replace(/\u00a0/g, ' ');
  return [...svg.matchAll(new RegExp(`<${element}[^>]*>([^<]*)</${element}>`, 'g'))].map((m) => decode(m[1]));
}

// the characters that mean something to DOT or to escString, among ordinary text
const hostile = fc.array(fc.oneof(
  fc.constantFrom('\\', '"', '\\"', '\\n', '\\l', '\\r', '\\N', '\\G', '\\E', '\\T', '\\H', '\\L', '\\\\', '\n', '<', '>', '&', ';', '{', '}', '[', ']', '=', '->', ' '),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }),
), { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')).filter((s) => s.trim() !== '' && !/[\p{Cc}]/u.test(s.replace(/\n/g, '')));

describe('DOT quoting against Graphviz', () => {
  test('names, labels and namespaces reach the SVG exactly as written (raw line breaks as spaces)', async () => {
    await fc.assert(fc.asyncProperty(hostile, hostile, hostile, hostile, async (namespace, line, second, edgeLabel) => {
      const graph: PlatformGraph = {
        namespaces: [namespace],
        nodes: [
          { id: `a ${line}`, kind: 'workload', label: [line, second], namespace },
          { id: `b ${second}`, kind: 'secret', label: [second] },
        ],
        edges: [{ from: `a ${line}`, to: `b ${second}`, kind: 'secret', label: edgeLabel }],
      };
      const svg = await renderSvg(toDot(graph));
      // a no-break space in a name reads as a space too: svgStrings cannot tell it from Graphviz's own, which it writes
      // for every space that follows a space (`x &#160;&#160;y` for "x   y")
      const flat = (s: string) => s.replace(/\r?\n/g, ' ').replace(/\u00a0/g, ' ');
      const texts = svgStrings(svg, 'text');
      expect(texts).toEqual(expect.arrayContaining([flat(line), flat(second), flat(edgeLabel), `namespace ${flat(namespace)}`]));
      // node names are not escStrings: DOT keeps the doubled backslash of an ID as two characters ("\\ remains
      // \\"), which is harmless, since every edge names its nodes through the same quoting
      const id = (s: string) => flat(s).replace(/\\/g, '\\\\');
      expect(svgStrings(svg, 'title')).toEqual(expect.arrayContaining([id(`a ${line}`), id(`b ${second}`), `${id(`a ${line}`)}->${id(`b ${second}`)}`]));
    }), { numRuns: 150 });
  });

  test('the property is not vacuous: an unescaped backslash sequence is interpreted by Graphviz', async () => {
    const svg = await renderSvg('digraph { n [label="x\\Ny"] }');
    expect(svgStrings(svg, 'text')).toEqual(['xny']);
  });
});
