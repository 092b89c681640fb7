// What the kubelet makes of the `.dockerconfigjson` a PullSecret renders, by the port of its keyring and decoder in
// ./kubelet-keyring.ts (kubernetes/kubernetes v1.35.0 pkg/credentialprovider/keyring.go and config.go,
// pkg/util/parsers/parsers.go): which images each login serves, and the user name and password it sends.
import fc from 'fast-check';
import { Image, Images, PullSecret, RegistryCredential, renderDockerConfig, Secret, SecretValue } from '../../lib';
import { testChart } from '../util';
import { droneRunnerPullSecret } from '../drone/upstream';
import { decodeAuth, keyringKey, kubeletImageName, kubeletLogins, urlsMatch } from './kubelet-keyring';

/** A chart with one input-backed key to log in with. */
function keyed() {
  const chart = testChart('platform');
  const token = new Secret(chart, 'Token', { name: 'token', values: { token: SecretValue.input('DOCKYARD_TEST_PULL_TOKEN', 'a token') } }).key('token');
  return { chart, token };
}

/** The document a PullSecret of `credential` renders with `password` (and, for a token that is the user name too, that). */
function documentOf(credential: (token: ReturnType<typeof keyed>['token']) => RegistryCredential, password: string): string {
  const { chart, token } = keyed();
  const pull = new PullSecret(chart, 'Pull', { credentials: [credential(token)] });
  return renderDockerConfig(pull.secret.values['.dockerconfigjson'], { 0: password, username0: password });
}

describe('the port of the kubelet keyring itself', () => {
  test('matches as keyring.go URLsMatch reads: globs per label, the same label count and port, a path prefix', () => {
    // URLsMatch's doc comment: *.docker.io matches blah.docker.io, not not.right.io
    expect(urlsMatch('*.docker.io', 'blah.docker.io')).toBe(true);
    expect(urlsMatch('*.docker.io', 'not.right.io')).toBe(false);
    expect(urlsMatch('*.kubernetes.io', 'kubernetes.io')).toBe(false);
    expect(urlsMatch('prefix.kubernetes.io:8080', 'prefix.kubernetes.io:8080')).toBe(true);
    expect(urlsMatch('prefix.kubernetes.io', 'prefix.kubernetes.io:8080')).toBe(false);
    expect(urlsMatch('prefix.kubernetes.io/foo', 'prefix.kubernetes.io/foo/bar')).toBe(true);
    expect(urlsMatch('prefix.kubernetes.io/foo/bar', 'prefix.kubernetes.io/foo')).toBe(false);
    expect(kubeletImageName('postgres:17')).toBe('docker.io/library/postgres');
    expect(kubeletImageName('index.docker.io/acme/app@sha256:' + 'a'.repeat(64))).toBe('docker.io/acme/app');
    expect(kubeletImageName('localhost:5000/app:1')).toBe('localhost:5000/app');
    expect(() => decodeAuth(Buffer.from('no-colon').toString('base64'))).toThrow('unable to parse auth field');
  });
});

