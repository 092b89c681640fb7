import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { CiEngineKind, describeValue, DOCR_REGISTRY, invalid, LETS_ENCRYPT_ISSUER, missing } from '../../lib';
import { ChartDeployment, EnvironmentError, ProvidedSecret } from '../../lib/pulumi';
import { checkedInput } from '../../lib/pulumi/generated-secrets';
import { checkAgainstPreviousMark, withPreviousMark } from '../../lib/pulumi/previous-mark';
import { previousOutputOf } from '../../lib/core/previous-output';
import { teamsOfAnyHarbor } from '../../lib/harbor/left-robots';
import {
  connectionLimit, ContainerRegistry, DnsRecords, ingressLoadBalancerIp, IngressStack, KubernetesCluster, LETS_ENCRYPT_STAGING, ManagedPostgres,
  ManagedValkey, SpacesBucket,
} from '../../lib/pulumi/digitalocean';
import { ciEngineFacts } from '../shared/ci-engine';
import { CLONE_TOKEN_INPUT, unreadCloneTokenWarning } from '../shared/clone-login';
import { unreadDockerHubTokenWarning } from '../shared/image-mirror';
import { digitalOceanCharts, docrMirrorRegistry, DOCKERHUB_TOKEN_INPUT, DOCR_TOKEN_INPUT, DRONE_LOG_PREFIX, MIRROR_PASSWORD_INPUT, PLACEHOLDERS, PROVIDED_SECRETS, providedCiSecrets } from './charts';
import { DigitalOceanSettings, DRONE_LOG_RETENTION_DAYS } from './config';

/** What `pulumi up` reports. */
export interface DigitalOceanOutputs {
  readonly harborUrl: string;
  /** The CI server's URL, `https://<ciEngine>.<domain>`. */
  readonly ciUrl: string;
  /**
   * The Drone server's URL, with `ciEngine` drone.
   *
   * @default - none with Woodpecker
   */
  readonly droneUrl?: string;
  readonly registryHost: pulumi.Output<string>;
  readonly adminPasswordCommand: string;
  readonly kubeconfig: pulumi.Output<string>;
  readonly deployment: ChartDeployment;
  /**
   * This run's mark for the next (`MARK_OUTPUT`): the CI servers' admins and URLs, the images of the workloads whose
   * version changes are checked (as rendered), Harbor's projects and the Woodpecker agents a closed route closed. No
   * secret: logins, URLs, names and images only.
   */
  readonly mark: string;
  /** The ingress Load Balancer's IPv4 address, when the program installs ingress-nginx or manages DNS. */
  readonly loadBalancerIp?: pulumi.Output<string>;
  /** What to do after `pulumi up`: where DNS must point, what to open, how to log in. */
  readonly nextSteps: pulumi.Output<string>;
  /** ingress-nginx, cert-manager and the ClusterIssuer, when `installIngress` is on. */
  readonly ingress?: IngressStack;
  /** The A records of Harbor and Drone, when `dnsRecords` is on. */
  readonly dns?: DnsRecords;
}

/** The cert-manager ClusterIssuer the Harbor and Drone Ingresses name, and the one `installIngress` creates. */
export const CERT_ISSUER = LETS_ENCRYPT_ISSUER;

/**
 * The ClusterIssuer with `acmeStaging`: a name of its own, so that turning staging off changes the Ingresses'
 * issuer annotation, which makes cert-manager issue trusted certificates at once. It compares only the issuer's
 * name, kind and group with the certificate's, not its ACME server (cert-manager
 * pkg/controller/certificates/trigger/policies/policies.go, SecretHasUpToDateIssuerAnnotations), so under one name
 * the staging certificates stayed until their renewal, some 60 days.
 */
export const STAGING_CERT_ISSUER = `${LETS_ENCRYPT_ISSUER}-staging`;

/**
 * The VPC of the existing cluster `clusterName`, refused (once the cluster is read) unless the cluster is in `region`,
 * the program's: the managed databases join that VPC, which is regional, so DigitalOcean refused them mid-update.
 */
