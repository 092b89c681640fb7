/**
 * What DigitalOcean accepts as a VPC's private range, checked before a `KubernetesCluster` registers anything. Pure:
 * no Pulumi resource is created here.
 */
import { invalid } from '../../core/validation';

/** The private ranges of RFC 1918, as [first address, prefix length]. */
const RFC1918: readonly [number, number][] = [[0x0a000000, 8], [0xac100000, 12], [0xc0a80000, 16]];

const ALLOWED = 'must be a private range of RFC 1918 in CIDR notation, from /16 to /28, whose address is the range\'s first ' +
  '(e.g. 10.110.0.0/20): DigitalOcean refuses any other (API reference, "Create a New VPC", ip_range)';

/**
 * Check `range` as DigitalOcean's VPC API takes an `ip_range`: CIDR notation, in RFC 1918's private ranges, no
 * larger than /16 nor smaller than /28 (DigitalOcean API reference, VPCs, "Create a New VPC"), and written with
 * the range's first address, as a network is; names `prop` (e.g. `vpcIpRange`) if it is not one. A range that
 * overlaps another VPC of the account is DigitalOcean's to refuse: the program cannot see the account's VPCs.
 *
 * @returns the range
 */
export function checkVpcIpRange(prop: string, range: string): string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(typeof range === 'string' ? range : '');
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefix = match ? Number(match[5]) : -1;
  if (!match || octets.some((o, i) => o > 255 || String(o) !== match[i + 1]) || prefix < 16 || prefix > 28) {
    invalid(prop, range, ALLOWED);
  }
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  const inPrivate = RFC1918.some(([first, length]) => ((address & ((0xffffffff << (32 - length)) >>> 0)) >>> 0) === first);
  if (!inPrivate || ((address & mask) >>> 0) !== address) {
    invalid(prop, range, ALLOWED);
  }
  return range;
}
