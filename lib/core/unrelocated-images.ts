import { IConstruct } from 'constructs';
import { dockerHubHostCase, Image, imageOrUndefined, Images } from './image';
import { describeObject } from './object-names';
import { isUserError } from './validation';
import { podContainers, podTemplateOf } from './pod-template-of';
import { warnOnce } from './warn';

// Relocations (`Images.relocate`, `relocateAll`) rewrite the images of Dockyard's constructs, which resolve them; a
// workload of the user's own (an ApiObject, a cdk8s-plus Deployment) names its images itself. Under a mirror (an
// air-gapped cluster) such a pod would pull from where its image names, which the nodes may not reach, and
// images.pairs.txt would not list the image to copy: a trial relocated everything and found its own Deployment still
// on Docker Hub. Synth warns of each, but not of a workload the app relocates upstream on purpose (`Images.relocate(it,
// ImageRelocation.upstream())`, under a relocation that is not `relocateAll`): its image is then where it should be.

/** A rendered workload (a kind of `POD_TEMPLATE_KINDS`) that no Dockyard construct made, and the construct that rendered it. */
export interface UserWorkload {
  readonly owner: IConstruct;
  readonly object: any;
}

/**
 * Warn, once per workload, of each of `workloads` that pulls an image a relocation above it would move to a mirror
 * (`ImageRelocation.registry`) if a Dockyard construct pulled it there. Only where the app relocates to a mirror at
 * all; an image already relocated (named through `Images.resolve`) is not warned of. And, mirror or not, of each
 * image a workload names on one of Docker Hub's host names with capitals (`Docker.io/...`), which `Image.of` refuses
 * (`dockerHubHostCase`) and which the relocations and the nodes' Docker Hub mirrors would otherwise pass over unsaid.
 *
 * @internal
 */
export function warnUnrelocatedImages(scope: IConstruct, workloads: readonly UserWorkload[]): void {
  if (workloads.length === 0) {
    return;
  }
  const mirrored = Images.mirrored(scope);
  const relocated = mirrored ? new Set(Images.relocatedPairs(scope).map((pair) => pair.slice(pair.indexOf(' ') + 1))) : new Set<string>();
  for (const { owner, object } of workloads) {
    const images = podContainers(podTemplateOf(object)?.spec).map((c: any) => c?.image).filter((i: unknown) => typeof i === 'string');
    for (const reference of images as string[]) {
      const image = imageOrUndefined(reference);
      if (image === undefined) {
        // a Docker Hub name with capitals is pulled from a registry of that name, past the nodes' docker.io mirrors
        // and any relocation (containerd v2.3.4 core/remotes/docker/config/hosts.go:102-104, config_unix.go:25-37):
        // Image.of refuses it in Dockyard's constructs, and a workload of the user's own is warned of
        const hostCase = dockerHubHostCase(reference);
        if (hostCase !== undefined) {
          warnOnce(scope, `${describeObject(object)} (${owner.node.path}) pulls ${reference}: an image ${hostCase}; Dockyard's ` +
            'constructs refuse it, and this workload\'s pods pull it past any docker.io mirror of the nodes');
        }
        continue;
      }
      if (!mirrored) {
        continue;
      }
      // where a construct of Dockyard's would pull it; a name the mirror would refuse (past 255 characters) is
      // still one the mirror moves, and this workload's pods pull the image as it names it all the same
      let resolved: Image | undefined;
      try {
        resolved = Images._peek(owner, image);
      } catch (err) {
        if (!isUserError(err)) throw err;
      }
      // not one the relocation leaves where it is (one already under the mirror's prefix, or on a registry of the
      // app's own), nor one already relocated (named through Images.resolve)
      if (resolved?.registry === image.registry || relocated.has(image.reference) || relocated.has(reference)) {
        continue;
      }
      const name = describeObject(object);
      warnOnce(scope, `${name} (${owner.node.path}) pulls ${reference} as it names it: image relocations rewrite the images of Dockyard's ` +
        `constructs only, so its pods do not pull ${resolved?.reference ?? 'it from the mirror'}, and images.pairs.txt does not list it; to relocate it, name it through ` +
        `Images.resolve; to keep it as it is, where the nodes reach its registry, Images.relocate(<its construct>, ImageRelocation.upstream()) (README, ` +
        '"Pull secrets, image relocation and node mirrors")');
      break;
    }
  }
}
