import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  CiEngineKind, DeployAccess, DockyardChart, Harbor, HarborExposure, HarborStorage,
  ImageRelocation, Images, IngressTls, Namespace, ICiEngine, NetworkPeer, NodeMirrorFiles, Postgres, ProxyUpstream,
  PullSecret, RepositoryPipelines, Redis, RegistryCredential, RobotPermission, Secret, SecretValue, TemplateEscape, UpstreamCredentials,
} from '../../lib';
import { postgresUrl } from '../../lib/postgres/datasource';
import { ciEngine, ciEngineFacts } from '../shared/ci-engine';
import { mirrorHost } from '../shared/image-mirror';
import { DefaultStackConfig } from './config';
import { DEMO_EVENTS, demoPipelines } from './pipeline';

/** The namespaces of the default stack. */
export const NAMESPACES = {
  platform: 'dockyard', registry: 'harbor', builds: 'dockyard-builds', publish: 'dockyard-publish', deploys: 'dockyard-deploy', app: 'demo',
};

/**
 * The embedded default stack: everything in-cluster. PostgreSQL, the Drone server, its Kubernetes runner and the
 * secrets extension; Harbor on the same PostgreSQL with an in-cluster Redis and filesystem storage, proxying Docker
 * Hub; and an example app whose pipelines push to Harbor and deploy with a database password and a least-privilege
 * identity, without anyone handling the raw values.
 */
export function defaultStack(app: App, config: DefaultStackConfig): DockyardChart {
  return defaultPlatform(app, config).chart;
}

/** The shared parts of the default stack that other stacks build on, such as `apps/teams`. */
export interface DefaultPlatform {
  readonly chart: DockyardChart;
  /** The CI engine, Drone or Woodpecker (`DOCKYARD_CI`). */
  readonly ci: ICiEngine;
  readonly harbor: Harbor;
  /**
   * The in-cluster PostgreSQL that the CI server, the demo and Harbor use: a stack built on this platform adds a
   * database of its own to it (`postgres.addDatabase(name, { connectionLimit })`, within what the platform's
   * databases leave of its `maxConnections`), as a team's app database in README "Many teams".
   */
  readonly postgres: Postgres;
  /** Harbor's Docker Hub proxy-cache project, unless the stack pulls from a mirror. */
  readonly proxyCache?: string;
  /** The image mirror's login (`DOCKYARD_IMAGE_MIRROR_USER`), which every pod that pulls from the mirror needs. */
  readonly mirrorCredential?: RegistryCredential;
}

/** Options of `defaultPlatform`. */
export interface DefaultPlatformOptions {
  /**
   * The repositories whose pipelines get the platform's own `harbor-push` (push to the `apps` project) and
   * `harbor-pull` pipeline secrets. A stack with teams limits them to the platform's own repositories: each team
   * pushes to its own project with its own robot.
   *
   * @default - every repository of the organisation, `<organization>/*`
   */
  readonly sharedPipelineRepos?: string[];
}

