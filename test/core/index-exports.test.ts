// Helpers for lib/core's own use live in modules lib/core/index.ts does not export wholesale (checksum.ts, which
// it takes two names from, walked-tree.ts, secret-manifest.ts, debug.ts, hash.ts, percent-encode.ts, bucket.ts, service.ts, volume-claim.ts and placement.ts),
// so they stay out of the package's API: tsconfig.json keeps
// `@internal` declarations (`stripInternal: false`), so the tag alone would not hide them.
import * as lib from '../../lib';
import * as core from '../../lib/core';
import * as checksum from '../../lib/core/checksum';
import * as bucket from '../../lib/core/bucket';
import * as debug from '../../lib/core/debug';
import * as hash from '../../lib/core/hash';
import * as percent from '../../lib/core/percent-encode';
import * as placement from '../../lib/core/placement';
import * as service from '../../lib/core/service';
import * as volumeClaim from '../../lib/core/volume-claim';
import * as pulumiDo from '../../lib/pulumi/digitalocean';
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
    expect([secretManifest.manifestBytes, debug.debugRequested, hash.sha256, hash.keyedDigest].map((f) => typeof f)).toEqual(Array(4).fill('function'));
  });

  // the one writers of 2026-12-06's "one mechanism" work are the library's own too: a user names a bucket, a Service
  // or a claim through the constructs, which check and write them
  test('the one writers of a component, a bucket rule, a host, a claim and a selector are not exported', () => {
    const helpers = {
      percentEncode: percent.percentEncode, checkS3Bucket: bucket.checkS3Bucket, checkS3Region: bucket.checkS3Region,
      spacesEndpoint: bucket.spacesEndpoint, serviceHost: service.serviceHost, readWriteOnceClaim: volumeClaim.readWriteOnceClaim,
      instanceSelector: placement.instanceSelector,
    };
    for (const [name, helper] of Object.entries(helpers)) {
      expect(typeof helper).toBe('function');
      expect(Object.keys(core)).not.toContain(name);
      expect(Object.keys(lib)).not.toContain(name);
      expect(Object.keys(pulumiDo)).not.toContain(name);
    }
    // the Pulumi package's bucket check is its own name for the one rule
    expect(pulumiDo.checkSpacesBucketName('bucketName', 'acme.images')).toBe('acme.images');
  });
});
