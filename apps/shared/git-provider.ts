import { checkUrl, GitProvider, invalid, SecretKey } from '../../lib';

/** The git providers the example stacks can log in with, by their configuration names. */
export enum GitProviderKind {
  GITHUB = 'github',
  GITLAB = 'gitlab',
  GITEA = 'gitea',
  BITBUCKET = 'bitbucket',
}

/** Check a provider name from configuration (`prop` names the setting in errors). */
export function checkGitProviderKind(prop: string, value: string): GitProviderKind {
  if (!Object.values(GitProviderKind).includes(value as GitProviderKind)) {
    invalid(prop, value, `must be one of ${Object.values(GitProviderKind).join(', ')}`);
  }
  return value as GitProviderKind;
}

/** Check an optional self-hosted provider URL from configuration. */
export function checkGitServer(prop: string, value: string | undefined): string | undefined {
  if (value !== undefined) {
    checkUrl(prop, value, ['https', 'http']);
  }
  return value;
}

/** The `GitProvider` of a configured kind; Gitea has no public default, so it needs `server`. */
export function gitProviderOf(kind: GitProviderKind, app: { clientId: string; clientSecret: SecretKey; server?: string }): GitProvider {
  switch (kind) {
    case GitProviderKind.GITHUB: return GitProvider.github(app);
    case GitProviderKind.GITLAB: return GitProvider.gitlab(app);
    case GitProviderKind.GITEA: return GitProvider.gitea({ ...app, server: app.server ?? 'https://gitea.example.com' });
    case GitProviderKind.BITBUCKET: return GitProvider.bitbucketCloud(app);
  }
}
