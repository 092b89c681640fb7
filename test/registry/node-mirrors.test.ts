import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { LocalSecretStore, OutputFile, renderTemplate, Secret, SecretFile, SecretKey, SecretValue, TemplateEscape } from '../../lib/core';
import { describeValue, ValidationError } from '../../lib/core/validation';
import { NodeMirrorFiles } from '../../lib/registry/node-mirror-files';
import { RegistryCredential } from '../../lib/registry/credential';
import { tomlString } from '../../lib/core/toml';
import { containerdHosts, MirrorSpec, rke2Registries } from '../../lib/registry/node-mirrors';
import { testChart } from '../util';

const HUB: MirrorSpec = { upstream: 'docker.io', endpoint: 'https://harbor.example.com', project: 'dockerhub' };
const GHCR: MirrorSpec = { upstream: 'ghcr.io', endpoint: 'https://harbor.example.com', project: 'ghcr' };
const ROBOT = { username: 'robot$dockyard-nodes', password: 's3cret' };

/** The comment lines at the top of a file, without their `# `. */
const header = (text: string) => text.split('\n').filter((l) => l.startsWith('#')).map((l) => l.slice(2));

describe('rke2Registries', () => {
  test('renders a Docker Hub mirror through a Harbor proxy-cache project', () => {
    const text = rke2Registries([HUB]);
    expect(parseYaml(text)).toEqual({
      mirrors: {
        'docker.io': {
          endpoint: ['https://harbor.example.com'],
          rewrite: { '^(.*)$': 'dockerhub/$1' },
        },
      },
    });
    expect(text).not.toContain('configs');
    expect(text).not.toContain('CREDENTIALS');
  });

  test('adds credentials under configs, keyed by the mirror host, not the mirrored registry', () => {
    const text = rke2Registries([HUB], { 'harbor.example.com': ROBOT });
    expect(parseYaml(text)).toEqual({
      mirrors: {
        'docker.io': { endpoint: ['https://harbor.example.com'], rewrite: { '^(.*)$': 'dockerhub/$1' } },
      },
      configs: {
        'harbor.example.com': { auth: { username: 'robot$dockyard-nodes', password: 's3cret' } },
      },
    });
    expect(header(text).join('\n')).toContain('CONTAINS REGISTRY CREDENTIALS: keep this file out of git');
  });

  test('renders two mirrors on one Harbor, sorted by upstream, with one configs entry', () => {
    const text = rke2Registries([GHCR, HUB], { 'harbor.example.com': ROBOT });
    const doc = parseYaml(text);
    expect(doc).toEqual({
      mirrors: {
        'docker.io': { endpoint: ['https://harbor.example.com'], rewrite: { '^(.*)$': 'dockerhub/$1' } },
        'ghcr.io': { endpoint: ['https://harbor.example.com'], rewrite: { '^(.*)$': 'ghcr/$1' } },
      },
      configs: { 'harbor.example.com': { auth: ROBOT } },
    });
    expect(Object.keys(doc.mirrors)).toEqual(['docker.io', 'ghcr.io']);
    expect(Object.keys(doc)).toEqual(['mirrors', 'configs']);
  });

  test('omits rewrite without a project, and keys credentials by host:port', () => {
    const text = rke2Registries(
      [{ upstream: 'quay.io', endpoint: 'https://mirror.example.com:8443/' }],
      { 'mirror.example.com:8443': ROBOT },
    );
    expect(parseYaml(text)).toEqual({
      mirrors: { 'quay.io': { endpoint: ['https://mirror.example.com:8443'] } },
      configs: { 'mirror.example.com:8443': { auth: ROBOT } },
    });
  });

  test('accepts an explicit plain-http endpoint', () => {
    expect(parseYaml(rke2Registries([{ upstream: 'docker.io', endpoint: 'http://10.0.0.5:5000' }]))).toEqual({
      mirrors: { 'docker.io': { endpoint: ['http://10.0.0.5:5000'] } },
    });
  });

  test('starts with a header naming the file, its node paths and the default endpoint fallback', () => {
    const text = rke2Registries([HUB]);
    expect(text.startsWith('# registries.yaml: node-side registry mirrors for RKE2 and k3s')).toBe(true);
    const lines = header(text).join('\n');
    expect(lines).toContain('/etc/rancher/rke2/registries.yaml (RKE2)');
    expect(lines).toContain('/etc/rancher/k3s/registries.yaml (k3s)');
    expect(lines).toContain('read only at startup');
    expect(lines).toContain('Mirrors: docker.io -> https://harbor.example.com/dockerhub.');
    // k3s writes docker.io's own endpoint as containerd's DefaultHost gives it (k3s-io/k3s pkg/agent/containerd/config.go
    // `defaultHostConfig` -> `normalizeEndpointAddress` -> `docker.DefaultHost`; containerd v2.3.4
    // core/remotes/docker/resolver.go:134-139: "docker.io" is "registry-1.docker.io"), the server containerdHosts
    // writes for the same mirror; the header said https://index.docker.io/v2, the go-containerregistry name
    expect(lines).toContain("default endpoint (for docker.io: https://registry-1.docker.io/v2) is still tried last");
    expect(lines).not.toContain('index.docker.io');
    expect(`${parseToml(containerdHosts(HUB).content).server}/v2`).toBe('https://registry-1.docker.io/v2');
    expect(lines).toContain('disable-default-registry-endpoint: true');
    expect(lines).toContain('--disable-default-registry-endpoint');
    // the header is all comments, before any YAML
    expect(text.split('\n').findIndex((l) => !l.startsWith('#'))).toBe(header(text).length);
  });

  test('round-trips passwords and user names with characters YAML treats specially', () => {
    const odd = [
      'p@ss: "w#rd\' {x} [y] *z &a !b %c |d >e',
      '  leading and trailing spaces  ',
      'line1\nline2\r\n\ttab\\backslash',
      'yes', 'null', '0x1F', '1e3', '~', '-', '---', '# not a comment', 'ünïcødé ✓ 🐳',
      '\u0000\u0007\u007f\u0085\u2028',
    ];
    // user names as RegistryCredential takes them: no ":", whitespace or control character
    const users = ['robot$x', 'yes', 'null', '0x1F', '~', '-', '#c', '*z', '&a', '!b', '%c', '|d', '>e', '"q\'', '{x}', '[y]', 'ünï🐳'];
    for (const [username, password] of [...odd.map((p) => ['robot$x', p]), ...users.map((u) => [u, 'p'])]) {
      const auth = { 'harbor.example.com': { username, password } };
      expect(parseYaml(rke2Registries([HUB], auth)).configs).toEqual({
        'harbor.example.com': { auth: { username, password } },
      });
    }
  });

  test('is deterministic: mirror and credential order do not change the output', () => {
    const quay: MirrorSpec = { upstream: 'quay.io', endpoint: 'https://mirror.example.com:8443' };
    const a = rke2Registries([HUB, GHCR, quay], { 'harbor.example.com': ROBOT, 'mirror.example.com:8443': ROBOT });
    const b = rke2Registries([quay, GHCR, HUB], { 'mirror.example.com:8443': ROBOT, 'harbor.example.com': ROBOT });
    expect(b).toBe(a);
    expect(rke2Registries([HUB, GHCR, quay])).toBe(rke2Registries([GHCR, quay, HUB]));
    expect(Object.keys(parseYaml(a).configs)).toEqual(['harbor.example.com', 'mirror.example.com:8443']);
    expect(Object.keys(parseYaml(a).mirrors)).toEqual(['docker.io', 'ghcr.io', 'quay.io']);
  });

  test('treats an empty auth map as no credentials', () => {
    expect(rke2Registries([HUB], {})).toBe(rke2Registries([HUB]));
  });
});

