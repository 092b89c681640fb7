import * as pulumi from '@pulumi/pulumi';
import { invalid } from '../core/validation';

/**
 * The `aliases` of resources that were given new names, one list for each, in order: its former name (`{ name }`,
 * under the same parent and type), so that a stack made before keeps the resource under its new name rather than
 * replacing it.
 *
 * A former name that two of the resources share gets no alias: it is why they were renamed (two resources of one
 * name make a duplicate URN, which the engine refuses), so no stack holds both, which one a stack holds is unknown,
 * and the engine refuses two resources claiming one old resource (pulumi/pulumi pkg/resource/deploy/step_generator.go:688-691).
 *
 * @param formerNames the name each resource had before
 */
export function formerNameAliases(formerNames: readonly string[]): pulumi.Alias[][] {
  const counts = new Map<string, number>();
  for (const name of formerNames) {
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return formerNames.map((name) => (counts.get(name) === 1 ? [{ name }] : []));
}

/**
 * Refuse a component name holding "/": the component names each of its resources `<name>/<...>`, so components `a`
 * and `a/b` could name two resources alike (`a/b/c`), one of them also another's former name.
 *
 * @param joins what puts "/" after the name, for the refusal
 */
export function checkNoSlash(name: string, joins: string): void {
  if (typeof name === 'string' && name.includes('/')) {
    invalid('name', name, `must not contain "/", which ${joins}: two components could name resources alike (to keep a stack's resources, ` +
      'rename the component with aliases: [{ name: "<former name>" }] in its options)');
  }
}

/** A former name a resource aliases: `owner` names the component that claims it, `what` the resource, for a refusal. */
export interface FormerNameClaim {
  readonly formerName: string;
  readonly owner: string;
  readonly what: string;
}

/**
 * The former names claimed in this program run, by parent type chain and name: one registry per run, keyed by its
 * stack resource (an Automation API process runs the program again, e.g. a preview and then an update), or one for
 * the process where there is none (Pulumi's mocks).
 */
const claimed = new WeakMap<object, Map<string, FormerNameClaim>>();
const NO_STACK = {};

/**
 * Record that each claim's resource, a child of a component of type `type` under `parent`, aliases its former name,
 * and return the first claim whose former name another owner's resource already aliases in this program (nothing is
 * recorded then). An alias `{ name }` is a URN of the component's parent type chain, the component's type and the
 * name (it takes the resource's own parent and type: @pulumi/pulumi resource.js `collapseAliasToUrn`), so components
 * under parents of different types, or of different types themselves (a ChartDeployment's Secret and a DnsRecords'
 * record), claim different URNs; two claims of one URN would let the first registered take over the resource that a
 * stack made before holds for the other.
 */
export function claimFormerNames(parent: pulumi.Resource | undefined, type: string, claims: readonly FormerNameClaim[]): [FormerNameClaim, FormerNameClaim] | undefined {
  const run = pulumi.runtime.getStackResource() ?? NO_STACK;
  const registry = claimed.get(run) ?? new Map<string, FormerNameClaim>();
  claimed.set(run, registry);
  const chain = `${parentTypes(parent)}$${type}`;
  // a former name two of one component's resources shared gets no alias (`formerNameAliases`), but it stays claimed:
  // a stack made before holds it for this component, which another's alias would take over
  for (const claim of claims) {
    const other = registry.get(`${chain}::${claim.formerName}`);
    if (other !== undefined && other.owner !== claim.owner) {
      return [claim, other];
    }
  }
  claims.forEach((claim) => registry.set(`${chain}::${claim.formerName}`, claim));
  return undefined;
}

/**
 * The types of `parent` and its ancestors, as a URN holds them (the stack's left out). The ancestors are the SDK's
 * internal `__parentResource`: were it gone, only the parent's type would count, which refuses more, never less.
 */
function parentTypes(parent: pulumi.Resource | undefined): string {
  const types: string[] = [];
  for (let r = parent; r !== undefined; r = (r as any).__parentResource) {
    types.unshift(pulumi.resourceType(r));
  }
  return types.filter((t) => t !== 'pulumi:pulumi:Stack').join('$');
}
