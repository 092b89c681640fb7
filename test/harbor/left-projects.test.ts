import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DockyardChart, Harbor, LocalSecretStore, synthesize } from '../../lib';
import { manifestObjects } from '../../lib/core/manifest-objects';
import { namesByOwner, withPreviousOutput } from '../../lib/core/previous-output';
import { OUTPUT_MARKER } from '../../lib/core/synth';
import { watchLeftProjects } from '../../lib/harbor/left-projects';
import { stderrOf } from '../util';
import { configureHarness } from './configure-run';
import { inClusterHarbor } from './fixtures';

// A project taken out of the code without retireProjectGroups stays in Harbor as it was: goharbor/harbor v2.15.1 has
// the Jobs look up only the projects they name (GET /projects?q=name=<name>), and a public project serves anyone its
// images without a login (src/pkg/project/models/project.go:82-90 IsPublic; src/common/rbac/project/rbac_user.go:35-42
// gives every visitor, anonymous included, the public project's policies). Each synth lists the Harbor's projects in
// its output's mark (lib/core/left-names.ts), so the next one names a project dropped without the call, and hands it
// to the first configure Job (leftProjects), which warns while it is public (lib/harbor/configure.js, "Left projects").

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: {} });

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

interface Code {
  /** Projects to declare, each public or not. */
  readonly projects: Record<string, boolean>;
  /** Projects whose groups to retire. */
  readonly retired?: readonly string[];
  /** Whether to declare Harbor's "library" (declareLibrary), private. */
  readonly library?: boolean;
  /** Another Harbor beside it, in namespace `registry2`, with these projects. */
  readonly other?: Record<string, boolean>;
}

/** Synths each of `runs` into one output directory from one state: each one's left-project warnings and first configure Job's config. */
function synths(...runs: Code[]): Array<{ warnings: string[]; config: any; job: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-left-projects-'));
  made.push(dir);
  return runs.map((code) => {
    const app = new App({ outdir: path.join(dir, 'dist') });
    const chart = new DockyardChart(app, 'platform', { namespace: 'harbor' });
    const harbor: Harbor = inClusterHarbor(chart);
    Object.entries(code.projects).forEach(([name, pub]) => harbor.addProject(name, { public: pub }));
    if (code.library) harbor.declareLibrary();
    (code.retired ?? []).forEach((name) => harbor.retireProjectGroups(name));
    if (code.other) {
      const other = inClusterHarbor(new DockyardChart(app, 'other', { namespace: 'registry2' }), { externalUrl: 'https://registry2.example.com' });
      Object.entries(code.other).forEach(([name, pub]) => other.addProject(name, { public: pub }));
    }
    const stderr = stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    const objects = manifestObjects(path.join(dir, 'dist', 'platform.k8s.yaml'));
    const job = objects.find((o) => o?.kind === 'Job' && /^harbor-configure-[0-9a-f]{8}$/.test(o.metadata.name));
    const configMap = job.spec.template.spec.volumes[0].projected.sources[1].configMap.name;
    const config = JSON.parse(objects.find((o) => o?.kind === 'ConfigMap' && o.metadata.name === configMap).data['config.json']);
    return { warnings: stderr.split('\n').filter((l) => l.includes('was declared by an earlier synth')), config, job: job.metadata.name, dir };
  });
}

