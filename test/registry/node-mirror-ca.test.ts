import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { describePath, describeValue, ValidationError } from '../../lib/core/validation';
import { containerdHosts, MirrorSpec, rke2Registries } from '../../lib/registry/node-mirrors';
import { containerdManifestRequests, rke2ManifestRequests } from './node-pull-route';

// MirrorSpec.caFile: the CA file a node's runtime trusts for the mirror endpoint, rendered as hosts.toml's `ca` and
// registries.yaml's `configs."<host>".tls.ca_file`. Upstream facts, as test/registry/node-pull-route.ts ports them:
// - containerd v2.3.4 core/remotes/docker/config/hosts.go `parseHostConfig`: `ca` is one file name or a list, a
//   relative one joined to the registry's certs.d directory (`makeAbsPath`); `ConfigureHosts` gives each
//   `[host."…"]` table its own TLS config, so the CA is trusted for that host alone;
// - k3s pkg/agent/containerd/config.go (commit 06ea261) `getHostConfigs`/`configForHost`: a mirror endpoint takes
//   the `configs` entry of its own host[:port], which pkg/agent/templates/templates.go (commit 053afed)
//   `HostsTomlTemplate` writes as `ca = ["<ca_file>"]` in that endpoint's table (RKE2 runs the same agent code).

const CA = '/etc/rancher/k3s/mirror-ca.pem';
const HUB: MirrorSpec = { upstream: 'docker.io', endpoint: 'https://harbor.example.com', project: 'dockerhub', caFile: CA };
const GHCR: MirrorSpec = { upstream: 'ghcr.io', endpoint: 'https://harbor.example.com', project: 'ghcr', caFile: CA };
const ROBOT = { username: 'robot$dockyard-nodes', password: 's3cret' };

const header = (text: string) => text.split('\n').filter((l) => l.startsWith('#')).map((l) => l.slice(2));
const without = ({ caFile, ...rest }: MirrorSpec): MirrorSpec => rest;

describe('caFile in registries.yaml (RKE2/k3s)', () => {
  test('is configs."<endpoint host>".tls.ca_file, one entry for the mirrors of one host, beside the login', () => {
    expect(parseYaml(rke2Registries([HUB, GHCR])).configs).toEqual({ 'harbor.example.com': { tls: { ca_file: CA } } });
    expect(parseYaml(rke2Registries([HUB, GHCR], { 'harbor.example.com': ROBOT })).configs).toEqual({
      'harbor.example.com': { auth: ROBOT, tls: { ca_file: CA } },
    });
  });

  test('keys each CA file by its endpoint host[:port], sorted, and leaves a host without one out', () => {
    const quay = { upstream: 'quay.io', endpoint: 'https://mirror.example.com:8443', caFile: '/etc/ssl/mirror.pem' };
    const k8s = { upstream: 'registry.k8s.io', endpoint: 'https://plain.example.com' };
    const text = rke2Registries([quay, HUB, k8s]);
    expect(Object.entries(parseYaml(text).configs)).toEqual([
      ['harbor.example.com', { tls: { ca_file: CA } }],
      ['mirror.example.com:8443', { tls: { ca_file: '/etc/ssl/mirror.pem' } }],
    ]);
  });

  test('the header says to copy the CA file first, and what its absence does', () => {
    expect(header(rke2Registries([HUB, GHCR]))).toEqual(expect.arrayContaining([
      'harbor.example.com\'s certificate is checked against the system CAs and the CA file configs.harbor.example.com.tls.ca_file names: copy that file to every',
      'node first. While it is missing, or holds no PEM certificate, every pull of docker.io, ghcr.io fails, the registry itself untried.',
    ]));
  });

  test('the endpoint RKE2/k3s pull through first trusts the CA file; the registry itself does not (behaviour)', () => {
    const requests = rke2ManifestRequests('nginx:1.27', rke2Registries([HUB, GHCR]));
    expect(requests.map((r) => r.caFiles)).toEqual([[CA], undefined]);
    expect(requests[0].url).toBe('https://harbor.example.com/v2/dockerhub/library/nginx/manifests/1.27?ns=docker.io');
  });

  test('registries.local.yaml, with the login, keeps the CA file', () => {
    const text = rke2Registries([HUB], { 'harbor.example.com': ROBOT });
    expect(rke2ManifestRequests('nginx', text)[0]).toMatchObject({ username: ROBOT.username, caFiles: [CA] });
  });
});

