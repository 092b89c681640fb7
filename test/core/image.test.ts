import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { describeValue, Image, ImageDigests, ImageRelocation, Images, sameRegistryHost, Secret, SecretValue, ValidationError } from '../../lib';
import { Postgres } from '../../lib';
import { PullAccess } from '../../lib/core/pull-access';
import { container, find, stderrOf, synth, testChart } from '../util';

describe('Image', () => {
  test('normalises Docker Hub official images to docker.io/library', () => {
    const image = Image.of('postgres:17.9');
    expect(image.registry).toBe('docker.io');
    expect(image.repository).toBe('library/postgres');
    expect(image.reference).toBe('docker.io/library/postgres:17.9');
  });

  // distribution/reference v0.6.0 normalize.go:20,31,143-145,162-167: the docker CLI spells the legacy
  // index.docker.io as docker.io and puts a one-segment name under library/; registry-1.docker.io, Docker Hub's
  // registry host (:26), is read as Docker Hub too
  test.each([
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['index.docker.io/nginx:1', 'docker.io/library/nginx:1'],
    ['index.docker.io/drone/drone:2.28.2', 'docker.io/drone/drone:2.28.2'],
    ['registry-1.docker.io/nginx:1', 'docker.io/library/nginx:1'],
    ['registry-1.docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['registry-1.docker.io/bitnami/redis:7.4', 'docker.io/bitnami/redis:7.4'],
    [`index.docker.io/nginx@sha256:${'b'.repeat(64)}`, `docker.io/library/nginx@sha256:${'b'.repeat(64)}`],
  ])('spells Docker Hub\'s other host names as docker.io: %s is %s', (given, reference) => {
    const image = Image.of(given);
    expect(image.registry).toBe('docker.io');
    expect(image.reference).toBe(reference);
    expect(image.reference).toBe(Image.of(reference).reference);
  });

  test.each([
    ['index.docker.io:443/nginx:1', 'index.docker.io:443/nginx:1'],
    ['mirror.index.docker.io/nginx:1', 'mirror.index.docker.io/nginx:1'],
    ['registry-1.docker.io.example.com/nginx:1', 'registry-1.docker.io.example.com/nginx:1'],
    ['ghcr.io/nginx:1', 'ghcr.io/nginx:1'],
  ])('keeps other hosts that only look like Docker Hub\'s, without library/: %s', (given, reference) => {
    expect(Image.of(given).reference).toBe(reference);
  });

  // distribution/reference v0.6.0 keeps a domain's case (regexp.go:61) and reads only the exact "index.docker.io" as
  // docker.io (normalize.go:143-151), adding library/ only there (:162-167); containerd v2.3.4 sends only the exact
  // "docker.io" to registry-1.docker.io (core/remotes/docker/config/hosts.go:102-104) and finds a node's mirrors in
  // the directory of the host as written (config_unix.go:25-37): "Docker.io/..." is pulled from https://Docker.io/v2,
  // not Docker Hub, past the docker.io mirrors. Before, Image.of kept it, and a Docker Hub proxy cache relocated it
  test.each([
    ['Docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['DOCKER.IO/nginx:1', 'docker.io/nginx:1'],
    ['Index.docker.io/library/nginx:1', 'index.docker.io/library/nginx:1'],
    ['registry-1.Docker.io/bitnami/redis:7.4', 'registry-1.docker.io/bitnami/redis:7.4'],
  ])('refuses Docker Hub\'s host names with capitals, naming the lower-case spelling: %s', (given, lower) => {
    expect(() => Image.of(given)).toThrow(new ValidationError(`invalid image "${given}": must name Docker Hub's host in lower case, as in ` +
      `"${lower}": the kubelet and containerd read "${given.slice(0, given.indexOf('/'))}" as a registry of its own, not Docker Hub`));
    expect(Image.of(lower).registry).toBe('docker.io');
  });

  test('keeps the case of other hosts, and of Docker Hub\'s names with a port (registries of their own to containerd)', () => {
    expect(Image.of('Quay.io/org/app:1').registry).toBe('Quay.io');
    expect(Image.of('Docker.io:5000/org/app:1').registry).toBe('Docker.io:5000');
  });

  test('a Docker Hub proxy cache relocates images named by any of Docker Hub\'s host names', () => {
    const hub = ImageRelocation.proxyCache('harbor.example.com', 'dockerhub');
    expect(['nginx:1', 'docker.io/nginx:1', 'index.docker.io/library/nginx:1', 'registry-1.docker.io/nginx:1']
      .map((r) => hub.relocate(Image.of(r)).reference)).toEqual(Array(4).fill('harbor.example.com/dockerhub/library/nginx:1'));
  });

  // the image's host in another case is the same registry (DNS names are case-insensitive), as the mirror relocation
  // (sameRegistryHost) takes it: before, only the upstream's exact spelling was relocated
  test('a proxy cache relocates its upstream\'s images whatever the case of their host', () => {
    const quay = ImageRelocation.proxyCache('harbor.example.com', 'quay', 'quay.io');
    expect(['quay.io/org/app:1', 'Quay.io/org/app:1', 'QUAY.IO/org/app:1'].map((r) => quay.relocate(Image.of(r)).reference))
      .toEqual(Array(3).fill('harbor.example.com/quay/org/app:1'));
    expect(quay.relocate(Image.of('ghcr.io/org/app:1')).reference).toBe('ghcr.io/org/app:1');
  });

  test('keeps registries, ports, tags and digests', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(Image.of('registry.example.com:5000/team/app:1.2.3').registry).toBe('registry.example.com:5000');
    expect(Image.of(`ghcr.io/org/app@${digest}`).reference).toBe(`ghcr.io/org/app@${digest}`);
    expect(Image.of(`ghcr.io/org/app:1.0@${digest}`).tag).toBe('1.0');
    expect(Image.of('drone/drone:2.28.2').reference).toBe('docker.io/drone/drone:2.28.2');
  });

  test('withTag and withRegistry derive new references', () => {
    const image = Image.of('docker.io/drone/drone:2.28.2');
    expect(image.withTag('2.24.0').reference).toBe('docker.io/drone/drone:2.24.0');
    expect(image.withRegistry('mirror.example.com/hub').reference).toBe('mirror.example.com/hub/drone/drone:2.28.2');
  });

  test('reads repository names as distribution/reference does: "__" and any number of "-" separate too (mirrors review)', () => {
    // distribution/reference v0.6.0 regexp.go: separator `(?:[._]|__|[-]+)` between the alphanumeric runs of a path
    // component; the kubelet pulls `web--api` and `my__org/app`
    for (const reference of ['docker.io/my--org/app:1.0', 'ghcr.io/org/web---api:1', 'registry.example.com/my__org/web__api:1', 'docker.io/org/a-b_c.d:1']) {
      expect(Image.of(reference).reference).toBe(reference);
    }
    for (const reference of ['a___b:1', 'a_-b:1', 'a.-b:1', 'a..b:1', 'org/-app:1', 'org/app-:1', 'org/_app:1', 'org//app:1']) {
      expect(() => Image.of(reference)).toThrow(/must be an image reference/);
    }
  });

  test('withRegistry refuses a name past 255 characters, naming the image: the kubelet would refuse it (mirrors review)', () => {
    // NameTotalLengthMax (distribution/reference reference.go): Image.of measures the source's name, and a mirror's
    // prefix makes it longer
    const image = Image.of(`docker.io/org/${'a'.repeat(236)}:1`);
    expect(() => image.withRegistry('registry.example.com:5000/mirror')).toThrow(`invalid image ${describeValue(image.reference)}: cannot be ` +
      'relocated to registry.example.com:5000/mirror: the name would be 273 characters, and a name is at most 255 (distribution/reference ' +
      'NameTotalLengthMax); relocate it to a shorter registry path');
    expect(image.withRegistry('r.io').reference).toBe(`r.io/org/${'a'.repeat(236)}:1`);
  });

  test('fails on unpinned or malformed references', () => {
    expect(() => Image.of('drone/drone')).toThrow('invalid image "docker.io/drone/drone": must be pinned to an explicit tag other than "latest" or to a digest');
    expect(() => Image.of('drone/drone:latest')).toThrow(/must be pinned/);
    expect(() => Image.of('Drone/Drone:1')).toThrow(/invalid image "Drone\/Drone:1": must be an image reference/);
  });

  test('fails on a registry part the kubelet refuses (InvalidImageName), a login in it included (escaping review)', () => {
    // github.com/distribution/reference regexp.go: domain components of letters, digits and inner "-", or a bracketed
    // IPv6 address, with an optional port; a name of at most 255 characters (NameTotalLengthMax)
    for (const reference of ['user:pw@registry.example.com/app:1', 'robot$ci:s3cr3t@harbor.example.com/apps/demo:1', 'registry_x.example.com/app:1',
      'registry.example.com:/app:1', 'registry.example.com:5000:6000/app:1', 'reg istry.example.com/app:1', 'a..b.com/app:1', '-bad.example.com/app:1',
      '$(HOME).example.com/app:1', `registry.example.com/${'a'.repeat(240)}:1`,
      // measured as normalized: docker.io/library/ counts (diff review)
      `${'a'.repeat(250)}:1`]) {
      expect(() => Image.of(reference)).toThrow(/must be an image reference such as "registry\.example\.com\/team\/app:1\.2\.3": a registry host of /);
    }
    for (const reference of ['Registry.Example.com:5000/app:1', '[fd00::1]:5000/app:1', 'localhost:5000/app:1', '10.0.0.5/app:1', `r.io/${'a'.repeat(240)}:1`]) {
      expect(Image.of(reference).reference).toBe(reference);
    }
  });
});

describe('Images.relocate', () => {
  test('rewrites the images of every construct below the scope at synth time, nearest scope winning', () => {
    const chart = testChart();
    new Postgres(chart, 'A', { name: 'a' });
    Images.relocate(chart, { relocate: (image) => image.withRegistry('mirror.example.com/hub') });
    const objects = synth(chart);
    expect(container(find(objects, 'StatefulSet', 'a')).image).toBe('mirror.example.com/hub/library/postgres:17.9-bookworm');
  });

  test('one image relocated to two mirrors in two subtrees is two pairs', () => {
    const chart = testChart();
    const one = new Construct(chart, 'One');
    const other = new Construct(chart, 'Other');
    new Postgres(one, 'A', { name: 'a' });
    new Postgres(other, 'B', { name: 'b' });
    Images.relocate(one, ImageRelocation.registry('a.example.com/m'));
    Images.relocate(other, ImageRelocation.registry('b.example.com/m'));
    synth(chart);
    expect(Images.relocatedPairs(chart)).toEqual([
      `${Postgres.IMAGE.reference} a.example.com/m/library/postgres:17.9-bookworm`,
      `${Postgres.IMAGE.reference} b.example.com/m/library/postgres:17.9-bookworm`,
    ]);
  });

  test('refuses two images copied to one mirror reference: the same repository and tag on two registries, or one image at two digests', () => {
    const chart = testChart();
    new Postgres(chart, 'A', { name: 'a', image: Image.of('docker.io/library/postgres:17.9-bookworm') });
    new Postgres(chart, 'B', { name: 'b', image: Image.of('ghcr.io/library/postgres:17.9-bookworm') });
    Images.relocateAll(chart, ImageRelocation.registry('mirror.example.com/hub'));
    expect(() => synth(chart)).toThrow(new ValidationError('invalid relocation of ghcr.io/library/postgres:17.9-bookworm to ' +
      'mirror.example.com/hub/library/postgres:17.9-bookworm for test/B: docker.io/library/postgres:17.9-bookworm is copied there too, and a mirror ' +
      'holds one image per reference; relocate one of them to another mirror path, or pin both to one digest'));
    const pinned = testChart();
    const [one, other] = [new Construct(pinned, 'One'), new Construct(pinned, 'Other')];
    new Postgres(one, 'A', { name: 'a' });
    new Postgres(other, 'B', { name: 'b' });
    Images.relocateAll(pinned, ImageRelocation.registry('mirror.example.com/hub'));
    const [d1, d2] = [`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`];
    Images.pinDigests(one, ImageDigests.of({ [Postgres.IMAGE.reference]: d1 }));
    Images.pinDigests(other, ImageDigests.of({ [Postgres.IMAGE.reference]: d2 }));
    expect(() => synth(pinned)).toThrow(`invalid relocation of docker.io/library/postgres@${d2} to mirror.example.com/hub/library/postgres:17.9-bookworm ` +
      `for test/Other/B: docker.io/library/postgres@${d1} is copied there too`);
  });

  test('relocateAll overrides the relocations set before it at or below its scope; synth lists the images it mirrored', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'A', { name: 'a' });
    Images.relocate(db, ImageRelocation.upstream());
    Images.relocateAll(chart, ImageRelocation.registry('mirror.example.com/hub'));
    expect(container(find(synth(chart), 'StatefulSet', 'a')).image).toBe('mirror.example.com/hub/library/postgres:17.9-bookworm');
    expect(Images.relocatedPairs(chart)).toContain(`${Postgres.IMAGE.reference} mirror.example.com/hub/library/postgres:17.9-bookworm`);
    // synthesize writes them to images.pairs.txt (lib/core/synth.ts) for any mirror relocation
    expect(Images.mirrored(chart)).toBe(true);
  });

  test('a workload of the user\'s own keeps its image, unless it names it through Images.resolve, which relocates it and lists the pair', () => {
    // the README's "relocations rewrite the images of Dockyard's constructs" (a trial relocated everything and found
    // its own Deployment still pulling from Docker Hub)
    const chart = testChart();
    const pod = (image: string) => ({ selector: {}, template: { spec: { containers: [{ name: 'web', image }] } } });
    new ApiObject(chart, 'Plain', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'plain' }, spec: pod('docker.io/library/nginx:1.27.3') });
    new ApiObject(chart, 'Named', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'named' },
      spec: pod(Lazy.any({ produce: () => Images.resolve(chart, Image.of('nginx:1.27.3')).reference }) as unknown as string),
    });
    // set after the workloads: the Lazy resolves at synth
    Images.relocateAll(chart, ImageRelocation.registry('mirror.example.com/hub'));
    let objects: any[] = [];
    // the workload that names its image itself is warned of, once, by both ways of rendering; the named one is not
    const warning = 'dockyard: warning: Deployment test/plain (test/Plain) pulls docker.io/library/nginx:1.27.3 as it names it: image relocations ' +
      'rewrite the images of Dockyard\'s constructs only, so its pods do not pull mirror.example.com/hub/library/nginx:1.27.3, and images.pairs.txt ' +
      'does not list it; to relocate it, name it through Images.resolve; to keep it as it is, where the nodes reach its registry, ' +
      'Images.relocate(<its construct>, ImageRelocation.upstream()) (README, "Pull secrets, image relocation and node mirrors")\n';
    expect(stderrOf(() => { objects = synth(chart); })).toBe(warning);
    expect(container(find(objects, 'Deployment', 'plain')).image).toBe('docker.io/library/nginx:1.27.3');
    expect(container(find(objects, 'Deployment', 'named')).image).toBe('mirror.example.com/hub/library/nginx:1.27.3');
    expect(Images.relocatedPairs(chart)).toEqual(['docker.io/library/nginx:1.27.3 mirror.example.com/hub/library/nginx:1.27.3']);
  });

  test('a workload of the user\'s own relocated upstream on purpose is not warned of, as the warning says; under relocateAll it still is', () => {
    const pod = (image: string) => ({ selector: {}, template: { spec: { containers: [{ name: 'web', image }] } } });
    const kept = (all: boolean): string => {
      const chart = testChart();
      const plain = new ApiObject(chart, 'Plain', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'plain' }, spec: pod('docker.io/library/nginx:1.27.3') });
      Images.relocate(plain, ImageRelocation.upstream());
      (all ? Images.relocateAll : Images.relocate)(chart, ImageRelocation.registry('mirror.example.com/hub'));
      return stderrOf(() => synth(chart));
    };
    expect(kept(false)).toBe('');
    // relocateAll overrides any relocation below it: the workload's pods would still pull from Docker Hub
    expect(kept(true)).toMatch(/^dockyard: warning: Deployment test\/plain \(test\/Plain\) pulls docker\.io\/library\/nginx:1\.27\.3 as it names it/);
  });

  test('no warning for a workload of the user\'s own on the mirror already, or on a registry the app declares (its Harbor) (trial)', () => {
    const chart = testChart();
    const pod = (image: string) => ({ selector: {}, template: { spec: { containers: [{ name: 'web', image }] } } });
    // the app's own Harbor, where CI pushes its images: the mirror has none of them
    PullAccess.declareProject(chart, 'harbor.acme.dev', 'apps', { public: false, proxyCache: false });
    new ApiObject(chart, 'Own', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'own' }, spec: pod('harbor.acme.dev/apps/api:1') });
    new ApiObject(chart, 'Mirrored', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mirrored' }, spec: pod('mirror.example.com/hub/library/nginx:1') });
    Images.relocateAll(chart, ImageRelocation.registry('mirror.example.com/hub'));
    expect(stderrOf(() => synth(chart))).toBe('');
  });

  test('a mirror leaves an image already under its prefix, or on a registry the app declares (its Harbor), and lists no pair for it (mirrors review)', () => {
    // relocating such an image doubled its path (mirror/hub/hub/...), or pulled the app's own image from a copy on
    // the mirror that a tag pushed to Harbor again never reaches; the warning of unrelocated images left them as they
    // are. Only under the prefix: another path of the host is another registry's (ghcr.io/acme/mirror beside a
    // vendor's ghcr.io/vendor/tool, review), still copied
    const chart = testChart();
    PullAccess.declareProject(chart, 'harbor.acme.dev', 'apps', { public: false, proxyCache: false });
    const cases: [ImageRelocation, Record<string, string>][] = [
      [ImageRelocation.registry('mirror.example.com:5000/hub'), {
        'harbor.acme.dev/apps/builder:1': 'harbor.acme.dev/apps/builder:1',
        'mirror.example.com:5000/hub/tools/ci:1': 'mirror.example.com:5000/hub/tools/ci:1',
        'mirror.example.com:5000/hubble/ci:1': 'mirror.example.com:5000/hub/hubble/ci:1',
        'mirror.example.com:5000/other/ci:1': 'mirror.example.com:5000/hub/other/ci:1',
        'ghcr.io/org/ci:1': 'mirror.example.com:5000/hub/org/ci:1',
      }],
      [ImageRelocation.registry('mirror.example.com:5000/hub', { keepRegistry: true }), {
        'harbor.acme.dev/apps/builder:1': 'harbor.acme.dev/apps/builder:1',
        'mirror.example.com:5000/hub/ghcr.io/org/ci:1': 'mirror.example.com:5000/hub/ghcr.io/org/ci:1',
        'ghcr.io/org/ci:2': 'mirror.example.com:5000/hub/ghcr.io/org/ci:2',
      }],
      [ImageRelocation.registry('ghcr.io/acme/mirror'), {
        'ghcr.io/acme/mirror/library/nginx:1': 'ghcr.io/acme/mirror/library/nginx:1',
        'ghcr.io/vendor/tool:1': 'ghcr.io/acme/mirror/vendor/tool:1',
      }],
      [ImageRelocation.registry('registry.example.com'), { 'registry.example.com/team/app:1': 'registry.example.com/team/app:1' }],
    ];
    cases.forEach(([relocation, expected], i) => {
      const scope = new Construct(chart, `Scope${i}`);
      Images.relocateAll(scope, relocation);
      expect(Object.fromEntries(Object.keys(expected).map((r) => [r, Images.resolve(scope, Image.of(r)).reference]))).toEqual(expected);
    });
    expect(Images.relocatedPairs(chart).map((pair) => pair.split(' ')[0]).sort()).toEqual(
      ['ghcr.io/org/ci:1', 'ghcr.io/org/ci:2', 'ghcr.io/vendor/tool:1', 'mirror.example.com:5000/hubble/ci:1', 'mirror.example.com:5000/other/ci:1']);
  });

  test('a long name a mirror leaves where it is, or would give a workload of the user\'s own, is not refused (review)', () => {
    // withRegistry refuses a name past 255 characters (distribution/reference NameTotalLengthMax): asked of an image
    // the mirror leaves, or of a user's own workload's, which Dockyard never rewrites, it failed the synth
    const chart = testChart();
    const prefix = `registry.example.com/${'m'.repeat(40)}`;
    PullAccess.declareProject(chart, 'harbor.acme.dev', 'apps', { public: true, proxyCache: false });
    Images.relocateAll(chart, ImageRelocation.registry(prefix));
    for (const kept of [`${prefix}/t/${'a'.repeat(190)}:1`, `harbor.acme.dev/apps/${'b'.repeat(200)}:1`]) {
      expect(Images.resolve(chart, Image.of(kept)).reference).toBe(kept);
    }
    const pod = (image: string) => ({ selector: {}, template: { spec: { containers: [{ name: 'web', image }] } } });
    new ApiObject(chart, 'Own', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'own' }, spec: pod(`harbor.acme.dev/apps/${'b'.repeat(200)}:1`) });
    new ApiObject(chart, 'Long', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'long' }, spec: pod(`docker.io/org/${'c'.repeat(220)}:1`) });
    // the one the mirror would move is warned of (its pods pull it as it names it), the one on the app's Harbor not
    expect(stderrOf(() => synth(chart))).toMatch(new RegExp(`^dockyard: warning: Deployment test/long \\(test/Long\\) pulls docker\\.io/org/c{220}:1 as it ` +
      'names it: image relocations rewrite the images of Dockyard\'s constructs only, so its pods do not pull it from the mirror, and images\\.pairs\\.txt ' +
      'does not list it;[^\\n]*\\n$'));
  });

  test('a workload of the user\'s own with distribution\'s other separators in its name is warned of too (mirrors review)', () => {
    // Image.of refused "my--org", and the warning skips what it cannot read
    const chart = testChart();
    new ApiObject(chart, 'Plain', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'plain' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'web', image: 'docker.io/my--org/app:1.0' }] } } },
    });
    Images.relocateAll(chart, ImageRelocation.registry('mirror.example.com/hub'));
    expect(stderrOf(() => synth(chart))).toMatch(/^dockyard: warning: Deployment test\/plain \(test\/Plain\) pulls docker\.io\/my--org\/app:1\.0 as it names it/);
  });

  // Image.of refuses Docker Hub's host names with capitals (8cef6ef), so the warning of unrelocated images, which skips
  // what Image.of cannot read, went silent of a user's own workload naming one, where before it warned; such a pod
  // pulls from a registry of that name, past the nodes' docker.io mirrors (containerd v2.3.4
  // core/remotes/docker/config/hosts.go:102-104 sends only the exact "docker.io" to registry-1.docker.io;
  // config_unix.go:25-37 looks a host's mirrors up as written), whether or not the app relocates to a mirror
  test.each([
    ['under a mirror relocation', true],
    ['without any relocation', false],
  ])('a workload of the user\'s own naming Docker Hub\'s host with capitals is warned of, naming it and the lower-case spelling (%s)', (_, mirror) => {
    const chart = testChart();
    const pod = (image: string) => ({ selector: {}, template: { spec: { containers: [{ name: 'web', image }] } } });
    new ApiObject(chart, 'Plain', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'plain' }, spec: pod('Docker.io/library/nginx:1.27.3') });
    new ApiObject(chart, 'Legacy', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'legacy' }, spec: pod('Index.docker.io/nginx:1.27.3') });
    // in lower case, or another host with capitals (its own registry to containerd too, but no Docker Hub name): not this warning
    new ApiObject(chart, 'Lower', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'lower' }, spec: pod('mirror.example.com/hub/library/nginx:1.27.3') });
    new ApiObject(chart, 'Quay', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'quay' }, spec: pod('Quay.io/org/app:1') });
    if (mirror) Images.relocateAll(chart, ImageRelocation.registry('mirror.example.com/hub'));
    const stderr = stderrOf(() => synth(chart));
    const lines = stderr.split('\n').filter((l) => l !== '' && !l.includes('test/quay'));
    expect(lines).toEqual([
      'dockyard: warning: Deployment test/plain (test/Plain) pulls Docker.io/library/nginx:1.27.3: an image must name Docker Hub\'s host in lower case, ' +
      'as in "docker.io/library/nginx:1.27.3": the kubelet and containerd read "Docker.io" as a registry of its own, not Docker Hub; Dockyard\'s ' +
      'constructs refuse it, and this workload\'s pods pull it past any docker.io mirror of the nodes',
      'dockyard: warning: Deployment test/legacy (test/Legacy) pulls Index.docker.io/nginx:1.27.3: an image must name Docker Hub\'s host in lower case, ' +
      'as in "index.docker.io/nginx:1.27.3": the kubelet and containerd read "Index.docker.io" as a registry of its own, not Docker Hub; Dockyard\'s ' +
      'constructs refuse it, and this workload\'s pods pull it past any docker.io mirror of the nodes',
    ]);
    // the other workloads: under the mirror, Quay.io's is warned of as unrelocated (a registry Image.of reads), the
    // one on the mirror not at all
    expect(stderr).not.toMatch(/test\/lower/);
    expect(stderr.includes('test/quay')).toBe(mirror);
  });

  test('a guarded host is guarded however its https port is spelled, and the refusal reaches the caller as the ValidationError it is', () => {
    for (const mirror of ['harbor.example.com/library', 'harbor.example.com:443/library']) {
      const chart = testChart();
      const harbor = new Construct(chart, 'Harbor');
      new Postgres(harbor, 'A', { name: 'a' });
      Images.protect(harbor, 'harbor.example.com', 'Harbor at harbor.example.com needs it to start');
      Images.relocateAll(chart, ImageRelocation.registry(mirror));
      let error: unknown;
      try {
        synth(chart);
      } catch (e) {
        error = e;
      }
      // as the construct threw it, not wrapped in cdk8s's "Failed serializing construct" Error, which runSynth would
      // print as an unknown failure with a hint to look at the stack trace
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(`invalid relocation of ${Postgres.IMAGE.reference} to ${mirror}/library/postgres:17.9-bookworm ` +
        'for test/Harbor/A: Harbor at harbor.example.com needs it to start; relocate it with ImageRelocation.upstream() or to a pre-mirrored registry ' +
        `on another host (Images.relocateAll("test", ImageRelocation.registry(${JSON.stringify(mirror)})) overrides any relocation below it)`);
    }
    // another port is another registry
    const chart = testChart();
    new Postgres(chart, 'A', { name: 'a' });
    Images.protect(chart, 'harbor.example.com', 'Harbor needs it');
    Images.relocate(chart, ImageRelocation.registry('harbor.example.com:5000/library'));
    expect(container(find(synth(chart), 'StatefulSet', 'a')).image).toBe('harbor.example.com:5000/library/library/postgres:17.9-bookworm');
    expect([sameRegistryHost('harbor.example.com:443/x', 'harbor.example.com'), sameRegistryHost('harbor.example.com:5000', 'harbor.example.com')])
      .toEqual([true, false]);
  });

  test('leaves images alone without a rewrite', () => {
    const chart = testChart();
    new Postgres(chart, 'A', { name: 'a' });
    expect(container(find(synth(chart), 'StatefulSet', 'a')).image).toBe(Postgres.IMAGE.reference);
  });
});

