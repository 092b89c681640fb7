import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import {
  DroneSecretsExtension, Image, ImageRelocation, Images, LocalSecretStore, normalizeRegistry, Postgres, PullSecret, RegistryCredential, RobotAccount,
  Secret, SecretValue, ValidationError,
} from '../../lib';
import { container, find, synth, testChart } from '../util';

describe('RegistryCredential', () => {
  const key = () => new Secret(testChart(), 'K', { name: 'k', values: { t: SecretValue.password(24) } }).key('t');

  test('normalises registry keys, with Docker Hub under its canonical key', () => {
    expect(normalizeRegistry('docker.io')).toBe('https://index.docker.io/v1/');
    expect(normalizeRegistry('https://index.docker.io/v1/')).toBe('https://index.docker.io/v1/');
    expect(normalizeRegistry('registry-1.docker.io')).toBe('https://index.docker.io/v1/');
    expect(normalizeRegistry('https://Harbor.Example.com/')).toBe('harbor.example.com');
    expect(normalizeRegistry('registry.example.com:5000')).toBe('registry.example.com:5000');
    expect(RegistryCredential.gitlab({ username: 'gitlab+deploy-token-7', token: key() }).registry).toBe('registry.gitlab.com');
    expect(RegistryCredential.dockerHub({ username: 'acme', token: key() }).registry).toBe('https://index.docker.io/v1/');
    expect(RegistryCredential.harborRobot('harbor.example.com', { username: 'robot$ci', secret: key() }))
      .toMatchObject({ registry: 'harbor.example.com', username: 'robot$ci' });
  });

  test('harborRobot refuses, in one line, what untyped JavaScript may pass for the robot', () => {
    for (const robot of [undefined, null, 'robot$ci']) {
      expect(() => RegistryCredential.harborRobot('harbor.example.com', robot as unknown as RobotAccount)).toThrow(new Error(
        `invalid robot ${JSON.stringify(robot) ?? 'undefined'}: must be a robot account { username, secret }, as Harbor.addRobot returns it`));
    }
  });

  test('every factory refuses, in one line, options or a token untyped JavaScript may pass, never showing a token', () => {
    const factories: [string, (options: any) => RegistryCredential][] = [
      ['GitLabCredentialOptions: { username, token, registry? }', (o) => RegistryCredential.gitlab(o)],
      ['DockerHubCredentialOptions: { username, token }', (o) => RegistryCredential.dockerHub(o)],
      ['DocrCredentialOptions: { token }', (o) => RegistryCredential.docr(o)],
      ['BasicCredentialOptions: { registry, username, password }', (o) => RegistryCredential.basic(o)],
    ];
    for (const [shape, make] of factories) {
      expect(() => make(undefined)).toThrow(new Error(`invalid options undefined: must be an object of ${shape}`));
    }
    const key = 'must be a key of a Secret Dockyard generates, e.g. new Secret(scope, id, { name, values: { token: ' +
      'SecretValue.input("DOCKYARD_REGISTRY_TOKEN", "the registry token") } }).key("token")';
    const rule = `${key}: a credential never appears as a plain string`;
    // a Secret made outside Dockyard: its value cannot be read at synth, so it is refused where it is given, by its prop
    const chart = testChart('platform');
    const outside = Secret.fromSecretName(chart, 'G', 'gitlab-token').key('token');
    expect(() => RegistryCredential.gitlab({ username: 'gitlab+deploy-token-7', token: outside })).toThrow(new Error(`invalid token "platform/gitlab-token#token": ${key}: ` +
      'the login is written into the pull secret or node file at synth, from its value; a Secret made outside Dockyard (Secret.fromSecretName) is read by no synth'));
    // a plain string is the token itself: redacted
    expect(() => RegistryCredential.gitlab({ username: 'gitlab+deploy-token-7', token: 'glpat-s3cret' as any })).toThrow(new Error(`invalid token <redacted>: ${rule}`));
    expect(() => RegistryCredential.dockerHub({ username: 'acme', token: { value: 'dckr_pat_s3cret' } as any })).toThrow(new Error(`invalid token <redacted>: ${rule}`));
    expect(() => RegistryCredential.docr({ token: undefined as any })).toThrow(new Error(`invalid token undefined: ${rule}`));
    expect(() => RegistryCredential.basic({ registry: 'ghcr.io', username: 'u', password: 'hunter2' as any })).toThrow(new Error(`invalid password <redacted>: ${rule}`));
    expect(() => RegistryCredential.harborRobot('harbor.example.com', { username: 'robot$ci', secret: 's3cret' as any }))
      .toThrow(new Error(`invalid robot.secret <redacted>: ${rule}`));
  });

  test('DOCR logs in with its token as user name and password', () => {
    const chart = testChart('platform');
    const token = new Secret(chart, 'T', { name: 't', values: { token: SecretValue.input('DOCKYARD_TEST_DOCR', 'a DO token') } }).key('token');
    new PullSecret(chart, 'Pull', { credentials: [RegistryCredential.docr({ token })] });
    chart.toJson();
    process.env.DOCKYARD_TEST_DOCR = 'dop_v1_abc';
    const statePath = path.join(os.tmpdir(), `dockyard-docr-${process.pid}.json`);
    const docs = parseAllDocuments(new LocalSecretStore({ statePath }).render(chart)).map((d) => d.toJS());
    delete process.env.DOCKYARD_TEST_DOCR;
    const auths = JSON.parse(docs.find((d: any) => d.metadata.name === 'registry-credentials').stringData['.dockerconfigjson']).auths;
    expect(auths).toEqual({ 'registry.digitalocean.com': { username: 'dop_v1_abc', password: 'dop_v1_abc', auth: Buffer.from('dop_v1_abc:dop_v1_abc').toString('base64') } });
    // a token with a ":" is refused, naming its variable, never the value: the kubelet reads the user name from
    // `auth`, split at its first ":" (kubernetes v1.35.0 pkg/credentialprovider/config.go decodeDockerConfigFieldAuth),
    // so "a:b" would log in as "a" with "b:a:b"
    process.env.DOCKYARD_TEST_DOCR = 'dop_v1_abc:dop_v1_abc';
    const colonState = path.join(os.tmpdir(), `dockyard-docr-colon-${process.pid}.json`);
    expect(() => new LocalSecretStore({ statePath: colonState }).render(chart)).toThrow(new Error('invalid DOCKYARD_TEST_DOCR <redacted>: must be a ' +
      'non-empty name without ":", whitespace or control characters, as the kubelet, which splits a pull secret\'s auth at its first ":", reads it; ' +
      'nothing was written'));
    delete process.env.DOCKYARD_TEST_DOCR;
    expect(() => SecretValue.dockerConfigJson([{ registry: 'r.example.com', username: 'u', usernameFrom: token, password: token }]))
      .toThrow('invalid username "u": must be given either as username or as usernameFrom, not both');
    expect(() => SecretValue.dockerConfigJson([{ registry: 'r.example.com', password: token }])).toThrow('missing username: must be given, as username or as usernameFrom');
  });

  test('fails on bad hosts and user names', () => {
    expect(() => RegistryCredential.basic({ registry: 'not a host', username: 'u', password: key() })).toThrow(/invalid registry "not a host"/);
    expect(() => RegistryCredential.basic({ registry: 'ghcr.io/org', username: 'u', password: key() })).toThrow(/invalid registry "ghcr.io\/org"/);
    // a login pasted whole as the user name (`user:token`): refused without the part after the ":"
    const rule = 'must be a non-empty name without ":", whitespace or control characters';
    expect(() => RegistryCredential.basic({ registry: 'ghcr.io', username: 'a:ghp_s3cret', password: key() })).toThrow(new Error(`invalid username "a:<redacted>": ${rule}`));
    expect(() => RegistryCredential.gitlab({ username: 'gitlab+deploy-token-7:gldt-s3cret', token: key() }))
      .toThrow(new Error(`invalid username "gitlab+deploy-token-7:<redacted>": ${rule}`));
    expect(() => RegistryCredential.basic({ registry: 'ghcr.io', username: 'a b', password: key() })).toThrow(new Error(`invalid username "a b": ${rule}`));
  });
});

