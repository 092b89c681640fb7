import { EXAMPLE_STACKS } from '../stacks';

/**
 * The connection budgets of the example stacks: every role's CONNECTION LIMIT (PostgreSQL docs, CREATE ROLE), the
 * client pools sized within it, and the sum within the server's max_connections less what is reserved
 * (superuser_reserved_connections, 3 by default, PostgreSQL docs "Connections and Authentication"; on DigitalOcean
 * 25 per GB of RAM with 3 reserved for maintenance, so 22 on 1 GB, do.md §2.1, of which Dockyard keeps 1 for doadmin).
 */
const stacks = Object.fromEntries(EXAMPLE_STACKS.map((s) => [s.name, s]));

const env = (objects: any[], kind: string, name: string, container: string): Record<string, string> => {
  const w = objects.find((o) => o.kind === kind && o.metadata.name === name);
  const c = w.spec.template.spec.containers.find((x: any) => x.name === container);
  return Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
};
/** `role=limit` for each role the reconciler's script creates or alters, from the rendered ConfigMap. */
const limits = (objects: any[], configMap: string): string[] => {
  // named by its content: <reconciler>-<hash of the script>
  const script: string = objects.find((o) => o.kind === 'ConfigMap' && new RegExp(`^${configMap}-[0-9a-f]{8}$`).test(o.metadata.name)).data['reconcile.sh'];
  return [...script.matchAll(/SELECT format\('ALTER ROLE %I CONNECTION LIMIT %s', rolname, (-?\d+)\)[^\n]*\n {2}FROM pg_roles WHERE rolname = '(\w+)'/g)]
    .map((m) => `${m[2]}=${m[1]}`);
};

describe('connection budgets of the example stacks', () => {
  test('default: drone 24 + demo 20 + harbor 40 + 3 reserved for superusers = 87 of max_connections 100', () => {
    const { objects } = stacks.default.synth();
    expect(limits(objects, 'postgres-reconcile')).toEqual(['drone=24', 'demo=20', 'harbor=40']);
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
    expect(sts.spec.template.spec.containers[0].args).toEqual(['postgres', '-c', 'max_connections=100', '-c', 'shared_buffers=128MB', '-c', 'work_mem=810kB', '-c', 'maintenance_work_mem=64MB',
      '-c', 'autovacuum_work_mem=16MB', '-c', 'huge_pages=off']);
    // Drone's pool fits its role's limit (its server runs one pod, recreated); Harbor's core and jobservice share
    // theirs with the successor each starts while it rolls (lib/harbor/connection-budget.ts)
    expect(Number(env(objects, 'Deployment', 'drone', 'server').DRONE_DATABASE_MAX_CONNECTIONS)).toBeLessThanOrEqual(24);
    expect(env(objects, 'Deployment', 'harbor-core', 'core').POSTGRESQL_MAX_OPEN_CONNS).toBe('10');
  });

  test('harbor-do: harbor 21 + 1 for doadmin = 22, all a 1 GB DigitalOcean cluster allows; core and jobservice get 5 each, and their successors while they roll', () => {
    const { objects } = stacks['harbor-do'].synth();
    expect(env(objects, 'Deployment', 'harbor-core', 'core').POSTGRESQL_MAX_OPEN_CONNS).toBe('5');
  });

  test('digitalocean: harbor 16 + drone 4 + 1 for doadmin = 21 of the 22 of a 1 GB cluster', () => {
    const { objects } = stacks.digitalocean.synth();
    expect(limits(objects, 'database-grants')).toEqual(['harbor=16', 'drone=4']);
    expect(env(objects, 'Deployment', 'harbor-core', 'core').POSTGRESQL_MAX_OPEN_CONNS).toBe('4');
    expect(Number(env(objects, 'Deployment', 'drone', 'server').DRONE_DATABASE_MAX_CONNECTIONS)).toBeLessThanOrEqual(4);
  });
});
