import { checkDnsSubdomain, checkHostname } from '../../lib';
import { checkGitProviderKind, checkGitServer, GitProviderKind } from '../shared/git-provider';

export { GitProviderKind };

/** The settings of the embedded default stack. Every one has a default, so a fresh clone synthesizes as is. */
export interface DefaultStackConfig {
  /** The public host name of Drone (`DOCKYARD_HOST`). */
  readonly host: string;
  /** The public host name of Harbor (`DOCKYARD_HARBOR_HOST`). */
  readonly harborHost: string;
  /** The git provider (`DOCKYARD_GIT_PROVIDER`). */
  readonly gitProvider: GitProviderKind;
  /** The git provider's base URL, for self-hosted GitHub, GitLab or Gitea (`DOCKYARD_GIT_SERVER`). */
  readonly gitServer?: string;
  /** The OAuth client ID; the client secret goes in the Secret `drone-oauth` (`DOCKYARD_GIT_CLIENT_ID`). */
  readonly gitClientId: string;
  /** The organisation whose members may log in and whose repositories are synced (`DOCKYARD_ORG`). */
  readonly organization: string;
  /** The git provider login of the first Drone admin (`DOCKYARD_ADMIN`). */
  readonly admin: string;
  /** The IngressClass of the Drone Ingress (`DOCKYARD_INGRESS_CLASS`). */
  readonly ingressClassName: string;
  /** The cert-manager ClusterIssuer for Drone's and Harbor's certificates (`DOCKYARD_CERT_ISSUER`). */
  readonly certIssuer: string;
  /**
   * A registry that mirrors every image, for air-gapped clusters (`DOCKYARD_IMAGE_MIRROR`, e.g.
   * `registry.example.com/mirror`); then nothing pulls from Docker Hub, not even through Harbor.
   */
  readonly imageMirror?: string;
}

/** The defaults: placeholders that synthesize, to be replaced before a real deployment. */
export const DEFAULT_CONFIG: DefaultStackConfig = {
  host: 'drone.example.com',
  harborHost: 'harbor.example.com',
  gitProvider: GitProviderKind.GITHUB,
  gitClientId: 'replace-with-oauth-client-id',
  organization: 'example',
  admin: 'example-admin',
  ingressClassName: 'nginx',
  certIssuer: 'letsencrypt',
};

/** Read the configuration from `DOCKYARD_*` environment variables over the defaults, checking each. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DefaultStackConfig {
  const pick = (name: string, fallback: string) => env[name] ?? fallback;
  const provider = checkGitProviderKind('DOCKYARD_GIT_PROVIDER', pick('DOCKYARD_GIT_PROVIDER', DEFAULT_CONFIG.gitProvider));
  const gitServer = checkGitServer('DOCKYARD_GIT_SERVER', env.DOCKYARD_GIT_SERVER);
  return {
    host: checkHostname('DOCKYARD_HOST', pick('DOCKYARD_HOST', DEFAULT_CONFIG.host)),
    harborHost: checkHostname('DOCKYARD_HARBOR_HOST', pick('DOCKYARD_HARBOR_HOST', DEFAULT_CONFIG.harborHost)),
    gitProvider: provider,
    gitServer,
    gitClientId: pick('DOCKYARD_GIT_CLIENT_ID', DEFAULT_CONFIG.gitClientId),
    organization: pick('DOCKYARD_ORG', DEFAULT_CONFIG.organization),
    admin: pick('DOCKYARD_ADMIN', DEFAULT_CONFIG.admin),
    ingressClassName: checkDnsSubdomain('DOCKYARD_INGRESS_CLASS', pick('DOCKYARD_INGRESS_CLASS', DEFAULT_CONFIG.ingressClassName)),
    certIssuer: checkDnsSubdomain('DOCKYARD_CERT_ISSUER', pick('DOCKYARD_CERT_ISSUER', DEFAULT_CONFIG.certIssuer)),
    imageMirror: env.DOCKYARD_IMAGE_MIRROR,
  };
}
