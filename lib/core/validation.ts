/**
 * Input checks shared by every construct. Each throws a `ValidationError` naming the prop, the bad value and
 * what is allowed, so a bad stack fails at synth time, before anything is written.
 */

/** An invalid prop value, raised while the construct tree is built. */
export class ValidationError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** Throw a `ValidationError` for `prop` with its bad `value` and a description of what is `allowed`. */
export function invalid(prop: string, value: unknown, allowed: string): never {
  throw new ValidationError(`invalid ${prop} ${JSON.stringify(value)}: ${allowed}`);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Check an RFC 1123 DNS label (names of Namespaces, Services and most objects' name segments). */
export function checkDnsLabel(prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    invalid(prop, value, 'must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit');
  }
  return value;
}

/** Check an RFC 1123 DNS subdomain (names of Secrets, ConfigMaps, Deployments and other objects). */
export function checkDnsSubdomain(prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 253 || !value.split('.').every((l) => l.length <= 63 && DNS_LABEL.test(l))) {
    invalid(prop, value, 'must be a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels');
  }
  return value;
}

/** Check a fully qualified host name, optionally followed by `:port` when `allowPort` is set. */
export function checkHostname(prop: string, value: string, options: { allowPort?: boolean } = {}): string {
  const match = typeof value === 'string' ? /^([^:]+)(?::(\d+))?$/.exec(value) : null;
  const host = match?.[1] ?? '';
  const validHost = host.length <= 253 && host.split('.').every((l) => l.length <= 63 && DNS_LABEL.test(l));
  const validPort = match?.[2] === undefined || (options.allowPort === true && Number(match[2]) >= 1 && Number(match[2]) <= 65535);
  if (!match || !validHost || !validPort) {
    invalid(prop, value, `must be a lower-case DNS host name${options.allowPort ? ', optionally with :port' : ''}, without scheme or path`);
  }
  return value;
}

const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const SUFFIX: Record<string, number> = {
  '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/** Check a Kubernetes resource quantity such as `250m`, `1.5` or `512Mi`, and return its numeric value. */
export function parseQuantity(prop: string, value: string): number {
  const match = typeof value === 'string' ? QUANTITY.exec(value) : null;
  if (!match) {
    invalid(prop, value, 'must be a Kubernetes quantity such as "250m", "2", "512Mi" or "10Gi"');
  }
  return Number(match[1]) * SUFFIX[match[3] ?? ''];
}

/** Check a URL whose scheme is one of `schemes`. */
export function checkUrl(prop: string, value: string, schemes: readonly string[]): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !schemes.includes(url.protocol.replace(/:$/, '')) || url.hostname === '') {
    invalid(prop, value, `must be an absolute URL with scheme ${schemes.join(' or ')}`);
  }
  if (url.username !== '' || url.password !== '') {
    invalid(prop, value, 'must not embed credentials; pass them as a secret reference');
  }
  return url;
}

/** Check a TCP port number. */
export function checkPort(prop: string, value: number): number {
  return checkInteger(prop, value, 1, 65535);
}

/** Check an integer within `[min, max]`. */
export function checkInteger(prop: string, value: number, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(prop, value, max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Check that a list is not empty and holds no duplicates. */
export function checkUniqueList<T>(prop: string, values: readonly T[], options: { allowEmpty?: boolean } = {}): readonly T[] {
  if (!options.allowEmpty && values.length === 0) {
    invalid(prop, values, 'must not be empty');
  }
  const seen = new Set<T>();
  for (const v of values) {
    if (seen.has(v)) {
      invalid(prop, values, `must not repeat ${JSON.stringify(v)}`);
    }
    seen.add(v);
  }
  return values;
}
