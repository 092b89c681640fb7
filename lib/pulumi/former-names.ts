import * as pulumi from '@pulumi/pulumi';

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
