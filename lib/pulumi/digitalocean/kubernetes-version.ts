/** The shapes of DOKS versions. Pure: no Pulumi resource is created here, so a program's settings can use it. */
import { invalid } from '../../core/validation';

/**
 * Check a DOKS version slug such as `1.34.1-do.0` (`doctl kubernetes options versions`), naming `prop`. Whether
 * DigitalOcean still offers it is known only to its API.
 *
 * @returns the slug
 */
export function checkKubernetesVersion(prop: string, version: string): string {
  if (typeof version !== 'string' || !/^1\.\d+\.\d+-do\.\d+$/.test(version)) {
    invalid(prop, version, 'must be a DOKS version slug such as "1.34.1-do.0", from `doctl kubernetes options versions`');
  }
  return version;
}

/**
 * Check a Kubernetes minor version followed by a dot, such as `1.34.`, naming `prop`.
 *
 * @returns the prefix
 */
export function checkKubernetesVersionPrefix(prop: string, prefix: string): string {
  if (typeof prefix !== 'string' || !/^1\.\d+\.$/.test(prefix)) {
    invalid(prop, prefix, 'must be a Kubernetes minor version followed by a dot, such as "1.34."');
  }
  return prefix;
}