describe('the logins a PullSecret renders, as the kubelet reads them', () => {
  test('each factory\'s key serves its registry\'s images, in every spelling the kubelet normalises, and no other', () => {
    const cases: [string, (t: any) => RegistryCredential, string[], string[]][] = [
      ['Docker Hub', (t) => RegistryCredential.dockerHub({ username: 'acme', token: t }),
        // keyring.go: "https://index.docker.io/v1/" is the key index.docker.io, which matches no docker.io/... name,
        // so these pull with it through isDefaultRegistryMatch alone
        ['nginx:1.27', 'library/nginx:1.27', 'docker.io/library/nginx:1.27', 'index.docker.io/library/nginx:1.27', 'acme/app:1', 'docker.io/acme/app:1'],
        ['quay.io/acme/app:1', 'registry.gitlab.com/acme/app:1', 'localhost:5000/app:1']],
      ['a Harbor on a port', (t) => RegistryCredential.harborRobot('harbor.example.com:8443', { username: 'robot$pull', secret: t }),
        ['harbor.example.com:8443/apps/web:1', 'harbor.example.com:8443/dockerhub/library/nginx:1.27'],
        // the port must be the same: keyring.go URLsMatch `if globPort != targetPort`
        ['harbor.example.com/apps/web:1', 'harbor.example.com:443/apps/web:1', 'nginx:1.27']],
      ['gitlab.com', (t) => RegistryCredential.gitlab({ username: 'gitlab+deploy-token-7', token: t }),
        ['registry.gitlab.com/group/sub/project:1', 'registry.gitlab.com/group/project/image:1'],
        ['gitlab.com/group/project:1', 'registry.gitlab.example.com/group/project:1']],
      ['a self-managed GitLab\'s registry on its own port',
        (t) => RegistryCredential.gitlab({ username: 'gitlab+deploy-token-7', token: t, registry: 'gitlab.example.com:5050' }),
        ['gitlab.example.com:5050/group/project:1'],
        ['gitlab.example.com/group/project:1', 'registry.gitlab.com/group/project:1']],
      ['DOCR', (t) => RegistryCredential.docr({ token: t }),
        ['registry.digitalocean.com/acme/app:1'],
        ['nginx:1.27', 'digitalocean.com/acme/app:1']],
    ];
    for (const [what, credential, serves, not] of cases) {
      const document = documentOf(credential, 's3cret');
      for (const image of serves) {
        expect([what, image, kubeletLogins([document], image).map((l) => l.password)]).toEqual([what, image, ['s3cret']]);
      }
      for (const image of not) {
        expect([what, image, kubeletLogins([document], image)]).toEqual([what, image, []]);
      }
    }
  });

  test('Dockyard gives a pod the pull secret exactly where the kubelet would use its login for the pod\'s image', () => {
    // Images.pullSecretsFor picks pull secrets by registryHost; the kubelet, by keyring.go's matching of the image as
    // it is rendered, each host label a case-sensitive glob. A credential's host is a lower-case DNS name
    // (checkHostname); an image's may have capitals (distribution/reference's domain grammar), which no key matches
    const label = fc.constantFrom('harbor', 'Harbor', 'example', 'com', 'io', 'docker', 'Docker', 'index', 'registry-1', 'gitlab', 'registry');
    const host = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('', ':5000', ':443'))
      .map(([labels, port]) => `${labels.join('.')}${port}`);
    const path = fc.constantFrom('app', 'library/app', 'acme/app', 'group/project/app');
    // the image on the credential's host, on that host with another port or none, on another host, or a bare Docker Hub name
    const image = (registry: string) => fc.oneof(
      path.map((p) => `${registry}/${p}:1`),
      path.map((p) => `${registry.toLowerCase()}/${p}:1`),
      fc.tuple(fc.constantFrom('', ':5000', ':443'), path).map(([port, p]) => `${registry.replace(/:\d+$/, '')}${port}/${p}:1`),
      fc.tuple(host, path).map(([h, p]) => `${h}/${p}:1`),
      path.map((p) => `${p}:1`),
    );
    fc.assert(fc.property(host.chain((registry) => fc.tuple(fc.constant(registry), image(registry))), ([registry, reference]) => {
      const { chart, token } = keyed();
      let pull: PullSecret;
      let rendered: string;
      try {
        pull = new PullSecret(chart, 'Pull', { credentials: [RegistryCredential.basic({ registry, username: 'u', password: token })] });
        rendered = Image.of(reference).toString();
      } catch {
        return; // a host no credential takes ("harbor"), or a reference Image.of refuses
      }
      let given: boolean | 'refused';
      try {
        given = Images.pullSecretsFor(chart, 'apps', [Image.of(rendered)]).includes(pull.secret);
      } catch (e) {
        if (!/must name its registry host in lower case/.test(String(e))) throw e;
        given = 'refused';
      }
      const document = renderDockerConfig(pull.secret.values['.dockerconfigjson'], { 0: 'pw' });
      // refused at synth exactly where the kubelet would skip the login for the host's case alone
      const parsed = Image.of(rendered);
      const lowered = Image.of(`${parsed.registry.toLowerCase()}/${parsed.repository}:${parsed.tag}`).toString();
      const kubelet = kubeletLogins([document], rendered).length > 0 ? true : kubeletLogins([document], lowered).length > 0 ? 'refused' : false;
      expect([registry, rendered, given]).toEqual([registry, rendered, kubelet]);
    }), { numRuns: 300 });
  });

  test('an image whose registry host has capitals where the pull secret\'s key has none is refused at synth, naming the image', () => {
    // the kubelet matches each host label with filepath.Match, case-sensitively (kubernetes v1.35.0
    // pkg/credentialprovider/keyring.go URLsMatch), and PullSecret keys are lower-case (normalizeRegistry): the pod
    // would pull from Registry.Example.com without the login, failing only at the kubelet
    const { chart, token } = keyed();
    const pull = new PullSecret(chart, 'Pull', { credentials: [RegistryCredential.basic({ registry: 'Registry.Example.com', username: 'u', password: token })] });
    const document = renderDockerConfig(pull.secret.values['.dockerconfigjson'], { 0: 'pw' });
    expect(kubeletLogins([document], 'Registry.Example.com/apps/web:1')).toEqual([]);
    expect(() => Images.pullSecretsFor(chart, 'apps', [Image.of('Registry.Example.com/apps/web:1')])).toThrow(new Error('invalid image ' +
      '"Registry.Example.com/apps/web:1": must name its registry host in lower case, as the login of pull secret "platform/registry-credentials" for ' +
      '"registry.example.com" is keyed: the kubelet matches a login\'s host case-sensitively, so the pod would pull without it'));
    // the host in lower case pulls with it; a host with capitals that no pull secret serves even in lower case is not refused
    expect(Images.pullSecretsFor(chart, 'apps', [Image.of('registry.example.com/apps/web:1')])).toEqual([pull.secret]);
    expect(Images.pullSecretsFor(chart, 'apps', [Image.of('Quay.io/apps/web:1')])).toEqual([]);
  });

  test('the kubelet reads back the user name and any password from auth, which it splits at the first ":"', () => {
    // a user name has no ":", whitespace or control character (RegistryCredential refuses them); a password anything
    const username = fc.string({ unit: fc.constantFrom(...'robt$+-_.@éx9'.split('')), minLength: 1 });
    const password = fc.oneof(
      fc.constantFrom('', ':', 'a:b:c', ':leading', 'trailing:', '"', '\\', '\\"}', '\n', '=', '==', '\u2028', '😀', '{"auths":{}}'),
      fc.string({ unit: 'binary' }),
    );
    fc.assert(fc.property(username, password, (user, pw) => {
      const document = documentOf((t) => RegistryCredential.basic({ registry: 'harbor.example.com', username: user, password: t }), pw);
      expect(kubeletLogins([document], 'harbor.example.com/apps/web:1')).toEqual([{ username: user, password: pw }]);
    }), { numRuns: 500 });
  });

  test('two pull secrets for one registry: the kubelet tries both logins, so PullSecret refuses two that apply in one namespace', () => {
    // kubernetes v1.35.0: the pod's pull secrets are merged into one keyring (pkg/credentialprovider/secrets/secrets.go
    // MakeDockerKeyring), whose Lookup returns every login of every matching key (keyring.go), and PullImage tries each
    // in turn until one pull succeeds (pkg/kubelet/kuberuntime/kuberuntime_image.go): a team's pod that also got the
    // platform's pull secret could pull with the platform's robot
    const team = documentOf((t) => RegistryCredential.harborRobot('harbor.example.com', { username: 'robot$team-a-pull', secret: t }), 'team');
    const platform = documentOf((t) => RegistryCredential.harborRobot('harbor.example.com', { username: 'robot$puller', secret: t }), 'platform');
    expect(kubeletLogins([team, platform], 'harbor.example.com/apps/web:1')).toEqual([
      { username: 'robot$team-a-pull', password: 'team' }, { username: 'robot$puller', password: 'platform' },
    ]);
    expect(kubeletLogins([platform, team], 'harbor.example.com/team-a/web:1').map((l) => l.username)).toEqual(['robot$puller', 'robot$team-a-pull']);
    // and Dockyard refuses the second, app-wide or listed, where the first is listed
    const { chart, token } = keyed();
    new PullSecret(chart, 'Team', { name: 'team-a-pull', appWide: false, namespaces: ['team-a'],
      credentials: [RegistryCredential.harborRobot('harbor.example.com', { username: 'robot$team-a-pull', secret: token })] });
    expect(() => new PullSecret(chart, 'Other', { name: 'other-pull', appWide: false, namespaces: ['team-a'],
      credentials: [RegistryCredential.harborRobot('harbor.example.com', { username: 'robot$other', secret: token })] })).toThrow(new Error(
      'invalid namespaces "team-a": must list one pull secret per registry: "team-a/team-a-pull" and "team-a/other-pull" would both apply to ' +
      'registry "harbor.example.com" in namespace "team-a" (pull secret "team-a/other-pull")'));
  });

  test('a DOCR token, the user name as well as the password, reads back as both', () => {
    const token = fc.stringMatching(/^dop_v1_[0-9a-f]{1,64}$/);
    fc.assert(fc.property(token, (t) => {
      const document = documentOf((k) => RegistryCredential.docr({ token: k }), t);
      expect(kubeletLogins([document], 'registry.digitalocean.com/acme/app:1')).toEqual([{ username: t, password: t }]);
    }));
  });
});

