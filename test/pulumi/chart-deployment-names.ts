import { registered, settled, setup } from './digitalocean/harness';

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
      // with "-" alone between name and namespace, both would be q-ci-x/db: "-generated" sits between them
      new ChartDeployment('q', { app: await appWithGeneratedSecret('ci-x'), secrets: [{ namespace: 'ci-x', name: 's', stringData: { k: 'a' } }] });
      new ChartDeployment('q-ci', { app: await appWithGeneratedSecret('x'), secrets: [{ namespace: 'x', name: 's', stringData: { k: 'b' } }] });
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