describe('caFile in hosts.toml (containerd)', () => {
  test('is ca in the mirror host\'s table only, not at the top where server is', () => {
    const doc = parseToml(containerdHosts(HUB).content) as any;
    expect(doc).toEqual({
      server: 'https://registry-1.docker.io',
      host: { 'https://harbor.example.com/v2/dockerhub': { capabilities: ['pull', 'resolve'], override_path: true, ca: CA } },
    });
  });

  test('the header says to copy the CA file first, and what its absence does', () => {
    expect(header(containerdHosts(HUB).content).slice(-2)).toEqual([
      'harbor.example.com\'s certificate is checked against the system CAs and the CA file ca names: copy that file to every',
      'node first. While it is missing, or holds no PEM certificate, every pull of docker.io fails, the registry itself untried.',
    ]);
  });

  test('containerd trusts the CA file for the mirror and not for server, the registry itself (behaviour)', () => {
    const hosts = containerdHosts(HUB);
    const requests = containerdManifestRequests('nginx:1.27', { [hosts.path]: hosts.content });
    expect(requests.map((r) => [r.url, r.caFiles])).toEqual([
      ['https://harbor.example.com/v2/dockerhub/library/nginx/manifests/1.27?ns=docker.io', [CA]],
      ['https://registry-1.docker.io/v2/library/nginx/manifests/1.27', undefined],
    ]);
  });

  test('containerd reads a relative ca from the registry\'s certs.d directory, which k3s empties: hence absolute paths (port)', () => {
    // hosts.go makeAbsPath, and a list as k3s writes it; the port refuses what parseHostConfig refuses
    const relative = '[host."https://harbor.example.com"]\n  ca = "ca.crt"\n';
    const list = '[host."https://harbor.example.com"]\n  ca = ["/etc/ssl/a.pem", "b.pem"]\n';
    expect(containerdManifestRequests('nginx', { 'docker.io/hosts.toml': relative })[0].caFiles).toEqual(['/etc/containerd/certs.d/docker.io/ca.crt']);
    expect(containerdManifestRequests('nginx', { 'docker.io/hosts.toml': list })[0].caFiles).toEqual(['/etc/ssl/a.pem', '/etc/containerd/certs.d/docker.io/b.pem']);
    expect(() => containerdManifestRequests('nginx', { 'docker.io/hosts.toml': '[host."https://h"]\n  ca = 1\n' })).toThrow('invalid type 1 for "ca"');
  });
});

describe('caFile unset', () => {
  test('leaves both files as they were, byte for byte', () => {
    const plain = [without(HUB), without(GHCR)];
    expect(rke2Registries([HUB, GHCR].map((m) => ({ ...m, caFile: undefined })))).toBe(rke2Registries(plain));
    expect(containerdHosts({ ...HUB, caFile: undefined }).content).toBe(containerdHosts(without(HUB)).content);
    for (const text of [rke2Registries(plain, { 'harbor.example.com': ROBOT }), containerdHosts(without(HUB)).content]) {
      expect(text).not.toMatch(/\bca\b|ca_file|tls|CA file/);
    }
  });
});

/** An allowed path: "/" and segments of letters and the characters the writers escape, never ".", ".." or empty. */
const allowedPath = fc.array(
  fc.string({ unit: fc.constantFrom(...'aZ09-_.~ "\'\\#:{}[],&*!|>%@`=$\u00e9\u2028\u2029\ufeff\u{1f600}'.split(/(?:)/u)), minLength: 1, maxLength: 12 })
    .filter((s) => s !== '.' && s !== '..'),
  { minLength: 1, maxLength: 5 },
).map((parts) => `/${parts.join('/')}`);

