import * as crypto from 'crypto';
import fc from 'fast-check';
import { keyedDigest, sha256 } from '../../lib/core/hash';

const reference = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

describe('sha256', () => {
  test('is the SHA-256 of the UTF-8 text, whichever way Node computes it', () => {
    // the FIPS 180-2 test vector, and what the configure Jobs' chunk keys hash
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // the module itself, which `import * as` only reads through
    const module: { hash?: unknown } = require('crypto');
    // Node 20.12 and later have it; before, the first property already runs the fallback
    const oneShot = module.hash;
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      expect(sha256(text)).toBe(reference(text));
    }));
    // Node before 20.12 has no crypto.hash: the same digest from a Hash object
    module.hash = undefined;
    try {
      fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(sha256(text)).toBe(reference(text));
      }));
    } finally {
      module.hash = oneShot;
    }
  });
});

// the digest of a secret value in checksums and Job names, for the local secret state and the Pulumi program alike
describe('keyedDigest', () => {
  test('is the first 32 hex digits of HMAC-SHA-256 under the key of id, NUL, value (UTF-8)', () => {
    // Node's HMAC itself on RFC 4231 test case 2 (key "Jefe"), then the digest's framing of id and value
    expect(crypto.createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex'))
      .toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(keyedDigest('k'.repeat(64), 'harbor/harbor-redis/password', 's3cr\u00e9t')).toBe('9262033af37f24fed18e59b20f19d15d');
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (key, id, value) => {
      const whole = crypto.createHmac('sha256', key).update(Buffer.from(`${id}\0${value}`, 'utf8')).digest('hex').slice(0, 32);
      expect(keyedDigest(key, id, value)).toBe(whole);
    }));
  });

  test('changes with the key, the id and the value', () => {
    const base = keyedDigest('a'.repeat(64), 'ns/secret/key', 'value');
    expect(base).toMatch(/^[0-9a-f]{32}$/);
    expect(keyedDigest('b'.repeat(64), 'ns/secret/key', 'value')).not.toBe(base);
    expect(keyedDigest('a'.repeat(64), 'ns/secret/other', 'value')).not.toBe(base);
    expect(keyedDigest('a'.repeat(64), 'ns/secret/key', 'value2')).not.toBe(base);
    // the NUL keeps the id and the value apart: "ab" + "c" is not "a" + "bc"
    expect(keyedDigest('a'.repeat(64), 'ab', 'c')).not.toBe(keyedDigest('a'.repeat(64), 'a', 'bc'));
  });
});
