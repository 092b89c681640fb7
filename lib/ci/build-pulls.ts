import { IConstruct } from 'constructs';
import { describeValue, Image, invalid, ISecret } from '../core';
import { PrivateProject, PullAccess } from '../core/pull-access';

/** An image an engine makes its build pods pull, whatever their pipelines say: a clone, placeholder or init image. */
export interface BuildImage {
  /** The image, as it resolves (`Images._peek`, which reports nothing: `Images.resolve` reports when the manifests render). */
  readonly image: Image;
  /** What it is, for the message, e.g. `the clone image (DRONE_IMAGE_CLONE)`. */
  readonly role: string;
}

/** Build pods of one kind in one build namespace: what they must pull, and what they pull with. */
export interface BuildPods {
  /** The build namespace. */
  readonly namespace: string;
  /** The images the engine makes them pull. */
  readonly images: readonly BuildImage[];
  /**
   * The ServiceAccounts they run as, `default` included: the pull secrets of any of them may serve (a pod that lists
   * none of its own gets its account's, plugin/pkg/admission/serviceaccount/admission.go).
   */
  readonly accounts: readonly string[];
  /**
   * The pull secrets the engine lists on every pod itself, and the setting that lists them: when there are any, the
   * accounts' do not apply (the admission plugin adds them only to a pod that lists none).
   *
   * @default - none: the accounts' apply
   */
  readonly listed?: { readonly setting: string; readonly secrets: readonly (ISecret | string)[] };
}

/**
 * Refuse build pods that cannot pull an image their engine makes them pull: one that resolves to a private project
 * Dockyard declared (a Harbor proxy cache, or a project without `public: true`), where no pull secret that applies to
 * the pods holds a login that may pull from it. Only what Dockyard knows for certain is refused: any pull secret,
 * login or ServiceAccount it does not know may pull (`PullAccess.judge`). The app-wide pull secret reaches Dockyard's
 * own pods, never build pods: those run pull requests, forks' included, and that robot may reach more than a proxy
 * cache, so the namespace must list a login of its own.
 *
 * Engines call it at synth, once the app is complete, for each kind of build pod of each build namespace.
 *
 * @param projects the lookup of images' projects, shared by one engine's calls in one check
 */
export function checkBuildPulls(scope: IConstruct, pods: BuildPods, projects: ProjectLookup = new ProjectLookup(scope)): void {
  const own = pods.listed !== undefined && pods.listed.secrets.length > 0 ? pods.listed : undefined;
  let secrets: (ISecret | string)[] | undefined;
  for (const { image, role } of pods.images) {
    const project = projects.of(image);
    if (project === undefined) {
      continue;
    }
    secrets ??= own ? [...own.secrets] : accountSecrets(scope, pods);
    if (secrets === undefined) {
      return;
    }
    const verdict = PullAccess.judge(scope, project, secrets);
    if (verdict.pulls) {
      continue;
    }
    const kind = project.proxyCache ? 'proxy cache' : 'project';
    const where = own ? `the pull secrets the engine lists on them (${own.setting}: ${own.secrets.map(nameOf).join(', ')})`
      : `the pull secrets of their ServiceAccounts (${pods.accounts.join(', ')})`;
    const logins = verdict.logins.map((l) => describeValue(l)).join(', ');
    const grant = `RobotPermission.pull(${describeValue(project.project)})`;
    const [why, fix] = verdict.logins.length > 0
      ? [`the only login${verdict.logins.length > 1 ? 's' : ''} to ${project.host} among ${where}, ${logins}, may not pull from it`,
        `give ${verdict.logins.length > 1 ? 'one of those robots' : 'that robot'} ${grant} (a team's pull robot: list ${describeValue(project.project)} in TeamPlatform sharedProjects)`]
      : [`none of ${where} logs in to ${project.host}`, own
        ? `give one of those pull secrets the login of a robot with ${grant}`
        : `list a PullSecret of a robot with ${grant} in ${describeValue(pods.namespace)} (its namespaces): a proxy-only one, as ` +
          'apps/default/stack.ts does for its builds\' pool, where pull requests run; never the app-wide one, whose robot may pull more'];
    invalid('pull secrets of build namespace', pods.namespace, `its build pods pull ${image.reference} (${role}) from ` +
      `${describeValue(project.project)}, a private Harbor ${kind} of ${project.host}, and ${why}; ${fix}`);
  }
}

/**
 * `PullAccess.privateProjectOf`, kept by image reference: an engine checks the same few images in each of its build
 * namespaces (a thousand teams' worth), and the projects do not change while it checks.
 */
export class ProjectLookup {
  private readonly found = new Map<string, PrivateProject | undefined>();

  public constructor(private readonly scope: IConstruct) {}

  /** The private project Dockyard declared that `image` is pulled from, if any. */
  public of(image: Image): PrivateProject | undefined {
    if (!this.found.has(image.reference)) {
      this.found.set(image.reference, PullAccess.privateProjectOf(this.scope, image));
    }
    return this.found.get(image.reference);
  }
}

/** The pull secrets of every account the pods run as, or undefined if any account's are not known. */
function accountSecrets(scope: IConstruct, pods: BuildPods): (ISecret | string)[] | undefined {
  const out: (ISecret | string)[] = [];
  for (const account of pods.accounts) {
    const secrets = PullAccess.accountPullSecrets(scope, pods.namespace, account);
    if (secrets === undefined) {
      return undefined;
    }
    out.push(...secrets);
  }
  return out;
}

/** A pull secret as the message names it. */
function nameOf(secret: ISecret | string): string {
  return describeValue(typeof secret === 'string' ? secret : secret.secretName);
}
