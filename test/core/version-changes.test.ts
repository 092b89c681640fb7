// Day-two version changes of the components that keep data, against the previous output (lib/core/version-changes.ts;
// the in-cluster PostgreSQL's major version is test/postgres/major-version.test.ts). Each refused change is one the
// component itself refuses at start, cited at its rule: Valkey's older server and a newer append-only file
// (lib/redis/version-change.ts, run in test/integ/valkey-downgrade.integ.test.ts), Harbor's older core and a schema a
// newer core migrated (lib/harbor/version-change.ts).
import * as fs from 'fs';
import * as path from 'path';
import { Image, ImageDigests, ImageRelocation, Images, Redis } from '../../lib';
import { listsObject, objectList } from '../../lib/core/left-objects';
import { minorOf, releaseBefore, releaseOf } from '../../lib/core/version-changes';
import { inClusterHarbor } from '../harbor/fixtures';
import { droneServer } from '../drone/fixtures';
import { refusal, stderrOf, synthIn, tempDirs } from '../util';
import { woodpeckerServer } from '../woodpecker/fixtures';

const dirs = tempDirs('dockyard-versions-');

describe('in-cluster Valkey', () => {
  const valkey = (dir: string, tag: string, env: Record<string, string> = {}) =>
    synthIn(dir, (chart) => new Redis(chart, 'Redis', { image: Image.of(`docker.io/valkey/valkey:${tag}`) }), env);

  test('an upgrade, a patch release back, or a release back that writes the same RDB format just rolls', () => {
    const dir = dirs();
    valkey(dir, '8.0.6');
    expect(valkey(dir, '8.1.11')).toContain('image: docker.io/valkey/valkey:8.1.11');
    expect(valkey(dir, '8.1.4')).toContain('image: docker.io/valkey/valkey:8.1.4');
    // 8.1, 8.0 and 7.2 all write RDB format 11 (valkey-io/valkey src/rdb.h RDB_VERSION_MAP, read at 01756301ec:
    // "RDB 11 is the last open-source Redis RDB version, used by Valkey 7.x and 8.x"), which each reads
    expect(valkey(dir, '8.0.6')).toContain('image: docker.io/valkey/valkey:8.0.6');
    expect(valkey(dir, '7.2.11')).toContain('image: docker.io/valkey/valkey:7.2.11');
    expect(valkey(dir, '9.0.1-alpine')).toContain('image: docker.io/valkey/valkey:9.0.1-alpine');
    // 9.1 writes 9.0's format 80
    expect(valkey(dir, '9.1.0')).toContain('image: docker.io/valkey/valkey:9.1.0');
    expect(valkey(dir, '9.0.3')).toContain('image: docker.io/valkey/valkey:9.0.3');
  });

  test('a release back to an older RDB format, or past the releases the table knows, is refused, naming the image, both releases and the claim; the variable lets it through', () => {
    const dir = dirs();
    valkey(dir, '9.0.1');
    expect(refusal(() => valkey(dir, '8.1.11'))).toBe('invalid image "docker.io/valkey/valkey:8.1.11" of StatefulSet dockyard/redis: the previous ' +
      'output ran docker.io/valkey/valkey:9.0.1 there, and the append-only file 9.0.1 wrote may be in an RDB format 8.1.11 cannot read ("Can\'t ' +
      'handle RDB format version"; or "Bad file format reading the append only file" for the base file 9.0 and later sign VALKEY, not REDIS), ' +
      'so the server would exit at start and crash-loop: to go back, delete the StatefulSet and its claim ' +
      'data-redis-0 (the queued jobs and cached data on it go: Harbor\'s job queue and caches, which Harbor fills again), then apply; or keep ' +
      '9.0.1; once that is done, synthesize once with DOCKYARD_VERSION_CHANGE=dockyard/redis');
    expect(refusal(() => valkey(dir, '7.2.11'))).toMatch(/^invalid image "docker.io\/valkey\/valkey:7.2.11" of StatefulSet dockyard\/redis: /);
    expect(valkey(dir, '8.1.11', { DOCKYARD_VERSION_CHANGE: 'dockyard/redis' })).toContain('valkey/valkey:8.1.11');
    // 9.2 writes 81, which 9.1 (80) refuses
    const newer = dirs();
    valkey(newer, '9.2.0');
    expect(refusal(() => valkey(newer, '9.1.0'))).toMatch(/^invalid image "docker.io\/valkey\/valkey:9.1.0" of StatefulSet dockyard\/redis: /);
    // a release after 9.2 may write a format the table does not know: any minor release back is refused
    const unknown = dirs();
    valkey(unknown, '9.3.0');
    expect(refusal(() => valkey(unknown, '9.2.0'))).toMatch(/^invalid image "docker.io\/valkey\/valkey:9.2.0" of StatefulSet dockyard\/redis: /);
    expect(valkey(unknown, '9.3.0')).toContain('valkey/valkey:9.3.0');
  });

  test('a minor\'s own tag (8.1, 9.0-alpine) is compared too; a tag that names no minor (8) is not', () => {
    const dir = dirs();
    valkey(dir, '9.0-alpine');
    expect(refusal(() => valkey(dir, '8.1'))).toMatch(/^invalid image "docker.io\/valkey\/valkey:8.1" of StatefulSet dockyard\/redis: the previous output ran docker.io\/valkey\/valkey:9.0-alpine there, and the append-only file 9.0 wrote may be in an RDB format 8.1 cannot read/);
    expect(refusal(() => valkey(dir, '8.1.11'))).toMatch(/^invalid image "docker.io\/valkey\/valkey:8.1.11" of StatefulSet dockyard\/redis: /);
    expect(valkey(dir, '9.0.2')).toContain('valkey/valkey:9.0.2');
    expect(valkey(dir, '8')).toContain('valkey/valkey:8');
  });

  test('a Redis image is refused: the server runs valkey-server and valkey-cli', () => {
    for (const ref of ['redis:7.2.5', 'docker.io/redis/redis-stack-server:7.4.0-v1', 'registry.example.com/mirror/library/redis:7.2.5']) {
      expect(refusal(() => synthIn(dirs(), (chart) => new Redis(chart, 'Redis', { image: Image.of(ref) })))).toBe(
        `invalid image "${Image.of(ref).reference}": must be a Valkey image, such as "docker.io/valkey/valkey:8.1.11": the server runs ` +
        'valkey-server and its probes valkey-cli, which a Redis image lacks, so the pod would not start; for a Redis server of your own, use ExternalRedis ' +
        '(Redis "dockyard/Redis")');
    }
    // a Valkey image anywhere, under any name of its own, is taken
    expect(synthIn(dirs(), (chart) => new Redis(chart, 'Redis', { image: Image.of('registry.example.com/cache/valkey:8.1.11') })))
      .toContain('registry.example.com/cache/valkey:8.1.11');
  });
});

