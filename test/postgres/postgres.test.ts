import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { DatabaseGrants, DockyardChart, ExternalRedis, Image, Namespace, NetworkPeer, Postgres, Redis, Resources, Secret, SecretValue, SslMode } from '../../lib';
import { droneServer } from '../drone/fixtures';
import { ExternalPostgres } from '../../lib';
import { HarborCredentials } from '../../lib/harbor/credentials';
import { EnvVars } from '../../lib/core/env';
import { bindDatasource } from '../../lib/postgres/datasource';
import { mainSharedMemoryMiB } from '../../lib/postgres/memory-settings';
import { managedHarbor } from '../harbor/fixtures';
import { container, envOf, find, stderrOf, synth, testChart, thrown } from '../util';

describe('Postgres', () => {
  const build = () => {
    const chart = testChart('data');
    const postgres = new Postgres(chart, 'Postgres', { storageSize: '20Gi', storageClassName: 'fast', maxConnections: 50 });
    return { chart, postgres };
  };

  test('renders a single-replica StatefulSet of the official image as UID 999 with a volume claim', () => {
    const { chart } = build();
    const sts = find(synth(chart), 'StatefulSet', 'postgres', 'data');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('postgres');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } },
    });
    // the claim template carries the selector's labels only, never the version: the API server refuses a change to
    // it (kubernetes pkg/apis/apps/validation/validation.go, ValidateStatefulSetUpdate), so an image upgrade applies
    expect(sts.spec.volumeClaimTemplates[0].metadata.labels).toEqual(sts.spec.selector.matchLabels);
    expect(sts.metadata.labels['app.kubernetes.io/version']).toBeDefined();
    const c = container(sts);
    expect(c.image).toBe('docker.io/library/postgres:17.9-bookworm');
    // the image's entrypoint runs, never replaced by a command: on every start it sets PGDATA back to 0700 before the
    // server checks it (docker-library/postgres 6edb0a8c4d 17/bookworm/docker-entrypoint.sh:41, `chmod 00700 "$PGDATA"`,
    // called at :335 for the first argument "postgres" whether or not the data directory is empty). The kubelet's
    // fsGroup ownership change gives every directory of the volume group rwx and setgid (kubernetes
    // pkg/volume/volume_linux.go changeFilePermission: rwMask | execMask | ModeSetgid) where it runs (the first mount
    // under OnRootMismatch), and PostgreSQL refuses a data directory that group may write (src/backend/utils/init/
    // miscinit.c checkDataDir, PG_MODE_MASK_GROUP)
    expect(c.command).toBeUndefined();
    expect(c.args[0]).toBe('postgres');
    expect(c.args).toEqual(['postgres', '-c', 'max_connections=50', '-c', 'shared_buffers=128MB', '-c', 'work_mem=2860kB', '-c', 'maintenance_work_mem=64MB', '-c', 'autovacuum_work_mem=16MB', '-c', 'huge_pages=off']);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp', '/dev/shm']);
    expect(c.readinessProbe.exec.command).toEqual(['pg_isready', '--host=127.0.0.1', '--port=5432', '--username=postgres']);
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(300);
  });

  describe('memory settings', () => {
    // A backend the kernel kills for memory takes every connection with it and runs crash recovery (postgres
    // src/backend/postmaster/postmaster.c HandleChildCrash; test/integ/postgres-memory.integ.test.ts kills one), so
    // the limit must hold shared_buffers, /dev/shm, 3 autovacuum workers' autovacuum_work_mem, one maintenance_work_mem
    // and, for each of max_connections + 8 parallel workers, 3 MiB of its own and a hash table of work_mem x 2
    // (PostgreSQL 17 defaults, src/backend/utils/misc/guc_tables.c). lib/postgres/memory-settings.ts
    const argsOf = (props: { maxConnections?: number; memoryLimit?: string }) => {
      const chart = testChart('data');
      const resources = props.memoryLimit ? Resources.of({ cpuRequest: '250m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: props.memoryLimit }) : undefined;
      new Postgres(chart, 'Postgres', { maxConnections: props.maxConnections, resources });
      return container(find(synth(chart), 'StatefulSet', 'postgres')).args;
    };

    test('fit every connection\'s work_mem in what the limit leaves: 810kB each for the default 100 under 1Gi', () => {
      // 1024 - 145 main shared memory (128 shared_buffers and 17 besides, mainSharedMemoryMiB) - 256 /dev/shm -
      // 3 x 16 autovacuum - 64 maintenance - 16 = 495 MiB for 108 backends: (4.58 - 3) / 2 MiB each
      const rest = ['-c', 'huge_pages=off'];
      expect(argsOf({})).toEqual(['postgres', '-c', 'max_connections=100', '-c', 'shared_buffers=128MB', '-c', 'work_mem=810kB', '-c', 'maintenance_work_mem=64MB',
        '-c', 'autovacuum_work_mem=16MB', ...rest]);
      // 2048 - 280 (256 and 24) - 512 - 48 - 64 - 16 = 1128 MiB for 108: (10.44 - 3) / 2 MiB = 3811kB
      expect(argsOf({ memoryLimit: '2Gi' })).toEqual(['postgres', '-c', 'max_connections=100', '-c', 'shared_buffers=256MB', '-c', 'work_mem=3811kB',
        '-c', 'maintenance_work_mem=64MB', '-c', 'autovacuum_work_mem=16MB', ...rest]);
      // maintenance_work_mem is a sixteenth and autovacuum_work_mem a sixty-fourth of a limit under 1Gi
      expect(argsOf({ memoryLimit: '512Mi', maxConnections: 50 })).toEqual(['postgres', '-c', 'max_connections=50', '-c', 'shared_buffers=64MB', '-c', 'work_mem=556kB',
        '-c', 'maintenance_work_mem=32MB', '-c', 'autovacuum_work_mem=8MB', ...rest]);
      expect(argsOf({ maxConnections: 149 })).toContain('work_mem=71kB');
    });

    test('count the main shared memory besides shared_buffers, at least what PostgreSQL 15 allocates', () => {
      // shared_memory_size of Debian's PostgreSQL 15.18 (`postgres -C shared_memory_size -c shared_buffers=<MB> -c
      // max_connections=<n> -c huge_pages=off` after initdb, the other settings its defaults; src/backend/storage/ipc/ipci.c
      // CalculateShmemSize), which test/integ/postgres-memory.integ.test.ts measures again for what a Postgres renders
      const measured: [number, number, number][] = [[16, 10, 20], [32, 10, 37], [64, 100, 75], [128, 10, 139], [128, 100, 143], [128, 1000, 184],
        [128, 10000, 617], [256, 100, 279], [512, 500, 570], [1024, 100, 1074], [2048, 1000, 2162], [4096, 10000, 4687]];
      for (const [sharedBuffers, maxConnections, size] of measured) {
        const counted = mainSharedMemoryMiB(sharedBuffers, maxConnections);
        expect([sharedBuffers, maxConnections, counted >= size]).toEqual([sharedBuffers, maxConnections, true]);
        // and no more than PostgreSQL 17's larger SLRU caches (6MB a GB of shared_buffers) and 1 kB a connection above it
        expect(counted - size).toBeLessThanOrEqual(3 + (6 * sharedBuffers) / 1024 + maxConnections / 1024);
      }
    });

    test('refuse a maxConnections that leaves a connection less than PostgreSQL\'s smallest work_mem, 64kB, in one line', () => {
      expect(thrown(() => argsOf({ maxConnections: 150 }))).toEqual(new Error('invalid maxConnections 150: must leave each connection PostgreSQL\'s ' +
        'smallest work_mem (64kB) within the memory limit 1Gi: at most 149 there; raise resources.memoryLimit or lower maxConnections (Postgres "test/Postgres")'));
      // the default 100 under a smaller limit
      expect(thrown(() => argsOf({ memoryLimit: '512Mi' })).message).toBe('invalid maxConnections 100: must leave each connection PostgreSQL\'s ' +
        'smallest work_mem (64kB) within the memory limit 512Mi: at most 67 there; raise resources.memoryLimit or lower maxConnections (100 is the default) (Postgres "test/Postgres")');
      // a 100 the code gave is not called the default
      expect(thrown(() => argsOf({ memoryLimit: '512Mi', maxConnections: 100 })).message).toMatch(/ or lower maxConnections \(Postgres "test\/Postgres"\)$/);
      expect(argsOf({ memoryLimit: '512Mi', maxConnections: 67 })).toContain('work_mem=81kB');
      expect(thrown(() => argsOf({ memoryLimit: '128Mi', maxConnections: 5 })).message).toMatch(/^invalid maxConnections 5: .* at most 0 there; /);
    });
  });

  test('gives the server a /dev/shm of a quarter of its memory limit, at least the 64 MiB a pod has without one', () => {
    // parallel queries fail on a full /dev/shm: test/integ/postgres-shm.integ.test.ts
    const shmOf = (memoryLimit: string) => {
      const chart = testChart('data');
      new Postgres(chart, 'Postgres', { maxConnections: 10, resources: Resources.of({ cpuRequest: '250m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit }) });
      const pod = find(synth(chart), 'StatefulSet', 'postgres').spec.template.spec;
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
      return pod.volumes.find((v: any) => v.name === 'shm').emptyDir;
    };
    expect(shmOf('2Gi')).toEqual({ medium: 'Memory', sizeLimit: '512Mi' });
    expect(shmOf('1G')).toEqual({ medium: 'Memory', sizeLimit: '238Mi' });
    expect(shmOf('200Mi')).toEqual({ medium: 'Memory', sizeLimit: '64Mi' });
  });

  test('takes the superuser password from a generated Secret and keeps PGDATA below the mount root', () => {
    const { chart } = build();
    const env = envOf(container(find(synth(chart), 'StatefulSet', 'postgres')));
    expect(env.POSTGRES_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-superuser', key: 'password' });
    expect(env.PGDATA.value).toBe('/var/lib/postgresql/data/pgdata');
    expect(Secret.allIn(chart).map((s) => s.secretName)).toEqual(['postgres-superuser']);
  });

  // The server runs with huge_pages=off, but initdb's own backends (the first start's) get no server argument: the
  // image's entrypoint hands them POSTGRES_INITDB_ARGS (docker-library/postgres 6edb0a8c4d, 17/bookworm/docker-entrypoint.sh
  // line 92, `eval 'initdb ... '"$POSTGRES_INITDB_ARGS"`), only while the data directory is empty (lines 342-351), and
  // PostgreSQL 16's initdb -c/--set applies a setting to its backends and postgresql.conf (REL_17_STABLE
  // doc/src/sgml/ref/initdb.sgml); 15's has no --set and would refuse it
  test('initdb\'s backends start without huge pages too, on an image of PostgreSQL 16 or later', () => {
    const envWith = (image?: string) => {
      const chart = testChart('data');
      new Postgres(chart, 'Postgres', image ? { image: Image.of(image) } : {});
      return envOf(container(find(synth(chart), 'StatefulSet', 'postgres')));
    };
    expect(envWith().POSTGRES_INITDB_ARGS).toEqual({ name: 'POSTGRES_INITDB_ARGS', value: '--set huge_pages=off' });
    expect(envWith('postgres:16.4').POSTGRES_INITDB_ARGS.value).toBe('--set huge_pages=off');
    expect(envWith('registry.example.com/postgres:18.1-trixie@sha256:' + 'a'.repeat(64)).POSTGRES_INITDB_ARGS.value).toBe('--set huge_pages=off');
    expect(envWith('postgres:15.10-bookworm').POSTGRES_INITDB_ARGS).toBeUndefined();
    expect(envWith('postgres@sha256:' + 'b'.repeat(64)).POSTGRES_INITDB_ARGS).toBeUndefined();
    // relocated (Harbor's proxy cache) and pre-release tags name their major version too
    expect(envWith('harbor.acme.dev/dockerhub/library/postgres:17.9-bookworm').POSTGRES_INITDB_ARGS.value).toBe('--set huge_pages=off');
    expect(envWith('postgres:19beta1').POSTGRES_INITDB_ARGS.value).toBe('--set huge_pages=off');
    // a tag of the user's own that begins with digits names no version: an image built on 15 would fail initdb --set
    for (const tag of ['20240101', '2024.01', '16a9f3e', '150']) {
      expect(envWith(`registry.example.com/acme/postgres:${tag}`).POSTGRES_INITDB_ARGS).toBeUndefined();
    }
  });

  // docker-library/postgres docker-entrypoint.sh runs /docker-entrypoint-initdb.d only when PGDATA is empty
  // (docker_setup_db/docker_process_init_files behind `if [ -z "$DATABASE_ALREADY_EXISTS" ]`), so Dockyard uses no
  // init script: the reconciler Job applies the first state and every later change
  test('addDatabase adds a role password Secret and the database to the reconciler\'s script, never to the server, without secrets in ConfigMaps', () => {
    const { chart, postgres } = build();
    const db = postgres.addDatabase('drone', { connectionLimit: 10 });
    expect(db).toMatchObject({ host: 'postgres.data.svc', port: 5432, databaseName: 'drone', user: 'drone', sslMode: SslMode.DISABLE, connectionLimit: 10 });
    expect(db.password.toString()).toBe('data/postgres-drone#password');
    const objects = synth(chart);
    // the server never holds a client password, so a new database or a rotated password does not restart it
    expect(Object.keys(envOf(container(find(objects, 'StatefulSet', 'postgres'))))).toEqual(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'PGDATA', 'POSTGRES_INITDB_ARGS']);
    const configMaps = objects.filter((o: any) => o.kind === 'ConfigMap');
    // named by its content, as its Job is: a Job retrying an older state keeps its own script; beside it, under a fixed
    // name, the list of the current Job (lib/core/current-jobs.ts)
    expect(configMaps.map((o: any) => o.metadata.name)).toEqual([expect.stringMatching(/^postgres-reconcile-[0-9a-f]{8}$/), 'postgres-reconcile-jobs']);
    const reconcileJob = objects.find((o: any) => o.kind === 'Job');
    expect(reconcileJob.spec.template.spec.volumes.find((v: any) => v.name === 'scripts').projected.sources[0].configMap.name).toBe(configMaps[0].metadata.name);
    const script = configMaps[0].data['reconcile.sh'];
    expect(script).toContain("set_password 'drone' 'drone' \"$DOCKYARD_DB_DRONE_PASSWORD\"");
    // created without a password, which set_password sets as the verifier psql makes (no plaintext to the server)
    expect(script).toContain("SELECT format('CREATE ROLE %I LOGIN CONNECTION LIMIT %s', 'drone', 10)");
    expect(script).toContain("REVOKE CONNECT ON DATABASE %I FROM PUBLIC");
    const job = objects.find((o: any) => o.kind === 'Job');
    expect(job.metadata.name).toMatch(/^postgres-reconcile-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(envOf(container(job)).DOCKYARD_DB_DRONE_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-drone', key: 'password' });
    expect(envOf(container(job)).PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-superuser', key: 'password' });
  });

  test('admits only granted clients and its reconciler, and denies all egress', () => {
    const { chart, postgres } = build();
    const db = postgres.addDatabase('app');
    const policy = () => find(synth(chart), 'NetworkPolicy', 'postgres');
    const reconciler = {
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } }, podSelector: { matchLabels: postgres.reconciler.peer.labels } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    };
    expect(policy().spec.ingress).toEqual([reconciler]);
    expect(policy().spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy().spec.egress).toEqual([]);
    db.grantConnect(NetworkPeer.pods('apps', { app: 'x' }));
    db.grantConnect(NetworkPeer.pods('apps', { app: 'x' }));
    postgres.grantConnect(NetworkPeer.namespace('jobs'));
    expect(policy().spec.ingress).toEqual([
      reconciler,
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: { matchLabels: { app: 'x' } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'jobs' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
  });

  test('fails on duplicate or reserved databases and users', () => {
    const { postgres } = build();
    postgres.addDatabase('drone');
    // each message names the database it is about: a server holds several
    expect(() => postgres.addDatabase('drone'))
      .toThrow(new Error('invalid databaseName "drone": must be unique on postgres, and so must its user "drone" (database "drone") (Postgres "test/Postgres")'));
    expect(() => postgres.addDatabase('other', { user: 'drone' })).toThrow(/must be unique on postgres, and so must its user "drone" \(database "other"\) \(Postgres "test\/Postgres"\)$/);
    expect(() => postgres.addDatabase('postgres'))
      .toThrow(new Error('invalid databaseName "postgres": must not be "postgres", which belongs to the superuser (database "postgres") (Postgres "test/Postgres")'));
    expect(() => postgres.addDatabase('Bad-Name')).toThrow(/^invalid databaseName "Bad-Name": must be a PostgreSQL identifier.* \(database "Bad-Name"\) \(Postgres "test\/Postgres"\)$/);
    expect(() => postgres.addDatabase('x', { user: '1x' })).toThrow(/^invalid user "1x": .* \(database "x"\) \(Postgres "test\/Postgres"\)$/);
    // names PostgreSQL refuses at CREATE ROLE (postgres/postgres src/backend/parser/gram.y RoleId/RoleSpec: public,
    // none; src/backend/commands/user.c CreateRole, IsReservedName: pg_*), which would fail the Job on every retry
    const RESERVED = 'must not be a role name PostgreSQL reserves: "public", "none", or one starting with "pg_"';
    expect(() => postgres.addDatabase('public')).toThrow(new Error(`invalid user "public": ${RESERVED} (database "public") (Postgres "test/Postgres")`));
    expect(() => postgres.addDatabase('app', { user: 'none' })).toThrow(new Error(`invalid user "none": ${RESERVED} (database "app") (Postgres "test/Postgres")`));
    expect(() => postgres.addDatabase('pg_stats')).toThrow(new Error(`invalid user "pg_stats": ${RESERVED} (database "pg_stats") (Postgres "test/Postgres")`));
    // its password's Secret, postgres-superuser, would be the superuser's: two generated Secrets of one name
    expect(() => postgres.addDatabase('superuser', { user: 'su' })).toThrow(new Error('invalid databaseName "superuser": must not be "superuser": ' +
      'its password\'s Secret would be the superuser\'s, postgres-superuser (database "superuser") (Postgres "test/Postgres")'));
    // its password's Secret name, <server>-<database> with "_" as "-", must be a DNS subdomain (kubernetes
    // apimachinery pkg/util/validation/validation.go IsDNS1123Subdomain): "drone_" would name postgres-drone-
    expect(() => postgres.addDatabase('drone_')).toThrow(new Error('invalid databaseName "drone_": must not end in "_": its password\'s ' +
      'Secret would be postgres-drone-, which Kubernetes refuses (a name ends in a letter or digit) (database "drone_") (Postgres "test/Postgres")'));
    expect(Secret.allIn(postgres).map((s) => s.secretName)).toEqual(['postgres-superuser', 'postgres-drone']);
    // the template every CREATE DATABASE copies is the server's, as "postgres" is
    expect(() => postgres.addDatabase('template1')).toThrow(/^invalid databaseName "template1": must not be one of the databases PostgreSQL makes itself/);
  });

  // PostgreSQL docs, "Connections and Authentication": max_connections counts every connection and
  // superuser_reserved_connections (default 3) of them are kept for superusers; CREATE ROLE: CONNECTION LIMIT
  test('fails when connection limits and the superuser reserve exceed max_connections, in one line naming the server', () => {
    const { postgres } = build();
    postgres.addDatabase('a', { connectionLimit: 40 });
    expect(() => postgres.addDatabase('b', { connectionLimit: 8 })).toThrow(new Error('invalid connectionLimit 8: the connection limits of the databases on ' +
      'postgres.data.svc:5432 sum to 48 (a 40, b 8), which with 3 reserved connections exceeds its maxConnections 50: lower one of them, or raise ' +
      'maxConnections (database "b") (Postgres "test/Postgres")'));
    // a database without a limit gets a quarter of what max_connections leaves: (50 - 3) / 4 = 11, and 40 + 11 > 47
    // and the message says where the 11 came from, which the caller never wrote
    expect(() => postgres.addDatabase('c')).toThrow(/sum to 51 \(a 40, c 11\), which with 3 reserved connections exceeds its maxConnections 50: lower one of them \(c's is the default, a quarter of what maxConnections leaves: set its connectionLimit\), or raise maxConnections \(database "c"\) \(Postgres "test\/Postgres"\)$/);
    expect(postgres.addDatabase('d', { connectionLimit: 7 }).connectionLimit).toBe(7);
    expect(() => postgres.addDatabase('c', { connectionLimit: 0 })).toThrow(new Error('invalid connectionLimit 0: must be an integer of at least 1 (database "c") (Postgres "test/Postgres")'));
    expect(() => postgres.addDatabase('neg', { connectionLimit: -1 }))
      .toThrow(new Error('invalid connectionLimit -1: must be an integer of at least 1 (database "neg") (Postgres "test/Postgres")'));
  });

  test('grantConnect and addDatabase refuse, in one line, what untyped JavaScript may pass for a peer or options, changing nothing', () => {
    const { chart, postgres } = build();
    const db = postgres.addDatabase('app');
    const before = synth(chart);
    const peerRule = 'must be a NetworkPeer, e.g. NetworkPeer.namespace("apps") or NetworkPeer.pods("apps", { app: "web" })';
    for (const bad of ['apps', undefined, null, { namespace: 'apps' }]) {
      const shown = JSON.stringify(bad) ?? 'undefined';
      expect(thrown(() => db.grantConnect(bad as unknown as NetworkPeer)).message).toBe(`invalid peer ${shown}: ${peerRule}`);
      expect(thrown(() => postgres.grantConnect(bad as unknown as NetworkPeer)).message).toBe(`invalid peer ${shown}: ${peerRule}`);
    }
    // the options name the database they were given for
    expect(thrown(() => postgres.addDatabase('other', null as unknown as object)).message)
      .toBe('invalid options null: must be an object of PostgresDatabaseOptions, e.g. { connectionLimit: 10 } (database "other") (Postgres "test/Postgres")');
    expect(thrown(() => postgres.addDatabase('other', 'pay' as unknown as object)).message)
      .toBe('invalid options "pay": must be an object of PostgresDatabaseOptions, e.g. { connectionLimit: 10 } (database "other") (Postgres "test/Postgres")');
    expect(synth(chart)).toEqual(before);
  });

  test('two in one namespace of one name, the default or given, are refused naming the name prop (stop 44\'s note)', () => {
    const refusal = (name: string, note: string, what: string) => `invalid name "${name}": must differ between two Postgres constructs in one namespace, ` +
      `but test/A and test/B both have it${note} and both render ${what}: give one of them another name, a DNS label`;
    const twoOf = (a: { name?: string; namespace?: string }, b: { name?: string; namespace?: string }) => {
      const chart = testChart('data');
      new Postgres(chart, 'A', a);
      new Postgres(chart, 'B', b);
      return chart;
    };
    expect(thrown(() => synth(twoOf({}, {}))).message).toBe(refusal('postgres', ' (Postgres\'s default when name is unset)', 'Service data/postgres'));
    expect(thrown(() => synth(twoOf({ name: 'db' }, { name: 'db' }))).message).toBe(refusal('db', '', 'Service data/db'));
    // one defaulted, the other given the default's value by name: still the default that collides
    expect(thrown(() => synth(twoOf({}, { name: 'postgres' }))).message).toBe(refusal('postgres', ' (Postgres\'s default when name is unset)', 'Service data/postgres'));
    // constructs of other classes of one name fall to the refusal of the object, which names no prop of theirs
    const mixed = testChart('data');
    new Postgres(mixed, 'A', { name: 'cache' });
    new Redis(mixed, 'B', { name: 'cache' });
    expect(thrown(() => synth(mixed)).message).toMatch(/^invalid object "[A-Za-z]+ data\/cache.*": must be rendered once, but test\/A\/.* and test\/B\/.* both render it/);
    // named apart, or in namespaces apart, both render
    expect(synth(twoOf({}, { name: 'other' })).filter((o) => o.kind === 'StatefulSet')).toHaveLength(2);
    expect(synth(twoOf({}, { namespace: 'elsewhere' })).filter((o) => o.kind === 'StatefulSet')).toHaveLength(2);
  });

  test('fails on bad props', () => {
    const chart = testChart();
    expect(() => new Postgres(chart, 'A', { name: 'Pg' })).toThrow(/invalid name "Pg"/);
    expect(() => new Postgres(chart, 'B', { storageSize: '10GB' })).toThrow(/invalid storageSize "10GB"/);
    // a claim of no storage is refused by the API server (kubernetes/kubernetes pkg/apis/core/validation/validation.go
    // ValidatePersistentVolumeClaimSpec: ValidatePositiveQuantityValue on resources.requests.storage, "must be greater than
    // zero"), so the StatefulSet controller could never make the volume: refused at synth
    expect(() => new Postgres(chart, 'B0', { storageSize: '0' })).toThrow('invalid storageSize "0": must be a Kubernetes quantity above zero, such as "4", "500m" or "8Gi"');
    expect(() => new Postgres(chart, 'C', { maxConnections: 2 })).toThrow('invalid maxConnections 2: must be an integer from 5 to 10000');
    expect(() => new Postgres(chart, 'D', { name: 'a'.repeat(28) })).toThrow(`invalid name "${'a'.repeat(28)}": must be at most 27 characters, for the reconciler Job's name`);
    // the API server refuses a claim's storageClassName unless it is a DNS-1123 subdomain (kubernetes/kubernetes
    // pkg/apis/core/validation/validation.go ValidatePersistentVolumeClaimSpec, through ValidateClassName)
    expect(() => new Postgres(chart, 'E', { name: 'e', storageClassName: 'Fast SSD' }))
      .toThrow(new Error('invalid storageClassName "Fast SSD": must be a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels (Postgres "test/E")'));
    expect(() => new Postgres(chart, 'F', { name: 'f', storageClassName: 'do-block-storage\n' })).toThrow('invalid storageClassName "do-block-storage\\n": ');
    expect(() => new Postgres(chart, 'G', { name: 'g', storageClassName: ' ' })).toThrow('invalid storageClassName " ": ');
  });

  test('keeps an empty storageClassName, "no class": the claim binds a PersistentVolume made beforehand', () => {
    // Kubernetes docs, Persistent Volumes, "Class": a claim with storageClassName "" binds only a volume with no
    // class, where an unset one gets the default class and a new volume from its provisioner
    const chart = testChart('data');
    new Postgres(chart, 'Postgres', { storageClassName: '' });
    expect(find(synth(chart), 'StatefulSet', 'postgres', 'data').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('');
  });

  test('gives a database without a limit a quarter of what max_connections leaves: 24 of the default 100', () => {
    const postgres = new Postgres(testChart('data'), 'Postgres');
    expect(postgres.addDatabase('drone').connectionLimit).toBe(24);
  });
});

describe('ExternalPostgres', () => {
  test('describes a managed database, defaulting to port 5432 and sslmode require', () => {
    const chart = testChart();
    const password = Secret.fromSecretName(chart, 'Pw', 'db').key('password');
    const db = new ExternalPostgres(chart, 'Db', { host: 'db.example.com', databaseName: 'drone', user: 'drone', password, connectionLimit: 22 });
    expect(db).toMatchObject({ host: 'db.example.com', port: 5432, sslMode: SslMode.REQUIRE, connectionLimit: 22 });
    db.grantConnect(NetworkPeer.namespace('x'));
    expect(synth(chart)).toEqual([]);
    // it admits nothing, but refuses what a Postgres refuses, so a stack fails alike on either
    expect(thrown(() => db.grantConnect('x' as unknown as NetworkPeer)).message)
      .toBe('invalid peer "x": must be a NetworkPeer, e.g. NetworkPeer.namespace("apps") or NetworkPeer.pods("apps", { app: "web" })');
  });

  // a database refused for its props holds no place in its server's budget: the next one on the server is checked
  // without it. Its props are checked first, so one refused for both is refused for the missing CA
  test('a database refused for a missing CA is not counted on its server, and is refused for the CA before the budget', () => {
    const chart = testChart();
    const password = Secret.fromSecretName(chart, 'Pw', 'db').key('password');
    const base = { host: 'db.example.com', user: 'drone', password, maxConnections: 22 };
    expect(() => new ExternalPostgres(chart, 'A', { ...base, databaseName: 'a', connectionLimit: 16, sslMode: SslMode.VERIFY_FULL }))
      .toThrow(new Error('missing caCertificate: must be set when sslMode is "verify-full" (database "a") (ExternalPostgres "test/A")'));
    expect(new ExternalPostgres(chart, 'B', { ...base, databaseName: 'b', connectionLimit: 16 }).connectionLimit).toBe(16);
    expect(() => new ExternalPostgres(chart, 'C', { ...base, databaseName: 'c', connectionLimit: 16, sslMode: SslMode.VERIFY_FULL }))
      .toThrow(new Error('missing caCertificate: must be set when sslMode is "verify-full" (database "c") (ExternalPostgres "test/C")'));
  });

  test('fails on bad props', () => {
    const chart = testChart();
    const password = Secret.fromSecretName(chart, 'Pw', 'db').key('password');
    const base = { host: 'db.example.com', databaseName: 'drone', user: 'drone', password };
    // each message names the database it is about: a stack declares several
    expect(() => new ExternalPostgres(chart, 'A', { ...base, host: 'postgres://db' })).toThrow(/^invalid host "postgres:\/\/db": .* \(database "drone"\) \(ExternalPostgres "test\/A"\)$/);
    expect(() => new ExternalPostgres(chart, 'B', { ...base, port: 70000 })).toThrow(/^invalid port 70000: .* \(database "drone"\) \(ExternalPostgres "test\/B"\)$/);
    expect(() => new ExternalPostgres(chart, 'C', { ...base, sslMode: SslMode.VERIFY_FULL }))
      .toThrow(new Error('missing caCertificate: must be set when sslMode is "verify-full" (database "drone") (ExternalPostgres "test/C")'));
    expect(() => new ExternalPostgres(chart, 'D', { ...base, connectionLimit: 0 }))
      .toThrow(new Error('invalid connectionLimit 0: must be an integer of at least 1 (database "drone") (ExternalPostgres "test/D")'));
    expect(() => new ExternalPostgres(chart, 'N', { ...base, databaseName: 'neg', connectionLimit: -1 }))
      .toThrow(new Error('invalid connectionLimit -1: must be an integer of at least 1 (database "neg") (ExternalPostgres "test/N")'));
    expect(() => new ExternalPostgres(chart, 'J', { ...base, maxConnections: 1 }))
      .toThrow(new Error('invalid maxConnections 1: must be an integer from 2 to 262143 (database "drone") (ExternalPostgres "test/J")'));
    // PostgreSQL takes max_connections up to MAX_BACKENDS, 2^18-1 (postgres/postgres src/include/postmaster/postmaster.h,
    // src/backend/utils/misc/guc_tables.c); a quarter of 10^12 as the default CONNECTION LIMIT is past int4
    expect(() => new ExternalPostgres(chart, 'L', { ...base, maxConnections: 1e12 }))
      .toThrow(new Error('invalid maxConnections 1000000000000: must be an integer from 2 to 262143 (database "drone") (ExternalPostgres "test/L")'));
    expect(new ExternalPostgres(chart, 'M', { ...base, host: 'big.example.com', maxConnections: 262143 }).connectionLimit).toBe(65535);
    expect(() => new ExternalPostgres(chart, 'K', { ...base, maxConnections: 22, reservedConnections: 22 }))
      .toThrow(new Error('invalid reservedConnections 22: must be an integer from 0 to 21 (database "drone") (ExternalPostgres "test/K")'));
    expect(() => new ExternalPostgres(chart, 'E', { ...base, databaseName: 'a b' })).toThrow(/^invalid databaseName "a b": .* \(database "a b"\) \(ExternalPostgres "test\/E"\)$/);
    expect(() => new ExternalPostgres(chart, 'F', { ...base, host: '$(DRONE_DATABASE_PASSWORD)' }))
      .toThrow(new Error('invalid host "$(DRONE_DATABASE_PASSWORD)": must be a lower-case DNS host name or an IP address, without scheme, port or path (database "drone") (ExternalPostgres "test/F")'));
    expect(() => new ExternalPostgres(chart, 'G', { ...base, sslMode: 'prefer' as SslMode }))
      .toThrow(new Error('invalid sslMode "prefer": must be one of disable, require, verify-ca, verify-full (database "drone") (ExternalPostgres "test/G")'));
    expect(() => new ExternalPostgres(chart, 'H', { ...base, user: 'drone password=x' }))
      .toThrow(/^invalid user "drone password=x": must be a PostgreSQL identifier.* \(database "drone"\) \(ExternalPostgres "test\/H"\)$/);
    expect(new ExternalPostgres(chart, 'I', { ...base, host: '10.20.0.7' }).host).toBe('10.20.0.7');
    // any name libpq resolves, a last label of digits too (the Service db of namespace 123); not a short IPv4 form,
    // which libpq's getaddrinfo reads as 10.0.0.20 and Go's resolver looks up (test/integ/libpq-host.integ.test.ts)
    expect(new ExternalPostgres(chart, 'O', { ...base, host: 'db.123' }).host).toBe('db.123');
    expect(() => new ExternalPostgres(chart, 'P', { ...base, host: '10.20' }))
      .toThrow(/^invalid host "10.20": must be an IPv4 address of four decimal numbers from 0 to 255 without leading zeros, .* \(database "drone"\) \(ExternalPostgres "test\/P"\)$/);
  });

  // a library user's trial: sslMode disable on a managed server's host passed without a word; SslMode.DISABLE is for
  // in-cluster traffic that a NetworkPolicy confines
  test('warns at synth of sslMode disable to a server outside the cluster\'s Services, once, and not to a Service', () => {
    const chart = testChart();
    const password = Secret.fromSecretName(chart, 'Pw', 'db').key('password');
    const base = { databaseName: 'drone', user: 'drone', password, sslMode: SslMode.DISABLE };
    new ExternalPostgres(chart, 'Managed', { ...base, host: 'db.example.com' });
    new ExternalPostgres(chart, 'Address', { ...base, host: '10.20.0.7', databaseName: 'other', user: 'other' });
    // review 2: two labels are a Service only where the second is a namespace of the app
    new ExternalPostgres(chart, 'Internal', { ...base, host: 'postgres.internal', databaseName: 'third', user: 'third' });
    // a third label "svc" under a name outside the cluster is no Service: read as the budget reads a host
    // (lib/core/service.ts reachedHost), only <service>.<namespace>.svc and the default cluster domain after it are
    new ExternalPostgres(chart, 'Corp', { ...base, host: 'db.prod.svc.example.com', databaseName: 'corp', user: 'corp' });
    const warned = stderrOf(() => synth(chart));
    const line = (path: string, db: string, host: string) => `dockyard: warning: ExternalPostgres ${path} (database "${db}"): sslMode "disable" ` +
      `sends the password and the data in clear text to ${host}, which Dockyard does not take for a Service of the cluster (write one as ` +
      '<service>.<namespace>.svc); use SslMode.REQUIRE (the default) or a verifying mode, unless the network to it is your own\n';
    expect(warned).toBe(line('test/Managed', 'drone', 'db.example.com') + line('test/Address', 'other', '10.20.0.7') +
      line('test/Internal', 'third', 'postgres.internal') + line('test/Corp', 'corp', 'db.prod.svc.example.com'));
    const quiet = testChart();
    new Namespace(quiet, 'Db', { name: 'db' });
    const pw = Secret.fromSecretName(quiet, 'Pw', 'db').key('password');
    // `<service>.<namespace>` resolves through the pod's search path
    for (const [id, host] of [['Local', 'pg'], ['Namespaced', 'pg.db'], ['Short', 'pg.db.svc'], ['Long', 'pg.db.svc.cluster.local'], ['Pod', 'pg-0.pg.db.svc']]) {
      new ExternalPostgres(quiet, id, { ...base, password: pw, host, databaseName: id.toLowerCase(), user: id.toLowerCase() });
    }
    new ExternalPostgres(quiet, 'Tls', { ...base, password: pw, host: 'db.example.com', sslMode: SslMode.REQUIRE, databaseName: 'tls', user: 'tls' });
    expect(stderrOf(() => synth(quiet))).toBe('');
  });
});

describe('ExternalPostgres connection budget', () => {
  const base = (chart: ReturnType<typeof testChart>) => ({
    host: 'db.example.com', port: 25060,
    password: ((chart.node.tryFindChild('Pw') as ReturnType<typeof Secret.fromSecretName>) ?? Secret.fromSecretName(chart, 'Pw', 'db')).key('password'),
  });

  // DigitalOcean "Manage Connection Pools" (do.md §2.1): 25 connections per GB of RAM, 3 reserved for maintenance,
  // so db-s-1vcpu-1gb allows 22; one more is kept for doadmin (reservedConnections)
  test('fails when the databases on one server over-commit its connections, in one line naming the server, the sum and the limit', () => {
    const chart = testChart();
    new ExternalPostgres(chart, 'Harbor', { ...base(chart), databaseName: 'registry', user: 'harbor', maxConnections: 22, connectionLimit: 16 });
    expect(() => new ExternalPostgres(chart, 'Drone', { ...base(chart), databaseName: 'drone', user: 'drone', maxConnections: 22, connectionLimit: 6 }))
      .toThrow(new Error('invalid connectionLimit 6: the connection limits of the databases on db.example.com:25060 sum to 22 (registry 16, drone 6), ' +
        'which with 1 reserved connection exceeds its maxConnections 22: lower one of them, or raise maxConnections (database "drone") (ExternalPostgres "test/Drone")'));
    expect(new ExternalPostgres(chart, 'Drone2', { ...base(chart), databaseName: 'drone', user: 'drone', maxConnections: 22, connectionLimit: 5 }).connectionLimit).toBe(5);
    // one without a limit gets a quarter of what maxConnections leaves, (22 - 1) / 4 = 5, and is told so
    expect(() => new ExternalPostgres(chart, 'App', { ...base(chart), databaseName: 'app', user: 'app', maxConnections: 22 }))
      .toThrow(new Error('invalid connectionLimit 5: the connection limits of the databases on db.example.com:25060 sum to 26 (registry 16, drone 5, app 5), ' +
        'which with 1 reserved connection exceeds its maxConnections 22: lower one of them (app\'s is the default, a quarter of what maxConnections ' +
        'leaves: set its connectionLimit), or raise maxConnections (database "app") (ExternalPostgres "test/App")'));
    // another server has its own budget
    expect(new ExternalPostgres(chart, 'Other', { ...base(chart), host: 'other.example.com', databaseName: 'x', user: 'x', maxConnections: 22, connectionLimit: 21 })
      .connectionLimit).toBe(21);
  });

  test('fails on one database over the limit, as harbor-do had (25 on a 1 GB cluster)', () => {
    const chart = testChart();
    expect(() => new ExternalPostgres(chart, 'Db', { ...base(chart), databaseName: 'registry', user: 'harbor', maxConnections: 22, connectionLimit: 25 }))
      .toThrow(new Error('invalid connectionLimit 25: the connection limits of the databases on db.example.com:25060 sum to 25 (registry 25), ' +
        'which with 1 reserved connection exceeds its maxConnections 22: lower one of them, or raise maxConnections (database "registry") (ExternalPostgres "test/Db")'));
  });

  test('fails when databases on one server disagree on its maxConnections', () => {
    const chart = testChart();
    new ExternalPostgres(chart, 'A', { ...base(chart), databaseName: 'a', user: 'a', maxConnections: 22, connectionLimit: 5 });
    expect(() => new ExternalPostgres(chart, 'B', { ...base(chart), databaseName: 'b', user: 'b', maxConnections: 47, connectionLimit: 5 }))
      .toThrow(new Error('invalid maxConnections 47: must be the same for every database on db.example.com:25060: database "a" there has ' +
        'maxConnections 22, this one 47 (database "b") (ExternalPostgres "test/B")'));
  });

  test('says which value of a disagreeing setting is a default, taken because its database left the setting out', () => {
    const chart = testChart();
    new ExternalPostgres(chart, 'A', { ...base(chart), databaseName: 'a', user: 'a', connectionLimit: 5 });
    expect(() => new ExternalPostgres(chart, 'B', { ...base(chart), databaseName: 'b', user: 'b', maxConnections: 22, connectionLimit: 5 }))
      .toThrow(new Error('invalid maxConnections 22: must be the same for every database on db.example.com:25060: database "a" there has ' +
        'maxConnections 100 (left out, so the default), this one 22 (database "b") (ExternalPostgres "test/B")'));
    // only reservedConnections differs: it is the setting named, and this database's value is the default
    const other = testChart();
    new ExternalPostgres(other, 'A', { ...base(other), databaseName: 'a', user: 'a', maxConnections: 22, reservedConnections: 3, connectionLimit: 5 });
    expect(() => new ExternalPostgres(other, 'B', { ...base(other), databaseName: 'b', user: 'b', maxConnections: 22, connectionLimit: 5 }))
      .toThrow(new Error('invalid reservedConnections 1: must be the same for every database on db.example.com:25060: database "a" there has ' +
        'reservedConnections 3, this one 1 (left out, so the default) (database "b") (ExternalPostgres "test/B")'));
    // both differ: each is named, with both values
    expect(() => new ExternalPostgres(other, 'C', { ...base(other), databaseName: 'c', user: 'c', maxConnections: 47, reservedConnections: 0, connectionLimit: 5 }))
      .toThrow(new Error('invalid maxConnections 47: must be the same for every database on db.example.com:25060, as must reservedConnections: ' +
        'database "a" there has maxConnections 22, this one 47; database "a" there has reservedConnections 3, this one 0 (database "c") (ExternalPostgres "test/C")'));
  });

  // a pod's resolver completes a name of fewer than 5 dots with its search list, <namespace>.svc.<domain>,
  // svc.<domain>, <domain>, before trying it as written (kubernetes/kubernetes at d24fe8a8
  // pkg/kubelet/network/dns/dns.go:141-151 generateSearchesForDNSClusterFirst, defaultDNSOptions ndots:5): "pg.db" is first
  // the Service pg of namespace db, as "pg.db.svc" and "pg.db.svc.cluster.local" are
  test('counts one server under each spelling a pod resolves to it: one budget, refused over it', () => {
    for (const [first, second] of [['pg.db', 'pg.db.svc'], ['pg.db.svc', 'pg.db.svc.cluster.local'], ['pg.db.svc.cluster.local', 'pg.db']]) {
      const chart = testChart();
      new ExternalPostgres(chart, 'Harbor', { ...base(chart), host: first, databaseName: 'registry', user: 'harbor', maxConnections: 22, connectionLimit: 16 });
      expect(() => new ExternalPostgres(chart, 'Drone', { ...base(chart), host: second, databaseName: 'drone', user: 'drone', maxConnections: 22, connectionLimit: 6 }))
        .toThrow(new Error('invalid connectionLimit 6: the connection limits of the databases on pg.db.svc:25060 sum to 22 (registry 16, drone 6), ' +
          'which with 1 reserved connection exceeds its maxConnections 22: lower one of them, or raise maxConnections (database "drone") (ExternalPostgres "test/Drone")'));
      expect(new ExternalPostgres(chart, 'Drone2', { ...base(chart), host: second, databaseName: 'drone', user: 'drone', maxConnections: 22, connectionLimit: 5 })
        .connectionLimit).toBe(5);
    }
    // another cluster domain (Dockyard is not told it), a name outside the cluster, IP addresses: each as written
    const apart = testChart();
    for (const [id, host] of [['Long', 'pg.db.svc.k8s.example'], ['Outside', 'pg.db.example.com'], ['V4', '10.96.0.7'], ['V6', 'fd00::7'], ['Short', 'pg.db']]) {
      expect(new ExternalPostgres(apart, id, { ...base(apart), host, databaseName: id.toLowerCase(), user: id.toLowerCase(), maxConnections: 22, connectionLimit: 21 })
        .connectionLimit).toBe(21);
    }
  });

  test('refuses two different maxConnections stated for one server under two spellings', () => {
    const chart = testChart();
    new ExternalPostgres(chart, 'A', { ...base(chart), host: 'pg.db', databaseName: 'a', user: 'a', maxConnections: 22, connectionLimit: 5 });
    expect(() => new ExternalPostgres(chart, 'B', { ...base(chart), host: 'pg.db.svc.cluster.local', databaseName: 'b', user: 'b', maxConnections: 47, connectionLimit: 5 }))
      .toThrow(new Error('invalid maxConnections 47: must be the same for every database on pg.db.svc:25060: database "a" there has ' +
        'maxConnections 22, this one 47 (database "b") (ExternalPostgres "test/B")'));
  });

  // the official image runs PostgreSQL with its default superuser_reserved_connections, 3 (`Postgres` keeps them,
  // SUPERUSER_RESERVED); an ExternalPostgres that names its Service is a database on that server
  test('counts an ExternalPostgres at a Postgres\'s Service with that server\'s own databases', () => {
    const chart = testChart('data');
    const postgres = new Postgres(chart, 'Postgres', { name: 'pg', namespace: 'db', maxConnections: 50 });
    postgres.addDatabase('a', { connectionLimit: 40 });
    expect(() => new ExternalPostgres(chart, 'B', { ...base(chart), host: 'pg.db', port: 5432, databaseName: 'b', user: 'b', maxConnections: 50, reservedConnections: 3, connectionLimit: 8 }))
      .toThrow(new Error('invalid connectionLimit 8: the connection limits of the databases on pg.db.svc:5432 sum to 48 (a 40, b 8), ' +
        'which with 3 reserved connections exceeds its maxConnections 50: lower one of them, or raise maxConnections (database "b") (ExternalPostgres "test/B")'));
    new ExternalPostgres(chart, 'C', { ...base(chart), host: 'pg.db.svc.cluster.local', port: 5432, databaseName: 'c', user: 'c', maxConnections: 50, reservedConnections: 3, connectionLimit: 7 });
    // and the server's next database counts it
    expect(() => postgres.addDatabase('d', { connectionLimit: 1 })).toThrow(/the databases on pg\.db\.svc:5432 sum to 48 \(a 40, c 7, d 1\), which with 3 reserved/);
    // its settings are the server's: the reserved connections are the ones the Postgres keeps, named as such
    expect(() => new ExternalPostgres(chart, 'E', { ...base(chart), host: 'pg.db.svc', port: 5432, databaseName: 'e', user: 'e', maxConnections: 50, connectionLimit: 1 }))
      .toThrow(new Error('invalid reservedConnections 1: must be the same for every database on pg.db.svc:5432: database "a" there has ' +
        'reservedConnections 3 (the superuser_reserved_connections a Postgres keeps), this one 1 (left out, so the default) (database "e") (ExternalPostgres "test/E")'));
    // an ExternalPostgres defined first: the Postgres's database is refused, naming the Postgres's maxConnections
    const first = testChart('data');
    new ExternalPostgres(first, 'B', { ...base(first), host: 'pg.db', port: 5432, databaseName: 'b', user: 'b', reservedConnections: 3, connectionLimit: 8 });
    const later = new Postgres(first, 'Postgres', { name: 'pg', namespace: 'db', maxConnections: 50 });
    expect(() => later.addDatabase('a', { connectionLimit: 4 })).toThrow(new Error('invalid maxConnections 50: must be the same for every database on ' +
      'pg.db.svc:5432: database "b" there has maxConnections 100 (left out, so the default), this one 50 (database "a") (Postgres "test/Postgres")'));
  });

  // a one-label host is the Service of that name in the namespace of the pod that connects: the first entry of its
  // search list, <namespace>.svc.<domain> (generateSearchesForDNSClusterFirst), so its server is known only when a
  // client binds the database, and two clients in two namespaces reach two servers
  test('counts a one-label host on the Service of each client\'s namespace, as the client binds it', () => {
    const chart = testChart();
    // a generated password, which Dockyard writes into each namespace that reads it
    const password = new Secret(chart, 'Generated', { name: 'db-password', values: { password: SecretValue.alphanumeric(32) } }).key('password');
    const a = new ExternalPostgres(chart, 'A', { ...base(chart), password, host: 'pg', databaseName: 'a', user: 'a', maxConnections: 22, connectionLimit: 16 });
    const b = new ExternalPostgres(chart, 'B', { ...base(chart), password, host: 'pg', databaseName: 'b', user: 'b', maxConnections: 22, connectionLimit: 16 });
    const bind = (db: ExternalPostgres, namespace: string) => bindDatasource(new EnvVars(namespace), {
      scope: chart, driver: 'X\'s lib/pq', namespace, database: db, prefix: 'X', caDirectory: '/etc/x/database-ca', defaultMaxConnections: 20,
    });
    bind(a, 'ci');
    bind(a, 'ci');
    bind(b, 'apps');
    expect(() => bind(b, 'ci')).toThrow(new Error('invalid connectionLimit 16: the connection limits of the databases on pg.ci.svc:25060 sum to 32 ' +
      '(a 16, b 16), which with 1 reserved connection exceeds its maxConnections 22: lower one of them, or raise maxConnections (database "b")'));
    // the Service named in full from anywhere is that server too
    expect(() => new ExternalPostgres(chart, 'C', { ...base(chart), host: 'pg.ci', databaseName: 'c', user: 'c', maxConnections: 22, connectionLimit: 6 }))
      .toThrow(/^invalid connectionLimit 6: the connection limits of the databases on pg\.ci\.svc:25060 sum to 22 \(a 16, c 6\)/);
    expect(() => new ExternalPostgres(chart, 'D', { ...base(chart), host: 'pg.apps.svc', databaseName: 'd', user: 'd', maxConnections: 47, connectionLimit: 6 }))
      .toThrow(/^invalid maxConnections 47: must be the same for every database on pg\.apps\.svc:25060: database "b" there has maxConnections 22/);
    // whichever server it is, its own limit must fit, at once
    expect(() => new ExternalPostgres(chart, 'E', { ...base(chart), host: 'pg', databaseName: 'e', user: 'e', maxConnections: 22, connectionLimit: 25 }))
      .toThrow(new Error('invalid connectionLimit 25: the connection limits of the databases on pg:25060 sum to 25 (e 25), which with 1 reserved ' +
        'connection exceeds its maxConnections 22: lower one of them, or raise maxConnections (database "e") (ExternalPostgres "test/E")'));
  });

  // the Job's pod completes the one-label host in its own namespace (generateSearchesForDNSClusterFirst) and makes
  // each role's CONNECTION LIMIT there: databases of the user's own pods, which no Harbor, Drone or Woodpecker binds,
  // are one budget on that server, as they were on "pg:5432" before one-label hosts were counted per namespace
  test('counts a one-label host\'s databases on the Service of a DatabaseGrants at that host, in its namespace', () => {
    const build = (jobHost: string) => {
      const chart = testChart('data');
      const a = new ExternalPostgres(chart, 'A', { ...base(chart), host: 'pg', databaseName: 'a', user: 'a', maxConnections: 22, connectionLimit: 16 });
      const b = new ExternalPostgres(chart, 'B', { ...base(chart), host: 'pg', databaseName: 'b', user: 'b', maxConnections: 22, connectionLimit: 6 });
      const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
      return () => stderrOf(() => new DatabaseGrants(chart, 'Grants', { host: jobHost, port: 25060, adminUser: 'doadmin', adminPassword, databases: [a, b] }));
    };
    expect(build('pg')).toThrow(new Error('invalid connectionLimit 6: the connection limits of the databases on pg.data.svc:25060 sum to 22 ' +
      '(a 16, b 6), which with 1 reserved connection exceeds its maxConnections 22: lower one of them, or raise maxConnections (database "b")'));
    // a Job at another server (warned of) makes them there, not on the Service the clients reach
    expect(build('db.example.com')()).toContain('dockyard: warning: database "a" is on pg:25060, but database-grants connects to db.example.com:25060');
    // a Job at that Service spelt otherwise (warned of too, as the databases' clients may sit in another namespace)
    // still makes both roles, with their CONNECTION LIMITs, on the server its own pod reaches at "pg": counted there,
    // where they were taken before, each against its own limit only, as no Harbor, Drone or Woodpecker binds them
    for (const jobHost of ['pg.data', 'pg.data.svc', 'pg.data.svc.cluster.local']) {
      expect(build(jobHost)).toThrow(/^invalid connectionLimit 6: the connection limits of the databases on pg\.data\.svc:25060 sum to 22 \(a 16, b 6\)/);
    }
    // a Job of another namespace at that Service makes them there, but its own pod reaches "pg" in its namespace, another
    // server: counted on neither (the clients' namespaces are not known), and warned of
    const chart = testChart('data');
    const a = new ExternalPostgres(chart, 'A', { ...base(chart), host: 'pg', databaseName: 'a', user: 'a', maxConnections: 22, connectionLimit: 16 });
    const b = new ExternalPostgres(chart, 'B', { ...base(chart), host: 'pg', databaseName: 'b', user: 'b', maxConnections: 22, connectionLimit: 6 });
    const jobs = new DockyardChart(chart.node.root as App, 'jobs', { namespace: 'jobs' });
    const adminPassword = Secret.fromSecretName(jobs, 'Admin', 'pg-admin').key('password');
    expect(stderrOf(() => new DatabaseGrants(jobs, 'Grants', { host: 'pg.data', port: 25060, adminUser: 'doadmin', adminPassword, databases: [a, b] })))
      .toContain('dockyard: warning: database "a" is on pg:25060, but database-grants connects to pg.data:25060');
  });

  test('counts a Harbor\'s one-label database host in the Harbor\'s namespace', () => {
    const build = (namespace: string) => {
      // the Harbor in the chart's namespace
      const chart = testChart(namespace);
      new ExternalPostgres(chart, 'Other', { ...base(chart), host: 'pg.registry', databaseName: 'other', user: 'other', maxConnections: 22, connectionLimit: 6 });
      const password = new Secret(chart, 'Generated', { name: 'db-password', values: { password: SecretValue.alphanumeric(32) } }).key('password');
      const database = new ExternalPostgres(chart, 'HarborDb', { ...base(chart), password, host: 'pg', databaseName: 'registry', user: 'harbor', maxConnections: 22, connectionLimit: 16 });
      return () => managedHarbor(chart, { database });
    };
    build('harbor')();
    expect(build('registry')).toThrow(new Error('invalid connectionLimit 16: the connection limits of the databases on pg.registry.svc:25060 sum to 22 ' +
      '(other 6, registry 16), which with 1 reserved connection exceeds its maxConnections 22: lower one of them, or raise maxConnections (database "registry") (Harbor "test/Harbor")'));
  });

  // Each client sizes its pool to the database's connectionLimit: Harbor's core, jobservice and exporter share it as
  // POSTGRESQL_MAX_OPEN_CONNS (goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:111), which `Register`
  // hands to beego's orm as its pool's bound (src/common/dao/pgsql.go:98-99 `orm.MaxOpenConnections(p.maxOpenConns)`),
  // and Drone as DRONE_DATABASE_MAX_CONNECTIONS (`connectionPoolSize`). A second client on the same database opens as
  // many again, which the budget above never counted, and keeps its tables beside the first's (Harbor migrates its
  // schema into the database it is given: pgsql.go:113-143 `UpgradeSchema`)
  test('refuses a second client of one database, by name on the server as the pods reach it, in one line naming the other client', () => {
    const chart = testChart('harbor');
    const app = chart.node.root as App;
    const database = new ExternalPostgres(chart, 'RegistryDb', { ...base(chart), databaseName: 'registry', user: 'harbor', maxConnections: 22, connectionLimit: 16 });
    managedHarbor(chart, { database });
    const second = new DockyardChart(app, 'second', { namespace: 'harbor2' });
    const redis = new ExternalRedis(second, 'Redis', { host: 'valkey2.example.com', password: Secret.fromSecretName(second, 'RedisPw', 'r').key('password') });
    expect(() => managedHarbor(second, { database, redis })).toThrow(new Error('invalid database "registry": must be the database of one client, but ' +
      'test/Harbor opens it already on db.example.com:25060: each sizes its connection pool to the database\'s connectionLimit, so two would open ' +
      'twice what the server\'s budget counts (or, where the role\'s CONNECTION LIMIT is set, be refused what the other holds), ' +
      'and keep their tables side by side; give each its own database (Postgres.addDatabase, or an ExternalPostgres) (Harbor "second/Harbor")'));
    // another object naming the same database, on another spelling of the server, is the same database
    const other = testChart('ci');
    const password = Secret.fromSecretName(other, 'Pw', 'db').key('password');
    const short = new ExternalPostgres(other, 'A', { host: 'pg.db', port: 5432, password, databaseName: 'drone', user: 'drone', maxConnections: 40, connectionLimit: 16 });
    const long = new ExternalPostgres(other, 'B', { host: 'pg.db.svc.cluster.local', port: 5432, password, databaseName: 'drone', user: 'drone', maxConnections: 40, connectionLimit: 16 });
    droneServer(other, { database: short });
    expect(() => managedHarbor(other, { database: long })).toThrow(/^invalid database "drone": must be the database of one client, but test\/Drone opens it already on pg\.db\.svc:5432: /);
  });

  test('takes two clients of one database object at a one-label host from two namespaces, which reach two servers, and one client binding it twice', () => {
    const chart = testChart();
    const password = new Secret(chart, 'Generated', { name: 'db-password', values: { password: SecretValue.alphanumeric(32) } }).key('password');
    const db = new ExternalPostgres(chart, 'A', { ...base(chart), password, host: 'pg', databaseName: 'a', user: 'a', maxConnections: 22, connectionLimit: 16 });
    const bind = (scope: Construct, namespace: string) => bindDatasource(new EnvVars(namespace), {
      scope, driver: 'X\'s lib/pq', namespace, database: db, prefix: 'X', caDirectory: '/etc/x/database-ca', defaultMaxConnections: 20,
    });
    const [first, second] = [new Construct(chart, 'First'), new Construct(chart, 'Second')];
    bind(first, 'ci');
    bind(first, 'ci');
    bind(second, 'apps');
    expect(() => bind(second, 'ci')).toThrow(/^invalid database "a": must be the database of one client, but test\/First opens it already on pg\.ci\.svc:25060: /);
  });

  // the Job that makes a database (DatabaseGrants, PostgresReconciler) is no client of it: it counts the database on
  // the server its pod reaches (countOnServerFrom) without holding the database, so the one client that then binds it
  // is taken (a merge once had the Job count itself as the database's client, refusing every such client)
  test('takes the client of a database a DatabaseGrants at its one-label host makes, as the one client it is', () => {
    const chart = testChart('ci');
    const password = new Secret(chart, 'Generated', { name: 'db-password', values: { password: SecretValue.alphanumeric(32) } }).key('password');
    const db = new ExternalPostgres(chart, 'A', { ...base(chart), password, host: 'pg', databaseName: 'a', user: 'a', maxConnections: 22, connectionLimit: 16 });
    const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
    stderrOf(() => new DatabaseGrants(chart, 'Grants', { host: 'pg', port: 25060, adminUser: 'doadmin', adminPassword, databases: [db] }));
    const bind = (scope: Construct) => bindDatasource(new EnvVars('ci'), {
      scope, driver: 'X\'s lib/pq', namespace: 'ci', database: db, prefix: 'X', caDirectory: '/etc/x/database-ca', defaultMaxConnections: 20,
    });
    bind(new Construct(chart, 'Client'));
    expect(() => bind(new Construct(chart, 'Second'))).toThrow(/^invalid database "a": must be the database of one client, but test\/Client opens it already on pg\.ci\.svc:25060: /);
  });

  test('defaults to PostgreSQL\'s max_connections of 100 and gives a database without a limit a quarter of the rest', () => {
    const chart = testChart();
    const db = new ExternalPostgres(chart, 'A', { ...base(chart), databaseName: 'a', user: 'a' });
    expect([db.maxConnections, db.connectionLimit]).toEqual([100, 24]);
  });
});

// A rotation of a key its consumer reads only on its first start warns how to change it there first
// (SecretValue.readOnFirstStart). The postgres image hands POSTGRES_PASSWORD to initdb only while the data directory
// is empty (docker-library/postgres docker-entrypoint.sh at 6edb0a8c4d, lines 92 and 342-357); Harbor core sets
// HARBOR_ADMIN_PASSWORD only while the admin's salt is empty (goharbor/harbor v2.15.1 src/core/main.go:94-111).
describe('keys read only on the first start', () => {
  test('the superuser password and Harbor\'s admin password are marked, and say how to change them first', () => {
    const chart = testChart('dockyard');
    const superuser = new Postgres(chart, 'Postgres', {}).superuserPassword;
    expect((superuser.secret as Secret).values[superuser.key].firstStartChange).toMatch(/\\password postgres in psql/);
    const admin = new HarborCredentials(chart, 'Harbor', { name: 'harbor', namespace: 'harbor' }).adminPassword;
    expect((admin.secret as Secret).values[admin.key].firstStartChange).toMatch(/change the admin password in Harbor \(its UI or API\) to the new value/);
  });
});
