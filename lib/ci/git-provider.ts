import { checkHttpsBaseUrl, checkOAuthClientId, describeValue, invalid, missing, SecretKey } from '../core';
import { EnvVars } from '../core/env';

/** An OAuth application registered with a git provider. */
export interface OAuthAppProps {
  /** The OAuth client ID; not a secret. */
  readonly clientId: string;
  /** The OAuth client secret. */
  readonly clientSecret: SecretKey;
}

/** A self-hostable git provider's OAuth application. */
export interface GitServerProps extends OAuthAppProps {
  /**
   * The provider's base URL.
   *
   * @default - the public service: https://github.com or https://gitlab.com
   */
  readonly server?: string;
}

/** Props of a Gitea provider, which has no public default. */
export interface GiteaProps extends OAuthAppProps {
  /** The Gitea server's base URL. */
  readonly server: string;
}

/** A path that ends in GitHub Enterprise's REST API root, which the engines append to the server themselves. */
const GITHUB_API_PATH = /\/api\/v3$/i;
/** A path that ends in GitLab's REST API root. */
const GITLAB_API_PATH = /\/api\/v4$/i;

/**
 * Check the URL of a self-managed GitLab (`checkHttpsBaseUrl`) and return it without a trailing slash: the base URL
 * GitLab is served at (a relative URL root such as `/gitlab` included), not its API root. Woodpecker sends users'
 * browsers to `<server>/oauth/authorize` and exchanges codes at `<server>/oauth/token` (woodpecker-ci/woodpecker
 * v3.17.0 server/forge/gitlab/gitlab.go:96-104), which GitLab serves at its base URL, never under `/api/v4`.
 */
export function checkGitLabServer(prop: string, value: string): string {
  const server = checkHttpsBaseUrl(prop, value);
  if (GITLAB_API_PATH.test(server)) {
    invalid(prop, value, `must be GitLab's base URL, without its /api/v4 API root: log-in goes to <server>/oauth/authorize; give ` +
      `${describeValue(server.replace(GITLAB_API_PATH, ''))}`);
  }
  return server;
}

/**
 * Check the URL of a GitHub server (`checkHttpsBaseUrl`) and return it without a trailing slash: the base URL of a
 * GitHub Enterprise Server, not its API root. Both engines append `/api/v3` to a server other than github.com
 * themselves (harness/harness v2.28.2 cmd/drone-server/config/config.go:580-589 `configureGithub`;
 * woodpecker-ci/woodpecker v3.17.0 server/forge/github/github.go:78-81), and Woodpecker sends users' browsers to
 * `<server>/login/oauth/authorize` (github.go:488-499): `https://github.example.com/api/v3` would call
 * `/api/v3/api/v3`.
 */
export function checkGitHubServer(prop: string, value: string): string {
  const server = checkHttpsBaseUrl(prop, value);
  if (GITHUB_API_PATH.test(server)) {
    invalid(prop, value, `must be the server's base URL, without the /api/v3 that the CI engines append to it: give the base URL, ` +
      `${describeValue(server.replace(GITHUB_API_PATH, ''))}`);
  }
  return server;
}

/** What a `gitProvider` prop accepts, in words, for messages. */
export const GIT_PROVIDER_RULE = 'must be a GitProvider, e.g. GitProvider.github({ clientId, clientSecret })';

/**
 * The git provider (a Woodpecker "forge") that the CI server logs users in with and syncs repositories from. A
 * server has exactly one.
 *
 * The OAuth redirect URL to register with the provider is `<proto>://<host>/login` for Drone, and
 * `<proto>://<host>/authorize` for Woodpecker.
 */
export class GitProvider {
  /** GitHub or GitHub Enterprise; a server is its base URL (`checkGitHubServer`). */
  public static github(props: GitServerProps): GitProvider {
    return new GitProvider('GITHUB', props, props.server === undefined ? 'https://github.com' : checkGitHubServer('server', props.server));
  }

  /** GitLab.com or a self-managed GitLab; a server is its base URL (`checkGitLabServer`). */
  public static gitlab(props: GitServerProps): GitProvider {
    return new GitProvider('GITLAB', props, props.server === undefined ? 'https://gitlab.com' : checkGitLabServer('server', props.server));
  }

  /** A Gitea server. */
  public static gitea(props: GiteaProps): GitProvider {
    if (props.server === undefined) {
      missing('server', 'must be set: the https base URL of the Gitea server, such as "https://gitea.example.com"');
    }
    return new GitProvider('GITEA', props, props.server);
  }

  /** Bitbucket Cloud. */
  public static bitbucketCloud(props: OAuthAppProps): GitProvider {
    const server = (props as { server?: unknown }).server;
    if (server !== undefined) {
      // a JavaScript caller's server would otherwise be dropped silently
      invalid('server', server, 'must be unset: Bitbucket Cloud has no server setting');
    }
    return new GitProvider('BITBUCKET', props, undefined);
  }

  /** The provider's base URL without a trailing slash, if configurable. */
  public readonly server: string | undefined;
  /** The OAuth client ID. */
  public readonly clientId: string;
  /** The OAuth client secret. */
  public readonly clientSecret: SecretKey;

  private constructor(
    /** The provider's segment of the engines' variable names, e.g. `GITHUB`. */
    public readonly kind: string,
    private readonly app: OAuthAppProps,
    server: string | undefined,
  ) {
    checkOAuthClientId('clientId', app.clientId);
    this.clientId = app.clientId;
    this.clientSecret = app.clientSecret;
    // https only: Drone sends the OAuth client secret and users' access tokens there
    this.server = server === undefined ? undefined : checkHttpsBaseUrl('server', server);
  }

  /** The Drone server's variables of the provider. @internal */
  public _bind(env: EnvVars): void {
    if (this.server !== undefined) {
      env.value(`DRONE_${this.kind}_SERVER`, this.server);
    }
    env.value(`DRONE_${this.kind}_CLIENT_ID`, this.app.clientId);
    env.secret(`DRONE_${this.kind}_CLIENT_SECRET`, this.app.clientSecret);
  }
}
