import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import {
  ChartDeployment, ContainerRegistry, KubernetesCluster, ManagedPostgres, ManagedValkey, ProvidedSecret, SpacesBucket,
} from '../../lib/pulumi';
import { digitalOceanCharts, DOCR_TOKEN_INPUT, PLACEHOLDERS, PROVIDED_SECRETS } from './charts';
import { DigitalOceanSettings } from './config';

/** What `pulumi up` reports. */
export interface DigitalOceanOutputs {
  readonly harborUrl: string;
  readonly droneUrl: string;
  readonly registryHost: pulumi.Output<string>;
  readonly adminPasswordCommand: string;
  readonly kubeconfig: pulumi.Output<string>;
  readonly deployment: ChartDeployment;
}

/**
 * The DigitalOcean program: a DOKS cluster (or an existing one), managed PostgreSQL and Valkey that admit only
 * that cluster, a Spaces bucket with a key scoped to it, an optional Container Registry, and Harbor and Drone from
 * Dockyard's constructs, deployed with every credential a Pulumi secret.
 */
export function deployDigitalOcean(settings: DigitalOceanSettings, gitClientSecret: pulumi.Input<string>): DigitalOceanOutputs {
  const registry = settings.containerRegistry ? new ContainerRegistry('registry', { region: settings.region }) : undefined;
  const cluster = settings.clusterName
    ? KubernetesCluster.existing('cluster', { clusterName: settings.clusterName })
    : KubernetesCluster.create('cluster', { region: settings.region, nodeSize: settings.nodeSize, nodeCount: settings.nodeCount });
  const network = { region: settings.region, kubernetesClusterId: cluster.clusterId, privateNetworkUuid: cluster.vpcUuid };
  const postgres = new ManagedPostgres('postgres', {
    ...network, size: settings.postgresSize, databases: [{ name: 'registry', user: 'harbor' }, { name: 'drone', user: 'drone' }],
  });
  const valkey = new ManagedValkey('valkey', { ...network, size: settings.valkeySize });
  const spaces = new SpacesBucket('spaces', { region: settings.region, bucketName: settings.bucket });

  const app = new App({ outdir: 'dist-digitalocean' });
  digitalOceanCharts(app, {
    domain: settings.domain, region: settings.region, bucket: settings.bucket, postgresConnectionLimit: postgres.connectionLimit,
    gitProvider: settings.gitProvider, gitServer: settings.gitServer, gitClientId: settings.gitClientId,
    organization: settings.organization, admin: settings.admin,
    containerRegistry: settings.containerRegistry,
  });
  const P = PROVIDED_SECRETS;
  const secrets: ProvidedSecret[] = [
    { ...P.harborDatabase, stringData: { [P.harborDatabase.key]: postgres.passwords.harbor } },
    { ...P.droneDatabase, stringData: { [P.droneDatabase.key]: postgres.passwords.drone } },
    { ...P.valkey, stringData: { [P.valkey.key]: valkey.password } },
    { namespace: P.spaces.namespace, name: P.spaces.name, stringData: { [P.spaces.accessKey]: spaces.accessKey, [P.spaces.secretKey]: spaces.secretKey } },
    { ...P.oauth, stringData: { [P.oauth.key]: pulumi.secret(gitClientSecret) } },
    { ...P.postgresAdmin, stringData: { [P.postgresAdmin.key]: postgres.adminPassword } },
  ];
  const deployment = new ChartDeployment('platform', {
    app,
    secrets,
    // DOCR's docker config logs in with its token as user name and password: the pull secret takes the token
    inputs: registry ? { [DOCR_TOKEN_INPUT]: registry.dockerConfigJson.apply(docrToken) } : {},
    substitutions: { [PLACEHOLDERS.postgresHost]: postgres.host, [PLACEHOLDERS.valkeyHost]: valkey.host },
    // the reconciler Job must not create a database before DigitalOcean has: Pulumi's create would then fail
  }, { providers: { kubernetes: cluster.provider }, dependsOn: [postgres] });

  return {
    harborUrl: `https://harbor.${settings.domain}`,
    droneUrl: `https://drone.${settings.domain}`,
    registryHost: registry ? registry.endpoint : pulumi.output(`harbor.${settings.domain}`),
    adminPasswordCommand: 'kubectl -n harbor get secret harbor-core -o jsonpath="{.data.admin-password}" | base64 -d',
    kubeconfig: cluster.kubeconfig,
    deployment,
  };
}

/** The token in a DOCR `.dockerconfigjson`, whose `auth` is base64 of `<token>:<token>`. */
function docrToken(dockerConfigJson: string): string {
  const auth = Buffer.from(JSON.parse(dockerConfigJson).auths['registry.digitalocean.com'].auth, 'base64').toString();
  return auth.slice(auth.indexOf(':') + 1);
}