export function vpcInRegion(cluster: { readonly vpcUuid: pulumi.Output<string>; readonly region: pulumi.Output<string> }, region: string,
  clusterName: string): pulumi.Output<string> {
  return pulumi.all([cluster.vpcUuid, cluster.region]).apply(([vpc, actual]) => {
    if (actual !== region) {
      invalid('region', region, `must be the region of the existing cluster ${describeValue(clusterName)}, ${describeValue(actual)}: its managed ` +
        `databases join the cluster's VPC, which is regional (pulumi config set region ${actual})`);
    }
    return vpc;
  });
}

/**
 * The DigitalOcean program: a DOKS cluster (or an existing one), managed PostgreSQL and Valkey that admit only
 * that cluster, a Spaces bucket with a key scoped to it, an optional Container Registry, and Harbor and Drone from
 * Dockyard's constructs, deployed with every credential a Pulumi secret. `previousMark` is the mark the stack's last
 * update kept (`previousMark` of lib/pulumi/previous-mark.ts), against which a version change is refused as a synth
 * refuses it (a Harbor downgrade) and what the code dropped is warned of; undefined, as on a stack's first update,
 * nothing is compared.
 */
export function deployDigitalOcean(
  settings: DigitalOceanSettings, gitClientSecret: pulumi.Input<string>, imageMirrorPassword?: pulumi.Input<string>,
  dockerHubToken?: pulumi.Input<string>, cloneToken?: pulumi.Input<string>, previousMark?: string,
): DigitalOceanOutputs {
  // checked before anything is registered, as every setting is: a blank secret, or one pasted with its line break,
  // would otherwise be written into its Secret and fail only at its first use (a plain string is checked here, as
  // index.ts reads them; an Output once it is known)
  gitClientSecret = checkedInput('gitClientSecret', gitClientSecret);
  imageMirrorPassword = imageMirrorPassword === undefined ? undefined : checkedInput('imageMirrorPassword', imageMirrorPassword);
  if (settings.imageMirrorUser !== undefined && imageMirrorPassword === undefined) {
    missing('imageMirrorPassword', `must be set with imageMirrorUser: pulumi config set --secret imageMirrorPassword <password or token of ${settings.imageMirrorUser}>`);
  }
  if (settings.imageMirrorUser === undefined && imageMirrorPassword !== undefined) {
    // read by nothing, as the default stack warns of DOCKYARD_IMAGE_MIRROR_PASSWORD without its user
    void pulumi.log.warn('imageMirrorPassword is set but imageMirrorUser is not, so nothing reads it: the mirror is pulled from anonymously ' +
      '(set imageMirrorUser, or pulumi config rm imageMirrorPassword)');
  }
  dockerHubToken = dockerHubToken === undefined ? undefined : checkedInput('dockerHubToken', dockerHubToken);
  if (settings.dockerHubUser !== undefined && dockerHubToken === undefined) {
    missing('dockerHubToken', `must be set with dockerHubUser: pulumi config set --secret dockerHubToken <Docker Hub access token of ${settings.dockerHubUser}>`);
  }
  const unread = unreadDockerHubTokenWarning({ token: 'dockerHubToken', user: 'dockerHubUser', mirror: 'imageMirror', removeToken: 'pulumi config rm dockerHubToken' },
    { token: dockerHubToken !== undefined, user: settings.dockerHubUser !== undefined, mirror: settings.imageMirror !== undefined });
  if (unread !== undefined) void pulumi.log.warn(unread);
  cloneToken = cloneToken === undefined ? undefined : checkedInput('cloneToken', cloneToken);
  if (settings.cloneUser !== undefined && cloneToken === undefined) {
    missing('cloneToken', `must be set with cloneUser: pulumi config set --secret cloneToken <read-only forge token of ${settings.cloneUser}>`);
  }
  const unreadClone = unreadCloneTokenWarning({ token: 'cloneToken', user: 'cloneUser', removeToken: 'pulumi config rm cloneToken', engine: 'ciEngine' },
    { token: cloneToken !== undefined, user: settings.cloneUser !== undefined, engine: settings.ciEngine });
  if (unreadClone !== undefined) void pulumi.log.warn(unreadClone);
  const engine = settings.ciEngine;
  // the CI engine's database and its managed user share one name, which the charts connect as
  const { title, databaseName } = ciEngineFacts(engine);
  const ciHost = `${engine}.${settings.domain}`;
  // the staging issuer is one this program makes: without installIngress the Ingresses name the cluster's own
  const certIssuer = settings.installIngress && settings.acmeStaging ? STAGING_CERT_ISSUER : CERT_ISSUER;
  const app = new App({ outdir: 'dist-digitalocean' });
  digitalOceanCharts(app, {
    domain: settings.domain, region: settings.region, bucket: settings.bucket, droneLogBucket: settings.droneLogBucket, postgresConnectionLimit: connectionLimit(settings.postgresSize),
    valkeyMaxClients: settings.valkeyMaxClients,
    ciEngine: engine, gitProvider: settings.gitProvider, gitServer: settings.gitServer, gitServerEgress: settings.gitServerCidrs,
    authenticatePublicRepos: settings.gitAuthPublicRepos, gitClientId: settings.gitClientId,
    organization: settings.organization, admin: settings.admin,
    containerRegistry: settings.containerRegistry, certIssuer,
    imageMirror: settings.imageMirror, imageMirrorUser: settings.imageMirrorUser, imageDigests: settings.imageDigests,
    dockerHubUser: settings.dockerHubUser,
    trustBundle: settings.caBundle, cloneUser: settings.cloneUser,
    teams: settings.teams, platformRepos: settings.platformRepos, publicLibrary: settings.publicLibrary, retiredTeams: settings.retiredTeams, apiServer: settings.apiServer,
    // the mark is read before the program runs (index.ts awaits it), previews too: a plain list, no Output
    markedTeams: teamsOfAnyHarbor(previousOutputOf(previousMark)),
    // without installIngress nothing this program makes gives the Ingresses an address (a new cluster has no
    // controller), and @pulumi/kubernetes waits for one up to 10 minutes before failing the update
    // (pulumi-kubernetes provider/pkg/await/ingress.go, DefaultIngressTimeoutMins)
    ingressAnnotations: settings.installIngress ? undefined : { 'pulumi.com/skipAwait': 'true' },
  });
  // every refusal of the charts before any resource registers: the SDK lets those registered before an error finish
  // (an image the pinned digests leave out, a connection budget, a team; README, imageDigests)
  // (rendered as the deployment renders them below: with the previous run's mark, whose left projects a Job takes)
  withPreviousMark(app, previousMark, () => ChartDeployment.check(app));
  // and a version change the previous run's workloads could not take (a Harbor downgrade), against the mark it kept;
  // warned of: an admin, a Harbor project or a CI URL the code dropped
  const mark = checkAgainstPreviousMark(app, previousMark);

  // a mirror on the Container Registry names it: the registry it creates is the one the images are mirrored to (an
  // account has one; a registry made before under Pulumi's name keeps it when the mirror names that)
  const registry = settings.containerRegistry ? new ContainerRegistry('registry', {
    region: settings.region, registryName: docrMirrorRegistry(settings.imageMirror), subscriptionTier: settings.containerRegistryTier,
  })
    : undefined;
  const cluster = settings.clusterName
    ? KubernetesCluster.existing('cluster', { clusterName: settings.clusterName })
    : KubernetesCluster.create('cluster', {
      region: settings.region, version: settings.kubernetesVersion, nodeSize: settings.nodeSize, nodeCount: settings.nodeCount,
    });
  // an existing cluster's VPC is in its own region, which the databases must share to join it: a mismatch failed in
  // DigitalOcean, mid-update, after the bucket and registry were made (a new user's trial); refused once the cluster
  // is read, before any database registers, as they wait for the VPC
  const privateNetworkUuid = settings.clusterName === undefined ? cluster.vpcUuid : vpcInRegion(cluster, settings.region, settings.clusterName);
  const network = { region: settings.region, kubernetesClusterId: cluster.clusterId, privateNetworkUuid };
  const postgres = new ManagedPostgres('postgres', {
    ...network, size: settings.postgresSize, databases: [{ name: 'registry', user: 'harbor' }, { name: databaseName, user: databaseName }],
  });
  const valkey = new ManagedValkey('valkey', { ...network, size: settings.valkeySize });
  const spaces = new SpacesBucket('spaces', { region: settings.region, bucketName: settings.bucket });
  // Drone's build logs, which it would otherwise keep in its database forever, in a bucket and key of their own that
  // expire them (DroneLogStorage; README, "A year later")
  const droneLogs = settings.droneLogBucket === undefined ? undefined : new SpacesBucket('drone-logs', {
    region: settings.region, bucketName: settings.droneLogBucket,
    expiration: { prefix: `${DRONE_LOG_PREFIX}/`, days: settings.droneLogRetentionDays ?? DRONE_LOG_RETENTION_DAYS },
  });

  const k8sOpts = { providers: { kubernetes: cluster.provider } };
  // ingress-nginx, cert-manager and the issuer first: Pulumi waits for each Ingress to get the controller's address
  const ingress = settings.installIngress ? new IngressStack('ingress', {
    acmeEmail: settings.acmeEmail!, issuerName: certIssuer, acmeServer: settings.acmeStaging ? LETS_ENCRYPT_STAGING : undefined,
    // unique in the account: a new cluster's Service takes over a Load Balancer of its name, another stack's too
    loadBalancerName: loadBalancerName(cluster.clusterId),
  }, k8sOpts) : undefined;
  // without installIngress, the controller the README asks for: release ingress-nginx in namespace ingress-nginx
  const loadBalancerIp = ingress?.loadBalancerIp
    ?? (settings.dnsRecords ? ingressLoadBalancerIp('ingress-controller', 'ingress-nginx/ingress-nginx-controller', { provider: cluster.provider }) : undefined);
  const hosts = [`harbor.${settings.domain}`, ciHost];
  const dns = settings.dnsRecords
    ? new DnsRecords('dns', { dnsDomain: settings.dnsDomain ?? settings.domain, hosts, ip: loadBalancerIp! })
    : undefined;

  const P = PROVIDED_SECRETS;
  const C = providedCiSecrets(engine);
  const secrets: ProvidedSecret[] = [
    { ...P.harborDatabase, stringData: { [P.harborDatabase.key]: postgres.passwords.harbor } },
    { ...C.database, stringData: { [C.database.key]: postgres.passwords[databaseName] } },
    { ...P.valkey, stringData: { [P.valkey.key]: valkey.password } },
    { namespace: P.spaces.namespace, name: P.spaces.name, stringData: { [P.spaces.accessKey]: spaces.accessKey, [P.spaces.secretKey]: spaces.secretKey } },
    ...(droneLogs ? [{
      namespace: P.droneLogs.namespace, name: P.droneLogs.name,
      stringData: { [P.droneLogs.accessKey]: droneLogs.accessKey, [P.droneLogs.secretKey]: droneLogs.secretKey },
    }] : []),
    { ...C.oauth, stringData: { [C.oauth.key]: pulumi.secret(gitClientSecret) } },
    { ...P.postgresAdmin, stringData: { [P.postgresAdmin.key]: postgres.adminPassword } },
    // the server's CA, which every client verifies it with (POSTGRES_SSL_MODE): public, so a plain Output
    { ...P.harborPostgresCa, stringData: { [P.harborPostgresCa.key]: postgres.caCertificate } },
    { ...P.postgresCa, stringData: { [P.postgresCa.key]: postgres.caCertificate } },
  ];
  const deployment = withPreviousMark(app, previousMark, () => new ChartDeployment('platform', {
    app,
    secrets,
    // DOCR's docker config logs in with its token as user name and password: the pull secret takes the token
    inputs: {
      ...(registry ? { [DOCR_TOKEN_INPUT]: registry.dockerConfigJson.apply(docrToken) } : {}),
      ...(settings.imageMirrorUser !== undefined ? { [MIRROR_PASSWORD_INPUT]: pulumi.secret(imageMirrorPassword!) } : {}),
      ...(settings.dockerHubUser !== undefined ? { [DOCKERHUB_TOKEN_INPUT]: pulumi.secret(dockerHubToken!) } : {}),
      ...(settings.cloneUser !== undefined ? { [CLONE_TOKEN_INPUT]: pulumi.secret(cloneToken!) } : {}),
    },
    substitutions: { [PLACEHOLDERS.postgresHost]: postgres.host, [PLACEHOLDERS.valkeyHost]: valkey.host },
    // the reconciler Job must not create a database before DigitalOcean has: Pulumi's create would then fail
  }, { ...k8sOpts, dependsOn: [postgres, ...(ingress ? [ingress] : [])] }));

  const adminPasswordCommand = 'kubectl -n harbor get secret harbor-core -o jsonpath="{.data.admin-password}" | base64 -d';
  const dnsStep = (ip: string | undefined) => dns
    ? `DNS: ${hosts.join(' and ')} are A records at ${ip} in the DigitalOcean domain ${settings.dnsDomain ?? settings.domain}`
    : `DNS: point ${hosts.join(' and ')} (A records) at ${ip ?? 'the ingress load balancer: kubectl -n ingress-nginx get svc ingress-nginx-controller'}`;
  const nextSteps = pulumi.output(loadBalancerIp).apply((ip) => [
    dnsStep(ip),
    `Harbor: open https://${hosts[0]} and log in as admin with the password of: pulumi stack output adminPasswordCommand (run it with the kubeconfig)`,
    `${title}: open https://${hosts[1]} and log in with ${settings.gitProvider} as ${settings.admin}, the first admin` +
      (settings.gitProvider === 'gitlab' ? ', who adds every other user (on GitLab nobody registers themselves: README, "On GitLab, the admin adds users")' : ''),
    // woodpecker v3.17.0 server/api/repo.go:125 activates a repository with deployments off, and
    // server/api/pipeline.go:636-639 then refuses every deploy with 403 "repo does not allow deployments"
    ...(engine === CiEngineKind.WOODPECKER
      ? ['Repositories: activate them in Woodpecker, and enable "Allow deployments" in each one\'s settings, which activation leaves off: ' +
        'Woodpecker refuses to deploy them until then']
      : []),
    ...(settings.installIngress ? [] : [`Ingress: this program installed no ingress controller (installIngress off): the cluster needs ` +
      `ingress-nginx (class nginx, namespace ingress-nginx) and cert-manager with a ClusterIssuer "${certIssuer}"; ` +
      (settings.acmeEmail === undefined ? 'set acmeEmail and run pulumi up again to have them installed' : 'install them, or set installIngress true')]),
    `Certificates: cert-manager orders them from Let's Encrypt once DNS resolves; kubectl get certificates -A shows their state`,
  ].join('\n'));

  return {
    harborUrl: `https://harbor.${settings.domain}`,
    ciUrl: `https://${ciHost}`,
    ...(engine === CiEngineKind.DRONE ? { droneUrl: `https://${ciHost}` } : {}),
    registryHost: registry ? registry.endpoint : pulumi.output(`harbor.${settings.domain}`),
    adminPasswordCommand,
    kubeconfig: cluster.kubeconfig,
    deployment,
    mark,
    loadBalancerIp,
    nextSteps,
    ingress,
    dns,
  };
}

