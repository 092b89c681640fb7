import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DockyardChart, LocalSecretStore, Postgres, ServerProtocol, synthesize } from '../../lib';
import { OUTPUT_MARKER } from '../../lib/core/synth';
import { escapeRegExp } from '../../lib/core/text';
import { droneServer } from '../drone/fixtures';
import { stderrOf } from '../util';
import { woodpeckerServer } from '../woodpecker/fixtures';

// A day-two trial: a platform engineer takes a person's login out of the code (`DroneServer`'s `admin`,
// `WoodpeckerServer`'s `admins`) and expects them to lose admin at the apply. Neither engine ever demotes:
// - Drone 2.28.2 (harness v2.28.2 `cmd/drone-server/bootstrap/bootstrap.go:45-123`): `DRONE_USER_CREATE` creates or
//   updates the one login it names at each start, and touches no other account;
// - Woodpecker v3.17.0 (`server/api/login.go:278`): `user.Admin = user.Admin || IsAdmin(...)` at each login.
// So the synth that drops a login says so, with the command that demotes it (lib/core/ci-admins.ts).

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

type Engine = (chart: DockyardChart) => void;

/** Synths each of `runs` into one output directory from one state; returns each synth's stderr lines that `pick` keeps. */
function synthLines(pick: (line: string) => boolean, runs: Engine[], namespace = 'ci'): string[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-admins-'));
  made.push(dir);
  return runs.map((run) => {
    const app = new App({ outdir: path.join(dir, 'dist') });
    run(new DockyardChart(app, 'platform', { namespace }));
    const stderr = stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    return stderr.split('\n').filter(pick);
  });
}

/** Each synth's warnings about admins (`synthLines`). */
const synths = (...runs: Engine[]): string[][] => synthLines((l) => l.includes('as an admin'), runs);

describe('an admin taken out of the code', () => {
  test('Drone: the synth that changes `admin` names the old login and the drone commands; the same admin again says nothing', () => {
    const [first, same, changed, again] = synths(
      (c) => droneServer(c, { admin: 'alice' }), (c) => droneServer(c, { admin: 'alice' }),
      (c) => droneServer(c, { admin: 'bob' }), (c) => droneServer(c, { admin: 'bob' }));
    expect(first).toEqual([]);
    expect(same).toEqual([]);
    expect(changed).toEqual([
      'dockyard: warning: DroneServer ci/drone no longer names "alice" as an admin, but Drone keeps every admin it made (DRONE_USER_CREATE ' +
      'promotes only the login it names, harness v2.28.2 cmd/drone-server/bootstrap/bootstrap.go): as a Drone admin, demote them with ' +
      'drone user update --admin=false \'alice\', or remove the account, its sessions and its API token with drone user rm \'alice\' ' +
      '(README, "Revoking a person\'s access")',
    ]);
    // told once: the mark now lists bob alone
    expect(again).toEqual([]);
  });

  test('Drone: dropping the admin altogether (a userFilter lets members register) names the old one too', () => {
    const [, dropped] = synths((c) => droneServer(c, { admin: 'alice', userFilter: ['acme'] }),
      (c) => droneServer(c, { admin: undefined, userFilter: ['acme'] }));
    expect(dropped).toEqual([expect.stringMatching(/^dockyard: warning: DroneServer ci\/drone no longer names "alice" as an admin, but Drone keeps/)]);
  });

  test('Woodpecker: each login dropped from `admins` is named, one a line, with Settings, Users and woodpecker-cli', () => {
    const [, dropped] = synths((c) => woodpeckerServer(c, { admins: ['alice', 'bob', 'carol'] }), (c) => woodpeckerServer(c, { admins: ['bob'] }));
    expect(dropped).toEqual(['alice', 'carol'].map((login) =>
      `dockyard: warning: WoodpeckerServer ci/woodpecker no longer names "${login}" as an admin, but Woodpecker keeps every admin it made ` +
      '(WOODPECKER_ADMIN grants at each login and never revokes, v3.17.0 server/api/login.go:278): as a Woodpecker admin, demote them in ' +
      `Settings, Users, or remove the account, its sessions and its personal token with woodpecker-cli admin user rm '${login}' ` +
      '(README, "Revoking a person\'s access")'));
  });

  test('a server no longer written says nothing of its admins: they go with it', () => {
    // Drone leaves the stack, its database's server staying: its admins go with it
    const [, gone] = synths((c) => droneServer(c, { admin: 'alice' }), (c) => new Postgres(c, 'Postgres'));
    expect(gone).toEqual([]);
  });

  test('a login edited into the mark by hand is printed as one quoted shell word, and a malformed line is skipped', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-admins-'));
    made.push(dir);
    const synth = () => {
      const app = new App({ outdir: path.join(dir, 'dist') });
      droneServer(new DockyardChart(app, 'platform', { namespace: 'ci' }), { admin: 'bob' });
      return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })))
        .split('\n').filter((l) => l.includes('as an admin'));
    };
    expect(synth()).toEqual([]);
    const mark = path.join(dir, 'dist', OUTPUT_MARKER);
    const text = fs.readFileSync(mark, 'utf8');
    expect(text).toContain(`${JSON.stringify('drone\tci/drone\tbob')}\n`);
    fs.writeFileSync(mark, text.replace(`${JSON.stringify('drone\tci/drone\tbob')}\n`,
      `${JSON.stringify('drone\tci/drone\tbob')}\n${JSON.stringify('drone\tci/drone\tx\'; rm -rf ~; \'')}\n${JSON.stringify('drone\tci/drone')}\n`));
    expect(synth()).toEqual([expect.stringContaining('drone user rm \'x\'\\\'\'; rm -rf ~; \'\\\'\'\' (README')]);
  });
});

