// BuildNamespaceSet.add is where both engines check a build namespace, before anything of it is defined: the same
// checks in the same order, each engine's wording, and a refusal that leaves the construct tree as it was.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { DroneKubeRunner, Namespace, NetworkPeer, PodSecurityLevel } from '../../lib';
import { BuildNamespaceOptions } from '../../lib/ci/build-namespace';
import { VALIDATION_RULES } from '../../lib/core/validation';
import { WoodpeckerBuildNamespaces } from '../../lib/woodpecker';
import { droneServer } from '../drone/fixtures';
import { woodpeckerCi } from '../woodpecker/fixtures';
import { find, synth, testChart, thrown } from '../util';

/** One engine's build namespaces in namespace `ci`, with `deploy` added after the default `ci-builds`. */
interface Owner {
  readonly root: Chart;
  addBuildNamespace(namespace: string, options?: BuildNamespaceOptions): void;
  allowBuildEgress(peer: NetworkPeer, ports: number[]): void;
  readonly buildNamespaces: readonly string[];
}

interface Engine {
  readonly engine: string;
  make(): Owner;
  /** The name of the Role, LimitRange and egress NetworkPolicy in each build namespace, less `-builds`. */
  readonly name: string;
  /** The label that marks the owner's build namespaces. */
  readonly label: string;
  /** How the engine words the refusal of its own namespace and of a namespace it has. */
  readonly own: string;
  readonly present: string;
}

const ENGINES: readonly Engine[] = [
  {
    engine: 'Drone',
    make: () => {
      const chart = testChart('ci');
      const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy'] });
      return Object.assign(runner, { root: chart });
    },
    name: 'drone-runner',
    label: DroneKubeRunner.BUILD_NAMESPACE_LABEL,
    own: 'must differ from the runner\'s own namespace, so pipelines cannot reach its Secrets',
    present: 'must not already be a build namespace of the runner: ci-builds, deploy',
  },
  {
    engine: 'Woodpecker',
    make: () => {
      const chart = testChart('ci');
      const builds = new WoodpeckerBuildNamespaces(chart, 'Builds');
      builds.addBuildNamespace('deploy');
      return Object.assign(builds, { root: chart });
    },
    name: 'woodpecker-agent',
    label: WoodpeckerBuildNamespaces.BUILD_NAMESPACE_LABEL,
    own: 'must differ from the agents\' own namespace, so pipelines cannot reach their Secrets',
    present: 'must not already be a build namespace: ci-builds, deploy',
  },
];

/** Every construct under `root`, by path: a refusal that defined anything would add one. */
const tree = (root: Construct) => root.node.findAll().map((c) => c.node.path);

