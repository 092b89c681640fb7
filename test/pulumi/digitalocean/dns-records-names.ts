import * as pulumi from '@pulumi/pulumi';
import { options, recordParent, registered, settled, setup, T } from './harness';

/**
 * DnsRecords' former-name aliases across components, in preview mode or not (one mode per test file, as Pulumi's
 * mocks are set once per process), as test/pulumi/chart-deployment-names.ts checks ChartDeployment's.
 */
export function describeDnsRecordsNames(preview: boolean): void {
  describe(`DnsRecords former names${preview ? ', in a preview' : ''}`, () => {
    beforeAll(() => setup({ preview }));

    const aliasesOf = (name: string) => options.get(`${T.dnsRecord}::${name}`)!.aliases;
    const args = (...hosts: string[]) => ({ dnsDomain: 'example.com', hosts: hosts.map((h) => `${h}.example.com`), ip: '203.0.113.7' });

    test('refuses a second component aliasing a former name another aliases: the first could take over its record', async () => {
      const { DnsRecords } = await import('../../../lib/pulumi/digitalocean/dns-records');
      const before = registered.length;
      // n/harbor.ci and n-harbor/ci were both n-harbor-ci
      new DnsRecords('n', args('harbor.ci'), { transformations: [recordParent] });
      await settled();
      const afterFirst = registered.length;
      expect(() => new DnsRecords('n-harbor', args('drone', 'ci'))).toThrow(new Error(
        'invalid hosts "ci.example.com": DnsRecords "n"\'s record harbor.ci had its former resource name "n-harbor-ci" too, ' +
        'and either would take over the other\'s: with pulumi state rename, move each record your stack holds under a ' +
        'former name to its new one (<component>/<record>), then set aliasFormerNames: false on DnsRecords "n-harbor"'));
      await settled();
      expect(registered.length).toBe(afterFirst);
      expect(() => new DnsRecords('n-harbor', { ...args('ci'), aliasFormerNames: 'no' as any })).toThrow(new Error(
        'invalid aliasFormerNames "no": must be true or false'));
      // with aliasFormerNames false it deploys, its record without the alias; the first keeps its own
      new DnsRecords('n-harbor', { ...args('ci'), aliasFormerNames: false }, { transformations: [recordParent] });
      await settled();
      expect(registered.slice(afterFirst).map((r) => r.name)).toEqual(['n-harbor', 'n-harbor/ci']);
      expect(aliasesOf('n-harbor/ci')).toEqual([]);
      expect(aliasesOf('n/harbor.ci')).toEqual([{ name: 'n-harbor-ci' }]);
      expect(registered.slice(before).filter((r) => r.name === 'n/harbor.ci')).toHaveLength(1);
      // under a parent of another type the former name is another URN: it keeps its alias
      const parent = new pulumi.ComponentResource('acme:index:Other', 'other', {}, { transformations: [recordParent] });
      new DnsRecords('n-harbor', args('ci'), { parent });
      await settled();
      expect(aliasesOf('n-harbor/ci')).toEqual([{ name: 'n-harbor-ci' }]);
    });

    test('refuses a name holding "/", with which two components could name records alike', async () => {
      const { DnsRecords } = await import('../../../lib/pulumi/digitalocean/dns-records');
      const { ChartDeployment } = await import('../../../lib/pulumi');
      const { App } = await import('cdk8s');
      const before = registered.length;
      // DnsRecords a/b's record c would be a/b/c, as DnsRecords a's record b/c... and its former name a/b-c another's new name
      const rename = ': two components could name resources alike (to keep a stack\'s resources, rename the component with aliases: ' +
        '[{ name: "<former name>" }] in its options)';
      expect(() => new DnsRecords('a/b', args('c'))).toThrow(new Error('invalid name "a/b": must not contain "/", which DnsRecords puts ' +
        `between its name and each record's${rename}`));
      expect(() => new ChartDeployment('a/b', { app: new App(), secrets: [] })).toThrow(new Error('invalid name "a/b": must not contain "/", ' +
        `which ChartDeployment puts between its name and each provided Secret's namespace${rename}`));
      await settled();
      expect(registered.length).toBe(before);
    });

    test('a former name shared inside one component gets no alias, but stays claimed: a stack made before holds it for that component', async () => {
      const { DnsRecords } = await import('../../../lib/pulumi/digitalocean/dns-records');
      // s/x.y and s/x-y were both s-x-y: neither keeps it, and s-x's record y, also s-x-y before, may not take it over
      new DnsRecords('s', args('x.y', 'x-y'), { transformations: [recordParent] });
      await settled();
      expect([aliasesOf('s/x.y'), aliasesOf('s/x-y')]).toEqual([[], []]);
      expect(() => new DnsRecords('s-x', args('y'))).toThrow(/^invalid hosts "y\.example\.com": DnsRecords "s"'s record x-y had its former resource name "s-x-y" too/);
    });

    test('a ChartDeployment\'s Secret and a record of one former name are two URNs: neither is refused', async () => {
      const { App } = await import('cdk8s');
      const { DockyardChart } = await import('../../../lib');
      const { ChartDeployment } = await import('../../../lib/pulumi');
      const { DnsRecords } = await import('../../../lib/pulumi/digitalocean/dns-records');
      const app = new App();
      new DockyardChart(app, 'c', { namespace: 'q' });
      // the Secret was p-q-r under a ChartDeployment, the record p-q-r under a DnsRecords: an alias { name } is a URN of
      // the resource's own type and parent, the component (@pulumi/pulumi resource.js collapseAliasToUrn), so the
      // types tell them apart
      new ChartDeployment('p', { app, secrets: [{ namespace: 'q', name: 'r', stringData: { k: 'v' } }] });
      new DnsRecords('p-q', args('r'), { transformations: [recordParent] });
      await settled();
      expect(aliasesOf('p-q/r')).toEqual([{ name: 'p-q-r' }]);
    });
  });
}
