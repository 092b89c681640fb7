// Which pull secret applies where: per registry and namespace, the one listed there, else the registry's app-wide
// one. Kubernetes facts this encodes (kubernetes/kubernetes):
// - plugin/pkg/admission/serviceaccount/admission.go: the ServiceAccount admission plugin copies the account's
//   imagePullSecrets into a pod only when the pod names none (`if len(pod.Spec.ImagePullSecrets) == 0`), so a
//   Dockyard pod's own list must hold every login its images need;
// - pkg/credentialprovider/secrets/secrets.go (MakeDockerKeyring) adds the auths of every pull secret a pod names
//   to one keyring, a `.dockerconfigjson` holding one auth per registry key, and pkg/credentialprovider/keyring.go
//   (Lookup) returns every credential that matches the image, which pkg/kubelet/kuberuntime/kuberuntime_image.go
//   (PullImage) tries in turn until one works: two logins for one registry in one namespace would both be tried.
import fc from 'fast-check';
import { DeployAccess, Image, ImageRelocation, Images, PullSecret, RegistryCredential, Secret, SecretValue, VALIDATION_RULES } from '../../lib';
import { find, synth, testChart } from '../util';

const HARBOR = 'harbor.example.com';
const GITLAB = 'registry.gitlab.com';
const MIRROR = 'mirror.example.com';

/** A chart whose pods pull Docker Hub images through Harbor's proxy cache, and logins to make pull secrets of. */
function platform() {
  const chart = testChart('platform');
  Images.relocate(chart, ImageRelocation.proxyCache(HARBOR, 'dockerhub'));
  const keys = new Secret(chart, 'Keys', {
    name: 'keys', values: { platform: SecretValue.password(24), a: SecretValue.password(24), b: SecretValue.password(24), gitlab: SecretValue.password(24) },
  });
  const robot = (user: string, key: string) => RegistryCredential.harborRobot(HARBOR, { username: `robot$${user}`, secret: keys.key(key) });
  const gitlab = RegistryCredential.gitlab({ username: 'gitlab+deploy-token-7', token: keys.key('gitlab') });
  return { chart, robot, gitlab };
}

