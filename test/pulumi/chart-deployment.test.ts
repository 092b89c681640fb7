import * as pulumi from '@pulumi/pulumi';
import { get, options, parents, recordParent, registered, settled, setup } from './digitalocean/harness';
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
    // a Secret the charts generate: the deployment creates it itself, and a provided one would stand for its values
    const { DockyardChart, Secret, SecretValue } = await import('../../lib');
    const { App, ApiObject } = await import('cdk8s');
    const both = new App();
    new Secret(new DockyardChart(both, 'c', { namespace: 'ci' }), 'Gen', { name: 'gen', values: { g: SecretValue.password(24) } });
    expect(() => new ChartDeployment('g', { app: both, secrets: [{ namespace: 'ci', name: 'gen', stringData: { g: 'x' } }] })).toThrow(new Error(
      'invalid secrets "ci/gen": must not be a Secret the charts generate: the deployment creates that one itself (GeneratedSecrets); give its ' +
      'values through the construct that declares it, or provide a Secret of another name'));
    // a key named like an Object member (a valid Secret key) is given only when it is given
    const odd = new App();
    const oddChart = new DockyardChart(odd, 'c', { namespace: 'ci' });
    const key = Secret.fromSecretName(oddChart, 'Odd', 'odd').key('constructor');
    new ApiObject(oddChart, 'Reader', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'reader' }, data: { ref: key.key } });
    expect(Secret.requiredIn(odd).map((r) => r.keys)).toEqual([['constructor']]);
    expect(() => new ChartDeployment('h', { app: odd, secrets: [{ namespace: 'ci', name: 'odd', stringData: {} }] }))
      .toThrow('missing provided secrets: ci/odd (constructor)');
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

  // the ServiceAccount admission plugin copies an account's imagePullSecrets into a pod only at the pod's create
  // (kubernetes plugin/pkg/admission/serviceaccount/admission.go, Admit), and a ConfigGroup creates its objects at
  // once: pods of a Deployment created beside the account would come without the pull secret, for good
  test('creates the ServiceAccounts that list pull secrets before every other object, under URNs of the same types', async () => {
    const { App } = await import('cdk8s');
    const { DockyardChart } = await import('../../lib');
    const { kube } = await import('../../lib/core/k8s');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'apps' });
    kube(chart, 'Cm', 'ConfigMap', { metadata: { name: 'settings' }, data: { a: 'b' } });
    kube(chart, 'Default', 'ServiceAccount', { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'harbor-pull' }] });
    kube(chart, 'Pulls', 'ServiceAccount', { metadata: { name: 'pulls' }, imagePullSecrets: [{ name: 'harbor-pull' }] });
    kube(chart, 'Plain', 'ServiceAccount', { metadata: { name: 'plain' } });
    new ChartDeployment('pulls', { app, secrets: [] }, { transformations: [recordParent] });
    await settled(100);
    const group = (name: string) => registered.find((r) => r.type === 'kubernetes:yaml:ConfigGroup' && r.name === name)!.inputs.objs;
    const names = (objs: any[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names(group('pulls-accounts'))).toEqual(['ServiceAccount/pulls']);
    expect(names(group('pulls-objects'))).toEqual(['ConfigMap/settings', 'ServiceAccount/plain']);
    const dependsOn = options.get('kubernetes:yaml:ConfigGroup::pulls-objects')!.dependsOn as any[];
    const urns = await Promise.all(dependsOn.map((d) => get(d.urn)));
    expect(urns).toContainEqual(expect.stringMatching(/kubernetes:yaml:ConfigGroup::pulls-accounts$/));
    // the namespace's `default` account is patched, before every other object too
    expect(urns).toContainEqual(expect.stringMatching(/kubernetes:yaml:ConfigGroup\$kubernetes:core\/v1:ServiceAccountPatch::apps\/default$/));
    // the account's URN is what it was under the objects' group: the parents' types, not their names
    const account = registered.find((r) => r.type === 'kubernetes:core/v1:ServiceAccount' && r.inputs.metadata.name === 'pulls')!;
    expect(account.name).toBe('apps/pulls');
  });

  // Kubernetes makes every namespace's `default` ServiceAccount itself (its service account controller,
  // pkg/controller/serviceaccount/serviceaccounts_controller.go), and @pulumi/kubernetes creates a ServiceAccount
  // resource with a plain create since 4.29.0 (pulumi-kubernetes v4.32.0 provider/pkg/await/await.go, Creation: the
  // server-side apply upsert is only for Patch resources or upsertExistingObjects): the API server refused it with
  // AlreadyExists, which failed the first `pulumi up` of every namespace whose `default` account lists pull secrets
  test('patches each namespace\'s default ServiceAccount, which Kubernetes makes, keeping the URN a ServiceAccount had', async () => {
    const { App } = await import('cdk8s');
    const { DockyardChart } = await import('../../lib');
    const { kube } = await import('../../lib/core/k8s');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'builds' });
    kube(chart, 'Default', 'ServiceAccount', { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'harbor-pull' }] });
    kube(chart, 'Bare', 'ServiceAccount', { metadata: { name: 'default', namespace: 'quiet' }, automountServiceAccountToken: false });
    new ChartDeployment('defaults', { app, secrets: [] }, { transformations: [recordParent] });
    await settled(100);
    // none goes through a group, which would create it
    const grouped = registered.filter((r) => r.type === 'kubernetes:yaml:ConfigGroup' && r.name.startsWith('defaults-'))
      .flatMap((g) => g.inputs.objs ?? []);
    expect(grouped.filter((o: any) => o.kind === 'ServiceAccount')).toEqual([]);
    expect(registered.filter((r) => r.type === 'kubernetes:core/v1:ServiceAccount' && r.inputs.metadata.name === 'default'
      && ['builds', 'quiet'].includes(r.inputs.metadata.namespace))).toEqual([]);
    const patches = registered.filter((r) => r.type === 'kubernetes:core/v1:ServiceAccountPatch' && ['builds', 'quiet'].includes(r.inputs.metadata.namespace));
    expect(patches.map((p) => [p.name, p.inputs.imagePullSecrets, p.inputs.automountServiceAccountToken]).sort()).toEqual([
      ['builds/default', [{ name: 'harbor-pull' }], undefined],
      ['quiet/default', undefined, false],
    ]);
    // under the group the pull accounts go to, aliased to the ServiceAccount a stack may hold there
    for (const p of patches) {
      const opts = options.get(`kubernetes:core/v1:ServiceAccountPatch::${p.name}`)!;
      expect((parents.get(`kubernetes:core/v1:ServiceAccountPatch::${p.name}`) as any).__name).toBe('defaults-accounts');
      expect(opts.aliases).toEqual([{ type: 'kubernetes:core/v1:ServiceAccount' }]);
    }
  });

  test('refuses one object rendered by two charts before anything registers, as synthesize does', async () => {
    const { App } = await import('cdk8s');
    const { DockyardChart } = await import('../../lib');
    const { kube } = await import('../../lib/core/k8s');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const app = new App();
    for (const id of ['first', 'second']) {
      kube(new DockyardChart(app, id, { namespace: 'apps' }), 'Settings', 'ConfigMap', { metadata: { name: 'settings' }, data: { id } });
    }
    const before = registered.length;
    expect(() => new ChartDeployment('twice', { app, secrets: [] })).toThrow(new Error('invalid object "ConfigMap apps/settings": must be ' +
      'rendered once, but first/Settings and second/Settings both render it, and the API server keeps one object per kind, namespace and name ' +
      '(the second applied would replace the first): give one of them another name or namespace'));
    expect(registered.length).toBe(before);
  });

  test('its protect: false reaches the generated values GeneratedSecrets protects by default', async () => {
    const { App } = await import('cdk8s');
    const { DockyardChart, Secret, SecretValue } = await import('../../lib');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const deploy = (name: string, protect?: boolean) => {
      const app = new App();
      new Secret(new DockyardChart(app, 'c', { namespace: 'ci' }), 'Gen', {
        name: 'gen', values: { key: SecretValue.hex(32).encrypting('the secrets stored in the database') },
      });
      new ChartDeployment(name, { app, secrets: [] }, { transformations: [recordParent], ...(protect === undefined ? {} : { protect }) });
    };
    deploy('kept');
    deploy('throwaway', false);
    await settled();
    expect(options.get('random:index/randomId:RandomId::kept-generated-ci/gen/key')!.protect).toBe(true);
    expect(options.get('random:index/randomId:RandomId::throwaway-generated-ci/gen/key')!.protect).toBe(false);
  });

  // a Namespace's deletion deletes everything in it (kubernetes namespace lifecycle): a team taken out of the DigitalOcean
  // program's `teams` took its namespaces, with the applications its pipelines had deployed there, at the next `pulumi up`
  test('protects its Namespaces unless told protect: false, and nothing else it makes', async () => {
    const { App } = await import('cdk8s');
    const { DockyardChart, Namespace } = await import('../../lib');
    const { kube } = await import('../../lib/core/k8s');
    const { ChartDeployment } = await import('../../lib/pulumi');
    // the resources themselves: a child inherits its parent's protect after the transformations have run
    const made = new Map<string, any>();
    const record: pulumi.ResourceTransformation = (a) => {
      made.set(`${a.type}::${a.name}`, a.resource);
      return undefined;
    };
    const deploy = (name: string, namespace: string, protect?: boolean) => {
      const app = new App();
      const chart = new DockyardChart(app, 'c', { namespace });
      new Namespace(chart, 'Ns', { name: namespace });
      kube(chart, 'Cm', 'ConfigMap', { metadata: { name: 'settings' }, data: { a: 'b' } });
      new ChartDeployment(name, { app, secrets: [] }, { parent: new pulumi.ComponentResource(`acme:index:${name}`, name), transformations: [record],
        ...(protect === undefined ? {} : { protect }) });
    };
    deploy('teamapps', 'team-apps');
    deploy('scratch', 'scratch-apps', false);
    await settled();
    const protectedOf = (key: string) => (made.get(key) as any).__protect;
    expect(protectedOf('kubernetes:core/v1:Namespace::team-apps')).toBe(true);
    expect(protectedOf('kubernetes:core/v1:ConfigMap::team-apps/settings')).toBeFalsy();
    expect(protectedOf('kubernetes:core/v1:Namespace::scratch-apps')).toBe(false);
  });
});