describe('containerdHosts', () => {
  test('renders a Docker Hub mirror through a Harbor proxy-cache project', () => {
    const { path, content } = containerdHosts(HUB);
    expect(path).toBe('docker.io/hosts.toml');
    expect(parseToml(content)).toEqual({
      server: 'https://registry-1.docker.io',
      host: {
        'https://harbor.example.com/v2/dockerhub': { capabilities: ['pull', 'resolve'], override_path: true },
      },
    });
    expect(content).toContain('[host."https://harbor.example.com/v2/dockerhub"]');
  });

  test('without a project, uses the endpoint itself and no override_path', () => {
    const { path, content } = containerdHosts({ upstream: 'registry.k8s.io', endpoint: 'https://mirror.example.com' });
    expect(path).toBe('registry.k8s.io/hosts.toml');
    const toml = parseToml(content) as { server: string; host: Record<string, Record<string, unknown>> };
    expect(toml.server).toBe('https://registry.k8s.io');
    expect(Object.keys(toml.host)).toEqual(['https://mirror.example.com']);
    expect(toml.host['https://mirror.example.com']).toEqual({ capabilities: ['pull', 'resolve'] });
    expect(content).not.toContain('override_path');
  });

  // containerd v2.3.4 core/remotes/docker/config/config_unix.go hostPaths looks "host:port" up in "host_port_"
  // (hosts.go hostDirectory) before "host:port"; an output path holds no ":", so "host:port" failed every synth
  test('names the directory host_port_ for a registry with a port, and keeps the port on the server and host', () => {
    const { path, content } = containerdHosts({
      upstream: 'registry.example.com:5000', endpoint: 'https://harbor.example.com:8443', project: 'internal.cache_1',
    });
    expect(path).toBe('registry.example.com_5000_/hosts.toml');
    expect(content).toContain('/etc/containerd/certs.d/registry.example.com_5000_/hosts.toml');
    expect(parseToml(content)).toEqual({
      server: 'https://registry.example.com:5000',
      host: {
        'https://harbor.example.com:8443/v2/internal.cache_1': { capabilities: ['pull', 'resolve'], override_path: true },
      },
    });
  });

  test('any valid upstream, endpoint and project parse back as the mirror they name (property)', () => {
    // containerd v2.3.4 core/remotes/docker/config/hosts.go reads `server` and `[host."<url>"]` tables with their
    // capabilities and override_path; the header is comments only, whatever the names hold
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
    const host = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'io', 'example')).map(([ls, tld]) => [...ls, tld].join('.'));
    const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }).map((p) => (p === undefined ? '' : `:${p}`));
    const project = fc.option(fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/).filter((p) => p.length <= 60), { nil: undefined });
    // Docker Hub's names are spelled docker.io with its own server (the tests above)
    const upstreamHost = host.filter((h) => !h.endsWith('docker.io'));
    fc.assert(fc.property(upstreamHost, port, host, port, project, (upHost, upPort, endHost, endPort, proj) => {
      const upstream = `${upHost}${upPort}`;
      const endpoint = `https://${endHost}${endPort}`;
      const { path, content } = containerdHosts({ upstream, endpoint, ...(proj === undefined ? {} : { project: proj }) });
      expect(path).toBe(`${upstream.replace(/:(\d+)$/, '_$1_')}/hosts.toml`);
      const mirror = proj === undefined ? endpoint : `${endpoint}/v2/${proj}`;
      expect(parseToml(content)).toEqual({
        server: `https://${upstream}`,
        host: { [mirror]: { capabilities: ['pull', 'resolve'], ...(proj === undefined ? {} : { override_path: true }) } },
      });
    }), { numRuns: 200 });
  });

  test('starts with a header naming the file, its node path, and where auth comes from', () => {
    const { content } = containerdHosts(GHCR);
    expect(content.startsWith('# hosts.toml: containerd registry mirror for ghcr.io')).toBe(true);
    const lines = header(content).join('\n');
    expect(lines).toContain('/etc/containerd/certs.d/ghcr.io/hosts.toml');
    expect(lines).toContain('io.containerd.grpc.v1.cri');
    expect(lines).toContain('io.containerd.cri.v1.images');
    expect(lines).toContain('No credentials');
    expect(lines).toContain('CRI registry auth config');
    // the kubelet picks pull secrets by the image's registry: a pod's never reaches the mirror host
    expect(lines).toContain('dockyard-mirror-auth.local.toml');
    expect(parseToml(content).server).toBe('https://ghcr.io');
  });

  test('is deterministic', () => {
    expect(containerdHosts({ ...HUB })).toEqual(containerdHosts({ project: 'dockerhub', endpoint: 'https://harbor.example.com', upstream: 'docker.io' }));
  });
});

