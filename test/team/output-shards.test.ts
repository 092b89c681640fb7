// TeamPlatformProps.outputShards: the teams' objects split over `<chart id>-teams-<kk>.k8s.yaml` files by the writer
// (lib/core/output-shards.ts, DockyardChart._toYamlFiles, synthesize), so that several GitOps Applications or
// Kustomizations each take a bounded share (README, GitOps with Argo CD or Flux).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { teamsStack } from '../../apps/teams/stack';
import { describeValue, LocalSecretStore, synthesize, TeamPlatform } from '../../lib';
import { shardChangeWarnings } from '../../lib/core/output-shards';
import { refusal, stderrOf, tempDirs } from '../util';
import { platform } from './fixtures';

const workdir = tempDirs('dockyard-shards-');

/** The shard of a team, as the README says it: the first 32 bits of sha256(name), modulo N (computed apart from the code). */
function shardOf(name: string, count: number): number {
  return parseInt(crypto.createHash('sha256').update(name).digest('hex').slice(0, 8), 16) % count;
}

const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

/**
 * Synthesize a platform with `names` as teams (the first on a dedicated runner, whose Role in its build and
 * pull-request namespaces the shared chart's runner construct makes) into `outdir` from `statePath`: stderr, and
 * every top-level file's text.
 */
function synthTeams(outdir: string, statePath: string, shards: number | undefined, names = NAMES, chartId?: string):
  { stderr: string; files: Record<string, string> } {
  const p = platform(shards === undefined ? {} : { outputShards: shards }, { outdir, chartId });
  names.forEach((name, i) => p.teams.addTeam({ name, repos: [`acme/${name}-*`], ...(i === 0 ? { dedicatedRunner: true } : {}) }));
  const stderr = stderrOf(() => synthesize(p.app, new LocalSecretStore({ statePath })));
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(outdir)) {
    if (fs.statSync(path.join(outdir, entry)).isFile()) files[entry] = fs.readFileSync(path.join(outdir, entry), 'utf8');
  }
  return { stderr, files };
}

/** The documents of a manifest, each as its bytes (without the `---` line and the final line break). */
function documents(text: string): string[] {
  if (text === '') return [];
  expect(text.startsWith('---')).toBe(false);
  return text.replace(/\n$/, '').split('\n---\n');
}

