import { PrivateProject } from '../../lib/core/pull-access';
import { deniedLogins, pullGrant } from '../../lib/core/pull-refusal';

const PROJECT: PrivateProject = { host: 'harbor.example.com', imageHost: 'harbor.example.com:443', project: 'apps', proxyCache: false };

describe('the pull checks\' shared wording', () => {
  test('pullGrant names the factory call that grants the pull', () => {
    expect(pullGrant(PROJECT)).toBe('RobotPermission.pull("apps")');
  });

  test('deniedLogins names the host as the image does, each login, and the grant; one robot or several', () => {
    expect(deniedLogins(PROJECT, 'the pull secrets it lists ("a")', ['robot$a'])).toEqual([
      'the only login to harbor.example.com:443 among the pull secrets it lists ("a"), "robot$a", may not pull from it',
      'give that robot RobotPermission.pull("apps")',
    ]);
    expect(deniedLogins(PROJECT, 'the pull secrets it lists ("a", "b")', ['robot$a', 'robot$b'], 'a note')).toEqual([
      'the only logins to harbor.example.com:443 among the pull secrets it lists ("a", "b"), "robot$a", "robot$b", may not pull from it',
      'give one of those robots RobotPermission.pull("apps") (a note)',
    ]);
  });
});
