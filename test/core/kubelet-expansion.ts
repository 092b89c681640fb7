/*
 * The kubelet's `$(NAME)` expansion, ported from k8s.io/kubernetes third_party/forked/golang/expansion/expand.go
 * (Expand, tryReadVariableName, MappingFuncFor, syntaxWrap). It works on UTF-8 bytes, as older releases of that file
 * did, so it reproduces how a lone `$` before a multi-byte character was mangled there (Go's `string(input[0])`
 * converts one byte to a rune); the current file decodes the rune (kubernetes/kubernetes fde22c3f). No test depends
 * on the difference: Dockyard doubles every `$` it renders, so no lone `$` reaches the kubelet.
 *
 * One port for every test of what the kubelet expands: pod env values, commands and args (test/core/env.test.ts),
 * and the pipeline values the CI engines put into pod env (test/ci/pipeline-quoting.test.ts).
 */
const DOLLAR = 0x24;
const OPENER = 0x28;
const CLOSER = 0x29;

/** Expand: `input` with each `$(NAME)` replaced by `mapping(NAME)`, `$$` read as `$`, any other `$` kept. */
export function expand(input: string, mapping: (name: string) => string): string {
  const bytes = Buffer.from(input, 'utf8');
  const out: Buffer[] = [];
  let checkpoint = 0;
  for (let cursor = 0; cursor < bytes.length; cursor++) {
    if (bytes[cursor] === DOLLAR && cursor + 1 < bytes.length) {
      out.push(bytes.subarray(checkpoint, cursor));
      const [read, isVar, advance] = tryReadVariableName(bytes.subarray(cursor + 1));
      out.push(isVar ? Buffer.from(mapping(read.toString('utf8')), 'utf8') : read);
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  out.push(bytes.subarray(checkpoint));
  return Buffer.concat(out).toString('utf8');
}

function tryReadVariableName(input: Buffer): [Buffer, boolean, number] {
  switch (input[0]) {
    case DOLLAR:
      // escaped operator
      return [input.subarray(0, 1), false, 1];
    case OPENER:
      for (let i = 1; i < input.length; i++) {
        if (input[i] === CLOSER) {
          return [input.subarray(1, i), true, i + 1];
        }
      }
      // incomplete reference
      return [Buffer.from('$('), false, 1];
    default:
      // not an expression: the operator and the first byte, as a rune
      return [Buffer.from(`$${String.fromCodePoint(input[0])}`, 'utf8'), false, 1];
  }
}

/** MappingFuncFor: the first context that defines the name wins; an undefined name stays `$(name)`. */
export function mappingFor(...contexts: Array<Map<string, string>>): (name: string) => string {
  return (name) => {
    for (const vars of contexts) {
      if (vars.has(name)) {
        return vars.get(name)!;
      }
    }
    return `$(${name})`;
  };
}
