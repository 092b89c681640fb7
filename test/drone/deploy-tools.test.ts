// What a deploy pipeline's tools can do as a deploy identity: each tool's requests (deploy-tools.ts, from kubectl
// v0.36.3 and Helm v4.2.4 source) run against the rendered Role and RoleBinding with Kubernetes' RBAC evaluation
// (rbac-model.ts). A request the Role does not grant is a "forbidden" that fails the tool mid-deploy.
import { DeployAccess, DeployPermission, TeamMember } from '../../lib';
import { platform } from '../team/fixtures';
import { synth, testChart } from '../util';
import {
  helmCreateChart, helmUpgradeInstall, KUBECTL_DEFAULT_PRUNE_ALLOWLIST, kubectlApply, kubectlPrune, kubectlRolloutStatus, kubectlScale,
  kubectlServerSideApply, platformObjects, typicalApp,
} from './deploy-tools';
import { Account, accountMay, ApiRequest, describeRequest, rulesAllow } from './rbac-model';

const DEPLOYER: Account = { namespace: 'payments-builds', name: 'deployer' };
const APP_NAMESPACES = ['payments', 'payments-staging'];

/** The rendered objects of a deploy identity in `payments-builds` that deploys to both app namespaces. */
function deployer(permissions?: DeployPermission[]): any[] {
  const chart = testChart('ci');
  const access = new DeployAccess(chart, 'Deploy', { namespace: APP_NAMESPACES[0], serviceAccountNamespace: DEPLOYER.namespace, permissions });
  access.addNamespace(APP_NAMESPACES[1]);
  return synth(chart);
}

/** The requests `account` may not make, as messages. */
function refused(objects: any[], requests: ApiRequest[], account = DEPLOYER): string[] {
  return [...new Set(requests.filter((r) => !accountMay(objects, account, r)).map(describeRequest))];
}

const app = APP_NAMESPACES.flatMap(typicalApp);

describe('the RBAC model', () => {
  // the model is what the assertions below stand on: it must refuse what Kubernetes refuses
  test('matches verb, group, resource with its subresource, and name, as evaluation_helpers.go does', () => {
    const rule = { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] };
    const get = { verb: 'get', apiGroup: 'apps', resource: 'deployments', namespace: 'x', name: 'web' };
    expect(rulesAllow([rule], get)).toBe(true);
    expect(rulesAllow([rule], { ...get, verb: 'delete' })).toBe(false);
    expect(rulesAllow([rule], { ...get, apiGroup: 'extensions' })).toBe(false);
    expect(rulesAllow([rule], { ...get, subresource: 'scale' })).toBe(false);
    expect(rulesAllow([{ ...rule, resources: ['deployments/scale'] }], { ...get, subresource: 'scale' })).toBe(true);
    expect(rulesAllow([{ ...rule, resources: ['*/scale'] }], { ...get, subresource: 'scale' })).toBe(true);
    expect(rulesAllow([{ ...rule, resourceNames: ['api'] }], get)).toBe(false);
    expect(rulesAllow([{ ...rule, resourceNames: ['api'] }], { ...get, verb: 'list', name: undefined })).toBe(false);
  });

  test('grants a Role only in its own namespace, and nothing cluster-wide', () => {
    const objects = deployer();
    const list = { verb: 'list', apiGroup: 'apps', resource: 'deployments' };
    expect(accountMay(objects, DEPLOYER, { ...list, namespace: 'payments' })).toBe(true);
    expect(accountMay(objects, DEPLOYER, { ...list, namespace: 'search' })).toBe(false);
    expect(accountMay(objects, DEPLOYER, list)).toBe(false);
    expect(accountMay(objects, { ...DEPLOYER, namespace: 'search-builds' }, { ...list, namespace: 'payments' })).toBe(false);
  });
});

