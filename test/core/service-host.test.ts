import { DroneSecretsExtension, Postgres, Redis } from '../../lib';
import { serviceHost } from '../../lib/core/service';
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
