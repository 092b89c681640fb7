import * as pulumi from '@pulumi/pulumi';
import { registered, settled, setup } from './digitalocean/harness';

const CHECKSUM = 'dockyard.dev/inputs-checksum';

/**
 * Pod checksums over provided Secrets' values, in preview mode or not (one mode per test file, as Pulumi's mocks are
 * set once per process). The charts leave a provided Secret's key, as a generated one's, to a digest known at deploy
 * time (lib/core/checksum.ts `keyDigest`), which ChartDeployment finishes with the digest of its value, so a new value
 * (a managed database password reset) rolls exactly the pods that count it.
 */
export function describeProvidedSecretChecksums(preview: boolean): void {
  describe(`ChartDeployment pod checksums over provided values${preview ? ', in a preview' : ''}`, () => {
    beforeAll(() => setup({ preview }));

    /**
     * In namespace `ci`: `direct` reads provided `token`'s key `t` and nothing generated, `whole` reads all of provided `other` (envFrom), `projected` only key `b` of `other` (items), `indirect`
     * reads a generated Secret and counts `token`'s `t` as handed to it by another pod (countIndirectInputs, as
     * Harbor's jobservice counts the database password), and `unrelated` reads the generated Secret alone.
     */
    async function app() {
      const { App, ApiObject } = await import('cdk8s');
      const { DockyardChart, Secret, SecretValue } = await import('../../lib');
      const { countIndirectInputs } = await import('../../lib/core/checksum');
      const a = new App();
      const chart = new DockyardChart(a, 'c', { namespace: 'ci' });
      new Secret(chart, 'Gen', { name: 'gen', values: { g: SecretValue.password(24) } });
      const token = Secret.fromSecretName(chart, 'Token', 'token').key('t');
      const deployment = (name: string, container: any, volumes: any[] = []) => new ApiObject(chart, name, {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
        spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'busybox', ...container }], volumes } } },
      });
      const genEnv = { name: 'G', valueFrom: { secretKeyRef: { name: 'gen', key: 'g' } } };
      deployment('direct', { env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'token', key: 't' } } }] });
      deployment('whole', { envFrom: [{ secretRef: { name: 'other' } }] });
      deployment('projected', { volumeMounts: [{ name: 'o', mountPath: '/o' }] },
        [{ name: 'o', projected: { sources: [{ secret: { name: 'other', items: [{ key: 'b', path: 'b' }] } }] } }]);
      deployment('indirect', { env: [genEnv] });
      countIndirectInputs(chart, 'Deployment', 'ci', 'indirect', { keys: [token] });
      deployment('unrelated', { env: [genEnv] });
      return a;
    }

    const WORKLOADS = ['direct', 'whole', 'projected', 'indirect', 'unrelated'];

    /**
     * Deploy the app with these provided values, under a parent of a type of its own (so that the children's names,
     * and with them the mocks' digest key, are those of every other run), and return each workload's checksum.
     */
    async function checksums(run: string, values: { t: pulumi.Input<string>; a: string; b: string }) {
      const { ChartDeployment } = await import('../../lib/pulumi');
      const before = registered.length;
      const parent = new pulumi.ComponentResource(`acme:index:${run}`, run);
      new ChartDeployment('d', {
        app: await app(),
        secrets: [
          { namespace: 'ci', name: 'token', stringData: { t: values.t } },
          { namespace: 'ci', name: 'other', stringData: { a: values.a, b: values.b } },
        ],
      }, { parent });
      await settled();
      const workloads = registered.slice(before).filter((r) => r.inputs?.kind === 'Deployment');
      expect(workloads.map((w) => w.inputs.metadata.name).sort()).toEqual([...WORKLOADS].sort());
      return Object.fromEntries(workloads.map((w) => [w.inputs.metadata.name, { checksum: w.inputs.spec.template.metadata.annotations[CHECKSUM], secret: w.secretInputs }]));
    }

    if (preview) {
      test('a preview, where the digests are unknown, registers every workload with its checksum unknown', async () => {
        const runs = await checksums('Preview', { t: pulumi.secret('one'), a: 'x', b: 'y' });
        for (const name of WORKLOADS) {
          expect([name, pulumi.isUnknown(runs[name].checksum)]).toEqual([name, true]);
        }
      });
      return;
    }

    test('the same values give the same checksums; a new value changes exactly those of the pods that count it', async () => {
      const first = await checksums('First', { t: 'one', a: 'x', b: 'y' });
      const again = await checksums('Again', { t: 'one', a: 'x', b: 'y' });
      const newToken = await checksums('NewToken', { t: 'two', a: 'x', b: 'y' });
      const newA = await checksums('NewA', { t: 'one', a: 'z', b: 'y' });
      const changed = (run: typeof first) => WORKLOADS.filter((w) => run[w].checksum !== first[w].checksum);
      for (const w of WORKLOADS) {
        expect([w, first[w].checksum]).toEqual([w, expect.stringMatching(/^[0-9a-f]{64}$/)]);
      }
      expect(changed(again)).toEqual([]);
      // `t` of token: read directly by one, counted as handed over by another
      expect(changed(newToken)).toEqual(['direct', 'indirect']);
      // `a` of other: read whole by one; the other lists only `b` in its items, so it never sees `a`
      expect(changed(newA)).toEqual(['whole']);
    });

    test('a new substituted host rolls exactly the pods that read a ConfigMap holding it (a new user\'s DigitalOcean trial)', async () => {
      // the checksums were finished before the substitution: two hosts gave two registry config.yml files and one
      // checksum, so a new Valkey host would not restart Harbor's registry, which reads it only at its start
      const HOST = 'cache-host.placeholder.dockyard';
      const { App, ApiObject } = await import('cdk8s');
      const { DockyardChart } = await import('../../lib');
      const { ChartDeployment } = await import('../../lib/pulumi');
      const hosted = async (run: string, host: string) => {
        const a = new App();
        const chart = new DockyardChart(a, 'c', { namespace: 'ci' });
        new ApiObject(chart, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' }, data: { 'config.yml': `addr: ${HOST}:25061\n`, other: 'x' } });
        const deployment = (name: string, volume: any) => new ApiObject(chart, name, {
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
          spec: {
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'busybox', volumeMounts: [{ name: 'c', mountPath: '/c' }] }], volumes: [{ name: 'c', configMap: volume }] } },
          },
        });
        deployment('reads-host', { name: 'config' });
        // lists only the key without the host: Kubernetes projects only the listed keys
        deployment('reads-other', { name: 'config', items: [{ key: 'other', path: 'other' }] });
        const before = registered.length;
        new ChartDeployment('d', { app: a, secrets: [], substitutions: { [HOST]: host } }, { parent: new pulumi.ComponentResource(`acme:index:${run}`, run) });
        await settled();
        const objects = registered.slice(before);
        expect(objects.find((r) => r.inputs?.kind === 'ConfigMap')!.inputs.data['config.yml']).toBe(`addr: ${host}:25061\n`);
        return Object.fromEntries(objects.filter((r) => r.inputs?.kind === 'Deployment').map((r) => [r.inputs.metadata.name, r.inputs.spec.template.metadata.annotations[CHECKSUM]]));
      };
      const first = await hosted('HostA', 'a.db.internal');
      const again = await hosted('HostAAgain', 'a.db.internal');
      const moved = await hosted('HostB', 'b.db.internal');
      expect(first['reads-host']).toMatch(/^[0-9a-f]{64}$/);
      expect(again).toEqual(first);
      expect(moved['reads-host']).not.toBe(first['reads-host']);
      expect(moved['reads-other']).toBe(first['reads-other']);
    });

    test('a checksum over a secret value is kept secret in the state, and names no value', async () => {
      const runs = await checksums('SecretValue', { t: pulumi.secret('one-secret-value'), a: 'x', b: 'y' });
      // Pulumi marks the result of an apply over a secret Output secret (the digest key is one, the value may be):
      // the workload's inputs go to the state encrypted, as those of pods counting generated values did already
      expect(runs.direct.secret).toBe(true);
      expect(runs.direct.checksum).not.toContain('one-secret-value');
    });
  });
}
