// The API server's evaluation of a ValidatingAdmissionPolicy, for tests of the policies Dockyard renders: each
// `validations[].expression` is CEL over the admitted object (Kubernetes 1.36 OpenAPI,
// io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicySpec `variables`, `validations`), evaluated with
// @bufbuild/cel, an implementation of the CEL specification that Kubernetes' cel-go implements too.
import { CelInput, run } from '@bufbuild/cel';

/** A JSON value as CEL input: objects as maps, whole numbers as CEL ints. */
export function cel(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(cel);
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value).map(([k, v]) => [k, cel(v)]));
  return (typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value) as CelInput;
}

/** The request around the object, as a policy's `request` and `oldObject` see it (AdmissionRequest: `operation`, `userInfo`). */
export interface AdmissionRequest {
  /** `CREATE`, `UPDATE` or `DELETE`. */
  readonly operation: string;
  /** Who asks: `request.userInfo.username`. */
  readonly username: string;
  /** The object as stored before the request (`oldObject`): for an update or a delete. */
  readonly oldObject?: object;
  /**
   * The resource asked for (`request.resource.resource`), e.g. `secrets`: with it, a request that the policy's
   * `matchConstraints.resourceRules` do not match by operation and resource is admitted, as the API server never
   * evaluates the policy for it (MatchResources `resourceRules`).
   *
   * @default - every request is taken to match
   */
  readonly resource?: string;
}

/** Whether one of `policy`'s resource rules matches the operation and resource, `*` matching any. */
function matches(policy: any, operation: string, resource: string): boolean {
  const any = (list: string[], value: string) => list.includes('*') || list.includes(value);
  return (policy.spec.matchConstraints?.resourceRules ?? []).some((r: any) => any(r.operations, operation) && any(r.resources, resource));
}

/**
 * Whether the API server admits `object`, in a namespace of `labels`, under the rendered policy: its `variables`
 * evaluated in order, each seeing those before it (ValidatingAdmissionPolicySpec `variables`), then every validation
 * true. With `request`, the policy sees who asks and the old object; for a delete `object` is null, the old object
 * the one deleted (kubernetes staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go,
 * `AdmissionToValidateObjectDeleteFunc`: its attributes hold no new object), and with its `resource` the policy's
 * match too. Without it the request is a create by an unnamed user, taken to match.
 */
export function admits(policy: any, object: object | null, labels: Record<string, string> = {}, request?: AdmissionRequest): boolean {
  if (request?.resource !== undefined && !matches(policy, request.operation, request.resource)) return true;
  const context: Record<string, CelInput> = {
    object: object === null ? null : cel(object),
    oldObject: request?.oldObject === undefined ? null : cel(request.oldObject),
    request: cel({ operation: request?.operation ?? 'CREATE', userInfo: { username: request?.username ?? '' } }),
    namespaceObject: cel({ metadata: { name: 'pay', labels } }),
  };
  const variables = new Map<string, CelInput>();
  for (const v of policy.spec.variables ?? []) {
    variables.set(v.name, run(v.expression, { ...context, variables }) as CelInput);
  }
  return policy.spec.validations.every((v: { expression: string }) => run(v.expression, { ...context, variables }) === true);
}
