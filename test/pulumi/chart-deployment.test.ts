import { get, options, recordParent, settled, setup } from './digitalocean/harness';
import { appReadingProvidedSecret } from './provided-secret-app';

describe('ChartDeployment', () => {
  beforeAll(setup);

  test('fails before registering anything when a Secret the charts read is not provided', async () => {
    const { ChartDeployment } = await import('../../lib/pulumi');
    const { app } = await appReadingProvidedSecret();
    expect(() => new ChartDeployment('d', { app, secrets: [] })).toThrow('missing provided secrets: ci/drone-oauth (client-secret)');
    expect(() => new ChartDeployment('e', { app, secrets: [{ namespace: 'ci', name: 'drone-oauth', stringData: { other: 'x' } }] }))
      .toThrow('missing provided secrets: ci/drone-oauth (client-secret)');
    // the same Secret twice: refused before anything registers, rather than as a duplicate resource at `pulumi up`
    const oauth = { namespace: 'ci', name: 'drone-oauth', stringData: { 'client-secret': 'x' } };
    expect(() => new ChartDeployment('f', { app, secrets: [oauth, { ...oauth, stringData: { other: 'y' } }] }))
      .toThrow(new Error('invalid secrets "ci/drone-oauth": must provide each Secret once: merge its keys into one ProvidedSecret'));
  });

  test('provided Secrets once named alike get distinct names; each keeps its former name as an alias', async () => {
    const { App } = await import('cdk8s');
    const { DockyardChart } = await import('../../lib');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const app = new App();
    new DockyardChart(app, 'x', { namespace: 'dockyard' });
    // `dockyard/builds-token` and `dockyard-builds/token` were both `platform-dockyard-builds-token`, a duplicate URN
    const deployment = new ChartDeployment('platform', {
      app,
      secrets: [
        { namespace: 'dockyard', name: 'builds-token', stringData: { t: 'a' } },
        { namespace: 'dockyard-builds', name: 'token', stringData: { t: 'b' } },
        { namespace: 'harbor', name: 'spaces', stringData: { t: 'c' } },
      ],
    }, { transformations: [recordParent] });
    const provided = deployment.secrets.slice(-3);
    const urns = await Promise.all(provided.map((s) => get(s.urn)));
    expect(urns.map((u) => u.slice(u.lastIndexOf('::') + 2))).toEqual(['platform/dockyard/builds-token', 'platform/dockyard-builds/token', 'platform/harbor/spaces']);
    await settled();
    const aliases = (name: string) => options.get(`kubernetes:core/v1:Secret::${name}`)!.aliases;
    // a stack made before holds `platform-harbor-spaces`: it is kept, not replaced
    expect(aliases('platform/harbor/spaces')).toEqual([{ name: 'platform-harbor-spaces' }]);
    // no stack held both of the former `platform-dockyard-builds-token`, and the engine refuses two resources claiming one
    expect(aliases('platform/dockyard/builds-token')).toEqual([]);
    expect(aliases('platform/dockyard-builds/token')).toEqual([]);
  });
});
