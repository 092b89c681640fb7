import { Construct } from 'constructs';
import { DroneKubeRunner, Image, IDroneServer, NetworkPeer } from '../../lib';
import { testChart } from '../util';
import { droneServer } from './fixtures';

// drone-runner-kube (every tag, runner-go v1.5.1 to v1.12.0 in go.mod) calls only /rpc/v2/... (drone/runner-go
// v1.0.0 to v1.12.0 client/http.go, v1.12.0:24-33) and pings until it is answered before polling (drone-runner-kube
// v1.0.0-rc.5 command/daemon/daemon.go:232-252). harness/harness mounts /rpc/v2 from v1.2.0
// (cmd/drone-server/inject_server.go:64-65); v1.1.0 mounts only /rpc (inject_server.go:51), whose handler 404s every
// path but /rpc/v1/... (operator/manager/rpc/server.go:51-76). v1.2.0 to v2.28.2 serve the same routes (v2.5.0 adds
// /step/{step}/card, whose 404 runner-go only warns of: v1.12.0 pipeline/runtime/execer.go:260-267).
describe('a DroneKubeRunner and its server release', () => {
  const runnerOn = (tag: string) => {
    const chart = testChart('ci');
    return () => new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart, { image: Image.of(`docker.io/drone/drone:${tag}`) }) });
  };

  test('refuses a server before 1.2.0, which serves no /rpc/v2', () => {
    for (const tag of ['1.1.0', '1.0.1']) {
      expect(runnerOn(tag)).toThrow(new Error(`invalid server "docker.io/drone/drone:${tag}": must be a Drone server of release 1.2.0 or ` +
        'later: the runner speaks only the runner protocol at /rpc/v2, which Drone 1.0 and 1.1 do not serve, so it would never get a ' +
        'pipeline; give the DroneServer a later image, such as DroneServer.IMAGE'));
    }
  });

  test('takes 1.2.0 and every later release, and a tag that names no release', () => {
    for (const tag of ['1.2.0', '1.10.1', '2.4.0', '2.28.2', '2.28.2-custom', 'stable-2019']) {
      expect(runnerOn(tag)).not.toThrow();
    }
  });

  test('checks nothing for a server that gives no image', () => {
    const chart = testChart('ci');
    const real = droneServer(chart, { image: Image.of('docker.io/drone/drone:1.1.0') });
    // a server of the user's own, which names no image
    class OwnServer extends Construct implements IDroneServer {
      public readonly namespace = real.namespace;
      public readonly rpcHost = real.rpcHost;
      public readonly rpcProtocol = real.rpcProtocol;
      public readonly rpcSecret = real.rpcSecret;
      public grantConnect(peer: NetworkPeer): void { real.grantConnect(peer); }
      public grantRpc(peer: NetworkPeer): void { real.grantConnect(peer); }
    }
    const server = new OwnServer(chart, 'Own');
    expect(() => new DroneKubeRunner(chart, 'Runner', { server })).not.toThrow();
  });
});
