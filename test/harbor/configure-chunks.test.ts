import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { DockyardChart, Harbor, LocalSecretStore, Namespace, ProxyUpstream, RobotPermission, Secret, toYaml } from '../../lib';
import { withDigests } from '../../lib/core/checksum';
import { CHUNK_MAX_PROJECTS, CHUNK_MAX_SECRETS } from '../../lib/harbor/configure-job';
import {
  checkImagesPinned, checkNoPlaintextCredentials, checkPodSecurityRestricted, checkReadOnlyRootFs, checkReferences, checkResourcesAndProbes, validateSchema,
} from '../policy/checks';
import { container, envOf, find, synth, testChart } from '../util';
import { inClusterHarbor } from './fixtures';

// The Harbor configuration split over chunks (lib/harbor/configure-job.ts): each chunk a ConfigMap with its part of
// the declared state and a Job with only its own secrets, the script in one shared ConfigMap.

const KiB = 1024;

/** The chunks of `platform(teamNames(300))`, each with its first project, as every release since chunking made them. */
const PINNED_CHUNKS = [
  'harbor-configure project dockerhub',
  'harbor-configure-3 project team-0016',
  'harbor-configure-19 project team-0002',
  'harbor-configure-d project team-0000',
  'harbor-configure-1b project team-0006',
  'harbor-configure-7 project team-0001',
  'harbor-configure-1d project team-0003',
  'harbor-configure-f project team-0013',
  'harbor-configure-1f project team-0011',
];
/** The SHA-256 of that layout's `membership`, as JSON. */
const PINNED_LAYOUT = '6493d42e9d8f0b32e42e4a272e52fdb72e5fcd90019df1b3949c252e616c0ba9';

/** A Harbor with a Docker Hub proxy cache and `teams` teams, each a project and two robots, as lib/team declares them. */
function platform(teams: readonly string[], options: { chart?: ReturnType<typeof testChart> } = {}) {
  const chart = options.chart ?? testChart('harbor');
  const harbor = inClusterHarbor(chart);
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
  teams.forEach((team) => addTeam(harbor, team));
  return { chart, harbor };
}

function addTeam(harbor: Harbor, team: string): void {
  harbor.addProject(team, { storageLimitGiB: 50 });
  harbor.addRobot(`${team}-push`, { permissions: [RobotPermission.push(team)], description: `the ${team} team's pipelines push images` });
  harbor.addRobot(`${team}-pull`, {
    permissions: [RobotPermission.pull(team), RobotPermission.pull('dockerhub')], description: `the ${team} team's namespaces pull images`,
  });
}

const teamNames = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `team-${String(from + i).padStart(4, '0')}`);

// a chunk's ConfigMap is named by the chunk and its content: `<chunk>-<8 hex>` (the script's is `-script-<8 hex>`)
const configMaps = (objects: any[]) => objects.filter((o) => o.kind === 'ConfigMap' && /^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/.test(o.metadata.name));
const jobs = (objects: any[]) => objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
const stateOf = (configMap: any) => JSON.parse(configMap.data['config.json']);
/** The chunk a ConfigMap holds: its name without the hash of its content. */
const chunkOf = (configMap: any): string => configMap.metadata.name.replace(/-[0-9a-f]{8}$/, '');
/** The ConfigMap of chunk `name`. */
const chunk = (objects: any[], name: string) => {
  const hit = configMaps(objects).filter((c) => chunkOf(c) === name);
  expect(hit).toHaveLength(1);
  return hit[0];
};
/** Chunk name → its config.json. */
const contents = (objects: any[]) => new Map(configMaps(objects).map((c) => [chunkOf(c), c.data['config.json'] as string]));
/** The one script ConfigMap. */
const scriptOf = (objects: any[]) => {
  const hit = objects.filter((o) => o.kind === 'ConfigMap' && /^harbor-configure-script-[0-9a-f]{8}$/.test(o.metadata.name));
  expect(hit).toHaveLength(1);
  return hit[0];
};
/** Chunk name → the names it declares, sorted. */
const membership = (objects: any[]) => Object.fromEntries(configMaps(objects).map((c) => {
  const s = stateOf(c);
  return [chunkOf(c), [...s.registries.map((r: any) => `registry ${r.name}`), ...s.projects.map((p: any) => `project ${p.name}`),
    ...s.robots.map((r: any) => `robot ${r.name}`)].sort()];
}));
/** The Job that mounts ConfigMap `name`. */
const jobOf = (objects: any[], name: string) => {
  const hit = jobs(objects).filter((j) => j.spec.template.spec.volumes[0].projected.sources[1].configMap.name === name);
  expect(hit).toHaveLength(1);
  return hit[0];
};

