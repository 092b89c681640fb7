import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { App } from 'cdk8s';
import { loadConfig } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { ExternalRedis, GitProvider, HarborStorage, Postgres, Secret, SecretKey, TrustBundle, WoodpeckerServer } from '../../lib';
import { CHECKSUM_ANNOTATION } from '../../lib/core/checksum';
import { droneServer } from '../drone/fixtures';
import { inClusterHarbor } from '../harbor/fixtures';
import { container, envOf, find, refusal, synth, testChart } from '../util';
import { escapeRegExp } from '../../lib/core/text';

// A company CA, a server certificate it signs for 127.0.0.1 (the git server, OIDC provider or registry), and another
// CA standing for the public roots of an image. Made with openssl, as the company's PKI would.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-trust-'));
function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}
function makeCa(name: string): string {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8');
}
const COMPANY_CA = makeCa('company-ca');
const PUBLIC_CA = makeCa('public-ca');
openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=git.acme.internal');
fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:git.acme.internal\nextendedKeyUsage=serverAuth\n');
openssl('x509', '-req', '-in', 'server.csr', '-CA', 'company-ca.pem', '-CAkey', 'company-ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1',
  '-extfile', 'san.ext');
const SERVER = { key: fs.readFileSync(path.join(dir, 'server.key')), cert: fs.readFileSync(path.join(dir, 'server.pem')) };
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every Deployment and StatefulSet of `objects`, by kind/name, with its inputs checksum. */
function checksums(objects: any[]): Record<string, string> {
  return Object.fromEntries(objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
    .map((o) => [`${o.kind}/${o.metadata.name}`, o.spec.template.metadata.annotations?.[CHECKSUM_ANNOTATION]]));
}
const changed = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).filter((k) => a[k] !== b[k]).sort();

function woodpecker(chart: ReturnType<typeof testChart>, trustBundle?: TrustBundle): void {
  new WoodpeckerServer(chart, 'Woodpecker', {
    host: 'ci.example.com', admins: ['alice'],
    gitProvider: GitProvider.gitlab({ server: 'https://git.acme.internal', clientId: 'abc', clientSecret: Secret.fromSecretName(chart, 'O', 'oauth').key('s') }),
    database: new Postgres(chart, 'Pg').addDatabase('woodpecker'), trustBundle,
  });
}

describe('TrustBundle: refused at synth in one line naming the prop', () => {
  test('a PEM that does not parse, a private key, or no certificate at all; the value never shown', () => {
    const broken = COMPANY_CA.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
    for (const pem of ['not a certificate', broken, `${COMPANY_CA}${fs.readFileSync(path.join(dir, 'company-ca.key'), 'utf8')}`, '']) {
      const message = refusal(() => TrustBundle.fromPem(pem));
      expect(message).toMatch(/^invalid trustBundle <redacted>: must /);
    }
  });

  test('a file that cannot be read, or does not hold certificates, names the variable and the path, never the text', () => {
    expect(refusal(() => TrustBundle.fromFile(path.join(dir, 'missing.pem'), 'DOCKYARD_CA_BUNDLE'))).toMatch(/^invalid DOCKYARD_CA_BUNDLE .*missing\.pem.* cannot be read \(ENOENT\)/);
    // the path is shown, as the user set it, so that a refusal names the file to fix; the file's text never is
    const notPem = path.join(dir, 'san.ext');
    expect(refusal(() => TrustBundle.fromFile(notPem, 'DOCKYARD_CA_BUNDLE'))).toMatch(new RegExp(`^${escapeRegExp(`invalid DOCKYARD_CA_BUNDLE ${JSON.stringify(notPem)}: must be the PEM`)}`));
    const withKey = path.join(dir, 'with-key.pem');
    const keyText = fs.readFileSync(path.join(dir, 'company-ca.key'), 'utf8');
    fs.writeFileSync(withKey, `${COMPANY_CA}${keyText}`);
    const keyRefusal = refusal(() => TrustBundle.fromFile(withKey, 'DOCKYARD_CA_BUNDLE'));
    expect(keyRefusal).toBe(`invalid DOCKYARD_CA_BUNDLE ${JSON.stringify(withKey)}: must hold certificates only, never a private key: it is written into the output, which is committed to git`);
    expect(keyRefusal).not.toContain(keyText.split('\n')[1]);
    expect(TrustBundle.fromFile(path.join(dir, 'company-ca.pem'))).toBeInstanceOf(TrustBundle);
  });

  test('a ConfigMap name or key Kubernetes refuses, a string for a SecretKey, a string for a TrustBundle', () => {
    expect(refusal(() => TrustBundle.fromConfigMap('Company_CA'))).toMatch(/^invalid trustBundle "Company_CA": must name a ConfigMap/);
    expect(refusal(() => TrustBundle.fromConfigMap('company-ca', 'a/b'))).toMatch(/^invalid trustBundle "a\/b": must name a ConfigMap key/);
    // keys the API server refuses in a ConfigMap (apimachinery IsConfigMapKey, hasChDirPrefix), so none a pod could mount
    for (const key of ['..data', '.', '..']) {
      expect(refusal(() => TrustBundle.fromConfigMap('company-ca', key))).toBe(`invalid trustBundle ${JSON.stringify(key)}: must name a ConfigMap key: ` +
        '1 to 253 letters, digits, "-", "_" and ".", not "." nor starting with ".."');
    }
    expect(TrustBundle.fromConfigMap('company-ca', '.ca.crt')).toBeInstanceOf(TrustBundle);
    expect(refusal(() => TrustBundle.fromSecret('ca' as unknown as SecretKey))).toMatch(/^invalid trustBundle "ca": must be a SecretKey/);
    expect(refusal(() => droneServer(testChart('ci'), { trustBundle: COMPANY_CA as unknown as TrustBundle }))).toMatch(/^invalid trustBundle .*: must be a TrustBundle/);
    expect(refusal(() => inClusterHarbor(testChart('harbor'), { trustBundle: COMPANY_CA as unknown as TrustBundle }))).toMatch(/^invalid trustBundle .*: must be a TrustBundle/);
  });
});

