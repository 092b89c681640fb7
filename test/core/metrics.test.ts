import { NetworkPeer } from '../../lib';
import { checkMetrics } from '../../lib/core/metrics';

// The ServiceMonitor's `interval` is a `Duration`, which the CRD checks against this pattern at apply
// (prometheus-operator v0.93.0 pkg/apis/monitoring/v1/types.go:51-54): what a synth accepts, the API server must too.
const CRD_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
const PROM = NetworkPeer.namespace('monitoring');

describe('checkMetrics', () => {
  test.each(['30s', '1m', '500ms', '2h', '15s'])('accepts %s, which the CRD accepts', (interval) => {
    expect(checkMetrics('metrics', { scrapers: [PROM], serviceMonitor: true, interval })).toEqual([PROM]);
    expect(CRD_DURATION.test(interval)).toBe(true);
  });

  test.each(['30', '0s', '30 s', '-1m', '1.5m', ''])('refuses %j in one line naming the prop', (interval) => {
    expect(() => checkMetrics('server.metrics', { scrapers: [PROM], serviceMonitor: true, interval })).toThrow(
      /^invalid server\.metrics\.interval .*: must be a Prometheus duration such as "30s" or "1m"$/);
  });

  test('names what the port gives away when the scrapers are the whole address space', () => {
    expect(() => checkMetrics('metrics', { scrapers: [NetworkPeer.ipBlock('::/0')] }, 'it serves the API')).toThrow(
      /^invalid metrics\.scrapers "::\/0": must not be the whole address space: it serves the API, so name the Prometheus pods/);
  });

  test('refuses options that are not an object', () => {
    expect(() => checkMetrics('metrics', 'monitoring' as any)).toThrow(/^invalid metrics "monitoring": must be an object such as/);
  });
});
