import { JsonPatch } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  checkDnsSubdomain, checkInteger, Image, invalid, NetworkPeer, Resources, Secret, SecretKey,
  SecretValue, withContext,
} from '../core';
import { deployment } from '../core/deployment';
import { EnvVars } from '../core/env';
import { PodFirewall } from '../core/network';
import { placement } from '../core/placement';
import { probesOf, tcpSocket } from '../core/pod';
import { NamespacedAccess, serviceAccount, serviceAccountSubject } from '../core/rbac';
import { clusterService, serviceHost } from '../core/service';
import { PipelineAccess } from '../ci/events';
import { refuseProvidedSecretNames } from '../ci/secret-names';
import { generatedSecretNamed } from '../core/checksum';
import { ACCESS_ANNOTATIONS, accessAnnotations } from './pipeline-secret';

/** A Drone secrets extension, as a runner sees it. */
export interface IDroneSecretsExtension extends IConstruct {
  /** The URL runners send secret requests to. */
  readonly endpoint: string;
  /** The key runners sign requests with (`DRONE_SECRET_PLUGIN_TOKEN`). */
  readonly token: SecretKey;
  /** Admit `peer`, a runner, to the extension. */
  grantAccess(peer: NetworkPeer): void;
}

/** Props of a `DroneSecretsExtension`. */
export interface DroneSecretsExtensionProps {
  /**
   * The name of the Deployment, Service and related objects.
   *
   * @default "drone-secrets"
   */
  readonly name?: string;
  /**
   * The namespace, which also holds the pipeline secrets. Keep app teams' RBAC out of it.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The extension image. Upstream publishes only the moving multi-arch `latest` and the per-architecture tags
   * `linux-amd64`, `linux-arm64` and `linux-arm`, all built from its final 2019 commit and never tagged
   * (drone/drone-kubernetes-secrets `docker/manifest.tmpl`, `.drone.yml`); pin a digest or a mirrored tag here for
   * production, and set `nodeSelector` to match its architecture.
   *
   * @default DroneSecretsExtension.IMAGE
   */
  readonly image?: Image;
  /**
   * The node selector of the extension's pod. The default image is amd64 only, so the default keeps the pod off
   * arm64 nodes, where it would fail with "exec format error".
   *
   * @default - `{ "kubernetes.io/arch": "amd64" }`, the architecture of DroneSecretsExtension.IMAGE
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Requests and limits.
   *
   * @default - 50m/32Mi requested, 200m/128Mi limit
   */
  readonly resources?: Resources;
  /**
   * The key runners sign requests with.
   *
   * @default - generated: 32 random hex characters
   */
  readonly token?: SecretKey;
  /**
   * How many extension pods serve the runners. A runner that cannot reach the extension runs the pipeline anyway, each
   * `from_secret` value and `image_pull_secrets` login empty: the plugin client returns the connection error or a
   * status above 299 (drone/drone-go v1.7.1 `plugin/internal/client/client.go:117-127,134-140`, no retry), runner-go
   * v1.12.0 `secret/external.go:65-69` passes it on, and drone-runner-kube v1.0.0-rc.5
   * `engine/compiler/compiler.go:772` drops it (`found, _ :=`) and sets the secret empty (`:522-530`). So with more
   * than one, the pods are spread over nodes, a PodDisruptionBudget lets a drain take one at a time, and a rollout
   * starts a new pod before it stops an old one (`maxUnavailable: 0`); each pod also keeps serving for a few seconds
   * once told to stop, as the extension exits at once on SIGTERM (drone-kubernetes-secrets
   * `cmd/drone-kubernetes-secrets/main.go:63-64`). Each replica costs its `resources` again. With 1, a rollout still
   * starts the new pod first, but builds that start while the pod is drained or restarts after a crash get their
   * secrets empty (and no PodDisruptionBudget is made: one for a single pod would block every drain).
   *
   * @default 2
   */
  readonly replicas?: number;
}

/** Props of `DroneSecretsExtension.addSecret`. */
export interface PipelineSecretProps extends PipelineAccess {
  /** The Secret's name: a pipeline's `get.path`. */
  readonly name: string;
  /** The keys (a pipeline's `get.name`) and their values, e.g. `SecretValue.copyOf(database.password)`. */
  readonly values: Readonly<Record<string, SecretValue>>;
}

