import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import { choosesPullSecrets } from './chosen-pull-secrets';
import { escapeEnvLiteral, EnvVars } from './env';
import { GOMEMLIMIT, goMemoryLimit } from './go-memory-limit';
import { Image, Images } from './image';
import { intOrString, quantity } from './k8s';
import type { k8s } from './k8s';
import { Resources } from './resources';
import { containerSecurityContext, podSecurityContext, RunAs } from './security';
import { invalid } from './validation';

/** Liveness, readiness and optional startup probes of a container. */
export interface Probes {
  // an exec handler's command is literal, like a container's: Kubernetes expands it too, and podTemplate escapes it
  readonly startup?: k8s.Probe;
  readonly liveness: k8s.Probe;
  readonly readiness: k8s.Probe;
}

/**
 * Startup, liveness and readiness probes, with timings that suit a server that may take a while to start.
 *
 * `handler` answers "is the process alive" for the startup and liveness probes; `ready`, "can it serve now" for the
 * readiness probe. They differ where a live server cannot serve for a while: a liveness probe that fails while a
 * downstream is down or while the server loads its data restarts a pod a restart cannot help (and, for data loaded
 * at start, makes it load again, forever).
 *
 * @param startupSeconds how long a start may take before the kubelet kills the container: everything the program does
 *   before it answers `handler` (database migrations, for a server that runs them before it listens)
 * @param ready the readiness handler; defaults to `handler`
 */
export function probesOf(handler: ProbeHandler, startupSeconds = 150, ready: ProbeHandler = handler): Probes {
  return {
    startup: { ...handler, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: Math.ceil(startupSeconds / 5) },
    liveness: { ...handler, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
    readiness: { ...ready, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
  };
}

/** What a probe runs: an HTTP GET, a TCP connect or a command. */
export type ProbeHandler = Pick<k8s.Probe, 'httpGet' | 'tcpSocket' | 'exec'>;

/** An HTTP GET probe handler on a named container port. */
export function httpGet(path: string, port: string): Pick<k8s.Probe, 'httpGet'> {
  return { httpGet: { path, port: intOrString(port) } };
}

/** A TCP connect probe handler on a named container port. */
export function tcpSocket(port: string): Pick<k8s.Probe, 'tcpSocket'> {
  return { tcpSocket: { port: intOrString(port) } };
}

/** A mount of a pod volume into a container. */
export interface Mount {
  readonly volume: string;
  readonly path: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
}

/** What a hardened container is built from. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: Image;
  /** Literal: every `$` is escaped, so Kubernetes' `$(NAME)` expansion never applies (see `escapeEnvLiteral`). */
  readonly command?: string[];
  /** Literal, like `command`. */
  readonly args?: string[];
  /** Container ports by name. */
  readonly ports?: Record<string, number>;
  readonly env?: EnvVars;
  readonly mounts?: Mount[];
  /** Required for long-running containers; init containers have none. */
  readonly probes?: Probes;
  readonly resources: Resources;
  /**
   * The container runs one Go program built with Go 1.19 or later: `podTemplate` sets its `GOMEMLIMIT` to 90% of
   * the memory limit (`goMemoryLimit`), so its GC collects before the kernel kills it. Not for an image built with
   * an older Go, which ignores the variable, nor for one whose program starts other Go programs, which would each
   * take the whole share.
   *
   * @default false
   */
  readonly goMemoryLimit?: boolean;
  /** Only for images that cannot run with a read-only root filesystem. */
  readonly writableRootFilesystem?: boolean;
  /**
   * Seconds a stopping container keeps serving before it gets SIGTERM: a preStop hook runs `sleep` (which the image
   * must hold), for a server that exits at once on SIGTERM while Services may still send it new connections. The
   * kubelet stops the container and the EndpointSlice controller drops the pod at the same time (Kubernetes docs,
   * "Pod Lifecycle", Termination of Pods), so without the wait a client's connection may reach a closed port.
   * Counts against the pod's termination grace period (30 s unless set).
   *
   * @default - no preStop hook
   */
  readonly drainSeconds?: number;
}

/** What a hardened pod is built from. */
export interface PodSpec {
  /** The pod's namespace, where its image pull secrets must live. */
  readonly namespace: string;
  readonly runAs: RunAs;
  readonly containers: ContainerSpec[];
  readonly initContainers?: ContainerSpec[];
  readonly volumes?: k8s.Volume[];
  /** @default - the namespace's `default` ServiceAccount, without a token */
  readonly serviceAccountName?: string;
  /** Mount an API token: only for pods that talk to the Kubernetes API. */
  readonly automountToken?: boolean;
  readonly terminationGracePeriodSeconds?: number;
  /** Spread replicas over nodes: the labels that select this workload's pods. */
  readonly spreadSelector?: Record<string, string>;
}

/**
 * A pod template that passes Pod Security "restricted": non-root, no privilege escalation, all capabilities
 * dropped, RuntimeDefault seccomp, read-only root filesystem unless the image needs otherwise, requests and limits.
 */
export function podTemplate(scope: IConstruct, labels: Record<string, string>, spec: PodSpec): k8s.PodTemplateSpec {
  return {
    metadata: { labels },
    spec: {
      serviceAccountName: spec.serviceAccountName,
      automountServiceAccountToken: spec.automountToken ?? false,
      // service links would inject variables such as DRONE_SERVER_PORT that some images misread as config
      enableServiceLinks: false,
      securityContext: podSecurityContext(spec.runAs),
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
      initContainers: spec.initContainers?.map((c) => container(scope, c)),
      containers: spec.containers.map((c) => container(scope, c)),
      volumes: spec.volumes,
      // marked, so the pull check can tell its pods (whose pull secrets an app-wide one reaches) from a user's
      imagePullSecrets: choosesPullSecrets(Lazy.any({ produce: () => imagePullSecrets(scope, spec) })),
      topologySpreadConstraints: spec.spreadSelector && [{
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        // prefer spreading, but never leave a replica pending on a small cluster
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: spec.spreadSelector },
      }],
    },
  };
}

