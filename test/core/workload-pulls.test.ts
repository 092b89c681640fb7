// Dockyard's own pods must be able to pull their images (lib/core/workload-pulls.ts): a new user's trial relocated
// every image through Harbor's private `dockerhub` proxy cache with no app-wide pull secret, and the Drone server,
// the secrets extension and the runner rendered `harbor.acme.dev/dockerhub/drone/...` with no imagePullSecrets and a
// `default` ServiceAccount without any, while the synth stayed silent.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, JsonPatch } from 'cdk8s';
import fc from 'fast-check';
import {
  DefaultServiceAccount, DockyardChart, Harbor, LocalSecretStore, synthesize, HarborRobot, HarborStorage, Image, ImageRelocation, Images, Namespace, NodeMirrorFiles, Postgres, ProxyUpstream, PullSecret,
  Redis, RegistryCredential, Resources, RobotPermission, Secret, SecretValue,
} from '../../lib';
import { podTemplate } from '../../lib/core/pod';
import { templateNamedJob } from '../../lib/core/job';
import { PullAccess } from '../../lib/core/pull-access';
import { droneCi } from '../drone/fixtures';
import { find, testChart, thrown } from '../util';

const HOST = 'harbor.acme.dev';

interface Trial {
  readonly chart: DockyardChart;
  readonly harbor: Harbor;
  /** A robot that may pull only through the proxy cache. */
  readonly proxyPuller: HarborRobot;
}

/**
 * The trial: Drone in `dockyard`, Harbor with the private proxy cache `dockerhub`, every image relocated through it
 * but Harbor's and its data services', and the build pool's proxy-only login listed there alone (not app-wide).
 */
function trial(): Trial {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new DockyardChart(app, 'platform', { namespace: 'dockyard' });
  new Namespace(chart, 'Namespace', { name: 'dockyard' });
  droneCi(chart, { buildNamespace: 'drone-builds' });
  const database = new Postgres(chart, 'HarborDatabase', { name: 'harbor-db', namespace: 'registry' });
  const redis = new Redis(chart, 'Redis', { namespace: 'registry' });
  const harbor = new Harbor(chart, 'Harbor', {
    namespace: 'registry', externalUrl: `https://${HOST}`, database: database.addDatabase('registry', { user: 'harbor' }), redis, storage: HarborStorage.filesystem(),
  });
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
  const proxyPuller = harbor.addRobot('node-puller', { permissions: [RobotPermission.pull('dockerhub')] });
  Images.relocate(chart, harbor.proxyCacheRelocation('dockerhub'));
  [harbor, database, redis].forEach((c) => Images.relocate(c, ImageRelocation.upstream()));
  new PullSecret(chart, 'BuildsPull', { name: 'builds-login', credentials: [RegistryCredential.harborRobot(HOST, proxyPuller)], namespaces: ['drone-builds'], appWide: false });
  return { chart, harbor, proxyPuller };
}

/** The refusal of a workload whose pods have no login to Harbor at all. */
function noLogin(workload: string, image: string, account = 'default'): string {
  return `invalid pull secrets of ${workload}: its pods pull ${image} from "dockerhub", a private Harbor proxy cache of ${HOST}, and none of ` +
    `the pull secrets of its ServiceAccount "${account}" logs in to ${HOST}; register an app-wide pull secret of a robot with ` +
    'RobotPermission.pull("dockerhub") (a PullSecret, appWide by default, or Images.usePullSecret), as the README\'s "Pull secrets, image ' +
    `relocation and node mirrors" example does, or give NodeMirrorFiles a credential for ${HOST} of a robot with RobotPermission.pull("dockerhub")`;
}