describe('tomlString', () => {
  test('writes TOML basic strings that parse back exactly', () => {
    const values = ['plain', 'quote " and \\ backslash', 'tab\tnew\nline\r', '\u0000\u0001\u001f\u007f', 'ünïcødé 🐳', '', "'single'", '${x} #c'];
    for (const v of values) {
      expect(parseToml(`k = ${tomlString(v)}`)).toEqual({ k: v });
    }
  });

  test('refuses a lone surrogate, which TOML cannot hold', () => {
    expect(() => tomlString('a\ud800b')).toThrow(/invalid toml string .*: must be a string of well-formed Unicode/);
    expect(() => tomlString('\udc00')).toThrow(ValidationError);
  });
});

describe('validation', () => {
  const bad = (mirror: Partial<MirrorSpec>): MirrorSpec => ({ ...HUB, ...mirror } as MirrorSpec);

  test.each([
    ['https://docker.io', /invalid mirrors\[0\]\.upstream "https:\/\/docker\.io": must be a lower-case DNS host name, optionally with :port, without scheme or path/],
    ['Docker.io', /invalid mirrors\[0\]\.upstream "Docker.io": must be a lower-case DNS host name/],
    ['docker.io/library', /invalid mirrors\[0\]\.upstream/],
    ['registry.example.com:99999', /invalid mirrors\[0\]\.upstream/],
    ['', /invalid mirrors\[0\]\.upstream ""/],
    ['index.docker.io', /invalid mirrors\[0\]\.upstream "index\.docker\.io": must be "docker\.io" for Docker Hub/],
    // an image's registry has a "." or ":" or is localhost (distribution/reference normalize.go, splitDockerDomain)
    ['quay', /invalid mirrors\[0\]\.upstream "quay": .*as a registry host it needs a "\." or a :port, or is localhost/],
  ])('refuses upstream %j', (upstream, message) => {
    expect(() => rke2Registries([bad({ upstream })])).toThrow(ValidationError);
    expect(() => rke2Registries([bad({ upstream })])).toThrow(message);
  });

  // containerd v2.3.4 core/remotes/docker/config/hosts.go ConfigureHosts looks up the certs.d directory of the image's
  // host as written; distribution/reference normalize.go splitDockerDomain maps only index.docker.io to docker.io, so
  // registry-1.docker.io/... (a third-party manifest's spelling) is looked up under its own name, and its mirror is read
  test('takes upstream registry-1.docker.io, a host images may be spelt with, under its own name', () => {
    const mirror = { ...HUB, upstream: 'registry-1.docker.io' };
    expect(parseYaml(rke2Registries([mirror])).mirrors).toEqual({
      'registry-1.docker.io': { endpoint: ['https://harbor.example.com'], rewrite: { '^(.*)$': 'dockerhub/$1' } },
    });
    expect(containerdHosts(mirror).path).toBe('registry-1.docker.io/hosts.toml');
  });

  test.each([
    'harbor.example.com', 'ftp://harbor.example.com', 'https://harbor.example.com/dockerhub', 'https://harbor.example.com/v2/',
    'https://harbor.example.com?x=1', 'https://harbor.example.com#x', 'https://user:pw@harbor.example.com', 'https://', '',
  ])('refuses endpoint %j', (endpoint) => {
    expect(() => rke2Registries([bad({ endpoint })])).toThrow(
      `invalid mirrors[0].endpoint ${describeValue(endpoint)}: must be an https (or http) URL of the mirror host`);
  });

  test.each(['https://Harbor.example.com', 'https://harbor_1.example.com', 'https://harbor.example.com:0'])('refuses endpoint host in %j', (endpoint) => {
    expect(() => rke2Registries([bad({ endpoint })])).toThrow(/invalid mirrors\[0\]\.endpoint host ".*": must be a lower-case DNS host name, optionally with :port/);
  });

  test.each(['DockerHub', 'docker hub', '-hub', 'hub-', 'a..b', 'a/b', '', 'a'.repeat(256)])('refuses project %j', (project) => {
    // a long value is shortened in the message
    const shown = project.length > 200 ? `${JSON.stringify(`${project.slice(0, 64)}…`)} (${project.length} characters)` : JSON.stringify(project);
    expect(() => rke2Registries([bad({ project })])).toThrow(`invalid mirrors[0].project ${shown}: must be a Harbor project name`);
  });

  test('names the mirror index and uses "mirror" for containerdHosts', () => {
    expect(() => rke2Registries([HUB, bad({ upstream: 'ghcr.io', project: 'GHCR' })])).toThrow('invalid mirrors[1].project "GHCR"');
    expect(() => containerdHosts(bad({ upstream: 'HTTPS://x' }))).toThrow('invalid mirror.upstream "HTTPS://x"');
    expect(() => containerdHosts(bad({ endpoint: 'https://h/x' }))).toThrow('invalid mirror.endpoint "https://h/x"');
    expect(() => containerdHosts(bad({ project: 'A' }))).toThrow('invalid mirror.project "A"');
  });

  test('refuses an empty mirror list', () => {
    expect(() => rke2Registries([])).toThrow('invalid mirrors []: must list at least one registry mirror');
  });

  test('refuses a registry mirrored twice', () => {
    expect(() => rke2Registries([HUB, GHCR, { upstream: 'docker.io', endpoint: 'https://other.example.com' }])).toThrow(
      'invalid mirrors[2].upstream "docker.io": must be unique: mirrors[0] already mirrors it');
  });

  test('refuses credentials for a host no mirror uses, listing the allowed hosts', () => {
    const mirrors = [HUB, { upstream: 'quay.io', endpoint: 'https://mirror.example.com:8443' }];
    expect(() => rke2Registries(mirrors, { 'docker.io': ROBOT })).toThrow(
      'invalid auth key "docker.io": must be the host[:port] of a mirror endpoint, one of "harbor.example.com", "mirror.example.com:8443"');
    expect(() => rke2Registries(mirrors, { 'https://harbor.example.com': ROBOT })).toThrow('invalid auth key "https://harbor.example.com"');
    expect(() => rke2Registries(mirrors, { 'mirror.example.com': ROBOT })).toThrow('invalid auth key "mirror.example.com"');
  });

  test('refuses a user name RegistryCredential would refuse, what follows a ":" redacted as it redacts it', () => {
    // one rule for a registry user name wherever it is written (lib/registry/user-name.ts): a space or a line break
    // was written into registries.yaml, and every pull through the mirror failed its login at the node, falling back
    // to the upstream; "robot:x" was printed whole, where "x" may be a password pasted with the user name
    const rule = 'must be a non-empty name without ":", whitespace or control characters';
    expect(() => rke2Registries([HUB], { 'harbor.example.com': { username: 'robot:s3cret', password: 'p' } })).toThrow(
      new Error(`invalid auth["harbor.example.com"].username "robot:<redacted>": ${rule}`));
    for (const username of ['', 'robot$x y', 'robot$x\ny', 'robot$x\t', '\u0085robot']) {
      expect(() => rke2Registries([HUB], { 'harbor.example.com': { username, password: 'p' } })).toThrow(
        new Error(`invalid auth["harbor.example.com"].username ${describeValue(username)}: ${rule}`));
    }
    // RegistryCredential takes the same names, so NodeMirrorFiles' login file is refused nothing it was given
    for (const username of ['robot$dockyard-nodes', 'gitlab+deploy-token-7', 'user@example.com', 'é']) {
      expect(rke2Registries([HUB], { 'harbor.example.com': { username, password: 'p' } })).toContain('username: ');
    }
  });

  test('refuses an empty or missing password without echoing any password', () => {
    expect(() => rke2Registries([HUB], { 'harbor.example.com': { username: 'u', password: '' } })).toThrow(
      'invalid auth["harbor.example.com"].password "": must be a non-empty string');
    const missing = { 'harbor.example.com': { username: 'u' } } as unknown as Record<string, typeof ROBOT>;
    expect(() => rke2Registries([HUB], missing)).toThrow('invalid auth["harbor.example.com"].password "undefined"');
  });
});

