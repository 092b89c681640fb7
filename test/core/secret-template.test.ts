import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { renderTemplate, Secret, SecretKey, SecretValue, SecretValueKind, TemplateEscape, ValidationError } from '../../lib';
import { LONE_SURROGATE } from '../../lib/core/toml';
import { testChart } from '../util';

/** Generated keys of every source kind a template may splice. */
function sources() {
  const chart = testChart('ns');
  const random = new Secret(chart, 'R', {
    name: 'r', values: { hex: SecretValue.hex(16), alnum: SecretValue.alphanumeric(16), password: SecretValue.password(16) },
  });
  const copy = new Secret(chart, 'C', { name: 'c', values: { copy: SecretValue.copyOf(random.key('password')) } });
  const copyOfCopy = new Secret(chart, 'CC', { name: 'cc', values: { copy: SecretValue.copyOf(copy.key('copy')) } });
  const input = new Secret(chart, 'I', { name: 'i', values: { token: SecretValue.input('DOCKYARD_TOKEN', 'a token') } });
  const derived = new Secret(chart, 'D', {
    name: 'd',
    values: {
      copy: SecretValue.copyOf(input.key('token')),
      url: SecretValue.template('x{pw}', { pw: random.key('hex') }),
      rsa: SecretValue.rsaPrivateKey(2048),
    },
  });
  return { chart, random, copy, copyOfCopy, input, derived };
}

/** A URL template over one key; the password's source does not matter to rendering, only its given value. */
function urlTemplate(password: SecretKey, user?: SecretKey): SecretValue {
  const keys: Record<string, SecretKey> = user ? { user, password } : { password };
  return SecretValue.template(`postgres://${user ? '{user}' : 'app'}:{password}@db.example.com:5432/app?sslmode=disable`,
    keys, { escape: TemplateEscape.URL });
}

/** Any string: any code point, any UTF-16 unit (lone surrogates too), and the values of issue 8. */
const anyString = fc.oneof(
  fc.constantFrom('abc #def', 'yes', 'no', 'on', '123456', '0x1F', '1e3', 'null', '~', '"x\ny: z"', '{password}', '', ' ', '- a',
    'a: b', '[x]', '{a: 1}', '&a *b !c |d >e %f @g `h', '\\', '\u0000\u0007\u007f\u0085\u2028\ufeff', '\r\n\t'),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);

const RUNS = { numRuns: 1000 };

describe('TemplateEscape', () => {
  test('has one named escape per sink', () => {
    // every escape the class holds, read from it, so that one added later is checked here too
    const escapes = Object.entries(TemplateEscape).filter((e): e is [string, TemplateEscape] => e[1] instanceof TemplateEscape);
    expect(escapes.map(([key]) => key)).toEqual(expect.arrayContaining(['NONE', 'URL', 'YAML', 'JSON', 'TOML']));
    // each named after its member, and no two alike
    expect(escapes.map(([, e]) => [e.name, String(e)])).toEqual(escapes.map(([key]) => [key.toLowerCase(), `TemplateEscape.${key}`]));
    expect(new Set(escapes.map(([, e]) => e.name)).size).toBe(escapes.length);
    // the refusal of anything else names them all
    const names = escapes.map(([key]) => `.${key}`);
    expect(() => SecretValue.template('x', {}, { escape: 'url' as unknown as TemplateEscape }))
      .toThrow(`must be TemplateEscape${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`);
    expect(TemplateEscape.NONE.encode('a b')).toBe('a b');
    expect(TemplateEscape.URL.encode("p@ss:/#%?&=+ é")).toBe('p%40ss%3A%2F%23%25%3F%26%3D%2B%20%C3%A9');
    expect(TemplateEscape.YAML.encode('abc #def')).toBe('"abc #def"');
    expect(TemplateEscape.JSON.encode('a"b')).toBe('"a\\"b"');
    expect(TemplateEscape.TOML.encode('a"b\x7f')).toBe('"a\\"b\\u007f"');
  });
});

