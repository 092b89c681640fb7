// The deploy-time digest of a placeholder (lib/core/checksum.ts withDigests) is keyed in a deferred checksum, whose
// keys finishChecksum reads up to the first "," or "=", and ChartDeployment took every key starting "placeholder/"
// for one: a substitution key holding "," or "=" (any string may be one), or a namespace named "placeholder" (a valid
// DNS label: every generated Secret read there), failed `pulumi up` at deploy time with Node's TypeError from
// createHmac().update(undefined), naming neither.
import { registered, settled, setup } from './digitalocean/harness';

const CHECKSUM = 'dockyard.dev/inputs-checksum';

/** Deploy `app`, and return the Deployment's checksum and the errors its Outputs failed with. */
async function deploy(name: string, app: any, substitutions?: Record<string, string>): Promise<{ checksum?: string; errors: string[] }> {
  const { ChartDeployment } = await import('../../lib/pulumi');
  registered.length = 0;
  const errors: string[] = [];
  const onError = (e: unknown) => errors.push(String(e));
  process.on('unhandledRejection', onError);
  try {
    new ChartDeployment(name, { app, secrets: [], substitutions });
    await settled(100);
  } finally {
    process.off('unhandledRejection', onError);
  }
  const d = registered.find((r) => r.inputs?.kind === 'Deployment');
  return { checksum: d?.inputs.spec.template.metadata.annotations[CHECKSUM], errors };
}

describe('placeholder digest keys', () => {
  beforeAll(() => setup(), 60_000);

  test.each(['HOST=PLACEHOLDER', 'a,b', 'plain-token'])('a substitution key %j in a ConfigMap a pod reads', async (key) => {
    const { App, ApiObject } = await import('cdk8s');
    const { DockyardChart } = await import('../../lib');
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'ci' });
    new ApiObject(chart, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' }, data: { x: `v ${key}` } });
    new ApiObject(chart, 'D', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'd', image: 'busybox:1', envFrom: [{ configMapRef: { name: 'config' } }] }] } },
      },
    });
    const { checksum, errors } = await deploy(`d${key.replace(/[^a-z]/gi, '')}`, app, { [key]: 'value' });
    expect(errors).toEqual([]);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a pod reading a generated Secret in namespace "placeholder" gets its checksum', async () => {
    const { App, ApiObject } = await import('cdk8s');
    const { DockyardChart, Secret, SecretValue } = await import('../../lib');
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'placeholder' });
    new Secret(chart, 'S', { name: 'db', values: { password: SecretValue.alphanumeric(16) } });
    new ApiObject(chart, 'D', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {
        selector: { matchLabels: { app: 'd' } },
        template: {
          metadata: { labels: { app: 'd' } },
          spec: { containers: [{ name: 'd', image: 'busybox:1', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] },
        },
      },
    });
    const { checksum, errors } = await deploy('p', app);
    expect(errors).toEqual([]);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
  });
});
