import { Construct } from 'constructs';
import {
  checkRequiredObject, checkBoolean, checkDnsSubdomain, checkInteger, checkPositiveQuantity, checkStorageClassName, checkUniqueList, constructRefusal, Image, Images, invalid, NetworkPeer, Resources,
} from '../core';
import { checkStatefulSetName, statefulSet } from '../core/deployment';
import { EnvVars } from '../core/env';
import { sha256 } from '../core/hash';
import { kube } from '../core/k8s';
import type { k8s } from '../core/k8s';
import { PodFirewall } from '../core/network';
import { placement } from '../core/placement';
import { httpGet, probesOf } from '../core/pod';
import { checkNotOwnedNamespace } from '../ci/build-namespace';
import { WoodpeckerBuildNamespaces } from './builds';
import { checkAgentServerVersions } from './grpc-version';
import { renderAgentLabels } from './labels';
import { IWoodpeckerServer, WoodpeckerServer } from './server';

/** The settings of a `WoodpeckerAgent` that a `WoodpeckerCi` lets its caller override for all its agents. */
export interface WoodpeckerAgentOptions {
  /**
   * The agent image.
   *
   * A synth refuses one whose release speaks another gRPC protocol version than the server's (the agent would exit at
   * start), and warns when it cannot tell: upgrade the agents and the server together. This pairing is checked
   * against the server of the same synth, not the previous output, so `DOCKYARD_VERSION_CHANGE` does not apply: see
   * the README, "Upgrading the components".
   *
   * @default WoodpeckerAgent.IMAGE
   */
  readonly image?: Image;
  /**
   * Requests and limits of the agent container (not of the pipelines).
   *
   * @default - 20m/48Mi requested, 500m/256Mi limit
   */
  readonly resources?: Resources;
  /**
   * The image of the init container that makes a step's working directory when the step runs as a non-root user
   * (`WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE`, upstream the moving `busybox:stable-musl`); relocated like the
   * agent's own.
   *
   * @default WoodpeckerAgent.PERMISSION_INIT_IMAGE
   */
  readonly permissionInitImage?: Image;
  /**
   * How long a stopping agent may take, in seconds. An agent cancels its running workflows on SIGTERM
   * (`agent/runner.go:106-111`) and deletes their pods, each within `WOODPECKER_BACKEND_K8S_STOP_TIMEOUT` (20 s).
   *
   * @default 60
   */
  readonly gracePeriodSec?: number;
  /**
   * Whether the agent keeps the ID the server gave it on a volume of its own, so a restarted agent is the same agent
   * to the server (woodpecker-ci/helm#163). Each such volume is a block volume attached to the agent's node for as
   * long as it runs, and block storage caps attachments per node (7 on DigitalOcean, beside each running workflow's
   * workspace): see the README, "Woodpecker's agents on day two".
   *
   * false gives the agent no volume and an empty `WOODPECKER_AGENT_CONFIG_FILE`, upstream's stateless agent
   * (woodpecker v3.17.0 `cmd/agent/core/flags.go:72-77`; urfave/cli v3.10.1 `flag_impl.go:132-146` takes a string
   * variable set empty over the default): it registers as a new system agent at each start
   * (`server/rpc/auth_server.go:60-75`) and deletes its record when it stops gracefully
   * (`cmd/agent/core/agent.go:201-221`, `server/rpc/rpc.go:520-535`). A stop without that (a crash, an OOM kill, the
   * server unreachable for over 2 minutes, `WOODPECKER_RETRY_TIMEOUT`) leaves an offline record behind, one per restart.
   *
   * @default true
   */
  readonly persistAgentId?: boolean;
  /**
   * The size of the volume that keeps the agent's ID (`/etc/woodpecker/agent.conf`), so a restarted agent is the
   * same agent to the server instead of a new one beside a stale one (woodpecker-ci/helm#163). It holds nothing
   * else (`cmd/agent/core/config.go:27-29`), and goes with the agent's StatefulSet. Only with `persistAgentId`.
   *
   * @default "1Gi"
   */
  readonly configVolumeSize?: string;
  /**
   * The StorageClass of that volume. Only with `persistAgentId`. `""` binds only a PersistentVolume made beforehand without a class.
   *
   * @default - the cluster's default StorageClass
   */
  readonly configStorageClassName?: string;
  /**
   * The size of each workflow's workspace volume (`WOODPECKER_BACKEND_K8S_VOLUME_SIZE`).
   *
   * @default "10G", Woodpecker's default
   */
  readonly workspaceSize?: string;
  /**
   * The StorageClass of the workspace volumes (`WOODPECKER_BACKEND_K8S_STORAGE_CLASS`). Not `""`: Woodpecker
   * reads an empty class as unset.
   *
   * @default - the cluster's default StorageClass
   */
  readonly workspaceStorageClassName?: string;
  /**
   * Whether workspace volumes are ReadWriteMany (`WOODPECKER_BACKEND_K8S_STORAGE_RWX`, Woodpecker's default true).
   * Most managed clusters' default StorageClass offers only ReadWriteOnce, on which a ReadWriteMany claim stays
   * Pending; with ReadWriteOnce, steps that run in parallel on different nodes wait for the volume
   * (woodpecker-ci/woodpecker#3344). A `services:` pod mounts the workspace too, unless its
   * `backend_options.kubernetes.workspaceVolume` is false (woodpecker v3.17.0 `pipeline/backend/kubernetes/pod.go:393-411`),
   * and holds it until the workflow ends: a step the scheduler puts on another node then waits, without an error, until
   * the pipeline's timeout (woodpecker-ci/woodpecker#4795). Give services that need no workspace `workspaceVolume: false`.
   *
   * @default false
   */
  readonly workspaceReadWriteMany?: boolean;
  /**
   * Whether step pods run with `runAsNonRoot` (`WOODPECKER_BACKEND_K8S_SECCTX_NONROOT`): the kubelet then refuses
   * every image that runs as root, image builders such as kaniko included. It sets nothing else of the restricted
   * profile (`pipeline/backend/kubernetes/pod.go:580-648`). The clone step is such a pod too, so this needs the
   * server's `cloneImage` to run as a non-root user: with `woodpeckerci/plugin-git`, which runs as root, it is
   * refused.
   *
   * @default false
   */
  readonly runAsNonRoot?: boolean;
}

