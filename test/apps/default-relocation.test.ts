import { EXAMPLE_STACKS } from '../stacks';
import { container, envOf, find } from '../util';

/** The default stack end to end: Drone pulls through Harbor's proxy cache, with pull secrets where it needs them. */
describe('default stack relocation and pull secrets', () => {
  const stack = EXAMPLE_STACKS.find((s) => s.name === 'default')!.synth();
  const pods = stack.objects.filter((o) => o.spec?.template?.spec).map((w) => ({ w, pod: w.spec.template.spec }));
  const proxy = 'harbor.example.com/dockerhub/';

  test('Drone\'s server, runner, extension and build images pull through the proxy cache', () => {
    for (const name of ['drone', 'drone-runner', 'drone-secrets']) {
      expect(container(find(stack.objects, 'Deployment', name)).image.startsWith(proxy)).toBe(true);
    }
    const runner = find(stack.objects, 'Deployment', 'drone-runner');
    const env = envOf(container(runner));
    expect(env.DRONE_IMAGE_CLONE.value).toBe(`${proxy}drone/git:1.2.0`);
    expect(env.DRONE_IMAGE_PLACEHOLDER.value).toBe(`${proxy}drone/placeholder:1`);
    expect(runner.metadata.annotations['dockyard.dev/images']).toBe(`${proxy}drone/git:1.2.0,${proxy}drone/placeholder:1`);
  });

  test('Harbor and the data services it needs keep pulling from upstream', () => {
    const upstream = pods.filter(({ w }) => w.metadata.namespace === 'harbor' || w.metadata.name === 'postgres');
    expect(upstream.length).toBeGreaterThan(5);
    for (const { pod } of upstream) {
      for (const c of pod.containers) {
        expect(c.image.startsWith('docker.io/')).toBe(true);
      }
    }
  });

  test('every pod that pulls from Harbor has the pull secret, and every build namespace\'s default ServiceAccount too', () => {
    for (const { w, pod } of pods) {
      const fromHarbor = pod.containers.some((c: any) => c.image.startsWith('harbor.example.com/'));
      expect([w.metadata.name, pod.imagePullSecrets]).toEqual([w.metadata.name, fromHarbor ? [{ name: 'registry-credentials' }] : undefined]);
    }
    for (const ns of ['dockyard-builds', 'dockyard-deploy', 'demo']) {
      expect(find(stack.objects, 'ServiceAccount', 'default', ns).imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
      expect(stack.secrets.some((s) => s.metadata.namespace === ns && s.metadata.name === 'registry-credentials')).toBe(true);
    }
  });

  test('pipelines get the pull and push credentials only through the secrets extension', () => {
    const pull = stack.secrets.find((s) => s.metadata.name === 'harbor-pull');
    expect(pull.metadata.annotations).toEqual({ 'X-Drone-Repos': 'example/*', 'X-Drone-Events': 'push,tag,promote,rollback,cron,custom' });
    expect(Object.keys(JSON.parse(pull.stringData['.dockerconfigjson']).auths)).toEqual(['harbor.example.com']);
    expect(find(stack.objects, 'Role', 'drone-secrets').rules[0].resourceNames).toEqual(['demo-database', 'harbor-pull', 'harbor-push']);
  });
});
