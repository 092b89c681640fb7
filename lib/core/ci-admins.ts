import { IConstruct } from 'constructs';
import { shellQuote } from './shell';
import { markList, readMarkList } from './written-files';

// Both CI engines make a login an admin and never take it back: Drone's DRONE_USER_CREATE creates or promotes the
// one login it names at each start and touches no other account (harness v2.28.2
// cmd/drone-server/bootstrap/bootstrap.go:45-123), and Woodpecker grants WOODPECKER_ADMIN at each login with
// `user.Admin = user.Admin || IsAdmin(...)` (woodpecker v3.17.0 server/api/login.go:278). So a login taken out of the
// code stays an admin after the apply, and nothing in the cluster says so. Each synth lists the admins every CI server
// names in its output's mark, and the next one names those dropped from a server it still writes, with the command
// that demotes them. Not exported from lib/core.

/** The line that opens the mark's list of admins, and the line after it. */
const HEADER = 'The CI servers\' admins it named, one a line (JSON strings of engine, namespace/server and login, tab-separated):\n';
const END = 'End of the CI admins.\n';

/** What a CI server records of its admins. */
export interface CiAdmins {
  /** The engine, as the mark writes it: `drone` or `woodpecker`. */
  readonly engine: string;
  /** The server's construct name, for the notice: `DroneServer` or `WoodpeckerServer`. */
  readonly construct: string;
  /** `<namespace>/<name>` of the server's Deployment. */
  readonly server: string;
  /** The logins the code makes admins now (none is recorded too, so that dropping the last one is seen). */
  readonly logins: readonly string[];
  /** Why the engine keeps a dropped admin, and how to demote them, given the login as one shell word. */
  readonly demote: (login: string) => string;
}

/** Per app root: the CI servers' admins, by `engine` and `server`. */
const recorded = new WeakMap<IConstruct, Map<string, CiAdmins>>();

/** Record the admins of a CI server of `scope`'s app, for its output's mark and the next synth's notice. */
export function recordCiAdmins(scope: IConstruct, admins: CiAdmins): void {
  const root = scope.node.root;
  const servers = recorded.get(root) ?? new Map<string, CiAdmins>();
  servers.set(`${admins.engine}\t${admins.server}`, admins);
  recorded.set(root, servers);
}

/**
 * The mark's list of the admins `app`'s CI servers name; empty when they name none, as the next synth then has none
 * to miss (and a stack without a CI server writes the mark it wrote before).
 */
export function ciAdminList(app: IConstruct): string {
  const servers = [...(recorded.get(app.node.root)?.values() ?? [])];
  const items = servers.flatMap((s) => s.logins.map((login) => `${s.engine}\t${s.server}\t${login}`));
  return items.length === 0 ? '' : markList(HEADER, END, items);
}

/**
 * One warning for each admin the previous output's mark (its text) lists for a CI server `app` still has, and the
 * code no longer names: the engine keeps them an admin. Nothing for a server no longer written (its admins go with
 * it), nor without a mark or its list (a first synth, an earlier version's output).
 */
export function droppedCiAdminWarnings(mark: string | undefined, app: IConstruct): string[] {
  const servers = recorded.get(app.node.root) ?? new Map<string, CiAdmins>();
  const warnings: string[] = [];
  for (const item of readMarkList(mark, HEADER, END) ?? []) {
    const [engine, server, login, extra] = item.split('\t');
    const now = servers.get(`${engine}\t${server}`);
    if (now === undefined || login === undefined || login === '' || extra !== undefined || now.logins.includes(login)) {
      continue;
    }
    // the login is read back from a file anyone may edit: quoted for the shell it is printed for
    warnings.push(`warning: ${now.construct} ${server} no longer names ${JSON.stringify(login)} as an admin, but ${now.demote(shellQuote(login))}`);
  }
  return warnings;
}