/** Props of a `WoodpeckerAgent`. */
export interface WoodpeckerAgentProps extends WoodpeckerAgentOptions {
  /** The server the agent takes pipelines from. */
  readonly server: IWoodpeckerServer;
  /** The build namespaces; the agent runs in their agents' namespace, as the ServiceAccount of its backend namespace. */
  readonly builds: WoodpeckerBuildNamespaces;
  /**
   * The name of the StatefulSet and related objects: at most 52 characters, since the StatefulSet controller labels
   * each pod `controller-revision-hash: <name>-<hash of up to 10 characters>` and label values are at most 63.
   *
   * @default "woodpecker-agent"
   */
  readonly name?: string;
  /**
   * The namespace the agent runs pipelines in (`WOODPECKER_BACKEND_K8S_NAMESPACE`): one of the build namespaces.
   *
   * @default - the default build namespace
   */
  readonly backendNamespace?: string;
  /**
   * The agent's labels (`WOODPECKER_AGENT_LABELS`). The agent takes a pipeline only if each of the pipeline's labels
   * is among them with the same value or `*`, and each of them written `!key` is among the pipeline's with the same
   * value (`server/scheduler/filter.go:28-87`). The agent's own `repo` is `*` unless set here (`agent.go:234`).
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * How many workflows the agent runs at once (`WOODPECKER_MAX_WORKFLOWS`).
   *
   * @default 1, Woodpecker's default
   */
  readonly maxWorkflows?: number;
  /**
   * Image pull secrets, in the backend namespace, that every step pod of the agent lists
   * (`WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES`); more can be added with `addPullSecretName`.
   *
   * @default - none
   */
  readonly pullSecretNames?: readonly string[];
  /**
   * Let steps read Kubernetes Secrets of the backend namespace by name (`WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS`):
   * every pipeline the agent takes can then read every Secret there.
   *
   * @default false
   */
  readonly allowNativeSecrets?: boolean;
  /**
   * Let steps pick the ServiceAccount their pod runs as (`WOODPECKER_BACKEND_K8S_SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP`):
   * any ServiceAccount of the backend namespace.
   *
   * @default false
   */
  readonly serviceAccountNameAllowFromStep?: boolean;
}