/** The pull secrets the pod's images need, copied into its namespace; undefined when none. */
function imagePullSecrets(scope: IConstruct, spec: PodSpec): k8s.LocalObjectReference[] | undefined {
  // per registry, the pull secret that applies in the pod's namespace (Images.pullSecretsFor copies it there)
  const images = [...(spec.initContainers ?? []), ...spec.containers].map((c) => Images.resolve(scope, c.image));
  const secrets = Images.pullSecretsFor(scope, spec.namespace, images);
  return secrets.length > 0 ? secrets.map((s) => ({ name: s.secretName })) : undefined;
}

function container(scope: IConstruct, spec: ContainerSpec): k8s.Container {
  return {
    name: spec.name,
    image: Lazy.any({ produce: () => Images.resolve(scope, spec.image).reference }),
    imagePullPolicy: 'IfNotPresent',
    // Kubernetes expands $(NAME) in these and in exec probes, as in env values: they are literal
    command: spec.command?.map(escapeEnvLiteral),
    args: spec.args?.map(escapeEnvLiteral),
    ports: spec.ports && Object.entries(spec.ports).map(([name, containerPort]) => ({ name, containerPort, protocol: 'TCP' })),
    // rendered at synth time: clients may add variables after the workload is defined
    env: (spec.env || spec.goMemoryLimit) && Lazy.any({ produce: () => containerEnv(spec) }),
    volumeMounts: spec.mounts?.map((m) => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly, subPath: m.subPath })),
    startupProbe: literalProbe(spec.probes?.startup),
    livenessProbe: literalProbe(spec.probes?.liveness),
    readinessProbe: literalProbe(spec.probes?.readiness),
    resources: spec.resources._toKube(),
    securityContext: containerSecurityContext(!spec.writableRootFilesystem),
    lifecycle: spec.drainSeconds === undefined ? undefined : { preStop: { exec: { command: ['sleep', String(spec.drainSeconds)] } } },
  };
}

/** The container's variables, and last its `GOMEMLIMIT` if it runs a Go program. */
function containerEnv(spec: ContainerSpec): k8s.EnvVar[] {
  const env = spec.env?._toKube() ?? [];
  if (!spec.goMemoryLimit) {
    return env;
  }
  if (spec.env?.has(GOMEMLIMIT)) {
    invalid('env name', GOMEMLIMIT, `must be left to Dockyard in container ${spec.name}, which sets it from the memory limit`);
  }
  return [...env, { name: GOMEMLIMIT, value: goMemoryLimit(spec.resources.memoryLimit) }];
}

/** `probe` with its exec command escaped, since the kubelet expands it like a container's command. */
function literalProbe(probe: k8s.Probe | undefined): k8s.Probe | undefined {
  return probe?.exec?.command ? { ...probe, exec: { ...probe.exec, command: probe.exec.command.map(escapeEnvLiteral) } } : probe;
}

/** An emptyDir volume for a writable path under a read-only root filesystem. */
export function emptyDir(name: string, sizeLimit = '64Mi'): k8s.Volume {
  return { name, emptyDir: { sizeLimit: quantity(sizeLimit) } };
}

/**
 * A tmpfs emptyDir (`medium: Memory`) of at most `sizeLimit`, for `/dev/shm`. What is written there is charged to
 * the writing container's memory, like its heap (Kubernetes docs, Volumes, emptyDir: "files you write count against
 * your container's memory limit"), so its size must fit within that limit.
 */
export function memoryEmptyDir(name: string, sizeLimit: string): k8s.Volume {
  return { name, emptyDir: { medium: 'Memory', sizeLimit: quantity(sizeLimit) } };
}