describe('TrustBundle on the CI servers', () => {
  test('the Drone server mounts it read-only in the directory SSL_CERT_DIR names, from a ConfigMap beside it', () => {
    const chart = testChart('ci');
    droneServer(chart, { trustBundle: TrustBundle.fromPem(`${COMPANY_CA}`.replace(/\n/g, '\r\n')) });
    const objects = synth(chart);
    const pod = find(objects, 'Deployment', 'drone').spec.template.spec;
    expect(envOf(pod.containers[0]).SSL_CERT_DIR).toEqual({ name: 'SSL_CERT_DIR', value: '/etc/dockyard-ca' });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'trust-bundle', mountPath: '/etc/dockyard-ca', readOnly: true });
    expect(pod.volumes).toContainEqual({
      name: 'trust-bundle', projected: { sources: [{ configMap: { name: 'drone-trust-bundle', items: [{ key: 'ca.crt', path: 'trust-bundle.crt' }] } }] },
    });
    // normalised: \n line ends, as checkCertificatePem writes a bundle
    expect(find(objects, 'ConfigMap', 'drone-trust-bundle', 'ci').data).toEqual({ 'ca.crt': COMPANY_CA });
  });

  test('without one, neither server sets SSL_CERT_DIR nor mounts anything', () => {
    const drone = testChart('ci');
    droneServer(drone);
    const wood = testChart('ci');
    woodpecker(wood);
    const objects = [...synth(drone), ...synth(wood)];
    for (const name of ['drone', 'woodpecker']) {
      const pod = find(objects, 'Deployment', name).spec.template.spec;
      expect([name, envOf(pod.containers[0]).SSL_CERT_DIR, JSON.stringify(pod)]).toEqual([name, undefined, expect.not.stringContaining('trust-bundle')]);
    }
    expect(objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('trust-bundle'))).toEqual([]);
  });

  test('the Woodpecker server, from an existing ConfigMap or Secret', () => {
    const chart = testChart('ci');
    woodpecker(chart, TrustBundle.fromConfigMap('company-ca', 'root.pem'));
    const pod = find(synth(chart), 'Deployment', 'woodpecker').spec.template.spec;
    expect(envOf(pod.containers[0]).SSL_CERT_DIR.value).toBe('/etc/dockyard-ca');
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'trust-bundle', mountPath: '/etc/dockyard-ca', readOnly: true });
    expect(pod.volumes).toContainEqual({
      name: 'trust-bundle', projected: { sources: [{ configMap: { name: 'company-ca', items: [{ key: 'root.pem', path: 'trust-bundle.crt' }] } }] },
    });
    const other = testChart('ci');
    woodpecker(other, TrustBundle.fromSecret(Secret.fromSecretName(other, 'Ca', 'company-ca').key('ca.crt')));
    expect(find(synth(other), 'Deployment', 'woodpecker').spec.template.spec.volumes).toContainEqual({
      name: 'trust-bundle', projected: { sources: [{ secret: { name: 'company-ca', items: [{ key: 'ca.crt', path: 'trust-bundle.crt' }] } }] },
    });
  });
});

