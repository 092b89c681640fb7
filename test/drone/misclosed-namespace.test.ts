// On Drone, retireTeam closes the team's build namespace in the shared runner's namespace rules (closeNamespace), by
// the name it is given: `<name>-builds` unless `buildNamespace` says otherwise. A team that had another one, retired
// without it, left its namespace open to any pipeline that names it (drone-runner-kube v1.0.0-rc.5
// engine/linter/linter.go:207-224: a namespace the rules do not list admits every repository), while the runner's Role
// and RoleBinding stay after an apply without pruning; nothing said so. The synth whose previous output held the Role
// there now warns (DroneKubeRunner.warnMisclosedNamespaces).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalSecretStore, synthesize } from '../../lib';
import { platform } from '../team/fixtures';
import { stderrOf } from '../util';

const WARNING = /Drone runner "drone-runner" closes web-builds to every pipeline \(retireTeam, closeNamespace\), where the previous output held none of its Roles, and leaves open web-ci/g;

/** Synthesize into one output directory on one state, again and again; the stderr of each. */
function stack() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-misclosed-'));
  const run = (build: (p: ReturnType<typeof platform>) => void) => stderrOf(() => {
    const p = platform({}, { outdir: path.join(dir, 'dist') });
    p.teams.addTeam({ name: 'ops', repos: ['acme/ops'] });
    build(p);
    synthesize(p.app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }));
  });
  return { run, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('retireTeam on Drone without the team\'s own build namespace is warned of once, naming it and what to pass', () => {
  const s = stack();
  try {
    s.run((p) => p.teams.addTeam({ name: 'web', repos: ['acme/web'], buildNamespace: 'web-ci' }));
    const wrong = s.run((p) => p.teams.retireTeam('web'));
    expect((wrong.match(WARNING) ?? []).length).toBe(1);
    expect(wrong).toContain('pass it, retireTeam(<name>, { buildNamespace: "web-ci" })');
  } finally {
    s.done();
  }
});

test('retireTeam on Drone with the team\'s build namespace, or a default one, or a dedicated runner\'s, says nothing of it', () => {
  type Build = (p: ReturnType<typeof platform>) => void;
  const cases: Array<[Build, Build]> = [
    [(p) => p.teams.addTeam({ name: 'web', repos: ['acme/web'], buildNamespace: 'web-ci' }), (p) => p.teams.retireTeam('web', { buildNamespace: 'web-ci' })],
    [(p) => p.teams.addTeam({ name: 'web', repos: ['acme/web'] }), (p) => p.teams.retireTeam('web')],
    [(p) => p.teams.addTeam({ name: 'web', repos: ['acme/web'], dedicatedRunner: true }), (p) => p.teams.retireTeam('web')],
    // a namespace closed right, beside another left open without a retirement (the left-team warning's): not this one's
    [(p) => { p.teams.addTeam({ name: 'web', repos: ['acme/web'] }); p.teams.addTeam({ name: 'api', repos: ['acme/api'], buildNamespace: 'api-ci' }); },
      (p) => p.teams.retireTeam('web')],
    // a dedicated runner's team's namespace (never the shared runner's) beside one closed right
    [(p) => { p.teams.addTeam({ name: 'web', repos: ['acme/web'], buildNamespace: 'web-ci' }); p.teams.addTeam({ name: 'ded', repos: ['acme/ded'], dedicatedRunner: true }); },
      (p) => { p.teams.retireTeam('web', { buildNamespace: 'web-ci' }); p.teams.retireTeam('ded'); }],
  ];
  for (const [before, after] of cases) {
    const s = stack();
    try {
      s.run(before);
      expect(s.run(after)).not.toMatch(/to every pipeline \(retireTeam, closeNamespace\)/);
    } finally {
      s.done();
    }
  }
});

// a namespace its mark lists as closed was closed by an earlier synth: no mistake of this one's, though another
// namespace of the runner leaves the code now (the left objects' warning names that one's Role and RoleBinding)
test('a team retired by an earlier synth is not warned of when a build namespace leaves the code later', () => {
  const s = stack();
  try {
    s.run((p) => { p.teams.addTeam({ name: 'old', repos: ['acme/old'] }); p.ci.addBuildNamespace('extra'); });
    s.run((p) => { p.teams.retireTeam('old'); p.ci.addBuildNamespace('extra'); });
    expect(s.run((p) => p.teams.retireTeam('old'))).not.toMatch(/to every pipeline \(retireTeam, closeNamespace\)/);
    // and one closed anew, given for the team's own, still is, beside the old one
    s.run((p) => { p.teams.retireTeam('old'); p.teams.addTeam({ name: 'web', repos: ['acme/web'], buildNamespace: 'web-ci' }); });
    const wrong = s.run((p) => { p.teams.retireTeam('old'); p.teams.retireTeam('web'); });
    expect((wrong.match(WARNING) ?? []).length).toBe(1);
  } finally {
    s.done();
  }
});
