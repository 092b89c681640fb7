import * as crypto from 'crypto';
import fc from 'fast-check';
import { sha256 } from '../../lib/core/hash';

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
