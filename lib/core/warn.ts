import { IConstruct } from 'constructs';

/** Per app root: the keys of the warnings already printed. */
const warned = new WeakMap<IConstruct, Set<string>>();

/**
 * Print `dockyard: warning: <message>` on stderr, once per app for each `key` (default: the message): a chart
 * resolved twice, or a relocation met from two scopes, warns once. Warnings go to stderr, never into the output.
 *
 * @internal
 */
export function warnOnce(scope: IConstruct, message: string, key = message): void {
  const root = scope.node.root;
  const seen = warned.get(root) ?? new Set<string>();
  if (!seen.has(key)) {
    seen.add(key);
    warned.set(root, seen);
    printWarning(message);
  }
}

/**
 * Print `dockyard: warning: <message>` on stderr: how every warning of Dockyard's is shown, never in the output.
 *
 * @internal
 */
export function printWarning(message: string): void {
  process.stderr.write(`dockyard: warning: ${message}\n`);
}
