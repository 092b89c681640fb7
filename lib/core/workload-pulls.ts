import { IConstruct } from 'constructs';
import { hasChosenPullSecrets } from './chosen-pull-secrets';
import { imageOrUndefined } from './image';
import { isNamespaceDefined } from './namespace';
import { POD_TEMPLATE_KINDS, podContainers, podTemplateOf } from './pod-template-of';
import { knownPullSecret, PrivateProject, PullAccess, pullSecretNames, PullVerdict, UserAccounts, userAccounts } from './pull-access';
import { deniedLogins, noLogin, pullGrant } from './pull-refusal';
import { ISecret } from './secret';
import { describeValue, invalid } from './validation';

/**
 * Whether `checkWorkloadPulls` checks `object` (a rendered object): a workload, Job or CronJob.
 *
 * @internal
 */
export function hasPodSpec(object: any): boolean {
  return POD_TEMPLATE_KINDS.includes(object?.kind);
}

/**
 * Refuse a workload among `objects` (a chart's rendered objects) whose pods cannot pull one of their images, init
 * containers' included: an image that resolves to a private project Dockyard declared (a Harbor proxy cache, or a
 * project without `public: true`), where no login of the pull secrets that apply to the pod may pull from it
 * (`PullAccess.judge`). Those are the pod's `imagePullSecrets`, else, when it lists none, its ServiceAccount's
 * (Kubernetes adds the account's only then: plugin/pkg/admission/serviceaccount/admission.go); and where none of
 * them logs in to the image's host, the nodes' own login to that Harbor (`NodeMirrorFiles` with a credential),
 * which containerd uses for any pull that brings none. What Dockyard does not know is never refused: an image
 * elsewhere, a Secret or login it did not make, an account it does not render, or one the user's own objects render
 * without a list. Every workload of the chart is checked, the user's own too; the fix the message gives depends on
 * whose it is: an app-wide pull secret reaches only pods whose pull secrets Dockyard chose (`podTemplate`).
 *
 * Run on the rendered objects, as the last step of rendering a chart (`DockyardChart`): only then are the images
 * relocated, each pod's pull secrets chosen, and a Job named by its template.
 *
 * @internal
 */
export function checkWorkloadPulls(scope: IConstruct, objects: readonly any[]): void {
  // the user's ServiceAccounts, every chart's: one walk of the app, and only for a pod that pulls from a private
  // project with its account's pull secrets
  let users: UserAccounts | undefined;
  const accounts = (): UserAccounts => (users = users ?? userAccounts(scope));
  for (const o of objects) {
    const spec = hasPodSpec(o) ? podTemplateOf(o)?.spec : undefined;
    if (spec === undefined) {
      continue;
    }
    const namespace: string = o.metadata?.namespace ?? 'default';
    let pulls: Pulls | null | undefined;
    for (const c of podContainers(spec)) {
      const project = typeof c?.image === 'string' ? projectOf(scope, c.image) : undefined;
      if (project === undefined) {
        continue;
      }
      // null: the pod pulls with an account Dockyard does not know, which may hold any login
      pulls = pulls === undefined ? pullSecretsOf(scope, namespace, spec, accounts) : pulls;
      if (pulls === null) {
        break;
      }
      const verdict = PullAccess.judge(scope, project, pulls.secrets);
      if (!verdict.pulls) {
        refuse(o.kind, `${namespace}/${o.metadata?.name}`, c.image, project, pulls.where, verdict, hasChosenPullSecrets(o) ? undefined : { namespace, account: pulls.account });
      }
    }
  }
}

/** The private project `reference` resolves to, if any; none for a reference that does not parse. */
function projectOf(scope: IConstruct, reference: string): PrivateProject | undefined {
  const image = imageOrUndefined(reference);
  return image === undefined ? undefined : PullAccess.privateProjectOf(scope, image);
}

/**
 * The pull secrets a pod of `spec` in `namespace` pulls with, and how the message names them: those it lists (the
 * Secrets Dockyard renders there by those names, else the names), else its ServiceAccount's (`PullAccess.accountPullSecrets`);
 * null when that account's are not known. A namespace's `default` account that nothing in the app renders, in a
 * namespace the app creates, has none: the controller makes it bare. (Patched outside the app it could have some,
 * which no check can know; an account the user's objects render is taken as they render it.)
 */