/** The default stack, and its shared parts. */
export function defaultPlatform(app: App, config: DefaultStackConfig, options: DefaultPlatformOptions = {}): DefaultPlatform {
  // Woodpecker routes, and so grants, by exact repository only (WoodpeckerCi): there the platform's push and pull
  // secrets serve the demo
  const sharedRepos = options.sharedPipelineRepos
    ?? [config.ci === CiEngineKind.WOODPECKER ? `${config.organization}/demo` : `${config.organization}/*`];
  const chart = new DockyardChart(app, 'dockyard', { namespace: NAMESPACES.platform, finishedJobs: config.finishedJobs });
  new Namespace(chart, 'Namespace', { name: NAMESPACES.platform });
  new Namespace(chart, 'RegistryNamespace', { name: NAMESPACES.registry });
  new Namespace(chart, 'AppNamespace', { name: NAMESPACES.app });

  const postgres = new Postgres(chart, 'Postgres');
  const facts = ciEngineFacts(config.ci);
  const oauth = Secret.fromSecretName(chart, 'OAuth', facts.oauthSecretName, {
    description: `the OAuth client secret of the ${config.gitProvider} app whose callback is https://${config.host}${facts.oauthCallbackPath}`,
  });
  // on Woodpecker a nested GitLab group (`acme/platform`) is taken: the grants below name its project
  // `acme/platform/demo` by its whole path, as Woodpecker does; Drone runs no subgroup's project, and the configuration
  // refuses one before this runs (checkOrganization)
  const ci = ciEngine(chart, {
    engine: config.ci,
    host: config.host,
    gitProvider: config.gitProvider,
    gitServer: config.gitServer,
    gitClientId: config.gitClientId,
    oauth,
    organization: config.organization,
    organizationProp: 'DOCKYARD_ORG',
    admin: config.admin,
    database: (name) => postgres.addDatabase(name),
    ingress: { className: config.ingressClassName, tls: IngressTls.certManager(config.certIssuer) },
    trustBundle: config.trustBundle,
    authenticatePublicRepos: config.gitAuthPublicRepos,
    cloneUser: config.cloneUser,
    cloneUserProps: { user: 'DOCKYARD_CLONE_USER', engine: 'DOCKYARD_CI' },
    buildNamespace: NAMESPACES.builds,
    extraBuildNamespaces: [NAMESPACES.publish, NAMESPACES.deploys],
    // the API server's endpoint is taken out of every build's internet rule (a private one is out already): only
    // the deploy namespace reaches it (below)
    buildEgress: config.apiServer ? { apiServerCidrs: [config.apiServer.cidr] } : undefined,
  });

  // a self-hosted git server at a private address lies outside every build's internet rule: each clone goes there
  if (config.gitServerEgress) {
    const { cidrs, port } = config.gitServerEgress;
    cidrs.forEach((cidr) => ci.allowBuildEgress(NetworkPeer.ipBlock(cidr), [port]));
  }

  // the example app: its deploy pipeline runs migrations and rolls out, and nobody ever sees its credentials
  const repo = `${config.organization}/demo`;
  const demoDb = postgres.addDatabase('demo', { connectionLimit: 20 });
  demoDb.grantConnect(NetworkPeer.namespace(NAMESPACES.deploys));
  // build pods reach only DNS and the internet unless declared: its migrations reach PostgreSQL from the deploy namespace
  ci.allowBuildEgress(NetworkPeer.namespace(NAMESPACES.platform), [postgres.port], { namespaces: [NAMESPACES.deploys] });
  // and its rollout reaches the API server, where one is declared
  if (config.apiServer) {
    ci.allowBuildEgress(config.apiServer.peer, [config.apiServer.port], { namespaces: [NAMESPACES.deploys] });
  }
  ci.addPipelineSecret('DemoDatabase', {
    name: 'demo-database',
    repos: [repo],
    events: DEMO_EVENTS.deploy,
    values: {
      password: SecretValue.copyOf(demoDb.password),
      url: SecretValue.template(postgresUrl(demoDb, undefined, '{password}'), { password: demoDb.password }, { escape: TemplateEscape.URL }),
    },
  });
  const deployer = new DeployAccess(chart, 'DemoDeploy', { namespace: NAMESPACES.app, serviceAccountNamespace: NAMESPACES.deploys });
  // each of the demo's grant sets in a namespace of its own, as Woodpecker hands a namespace's Secrets to every
  // pipeline that runs there: builds that push run in dockyard-publish, deploys as the deploy identity in
  // dockyard-deploy; every other build of the demo (pull requests, cron, custom) in the pool, with neither
  ci.addRoute({ name: 'demo-build', repos: [repo], events: DEMO_EVENTS.build, namespace: NAMESPACES.publish });
  ci.addRoute({
    name: 'demo-deploy', repos: [repo], events: DEMO_EVENTS.deploy, namespace: NAMESPACES.deploys, serviceAccountName: deployer.serviceAccountName,
  });

  // Harbor, whose robot account lets every pipeline of the organisation push to the `apps` project
  const redis = new Redis(chart, 'Redis', { namespace: NAMESPACES.registry });
  const harborExposure = HarborExposure.ingress({ className: config.ingressClassName, tls: IngressTls.certManager(config.certIssuer) });
  const harbor = new Harbor(chart, 'Harbor', {
    namespace: NAMESPACES.registry,
    externalUrl: `https://${config.harborHost}`,
    database: postgres.addDatabase('registry', { user: 'harbor', connectionLimit: 40 }),
    redis,
    storage: HarborStorage.filesystem(),
    exposure: harborExposure,
    trustBundle: config.trustBundle,
  });
  // pipelines push to Harbor at its public host name, which in the cluster often ends at the ingress controller's pods
  // (kube-proxy sends traffic for a load balancer's address straight there), outside the build pods' internet rule
  ci.allowBuildEgress(harborExposure.proxyPeer, [443]);
  // air-gapped (a mirror), nothing pulls through Harbor: no Docker Hub proxy cache, and no node mirror files
  const proxy = config.imageMirror ? undefined : 'dockerhub';
  if (proxy) {
    // without DOCKYARD_DOCKERHUB_USER anonymous on purpose, and quiet: an evaluation stack, whose 100 pulls per 6 hours
    // per egress address Harbor's cache spends only on misses and moved tags (README, "Docker Hub's pull limits")
    harbor.addProxyCache(proxy, { upstream: ProxyUpstream.dockerHub(dockerHubLogin(chart, config)), public: false });
  }
  harbor.addProject('apps');
  const pusher = harbor.addRobot('drone', { permissions: [RobotPermission.push('apps')], description: 'CI pipelines push images' });
  const puller = harbor.addRobot('puller', {
    permissions: [...(proxy ? [RobotPermission.pull(proxy)] : []), RobotPermission.pull('apps')], description: 'pods pull images',
  });

  if (config.imageDigests) {
    // every image by digest, through the mirror too; a new image without one fails the synth
    Images.pinDigests(app, config.imageDigests, { requireAll: true });
  }
  let mirrorCredential: RegistryCredential | undefined;
  if (config.imageMirror) {
    // air-gapped: every image, Harbor's and its data services' included, from the pre-mirrored registry, overriding
    // any relocation below; its login, if it needs one, gets a pull secret of its own and joins the pipelines'
    // `harbor-pull`
    Images.relocateAll(app, ImageRelocation.registry(config.imageMirror));
    if (config.imageMirrorUser) {
      const host = mirrorHost(config.imageMirror);
      const mirrorPassword = new Secret(chart, 'ImageMirrorPassword', {
        name: 'image-mirror-password',
        // kept for this user at this mirror only: another user name with the kept password would fail every pull
        values: {
          password: SecretValue.input('DOCKYARD_IMAGE_MIRROR_PASSWORD', `the password or token of ${config.imageMirrorUser} at ${config.imageMirror}`)
            .belongingTo(`${config.imageMirrorUser} at ${host}`),
        },
      });
      mirrorCredential = RegistryCredential.basic({
        registry: host, username: config.imageMirrorUser, password: mirrorPassword.key('password'),
      });
    }
  } else {
    // everything but Harbor and the data services it needs pulls Docker Hub images through Harbor's proxy cache,
    // and every pod that does gets the pull secret on its own
    Images.relocate(chart, harbor.proxyCacheRelocation('dockerhub'));
    for (const upstream of [harbor, postgres, redis]) {
      Images.relocate(upstream, ImageRelocation.upstream());
    }
  }
  const pullCredential = RegistryCredential.harborRobot(harbor.host, puller);
  // the nodes' own robot, which may pull only through the proxy cache: the node's login serves every pod on the
  // node that pulls from Harbor without a login of its own, so it must not reach the platform's `apps` project
  const nodePuller = proxy ? harbor.addRobot('node-puller', {
    permissions: [RobotPermission.pull(proxy)], description: 'nodes pull Docker Hub images through the proxy cache',
  }) : undefined;
  if (!nodePuller) {
    // a stack that turns a mirror on may have run without one: its node robot, whose secret never expires and is
    // still in the nodes' old mirror files, would keep its pull access, so the configuration Jobs delete it (and
    // log that one never created is not in Harbor); a stack that always ran with a mirror never had it
    harbor.retireRobot('node-puller', { mayBeAbsent: true });
  }
  // build pods and the demo app run under their namespaces' default ServiceAccounts, which pull with the namespace's
  // pull secret whatever image a step names (the runner sets a pod's pull secrets from the pipeline's
  // image_pull_secrets alone: drone-runner-kube engine/convert.go). So the builds' pool, where pull requests (forks
  // included) run, gets the proxy-only robot, as Dockyard's own pods do (the app-wide pull secret): a pull request
  // pulls `apps` only with the `harbor-pull` pipeline secret, which it gets only when asked. The namespaces that
  // push, deploy or run the demo pull `apps` with the puller robot
  const appNamespaces = [NAMESPACES.publish, NAMESPACES.deploys, NAMESPACES.app];
  const listed = [NAMESPACES.builds, ...appNamespaces];
  // one name in every namespace, so that the builds' pool's Secret changes in place, and a kubectl apply without
  // pruning leaves no stale login there
  const pulls = [new PullSecret(chart, 'PullSecret', { credentials: [pullCredential], namespaces: appNamespaces, appWide: false })];
  if (nodePuller) {
    new PullSecret(chart, 'ProxyPullSecret', { credentials: [RegistryCredential.harborRobot(harbor.host, nodePuller)], namespaces: [NAMESPACES.builds] });
  }
  // Harbor's login and the mirror's in separate pull secrets: a pod gets a pull secret whole, so one holding both
  // would bring the platform's Harbor robot to every namespace with a pod that pulls from the mirror only (Harbor's
  // own included), and into a namespace where another Harbor login applies, which Images.pullSecretsFor refuses
  if (mirrorCredential) {
    pulls.push(new PullSecret(chart, 'MirrorPullSecret', { name: 'image-mirror-credentials', credentials: [mirrorCredential], namespaces: listed }));
  }
  // and deploy pods under the deploy identity, which Kubernetes gives only its own pull secrets
  pulls.forEach((p) => deployer.addImagePullSecret(p.secret));
  // pipelines name one pull secret for their step images: both logins in one document
  const pipelineLogins = [pullCredential, ...(mirrorCredential ? [mirrorCredential] : [])]
    .map((c) => ({ registry: c.registry, username: c.username, usernameFrom: c.usernameFrom, password: c.password }));
  ci.addImagePullSecret('HarborPull', { name: 'harbor-pull', repos: sharedRepos, dockerConfig: SecretValue.dockerConfigJson(pipelineLogins) });
  if (nodePuller) {
    new NodeMirrorFiles(chart, 'NodeMirrors', {
      mirrors: [{ upstream: 'docker.io', endpoint: harbor.url, project: proxy }],
      credential: RegistryCredential.harborRobot(harbor.host, nodePuller),
    });
  }
  // the demo's pipelines, checked against what the platform grants it, in dist/pipelines/ (.drone.yml, or a
  // .woodpecker/ folder of workflows)
  new RepositoryPipelines(chart, 'ExamplePipeline', { engine: ci, repo, pipelines: demoPipelines(harbor.host, deployer, demoDb) });
  ci.addPipelineSecret('HarborPush', {
    name: 'harbor-push',
    repos: sharedRepos,
    events: DEMO_EVENTS.build,
    values: { docker_config: SecretValue.dockerConfigJson([{ registry: harbor.host, username: pusher.username, password: pusher.secret }]) },
  });
  return { chart, ci, harbor, postgres, proxyCache: proxy, mirrorCredential };
}

/**
 * The Docker Hub login of Harbor's proxy cache: the user `DOCKYARD_DOCKERHUB_USER` and its token, the input
 * `DOCKYARD_DOCKERHUB_TOKEN` kept in the secret state for that user (as the mirror's password is), in a Secret of
 * Harbor's namespace that its configuration Job reads; anonymous on purpose without a user.
 */
function dockerHubLogin(chart: Construct, config: DefaultStackConfig): UpstreamCredentials {
  if (config.dockerHubUser === undefined) {
    return { anonymous: true };
  }
  const token = new Secret(chart, 'DockerHubToken', {
    name: 'dockerhub-token',
    namespace: NAMESPACES.registry,
    // kept for this user only: another user name with the kept token would fail every pull of a missed image
    values: {
      token: SecretValue.input('DOCKYARD_DOCKERHUB_TOKEN', `the Docker Hub access token of ${config.dockerHubUser}`)
        .belongingTo(`${config.dockerHubUser} at docker.io`),
    },
  });
  return { username: config.dockerHubUser, password: token.key('token') };
}
