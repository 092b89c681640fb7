import { Image, invalid } from '../core';
import { minorOf, releaseBefore, releaseOf } from '../core/version-changes';

/**
 * The RDB format version each Valkey release from 7.2 writes, by the first release that wrote it (valkey-io/valkey
 * src/rdb.h `RDB_VERSION_MAP`, read at 01756301ec: "RDB 11 is the last open-source Redis RDB version, used by Valkey
 * 7.x and 8.x"; 80 from 9.0, 81 from 9.2). Newest first.
 */
const RDB_FORMATS: readonly (readonly [readonly number[], number])[] = [[[9, 2], 81], [[9, 0], 80], [[7, 2], 11]];

/** The newest minor release the table above was read at: a later one may write a format it does not list. */
const NEWEST_KNOWN = [9, 2];

/** The RDB format version release `r` writes, or undefined where `RDB_FORMATS` cannot tell (before 7.2, after 9.2). */
function rdbFormatOf(r: readonly number[]): number | undefined {
  if (releaseBefore(NEWEST_KNOWN, r.slice(0, 2))) return undefined;
  return RDB_FORMATS.find(([first]) => !releaseBefore(r.slice(0, 2), first))?.[1];
}

/**
 * Why the in-cluster Valkey cannot go back from `before` to the older `after`, or undefined for an upgrade, a release
 * back that writes the same RDB format (8.1 to 8.0 or 7.2: all write 11), or a tag that names no release.
 *
 * The server keeps its data in the append-only file (`--appendonly yes`), whose base file is an RDB snapshot
 * (`aof-use-rdb-preamble`, on by default: valkey-io/valkey 8.0.1 src/config.c:3083). A server refuses an RDB whose
 * format version is newer than its own ("Can't handle RDB format version %d", src/rdb.c:3015-3017), aborts the AOF
 * load (src/aof.c:1449) and exits (src/server.c:6467), so the pod crash-loops. From 9.0 the file starts `VALKEY`
 * instead of `REDIS` (src/rdb.h `rdbUseValkeyMagic`, formats above 79), which an 8.x server does not take for an RDB
 * base at all: it reads it as commands and exits on "Bad file format reading the append only file" (8.0.0
 * src/aof.c:1431-1434, :1623). The format version moves only with
 * some minor and major releases (`RDB_FORMATS`); where the table cannot tell (a release after the newest it lists),
 * any minor or major release back is refused, as it may have moved. A newer server reads every older format, so an
 * upgrade is not refused. test/integ/valkey-downgrade.integ.test.ts runs an older server over a newer base file.
 */
export function valkeyDowngrade(name: string, before: Image, after: Image): string | undefined {
  const from = minorOf(before); // valkey/valkey also tags each minor (8.1, 9.0-alpine), moving with its patches
  const to = minorOf(after);
  if (from === undefined || to === undefined || !releaseBefore(to, from)) return undefined;
  const [formatFrom, formatTo] = [rdbFormatOf(from), rdbFormatOf(to)];
  if (formatFrom !== undefined && formatTo !== undefined && formatTo >= formatFrom) return undefined;
  const [was, will] = [before, after].map((image) => (releaseOf(image) ?? minorOf(image)!).join('.'));
  return `the append-only file ${was} wrote may be in an RDB format ${will} cannot read ("Can't handle RDB format version"; or "Bad file ` +
    `format reading the append only file" for the base file 9.0 and later sign VALKEY, not REDIS), so the server would exit at start and ` +
    `crash-loop: to go back, delete the StatefulSet and its claim data-${name}-0 (the queued jobs and ` +
    `cached data on it go: Harbor's job queue and caches, which Harbor fills again), then apply; or keep ${was}`;
}

/**
 * Refuse a Redis image (`redis`, `redis/redis-stack-server`, a mirror's copy): the server's command is
 * `valkey-server` and its probes run `valkey-cli`, which no Redis image holds, so the container would not start.
 */
export function checkValkeyImage(image: Image): void {
  const last = image.repository.split('/').pop() ?? '';
  if (last === 'redis' || last.startsWith('redis-')) {
    invalid('image', image.reference, 'must be a Valkey image, such as "docker.io/valkey/valkey:8.1.11": the server runs valkey-server and its ' +
      'probes valkey-cli, which a Redis image lacks, so the pod would not start; for a Redis server of your own, use ExternalRedis');
  }
}
