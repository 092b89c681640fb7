// What Dockyard knows of who may pull what (lib/core/pull-access.ts), which the build pods' check
// (lib/ci/build-pulls.ts) rests on: it must know only what was declared, and take anything else as able to pull.
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { DefaultServiceAccount, Image, ImageRelocation, Images, Namespace, Secret, SecretValue } from '../../lib';
import { PullAccess } from '../../lib/core/pull-access';
import { serviceAccount } from '../../lib/core/rbac';
import { PullSecret, RegistryCredential } from '../../lib/registry';
import { stderrOf, testChart } from '../util';

const HOST = 'harbor.example.com';

/** A chart whose registry `HOST` declares the private proxy cache `hub`, the public project `open` and the private `apps`. */
function declared() {
  const chart = testChart();
  PullAccess.declareProject(chart, HOST, 'hub', { public: false, proxyCache: true });
  PullAccess.declareProject(chart, HOST, 'open', { public: true, proxyCache: false });
  PullAccess.declareProject(chart, HOST, 'apps', { public: false, proxyCache: false });
  PullAccess.grantPull(chart, HOST, 'robot$hub-puller', ['hub']);
  PullAccess.grantPull(chart, HOST, 'robot$apps-puller', ['apps']);
  return chart;
}

/** A generated pull Secret holding `username`'s login to `registry`. */
function login(scope: Construct, id: string, username: string, registry = HOST): Secret {
  const password = new Secret(scope, `${id}Password`, { name: `${id.toLowerCase()}-password`, values: { password: SecretValue.password(32) } });
  return new Secret(scope, id, {
    name: id.toLowerCase(), type: 'kubernetes.io/dockerconfigjson',
    values: { '.dockerconfigjson': SecretValue.dockerConfigJson([{ registry, username, password: password.key('password') }]) },
  });
}

describe('PullAccess.privateProjectOf', () => {
  test('finds the private project an image is pulled from, however the host is spelled', () => {
    const chart = declared();
    const hub = ImageRelocation.proxyCache(HOST, 'hub').relocate(Image.of('busybox:1.37.0'));
    expect(PullAccess.privateProjectOf(chart, hub)).toEqual({ host: HOST, imageHost: HOST, project: 'hub', proxyCache: true });
    // https's default port (the one Harbor, the host the image names kept as written), and a project spelled in the
    // repository path rather than the registry
    expect(PullAccess.privateProjectOf(chart, Image.of(`${HOST}:443/hub/library/busybox:1`))).toEqual({ host: HOST, imageHost: `${HOST}:443`, project: 'hub', proxyCache: true });
    expect(PullAccess.privateProjectOf(chart, Image.of(`${HOST}/apps/web:1`))).toEqual({ host: HOST, imageHost: HOST, project: 'apps', proxyCache: false });
  });

  test('knows nothing of a public project, one not declared, another host, or a repository without a project', () => {
    const chart = declared();
    expect(PullAccess.privateProjectOf(chart, Image.of(`${HOST}/open/web:1`))).toBeUndefined();
    expect(PullAccess.privateProjectOf(chart, Image.of(`${HOST}/library/web:1`))).toBeUndefined();
    expect(PullAccess.privateProjectOf(chart, Image.of('registry.example.net/hub/web:1'))).toBeUndefined();
    expect(PullAccess.privateProjectOf(chart, Image.of(`${HOST}/web:1`))).toBeUndefined();
    // nor of another app's declarations
    expect(PullAccess.privateProjectOf(testChart(), Image.of(`${HOST}/hub/web:1`))).toBeUndefined();
  });
});

