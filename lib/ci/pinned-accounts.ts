import { IConstruct } from 'constructs';
import { describeValue, invalid, isNamespaceDefined } from '../core';
import { PullAccess, UserAccounts, userAccounts } from '../core/pull-access';
import { warnOnce } from '../core/warn';

/** A ServiceAccount a CI engine's build pods run as, by a runner policy's or route's `serviceAccountName`. */
export interface PinnedAccount {
  /** What names it, for the refusal: e.g. `runner policy "deploy"`, `route "deploy"`. */
  readonly owner: string;
  /** The build namespace it must be in: a pod's ServiceAccount is looked up in the pod's namespace. */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
}

/**
 * Refuse a ServiceAccount build pods run as that the app does not render in their namespace, where the app creates
 * that namespace, and warn of one in a namespace made elsewhere, where it may exist already. The API server's
 * ServiceAccount admission refuses a pod whose account does not exist (kubernetes
 * `plugin/pkg/admission/serviceaccount/admission.go`, `Admit`: "error looking up service account"), so each build
 * that runs as it fails at its pod's create, and synth said nothing. A namespace the app defines is new with it:
 * nothing but the app puts an account there before the pods come. `default`, which the ServiceAccount controller
 * makes in every namespace, passes: each build namespace records it (`PullAccess`) for its pull secrets.
 *
 * @param engine the engine, for the warning: e.g. `Drone runner "drone-runner"`
 * @param pods which pods the account's absence fails, e.g. `every pod the policy places`
 */
export function checkPinnedAccounts(scope: IConstruct, engine: string, pinned: readonly PinnedAccount[], pods: string): void {
  let users: UserAccounts | undefined;
  for (const { owner, namespace, name } of pinned) {
    if (PullAccess.rendersAccount(scope, namespace, name, (users ??= userAccounts(scope)))) {
      continue;
    }
    const fix = `define it there (a DeployAccess with serviceAccountNamespace ${describeValue(namespace)}, or a ServiceAccount object)`;
    if (isNamespaceDefined(scope, namespace)) {
      invalid('serviceAccountName', name, `of ${owner} must be a ServiceAccount the app defines in namespace ${describeValue(namespace)}, which ` +
        `the app creates: none of that name is there, so the API server would refuse ${pods} and its builds would fail; ${fix}`);
    }
    warnOnce(scope, `${engine}: ${owner} names ServiceAccount ${describeValue(name)} in namespace ${describeValue(namespace)}, which the app ` +
      `does not define: unless it exists in the cluster, the API server refuses ${pods} and its builds fail; ${fix}, or create it before ` +
      'the builds run');
  }
}
