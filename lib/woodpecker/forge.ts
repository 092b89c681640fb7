import { GitProvider } from '../ci/git-provider';
import { EnvVars } from '../core/env';

/**
 * The forge variables of the Woodpecker server for a git provider (woodpecker v3.17.0 `cmd/server/flags.go`):
 * `WOODPECKER_<KIND>=true` picks the forge (`:561-609`; `server/services/setup.go:140-176` takes the first set),
 * `WOODPECKER_<KIND>_URL` its base URL (`:478-482`; Bitbucket Cloud has none, `setup.go:167-168`),
 * `WOODPECKER_<KIND>_CLIENT` the OAuth client ID (`:494-500`) and `WOODPECKER_<KIND>_SECRET` the client secret
 * (`:519-525`), which comes from its Secret.
 */
export function bindForge(env: EnvVars, provider: GitProvider): void {
  env.value(`WOODPECKER_${provider.kind}`, 'true');
  if (provider.server !== undefined) {
    env.value(`WOODPECKER_${provider.kind}_URL`, provider.server);
  }
  env.value(`WOODPECKER_${provider.kind}_CLIENT`, provider.clientId);
  env.secret(`WOODPECKER_${provider.kind}_SECRET`, provider.clientSecret);
}

/** The provider's name as `checkGitAccount` knows it, e.g. `github`. */
export function forgeName(provider: GitProvider): string {
  return provider.kind.toLowerCase();
}
