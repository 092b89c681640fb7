import { instanceSelector } from '../../lib/core/placement';
import { inClusterHarbor } from '../harbor/fixtures';
import { find, synth, testChart } from '../util';

// The selector of every pod of one instance (lib/core/placement.ts `instanceSelector`), made from `selectorLabels`, the
// one writer of the labels pods are selected by: Harbor's components admit each other, and its ServiceMonitor finds
// their Services, by it.
describe('instanceSelector', () => {
  test('is the app and instance labels of selectorLabels, without the component', () => {
    expect(instanceSelector('harbor', 'registry')).toEqual({ 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/instance': 'registry' });
    expect(Object.keys(instanceSelector('harbor', 'registry'))).toEqual(['app.kubernetes.io/name', 'app.kubernetes.io/instance']);
  });

  test('selects every Harbor pod, as the components\' NetworkPolicies admit them', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { name: 'registry' });
    const objects = synth(chart);
    const selector = instanceSelector('harbor', 'registry');
    const pods = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.name.startsWith('registry-'));
    expect(pods.map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['registry-core', 'registry-jobservice', 'registry-portal', 'registry-registry']));
    for (const pod of pods) {
      expect(pod.spec.template.metadata.labels).toMatchObject(selector);
    }
    const core = find(objects, 'NetworkPolicy', 'registry-core');
    const froms = core.spec.ingress.flatMap((rule: any) => rule.from ?? []).map((peer: any) => peer.podSelector?.matchLabels);
    expect(froms).toContainEqual(selector);
  });
});
