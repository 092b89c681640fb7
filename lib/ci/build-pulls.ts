import { IConstruct } from 'constructs';
import { describeValue, Image, Images, invalid, ISecret, registryHost } from '../core';
import { PrivateProject, PullAccess, PullVerdict, UserAccounts, userAccounts } from '../core/pull-access';
import { deniedLogins, noLogin, pullGrant } from '../core/pull-refusal';

/** An image an engine makes its build pods pull, whatever their pipelines say: a clone, placeholder or init image. */
export interface BuildImage {
  /** The image, as it resolves (`Images._peek`, which reports nothing: `Images.resolve` reports when the manifests render). */
  readonly image: Image;
  /** What it is, for the message, e.g. `the clone image (DRONE_IMAGE_CLONE)`. */
  readonly role: string;
  /**
   * Whether a mirror relocation applies to it (`Images._onMirror`): only then is a registry the app logs in to taken
   * for a mirror whose login its pods need.
   *
   * @default false
   */
  readonly onMirror?: boolean;
}

/** `image`, defined at `scope`, as its build pods pull it: where its relocations put it, and whether on a mirror. */
export function buildImage(scope: IConstruct, image: Image, role: string): BuildImage {
  return { image: Images._peek(scope, image), onMirror: Images._onMirror(scope, image), role };
}

/** Build pods of one kind in one build namespace: what they must pull, and what they pull with. */
export interface BuildPods {
  /** The build namespace. */
  readonly namespace: string;
  /** The images the engine makes them pull. */
  readonly images: readonly BuildImage[];
  /**
   * Every ServiceAccount some of them run as, `default` where some do: each pod runs as exactly one, and gets that
   * one's pull secrets when it lists none of its own (plugin/pkg/admission/serviceaccount/admission.go), so each
   * account must be able to pull on its own.
   */
  readonly accounts: readonly string[];
  /**
   * The pull secrets the engine lists on every pod itself, and the setting that lists them: when there are any, the
   * accounts' do not apply (the admission plugin adds them only to a pod that lists none).
   *
   * @default - none: the accounts' apply
   */
  readonly listed?: { readonly setting: string; readonly secrets: readonly (ISecret | string)[] };
  /**
   * The pull secrets a pipeline may bring itself, and why they are not counted, for the message: e.g. `Drone's
   * image_pull_secrets: ...`.
   */
  readonly notCounted: string;
}

/**
 * Refuse build pods that cannot pull an image their engine makes them pull: one that resolves to a private project
 * Dockyard declared (a Harbor proxy cache, or a project without `public: true`), where the pull secrets that apply
 * to some of the pods (the engine's list, else each ServiceAccount's on its own) hold no login that may pull from
 * it. Only what Dockyard knows for certain is refused: any pull secret, login or ServiceAccount it does not know
 * may pull (`PullAccess.judge`). The app-wide pull secret reaches Dockyard's own pods, never build pods: those run
 * pull requests, forks' included, and that robot may reach more than a proxy cache, so the namespace must list a
 * login of its own.
 *
 * Engines call it at synth, once the app is complete, for each kind of build pod of each build namespace.
 *
 * @param projects the lookup of images' projects, shared by one engine's calls in one check
 */
export function checkBuildPulls(scope: IConstruct, pods: BuildPods, projects: ProjectLookup = new ProjectLookup(scope)): void {
  const own = pods.listed !== undefined && pods.listed.secrets.length > 0 ? pods.listed : undefined;
  // what pulls each image: the engine's list, or each account's own (one the app does not know of is skipped); `where`
  // names it for a refusal only: made for each of a thousand teams' agents, the names of the list cost more than the check
  const pullers: { where: () => string; secrets: readonly (ISecret | string)[] }[] = [];
  let found = false;
  for (const { image, role, onMirror } of pods.images) {
    const harborProject = projects.of(image);
    const mirror = harborProject === undefined && onMirror === true ? projects.mirrorOf(image) : undefined;
    const project = harborProject ?? mirror?.project;
    if (project === undefined) {
      continue;
    }
    if (!found) {
      found = true;
      if (own) {
        pullers.push({ where: () => `the pull secrets the engine lists on them (${own.setting}: ${own.secrets.map(nameOf).join(', ')})`, secrets: own.secrets });
      } else {
        for (const account of pods.accounts) {
          const secrets = PullAccess.accountPullSecrets(scope, pods.namespace, account, projects.users());
          if (secrets !== undefined) pullers.push({ where: () => `the pull secrets of their ServiceAccount ${describeValue(account)}`, secrets });
        }
      }
    }
    for (const { where, secrets } of pullers) {
      const verdict = PullAccess.judge(scope, project, secrets);
      if (!verdict.pulls) {
        if (mirror !== undefined) {
          refuseMirror(pods, image, role, mirror, where(), verdict, own !== undefined);
        }
        refuse(pods, image, role, project, where(), verdict, own !== undefined);
      }
    }
  }
}