describe('Images pull secrets', () => {
  // one per registry and namespace: a kubelet unions every pull secret a pod names and tries each matching login
  // (kubernetes pkg/credentialprovider/secrets/secrets.go, pkg/credentialprovider/keyring.go), and the ServiceAccount
  // admission plugin adds the account's own only to a pod that names none
  // (plugin/pkg/admission/serviceaccount/admission.go), so a pod's own list must be complete
  const setup = () => {
    const chart = testChart('platform');
    const secret = (name: string, namespace?: string) => new Secret(chart, name, { name, namespace, values: { '.dockerconfigjson': SecretValue.password(20) } });
    return { chart, secret };
  };

  test('a pod gets the listed pull secret of each registry in its namespace, else the app-wide one, sorted and shared there', () => {
    const { chart, secret } = setup();
    const wide = secret('wide');
    const hub = secret('hub');
    const team = secret('team', 'team-a');
    Images.usePullSecret(chart, ['harbor.example.com'], wide);
    Images.usePullSecret(chart, ['https://index.docker.io/v1/'], hub);
    Images.usePullSecret(chart, ['harbor.example.com'], team, { appWide: false });
    Images.usePullSecretIn(chart, team, 'team-a');
    const images = [Image.of('nginx:1.27'), Image.of('harbor.example.com/apps/app:1'), Image.of('harbor.example.com/apps/other:1')];
    expect(Images.pullSecretsFor(chart, 'team-a', images)).toEqual([hub, team]);
    expect(Images.pullSecretsFor(chart, 'apps', images)).toEqual([hub, wide]);
    expect(Images.pullSecretsFor(chart, 'apps', [Image.of('quay.io/org/app:1')])).toEqual([]);
    expect([wide.namespaces, hub.namespaces, team.namespaces]).toEqual([['platform', 'apps'], ['platform', 'apps', 'team-a'], ['team-a']]);
    // registering a Secret again adds registries to it
    Images.usePullSecret(chart, ['ghcr.io'], team, { appWide: false });
    expect(Images.pullSecretsFor(chart, 'team-a', [Image.of('ghcr.io/org/app:1')])).toEqual([team]);
  });

  test('the deprecated pullSecretFor picks by namespace, and without one only while no namespace lists a pull secret', () => {
    const { chart, secret } = setup();
    const wide = secret('wide');
    const team = secret('team', 'team-a');
    const image = Image.of('harbor.example.com/apps/app:1');
    Images.usePullSecret(chart, ['harbor.example.com'], wide);
    Images.usePullSecret(chart, ['harbor.example.com'], team, { appWide: false });
    expect(Images.pullSecretFor(chart, image)).toBe(wide);
    Images.usePullSecretIn(chart, team, 'team-a');
    expect(Images.pullSecretFor(chart, image, 'team-a')).toBe(team);
    expect(Images.pullSecretFor(chart, image, 'apps')).toBe(wide);
    expect(team.namespaces).toEqual(['team-a']);
    expect(() => Images.pullSecretFor(chart, image)).toThrow('invalid pull secret lookup for harbor.example.com/apps/app:1 by "test": ' +
      'registry "harbor.example.com" has pull secrets for particular namespaces ("team-a/team"), so the pod\'s namespace decides; ' +
      'use Images.pullSecretsFor(scope, namespace, images)');
  });

  test('fails on a pull secret listed before it is registered, re-registered otherwise, or given a registry listed elsewhere', () => {
    const { chart, secret } = setup();
    const a = secret('a', 'team-a');
    const b = secret('b', 'team-a');
    expect(() => Images.usePullSecretIn(chart, a, 'team-a'))
      .toThrow('invalid pull secret "team-a/a": register it with Images.usePullSecret before listing it in a namespace');
    Images.usePullSecret(chart, ['ghcr.io'], a, { appWide: false });
    expect(() => Images.usePullSecret(chart, ['quay.io'], a))
      .toThrow('invalid appWide true: must stay false for pull secret "team-a/a", as it was registered first');
    Images.usePullSecret(chart, ['quay.io'], b, { appWide: false });
    Images.usePullSecretIn(chart, a, 'team-a');
    Images.usePullSecretIn(chart, b, 'team-a');
    expect(() => Images.usePullSecret(chart, ['quay.io'], a, { appWide: false }))
      .toThrow('invalid namespaces "team-a": must list one pull secret per registry: "team-a/b" and "team-a/a" ' +
        'would both apply to registry "quay.io" in namespace "team-a"');
    expect(Images.pullSecretsFor(chart, 'team-a', [Image.of('quay.io/org/app:1')])).toEqual([b]);
  });
});
