import { IConstruct } from 'constructs';
import { invalid, Secret } from '../core';

/**
 * Refuse pipeline-secret names that are also the name of a Secret the stack expects the user to provide in the same
 * namespace (`Secret.fromSecretName`), such as the OAuth app's: applying the generated Secret would overwrite it.
 * Generated Secrets of one name are refused by the secret store already.
 */
export function refuseProvidedSecretNames(scope: IConstruct, namespace: string, names: Iterable<string>): void {
  const provided = new Set(Secret.requiredIn(scope.node.root).filter((r) => r.namespace === namespace).map((r) => r.secretName));
  for (const name of names) {
    if (provided.has(name)) {
      invalid('name', name, `must not be the name of a Secret the stack expects to be provided in namespace ${namespace}: ` +
        'the pipeline secret would overwrite it');
    }
  }
}