/** The one-line refusal of `checkBuildPulls`: the pods that pull with the pull secrets `where` cannot pull `image`. */
function refuse(pods: BuildPods, image: Image, role: string, project: PrivateProject, where: string, verdict: PullVerdict, own: boolean): never {
  const kind = project.proxyCache ? 'proxy cache' : 'project';
  const grant = pullGrant(project);
  const [why, fix] = verdict.logins.length > 0
    ? deniedLogins(project, where, verdict.logins, `a team's pull robot: list ${describeValue(project.project)} in TeamPlatform sharedProjects`)
    : [noLogin(project, where, verdict.nodeLogins), own
      ? `give one of those pull secrets the login of a robot with ${grant}`
      : `list a PullSecret of a robot with ${grant} in ${describeValue(pods.namespace)} (its namespaces): a proxy-only one, as ` +
        'apps/default/stack.ts does for its builds\' pool, where pull requests run; never the app-wide one, whose robot may pull more'];
  invalid('pull secrets of build namespace', pods.namespace, `its build pods pull ${image.reference} (${role}) from ` +
    `${describeValue(project.project)}, a private Harbor ${kind} of ${project.host}, and ${why}; ${fix}; ${pods.notCounted}`);
}

/**
 * The one-line refusal of `checkBuildPulls` for an image on a mirror that takes a login: the pods that pull with the
 * pull secrets `where` hold no login to it, nor do the nodes.
 */
function refuseMirror(pods: BuildPods, image: Image, role: string, mirror: LoginMirror, where: string, verdict: PullVerdict, own: boolean): never {
  const host = mirror.project.imageHost;
  const fix = `${own ? `give one of those pull secrets a login to ${host}` : `list a PullSecret with a login to ${host} in ` +
    `${describeValue(pods.namespace)} (its namespaces)`}; for a team's build namespace, add the login to TeamPlatform sharedLogins, which every ` +
    'team\'s pull secret and pipeline pull login hold (a dedicated runner\'s pull-request namespace gets none of the team\'s: list the ' +
    'mirror\'s PullSecret there, pullSecret.addNamespace(team.pullRequestNamespace))';
  invalid('pull secrets of build namespace', pods.namespace, `its build pods pull ${image.reference} (${role}) from ${host}, an image mirror ` +
    `the app logs in to (pull secret ${describeValue(`${mirror.secret.namespace}/${mirror.secret.secretName}`)}), and ` +
    `${noLogin(mirror.project, where, verdict.nodeLogins)}; ${fix}; ${pods.notCounted}`);
}

/**
 * An image mirror that takes a login, as a private registry of no projects (any login to it may pull): an image is on
 * it (`Images._onMirror`), and the app logs in to its host (`secret`), where it declares no registry of its own (a
 * Harbor, whose projects `PullAccess.privateProjectOf` tells).
 */
interface LoginMirror {
  readonly project: PrivateProject;
  /** A pull secret of the app that logs in to the mirror, for the message. */
  readonly secret: ISecret;
}

/**
 * `PullAccess.privateProjectOf`, kept by image reference, and the user's ServiceAccounts, for one engine's check: it
 * checks the same few images in each of its build namespaces (a thousand teams' worth), and neither changes while it
 * checks.
 */
export class ProjectLookup {
  private readonly found = new Map<string, PrivateProject | undefined>();
  private readonly mirrors = new Map<string, LoginMirror | undefined>();
  private usersFound?: UserAccounts;

  public constructor(private readonly scope: IConstruct) {}

  /** The private project Dockyard declared that `image` is pulled from, if any. */
  public of(image: Image): PrivateProject | undefined {
    if (!this.found.has(image.reference)) {
      this.found.set(image.reference, PullAccess.privateProjectOf(this.scope, image));
    }
    return this.found.get(image.reference);
  }

  /**
   * The image mirror that takes a login `image`, on a mirror (`BuildImage.onMirror`), is pulled from, if
   * any (`LoginMirror`): a registry the app logs in to with a pull secret, for which it declares no registry.
   */
  public mirrorOf(image: Image): LoginMirror | undefined {
    if (!this.mirrors.has(image.registry)) {
      const host = registryHost(image.registry);
      const secret = PullAccess.declaresRegistry(this.scope, host) ? undefined : Images._loginTo(this.scope, host);
      this.mirrors.set(image.registry, secret && { project: { host, imageHost: host, project: '', proxyCache: false }, secret });
    }
    return this.mirrors.get(image.registry);
  }

  /**
   * The ServiceAccounts the user's objects render (`userAccounts`), from one walk of the app's tree, taken only when
   * an account's pull secrets are needed: walking it for each of a thousand teams' accounts would cost seconds.
   */
  public users(): UserAccounts {
    return (this.usersFound ??= userAccounts(this.scope));
  }
}

/** A pull secret as the message names it. */
function nameOf(secret: ISecret | string): string {
  return describeValue(typeof secret === 'string' ? secret : secret.secretName);
}
