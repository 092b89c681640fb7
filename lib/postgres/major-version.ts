import type { Image } from '../core';

/**
 * The PostgreSQL major version an image's tag names: the official image's (`17`, `17.9`, `17-bookworm`,
 * `17.9-alpine3.22`, `18beta1`, `18rc1`: one or two digits, then the end, `.`, `-`, `beta` or `rc`; before 10 a major
 * is two numbers, `9.6`), or an extension image's `pg<major>` part (`pgvector/pgvector:0.8.0-pg17`, `:pg17`,
 * `timescale/timescaledb:2.17.2-pg17`), whose leading numbers are the extension's release, not PostgreSQL's.
 * Undefined for an image pinned by digest alone, or whose tag only begins with digits (`20240101`, `2024.01`, a
 * commit `16a9f3e`): it names no version.
 */
export function postgresMajor(image: Image): number | undefined {
  const tag = image.tag ?? '';
  const pg = /(?:^|-)pg(\d{2})(?=$|[.-])/.exec(tag)?.[1];
  if (pg !== undefined) return Number(pg);
  const m = /^(\d{1,2})(?:\.(\d+))?(?=$|[.-]|beta|rc)/.exec(tag);
  if (m === null) return undefined;
  return Number(m[1]) < 10 && m[2] !== undefined ? Number(`${m[1]}.${m[2]}`) : Number(m[1]);
}

/**
 * Why the in-cluster server cannot run `after` over the data directory `before` left, or undefined when both name
 * the same major version (a minor release reads the same files, and just rolls the pod) or either names none.
 *
 * The server reads `PG_VERSION` at start and refuses any other major version, newer or older: "database files are
 * incompatible with server", "The data directory was initialized by PostgreSQL version 15, which is not compatible
 * with this version 17..." (postgres/postgres src/backend/utils/init/miscinit.c `ValidatePgVersion`;
 * test/integ/postgres-major-version.integ.test.ts runs it). The official image's entrypoint does not upgrade
 * either: with `PG_VERSION` in PGDATA it skips initdb and starts the server as it is (docker-library/postgres
 * 6edb0a8c4d, 17/bookworm/docker-entrypoint.sh `docker_setup_env`, `DATABASE_ALREADY_EXISTS`), so the pod
 * crash-loops and every client of the server is down until the image is set back. `pg_upgrade` needs both versions'
 * binaries in one container, which no official image holds; a dump and restore is the way.
 */
export function postgresMajorChange(name: string, before: Image, after: Image): string | undefined {
  const from = postgresMajor(before);
  const to = postgresMajor(after);
  if (from === undefined || to === undefined || from === to) return undefined;
  const claim = `data-${name}-0`;
  const refused = `PostgreSQL ${to} refuses the data directory ${from} made ("database files are incompatible with server"), so the pod would ` +
    'crash-loop and every database on it be down';
  if (to > from) {
    return `${refused}: to move to ${to}, dump each database with the running ${from} server's pg_dump (README, "Backing up the databases"), ` +
      `delete the StatefulSet and its claim ${claim} (the data goes with it: keep the dumps), apply the new image, and restore the dumps ` +
      `(README, "Restore"); or set the image back to PostgreSQL ${from}`;
  }
  return `${refused}, and there is no way back in place: a newer server's dump is not read by an older pg_restore, so dump each database as ` +
    `plain SQL (pg_dump -Fp) with the running ${from} server, delete the StatefulSet and its claim ${claim}, apply the older image, and load ` +
    `the dumps with psql, fixing by hand what ${to} lacks; or keep PostgreSQL ${from}`;
}
