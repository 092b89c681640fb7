import { configureHarness } from './configure-run';

// lib/harbor/configure.js's OIDC settings and project group members (its header: "OIDC", "Project members") against
// the fake Harbor, which behaves as goharbor/harbor v2.15.1 does for them (test/harbor/fake-harbor.ts cites where).

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
// with characters JSON and URLs escape, so the echo forms differ from the value
const CLIENT_SECRET = 'oidc"Client/Secret 42é';
const LOCKED = 'the auth mode cannot be modified as new users have been inserted into database';
// Harbor's 403 bodies for a PUT /configurations: under CONFIG_OVERWRITE_JSON (goharbor/harbor v2.15.2
// src/controller/config/controller.go:79-82), and for a user without the right, whose name is the whole message
// (src/server/v2.0/handler/base.go:127-139); both code FORBIDDEN (src/lib/http/error.go:36, src/lib/errors/errors.go).
const OVERWRITTEN_BODY = JSON.stringify({ errors: [{ code: 'FORBIDDEN', message: 'current config is init by env variable: CONFIG_OVERWRITE_JSON, it cannot be updated' }] });
const NOT_ADMIN_BODY = JSON.stringify({ errors: [{ code: 'FORBIDDEN', message: 'admin' }] });
const OVERWRITTEN_LINE = 'error: oidc: harbor-core runs with the CONFIG_OVERWRITE_JSON environment variable, which makes every Harbor setting ' +
  'read-only (not only those it lists: PUT /api/v2.0/configurations answers 403), so the OIDC settings cannot be applied; unset ' +
  'CONFIG_OVERWRITE_JSON on harbor-core and restart it, or remove the Harbor\'s oidc and set the OIDC settings in CONFIG_OVERWRITE_JSON';

const OIDC = {
  name: 'Keycloak', endpoint: 'https://sso.example.com/realms/acme', clientId: 'harbor', clientSecretEnv: 'OIDC_CLIENT_SECRET',
  scope: 'openid,profile,email,offline_access', groupsClaim: 'groups', adminGroup: 'harbor-admins', groupFilter: '',
  userClaim: 'preferred_username', autoOnboard: true, verifyCert: true,
};

function project(name: string, members?: Array<{ group: string; role: string }>) {
  return { name, public: false, registry: null, storageLimit: -1, metadata: {}, ...(members ? { members } : {}) };
}

/** A configuration with the OIDC settings (as the first chunk has them) and project `apps` with `members`. */
function config(members?: Array<{ group: string; role: string }>, options: { oidc?: boolean } = {}): any {
  return { registries: [], projects: [project('apps', members)], robots: [], ...(options.oidc === false ? {} : { oidc: OIDC }) };
}

const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: { OIDC_CLIENT_SECRET: CLIENT_SECRET } });
/** Run the script against the test's fake Harbor; whatever the outcome, neither the client secret nor the admin password is printed. */
const run = (cfg: unknown, env?: Record<string, string>) => configure.run(cfg, env);

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const members = (name: string) => configure.harbor.memberList(name);
const MEMBERS_PATH = /^\/api\/v2\.0\/projects\/\d+\/members$/;

