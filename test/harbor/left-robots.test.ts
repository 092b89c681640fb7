// A robot that leaves the code without Harbor.retireRobot (renamed, removed) stays in Harbor with its permissions and
// a secret that never expires: each synth warns of it against the secret state (lib/harbor/left-robots.ts). A team's
// robots are TeamPlatform's to warn of (test/team/team-retire.test.ts, "offboarding mistakes").
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { DockyardChart, LocalSecretStore, RobotPermission, synthesize } from '../../lib';
import { copyKeptState, keptState } from '../integ/rendered';
import { platform } from '../team/fixtures';
import { stateReviewHarbor } from './fixtures';
import { stderrOf } from '../util';
import { keptLists, keptListWarnings } from '../../lib/core/kept-lists';
import { withPreviousMark } from '../../lib/pulumi/previous-mark';

/** What a synth of `app`'s Secrets on the state in `dir` prints on stderr, line by line. */
function stderrLines(app: App, dir: string): string[] {
  return stderrOf(() => new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }).render(app)).split('\n').filter((l) => l !== '');
}

/** The warnings among `lines`. */
const warnings = (lines: string[]) => lines.filter((l) => l.startsWith('dockyard: warning:'));

/** An app whose Harbor (platform/Harbor, namespace harbor) declares `robots`, each pushing to two projects, and retires `retired`. */
function harborApp(robots: string[], retired: string[] = [], chartId = 'platform', outdir = '/nonexistent'): App {
  const app = new App({ outdir });
  const chart = new DockyardChart(app, chartId, { namespace: 'ci' });
  const harbor = stateReviewHarbor(chart);
  harbor.addProject('apps');
  harbor.addProject('web');
  robots.forEach((name) => harbor.addRobot(name, { permissions: [RobotPermission.push('apps'), RobotPermission.push('web')] }));
  retired.forEach((name) => harbor.retireRobot(name));
  chart.toJson();
  return app;
}

/** The warnings of a synth of `harborApp(robots, retired)` on the state in `dir`. */
const synthWarnings = (dir: string, robots: string[], retired: string[] = []) => warnings(stderrLines(harborApp(robots, retired), dir));

/** The warning of robot `name` left by the Harbor at `harborPath`. */
const leftWarning = (name: string, harborPath = 'platform/Harbor') => `dockyard: warning: Harbor robot robot$${name} of ${harborPath} is on ` +
  'record in the secret state, but this synth neither declares it (addRobot) nor retires it (retireRobot): it keeps its permissions in Harbor, ' +
  `and its secret, which never expires; if it went (renamed or removed), call harbor.retireRobot("${name}") and the configuration Jobs delete ` +
  'it once applied; if it is a robot of another stack on this state, ignore this (and retire it there with retireRobot when it goes)';

const stateDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-left-robots-'));

/** The state of `harborApp([])`, made once in the file: its values hold Harbor's RSA token key, 1-2 s to draw. */
const HARBOR_STATE = keptState(() => harborApp([]));

/**
 * A folder holding a copy of HARBOR_STATE, for a case whose first synth is of a `harborApp` (chart `platform`): that
 * synth takes the values the state keeps and draws the robots' secrets, leaving the state a new one would have.
 */
const harborStateDir = () => {
  const dir = stateDir();
  copyKeptState(HARBOR_STATE(), dir);
  return dir;
};

