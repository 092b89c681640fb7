import { IConstruct } from 'constructs';
import { invalid, Secret } from '../core';

/**
 * Refuse pipeline-secret names that are also the name of a Secret the stack expects the user to provide in the same
 * namespace (`Secret.fromSecretName`), such as the OAuth app's: applying the generated Secret would overwrite it.
 * Generated Secrets of one name are refused by the secret store already.
 */
export function refuseProvidedSecretNames(scope: IConstruct, namespace: string, names: Iterable<string>): void {
  refuseProvidedSecrets(scope, [...names].map((name) => ({ name, namespaces: [namespace] })));
}

/**
 * `refuseProvidedSecretNames` for secrets rendered in namespaces of their own each: refuse any whose name is that of
 * a Secret the stack expects the user to provide in one of its namespaces. One pass over the provided Secrets,
 * however many secrets and namespaces there are.
 */
export function refuseProvidedSecrets(scope: IConstruct, secrets: Iterable<{ readonly name: string; readonly namespaces: readonly string[] }>): void {
  const provided = new Set(Secret.requiredIn(scope.node.root).map((r) => `${r.namespace}/${r.secretName}`));
  if (provided.size === 0) {
    return;
  }
  for (const { name, namespaces } of secrets) {
    const namespace = namespaces.find((ns) => provided.has(`${ns}/${name}`));
    if (namespace !== undefined) {
      invalid('name', name, `must not be the name of a Secret the stack expects to be provided in namespace ${namespace}: ` +
        'the pipeline secret would overwrite it');
    }
  }
}
