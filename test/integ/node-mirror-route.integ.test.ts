import { containerdHosts, rke2Registries } from '../../lib/registry/node-mirrors';
import { containerdManifestRequests, rke2ManifestRequests } from '../registry/node-pull-route';
import { MANIFEST_V2, pushImage, tinyImage } from './registry-client';
import { RegistryServer } from './registry-server';

// The URL each runtime asks first for a Docker Hub image, through the node files of a mirror with a project
// (test/registry/node-pull-route.ts follows containerd's and RKE2/k3s's own rules), answered by a real distribution
// registry holding the image under the project, as a Harbor proxy cache holds it: the project path and the `?ns=`
// query the runtimes add reach the image, by tag and by digest.
describe('a Docker Hub image through a node mirror, against a real registry', () => {
  let server: RegistryServer;
  let digest: string;

  beforeAll(async () => {
    server = await RegistryServer.start({ config: 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ./data\n' });
    const pushed = await pushImage(server.url, 'dockerhub/library/nginx', '1.27', tinyImage());
    expect(pushed.ok).toBe(true);
    digest = pushed.manifest!.digest!;
  });

  afterAll(async () => server?.stop());

  const mirror = () => ({ upstream: 'docker.io', endpoint: server.url, project: 'dockerhub' });

  async function answer(url: string): Promise<{ status: number; digest: string | null }> {
    const res = await fetch(url, { headers: { accept: MANIFEST_V2 } });
    await res.arrayBuffer();
    return { status: res.status, digest: res.headers.get('docker-content-digest') };
  }

  test.each(['nginx:1.27', 'docker.io/library/nginx:1.27'])('containerd and RKE2/k3s find %s on the mirror, by tag and by digest', async (image) => {
    const hosts = containerdHosts(mirror());
    const registries = rke2Registries([mirror()]);
    for (const reference of [image, `${image}@${digest}`]) {
      const first = [containerdManifestRequests(reference, { [hosts.path]: hosts.content })[0], rke2ManifestRequests(reference, registries)[0]];
      for (const { url } of first) {
        expect(url.startsWith(`${server.url}/v2/dockerhub/library/nginx/manifests/`)).toBe(true);
        expect(url).toContain('?ns=docker.io');
        expect(await answer(url)).toEqual({ status: 200, digest });
      }
    }
  });
});
