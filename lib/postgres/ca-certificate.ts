import type { SecretKey } from '../core';
import type { k8s } from '../core/k8s';
import type { Mount } from '../core/pod';

/** The file a mounted CA bundle is, in the directory it is mounted in. */
export const CA_FILE = 'ca.crt';

/** A CA bundle's volume and its container's mount. @internal */
export interface CaCertificateMount {
  /** The container's mount of the CA bundle, when there is one. */
  readonly mounts: Mount[];
  /** The pod's volume of the CA bundle, when there is one. */
  readonly volumes: k8s.Volume[];
}

/**
 * The one way a pod gets a PostgreSQL server's CA bundle: the Secret key `ca` as `<directory>/ca.crt`, read-only, in
 * a volume `database-ca`, the Secret shared into the pod's `namespace` first (`selectorFor`: a generated Secret is
 * copied there, an existing one must live there). Nothing without a bundle. The caller points its client at the file
 * (`PGSSLROOTCERT`, or `sslrootcert` in a URL).
 *
 * @internal
 */
export function mountCaCertificate(ca: SecretKey | undefined, namespace: string, directory: string): CaCertificateMount {
  if (!ca) {
    return { mounts: [], volumes: [] };
  }
  return {
    mounts: [{ volume: 'database-ca', path: directory, readOnly: true }],
    volumes: [{ name: 'database-ca', secret: { secretName: ca.selectorFor(namespace).name, items: [{ key: ca.key, path: CA_FILE }] } }],
  };
}
