// Problems of the environment a Pulumi program runs in (a package not installed, a Load Balancer not ready, an
// answer of DigitalOcean lacking what it should hold) print as one line under the Pulumi language host, as the SDK's
// RunError does (@pulumi/pulumi 3.270.0 cmd/run/run.js:377-379), never as a stack trace; and never show a secret.
import * as pulumi from '@pulumi/pulumi';
import { RunError } from '@pulumi/pulumi';
import { thrown } from '../util';
import { failure, printed } from './printed';

/** What the fake DigitalOcean answers for a read Service; each test sets what it needs. */
const fake = { serviceStatus: {} as Record<string, unknown> };

/** The tests, in preview mode or not: one mode per test file, as Pulumi's mocks are set once per process. */
export function describeEnvironmentErrors(preview: boolean): void {
  describe(`environment problems under Pulumi${preview ? ', in a preview' : ''}`, () => {
    beforeAll(async () => {
      await pulumi.runtime.setMocks({
        // a read reports what the cluster has (a preview reads too when the ID is known); a new resource, in a
        // preview, only its inputs
        newResource: (a) => {
          if (a.type === 'kubernetes:core/v1:Service') {
            return { id: a.id, state: { status: fake.serviceStatus } };
          }
          return preview ? { id: undefined, state: a.inputs } : { id: `${a.name}-id`, state: a.inputs };
        },
        call: (a) => a.inputs,
      }, 'dockyard', 'test', preview);
    });

    test('a Pulumi package missing: the install command', async () => {
      const { requirePeers } = await import('../../lib/pulumi/peer-dependencies');
      const err = thrown(() => requirePeers('dockyard/pulumi', ['@pulumi/pulumi', '@pulumi/dockyard-no-such-package']));
      expect(printed(err)).toBe('dockyard/pulumi needs the Pulumi packages @pulumi/dockyard-no-such-package, which are ' +
        'optional peer dependencies of dockyard: npm install @pulumi/dockyard-no-such-package');
      expect(err.name).toBe('EnvironmentError');
      // every package there: nothing thrown
      expect(() => requirePeers('dockyard/pulumi', ['@pulumi/pulumi'])).not.toThrow();
    });

    test('the ingress controller\'s Load Balancer without an address yet: wait, then run again', async () => {
      const { ingressLoadBalancerIp } = await import('../../lib/pulumi/digitalocean');
      fake.serviceStatus = { loadBalancer: {} };
      expect(printed(await failure(ingressLoadBalancerIp('pending', 'ingress-nginx/ingress-nginx-controller')))).toBe(
        'the Service ingress-nginx/ingress-nginx-controller has no load balancer IP yet: wait until DigitalOcean has created it, then run pulumi up again');
    });

    test('a Load Balancer that reports only a hostname: no wait helps, so the way out is said', async () => {
      // digitalocean-cloud-controller-manager cloud-controller-manager/do/loadbalancers.go, EnsureLoadBalancer:
      // with service.beta.kubernetes.io/do-loadbalancer-hostname the status holds that hostname alone (review)
      const { ingressLoadBalancerIp } = await import('../../lib/pulumi/digitalocean');
      fake.serviceStatus = { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } };
      expect(printed(await failure(ingressLoadBalancerIp('named', 'ingress-nginx/ingress-nginx-controller')))).toBe(
        'the Service ingress-nginx/ingress-nginx-controller reports the load balancer hostname lb.example.com, not an IP address, which A records ' +
        'need: turn dnsRecords off and point the names at that hostname with CNAME records, or drop the Service\'s do-loadbalancer-hostname annotation');
    });

    test('a Load Balancer with its address: no error', async () => {
      const { ingressLoadBalancerIp } = await import('../../lib/pulumi/digitalocean');
      fake.serviceStatus = { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }, { ip: '203.0.113.10' }] } };
      const ip = ingressLoadBalancerIp('ready', 'ingress-nginx/ingress-nginx-controller');
      expect(await (ip as any).promise()).toBe('203.0.113.10');
    });

    test('a Load Balancer whose Service is not made yet: unknown, as in a preview of a fresh stack, no error', async () => {
      const { ingressLoadBalancerIp } = await import('../../lib/pulumi/digitalocean');
      // in a preview the release's ID is unknown until it exists; in an update it is known
      class Release extends pulumi.CustomResource {
        public constructor(name: string) {
          super('test:index:Release', name, {});
        }
      }
      const release = new Release('release');
      const ip = ingressLoadBalancerIp('later', pulumi.interpolate`ingress-nginx/${release.id}`);
      expect(await (ip as any).isKnown).toBe(!preview);
    });

    // DigitalOcean's answers as KubernetesCluster reads them, on their own: in an Output, a refusal fails every
    // resource the Output feeds (the Kubernetes provider, the cluster), whose rejections only the host handles
    test('a cluster DigitalOcean gives no kubeconfig for: its name, none of the answer\'s secrets', async () => {
      const { kubeconfigOf } = await import('../../lib/pulumi/digitalocean/cluster-answers');
      const err = thrown(() => kubeconfigOf({ name: 'dockyard', kubeConfigs: [{ rawConfig: '', token: 'do-token-not-to-show' } as any] }));
      expect(printed(err)).toBe('DigitalOcean returned no kubeconfig for Kubernetes cluster "dockyard": check it in the DigitalOcean console, then run pulumi up again');
      expect(err.name).toBe('EnvironmentError');
      expect(`${err.stack}`).not.toContain('do-token-not-to-show');
      expect(kubeconfigOf({ name: 'dockyard', kubeConfigs: [{ rawConfig: 'apiVersion: v1' } as any] })).toBe('apiVersion: v1');
    });

    test('no Kubernetes version offered for versionPrefix: refused as the setting it is; none at all: the environment\'s', async () => {
      const { newestVersion } = await import('../../lib/pulumi/digitalocean/cluster-answers');
      const refused = thrown(() => newestVersion({ latestVersion: '' }, '1.20.'));
      expect(printed(refused)).toBe('invalid versionPrefix "1.20.": must be a Kubernetes minor version DigitalOcean offers: pick one from `doctl kubernetes options versions`');
      expect(refused.name).toBe('ValidationError');
      const none = thrown(() => newestVersion({ latestVersion: '' }, undefined));
      expect(printed(none)).toBe('DigitalOcean offers no Kubernetes version: set version to one from `doctl kubernetes options versions`');
      expect(none.name).toBe('EnvironmentError');
      expect(newestVersion({ latestVersion: '1.34.1-do.0' }, '1.34.')).toBe('1.34.1-do.0');
    });

    test('a bug of Dockyard stays a plain Error, printed with its stack', async () => {
      const { renderTemplate, SecretValue, Secret, DockyardChart } = await import('../../lib');
      const { App } = await import('cdk8s');
      await import('../../lib/pulumi'); // marks Dockyard's errors for the host: a bug's must stay unmarked
      const chart = new DockyardChart(new App(), 'c', { namespace: 'bug' });
      const password = new Secret(chart, 'Pw', { name: 'pw', values: { password: SecretValue.password(24) } });
      const url = SecretValue.template('postgres://a:{p}@db/a', { p: password.key('password') });
      // GeneratedSecrets renders a template from its sources' values; a placeholder without one, which
      // SecretValue.template refuses, reaches it only through a bug of Dockyard (a plain Error, shown with its stack)
      const err = thrown(() => renderTemplate(url, { q: 'x' }));
      expect(err.message).toBe('template placeholder {p} has no source value');
      expect(err.constructor).toBe(Error);
      expect(RunError.isInstance(err)).toBe(false);
    });
  });
}