/** A document's identity: kind, namespace and name. */
function identity(doc: string): string {
  const o = parse(doc);
  return `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The manifests of `files`: every `.k8s.yaml`. */
function manifests(files: Record<string, string>): string[] {
  return Object.keys(files).filter((f) => f.endsWith('.k8s.yaml')).sort();
}

describe('TeamPlatformProps.outputShards', () => {
  test('unset and 1 write the one file, byte for byte as before', () => {
    const dir = workdir();
    const unset = synthTeams(path.join(dir, 'a'), path.join(dir, 'state.json'), undefined);
    const one = synthTeams(path.join(dir, 'b'), path.join(dir, 'state.json'), 1);
    expect(manifests(unset.files)).toEqual(['platform.k8s.yaml']);
    expect(one.files['platform.k8s.yaml']).toBe(unset.files['platform.k8s.yaml']);
    expect(one.files['secrets.local.yaml']).toBe(unset.files['secrets.local.yaml']);
  });

  test('the files together hold the one file\'s objects, byte for byte, each in its order with Namespaces first; the secret state is unchanged', () => {
    const dir = workdir();
    const statePath = path.join(dir, 'state.json');
    const whole = synthTeams(path.join(dir, 'one'), statePath, undefined);
    const state = fs.readFileSync(statePath, 'utf8');
    const values = JSON.parse(state).values;
    for (const shards of [4, 16]) {
      const split = synthTeams(path.join(dir, `split-${shards}`), statePath, shards);
      // no credential made, none changed: the same values, the same Secrets
      expect(split.stderr).not.toMatch(/generated \d+ new key/);
      expect(JSON.parse(fs.readFileSync(statePath, 'utf8')).values).toEqual(values);
      expect(split.files['secrets.local.yaml']).toBe(whole.files['secrets.local.yaml']);
      const width = String(shards).length;
      const shardFiles = Array.from({ length: shards }, (_, k) => `platform-teams-${String(k).padStart(width, '0')}.k8s.yaml`);
      // every shard's file, even an empty one, beside the chart's
      expect(manifests(split.files)).toEqual([...shardFiles, 'platform.k8s.yaml'].sort());
      const one = documents(whole.files['platform.k8s.yaml']);
      const union: string[] = [];
      for (const file of manifests(split.files)) {
        const docs = documents(split.files[file]);
        // the one file's order, so a file's Namespaces come first as there
        const at = docs.map((d) => one.indexOf(d));
        expect(at.every((i) => i >= 0)).toBe(true);
        expect(at).toEqual([...at].sort((a, b) => a - b));
        const kinds = docs.map((d) => parse(d).kind);
        const namespaces = kinds.filter((k) => k === 'Namespace').length;
        expect(kinds.slice(0, namespaces).every((k) => k === 'Namespace')).toBe(true);
        union.push(...docs);
      }
      expect(union.sort()).toEqual([...one].sort());
      // no object moved between files is one left behind
      expect(split.stderr).not.toContain('no longer writes');
      // the split is real: the chart's file keeps none of the teams' namespaces
      expect(documents(split.files['platform.k8s.yaml']).map(identity).filter((i) => NAMES.some((n) => i.includes(` ${n}`) || i.includes(`/${n}`))))
        .toEqual([]);
    }
  });

  test('each team\'s namespaces and everything in them, whoever made it, are in the file of sha256(name) mod N', () => {
    const dir = workdir();
    const { files } = synthTeams(path.join(dir, 'out'), path.join(dir, 'state.json'), 4);
    const fileOf = new Map<string, string>();
    for (const file of manifests(files)) {
      for (const doc of documents(files[file])) {
        const o = parse(doc);
        const ns = o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace;
        if (ns !== undefined) {
          expect(fileOf.get(ns) ?? file).toBe(file);
          fileOf.set(ns, file);
        }
      }
    }
    for (const name of NAMES) {
      const expected = `platform-teams-${shardOf(name, 4)}.k8s.yaml`;
      expect([fileOf.get(name), fileOf.get(`${name}-builds`)]).toEqual([expected, expected]);
    }
    // the dedicated runner's pull-request namespace, and the Role the runner construct (made below the team, but
    // in the shared runner's namespace for its Deployment) puts in the team's namespaces
    const alpha = `platform-teams-${shardOf('alpha', 4)}.k8s.yaml`;
    expect(fileOf.get('alpha-pull-requests')).toBe(alpha);
    const roles = documents(files[alpha]).map(identity).filter((i) => i.startsWith('Role alpha-'));
    expect(roles.length).toBeGreaterThan(0);
    // the shared runner's Role in every other team's build namespace goes with that team
    expect(documents(files[`platform-teams-${shardOf('bravo', 4)}.k8s.yaml`]).map(identity)).toContain('Role bravo-builds/drone-runner');
    // the platform's own namespace stays in the chart's file
    expect(fileOf.get('ci')).toBe('platform.k8s.yaml');
  });

  test('a chart rendered through toJson (one with dependencies) splits its objects alike', () => {
    const files = (dependency: boolean): string[][] => {
      const p = platform({ outputShards: 4 });
      NAMES.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}-*`] }));
      // any dependency sends the chart through cdk8s's ordering and toJson (DockyardChart._toYamlFiles)
      if (dependency) p.harbor.node.addDependency(p.ci);
      let out: Buffer[][] = [];
      stderrOf(() => { out = p.chart._toYamlFiles(); });
      return out.map((chunks) => documents(Buffer.concat(chunks).toString('utf8')).map(identity).sort());
    };
    const [streamed, rendered] = [files(false), files(true)];
    expect(streamed).toHaveLength(5);
    expect(rendered).toEqual(streamed);
    expect(streamed[1 + shardOf('alpha', 4)]).toContain('Namespace /alpha');
  });

  test('a split chart\'s one-file writer (_toYamlChunks) still writes every object, as toJson has them', () => {
    const p = platform({ outputShards: 4 });
    NAMES.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}-*`] }));
    let one: string[] = [];
    let json: string[] = [];
    stderrOf(() => {
      one = documents(Buffer.concat(p.chart._toYamlChunks()).toString('utf8')).map(identity);
      json = p.chart.toJson().map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    });
    expect(one).toContain('Namespace /alpha');
    expect(one).toEqual(json);
  });

  test('a team keeps its file when another is added', () => {
    const dir = workdir();
    const before = synthTeams(path.join(dir, 'a'), path.join(dir, 'state.json'), 4, NAMES.slice(0, 6));
    const after = synthTeams(path.join(dir, 'b'), path.join(dir, 'state.json'), 4, [...NAMES.slice(0, 6), 'india', 'juliett']);
    const namespacesIn = (files: Record<string, string>) => new Map(manifests(files).flatMap((file) => documents(files[file])
      .map((d) => parse(d)).filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name as string, file])));
    const [a, b] = [namespacesIn(before.files), namespacesIn(after.files)];
    for (const [ns, file] of a) expect([ns, b.get(ns)]).toEqual([ns, file]);
  });

  test('an empty shard is an empty file', () => {
    const dir = workdir();
    const { files } = synthTeams(path.join(dir, 'out'), path.join(dir, 'state.json'), 256, ['alpha']);
    const shardFiles = manifests(files).filter((f) => f.startsWith('platform-teams-'));
    expect(shardFiles).toHaveLength(256);
    expect(shardFiles[0]).toBe('platform-teams-000.k8s.yaml');
    expect(shardFiles.filter((f) => files[f] !== '')).toEqual([`platform-teams-${String(shardOf('alpha', 256)).padStart(3, '0')}.k8s.yaml`]);
  });

  test('the mark lists the files written; turning shards on, changing N or off again names no object as left', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'out');
    const statePath = path.join(dir, 'state.json');
    const whole = synthTeams(outdir, statePath, undefined);
    expect(whole.stderr).not.toContain('moved between files');
    const moved = ['platform.k8s.yaml alone, now in 4 files platform-teams-*.k8s.yaml', '4 files platform-teams-*.k8s.yaml, now in 3 files',
      '3 files platform-teams-*.k8s.yaml, now in platform.k8s.yaml alone'];
    for (const [i, shards] of [4, 3, undefined].entries()) {
      const next = synthTeams(outdir, statePath, shards);
      expect(next.stderr).not.toContain('no longer writes');
      // each change of the files is warned of once, in one line naming the procedure (lib/core/output-shards.ts)
      const warnings = next.stderr.split('\n').filter((l) => l.includes('moved between files'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(moved[i]);
      expect(warnings[0]).toContain('Changing N');
      expect(next.files['secrets.local.yaml']).toBe(whole.files['secrets.local.yaml']);
      const mark = next.files['.dockyard-output'];
      for (const file of manifests(next.files)) expect(mark).toContain(`"${file}"`);
      // the object list is the same whatever the files
      expect(mark.slice(mark.indexOf('objects'))).toBe(whole.files['.dockyard-output'].slice(whole.files['.dockyard-output'].indexOf('objects')));
    }
    // the same files again: no warning
    expect(synthTeams(outdir, statePath, undefined).stderr).not.toContain('moved between files');
    // a team dropped from a shard is still named as left
    const dropped = synthTeams(outdir, statePath, 4, NAMES.slice(1));
    expect(dropped.stderr).toContain('no longer writes');
    expect(dropped.stderr).toContain('kubectl delete --ignore-not-found namespace/alpha namespace/alpha-builds namespace/alpha-pull-requests');
  });

  test('shard files that sort after secrets.local.yaml get the apply-order warning; the default names do not', () => {
    const dir = workdir();
    // `platform-teams-*` sort before `platform.k8s.yaml`, and each creates its own namespaces: nothing out of order
    const early = synthTeams(path.join(dir, 'early'), path.join(dir, 'state.json'), 2);
    expect(early.stderr).not.toContain('kubectl apply -f on the output directory');
    // `tenants-teams-*` sort after `secrets.local.yaml`, whose pull Secrets live in the teams' namespaces
    const late = synthTeams(path.join(dir, 'late'), path.join(dir, 'state.json'), 2, NAMES, 'tenants');
    const warnings = late.stderr.split('\n').filter((l) => l.includes('kubectl apply -f on the output directory'));
    expect(warnings.length).toBeGreaterThan(0);
    // the chart's own file (its namespaces' Secrets), and the shard files, each one line
    expect(warnings.every((w) => /\(secrets\.local\.yaml\) before Namespace \S+ \(tenants(-teams-[01])?\.k8s\.yaml\)/.test(w))).toBe(true);
    expect(warnings.filter((w) => /\(tenants-teams-[01]\.k8s\.yaml\)/.test(w))).toHaveLength(2);
  });

  test('refuses what is no integer from 1 to 256 in one line naming the prop', () => {
    for (const value of [0, 257, 1.5, -1, Number.NaN, '4' as unknown as number]) {
      expect(refusal(() => platform({ outputShards: value }))).toBe(`invalid outputShards ${describeValue(value)}: ` +
        'must be an integer from 1 to 256: how many files the teams\' objects are written to beside the platform\'s (1: all in one file)');
    }
  });

  test('refuses shards in a plain cdk8s Chart, whose one file synthesize writes as it is', () => {
    const p = platform();
    const plain = new Chart(p.app, 'plain');
    expect(refusal(() => new TeamPlatform(plain, 'Teams', { ci: p.ci, harbor: p.harbor, outputShards: 4 }))).toBe('invalid outputShards 4: needs the ' +
      'TeamPlatform in a DockyardChart, whose manifest synthesize splits; plain is a plain cdk8s Chart');
    expect(() => new TeamPlatform(plain, 'One', { ci: p.ci, harbor: p.harbor, outputShards: 1 })).not.toThrow();
  });

  test('two TeamPlatforms of one chart must agree on the count', () => {
    const p = platform({ outputShards: 4 });
    expect(refusal(() => new TeamPlatform(p.chart, 'More', { ci: p.ci, harbor: p.harbor, outputShards: 8 }))).toBe('invalid outputShards 8: must be the same ' +
      'for every TeamPlatform of chart platform, which splits its manifest into 4 files already');
    // one left unsplit beside a split one (or the other way round) would keep its teams in the chart's file unsaid
    expect(refusal(() => new TeamPlatform(p.chart, 'Unsplit', { ci: p.ci, harbor: p.harbor }))).toBe('invalid outputShards 1: must be the same ' +
      'for every TeamPlatform of chart platform, which splits its manifest into 4 files already');
    const q = platform();
    expect(refusal(() => new TeamPlatform(q.chart, 'Split', { ci: q.ci, harbor: q.harbor, outputShards: 4 }))).toBe('invalid outputShards 4: must be ' +
      'the same for every TeamPlatform of chart platform, which another writes to one file already');
  });
});

describe('shardChangeWarnings: which previous files were a chart\'s shards', () => {
  const shardFiles = (id: string, n: number) => Array.from({ length: n }, (_, k) => `${id}-teams-${String(k).padStart(String(n).length, '0')}.k8s.yaml`);
  const moved = (previous: string[] | undefined, charts: { id: string; shards: number }[]) =>
    shardChangeWarnings(previous, charts).map((w) => w.slice(0, w.indexOf(' (')));

  test('a first synth, or a mark without its file list, warns of nothing; the same shards, of nothing', () => {
    expect(moved(undefined, [{ id: 'platform', shards: 4 }])).toEqual([]);
    expect(moved(['platform.k8s.yaml', ...shardFiles('platform', 4)], [{ id: 'platform', shards: 4 }])).toEqual([]);
  });

  test('a chart of the user\'s named like a shard file is none, whether it is added, kept or removed', () => {
    // `platform-teams-1` is a chart of its own, writing platform-teams-1.k8s.yaml beside an unsplit `platform`
    const both = ['platform.k8s.yaml', 'platform-teams-1.k8s.yaml'];
    expect(moved(['platform.k8s.yaml'], [{ id: 'platform', shards: 0 }, { id: 'platform-teams-1', shards: 0 }])).toEqual([]);
    expect(moved(both, [{ id: 'platform', shards: 0 }, { id: 'platform-teams-1', shards: 0 }])).toEqual([]);
    expect(moved(both, [{ id: 'platform', shards: 0 }])).toEqual([]);
    // split into 2 beside it: the shards are platform-teams-0 and -1, which that chart's file cannot be taken for
    expect(moved(both, [{ id: 'platform', shards: 3 }])).toEqual(['warning: the teams\' objects moved between files: they were in ' +
      'platform.k8s.yaml alone, now in 3 files platform-teams-*.k8s.yaml']);
    // beside 16 shards, a chart `platform-teams-16` of this synth's is no 17th shard
    const sixteen = ['platform.k8s.yaml', ...shardFiles('platform', 16), 'platform-teams-16.k8s.yaml'];
    expect(moved(sixteen, [{ id: 'platform', shards: 16 }, { id: 'platform-teams-16', shards: 0 }])).toEqual([]);
  });

  test('a chart added with shards moved no team; a removed one is the gone files\' notice', () => {
    expect(moved(['platform.k8s.yaml'], [{ id: 'platform', shards: 0 }, { id: 'more', shards: 4 }])).toEqual([]);
    expect(moved(['platform.k8s.yaml', 'more.k8s.yaml', ...shardFiles('more', 4)], [{ id: 'platform', shards: 0 }])).toEqual([]);
  });

  test('a chart id holding regular-expression characters is read as it is', () => {
    const id = 'a.b+(c)';
    expect(moved([`${id}.k8s.yaml`, ...shardFiles(id, 2)], [{ id, shards: 2 }])).toEqual([]);
    expect(moved([`${id}.k8s.yaml`, ...shardFiles('aXb+(c)', 2)], [{ id, shards: 2 }])).toHaveLength(1);
    expect(moved([`${id}.k8s.yaml`, ...shardFiles(id, 12)], [{ id, shards: 2 }])).toEqual([`warning: the teams' objects moved between files: ` +
      `they were in 12 files ${id}-teams-*.k8s.yaml, now in 2 files ${id}-teams-*.k8s.yaml`]);
  });
});

