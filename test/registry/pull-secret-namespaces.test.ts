// Which pull secret applies where: per registry and namespace, the one listed there, else the registry's app-wide
// one. Kubernetes facts this encodes (kubernetes/kubernetes):
// - plugin/pkg/admission/serviceaccount/admission.go: the ServiceAccount admission plugin copies the account's
//   imagePullSecrets into a pod only when the pod names none (`if len(pod.Spec.ImagePullSecrets) == 0`), so a
//   Dockyard pod's own list must hold every login its images need;
// - pkg/credentialprovider/secrets/secrets.go (MakeDockerKeyring) adds the auths of every pull secret a pod names
//   to one keyring, a `.dockerconfigjson` holding one auth per registry key, and pkg/credentialprovider/keyring.go
//   (Lookup) returns every credential that matches the image, which pkg/kubelet/kuberuntime/kuberuntime_image.go
//   (PullImage) tries in turn until one works: two logins for one registry in one namespace would both be tried.
import { Image, ImageRelocation, Images, PullSecret, RegistryCredential, Secret, SecretValue } from '../../lib';
import { find, synth, testChart } from '../util';

const HARBOR = 'harbor.example.com';
const GITLAB = 'registry.gitlab.com';

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
      .toThrow('invalid namespaces "team-a": must list one pull secret per registry: "team-a/team-a-pull" and "team-b/team-b-pull" ' +
        'would both apply to registry "harbor.example.com" in namespace "team-a"');
    expect(() => a.addNamespace('builds'))
      .toThrow('invalid namespaces "builds": must list one pull secret per registry: "platform/registry-credentials" and "team-a/team-a-pull" ' +
        'would both apply to registry "harbor.example.com" in namespace "builds"');
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
      .toThrow('invalid namespaces "apps": must not list two pull secrets of one name: "platform/pull" and "apps/pull" would both be copied ' +
        'into namespace "apps" as "pull"');
    new PullSecret(chart, 'TeamA', { name: 'pull', appWide: false, credentials: [robot('team-a', 'a')], namespaces: ['team-a'] });
    // the app-wide Docker Hub login is not listed in team-a, but a pod there pulling from both needs it too
    expect(() => Images.pullSecretsFor(chart, 'team-a', [Image.of(`${HARBOR}/apps/app:1`), Image.of('nginx:1.27')]))
      .toThrow('invalid pull secrets of namespace "team-a": a pod of "test" needs both "team-a/pull" and "platform/pull", ' +
        'which would be copied there as "pull"; give them different names');
  });
});