describe('any allowed caFile', () => {
  test('reads back as itself from hosts.toml and registries.yaml, with the comments still comments (property)', () => {
    fc.assert(fc.property(allowedPath, (caFile) => {
      const mirror = { ...HUB, caFile };
      const hosts = containerdHosts(mirror);
      const toml = parseToml(hosts.content) as any;
      expect(toml.host['https://harbor.example.com/v2/dockerhub'].ca).toBe(caFile);
      expect(containerdManifestRequests('nginx', { [hosts.path]: hosts.content })[0].caFiles).toEqual([caFile]);
      const yaml = rke2Registries([mirror], { 'harbor.example.com': ROBOT });
      // YAML 1.1 reads U+2028 as a line break: the writer escapes it in the scalar, and no comment holds the path
      expect(parseYaml(yaml, { version: '1.1' }).configs['harbor.example.com'].tls.ca_file).toBe(caFile);
      expect(parseYaml(yaml).configs['harbor.example.com'].tls.ca_file).toBe(caFile);
      expect(rke2ManifestRequests('nginx', yaml)[0].caFiles).toEqual([caFile]);
    }), { numRuns: 300 });
  });
});

describe('caFile validation', () => {
  const allowed = 'must be the absolute path of the CA file on the node, such as "/etc/rancher/k3s/mirror-ca.pem": at most 4096 ' +
    'characters, starting with "/", without control characters or empty, "." or ".." segments';

  test.each([
    'mirror-ca.pem', './mirror-ca.pem', 'etc/ca.pem', '', '/', '/etc//ca.pem', '/etc/ca/', '/etc/./ca.pem', '/etc/../ca.pem', '/..',
    '/etc/ca.pem\n', '/etc/ca\r.pem', '/etc/\tca.pem', '/etc/ca\x00.pem', '/etc/ca\x7f.pem', '/etc/ca\x85.pem', '/etc/ca\ud800.pem',
  ])('refuses %j, naming the prop, the whole path and what is allowed', (caFile) => {
    expect(() => rke2Registries([{ ...HUB, caFile }])).toThrow(ValidationError);
    expect(() => rke2Registries([{ ...HUB, caFile }])).toThrow(`invalid mirrors[0].caFile ${describePath(caFile)}: ${allowed}`);
    expect(() => containerdHosts({ ...HUB, caFile })).toThrow(`invalid mirror.caFile ${describePath(caFile)}: ${allowed}`);
  });

  test.each([['a number', 42], ['null', null], ['a list', ['/etc/ca.pem']], ['4097 characters', `/${'a'.repeat(4096)}`]])('refuses %s, no path or too long, shown shortened', (_, caFile) => {
    expect(() => rke2Registries([{ ...HUB, caFile } as unknown as MirrorSpec])).toThrow(`invalid mirrors[0].caFile ${describeValue(caFile)}: ${allowed}`);
  });

  test('accepts a path of 4096 characters', () => {
    expect(() => rke2Registries([{ ...HUB, caFile: `/${'a'.repeat(4095)}` }])).not.toThrow();
  });

  test('refuses a CA file for an http endpoint, which has no certificate', () => {
    const mirror = { ...HUB, endpoint: 'http://harbor.example.com:5000' };
    expect(() => rke2Registries([mirror])).toThrow(`invalid mirrors[0].caFile "${CA}": must be unset for an http endpoint, which has no certificate to check`);
    expect(() => containerdHosts(mirror)).toThrow(`invalid mirror.caFile "${CA}": must be unset for an http endpoint`);
  });

  test('refuses two mirrors of one endpoint host with different CA files, or one without', () => {
    expect(() => rke2Registries([HUB, { ...GHCR, caFile: '/etc/ssl/other.pem' }])).toThrow(
      `invalid mirrors[1].caFile "/etc/ssl/other.pem": must be the same as mirrors[0].caFile ("${CA}"): both mirror through harbor.example.com, ` +
      'and RKE2 and k3s trust one CA file per endpoint host');
    expect(() => rke2Registries([without(HUB), GHCR])).toThrow(
      `invalid mirrors[1].caFile "${CA}": must be the same as mirrors[0].caFile (unset): both mirror through harbor.example.com`);
    expect(() => rke2Registries([HUB, without(GHCR)])).toThrow(`invalid mirrors[1].caFile undefined: must be the same as mirrors[0].caFile ("${CA}")`);
    // another host, or the same host on another port, may have its own
    expect(() => rke2Registries([HUB, { ...GHCR, endpoint: 'https://harbor.example.com:8443', caFile: '/etc/ssl/other.pem' }])).not.toThrow();
  });
});