describe('Harbor', () => {
  const harbor = (dir: string, version: string, env: Record<string, string> = {}) =>
    synthIn(dir, (chart) => inClusterHarbor(chart, { version, namespace: 'harbor' }), env);

  test('every goharbor image takes the one version: an upgrade, skipping releases too, just rolls', () => {
    const dir = dirs();
    harbor(dir, '2.13.2');
    const out = harbor(dir, '2.15.1');
    // core, jobservice, portal, registry and registryctl (one pod), Trivy's adapter: one version, no prop for one alone
    const images = new Set([...out.matchAll(/image: (docker\.io\/goharbor\/[^\s]+)/g)].map((m) => m[1]));
    expect([...images].sort()).toEqual(['harbor-core', 'harbor-jobservice', 'harbor-portal', 'harbor-registryctl', 'registry-photon',
      'trivy-adapter-photon'].map((r) => `docker.io/goharbor/${r}:v2.15.1`));
  });

  test('a release back is refused, naming the version and the restore; the variable lets it through', () => {
    const dir = dirs();
    harbor(dir, '2.15.1');
    expect(refusal(() => harbor(dir, '2.14.1'))).toBe('invalid version "2.14.1" of Deployment harbor/harbor-core: the previous output ran ' +
      'docker.io/goharbor/harbor-core:v2.15.1 there, and Harbor\'s core 2.15.1 migrated the registry database\'s schema forward when it started, ' +
      'and an older core refuses a schema it has no migration for ("failed to migrate the database, error: no migration found for version ..."), ' +
      'so core would crash-loop: to go back, restore the registry database from the dump taken before the upgrade (README, "Backing up the ' +
      'databases", "Restore") with Harbor\'s core and jobservice scaled to 0, or keep version 2.15.1; once that is done, synthesize once with ' +
      'DOCKYARD_VERSION_CHANGE=harbor/harbor-core');
    expect(harbor(dir, '2.14.1', { DOCKYARD_VERSION_CHANGE: 'harbor/harbor-core' })).toContain('harbor-core:v2.14.1');
    // 2.14.1 added a migration (0171_2.14.1_schema.up.sql) that 2.14.0 lacks
    expect(refusal(() => harbor(dir, '2.14.0'))).toMatch(/^invalid version "2.14.0" of Deployment harbor\/harbor-core: /);
    // a release after the newest the table knows (2.15.2) may have added one: refused
    const later = dirs();
    harbor(later, '2.15.3');
    expect(refusal(() => harbor(later, '2.15.2'))).toMatch(/^invalid version "2.15.2" of Deployment harbor\/harbor-core: /);
  });

  test('a patch release back that adds no migration keeps the schema, and just rolls', () => {
    // goharbor/harbor make/migrations/postgresql at v2.15.0, v2.15.1 and v2.15.2 all end at 0180_2.15.0_schema.up.sql;
    // at v2.14.1 to v2.14.4 at 0171_2.14.1 (SCHEMA_RELEASES in lib/harbor/version-change.ts, checked at every 2.x tag)
    const dir = dirs();
    harbor(dir, '2.15.2');
    expect(harbor(dir, '2.15.0')).toContain('harbor-core:v2.15.0');
    harbor(dir, '2.14.4', { DOCKYARD_VERSION_CHANGE: 'harbor/harbor-core' });
    expect(harbor(dir, '2.14.1')).toContain('harbor-core:v2.14.1');
  });
});

