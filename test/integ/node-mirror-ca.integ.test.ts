import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OutputFile } from '../../lib/core';
import { NodeMirrorFiles } from '../../lib/registry/node-mirror-files';
import { containerdHosts, MirrorSpec, rke2Registries } from '../../lib/registry/node-mirrors';
import { containerdManifestRequests, ManifestRequest, rke2ManifestRequests } from '../registry/node-pull-route';
import { testChart } from '../util';
import { MANIFEST_V2, pushImage, tinyImage } from './registry-client';
import { httpsStatus, RegistryServer } from './registry-server';

// A mirror whose certificate a private CA signed (made here with openssl), served by a real distribution registry
// over TLS: the URL each runtime asks first for a Docker Hub image, through the node files of a mirror with
// `caFile` (test/registry/node-pull-route.ts follows containerd's hosts.toml `ca` and k3s's `tls.ca_file`), is
// answered to a client that trusts the files that request names and nothing else, the CA file being the one
// NodeMirrorFiles writes from `caCertificates`, copied where its note says; one that trusts only the usual
// roots, as a node with neither `caFile` nor the CA in its trust store, is refused the connection.

function openssl(dir: string, ...args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
  }
}

/** A CA and a certificate it signed for 127.0.0.1, as PEM files in `dir`. */
function privateCa(dir: string): { ca: string; certificate: string; key: string } {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=Dockyard test mirror CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
    '-days', '2', '-extfile', 'server.ext');
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { ca: read('ca.pem'), certificate: read('server.pem'), key: read('server.key') };
}

describe('a Docker Hub image through a node mirror with a private CA, against a real registry over TLS', () => {
  let dir: string;
  let server: RegistryServer;
  let digest: string;
  /** Where the CA is installed on this "node": the path `caFile` names. */
  let caFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-mirror-ca-'));
    const store = path.join(dir, 'store');
    const storage = `storage:\n  filesystem:\n    rootdirectory: ${JSON.stringify(store)}\n`;
    // the test client pushes over plain HTTP; the TLS registry then serves the same storage
    const plain = await RegistryServer.start({ config: `version: 0.1\n${storage}` });
    try {
      const pushed = await pushImage(plain.url, 'dockerhub/library/nginx', '1.27', tinyImage());
      expect(pushed.ok).toBe(true);
      digest = pushed.manifest!.digest!;
    } finally {
      await plain.stop();
    }
    const pki = privateCa(dir);
    caFile = path.join(dir, 'node', 'etc', 'dockyard', 'mirror-ca.pem');
    server = await RegistryServer.start({
      config: `version: 0.1\n${storage}http:\n  tls:\n    certificate: server.pem\n    key: server.key\n`,
      files: { 'server.pem': pki.certificate, 'server.key': pki.key },
      tlsCa: pki.ca,
    });
    // the CA file as NodeMirrorFiles writes it, copied to the path its note names
    const chart = testChart('ns');
    new NodeMirrorFiles(chart, 'Mirrors', { mirrors: [mirror(true)], caCertificates: { [caFile]: pki.ca } });
    const written = OutputFile.allIn(chart).filter((f) => f.path.startsWith('nodes/ca/'));
    expect(written.map((f) => [f.path, f.onChange?.startsWith(`copy it to ${caFile} on every node`)])).toEqual([[`nodes/ca/127.0.0.1_${server.port}_.pem`, true]]);
    fs.mkdirSync(path.dirname(caFile), { recursive: true });
    fs.writeFileSync(caFile, written[0].content());
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const mirror = (withCa: boolean): MirrorSpec => ({ upstream: 'docker.io', endpoint: server.url, project: 'dockerhub', ...(withCa ? { caFile } : {}) });

  /** The first request containerd and RKE2/k3s make for `reference` with the node files of `spec`. */
  function firstRequests(spec: MirrorSpec, reference: string): ManifestRequest[] {
    const hosts = containerdHosts(spec);
    return [containerdManifestRequests(reference, { [hosts.path]: hosts.content })[0], rke2ManifestRequests(reference, rke2Registries([spec]))[0]];
  }

  test.each(['nginx:1.27', 'docker.io/library/nginx:1.27'])('containerd and RKE2/k3s pull %s from the mirror trusting its CA file alone', async (image) => {
    for (const reference of [image, `${image}@${digest}`]) {
      for (const request of firstRequests(mirror(true), reference)) {
        expect(request.url.startsWith(`${server.url}/v2/dockerhub/library/nginx/manifests/`)).toBe(true);
        expect(request.caFiles).toEqual([caFile]);
        const cas = request.caFiles!.map((f) => fs.readFileSync(f, 'utf8'));
        const res = await httpsStatus(request.url, cas, { accept: MANIFEST_V2 });
        expect([res.status, res.headers['docker-content-digest']]).toEqual([200, digest]);
      }
    }
  });

  test('without caFile, the request trusts no extra CA, and the usual roots refuse the mirror\'s certificate', async () => {
    for (const request of firstRequests(mirror(false), 'nginx:1.27')) {
      expect(request.caFiles).toBeUndefined();
      await expect(httpsStatus(request.url, undefined, { accept: MANIFEST_V2 })).rejects.toMatchObject({
        code: expect.stringMatching(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/),
      });
    }
  });
});
