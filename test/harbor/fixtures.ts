import { Chart } from 'cdk8s';
import {
  ExternalPostgres, ExternalRedis, Harbor, HarborExposure, HarborProps, HarborStorage, IngressTls, Postgres, Redis, Secret, SslMode,
} from '../../lib';

/** A Harbor on in-cluster PostgreSQL and Redis with filesystem storage: the embedded default's shape. */
export function inClusterHarbor(chart: Chart, props: Partial<HarborProps> = {}): Harbor {
  const postgres = new Postgres(chart, 'Postgres');
  return new Harbor(chart, 'Harbor', {
    externalUrl: 'https://harbor.example.com',
    database: postgres.addDatabase('registry', { user: 'harbor', connectionLimit: 40 }),
    redis: new Redis(chart, 'Redis'),
    storage: HarborStorage.filesystem({ size: '20Gi' }),
    exposure: HarborExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }),
    ...props,
  });
}

/** A Harbor on DigitalOcean-shaped managed services: PostgreSQL (25 connections), TLS-only Valkey and Spaces. */
export function managedHarbor(chart: Chart, props: Partial<HarborProps> = {}): Harbor {
  const db = Secret.fromSecretName(chart, 'Db', 'harbor-db');
  const valkey = Secret.fromSecretName(chart, 'Valkey', 'harbor-valkey');
  const spaces = Secret.fromSecretName(chart, 'Spaces', 'harbor-spaces');
  return new Harbor(chart, 'Harbor', {
    externalUrl: 'https://registry.example.com',
    database: new ExternalPostgres(chart, 'Database', {
      host: 'private-db.example.com', port: 25060, databaseName: 'registry', user: 'harbor', password: db.key('password'),
      sslMode: SslMode.REQUIRE, connectionLimit: 25,
    }),
    redis: new ExternalRedis(chart, 'Cache', { host: 'private-valkey.example.com', port: 25061, username: 'default', password: valkey.key('password') }),
    storage: HarborStorage.spaces({ region: 'fra1', bucket: 'acme-registry', accessKey: spaces.key('access-key'), secretKey: spaces.key('secret-key') }),
    exposure: HarborExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }),
    ...props,
  });
}

/**
 * The Harbor of the secret-state reviews' tests (left robots, retired teams): at `<chart>/Harbor` in namespace `harbor`,
 * on an in-cluster PostgreSQL and Redis, as the example stacks place it, so that two apps of this shape share a state.
 */
export function stateReviewHarbor(chart: Chart, props: Partial<HarborProps> = {}): Harbor {
  return new Harbor(chart, 'Harbor', {
    namespace: 'harbor', externalUrl: 'https://harbor.example.com',
    database: new Postgres(chart, 'HarborDatabase', { name: 'harbor-db' }).addDatabase('registry', { user: 'harbor' }),
    redis: new Redis(chart, 'Redis', { namespace: 'harbor' }), storage: HarborStorage.filesystem(), ...props,
  });
}
