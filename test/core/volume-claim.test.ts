import { HarborStorage, Postgres, Redis } from '../../lib';
import { readWriteOnceClaim } from '../../lib/core/volume-claim';
import { find, synth, testChart } from '../util';
import { inClusterHarbor } from '../harbor/fixtures';

// One writer of a volume claim's spec (lib/core/volume-claim.ts): the Harbor registry's PersistentVolumeClaim and the
// volumeClaimTemplates of every StatefulSet (Postgres, Redis, the Woodpecker agent's config) ask for a volume alike.
describe('readWriteOnceClaim', () => {
  test('one ReadWriteOnce volume of the size, the StorageClass only where one is given ("" kept: no class)', () => {
    expect(readWriteOnceClaim({ size: '20Gi', storageClassName: 'fast' }))
      .toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } } });
    expect(readWriteOnceClaim({ size: '1Gi', storageClassName: '' }).storageClassName).toBe('');
    expect(readWriteOnceClaim({ size: '1Gi' })).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: undefined, resources: { requests: { storage: '1Gi' } } });
  });

  test('the registry\'s claim and a StatefulSet\'s claim template are the same spec for the same size and class', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { storage: HarborStorage.filesystem({ size: '20Gi', storageClassName: 'fast' }) });
    new Redis(chart, 'Cache', { name: 'cache', storageSize: '20Gi', storageClassName: 'fast' });
    new Postgres(chart, 'Db', { name: 'db', storageSize: '20Gi', storageClassName: 'fast' });
    const objects = synth(chart);
    const expected = { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } } };
    expect(find(objects, 'PersistentVolumeClaim', 'harbor-registry').spec).toEqual(expected);
    expect(find(objects, 'StatefulSet', 'cache').spec.volumeClaimTemplates[0].spec).toEqual(expected);
    expect(find(objects, 'StatefulSet', 'db').spec.volumeClaimTemplates[0].spec).toEqual(expected);
    // without a class the rendered claim has no storageClassName: the cluster's default class binds it
    const plain = testChart('harbor');
    inClusterHarbor(plain);
    expect(Object.keys(find(synth(plain), 'PersistentVolumeClaim', 'harbor-registry').spec)).toEqual(['accessModes', 'resources']);
  });
});
