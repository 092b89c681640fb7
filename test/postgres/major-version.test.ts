// A day-two change of the in-cluster PostgreSQL's image, against the previous output. The server refuses a data
// directory of another major version, newer or older: postgres/postgres src/backend/utils/init/miscinit.c
// `ValidatePgVersion` ("database files are incompatible with server"; test/integ/postgres-major-version.integ.test.ts
// runs it with Debian's PostgreSQL 15), and the official image's entrypoint starts it over the existing directory
// without upgrading (docker-library/postgres 6edb0a8c4d 17/bookworm/docker-entrypoint.sh `docker_setup_env`: with
// `$PGDATA/PG_VERSION` present, DATABASE_ALREADY_EXISTS and no initdb). So a major change would crash-loop the pod:
// the synth refuses it with the steps, and `DOCKYARD_VERSION_CHANGE` lets it through once the data was moved.
import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { Image, Postgres } from '../../lib';
import { postgresMajor } from '../../lib/postgres/major-version';
import { container, envOf, find, refusal, synth, synthIn, tempDirs, testChart } from '../util';

const dirs = tempDirs('dockyard-pg-major-');

/** A stack with one in-cluster Postgres of `image` (the default when unset), synthesized into `dir`/dist. */
function synthWith(dir: string, image?: string, env: Record<string, string> = {}): string {
  return synthIn(dir, (chart) => {
    new Postgres(chart, 'Postgres', image === undefined ? {} : { image: Image.of(image) }).addDatabase('app');
  }, env);
}