/** Bytes of JSON as kubectl sends an object: Go's encoder writes <, > and & as 6-byte escapes. */
const jsonBytes = (o: any) => {
  const text = JSON.stringify(o);
  return Buffer.byteLength(text, 'utf8') + 5 * (text.match(/[<>&]/g) ?? []).length;
};

describe('the default stack', () => {
  test('renders one chunk: its state and the script in ConfigMaps named by their content, and its Job', () => {
    const objects = defaultStack(new App({ outdir: '/nonexistent' }), DEFAULT_CONFIG).toJson();
    const configure = objects.filter((o: any) => o.metadata?.name?.startsWith('harbor-configure'));
    expect(configure.map((o: any) => `${o.kind} ${o.metadata.name.replace(/-[0-9a-f]{8}$/, '-<hash>')}`).sort()).toEqual([
      'ConfigMap harbor-configure-<hash>', 'ConfigMap harbor-configure-jobs', 'ConfigMap harbor-configure-script-<hash>', 'Job harbor-configure-<hash>',
      'NetworkPolicy harbor-configure',
    ]);
    const state = stateOf(chunk(objects, 'harbor-configure'));
    expect(state.projects.map((p: any) => p.name)).toEqual(['dockerhub', 'apps']);
    expect(state.robots.map((r: any) => r.secretEnv)).toEqual(['ROBOT_0_SECRET', 'ROBOT_1_SECRET', 'ROBOT_2_SECRET']);
  });
});

// Harbor's project_creation_restriction defaults to "everyone" (goharbor/harbor v2.15.1
// src/lib/config/metadata/metadatalist.go:115; src/server/v2.0/handler/project.go CreateProject): every Harbor's first
// chunk carries the settings, so that exactly one Job sets it, with oidc or without (configure-settings.test.ts runs it).
describe('Harbor\'s settings', () => {
  test('exactly one chunk, the first, holds them, adminonly by default, however many chunks there are', () => {
    const { chart } = platform(teamNames(120));
    const objects = synth(chart);
    const holders = configMaps(objects).filter((c) => 'settings' in stateOf(c)).map(chunkOf);
    expect(configMaps(objects).length).toBeGreaterThan(2);
    expect(holders).toEqual(['harbor-configure']);
    expect(stateOf(chunk(objects, 'harbor-configure')).settings).toEqual({ projectCreationRestriction: 'adminonly' });
  });

  test('a Harbor that declares nothing still has the one Job that sets them; usersCreateProjects makes them everyone', () => {
    const bare = testChart('harbor');
    inClusterHarbor(bare);
    expect(configMaps(synth(bare)).map((c) => stateOf(c).settings)).toEqual([{ projectCreationRestriction: 'adminonly' }]);
    const open = testChart('harbor');
    inClusterHarbor(open, { usersCreateProjects: true });
    expect(configMaps(synth(open)).map((c) => stateOf(c).settings)).toEqual([{ projectCreationRestriction: 'everyone' }]);
  });

  test('usersCreateProjects must be a boolean', () => {
    expect(() => inClusterHarbor(testChart('harbor'), { usersCreateProjects: 'yes' as any })).toThrow(/^invalid usersCreateProjects "yes": must be true or false/);
  });
});