const HEALTH_PORT = 3000;

/**
 * The clone plugin's repository: every tag of it runs as root, as its image sets no user (woodpecker-ci/plugin-git
 * 2.9.2 `docker/Dockerfile.multiarch`, and no tag before it sets one either).
 */
const ROOT_CLONE_REPOSITORY = 'woodpeckerci/plugin-git';

/**
 * Refuse `runAsNonRoot` where the server clones with `woodpeckerci/plugin-git`. Every step pod then gets
 * `runAsNonRoot: true`, the default clone step's too, which sets no user of its own (woodpecker v3.17.0
 * `pipeline/frontend/yaml/compiler/compiler.go:153-168` gives it no `backend_options`;
 * `pipeline/backend/kubernetes/pod.go:595-597` sets the flag on every pod). The kubelet refuses to start the clone
 * container (CreateContainerConfigError, "image will run as root"), which the backend does not watch for: `WaitStep`
 * ends only on ImagePullBackOff, InvalidImageName, a finished pod or a deleted one (`kubernetes.go:300-333`), so
 * every pipeline waits on its clone step, without an error, until its timeout.
 */
function checkRunAsNonRoot(server: IWoodpeckerServer): void {
  const clone = server instanceof WoodpeckerServer ? server.cloneImage : undefined;
  if (clone !== undefined && clone.repository === ROOT_CLONE_REPOSITORY) {
    invalid('runAsNonRoot', true, `must be false while the server clones with ${clone.reference}, which runs as root: the kubelet ` +
      'would refuse every clone step, and each pipeline would wait on it until its timeout; give the server a cloneImage that runs as a ' +
      'non-root user first');
  }
}

const CONFIG_DIR = '/etc/woodpecker';

/**
 * `persistAgentId`, refusing the config volume's settings without it: they would size a volume that is never made.
 */
function checkPersistAgentId(props: WoodpeckerAgentOptions): boolean {
  const persist = checkBoolean('persistAgentId', props.persistAgentId ?? true);
  if (!persist) {
    for (const prop of ['configVolumeSize', 'configStorageClassName'] as const) {
      if (props[prop] !== undefined) {
        invalid(prop, props[prop], 'must be left unset with persistAgentId false: the agent then keeps no volume');
      }
    }
  }
  return persist;
}

/**
 * A Woodpecker agent with the Kubernetes backend: it takes pipelines from the server over gRPC and runs each step as a
 * pod in its backend namespace, as the ServiceAccount that `WoodpeckerBuildNamespaces` binds to exactly the calls the
 * backend makes there.
 *
 * A StatefulSet of one, whose small volume keeps the agent's ID across restarts and is deleted with it (none with
 * `persistAgentId: false`). It runs as UID/GID 1000 (the image has no user of its own and needs only its config
 * directory writable), with a read-only root. Its NetworkPolicy admits nothing in; it reaches the server's gRPC port, which admits it, and the Kubernetes
 * API.
 */
export class WoodpeckerAgent extends Construct {
  /** The default image. */
  public static readonly IMAGE = Image.of('docker.io/woodpeckerci/woodpecker-agent:v3.17.0');
  /** The default permission-init image: busybox pinned, instead of Woodpecker's moving `busybox:stable-musl`. */
  public static readonly PERMISSION_INIT_IMAGE = Image.of('docker.io/library/busybox:1.37.0-musl');
  /**
   * The pod label that names the server an agent serves (a digest of its gRPC address), by which the server's
   * NetworkPolicy admits its own agents, and no other engine's in the same namespace.
   */
  public static readonly SERVER_LABEL = 'dockyard.dev/woodpecker-server';

