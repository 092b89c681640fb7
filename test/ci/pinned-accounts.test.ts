// A runner policy's ServiceAccount must exist when its pods are made. drone-runner-kube v1.0.0-rc.5 sets the pod's
// serviceAccountName from the matching policy (engine/policy/policy.go:105-107, engine/convert.go:25) whatever the
// cluster holds, and the API server's ServiceAccount admission refuses a pod whose account it cannot find (kubernetes
// plugin/pkg/admission/serviceaccount/admission.go, Admit: "error looking up service account <ns>/<name>"), so the
// runner fails every build the policy places at the pod's create. Synth refuses such a policy where the app creates
// the namespace, and warns where the namespace is made elsewhere (an account may be there already).
import { App } from 'cdk8s';
import { DeployAccess, DockyardChart, DroneKubeRunner, PipelineEvent } from '../../lib';
import { serviceAccounts, stderrOf, testChart, thrown } from '../util';
import { droneCi, droneServer } from '../drone/fixtures';
import { woodpeckerCi } from '../woodpecker/fixtures';

const refusal = (policy: string, account: string, namespace: string, owner = 'runner policy', pods = 'every pod the policy places') =>
  `invalid serviceAccountName "${account}": of ${owner} "${policy}" must be a ServiceAccount the app defines in namespace "${namespace}", which the ` +
  `app creates: none of that name is there, so the API server would refuse ${pods} and its builds would fail; define it there (a DeployAccess ` +
  `with serviceAccountNamespace "${namespace}", or a ServiceAccount object)`;

function runner(options: { createBuildNamespaces?: boolean } = {}) {
  const chart = testChart('ci');
  const kubeRunner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy'], ...options });
  return { chart, runner: kubeRunner };
}

describe('a runner policy\'s ServiceAccount', () => {
  test('is refused at synth, in one line naming the policy, when the app creates its namespace and defines no account of that name there', () => {
    const { chart, runner: r } = runner();
    r.addPolicy({ name: 'app-deploy', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(thrown(() => chart.toJson()).message).toBe(refusal('app-deploy', 'deployer', 'deploy'));
  });

  test('is refused when the account the app defines is in another namespace: the pod looks it up in its own', () => {
    const { chart, runner: r } = runner();
    new DeployAccess(chart, 'Deploy', { namespace: 'app', serviceAccountNamespace: 'ci-builds' });
    r.addPolicy({ name: 'app-deploy', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(thrown(() => chart.toJson()).message).toBe(refusal('app-deploy', 'deployer', 'deploy'));
  });

  test('is refused for a DroneCi route too, which is a runner policy', () => {
    const chart = testChart('ci');
    const { ci } = droneCi(chart, { extraBuildNamespaces: ['deploy'] });
    ci.addRoute({ name: 'web', repos: ['acme/web'], namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(thrown(() => chart.toJson()).message).toBe(refusal('web', 'deployer', 'deploy'));
  });

  test('passes when a DeployAccess defines it in the policy\'s namespace, or an object of the user\'s in any chart of the app', () => {
    const { chart, runner: r } = runner();
    const deployer = new DeployAccess(chart, 'Deploy', { namespace: 'app', serviceAccountNamespace: 'deploy' });
    r.addPolicy({ name: 'app-deploy', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: deployer.serviceAccountName });
    r.addPolicy({ name: 'docs-publish', repos: ['acme/docs'], namespace: 'deploy', serviceAccountName: 'publisher', exclusive: false });
    serviceAccounts(new DockyardChart(chart.node.root as App, 'other', { namespace: 'elsewhere' }), ['deploy'], ['publisher']);
    expect(stderrOf(() => chart.toJson())).toBe('');
  });

  test('a policy that pins no account, or `default` by name (kube-controller-manager\'s ServiceAccount controller makes it in every namespace), is not checked', () => {
    const { chart, runner: r } = runner();
    r.addPolicy({ name: 'app-deploy', repos: ['acme/app'], namespace: 'deploy' });
    r.addPolicy({ name: 'docs-deploy', repos: ['acme/docs'], namespace: 'deploy', serviceAccountName: 'default', exclusive: false });
    expect(stderrOf(() => chart.toJson())).toBe('');
  });

  test('is warned of, not refused, in a build namespace made outside the app, where it may exist already', () => {
    const { chart, runner: r } = runner({ createBuildNamespaces: false });
    r.addPolicy({ name: 'app-deploy', repos: ['acme/app'], namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(stderrOf(() => chart.toJson())).toBe('dockyard: warning: Drone runner "drone-runner": runner policy "app-deploy" names ServiceAccount ' +
      '"deployer" in namespace "deploy", which the app does not define: unless it exists in the cluster, the API server refuses every pod the ' +
      'policy places and its builds fail; define it there (a DeployAccess with serviceAccountNamespace "deploy", or a ServiceAccount object), ' +
      'or create it before the builds run\n');
  });
});

// Woodpecker puts a step's backend_options.kubernetes.serviceAccountName on its pod, where the route lets steps pick
// one (woodpecker v3.17.0 pipeline/backend/kubernetes/pod.go:199-202), whatever the cluster holds: the same admission
// refuses the pod.
describe('a Woodpecker route\'s ServiceAccount', () => {
  const WOODPECKER_PODS = 'every pod of a step that runs as it';

  test('is refused at synth when the app creates the route\'s namespace and defines no account of that name there', () => {
    const chart = testChart('ci');
    woodpeckerCi(chart).addRoute({ name: 'release', repos: ['acme/api'], events: [PipelineEvent.PUSH], namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(thrown(() => chart.toJson()).message).toBe(refusal('release', 'deployer', 'deploy', 'route', WOODPECKER_PODS));
  });

  test('is not checked when it is `default`, which every namespace has', () => {
    const chart = testChart('ci');
    woodpeckerCi(chart).addRoute({ name: 'release', repos: ['acme/api'], events: [PipelineEvent.PUSH], namespace: 'deploy', serviceAccountName: 'default' });
    expect(stderrOf(() => chart.toJson())).toBe('');
  });

  test('passes when a DeployAccess defines it there', () => {
    const chart = testChart('ci');
    const deployer = new DeployAccess(chart, 'Deploy', { namespace: 'app', serviceAccountNamespace: 'deploy' });
    woodpeckerCi(chart).addRoute({ name: 'release', repos: ['acme/api'], events: [PipelineEvent.PUSH], namespace: 'deploy', serviceAccountName: deployer.serviceAccountName });
    expect(stderrOf(() => chart.toJson())).toBe('');
  });

  test('is warned of, once per route, in a namespace made outside the app', () => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart, { createBuildNamespaces: false });
    ci.addRoute({ name: 'release', repos: ['acme/api', 'acme/web'], events: [PipelineEvent.PUSH], namespace: 'deploy', serviceAccountName: 'deployer' });
    expect(stderrOf(() => chart.toJson())).toBe('dockyard: warning: Woodpecker "woodpecker": route "release" names ServiceAccount "deployer" in ' +
      `namespace "deploy", which the app does not define: unless it exists in the cluster, the API server refuses ${WOODPECKER_PODS} and its ` +
      'builds fail; define it there (a DeployAccess with serviceAccountNamespace "deploy", or a ServiceAccount object), or create it before the builds run\n');
  });
});
