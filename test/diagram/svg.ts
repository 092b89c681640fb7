/** A minimal XML reader for the tests: checks that tags balance and collects the text of `<text>` elements. */
export function svgTexts(xml: string): string[] {
  const texts: string[] = [];
  const stack: string[] = [];
  const rest = xml.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '').replace(/<!DOCTYPE[^>]*>/, '');
  let current: string | undefined;
  const token = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/y;
  let m: RegExpExecArray | null;
  while (token.lastIndex < rest.length && (m = token.exec(rest)) !== null) {
    const [, closing, name, , selfClosing, text, stray] = m;
    if (stray) throw new Error(`malformed XML near: ${rest.slice(token.lastIndex - 1, token.lastIndex + 40)}`);
    if (text !== undefined) {
      if (current !== undefined) current += text;
    } else if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
      if (name === 'text' && current !== undefined) {
        texts.push(decode(current));
        current = undefined;
      }
    } else if (!selfClosing) {
      stack.push(name);
      if (name === 'text') current = '';
    }
  }
  if (token.lastIndex < rest.length) throw new Error('malformed XML');
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return texts;
}

function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d))).replace(/&amp;/g, '&');
}
