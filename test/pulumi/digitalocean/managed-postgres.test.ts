import * as pulumi from '@pulumi/pulumi';
import { ValidationError } from '../../../lib/core/validation';
import type * as Module from '../../../lib/pulumi/digitalocean/managed-postgres';
import { childrenOf, expectParent, fakeDatabaseCa, get, invoked, one, options, recordParent, registered, settled, setup, T } from './harness';

let m: typeof Module;

beforeAll(async () => {
  await setup();
  // Pulumi provider modules must load after setMocks.
  m = await import('../../../lib/pulumi/digitalocean/managed-postgres');
});

describe('connectionLimit', () => {
  test.each([
    ['db-s-1vcpu-1gb', 22],
    ['db-s-1vcpu-2gb', 47],
    ['db-s-2vcpu-2gb', 47],
    ['db-s-2vcpu-4gb', 97],
    ['db-s-4vcpu-8gb', 197],
    ['db-s-6vcpu-16gb', 397],
    ['db-s-8vcpu-32gb', 797],
    ['db-s-16vcpu-64gb', 1597],
    // the other PostgreSQL families of digitalocean/openapi 7c1300c specification/resources/databases/responses/options.yml
    // (`pg` layouts): general purpose, storage optimised, AMD and Intel, each ending in its RAM
    ['gd-2vcpu-8gb', 197],
    ['gd-40vcpu-160gb', 3997],
    ['so1_5-2vcpu-16gb', 397],
    ['db-amd-1vcpu-2gb', 47],
    ['db-intel-1vcpu-2gb', 47],
    ['db-intel-16vcpu-64gb', 1597],
  ])('%s gives 25 per GB minus 3 reserved: %i', (size, limit) => {
    expect(m.connectionLimit(size)).toBe(limit);
  });

  const pgSizes = 'must be a DigitalOcean PostgreSQL size slug <family>-<vcpu>vcpu-<N>gb of the family db-s, db-amd, db-intel, gd or so1_5, ' +
    'such as "db-s-2vcpu-4gb" or "gd-2vcpu-8gb"';
  // options.yml offers `m-…` to Valkey and Redis only, and `gd-…-intel` to `advanced_pg` only
  test.each(['s-1vcpu-1gb', 'db-s-1vcpu-1GB', 'm-2vcpu-16gb', 'gd-2vcpu-8gb-intel', 'db-arm-1vcpu-2gb', 'db-s-0vcpu-1gb', 'db-s-1vcpu-0gb',
    'db-s-1vcpu-512mb', ''])('rejects the unknown slug %p', (size) => {
    expect(() => m.connectionLimit(size)).toThrow(ValidationError);
    expect(() => m.connectionLimit(size)).toThrow(`invalid size ${JSON.stringify(size)}: ${pgSizes}`);
  });
});

