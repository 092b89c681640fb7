import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { registered, setup, warningsDuring } from './harness';
import { DIGITALOCEAN_EXAMPLE } from '../../../apps/digitalocean/config';
import { TrustBundle } from '../../../lib';

/** A self-signed CA made with openssl, as a company's PKI would make one: its certificate; its folder, key included, removed. */
export function companyCa(): { pem: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-ca-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Acme Company CA'],
      { cwd: dir, stdio: 'pipe' });
    return { pem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The DigitalOcean program with `caBundle` and `cloneUser` (+ the secret `cloneToken`), under Pulumi mocks, in preview
 * mode or not (one mode per test file, as Pulumi's mocks are set once per process): the token reaches Drone as
 * DRONE_GIT_PASSWORD (harness v2.28.2 service/netrc/netrc.go:66-70) from dockyard/drone-clone-login, a Pulumi secret
 * in that Secret alone; the CA reaches the Drone server and Harbor's core. (Without the token the program stops
 * before registering anything: program-clone-token.test.ts.)
 */
export function describeCloneLoginCaProgram(preview: boolean): void {
  describe(`the DigitalOcean program with caBundle and cloneUser${preview ? ', in a preview' : ''}`, () => {
    const TOKEN = 'github_pat_program-clone-token-1234';
    const ca = companyCa();
    // a GitHub Enterprise Server in private mode on the VPC: its address and port reach the build pods, and public
    // repositories clone with the login (README, "Self-hosted forges")
    const settings = {
      ...DIGITALOCEAN_EXAMPLE, cloneUser: 'acme-ci', caBundle: TrustBundle.fromPem(ca.pem), gitServer: 'https://github.acme.corp:8443',
      gitServerCidrs: { cidrs: ['10.110.0.9/32'], port: 8443 }, gitAuthPublicRepos: true,
    };
    const k8s = () => registered.filter((r) => r.type.startsWith('kubernetes:') && r.inputs?.kind);
    const env = (kind: string, name: string) => k8s().find((r) => r.inputs.kind === kind && r.inputs.metadata.name === name)!
      .inputs.spec.template.spec.containers[0].env as any[];
    let warnings: string[] = [];

    beforeAll(async () => {
      await setup({ preview });
      const { deployDigitalOcean } = await import('../../../apps/digitalocean/program');
      // a plain string, as index.ts reads it: the program marks it secret
      warnings = await warningsDuring(() => deployDigitalOcean(settings, 'github-oauth-client-secret', undefined, undefined, TOKEN));
    }, 60_000);

    test('puts the token into dockyard/drone-clone-login, a Pulumi secret, which the Drone server reads as DRONE_GIT_PASSWORD', () => {
      const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.name === 'drone-clone-login')!;
      expect([secret.inputs.metadata.namespace, secret.inputs.stringData, secret.secretInputs]).toEqual(['dockyard', { token: TOKEN }, true]);
      const holders = registered.filter((r) => JSON.stringify(r.inputs).includes(TOKEN)).map((r) => `${r.type} ${r.inputs.metadata?.namespace}/${r.inputs.metadata?.name}`);
      expect(holders).toEqual(['kubernetes:core/v1:Secret dockyard/drone-clone-login']);
      expect(env('Deployment', 'drone').filter((e) => e.name.startsWith('DRONE_GIT_'))).toEqual([
        { name: 'DRONE_GIT_USERNAME', value: 'acme-ci' },
        { name: 'DRONE_GIT_PASSWORD', valueFrom: { secretKeyRef: { name: 'drone-clone-login', key: 'token' } } },
        // gitAuthPublicRepos: public repositories' builds get the clone login too
        { name: 'DRONE_GIT_ALWAYS_AUTH', value: 'true' },
      ]);
      expect(warnings.filter((w) => /clone/i.test(w))).toEqual([]);
    });

    test('the git server\'s private address is admitted to the build pods on its port', () => {
      const buildPolicies = k8s().filter((r) => r.inputs.kind === 'NetworkPolicy' && r.inputs.spec.policyTypes.includes('Egress')
        && r.inputs.metadata.name.endsWith('-builds'));
      expect(buildPolicies.length).toBeGreaterThan(0);
      for (const policy of buildPolicies) {
        expect(policy.inputs.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.110.0.9/32' } }], ports: [{ port: 8443, protocol: 'TCP' }] });
      }
    });

    test('the CA reaches the Drone server and Harbor\'s core: each trusts the bundle\'s directory, its PEM in a ConfigMap', () => {
      for (const [kind, name] of [['Deployment', 'drone'], ['Deployment', 'harbor-core']]) {
        expect(env(kind, name)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'SSL_CERT_DIR' })]));
      }
      const holders = k8s().filter((r) => r.inputs.kind === 'ConfigMap' && Object.values(r.inputs.data ?? {}).includes(ca.pem))
        .map((r) => r.inputs.metadata.namespace).sort();
      expect(holders).toEqual(expect.arrayContaining(['dockyard', 'harbor']));
    });
  });
}