describe('chunks', () => {
  // Issue 11: with one ConfigMap and one Job for everything, 1,000 teams made a ConfigMap over 1 MiB and a Job with
  // 2,000+ variables. Now nothing grows with the number of projects and robots.
  test('with 1,000 projects and 2,000 robots, every object is under 64 KiB but the script, which is as with one, and no Job has over 120 variables', () => {
    const teams = teamNames(1000);
    const { chart } = platform(teams);
    const objects = synth(chart);

    // the script is the same text however many projects there are: under the 256 KiB client-side apply stores
    expect(scriptOf(objects)).toEqual(scriptOf(synth(platform(teamNames(1)).chart)));
    expect(jsonBytes(scriptOf(objects))).toBeLessThan(128 * KiB);
    const tooLarge = objects.filter((o) => o !== scriptOf(objects))
      .filter((o) => jsonBytes(o) >= 64 * KiB || Buffer.byteLength(toYaml([o])) >= 64 * KiB).map((o) => `${o.kind} ${o.metadata.name}`);
    expect(tooLarge).toEqual([]);
    const env = jobs(objects).map((j) => container(j).env.length);
    expect(Math.max(...env)).toBeLessThanOrEqual(CHUNK_MAX_SECRETS + 5);
    expect(Math.max(...env)).toBeLessThanOrEqual(120);

    // every declared item in exactly one chunk, with its registry; one Job a chunk
    const chunks = configMaps(objects);
    expect(chunks.length).toBeGreaterThan(20);
    expect(jobs(objects)).toHaveLength(chunks.length);
    const states = chunks.map(stateOf);
    expect(states.flatMap((s) => s.projects.map((p: any) => p.name)).sort()).toEqual(['dockerhub', ...teams].sort());
    expect(states.flatMap((s) => s.robots.map((r: any) => r.name)).sort()).toEqual(teams.flatMap((t) => [`${t}-pull`, `${t}-push`]).sort());
    expect(states.every((s) => s.projects.length <= CHUNK_MAX_PROJECTS && s.robots.length <= CHUNK_MAX_SECRETS)).toBe(true);
    // the proxy cache and its registry endpoint are in the first chunk, which keeps the name the single Job had
    expect(stateOf(chunk(objects, 'harbor-configure')).registries.map((r: any) => r.name)).toEqual(['dockerhub']);
    expect(stateOf(chunk(objects, 'harbor-configure')).projects.map((p: any) => p.name)).toEqual(['dockerhub']);

    // each Job reads exactly the secrets of its own robots, under the variables its state names
    for (const chunk of chunks) {
      const vars = envOf(container(jobOf(objects, chunk.metadata.name)));
      const state = stateOf(chunk);
      expect(Object.keys(vars).sort()).toEqual(['CONFIG_FILE', 'CURRENT_JOBS_FILE', 'HARBOR_ADMIN_PASSWORD', 'HARBOR_URL', 'JOB_NAME',
        ...state.robots.map((r: any) => r.secretEnv)].sort());
      for (const robot of state.robots) {
        expect(vars[robot.secretEnv].valueFrom.secretKeyRef).toEqual({ name: `harbor-robot-${robot.name}`, key: 'secret' });
      }
    }
    // a team's robots go with its project, so its Job applies them right after creating it
    const home = new Map(states.flatMap((s, i) => s.projects.map((p: any) => [p.name, i] as const)));
    states.forEach((s, i) => s.robots.forEach((r: any) => expect(home.get(r.permissions[0].namespace)).toBe(i)));
  });

  test('a single project with more robots than a Job may read is split too', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProject('shared');
    for (let i = 0; i < 250; i++) {
      harbor.addRobot(`bot-${i}`, { permissions: [RobotPermission.pull('shared')] });
    }
    const objects = synth(chart);
    const states = configMaps(objects).map(stateOf);
    expect(states.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...states.map((s) => s.robots.length))).toBeLessThanOrEqual(CHUNK_MAX_SECRETS);
    expect(states.flatMap((s) => s.robots)).toHaveLength(250);
    // the robots in other chunks than the project's wait for it (lib/harbor/configure.js, "Chunks")
    expect(states.filter((s) => s.projects.length === 0).length).toBeGreaterThan(0);
  });

  test('a split that deep makes long chunk indexes: a Harbor name that leaves their Jobs no room is refused, naming it', () => {
    // robots split below their project's 41 key bits, so their chunks' indexes take 11 hex digits and more; a Job's
    // name is a label value of its pods (kubernetes pkg/registry/batch/job/strategy.go generateSelector): at most 63
    const build = (name: string) => {
      const chart = testChart('harbor');
      const harbor = inClusterHarbor(chart, { name });
      harbor.addProject('shared');
      for (let i = 0; i < 250; i++) harbor.addRobot(`bot-${i}`, { permissions: [RobotPermission.pull('shared')] });
      return synth(chart).filter((o) => o.kind === 'Job').map((o) => o.metadata.name as string);
    };
    const jobs = build('harbor');
    expect(Math.max(...jobs.map((n) => n.length))).toBeLessThanOrEqual(63);
    expect(Math.max(...jobs.map((n) => n.length))).toBeGreaterThan('harbor-configure-ffff-12345678'.length);
    expect(() => build('h'.repeat(39))).toThrow(/invalid name "h{39}": is too long for the configure Job of chunk h{39}-configure-[0-9a-f]+: a Job's name labels its pods, so is at most 63 characters; a project with this many robots needs a Harbor name of at most \d+/);
  });

  test('same declarations, byte-identical output', () => {
    const a = synth(platform(teamNames(300)).chart);
    const b = synth(platform(teamNames(300)).chart);
    expect(toYaml(b)).toBe(toYaml(a));
  });

  test('which chunk holds what depends on the names only, not on the order they are declared in', () => {
    const teams = teamNames(300);
    const shuffled = [...teams].sort((x, y) => (x.split('').reverse().join('') < y.split('').reverse().join('') ? -1 : 1));
    expect(shuffled).not.toEqual(teams);
    const a = synth(platform(teams).chart);
    const b = synth(platform(shuffled).chart);
    expect(membership(b)).toEqual(membership(a));
    // and the Jobs come in the same order
    expect(configMaps(b).map(chunkOf)).toEqual(configMaps(a).map(chunkOf));
  });

  // A chunk's key is bits of SHA-256 digests of its names (configure-job.ts, `bits`): the same names must make the same
  // chunks in every release, or an upgrade would rename every configure Job and ConfigMap and run each Job again
  test('the chunks of 300 teams are those every release made: the first project of each, and each chunk\'s members pinned', () => {
    const layout = membership(synth(platform(teamNames(300)).chart));
    expect(Object.entries(layout).map(([name, members]) => `${name} ${members.find((m: string) => m.startsWith('project ')) ?? members[0]}`)).toEqual(PINNED_CHUNKS);
    expect(createHash('sha256').update(JSON.stringify(layout)).digest('hex')).toBe(PINNED_LAYOUT);
  });

  // Sorted order would move every chunk after a new name, declaration order every chunk after an inserted or removed
  // one: chunks by hash (configure-job.ts, ChunkTrie) change only where the new team falls.
  test.each([
    ['appended', (teams: string[], added: string) => [...teams, added]],
    ['inserted in the middle', (teams: string[], added: string) => [...teams.slice(0, 150), added, ...teams.slice(150)]],
    ['inserted first', (teams: string[], added: string) => [added, ...teams]],
  ])('a team %s changes one chunk and its Job, or splits it in two', (_, place) => {
    const teams = teamNames(300);
    const before = synth(platform(teams).chart);
    for (const added of ['team-0300', 'aaa', 'zzz-new', 'team-0150x']) {
      const after = synth(platform(place(teams, added)).chart);
      const old = contents(before);
      const changed = [...contents(after)].filter(([name, text]) => old.get(name) !== text).map(([name]) => name);
      expect(changed.length === 1 || changed.length === 2).toBe(true);
      // the rest are byte for byte the same, under the same names, and so are their Jobs
      const names = (objects: any[]) => new Set([...configMaps(objects), ...jobs(objects)].map((o) => `${o.kind} ${o.metadata.name}`));
      const kept = names(before);
      const renamed = [...names(after)].filter((n) => !kept.has(n));
      expect(renamed.filter((n) => n.startsWith('Job ')).length).toBe(changed.length);
      expect(renamed.filter((n) => n.startsWith('ConfigMap ')).length).toBe(changed.length);
      // a split leaves no chunk behind: its first half keeps the chunk's name
      const chunks = contents(after);
      expect([...old.keys()].filter((name) => !chunks.has(name))).toEqual([]);
    }
  });

  test('teams added one at a time: each changes one chunk, or splits one, and none is ever left behind', () => {
    const { chart, harbor } = platform([]);
    let before = contents(synth(chart));
    let splits = 0;
    for (const team of teamNames(120)) {
      addTeam(harbor, team);
      const after = contents(synth(chart));
      const changed = [...after].filter(([name, text]) => before.get(name) !== text).map(([name]) => name);
      expect(changed.length === 1 || (changed.length === 2 && changed.some((n) => !before.has(n)))).toBe(true);
      expect([...before.keys()].filter((n) => !after.has(n))).toEqual([]);
      splits += after.size - before.size;
      before = after;
    }
    expect(splits).toBeGreaterThanOrEqual(3);
  });

  test('rotating one team\'s robot secret runs that chunk\'s Job again, and no other', () => {
    const { chart, harbor } = platform(teamNames(200));
    const robotKey = 'harbor/harbor-robot-team-0042-pull/secret';
    const render = (rotated: boolean) => withDigests(chart, (key) => (key === robotKey && rotated ? 'rotated' : `digest-of-${key}`), () => chart.toJson());
    const [before, after] = [render(false), render(true)];
    const changed = jobs(after).map((j) => j.metadata.name).filter((n) => !jobs(before).some((j) => j.metadata.name === n));
    expect(changed).toHaveLength(1);
    const env = envOf(container(jobs(after).find((j) => j.metadata.name === changed[0])));
    expect(Object.values(env).some((e: any) => e.valueFrom?.secretKeyRef?.name === 'harbor-robot-team-0042-pull')).toBe(true);
    expect(toYaml(configMaps(after))).toBe(toYaml(configMaps(before)));
    // the admin password is in every Job
    const admin = `${harbor.adminPassword.secret.namespace}/${harbor.adminPassword.secret.secretName}/${harbor.adminPassword.key}`;
    const rotatedAdmin = withDigests(chart, (key) => (key === admin ? 'rotated' : `digest-of-${key}`), () => chart.toJson());
    expect(jobs(rotatedAdmin).filter((j) => jobs(before).some((b) => b.metadata.name === j.metadata.name))).toEqual([]);
  });

  // lib/harbor/configure.js, "Superseded runs": an earlier Job still retrying stops once the list leaves it out
  test('the list of current Jobs names every configure Job, before them in the manifest, and follows each change', () => {
    const { chart, harbor } = platform(teamNames(200));
    const listed = (objects: any[]) => find(objects, 'ConfigMap', 'harbor-configure-jobs').data['current-jobs'] as string;
    const before = synth(chart);
    expect(listed(before)).toBe(jobs(before).map((j) => `${j.metadata.name}\n`).join(''));
    const position = (o: any) => before.indexOf(o);
    expect(jobs(before).every((j) => position(j) > position(find(before, 'ConfigMap', 'harbor-configure-jobs')))).toBe(true);
    // a team added later: its chunk's Job is a new one, and only that name changes in the list
    addTeam(harbor, 'team-late');
    const after = synth(chart);
    const names = (objects: any[]) => new Set(jobs(objects).map((j) => j.metadata.name));
    const [gone, added] = [[...names(before)].filter((n) => !names(after).has(n)), [...names(after)].filter((n) => !names(before).has(n))];
    expect(gone).toHaveLength(1);
    expect(added).toHaveLength(1);
    expect(listed(after)).toBe(listed(before).replace(`${gone[0]}\n`, `${added[0]}\n`));
    // the list's name is fixed and it is the only ConfigMap the Jobs mount that is: the kubelet updates it in running
    // pods, in a volume of its own, since it writes none of a projected volume's files while one of its required
    // sources is missing (kubernetes pkg/volume/projected/projected.go SetUpAt), as an earlier state's content-named
    // script and chunk are once a pruning apply or `pulumi up` deletes them
    for (const job of jobs(after)) {
      expect(job.spec.template.spec.volumes.filter((v: any) => JSON.stringify(v).includes('harbor-configure-jobs')))
        .toEqual([{ name: 'current-jobs', configMap: { name: 'harbor-configure-jobs', optional: true } }]);
      expect(container(job).volumeMounts.every((m: any) => m.subPath === undefined)).toBe(true);
      // the label the API server requires on every pod of a Job with a generated selector (kubernetes/kubernetes
      // pkg/apis/batch/validation/validation.go validateGeneratedSelector, LegacyJobNameLabel "job-name")
      expect(envOf(container(job)).JOB_NAME).toEqual({ name: 'JOB_NAME', valueFrom: { fieldRef: { fieldPath: "metadata.labels['job-name']" } } });
      expect(envOf(container(job)).CURRENT_JOBS_FILE.value).toBe('/etc/dockyard/current-jobs/current-jobs');
    }
  });

  test('an upstream password is read by the Job of its proxy cache only', () => {
    const chart = testChart('harbor');
    const token = Secret.fromSecretName(chart, 'HubToken', 'dockerhub-token').key('token');
    const { harbor } = platform(teamNames(200), { chart });
    harbor.addProxyCache('hub2', { upstream: ProxyUpstream.dockerHub({ username: 'acme', password: token }) });
    const objects = synth(chart);
    const readers = jobs(objects).filter((j) => container(j).env.some((e: any) => e.valueFrom?.secretKeyRef?.name === 'dockerhub-token'));
    expect(readers).toHaveLength(1);
    const name = readers[0].spec.template.spec.volumes[0].projected.sources[1].configMap.name;
    const registry = stateOf(find(objects, 'ConfigMap', name)).registries.find((r: any) => r.name === 'hub2');
    expect(envOf(container(readers[0]))[registry.accessSecretEnv].valueFrom.secretKeyRef).toEqual({ name: 'dockerhub-token', key: 'token' });
  });

  test('every chunk\'s Job mounts the shared script, is covered by the one NetworkPolicy and runs as the single Job did', () => {
    const objects = synth(platform(teamNames(200)).chart);
    const script = scriptOf(objects).metadata.name;
    const policy = find(objects, 'NetworkPolicy', 'harbor-configure');
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('harbor-configure'))).toHaveLength(1);
    for (const job of jobs(objects)) {
      expect(job.metadata.name).toMatch(/^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/);
      const labels = job.spec.template.metadata.labels;
      expect(Object.entries(policy.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v)).toBe(true);
      expect(job.spec.template.spec.volumes[0].projected.sources[0]).toEqual({ configMap: { name: script } });
      expect(job.spec).toMatchObject({ backoffLimit: 6, activeDeadlineSeconds: 3600, template: { spec: { restartPolicy: 'OnFailure', automountServiceAccountToken: false } } });
    }
  });
});