describe('kubectl as the default deploy identity', () => {
  const objects = deployer();

  test('applies a typical app, client-side or server-side, in every app namespace', () => {
    expect(refused(objects, kubectlApply(app))).toEqual([]);
    expect(refused(objects, kubectlServerSideApply(app))).toEqual([]);
  });

  test('waits for a rollout, and scales', () => {
    for (const o of app.filter((a) => ['Deployment', 'StatefulSet'].includes(a.kind))) {
      expect(refused(objects, [...kubectlRolloutStatus(o), ...kubectlScale(o)])).toEqual([]);
    }
  });

  // decided, and refused where they would be granted: Secrets (a patch returns the Secret, so writing is reading),
  // NetworkPolicies (a team's isolation: Team refuses them); ServiceAccounts are the app's, their token is not
  test('applies no Secret or NetworkPolicy, and mints no ServiceAccount token', () => {
    expect(refused(objects, [...kubectlApply(platformObjects('payments')),
      { verb: 'create', apiGroup: '', resource: 'serviceaccounts', subresource: 'token', namespace: 'payments', name: 'web' }])).toEqual([
      'get secrets "web" in payments', 'create secrets in payments', 'patch secrets "web" in payments',
      'get networkpolicies.networking.k8s.io "web" in payments', 'create networkpolicies.networking.k8s.io in payments',
      'patch networkpolicies.networking.k8s.io "web" in payments',
      'create serviceaccounts/token "web" in payments',
    ]);
  });

  test('prunes with DeployAccess.PRUNE_ALLOWLIST, which names every kind of the app but HTTPRoute', () => {
    expect(DeployAccess.PRUNE_ALLOWLIST).toContain('core/v1/ServiceAccount');
    expect(refused(objects, kubectlPrune(DeployAccess.PRUNE_ALLOWLIST, APP_NAMESPACES))).toEqual([]);
    const pruned = new Set(DeployAccess.PRUNE_ALLOWLIST.map((gvk) => gvk.split('/')[2]));
    expect(typicalApp('payments').map((o) => o.kind).filter((kind) => !pruned.has(kind))).toEqual(['HTTPRoute']);
  });

  // kubectl's own allowlist lists Namespaces and PersistentVolumes cluster-wide, which no Role grants, and Endpoints,
  // which DeployPermission refuses: the prune fails at the first refused list (kubectl pkg/cmd/apply/prune.go:79-105)
  test('cannot prune with kubectl\'s own allowlist', () => {
    expect(refused(objects, kubectlPrune(KUBECTL_DEFAULT_PRUNE_ALLOWLIST, ['payments']))).toEqual([
      'list endpoints in payments', 'delete endpoints "stale" in payments',
      'list persistentvolumeclaims in payments', 'delete persistentvolumeclaims "stale" in payments',
      'delete pods "stale" in payments',
      'list replicationcontrollers in payments', 'delete replicationcontrollers "stale" in payments',
      'list secrets in payments', 'delete secrets "stale" in payments',
      'list daemonsets.apps in payments', 'delete daemonsets.apps "stale" in payments',
      'delete replicasets.apps "stale" in payments',
      'list namespaces cluster-wide', 'delete namespaces "stale" cluster-wide',
      'list persistentvolumes cluster-wide', 'delete persistentvolumes "stale" cluster-wide',
    ]);
  });
});

describe('helm upgrade --install as a deploy identity', () => {
  const chart = typicalApp('payments');

  test('the defaults lack only Helm\'s release storage, Secrets', () => {
    expect(refused(deployer(), helmUpgradeInstall(chart, 'payments', { wait: true }))).toEqual([
      'list secrets in payments', 'create secrets in payments', 'update secrets "sh.helm.release.v1.web.v2" in payments',
      'get secrets "sh.helm.release.v1.web.v1" in payments', 'delete secrets "sh.helm.release.v1.web.v1" in payments',
    ]);
  });

  test('DeployPermission.helmReleases() adds exactly that', () => {
    const objects = deployer([...DeployAccess.DEFAULT_PERMISSIONS, DeployPermission.helmReleases()]);
    for (const ns of APP_NAMESPACES) {
      expect(refused(objects, helmUpgradeInstall(typicalApp(ns), ns, { wait: true }))).toEqual([]);
    }
    expect(DeployPermission.helmReleases()._toRule()).toEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'update', 'delete'] });
    // no more than Helm asks: no watch or patch of Secrets
    expect(refused(objects, [{ verb: 'watch', apiGroup: '', resource: 'secrets', namespace: 'payments' }])).toHaveLength(1);
  });

  // helm/helm v4.2.4 pkg/chart/v2/util/create.go: `helm create` renders a ServiceAccount unless
  // serviceAccount.create=false, so a chart made by it failed with "serviceaccounts is forbidden" until they were granted
  test('deploys the chart `helm create` makes, as it is and with every option enabled, with Helm\'s storage granted', () => {
    const objects = deployer([...DeployAccess.DEFAULT_PERMISSIONS, DeployPermission.helmReleases()]);
    for (const everythingEnabled of [false, true]) {
      expect(refused(objects, helmUpgradeInstall(helmCreateChart('payments', { everythingEnabled }), 'payments', { wait: true }))).toEqual([]);
    }
    // the model can fail: without the ServiceAccount grant, the chart's account is refused
    const without = deployer([...DeployAccess.DEFAULT_PERMISSIONS.filter((p) => !p.resources.includes('serviceaccounts')), DeployPermission.helmReleases()]);
    expect(refused(without, helmUpgradeInstall(helmCreateChart('payments'), 'payments'))).toEqual([
      'get serviceaccounts "web" in payments', 'patch serviceaccounts "web" in payments', 'delete serviceaccounts "web" in payments',
    ]);
  });

  test('HELM_DRIVER=configmap needs nothing beyond the defaults', () => {
    const requests = helmUpgradeInstall(chart, 'payments', { wait: true }).map((r) => (r.resource === 'secrets' ? { ...r, resource: 'configmaps' } : r));
    expect(refused(deployer(), requests)).toEqual([]);
  });
});