const PORT = 3000;
/**
 * How long a stopping extension pod keeps serving (`drainSeconds`): a Service's endpoints drop a terminating pod while
 * its container is told to stop, and the extension stops at once, so a secret request may reach the closed port
 * meanwhile, and the runner then runs the step with the secret empty (see `replicas`).
 */
const DRAIN_SECONDS = 10;

/**
 * The Drone Kubernetes secrets extension (drone/kubernetes-secrets): runners fetch pipeline secrets from Kubernetes
 * Secrets in its namespace, so pipelines get credentials without app teams ever holding the raw values.
 *
 * Its Role grants `get` on only the Secrets declared with `addSecret` or `addExistingSecret`.
 */
export class DroneSecretsExtension extends Construct implements IDroneSecretsExtension {
  /** The default image: upstream's pinned amd64 build, as no multi-arch reference but the moving `latest` exists; see `image`. */
  public static readonly IMAGE = Image.of('docker.io/drone/kubernetes-secrets:linux-amd64');

  public readonly endpoint: string;
  public readonly token: SecretKey;
  /** The namespace holding the extension and its pipeline secrets. */
  public readonly namespace: string;

  private readonly secretNames: string[] = [];
  private readonly secretNameSet = new Set<string>();
  /** The names of the Secrets it generates (`addSecret`), not of those it only reads. */
  private readonly generatedNames: string[] = [];
  private readonly firewall: PodFirewall;

