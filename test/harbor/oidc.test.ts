import {
  DockyardChart, HarborOidc, HarborOidcOptions, ProjectMember, ProjectRole, ProxyUpstream, RobotPermission, Secret, SecretValue,
} from '../../lib';
import { withDigests } from '../../lib/core/checksum';
import { container, envOf, find, refusal, synth, testChart } from '../util';
import { inClusterHarbor } from './fixtures';

// Harbor's OIDC sign-in and project group members in code (lib/harbor/oidc.ts, project-member.ts): what the synth
// refuses, and what the configure Jobs are given. configure-oidc.test.ts runs the script against the fake Harbor.

const jobs = (objects: any[]) => objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
/** Each configure Job's config.json, by the Job's name. */
const states = (objects: any[]) => new Map(jobs(objects).map((j) => {
  const configMap = j.spec.template.spec.volumes[0].projected.sources[1].configMap.name;
  return [j.metadata.name as string, JSON.parse(find(objects, 'ConfigMap', configMap).data['config.json'])];
}));

/** The client secret as the README shows it: an input of the secret source; one a chart, made on first use. */
function clientSecret(chart: DockyardChart) {
  const made = chart.node.tryFindChild('HarborOidc') as Secret | undefined;
  return (made ?? new Secret(chart, 'HarborOidc', {
    name: 'harbor-oidc', values: { secret: SecretValue.input('HARBOR_OIDC_SECRET', 'the Harbor client secret') },
  })).key('secret');
}

function oidc(chart: DockyardChart, options: Partial<HarborOidcOptions> = {}): HarborOidc {
  return HarborOidc.of({ name: 'Keycloak', endpoint: 'https://sso.example.com/realms/acme', clientId: 'harbor', clientSecret: clientSecret(chart), ...options });
}