describe('a PostgreSQL image change against the previous output', () => {
  test('a minor release just rolls: nothing is refused, and the new image is rendered', () => {
    const dir = dirs();
    synthWith(dir, 'postgres:17.8-bookworm');
    expect(synthWith(dir, 'postgres:17.9-bookworm')).toContain('image: docker.io/library/postgres:17.9-bookworm');
    // and the tag's spelling may change within the major version
    expect(synthWith(dir, 'postgres:17')).toContain('image: docker.io/library/postgres:17\n');
  });

  test('a major upgrade is refused, naming the prop, both images and the steps; DOCKYARD_VERSION_CHANGE lets it through once', () => {
    const dir = dirs();
    synthWith(dir, 'postgres:15.14-bookworm');
    const before = fs.readFileSync(path.join(dir, 'dist', 'dockyard.k8s.yaml'), 'utf8');
    const message = refusal(() => synthWith(dir, 'postgres:17.9-bookworm'));
    expect(message).toBe('invalid image "docker.io/library/postgres:17.9-bookworm" of StatefulSet dockyard/postgres: the previous output ran ' +
      'docker.io/library/postgres:15.14-bookworm there, and PostgreSQL 17 refuses the data directory 15 made ("database files are incompatible ' +
      'with server"), so the pod would crash-loop and every database on it be down: to move to 17, dump each database with the running 15 ' +
      'server\'s pg_dump (README, "Backing up the databases"), delete the StatefulSet and its claim data-postgres-0 (the data goes with it: keep ' +
      'the dumps), apply the new image, and restore the dumps (README, "Restore"); or set the image back to PostgreSQL 15; once that is done, ' +
      'synthesize once with DOCKYARD_VERSION_CHANGE=dockyard/postgres');
    // nothing was written: the previous output stays as it was
    expect(fs.readFileSync(path.join(dir, 'dist', 'dockyard.k8s.yaml'), 'utf8')).toBe(before);
    // another entry lets nothing through, and this one is still refused
    expect(refusal(() => synthWith(dir, 'postgres:17.9-bookworm', { DOCKYARD_VERSION_CHANGE: 'dockyard/redis' })))
      .toMatch(/^invalid image "docker.io\/library\/postgres:17.9-bookworm" of StatefulSet dockyard\/postgres: /);
    const upgraded = synthWith(dir, 'postgres:17.9-bookworm', { DOCKYARD_VERSION_CHANGE: 'dockyard/postgres' });
    expect(upgraded).toContain('image: docker.io/library/postgres:17.9-bookworm');
    // left set, the variable would let a later change through unseen: refused once the change is done
    expect(refusal(() => synthWith(dir, 'postgres:17.9-bookworm', { DOCKYARD_VERSION_CHANGE: 'dockyard/postgres' }))).toBe(
      'invalid DOCKYARD_VERSION_CHANGE entry "dockyard/postgres": lets nothing through, as this synth changes no version there that would be ' +
      'refused (against the previous output); unset it, so that it lets no later change through unseen');
    expect(synthWith(dir, 'postgres:17.9-bookworm')).toBe(upgraded);
  });

  test('an extension image is compared by its pg<major>, not its own release: pgvector 0.8.0-pg16 to 0.8.0-pg17 is refused', () => {
    const dir = dirs();
    synthWith(dir, 'pgvector/pgvector:0.8.0-pg16');
    expect(refusal(() => synthWith(dir, 'pgvector/pgvector:0.8.0-pg17'))).toMatch(/^invalid image "docker.io\/pgvector\/pgvector:0.8.0-pg17" of StatefulSet dockyard\/postgres: the previous output ran docker.io\/pgvector\/pgvector:0.8.0-pg16 there, and PostgreSQL 17 refuses the data directory 16 made/);
    // the official image of the same major takes the data directory: the pod rolls
    expect(synthWith(dir, 'postgres:16.10-bookworm')).toContain('image: docker.io/library/postgres:16.10-bookworm');
  });

  test('the default image over a 15 output (a Dockyard upgrade whose default moved) is refused the same way', () => {
    const dir = dirs();
    synthWith(dir, 'postgres:15.14-bookworm');
    expect(refusal(() => synthWith(dir))).toMatch(
      new RegExp(`^invalid image "${Postgres.IMAGE.reference}" of StatefulSet dockyard/postgres: the previous output ran docker.io/library/postgres:15.14-bookworm there, and PostgreSQL 17 refuses`));
  });

  test('a major downgrade is refused, saying there is no way back in place', () => {
    const dir = dirs();
    synthWith(dir, 'postgres:17.9-bookworm');
    expect(refusal(() => synthWith(dir, 'postgres:16.10'))).toBe('invalid image "docker.io/library/postgres:16.10" of StatefulSet dockyard/postgres: ' +
      'the previous output ran docker.io/library/postgres:17.9-bookworm there, and PostgreSQL 16 refuses the data directory 17 made ("database ' +
      'files are incompatible with server"), so the pod would crash-loop and every database on it be down, and there is no way back in place: ' +
      'a newer server\'s dump is not read by an older pg_restore, so dump each database as plain SQL (pg_dump -Fp) with the running 17 server, ' +
      'delete the StatefulSet and its claim data-postgres-0, apply the older image, and load the dumps with psql, fixing by hand what 16 lacks; ' +
      'or keep PostgreSQL 17; once that is done, synthesize once with DOCKYARD_VERSION_CHANGE=dockyard/postgres');
  });

  test('an image that names no major version (a digest alone, a tag of the user\'s own) is let through: nothing to compare', () => {
    const dir = dirs();
    synthWith(dir, 'postgres:15.14-bookworm');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(synthWith(dir, `registry.example.com/db/postgres@${digest}`)).toContain(`registry.example.com/db/postgres@${digest}`);
    expect(synthWith(dir, 'registry.example.com/db/postgres:20240101')).toContain('registry.example.com/db/postgres:20240101');
  });

  test('a first synth, or a previous output without the StatefulSet, refuses nothing; the variable then lets nothing through', () => {
    const dir = dirs();
    expect(synthWith(dir, 'postgres:16.10')).toContain('postgres:16.10');
    const other = dirs();
    expect(refusal(() => synthWith(other, 'postgres:16.10', { DOCKYARD_VERSION_CHANGE: 'dockyard/postgres' })))
      .toMatch(/^invalid DOCKYARD_VERSION_CHANGE entry "dockyard\/postgres": lets nothing through/);
  });

  test('a server of the same name in another namespace is another server: nothing to compare', () => {
    const dir = dirs();
    const old = (chart: Chart) => new Postgres(chart, 'Old', { namespace: 'old', image: Image.of('postgres:15.14') });
    synthIn(dir, old);
    const both = (tag: string) => (chart: Chart) => {
      old(chart);
      new Postgres(chart, 'New', { namespace: 'new', image: Image.of(`postgres:${tag}`) });
    };
    expect(synthIn(dir, both('17.9'))).toContain('postgres:17.9');
    // and in the same namespace, it is the one compared
    expect(refusal(() => synthIn(dir, both('16.10'))))
      .toMatch(/^invalid image "docker.io\/library\/postgres:16.10" of StatefulSet new\/postgres: the previous output ran docker.io\/library\/postgres:17.9 /);
  });

  test('DOCKYARD_VERSION_CHANGE must name <namespace>/<name> entries', () => {
    const dir = dirs();
    expect(refusal(() => synthWith(dir, undefined, { DOCKYARD_VERSION_CHANGE: 'postgres' }))).toBe(
      'invalid DOCKYARD_VERSION_CHANGE entry "postgres": must be <namespace>/<name> of a StatefulSet or Deployment, e.g. "dockyard/postgres"');
    expect(refusal(() => synthWith(dir, undefined, { DOCKYARD_VERSION_CHANGE: ' , ' }))).toMatch(/^invalid DOCKYARD_VERSION_CHANGE " , ": names nothing: /);
    // each part by the rule of its kind of name: a Namespace's (a DNS label), a workload's (a DNS subdomain)
    for (const entry of ['dockyard/postgres/x', 'dockyard/pg..a', 'dockyard/pg.-a', `${'n'.repeat(64)}/postgres`, 'dock.yard/postgres', 'dockyard/']) {
      expect(refusal(() => synthWith(dir, undefined, { DOCKYARD_VERSION_CHANGE: entry }))).toBe(`invalid DOCKYARD_VERSION_CHANGE entry ${JSON.stringify(entry)}: ` +
        'must be <namespace>/<name> of a StatefulSet or Deployment, e.g. "dockyard/postgres"');
    }
  });

  test('PostgreSQL 18\'s image: PGDATA stays below the volume, where its entrypoint looks for no older data', () => {
    // docker-library/postgres 6edb0a8c4d 18/bookworm/Dockerfile:189-192 moved the default PGDATA to
    // /var/lib/postgresql/18/docker and the VOLUME to /var/lib/postgresql; its docker-entrypoint.sh:244-257 looks for
    // data of older images (PG_VERSION under /var/lib/postgresql, /var/lib/postgresql/data, */docker, or a mount at
    // /var/lib/postgresql/data) only when PGDATA is that default, and exits with "Error: in 18+ ..." (:140-166). A
    // transcription of that decision:
    const refusesAsOld = (pgdata: string, hasOwnData: boolean, major = 18) =>
      !hasOwnData && pgdata === `/var/lib/postgresql/${major}/docker`;
    const chart = testChart('dockyard');
    new Postgres(chart, 'Postgres', { image: Image.of('postgres:18.1-bookworm') });
    const c = container(find(synth(chart), 'StatefulSet', 'postgres'));
    const pgdata = envOf(c).PGDATA.value;
    expect(pgdata).toBe('/var/lib/postgresql/data/pgdata');
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
    // a fresh volume initialises at PGDATA; one of an older major meets the server's refusal (the synth's, above)
    expect(refusesAsOld(pgdata, false)).toBe(false);
    expect(envOf(c).POSTGRES_INITDB_ARGS.value).toBe('--set huge_pages=off');
  });

  test('postgresMajor reads every spelling of an official tag, and of an extension image\'s pg<major>, as its major', () => {
    for (let major = 10; major <= 19; major++) {
      for (const version of [`${major}`, `${major}.0`, `${major}.9`, `${major}.23`, `${major}beta1`, `${major}rc2`]) {
        for (const variant of ['', '-bookworm', '-trixie', '-alpine', '-alpine3.20', '-alpine3.22']) {
          expect(postgresMajor(Image.of(`postgres:${version}${variant}`))).toBe(major);
          expect(postgresMajor(Image.of(`registry.example.com/dockerhub/library/postgres:${version}${variant}`))).toBe(major);
        }
        for (const tag of [`pg${major}`, `0.8.0-pg${major}`, `2.17.2-pg${major}`, `0.8.0-pg${major}-bookworm`, `latest-pg${major}`]) {
          expect(postgresMajor(Image.of(`pgvector/pgvector:${tag}`))).toBe(major);
        }
      }
    }
  });

  test('postgresMajor reads the official tags, and no other', () => {
    const major = (ref: string) => postgresMajor(Image.of(ref));
    expect(['postgres:15', 'postgres:15.14', 'postgres:15-bookworm', 'postgres:15.14-alpine3.22'].map(major)).toEqual([15, 15, 15, 15]);
    expect(['postgres:18beta1', 'postgres:18rc1', 'postgres:10.23', 'postgres:16.4-alpine3.20'].map(major)).toEqual([18, 18, 10, 16]);
    // before 10 a major version is two numbers: 9.5 and 9.6 read different data directories
    expect(['postgres:9.6', 'postgres:9.6.24-bookworm', 'postgres:9.5.25', 'postgres:9'].map(major)).toEqual([9.6, 9.6, 9.5, 9]);
    // an extension image's tag names the extension's release first and PostgreSQL's major as pg<major>
    expect(['pgvector/pgvector:0.8.0-pg17', 'pgvector/pgvector:pg16', 'timescale/timescaledb:2.17.2-pg17', 'pgvector/pgvector:0.8.0-pg17-trixie']
      .map(major)).toEqual([17, 16, 17, 17]);
    expect(['postgres:20240101', 'postgres:2024.01', 'postgres:16a9f3e', `postgres@sha256:${'b'.repeat(64)}`].map(major))
      .toEqual([undefined, undefined, undefined, undefined]);
  });
});