describe('SecretValue.template', () => {
  test('records the escape, raw by default', () => {
    const { random, input } = sources();
    expect(SecretValue.template('x{pw}', { pw: random.key('hex') }).escape).toBe(TemplateEscape.NONE);
    const url = urlTemplate(input.key('token'));
    expect(url.kind).toBe(SecretValueKind.TEMPLATE);
    expect(url.escape).toBe(TemplateEscape.URL);
    expect(SecretValue.hex(16).escape).toBeUndefined();
  });

  test('splices raw only random values, directly or through copies', () => {
    const { random, copy, copyOfCopy } = sources();
    for (const key of [random.key('hex'), random.key('alnum'), random.key('password'), copy.key('copy'), copyOfCopy.key('copy')]) {
      expect(() => SecretValue.template('requirepass {pw}\n', { pw: key })).not.toThrow();
      expect(() => SecretValue.template('requirepass {pw}\n', { pw: key }, { escape: TemplateEscape.NONE })).not.toThrow();
    }
  });

  test('refuses a raw template over an input, naming the prop, the placeholder and the source', () => {
    const { random, input } = sources();
    const raw = () => SecretValue.template('postgres://app:{pw}@db/app', { pw: input.key('token') });
    expect(raw).toThrow(ValidationError);
    expect(raw).toThrow('invalid template "postgres://app:{pw}@db/app": placeholder {pw} is spliced raw (TemplateEscape.NONE), ' +
      'which only a random source (SecretValue.hex, .alphanumeric, .password, or a copyOf one) allows, and ns/i#token is not; ' +
      'pass the escape of the text around it, e.g. { escape: TemplateEscape.URL } in a URL, .YAML or .JSON');
    // one raw placeholder over an input is enough, even beside random ones
    expect(() => SecretValue.template('{a}:{b}', { a: random.key('hex'), b: input.key('token') })).toThrow(/placeholder \{b\} is spliced raw/);
    // an escape makes it safe
    for (const escape of [TemplateEscape.URL, TemplateEscape.YAML, TemplateEscape.JSON]) {
      expect(SecretValue.template('{pw}', { pw: input.key('token') }, { escape }).escape).toBe(escape);
    }
  });

  test('refuses a raw template over any other source: a copied input, another template, a key', () => {
    const { derived } = sources();
    for (const key of ['copy', 'url', 'rsa']) {
      expect(() => SecretValue.template('v={v}', { v: derived.key(key) }))
        .toThrow(`invalid template "v={v}": placeholder {v} is spliced raw (TemplateEscape.NONE), which only a random source`);
    }
  });

  test('refuses a placeholder without a key, and an escape that is not a TemplateEscape', () => {
    const { random } = sources();
    expect(() => SecretValue.template('x{other}', { pw: random.key('hex') }, { escape: TemplateEscape.URL }))
      .toThrow('invalid template "x{other}": placeholder {other} needs a key; got ["pw"]');
    expect(() => SecretValue.template('x{pw}', { pw: random.key('hex') }, { escape: 'url' as unknown as TemplateEscape }))
      .toThrow('invalid escape "url": must be TemplateEscape.NONE, .URL, .YAML, .JSON or .TOML');
  });
});

