import { Construct, IConstruct } from 'constructs';
import {
  checkDnsLabel, checkDnsSubdomain, checkList, checkListOf, DefaultServiceAccount, describeValue, Images, invalid, namespaceOf, Secret, SecretKey,
  SecretValue, withContext,
} from '../core';
import { requireValue } from '../core/value-rules';
import { warnOnce } from '../core/warn';
import { DOCKER_HUB_KEY, RegistryCredential } from './credential';
import { dockerHubMirrors } from './docker-hub-mirrors';
import { USER_NAME, USER_NAME_RULE } from './user-name';

/** The Secret's name of a `PullSecret` by default. */
const DEFAULT_NAME = 'registry-credentials';

/** Props of a `PullSecret`. */
export interface PullSecretProps {
  /** The registries and their credentials, merged into one `.dockerconfigjson`. */
  readonly credentials: readonly RegistryCredential[];
  /**
   * The Secret's name in every namespace.
   *
   * @default "registry-credentials"
   */
  readonly name?: string;
  /**
   * The namespace the Secret is defined in. It is rendered there even if no pod there pulls from its registries.
   *
   * @default - the chart's namespace for an app-wide pull secret; the first of `namespaces` for one that is not
   */
  readonly namespace?: string;
  /**
   * Namespaces where this is the pull secret of its registries: their `default` ServiceAccount pulls with it, so
   * every pod there can pull from the registries, and a Dockyard pod there that pulls from one of them gets it
   * rather than the registry's app-wide pull secret. Another pull secret for one of the same registries may not be
   * listed in the same namespace. Dockyard's own workloads need not be listed: the app-wide pull secret reaches
   * them wherever they run.
   *
   * @default - none
   */
  readonly namespaces?: readonly string[];
  /**
   * Whether this is the app-wide pull secret of its registries: a Dockyard pod pulling from one of them, in a
   * namespace where no pull secret for that registry is listed, gets it. At most one pull secret per registry may
   * be app-wide; set `false` for a team's own login, which then applies only in the namespaces it lists.
   *
   * @default true
   */
  readonly appWide?: boolean;
}

/**
 * A `kubernetes.io/dockerconfigjson` Secret for one or more registries, copied into every namespace that needs it.
 *
 * Each entry has the `auth` kubelet reads (base64 of `user:password`); hosts are normalised and Docker Hub is keyed
 * as `https://index.docker.io/v1/`.
 *
 * **Which pull secret applies where.** Per registry and namespace, at most one pull secret applies: the one that
 * lists the namespace (`namespaces`, `addNamespace`), else the registry's app-wide one (`appWide`, the default),
 * else none. So each team can have its own robot login for the same Harbor in its own namespaces, while the
 * platform's app-wide login serves every other namespace. Two pull secrets that would both apply to one registry
 * in one namespace are refused: a kubelet tries every login that matches an image, in turn, until a pull succeeds
 * (kubernetes v1.35.0 pkg/credentialprovider/keyring.go `Lookup`, every matching key's logins, the pod's pull secrets
 * merged; pkg/kubelet/kuberuntime/kuberuntime_image.go `PullImage`, one pull per login), so a pod could silently pull
 * with another team's login.
 *
 * **Which pods get it.** A Dockyard pod gets, per registry its images come from (for example after
 * `Images.relocate`), the pull secret that applies there, copied into its namespace; a pod that pulls from none of
 * a pull secret's registries never gets it, so no Secret reaches a namespace only because it also holds a login
 * the namespace's pods need. A pull secret that covers several registries is copied whole, with every login it
 * holds: give a login its own PullSecret to keep it out of the namespaces that pull only from the others. So a
 * pod is refused at synth when a pull secret it gets also holds a login for a registry where another pull secret
 * applies in its namespace (an app-wide Secret with Harbor's and a mirror's logins, in a namespace that lists a
 * team's own Harbor login): the namespace would hold two logins for that registry, one of them not its own.
 * Namespaces listed in `namespaces` get the Secret on their `default` ServiceAccount, which Kubernetes hands to
 * every pod there that names no pull secret of its own (plugin/pkg/admission/serviceaccount/admission.go).
 */
export class PullSecret extends Construct {
  /** The Secret. */
  public readonly secret: Secret;
  /** The `.dockerconfigjson` key, e.g. for a Drone pipeline secret. */
  public readonly dockerConfig: SecretKey;
  /** The registries it covers, as keyed in the document. */
  public readonly registries: readonly string[];
  /** Whether it is the app-wide pull secret of its registries. */
  public readonly appWide: boolean;
  private readonly listed = new Set<string>();

  public constructor(scope: Construct, id: string, props: PullSecretProps) {
    super(scope, id);
    const checked = checkPullSecret(this, props);
    this.registries = checked.registries;
    this.appWide = checked.appWide;
    this.secret = asPullSecret(checked.namespace, checked.name, () => {
      const secret = new Secret(this, 'Resource', {
        name: checked.name,
        namespace: checked.namespace,
        type: 'kubernetes.io/dockerconfigjson',
        values: {
          '.dockerconfigjson': SecretValue.dockerConfigJson(props.credentials.map((c) => ({
            registry: c.registry, username: c.username, usernameFrom: c.usernameFrom, password: c.password,
          }))),
        },
      });
      Images.usePullSecret(this, checked.registries, secret, { appWide: checked.appWide });
      return secret;
    });
    this.dockerConfig = this.secret.key('.dockerconfigjson');
    // a user name given as a key (DOCR's token) is checked as a plain one is, once its value is known: in `auth` a ":"
    // in it would move the rest into the password, and the pull would fail only at the kubelet
    for (const c of props.credentials) {
      if (c.usernameFrom !== undefined) {
        requireValue(this, c.usernameFrom, 'the kubelet, which splits a pull secret\'s auth at its first ":",',
          { fits: (v) => USER_NAME.test(v), allowed: USER_NAME_RULE });
      }
    }
    checked.namespaces.forEach((ns) => this.addNamespace(ns));
    if (this.registries.includes(DOCKER_HUB_KEY)) {
      this.node.addValidation({ validate: () => { this.warnOfDockerHubMirror(); return []; } });
    }
  }

