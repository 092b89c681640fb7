import { IConstruct } from 'constructs';
import { isInTree } from '../core/in-tree';

// Which NodeMirrorFiles make nodes pull Docker Hub through a mirror, for PullSecret's warning about Docker Hub logins
// in namespaces: the kubelet picks a pod's pull secrets by the registry the image names (`docker.io`), so a Docker
// Hub login there goes to the mirror host, which refuses it, and the pull falls back to Docker Hub. Not exported from
// lib/registry.

/** A `NodeMirrorFiles` that mirrors `docker.io`, and the mirror's endpoint. */
export interface DockerHubMirror {
  readonly files: IConstruct;
  readonly endpoint: string;
}

/** Per app root, the Docker Hub mirrors made, in order. */
const mirrors = new WeakMap<IConstruct, DockerHubMirror[]>();

/** Record `files`, a `NodeMirrorFiles` that mirrors `docker.io` through `endpoint`. */
export function recordDockerHubMirror(files: IConstruct, endpoint: string): void {
  const root = files.node.root;
  mirrors.set(root, [...(mirrors.get(root) ?? []), { files, endpoint }]);
}

/** The Docker Hub mirrors of the app of `scope` still in its tree (one refused halfway is taken out). */
export function dockerHubMirrors(scope: IConstruct): DockerHubMirror[] {
  return (mirrors.get(scope.node.root) ?? []).filter((m) => isInTree(m.files));
}
