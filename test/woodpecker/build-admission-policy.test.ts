// WoodpeckerBuildAdmissionPolicy: Woodpecker v3.17.0 puts a step's backend_options.kubernetes.runtimeClassName on its
// pod as written, with no agent setting to refuse it (pipeline/backend/kubernetes/pod.go:186), so any pipeline, a
// fork's pull request included, could pick any RuntimeClass of the cluster, and with it the class's nodes and the
// tolerations the RuntimeClass admission plugin adds. The policy refuses such step pods at create.
//
// Upstream behaviour encoded here:
// - The API server evaluates each validation as CEL over the admitted pod (test/policy/checks/admission.ts).
// - The binding applies in namespaces its namespaceSelector matches (test/policy/checks/selectors.ts).
// - The step pods are those the backend makes from a step and the rendered agent (test/woodpecker/upstream.ts `stepPod`).
import { Namespace, WOODPECKER_BUILD_POLICY, WoodpeckerBuildAdmissionPolicy, WoodpeckerBuildNamespaces, woodpeckerBuildChecks } from '../../lib';
import { validateSchema } from '../policy/checks';
import { admits } from '../policy/checks/admission';
import { selects } from '../policy/checks/selectors';
import { EXAMPLE_STACKS } from '../stacks';
import { container, find, refusal, serviceAccounts, synth, testChart } from '../util';
import { woodpeckerCi } from './fixtures';
import { literalEnv, stepPod } from './upstream';

/** A step pod as the pool agent of `objects` makes it, with `runtimeClassName` asked for, as the API server gets it. */
function podOf(objects: any[], runtimeClassName?: string) {
  const agent = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'woodpecker-agent');
  const made = stepPod({ name: 'build', backend_options: { kubernetes: { runtimeClassName } } }, literalEnv(container(agent)));
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'wp-01', namespace: 'ci-builds', ...made.metadata }, spec: made.spec };
}

describe('WoodpeckerBuildAdmissionPolicy', () => {
  const chart = testChart('ci');
  const ci = woodpeckerCi(chart);
  serviceAccounts(chart, ['deploy'], ['deployer']);
  ci.addRoute({ name: 'release', repos: ['acme/api'], namespace: 'deploy', serviceAccountName: 'deployer' });
  new Namespace(chart, 'Namespace', { name: 'ci' });
  new WoodpeckerBuildAdmissionPolicy(chart, 'BuildPolicy');
  const objects = synth(chart);
  const policy = find(objects, 'ValidatingAdmissionPolicy', WOODPECKER_BUILD_POLICY);
  const binding = find(objects, 'ValidatingAdmissionPolicyBinding', WOODPECKER_BUILD_POLICY);

  test('renders a policy over pod creates and its binding to every build namespace, valid against Kubernetes 1.36', () => {
    expect(policy.metadata.namespace).toBeUndefined();
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }]);
    expect(policy.spec.validations.map((v: any) => v.expression)).toEqual(woodpeckerBuildChecks().map((c) => c.expression));
    expect(binding.spec).toEqual({
      policyName: WOODPECKER_BUILD_POLICY, validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: WoodpeckerBuildNamespaces.BUILD_NAMESPACE_LABEL, operator: 'Exists' }] } },
    });
    expect(validateSchema([policy, binding], '1.36.0')).toEqual([]);
  });

  test('applies in the pool\'s and the routes\' build namespaces, and in the teams example\'s demo and team build namespaces, nowhere else', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    const covered = (list: any[]) => list.filter((ns) => selects(binding.spec.matchResources.namespaceSelector, ns.metadata.labels ?? {}))
      .map((ns) => ns.metadata.name).sort();
    expect(covered(namespaces)).toEqual(['ci-builds', 'deploy']);
    expect(namespaces.length).toBeGreaterThan(2);
    const teams = EXAMPLE_STACKS.find((s) => s.name === 'teams-woodpecker')!.synth().objects.filter((o) => o.kind === 'Namespace');
    expect(covered(teams)).toEqual(['dockyard-builds', 'dockyard-deploy', 'dockyard-publish', 'team-0001-builds', 'team-0002-builds', 'team-0003-builds']);
  });

  test('admits a step pod that names no RuntimeClass, and refuses one that names any', () => {
    expect(admits(policy, podOf(objects))).toBe(true);
    expect(admits(policy, podOf(objects, 'gvisor'))).toBe(false);
    expect(admits(policy, podOf(objects, ''))).toBe(false);
    expect(policy.spec.validations[0].message).toContain('none is allowed');
  });

  test('with runtimeClassNames, admits exactly those', () => {
    const c = testChart('ci');
    woodpeckerCi(c);
    new WoodpeckerBuildAdmissionPolicy(c, 'BuildPolicy', { runtimeClassNames: ['gvisor', 'kata'] });
    const o = synth(c);
    const allowing = find(o, 'ValidatingAdmissionPolicy', WOODPECKER_BUILD_POLICY);
    expect(admits(allowing, podOf(o, 'gvisor'))).toBe(true);
    expect(admits(allowing, podOf(o, 'kata'))).toBe(true);
    expect(admits(allowing, podOf(o, 'nvidia'))).toBe(false);
    expect(admits(allowing, podOf(o))).toBe(true);
    expect(allowing.spec.validations[0].message).toContain('only gvisor, kata are allowed');
  });

  test('refuses bad props and a second policy in the app, with one line', () => {
    const make = (props: any, twice = false) => () => {
      const c = testChart('ci');
      new WoodpeckerBuildAdmissionPolicy(c, 'BuildPolicy', props);
      if (twice) {
        new WoodpeckerBuildAdmissionPolicy(c, 'Again');
      }
    };
    expect(refusal(make({ runtimeClassNames: ['Not_A_Name'] }))).toMatch(/^invalid runtimeClassNames "Not_A_Name": /);
    expect(refusal(make({ runtimeClassNames: ['gvisor', 'gvisor'] }))).toMatch(/^invalid runtimeClassNames \["gvisor","gvisor"\]: must not repeat "gvisor"/);
    expect(refusal(make({ runtimeClasses: ['gvisor'] }))).toMatch(/runtimeClasses/);
    expect(refusal(make({}, true))).toMatch(/^invalid WoodpeckerBuildAdmissionPolicy "Again": must be made once in an app/);
    // an app of its own is fine
    expect(() => make({})()).not.toThrow();
    expect(() => new WoodpeckerBuildAdmissionPolicy(testChart('other'), 'BuildPolicy')).not.toThrow();
  });
});