describe('NodeMirrorFiles', () => {
  test('each file a node reads says, when it changes, where it goes and what reads it again', () => {
    const notes = (credential: boolean) => {
      const chart = testChart('ns');
      const token = new Secret(chart, 'Token', { name: 'token', values: { token: SecretValue.alphanumeric(32) } }).key('token');
      new NodeMirrorFiles(chart, 'Mirrors', {
        mirrors: [HUB], credential: credential ? RegistryCredential.basic({ registry: 'harbor.example.com', username: 'robot$nodes', password: token }) : undefined,
      });
      return Object.fromEntries([...OutputFile.allIn(chart), ...SecretFile.allIn(chart)].map((f) => [f.path, f.onChange]));
    };
    // RKE2 and k3s read registries.yaml only at start (docs.rke2.io/install/private_registry: "restart"); containerd
    // reads certs.d hosts.toml at each pull (containerd docs/hosts.md), its CRI auth config at start
    expect(notes(false)).toEqual({
      'nodes/rke2/registries.yaml': expect.stringMatching(/^copy it to \/etc\/rancher\/rke2\/registries\.yaml \(RKE2\) .* restart rke2-server/),
      'nodes/containerd/certs.d/docker.io/hosts.toml': 'on containerd nodes, copy it to /etc/containerd/certs.d/docker.io/hosts.toml (read at the next pull, no restart)',
    });
    // with a login, the .local file is the one to copy: registries.yaml changes with it, silently
    expect(notes(true)).toMatchObject({
      'nodes/rke2/registries.yaml': undefined,
      'nodes/rke2/registries.local.yaml': expect.stringMatching(/^copy it to \/etc\/rancher\/rke2\/registries\.yaml/),
      'nodes/containerd/conf.d/dockyard-mirror-auth.local.toml': expect.stringMatching(/^on containerd 2\.x nodes, copy it to \/etc\/containerd\/conf\.d\/dockyard-mirror-auth\.toml and restart containerd/),
    });
  });

  /** The node mirror files of a chart whose mirror login is `credential(token)`, `token` an operator's input. */
  function files(credential: (token: SecretKey) => RegistryCredential = (token) => RegistryCredential.basic({ registry: 'harbor.example.com', username: 'robot$nodes', password: token })) {
    const chart = testChart('ns');
    const token = new Secret(chart, 'Token', { name: 'token', values: { token: SecretValue.input('DOCKYARD_MIRROR_TOKEN', 'the mirror token') } }).key('token');
    new NodeMirrorFiles(chart, 'Mirrors', { mirrors: [HUB], credential: credential(token) });
    const secretFiles = SecretFile.allIn(chart);
    expect(secretFiles.map((f) => f.path)).toEqual(['nodes/rke2/registries.local.yaml', 'nodes/containerd/conf.d/dockyard-mirror-auth.local.toml']);
    const [local, containerd] = secretFiles;
    const plain = OutputFile.allIn(chart).find((f) => f.path === 'nodes/rke2/registries.yaml')!;
    return {
      local, plain, containerd,
      render: (sources: Record<string, string>) => renderTemplate(local.value, sources),
      renderContainerd: (sources: Record<string, string>) => renderTemplate(containerd.value, sources),
    };
  }

  const mirrorsOnly = { 'docker.io': { endpoint: ['https://harbor.example.com'], rewrite: { '^(.*)$': 'dockerhub/$1' } } };

  /** What containerd reads from dockyard-mirror-auth.local.toml: the 1.x plugin's registry auth, config version 2. */
  const containerdAuthOf = (username: string, password: string) => ({
    version: 2,
    plugins: { 'io.containerd.grpc.v1.cri': { registry: { configs: { 'harbor.example.com': { auth: { username, password } } } } } },
  });

  // containerd v2.3.4 internal/cri/server/images/image_pull.go:105-114: a pull the kubelet sends without a login
  // (it sends one only for the registry the image names, docker.io) takes registry.configs."<host>".auth of the host
  // it goes to, the hosts.toml mirror's included (registryHosts, :496-503); docs/cri/registry.md keeps it supported
  test('dockyard-mirror-auth.local.toml gives containerd the login for the mirror host, TOML-escaped where it is spliced', () => {
    const { containerd, renderContainerd } = files();
    expect(containerd.value.escape).toBe(TemplateEscape.TOML);
    const text = renderContainerd({ password: 'Abc123' });
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      '', 'version = 2', '', '[plugins."io.containerd.grpc.v1.cri".registry.configs."harbor.example.com".auth]',
      '  username = "robot$nodes"', '  password = "Abc123"', '',
    ]);
    // 1.x replaces a plugin's whole section with an imported file's (v1.7.34 services/server/config/config.go
    // mergeConfig): the header says to copy the table there, and to import the file on 2.x only
    expect(text).toContain('containerd 1.x: do not import it');
    expect(text).toContain('CONTAINS REGISTRY CREDENTIALS');
  });

  test('refuses a login for another host than the mirrors\' endpoints, naming credential.registry', () => {
    expect(() => files((token) => RegistryCredential.basic({ registry: 'harbor.example.com:8443', username: 'robot$nodes', password: token })))
      .toThrow('invalid credential.registry "harbor.example.com:8443": must be the host[:port] of a mirror endpoint, one of "harbor.example.com"');
  });

  test('a mirror endpoint written with a trailing slash takes its host\'s login', () => {
    const chart = testChart('ns');
    const token = new Secret(chart, 'Token', { name: 'token', values: { token: SecretValue.input('DOCKYARD_MIRROR_TOKEN', 'the mirror token') } }).key('token');
    expect(() => new NodeMirrorFiles(chart, 'Mirrors', {
      mirrors: [{ ...HUB, endpoint: 'https://harbor.example.com/' }],
      credential: RegistryCredential.basic({ registry: 'harbor.example.com', username: 'robot$nodes', password: token }),
    })).not.toThrow();
  });

  test('every file holding the login is git-ignored by name, wherever the output goes', () => {
    const { local, containerd } = files();
    for (const file of [local, containerd]) {
      // outside dist/, so that only the *.local.* patterns can match: a stack of one's own may write elsewhere
      const ignored = spawnSync('git', ['check-ignore', '--no-index', '-q', `elsewhere/${file.path}`], { cwd: path.join(__dirname, '..', '..') });
      expect([file.path, ignored.status]).toEqual([file.path, 0]);
    }
  });

  test('dockyard-mirror-auth.local.toml reads back any password and user name exactly', () => {
    const password = fc.oneof(
      fc.constantFrom('a"b', 'a\\b', 'x\ny = 1', '[x]', '{password}', '#', '\u007f', 'é€😀'),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xd7ff }).map((c) => String.fromCharCode(c)) }),
    );
    fc.assert(fc.property(password, (p) => {
      expect(parseToml(files().renderContainerd({ password: p }))).toEqual(containerdAuthOf('robot$nodes', p));
    }));
    // a plain user name is literal text, TOML-escaped as it is written
    const quoted = files((token) => RegistryCredential.basic({ registry: 'harbor.example.com', username: 'robot$a"b\\c', password: token }));
    expect(parseToml(quoted.renderContainerd({ password: 'p' }))).toEqual(containerdAuthOf('robot$a"b\\c', 'p'));
  });

  test('registries.local.yaml is registries.yaml plus the login, the password YAML-escaped where it is spliced', () => {
    const { local, plain, render } = files();
    expect(local.path).toBe('nodes/rke2/registries.local.yaml');
    expect(local.value.escape).toBe(TemplateEscape.YAML);
    // the file without the login says first that it is not the one to install (a new user's trial installed it,
    // and nodes fell back to Docker Hub from the private proxy project)
    expect(plain.content()).toBe(rke2Registries([HUB], undefined, { loginElsewhere: 'harbor.example.com' }));
    // the host alone, as the third argument was until 12-05, is refused rather than ignored
    expect(() => rke2Registries([HUB], undefined, 'harbor.example.com' as any)).toThrow('invalid props "harbor.example.com": must be an object of the props loginElsewhere');
    expect(() => rke2Registries([HUB], undefined, { loginElswhere: 'x' } as any)).toThrow('invalid loginElswhere "x": rke2Registries options has no prop "loginElswhere" (did you mean "loginElsewhere"?)');
    expect(plain.content().split('\n').slice(0, 3)).toEqual(['# registries.yaml: node-side registry mirrors for RKE2 and k3s (generated by Dockyard; do not edit).',
      '# NOT FOR THE NODES: it holds no login for harbor.example.com, which the mirror needs; install registries.local.yaml, the same',
      '# with the login, instead (RKE2 and k3s read it only at startup).']);
    expect(plain.content()).not.toContain('Install on every node');
    expect(render({ password: 'Abc123' })).toBe(rke2Registries([HUB], { 'harbor.example.com': { username: 'robot$nodes', password: 'Abc123' } })
      .replace('password: Abc123', 'password: "Abc123"'));
    expect(render({ password: 'Abc123' }).split('\n').slice(-6)).toEqual([
      'configs:', '  harbor.example.com:', '    auth:', '      username: robot$nodes', '      password: "Abc123"', '',
    ]);
  });

  test.each(['abc #def', 'yes', '123456', '"x\ny: z"', 'x\ny: z', '{password}', 'DOCKYARD_PASSWORD_PLACEHOLDER'])(
    'registries.local.yaml reads back the password %j exactly, with no key added', (password) => {
      const doc = parseYaml(files().render({ password }));
      expect(doc).toEqual({ mirrors: mirrorsOnly, configs: { 'harbor.example.com': { auth: { username: 'robot$nodes', password } } } });
    });

  test('the local store writes registries.local.yaml that reads back the passwords of issue 8', () => {
    const saved = process.env.DOCKYARD_MIRROR_TOKEN;
    try {
      for (const password of ['abc #def', 'yes', '123456', '"x\ny: z"']) {
        process.env.DOCKYARD_MIRROR_TOKEN = password;
        const statePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-mirrors-')), 'secrets.json');
        const chart = testChart('ns');
        const token = new Secret(chart, 'Token', { name: 'token', values: { token: SecretValue.input('DOCKYARD_MIRROR_TOKEN', 'the mirror token') } });
        new NodeMirrorFiles(chart, 'Mirrors', {
          mirrors: [HUB], credential: RegistryCredential.basic({ registry: 'harbor.example.com', username: 'robot$nodes', password: token.key('token') }),
        });
        const written = new LocalSecretStore({ statePath }).renderAll(chart).files;
        expect(written.map((f) => f.path)).toEqual(['nodes/rke2/registries.local.yaml', 'nodes/containerd/conf.d/dockyard-mirror-auth.local.toml']);
        expect(parseToml(written[1].content)).toEqual(containerdAuthOf('robot$nodes', password));
        expect(parseYaml(written[0].content)).toEqual({ mirrors: mirrorsOnly, configs: { 'harbor.example.com': { auth: { username: 'robot$nodes', password } } } });
      }
    } finally {
      if (saved === undefined) {
        delete process.env.DOCKYARD_MIRROR_TOKEN;
      } else {
        process.env.DOCKYARD_MIRROR_TOKEN = saved;
      }
    }
  });

  test('registries.local.yaml reads back any password and any user name exactly', () => {
    const password = fc.oneof(
      fc.constantFrom('abc #def', 'yes', '123456', '"x\ny: z"', 'null', '~', '- a', '[x]', '{a: 1}', '&a *b !c |d >e %f @g'),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
    );
    // a plain user name has no ":", whitespace or control character, and no "{name}"; YAML-special characters it may have
    const username = fc.string({ unit: fc.constantFrom(...'robt$#"\'&*!|>%@[]{},?-~1'.split('')), minLength: 1 })
      .filter((u) => !/\{[A-Za-z0-9_]+\}/.test(u));
    fc.assert(fc.property(username, password, (user, pw) => {
      const { render } = files((token) => RegistryCredential.basic({ registry: 'harbor.example.com', username: user, password: token }));
      expect(parseYaml(render({ password: pw }))).toEqual({ mirrors: mirrorsOnly, configs: { 'harbor.example.com': { auth: { username: user, password: pw } } } });
    }), { numRuns: 1000 });
  });

  test('a user name from a key, as DOCR\'s token, is YAML-escaped too', () => {
    const chart = testChart('ns');
    const token = new Secret(chart, 'Token', { name: 'token', values: { token: SecretValue.input('DOCKYARD_DO_TOKEN', 'a DO token') } }).key('token');
    new NodeMirrorFiles(chart, 'Mirrors', {
      mirrors: [{ upstream: 'docker.io', endpoint: 'https://registry.digitalocean.com' }], credential: RegistryCredential.docr({ token }),
    });
    const [local] = SecretFile.allIn(chart);
    expect(Object.keys(local.value.sources).sort()).toEqual(['password', 'username']);
    const doc = parseYaml(renderTemplate(local.value, { username: 'yes #x', password: 'yes #x' }));
    expect(doc.configs).toEqual({ 'registry.digitalocean.com': { auth: { username: 'yes #x', password: 'yes #x' } } });
  });

  test('a plain user name is literal: one spelling a stand-in stays itself, one with "{name}" is refused', () => {
    const named = (username: string) => files((token) => RegistryCredential.basic({ registry: 'harbor.example.com', username, password: token }));
    expect(parseYaml(named('DOCKYARD_PASSWORD_PLACEHOLDER').render({ password: 'pw' })).configs['harbor.example.com'].auth)
      .toEqual({ username: 'DOCKYARD_PASSWORD_PLACEHOLDER', password: 'pw' });
    expect(() => named('robot{password}')).toThrow(
      'invalid credential.username "robot{password}": must not contain "{name}", which the login files\' templates (registries.local.yaml, ' +
      'dockyard-mirror-auth.local.toml) would read as a placeholder');
  });
});