describe('HarborOidc', () => {
  test('goes to the first chunk only, its client secret from the Secret, never in a ConfigMap', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart, { oidc: oidc(chart, { adminGroup: 'harbor-admins' }) });
    harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
    // enough teams for several chunks
    for (let i = 0; i < 120; i++) {
      harbor.addProject(`team-${i}`);
      harbor.addRobot(`team-${i}-pull`, { permissions: [RobotPermission.pull(`team-${i}`)] });
    }
    const objects = synth(chart);
    const all = states(objects);
    expect(all.size).toBeGreaterThan(2);
    const withOidc = [...all].filter(([, state]) => state.oidc !== undefined);
    expect(withOidc).toHaveLength(1);
    const [name, state] = withOidc[0];
    // the first chunk's Job, with the plain name
    expect(name).toMatch(/^harbor-configure-[0-9a-f]{8}$/);
    expect(state.oidc).toEqual({
      name: 'Keycloak', endpoint: 'https://sso.example.com/realms/acme', clientId: 'harbor', scope: 'openid,profile,email,offline_access',
      groupsClaim: 'groups', adminGroup: 'harbor-admins', groupFilter: '', userClaim: 'preferred_username', autoOnboard: true, verifyCert: true,
      clientSecretEnv: 'OIDC_CLIENT_SECRET',
    });
    const env = envOf(container(jobs(objects).find((j) => j.metadata.name === name)));
    expect(env.OIDC_CLIENT_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'harbor-oidc', key: 'secret' });
    expect(jobs(objects).filter((j) => j.metadata.name !== name).every((j) => !('OIDC_CLIENT_SECRET' in envOf(container(j))))).toBe(true);
    expect(harbor.oidcRedirectUri).toBe('https://harbor.example.com/c/oidc/callback');
  });

  test('without it, config.json has no oidc key and no project members, only the settings and schedule every Harbor has', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProject('apps');
    const [state] = [...states(synth(chart)).values()];
    // the settings, with which the Job also fails while Harbor is still in oidc_auth (configure-oidc.test.ts)
    // the garbage collection schedule (garbage-collection.test.ts) and the audit log purge (audit-log-retention.test.ts)
    expect(Object.keys(state)).toEqual(['registries', 'projects', 'robots', 'settings', 'gc', 'audit']);
    expect(Object.keys(state.projects[0])).toEqual(['name', 'public', 'registry', 'storageLimit', 'metadata']);
    expect(harbor.oidcRedirectUri).toBeUndefined();
  });

  // Harbor never returns the client secret, so the Job cannot tell a rotated one: it must run again when it changes,
  // as when any setting does (a Job's pod template is immutable: its name carries the ConfigMap's and the digests).
  test('a change of a setting or of the client secret runs the Job again', () => {
    const build = (options: Partial<HarborOidcOptions> = {}) => {
      const chart = testChart('harbor');
      inClusterHarbor(chart, { oidc: oidc(chart, options) }).addProject('apps');
      return chart;
    };
    const name = (chart: DockyardChart, digest = 'a') => withDigests(chart, (key) => (key.endsWith('/harbor-oidc/secret') ? digest : `d-${key}`),
      () => jobs(chart.toJson()).map((j) => j.metadata.name));
    const base = name(build());
    expect(base).toHaveLength(1);
    expect(name(build())).toEqual(base);
    expect(name(build(), 'rotated')).not.toEqual(base);
    expect(name(build({ groupFilter: '^team-' }))).not.toEqual(base);
    expect(name(build({ scope: ['openid', 'profile'] }))).not.toEqual(base);
    expect(name(build({ verifyCert: false }))).not.toEqual(base);
  });

  test('refuses bad settings at synth, in one line', () => {
    const chart = testChart('harbor');
    const of = (options: Partial<HarborOidcOptions>) => refusal(() => oidc(chart, options));
    expect(refusal(() => HarborOidc.of(undefined as any))).toMatch(/^invalid oidc undefined: must be an object of HarborOidcOptions/);
    expect(of({ name: '' })).toMatch(/^invalid name "": must be the provider's name/);
    expect(of({ endpoint: 'http://sso.example.com' })).toMatch(/^invalid endpoint "http:\/\/sso.example.com": must be an absolute URL with scheme https/);
    expect(of({ endpoint: 'https://sso.example.com/realms/acme?x=1' })).toMatch(/^invalid endpoint .*: must be the provider's issuer URL, without query or fragment/);
    expect(of({ endpoint: 'https://user:pw@sso.example.com' })).toMatch(/must not embed credentials/);
    expect(of({ clientId: 'har bor' })).toBe('invalid clientId "har bor": must be an OAuth client ID: 1 to 255 letters, digits, ".", "_", "~" or "-"');
    expect(of({ scope: ['profile', 'email'] })).toMatch(/^invalid scope \["profile","email"\]: must include "openid"/);
    expect(of({ scope: ['openid', 'a,b'] })).toMatch(/^invalid scope .*: must be a list of scope names/);
    expect(of({ scope: ['openid', 'openid'] })).toMatch(/must name each scope once/);
    expect(of({ groupsClaim: '' })).toMatch(/^invalid groupsClaim "": must be the name of the claim/);
    expect(of({ userClaim: 'a b' })).toMatch(/^invalid userClaim "a b"/);
    expect(of({ adminGroup: '' })).toMatch(/^invalid adminGroup "": must be the name of a group/);
    expect(of({ autoOnboard: 'yes' as any })).toMatch(/^invalid autoOnboard "yes": must be true or false/);
    expect(of({ verifyCert: 1 as any })).toMatch(/^invalid verifyCert 1: must be true or false/);
  });

  // Go's regexp (RE2) has no lookarounds or backreferences, and Harbor keeps every group when it cannot compile the
  // filter (goharbor/harbor v2.15.1 src/pkg/oidc/helper.go:459-476): refused, as is what JavaScript cannot check
  test('refuses a group filter RE2 or JavaScript cannot compile', () => {
    const chart = testChart('harbor');
    const filter = (groupFilter: string) => refusal(() => oidc(chart, { groupFilter }));
    expect(filter('^(?!admins)')).toMatch(/^invalid groupFilter "\^\(\?!admins\)": must be a regular expression Go \(RE2\) and JavaScript both compile/);
    expect(filter('(?<=x)y')).toMatch(/RE2 has no lookarounds/);
    expect(filter('(a)\\1')).toMatch(/backreferences/);
    expect(filter('(?i)team')).toMatch(/RE2-only syntax JavaScript cannot compile, such as \(\?i\)/);
    expect(filter('[')).toMatch(/^invalid groupFilter "\[": must be a regular expression/);
    expect(filter('')).toMatch(/^invalid groupFilter ""/);
    // an escaped backslash before a digit is no backreference
    expect(oidc(chart, { groupFilter: '^team\\\\1' }).groupFilter).toBe('^team\\\\1');
  });

  // Harbor compiles the filter with Go's regexp (RE2: goharbor/harbor v2.15.1 src/pkg/oidc/helper.go filterGroup,
  // regexp.MatchString), where \A and \z anchor, \pL is a letter and \x{41} is "A". JavaScript without the u flag reads
  // each as another pattern (the letter A, z, "pL", x 41 times) and would pass them: with u they are errors, refused.
  test.each([['\\Ateam-'], ['team-\\z'], ['^\\pL+$'], ['^\\x{41}']])('refuses the RE2-only escape in group filter %s', (groupFilter) => {
    const chart = testChart('harbor');
    expect(refusal(() => oidc(chart, { groupFilter }))).toMatch(/RE2-only syntax JavaScript cannot compile, such as .*\\pL/);
  });

  // review: with the u flag JavaScript compiles these, and Go 1.25's regexp/syntax (Harbor v2.15.1's) refuses them
  // (parseEscape has no \u or \c; unicodeTable has no Script= forms and no binary properties such as Alphabetic), and
  // then Harbor keeps every group
  test.each([['^team\\u002d'], ['^team\\u{2d}'], ['^\\cAteam'], ['^[\\u0041]'], ['^\\p{Script=Latin}+$'], ['^\\p{Alphabetic}+$'], ['^\\P{sc=Greek}']])(
    'refuses the JavaScript-only escape in group filter %s', (groupFilter) => {
      const chart = testChart('harbor');
      expect(refusal(() => oidc(chart, { groupFilter }))).toMatch(/^invalid groupFilter .*: must be a regular expression Go \(RE2\) and JavaScript both compile/);
    });

  // the filters the other tests accept still compile with the u flag
  test('keeps accepting ordinary group filters', () => {
    const chart = testChart('harbor');
    // review 2: general categories by long name, LC, ASCII and Assigned are Go 1.25's too
    for (const groupFilter of ['^team-', '^(team-|harbor-)', '^team\\\\1', '^team-\u2028|\u202eevil', '^[a-z]+\\.dev$', '^\\p{Lu}', '^\\P{L}\\p{Any}',
      '^\\p{Letter}+$', '^\\p{LC}', '^\\p{ASCII}\\p{Assigned}', '^\\p{Uppercase_Letter}', '^\\p{Combining_Mark}', '^\\p{punct}', '^\\p{digit}+$', '^\\P{cntrl}+$']) {
      expect(oidc(chart, { groupFilter }).groupFilter).toBe(groupFilter);
    }
    expect(oidc(chart, { groupFilter: '^team-' }).keepsGroup('team-a')).toBe(true);
  });

  test('refuses a client secret that is no generated Secret\'s key, never showing a string', () => {
    const chart = testChart('harbor');
    const existing = Secret.fromSecretName(chart, 'Existing', 'idp').key('secret');
    expect(refusal(() => oidc(chart, { clientSecret: existing }))).toMatch(
      /^invalid clientSecret "harbor\/idp#secret": must be a key of a Secret Dockyard generates.*so that a rotated secret reaches Harbor; a Secret made outside Dockyard \(Secret\.fromSecretName\) is read by no synth$/);
    const plain = refusal(() => oidc(chart, { clientSecret: 's3cr3t-value' as any }));
    expect(plain).toMatch(/^invalid clientSecret <redacted>: must be a key of a Secret Dockyard generates/);
    expect(plain).not.toContain('s3cr3t');
    // never shown (plain options hold the client secret), and refused before anything is granted: the database the
    // fixture made still admits its reconciler alone, not Harbor's pods
    const chart2 = testChart('harbor');
    expect(refusal(() => inClusterHarbor(chart2, { oidc: { name: 'x', clientSecret: 'S3cr3t' } as any })))
      .toBe('invalid oidc <redacted>: must be a HarborOidc: HarborOidc.of({ name, endpoint, clientId, clientSecret }) (Harbor "test/Harbor")');
    expect(refusal(() => HarborOidc.of('S3cr3t' as any))).toBe('invalid oidc <redacted>: must be an object of HarborOidcOptions: { name, endpoint, clientId, clientSecret }');
    chart2.node.tryRemoveChild('Harbor');
    const admitted = find(chart2.toJson(), 'NetworkPolicy', 'postgres').spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/component']));
    expect(admitted).toEqual(['reconcile']);
  });
});

