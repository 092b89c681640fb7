import { parseAllDocuments } from 'yaml';
import { toYaml } from '../../lib';
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