/**
 * The DigitalOcean Load Balancer's name, `dockyard-<stack>-<the cluster ID's first 8 characters>`: the stack alone
 * is not unique in the account (two projects' `prod`), and a new cluster's Service takes over a Load Balancer of its
 * name (`IngressStackArgs.loadBalancerName`).
 */
export function loadBalancerName(clusterId: pulumi.Input<string>): pulumi.Output<string> {
  const stack = pulumi.getStack().replace(/[^A-Za-z0-9.-]/g, '-').replace(/-+$/, '');
  // a DigitalOcean cluster ID is a UUID: its first 8 characters are hex digits
  return pulumi.output(clusterId).apply((id) => [`dockyard-${stack}`, id.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)].filter((p) => p !== '').join('-'));
}

/** The token in a DOCR `.dockerconfigjson`, whose `auth` is base64 of `<token>:<token>`. */
function docrToken(dockerConfigJson: string): string {
  let auth: string;
  try {
    auth = Buffer.from(JSON.parse(dockerConfigJson).auths[DOCR_REGISTRY].auth, 'base64').toString();
  } catch {
    // not the error itself: JSON.parse quotes the text it could not read, which holds the credential
    throw new EnvironmentError('the DigitalOcean container registry\'s credentials hold no login for registry.digitalocean.com: run pulumi up again');
  }
  return auth.slice(auth.indexOf(':') + 1);
}