// Each engine writes a repository's webhook once, when it is activated (Drone: harness v2.28.2
// service/hook/hook.go:37-66, `s.addr + "/hook"`; Woodpecker v3.17.0 server/api/repo.go:173-180), so a server moved to
// another host leaves every activated repository's hook on the old one and pushes start nothing (README, "Changing the
// CI host"). A day-two trial changed DOCKYARD_HOST and got no word of it from the synth; now the synth after the change
// names the old URL and the repair.
describe('a CI server moved to another URL', () => {
  const moved = (...runs: Engine[]) => synthLines((l) => l.includes(', no longer "http'), runs);

  test('Drone: the synth that changes `host` names the old URL, drone repo repair and the new callback; the same host again says nothing', () => {
    const [first, same, changed, again] = moved((c) => droneServer(c), (c) => droneServer(c),
      (c) => droneServer(c, { host: 'ci.acme.dev' }), (c) => droneServer(c, { host: 'ci.acme.dev' }));
    expect([first, same, again]).toEqual([[], [], []]);
    expect(changed).toEqual(['dockyard: warning: DroneServer ci/drone is now at "https://ci.acme.dev", no longer "https://drone.example.com", but ' +
      'the forge\'s webhooks of the repositories activated before still call https://drone.example.com/hook (Drone writes a repository\'s ' +
      'hook once, at activation: harness v2.28.2 service/hook/hook.go:37-66): as a Drone admin, run drone repo repair <owner/name> for each ' +
      'active repository, delete the old hooks at the forge, and set the OAuth app\'s callback to https://ci.acme.dev/login (README, ' +
      '"Changing the CI host")']);
  });

  test('Woodpecker: a host or a protocol changed names the old URL, Repair all and the new callback', () => {
    const [, host, protocol] = moved((c) => woodpeckerServer(c), (c) => woodpeckerServer(c, { host: 'woodpecker.acme.dev' }),
      (c) => woodpeckerServer(c, { host: 'woodpecker.acme.dev', protocol: ServerProtocol.HTTP }));
    expect(host).toEqual(['dockyard: warning: WoodpeckerServer ci/woodpecker is now at "https://woodpecker.acme.dev", no longer ' +
      '"https://ci.example.com", but the forge\'s webhooks of the repositories activated before still call https://ci.example.com/api/hook ' +
      '(Woodpecker writes a repository\'s hook once, at activation: v3.17.0 server/api/repo.go:173-180): as a Woodpecker admin, repair them ' +
      'in Settings, Repositories, "Repair all", delete the old hooks at the forge, and set the OAuth app\'s callback to ' +
      'https://woodpecker.acme.dev/authorize (README, "Changing the CI host")']);
    expect(protocol).toEqual([expect.stringMatching(/^dockyard: warning: WoodpeckerServer ci\/woodpecker is now at "http:\/\/woodpecker\.acme\.dev", no longer "https:\/\/woodpecker\.acme\.dev"/)]);
  });

  // The README quotes this warning ("Changing the CI host"): its quote, with "…" standing for what it leaves out, must
  // be what the synth prints for the same server, namespace and hosts, so the two cannot drift apart.
  test('the README\'s quote of the warning is what the synth prints', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('**Changing the CI host, on both engines.**'));
    const quote = /`(dockyard: warning: [^`]*)`/.exec(section)?.[1].replace(/\s+/g, ' ');
    expect(quote).toContain('is now at');
    const [, changed] = synthLines((l) => l.includes(', no longer "http'),
      [(c) => droneServer(c), (c) => droneServer(c, { host: 'ci.acme.dev' })], 'dockyard');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(new RegExp(`^${quote!.split('…').map(escapeRegExp).join('.*')}`));
  });

  test('a server no longer written, or first written, says nothing of its URL', () => {
    const [, gone, back] = moved((c) => droneServer(c), (c) => new Postgres(c, 'Postgres'), (c) => droneServer(c, { host: 'ci.acme.dev' }));
    expect([gone, back]).toEqual([[], []]);
  });

  test('the first synth after upgrading (a mark without the list) says nothing, even of a host changed with it, and writes the list', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-urls-'));
    made.push(dir);
    const synth = (host?: string) => {
      const app = new App({ outdir: path.join(dir, 'dist') });
      droneServer(new DockyardChart(app, 'platform', { namespace: 'ci' }), host === undefined ? {} : { host });
      return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })))
        .split('\n').filter((l) => l.includes(', no longer '));
    };
    expect(synth()).toEqual([]);
    // the mark an earlier release wrote: every list but the URLs'
    const mark = path.join(dir, 'dist', OUTPUT_MARKER);
    const text = fs.readFileSync(mark, 'utf8');
    const list = /The CI servers' URLs it served, [^\n]*\n(?:"[^\n]*\n)*End of the CI URLs\.\n/;
    expect(text).toMatch(list);
    fs.writeFileSync(mark, text.replace(list, ''));
    expect(synth('ci.acme.dev')).toEqual([]);
    expect(fs.readFileSync(mark, 'utf8')).toContain(`${JSON.stringify('drone\tci/drone\thttps://ci.acme.dev')}\n`);
    expect(synth('ci.acme.dev')).toEqual([]);
    expect(synth('ci2.acme.dev')).toEqual([expect.stringContaining('is now at "https://ci2.acme.dev", no longer "https://ci.acme.dev", but')]);
  });

  test('a URL edited into the mark is printed only when it reads as one, and a malformed line is skipped', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-urls-'));
    made.push(dir);
    const synth = () => {
      const app = new App({ outdir: path.join(dir, 'dist') });
      droneServer(new DockyardChart(app, 'platform', { namespace: 'ci' }));
      return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })))
        .split('\n').filter((l) => l.includes(', no longer '));
    };
    expect(synth()).toEqual([]);
    const mark = path.join(dir, 'dist', OUTPUT_MARKER);
    const text = fs.readFileSync(mark, 'utf8');
    const line = `${JSON.stringify('drone\tci/drone\thttps://drone.example.com')}\n`;
    expect(text).toContain(line);
    fs.writeFileSync(mark, text.replace(line, [`drone\tci/drone\thttps://old.example.com\u001b]0;x\u0007`, 'drone\tci/drone',
      'drone\tci/drone\thttps://old.example.com\textra', 'drone\tci/drone\thttps://old.example.com'].map((l) => `${JSON.stringify(l)}\n`).join('')));
    expect(synth()).toEqual([expect.stringContaining('no longer "https://old.example.com", but')]);
  });
});
