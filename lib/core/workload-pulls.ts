import { IConstruct } from 'constructs';
import { generatedSecretNamed } from './checksum';
import { Image } from './image';
import { isNamespaceDefined } from './namespace';
import { PrivateProject, PullAccess } from './pull-access';
import { ISecret } from './secret';
import { describeValue, invalid } from './validation';

/** The kinds whose pod templates `checkWorkloadPulls` checks. */
const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/**
 * Whether `checkWorkloadPulls` checks `object` (a rendered object): a workload, Job or CronJob.
 *
 * @internal
 */
export function hasPodSpec(object: any): boolean {
  return KINDS.includes(object?.kind);
}

/**
 * Refuse a workload among `objects` (a chart's rendered objects) whose pods cannot pull one of their images, init
 * containers' included: an image that resolves to a private project Dockyard declared (a Harbor proxy cache, or a
 * project without `public: true`), where no login of the pull secrets that apply to the pod may pull from it
 * (`PullAccess.judge`). Those are the pod's `imagePullSecrets`, else, when it lists none, its ServiceAccount's
 * (Kubernetes adds the account's only then: plugin/pkg/admission/serviceaccount/admission.go); and where none of
 * them logs in to the image's host, the nodes' own login to that Harbor (`NodeMirrorFiles` with a credential),
 * which containerd uses for any pull that brings none. What Dockyard does not know is never refused: an image
 * elsewhere, a Secret or login it did not make, an account it does not render.
 *
 * Run on the rendered objects, as the last step of rendering a chart (`DockyardChart`): only then are the images
 * relocated, each pod's pull secrets chosen, and a Job named by its template.
 *
 * @internal
 */
export function checkWorkloadPulls(scope: IConstruct, objects: readonly any[]): void {
  for (const o of objects) {
    const spec = hasPodSpec(o) ? podSpecOf(o) : undefined;
    if (spec === undefined) {
      continue;
    }
    const namespace: string = o.metadata?.namespace ?? 'default';
    let pulls: { where: string; secrets: readonly (ISecret | string)[] } | null | undefined;
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const project = typeof c?.image === 'string' ? projectOf(scope, c.image) : undefined;
      if (project === undefined) {
        continue;
      }
      // null: the pod pulls with an account Dockyard does not know, which may hold any login
      pulls = pulls === undefined ? pullSecretsOf(scope, namespace, spec) : pulls;
      if (pulls === null) {
        break;
      }
      const verdict = PullAccess.judge(scope, project, pulls.secrets);
      if (!verdict.pulls) {
        refuse(o.kind, `${namespace}/${o.metadata?.name}`, c.image, project, pulls.where, verdict.logins);
      }
    }
  }
}

/** The pod spec of a workload or CronJob, if it has one. */
function podSpecOf(o: any): any {
  return (o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template)?.spec;
}

/** The private project `reference` resolves to, if any; none for a reference that does not parse. */
function projectOf(scope: IConstruct, reference: string): PrivateProject | undefined {
  let image: Image;
  try {
    image = Image.of(reference);
  } catch {
    return undefined;
  }
  return PullAccess.privateProjectOf(scope, image);
}

/**
 * The pull secrets a pod of `spec` in `namespace` pulls with, and how the message names them: those it lists (the
 * Secrets Dockyard renders there by those names, else the names), else its ServiceAccount's; null when that
 * account's are not known. A namespace's `default` account that Dockyard renders nothing on, in a namespace the app
 * creates, has none: the controller makes it bare.
 */
function pullSecretsOf(scope: IConstruct, namespace: string, spec: any): { where: string; secrets: readonly (ISecret | string)[] } | null {
  const listed: string[] = (spec.imagePullSecrets ?? []).map((r: any) => r?.name).filter((n: unknown) => typeof n === 'string');
  if (listed.length > 0) {
    return {
      where: `the pull secrets it lists (${listed.map((n) => describeValue(n)).join(', ')})`,
      secrets: listed.map((n) => generatedSecretNamed(scope, n, namespace) ?? n),
    };
  }
  const account: string = spec.serviceAccountName ?? 'default';
  const secrets = PullAccess.accountPullSecrets(scope, namespace, account) ??
    (account === 'default' && isNamespaceDefined(scope, namespace) ? [] : undefined);
  return secrets === undefined ? null : { where: `the pull secrets of its ServiceAccount ${describeValue(account)}`, secrets };
}

/** The one-line refusal: the pods of the `kind` `name` cannot pull `image` from `project` with the pull secrets `where`. */
function refuse(kind: string, name: string, image: string, project: PrivateProject, where: string, denied: readonly string[]): never {
  const what = project.proxyCache ? 'proxy cache' : 'project';
  const grant = `RobotPermission.pull(${describeValue(project.project)})`;
  const [why, fix] = denied.length > 0
    ? [`the only login${denied.length > 1 ? 's' : ''} to ${project.imageHost} among ${where}, ${denied.map((l) => describeValue(l)).join(', ')}, ` +
      'may not pull from it', `give ${denied.length > 1 ? 'one of those robots' : 'that robot'} ${grant}`]
    : [`none of ${where} logs in to ${project.imageHost}`, `register an app-wide pull secret of a robot with ${grant} (a PullSecret, ` +
      'appWide by default, or Images.usePullSecret), as the README\'s "Pull secrets, image relocation and node mirrors" example does, ' +
      `or give NodeMirrorFiles a credential for ${project.host}`];
  invalid(`pull secrets of ${kind}`, name, `its pods pull ${image} from ${describeValue(project.project)}, a private Harbor ${what} of ` +
    `${project.host}, and ${why}; ${fix}`);
}
