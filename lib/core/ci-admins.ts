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
//
// Likewise a CI server's host: each engine writes a repository's webhook once, when the repository is activated
// (Drone: harness v2.28.2 service/hook/hook.go:37-66, `s.addr + "/hook"`; Woodpecker: v3.17.0 server/api/repo.go:173-180),
// so after a change of host (or protocol) the forge keeps calling the old URL and pushes start nothing, with nothing in the cluster
// to say why. Each synth lists every server's URL in the mark, and the next one names a change, with the repair.

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
  /** The server's public URL now (`https://<host>`), which the webhooks of repositories activated from now on call. */
  readonly url: string;
  /** Why the forge keeps calling the previous URL, and what to repair, given that URL as the previous mark holds it. */
  readonly rehook: (previousUrl: string) => string;
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

/** The line that opens the mark's list of URLs, and the line after it. */
const URLS_HEADER = 'The CI servers\' URLs it served, one a line (JSON strings of engine, namespace/server and URL, tab-separated):\n';
const URLS_END = 'End of the CI URLs.\n';

/** The mark's list of the URLs `app`'s CI servers serve; empty when it has none. */
export function ciUrlList(app: IConstruct): string {
  const servers = [...(recorded.get(app.node.root)?.values() ?? [])];
  return servers.length === 0 ? '' : markList(URLS_HEADER, URLS_END, servers.map((s) => `${s.engine}\t${s.server}\t${s.url}`));
}

/**
 * The items of the mark's list between `header` and `end` (`<engine>\t<namespace>/<server>\t<value>`) of a CI server
 * `app` still has, each with that server's record; none without a mark or the list, and a malformed line is skipped.
 */
function stillWritten(mark: string | undefined, header: string, end: string, app: IConstruct): { now: CiAdmins; server: string; value: string }[] {
  const servers = recorded.get(app.node.root) ?? new Map<string, CiAdmins>();
  return (readMarkList(mark, header, end) ?? []).flatMap((item) => {
    const [engine, server, value, extra] = item.split('\t');
    const now = servers.get(`${engine}\t${server}`);
    return now === undefined || value === undefined || value === '' || extra !== undefined ? [] : [{ now, server, value }];
  });
}

/**
 * One warning for each CI server `app` still has whose URL differs from the one the previous output's mark (its
 * text) lists for it: the forge's webhooks still call the old one. Nothing for a server no longer written, nor
 * without a mark or its list (a first synth, an earlier version's output).
 */
export function movedCiUrlWarnings(mark: string | undefined, app: IConstruct): string[] {
  return stillWritten(mark, URLS_HEADER, URLS_END, app)
    // printed, never run: only a URL as a server's is taken back (printable ASCII, no spaces), never a terminal escape
    .filter(({ now, value }) => /^https?:\/\/[\x21-\x7e]+$/.test(value) && now.url !== value)
    .map(({ now, server, value }) => `warning: ${now.construct} ${server} is now at ${JSON.stringify(now.url)}, no longer ` +
      `${JSON.stringify(value)}, but ${now.rehook(value)}`);
}

/**
 * One warning for each admin the previous output's mark (its text) lists for a CI server `app` still has, and the
 * code no longer names: the engine keeps them an admin. Nothing for a server no longer written (its admins go with
 * it), nor without a mark or its list (a first synth, an earlier version's output).
 */
export function droppedCiAdminWarnings(mark: string | undefined, app: IConstruct): string[] {
  return stillWritten(mark, HEADER, END, app).filter(({ now, value }) => !now.logins.includes(value))
    // the login is read back from a file anyone may edit: quoted for the shell it is printed for
    .map(({ now, server, value }) => `warning: ${now.construct} ${server} no longer names ${JSON.stringify(value)} as an admin, but ` +
      `${now.demote(shellQuote(value))}`);
}
