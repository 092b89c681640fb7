import type { Image } from '../core';
import { releaseBefore, releaseOf } from '../core/version-changes';

/**
 * Why Harbor's core cannot go back from `before` to the older `after`, or undefined for an upgrade, the same release,
 * or a version that names no release.
 *
 * Core migrates the registry database's schema when it starts (goharbor/harbor v2.15.1 src/core/main.go:212-219,
 * `migration.Migrate`; src/common/dao/pgsql.go:113-143 `m.Up()`), forward only, with golang-migrate v4.19.0: its `Up`
 * first looks for the schema's current version among the release's own migrations (migrate.go:267-284, `readUp` at
 * :534-543, `versionExists` at :778-812) and fails with "no migration found for version N" when an older release
 * lacks it, which core logs as "failed to migrate the database" and exits (main.go:214-215). Every minor release adds
 * a migration, and some patch releases do (make/migrations/postgresql/0171_2.14.1_schema.up.sql), so core would
 * crash-loop, and Harbor be down. An upgrade that skips releases runs each missing migration in order (`readUp`), so it
 * is not refused.
 */
export function harborDowngrade(before: Image, after: Image): string | undefined {
  const from = releaseOf(before);
  const to = releaseOf(after);
  if (from === undefined || to === undefined || !releaseBefore(to, from)) return undefined;
  const old = from.join('.');
  return `Harbor's core ${from.join('.')} migrated the registry database's schema forward when it started, and an older core refuses a schema it has ` +
    `no migration for ("failed to migrate the database, error: no migration found for version ..."), so core would crash-loop: to go back, ` +
    'restore the registry database from the dump taken before the upgrade (README, "Backing up the databases", "Restore") with Harbor\'s core ' +
    `and jobservice scaled to 0, or keep version ${old}`;
}
