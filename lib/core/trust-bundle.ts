import * as fs from 'fs';
import { Construct } from 'constructs';
import { checkCertificatePem } from './certificate-pem';
import { EnvVars } from './env';
import { kube } from './k8s';
import type { k8s } from './k8s';
import type { Mount } from './pod';
import { SecretKey } from './secret';
import { checkObject, CONFIG_MAP_KEY_RULE, invalid, invalidPath, isConfigMapKey, isDnsSubdomain, VALIDATION_RULES } from './validation';

/** The file a trust bundle is projected as, in the directory `SSL_CERT_DIR` names. */
export const TRUST_BUNDLE_FILE = 'trust-bundle.crt';
/** The ConfigMap key a PEM given to `TrustBundle.fromPem` is rendered under. */
const PEM_KEY = 'ca.crt';

/**
 * The CA certificates the platform's servers trust beyond the public ones their images carry: a company's private CA
 * that signs a self-hosted GitLab, GitHub Enterprise or Gitea, an OIDC provider, or an upstream registry.
 *
 * A consumer (the Drone and Woodpecker servers; Harbor core, jobservice and Trivy, and the registry for S3 storage at a
 * private endpoint) mounts it read-only in a directory that `SSL_CERT_DIR` names. Each of them is a Go program whose TLS clients take the system roots
 * (`tls.Config.RootCAs` nil, or `x509.SystemCertPool()`), and Go's `loadSystemRoots` reads the first of its bundle
 * files that exists (the image's own) and then every file of each `SSL_CERT_DIR` directory, which replaces only the
 * default directories, skipping only symlinks whose target has no "/" (golang/go src/crypto/x509/root_unix.go
 * `loadSystemRoots`, `isSameDirSymlink`; the kubelet's files in a volume link to `..data/<path>`, so they are read):
 * the public roots stay trusted, and the private CA is added. Nothing is written into the image, so it works under a
 * read-only root filesystem, where Harbor's own `install_cert.sh` (which appends to /etc/pki/tls/certs/ca-bundle.crt)
 * cannot run. Go loads the roots once per process, so a changed bundle needs new pods: the bundle is part of each
 * consumer's inputs checksum, and rolls exactly those pods.
 *
 * Pipelines' clone steps are not given it: neither runner can mount a file into them (see the README, "A private CA").
 */
export class TrustBundle {
  /**
   * A bundle of one or more PEM certificates, checked at synth (each block must parse as X.509; a private key is
   * refused) and rendered in a ConfigMap beside each consumer, whose content is in that consumer's checksum.
   */
  public static fromPem(pem: string): TrustBundle {
    return new TrustBundle({ pem: checkCertificatePem('trustBundle', pem) });
  }

  /**
   * The PEM bundle in `file`, read at synth and checked as `fromPem` checks it; `name` is what a refusal names, such
   * as the variable that gave the path, with the path (never the file's text).
   */
  public static fromFile(file: string, name: string = 'trustBundle'): TrustBundle {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      return invalidPath(name, file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}): it must be a PEM file of CA certificates`);
    }
    return new TrustBundle({ pem: checkCertificatePem(name, text, file) });
  }

  /**
   * A key of an existing ConfigMap, in the namespace of every consumer (as trust-manager's `Bundle` writes one).
   * Dockyard does not read it: it is counted in the checksum by name, so give a new ConfigMap name to roll the pods
   * when its certificates change.
   */
  public static fromConfigMap(name: string, key: string = PEM_KEY): TrustBundle {
    if (!isDnsSubdomain(name)) {
      invalid('trustBundle', name, `must name a ConfigMap: ${VALIDATION_RULES.dnsSubdomain}`);
    }
    if (!isConfigMapKey(key)) {
      invalid('trustBundle', key, `must name a ConfigMap key: ${CONFIG_MAP_KEY_RULE}`);
    }
    return new TrustBundle({ configMap: { name, key } });
  }

  /** A key of a Secret holding the PEM bundle, shared into each consumer's namespace as other Secret keys are. */
  public static fromSecret(key: SecretKey): TrustBundle {
    return new TrustBundle({ secret: checkObject('trustBundle', key, 'must be a SecretKey, e.g. Secret.fromSecretName(scope, id, name).key("ca.crt")', SecretKey) });
  }

  private readonly source: { readonly pem?: string; readonly configMap?: { name: string; key: string }; readonly secret?: SecretKey };

  private constructor(source: TrustBundle['source']) {
    this.source = source;
  }

  /**
   * The bundle as a projected volume source, as `<dir>/trust-bundle.crt`, for a pod in `namespace`; a PEM bundle is
   * rendered as the ConfigMap `name` there, below `scope`.
   *
   * @internal
   */
  public _projection(scope: Construct, namespace: string, name: string): k8s.VolumeProjection {
    const { pem, configMap, secret } = this.source;
    if (pem !== undefined) {
      kube(scope, 'TrustBundle', 'ConfigMap', { metadata: { name, namespace }, data: { [PEM_KEY]: pem } });
      return { configMap: { name, items: [{ key: PEM_KEY, path: TRUST_BUNDLE_FILE }] } };
    }
    if (configMap !== undefined) {
      return { configMap: { name: configMap.name, items: [{ key: configMap.key, path: TRUST_BUNDLE_FILE }] } };
    }
    const selector = secret!.selectorFor(namespace);
    return { secret: { name: selector.name, items: [{ key: selector.key, path: TRUST_BUNDLE_FILE }] } };
  }
}

/**
 * `value` as a `TrustBundle`, or a one-line refusal naming the prop `trustBundle` (every consumer's): the one check
 * of the prop, for the CI servers (`mountTrustBundle`) and Harbor alike.
 *
 * @internal
 */
export function checkTrustBundle(value: TrustBundle): TrustBundle {
  return checkObject('trustBundle', value, 'must be a TrustBundle: TrustBundle.fromPem(pem), .fromFile(path), .fromConfigMap(name, key) or ' +
    '.fromSecret(key)', TrustBundle);
}

/** Where a CI server mounts its trust bundle: the one directory `SSL_CERT_DIR` names. */
export const TRUST_BUNDLE_DIR = '/etc/dockyard-ca';

/**
 * The one way a single-container server trusts `bundle`: a read-only projected volume `trust-bundle` at
 * `TRUST_BUNDLE_DIR`, named by `SSL_CERT_DIR` (see `TrustBundle`), and a PEM bundle's ConfigMap `<name>-trust-bundle`.
 * Nothing without a bundle. Harbor puts its projection into the volume of its other CAs instead (`trustMounts`).
 *
 * @internal
 */
export function mountTrustBundle(scope: Construct, bundle: TrustBundle | undefined, env: EnvVars, namespace: string, name: string): { volumes: k8s.Volume[]; mounts: Mount[] } {
  if (bundle === undefined) {
    return { volumes: [], mounts: [] };
  }
  checkTrustBundle(bundle);
  env.value('SSL_CERT_DIR', TRUST_BUNDLE_DIR);
  return {
    volumes: [{ name: 'trust-bundle', projected: { sources: [bundle._projection(scope, namespace, `${name}-trust-bundle`)] } }],
    mounts: [{ volume: 'trust-bundle', path: TRUST_BUNDLE_DIR, readOnly: true }],
  };
}
