import * as pulumi from '@pulumi/pulumi';
import { options, registered, settled, setup } from './digitalocean/harness';

/**
 * The names of ChartDeployment's children, in preview mode or not (one mode per test file, as Pulumi's mocks are set
 * once per process). A URN holds its parent's type but not its parent's name, so two ChartDeployments under one
 * parent type share a URN wherever they derive the same child name.
 */
export function describeChartDeploymentNames(preview: boolean): void {
  describe(`ChartDeployment child names${preview ? ', in a preview' : ''}`, () => {
    beforeAll(() => setup({ preview }));

    /** An app declaring one generated Secret `<namespace>/db`. */
    async function appWithGeneratedSecret(namespace: string) {
      const { App } = await import('cdk8s');
      const { DockyardChart, Secret, SecretValue } = await import('../../lib');
      const app = new App();
      const chart = new DockyardChart(app, 'c', { namespace });
      new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.password(24) } });
      return app;
    }

    /** Records each resource's options, as the mocks see inputs only. */
    const recordOptions: pulumi.ResourceTransformation = (a) => {
      options.set(`${a.type}::${a.name}`, a.opts);
      return undefined;
    };
    const aliasesOf = (name: string) => options.get(`kubernetes:core/v1:Secret::${name}`)!.aliases;

    /** The child resources registered since `before`, as `<type>::<name>`: the part of a URN a sibling can repeat. */
    const childKeys = (before: number) => registered.slice(before)
      .filter((r) => r.type !== 'dockyard:pulumi:ChartDeployment')
      .map((r) => `${r.type}::${r.name}`);

    test('refuses a name holding "-generated", with which its generated credentials could share another deployment\'s names', async () => {
      const { ChartDeployment } = await import('../../lib/pulumi');
      // "p" in namespace generated-ci and "p-generated" in ci would both make p-generated-generated-ci/db/password
      new ChartDeployment('p', { app: await appWithGeneratedSecret('generated-ci'), secrets: [] });
      await settled();
      const before = registered.length;
      const app = await appWithGeneratedSecret('ci');
      expect(() => new ChartDeployment('p-generated', { app, secrets: [] })).toThrow(new Error(
        'invalid name "p-generated": must not contain "-generated", which ChartDeployment puts between its name and ' +
        'a generated credential\'s namespace, so that two ChartDeployments could name credentials alike'));
      expect(() => new ChartDeployment('p-generated-q', { app, secrets: [] })).toThrow(/^invalid name "p-generated-q": must not contain "-generated", /);
      await settled();
      expect(registered.length).toBe(before);
    });

    test('deployments whose names and namespaces once joined alike share no child name', async () => {
      const { ChartDeployment } = await import('../../lib/pulumi');
      const before = registered.length;
      // with "-" alone between name and namespace, both would be q-ci-x/db: "-generated" sits between them. Their
      // provided Secrets' former names meet (q-ci-x-s), so one stops aliasing them (the next test)
      new ChartDeployment('q', { app: await appWithGeneratedSecret('ci-x'), secrets: [{ namespace: 'ci-x', name: 's', stringData: { k: 'a' } }] });
      new ChartDeployment('q-ci', { app: await appWithGeneratedSecret('x'), secrets: [{ namespace: 'x', name: 's', stringData: { k: 'b' } }], aliasFormerNames: false });
      await settled();
      const keys = childKeys(before);
      expect(keys).toEqual(expect.arrayContaining([
        'random:index/randomPassword:RandomPassword::q-generated-ci-x/db/password',
        'random:index/randomPassword:RandomPassword::q-ci-generated-x/db/password',
        'kubernetes:core/v1:Secret::q/ci-x/s',
        'kubernetes:core/v1:Secret::q-ci/x/s',
      ]));
      expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    });

    test('refuses a second deployment aliasing a former name another aliases: the first could take over its Secret', async () => {
      const { ChartDeployment } = await import('../../lib/pulumi');
      const before = registered.length;
      const ciX = { namespace: 'ci-x', name: 's', stringData: { k: 'a' } };
      const x = { namespace: 'x', name: 's', stringData: { k: 'b' } };
      // m/ci-x/s and m-ci/x/s were both m-ci-x-s
      new ChartDeployment('m', { app: await appWithGeneratedSecret('ci-x'), secrets: [ciX] });
      await settled();
      const afterFirst = registered.length;
      const app = await appWithGeneratedSecret('x');
      expect(() => new ChartDeployment('m-ci', { app, secrets: [x] })).toThrow(new Error(
        'invalid secrets "x/s": ChartDeployment "m"\'s Secret ci-x/s had its former resource name "m-ci-x-s" too, and ' +
        'either would take over the other\'s: with pulumi state rename, move each provided Secret your stack holds under ' +
        'a former name to its new one (<deployment>/<namespace>/<secret>), then set aliasFormerNames: false on ChartDeployment "m-ci"'));
      await settled();
      expect(registered.length).toBe(afterFirst);
      expect(() => new ChartDeployment('m-ci', { app, secrets: [x], aliasFormerNames: 'no' as any })).toThrow(new Error(
        'invalid aliasFormerNames "no": must be true or false'));
      // with aliasFormerNames false it deploys, its Secret without the alias; the first keeps its own
      new ChartDeployment('m-ci', { app, secrets: [x], aliasFormerNames: false }, { transformations: [recordOptions] });
      await settled();
      expect(registered.length).toBeGreaterThan(afterFirst);
      expect(aliasesOf('m-ci/x/s')).toEqual([]);
      expect(registered.slice(before).filter((r) => r.name === 'm/ci-x/s')).toHaveLength(1);
      // under a parent of another type the former name is another URN: it keeps its alias
      const parent = new pulumi.ComponentResource('acme:index:Other', 'other', {}, { transformations: [recordOptions] });
      new ChartDeployment('m-ci', { app, secrets: [x] }, { parent });
      await settled();
      expect(aliasesOf('m-ci/x/s')).toEqual([{ name: 'm-ci-x-s' }]);
    });

    test('the same charts deployed twice, each under a parent component of its own type, get distinct URNs', async () => {
      const { App, ApiObject } = await import('cdk8s');
      const { DockyardChart } = await import('../../lib');
      const { ChartDeployment } = await import('../../lib/pulumi');
      const app = new App();
      const chart = new DockyardChart(app, 'c', { namespace: 'shop' });
      new ApiObject(chart, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: 'b' } });
      const secrets = [{ namespace: 'shop', name: 'token', stringData: { t: 'x' } }];
      /** A parent component of `parentType` with a deployment of the charts; every resource below it, with its parent. */
      const deploy = (parentType: string, parentName: string) => {
        const seen: { resource: pulumi.Resource; type: string; name: string; parent?: pulumi.Resource }[] = [];
        const record: pulumi.ResourceTransformation = (a) => {
          seen.push({ resource: a.resource, type: a.type, name: a.name, parent: a.opts.parent });
          return undefined;
        };
        const parent = new pulumi.ComponentResource(parentType, parentName, {}, { transformations: [record] });
        new ChartDeployment('shop', { app, secrets }, { parent });
        return seen;
      };
      // the URN the engine gives: the types of every parent, then the type and the name (pulumi/pulumi
      // pkg/resource/deploy/deployment.go generateURN). The mock monitor keeps the parent's last type alone
      // (@pulumi/pulumi runtime/mocks.js newUrn), so its URNs of the ConfigGroups' children would meet either way
      const engineUrns = (seen: ReturnType<typeof deploy>) => {
        const qualified = (r: pulumi.Resource | undefined): string => {
          const s = seen.find((x) => x.resource === r);
          return s === undefined ? '' : (s.parent && qualified(s.parent) ? `${qualified(s.parent)}$` : '') + s.type;
        };
        return seen.map((s) => `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified(s.resource)}::${s.name}`);
      };
      const seen = [deploy('acme:index:Staging', 'staging'), deploy('acme:index:Production', 'production'),
        // under a parent of the same type with another name: the URNs of the chart objects meet
        deploy('acme:index:Staging', 'staging-2')];
      await settled(); // a ConfigGroup registers its objects once they are parsed
      const [staging, production, again] = seen.map(engineUrns);
      const configMap = 'dockyard:pulumi:ChartDeployment$kubernetes:yaml:ConfigGroup$kubernetes:core/v1:ConfigMap::shop/settings';
      expect(staging).toContain(`urn:pulumi:test::dockyard::acme:index:Staging$${configMap}`);
      expect(production).toContain(`urn:pulumi:test::dockyard::acme:index:Production$${configMap}`);
      expect(staging.filter((u) => production.includes(u))).toEqual([]);
      expect(again.filter((u) => u.endsWith('::shop/settings'))).toEqual(staging.filter((u) => u.endsWith('::shop/settings')));
    });

    test('refuses a provided Secret whose namespace or name is no Kubernetes name, as a "/" in either could repeat another\'s', async () => {
      const { ChartDeployment } = await import('../../lib/pulumi');
      const app = await appWithGeneratedSecret('ci');
      const before = registered.length;
      // "r" providing a/b/c would be r/a/b/c, as "r/a" providing b/c
      expect(() => new ChartDeployment('r', { app, secrets: [{ namespace: 'a/b', name: 'c', stringData: {} }] })).toThrow(new Error(
        'invalid secrets[].namespace "a/b": must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit'));
      expect(() => new ChartDeployment('r', { app, secrets: [{ namespace: 'a', name: 'b/c', stringData: {} }] })).toThrow(new Error(
        'invalid secrets[].name "b/c": must be a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels'));
      await settled();
      expect(registered.length).toBe(before);
    });
  });
}