describe('PullAccess.judge', () => {
  const hub = { host: HOST, imageHost: HOST, project: 'hub', proxyCache: true };

  test('a login of a robot granted the project pulls; one not granted it is named', () => {
    const chart = declared();
    expect(PullAccess.judge(chart, hub, [login(chart, 'Hub', 'robot$hub-puller')])).toEqual({ pulls: true, logins: [], nodeLogins: [] });
    expect(PullAccess.judge(chart, hub, [login(chart, 'Apps', 'robot$apps-puller')])).toEqual({ pulls: false, logins: ['robot$apps-puller'], nodeLogins: [] });
    expect(PullAccess.judge(chart, hub, [login(chart, 'Apps2', 'robot$apps-puller'), login(chart, 'Hub2', 'robot$hub-puller')]).pulls).toBe(true);
  });

  test('a login to another registry is no login here; no pull secret at all is none either', () => {
    const chart = declared();
    expect(PullAccess.judge(chart, hub, [login(chart, 'Other', 'robot$hub-puller', 'registry.example.net')])).toEqual({ pulls: false, logins: [], nodeLogins: [] });
    expect(PullAccess.judge(chart, hub, [])).toEqual({ pulls: false, logins: [], nodeLogins: [] });
  });

  test('a login serves only an image whose host names the same port: the kubelet matches ports as written', () => {
    // kubernetes v1.26 pkg/credentialprovider/keyring.go URLsMatch: `if globPort != targetPort { return false }`, so a
    // login to harbor.example.com is never offered for harbor.example.com:443/..., nor one to :443 for the bare host
    const chart = declared();
    const at443 = { ...hub, imageHost: `${HOST}:443` };
    expect(PullAccess.judge(chart, at443, [login(chart, 'Hub', 'robot$hub-puller')])).toEqual({ pulls: false, logins: [], nodeLogins: [] });
    expect(PullAccess.judge(chart, at443, [login(chart, 'Hub443', 'robot$hub-puller', `${HOST}:443`)]).pulls).toBe(true);
    expect(PullAccess.judge(chart, hub, [login(chart, 'Hub443b', 'robot$hub-puller', `${HOST}:443`)])).toEqual({ pulls: false, logins: [], nodeLogins: [] });
    // the grants are the one Harbor's, whichever port the login names
    expect(PullAccess.judge(chart, at443, [login(chart, 'Apps443', 'robot$apps-puller', `https://${HOST}:443`)])).toEqual({ pulls: false, logins: ['robot$apps-puller'], nodeLogins: [] });
  });

  test('a login serves only an image whose host is spelled in its case: the kubelet matches host labels case-sensitively', () => {
    // kubernetes v1.35.0 pkg/credentialprovider/keyring.go URLsMatch compares each host label with filepath.Match,
    // which is case-sensitive, and distribution/reference keeps a domain's capitals: an image on Harbor.Example.com
    // pulls with no login keyed harbor.example.com, as every key Dockyard writes is (normalizeRegistry)
    const chart = declared();
    const capitals = PullAccess.privateProjectOf(chart, Image.of('Harbor.Example.com/hub/library/busybox:1'))!;
    expect(capitals).toEqual({ host: HOST, imageHost: 'Harbor.Example.com', project: 'hub', proxyCache: true });
    expect(PullAccess.judge(chart, capitals, [login(chart, 'Hub', 'robot$hub-puller')])).toEqual({ pulls: false, logins: [], nodeLogins: [] });
  });

  test('with no login to the host among the pull secrets, the nodes\' own login to that Harbor serves; a denied login is not retried without', () => {
    const chart = declared();
    PullAccess.recordNodeLogin(chart, HOST, 'robot$hub-puller');
    expect(PullAccess.judge(chart, hub, []).pulls).toBe(true);
    expect(PullAccess.judge(chart, hub, [login(chart, 'Other', 'robot$hub-puller', 'registry.example.net')]).pulls).toBe(true);
    expect(PullAccess.judge(chart, hub, [login(chart, 'Apps', 'robot$apps-puller')])).toEqual({ pulls: false, logins: ['robot$apps-puller'], nodeLogins: [] });
    // a node login to another registry is none here
    const other = declared();
    PullAccess.recordNodeLogin(other, 'registry.example.net', 'robot$hub-puller');
    expect(PullAccess.judge(other, hub, []).pulls).toBe(false);
  });

  test('the nodes\' login serves only the projects its robot may pull from: Harbor checks the robot containerd logs in as', () => {
    // containerd v2.3.4 internal/cri/server/images/image_pull.go:528 logs in with the node's config for the host, and
    // Harbor's token service grants that robot only its own projects: a pod of a private project gets nothing
    const chart = declared();
    const apps = { host: HOST, imageHost: HOST, project: 'apps', proxyCache: false };
    PullAccess.recordNodeLogin(chart, HOST, 'robot$hub-puller');
    expect(PullAccess.judge(chart, hub, []).pulls).toBe(true);
    expect(PullAccess.judge(chart, apps, [])).toEqual({ pulls: false, logins: [], nodeLogins: ['robot$hub-puller'] });
    // a pod's own login decides where it has one: the nodes' is not named then
    expect(PullAccess.judge(chart, apps, [login(chart, 'Hub', 'robot$hub-puller')])).toEqual({ pulls: false, logins: ['robot$hub-puller'], nodeLogins: [] });
    // a second node login that may pull serves
    PullAccess.recordNodeLogin(chart, HOST, 'robot$apps-puller');
    expect(PullAccess.judge(chart, apps, []).pulls).toBe(true);
    // a user name Dockyard does not know (a secret one, or no robot it declared) may pull from anything, for all it knows
    const secret = declared();
    PullAccess.recordNodeLogin(secret, HOST, undefined);
    expect(PullAccess.judge(secret, apps, []).pulls).toBe(true);
    const stranger = declared();
    PullAccess.recordNodeLogin(stranger, HOST, 'someone');
    expect(PullAccess.judge(stranger, apps, []).pulls).toBe(true);
  });

  test('the nodes\' login serves only an image whose host names the same port: containerd looks its configs up by the host as written', () => {
    // containerd v2.3.4 internal/cri/server/images/image_pull.go:528: `config = c.config.Registry.Configs[u.Host]`,
    // u.Host the endpoint's host with its port as written, so a login keyed harbor.example.com:443 is not the bare host's
    const chart = declared();
    PullAccess.recordNodeLogin(chart, `${HOST}:443`, 'robot$hub-puller');
    expect(PullAccess.judge(chart, hub, [])).toEqual({ pulls: false, logins: [], nodeLogins: [] });
    expect(PullAccess.judge(chart, { ...hub, imageHost: `${HOST}:443` }, []).pulls).toBe(true);
    const bare = declared();
    PullAccess.recordNodeLogin(bare, HOST, 'robot$hub-puller');
    expect(PullAccess.judge(bare, { ...hub, imageHost: `${HOST}:443` }, []).pulls).toBe(false);
    expect(PullAccess.judge(bare, hub, []).pulls).toBe(true);
  });

  test('follows copies of a docker config to the login they hold', () => {
    const chart = declared();
    const original = login(chart, 'Apps', 'robot$apps-puller');
    const copy = new Secret(chart, 'Copy', { name: 'copy', values: { '.dockerconfigjson': SecretValue.copyOf(original.key('.dockerconfigjson')) } });
    const again = new Secret(chart, 'Again', { name: 'again', values: { '.dockerconfigjson': SecretValue.copyOf(copy.key('.dockerconfigjson')) } });
    expect(PullAccess.judge(chart, hub, [again])).toEqual({ pulls: false, logins: ['robot$apps-puller'], nodeLogins: [] });
  });

  test('whatever it does not know may pull: a Secret named only, one made outside the app, an input, a user that is no robot of its', () => {
    const chart = declared();
    expect(PullAccess.judge(chart, hub, ['made-elsewhere']).pulls).toBe(true);
    expect(PullAccess.judge(chart, hub, [Secret.fromSecretName(chart, 'Existing', 'existing')]).pulls).toBe(true);
    const input = new Secret(chart, 'Input', { name: 'input', values: { '.dockerconfigjson': SecretValue.input('A_DOCKER_CONFIG', 'a docker config') } });
    expect(PullAccess.judge(chart, hub, [input]).pulls).toBe(true);
    expect(PullAccess.judge(chart, hub, [login(chart, 'Admin', 'admin')]).pulls).toBe(true);
  });
});