describe.each(ENGINES)('$engine\'s addBuildNamespace', (e) => {
  const refusals: [string, string, BuildNamespaceOptions, string][] = [
    ['a name that is not a DNS label', 'Team_A', {}, `invalid namespace "Team_A": must be ${VALIDATION_RULES.dnsLabel}`],
    ['the owner\'s own namespace', 'ci', {}, `invalid namespace "ci": ${e.own}`],
    ['a build namespace it has', 'deploy', {}, `invalid namespace "deploy": ${e.present}`],
    ['a Pod Security level for a namespace it does not create', 'a', { create: false, podSecurity: PodSecurityLevel.RESTRICTED },
      'invalid podSecurity "restricted": must not be set when create is false: it is enforced by the Namespace the runner would create'],
    ['labels for a namespace it does not create', 'b', { create: false, labels: { team: 'b' } },
      'invalid labels {"team":"b"}: must not be set when create is false: they are labels of the Namespace the runner would create'],
    ['the label that marks its build namespaces', 'c', { labels: { [e.label]: 'other' } },
      `invalid labels {"${e.label}":"other"}: must not set "${e.label}": the runner sets it to mark its build namespaces`],
  ];

  test.each(refusals)('refuses %s with one line, defining nothing', (_what, namespace, options, message) => {
    const owner = e.make();
    const before = tree(owner.root);
    expect(thrown(() => owner.addBuildNamespace(namespace, options)).message).toBe(message);
    expect(tree(owner.root)).toEqual(before);
    expect(owner.buildNamespaces).toEqual(['ci-builds', 'deploy']);
  });

  test('refuses a namespace the app defines already, defining nothing; with create: false it builds there', () => {
    const owner = e.make();
    new Namespace(owner.root, 'Taken', { name: 'taken' });
    const before = tree(owner.root);
    expect(thrown(() => owner.addBuildNamespace('taken')).message)
      .toBe('invalid namespace "taken": must not be a Namespace the app defines already: add it with create: false to build in it');
    expect(tree(owner.root)).toEqual(before);
    expect(owner.buildNamespaces).toEqual(['ci-builds', 'deploy']);
    // the retry the message asks for
    owner.addBuildNamespace('taken', { create: false });
    expect(owner.buildNamespaces).toEqual(['ci-builds', 'deploy', 'taken']);
  });

  test('checks the name before the options, so a namespace it has is refused as such whatever the options', () => {
    const owner = e.make();
    expect(thrown(() => owner.addBuildNamespace('deploy', { create: false, labels: { team: 'b' } })).message)
      .toBe(`invalid namespace "deploy": ${e.present}`);
  });

  test('gives a namespace added later the egress declared for every namespace, after its own', () => {
    const owner = e.make();
    owner.allowBuildEgress(NetworkPeer.ipBlock('10.1.0.0/16'), [5432]);
    owner.addBuildNamespace('later');
    const objects = synth(owner.root);
    const egress = (ns: string) => find(objects, 'NetworkPolicy', `${e.name}-builds`, ns).spec.egress;
    // the same rules in the same order, whenever the namespace came: the declared egress goes last
    expect(egress('later').length).toBe(egress('deploy').length);
    expect(egress('later').slice(-1)).toEqual([{ to: [{ ipBlock: { cidr: '10.1.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    expect(egress('later').slice(-1)).toEqual(egress('ci-builds').slice(-1));
  });
});

test('DroneKubeRunner.checkBuildNamespace refuses the runner\'s own namespace as addBuildNamespace does, under the prop it is given', () => {
  expect(thrown(() => DroneKubeRunner.checkBuildNamespace('buildNamespace', 'ci', 'ci')).message)
    .toBe(`invalid buildNamespace "ci": ${ENGINES[0].own}`);
  expect(() => DroneKubeRunner.checkBuildNamespace('buildNamespace', 'ci-builds', 'ci')).not.toThrow();
});

/** Each engine made in a chart whose app defines the Namespace `taken` first, with its build namespace props. */
const CONSTRUCTORS: readonly { readonly engine: string; make(chart: Chart, props: ConstructorProps): unknown; readonly named: string }[] = [
  // the runner names itself (`constructRefusal`), as a stack may hold several
  { engine: 'DroneKubeRunner', make: (chart, props) => new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), ...props }), named: ' (DroneKubeRunner "test/Runner")' },
  { engine: 'WoodpeckerCi', make: (chart, props) => woodpeckerCi(chart, props), named: '' },
];

/** The constructor props that give build namespaces, which both engines take. */
interface ConstructorProps {
  readonly buildNamespace?: string;
  readonly extraBuildNamespaces?: string[];
  readonly createBuildNamespaces?: boolean;
}

describe.each(CONSTRUCTORS)('$engine refuses a build namespace of its props that the app defines already', (e) => {
  const refusal = (prop: string) => `invalid ${prop} "taken": must not be a Namespace the app defines already: ` +
    `set createBuildNamespaces to false to build in namespaces that exist${e.named}`;
  const appWithTaken = () => {
    const chart = testChart('ci');
    new Namespace(chart, 'Taken', { name: 'taken' });
    return chart;
  };

  test.each([
    ['extraBuildNamespaces', { extraBuildNamespaces: ['deploy', 'taken'] }],
    ['buildNamespace', { buildNamespace: 'taken', extraBuildNamespaces: [] }],
  ])('under %s, the prop that gave it', (prop, props) => {
    expect(thrown(() => e.make(appWithTaken(), props)).message).toBe(refusal(prop));
  });

  test('and builds in it when it creates no build namespaces', () => {
    const chart = appWithTaken();
    e.make(chart, { buildNamespace: 'taken', extraBuildNamespaces: ['deploy'], createBuildNamespaces: false });
    const objects = synth(chart);
    // the app's own Namespace only: the engine defined none, and set up its builds there
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['taken']);
    expect(objects.filter((o) => o.kind === 'LimitRange').map((o) => o.metadata.namespace)).toEqual(['taken', 'deploy']);
  });
});

test('WoodpeckerBuildNamespaces refuses a default build namespace the app defines already under buildNamespace', () => {
  const chart = testChart('ci');
  new Namespace(chart, 'Taken', { name: 'taken' });
  expect(thrown(() => new WoodpeckerBuildNamespaces(chart, 'Builds', { buildNamespace: 'taken' })).message)
    .toBe('invalid buildNamespace "taken": must not be a Namespace the app defines already: set createBuildNamespaces to false to build in namespaces that exist');
});

test('WoodpeckerBuildNamespaces.checkBuildNamespace refuses under the prop it is given what addBuildNamespace refuses, defining nothing', () => {
  const chart = testChart('ci');
  const builds = new WoodpeckerBuildNamespaces(chart, 'Builds');
  new Namespace(chart, 'Taken', { name: 'taken' });
  const before = tree(chart);
  expect(thrown(() => builds.checkBuildNamespace('extraBuildNamespaces', 'taken')).message)
    .toBe('invalid extraBuildNamespaces "taken": must not be a Namespace the app defines already: set createBuildNamespaces to false to build in namespaces that exist');
  expect(thrown(() => builds.checkBuildNamespace('extraBuildNamespaces', 'ci')).message)
    .toBe(`invalid extraBuildNamespaces "ci": ${ENGINES[1].own}`);
  expect(thrown(() => builds.checkBuildNamespace('extraBuildNamespaces', 'ci-builds')).message)
    .toBe(`invalid extraBuildNamespaces "ci-builds": must not already be a build namespace: ci-builds`);
  builds.checkBuildNamespace('extraBuildNamespaces', 'free');
  expect(tree(chart)).toEqual(before);
  expect(builds.buildNamespaces).toEqual(['ci-builds']);
});
