// Helpers for lib/core's own use live in modules lib/core/index.ts does not export wholesale (checksum.ts, which
// it takes two names from, walked-tree.ts, secret-manifest.ts, debug.ts and hash.ts), so they stay out of the package's API: tsconfig.json keeps
// `@internal` declarations (`stripInternal: false`), so the tag alone would not hide them.
import * as lib from '../../lib';
import * as core from '../../lib/core';
import * as checksum from '../../lib/core/checksum';
import * as debug from '../../lib/core/debug';
import * as hash from '../../lib/core/hash';
import * as secretManifest from '../../lib/core/secret-manifest';
import * as walkedTree from '../../lib/core/walked-tree';

describe('lib/core exports', () => {
  test('the helpers for lib/core\'s own use are not exported', () => {
    for (const name of ['generatedSecretNamed', 'withWalkedTree', 'takeWalkedTree', 'manifestBytes', 'keepManifestBytes', 'debugRequested', 'sha256', 'keyedDigest']) {
      expect(Object.keys(core)).not.toContain(name);
      expect(Object.keys(lib)).not.toContain(name);
    }
    // they exist where lib/core's own files import them from
    expect(typeof checksum.generatedSecretNamed).toBe('function');
    expect(typeof walkedTree.withWalkedTree).toBe('function');
    expect([secretManifest.manifestBytes, debug.debugRequested, hash.sha256].map((f) => typeof f)).toEqual(['function', 'function', 'function']);
  });
});