// "its repositories first": Harbor answers DELETE of a project that holds a repository with 412 "the project contains
// repositories, can not be deleted" (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:271-277, 765-778;
// 412 from src/lib/http/error.go:42)
const warning = (name: string) => `dockyard: warning: Harbor project ${name} of platform/Harbor was declared by an earlier synth, and this one ` +
  'neither declares it (addProject, addProxyCache) nor retires it (retireProjectGroups): the configure Jobs never delete a project, so it stays ' +
  'in Harbor as it was, its images, its group members and, if it is public, pulls by anyone without a login (the first configure Job\'s log ' +
  // no TeamPlatform ever had this Harbor: no team's advice (test/team/team-retire.test.ts has a team's project's)
  `says whether it is); call harbor.retireProjectGroups("${name}"), which removes its group members, and make it private (curl -u admin -X PUT ` +
  `-H 'Content-Type: application/json' -H 'X-Is-Resource-Name: true' -d '{"metadata":{"public":"false"}}' ` +
  `https://harbor.example.com/api/v2.0/projects/${name}) or delete it in Harbor (Projects; its repositories first: Harbor refuses to ` +
  'delete a project that holds any); if it was renamed, declare it again ' +
  '(README, "Removing a project or a proxy cache")';

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('a project dropped from the code without retireProjectGroups', () => {
  test('is named by every synth until it is retired, and its configure run warns while it is public', async () => {
    const [first, dropped, again, retired, callDropped] = synths(
      { projects: { apps: false, tools: true } }, { projects: { apps: false } }, { projects: { apps: false } },
      { projects: { apps: false }, retired: ['tools'] }, { projects: { apps: false } });
    expect(first.warnings).toEqual([]);
    expect(first.config.leftProjects).toBeUndefined();
    expect((await configure.run(first.config)).code).toBe(0);
    expect(configure.harbor.project('tools')!.metadata.public).toBe('true');

    expect(dropped.warnings).toEqual([warning('tools')]);
    expect(dropped.config.leftProjects).toEqual(['tools']);
    configure.harbor.requests.length = 0;
    const run = await configure.run(dropped.config);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(lines(run.stdout).filter((l) => l.startsWith('warning:') || l.startsWith('done:'))).toEqual([
      'warning: project tools (left the code, not retired): public in Harbor, so anyone pulls its images without a login; retire it in the ' +
      'code (harbor.retireProjectGroups("tools")) and make it private (Projects > tools > Configuration, or PUT /api/v2.0/projects/tools with ' +
      '{"metadata":{"public":"false"}} and X-Is-Resource-Name: true), or delete it (its repositories first: Harbor refuses to delete a ' +
      'project that holds any)',
      'done: settings, 0 registries, 1 projects, 0 robots, 1 project left the code (1 in Harbor)',
    ]);
    // looked up by its exact name, and nothing of it written: it stays as it was
    expect(configure.harbor.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/v2.0/projects?q=name%3Dtools');
    expect(configure.harbor.writes().filter((w) => w.includes('tools') || /projects\/\d+/.test(w))).toEqual([]);
    expect(configure.harbor.project('tools')!.metadata.public).toBe('true');

    // carried on by the mark: the next synth names it again, with the same Job, which does not run again
    expect(again.warnings).toEqual([warning('tools')]);
    expect(again.job).toBe(dropped.job);

    // retired: no synth warning; its run's own warning takes over, and the Job no longer names it as left
    expect(retired.warnings).toEqual([]);
    expect(retired.config.leftProjects).toBeUndefined();
    expect(retired.config.retiredProjectGroups).toEqual(['tools']);
    // once retired it is no longer carried: dropping the call later warns of nothing (as retireRobot's robots)
    expect(callDropped.warnings).toEqual([]);
    expect(callDropped.config.leftProjects).toBeUndefined();
  });

  test('a private one, one deleted in Harbor, and one declared again: a line each, no warning; declared again it is no longer named', async () => {
    const [, dropped, back] = synths({ projects: { apps: false, tools: false, old: true } }, { projects: { apps: false } },
      { projects: { apps: false, tools: false }, retired: ['old'] });
    expect(dropped.warnings).toEqual([warning('old'), warning('tools')]);
    expect(dropped.config.leftProjects).toEqual(['old', 'tools']);
    configure.harbor.addProject({ name: 'tools' });
    const run = await configure.run(dropped.config);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(lines(run.stdout).filter((l) => /^(project (old|tools):|warning:|done:)/.test(l))).toEqual([
      'project old: left the code, not in Harbor',
      'project tools: left the code, private in Harbor, so no one pulls its images without a login: nothing urgent; its group members keep ' +
      'their access: to let it go, retire it in the code (harbor.retireProjectGroups("tools")), which removes them, and delete it in Harbor ' +
      '(Projects; its repositories first: Harbor refuses to delete a project that holds any) if its images may go; if it was renamed or dropped by mistake, declare it again (addProject, addProxyCache); retiring it or declaring ' +
      'it again stops the synth\'s warning of it',
      'done: settings, 0 registries, 1 projects, 0 robots, 2 projects left the code (1 in Harbor)',
    ]);
    expect(back.warnings).toEqual([]);
    expect(back.config.leftProjects).toBeUndefined();
  });

  // Harbor's "library" (declareLibrary): retireProjectGroups refuses it and no run deletes it, so both warnings say
  // to declare it again; Harbor would delete it when empty (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:268-307
  // has no case for it), so nothing of it may be written
  test('Harbor\'s "library", declared and dropped: the synth and the run say to declare it again, and nothing of it is written', async () => {
    const [first, dropped] = synths({ projects: { apps: false }, library: true }, { projects: { apps: false } });
    expect(first.warnings).toEqual([]);
    expect((await configure.run(first.config)).code).toBe(0);
    expect(configure.harbor.project('library')!.metadata.public).toBe('false');
    expect(dropped.warnings).toEqual(['dockyard: warning: Harbor project library of platform/Harbor was declared by an earlier synth ' +
      '(declareLibrary), and this one does not declare it: the configure Jobs never delete it, so it stays in Harbor as the last run left it, ' +
      'its images, its group members and its visibility, which no run sets any more (the first configure Job\'s log says while it is public); ' +
      'call harbor.declareLibrary() again unless that is meant']);
    expect(dropped.config.leftProjects).toEqual(['library']);
    configure.harbor.requests.length = 0;
    const privateRun = await configure.run(dropped.config);
    expect(lines(privateRun.stdout).filter((l) => /^(project library|warning:)/.test(l))).toEqual([
      'project library: left the code (Harbor\'s own, declared before by harbor.declareLibrary()), private in Harbor, so no one pulls its ' +
      'images without a login: nothing urgent; no run sets its visibility any more: declare it again to keep it so, which stops the synth\'s ' +
      'warning of it',
    ]);
    configure.harbor.project('library')!.metadata.public = 'true';
    const publicRun = await configure.run(dropped.config);
    expect({ code: publicRun.code, lines: lines(publicRun.stdout).filter((l) => /^(project library|warning:)/.test(l)) }).toEqual({ code: 0, lines: [
      'warning: project library (Harbor\'s own, left the code): public in Harbor, so anyone pulls its images without a login; declare it ' +
      'again in the code (harbor.declareLibrary()), which makes it private, or make it private (Projects > library > Configuration, or PUT ' +
      '/api/v2.0/projects/library with {"metadata":{"public":"false"}} and X-Is-Resource-Name: true)',
    ] });
    expect(configure.harbor.writes().filter((w) => /projects\/(library|\d+)\b/.test(w))).toEqual([]);
    expect(configure.harbor.project('library')).toBeDefined();
  });

  test('a first synth, another Harbor\'s projects and a name edited into the mark are no left projects', () => {
    const [first, both, moved] = synths({ projects: { apps: false }, other: { shared: true } }, { projects: { apps: false }, other: { shared: true } },
      { projects: { apps: false, shared: true } });
    expect(first.warnings).toEqual([]);
    // each Harbor's projects are its own (by namespace and name, as its Jobs are): "shared" is no project left by this one
    expect(both.warnings).toEqual([]);
    expect(both.config.leftProjects).toBeUndefined();
    // "shared" was the other Harbor's (registry2/harbor), which this stack no longer has: its projects go with it
    expect(moved.warnings).toEqual([]);
    expect(moved.config.leftProjects).toBeUndefined();
    const mark = path.join(moved.dir, 'dist', OUTPUT_MARKER);
    const text = fs.readFileSync(mark, 'utf8');
    expect(text).toContain('"harbor-project harbor/harbor\\tapps"\n"harbor-project harbor/harbor\\tshared"\n');
    // a name Harbor cannot have, or a line that is no JSON string, read back from the mark is dropped
    fs.writeFileSync(mark, text.replace('"harbor-project harbor/harbor\\tapps"\n',
      '"harbor-project harbor/harbor\\tapps"\n"harbor-project harbor/harbor\\tBad Name; rm -rf /"\n"harbor-project harbor/harbor\\tx\\ty"\nnot json\n'));
    const dir = moved.dir;
    const app = new App({ outdir: path.join(dir, 'dist') });
    inClusterHarbor(new DockyardChart(app, 'platform', { namespace: 'harbor' })).addProject('apps');
    const stderr = stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    expect(stderr.split('\n').filter((l) => l.includes('was declared by an earlier synth'))).toEqual([warning('shared')]);
  });
});

// The configuration the run refuses before any request (lib/harbor/configure.js validateConfig).
describe('leftProjects in config.json', () => {
  const base = { registries: [], projects: [{ name: 'apps' }], robots: [] };
  test('refuses a bad name, a project declared or retired too, a name twice or no list, before any request', async () => {
    const cases: Array<[any, string]> = [
      [{ ...base, leftProjects: ['Tools'] }, 'error: leftProjects[0]: "Tools" must be a project name: lower-case letters and digits separated by ".", "_" or "-"\n'],
      [{ ...base, leftProjects: [7] }, 'error: leftProjects[0]: 7 must be a project name: lower-case letters and digits separated by ".", "_" or "-"\n'],
      [{ ...base, leftProjects: ['apps'] }, 'error: leftProjects[0]: project apps is declared under "projects or retiredProjectGroups" too; a project is either declared or retired\n'],
      [{ ...base, retiredProjectGroups: ['old'], leftProjects: ['old'] },
        'error: leftProjects[0]: project old is declared under "projects or retiredProjectGroups" too; a project is either declared or retired\n'],
      [{ ...base, leftProjects: ['old', 'old'] }, 'error: retired project old is declared twice\n'],
      [{ ...base, leftProjects: 'old' }, 'error: configuration: field "leftProjects" must be an array, got "old"\n'],
    ];
    for (const [cfg, message] of cases) {
      const result = await configure.run(cfg);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(message);
    }
    expect(configure.harbor.requests).toEqual([]);
  });
});

// The configure Jobs ask for the left projects at every render of a chunk, so lib/harbor/left-projects.ts keeps the
// answer until the previous output or the declared, retired or released sets change: each change must still show.
test('the left projects follow the previous output and the declared and retired sets between asks', () => {
  const app = new App();
  const harbor: Harbor = inClusterHarbor(new DockyardChart(app, 'platform', { namespace: 'harbor' }));
  let ask: () => readonly string[] = () => [];
  const jobs = { watchLeftProjects: (fn: () => readonly string[]) => { ask = fn; } };
  const declared = new Set<string>(['kept']);
  const retired = new Set<string>();
  const released = new Set<string>();
  watchLeftProjects(harbor, 'harbor', jobs as any, declared, retired, released);
  expect(ask()).toEqual([]);
  const owner = 'harbor-project harbor/harbor';
  const previous = (names: string[]) => ({ secrets: new Set<string>(), objects: () => new Set<string>(), charts: new Set<string>(), names: names.map((n) => `${owner}\t${n}`), ...namesByOwner(names.map((n) => `${owner}\t${n}`)) });
  withPreviousOutput(app, previous(['kept', 'tools', 'web']), () => {
    expect(ask()).toEqual(['tools', 'web']);
    declared.add('tools');
    expect(ask()).toEqual(['web']);
    retired.add('web');
    expect(ask()).toEqual([]);
  });
  withPreviousOutput(app, previous(['docs']), () => expect(ask()).toEqual(['docs']));
  released.add('docs');
  withPreviousOutput(app, previous(['docs']), () => expect(ask()).toEqual([]));
});