describe('apps/teams at 1,000 teams, DOCKYARD_TEAM_SHARDS=16', () => {
  test('every manifest fits one Argo CD directory Application, while together they do not', () => {
    const outdir = path.join(workdir(), 'dist');
    const app = new App({ outdir });
    teamsStack(app, { ...DEFAULT_CONFIG, teams: 1000, teamShards: 16 });
    stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(path.dirname(outdir), 'state.json') })));
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.k8s.yaml')).sort();
    expect(files).toEqual([...Array.from({ length: 16 }, (_, k) => `dockyard-teams-${String(k).padStart(2, '0')}.k8s.yaml`), 'dockyard.k8s.yaml']);
    const sizes = files.map((f) => fs.statSync(path.join(outdir, f)).size);
    // Argo CD v3.5.1 refuses a directory Application whose included files total more than
    // reposerver.max.combined.directory.manifests.size, default "10M" (cmd/argocd-repo-server/commands/argocd_repo_server.go:265),
    // a resource.Quantity of 10,000,000 bytes, counted over the files `directory.include` lets through
    // (reposerver/repository/repository.go:2162,2215-2218)
    const LIMIT = 10_000_000;
    expect(Math.max(...sizes)).toBeLessThan(LIMIT);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(LIMIT);
    // an Application's status holds an entry per object, past etcd's 1.5 MiB from about 350 teams' (~14 objects each,
    // README): each file holds far fewer
    for (const f of files) {
      expect(fs.readFileSync(path.join(outdir, f), 'utf8').split('\n---\n').length).toBeLessThan(350 * 14);
    }
  });
});
