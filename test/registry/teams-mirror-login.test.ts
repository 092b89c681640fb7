import { Construct } from 'constructs';
import { CiEngineKind, DroneKubeRunnerProps, Image, ImageRelocation, Images, PullSecret, RegistryCredential, Secret, SecretValue, TeamPlatform } from '../../lib';
import { teamsStack } from '../../apps/teams/stack';
import { platform } from '../team/fixtures';
import { refusal } from '../util';
import { defaults, synthApp } from './synth-app';

// Teams on an air-gapped platform whose mirror takes a login (DOCKYARD_IMAGE_MIRROR_USER). Every image is relocated
// to the mirror (Images.relocateAll), the CI engine's clone image among them, and a team's build pods pull it:
// - as the team's deploy identity, whose ServiceAccount lists the team's pull secret: the ServiceAccount admission
//   plugin adds an account's pull secrets to a pod that lists none (kubernetes plugin/pkg/admission/serviceaccount/
//   admission.go), and the kubelet hands a login to containerd only where one matches the image's registry
//   (pkg/credentialprovider/keyring.go);
// - or with the pipeline's own image_pull_secrets, which Drone's runner lists on every container of the pod, the clone
//   step's included (drone-runner-kube engine/compiler, convert.go: pull secrets from the pipeline's secrets).
// Before, the team's pull secret and pipeline pull login held the team's Harbor robot alone: every team build failed
// at its clone step with the mirror's 401, while the synth passed.

const MIRROR = 'mirror.example.com/airgap';
const PASSWORD = 'mirror-token-123';

/** The registries a `.dockerconfigjson` logs in to, and the mirror's `auth`. */
function logins(secret: any): { registries: string[]; mirrorAuth?: string } {
  const auths = JSON.parse(secret.stringData['.dockerconfigjson']).auths;
  return { registries: Object.keys(auths), mirrorAuth: auths['mirror.example.com']?.auth };
}

describe.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('apps/teams on %s with a mirror that takes a login', (ci) => {
  const synthed = synthApp((app) => teamsStack(app, { ...defaults({ ci, imageMirror: MIRROR, imageMirrorUser: 'mirror-bot' }), teams: 2 }),
    { DOCKYARD_IMAGE_MIRROR_PASSWORD: PASSWORD });
  const expectedAuth = Buffer.from(`mirror-bot:${PASSWORD}`).toString('base64');

  test('every team\'s pull secret holds the mirror\'s login beside its own robot\'s, in its app and build namespaces', () => {
    const pulls = synthed.secrets.filter((s) => s.metadata.name === 'team-0002-pull');
    expect(pulls.map((s) => s.metadata.namespace).sort()).toEqual(['team-0002', 'team-0002-builds']);
    for (const s of pulls) {
      expect(logins(s)).toEqual({ registries: ['harbor.example.com', 'mirror.example.com'], mirrorAuth: expectedAuth });
    }
    // the deploy identity, which the team's builds run as, lists it
    const deployer = synthed.docs.find((d) => d.kind === 'ServiceAccount' && d.metadata.name === 'deployer' && d.metadata.namespace === 'team-0002-builds');
    expect(deployer.imagePullSecrets).toEqual([{ name: 'team-0002-pull' }]);
  });

  test('the team\'s pipeline pull login holds it too', () => {
    // Drone: a Secret the secrets extension serves; Woodpecker: a pull secret of the team's build namespace
    const login = synthed.secrets.find((s) => s.metadata.name === 'team-0002-harbor-pull');
    expect(login).toBeDefined();
    expect(logins(login)).toEqual({ registries: ['harbor.example.com', 'mirror.example.com'], mirrorAuth: expectedAuth });
  });
});