describe('PullAccess.accountPullSecrets', () => {
  test('a namespace\'s default account: the PullSecrets listed there, by name, and any other name as it is', () => {
    const chart = testChart();
    new Namespace(chart, 'Builds', { name: 'builds' });
    const hub = new PullSecret(chart, 'Hub', {
      name: 'hub-login', credentials: [RegistryCredential.basic({ registry: HOST, username: 'robot$hub-puller', password: login(chart, 'P', 'x').key('.dockerconfigjson') })],
      namespaces: ['builds'], appWide: false,
    });
    DefaultServiceAccount.of(chart, 'builds').addImagePullSecret('made-elsewhere');
    expect(PullAccess.accountPullSecrets(chart, 'builds', 'default')).toEqual([hub.secret, 'made-elsewhere']);
  });

  test('an empty list is known only where the app creates the namespace; an account it never renders is unknown', () => {
    const chart = testChart();
    new Namespace(chart, 'Builds', { name: 'builds' });
    DefaultServiceAccount.of(chart, 'builds').disableTokenAutomount();
    DefaultServiceAccount.of(chart, 'elsewhere').disableTokenAutomount();
    expect(PullAccess.accountPullSecrets(chart, 'builds', 'default')).toEqual([]);
    expect(PullAccess.accountPullSecrets(chart, 'elsewhere', 'default')).toBeUndefined();
    expect(PullAccess.accountPullSecrets(chart, 'builds', 'deployer')).toBeUndefined();
  });
});

