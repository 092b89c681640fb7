import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { DroneKubeRunner, Image, IDroneServer, NetworkPeer } from '../../lib';
import { refusal, testChart } from '../util';
import { droneServer } from './fixtures';

// drone-runner-kube (every tag, runner-go v1.5.1 to v1.12.0 in go.mod) calls only /rpc/v2/... (drone/runner-go
// v1.0.0 to v1.12.0 client/http.go, v1.12.0:24-33) and pings until it is answered before polling (drone-runner-kube
// v1.0.0-rc.5 command/daemon/daemon.go:232-252). harness/harness mounts /rpc/v2 from v1.2.0
// (cmd/drone-server/inject_server.go:64-65); v1.1.0 mounts only /rpc (inject_server.go:51), whose handler 404s every
// path but /rpc/v1/... (operator/manager/rpc/server.go:51-76). v1.2.0 to v2.28.2 serve the same routes (v2.5.0 adds
// /step/{step}/card, whose 404 runner-go only warns of: v1.12.0 pipeline/runtime/execer.go:260-267).
/**
 * A server of the user's own (`IDroneServer`), `ci/Own`, with `image` if given, beside a DroneServer of Drone 1.1.0
 * whose Service and secret it lends: the runner checks the image the server gives, not the DroneServer's.
 */
function ownServer(chart: Chart, image?: Image): IDroneServer {
  const real = droneServer(chart, { image: Image.of('docker.io/drone/drone:1.1.0') });
  class OwnServer extends Construct implements IDroneServer {
    public readonly namespace = real.namespace;
    public readonly rpcHost = real.rpcHost;
    public readonly rpcProtocol = real.rpcProtocol;
    public readonly rpcSecret = real.rpcSecret;
    public readonly image = image;
    public grantConnect(peer: NetworkPeer): void { real.grantConnect(peer); }
    public grantRpc(peer: NetworkPeer): void { real.grantConnect(peer); }
  }
  return new OwnServer(chart, 'Own');
}

describe('a DroneKubeRunner and its server release', () => {
  const runnerOn = (tag: string) => {
    const chart = testChart('ci');
    return () => new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart, { image: Image.of(`docker.io/drone/drone:${tag}`) }) });
  };

  // the refusal names the prop the user set, the DroneServer's `image` (DroneServerProps.image), with the image as given
  const refusalOf = (tag: string, path: string) => `invalid image "docker.io/drone/drone:${tag}": must be a Drone server of release 1.2.0 or ` +
    'later beside a DroneKubeRunner (a tag of minor 1.2 or later, or one naming no minor), such as DroneServer.IMAGE: ' + path + ' would never give ' +
    'the runner a pipeline, as the runner speaks only the runner protocol at /rpc/v2, which no Drone server before 1.2.0 serves (1.0 and 1.1 serve ' +
    'the old agents\' /rpc/v1) (DroneKubeRunner "test/Runner")';

  test('refuses a server before 1.2.0, which serves no /rpc/v2, by its release or its minor\'s tag, naming the server\'s image', () => {
    // harness v1.1.0 .drone.yml:64-72,259-266 publishes with auto_tag: `1`, `1.1` and `1.1.0` for v1.1.0, with and
    // without the -linux-amd64 suffix (drone-plugins/drone-docker v21.3.4 tags.go:42-72; `0.8` and `0.8.10` for 0.8.10)
    for (const tag of ['1.1.0', '1.0.1', 'v1.1.0', '1.1.0-linux-amd64', '1.1', '1.0', '1.1-linux-amd64', '0.8', '0.8.10']) {
      expect(refusal(runnerOn(tag))).toBe(refusalOf(tag, 'test/Drone'));
    }
  });

  test('refuses it by the tag when the image also names a digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(runnerOn(`1.1.0@${digest}`)).toThrow(/^invalid image "docker\.io\/drone\/drone:1\.1\.0@sha256:a+": must be a Drone server of release 1\.2\.0/);
  });

  test('refuses a server of the user\'s own that gives such an image, naming its image and path', () => {
    const chart = testChart('ci');
    const server = ownServer(chart, Image.of('docker.io/drone/drone:1.1.0'));
    expect(refusal(() => new DroneKubeRunner(chart, 'Runner', { server }))).toBe(refusalOf('1.1.0', 'test/Own'));
  });

  test('takes 1.2.0 and every later release or minor, and a tag that names no minor', () => {
    // `1` moved on to 1.10.1 (harness tags v1.0.0 to v1.10.1), `2` to 2.x (`Image` refuses `latest` itself)
    for (const tag of ['1.2.0', 'v1.2.0', '1.2', '1.10.1', '1.10', '2.4.0', '2.28.2', '2.28.2-custom', '2', '2.x', '1', 'stable-2019']) {
      expect(runnerOn(tag)).not.toThrow();
    }
    const chart = testChart('ci');
    const byDigest = Image.of(`docker.io/drone/drone@sha256:${'b'.repeat(64)}`);
    expect(() => new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart, { image: byDigest }) })).not.toThrow();
  });

  test('checks nothing for a server that gives no image', () => {
    const chart = testChart('ci');
    const server = ownServer(chart);
    expect(() => new DroneKubeRunner(chart, 'Runner', { server })).not.toThrow();
  });
});