describe('TeamPlatform sharedLogins', () => {
  /**
   * A platform relocated to a mirror whose login a PullSecret of the platform's holds, its TeamPlatform given
   * `sharedLogins` made of that login (read once the fixture has made it).
   */
  const mirrored = (shared: (login: RegistryCredential) => unknown, engine: 'drone' | 'woodpecker' = 'drone', runner: Partial<DroneKubeRunnerProps> = {}) => {
    let login: RegistryCredential | undefined;
    const props = { get sharedLogins() { return shared(login!) as RegistryCredential[]; } };
    const p = platform(props, {
      engine,
      runner,
      harbor: (chart) => {
        Images.relocateAll(chart.node.root, ImageRelocation.registry(MIRROR));
        const password = new Secret(chart, 'MirrorPassword', { name: 'image-mirror-password', values: { password: SecretValue.alphanumeric(32) } });
        login = RegistryCredential.basic({ registry: 'mirror.example.com', username: 'mirror-bot', password: password.key('password') });
        new PullSecret(chart, 'MirrorPullSecret', { name: 'image-mirror-credentials', credentials: [login], namespaces: ['ci', 'ci-builds'] });
        return {};
      },
    });
    return { p, teams: p.teams };
  };

  test.each(['drone', 'woodpecker'] as const)('on %s, a team\'s build pods that cannot log in to the mirror are refused at synth, naming the fix', (engine) => {
    const { p, teams } = mirrored(() => [], engine);
    teams.addTeam({ name: 'payments', repos: ['acme/payments'] });
    expect(refusal(() => p.app.synth())).toMatch(new RegExp('^invalid pull secrets of build namespace "payments-builds": its build pods pull ' +
      'mirror\\.example\\.com/airgap/\\S+ \\(.*\\) from mirror\\.example\\.com, an image mirror the app logs in to \\(pull secret "ci/image-mirror-credentials"\\), ' +
      'and none of .* logs in to mirror\\.example\\.com; .*add the login to TeamPlatform sharedLogins'));
  });

  test('with the mirror\'s login shared, the team\'s pull secret holds it and the synth passes', () => {
    const { p, teams } = mirrored((login) => [login]);
    const team = teams.addTeam({ name: 'payments', repos: ['acme/payments'] });
    expect(team.pullSecret.registries).toEqual(['harbor.example.com', 'mirror.example.com']);
    expect(() => p.app.synth()).not.toThrow();
  });

  /**
   * A team on a platform with a Docker Hub login for rate limits (in `ci` only) and a mirror relocation set up by
   * `relocate`, whose build pods pull the engine's clone image anonymously from Docker Hub: the synth must pass.
   */
  const beside = (engine: 'drone' | 'woodpecker', relocate: (chart: Construct) => void) => {
    const p = platform({}, {
      engine,
      harbor: (chart) => {
        relocate(chart);
        const pw = new Secret(chart, 'HubPassword', { name: 'hub-password', values: { password: SecretValue.alphanumeric(32) } });
        const hub = RegistryCredential.basic({ registry: 'docker.io', username: 'bot', password: pw.key('password') });
        new PullSecret(chart, 'Hub', { name: 'dockerhub-login', credentials: [hub], namespaces: ['ci'] });
        return {};
      },
    });
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments'] });
    expect(() => p.app.synth()).not.toThrow();
  };

  // review: the mirror check took any registry the app logs in to for a mirror once anything was relocated to one,
  // refusing build pods that pull the clone image anonymously from Docker Hub beside a Docker Hub login for rate limits
  test.each(['drone', 'woodpecker'] as const)('on %s, only images on a mirror are checked for its login', (engine) => {
    beside(engine, (chart) => Images.relocate(new Secret(chart, 'Unrelated', { name: 'unrelated', values: { a: SecretValue.alphanumeric(16) } }),
      ImageRelocation.registry(MIRROR)));
  });

  // review 2: an image named on the mirror already, which the relocation leaves as it is, needs the login all the same
  test('a clone image named on the mirror already is checked too', () => {
    const onMirror = { cloneImage: Image.of('mirror.example.com/airgap/drone/git:1.2.0'), placeholderImage: Image.of('mirror.example.com/airgap/drone/placeholder:1') };
    const { p, teams } = mirrored(() => [], 'drone', onMirror);
    teams.addTeam({ name: 'payments', repos: ['acme/payments'] });
    expect(refusal(() => p.app.synth())).toMatch(/^invalid pull secrets of build namespace "payments-builds": its build pods pull mirror\.example\.com\/airgap\/drone\/git:1\.2\.0 /);
  });

  // review 3: a mirror relocation of one's own that copies some registries only leaves the others where they are
  test.each(['drone', 'woodpecker'] as const)('on %s, an image a custom mirror relocation leaves on its own registry is not on the mirror', (engine) => {
    beside(engine, (chart) => Images.relocateAll(chart.node.root, { mirror: true, relocate: (i: Image) => (i.registry === 'ghcr.io' ? i.withRegistry(MIRROR) : i) }));
  });

  // a dedicated runner's pull requests run in a namespace of their own, which holds none of the team's pull secrets
  test('a dedicated runner\'s pull-request namespace without the mirror\'s login is refused, naming where to list it', () => {
    const { p, teams } = mirrored((login) => [login]);
    teams.addTeam({ name: 'payments', repos: ['acme/payments'], dedicatedRunner: true });
    expect(refusal(() => p.app.synth())).toMatch(/^invalid pull secrets of build namespace "payments-pull-requests": .* list the mirror's PullSecret there, pullSecret\.addNamespace\(team\.pullRequestNamespace\)\); /);
  });

  test.each<[string, (login: RegistryCredential) => unknown, string | RegExp]>([
    ['a list of strings', () => ['mirror.example.com'], 'invalid sharedLogins "mirror.example.com": must hold RegistryCredentials, e.g. RegistryCredential.basic({ registry, username, password })'],
    ['no list', (login) => login, /^invalid sharedLogins .*: must be a list of RegistryCredentials$/],
    ['two logins to one registry', (login) => [login, login], /^invalid sharedLogins \["mirror\.example\.com","mirror\.example\.com"\]: must not repeat/],
  ])('refuses %s in one line', (_, shared, message) => {
    expect(refusal(() => mirrored(shared as any))).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  });

  test('refuses Harbor\'s own host: a team pulls from Harbor with its own robot', () => {
    const p = platform();
    const harborLogin = RegistryCredential.basic({ registry: 'HARBOR.example.com', username: 'admin', password: p.harbor.adminPassword });
    expect(refusal(() => new TeamPlatform(p.chart, 'Shared', { ci: p.ci, harbor: p.harbor, sharedLogins: [harborLogin] })))
      .toBe('invalid sharedLogins "harbor.example.com": must be another registry than Harbor\'s: a team pulls from Harbor with its own robot; list ' +
        'the projects every team may pull from in sharedProjects');
  });
});