describe('a robot left out of the code, against the secret state', () => {
  test('a renamed robot is warned of by name, with the call that deletes it, beside the new key the synth made', () => {
    const dir = harborStateDir();
    expect(synthWarnings(dir, ['ci'])).toEqual([]);
    const lines = stderrLines(harborApp(['ci-push']), dir);
    expect(warnings(lines)).toEqual([leftWarning('ci')]);
    // the trial's synth said only this: it still does, after the warning
    expect(lines.filter((l) => l.startsWith('dockyard: generated'))).toEqual([
      expect.stringMatching(/^dockyard: generated 1 new key, recorded in .*: harbor\/harbor-robot-ci-push\/secret$/),
    ]);
    // its secret is no part of the warning
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8'));
    const secret: string = state.values['harbor/harbor-robot-ci/secret'];
    expect(secret).toMatch(/^\S{32}$/);
    expect(lines.join('\n')).not.toContain(secret);
    // the state keeps the robot on record, so every synth warns until it is retired
    expect(synthWarnings(dir, ['ci-push'])).toEqual([leftWarning('ci')]);
  });

  test('a robot retired with retireRobot, or declared again, is not warned of', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['ci']);
    expect(synthWarnings(dir, ['ci-push'], ['ci'])).toEqual([]);
    expect(synthWarnings(dir, ['ci-push', 'ci'])).toEqual([]);
  });

  test('the synth that first retires a robot says so, naming its key: the default stack retires one by itself under a mirror', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['ci', 'web']);
    const notice = 'dockyard: retired 1 key, whose value this synth dropped from the state and the configuration Jobs revoke once applied ' +
      '(a synth that declares it again makes it anew): harbor/harbor-robot-ci/secret';
    const retiring = stderrLines(harborApp(['web'], ['ci']), dir);
    expect(retiring).toEqual([notice]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).values['harbor/harbor-robot-ci/secret']).toBeUndefined();
    // once: the state no longer holds the value, and later synths that still retire it say nothing
    expect(stderrLines(harborApp(['web'], ['ci']), dir)).toEqual([]);
    // declared again, it is made anew, as that synth says
    expect(stderrLines(harborApp(['web', 'ci']), dir)).toEqual([
      'dockyard: made 1 key anew that an earlier synth retired, whose old value was revoked: harbor/harbor-robot-ci/secret',
    ]);
  });

  test('both notices agree in number with the keys they name', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['ci', 'web', 'keep']);
    expect(stderrLines(harborApp(['keep'], ['ci', 'web']), dir)).toEqual([
      'dockyard: retired 2 keys, whose values this synth dropped from the state and the configuration Jobs revoke once applied ' +
      '(a synth that declares one again makes it anew): harbor/harbor-robot-ci/secret, harbor/harbor-robot-web/secret',
    ]);
    expect(stderrLines(harborApp(['keep', 'ci', 'web']), dir)).toEqual([
      'dockyard: made 2 keys anew that an earlier synth retired, whose old values were revoked: harbor/harbor-robot-ci/secret, harbor/harbor-robot-web/secret',
    ]);
  });

  test('each robot left is warned of once, in name order', () => {
    const dir = harborStateDir();
    // "a.b" keeps its secret in harbor-robot-a-b, so the state lists it before "a-c": the warnings follow the names
    synthWarnings(dir, ['ci', 'a-c', 'keep', 'a.b']);
    expect(synthWarnings(dir, ['keep'])).toEqual([leftWarning('a-c'), leftWarning('a.b'), leftWarning('ci')]);
  });

  test('a retireRobot name of which the state holds no secret is warned of: misspelt, it retires nothing (retireTeam\'s check, for one robot)', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['ci', 'web']);
    const misspelt = 'dockyard: warning: retireRobot("cj") of platform/Harbor names a robot of which the secret state holds no secret: if the ' +
      'name is misspelt, it retires nothing and the real robot keeps its permissions and secret in Harbor; check it against addRobot\'s (if this ' +
      'state never held the robot, a new environment\'s or one made by hand in Harbor, or you deleted its entries, ignore this)';
    // the real robot is then left too, and warned of as such
    expect(synthWarnings(dir, ['web'], ['cj'])).toEqual([misspelt, leftWarning('ci')]);
    // the right name: no warning, and none on later synths, as the state keeps the retired robot's secret
    expect(synthWarnings(dir, ['web'], ['ci'])).toEqual([]);
    expect(synthWarnings(dir, ['web'], ['ci'])).toEqual([]);
    // a pair <x>-push and <x>-pull retired with retireRobot, neither known, is warned of too: only a pair retireTeam
    // retired is TeamPlatform's to warn of (test/team/team-retire.test.ts), and this stack has none to
    expect(synthWarnings(dir, ['web'], ['ci', 'gone-push', 'gone-pull'])).toEqual([misspelt.replace(/"cj"/, '"gone-pull"'), misspelt.replace(/"cj"/, '"gone-push"')]);
    expect(synthWarnings(dir, ['web'], ['ci', 'gone-push'])).toEqual([misspelt.replace(/"cj"/, '"gone-push"')]);
  });

  test('a robot retired with mayBeAbsent is not warned of when the state never held it (the default stack\'s node robot under a mirror)', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['web']);
    const app = new App({ outdir: '/nonexistent' });
    const harbor = stateReviewHarbor(new DockyardChart(app, 'platform', { namespace: 'ci' }));
    harbor.addProject('apps');
    harbor.addRobot('web', { permissions: [RobotPermission.push('apps')] });
    harbor.retireRobot('node-puller', { mayBeAbsent: true });
    expect(harbor.retiredRobots).toEqual(['node-puller']);
    expect(warnings(stderrLines(app, dir))).toEqual([]);
  });

  test('retireRobot refuses options it does not have, and a mayBeAbsent that is not true or false', () => {
    const harbor = stateReviewHarbor(new DockyardChart(new App({ outdir: '/nonexistent' }), 'platform', { namespace: 'ci' }));
    expect(() => harbor.retireRobot('a', { mayBeAbsnet: true } as never)).toThrow('invalid mayBeAbsnet true: retireRobot options has no prop ' +
      '"mayBeAbsnet" (did you mean "mayBeAbsent"?); its props are mayBeAbsent');
    expect(() => harbor.retireRobot('b', { mayBeAbsent: 'yes' } as never)).toThrow('invalid mayBeAbsent "yes": must be true or false');
    // a refusal retires nothing
    expect(harbor.retiredRobots).toEqual([]);
  });

  test('nothing is warned of on a new state, which holds nothing to tell by', () => {
    expect(synthWarnings(stateDir(), ['ci-push'], ['ci'])).toEqual([]);
  });

  // a stack without TeamPlatform that declared a pair named like a team's: the state records them as the Harbor's own
  // (declaredFor), so Harbor warns when both go; a team's pair is recorded as a team's, and left to its TeamPlatform
  // (the default stack beside the teams example: test/team/team-retire.test.ts, 'another stack on the same state')
  test('a pair <x>-push and <x>-pull of the Harbor\'s own is warned of when it leaves, alone or together, each robot once', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['app-push', 'app-pull', 'ci']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).declaredFor).toEqual({
      'harbor/harbor-robot-app-pull/secret': 'harbor', 'harbor/harbor-robot-app-push/secret': 'harbor', 'harbor/harbor-robot-ci/secret': 'harbor',
    });
    expect(synthWarnings(dir, ['app-pull', 'ci'])).toEqual([leftWarning('app-push')]);
    expect(synthWarnings(dir, ['ci'])).toEqual([leftWarning('app-pull'), leftWarning('app-push')]);
    // and retired, neither is
    expect(synthWarnings(dir, ['ci'], ['app-push', 'app-pull'])).toEqual([]);
  });

  test('a pair on a state of an earlier release, which records nothing of whose it is, is let go as perhaps a team\'s; declared again, it is recorded', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['app-push', 'app-pull', 'ci']);
    const file = path.join(dir, 'secrets.json');
    const earlier = () => {
      const state = JSON.parse(fs.readFileSync(file, 'utf8'));
      delete state.declaredFor;
      fs.writeFileSync(file, JSON.stringify(state, undefined, 2) + '\n', { mode: 0o600 });
    };
    earlier();
    // another stack's team on a shared state looks so: warning of it would ask for a retireRobot that deletes its robots
    expect(synthWarnings(dir, ['ci'])).toEqual([]);
    // one of them alone is still warned of, as before
    expect(synthWarnings(dir, ['app-pull', 'ci'])).toEqual([leftWarning('app-push')]);
    // a synth of this release that declares them records them, and from then on their leaving is warned of
    synthWarnings(dir, ['app-push', 'app-pull', 'ci']);
    expect(synthWarnings(dir, ['ci'])).toEqual([leftWarning('app-pull'), leftWarning('app-push')]);
  });

  // the state file is deterministic: declaredFor is written in key order whatever order the robots are declared in,
  // and a synth that changes nothing leaves the file as it was (same bytes, not written again)
  test('declaredFor is written sorted, and a second synth with no change leaves the state untouched', () => {
    const dir = harborStateDir();
    const file = path.join(dir, 'secrets.json');
    expect(synthWarnings(dir, ['zeta', 'app-push', 'mid'])).toEqual([]);
    const text = fs.readFileSync(file, 'utf8');
    expect(Object.keys(JSON.parse(text).declaredFor)).toEqual([
      'harbor/harbor-robot-app-push/secret', 'harbor/harbor-robot-mid/secret', 'harbor/harbor-robot-zeta/secret',
    ]);
    const inode = fs.statSync(file).ino;
    expect(synthWarnings(dir, ['mid', 'zeta', 'app-push'])).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(fs.statSync(file).ino).toBe(inode); // a write renames a new file into place
  });

  // declaredFor is advisory, as declaredBy, movedTo and outputs are: a hand-edited one that is no map of strings
  // reads as none (each pair perhaps a team's) and is never refused; the next synth writes it again from what it declares
  test('a damaged declaredFor reads as none and the next synth writes it again', () => {
    const dir = harborStateDir();
    const file = path.join(dir, 'secrets.json');
    synthWarnings(dir, ['app-push', 'app-pull']);
    for (const damaged of ['harbor', ['harbor'], { 'harbor/harbor-robot-app-push/secret': 1 }]) {
      const state = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify({ ...state, declaredFor: damaged }, undefined, 2) + '\n', { mode: 0o600 });
      // unknown: let go, as a state of an earlier release
      expect(synthWarnings(dir, [])).toEqual([]);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).declaredFor).toEqual(damaged);
      synthWarnings(dir, ['app-push', 'app-pull']);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).declaredFor).toEqual({
        'harbor/harbor-robot-app-pull/secret': 'harbor', 'harbor/harbor-robot-app-push/secret': 'harbor',
      });
    }
  });
});

