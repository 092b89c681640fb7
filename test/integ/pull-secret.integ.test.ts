import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Image, LocalSecretStore, PullSecret, RegistryCredential, Secret, SecretValue } from '../../lib';
import { kubeletLogins } from '../registry/kubelet-keyring';
import { testChart } from '../util';
import { BasicAuth, pullImage, pushImage, tinyImage } from './registry-client';
import { RegistryServer } from './registry-server';

// the registry's name in image references; the test maps it to the loopback server, as DNS would
const REGISTRY = 'registry.dockyard.test:5000';

/** The login kubelet tries first for `image` with the pull secret `dockerConfigJson` (test/registry/kubelet-keyring.ts, the port of its keyring). */
function kubeletCredential(dockerConfigJson: string, image: Image): BasicAuth | undefined {
  return kubeletLogins([dockerConfigJson], image.toString())[0];
}

describe('PullSecret against a real registry', () => {
  let server: RegistryServer;
  let dockerConfig: string;
  const image = Image.of(`${REGISTRY}/team/app:1.0.0`);

  beforeAll(async () => {
    const chart = testChart('apps');
    const robot = new Secret(chart, 'Robot', { name: 'robot', values: { secret: SecretValue.password(32) } });
    const hub = new Secret(chart, 'Hub', { name: 'hub', values: { token: SecretValue.input('DOCKYARD_TEST_PULL_HUB', 'a Docker Hub token') } });
    new PullSecret(chart, 'Pull', {
      credentials: [
        // a Harbor robot's name, with the "$" a shell or a template could take for a variable
        RegistryCredential.basic({ registry: REGISTRY, username: 'robot$puller', password: robot.key('secret') }),
        RegistryCredential.dockerHub({ username: 'acme', token: hub.key('token') }),
      ],
    });
    const statePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-pull-')), 'state.json');
    process.env.DOCKYARD_TEST_PULL_HUB = 'dckr_pat_test';
    const secrets = parseAllDocuments(new LocalSecretStore({ statePath }).render(chart)).map((d) => d.toJS());
    delete process.env.DOCKYARD_TEST_PULL_HUB;
    const pull = secrets.find((s) => s.metadata.name === 'registry-credentials');
    expect(pull.type).toBe('kubernetes.io/dockerconfigjson');
    dockerConfig = pull.stringData['.dockerconfigjson'];
    const password = secrets.find((s) => s.metadata.name === 'robot').stringData.secret;

    const bcrypt = require('bcryptjs');
    server = await RegistryServer.start({
      config: 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ./data\nauth:\n  htpasswd:\n    realm: test\n    path: htpasswd\n',
      files: { htpasswd: `robot$puller:${bcrypt.hashSync(password, 10)}\npusher:${bcrypt.hashSync('pusher-password', 10)}\n` },
    });
    const pushed = await pushImage(server.url, 'team/app', '1.0.0', tinyImage(), { username: 'pusher', password: 'pusher-password' });
    expect(pushed.ok).toBe(true);
  });

  afterAll(async () => server?.stop());

  test('kubelet finds the registry\'s login by host and pulls with its auth', async () => {
    const login = kubeletCredential(dockerConfig, image)!;
    expect(login.username).toBe('robot$puller');
    const pulled = await pullImage(server.url, 'team/app', '1.0.0', login);
    expect(pulled.layer.length).toBeGreaterThan(0);
  });

  test('the username and password fields agree with auth', () => {
    const entry = JSON.parse(dockerConfig).auths[REGISTRY];
    expect(Buffer.from(entry.auth, 'base64').toString()).toBe(`${entry.username}:${entry.password}`);
  });

  test('Docker Hub images find the Docker Hub login under its canonical key', () => {
    expect(Object.keys(JSON.parse(dockerConfig).auths)).toEqual([REGISTRY, 'https://index.docker.io/v1/']);
    expect(kubeletCredential(dockerConfig, Image.of('nginx:1.27'))).toEqual({ username: 'acme', password: 'dckr_pat_test' });
    expect(kubeletCredential(dockerConfig, Image.of('quay.io/org/app:1'))).toBeUndefined();
  });

  test('a pull with a wrong credential is refused', async () => {
    const login = kubeletCredential(dockerConfig, image)!;
    await expect(pullImage(server.url, 'team/app', '1.0.0', { ...login, password: `${login.password}x` })).rejects.toThrow(/answered 401/);
    await expect(pullImage(server.url, 'team/app', '1.0.0')).rejects.toThrow(/answered 401/);
  });
});
