// A new user's trial listed a PullSecret of a private registry's login in an extra build namespace that no route
// claimed: every pipeline, a fork's pull request included, could run there and pull with that login, and the synth
// stayed silent. drone-runner-kube v1.0.0-rc.5 (unchanged at its HEAD 018c4160):
// - `engine/compiler/compiler.go:215,232-235` takes the pipeline's own `metadata.namespace`, the default only when it
//   names none;
// - `engine/policy/policy.go:56-59` (`Apply`) replaces it only when the matching policy sets a namespace, which the
//   runner's catch-all `default` does not;
// - `engine/linter/linter.go:65,207-223` (`checkNamespace`) refuses the namespace only when the namespace rules list it
//   (`patterns, ok := mapping[namespace]; if !ok { return nil }`), i.e. when a route claims it exclusively.
// So such a pipeline runs there as the namespace's `default` ServiceAccount, whose imagePullSecrets the kubelet uses.
//
// Woodpecker needs no such warning: an agent runs every pod in its own namespace (woodpecker v3.17.0
// `pipeline/backend/kubernetes/kubernetes.go:86-91,111` `GetNamespace`, from `WOODPECKER_BACKEND_K8S_NAMESPACE`;
// Dockyard keeps namespace-per-org off), and a step's `backend_options.kubernetes` has no namespace
// (`pipeline/backend/kubernetes/backend_options.go:25-38`): an extra build namespace without a route has no agent.
import { Chart } from 'cdk8s';
import { PipelineEvent, PullSecret, RegistryCredential, Secret, SecretValue } from '../../lib';
import { stderrOf, testChart } from '../util';
import { droneCi } from './fixtures';

/** The `dockyard: warning:` lines of `stderr`. */
const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('dockyard: warning:'));

/** A PullSecret of a private registry's login, listed in `namespaces` only. */
function privatePull(chart: Chart, namespaces: string[], name = 'private-registry', registry = 'registry.example.com'): PullSecret {
  const password = new Secret(chart, `Pw-${name}`, { name: `${name}-password`, values: { pw: SecretValue.hex(32) } });
  return new PullSecret(chart, `Pull-${name}`, {
    name, credentials: [RegistryCredential.basic({ registry, username: 'ci', password: password.key('pw') })],
    namespaces, appWide: false,
  });
}

const openWarning = (namespace: string, secrets: string) => `dockyard: warning: Drone runner "drone-runner": build namespace "${namespace}" is ` +
  'open to every pipeline, pull requests from forks included (no route claims it exclusively, and the runner admits any pipeline that names ' +
  `it in metadata.namespace), and its default ServiceAccount pulls with ${secrets}, so any pipeline can pull with its logins; claim the ` +
  'namespace with a route (addRoute, or addPolicy without exclusive: false), or keep the pull secret out of it (its namespaces)';

describe('a Drone build namespace no route claims, with a pull secret', () => {
  test('the trial: an extra build namespace with a private login and no route warns once, naming the namespace, the pull secret and the fix', () => {
    const chart = testChart('ci');
    droneCi(chart, { extraBuildNamespaces: ['tools'] });
    privatePull(chart, ['tools']);
    const stderr = stderrOf(() => { chart.toJson(); chart.toJson(); });
    expect(warnings(stderr)).toEqual([openWarning('tools', 'pull secret "tools/private-registry"')]);
    // names, never a credential
    expect(stderr).not.toMatch(/[0-9a-f]{32}/);
  });

  test('one added with addBuildNamespace, and one a policy uses with exclusive: false, warn too', () => {
    const chart = testChart('ci');
    const { runner } = droneCi(chart);
    runner.addBuildNamespace('tools');
    runner.addBuildNamespace('shared');
    runner.addPolicy({ name: 'shared-build', repos: ['acme/app'], namespace: 'shared', exclusive: false });
    privatePull(chart, ['tools', 'shared']);
    expect(warnings(stderrOf(() => chart.toJson()))).toEqual([
      openWarning('tools', 'pull secret "tools/private-registry"'), openWarning('shared', 'pull secret "tools/private-registry"'),
    ]);
  });

  test('claimed by a route (exclusive, the default), it does not warn', () => {
    const chart = testChart('ci');
    const { ci, runner } = droneCi(chart, { extraBuildNamespaces: ['tools', 'deploys'] });
    ci.addRoute({ name: 'tools-build', repos: ['acme/tools'], events: [PipelineEvent.PUSH], namespace: 'tools' });
    runner.addPolicy({ name: 'app-deploy', repos: ['acme/app'], namespace: 'deploys' });
    privatePull(chart, ['tools', 'deploys']);
    expect(warnings(stderrOf(() => chart.toJson()))).toEqual([]);
  });

  test('a login the default build namespace has too adds nothing every pipeline lacks, and does not warn; a further one does', () => {
    const chart = testChart('ci');
    droneCi(chart, { extraBuildNamespaces: ['tools'] });
    privatePull(chart, ['ci-builds', 'tools'], 'proxy-only');
    expect(warnings(stderrOf(() => chart.toJson()))).toEqual([]);
    privatePull(chart, ['tools'], 'apps-puller', 'apps.example.com');
    expect(warnings(stderrOf(() => chart.toJson()))).toEqual([openWarning('tools', 'pull secret "tools/apps-puller"')]);
  });

  test('the default build namespace itself, and an open namespace with no pull secret, do not warn', () => {
    const chart = testChart('ci');
    droneCi(chart, { extraBuildNamespaces: ['tools'] });
    privatePull(chart, ['ci-builds']);
    expect(warnings(stderrOf(() => chart.toJson()))).toEqual([]);
  });
});