describe('Dockyard\'s own pods and a private Harbor project', () => {
  test('the trial: the first of Dockyard\'s pods that cannot pull is refused, naming the workload, the image, the project and the fix', () => {
    const t = trial();
    const message = thrown(() => t.chart.toJson()).message;
    expect(message).toBe(noLogin('StatefulSet "dockyard/postgres"', `${HOST}/dockerhub/library/${Postgres.IMAGE.reference.replace(/^.*\//, '')}`));
    // the manifest written object by object refuses the same, once every object is rendered
    expect(thrown(() => trial().chart._toYamlChunks()).message).toBe(message);
  });

  test('the Drone server, secrets extension and runner, each as its own account, are refused too', () => {
    const t = trial();
    // the in-cluster Postgres of the fixture from Docker Hub itself
    Images.relocate(t.chart.node.findChild('Postgres'), ImageRelocation.upstream());
    expect(thrown(() => t.chart.toJson()).message).toMatch(/^invalid pull secrets of Deployment "dockyard\/drone": its pods pull harbor\.acme\.dev\/dockerhub\/drone\/drone:\S+ from "dockerhub"/);
    for (const [id, workload, account] of [['Drone', 'drone', 'drone'], ['Secrets', 'drone-secrets', 'drone-secrets'], ['Runner', 'drone-runner', 'drone-runner']]) {
      const only = trial();
      // every Dockyard image from Docker Hub but the one workload's
      Images.relocate(only.chart, ImageRelocation.upstream());
      Images.relocate(only.chart.node.findChild(id), only.harbor.proxyCacheRelocation('dockerhub'));
      const error = thrown(() => only.chart.toJson()).message;
      expect(error).toMatch(new RegExp(`^invalid pull secrets of Deployment "dockyard/${workload}": its pods pull harbor\\.acme\\.dev/dockerhub/drone/`));
      expect(error).toContain(`none of the pull secrets of its ServiceAccount "${account}" logs in to ${HOST}`);
    }
  });

  test('an app-wide PullSecret of a robot that may pull the proxy cache lets every pod pull, each listing it', () => {
    const t = trial();
    new PullSecret(t.chart, 'AppPull', { name: 'proxy-login', credentials: [RegistryCredential.harborRobot(HOST, t.proxyPuller)] });
    const objects = t.chart.toJson();
    expect(find(objects, 'Deployment', 'drone', 'dockyard').spec.template.spec.imagePullSecrets).toEqual([{ name: 'proxy-login' }]);
  });

  test('an app-wide login that may not pull from the proxy cache is named, with the permission it lacks', () => {
    const t = trial();
    t.harbor.addProject('apps');
    const apps = t.harbor.addRobot('apps-puller', { permissions: [RobotPermission.pull('apps')] });
    new PullSecret(t.chart, 'AppPull', { name: 'apps-login', credentials: [RegistryCredential.harborRobot(HOST, apps)] });
    expect(thrown(() => t.chart.toJson()).message).toBe(`invalid pull secrets of StatefulSet "dockyard/postgres": its pods pull ${HOST}/dockerhub/` +
      `library/${Postgres.IMAGE.reference.replace(/^.*\//, '')} from "dockerhub", a private Harbor proxy cache of ${HOST}, and the only login to ${HOST} among the pull secrets it ` +
      'lists ("apps-login"), "robot$apps-puller", may not pull from it; give that robot RobotPermission.pull("dockerhub")');
  });

  test('the nodes\' login to Harbor (NodeMirrorFiles with a credential) serves pods that bring none for it', () => {
    // containerd uses configs.<host>.auth for every pull from the host that brings no credentials (README, "Pull
    // secrets, image relocation and node mirrors": the login is node-wide)
    const t = trial();
    new NodeMirrorFiles(t.chart, 'NodeMirrors', {
      mirrors: [{ upstream: 'docker.io', endpoint: t.harbor.url, project: 'dockerhub' }], credential: RegistryCredential.harborRobot(HOST, t.proxyPuller),
    });
    expect(() => t.chart.toJson()).not.toThrow();
  });

  test('the nodes\' login does not serve a project its robot may not pull from, and the refusal says so', () => {
    // containerd logs in with the nodes' robot (containerd v2.3.4 internal/cri/server/images/image_pull.go:528), and
    // Harbor's token service gives that robot only the projects it was granted: the README's proxy-only node robot
    // cannot pull a private project, so a pod of one without a pull secret would wait in ImagePullBackOff (review)
    const t = trial();
    new NodeMirrorFiles(t.chart, 'NodeMirrors', {
      mirrors: [{ upstream: 'docker.io', endpoint: t.harbor.url, project: 'dockerhub' }], credential: RegistryCredential.harborRobot(HOST, t.proxyPuller),
    });
    t.harbor.addProject('apps');
    new Namespace(t.chart, 'Web', { name: 'web' });
    new ApiObject(t.chart, 'WebApp', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'web', image: `${HOST}/apps/web:1` }] } } },
    });
    expect(thrown(() => t.chart.toJson()).message).toBe(`invalid pull secrets of Deployment "web/web": its pods pull ${HOST}/apps/web:1 from ` +
      `"apps", a private Harbor project of ${HOST}, and none of the pull secrets of its ServiceAccount "default" logs in to ${HOST}, and the ` +
      `nodes' own login there (NodeMirrorFiles' credential), "robot$node-puller", may not pull from it either; list "web" in the namespaces of a ` +
      'PullSecret of a robot with RobotPermission.pull("apps") (it goes on the namespace\'s default ServiceAccount), or list a pull secret of a ' +
      'robot with RobotPermission.pull("apps") in the pod\'s imagePullSecrets');
  });
});