describe('TrustBundle on Harbor', () => {
  // core: OIDC (goharbor/harbor v2.15.1 src/pkg/oidc/helper.go) and proxy caches' and replication's registry clients
  // (src/common/http/transport.go); jobservice: replication and webhook jobs; Trivy: its databases' repositories
  test('core, jobservice and Trivy put it beside the Redis CA in SSL_CERT_DIR; the registry, portal and exporter do not get it', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { exporter: true, trustBundle: TrustBundle.fromPem(COMPANY_CA) });
    const objects = synth(chart);
    const source = { configMap: { name: 'harbor-trust-bundle', items: [{ key: 'ca.crt', path: 'trust-bundle.crt' }] } };
    for (const [kind, name] of [['Deployment', 'harbor-core'], ['Deployment', 'harbor-jobservice'], ['StatefulSet', 'harbor-trivy']]) {
      const workload = find(objects, kind, name);
      const c = container(workload);
      expect([name, envOf(c).SSL_CERT_DIR?.value]).toEqual([name, '/etc/harbor-ca']);
      expect(c.volumeMounts).toContainEqual({ name: 'harbor-ca', mountPath: '/etc/harbor-ca', readOnly: true });
      expect(workload.spec.template.spec.volumes).toContainEqual({ name: 'harbor-ca', projected: { sources: [source] } });
    }
    for (const name of ['harbor-registry', 'harbor-portal', 'harbor-exporter']) {
      expect([name, JSON.stringify(find(objects, 'Deployment', name).spec.template)]).toEqual([name, expect.not.stringContaining('trust-bundle')]);
    }
    expect(find(objects, 'ConfigMap', 'harbor-trust-bundle', 'harbor').data).toEqual({ 'ca.crt': COMPANY_CA });
  });

  test('a new CA rolls exactly core, jobservice and Trivy; the same CA again rolls nothing', () => {
    const render = (pem: string) => {
      const chart = testChart('harbor');
      inClusterHarbor(chart, { exporter: true, trustBundle: TrustBundle.fromPem(pem) });
      return checksums(synth(chart));
    };
    const before = render(COMPANY_CA);
    expect(changed(before, render(COMPANY_CA))).toEqual([]);
    expect(changed(before, render(`${COMPANY_CA}${PUBLIC_CA}`))).toEqual(['Deployment/harbor-core', 'Deployment/harbor-jobservice', 'StatefulSet/harbor-trivy']);
  });

  // distribution's S3 driver keeps http.DefaultTransport unless skipverify (goharbor/distribution release/2.8
  // registry/storage/driver/s3-aws/s3.go:436-450), and registryctl builds the same driver for garbage collection
  test('an S3-compatible endpoint over https (not Spaces) brings it to the registry and registryctl too, and rolls them', () => {
    const render = (pem: string, regionEndpoint?: string) => {
      const chart = testChart('harbor');
      const keys = Secret.fromSecretName(chart, 'S3', 's3');
      inClusterHarbor(chart, {
        trustBundle: TrustBundle.fromPem(pem),
        storage: HarborStorage.s3({ bucket: 'images', region: 'us-east-1', regionEndpoint, accessKey: keys.key('a'), secretKey: keys.key('s') }),
      });
      return synth(chart);
    };
    const objects = render(COMPANY_CA, 'https://minio.acme.internal:9000');
    const registry = find(objects, 'Deployment', 'harbor-registry');
    for (const name of ['registry', 'registryctl']) {
      const c = container(registry, name);
      expect([name, envOf(c).SSL_CERT_DIR?.value]).toEqual([name, '/etc/harbor-ca']);
      expect(c.volumeMounts).toContainEqual({ name: 'harbor-ca', mountPath: '/etc/harbor-ca', readOnly: true });
    }
    expect(registry.spec.template.spec.volumes).toContainEqual({
      name: 'harbor-ca', projected: { sources: [{ configMap: { name: 'harbor-trust-bundle', items: [{ key: 'ca.crt', path: 'trust-bundle.crt' }] } }] },
    });
    expect(changed(checksums(objects), checksums(render(`${COMPANY_CA}${PUBLIC_CA}`, 'https://minio.acme.internal:9000')))).toEqual([
      'Deployment/harbor-core', 'Deployment/harbor-jobservice', 'Deployment/harbor-registry', 'StatefulSet/harbor-trivy',
    ]);
    // AWS itself, Spaces, and plain http have nothing a private CA signs
    for (const endpoint of [undefined, 'https://fra1.digitaloceanspaces.com', 'http://minio.acme.internal:9000']) {
      const pod = JSON.stringify(find(render(COMPANY_CA, endpoint), 'Deployment', 'harbor-registry').spec.template);
      expect([endpoint, pod]).toEqual([endpoint, expect.not.stringContaining('trust-bundle')]);
    }
  });

  test('a new CA rolls the Drone server and nothing else of the engine', () => {
    const render = (pem: string) => {
      const chart = testChart('ci');
      droneServer(chart, { trustBundle: TrustBundle.fromPem(pem) });
      return checksums(synth(chart));
    };
    expect(changed(render(COMPANY_CA), render(`${COMPANY_CA}${PUBLIC_CA}`))).toEqual(['Deployment/drone']);
  });
});