describe('the policy suite over a Harbor of many chunks', () => {
  test('every check passes, and every configuration pod has its NetworkPolicy', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-chunks-')) });
    const chart = new DockyardChart(app, 'harbor', { namespace: 'harbor' });
    new Namespace(chart, 'Namespace', { name: 'harbor' });
    platform(teamNames(300), { chart });
    const objects = chart.toJson();
    // the store says on stderr which keys it generated: 611 of them here
    const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let rendered: string;
    try {
      rendered = new LocalSecretStore({ statePath: path.join(app.outdir, 'state.json') }).render(app);
    } finally {
      quiet.mockRestore();
    }
    const secrets = parseAllDocuments(rendered).map((d) => d.toJS());
    try {
      expect(configMaps(objects).length).toBeGreaterThan(5);
      // as test/policy/suite.ts: schemas and references over the generated Secrets too, the rest over the manifests
      const all = [...objects, ...secrets];
      const tls = objects.filter((o) => o.kind === 'Ingress').flatMap((i) => i.spec.tls.map((t: any) => ({ namespace: 'harbor', name: t.secretName })));
      expect(validateSchema(all, '1.27.0')).toEqual([]);
      expect(validateSchema(all, '1.36.0')).toEqual([]);
      expect(checkReferences(all, { externalSecrets: tls })).toEqual([]);
      for (const check of [checkPodSecurityRestricted, checkNoPlaintextCredentials, checkImagesPinned, checkResourcesAndProbes, checkReadOnlyRootFs]) {
        expect(check(objects)).toEqual([]);
      }
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      const unguarded = jobs(objects).filter((j) => !policies.some((p) =>
        Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => j.spec.template.metadata.labels[k] === v)));
      expect(unguarded).toEqual([]);
    } finally {
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
  });
});