describe('pull secrets per namespace', () => {
  test('the same registry with a different login in each team\'s namespaces; the app-wide one everywhere else', () => {
    const { chart, robot } = platform();
    const shared = new PullSecret(chart, 'Platform', { credentials: [robot('platform', 'platform')] });
    const a = new PullSecret(chart, 'TeamA', { name: 'team-a-pull', appWide: false, credentials: [robot('team-a', 'a')], namespaces: ['team-a', 'team-a-ci'] });
    const b = new PullSecret(chart, 'TeamB', { name: 'team-b-pull', appWide: false, credentials: [robot('team-b', 'b')], namespaces: ['team-b'] });
    const image = [Image.of(`${HARBOR}/apps/app:1`)];
    expect(Images.pullSecretsFor(chart, 'team-a', image)).toEqual([a.secret]);
    expect(Images.pullSecretsFor(chart, 'team-a-ci', image)).toEqual([a.secret]);
    expect(Images.pullSecretsFor(chart, 'team-b', image)).toEqual([b.secret]);
    expect(Images.pullSecretsFor(chart, 'elsewhere', image)).toEqual([shared.secret]);
    // a team's login lives in its first namespace, never in the chart's
    expect([a.secret.namespace, b.secret.namespace]).toEqual(['team-a', 'team-b']);
    expect(a.secret.namespaces).toEqual(['team-a', 'team-a-ci']);
    expect(b.secret.namespaces).toEqual(['team-b']);
    expect(shared.secret.namespaces).toEqual(['platform', 'elsewhere']);
    expect([shared.appWide, a.appWide, a.namespaces]).toEqual([true, false, ['team-a', 'team-a-ci']]);
    const objects = synth(chart);
    expect(find(objects, 'ServiceAccount', 'default', 'team-a').imagePullSecrets).toEqual([{ name: 'team-a-pull' }]);
    expect(find(objects, 'ServiceAccount', 'default', 'team-b').imagePullSecrets).toEqual([{ name: 'team-b-pull' }]);
  });

  test('two pull secrets listed for one registry in one namespace are refused, at construction and with addNamespace', () => {
    const { chart, robot } = platform();
    new PullSecret(chart, 'Platform', { credentials: [robot('platform', 'platform')], namespaces: ['builds'] });
    const a = new PullSecret(chart, 'TeamA', { name: 'team-a-pull', appWide: false, credentials: [robot('team-a', 'a')], namespaces: ['team-a'] });
    expect(() => new PullSecret(chart, 'TeamB', { name: 'team-b-pull', appWide: false, credentials: [robot('team-b', 'b')], namespaces: ['team-b', 'team-a'] }))
      .toThrow(new Error('invalid namespaces "team-a": must list one pull secret per registry: "team-a/team-a-pull" and "team-b/team-b-pull" ' +
        'would both apply to registry "harbor.example.com" in namespace "team-a" (pull secret "team-b/team-b-pull")'));
    expect(() => a.addNamespace('builds'))
      .toThrow(new Error('invalid namespaces "builds": must list one pull secret per registry: "platform/registry-credentials" and "team-a/team-a-pull" ' +
        'would both apply to registry "harbor.example.com" in namespace "builds" (pull secret "team-a/team-a-pull")'));
    // a refused listing leaves nothing behind
    expect(a.namespaces).toEqual(['team-a']);
    expect(a.secret.namespaces).toEqual(['team-a']);
  });

  test('a pod gets, per registry of its images, only the pull secret that applies in its namespace', () => {
    const { chart, robot, gitlab } = platform();
    const hub = new Secret(chart, 'Hub', { name: 'hub', values: { token: SecretValue.password(24) } }).key('token');
    const platformPull = new PullSecret(chart, 'Platform', { credentials: [robot('platform', 'platform')] });
    const hubPull = new PullSecret(chart, 'HubPull', { name: 'hub-pull', credentials: [RegistryCredential.dockerHub({ username: 'acme', token: hub })] });
    const teamB = new PullSecret(chart, 'TeamB', { name: 'team-b-pull', appWide: false, credentials: [robot('team-b', 'b'), gitlab], namespaces: ['team-b'] });
    const harborImage = Image.of(`${HARBOR}/apps/app:1`);
    const gitlabImage = Image.of(`${GITLAB}/team-b/app:1`);
    const hubImage = Image.of('docker.io/library/nginx:1.27');
    // Harbor's login of team-b, and the app-wide Docker Hub login, which team-b does not list
    expect(Images.pullSecretsFor(chart, 'team-b', [harborImage, hubImage, harborImage])).toEqual([hubPull.secret, teamB.secret]);
    // one Secret for two of its registries is named once
    expect(Images.pullSecretsFor(chart, 'team-b', [gitlabImage, harborImage])).toEqual([teamB.secret]);
    // GitLab has no app-wide login: outside team-b, nothing for it
    expect(Images.pullSecretsFor(chart, 'harbor', [gitlabImage, hubImage])).toEqual([hubPull.secret]);
    expect(Images.pullSecretsFor(chart, 'platform', [Image.of('quay.io/org/app:1')])).toEqual([]);
    expect(teamB.secret.namespaces).toEqual(['team-b']);
    expect(hubPull.secret.namespaces).toEqual(['platform', 'harbor', 'team-b']);
    expect(platformPull.secret.namespaces).toEqual(['platform']);
  });

  test('an error names the pull secret by its namespace and name: two teams\' may share a name', () => {
    const { chart, robot } = platform();
    const a = new PullSecret(chart, 'TeamA', { name: 'pull', appWide: false, credentials: [robot('team-a', 'a')], namespaces: ['team-a'] });
    const b = new PullSecret(chart, 'TeamB', { name: 'pull', appWide: false, credentials: [robot('team-b', 'b')], namespaces: ['team-b'] });
    const label = `must be ${VALIDATION_RULES.dnsLabel}`;
    expect(() => a.addNamespace('Team A')).toThrow(new Error(`invalid namespaces "Team A": ${label} (pull secret "team-a/pull")`));
    expect(() => b.addNamespace('Team A')).toThrow(new Error(`invalid namespaces "Team A": ${label} (pull secret "team-b/pull")`));
    // at construction, in the namespace it is defined in: the first it lists, or the one it names
    expect(() => new PullSecret(chart, 'TeamC', { name: 'pull', appWide: false, credentials: [], namespaces: ['team-c'] }))
      .toThrow(new Error('invalid credentials []: must name at least one registry (pull secret "team-c/pull")'));
    expect(() => new PullSecret(chart, 'TeamD', { name: 'pull', namespace: 'team-d', appWide: false, credentials: [robot('team-d', 'b')], namespaces: ['team-a'] }))
      .toThrow(new Error('invalid namespaces "team-a": must list one pull secret per registry: "team-a/pull" and "team-d/pull" would both apply to ' +
        'registry "harbor.example.com" in namespace "team-a" (pull secret "team-d/pull")'));
  });

  test('addNamespace after construction lists the namespace for the ServiceAccount and for Dockyard pods', () => {
    const { chart, robot } = platform();
    const platformPull = new PullSecret(chart, 'Platform', { credentials: [robot('platform', 'platform')] });
    const a = new PullSecret(chart, 'TeamA', { name: 'team-a-pull', namespace: 'team-a', appWide: false, credentials: [robot('team-a', 'a')] });
    expect(a.secret.namespaces).toEqual(['team-a']);
    expect(Images.pullSecretsFor(chart, 'team-a', [Image.of(`${HARBOR}/apps/app:1`)])).toEqual([platformPull.secret]);
    a.addNamespace('team-a');
    expect(Images.pullSecretsFor(chart, 'team-a', [Image.of(`${HARBOR}/apps/app:1`)])).toEqual([a.secret]);
    const objects = synth(chart);
    expect(find(objects, 'ServiceAccount', 'default', 'team-a').imagePullSecrets).toEqual([{ name: 'team-a-pull' }]);
  });

  test('two pull secrets of one name are refused where both would be copied', () => {
    const { chart, robot, gitlab } = platform();
    const hub = new Secret(chart, 'Hub', { name: 'hub', values: { token: SecretValue.password(24) } }).key('token');
    new PullSecret(chart, 'HubPull', { name: 'pull', credentials: [RegistryCredential.dockerHub({ username: 'acme', token: hub })], namespaces: ['apps'] });
    expect(() => new PullSecret(chart, 'Gitlab', { name: 'pull', appWide: false, credentials: [gitlab], namespaces: ['apps'] }))
      .toThrow(new Error('invalid namespaces "apps": must not list two pull secrets of one name: "platform/pull" and "apps/pull" would both be copied ' +
        'into namespace "apps" as "pull" (pull secret "apps/pull")'));
    new PullSecret(chart, 'TeamA', { name: 'pull', appWide: false, credentials: [robot('team-a', 'a')], namespaces: ['team-a'] });
    // the app-wide Docker Hub login is not listed in team-a, but a pod there pulling from both needs it too
    expect(() => Images.pullSecretsFor(chart, 'team-a', [Image.of(`${HARBOR}/apps/app:1`), Image.of('nginx:1.27')]))
      .toThrow('invalid pull secrets of namespace "team-a": a pod of "test" needs both "team-a/pull" and "platform/pull", ' +
        'which would be copied there as "pull"; give them different names');
  });

  test('a pull secret that also holds a login for a registry another pull secret serves in the namespace is refused', () => {
    const { chart, robot } = platform();
    const key = new Secret(chart, 'MirrorKey', { name: 'mirror-key', values: { token: SecretValue.password(24) } }).key('token');
    const mirrorLogin = RegistryCredential.basic({ registry: MIRROR, username: 'mirror-bot', password: key });
    // the app-wide Secret holds the platform's Harbor robot and the mirror's login; team-a has its own Harbor robot
    const shared = new PullSecret(chart, 'Platform', { credentials: [robot('platform', 'platform'), mirrorLogin] });
    const a = new PullSecret(chart, 'TeamA', { name: 'team-a-pull', appWide: false, credentials: [robot('team-a', 'a')], namespaces: ['team-a'] });
    const harborImage = Image.of(`${HARBOR}/apps/app:1`);
    const mirrorImage = Image.of(`${MIRROR}/library/nginx:1.27`);
    const refusal = 'invalid pull secrets of namespace "team-a": a pod of "test" pulls from "mirror.example.com" with "platform/registry-credentials", ' +
      'which also holds a login for registry "harbor.example.com", where "team-a/team-a-pull" applies in that namespace; ' +
      'give the login for "mirror.example.com" a PullSecret of its own';
    // copying it whole would put the platform's Harbor robot in team-a, beside team-a's own, whether or not the pod
    // also pulls from Harbor
    expect(() => Images.pullSecretsFor(chart, 'team-a', [mirrorImage])).toThrow(refusal);
    expect(() => Images.pullSecretsFor(chart, 'team-a', [harborImage, mirrorImage])).toThrow(refusal);
    expect(shared.secret.namespaces).toEqual(['platform']);
    // where no other Harbor login applies, the app-wide one serves both registries; team-a's Harbor pods get theirs
    expect(Images.pullSecretsFor(chart, 'elsewhere', [harborImage, mirrorImage])).toEqual([shared.secret]);
    expect(Images.pullSecretsFor(chart, 'team-a', [harborImage])).toEqual([a.secret]);

    // the mirror's login in a pull secret of its own: team-a gets it and its own Harbor login, never the platform's
    const fixed = platform();
    const fixedKey = new Secret(fixed.chart, 'MirrorKey', { name: 'mirror-key', values: { token: SecretValue.password(24) } }).key('token');
    const platformPull = new PullSecret(fixed.chart, 'Platform', { credentials: [fixed.robot('platform', 'platform')] });
    const mirrorPull = new PullSecret(fixed.chart, 'Mirror', {
      name: 'image-mirror-credentials', credentials: [RegistryCredential.basic({ registry: MIRROR, username: 'mirror-bot', password: fixedKey })],
    });
    const teamA = new PullSecret(fixed.chart, 'TeamA', { name: 'team-a-pull', appWide: false, credentials: [fixed.robot('team-a', 'a')], namespaces: ['team-a'] });
    expect(Images.pullSecretsFor(fixed.chart, 'team-a', [harborImage, mirrorImage])).toEqual([mirrorPull.secret, teamA.secret]);
    expect(platformPull.secret.namespaces).toEqual(['platform']);
  });

  test('property: whatever a pod is given, each registry\'s login in its namespace comes from the one pull secret that applies there', () => {
    const hosts = [HARBOR, GITLAB, MIRROR, 'index.docker.io'];
    const namespaces = ['ns-a', 'ns-b'];
    // each pull secret: the registries it holds, whether it is app-wide, and the namespaces it lists
    const secretSpec = fc.record({
      hosts: fc.subarray(hosts, { minLength: 1 }),
      appWide: fc.boolean(),
      listed: fc.subarray(namespaces),
    });
    const pod = fc.record({ namespace: fc.constantFrom(...namespaces, 'elsewhere'), hosts: fc.subarray(hosts, { minLength: 1 }) });
    fc.assert(fc.property(fc.array(secretSpec, { maxLength: 4 }), fc.array(pod, { minLength: 1, maxLength: 4 }), (specs, pods) => {
      const chart = testChart();
      const keys = new Secret(chart, 'Keys', { name: 'keys', values: { k: SecretValue.password(24) } });
      // the model: per registry, the secret listed in a namespace and the app-wide one, as PullSecret accepts them
      const listedIn = new Map<string, number>();
      const appWide = new Map<string, number>();
      const made: PullSecret[] = [];
      specs.forEach((spec, i) => {
        const collides = spec.hosts.some((h) => (spec.appWide && appWide.has(h)) || spec.listed.some((ns) => listedIn.has(`${h} ${ns}`)));
        if (collides || (!spec.appWide && spec.listed.length === 0)) {
          return; // refused at construction: covered above
        }
        made[i] = new PullSecret(chart, `P${i}`, {
          name: `pull-${i}`, appWide: spec.appWide, namespaces: spec.listed,
          credentials: spec.hosts.map((h) => RegistryCredential.basic({ registry: h, username: `user-${i}`, password: keys.key('k') })),
        });
        spec.hosts.forEach((h) => {
          if (spec.appWide) appWide.set(h, i);
          spec.listed.forEach((ns) => listedIn.set(`${h} ${ns}`, i));
        });
      });
      const applies = (h: string, ns: string) => listedIn.get(`${h} ${ns}`) ?? appWide.get(h);
      for (const p of pods) {
        const images = p.hosts.map((h) => Image.of(`${h}/org/app:1`));
        let given: number[];
        try {
          given = Images.pullSecretsFor(chart, p.namespace, images).map((s) => made.findIndex((m) => m?.secret === s));
        } catch (e) {
          // refused only when a secret it would get holds a registry where another applies
          expect(String(e)).toContain(`invalid pull secrets of namespace "${p.namespace}"`);
          const chosen = new Set(p.hosts.map((h) => applies(h, p.namespace)).filter((i) => i !== undefined) as number[]);
          expect([...chosen].some((i) => specs[i].hosts.some((h) => applies(h, p.namespace) !== i))).toBe(true);
          continue;
        }
        // every registry the pod pulls from, where a pull secret applies, is covered by that one
        expect(new Set(given)).toEqual(new Set(p.hosts.map((h) => applies(h, p.namespace)).filter((i) => i !== undefined)));
        // and no secret it gets holds a login for a registry another serves there
        for (const i of given) {
          expect(specs[i].hosts.filter((h) => applies(h, p.namespace) !== i)).toEqual([]);
        }
      }
    }));
  });
});

