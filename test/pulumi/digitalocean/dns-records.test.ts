import type * as Module from '../../../lib/pulumi/digitalocean/dns-records';
import { childrenOf, expectParent, get, options, recordParent, registered, settled, setup, T } from './harness';

let m: typeof Module;

beforeAll(async () => {
  await setup();
  // Pulumi provider modules must load after setMocks.
  m = await import('../../../lib/pulumi/digitalocean/dns-records');
});

describe('DnsRecords', () => {
  test('one A record per host, relative to the domain, at the address', async () => {
    const dns = new m.DnsRecords('dns', { dnsDomain: 'example.com', hosts: ['harbor.example.com', 'drone.example.com'], ip: '203.0.113.7' }, { transformations: [recordParent] });
    expect(await Promise.all(dns.fqdns.map(get))).toEqual(['harbor.example.com', 'drone.example.com']);
    await settled();
    expect(childrenOf('dns').map((r) => r.inputs)).toEqual([
      { domain: 'example.com', type: 'A', name: 'harbor', value: '203.0.113.7', ttl: 300 },
      { domain: 'example.com', type: 'A', name: 'drone', value: '203.0.113.7', ttl: 300 },
    ]);
    expect(expectParent('dns', dns)).toEqual([T.dnsRecord, T.dnsRecord]);
  });

  test('hosts below a parent domain get multi-label names; the apex is @', async () => {
    new m.DnsRecords('sub', { dnsDomain: 'example.com', hosts: ['harbor.ci.example.com', 'example.com'], ip: '203.0.113.8', ttl: 60 });
    await settled();
    expect(childrenOf('sub').map((r) => [r.name, r.inputs.name, r.inputs.ttl])).toEqual([['sub/harbor.ci', 'harbor.ci', 60], ['sub/@', '@', 60]]);
  });

  test('hosts whose records were once named alike get distinct names; each keeps its former name as an alias', async () => {
    // `harbor.ci` and `harbor-ci` were both `<name>-harbor-ci`, a duplicate URN
    const dns = new m.DnsRecords('clash', { dnsDomain: 'example.com', hosts: ['harbor.ci.example.com', 'harbor-ci.example.com', 'drone.ci.example.com', 'example.com'], ip: '203.0.113.9' },
      { transformations: [recordParent] });
    const urns = await Promise.all(dns.records.map((r) => get(r.urn)));
    expect(new Set(urns).size).toBe(4);
    expect(urns[0]).toMatch(/::clash\/harbor\.ci$/);
    expect(urns[1]).toMatch(/::clash\/harbor-ci$/);
    await settled();
    const aliases = (record: string) => options.get(`${T.dnsRecord}::clash/${record}`)!.aliases;
    // a stack made before holds `clash-drone-ci` and `clash-apex`: they are kept, not replaced
    expect(aliases('drone.ci')).toEqual([{ name: 'clash-drone-ci' }]);
    expect(aliases('@')).toEqual([{ name: 'clash-apex' }]);
    // no stack held both of the former `clash-harbor-ci`, and the engine refuses two resources claiming one: neither does
    expect(aliases('harbor.ci')).toEqual([]);
    expect(aliases('harbor-ci')).toEqual([]);
  });

  test.each<[string, Module.DnsRecordsArgs, string]>([
    ['a host outside the domain', { dnsDomain: 'example.com', hosts: ['harbor.example.org'], ip: '1.2.3.4' }, 'invalid hosts "harbor.example.org": must be example.com or a name inside it'],
    ['no host', { dnsDomain: 'example.com', hosts: [], ip: '1.2.3.4' }, 'must name at least one host'],
    ['a repeated host', { dnsDomain: 'example.com', hosts: ['a.example.com', 'a.example.com'], ip: '1.2.3.4' }, 'must not repeat a host'],
    ['a bad domain', { dnsDomain: 'Example.com', hosts: ['a.example.com'], ip: '1.2.3.4' }, 'invalid dnsDomain "Example.com"'],
    ['a too short TTL', { dnsDomain: 'example.com', hosts: ['a.example.com'], ip: '1.2.3.4', ttl: 5 }, 'invalid ttl 5'],
  ])('rejects %s before registering anything', (_what, args, message) => {
    const before = registered.length;
    expect(() => new m.DnsRecords('bad', args)).toThrow(message);
    expect(registered.length).toBe(before);
  });
});