describe('PullSecret', () => {
  const build = () => {
    const chart = testChart('platform');
    const robot = new Secret(chart, 'Robot', { name: 'robot', values: { secret: SecretValue.password(32) } }).key('secret');
    const hub = new Secret(chart, 'Hub', { name: 'hub', values: { token: SecretValue.input('DOCKYARD_HUB', 'a Docker Hub token') } }).key('token');
    const pull = new PullSecret(chart, 'Pull', {
      credentials: [
        RegistryCredential.harborRobot('harbor.example.com', { username: 'robot$pull', secret: robot }),
        RegistryCredential.dockerHub({ username: 'acme', token: hub }),
      ],
      namespaces: ['builds', 'apps'],
    });
    return { chart, pull };
  };

  test('merges the registries into one dockerconfigjson Secret, copied to each namespace with its default ServiceAccount', () => {
    const { chart, pull } = build();
    expect(pull.registries).toEqual(['harbor.example.com', 'https://index.docker.io/v1/']);
    expect(pull.secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(pull.secret.values['.dockerconfigjson'].entries).toEqual([
      { registry: 'harbor.example.com', username: 'robot$pull' }, { registry: 'https://index.docker.io/v1/', username: 'acme' },
    ]);
    const objects = synth(chart);
    expect(pull.secret.namespaces).toEqual(['platform', 'apps', 'builds']);
    for (const ns of ['builds', 'apps']) {
      const sa = find(objects, 'ServiceAccount', 'default', ns);
      expect(sa.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
      expect(sa.automountServiceAccountToken).toBeUndefined();
    }
  });

  test('gives a workload whose images come from a covered registry the Secret, in its own namespace', () => {
    const { chart, pull } = build();
    const postgres = new Postgres(chart, 'Postgres', { namespace: 'data' });
    Images.relocate(postgres, ImageRelocation.proxyCache('harbor.example.com', 'dockerhub'));
    new Postgres(chart, 'Other', { name: 'other', image: Image.of('quay.io/org/postgres:17') });
    const objects = synth(chart);
    const sts = find(objects, 'StatefulSet', 'postgres');
    expect(container(sts).image).toBe('harbor.example.com/dockerhub/library/postgres:17.9-bookworm');
    expect(sts.spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(pull.secret.namespaces).toContain('data');
    expect(find(objects, 'StatefulSet', 'other').spec.template.spec.imagePullSecrets).toBeUndefined();
  });

  test('Docker Hub images pick up a Docker Hub credential', () => {
    const { chart } = build();
    new Postgres(chart, 'Postgres');
    expect(find(synth(chart), 'StatefulSet', 'postgres').spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
  });

  test('feeds a Drone pipeline secret', () => {
    const { chart, pull } = build();
    const ext = new DroneSecretsExtension(chart, 'Ext');
    const s = ext.addSecret('Pull', { name: 'pipeline-pull', repos: ['acme/*'], values: { '.dockerconfigjson': SecretValue.copyOf(pull.dockerConfig) } });
    expect(s.values['.dockerconfigjson'].sources.value).toBe(pull.dockerConfig);
  });

  test('fails on duplicate or missing registries, two app-wide pull secrets for one registry, and bad namespaces', () => {
    const chart = testChart('platform');
    const k = new Secret(chart, 'K', { name: 'k', values: { a: SecretValue.password(20), b: SecretValue.password(20) } });
    const cred = (registry: string, key: string) => RegistryCredential.basic({ registry, username: 'u', password: k.key(key) });
    // each message names the pull secret, by its Secret's namespace and name: a platform has one per team
    expect(() => new PullSecret(chart, 'A', { credentials: [] }))
      .toThrow(new Error('invalid credentials []: must name at least one registry (pull secret "platform/registry-credentials")'));
    expect(() => new PullSecret(chart, 'B', { credentials: [cred('docker.io', 'a'), cred('index.docker.io', 'b')] }))
      .toThrow(new Error('invalid credentials "https://index.docker.io/v1/": must name each registry once: a .dockerconfigjson holds one login per registry ' +
        '(pull secret "platform/registry-credentials")'));
    new PullSecret(chart, 'C', { name: 'c', credentials: [cred('ghcr.io', 'a')] });
    // both would apply wherever neither is listed: refused, naming both, the registry and where
    expect(() => new PullSecret(chart, 'D', { name: 'd', credentials: [cred('ghcr.io', 'b')] }))
      .toThrow(new Error('invalid appWide true: must be false for all but one pull secret per registry: "platform/c" and "platform/d" ' +
        'would both apply to registry "ghcr.io" in every namespace that lists neither (pull secret "platform/d")'));
    expect(() => new PullSecret(chart, 'E', { name: 'e', credentials: [cred('quay.io', 'a')], namespaces: ['Apps'] }))
      .toThrow(/^invalid namespaces "Apps": .* \(pull secret "platform\/e"\)$/);
    // where the Secret is defined is refused before it is known: by its name alone
    expect(() => new PullSecret(chart, 'F', { name: 'f', credentials: [cred('quay.io', 'a')], appWide: false }))
      .toThrow(new Error('invalid namespaces []: must name at least one namespace when appWide is false, for such a pull secret applies only ' +
        'in the namespaces it lists (or set namespace, and list them later with addNamespace) (pull secret "f")'));
    expect(() => new PullSecret(chart, 'G', { name: 'g', credentials: [cred('quay.io', 'a')], appWide: false, namespaces: ['Team A'] }))
      .toThrow(/^invalid namespaces "Team A": must be a DNS-1123 label.* \(pull secret "g"\)$/);
    expect(() => new PullSecret(chart, 'H', { name: 'Bad_Name', credentials: [cred('quay.io', 'a')] }))
      .toThrow(/^invalid name "Bad_Name": must be a DNS-1123 subdomain.* \(pull secret "platform\/Bad_Name"\)$/);
  });

  test('refuses, in one line, what untyped JavaScript may pass for its lists and credentials, defining nothing', () => {
    const chart = testChart('platform');
    const k = new Secret(chart, 'K', { name: 'k', values: { a: SecretValue.password(20) } });
    const cred = RegistryCredential.basic({ registry: 'ghcr.io', username: 'u', password: k.key('a') });
    const untyped = <T>(value: unknown) => value as T;
    expect(() => new PullSecret(chart, 'A', { name: 'a', credentials: untyped('ghcr.io') }))
      .toThrow(new Error('invalid credentials "ghcr.io": must be a list of RegistryCredentials (pull secret "platform/a")'));
    expect(() => new PullSecret(chart, 'B', { name: 'b', credentials: untyped(undefined) }))
      .toThrow(new Error('missing credentials: must be a list of RegistryCredentials (pull secret "platform/b")'));
    // a credential of the right shape is refused too: only its factories normalise the registry and check the user name
    for (const [i, bad] of [null, 'ghcr.io', { registry: 'GHCR.io', username: 'u' }].entries()) {
      expect(() => new PullSecret(chart, `C${i}`, { name: 'c', credentials: [cred, untyped(bad)] })).toThrow(new Error(`invalid credentials ${
        JSON.stringify(bad)}: must hold RegistryCredentials, e.g. RegistryCredential.basic({ registry, username, password }) (pull secret "platform/c")`));
    }
    // namespaces, as one name rather than a list of one, is refused before it is read a character at a time
    expect(() => new PullSecret(chart, 'D', { name: 'd', credentials: [cred], appWide: false, namespaces: untyped('team-a') }))
      .toThrow(new Error('invalid namespaces "team-a": must be a list (pull secret "d")'));
    expect(Secret.allIn(chart).map((s) => s.secretName)).toEqual(['k']);
  });
});

describe('ImageRelocation', () => {
  const image = (ref: string) => Image.of(ref);

  test('a private registry keeps paths, tags and digests', () => {
    const r = ImageRelocation.registry('registry.example.com/mirror');
    expect(r.relocate(image('postgres:17')).reference).toBe('registry.example.com/mirror/library/postgres:17');
    const digest = `sha256:${'b'.repeat(64)}`;
    expect(r.relocate(image(`ghcr.io/org/app:1@${digest}`)).reference).toBe(`registry.example.com/mirror/org/app:1@${digest}`);
    expect(ImageRelocation.registry('mirror.local:5000', { keepRegistry: true }).relocate(image('ghcr.io/org/app:1')).reference)
      .toBe('mirror.local:5000/ghcr.io/org/app:1');
  });

  test('keepRegistry joins a source registry\'s port to its host with "-": a path part may hold no ":"', () => {
    // distribution/reference v0.6.0 reference.go: path-component := alpha-numeric [separator alpha-numeric]*, so
    // "mirror/registry.internal:5000/..." is no reference the kubelet or a copy tool takes (review)
    const keep = ImageRelocation.registry('registry.example.com/mirror', { keepRegistry: true });
    const relocated = keep.relocate(image('registry.internal:5000/valkey/valkey:8.1.11')).reference;
    expect(relocated).toBe('registry.example.com/mirror/registry.internal-5000/valkey/valkey:8.1.11');
    // it parses as a reference again, and as the same one
    expect(Image.of(relocated).reference).toBe(relocated);
    expect(keep.relocate(image('localhost:5000/app:1')).reference).toBe('registry.example.com/mirror/localhost-5000/app:1');
    // a host is lower-case as a path part; one that makes none is refused, naming the image (review)
    expect(keep.relocate(image('Registry.Example.com/team/app:1')).reference).toBe('registry.example.com/mirror/registry.example.com/team/app:1');
    expect(() => keep.relocate(image('[::1]:5000/app:1'))).toThrow('invalid image "[::1]:5000/app:1": cannot be relocated with keepRegistry: its ' +
      'registry makes no repository path part; relocate it without keepRegistry');
  });

  test('a proxy cache of Docker Hub spelled by another of its host names still takes Docker Hub\'s images', () => {
    // Image.of spells index.docker.io as docker.io, as distribution/reference v0.6.0 normalize.go:143-145 does, and
    // registry-1.docker.io too (Dockyard's choice: lib/core/image.ts DOCKER_HUB_ALIASES), so an upstream spelled so
    // matched no image and relocated nothing, silently (review)
    for (const upstream of ['index.docker.io', 'registry-1.docker.io', 'docker.io']) {
      const r = ImageRelocation.proxyCache('harbor.example.com', 'dockerhub', upstream);
      expect(r.relocate(image('postgres:17')).reference).toBe('harbor.example.com/dockerhub/library/postgres:17');
      expect(r.relocate(image('quay.io/org/app:1')).reference).toBe('quay.io/org/app:1');
    }
  });

  test('a proxy cache takes only its upstream\'s images, with the library segment for official ones', () => {
    const r = ImageRelocation.proxyCache('harbor.example.com', 'dockerhub');
    expect(r.relocate(image('nginx:1.27')).reference).toBe('harbor.example.com/dockerhub/library/nginx:1.27');
    expect(r.relocate(image('drone/drone:2.28.2')).reference).toBe('harbor.example.com/dockerhub/drone/drone:2.28.2');
    expect(r.relocate(image('quay.io/org/app:1')).reference).toBe('quay.io/org/app:1');
    expect(ImageRelocation.upstream().relocate(image('nginx:1.27')).reference).toBe('docker.io/library/nginx:1.27');
  });

  test('fails on bad targets', () => {
    const rule = 'must be a registry host with an optional :port and path, without scheme, such as "registry.example.com:5000/mirror": ' +
      'a lower-case DNS host with a "." (or localhost), and path segments of lower-case letters and digits separated by ".", "_", "__" or "-"';
    expect(() => ImageRelocation.registry('https://mirror')).toThrow(`invalid prefix "https://mirror": ${rule}`);
    expect(() => ImageRelocation.registry('mirror.example.com/Team')).toThrow(`invalid prefix "mirror.example.com/Team": ${rule}`);
    // a host without "." or port would be read as a Docker Hub user by container runtimes
    expect(() => ImageRelocation.registry('mirror/team')).toThrow(`invalid prefix "mirror/team": ${rule}`);
    expect(ImageRelocation.registry('mirror.example.com/a__b').relocate(Image.of('nginx:1.27')).reference).toBe('mirror.example.com/a__b/library/nginx:1.27');
    expect(() => ImageRelocation.proxyCache('harbor.example.com', 'Docker Hub')).toThrow(/invalid project "Docker Hub"/);
  });

  // the proxy-cache project is checked by Harbor's one name rule (`isHarborName`, lib/core/validation.ts), as a node
  // mirror's project is: Harbor refuses a project name over 255 characters (goharbor/harbor c50c7ddd
  // src/pkg/project/manager.go:59,77-80, `projectNameMaxLen`), so no proxy cache can have one
  test('refuses a proxy-cache project that Harbor would not take, by its one name rule', () => {
    const rule = 'must be a registry project name as Harbor takes it: at most 255 lower-case letters and digits, separated by single ".", "_" or "-"';
    expect(() => ImageRelocation.proxyCache('harbor.example.com', 'a..b')).toThrow(new ValidationError(`invalid project "a..b": ${rule}`));
    const long = 'a'.repeat(256);
    expect(() => ImageRelocation.proxyCache('harbor.example.com', long)).toThrow(`(256 characters): ${rule}`);
    // 255 is Harbor's limit, taken here (an image under it is then refused by the name length, as Image.withRegistry says)
    expect(() => ImageRelocation.proxyCache('harbor.example.com', 'a'.repeat(255))).not.toThrow();
  });

  // a reference's first part is its registry only with a "." or ":", or as "localhost"; otherwise the whole name is
  // a Docker Hub repository (distribution/reference v0.6.0 normalize.go, splitDockerDomain): images relocated to a
  // one-label host, or a pull secret keyed by one, would pull from (or never match) Docker Hub
  test('refuses a registry host of one label, which image names read as a Docker Hub namespace', () => {
    const key = () => new Secret(testChart(), 'K', { name: 'k', values: { t: SecretValue.password(24) } }).key('t');
    const rule = 'must be a lower-case DNS host name, optionally with :port, without scheme or path; as a registry host it needs a \".\" or a :port, or is localhost (a single label such as \"harbor\" reads as a Docker Hub namespace in an image name)';
    expect(() => ImageRelocation.proxyCache('harbor', 'dockerhub')).toThrow(new ValidationError(`invalid host "harbor": ${rule}`));
    expect(() => ImageRelocation.proxyCache('harbor.example.com', 'dockerhub', 'quay')).toThrow(new ValidationError(`invalid upstream "quay": ${rule}`));
    expect(() => RegistryCredential.basic({ registry: 'harbor', username: 'u', password: key() })).toThrow(new ValidationError(`invalid registry "harbor": ${rule}`));
    // a port or localhost names a registry
    expect(ImageRelocation.proxyCache('harbor:8443', 'dockerhub').relocate(Image.of('nginx:1.27')).reference).toBe('harbor:8443/dockerhub/library/nginx:1.27');
    expect(ImageRelocation.proxyCache('localhost', 'dockerhub').relocate(Image.of('nginx:1.27')).reference).toBe('localhost/dockerhub/library/nginx:1.27');
    expect(() => RegistryCredential.basic({ registry: 'localhost:5000', username: 'u', password: key() })).not.toThrow();
  });
});