function pullSecretsOf(scope: IConstruct, namespace: string, spec: any, users: () => UserAccounts): Pulls | null {
  const listed = pullSecretNames(spec.imagePullSecrets);
  if (listed.length > 0) {
    return {
      where: `the pull secrets it lists (${listed.map((n) => describeValue(n)).join(', ')})`,
      secrets: listed.map((n) => knownPullSecret(scope, namespace, n)),
    };
  }
  // the deprecated `serviceAccount` is an alias the API server honours where `serviceAccountName` is empty
  // (kubernetes/api v0.36.3 core/v1/types.go:4219-4227, PodSpec `DeprecatedServiceAccount`; the v1 conversion
  // copies it over, kubernetes/kubernetes pkg/apis/core/v1/conversion.go)
  const account: string = nonEmpty(spec.serviceAccountName) ?? nonEmpty(spec.serviceAccount) ?? 'default';
  const rendered = users();
  const secrets = PullAccess.accountPullSecrets(scope, namespace, account, rendered) ??
    (account === 'default' && isNamespaceDefined(scope, namespace) && !rendered.has(`${namespace}\n${account}`) ? [] : undefined);
  return secrets === undefined ? null : { where: `the pull secrets of its ServiceAccount ${describeValue(account)}`, secrets, account };
}

/** The pull secrets a pod pulls with, how the message names them, and the ServiceAccount they are of, if they are. */
interface Pulls {
  readonly where: string;
  readonly secrets: readonly (ISecret | string)[];
  readonly account?: string;
}

/** A string that is not empty, else undefined. */
function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The one-line refusal: the pods of the `kind` `name` cannot pull `image` from `project` with the pull secrets `where`.
 *
 * @param user for a user's workload, whose pods no app-wide pull secret reaches: its namespace, and the account
 *   whose pull secrets its pods pull with (none where they list their own); undefined for one whose pull secrets
 *   Dockyard chose
 */
function refuse(
  kind: string, name: string, image: string, project: PrivateProject, where: string, verdict: PullVerdict, user?: { namespace: string; account?: string },
): never {
  const what = project.proxyCache ? 'proxy cache' : 'project';
  const grant = pullGrant(project);
  const robot = `a pull secret of a robot with ${grant}`;
  const register = user === undefined
    ? `register an app-wide pull secret of a robot with ${grant} (a PullSecret, appWide by default, or Images.usePullSecret), as the ` +
      'README\'s "Pull secrets, image relocation and node mirrors" example does'
    // Images.pullSecretsFor lists an app-wide one only on Dockyard's own pods: a user's pulls with its own list or
    // its account's, and a PullSecret's namespaces put it on the account `default` there
    : user.account === 'default'
      ? `list ${describeValue(user.namespace)} in the namespaces of a PullSecret of a robot with ${grant} (it goes on the namespace's default ` +
        `ServiceAccount), or list ${robot} in the pod's imagePullSecrets`
      : `list ${robot} in the imagePullSecrets of ${user.account === undefined ? 'the pod' : `the pod or its ServiceAccount ${describeValue(user.account)}`} ` +
        `(a PullSecret whose namespaces include ${describeValue(user.namespace)} is copied there)`;
  // the nodes' login is every pod's on the node: offered only for a proxy cache, which the README's node robot may
  // pull from, and never where the nodes log in already with a robot that may not pull from it
  const nodeFix = project.proxyCache && verdict.nodeLogins.length === 0 ? `, or give NodeMirrorFiles a credential for ${project.host} of a robot with ${grant}` : '';
  const [why, fix] = verdict.logins.length > 0
    ? deniedLogins(project, where, verdict.logins)
    : [noLogin(project, where, verdict.nodeLogins), `${register}${nodeFix}`];
  invalid(`pull secrets of ${kind}`, name, `its pods pull ${image} from ${describeValue(project.project)}, a private Harbor ${what} of ` +
    `${project.host}, and ${why}; ${fix}`);
}
