import { DroneSecretsExtension, Postgres, Redis } from '../../lib';
import { reachedServer, serviceHost } from '../../lib/core/service';
import { droneServer } from '../drone/fixtures';
import { woodpeckerServer } from '../woodpecker/fixtures';
import { testChart } from '../util';

// One writer of a Service's in-cluster host name (lib/core/service.ts `serviceHost`): the addresses Dockyard's
// servers give their clients, and Harbor's one-Redis-per-Harbor check, which must spell a one-label host as `Redis`
// spells its own (test/harbor/harbor.test.ts, "cache" named from the Harbor's namespace is refused as that server).
describe('serviceHost', () => {
  test('is <name>.<namespace>.svc: the pod\'s DNS search list adds the cluster domain, whatever it is', () => {
    expect(serviceHost('redis', 'cache')).toBe('redis.cache.svc');
    expect(serviceHost('drone-secrets', 'dockyard')).toBe('drone-secrets.dockyard.svc');
  });

  test('is the address of every in-cluster server Dockyard runs', () => {
    const chart = testChart('dockyard');
    expect(new Redis(chart, 'Redis', { name: 'valkey', namespace: 'cache' }).host).toBe('valkey.cache.svc');
    expect(new Postgres(chart, 'Pg', { name: 'pg', namespace: 'data' }).host).toBe('pg.data.svc');
    expect(new DroneSecretsExtension(chart, 'Secrets', { name: 'secrets', namespace: 'ci' }).endpoint).toBe('http://secrets.ci.svc:3000');
    expect(droneServer(testChart('dockyard'), { name: 'drone-a' }).rpcHost).toBe('drone-a.dockyard.svc:8080');
    expect(woodpeckerServer(testChart('dockyard'), { name: 'wp' }).grpcAddress).toBe('wp.dockyard.svc:9000');
  });
});

// The one rule for which server a pod reaches under a host (lib/core/service.ts `reachedServer`), which Harbor's
// Redis check and the PostgreSQL connection budget share. A pod's resolver tries a name of fewer than 5 dots with its
// search list first, <namespace>.svc.<domain>, svc.<domain>, <domain> (kubernetes/kubernetes at d24fe8a8
// pkg/kubelet/network/dns/dns.go:141-151 generateSearchesForDNSClusterFirst, defaultDNSOptions ndots:5)
describe('reachedServer', () => {
  test('writes each spelling of a Service as serviceHost does, the default cluster domain left out', () => {
    for (const host of ['pg.data', 'pg.data.svc', 'pg.data.svc.cluster.local']) {
      expect([host, reachedServer(host, 5432, 'apps')]).toEqual([host, 'pg.data.svc:5432']);
      expect([host, reachedServer(host, 5432)]).toEqual([host, 'pg.data.svc:5432']);
    }
    // one label: the Service of the connecting pod's namespace, unknown without it
    expect(reachedServer('pg', 5432, 'apps')).toBe('pg.apps.svc:5432');
    expect(reachedServer('pg', 5432, 'ci')).toBe('pg.ci.svc:5432');
    expect(reachedServer('pg', 5432)).toBeUndefined();
  });

  test('takes IP addresses, other cluster domains and names outside the cluster as written', () => {
    expect(reachedServer('10.96.0.7', 5432, 'apps')).toBe('10.96.0.7:5432');
    // an IPv6 address has no dot: it is no one-label Service name
    expect(reachedServer('fd00::7', 5432, 'apps')).toBe('fd00::7:5432');
    expect(reachedServer('fd00::7', 5432)).toBe('fd00::7:5432');
    expect(reachedServer('pg.data.svc.k8s.example', 5432, 'apps')).toBe('pg.data.svc.k8s.example:5432');
    expect(reachedServer('db.example.com', 25060, 'apps')).toBe('db.example.com:25060');
    expect(reachedServer('pg-0.pg.data', 5432, 'apps')).toBe('pg-0.pg.data:5432');
  });
});