describe('CI servers', () => {
  test('a Woodpecker or Drone server older than the previous output\'s is warned of, not refused; an upgrade is not', () => {
    const woodpecker = (dir: string, tag: string) => stderrOf(() => synthIn(dir, (chart) =>
      woodpeckerServer(chart, { image: Image.of(`docker.io/woodpeckerci/woodpecker-server:${tag}`) })));
    const dir = dirs();
    woodpecker(dir, 'v3.16.0');
    expect(woodpecker(dir, 'v3.17.0')).not.toContain('warning');
    expect(woodpecker(dir, 'v3.16.0')).toContain('dockyard: warning: Deployment dockyard/woodpecker goes from ' +
      'docker.io/woodpeckerci/woodpecker-server:v3.17.0 to docker.io/woodpeckerci/woodpecker-server:v3.16.0, and Woodpecker\'s server 3.16.0 ' +
      'starts over the database 3.17.0 migrated without undoing any of it (it skips the migrations it does not know), so what 3.17.0 changed ' +
      'in the schema may read wrong or empty: to go back cleanly, restore the database woodpecker from the dump taken before the upgrade ' +
      '(README, "Backing up the databases") with the server scaled to 0\n');
    // written: the warning refuses nothing, and the next synth, on the same release, says nothing
    expect(woodpecker(dir, 'v3.16.0')).not.toContain('warning');
    const drone = (d: string, tag: string) => stderrOf(() => synthIn(d, (chart) => droneServer(chart, { image: Image.of(`docker.io/drone/drone:${tag}`) })));
    const other = dirs();
    drone(other, '2.28.2');
    expect(drone(other, '2.26.0')).toMatch(/dockyard: warning: Deployment \S+\/drone goes from docker.io\/drone\/drone:2.28.2 to docker.io\/drone\/drone:2.26.0, and Drone's server 2.26.0 starts over the database 2.28.2 migrated/);
  });
});

// The previous image comes from the previous output's mark, which lists each ruled container's image as rendered: the
// check runs at every synth, and a large stack's manifests are slow to read. Its manifests are read only where the
// mark cannot tell: an output of a version before the list, or a rule added since (its workload in the object list).
describe('the previous images, from the mark', () => {
  const valkey = (dir: string, tag: string, env: Record<string, string> = {}) =>
    synthIn(dir, (chart) => new Redis(chart, 'Redis', { image: Image.of(`docker.io/valkey/valkey:${tag}`) }), env);
  const markPath = (dir: string) => path.join(dir, 'dist', '.dockyard-output');
  const manifestPath = (dir: string) => path.join(dir, 'dist', 'dockyard.k8s.yaml');
  const edit = (file: string, from: string | RegExp, to: string) => {
    const text = fs.readFileSync(file, 'utf8');
    const edited = text.replace(from, to);
    expect(edited).not.toBe(text);
    fs.writeFileSync(file, edited);
  };
  const REFUSED = /^invalid image "docker.io\/valkey\/valkey:8.1.11" of StatefulSet dockyard\/redis: the previous output ran docker.io\/valkey\/valkey:9.0.1 there, /;
  const LIST = /The images of the workloads whose version changes are checked[^\n]*\n(?:"[^\n]*\n)*End of the images\.\n/;

  test('the mark lists each ruled container\'s image as rendered, relocated and pinned to its digest; a stack without a rule lists none', () => {
    const dir = dirs();
    const digest = `sha256:${'a'.repeat(64)}`;
    const out = synthIn(dir, (chart) => {
      Images.relocate(chart, ImageRelocation.registry('mirror.example.com/hub'));
      Images.pinDigests(chart, ImageDigests.of({ 'docker.io/valkey/valkey:9.0.1': digest }));
      new Redis(chart, 'Redis', { image: Image.of('docker.io/valkey/valkey:9.0.1') });
    });
    const rendered = /image: (\S*valkey\S*)\n/.exec(out)![1];
    expect(rendered).toBe(`mirror.example.com/hub/valkey/valkey:9.0.1@${digest}`);
    expect(LIST.exec(fs.readFileSync(markPath(dir), 'utf8'))![0].split('\n').slice(1, -2))
      .toEqual([JSON.stringify(`StatefulSet\tdockyard\tredis\tredis\t${rendered}`)]);
    const plain = dirs();
    synthIn(plain, () => undefined);
    expect(fs.readFileSync(markPath(plain), 'utf8')).not.toContain('The images of the workloads');
  });

  test('the mark\'s list decides, whatever the manifests now say or whether they are there', () => {
    const dir = dirs();
    valkey(dir, '9.0.1');
    // the manifest edited to an older release, from which 8.1.11 would be an upgrade: the mark still says 9.0.1
    edit(manifestPath(dir), 'image: docker.io/valkey/valkey:9.0.1', 'image: docker.io/valkey/valkey:7.2.11');
    const mark = fs.readFileSync(markPath(dir), 'utf8');
    expect(refusal(() => valkey(dir, '8.1.11'))).toMatch(REFUSED);
    // refused before anything is written: the previous mark, and its list, stay as they were
    expect(fs.readFileSync(markPath(dir), 'utf8')).toBe(mark);
    fs.rmSync(manifestPath(dir));
    expect(refusal(() => valkey(dir, '8.1.11'))).toMatch(REFUSED);
    // the list holds the image this synth rendered: the next synth compares with it
    valkey(dir, '8.1.11', { DOCKYARD_VERSION_CHANGE: 'dockyard/redis' });
    expect(fs.readFileSync(markPath(dir), 'utf8')).toContain(JSON.stringify('StatefulSet\tdockyard\tredis\tredis\tdocker.io/valkey/valkey:8.1.11'));
    expect(valkey(dir, '8.0.4')).toContain('valkey/valkey:8.0.4');
  });

  test('a mark without the list (an output of an earlier version) has the manifests read', () => {
    const dir = dirs();
    valkey(dir, '9.0.1');
    edit(markPath(dir), LIST, '');
    expect(refusal(() => valkey(dir, '8.1.11'))).toMatch(REFUSED);
    // and the manifest is what tells: edited to an older release, 8.1.11 is an upgrade, and the list is written again
    edit(manifestPath(dir), 'image: docker.io/valkey/valkey:9.0.1', 'image: docker.io/valkey/valkey:7.2.11');
    expect(valkey(dir, '8.1.11')).toContain('valkey/valkey:8.1.11');
    expect(fs.readFileSync(markPath(dir), 'utf8')).toMatch(LIST);
  });

  test('a workload the object list holds and the list of images lacks (a rule added since) has the manifests read; one neither holds, not', () => {
    const dir = dirs();
    valkey(dir, '9.0.1');
    edit(markPath(dir), /^"StatefulSet\\tdockyard\\tredis[^\n]*\n/m, '');
    expect(refusal(() => valkey(dir, '8.1.11'))).toMatch(REFUSED);
    // not in the object list either: the previous output had no such workload, whatever a manifest put there holds
    edit(markPath(dir), /^apps\tStatefulSet\tdockyard\tredis\n/m, '');
    expect(valkey(dir, '8.1.11')).toContain('valkey/valkey:8.1.11');
  });

  test('listsObject finds an identity of the mark\'s object list, the first and the last too, and only a whole line', () => {
    const mark = `text before\n${objectList(['apps\tStatefulSet\tdockyard\tredis', '\tService\tdockyard\tredis', 'apps\tDeployment\tdockyard\tweb'])}`;
    expect(['apps\tStatefulSet\tdockyard\tredis', 'apps\tDeployment\tdockyard\tweb'].map((i) => listsObject(mark, i))).toEqual([true, true]);
    expect(['apps\tStatefulSet\tdockyard\tred', 'pps\tStatefulSet\tdockyard\tredis', 'apps\tStatefulSet\tother\tredis']
      .map((i) => listsObject(mark, i))).toEqual([false, false, false]);
    expect([listsObject('text before\n', 'apps\tStatefulSet\tdockyard\tredis'), listsObject(undefined, 'x')]).toEqual([undefined, undefined]);
  });
});

test('releaseOf reads release tags, releaseBefore orders them', () => {
  const of = (ref: string) => releaseOf(Image.of(ref));
  expect([of('a/b:v2.15.1'), of('a/b:8.1.11-alpine')]).toEqual([[2, 15, 1], [8, 1, 11]]);
  expect([of('a/b:8.1'), of('a/b:latest-8.1.1'), of(`a/b@sha256:${'c'.repeat(64)}`)]).toEqual([undefined, undefined, undefined]);
  const minor = (ref: string) => minorOf(Image.of(ref));
  expect(['a/b:8.1', 'a/b:9.0-alpine', 'a/b:v3.17', 'a/b:8.1.11-alpine3.22', 'a/b:v2.15.1-arm64'].map(minor)).toEqual([[8, 1], [9, 0], [3, 17], [8, 1], [2, 15]]);
  expect(['a/b:8', 'a/b:v3', 'a/b:8a.1', 'a/b:latest-8.1', `a/b@sha256:${'c'.repeat(64)}`].map(minor)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  expect(releaseBefore([2, 14, 9], [2, 15, 0])).toBe(true);
  expect(releaseBefore([2, 15, 0], [2, 15, 0])).toBe(false);
  expect(releaseBefore([3, 0, 0], [2, 15, 1])).toBe(false);
});