  public constructor(scope: Construct, id: string, props: DroneSecretsExtensionProps = {}) {
    super(scope, id);
    const image = props.image ?? DroneSecretsExtension.IMAGE;
    const { name, namespace, labels, selector } = placement(this, {
      app: 'drone', component: 'secrets-extension', name: props.name, defaultName: 'drone-secrets', namespace: props.namespace, version: image.tag,
    });
    this.namespace = namespace;
    this.endpoint = `http://${serviceHost(name, this.namespace)}:${PORT}`;
    this.token = props.token ?? new Secret(this, 'Token', {
      name: `${name}-token`, namespace: this.namespace, values: { token: SecretValue.hex(32) },
    }).key('token');

    const env = new EnvVars(this.namespace);
    env.secret('SECRET_KEY', this.token);
    env.value('KUBERNETES_NAMESPACE', this.namespace);
    env.value('SERVER_ADDRESS', `:${PORT}`);

    serviceAccount(this, 'ServiceAccount', { name, namespace: this.namespace, labels });
    new NamespacedAccess(this, 'Access', {
      name, namespace: this.namespace, labels,
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: this.secretNames }],
      subjects: [serviceAccountSubject({ name, namespace: this.namespace })],
    });
    const workload = deployment(this, 'Resource', {
      name, namespace: this.namespace, labels, selector,
      // a runner that finds no extension pod runs the step with its secrets empty (see `replicas`)
      replicas: checkInteger('replicas', props.replicas ?? 2, 1),
      surgeOnly: true,
      serviceAccountName: name,
      // it reads Secrets through the API; note it loads the token once at start-up
      automountToken: true,
      runAs: { user: 65532, group: 65532 },
      containers: [{
        name: 'extension',
        image,
        ports: { http: PORT },
        env,
        // every unsigned request gets 400 and there is no health route, so probe the socket
        probes: probesOf(tcpSocket('http'), 60),
        // the image is alpine's (docker/Dockerfile.linux.amd64), with busybox's sleep
        drainSeconds: DRAIN_SECONDS,
        resources: props.resources ?? Resources.of({ cpuRequest: '50m', cpuLimit: '200m', memoryRequest: '32Mi', memoryLimit: '128Mi' }),
      }],
    });
    const nodeSelector = props.nodeSelector ?? { 'kubernetes.io/arch': 'amd64' };
    if (Object.keys(nodeSelector).length > 0) {
      workload.addJsonPatch(JsonPatch.add('/spec/template/spec/nodeSelector', nodeSelector));
    }
    clusterService(this, 'Service', { name, namespace: this.namespace, labels, selector, ports: { http: PORT } });
    // a rule per runner (a team's own among them), in no order of the teams'
    this.firewall = new PodFirewall(this, 'NetworkPolicy', { name, namespace: this.namespace, podLabels: selector, sortIngress: true });
    // only the Secrets it generates: one added with addExistingSecret is the user's, and may well be listed as provided
    this.node.addValidation({ validate: () => {
      refuseProvidedSecretNames(this, this.namespace, this.generatedNames);
      this.refuseUnguardedExisting();
      return [];
    } });
  }

  /**
   * Define a pipeline secret: a generated Secret in the extension's namespace, readable only by the listed
   * repositories and events. A pipeline reads key `k` with `get: { path: <name>, name: k }`.
   */
  public addSecret(id: string, props: PipelineSecretProps): Secret {
    return withContext('secret', props.name, () => this._addSecret(id, props));
  }

  /**
   * `addSecret`, whose errors do not yet name the secret: for a caller that adds it as something else and names it
   * so, once (`DroneCi.addImagePullSecret`: `(pull secret "…")`, not `(secret "…") (pull secret "…")`).
   *
   * @internal
   */
  public _addSecret(id: string, props: PipelineSecretProps): Secret {
    const annotations = accessAnnotations(props);
    this.checkUnique(props.name);
    const secret = new Secret(this, id, { name: props.name, namespace: this.namespace, values: props.values, annotations });
    this.secretNames.push(secret.secretName);
    this.secretNameSet.add(secret.secretName);
    this.generatedNames.push(secret.secretName);
    return secret;
  }

  /**
   * Let the extension read an existing Secret in its namespace, e.g. one made by External Secrets. It must carry
   * its own `X-Drone-Repos` and `X-Drone-Events` annotations: without them the extension serves it to every
   * repository and every event, pull requests from forks included (drone/drone-kubernetes-secrets `plugin/match.go`
   * matches an empty annotation as everything, `plugin/util.go`). Dockyard cannot check a Secret it does not render;
   * one the stack generates there without both (a database's password, say) fails the synth: declare such a value
   * with `addSecret` and `SecretValue.copyOf` instead.
   */
  public addExistingSecret(secretName: string): void {
    withContext('secret', secretName, () => this.checkUnique(checkDnsSubdomain('secretName', secretName)));
    this.secretNames.push(secretName);
    this.secretNameSet.add(secretName);
  }

  /**
   * Check, changing nothing, that a Secret named `name` could be added (`addSecret`, `addExistingSecret`): throw the
   * one-line error they would throw for a name the extension reads already. A caller that adds a secret after other
   * things, and would have to undo them on a refusal (`DroneCi.checkAdditions` for `TeamPlatform.addTeam`), checks
   * the name before.
   *
   * @param pending names the caller adds before this one, refused as if the extension read them already
   *   `@default` - none
   */
  public checkSecret(name: string, pending?: ReadonlySet<string>): void {
    this.checkUnique(name, pending);
  }

  public grantAccess(peer: NetworkPeer): void {
    this.firewall.allow(peer, PORT);
  }

  /**
   * Refuse a Secret added with `addExistingSecret` that the stack itself generates in the extension's namespace
   * without both access annotations, e.g. a database's password: the extension would serve it to every repository or
   * every event, a fork's pull request included (drone-kubernetes-secrets `plugin/util.go:11-37` and
   * `plugin/match.go:13-15` match a missing or empty annotation as everything; `plugin/plugin.go:71-76` marks every
   * secret fit for pull requests and forks). Checked at synth, once every Secret of the app is defined.
   */
  private refuseUnguardedExisting(): void {
    const generated = new Set(this.generatedNames);
    for (const name of this.secretNames.filter((n) => !generated.has(n))) {
      const secret = generatedSecretNamed(this, name, this.namespace);
      // the extension finds each by its key in any case, and reads an empty value as none
      const set = Object.entries(secret?.annotations ?? {}).filter(([, v]) => v !== '').map(([k]) => k.toLowerCase());
      const missing = ACCESS_ANNOTATIONS.filter((a) => !set.includes(a.toLowerCase()));
      if (secret !== undefined && missing.length > 0) {
        const every = missing.map((a) => (a === ACCESS_ANNOTATIONS[0] ? 'repository' : 'event')).join(' and ');
        withContext('secret', name, () => invalid('secretName', name, `must not be a Secret the stack generates without ${missing.join(' and ')} ` +
          `(${secret.node.path}): the extension serves such a Secret to every ${every}; declare a pipeline secret with addSecret instead, ` +
          'its values SecretValue.copyOf the generated ones'));
      }
    }
  }

  private checkUnique(secretName: string, pending?: ReadonlySet<string>): void {
    if (this.secretNameSet.has(secretName) || pending?.has(secretName)) {
      invalid('name', secretName, 'must be unique among the pipeline secrets of this extension');
    }
  }
}
