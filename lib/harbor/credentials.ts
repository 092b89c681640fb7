import { Construct } from 'constructs';
import { Secret, SecretKey, SecretValue } from '../core';

/** The user core and jobservice log in to the registry as. */
export const REGISTRY_USER = 'harbor_registry_user';

/**
 * Harbor's internal credentials, generated once by the secret source and never at synth: the chart's random
 * values churn on every render, logging users out and invalidating tokens.
 */
export class HarborCredentials extends Construct {
  /** Shared by core and the other components to authenticate internal calls (`CORE_SECRET`). */
  public readonly coreSecret: SecretKey;
  /** Authenticates calls to jobservice and registryctl (`JOBSERVICE_SECRET`). */
  public readonly jobserviceSecret: SecretKey;
  /** The AES key core encrypts stored credentials with: exactly 16 characters (`/etc/core/key`). */
  public readonly secretKey: SecretKey;
  /** The CSRF key: exactly 32 characters, shared by every core replica. */
  public readonly csrfKey: SecretKey;
  /** The name prefix of the robots core makes for each scan (`ROBOT_SCANNER_NAME_PREFIX`): random, as Harbor's installer makes it. */
  public readonly scannerPrefix: SecretKey;
  /**
   * The RSA key core signs registry tokens with, shared by every core replica. No certificate of it is rendered:
   * the registry authenticates core with htpasswd, not tokens, and core reads only the key
   * (goharbor/harbor v2.15.1 src/lib/config/config.go:35, `/etc/core/private_key.pem`).
   */
  public readonly tokenKey: SecretKey;
  /** The password of the `admin` user, used at first start and by the configuration Job. */
  public readonly adminPassword: SecretKey;
  /** The registry's `http.secret`, shared by its replicas. */
  public readonly registryHttpSecret: SecretKey;
  /** The password core and jobservice log in to the registry with. */
  public readonly registryPassword: SecretKey;
  /** The registry's htpasswd line for that password, bcrypt-hashed once. */
  public readonly registryHtpasswd: SecretKey;

  public constructor(scope: Construct, id: string, props: { name: string; namespace: string; adminPassword?: SecretKey }) {
    super(scope, id);
    const { name, namespace } = props;
    const core = new Secret(this, 'Core', {
      name: `${name}-core`,
      namespace,
      values: {
        'secret': SecretValue.alphanumeric(16),
        // core's secretkey: the AES key of ReversibleEncrypt (src/common/utils/encrypt.go), over the stored endpoint credentials
        // and the password-type settings (v2.15.1 src/pkg/config/db/db.go:75), and each OIDC user's CLI secret and token
        // (src/core/controllers/oidc.go:406-420; read back by src/pkg/oidc/secret.go:99-113, where a value under another
        // key decrypts, AES-CFB without authentication, to another value and the docker login fails as a mismatch)
        'secret-key': SecretValue.alphanumeric(16).encrypting('the endpoint credentials, the password settings (LDAP, email, OIDC) and the OIDC users\' CLI secrets Harbor stores in PostgreSQL'),
        'csrf-key': SecretValue.alphanumeric(32),
        // Harbor's default prefix is "scanner" (v2.15.1 src/lib/config/metadata/metadatalist.go:156); its installer draws
        // 8 random letters and digits (make/photon/prepare/utils/core.py:26), here 16. A proxy-cache project takes pushes from
        // any robot named `robot$<project>+<prefix>…` (src/server/middleware/repoproxy/proxy.go:324-340, isProxySession),
        // which a project admin can create: with the default, they could push images every puller of the cache gets
        'scanner-prefix': SecretValue.alphanumeric(16),
        'token-key': SecretValue.rsaPrivateKey(4096),
        // core sets HARBOR_ADMIN_PASSWORD only while the admin has no password (goharbor/harbor v2.15.1 src/core/main.go:94-111,
        // updateInitPassword: an empty salt; otherwise it logs that the setting is ignored): core's checksum counts the key
        // by name, so a rotation does not roll core; the configuration Jobs, which log in with it, run again
        'admin-password': SecretValue.password(24).readOnFirstStart('change the admin password in Harbor (its UI or API) to the new value'),
      },
    });
    this.coreSecret = core.key('secret');
    this.secretKey = core.key('secret-key');
    this.csrfKey = core.key('csrf-key');
    this.scannerPrefix = core.key('scanner-prefix');
    this.tokenKey = core.key('token-key');
    this.adminPassword = props.adminPassword ?? core.key('admin-password');
    this.jobserviceSecret = new Secret(this, 'Jobservice', {
      name: `${name}-jobservice`, namespace, values: { secret: SecretValue.alphanumeric(16) },
    }).key('secret');
    const registry = new Secret(this, 'Registry', {
      name: `${name}-registry`,
      namespace,
      values: { 'http-secret': SecretValue.alphanumeric(32), 'password': SecretValue.alphanumeric(32) },
    });
    this.registryHttpSecret = registry.key('http-secret');
    this.registryPassword = registry.key('password');
    this.registryHtpasswd = new Secret(this, 'Htpasswd', {
      name: `${name}-registry-htpasswd`, namespace, values: { htpasswd: SecretValue.htpasswd(REGISTRY_USER, this.registryPassword) },
    }).key('htpasswd');
  }
}
