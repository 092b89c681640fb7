import { App } from 'cdk8s';
import {
  DockyardChart, ExternalPostgres, ExternalRedis, Harbor, HarborExposure, HarborStorage, ImageRelocation, Images, IngressTls, LETS_ENCRYPT_ISSUER, Namespace,
  ProxyUpstream, Secret, SslMode,
} from '../../lib';

/** Harbor on DigitalOcean's managed PostgreSQL (1 GB: 22 connections), TLS-only Valkey and Spaces, as plain manifests. */
export function harborOnDigitalOcean(app: App, imageMirror?: string): DockyardChart {
  if (imageMirror) {
    Images.relocate(app, ImageRelocation.registry(imageMirror));
  }
  const chart = new DockyardChart(app, 'harbor-do', { namespace: 'harbor' });
  new Namespace(chart, 'Namespace', { name: 'harbor' });
  const secret = (id: string, name: string, description: string) => Secret.fromSecretName(chart, id, name, { description });
  const db = secret('DatabaseSecret', 'harbor-database', 'the password of the managed PostgreSQL user harbor');
  const valkey = secret('ValkeySecret', 'harbor-valkey', 'the password of the managed Valkey user default');
  const spaces = secret('SpacesSecret', 'harbor-spaces', 'a Spaces key scoped to the bucket: access-key and secret-key');
  const harbor = new Harbor(chart, 'Harbor', {
    externalUrl: 'https://registry.example.com',
    database: new ExternalPostgres(chart, 'Database', {
      host: 'private-harbor-db-do-user-0-0.b.db.ondigitalocean.com', port: 25060, databaseName: 'registry', user: 'harbor',
      // a 1 GB cluster allows 22 connections (25 per GB, 3 reserved: do.md §2.1); one is kept for doadmin
      password: db.key('password'), sslMode: SslMode.REQUIRE, maxConnections: 22, connectionLimit: 21,
    }),
    redis: new ExternalRedis(chart, 'Valkey', {
      host: 'private-harbor-valkey-do-user-0-0.b.db.ondigitalocean.com', port: 25061, username: 'default', password: valkey.key('password'),
    }),
    storage: HarborStorage.spaces({ region: 'fra1', bucket: 'example-harbor', accessKey: spaces.key('access-key'), secretKey: spaces.key('secret-key') }),
    exposure: HarborExposure.ingress({ className: 'nginx', tls: IngressTls.certManager(LETS_ENCRYPT_ISSUER) }),
    portalReplicas: 2,
    registryReplicas: 2,
  });
  // private, as every project: pull through it with a robot's login (a pull secret, or the nodes' mirror files)
  // anonymous on purpose (no variable gives the stack a Docker Hub login yet): 100 pulls per 6 hours per egress
  // address, which Harbor's cache spends only on misses and moved tags (README, "Docker Hub's pull limits")
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub({ anonymous: true }), public: false });
  return chart;
}