describe('a SecretValue.dockerConfigJson with a path-scoped key, as the kubelet and Drone\'s runner read it', () => {
  /** A dockerConfigJson of `registries`, each logging in as `u<i>` with password `p<i>`, rendered. */
  function rendered(registries: string[]): string {
    const { token } = keyed();
    const value = SecretValue.dockerConfigJson(registries.map((registry, i) => ({ registry, username: `u${i}`, password: token })));
    return renderDockerConfig(value, Object.fromEntries(registries.map((_, i) => [String(i), `p${i}`])));
  }

  test('a host\'s key and a key for one of its paths are two keys: the path\'s login first under it, the host\'s alone elsewhere', () => {
    // kubernetes v1.35.0 pkg/credentialprovider/keyring.go: BasicDockerKeyring.Add files "harbor.example.com/library/"
    // under its path, Lookup tries the keys in reverse-sorted order (the most specific first) and URLsMatch takes a
    // key whose path is a prefix of the image's: a string prefix, so the trailing "/" keeps it off /library-tools/
    const document = rendered(['harbor.example.com', 'harbor.example.com/library/']);
    expect(Object.keys(JSON.parse(document).auths)).toEqual(['harbor.example.com', 'harbor.example.com/library/']);
    const users = (image: string) => kubeletLogins([document], image).map((l) => `${l.username}:${l.password}`);
    expect(users('harbor.example.com/library/builder:1')).toEqual(['u1:p1', 'u0:p0']);
    expect(users('harbor.example.com/dockerhub/library/alpine:3')).toEqual(['u0:p0']);
    expect(users('harbor.example.com/library-tools/x:1')).toEqual(['u0:p0']);
    // without the "/", the path's login would be tried for library-tools too
    expect(kubeletLogins([rendered(['harbor.example.com', 'harbor.example.com/library'])], 'harbor.example.com/library-tools/x:1')
      .map((l) => l.username)).toEqual(['u1', 'u0']);
  });

  test('Drone\'s runner copies both keys into the pod\'s pull Secret as written', () => {
    // drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:546-561 with drone/runner-go v1.12.0
    // registry/auths/auth.go `hostname`: a key without a scheme has no URL host and is kept whole (../drone/upstream.ts)
    const pod = droneRunnerPullSecret([rendered(['harbor.example.com', 'harbor.example.com/library/'])])!;
    expect(Object.keys(JSON.parse(pod).auths)).toEqual(['harbor.example.com', 'harbor.example.com/library/']);
    expect(kubeletLogins([pod], 'harbor.example.com/library/builder:1').map((l) => l.username)).toEqual(['u1', 'u0']);
    // with a scheme, the runner keeps the host alone, and the path's login replaces the host's for every image
    const schemed = droneRunnerPullSecret([JSON.stringify({ auths: {
      'harbor.example.com': { auth: Buffer.from('u0:p0').toString('base64') },
      'https://harbor.example.com/library/': { auth: Buffer.from('u1:p1').toString('base64') },
    } })])!;
    expect(kubeletLogins([schemed], 'harbor.example.com/dockerhub/library/alpine:3').map((l) => l.username)).toEqual(['u1']);
  });

  test('refuses a path-scoped key with a scheme, naming the registry and the key to write', () => {
    expect(() => rendered(['harbor.example.com', 'https://harbor.example.com/library/'])).toThrow(new Error(
      'invalid registry "https://harbor.example.com/library/": must name a path without a scheme ("harbor.example.com/library/"): the kubelet ' +
      'keeps the login to that path, but Drone\'s runner reads a URL as its host alone, where the login would serve every image'));
    expect(() => rendered(['http://harbor.example.com:8443/v2/library'])).toThrow(
      'invalid registry "http://harbor.example.com:8443/v2/library": must name a path without a scheme ("harbor.example.com:8443/library")');
    // a URL the kubelet reads as its host (Docker Hub's canonical key, /v2/), and a path without a scheme, pass
    expect(Object.keys(JSON.parse(rendered(['https://index.docker.io/v1/', 'https://harbor.example.com/v2/', 'harbor.example.com/library/'])).auths))
      .toEqual(['https://index.docker.io/v1/', 'https://harbor.example.com/v2/', 'harbor.example.com/library/']);
  });

  test('two spellings of one host lose a login in Drone\'s runner, so Dockyard refuses them', () => {
    // drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:546-561 parses each pull secret with drone/runner-go
    // v1.12.0 registry/auths/auth.go:42-48 (`hostname`, :116-122: a URL's host, any other key whole) and writes one
    // login per address (encode.go:20-22, a Go map): "http://harbor.example.com" and "harbor.example.com" are both
    // "harbor.example.com", and the pod's pull Secret keeps one of the two logins
    const document = JSON.stringify({ auths: {
      'harbor.example.com': { auth: Buffer.from('u0:p0').toString('base64') },
      'http://harbor.example.com': { auth: Buffer.from('u1:p1').toString('base64') },
    } });
    expect(kubeletLogins([document], 'harbor.example.com/team/app:1').map((l) => l.username)).toEqual(['u0', 'u1']);
    const pod = droneRunnerPullSecret([document])!;
    expect(Object.keys(JSON.parse(pod).auths)).toEqual(['harbor.example.com']);
    expect(kubeletLogins([pod], 'harbor.example.com/team/app:1')).toHaveLength(1);
    for (const pair of [
      ['harbor.example.com', 'http://harbor.example.com'],
      ['https://harbor.example.com/', 'harbor.example.com'],
      ['http://harbor.example.com:8443', 'https://harbor.example.com:8443/v2/'],
      ['index.docker.io', 'https://index.docker.io/v1/'],
    ]) {
      expect(() => rendered(pair)).toThrow('Drone\'s runner reads both as one address and keeps one of the two logins at random');
    }
  });

  test('two keys the kubelet files under one key are refused too, a host and its paths and ports are not', () => {
    // kubernetes v1.35.0 pkg/credentialprovider/keyring.go BasicDockerKeyring.Add: "harbor.example.com/" and
    // "harbor.example.com/v2/library/" have the keys "harbor.example.com" and "harbor.example.com/library/"; Drone's
    // runner keeps both as written (no scheme), and the kubelet tries the two logins of one key in Go's map order
    expect(keyringKey('harbor.example.com/')).toBe('harbor.example.com');
    expect(kubeletLogins([JSON.stringify({ auths: {
      'harbor.example.com': { auth: Buffer.from('u0:p0').toString('base64') },
      'harbor.example.com/': { auth: Buffer.from('u1:p1').toString('base64') },
    } })], 'harbor.example.com/team/app:1').map((l) => l.username)).toEqual(['u0', 'u1']);
    expect(() => rendered(['harbor.example.com', 'harbor.example.com/'])).toThrow('the kubelet files both logins under one key');
    expect(() => rendered(['harbor.example.com/library/', 'harbor.example.com/v2/library/'])).toThrow('the kubelet files both logins under one key');
    // a path of the host, another path, another port, Docker Hub's docker.io beside its canonical key: distinct scopes
    // (URLsMatch: the key's path a prefix of the image's, the same port), each kept by Drone's runner and the kubelet
    const distinct = ['harbor.example.com', 'harbor.example.com/library/', 'harbor.example.com/library-tools/', 'https://harbor.example.com:8443',
      'harbor.example.com:443', 'docker.io', 'https://index.docker.io/v1/'];
    expect(Object.keys(JSON.parse(droneRunnerPullSecret([rendered(distinct)])!).auths).map(keyringKey).sort())
      .toEqual(distinct.map(keyringKey).sort());
  });

  test('a key Go\'s url.Parse would take apart is refused, so the one reading of a key (readRegistryKey) is theirs', () => {
    // readRegistryKey splits a key at its first "/" alone; the kubelet (keyring.go Add: url.Parse("https://" + key))
    // and Drone's runner (auth.go hostname: url.Parse(key)) read it with golang/go src/net/url/url.go (0118299) `parse`,
    // which cuts a query off at "?" (RawQuery), `Parse` a fragment at "#", `parseAuthority` a user before the last "@",
    // and `setPath` unescapes the path: "harbor.example.com?x" is their harbor.example.com, "harbor.example.com/%6cibrary/"
    // their harbor.example.com/library/. Were such keys accepted, two keys for one scope could pass
    // checkDistinctDockerConfigKeys, or one key be filed where Dockyard does not look
    for (const key of ['harbor.example.com?x=1', 'harbor.example.com#x', 'robot@harbor.example.com', 'harbor.example.com/%6cibrary/',
      'harbor.example.com/library?x/', 'https://harbor.example.com?x/']) {
      // the key as describeValue shows it (a query redacted), and the grammar's rule
      expect(() => rendered(['harbor.example.com/library/', key])).toThrow(new RegExp(`^invalid registry "${key.split(/[?#]/)[0].replace(/[.?]/g, '\\$&')}.*": must be a registry host such as`));
    }
  });

  test('refuses a second spelling of a key in one line, naming both keys and never a login', () => {
    const { token } = keyed();
    let message = '';
    try {
      SecretValue.dockerConfigJson([
        { registry: 'harbor.example.com', username: 'robot$puller', password: token },
        { registry: 'http://harbor.example.com', username: 'robot$drone', password: token },
      ]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('invalid registry "http://harbor.example.com": must not name "harbor.example.com" again, which "harbor.example.com" names: ' +
      'Drone\'s runner reads both as one address and keeps one of the two logins at random; key each host[:port], and each path of it, once');
    expect(message).not.toMatch(/robot/);
    // another case is refused by the key's grammar already: the kubelet compares host labels case-sensitively
    expect(() => rendered(['harbor.example.com', 'Harbor.example.com'])).toThrow('invalid registry "Harbor.example.com": must be a registry host');
  });

  test('every key Dockyard accepts keeps each login for what it meant, through Drone\'s runner to the kubelet', () => {
    const host = fc.constantFrom('harbor.example.com', 'harbor.example.com:8443', 'index.docker.io');
    const path = fc.constantFrom('', '/', '/v1/', '/v2/', '/library', '/library/', '/v2/library/', '/a/b');
    const scheme = fc.constantFrom('', 'https://', 'http://');
    /** Each kubelet key with the passwords filed under it. */
    const logins = (document: string) => Object.entries<any>(JSON.parse(document).auths)
      .map(([k, v]) => `${keyringKey(k)} ${decodeAuth(v.auth).password}`).sort();
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(scheme, host, path).map(([s, h, p]) => `${s}${h}${p}`), { minLength: 1, maxLength: 4 }), (registries) => {
      let document: string;
      try {
        document = rendered(registries);
      } catch (e) {
        // refused only for a scheme with a path the kubelet keeps, or two keys the kubelet files under one
        const keys = registries.map(keyringKey);
        expect(registries.some((r) => /^https?:/.test(r) && keyringKey(r).includes('/')) || new Set(keys).size < keys.length).toBe(true);
        return;
      }
      // every login reaches the kubelet, one per key, under the key it was written for
      const before = logins(document);
      expect(logins(droneRunnerPullSecret([document])!)).toEqual(before);
      expect(new Set(before.map((l) => l.split(' ')[0])).size).toBe(before.length);
    }), { numRuns: 300 });
  });
});