  /** The StatefulSet's name. */
  public readonly name: string;
  /** The namespace the agent runs in. */
  public readonly namespace: string;
  /** The namespace its pipelines run in. */
  public readonly backendNamespace: string;
  /** The agent's labels, as given. */
  public readonly labels: Readonly<Record<string, string>>;
  /** The agent's pods, as a NetworkPolicy peer. */
  public readonly peer: NetworkPeer;
  /** The image of the init container of its steps (`WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE`), before relocation. */
  public readonly permissionInitImage: Image;

  private readonly env: EnvVars;
  private readonly pullSecretNames = new Set<string>();
  private nativeSecrets: boolean;
  private rendered = false;

  public constructor(scope: Construct, id: string, props: WoodpeckerAgentProps) {
    super(scope, id);
    // a refusal names the agent (`constructRefusal`): a stack may hold several, the pool's and one per route
    try {
      checkRequiredObject('server', props.server, 'must be the WoodpeckerServer the agent takes pipelines from');
      checkRequiredObject('builds', props.builds, 'must be the WoodpeckerBuildNamespaces the agent runs pipelines in', WoodpeckerBuildNamespaces);
      const image = props.image ?? WoodpeckerAgent.IMAGE;
      const initImage = props.permissionInitImage ?? WoodpeckerAgent.PERMISSION_INIT_IMAGE;
      this.permissionInitImage = initImage;
      const builds = props.builds;
      const { name, namespace, labels, selector, peer } = placement(this, {
        app: 'woodpecker', component: 'agent', name: props.name, defaultName: 'woodpecker-agent', namespace: builds.namespace,
        version: image.tag,
      });
      // checked before anything else is defined (statefulSet() below checks it again, as it does for every StatefulSet)
      this.name = checkStatefulSetName('name', name);
      this.namespace = namespace;
      this.peer = peer;
      this.backendNamespace = props.backendNamespace ?? builds.buildNamespace;
      // a team's build namespace is one of the build namespaces, but only the team's route agents (made before the team
      // claims it) may run pipelines there: another agent would run other repositories' pipelines beside its Secrets
      checkNotOwnedNamespace(this, 'backendNamespace', this.backendNamespace);
      const account = builds.serviceAccountName(this.backendNamespace);
      this.labels = { ...props.labels };
      (props.pullSecretNames ?? []).forEach((n) => this.addPullSecretName(n));
      this.nativeSecrets = props.allowNativeSecrets ?? false;

      const env = new EnvVars(namespace);
      this.env = env;
      // cmd/agent/core/flags.go:27-32 (default localhost:9000) and :33-43
      env.value('WOODPECKER_SERVER', props.server.grpcAddress);
      env.secret('WOODPECKER_AGENT_SECRET', props.server.agentSecret);
      // flags.go:122-127: "auto-detect" otherwise
      env.value('WOODPECKER_BACKEND', 'kubernetes');
      env.value('WOODPECKER_MAX_WORKFLOWS', String(checkInteger('maxWorkflows', props.maxWorkflows ?? 1, 1, 1000)));
      // flags.go:99-110: the health endpoint's defaults, pinned to the probed port
      env.value('WOODPECKER_HEALTHCHECK_ADDR', `:${HEALTH_PORT}`);
      const persistId = checkPersistAgentId(props);
      // flags.go:72-77: the agent's ID, kept on the volume (cmd/agent/core/config.go:33-80); set empty, the agent
      // neither reads nor writes it and unregisters when it stops (agent.go:130,201-227; the default would be
      // /etc/woodpecker/agent.conf, which it would fail to write on the read-only root at every start)
      env.value('WOODPECKER_AGENT_CONFIG_FILE', persistId ? `${CONFIG_DIR}/agent.conf` : '');
      if (Object.keys(this.labels).length > 0) {
        env.value('WOODPECKER_AGENT_LABELS', renderAgentLabels(this.labels));
      }
      // pipeline/backend/kubernetes/flags.go:22-27
      env.value('WOODPECKER_BACKEND_K8S_NAMESPACE', this.backendNamespace);
      const workspaceSize = props.workspaceSize ?? '10G';
      checkPositiveQuantity('workspaceSize', workspaceSize);
      // flags.go:34-51; volume.go:28-64 parses the size with resource.MustParse, which would panic on a bad one
      env.value('WOODPECKER_BACKEND_K8S_VOLUME_SIZE', workspaceSize);
      if (props.workspaceStorageClassName !== undefined) {
        // not "" as on a claim of Dockyard's (checkStorageClassName): Woodpecker reads an empty class as none given and
        // leaves the claim's storageClassName out (v3.17.0 pipeline/backend/kubernetes/volume.go:28-32), so the default
        // StorageClass would provision each workspace, not a PersistentVolume made beforehand without a class
        if (props.workspaceStorageClassName === '') {
          invalid('workspaceStorageClassName', '', 'must be a StorageClass name: Woodpecker takes "" for the cluster\'s default ' +
            'StorageClass, not for no class; leave it unset for the default');
        }
        env.value('WOODPECKER_BACKEND_K8S_STORAGE_CLASS', checkDnsSubdomain('workspaceStorageClassName', props.workspaceStorageClassName));
      }
      env.value('WOODPECKER_BACKEND_K8S_STORAGE_RWX', String(props.workspaceReadWriteMany ?? false));
      // flags.go:88-93: on by default, which lets any pipeline tolerate any taint (pod.go:204-209), e.g. onto nodes
      // kept for the platform; labels, annotations, node selectors and affinity stay off by default (:58-111)
      env.value('WOODPECKER_BACKEND_K8S_POD_TOLERATIONS_ALLOW_FROM_STEP', 'false');
      if (props.server instanceof WoodpeckerServer) {
        checkAgentServerVersions(this, image, props.server.image);
      }
      if (props.runAsNonRoot) {
        checkRunAsNonRoot(props.server);
        env.value('WOODPECKER_BACKEND_K8S_SECCTX_NONROOT', 'true');
      }
      // flags.go:149-154; the init container is pulled Always (pod.go:322-326), so it must be reachable
      env.image('WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE', this, initImage);
      if (props.serviceAccountNameAllowFromStep) {
        // flags.go:131-136; pod.go:199-202
        env.value('WOODPECKER_BACKEND_K8S_SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP', 'true');
      }
      // what is added later (pull secrets, native secrets) is rendered once the tree is complete: validations run
      // before any object is resolved (DockyardChart.toJson, cdk8s App._synthChart)
      this.node.addValidation({ validate: () => { this.renderLate(); return []; } });

      const configSize = props.configVolumeSize ?? '1Gi';
      if (persistId) {
        checkPositiveQuantity('configVolumeSize', configSize);
      }
      // the pods also say which server they serve, for its NetworkPolicy to admit its own agents by one rule (a pod
      // label, not a selector's: a StatefulSet's selector cannot change)
      const serverLabel = { [WoodpeckerAgent.SERVER_LABEL]: sha256(props.server.grpcAddress).slice(0, 16) };
      statefulSet(this, 'Resource', {
        name, namespace, labels: { ...labels, ...serverLabel }, selector,
        // the image the step pods run, for image lists and mirroring
        annotations: Images.annotation(this, [initImage]),
        serviceName: name,
        claims: persistId ? { config: { size: configSize, storageClassName: checkStorageClassName('configStorageClassName', props.configStorageClassName) } } : {},
        // the volume holds only the agent's ID (cmd/agent/core/config.go:27-29), which means nothing once the agent is
        // gone: a route change that renames or drops an agent leaves no claim behind (the server keeps its record, as
        // it does of every agent that keeps its ID, cmd/agent/core/agent.go:200-227: README, "Woodpecker's agents on
        // day two")
        deleteClaimsWithStatefulSet: persistId,
        serviceAccountName: account,
        automountToken: true,
        terminationGracePeriodSeconds: checkInteger('gracePeriodSec', props.gracePeriodSec ?? 60, 0),
        // the image sets no user (docker/Dockerfile.agent.multiarch); the volume is the group's through fsGroup
        runAs: { user: 1000, group: 1000 },
        containers: [{
          name: 'agent',
          image,
          ports: { http: HEALTH_PORT },
          env,
          // without the volume the agent writes nothing, so the root stays read-only. Not an emptyDir for agent.conf:
          // an ID it manages to write counts as persisted, and it would then skip unregistering (agent.go:207,223-227),
          // leaving a record at every pod replacement
          mounts: persistId ? [{ volume: 'config', path: CONFIG_DIR }] : undefined,
          // cmd/agent/core/health.go:35-47: 200 unless a workflow overran its timeout by an hour (agent/state.go:62-73)
          probes: probesOf(httpGet('/healthz', 'http'), 60),
          resources: props.resources ?? Resources.of({ cpuRequest: '20m', cpuLimit: '500m', memoryRequest: '48Mi', memoryLimit: '256Mi' }),
          goMemoryLimit: true,
        }],
      });
      // the StatefulSet's governing Service, headless and without ports: the agent serves nothing but its health check
      // (the API's field is clusterIP, which kube() renders as written; the generated type spells it clusterIp)
      kube(this, 'Service', 'Service', { metadata: { name, namespace, labels }, spec: { clusterIP: 'None', selector } as k8s.ServiceSpec });
      // the agent serves only its health check: admit nothing
      new PodFirewall(this, 'NetworkPolicy', { name, namespace, podLabels: selector });
      // the server's agents in this namespace by one rule, not one per agent: a platform with many routes has many
      // agents, and the server's NetworkPolicy must not grow with them (five rules a team passed the 256 KiB
      // client-side apply stores near 180 teams, and 1 MiB near 680)
      props.server.grantGrpc(NetworkPeer.pods(namespace, {
        'app.kubernetes.io/name': selector['app.kubernetes.io/name'], 'app.kubernetes.io/component': selector['app.kubernetes.io/component'], ...serverLabel,
      }));
    } catch (e) {
      throw constructRefusal('WoodpeckerAgent', this, e);
    }
  }

