import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DockyardChart, LocalSecretStore, Secret, SecretValue, synthesize } from '../../lib/core';
import { ValidationError } from '../../lib/core/validation';
import { RegistryCredential } from '../../lib/registry/credential';
import { NodeMirrorFiles } from '../../lib/registry/node-mirror-files';
import { containerdHosts, MirrorSpec, rke2Registries } from '../../lib/registry/node-mirrors';
import { stderrOf } from '../util';

const HUB: MirrorSpec = { upstream: 'docker.io', endpoint: 'https://harbor.example.com', project: 'dockerhub' };
const GHCR: MirrorSpec = { upstream: 'ghcr.io', endpoint: 'https://harbor.example.com', project: 'ghcr' };

describe('NodeMirrorFiles at synth', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-mirror-files-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** An app with two NodeMirrorFiles, Docker Hub's in "nodes" and ghcr.io's in `ghcrDirectory`. */
  function app(ghcrDirectory?: string): App {
    const a = new App({ outdir: path.join(dir, 'dist') });
    const chart = new DockyardChart(a, 'platform', { namespace: 'platform' });
    new NodeMirrorFiles(chart, 'Hub', { mirrors: [HUB] });
    new NodeMirrorFiles(chart, 'Ghcr', { mirrors: [GHCR], directory: ghcrDirectory });
    return a;
  }

  test('two in one directory are refused, naming both, before anything is saved or written', () => {
    expect(() => synthesize(app(), new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }))).toThrow(new ValidationError(
      'invalid path "nodes/rke2/registries.yaml": two files would be written there (platform/Hub/Rke2 and platform/Ghcr/Rke2); ' +
      'give one another path or a directory of its own'));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('each in a directory of its own, both are written', () => {
    const outdir = path.join(dir, 'dist');
    const written = synthesize(app('nodes-ghcr'), new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }));
    expect(written.map((f) => path.relative(outdir, f))).toEqual(['platform.k8s.yaml', 'nodes/rke2/registries.yaml',
      'nodes/containerd/certs.d/docker.io/hosts.toml', 'nodes-ghcr/rke2/registries.yaml', 'nodes-ghcr/containerd/certs.d/ghcr.io/hosts.toml',
      'secrets.local.yaml']);
    expect(fs.readFileSync(path.join(outdir, 'nodes/rke2/registries.yaml'), 'utf8')).toBe(rke2Registries([HUB]));
    expect(fs.readFileSync(path.join(outdir, 'nodes-ghcr/rke2/registries.yaml'), 'utf8')).toBe(rke2Registries([GHCR]));
  });

  // containerd reads a registry's hosts.toml at every pull (v2.3.4 core/remotes/docker/config/hosts.go
  // ConfigureHosts, HostDirFromRoot): one left on the nodes keeps that registry on its mirror
  test('a mirror taken out names its containerd file as no longer written, with the node path to remove', () => {
    const synth = (mirrors: MirrorSpec[]) => {
      const a = new App({ outdir: path.join(dir, 'dist') });
      new NodeMirrorFiles(new DockyardChart(a, 'platform', { namespace: 'platform' }), 'Mirrors', { mirrors });
      return stderrOf(() => synthesize(a, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') })));
    };
    synth([HUB, GHCR]);
    expect(synth([HUB]).split('\n').filter((l) => /no longer written/.test(l))).toEqual([expect.stringMatching(
      /dist\/nodes\/containerd\/certs\.d\/ghcr\.io\/hosts\.toml is no longer written: remove the copy made of it \(it said: on containerd nodes, copy it to \/etc\/containerd\/certs\.d\/ghcr\.io\/hosts\.toml/)]);
  });

  // the nodes' login taken out: registries.local.yaml goes, and registries.yaml, now the RKE2/k3s file, goes to the same
  // /etc/rancher/rke2/registries.yaml, changed in its comments only ("nothing to do"): "remove the copy made of it"
  // there left the nodes without any registries.yaml, so no mirror, at their next restart
  test('a file whose place on the nodes another file of the output takes is named as replaced, not to be removed', () => {
    const synth = (login: boolean) => {
      const a = new App({ outdir: path.join(dir, 'dist') });
      const chart = new DockyardChart(a, 'platform', { namespace: 'platform' });
      const token = new Secret(chart, 'Token', { name: 'token', values: { token: SecretValue.alphanumeric(32) } }).key('token');
      new NodeMirrorFiles(chart, 'Mirrors', {
        mirrors: [HUB], credential: login ? RegistryCredential.basic({ registry: 'harbor.example.com', username: 'robot$nodes', password: token }) : undefined,
      });
      return stderrOf(() => synthesize(a, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') })));
    };
    synth(true);
    const lines = synth(false).split('\n');
    // registries.yaml had no note beside registries.local.yaml, so the nodes never got a copy of it: compared with
    // itself it changed in its comments only, and the synth said 'nothing to do' of the file now to copy
    expect(lines.filter((l) => /^dockyard: \S*\/rke2\/registries\.yaml /.test(l))).toEqual([
      expect.stringMatching(new RegExp('dist/nodes/rke2/registries\\.yaml is now a file to copy: copy it to /etc/rancher/rke2/registries\\.yaml')),
    ]);
    expect(lines.filter((l) => /no longer written/.test(l))).toEqual([
      expect.stringMatching(/dist\/nodes\/containerd\/conf\.d\/dockyard-mirror-auth\.local\.toml is no longer written: remove the copy made of it/),
      expect.stringMatching(new RegExp('dist/nodes/rke2/registries\\.local\\.yaml is no longer written: .*dist/nodes/rke2/registries\\.yaml ' +
        'replaces it there \\(copy it to /etc/rancher/rke2/registries\\.yaml')),
    ]);
  });

  // containerd v2.3.4 core/remotes/docker/config/config_unix.go hostPaths reads "registry.internal_5000_" first
  // (hosts.go hostDirectory): the directory an output path may hold, where "registry.internal:5000" failed the synth
  test('a registry with a port gets its hosts.toml in containerd\'s host_port_ directory', () => {
    const a = new App({ outdir: path.join(dir, 'dist') });
    const chart = new DockyardChart(a, 'platform', { namespace: 'platform' });
    const mirror: MirrorSpec = { upstream: 'registry.internal:5000', endpoint: 'https://harbor.example.com', project: 'internal' };
    new NodeMirrorFiles(chart, 'Internal', { mirrors: [mirror] });
    const written = synthesize(a, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }));
    const file = path.join(dir, 'dist', 'nodes/containerd/certs.d/registry.internal_5000_/hosts.toml');
    expect(written).toContain(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(containerdHosts(mirror).content);
  });
});
