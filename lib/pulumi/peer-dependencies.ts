import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentError } from './run-errors';

/**
 * Fails with the exact install command when a Pulumi peer dependency is missing.
 *
 * The `@pulumi/*` packages are optional peer dependencies of Dockyard, so that a cdk8s-only user installs none of
 * them (they and their gRPC, protobuf and OpenTelemetry trees are about 140 MB). A user who then imports
 * `dockyard/pulumi` would otherwise get Node's bare "Cannot find module"; this names every missing package, with the
 * version range from Dockyard's own package.json, as an `EnvironmentError`: one line under Pulumi, not a stack trace.
 *
 * @internal
 */
export function requirePeers(entryPoint: string, peers: readonly string[]): void {
  const missing = peers.filter((peer) => {
    try {
      require.resolve(`${peer}/package.json`);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const ranges = peerRanges();
  const specs = missing.map((peer) => (ranges[peer] ? `${peer}@${ranges[peer]}` : peer));
  throw new EnvironmentError(`${entryPoint} needs the Pulumi packages ${missing.join(', ')}, which are optional peer dependencies of dockyard: npm install ${specs.join(' ')}`);
}

/** The peerDependencies of Dockyard's package.json: the nearest one above this file named `dockyard`. */
function peerRanges(): Record<string, string> {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'dockyard') return pkg.peerDependencies ?? {};
    } catch {
      // no package.json here: go up
    }
    if (path.dirname(dir) === dir) return {};
  }
}