/**
 * Go's system roots as `loadSystemRoots` builds them (golang/go src/crypto/x509/root_unix.go): the first bundle file
 * that can be read (`SSL_CERT_FILE` alone when set), then every entry of each directory of the colon-separated
 * `SSL_CERT_DIR` (the default directories when unset), leaving out a symlink whose target holds no "/"
 * (`isSameDirSymlink`) and any entry that cannot be read as a file. Paths are under `root`, the container's filesystem.
 */
function goSystemRoots(root: string, env: Record<string, string | undefined>, certFiles: string[], certDirectories: string[]): string[] {
  const pems: string[] = [];
  for (const file of env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : certFiles) {
    try {
      pems.push(fs.readFileSync(path.join(root, file), 'utf8'));
      break;
    } catch {
      // the next file
    }
  }
  for (const directory of env.SSL_CERT_DIR ? env.SSL_CERT_DIR.split(':') : certDirectories) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, directory), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(root, directory, entry.name);
      if (entry.isSymbolicLink() && !fs.readlinkSync(full).includes('/')) {
        continue;
      }
      try {
        pems.push(fs.readFileSync(full, 'utf8'));
      } catch {
        // a directory, or a dangling link: skipped, as os.ReadFile's error is
      }
    }
  }
  return pems;
}

/**
 * Project a rendered volume into `root` at `mountPath` as the kubelet's AtomicWriter does (kubernetes/kubernetes
 * pkg/volume/util/atomic_writer.go `Write`): the files in a timestamped directory `..<time>`, a symlink `..data` to
 * it, and each visible file a symlink `<path> -> ..data/<path>` (`createUserVisibleFiles`).
 */
function projectVolume(root: string, mountPath: string, volume: any, contents: Record<string, string>): void {
  const target = path.join(root, mountPath);
  const stamp = '..2026_12_06_00_00_00.123456789';
  fs.mkdirSync(path.join(target, stamp), { recursive: true });
  for (const source of volume.projected.sources) {
    const ref = source.configMap ?? source.secret;
    for (const item of ref.items) {
      fs.writeFileSync(path.join(target, stamp, item.path), contents[`${ref.name}#${item.key}`]);
      fs.symlinkSync(path.join('..data', item.path), path.join(target, item.path));
    }
  }
  fs.symlinkSync(stamp, path.join(target, '..data'));
}

/** Whether a client that trusts `roots` completes a TLS handshake with the company CA's server on loopback. */
async function handshake(roots: string[]): Promise<string> {
  const server = tls.createServer(SERVER, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: roots.length > 0 ? roots : [PUBLIC_CA] }, () => {
        socket.destroy();
        resolve('verified');
      });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
  } finally {
    server.close();
  }
}