describe('a robot left out of the code on a TeamPlatform\'s Harbor', () => {
  /** A platform onboarding `teams`, its Harbor declaring `robots` of its own, synthesized on the state in `dir`: its warnings. */
  function platformWarnings(dir: string, teams: string[], robots: string[]): string[] {
    const p = platform();
    robots.forEach((name) => p.harbor.addRobot(name, { permissions: [RobotPermission.pull('dockerhub')] }));
    teams.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}`] }));
    p.objects();
    return warnings(stderrLines(p.app, dir));
  }

  test('the platform\'s own robot is warned of by Harbor, a team\'s robots by TeamPlatform alone', () => {
    const dir = stateDir();
    expect(platformWarnings(dir, ['web', 'data'], ['ci'])).toEqual([]);
    expect(platformWarnings(dir, ['web'], ['ci-push'])).toEqual([
      leftWarning('ci'),
      'dockyard: warning: team "data"\'s Harbor robots robot$data-push and robot$data-pull are on record in the secret state, declared by ' +
        'platform/Harbor, but platform/Teams neither onboards the team (addTeam) nor retires it (retireTeam): the robots keep their permissions ' +
        'and secrets, which never expire, and its build namespace (data-builds, unless its addTeam set buildNamespace) is open to every ' +
        'repository\'s pipelines, whose pods may mount the pull Secret an apply without pruning leaves there; if the team left, call retireTeam("data"); ' +
        'if they are robots of another stack on this state, named ' +
        'like a team\'s, ignore this (and retire them there with retireRobot when they go)',
    ]);
  });

  test('a pair <x>-push and <x>-pull of the Harbor\'s own, beside the teams, is Harbor\'s to warn of, not the platform\'s', () => {
    const dir = stateDir();
    expect(platformWarnings(dir, ['web'], ['tools-push', 'tools-pull'])).toEqual([]);
    expect(platformWarnings(dir, ['web'], [])).toEqual([leftWarning('tools-pull'), leftWarning('tools-push')]);
  });
});

// Retiring a robot revokes its secret: the configuration Jobs delete the robot (Harbor v2.15.2
// src/server/v2.0/handler/robot.go DeleteRobot), which ends every login with it. A robot made again under that name is
// a new one to Harbor, so it gets a new secret: were the state to keep the old one, the Jobs would set it on the new
// robot (lib/harbor/configure.js sets a declared robot's secret), and every copy the retirement revoked (old pull
// Secrets, backups, a departed team's laptops) would log in again.
describe('a retired robot\'s secret, against the secret state', () => {
  const stateOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8'));
  const KEY = 'harbor/harbor-robot-ci/secret';

  test('is dropped from the state by the synth that retires it, and a robot of that name declared again gets a new one, said so', () => {
    const dir = harborStateDir();
    stderrLines(harborApp(['ci']), dir);
    const before: string = stateOf(dir).values[KEY];
    expect(before).toMatch(/^\S{32}$/);
    stderrLines(harborApp([], ['ci']), dir);
    expect(stateOf(dir).values).not.toHaveProperty([KEY]);
    expect(stateOf(dir).values[`${KEY}#retired`]).toBe('revoked');
    // the key record still lists it: a synth that declares it again is no restore from a backup that lost it
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'secrets.lock.json'), 'utf8')).keys).toHaveProperty([KEY]);
    const lines = stderrLines(harborApp(['ci']), dir);
    const after: string = stateOf(dir).values[KEY];
    expect(after).toMatch(/^\S{32}$/);
    expect(after).not.toBe(before);
    expect(stateOf(dir).values).not.toHaveProperty([`${KEY}#retired`]);
    expect(lines).toEqual([`dockyard: made 1 key anew that an earlier synth retired, whose old value was revoked: ${KEY}`]);
    // and from then on it is kept as any other
    stderrLines(harborApp(['ci']), dir);
    expect(stateOf(dir).values[KEY]).toBe(after);
  });

  test('once retired, the retireRobot call may go without a warning; a robot that left without one is still warned of', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['ci', 'other']);
    expect(synthWarnings(dir, ['other'], ['ci'])).toEqual([]);
    expect(synthWarnings(dir, ['other'])).toEqual([]);
    expect(synthWarnings(dir, [])).toEqual([leftWarning('other')]);
  });

  test('another stack on the same state keeps its robot of that name: only the retiring Harbor\'s own key is dropped', () => {
    const dir = harborStateDir();
    // stack "other" declares robot ci in the same namespace, so at the same key; stack "platform" had one and retires it
    stderrLines(harborApp(['ci']), dir);
    stderrLines(harborApp(['ci'], [], 'other'), dir);
    const kept: string = stateOf(dir).values[KEY];
    for (let i = 0; i < 2; i++) {
      stderrLines(harborApp([], ['ci']), dir);
      expect(stateOf(dir).values[KEY]).toBe(kept);
      expect(stderrLines(harborApp(['ci'], [], 'other'), dir).filter((l) => !l.startsWith('dockyard: warning:'))).toEqual([]);
      expect(stateOf(dir).values[KEY]).toBe(kept);
    }
  });

  // an accidental-rotation trial: the Harbor wrapped in a new construct in the synth that retired a team's robots kept
  // their revoked secrets, which the team got back when onboarded again, and a robot left without retireRobot was no
  // longer warned of: the state's record named the Harbor's old path
  test('a Harbor moved below another construct still revokes the robot it retires, and warns of one left', () => {
    const wrapped = (robots: string[], retired: string[] = []): App => {
      const app = new App({ outdir: '/nonexistent' });
      const chart = new DockyardChart(app, 'platform', { namespace: 'ci' });
      const harbor = stateReviewHarbor(new Construct(chart, 'Registry') as any);
      harbor.addProject('apps');
      robots.forEach((name) => harbor.addRobot(name, { permissions: [RobotPermission.push('apps')] }));
      retired.forEach((name) => harbor.retireRobot(name));
      chart.toJson();
      return app;
    };
    const dir = harborStateDir();
    stderrLines(harborApp(['ci', 'keep', 'gone']), dir);
    const before: string = stateOf(dir).values[KEY];
    // wrapped, retiring ci and dropping gone without a word: ci is revoked, gone is warned of under the new path
    expect(warnings(stderrLines(wrapped(['keep'], ['ci']), dir))).toEqual([leftWarning('gone', 'platform/Registry/Harbor')]);
    expect(stateOf(dir).values).not.toHaveProperty([KEY]);
    expect(stateOf(dir).values[`${KEY}#retired`]).toBe('revoked');
    expect(stateOf(dir).declaredBy['harbor/harbor-robot-gone/secret']).toBe('platform/Registry/Harbor/Robot-gone/Secret');
    // declared again, ci gets a new secret
    const lines = stderrLines(wrapped(['keep', 'ci']), dir);
    expect(lines).toContain(`dockyard: made 1 key anew that an earlier synth retired, whose old value was revoked: ${KEY}`);
    expect(stateOf(dir).values[KEY]).not.toBe(before);
  });

  // review: the chart renamed in the synth that retires a robot: its old chart is no chart of the app, so only the
  // stack's previous output tells that the Harbor is the same one
  test('a Harbor whose chart was renamed, synthesized into the same output, still revokes the robot it retires', () => {
    const dir = harborStateDir();
    const synth = (robots: string[], retired: string[], chartId: string): string[] => {
      const built = harborApp(robots, retired, chartId);
      const app = new App({ outdir: path.join(dir, 'dist') });
      // the same constructs, in an app that writes to a real output directory (harborApp's writes nowhere)
      (built as any).outdir = app.outdir;
      return stderrOf(() => synthesize(built, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }))).split('\n').filter((l) => l !== '');
    };
    synth(['ci', 'keep', 'gone'], [], 'platform');
    const before: string = stateOf(dir).values[KEY];
    expect(warnings(synth(['keep'], ['ci'], 'registry'))).toContain(leftWarning('gone', 'registry/Harbor'));
    expect(stateOf(dir).values[`${KEY}#retired`]).toBe('revoked');
    synth(['keep', 'ci'], [], 'registry');
    expect(stateOf(dir).values[KEY]).not.toBe(before);
  });

  // second review: with outputs of their own, the other stack's Harbor was taken for this one's in a renamed chart
  test('two stacks on one state, each with its own output: one retiring its robot leaves the other\'s', () => {
    const dir = harborStateDir();
    const synth = (robots: string[], retired: string[], chartId: string): string => {
      const app = harborApp(robots, retired, chartId);
      (app as any).outdir = path.join(dir, `dist-${chartId}`);
      return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') })));
    };
    synth(['ci'], [], 'platform');
    synth(['ci'], [], 'other');
    const kept: string = stateOf(dir).values[KEY];
    synth([], ['ci'], 'platform');
    expect(synth(['ci'], [], 'other')).not.toContain('made 1 key anew');
    expect(stateOf(dir).values[KEY]).toBe(kept);
    expect(stateOf(dir).declaredBy[KEY]).toBe('other/Harbor/Robot-ci/Secret');
  });

  // two stacks on one state with the same Harbor at the same path (the default stack and a copy of it, each its own
  // output): each warned, at every synth, of the other's own robots as left, and a robot moved from one to the other
  // was warned of by its old stack, whose retireRobot would delete it from under the new one. A robot whose Secret
  // another output made from the state holds (the state lists those outputs) is that stack's: the rule of a team's
  // robots (anotherStackOfTeam), robot by robot
  test('two stacks on one state with the same Harbor leave each other\'s robots alone; a robot moved is not warned of by its old stack', () => {
    const dir = harborStateDir();
    const synth = (outdir: string, robots: string[], retired: string[] = []) => stderrOf(() => synthesize(
      harborApp(robots, retired, 'platform', path.join(dir, outdir)), new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') })))
      .split('\n').filter((l) => l.startsWith('dockyard: warning: Harbor robot'));
    expect(synth('dist-a', ['ci', 'deploy'])).toEqual([]);
    expect(synth('dist-b', ['puller'])).toEqual([]);
    expect(synth('dist-a', ['ci', 'deploy'])).toEqual([]);
    // deploy moves to b: a, once b has it, does not warn of it
    expect(synth('dist-b', ['puller', 'deploy'])).toEqual([]);
    expect(synth('dist-a', ['ci'])).toEqual([]);
    expect(synth('dist-a', ['ci'])).toEqual([]);
    // ci, dropped from a and declared by no stack, is warned of, by b too, which no output tells that it never had it
    // (a synth's mark lists no robot left, as it lists a team; the warning says to ignore it there)
    expect(synth('dist-a', [])).toEqual([leftWarning('ci')]);
    expect(synth('dist-b', ['puller', 'deploy'])).toEqual([leftWarning('ci')]);
    // b drops deploy without retireRobot: both warn of it; retired in b, with ci, neither warns
    expect(synth('dist-b', ['puller'])).toEqual([leftWarning('ci'), leftWarning('deploy')]);
    expect(synth('dist-a', [])).toEqual([leftWarning('ci'), leftWarning('deploy')]);
    expect(synth('dist-b', ['puller'], ['deploy', 'ci'])).toEqual([]);
    expect(synth('dist-a', [])).toEqual([]);
  });

  // the rule reads every output the state lists that still holds Secrets made from it, and cannot tell a live stack's
  // from one left behind (a stack that is gone, or the output directory a stack no longer synthesizes into): while such
  // a directory holds a robot's Secret, a robot dropped elsewhere without retireRobot is not warned of; deleted, it holds
  // no Secret to tell of (and the state's list of outputs drops it), and the warning comes back (README Offboarding)
  test('an output directory left behind keeps a dropped robot quiet until it is deleted', () => {
    const dir = harborStateDir();
    const synth = (outdir: string, robots: string[]) => stderrOf(() => synthesize(
      harborApp(robots, [], 'platform', path.join(dir, outdir)), new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') })))
      .split('\n').filter((l) => l.startsWith('dockyard: warning: Harbor robot'));
    expect(synth('dist-old', ['ci', 'deploy'])).toEqual([]);
    // the stack now synthesizes into dist-new; dist-old stays, holding both robots' Secrets
    expect(synth('dist-new', ['ci', 'deploy'])).toEqual([]);
    expect(synth('dist-new', ['ci'])).toEqual([]);
    fs.rmSync(path.join(dir, 'dist-old'), { recursive: true });
    expect(synth('dist-new', ['ci'])).toEqual([leftWarning('deploy')]);
  });

  test('a rotation on the synth that declares it again takes the mark away too: the next synth keeps the new value', () => {
    const dir = harborStateDir();
    stderrLines(harborApp(['ci']), dir);
    stderrLines(harborApp([], ['ci']), dir);
    const rotated = stderrOf(() => new LocalSecretStore({ statePath: path.join(dir, 'secrets.json'), rotate: ['all'] }).render(harborApp(['ci'])));
    expect(rotated).toContain('dockyard: rotated');
    const made: string = stateOf(dir).values[KEY];
    expect(stateOf(dir).values).not.toHaveProperty([`${KEY}#retired`]);
    expect(stderrLines(harborApp(['ci']), dir)).toEqual([]);
    expect(stateOf(dir).values[KEY]).toBe(made);
  });

  test('a retired name the state never held keeps no mark: nothing was revoked', () => {
    const dir = harborStateDir();
    synthWarnings(dir, ['other']);
    stderrLines(harborApp(['other'], ['never']), dir);
    expect(Object.keys(stateOf(dir).values).filter((k) => k.includes('never'))).toEqual([]);
  });
});

// Under a Pulumi stack there is no secret state of Dockyard's: the stack's mark (lib/pulumi/previous-mark.ts) lists the
// robots' names (never their secrets), and the next update warns through the same functions the program calls
// (`checkAgainstPreviousMark`: keptLists and keptListWarnings inside withPreviousMark).
describe('a robot left out of the code, under a Pulumi stack\'s mark', () => {
  /** The mark `harborApp(robots, retired)` keeps against `previous`, and what it warns of. */
  const stackRun = (previous: string | undefined, robots: string[], retired: string[] = []) => {
    const app = harborApp(robots, retired);
    return withPreviousMark(app, previous, () => ({ mark: keptLists(app), warnings: keptListWarnings(previous, app) }));
  };
  /** The Pulumi warning of robot `name`, as the synth's but for how it is known. */
  const stackWarning = (name: string) => `warning: Harbor robot robot$${name} of platform/Harbor was declared by an earlier update (the stack ` +
    'output dockyardMark), but this one neither declares it (addRobot) nor retires it (retireRobot): it keeps its permissions in Harbor, ' +
    `and its secret, which never expires; if it went (renamed or removed), call harbor.retireRobot("${name}") and the configuration Jobs delete ` +
    'it once applied';

  test('the mark lists the robots\' names, no secret, and the next run warns of one dropped until it is retired', () => {
    const first = stackRun(undefined, ['ci', 'deploy']);
    expect(first.warnings).toEqual([]);
    expect(first.mark).toContain(JSON.stringify('harbor-robot harbor/harbor\tci'));
    expect(first.mark).toContain(JSON.stringify('harbor-robot harbor/harbor\tdeploy'));
    const dropped = stackRun(first.mark, ['deploy']);
    expect(dropped.warnings.filter((w) => w.includes('Harbor robot'))).toEqual([stackWarning('ci')]);
    // carried on: the next run warns again
    expect(stackRun(dropped.mark, ['deploy']).warnings.filter((w) => w.includes('Harbor robot'))).toEqual([stackWarning('ci')]);
    const retired = stackRun(dropped.mark, ['deploy'], ['ci']);
    expect(retired.warnings.filter((w) => w.includes('Harbor robot'))).toEqual([]);
    expect(retired.mark).not.toContain('\\tci"');
    // and once the retireRobot call goes, nothing is left to warn of
    expect(stackRun(retired.mark, ['deploy']).warnings.filter((w) => w.includes('Harbor robot'))).toEqual([]);
  });

  // a team's pair is let go only when the mark lists the team under a TeamPlatform that lists its teams now, which
  // warns of it (the DigitalOcean program's: test/pulumi/previous-mark.ts, 'a team dropped from the code')
  test('a pair <x>-push and <x>-pull that left together, of no team the mark lists, is warned of robot by robot', () => {
    const first = stackRun(undefined, ['web-push', 'web-pull', 'solo-push']);
    const dropped = stackRun(first.mark, []);
    expect(dropped.warnings.filter((w) => w.includes('Harbor robot'))).toEqual([stackWarning('solo-push'), stackWarning('web-pull'), stackWarning('web-push')]);
    // a team line of no TeamPlatform of the app (one taken out of the code) lets nothing go either
    const listed = first.mark.replace(JSON.stringify('harbor-robot harbor/harbor\tweb-pull'),
      `${JSON.stringify('harbor-robot harbor/harbor\tweb-pull')}\n${JSON.stringify('harbor-team harbor/platform/Teams\tweb')}`);
    expect(listed).toContain('harbor-team');
    expect(stackRun(listed, []).warnings.filter((w) => w.includes('Harbor robot'))).toHaveLength(3);
    const retired = stackRun(dropped.mark, [], ['web-push', 'web-pull', 'solo-push']);
    expect(retired.warnings.filter((w) => w.includes('Harbor robot'))).toEqual([]);
    expect(retired.mark).not.toContain('web-pu');
  });

  test('a mark edited by hand: a line that is no robot name, or another Harbor\'s, is dropped', () => {
    const first = stackRun(undefined, ['ci']).mark;
    const edited = first.replace(JSON.stringify('harbor-robot harbor/harbor\tci'),
      [JSON.stringify('harbor-robot harbor/harbor\tNOT A ROBOT!'), JSON.stringify('harbor-robot other/harbor\tgone'),
        JSON.stringify('harbor-robot harbor/harbor\tgone\textra'), JSON.stringify('harbor-robot harbor/harbor\tgone')].join('\n'));
    const run = stackRun(edited, ['ci']);
    expect(run.warnings.filter((w) => w.includes('Harbor robot'))).toEqual([stackWarning('gone')]);
  });

  test('a synth\'s own mark lists no robot: its secret state tells it, and keeps telling it from a fresh clone', () => {
    const dir = harborStateDir();
    try {
      const app = harborApp(['ci'], [], 'platform', path.join(dir, 'dist'));
      stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') })));
      const mark = fs.readFileSync(path.join(dir, 'dist', '.dockyard-output'), 'utf8');
      // the robot's Secret is in the object list; no name list holds the robot
      expect(mark).toContain('harbor-robot-ci');
      expect(mark).not.toContain(JSON.stringify('harbor-robot harbor/harbor\tci'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