describe('a team\'s deploy identity', () => {
  test('deploys its typical app with kubectl and Helm in its app namespaces, and nowhere else', () => {
    const p = platform();
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments-app'], namespaces: APP_NAMESPACES });
    p.teams.addTeam({
      name: 'search', repos: ['acme/search-app'], deployPermissions: [...DeployAccess.DEFAULT_PERMISSIONS, DeployPermission.helmReleases()],
    });
    const objects = p.objects();
    expect(refused(objects, [...kubectlApply(app), ...kubectlPrune(DeployAccess.PRUNE_ALLOWLIST, APP_NAMESPACES)])).toEqual([]);
    const search: Account = { namespace: 'search-builds', name: 'deployer' };
    expect(refused(objects, helmUpgradeInstall(typicalApp('search'), 'search', { wait: true }), search)).toEqual([]);
    // every request of either, in the other team's namespace or in the build namespace, is refused
    const across = (ns: string) => [...kubectlApply(typicalApp(ns)), ...helmUpgradeInstall(typicalApp(ns), ns, { wait: true })];
    for (const [account, foreign] of [[DEPLOYER, ['search', 'search-builds', 'payments-builds']], [search, ['payments', 'payments-staging', 'search-builds']]] as const) {
      for (const ns of foreign) {
        const requests = across(ns);
        expect(refused(objects, requests, account)).toHaveLength(new Set(requests.map(describeRequest)).size);
      }
    }
  });
});

describe('a team member', () => {
  const member: ApiRequest[] = [
    // kubectl rollout status deployment/web (kubectl v0.36.3 pkg/cmd/rollout/rollout_status.go:151-195)
    ...kubectlRolloutStatus(typicalApp('payments')[0]),
    // kubectl describe deployment web: the Deployment, its ReplicaSets, its events (pkg/describe/describe.go:4201-4213)
    { verb: 'list', apiGroup: 'apps', resource: 'replicasets', namespace: 'payments' },
    { verb: 'list', apiGroup: '', resource: 'events', namespace: 'payments' },
    // kubectl logs deployment/web: a list of its pods, then the log (pkg/polymorphichelpers/helpers.go:43,
    // logsforobject.go:127)
    { verb: 'list', apiGroup: '', resource: 'pods', namespace: 'payments' },
    { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', namespace: 'payments', name: 'web-1' },
    // what the deploy identity creates, to see why it does not serve
    ...typicalApp('payments').flatMap((o) => [{ verb: 'get', apiGroup: o.apiGroup, resource: o.resource, namespace: o.namespace, name: o.name }]),
  ];
  const rules = TeamMember.DEFAULT_PERMISSIONS.map((p) => p._toRule());

  test('sees a failed rollout with the defaults: its status, ReplicaSets, events, pods and logs', () => {
    expect(member.filter((r) => !rulesAllow(rules, r)).map(describeRequest)).toEqual([]);
  });

  test('changes nothing', () => {
    expect(kubectlApply(app).filter((r) => r.verb !== 'get' && rulesAllow(rules, r)).map(describeRequest)).toEqual([]);
  });
});
