import type { Image } from '../core';
import { releaseBefore, releaseOf } from '../core/version-changes';

/**
 * What a CI server older than the previous output's does over the database the newer one migrated, or undefined for
 * an upgrade, the same release, or a tag that names no release. Neither server refuses it: each runs, when it
 * starts, the migrations it has not run, by name, and skips the names it does not know (Woodpecker v3.17.0
 * server/store/datastore/migration/migration.go:85-126 with xormigrate, whose `runMigration` checks only its own
 * list; Drone: harness/harness store/shared/migrate/postgres/ddl_gen.go `Migrate`). So it starts over a schema it does
 * not know, and what the newer release moved or renamed stays where the older one does not look (Woodpecker then
 * syncs its own models' columns, `syncAll`, :128-135, adding back empty ones). A warning, not a refusal: the server
 * runs, and many patch releases change no schema.
 *
 * @param engine `Woodpecker` or `Drone`
 * @param database the server's database, for the restore
 */
export function ciServerDowngrade(engine: string, database: string, before: Image, after: Image): string | undefined {
  const from = releaseOf(before);
  const to = releaseOf(after);
  if (from === undefined || to === undefined || !releaseBefore(to, from)) return undefined;
  return `${engine}'s server ${to.join('.')} starts over the database ${from.join('.')} migrated without undoing any of it (it skips the ` +
    `migrations it does not know), so what ${from.join('.')} changed in the schema may read wrong or empty: to go back cleanly, restore the ` +
    `database ${database} from the dump taken before the upgrade (README, "Backing up the databases") with the server scaled to 0`;
}
