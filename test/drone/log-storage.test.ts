import { DroneLogStorage, Secret } from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';
import { droneServer } from './fixtures';

// What Drone 2.28.2 reads (harness/harness v2.28.2):
// - cmd/drone-server/config/config.go:414-420: DRONE_S3_BUCKET, DRONE_S3_PREFIX, DRONE_S3_ENDPOINT, DRONE_S3_PATH_STYLE (a bool)
// - cmd/drone-server/inject_store.go:104-124 provideLogStore: the database store (`logs.New(db)`) unless DRONE_S3_BUCKET
//   is not empty; then the bucket for new logs, the database still read for older ones (store/logs/combine.go:28-45)
// - store/logs/s3.go:25-43 NewS3Env: only Endpoint, DisableSSL (`!strings.HasPrefix(endpoint, "https://")`) and
//   S3ForcePathStyle are set; region and credentials come from aws-sdk-go's environment (go.mod:12, v1.43.16:
//   aws/session/env_config.go:200-219 reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION, AWS_DEFAULT_REGION
//   only with AWS_SDK_LOAD_CONFIG); s3.go:97-99 keys each step's log as path.Join("/", prefix, step id), whose
//   leading "/" the SDK's path cleaning drops (aws-sdk-go v1.43.16 private/protocol/rest/build.go:130-131, 240-251)
// - store/build/build.go:413-446 Purge deletes builds, then orphaned stages and steps, never a row of `logs`, which
//   has no foreign key (store/shared/migrate/postgres/files/007_create_table_logs.sql): in the database, logs stay
const S3_VARIABLES = ['DRONE_S3_BUCKET', 'DRONE_S3_PREFIX', 'DRONE_S3_ENDPOINT', 'DRONE_S3_PATH_STYLE', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

function serverEnv(logStorage?: DroneLogStorage, chart = testChart('ci')): Record<string, any> {
  droneServer(chart, logStorage ? { logStorage } : {});
  return envOf(container(find(synth(chart), 'Deployment', 'drone', 'ci')));
}

describe('DroneLogStorage', () => {
  test('by default sets no S3 variable: Drone keeps logs in its database', () => {
    const env = serverEnv();
    expect(S3_VARIABLES.filter((name) => env[name] !== undefined)).toEqual([]);
    expect(Object.keys(serverEnv(DroneLogStorage.database())).sort()).toEqual(Object.keys(env).sort());
  });

  test('spaces: the bucket, its endpoint over HTTPS, a signing region and the keys from their Secret', () => {
    const chart = testChart('ci');
    const keys = Secret.fromSecretName(chart, 'Spaces', 'spaces-keys');
    const env = serverEnv(DroneLogStorage.spaces({
      region: 'fra1', bucket: 'acme-registry', prefix: 'drone/logs', accessKey: keys.key('access-key'), secretKey: keys.key('secret-key'),
    }), chart);
    expect(env.DRONE_S3_BUCKET.value).toBe('acme-registry');
    expect(env.DRONE_S3_PREFIX.value).toBe('drone/logs');
    // starts with https:// so Drone keeps TLS (store/logs/s3.go:28-30)
    expect(env.DRONE_S3_ENDPOINT.value).toBe('https://fra1.digitaloceanspaces.com');
    expect(env.DRONE_S3_PATH_STYLE.value).toBe('true');
    // without a region the SDK refuses every request (MissingRegion): AWS_REGION, not AWS_DEFAULT_REGION
    expect(env.AWS_REGION.value).toBe('us-east-1');
    expect(env.AWS_DEFAULT_REGION).toBeUndefined();
    expect(env.AWS_ACCESS_KEY_ID).toEqual({ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'spaces-keys', key: 'access-key' } } });
    expect(env.AWS_SECRET_ACCESS_KEY).toEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'spaces-keys', key: 'secret-key' } } });
  });

  test('s3 on AWS: no endpoint, virtual-host addressing, the region as given', () => {
    const chart = testChart('ci');
    const keys = Secret.fromSecretName(chart, 'Aws', 'aws-keys');
    const env = serverEnv(DroneLogStorage.s3({ bucket: 'logs.acme', region: 'eu-central-1', accessKey: keys.key('id'), secretKey: keys.key('secret') }), chart);
    expect(env.DRONE_S3_BUCKET.value).toBe('logs.acme');
    expect(env.DRONE_S3_ENDPOINT).toBeUndefined();
    expect(env.DRONE_S3_PREFIX).toBeUndefined();
    expect(env.DRONE_S3_PATH_STYLE.value).toBe('false');
    expect(env.AWS_REGION.value).toBe('eu-central-1');
  });

  test('s3 with an endpoint: path style unless told otherwise', () => {
    const chart = testChart('ci');
    const keys = Secret.fromSecretName(chart, 'Minio', 'minio-keys');
    const base = { bucket: 'drone', region: 'us-east-1', accessKey: keys.key('id'), secretKey: keys.key('secret'), endpoint: 'http://minio.storage.svc:9000' };
    expect(DroneLogStorage.s3(base).s3?.pathStyle).toBe(true);
    expect(DroneLogStorage.s3({ ...base, pathStyle: false }).s3?.pathStyle).toBe(false);
    expect(serverEnv(DroneLogStorage.s3(base), chart).DRONE_S3_ENDPOINT.value).toBe('http://minio.storage.svc:9000');
  });

  test('refuses, in one line naming the prop, what Drone could not use', () => {
    const chart = testChart('ci');
    const keys = Secret.fromSecretName(chart, 'Keys', 'keys');
    const base = { bucket: 'drone', region: 'us-east-1', accessKey: keys.key('id'), secretKey: keys.key('secret') };
    expect(() => DroneLogStorage.s3({ ...base, bucket: 'Drone_Logs' })).toThrow('invalid bucket "Drone_Logs": must be an S3 bucket name');
    expect(() => DroneLogStorage.s3({ ...base, region: '' })).toThrow('invalid region "": must be a region name such as "us-east-1"');
    expect(() => DroneLogStorage.spaces({ ...base, region: 'frankfurt' })).toThrow('invalid region "frankfurt": must be a Spaces region');
    // a path would sit between the host and the bucket or key
    expect(() => DroneLogStorage.s3({ ...base, endpoint: 'https://s3.example.com/drone' }))
      .toThrow('invalid endpoint "https://s3.example.com/drone": must be a scheme and a host alone, such as "https://s3.example.com"');
    expect(() => DroneLogStorage.s3({ ...base, endpoint: 'ftp://s3.example.com' })).toThrow('invalid endpoint "ftp://s3.example.com"');
    expect(() => DroneLogStorage.s3({ ...base, prefix: '/drone' })).toThrow('invalid prefix "/drone": must be path segments');
    expect(() => DroneLogStorage.s3({ ...base, prefix: 'a//b' })).toThrow('invalid prefix "a//b"');
    expect(() => DroneLogStorage.s3({ ...base, accessKey: 'AKIA' as any })).toThrow('invalid accessKey');
    expect(() => DroneLogStorage.s3({ ...base, secretKey: undefined as any })).toThrow('missing secretKey');
    expect(() => droneServer(testChart('ci'), { logStorage: { s3: base } as any }))
      .toThrow(/^invalid logStorage .*: must be DroneLogStorage.database\(\), .s3\(...\) or .spaces\(...\)$/);
  });
});
