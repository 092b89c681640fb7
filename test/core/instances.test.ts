// OutputFile.allIn, SecretFile.allIn, Secret.requiredIn and the checksums' Secret lookup find constructs from a
// record kept as they are made (lib/core/instances.ts), not by walking the tree: they must give what walking the
// tree gives, `scope.node.findAll()` filtered by kind, in its order, whatever order the constructs were made in.
import { App, Chart } from 'cdk8s';
import { Construct, IConstruct, Node } from 'constructs';
import { OutputFile, Secret, SecretFile, SecretValue } from '../../lib';
import { generatedSecretNamed } from '../../lib/core/checksum';

const walked = <T extends IConstruct>(scope: IConstruct, kind: abstract new (...args: any[]) => T): T[] => scope.node.findAll().filter((c): c is T => c instanceof kind);

function tree() {
  const app = new App();
  const chart = new Chart(app, 'c', { namespace: 'apps' });
  // made in an order other than the tree's: later siblings first, children of earlier scopes last, integer-like ids
  const b = new Construct(chart, 'b');
  const a = new Construct(chart, 'a');
  const ten = new Construct(chart, '10');
  const two = new Construct(chart, '2');
  const file = (scope: Construct, id: string) => new OutputFile(scope, id, { path: `${scope.node.path}/${id}.txt`.replace(/^\//, ''), content: () => id });
  file(b, 'x');
  file(ten, 'y');
  file(a, 'z');
  file(two, 'w');
  file(chart, 'top');
  file(new Construct(a, 'deep'), 'v');
  new SecretFile(b, 'sf2', { path: 'b.local.txt', value: SecretValue.alphanumeric(16) });
  new SecretFile(a, 'sf1', { path: 'a.local.txt', value: SecretValue.alphanumeric(16) });
  Secret.fromSecretName(b, 'E2', 'two').key('k');
  Secret.fromSecretName(a, 'E1', 'one', { namespace: 'other' }).key('k');
  // removed from the tree: no longer found
  file(ten, 'gone');
  ten.node.tryRemoveChild('gone');
  const removedScope = new Construct(chart, 'removed');
  file(removedScope, 'inside');
  chart.node.tryRemoveChild('removed');
  return { app, chart, a, b };
}

describe('constructs found from the record kept as they are made', () => {
  test('OutputFile.allIn, SecretFile.allIn and Secret.requiredIn list what walking the tree lists', () => {
    const { app, chart, a, b } = tree();
    for (const scope of [app, chart, a, b]) {
      expect(OutputFile.allIn(scope).map((f) => f.path)).toEqual(walked(scope, OutputFile).map((f) => f.path));
      expect(SecretFile.allIn(scope)).toEqual(walked(scope, SecretFile));
    }
    // integer-like ids first, in numeric order, then the others in the order they were added
    expect(OutputFile.allIn(app).map((f) => f.node.id)).toEqual(['w', 'y', 'x', 'z', 'v', 'top']);
    expect(Secret.requiredIn(app).map((s) => s.secretName)).toEqual(['two', 'one']);
    expect(Secret.requiredIn(a).map((s) => s.secretName)).toEqual(['one']);
  });

  test('beyond a few, the tree is walked', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    for (let i = 40; i > 0; i--) new OutputFile(new Construct(chart, `s${i}`), 'f', { path: `f${i}.txt`, content: () => '' });
    expect(OutputFile.allIn(app)).toEqual(walked(app, OutputFile));
  });

  test('the checksums take the first Secret of a name in a namespace, in tree order', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'apps' });
    const earlier = new Construct(chart, 'a');
    const later = new Construct(chart, 'z');
    const s1 = new Secret(later, 'S', { name: 'db', values: { p: SecretValue.alphanumeric(16) } });
    const s2 = new Secret(earlier, 'S', { name: 'db', namespace: 'other', values: { p: SecretValue.alphanumeric(16) } });
    const s3 = new Secret(earlier, 'T', { name: 'db', values: { q: SecretValue.alphanumeric(16) } });
    s2.shareWith('apps');
    const find = (ns: string, name: string) => Secret.allIn(app).find((s) => s.secretName === name && s.namespaces.includes(ns));
    for (const [ns, name] of [['apps', 'db'], ['other', 'db'], ['apps', 'none']]) {
      expect(generatedSecretNamed(chart, name, ns)).toBe(find(ns, name));
    }
    expect(generatedSecretNamed(chart, 'db', 'apps')).toBe(s2);
    earlier.node.tryRemoveChild('S');
    expect(generatedSecretNamed(chart, 'db', 'apps')).toBe(s3);
    expect(find('apps', 'db')).toBe(s3);
    expect(s1.namespace).toBe('apps');
  });

  test('a Secret is found by name in one lookup, among many, without walking the tree', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'apps' });
    // more than instancesIn's few, made against tree order (scopes s0..s39, their Secrets from s39 down), one name twice
    const scopes = [...Array(40).keys()].map((i) => new Construct(chart, `s${i}`));
    const secrets = [...scopes].reverse().map((scope, j) => new Secret(scope, 'S', { name: `db${(39 - j) % 39}`, values: { p: SecretValue.alphanumeric(16) } }));
    const findAll = jest.spyOn(Node.prototype, 'findAll');
    try {
      expect(generatedSecretNamed(chart, 'db7', 'apps')).toBe(secrets.find((s) => s.node.scope!.node.id === 's7'));
      // db0 is s39's and s0's: s0 comes first in the tree, though its Secret was made last
      expect(generatedSecretNamed(chart, 'db0', 'apps')).toBe(secrets.find((s) => s.node.scope!.node.id === 's0'));
      expect(generatedSecretNamed(chart, 'db7', 'other')).toBeUndefined();
      expect(generatedSecretNamed(chart, 'none', 'apps')).toBeUndefined();
      expect(findAll).not.toHaveBeenCalled();
    } finally {
      findAll.mockRestore();
    }
    // the same answers as the walk, for every name
    for (let i = 0; i < 40; i++) {
      expect(generatedSecretNamed(app, `db${i}`, 'apps')).toBe(Secret.allIn(app).find((s) => s.secretName === `db${i}`));
    }
  });
});