// a ServiceAccount's pull secrets become the list of every pod that names none (admission.go above), and the kubelet
// tries every login of that list that matches an image (keyring.go above)
describe('a deploy identity\'s pull secrets', () => {
  test('two logins for one registry are refused at synth, naming the prop', () => {
    const { chart, robot, gitlab } = platform();
    const shared = new PullSecret(chart, 'Platform', { credentials: [robot('platform', 'platform'), gitlab] });
    const team = new PullSecret(chart, 'TeamA', { name: 'team-a-pull', appWide: false, credentials: [robot('team-a', 'a')], namespaces: ['team-a'] });
    new DeployAccess(chart, 'Deploy', { namespace: 'team-a', serviceAccountNamespace: 'team-a-builds', imagePullSecrets: [team.secret, shared.secret] });
    expect(() => synth(chart)).toThrow('invalid imagePullSecrets ["team-a-pull","registry-credentials"]: must hold one login per registry: '
      + '"team-a/team-a-pull" and "platform/registry-credentials" both log in to "harbor.example.com", and a kubelet tries both');
  });

  test('one login per registry passes, and the account lists them', () => {
    const { chart, robot, gitlab } = platform();
    const gitlabOnly = new PullSecret(chart, 'GitLab', { name: 'gitlab-pull', appWide: false, credentials: [gitlab], namespaces: ['team-a'] });
    const team = new PullSecret(chart, 'TeamA', { name: 'team-a-pull', appWide: false, credentials: [robot('team-a', 'a')], namespaces: ['team-a'] });
    const deploy = new DeployAccess(chart, 'Deploy', { namespace: 'team-a', serviceAccountNamespace: 'team-a-builds', imagePullSecrets: [team.secret] });
    deploy.addImagePullSecret(gitlabOnly.secret);
    expect(find(synth(chart), 'ServiceAccount', 'deployer', 'team-a-builds').imagePullSecrets).toEqual([{ name: 'gitlab-pull' }, { name: 'team-a-pull' }]);
  });
});
