import { PipelineEvent } from '../../lib';
import { checkPipelineAccess } from '../../lib/ci/events';
import { refusal } from '../util';


describe('checkPipelineAccess', () => {
  // a JavaScript caller or a configuration file gives one repository as a string: it is refused as what it is, not read
  // a character at a time (which said `must not repeat "z"` of "acme/zz-app")
  test.each<[string, unknown, string]>([
    ['one repository as a string', 'acme/zz-app', 'invalid repos "acme/zz-app": must be a list of "owner/name" slugs or globs'],
    ['a string without repeated characters', 'acme/web', 'invalid repos "acme/web": must be a list of "owner/name" slugs or globs'],
    ['an object', { 0: 'acme/web' }, 'invalid repos {"0":"acme/web"}: must be a list of "owner/name" slugs or globs'],
    ['nothing', undefined, 'missing repos: must be a list of "owner/name" slugs or globs'],
  ])('refuses %s where a list is expected', (_what, repos, message) => {
    expect(refusal(() => checkPipelineAccess({ repos: repos as string[] }))).toBe(message);
  });

  test('refuses events given as a string in the same way', () => {
    expect(refusal(() => checkPipelineAccess({ repos: ['acme/web'], events: 'push' as unknown as PipelineEvent[] })))
      .toBe('invalid events "push": must be a list of events');
  });

  test('accepts a list, and defaults the events', () => {
    expect(checkPipelineAccess({ repos: ['acme/zz-app'] }).repos).toEqual(['acme/zz-app']);
  });
});

describe('repository slugs and globs', () => {
  const RULE = 'an owner and a name of letters, digits, "_", "." and "-", with "*" and "?" as wildcards, joined by "/"; a project in a GitLab ' +
    'subgroup names every group on its path, e.g. "acme/platform/api"';

  // a GitLab subgroup's project is its whole path to both engines: go-scm v1.42.2 scm/driver/gitlab/repo.go:220-222
  // with harness v2.28.2 service/repo/util.go:30 (Drone's slug), woodpecker v3.17.0 server/forge/gitlab/convert.go:61-67
  test.each(['acme/api', 'acme/platform/api', 'acme/platform/tools/lint', 'acme/platform/*', 'acme/*/api', 'Acme.io/web_app-2'])('takes %s', (repo) => {
    expect(checkPipelineAccess({ repos: [repo] }).repos).toEqual([repo]);
  });

  test.each(['acme', 'acme/', '/acme', 'acme//api', 'acme/platform/', 'acme/pl atform/api', 'acme/[ab]', 'https://gitlab.com/acme/api'])('refuses %s', (repo) => {
    expect(refusal(() => checkPipelineAccess({ repos: [repo] })))
      .toBe(`invalid repos ${JSON.stringify([repo])}: ${JSON.stringify(repo)} must be an "owner/name" slug or glob: ${RULE}`);
  });
});