describe('PullAccess.accountPullSecrets and the tree', () => {
  test('an account whose object was taken out of the tree again counts no more', () => {
    const chart = testChart();
    new Namespace(chart, 'Builds', { name: 'builds' });
    const holder = new Construct(chart, 'Holder');
    serviceAccount(holder, 'ServiceAccount', { name: 'deployer', namespace: 'builds', labels: {} });
    expect(PullAccess.accountPullSecrets(chart, 'builds', 'deployer')).toEqual([]);
    chart.node.tryRemoveChild('Holder');
    expect(PullAccess.accountPullSecrets(chart, 'builds', 'deployer')).toBeUndefined();
  });

  test('a ServiceAccount the user renders is united with Dockyard\'s: its names, a Dockyard Secret known by name; one with no list is unknown', () => {
    const chart = testChart();
    new Namespace(chart, 'Builds', { name: 'builds' });
    serviceAccount(chart, 'ServiceAccount', { name: 'deployer', namespace: 'builds', labels: {} });
    const mine = new Secret(chart, 'Mine', { name: 'mine', namespace: 'builds', values: { a: SecretValue.password(16) } });
    new ApiObject(chart, 'UserAccount', {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: 'builds' }, imagePullSecrets: [{ name: 'regcred' }, { name: 'mine' }],
    });
    expect(PullAccess.accountPullSecrets(chart, 'builds', 'deployer')).toEqual(['regcred', mine]);
    new ApiObject(chart, 'UserDefault', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'builds' } });
    DefaultServiceAccount.of(chart, 'builds').disableTokenAutomount();
    expect(PullAccess.accountPullSecrets(chart, 'builds', 'default')).toBeUndefined();
  });
});

describe('Images._peek', () => {
  test('resolves as resolve does, and reports nothing: no shadowing warning, no mirror pair', () => {
    const chart = testChart();
    const inner = new Construct(chart, 'Inner');
    Images.relocate(inner, ImageRelocation.registry('a.example.com/m'));
    Images.relocate(chart, ImageRelocation.registry('b.example.com/m'));
    const image = Image.of('busybox:1.37.0');
    let peeked: Image | undefined;
    expect(stderrOf(() => { peeked = Images._peek(inner, image); })).toBe('');
    expect(peeked!.reference).toBe('a.example.com/m/library/busybox:1.37.0');
    expect(Images.relocatedPairs(chart)).toEqual([]);
    // resolve warns (at synth) and records the pair
    expect(Images.resolve(inner, image).reference).toBe(peeked!.reference);
    expect(Images.relocatedPairs(chart)).toEqual(['docker.io/library/busybox:1.37.0 a.example.com/m/library/busybox:1.37.0']);
  });
});