  /** Let every step pod of the agent pull with the Secret `name` of the backend namespace. */
  public addPullSecretName(name: string): void {
    this.checkOpen('pullSecretNames', name);
    checkDnsSubdomain('pullSecretNames', name);
    this.pullSecretNames.add(name);
  }

  /** The names of the pull secrets every step pod of the agent lists (`WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES`), sorted. */
  public get listedPullSecretNames(): readonly string[] {
    return [...this.pullSecretNames].sort();
  }

  /** Let the agent's steps read Kubernetes Secrets of its backend namespace (see `allowNativeSecrets`). */
  public allowNativeSecrets(): void {
    this.checkOpen('allowNativeSecrets', true);
    this.nativeSecrets = true;
  }

  /** Whether the agent's steps may read Kubernetes Secrets of its backend namespace. */
  public get nativeSecretsAllowed(): boolean {
    return this.nativeSecrets;
  }

  private checkOpen(prop: string, value: unknown): void {
    if (this.rendered) {
      invalid(prop, value, 'must be set before the chart is synthesized');
    }
  }

  private renderLate(): void {
    if (this.rendered) {
      return;
    }
    this.rendered = true;
    if (this.pullSecretNames.size > 0) {
      // pipeline/backend/kubernetes/flags.go:117-124, a list split on "," (urfave/cli v3.10.1 flag.go:231-240)
      this.env.value('WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES', [...checkUniqueList('pullSecretNames', [...this.pullSecretNames])].sort().join(','));
    }
    if (this.nativeSecrets) {
      // flags.go:125-130; secrets.go:52-96
      this.env.value('WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS', 'true');
    }
  }
}