describe('renderTemplate', () => {
  test('substitutes in one pass: a value holding a placeholder is not substituted again', () => {
    const { random } = sources();
    const value = SecretValue.template('{a}-{b}', { a: random.key('hex'), b: random.key('alnum') }, { escape: TemplateEscape.JSON });
    expect(renderTemplate(value, { a: '{b}', b: '{a}' })).toBe('"{b}"-"{a}"');
  });

  test('escapes every placeholder with the value\'s escape', () => {
    const { input, random } = sources();
    expect(renderTemplate(urlTemplate(input.key('token'), random.key('alnum')), { user: 'a@b', password: 'p/w' }))
      .toBe('postgres://a%40b:p%2Fw@db.example.com:5432/app?sslmode=disable');
    expect(renderTemplate(SecretValue.template('requirepass {pw}\n', { pw: random.key('alnum') }), { pw: 'Ab12' })).toBe('requirepass Ab12\n');
  });

  test('fails, never quoting the value, on a missing source, a raw value that is not random, or a value URL cannot encode', () => {
    const { input, random } = sources();
    const raw = SecretValue.template('x{pw}', { pw: random.key('alnum') });
    expect(() => renderTemplate(raw, {})).toThrow('template placeholder {pw} has no source value');
    expect(() => renderTemplate(raw, { pw: 'edited #secret' })).toThrow(/^template placeholder \{pw\} is spliced raw \(TemplateEscape.NONE\), but its value has characters other than letters and digits/);
    expect(() => renderTemplate(raw, { pw: 'edited #secret' })).not.toThrow(/edited/);
    expect(() => renderTemplate(urlTemplate(input.key('token')), { password: 'lone\ud800secret' }))
      .toThrow(new Error('template placeholder {password}: its value cannot be escaped with TemplateEscape.URL: it must be a string of well-formed ' +
        'Unicode (no lone UTF-16 surrogate), which a URL percent-encodes as UTF-8; the value is not shown'));
    // the escapes themselves, called directly, never show the value either (review RV4: TOML's showed it)
    expect(() => TemplateEscape.URL.encode('lone\ud800secret')).toThrow(/^invalid value <redacted>: /);
    expect(() => TemplateEscape.TOML.encode('lone\ud800secret')).toThrow(new Error('invalid value <redacted>: must be a string of well-formed Unicode ' +
      '(no lone surrogates)'));
    // a thrown error without a rule of its own is named by its kind
    const spy = jest.spyOn(TemplateEscape.URL, 'encode').mockImplementation(() => { throw new RangeError('x'); });
    try {
      expect(() => renderTemplate(urlTemplate(input.key('token')), { password: 'a' }))
        .toThrow(new Error('template placeholder {password}: its value cannot be escaped with TemplateEscape.URL (RangeError); the value is not shown'));
    } finally {
      spy.mockRestore();
    }
    expect(() => renderTemplate(SecretValue.hex(16), {})).toThrow('renderTemplate needs a template value, not random');
  });

  test('URL: any unicode user and password read back from the URL, which keeps its host, port, database and query', () => {
    const { input } = sources();
    const value = urlTemplate(input.key('token'), input.key('token'));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (user, password) => {
      const url = new URL(renderTemplate(value, { user, password }));
      expect(decodeURIComponent(url.username)).toBe(user);
      expect(decodeURIComponent(url.password)).toBe(password);
      expect(url.protocol).toBe('postgres:');
      expect(url.hostname).toBe('db.example.com');
      expect(url.port).toBe('5432');
      expect(url.pathname).toBe('/app');
      expect([...url.searchParams]).toEqual([['sslmode', 'disable']]);
      expect(url.hash).toBe('');
    }), RUNS);
  });

  test('URL: the characters that break a DSN are encoded', () => {
    const { input } = sources();
    const url = new URL(renderTemplate(urlTemplate(input.key('token')), { password: 'p@ss:w/rd#1%?&=+ x' }));
    expect(url.host).toBe('db.example.com:5432');
    expect(url.password).toBe('p%40ss%3Aw%2Frd%231%25%3F%26%3D%2B%20x');
  });

  test('YAML: any string reads back as itself, a string, with no key added', () => {
    const { input } = sources();
    const value = SecretValue.template('auth:\n  username: robot\n  password: {password}\nother: [1]\n', { password: input.key('token') },
      { escape: TemplateEscape.YAML });
    fc.assert(fc.property(anyString, (password) => {
      expect(parseYaml(renderTemplate(value, { password }))).toEqual({ auth: { username: 'robot', password }, other: [1] });
    }), RUNS);
  });

  test('JSON: any string reads back as itself, with no key added', () => {
    const { input } = sources();
    const value = SecretValue.template('{"password": {password}, "user": "robot"}', { password: input.key('token') }, { escape: TemplateEscape.JSON });
    fc.assert(fc.property(anyString, (password) => {
      expect(JSON.parse(renderTemplate(value, { password }))).toEqual({ password, user: 'robot' });
    }), RUNS);
  });

  // the containerd auth file of a mirror login (node-mirror-files.ts) and TOML templates write credentials this way; a
  // TOML basic string holds any Unicode scalar value, with controls and DEL escaped (TOML 1.0.0, "String"), and a
  // lone surrogate is none, which the render refuses
  test('TOML: any well-formed string reads back as itself, with no key or table added; a lone surrogate fails the render', () => {
    const { input } = sources();
    const value = SecretValue.template('[auth]\npassword = {password}\nuser = "robot"\n', { password: input.key('token') }, { escape: TemplateEscape.TOML });
    fc.assert(fc.property(anyString, (password) => {
      if (LONE_SURROGATE.test(password)) {
        expect(() => renderTemplate(value, { password })).toThrow(/^template placeholder \{password\}: its value cannot be escaped with TemplateEscape.TOML: it must be a string of well-formed Unicode \(no lone surrogates\); the value is not shown$/);
        return;
      }
      expect(parseToml(renderTemplate(value, { password }))).toEqual({ auth: { password, user: 'robot' } });
    }), RUNS);
  });
});
