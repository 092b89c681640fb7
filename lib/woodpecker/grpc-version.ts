import { Image, invalid } from '../core';
import { minorOf } from '../core/version-changes';
import { warnOnce } from '../core/warn';
import type { IConstruct } from 'constructs';

/**
 * The gRPC protocol version (`rpc/proto/version.go` `Version`, "increased by 1 each time it get changed") of each
 * Woodpecker minor release, read from woodpecker-ci/woodpecker at every tag v2.0.0 to v3.17.0 (`pipeline/rpc/proto`
 * up to v3.13, `rpc/proto` from v3.14): the patch releases of a minor share it.
 */
const GRPC_VERSIONS: Readonly<Record<string, number>> = {
  '2.0': 6, '2.1': 6, '2.2': 7, '2.3': 7, '2.4': 7, '2.5': 7, '2.6': 8, '2.7': 9, '2.8': 10,
  '3.0': 12, '3.1': 12, '3.2': 12, '3.3': 12, '3.4': 12, '3.5': 12, '3.6': 12, '3.7': 12, '3.8': 12,
  '3.9': 13, '3.10': 14, '3.11': 14, '3.12': 14, '3.13': 14, '3.14': 16, '3.15': 16, '3.16': 16, '3.17': 16,
};

/**
 * The gRPC protocol version of the Woodpecker minor release `image`'s tag names (`v3.17.0`, or the minor's own tag
 * `v3.17`), or undefined when the table has none.
 */
export function grpcVersionOf(image: Image): number | undefined {
  const minor = minorOf(image);
  return minor === undefined ? undefined : GRPC_VERSIONS[`${minor[0]}.${minor[1]}`];
}

/**
 * Refuse an agent image whose release speaks another gRPC protocol version than its server's: the agent asks the
 * server's version first and exits on any difference ("GRPC version mismatch", v3.17.0 cmd/agent/core/agent.go:146-158,
 * the server answering with its own `proto.Version`, server/rpc/server.go:70-75), so it would crash-loop and run no
 * pipeline. Where the table knows either release not and the tags differ, the synth warns: it cannot tell.
 */
export function checkAgentServerVersions(scope: IConstruct, agent: Image, server: Image): void {
  const a = grpcVersionOf(agent);
  const s = grpcVersionOf(server);
  if (a !== undefined && s !== undefined) {
    if (a !== s) {
      invalid('image', agent.reference, `must be a Woodpecker agent of a release that speaks the server's gRPC protocol version: the server ` +
        `${server.reference} speaks ${s}, this agent ${a}, and an agent exits at start on any difference ("GRPC version mismatch"); give the ` +
        'agents and the server the same release, and upgrade them together');
    }
  } else if (agent.tag !== server.tag) {
    warnOnce(scope, `the Woodpecker agent image ${agent.reference} and the server image ${server.reference} differ in tag, and Dockyard cannot ` +
      'tell whether they speak the same gRPC protocol version (an agent exits at start on any difference, "GRPC version mismatch"): give them ' +
      'the same release', `woodpecker-grpc ${agent.reference} ${server.reference}`);
  }
}