  /**
   * Warn when this holds a Docker Hub login, is listed in namespaces, and the app's nodes mirror `docker.io`
   * (`NodeMirrorFiles`): the kubelet picks a pod's pull secrets by the registry the image names, `docker.io`, and
   * hands the Docker Hub login to containerd, which sends it to the mirror host instead of the nodes' login; the
   * mirror refuses it and the pull falls back to Docker Hub, skipping the proxy cache (README, "Node mirrors"; containerd
   * v2.3.4 internal/cri/server/images/image_pull.go:105-114 uses the node's login only for a pull without one).
   */
  private warnOfDockerHubMirror(): void {
    const [mirror] = dockerHubMirrors(this);
    const namespaces = this.namespaces;
    if (mirror === undefined || namespaces.length === 0) {
      return;
    }
    const name = describeValue(`${this.secret.namespace}/${this.secret.secretName}`);
    warnOnce(this, `pull secret ${name} holds a Docker Hub login and is listed in namespace${namespaces.length > 1 ? 's' : ''} ` +
      `${namespaces.map((n) => describeValue(n)).join(', ')}, while nodes mirror docker.io through ${mirror.endpoint} (NodeMirrorFiles ` +
      `${describeValue(mirror.files.node.path)}): the kubelet sends that login to the mirror host instead of the nodes' login, and the pull ` +
      'falls back to Docker Hub, skipping the proxy cache; leave the Docker Hub login (RegistryCredential.dockerHub) out of pull secrets listed in ' +
      'namespaces whose nodes mirror Docker Hub');
  }

  /** The namespaces it is listed in, in name order. */
  public get namespaces(): string[] {
    return [...this.listed].sort();
  }

  /**
   * List `namespace`: copy the Secret there, make it the pull secret of the namespace's `default` ServiceAccount,
   * and the pull secret of its registries for Dockyard pods there, ahead of the app-wide one. Fails if another
   * pull secret for one of its registries, or another of its name, is listed there.
   */
  public addNamespace(namespace: string): void {
    asPullSecret(this.secret.namespace, this.secret.secretName, () => {
      checkDnsLabel('namespaces', namespace);
      Images.usePullSecretIn(this, this.secret, namespace);
    });
    this.listed.add(namespace);
    this.secret.shareWith(namespace);
    DefaultServiceAccount.of(this, namespace).addImagePullSecret(this.secret.secretName);
  }
}

/** The settings of a `PullSecret`, checked and defaulted. */
interface CheckedPullSecret {
  /** The Secret's name. */
  readonly name: string;
  /** The namespace the Secret is defined in. */
  readonly namespace: string;
  /** The registries, as keyed in the document. */
  readonly registries: string[];
  readonly appWide: boolean;
  /** The namespaces to list: a list, whose each namespace `addNamespace` checks. */
  readonly namespaces: readonly string[];
}

/**
 * `props` checked, with their defaults. Errors name the pull secret by its namespace and name (`asPullSecret`); one
 * about where the Secret is defined, by its name alone.
 */
function checkPullSecret(scope: IConstruct, props: PullSecretProps): CheckedPullSecret {
  const name = props.name ?? DEFAULT_NAME;
  const appWide = props.appWide ?? true;
  const namespaces = props.namespaces ?? [];
  const namespace = asPullSecret(undefined, name, () => {
    checkList('namespaces', namespaces);
    if (!appWide && props.namespace === undefined && namespaces.length === 0) {
      invalid('namespaces', namespaces, 'must name at least one namespace when appWide is false, for such a pull secret applies only ' +
        'in the namespaces it lists (or set namespace, and list them later with addNamespace)');
    }
    // a team's login lives in the team's namespace, not in the chart's, whose pods may never use it
    return namespaceOf(scope, props.namespace ?? (appWide ? undefined : checkDnsLabel('namespaces', namespaces[0])));
  });
  return asPullSecret(namespace, name, () => {
    checkDnsSubdomain('name', name);
    // made by its factories, which normalise the registry and check the user name
    const credentials = checkListOf('credentials', props.credentials, 'RegistryCredentials',
      'must hold RegistryCredentials, e.g. RegistryCredential.basic({ registry, username, password })', RegistryCredential);
    if (credentials.length === 0) {
      invalid('credentials', props.credentials, 'must name at least one registry');
    }
    const registries = props.credentials.map((c) => c.registry);
    const repeated = registries.find((r, i) => registries.indexOf(r) !== i);
    if (repeated) {
      invalid('credentials', repeated, 'must name each registry once: a .dockerconfigjson holds one login per registry');
    }
    return { name, namespace, registries, appWide, namespaces };
  });
}

/**
 * Run `check`, its errors naming the pull secret as `pull secret "<namespace>/<name>"`, as its Secret is named in
 * every other message: a platform has one per team, and two in different namespaces may share a name. Without a
 * namespace, not yet known, by its name alone.
 */
function asPullSecret<T>(namespace: string | undefined, name: string, check: () => T): T {
  return withContext('pull secret', namespace === undefined ? name : `${namespace}/${name}`, check);
}
