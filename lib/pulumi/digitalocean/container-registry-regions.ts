/**
 * The regions DigitalOcean Container Registry can be created in, checked before a `ContainerRegistry` registers
 * anything and by programs that read the region from their settings. Pure: no Pulumi resource is created here.
 */
import { invalid } from '../../core/validation';

/**
 * The regions a registry can be created in: the `region` enum of the DO API's `POST /v2/registries` (DoTs
 * `registries create` reference, v1.21.0; `doctl registry options available-regions` lists them live). Regions with
 * Spaces such as `tor1`, `lon1` and `atl1` have no registry.
 */
export const DOCR_REGIONS: readonly string[] = ['ams3', 'blr1', 'fra1', 'nyc3', 'sfo2', 'sfo3', 'sgp1', 'syd1'];

/**
 * Check that a registry can be created in `region` (one of `DOCR_REGIONS`), naming `prop` (e.g. `region`) if not.
 *
 * @returns the region
 */
export function checkRegistryRegion(prop: string, region: string): string {
  if (!DOCR_REGIONS.includes(region)) {
    invalid(prop, region, `must be a region with DigitalOcean Container Registry: ${DOCR_REGIONS.join(', ')}`);
  }
  return region;
}