describe('project members', () => {
  test('are declared per project as groups and role names; a project without them has no members key', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart, { oidc: oidc(chart) });
    harbor.addProject('apps', { members: [ProjectMember.oidcGroup('platform', ProjectRole.MAINTAINER), ProjectMember.oidcGroup('Dev Team', ProjectRole.DEVELOPER)] });
    harbor.addProject('none', { members: [] });
    harbor.addProject('plain');
    harbor.addProxyCache('hub', { upstream: ProxyUpstream.dockerHub(), members: [ProjectMember.oidcGroup('everyone', ProjectRole.LIMITED_GUEST)] });
    const [state] = [...states(synth(chart)).values()];
    const members = Object.fromEntries(state.projects.map((p: any) => [p.name, p.members]));
    expect(members).toEqual({
      apps: [{ group: 'platform', role: 'maintainer' }, { group: 'Dev Team', role: 'developer' }],
      none: [],
      plain: undefined,
      hub: [{ group: 'everyone', role: 'limitedGuest' }],
    });
  });

  test('refuses groups without oidc, bad groups and roles, repeats, and groups the filter drops', () => {
    const plain = inClusterHarbor(testChart('harbor'));
    const member = ProjectMember.oidcGroup('platform', ProjectRole.DEVELOPER);
    expect(refusal(() => plain.addProject('apps', { members: [member] }))).toMatch(
      /^invalid members \["platform"\]: must name OIDC groups of a Harbor that signs in with OIDC: set the Harbor's oidc .* \(project "apps"\)$/);
    // checkProject refuses alike, for Team's checks before it declares anything
    expect(refusal(() => plain.checkProject('apps', { members: [member] }))).toMatch(/must name OIDC groups/);
    // no group named: nothing Harbor must make
    plain.addProject('apps', { members: [] });

    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart, { oidc: oidc(chart, { groupFilter: '^team-' }) });
    expect(refusal(() => harbor.addProject('apps', { members: [member] }))).toMatch(
      /^invalid members "platform": must be a group the oidc groupFilter "\^team-" keeps/);
    // the filter is shown as values are, escaped: a line separator or a bidi control in it stays out of the one line (review)
    const odd = testChart('harbor');
    const oddHarbor = inClusterHarbor(odd, { oidc: oidc(odd, { groupFilter: '^team-\u2028|\u202eevil' }) });
    const message = refusal(() => oddHarbor.addProject('apps', { members: [member] }));
    expect(message).toContain('groupFilter "^team-\\u2028|\\u202eevil" keeps');
    expect(message).not.toMatch(/[\u2028\u202e]/);
    harbor.addProject('apps', { members: [ProjectMember.oidcGroup('team-apps', ProjectRole.DEVELOPER)] });
    expect(refusal(() => harbor.addProject('b', { members: [ProjectMember.oidcGroup('team-b', ProjectRole.GUEST), ProjectMember.oidcGroup('team-b', ProjectRole.DEVELOPER)] })))
      .toMatch(/^invalid members .*: must not repeat "team-b"/);
    expect(refusal(() => harbor.addProject('c', { members: [{ group: 'team-c', role: 'developer' } as any] }))).toMatch(
      /^invalid members .*: must hold ProjectMembers: ProjectMember.oidcGroup\(group, role\)/);
    expect(refusal(() => ProjectMember.oidcGroup('', ProjectRole.GUEST))).toMatch(/^invalid group "": must be the group's name/);
    expect(refusal(() => ProjectMember.oidcGroup('a\nb', ProjectRole.GUEST))).toMatch(/^invalid group "a\\nb"/);
    expect(refusal(() => ProjectMember.oidcGroup('x'.repeat(256), ProjectRole.GUEST))).toMatch(/1 to 255 characters/);
    expect(refusal(() => ProjectMember.oidcGroup('ops', 'admin' as ProjectRole))).toMatch(/^invalid role "admin": must be a ProjectRole: ProjectRole.PROJECT_ADMIN/);
  });
});
