import { Harbor, RobotPermission } from '../../lib';
import { CHUNK_MAX_PROJECTS } from '../../lib/harbor/configure-job';
import { synth, testChart } from '../util';
import { configureHarness } from './configure-run';
import { inClusterHarbor } from './fixtures';

// Harbor's "library" is public from its first start (goharbor/harbor v2.15.1
// make/migrations/postgresql/0001_initial_schema.up.sql:81, :120). A robot goes with the chunk of its first
// permission's project (lib/harbor/configure-job.ts), so one that pushes to library but names another project first
// sits in another chunk than a declared library, whose Job, running at the same time, makes it private. The robot's Job
// must not then warn that no configuration declares library.

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
const SECRETS = { ROBOT_0_SECRET: 'CiRobot8SecretX' };
const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: SECRETS });

const PROJECTS = Array.from({ length: CHUNK_MAX_PROJECTS + 10 }, (_, i) => `team-${String(i).padStart(4, '0')}`);

/** The configs of a Harbor of more projects than one chunk holds and robot ci, pushing to team-0005 and library, by chunk. */
function render(declareLibrary: boolean) {
  const chart = testChart('harbor');
  const harbor: Harbor = inClusterHarbor(chart);
  if (declareLibrary) {
    harbor.declareLibrary();
  }
  PROJECTS.forEach((p) => harbor.addProject(p));
  harbor.addRobot('ci', { permissions: [RobotPermission.push('team-0005'), RobotPermission.push('library')] });
  const configs = synth(chart).filter((o) => o.kind === 'ConfigMap' && /^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/.test(o.metadata.name))
    .map((o) => JSON.parse(o.data['config.json']));
  const ci = configs.filter((c) => c.robots.some((r: any) => r.name === 'ci'));
  expect(ci).toHaveLength(1);
  return { configs, ci: ci[0] };
}

const warnings = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('warning:'));

describe('a robot that pushes to "library" in another chunk than library\'s', () => {
  test('declared: its chunk says so, and its Job, run first, warns of nothing while library is public; library\'s Job makes it private', async () => {
    const { configs, ci } = render(true);
    expect(configs.length).toBeGreaterThan(1);
    // the robot's chunk does not declare library, another does
    expect(ci.projects.map((p: any) => p.name)).not.toContain('library');
    const libraries = configs.filter((c) => c.projects.some((p: any) => p.name === 'library'));
    expect(libraries).toHaveLength(1);
    expect(ci.libraryDeclared).toBe(true);
    // no other chunk carries the flag: library's own, and the chunks without a robot pushing there
    expect(configs.filter((c) => 'libraryDeclared' in c)).toEqual([ci]);

    expect(configure.harbor.project('library')!.metadata.public).toBe('true');
    const first = await configure.run(ci);
    expect({ code: first.code, warnings: warnings(first.stdout) }).toEqual({ code: 0, warnings: [] });
    expect(configure.harbor.robot('ci')).toBeDefined();
    const library = await configure.run(libraries[0]);
    expect(library.code).toBe(0);
    expect(configure.harbor.project('library')!.metadata.public).toBe('false');
  });

  test('not declared: the same chunk has no flag, and its Job warns that no configuration declares library', async () => {
    const { configs, ci } = render(false);
    expect(configs.some((c) => c.projects.some((p: any) => p.name === 'library'))).toBe(false);
    expect('libraryDeclared' in ci).toBe(false);
    const result = await configure.run(ci);
    expect(result.code).toBe(0);
    expect(warnings(result.stdout)).toEqual([
      'warning: project library (Harbor\'s own, which robot ci pushes to): public in Harbor, so anyone pulls its images without a login; ' +
      'Harbor makes it public at its first start, and no configuration declares it (Harbor.declareLibrary, which makes it private); make it ' +
      'private (Projects > library > Configuration, or PUT /api/v2.0/projects/library with {"metadata":{"public":"false"}} and X-Is-Resource-Name: true)',
    ]);
  });

  test('a configuration that says libraryDeclared must not declare library itself, and says it with a boolean', async () => {
    const libraries = render(true).configs.filter((c) => c.projects.some((p: any) => p.name === 'library'));
    const both = await configure.run({ ...libraries[0], libraryDeclared: true });
    expect({ code: both.code, stderr: both.stderr }).toEqual({
      code: 1, stderr: 'error: configuration: libraryDeclared says another configuration declares project library, which this one declares under "projects"; it is one or the other\n',
    });
    const text = await configure.run({ projects: [], robots: [], libraryDeclared: 'yes' });
    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 1, stderr: 'error: configuration: field "libraryDeclared" must be a boolean, got "yes"\n' });
    expect(configure.harbor.writes()).toEqual([]);
  });
});
