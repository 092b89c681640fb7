import type { Image } from '../core';
import { releaseBefore, releaseOf } from '../core/version-changes';

/**
 * The releases that added a schema migration (goharbor/harbor make/migrations/postgresql/NNNN_<release>_schema.up.sql,
 * read at every tag v2.0.0 to v2.15.2: e.g. 0171_2.14.1, 0180_2.15.0), oldest first. A release's schema is that of the
 * newest one here not after it, so a patch release back that adds none (2.15.1 to 2.15.0) keeps the schema.
 */
const SCHEMA_RELEASES: readonly (readonly number[])[] = [
  [2, 0, 0], [2, 0, 3], [2, 1, 0], [2, 1, 4], [2, 2, 0], [2, 2, 1], [2, 2, 2], [2, 2, 3], [2, 3, 0], [2, 3, 4], [2, 4, 0],
  [2, 4, 2], [2, 5, 0], [2, 5, 2], [2, 5, 3], [2, 6, 0], [2, 6, 2], [2, 7, 0], [2, 8, 0], [2, 8, 1], [2, 9, 0], [2, 10, 0],
  [2, 11, 0], [2, 12, 0], [2, 13, 0], [2, 14, 0], [2, 14, 1], [2, 15, 0],
];

/** The newest release the table above was read at: a later one may add a migration it does not list. */
const NEWEST_KNOWN = [2, 15, 2];

/** The index in `SCHEMA_RELEASES` of release `r`'s schema, or undefined where the table cannot tell. */
function schemaOf(r: readonly number[]): number | undefined {
  if (releaseBefore(NEWEST_KNOWN, r) || releaseBefore(r, SCHEMA_RELEASES[0])) return undefined;
  return SCHEMA_RELEASES.findIndex((first, i) => !releaseBefore(r, first) && (i + 1 === SCHEMA_RELEASES.length || releaseBefore(r, SCHEMA_RELEASES[i + 1])));
}

/**
 * Why Harbor's core cannot go back from `before` to the older `after`, or undefined for an upgrade, the same release,
 * a release back to the same schema (no migration between them), or a version that names no release.
 *
 * Core migrates the registry database's schema when it starts (goharbor/harbor v2.15.1 src/core/main.go:212-219,
 * `migration.Migrate`; src/common/dao/pgsql.go:113-143 `m.Up()`), forward only, with golang-migrate v4.19.0: its `Up`
 * first looks for the schema's current version among the release's own migrations (migrate.go:267-284, `readUp` at
 * :534-543, `versionExists` at :778-812) and fails with "no migration found for version N" when an older release
 * lacks it, which core logs as "failed to migrate the database" and exits (main.go:214-215). Every minor release adds
 * a migration, and some patch releases do (`SCHEMA_RELEASES`), so core would crash-loop, and Harbor be down; past the
 * newest release the table knows, any release back is refused, as it may have added one. An upgrade that skips
 * releases runs each missing migration in order (`readUp`), so it is not refused.
 */
export function harborDowngrade(before: Image, after: Image): string | undefined {
  const from = releaseOf(before);
  const to = releaseOf(after);
  if (from === undefined || to === undefined || !releaseBefore(to, from)) return undefined;
  const [schemaFrom, schemaTo] = [schemaOf(from), schemaOf(to)];
  if (schemaFrom !== undefined && schemaTo !== undefined && schemaTo >= schemaFrom) return undefined;
  const old = from.join('.');
  return `Harbor's core ${from.join('.')} migrated the registry database's schema forward when it started, and an older core refuses a schema it has ` +
    `no migration for ("failed to migrate the database, error: no migration found for version ..."), so core would crash-loop: to go back, ` +
    'restore the registry database from the dump taken before the upgrade (README, "Backing up the databases", "Restore") with Harbor\'s core ' +
    `and jobservice scaled to 0, or keep version ${old}`;
}