describe('a pod as rendered trusts the company CA by Go\'s rule, and keeps the public roots', () => {
  // the images' bundle files: Alpine's (Drone, Woodpecker) and Photon's (Harbor), the first two of Go's certFiles on
  // Linux (src/crypto/x509/root_linux.go)
  const CERT_FILES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];
  const CERT_DIRECTORIES = ['/etc/ssl/certs', '/etc/pki/tls/certs'];

  /** The container `name` of `kind`/`workload`, laid out on a fresh root with its image's public bundle at `bundle`. */
  function podRoot(objects: any[], kind: string, workload: string, bundle: string, contents: Record<string, string>): { root: string; env: Record<string, string> } {
    const root = fs.mkdtempSync(path.join(dir, 'pod-'));
    fs.mkdirSync(path.join(root, path.dirname(bundle)), { recursive: true });
    fs.writeFileSync(path.join(root, bundle), PUBLIC_CA);
    const pod = find(objects, kind, workload).spec.template.spec;
    const c = pod.containers[0];
    for (const mount of c.volumeMounts ?? []) {
      const volume = pod.volumes.find((v: any) => v.name === mount.name);
      if (volume?.projected) {
        projectVolume(root, mount.mountPath, volume, contents);
      }
    }
    return { root, env: Object.fromEntries((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value])) };
  }

  test('the Drone server (Alpine bundle) verifies the company CA\'s server and still holds the image\'s roots', async () => {
    const chart = testChart('ci');
    droneServer(chart, { trustBundle: TrustBundle.fromPem(COMPANY_CA) });
    const { root, env } = podRoot(synth(chart), 'Deployment', 'drone', CERT_FILES[0], { 'drone-trust-bundle#ca.crt': COMPANY_CA });
    const roots = goSystemRoots(root, env, CERT_FILES, CERT_DIRECTORIES);
    expect(roots).toEqual([PUBLIC_CA, COMPANY_CA]);
    expect(await handshake(roots)).toBe('verified');
  });

  test('Harbor core (Photon bundle) trusts the bundle and the Redis CA both', async () => {
    const chart = testChart('harbor');
    const secrets = Secret.fromSecretName(chart, 'S', 'harbor-secrets');
    inClusterHarbor(chart, {
      trustBundle: TrustBundle.fromPem(COMPANY_CA),
      redis: new ExternalRedis(chart, 'Valkey', { host: 'valkey.internal', port: 6380, password: secrets.key('redis'), caCertificate: secrets.key('valkey-ca') }),
    });
    const { root, env } = podRoot(synth(chart), 'Deployment', 'harbor-core', CERT_FILES[1], {
      'harbor-trust-bundle#ca.crt': COMPANY_CA, 'harbor-secrets#valkey-ca': PUBLIC_CA,
    });
    const roots = goSystemRoots(root, env, CERT_FILES, CERT_DIRECTORIES);
    expect(roots.filter((r) => r === COMPANY_CA)).toHaveLength(1);
    expect(await handshake(roots)).toBe('verified');
  });

  test('without the bundle the same pod refuses the server, as GitLab\'s users see it today', async () => {
    const chart = testChart('ci');
    droneServer(chart);
    const { root, env } = podRoot(synth(chart), 'Deployment', 'drone', CERT_FILES[0], {});
    const roots = goSystemRoots(root, env, CERT_FILES, CERT_DIRECTORIES);
    // the default directory /etc/ssl/certs holds the bundle file itself, read a second time
    expect(new Set(roots)).toEqual(new Set([PUBLIC_CA]));
    expect(await handshake(roots)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

describe('the default stack: DOCKYARD_CA_BUNDLE reaches the CI server and Harbor', () => {
  test.each(['drone', 'woodpecker'])('with DOCKYARD_CI=%s', (engine) => {
    const file = path.join(dir, 'company-ca.pem');
    const config = loadConfig({ DOCKYARD_CI: engine, DOCKYARD_CA_BUNDLE: file });
    const objects = defaultStack(new App({ outdir: '/nonexistent' }), config).toJson();
    const server = find(objects, 'Deployment', engine);
    expect(envOf(container(server)).SSL_CERT_DIR.value).toBe('/etc/dockyard-ca');
    expect(find(objects, 'ConfigMap', `${engine}-trust-bundle`).data).toEqual({ 'ca.crt': COMPANY_CA });
    expect(envOf(container(find(objects, 'Deployment', 'harbor-core'))).SSL_CERT_DIR.value).toBe('/etc/harbor-ca');
    expect(find(objects, 'ConfigMap', 'harbor-trust-bundle').data).toEqual({ 'ca.crt': COMPANY_CA });
  });
});
