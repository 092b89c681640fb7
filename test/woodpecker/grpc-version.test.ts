// An agent of another Woodpecker release than its server: the agent asks the server's gRPC protocol version first and
// exits on any difference (woodpecker-ci/woodpecker v3.17.0 cmd/agent/core/agent.go:146-158, "GRPC version mismatch";
// the server answers with its own proto.Version, server/rpc/server.go:70-75). The version of each release, read at
// its tag (`rpc/proto/version.go` from v3.14, `pipeline/rpc/proto/version.go` before): 3.10-3.13 speak 14, 3.14-3.17
// speak 16.
import { Image } from '../../lib';
import { WoodpeckerAgent, WoodpeckerBuildNamespaces, WoodpeckerServer } from '../../lib/woodpecker';
import { grpcVersionOf } from '../../lib/woodpecker/grpc-version';
import { refusal, stderrOf, testChart } from '../util';
import { woodpeckerServer } from './fixtures';

function agentOf(agentTag: string, serverTag: string): void {
  const chart = testChart('ci');
  const server = woodpeckerServer(chart, { image: Image.of(`docker.io/woodpeckerci/woodpecker-server:${serverTag}`) });
  const builds = new WoodpeckerBuildNamespaces(chart, 'Builds');
  builds.addBuildNamespace('deploy');
  new WoodpeckerAgent(chart, 'Agent', { server, builds, image: Image.of(`docker.io/woodpeckerci/woodpecker-agent:${agentTag}`) });
}

describe('Woodpecker agent and server releases', () => {
  test('the same release, or releases of one gRPC protocol version, are taken without a word', () => {
    expect(stderrOf(() => agentOf('v3.17.0', 'v3.17.0'))).toBe('');
    expect(stderrOf(() => agentOf('v3.14.0', 'v3.17.0'))).toBe('');
    expect(stderrOf(() => agentOf('v3.13.0', 'v3.10.0'))).toBe('');
  });

  test('an agent of another gRPC protocol version than its server is refused, naming both', () => {
    expect(refusal(() => agentOf('v3.13.0', 'v3.17.0'))).toBe('invalid image "docker.io/woodpeckerci/woodpecker-agent:v3.13.0": must be a ' +
      'Woodpecker agent of a release that speaks the server\'s gRPC protocol version: the server docker.io/woodpeckerci/woodpecker-server:v3.17.0 ' +
      'speaks 16, this agent 14, and an agent exits at start on any difference ("GRPC version mismatch"); give the agents and the server the ' +
      'same release, and upgrade them together (WoodpeckerAgent "test/Agent")');
    // an agent newer than the server too (a server upgrade left behind)
    expect(refusal(() => agentOf('v3.17.0', 'v2.8.3'))).toMatch(/the server docker.io\/woodpeckerci\/woodpecker-server:v2.8.3 speaks 10, this agent 16,/);
  });

  test('releases the table does not know, in different tags, are warned of; in one tag, not', () => {
    expect(stderrOf(() => agentOf('v3.18.0', 'v3.17.0'))).toBe('dockyard: warning: the Woodpecker agent image ' +
      'docker.io/woodpeckerci/woodpecker-agent:v3.18.0 and the server image docker.io/woodpeckerci/woodpecker-server:v3.17.0 differ in tag, and ' +
      'Dockyard cannot tell whether they speak the same gRPC protocol version (an agent exits at start on any difference, "GRPC version ' +
      'mismatch"): give them the same release\n');
    expect(stderrOf(() => agentOf('v3.18.0', 'v3.18.0'))).toBe('');
  });

  test('a minor\'s own tag (v3.17, which moves with its patch releases) is read as that minor', () => {
    expect(stderrOf(() => agentOf('v3.17', 'v3.17.0'))).toBe('');
    expect(stderrOf(() => agentOf('v3.14.0', 'v3.17-alpine'))).toBe('');
    expect(refusal(() => agentOf('v3.13', 'v3.17.0'))).toMatch(/^invalid image "docker.io\/woodpeckerci\/woodpecker-agent:v3.13": must be a Woodpecker agent .* speaks 16, this agent 14,/);
    // a major's tag names no minor: warned of, as a release the table does not know
    expect(stderrOf(() => agentOf('v3', 'v3.17.0'))).toMatch(/^dockyard: warning: the Woodpecker agent image docker.io\/woodpeckerci\/woodpecker-agent:v3 and /);
  });

  test('the default images are in the table and agree', () => {
    expect(grpcVersionOf(WoodpeckerAgent.IMAGE)).toBe(16);
    expect(grpcVersionOf(WoodpeckerServer.IMAGE)).toBe(16);
  });
});
