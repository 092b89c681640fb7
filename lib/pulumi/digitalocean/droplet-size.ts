/** The shape of a Droplet size slug, the size of a DOKS node pool. Pure: no Pulumi resource is created here. */
import { invalid } from '../../core/validation';

// Permissive on purpose: DigitalOcean adds sizes often, so only the shape is checked, `<family>-<part>[-<part>…]`
// in lower case: s-2vcpu-4gb, s-2vcpu-4gb-amd, c-2, g-4vcpu-16gb, so1_5-2vcpu-16gb, gpu-h100x1-80gb (the
// `DropletSlug` enum of @pulumi/digitalocean). The legacy sizes without a family, such as `2gb`, are refused: DOKS
// node pools don't offer them.
const DROPLET_SIZE = /^[a-z][a-z0-9_]*(-[a-z0-9]+)+$/;

/**
 * Check the shape of a Droplet size slug such as `s-2vcpu-4gb`, `c-2` or `g-4vcpu-16gb`, naming `prop` (e.g.
 * `nodeSize`) if it isn't one. Whether DigitalOcean offers the size in a region is known only to its API.
 *
 * @returns the slug
 */
export function checkDropletSize(prop: string, size: string): string {
  if (typeof size !== 'string' || !DROPLET_SIZE.test(size)) {
    invalid(prop, size, 'must be a DigitalOcean Droplet size slug in lower case, such as "s-2vcpu-4gb", "c-2" or "g-4vcpu-16gb"');
  }
  return size;
}