describe('the fake Harbor\'s settings', () => {
  // goharbor/harbor v2.15.1 src/controller/config/controller.go:118-130: only a change of auth_mode is checked
  test('lock auth_mode once there are users besides admin, but take the same value, or none', async () => {
    configure.harbor.addUser('alice');
    const put = (body: object) => fetch(`${configure.harbor.url}/api/v2.0/configurations`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const refused = await put({ auth_mode: 'oidc_auth' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(LOCKED);
    expect((await put({ auth_mode: 'db_auth', oidc_name: 'a' })).status).toBe(200);
    expect((await put({ oidc_name: 'b', oidc_client_secret: 'x' })).status).toBe(200);
    const got: any = await (await fetch(`${configure.harbor.url}/api/v2.0/configurations`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
    })).json();
    expect(got.auth_mode).toEqual({ value: 'db_auth', editable: false });
    expect(got.oidc_name).toEqual({ value: 'b', editable: true });
    // a PasswordType setting is never returned (controller.go:236-242)
    expect(got).not.toHaveProperty('oidc_client_secret');
  });
});

describe('the fake Harbor\'s settings under CONFIG_OVERWRITE_JSON', () => {
  // controller.go:251-254, :267 (every setting editable false), :79-82 (every PUT refused with a 403 naming the variable)
  test('are all read-only, and any change is refused with Harbor\'s 403', async () => {
    configure.harbor.configOverwritten = true;
    const auth = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    const got: any = await (await fetch(`${configure.harbor.url}/api/v2.0/configurations`, { headers: { authorization: auth } })).json();
    expect(got.auth_mode).toEqual({ value: 'db_auth', editable: false });
    expect(got.oidc_name).toEqual({ value: '', editable: false });
    const refused = await fetch(`${configure.harbor.url}/api/v2.0/configurations`, {
      method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ oidc_name: 'x' }),
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(await refused.text())).toEqual(JSON.parse(OVERWRITTEN_BODY));
    expect(configure.harbor.configurations.oidc_name).toBe('');
  });
});

describe('OIDC', () => {
  test('the first run switches Harbor to OIDC with the declared settings; the next changes nothing but sends the secret again', async () => {
    const first = await run(config());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(lines(first.stdout)).toEqual([
      `waiting for Harbor at ${configure.harbor.url}`,
      'Harbor is up',
      'oidc: updated (auth_mode db_auth -> oidc_auth, oidc_name, oidc_endpoint, oidc_client_id, oidc_scope, oidc_groups_claim, ' +
        'oidc_admin_group, oidc_user_claim, oidc_auto_onboard); client secret set',
      'project apps: created',
      'done: OIDC, 0 registries, 1 projects, 0 robots',
    ]);
    expect(configure.harbor.configurations).toMatchObject({
      auth_mode: 'oidc_auth', oidc_name: 'Keycloak', oidc_endpoint: 'https://sso.example.com/realms/acme', oidc_client_id: 'harbor',
      oidc_client_secret: CLIENT_SECRET, oidc_scope: 'openid,profile,email,offline_access', oidc_groups_claim: 'groups',
      oidc_admin_group: 'harbor-admins', oidc_group_filter: '', oidc_user_claim: 'preferred_username', oidc_auto_onboard: true,
      oidc_verify_cert: true,
      // not managed: left as Harbor has them
      oidc_extra_redirect_parms: '{}', oidc_logout: false,
    });
    const settings = { ...configure.harbor.configurations };
    configure.harbor.requests.length = 0;

    const second = await run(config());
    expect(second.code).toBe(0);
    expect(lines(second.stdout)).toContain('oidc: unchanged; client secret set');
    expect(configure.harbor.configurations).toEqual(settings);
    expect(configure.harbor.writes()).toEqual(['PUT /api/v2.0/configurations']);
  });

  test('a setting changed in Harbor by hand, or removed from the code, is set back; a rotated secret is set', async () => {
    await run(config());
    configure.harbor.configurations.oidc_group_filter = '^x';
    configure.harbor.configurations.oidc_verify_cert = false;
    const result = await run({ ...config(), oidc: { ...OIDC, adminGroup: '' } }, { OIDC_CLIENT_SECRET: 'Rotated-Secret-9' });
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toContain('oidc: updated (oidc_admin_group, oidc_group_filter, oidc_verify_cert); client secret set');
    expect(configure.harbor.configurations).toMatchObject({ oidc_admin_group: '', oidc_group_filter: '', oidc_verify_cert: true, oidc_client_secret: 'Rotated-Secret-9' });
  });

  test('on a Harbor with local users, fails saying auth_mode cannot change and how to check, and applies the rest', async () => {
    configure.harbor.addUser('alice');
    const result = await run(config());
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'error: oidc: Harbor already has local users besides admin, so its auth_mode (db_auth) cannot change to oidc_auth (Harbor refuses ' +
        'it once any user has been created or has logged in; robots do not count). Check under Administration > Configuration > ' +
        'Authentication, where Auth Mode cannot be changed, or GET /api/v2.0/configurations, whose auth_mode.editable is false; delete ' +
        'those users (Administration > Users) and run the Job again, or sign in without OIDC (remove the Harbor\'s oidc)',
      'error: 1 of 2 items not applied: oidc (failed)',
    ]);
    expect(lines(result.stdout)).toContain('project apps: created');
    // nothing written: the lock was seen before
    expect(configure.harbor.writes()).not.toContain('PUT /api/v2.0/configurations');
    expect(configure.harbor.configurations.auth_mode).toBe('db_auth');
  });

  test('under CONFIG_OVERWRITE_JSON, fails naming the variable, not the users nor the admin\'s right, without a write, and applies the rest', async () => {
    configure.harbor.configOverwritten = true;
    const result = await run(config());
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([OVERWRITTEN_LINE, 'error: 1 of 2 items not applied: oidc (failed)']);
    expect(lines(result.stdout)).toContain('project apps: created');
    expect(configure.harbor.writes()).not.toContain('PUT /api/v2.0/configurations');
    // the same when the variable has set oidc_auth itself, where the run used to stop at the PUT's 403 as if admin lacked the right
    configure.harbor.configurations.auth_mode = 'oidc_auth';
    const again = await run(config());
    expect(again.code).toBe(1);
    expect(lines(again.stderr)).toEqual([OVERWRITTEN_LINE, 'error: 1 of 2 items not applied: oidc (failed)']);
    expect(lines(again.stdout)).toContain('project apps: unchanged');
  });

  test('a PUT refused with the 403 of CONFIG_OVERWRITE_JSON fails the OIDC item alone; any other 403 still stops the run as the admin\'s right', async () => {
    // a core started with the variable between the read and the write
    configure.harbor.failNext('PUT', /^\/api\/v2\.0\/configurations$/, 403, 1, { body: OVERWRITTEN_BODY });
    const overwritten = await run(config());
    expect(overwritten.code).toBe(1);
    expect(lines(overwritten.stderr)).toEqual([OVERWRITTEN_LINE, 'error: 1 of 2 items not applied: oidc (failed)']);
    expect(lines(overwritten.stdout)).toContain('project apps: created');

    configure.harbor.failNext('PUT', /^\/api\/v2\.0\/configurations$/, 403, 1, { body: NOT_ADMIN_BODY });
    const notAdmin = await run(config());
    expect(notAdmin.code).toBe(1);
    expect(lines(notAdmin.stderr)).toEqual([
      `error: PUT /api/v2.0/configurations answered 403 Forbidden: ${NOT_ADMIN_BODY} (HARBOR_USERNAME must be a Harbor system administrator)`,
    ]);
    expect(lines(notAdmin.stdout)).not.toContain('project apps: unchanged');
  });

  test('a user made between the read and the write gives the same line', async () => {
    configure.harbor.failNext('PUT', /^\/api\/v2\.0\/configurations$/, 400, 1, { message: LOCKED });
    const result = await run(config());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: oidc: Harbor already has local users besides admin, so its auth_mode \(db_auth\) cannot change to oidc_auth/);
  });

  test('once in OIDC mode, users do not stop later runs: the same auth_mode passes', async () => {
    await run(config());
    configure.harbor.addUser('alice');
    const result = await run(config());
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toContain('oidc: unchanged; client secret set');
  });

  test('an answer echoing the request body is printed without the client secret', async () => {
    configure.harbor.failNext('PUT', /^\/api\/v2\.0\/configurations$/, 422, 1, {
      body: (req) => JSON.stringify({ errors: [{ code: 'UNPROCESSABLE_ENTITY', message: `invalid configurations ${req.text}` }] }),
    });
    const result = await run(config());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: oidc: PUT \/api\/v2\.0\/configurations answered 422 Unprocessable Entity: .*\[REDACTED\]/);
    // run() checked that no form of the secret was printed
  });

  test('refuses a configuration without openid in its scope, with a bad group filter, or without the secret\'s variable, before any request', async () => {
    const cases: Array<[any, Record<string, string>, RegExp]> = [
      [{ ...config(), oidc: { ...OIDC, scope: 'profile,email' } }, {}, /^error: oidc: scope "profile,email" must include "openid"/],
      [{ ...config(), oidc: { ...OIDC, groupFilter: '(' } }, {}, /^error: oidc: groupFilter "\(" is not a regular expression/],
      [{ ...config(), oidc: { ...OIDC, endpoint: 'http://sso' } }, {}, /^error: oidc: endpoint "http:\/\/sso" must be an https URL/],
      [{ ...config(), oidc: { ...OIDC, logout: true } }, {}, /^error: oidc: unknown field "logout"/],
      [config(), { OIDC_CLIENT_SECRET: '' }, /^error: environment variable\(s\) referenced by the configuration are not set: OIDC_CLIENT_SECRET \(oidc\)/],
    ];
    for (const [cfg, env, message] of cases) {
      const result = await run(cfg, env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    expect(configure.harbor.requests).toEqual([]);
  });
});

