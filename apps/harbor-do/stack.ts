import { App } from 'cdk8s';
import {
  DockyardChart, ExternalPostgres, ExternalRedis, Harbor, HarborExposure, HarborStorage, ImageRelocation, Images, IngressTls, LETS_ENCRYPT_ISSUER, Namespace,
  ProxyUpstream, Secret,
} from '../../lib';
import { POSTGRES_SSL_MODE } from '../digitalocean/charts';

/**
 * Harbor on DigitalOcean's managed PostgreSQL (1 GB: 22 connections), TLS-only Valkey and Spaces, as plain manifests.
 *
 * @param imageMirror a registry every image is pulled from
 * @param dockerHubUser the Docker Hub user its proxy cache logs in as, whose access token goes in the Secret
 *   `harbor/harbor-dockerhub` (key `token`) you create, as the managed services' credentials; without one Harbor
 *   pulls Docker Hub anonymously (100 pulls per 6 hours per egress IPv4 address: docs.docker.com/docker-hub/usage/pulls/),
 *   and the synth warns of it, as the DigitalOcean program does
 */
export function harborOnDigitalOcean(app: App, imageMirror?: string, dockerHubUser?: string): DockyardChart {
  if (imageMirror) {
    Images.relocate(app, ImageRelocation.registry(imageMirror));
  }
  const chart = new DockyardChart(app, 'harbor-do', { namespace: 'harbor' });
  new Namespace(chart, 'Namespace', { name: 'harbor' });
  const secret = (id: string, name: string, description: string) => Secret.fromSecretName(chart, id, name, { description });
  const db = secret('DatabaseSecret', 'harbor-database', 'the password of the managed PostgreSQL user harbor');
  // the cluster's CA, which Harbor's core and jobservice verify the server with: public, but from outside as the other
  // inputs are; `doctl databases get-ca <id> -o json` gives it base64-encoded (godo DatabaseCA.Certificate is []byte)
  const postgresCa = secret('PostgresCaSecret', 'postgres-ca',
    'the managed PostgreSQL\'s CA certificate, PEM: doctl databases get-ca <id> -o json | jq -r .certificate | base64 -d');
  const valkey = secret('ValkeySecret', 'harbor-valkey', 'the password of the managed Valkey user default');
  const spaces = secret('SpacesSecret', 'harbor-spaces', 'a Spaces key scoped to the bucket: access-key and secret-key');
  const harbor = new Harbor(chart, 'Harbor', {
    externalUrl: 'https://registry.example.com',
    database: new ExternalPostgres(chart, 'Database', {
      host: 'private-harbor-db-do-user-0-0.b.db.ondigitalocean.com', port: 25060, databaseName: 'registry', user: 'harbor',
      // a 1 GB cluster allows 22 connections (25 per GB, 3 reserved: do.md §2.1); one is kept for doadmin
      password: db.key('password'), maxConnections: 22, connectionLimit: 21,
      // verify-ca against the cluster's CA, as the DigitalOcean program's clients (POSTGRES_SSL_MODE says why not
      // verify-full); require would check no certificate (pgconn v1.14.3 config.go:636-648)
      sslMode: POSTGRES_SSL_MODE, caCertificate: postgresCa.key('ca.crt'),
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
  // a production example, as the DigitalOcean program: without a login the synth's warning of anonymous pulls shows
  // (README, "Docker Hub's pull limits"); the token in a Secret you create, as every credential of this stack from outside
  const login = dockerHubUser === undefined ? {} : {
    username: dockerHubUser,
    password: secret('DockerHubSecret', 'harbor-dockerhub', `a Docker Hub access token of ${dockerHubUser}: token`).key('token'),
  };
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub(login), public: false });
  return chart;
}