describe('checkWorkloadPulls over every kind with a pod template', () => {
  const IMAGE = `${HOST}/apps/web:1`;
  /** A chart whose namespace `test` the app creates, and whose registry declares the private project `apps`. */
  function declared(): DockyardChart {
    const chart = testChart();
    new Namespace(chart, 'Namespace', { name: 'test' });
    PullAccess.declareProject(chart, HOST, 'apps', { public: false, proxyCache: false });
    return chart;
  }
  /** A raw workload of `kind` whose pod runs `image` as an init container, as `account`. */
  function raw(chart: DockyardChart, kind: string, image: string, account?: string): void {
    const pod = { spec: { serviceAccountName: account, initContainers: [{ name: 'init', image }], containers: [{ name: 'main', image: 'busybox:1.37.0' }] } };
    const spec = kind === 'CronJob' ? { schedule: '@daily', jobTemplate: { spec: { template: pod } } } : { selector: {}, template: pod };
    new ApiObject(chart, kind, { apiVersion: kind === 'CronJob' ? 'batch/v1' : 'apps/v1', kind, metadata: { name: 'w' }, spec });
  }

  test.each(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'])('a %s\'s init container is checked against the pod\'s account', (kind) => {
    const chart = declared();
    raw(chart, kind, IMAGE);
    expect(thrown(() => chart.toJson()).message).toMatch(new RegExp(`^invalid pull secrets of ${kind} "test/w": its pods pull ${IMAGE} from "apps", ` +
      `a private Harbor project of ${HOST}, and none of the pull secrets of its ServiceAccount "default" logs in to ${HOST}`));
  });

  test.each([`${HOST}/apps/web--api:1`, `${HOST}/apps/web__api:1`])('a name with distribution\'s other separators is checked too: %s (mirrors review)', (image) => {
    // distribution/reference v0.6.0 regexp.go: a path component's separator is ".", "_", "__" or any number of "-";
    // Image.of refused "--" and "__", and the check skips what it cannot read, so such a pod went unchecked
    const chart = declared();
    raw(chart, 'Deployment', image);
    expect(thrown(() => chart.toJson()).message).toMatch(/^invalid pull secrets of Deployment "test\/w": its pods pull /);
  });

  test('a template-named Job is named as it renders', () => {
    const chart = declared();
    const template = podTemplate(chart, { app: 'job' }, {
      namespace: 'test', runAs: { user: 1000, group: 1000 },
      initContainers: [{ name: 'init', image: Image.of(IMAGE), resources: Resources.of({ cpuRequest: '10m', cpuLimit: '10m', memoryRequest: '8Mi', memoryLimit: '8Mi' }) }],
      containers: [{ name: 'main', image: Image.of('busybox:1.37.0'), resources: Resources.of({ cpuRequest: '10m', cpuLimit: '10m', memoryRequest: '8Mi', memoryLimit: '8Mi' }) }],
    });
    templateNamedJob(chart, 'Job', { name: (hash) => `job-${hash.slice(0, 8)}`, namespace: 'test', labels: {}, spec: { template } });
    const name = (() => {
      try {
        chart.toJson();
        return '';
      } catch (e: any) {
        return /^invalid pull secrets of Job "test\/(job-[0-9a-f]{8})": its pods pull /.exec(e.message)?.[1] ?? e.message;
      }
    })();
    expect(name).toMatch(/^job-[0-9a-f]{8}$/);
  });

  test('what Dockyard does not know is never refused: an account it does not render, a namespace it does not create, a public project', () => {
    const unknownAccount = declared();
    raw(unknownAccount, 'Deployment', IMAGE, 'made-elsewhere');
    expect(() => unknownAccount.toJson()).not.toThrow();
    const elsewhere = testChart('elsewhere');
    PullAccess.declareProject(elsewhere, HOST, 'apps', { public: false, proxyCache: false });
    raw(elsewhere, 'Deployment', IMAGE);
    expect(() => elsewhere.toJson()).not.toThrow();
    const open = testChart();
    new Namespace(open, 'Namespace', { name: 'test' });
    PullAccess.declareProject(open, HOST, 'apps', { public: true, proxyCache: false });
    raw(open, 'Deployment', IMAGE);
    expect(() => open.toJson()).not.toThrow();
  });

  /** The user's own ServiceAccount `name` of `test`, as a raw ApiObject, listing `pullSecrets` (none if undefined). */
  function userAccount(chart: DockyardChart, name: string, pullSecrets?: string[]): void {
    new ApiObject(chart, `Account-${name}`, {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'test' }, imagePullSecrets: pullSecrets?.map((n) => ({ name: n })),
    });
  }

  test('the user\'s own default ServiceAccount, in any chart of the app, is taken as it renders: a Secret it lists that Dockyard did not make may pull', () => {
    const chart = declared();
    raw(chart, 'Deployment', IMAGE);
    // in another chart of the same app
    userAccount(new DockyardChart(chart.node.scope as App, 'users'), 'default', ['regcred']);
    expect(() => chart.toJson()).not.toThrow();
    // beside Dockyard's own rendering of the account, the two would apply as one object, the second replacing the
    // first (its token setting lost): refused as any object rendered twice is (lib/core/object-names.ts)
    const beside = declared();
    raw(beside, 'Deployment', IMAGE);
    DefaultServiceAccount.of(beside, 'test').disableTokenAutomount();
    userAccount(beside, 'default', ['regcred']);
    expect(() => beside.toJson()).toThrow(/^invalid object "ServiceAccount test\/default": must be rendered once, but test\/DefaultServiceAccount-test\/Resource and test\/Account-default both render it/);
    // one that lists none keeps whatever the account has, which may have been patched outside the app
    const bare = declared();
    raw(bare, 'Deployment', IMAGE);
    userAccount(bare, 'default');
    expect(() => bare.toJson()).not.toThrow();
  });

  /** A Dockyard pull Secret `name` of `test`, holding the login of Harbor user `username` to HOST. */
  function loginSecret(chart: DockyardChart, name: string, username: string): void {
    const password = new Secret(chart, 'Password', { name: 'password', values: { password: SecretValue.password(16) } }).key('password');
    new Secret(chart, 'Login', { name, namespace: 'test', type: 'kubernetes.io/dockerconfigjson', values: {
      '.dockerconfigjson': SecretValue.dockerConfigJson([{ registry: HOST, username, password }]),
    } });
  }

  test('Dockyard\'s account patched by the user (a JSON patch, cdk8s\'s escape hatch) is taken as it renders', () => {
    const chart = declared();
    PullAccess.grantPull(chart, HOST, 'robot$puller', ['apps']);
    loginSecret(chart, 'regcred', 'robot$puller');
    raw(chart, 'Deployment', IMAGE);
    const account = DefaultServiceAccount.of(chart, 'test');
    account.disableTokenAutomount();
    // unpatched, the account Dockyard renders lists nothing: refused
    expect(() => chart.toJson()).toThrow(/^invalid pull secrets of Deployment "test\/w"/);
    const object = account.node.children.find((c): c is ApiObject => c instanceof ApiObject)!;
    object.addJsonPatch(JsonPatch.add('/imagePullSecrets', [{ name: 'regcred' }]));
    expect(find(chart.toJson(), 'ServiceAccount', 'default', 'test').imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  test('however many charts render, the user\'s ServiceAccounts are walked for once per synth', () => {
    const walks = (charts: number): number => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-walks-'));
      const app = new App({ outdir: path.join(dir, 'dist') });
      for (let i = 0; i < charts; i++) {
        const chart = new DockyardChart(app, `c${i}`);
        new Namespace(chart, 'Namespace', { name: `t${i}` });
        PullAccess.declareProject(chart, HOST, 'apps', { public: false, proxyCache: false });
        new ApiObject(chart, 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: `t${i}` },
          spec: { selector: {}, template: { spec: { containers: [{ name: 'main', image: IMAGE }] } } } });
        new ApiObject(chart, 'Account', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: `t${i}` }, imagePullSecrets: [{ name: 'regcred' }] });
      }
      const spy = jest.spyOn(app.node, 'findAll');
      try {
        synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }));
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    expect(walks(12)).toBe(walks(2));
  });

  test('a Dockyard Secret the user\'s ServiceAccount lists is judged: one whose robot may not pull is refused, naming it', () => {
    const chart = declared();
    PullAccess.grantPull(chart, HOST, 'robot$other', ['other']);
    loginSecret(chart, 'login', 'robot$other');
    raw(chart, 'Deployment', IMAGE, 'builder');
    userAccount(chart, 'builder', ['login']);
    expect(thrown(() => chart.toJson()).message).toBe(`invalid pull secrets of Deployment "test/w": its pods pull ${IMAGE} from "apps", a private ` +
      `Harbor project of ${HOST}, and the only login to ${HOST} among the pull secrets of its ServiceAccount "builder", "robot$other", may not pull ` +
      'from it; give that robot RobotPermission.pull("apps")');
  });

  test('a user\'s workload is told the fixes that reach it: a PullSecret listing its namespace, or its own imagePullSecrets', () => {
    const chart = declared();
    raw(chart, 'Deployment', IMAGE);
    expect(thrown(() => chart.toJson()).message).toBe(`invalid pull secrets of Deployment "test/w": its pods pull ${IMAGE} from "apps", a private ` +
      `Harbor project of ${HOST}, and none of the pull secrets of its ServiceAccount "default" logs in to ${HOST}; list "test" in the namespaces ` +
      'of a PullSecret of a robot with RobotPermission.pull("apps") (it goes on the namespace\'s default ServiceAccount), or list a pull secret of a ' +
      'robot with RobotPermission.pull("apps") in the pod\'s imagePullSecrets');
    // an app-wide pull secret, as the fix for Dockyard's own pods says, does not reach it
    const appWide = declared();
    raw(appWide, 'Deployment', IMAGE);
    PullAccess.grantPull(appWide, HOST, 'robot$puller', ['apps']);
    const password = new Secret(appWide, 'Password', { name: 'password', values: { password: SecretValue.password(16) } }).key('password');
    new PullSecret(appWide, 'Pull', { name: 'pull', credentials: [RegistryCredential.basic({ registry: HOST, username: 'robot$puller', password })] });
    expect(thrown(() => appWide.toJson()).message).toMatch(/^invalid pull secrets of Deployment "test\/w": .* list "test" in the namespaces of a PullSecret/);
  });

  test('an image on the Harbor host spelled with capitals is told the spelling is why the pull secret it lists serves it not', () => {
    // kubernetes v1.35.0 pkg/credentialprovider/keyring.go URLsMatch: each host label a case-sensitive filepath.Match,
    // so the login keyed harbor.acme.dev is never offered for Harbor.Acme.dev/apps/web, though both reach one Harbor
    const chart = declared();
    PullAccess.grantPull(chart, HOST, 'robot$puller', ['apps']);
    loginSecret(chart, 'login', 'robot$puller');
    raw(chart, 'Deployment', 'Harbor.Acme.dev/apps/web:1', 'builder');
    userAccount(chart, 'builder', ['login']);
    expect(thrown(() => chart.toJson()).message).toBe('invalid pull secrets of Deployment "test/w": its pods pull Harbor.Acme.dev/apps/web:1 from ' +
      `"apps", a private Harbor project of ${HOST}, and none of the pull secrets of its ServiceAccount "builder" logs in to Harbor.Acme.dev (the ` +
      `kubelet matches a login's host case-sensitively: name the image on ${HOST}, in lower case, as the logins are keyed); list a pull secret of a ` +
      'robot with RobotPermission.pull("apps") in the imagePullSecrets of the pod or its ServiceAccount "builder" (a PullSecret whose namespaces ' +
      'include "test" is copied there)');
  });

  test('a user\'s workload running as its own account is told to list a pull secret on the pod or that account', () => {
    const chart = declared();
    raw(chart, 'Deployment', IMAGE, 'builder');
    userAccount(chart, 'builder', ['builder-login']);
    const password = new Secret(chart, 'Password', { name: 'password', values: { password: SecretValue.password(16) } }).key('password');
    // a Dockyard Secret with a login elsewhere only
    new Secret(chart, 'Login', { name: 'builder-login', namespace: 'test', type: 'kubernetes.io/dockerconfigjson', values: {
      '.dockerconfigjson': SecretValue.dockerConfigJson([{ registry: 'ghcr.io', username: 'someone', password }]),
    } });
    expect(thrown(() => chart.toJson()).message).toMatch(/none of the pull secrets of its ServiceAccount "builder" logs in to harbor\.acme\.dev; list a pull secret of a robot with RobotPermission\.pull\("apps"\) in the imagePullSecrets of the pod or its ServiceAccount "builder" \(a PullSecret whose namespaces include "test" is copied there\)$/);
  });

  test('the deprecated spec.serviceAccount names the account where serviceAccountName is empty', () => {
    // kubernetes/api v0.36.3 core/v1/types.go:4219-4227: DeprecatedServiceAccount is an alias for ServiceAccountName
    for (const serviceAccountName of [undefined, '']) {
      const chart = declared();
      new ApiObject(chart, 'Deployment', {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' },
        spec: { selector: {}, template: { spec: { serviceAccountName, serviceAccount: 'made-elsewhere', containers: [{ name: 'main', image: IMAGE }] } } },
      });
      expect(() => chart.toJson()).not.toThrow();
    }
  });

  test('property: a pod is refused exactly when the pull secret its account lists holds no login that may pull from the project', () => {
    fc.assert(fc.property(fc.boolean(), fc.boolean(), (granted, listed) => {
      const chart = declared();
      PullAccess.grantPull(chart, HOST, 'robot$puller', granted ? ['apps'] : []);
      const password = new Secret(chart, 'Password', { name: 'password', values: { password: SecretValue.password(16) } }).key('password');
      const pull = new PullSecret(chart, 'Pull', {
        name: 'pull', credentials: [RegistryCredential.basic({ registry: HOST, username: 'robot$puller', password })], appWide: false, namespaces: ['other'],
      });
      PullAccess.recordAccount(chart, 'test', 'runner', () => (listed ? [pull.secret] : []));
      raw(chart, 'Deployment', IMAGE, 'runner');
      const refused = (() => {
        try {
          chart.toJson();
          return false;
        } catch {
          return true;
        }
      })();
      expect(refused).toBe(!(granted && listed));
    }), { numRuns: 8 });
  });
});
