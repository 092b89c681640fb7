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