describe('ManagedPostgres', () => {
  test('defaults: a single smallest pg 17 node, one database and role each, a k8s-only firewall', async () => {
    const pg = new m.ManagedPostgres('pg', {
      region: 'fra1',
      kubernetesClusterId: 'doks-123',
      databases: [{ name: 'registry', user: 'harbor' }, { name: 'drone', user: 'drone' }],
    }, { transformations: [recordParent] });
    expect(await get(pg.host)).toBe('private-pg-cluster-a1b2c3.db.ondigitalocean.com');
    await settled();

    const cluster = one('pg', T.cluster);
    expect(cluster.name).toBe('pg-cluster');
    expect(cluster.inputs).toEqual({ engine: 'pg', version: '17', size: 'db-s-1vcpu-1gb', nodeCount: 1, region: 'fra1' });

    const dbs = childrenOf('pg').filter((r) => r.type === T.db);
    expect(dbs.map((d) => [d.name, d.inputs])).toEqual([
      ['pg-db-registry', { clusterId: 'pg-cluster-id', name: 'registry' }],
      ['pg-db-drone', { clusterId: 'pg-cluster-id', name: 'drone' }],
    ]);
    const users = childrenOf('pg').filter((r) => r.type === T.user);
    expect(users.map((u) => [u.name, u.inputs])).toEqual([
      ['pg-user-harbor', { clusterId: 'pg-cluster-id', name: 'harbor' }],
      ['pg-user-drone', { clusterId: 'pg-cluster-id', name: 'drone' }],
    ]);

    const firewall = one('pg', T.firewall);
    expect(firewall.inputs).toEqual({ clusterId: 'pg-cluster-id', rules: [{ type: 'k8s', value: 'doks-123' }] });

    expect(pg.port).toBe(25060);
    expect(pg.connectionLimit).toBe(22);
    expect(await get(pg.clusterId)).toBe('pg-cluster-id');
    expect(Object.keys(pg.passwords).sort()).toEqual(['drone', 'harbor']);
    expect(await get(pg.passwords.harbor)).toBe('password(pg-user-harbor)');
    expect(await get(pg.passwords.drone)).toBe('password(pg-user-drone)');
    expect(await pulumi.isSecret(pg.passwords.harbor)).toBe(true);
    expect(await pulumi.isSecret(pg.passwords.drone)).toBe(true);
    expect(await pulumi.isSecret(pg.host)).toBe(false);

    expect(expectParent('pg', pg)).toEqual([T.db, T.db, T.cluster, T.firewall, T.user, T.user].sort());
  });

  // terraform-provider-digitalocean v2.99.1 digitalocean/database/datasource_database_ca.go: `certificate` of
  // `digitalocean_database_ca` by `cluster_id`, the API's /v2/databases/<id>/ca decoded to PEM
  test('caCertificate is the cluster\'s CA as getDatabaseCa answers it, a plain Output', async () => {
    const pg = new m.ManagedPostgres('pgca', { region: 'fra1', kubernetesClusterId: 'doks-123', databases: [{ name: 'drone', user: 'drone' }] });
    expect(await get(pg.caCertificate)).toBe(fakeDatabaseCa('pgca-cluster-id'));
    // public: not a secret, so it does not make the Secrets and checksums that carry it secret for nothing
    expect(await pulumi.isSecret(pg.caCertificate)).toBe(false);
    expect(invoked.filter((i) => i.token === 'digitalocean:index/getDatabaseCa:getDatabaseCa').map((i) => i.inputs))
      .toContainEqual({ clusterId: 'pgca-cluster-id' });
  });

  // terraform-provider-digitalocean (401992a) `database/resource_database_cluster.go`: `private_network_uuid` is
  // ForceNew, so a new VPC replaces the cluster and its data; `version` is updatable (an in-place major upgrade)
  test('the cluster is protected, its defaulted version read at creation only, and a removed database kept', async () => {
    const pg = new m.ManagedPostgres('pgsafe', { region: 'fra1', kubernetesClusterId: 'doks-123', databases: [{ name: 'drone', user: 'drone' }] },
      { transformations: [recordParent] });
    await get(pg.host);
    await settled();
    // tags unset are the console's: terraform-provider-digitalocean v2.99.1 digitalocean/database/resource_database_cluster.go
    // :241 optional, :585 read back, :543-547 SetTags untagging what the configuration lacks at the next update
    expect(options.get(`${T.cluster}::pgsafe-cluster`)).toMatchObject({ protect: true, ignoreChanges: ['version', 'tags'] });
    expect('tags' in one('pgsafe', T.cluster).inputs).toBe(false);
    // taken out of the program (another CI engine), the database stays in the cluster with its data
    expect(options.get(`${T.db}::pgsafe-db-drone`)).toMatchObject({ retainOnDelete: true });
    expect(options.get(`${T.db}::pgsafe-db-drone`)!.protect).toBeUndefined();
    // and so does its role, which owns the tables (terraform-provider-digitalocean database/resource_database_user.go
    // deletes a user outright)
    expect(options.get(`${T.user}::pgsafe-user-drone`)).toMatchObject({ retainOnDelete: true });
    expect(options.get(`${T.user}::pgsafe-user-drone`)!.protect).toBeUndefined();
    // the firewall holds no data
    expect(options.get(`${T.firewall}::pgsafe-firewall`)!.protect).toBeUndefined();

    const chosen = new m.ManagedPostgres('pgchosen', { region: 'fra1', kubernetesClusterId: 'doks-123', databases: [{ name: 'a', user: 'a' }], version: '16' },
      { transformations: [recordParent], protect: false });
    await get(chosen.host);
    expect(options.get(`${T.cluster}::pgchosen-cluster`)!.ignoreChanges).toEqual(['tags']);
    expect(options.get(`${T.cluster}::pgchosen-cluster`)!.protect).toBe(false);
  });

  test('size, node count, version, VPC and a cluster id Output reach the resources; the limit follows the size', async () => {
    const doksId = pulumi.output('doks-from-output');
    const pg = new m.ManagedPostgres('pgbig', {
      region: 'ams3',
      kubernetesClusterId: doksId,
      databases: [{ name: 'registry', user: 'harbor' }, { name: 'notary', user: 'harbor' }],
      size: 'db-s-2vcpu-4gb',
      nodeCount: 2,
      version: '16',
      privateNetworkUuid: pulumi.output('vpc-1'),
      clusterName: 'dockyard-pg',
      tags: ['dockyard'],
    }, { transformations: [recordParent] });
    await get(pg.host);
    await settled();

    expect(one('pgbig', T.cluster).inputs).toEqual({
      name: 'dockyard-pg', engine: 'pg', version: '16', size: 'db-s-2vcpu-4gb', nodeCount: 2, region: 'ams3',
      privateNetworkUuid: 'vpc-1', tags: ['dockyard'],
    });
    // a chosen version and given tags are managed: nothing ignored
    expect(options.get(`${T.cluster}::pgbig-cluster`)!.ignoreChanges).toBeUndefined();
    expect(one('pgbig', T.firewall).inputs.rules).toEqual([{ type: 'k8s', value: 'doks-from-output' }]);
    // one role shared by two databases is created once
    expect(childrenOf('pgbig').filter((r) => r.type === T.user).map((u) => u.inputs.name)).toEqual(['harbor']);
    expect(childrenOf('pgbig').filter((r) => r.type === T.db).map((d) => d.inputs.name)).toEqual(['registry', 'notary']);
    expect(Object.keys(pg.passwords)).toEqual(['harbor']);
    expect(pg.connectionLimit).toBe(97);
    expect(await get(pg.host)).toBe('private-dockyard-pg.db.ondigitalocean.com');
    expectParent('pgbig', pg);
  });

  // options.yml (digitalocean/openapi 7c1300c specification/resources/databases/responses/options.yml) lists
  // `gd-2vcpu-8gb` in every `pg` layout, of 1 to 3 nodes
  test('a general purpose size reaches the cluster, with 3 nodes, and sets the limit by its RAM', async () => {
    const pg = new m.ManagedPostgres('pggd', { region: 'fra1', kubernetesClusterId: 'doks-123', databases: [{ name: 'a', user: 'a' }], size: 'gd-2vcpu-8gb', nodeCount: 3 },
      { transformations: [recordParent] });
    await get(pg.host);
    await settled();
    expect(one('pggd', T.cluster).inputs).toMatchObject({ size: 'gd-2vcpu-8gb', nodeCount: 3 });
    expect(pg.connectionLimit).toBe(197);
  });

  const base = { region: 'nyc3', kubernetesClusterId: 'doks', databases: [{ name: 'drone', user: 'drone' }] };
  test.each<[string, Partial<Module.ManagedPostgresArgs>, string]>([
    ['a standby on the smallest size', { nodeCount: 2 }, 'invalid nodeCount 2: must be 1 with size "db-s-1vcpu-1gb"'],
    // options.yml's `pg` layouts of 2 and 3 nodes have no 1 GB size, of any family
    ['a standby on another 1 GB size', { size: 'db-amd-1vcpu-1gb', nodeCount: 3 },
      'invalid nodeCount 3: must be 1 with size "db-amd-1vcpu-1gb"; clusters with standby nodes start at 2 GB, such as "db-s-1vcpu-2gb"'],
    ['a Valkey size', { size: 'm-2vcpu-16gb' }, 'invalid size "m-2vcpu-16gb": must be a DigitalOcean PostgreSQL size slug'],
    ['more than 3 nodes', { size: 'db-s-2vcpu-4gb', nodeCount: 4 }, 'invalid nodeCount 4: must be an integer from 1 to 3'],
    ['0 nodes', { nodeCount: 0 }, 'invalid nodeCount 0'],
    ['an unknown size', { size: 'db-s-1vcpu-3gb-x' }, 'invalid size "db-s-1vcpu-3gb-x"'],
    ['a version that is not a major', { version: 'latest' }, 'invalid version "latest": must be a PostgreSQL major version'],
    ['a bad region', { region: 'NYC3' }, 'invalid region "NYC3"'],
    ['no database', { databases: [] }, 'invalid databases []: must not be empty'],
    ['a database twice', { databases: [{ name: 'a', user: 'a' }, { name: 'a', user: 'b' }] }, 'invalid databases ["a","a"]: must not repeat "a"'],
    ['a database name that needs quoting', { databases: [{ name: 'Drone-DB', user: 'drone' }] }, 'invalid databases[].name "Drone-DB": must be a PostgreSQL identifier'],
    ['a bad role name', { databases: [{ name: 'drone', user: '1drone' }] }, 'invalid databases[].user "1drone"'],
    ['the default database', { databases: [{ name: 'defaultdb', user: 'drone' }] }, 'invalid databases[].name "defaultdb": must not be DigitalOcean\'s default database'],
    ['the admin role', { databases: [{ name: 'drone', user: 'doadmin' }] }, 'invalid databases[].user "doadmin": must not be DigitalOcean\'s admin role'],
    // CREATE ROLE refuses them (postgres/postgres src/backend/parser/gram.y RoleId/RoleSpec; src/backend/commands/user.c
    // CreateRole, IsReservedName), and so would the reconciler that grants the role its database
    ...['public', 'none', 'pg_drone'].map((user): [string, Partial<Module.ManagedPostgresArgs>, string] => [`the reserved role name ${user}`,
      { databases: [{ name: 'drone', user }] }, `invalid databases[].user "${user}": must not be a role name PostgreSQL reserves: "public", "none", or one starting with "pg_"`]),
  ])('rejects %s before registering anything', (_what, override, message) => {
    const before = registered.length;
    expect(() => new m.ManagedPostgres('bad', { ...base, ...override })).toThrow(message);
    expect(registered.length).toBe(before);
  });
});
