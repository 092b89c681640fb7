import { invalid } from '../core';
import { minorOf, releaseBefore } from '../core/version-changes';
import { IDroneServer } from './server';

/**
 * The first Drone server release that serves the runners' protocol at `/rpc/v2`: 1.2.0 mounts it
 * (harness/harness v1.2.0 `cmd/drone-server/inject_server.go:64-65`, beside the older agents' `/rpc`); 1.1.0 mounts
 * only `/rpc` (v1.1.0 `inject_server.go:51`), whose handler answers every path but its `/rpc/v1/...` ones with a 404
 * (v1.1.0 `operator/manager/rpc/server.go:51-76`).
 */
const FIRST_RPC_V2: readonly [number, number] = [1, 2];

/**
 * Refuse a Drone server whose image (`DroneServerProps.image`, `IDroneServer.image`) is of a release that serves no
 * runner protocol: drone-runner-kube is built on drone/runner-go
 * (every tag, v1.0.0-beta.1 on runner-go v1.5.1 to v1.0.0-rc.5 on v1.12.0, `go.mod`), whose client calls only
 * `/rpc/v2/...` in every release (runner-go v1.0.0 to v1.12.0 `client/http.go`, v1.12.0 lines 24-33), and pings the
 * server until it answers before it polls (drone-runner-kube v1.0.0-rc.5 `command/daemon/daemon.go:232-252`): under
 * Drone 1.0 or 1.1 it logs "cannot ping the remote server" forever and runs no pipeline. From 1.2.0 to 2.28.2 the
 * server serves the same `/rpc/v2` routes and stage details (`operator/manager/rpc2/server.go`,
 * `operator/manager/manager.go` `Context`), with no version header either way (only `X-Drone-Token`), so no later
 * pair is refused. Checked by the tag's minor (`minorOf`), so that the minor tags Drone publishes beside each
 * release (`1.1`, `1.1-linux-amd64`, `0.8`) are refused as their releases are: harness v1.1.0
 * `.drone.yml:64-72,259-266` publishes the server and its manifest with `auto_tag`, which tags `1`, `1.1` and `1.1.0`
 * for v1.1.0 (drone-plugins/drone-docker v21.3.4 `tags.go:42-72`). A tag that names no minor (`1`, `2`, `2.x`, a
 * digest alone, a tag of your own) is not checked: `1` moved on to 1.10.1.
 */
export function checkRunnerServerRelease(server: IDroneServer): void {
  const image = server.image;
  const minor = image === undefined ? undefined : minorOf(image);
  if (image !== undefined && minor !== undefined && releaseBefore(minor, FIRST_RPC_V2)) {
    // the prop the user set: the server's `image` (DroneServerProps.image, or IDroneServer.image of a server of their
    // own), not the runner's `server`; shown as given, before any relocation to a mirror
    invalid('image', image.reference, `must be a Drone server of release ${FIRST_RPC_V2.join('.')}.0 or later beside a DroneKubeRunner (a tag of ` +
      `minor ${FIRST_RPC_V2.join('.')} or later, or one naming no minor), such as DroneServer.IMAGE: ${server.node.path} would never give the runner a ` +
      'pipeline, as the runner speaks only the runner protocol at /rpc/v2, which no Drone server before 1.2.0 serves (1.0 and 1.1 serve the old agents\' /rpc/v1)');
  }
}