describe('project members', () => {
  test('declared groups are added with their roles, without anyone having logged in; a second run changes nothing', async () => {
    const first = await run(config([{ group: 'platform', role: 'maintainer' }, { group: 'Dev Team', role: 'developer' }]));
    expect(first.stderr).toBe('');
    expect(lines(first.stdout).slice(-2)).toEqual([
      'project apps: members updated (group "platform" added as maintainer, group "Dev Team" added as developer)',
      'done: OIDC, 0 registries, 1 projects, 0 robots, the group members of 1 project',
    ]);
    expect(members('apps')).toEqual(['g:Dev Team=developer', 'g:platform=maintainer', 'u:admin=projectAdmin']);
    // made as OIDC groups (group_type 3)
    expect([...configure.harbor.userGroups.values()].map((g) => [g.group_name, g.group_type])).toEqual([['platform', 3], ['Dev Team', 3]]);
    configure.harbor.requests.length = 0;
    const second = await run(config([{ group: 'platform', role: 'maintainer' }, { group: 'Dev Team', role: 'developer' }]));
    expect(lines(second.stdout)).toContain('project apps: members unchanged (2 groups)');
    expect(configure.harbor.writes()).toEqual(['PUT /api/v2.0/configurations']);
  });

  // The rule (lib/harbor/configuration.ts ProjectOptions.members): declared, the group members are exactly those;
  // users are never touched
  test('a group whose role differs is set back, one no longer declared is removed, users are left alone', async () => {
    await run(config());
    const alice = configure.harbor.addUser('alice');
    configure.harbor.addUserMember('apps', alice, 2);
    configure.harbor.addGroupMember('apps', 'platform', 3);
    configure.harbor.addGroupMember('apps', 'old-team', 2);
    const result = await run(config([{ group: 'platform', role: 'projectAdmin' }, { group: 'new-team', role: 'guest' }]));
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toContain('project apps: members updated (group "platform" guest -> projectAdmin, group "new-team" added as guest, ' +
      'group "old-team" removed)');
    expect(members('apps')).toEqual(['g:new-team=guest', 'g:platform=projectAdmin', 'u:admin=projectAdmin', 'u:alice=developer']);
  });

  test('every page of members is read: undeclared groups beyond the first page are removed too', async () => {
    await run(config());
    for (let i = 0; i < 130; i++) {
      configure.harbor.addGroupMember('apps', `g${String(i).padStart(3, '0')}`, 3);
    }
    const result = await run(config([{ group: 'g129', role: 'guest' }]));
    expect(result.code).toBe(0);
    expect(members('apps')).toEqual(['g:g129=guest', 'u:admin=projectAdmin']);
    // once, for its group members: admin created it, so its creator is not looked up
    expect(configure.harbor.requests.filter((r) => r.method === 'GET' && /\/members\?/.test(r.path)).map((r) => r.path.replace(/^.*\?/, ''))).toEqual([
      'page=1&page_size=100', 'page=2&page_size=100',
    ]);
  });

  test('members: [] removes every group and needs no OIDC; no members key leaves them all', async () => {
    configure.harbor.addProject({ name: 'apps' });
    configure.harbor.addGroupMember('apps', 'ldap-era', 2);
    const untouched = await run(config(undefined, { oidc: false }));
    expect(untouched.code).toBe(0);
    expect(members('apps')).toEqual(['g:ldap-era=developer', 'u:admin=projectAdmin']);
    expect(configure.harbor.requests.some((r) => /\/members/.test(r.path))).toBe(false);
    const emptied = await run(config([], { oidc: false }));
    expect(emptied.code).toBe(0);
    expect(lines(emptied.stdout)).toContain('project apps: members updated (group "ldap-era" removed)');
    expect(members('apps')).toEqual(['u:admin=projectAdmin']);
  });

  // Harbor answers 409 "The project member specified already exist" (src/controller/member/controller.go:218-220)
  test('a group made a member by another run meanwhile (409) is looked up and given its role', async () => {
    await run(config());
    // the other run makes it a guest just before this one's POST
    configure.harbor.failNext('POST', MEMBERS_PATH, 409, 1, {
      body: () => {
        configure.harbor.addGroupMember('apps', 'platform', 3);
        return JSON.stringify({ errors: [{ code: 'CONFLICT', message: 'The project member specified already exist' }] });
      },
    });
    const original = configure.harbor.requests.length;
    const result = await run(config([{ group: 'platform', role: 'developer' }]));
    expect(result.code).toBe(0);
    expect(lines(result.stdout).slice(-3, -1)).toEqual([
      'project apps: group "platform" made a member meanwhile by another run (POST answered 409); applying its role',
      'project apps: members updated (group "platform" guest -> developer)',
    ]);
    expect(members('apps')).toEqual(['g:platform=developer', 'u:admin=projectAdmin']);
    expect(configure.harbor.requests.slice(original).some((r) => r.method === 'GET' && r.path.includes('entityname=platform'))).toBe(true);
  });

  // Another chunk's Job sets oidc_auth; in db_auth Harbor makes no group (POST answers 404)
  test('in a chunk without the OIDC settings, groups wait for Harbor to be in oidc_auth', async () => {
    const pending = run(config([{ group: 'platform', role: 'developer' }], { oidc: false }), { HARBOR_WAIT_SECONDS: '10' });
    // until the run, the project made, reads the auth mode again: it is then waiting for oidc_auth (polled, not timed,
    // so a loaded machine only makes it wait longer)
    const readsOfAuthMode = () => configure.harbor.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/v2.0/configurations')).length;
    const projectMade = () => configure.harbor.writes().some((w) => w === 'POST /api/v2.0/projects');
    let before = -1;
    for (let waited = 0; waited < 8000 && !(before >= 0 && readsOfAuthMode() > before); waited += 50) {
      if (before < 0 && projectMade()) {
        before = readsOfAuthMode();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(before).toBeGreaterThanOrEqual(0);
    expect(readsOfAuthMode()).toBeGreaterThan(before);
    expect(members('apps')).toEqual(['u:admin=projectAdmin']);
    configure.harbor.configurations.auth_mode = 'oidc_auth';
    const result = await pending;
    expect(result.code).toBe(0);
    expect(members('apps')).toEqual(['g:platform=developer', 'u:admin=projectAdmin']);
    expect(configure.harbor.writes().filter((w) => w.includes('/members'))).toHaveLength(1);
  });

  test('groups fail with a clear line when Harbor is still not in oidc_auth at the end of the budget, or is locked out of it', async () => {
    const waited = await run(config([{ group: 'platform', role: 'developer' }], { oidc: false }), { HARBOR_WAIT_SECONDS: '1' });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(/^error: project apps members: Harbor's auth_mode is still db_auth, not oidc_auth, now that the run's retry budget ran out \(HARBOR_WAIT_SECONDS=1\), and Harbor makes OIDC groups only in oidc_auth; the configure Job of the first chunk/);
    expect(configure.harbor.writes().filter((w) => w.includes('/members'))).toEqual([]);

    configure.harbor.addUser('alice');
    const started = Date.now();
    const locked = await run(config([{ group: 'platform', role: 'developer' }], { oidc: false }), { HARBOR_WAIT_SECONDS: '30' });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/^error: project apps members: Harbor already has local users besides admin, so its auth_mode \(db_auth\) cannot change/);
    // at once, not after the budget
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('in a chunk without the OIDC settings, groups fail at once naming CONFIG_OVERWRITE_JSON when it keeps Harbor out of oidc_auth', async () => {
    configure.harbor.configOverwritten = true;
    const started = Date.now();
    const result = await run(config([{ group: 'platform', role: 'developer' }], { oidc: false }), { HARBOR_WAIT_SECONDS: '30' });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)[0]).toBe('error: project apps members: harbor-core runs with the CONFIG_OVERWRITE_JSON environment variable, ' +
      'which makes every Harbor setting read-only (not only those it lists: PUT /api/v2.0/configurations answers 403), so its auth_mode ' +
      '(db_auth) cannot become oidc_auth, in which alone Harbor makes OIDC groups; unset CONFIG_OVERWRITE_JSON on harbor-core and restart ' +
      'it, or set auth_mode oidc_auth and the OIDC settings in CONFIG_OVERWRITE_JSON');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('in the chunk whose OIDC settings failed, groups are skipped', async () => {
    configure.harbor.addUser('alice');
    const result = await run(config([{ group: 'platform', role: 'developer' }]));
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toContain('project apps members: skipped, oidc was not applied');
    expect(lines(result.stderr).pop()).toBe('error: 2 of 3 items not applied: oidc (failed), project apps members (oidc not applied)');
  });

  test('refuses an unknown role, a repeated group or an unknown field before any request', async () => {
    const cases: Array<[any, RegExp]> = [
      [config([{ group: 'platform', role: 'owner' }]), /^error: project apps: members\[0\]: role "owner" must be one of projectAdmin, developer, guest, maintainer, limitedGuest/],
      [config([{ group: 'p', role: 'guest' }, { group: 'p', role: 'developer' }]), /^error: project apps: member group "p" is declared twice/],
      [config([{ group: 'p', role: 'guest', type: 'oidc' } as any]), /^error: project apps: members\[0\]: unknown field "type"/],
      [config([{ group: '', role: 'guest' }]), /^error: project apps: members\[0\]: field "group" must not be empty/],
    ];
    for (const [cfg, message] of cases) {
      const result = await run(cfg);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    expect(configure.harbor.requests).toEqual([]);
  });
});

// A team that left (TeamPlatform.retireTeam) no longer declares its project; on an OIDC Harbor the configuration names
// it under retiredProjectGroups instead, and the Job removes the project's group members (lib/harbor/configure.js,
// "Retired project groups"), with the same listing and DELETE as "members": [] (ensureMembers). Harbor's side, in
// goharbor/harbor v2.15.1: GET /projects/{id}/members lists users ("u") and groups ("g") alike, by name, with
// X-Total-Count (src/server/v2.0/handler/member.go:107-134, src/pkg/member/dao/dao.go:63-112); DELETE
// /projects/{id}/members/{mid} answers 200 whether or not the member was there (member.go:75-88, dao.go:181-191),
// and both answer 404 once the project is gone, as the member controller looks it up first
// (src/controller/member/controller.go:92-98, :257-262). A deleted project is listed no more and loses its members
// (src/pkg/project/dao/dao.go:112-128, :158-160; src/controller/event/handler/internal/project.go:41-53).
describe('retired project groups', () => {
  /** The configuration after team "billing" left: project apps still declared, billing and gone retired. */
  const retiring = (options: { oidc?: boolean } = {}) => ({ ...config([{ group: 'apps-devs', role: 'developer' }], options), retiredProjectGroups: ['billing', 'gone'] });

  test('a retired project loses every group member and keeps its users; one not in Harbor is not created; a second run changes nothing', async () => {
    const first = await run({ ...config([{ group: 'apps-devs', role: 'developer' }]), projects: [project('apps', [{ group: 'apps-devs', role: 'developer' }]),
      project('billing', [{ group: 'billing-devs', role: 'guest' }, { group: 'billing-leads', role: 'maintainer' }])] });
    expect(first.code).toBe(0);
    const alice = configure.harbor.addUser('alice');
    configure.harbor.addUserMember('billing', alice, 2);
    // one added by hand since: the project's groups were managed exactly, so it goes too
    configure.harbor.addGroupMember('billing', 'extra', 3);
    expect(members('billing')).toEqual(['g:billing-devs=guest', 'g:billing-leads=maintainer', 'g:extra=guest', 'u:admin=projectAdmin', 'u:alice=developer']);
    const projects = configure.harbor.projects.size;
    configure.harbor.requests.length = 0;

    const result = await run(retiring());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout).slice(-3)).toEqual([
      'project billing (retired): members updated (group "billing-devs" removed, group "billing-leads" removed, group "extra" removed)',
      'project gone: retired, not in Harbor',
      'done: OIDC, 0 registries, 1 projects, 0 robots, the group members of 1 project, the groups of 2 retired projects (1 in Harbor, 1 already gone)',
    ]);
    expect(members('billing')).toEqual(['u:admin=projectAdmin', 'u:alice=developer']);
    expect(members('apps')).toEqual(['g:apps-devs=developer', 'u:admin=projectAdmin']);
    // nothing created: the project that is not in Harbor stays so
    expect(configure.harbor.project('gone')).toBeUndefined();
    expect(configure.harbor.projects.size).toBe(projects);
    expect(configure.harbor.writes().filter((w) => w.startsWith('POST'))).toEqual([]);
    expect(configure.harbor.writes().filter((w) => w.startsWith('DELETE'))).toHaveLength(3);
    // looked up by its exact name, as a declared project is
    expect(configure.harbor.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/v2.0/projects?q=name%3Dgone');

    configure.harbor.requests.length = 0;
    const again = await run(retiring());
    expect(again.code).toBe(0);
    expect(lines(again.stdout).slice(-3)).toEqual([
      'project billing (retired): members unchanged (0 groups)',
      'project gone: retired, not in Harbor',
      'done: OIDC, 0 registries, 1 projects, 0 robots, the group members of 1 project, the groups of 2 retired projects (1 in Harbor, 1 already gone)',
    ]);
    // the settings, re-sent on every run, and nothing else
    expect(configure.harbor.writes()).toEqual(['PUT /api/v2.0/configurations']);
    expect(members('billing')).toEqual(['u:admin=projectAdmin', 'u:alice=developer']);
  });

  test('removing needs no OIDC: a chunk without the settings, on a Harbor still in db_auth, removes the groups at once', async () => {
    configure.harbor.addProject({ name: 'apps' });
    configure.harbor.addProject({ name: 'billing' });
    configure.harbor.addGroupMember('billing', 'billing-devs', 3);
    const result = await run({ ...config(undefined, { oidc: false }), retiredProjectGroups: ['billing'] });
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toContain('project billing (retired): members updated (group "billing-devs" removed)');
    expect(members('billing')).toEqual(['u:admin=projectAdmin']);
    expect(configure.harbor.configurations.auth_mode).toBe('db_auth');
  });

  test('a project deleted between its look-up and its members\' (a 404) counts as gone; a failed removal is named at the end', async () => {
    configure.harbor.addProject({ name: 'billing' });
    configure.harbor.addGroupMember('billing', 'billing-devs', 3);
    // deleted by hand just then: Harbor answers 404 for its members
    configure.harbor.failNext('GET', MEMBERS_PATH, 404, 1, { message: 'project 3 not found' });
    const gone = await run({ ...config(), retiredProjectGroups: ['billing'] });
    expect(gone.code).toBe(0);
    expect(lines(gone.stdout)).toContain('project billing: retired, not in Harbor');

    configure.harbor.failNext('DELETE', /^\/api\/v2\.0\/projects\/\d+\/members\/\d+$/, 500, 1, { message: 'database is locked' });
    const failed = await run({ ...config(), retiredProjectGroups: ['billing'] });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error: project billing \(retired\): DELETE \/api\/v2\.0\/projects\/\d+\/members\/\d+ answered 500/);
    expect(lines(failed.stderr).pop()).toBe('error: 1 of 3 items not applied: project billing (retired) (failed)');
    expect(members('billing')).toEqual(['g:billing-devs=guest', 'u:admin=projectAdmin']);
  });

  test('refuses a bad name, a project both declared and retired, a name twice or no list, before any request', async () => {
    const cases: Array<[any, string]> = [
      [{ ...config(), retiredProjectGroups: ['Billing'] }, 'error: retiredProjectGroups[0]: "Billing" must be a project name: lower-case letters and digits separated by ".", "_" or "-"\n'],
      [{ ...config(), retiredProjectGroups: [7] }, 'error: retiredProjectGroups[0]: 7 must be a project name: lower-case letters and digits separated by ".", "_" or "-"\n'],
      [{ ...config(), retiredProjectGroups: ['apps'] }, 'error: retiredProjectGroups[0]: project apps is declared under "projects" too; a project is either declared or retired\n'],
      [{ ...config(), retiredProjectGroups: ['old', 'old'] }, 'error: retired project old is declared twice\n'],
      [{ ...config(), retiredProjectGroups: 'billing' }, 'error: configuration: field "retiredProjectGroups" must be an array, got "billing"\n'],
    ];
    for (const [cfg, message] of cases) {
      const result = await run(cfg);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(message);
    }
    expect(configure.harbor.requests).toEqual([]);
  });
});
