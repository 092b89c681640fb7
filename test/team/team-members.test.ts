// A team's members: Roles and RoleBindings `team-members` in the team's own namespaces only. RBAC grants a
// RoleBinding's Role in the binding's namespace alone, to subjects matched by kind and exact name
// (kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac/rbac.go, `appliesToUser`: `has(user.GetGroups(),
// subject.Name)` for a Group, `user.GetName() == subject.Name` for a User).
import { DeployAccess, DeployPermission, DockyardChart, HarborOidc, ProjectRole, Secret, SecretValue, TeamMember } from '../../lib';
import { find } from '../util';
import { Engine, platform } from './fixtures';

const DEVS = TeamMember.group('oidc:payments-developers');
const LEAD = TeamMember.user('oidc:alice@acme.dev');
const memberObjects = (objects: any[]) => objects.filter((o) => o.metadata?.name === 'team-members');

describe.each<Engine>(['drone', 'woodpecker'])('team members (%s)', (engine) => {
  test('none by default: only the deploy identity is bound in the team\'s namespaces', () => {
    const p = platform({}, { engine });
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments-app'] });
    expect(memberObjects(p.objects())).toEqual([]);
  });

  test('each app namespace binds them to the read-only defaults; the build namespace to a read of its builds', () => {
    const p = platform({}, { engine });
    const team = p.teams.addTeam({ name: 'payments', repos: ['acme/payments-app'], namespaces: ['payments', 'payments-staging'], members: [DEVS, LEAD] });
    expect(team.members).toEqual([DEVS, LEAD]);
    const objects = p.objects();
    const where = memberObjects(objects).map((o) => `${o.kind} ${o.metadata.namespace}`).sort();
    expect(where).toEqual(['payments', 'payments-builds', 'payments-staging'].flatMap((ns) => [`Role ${ns}`, `RoleBinding ${ns}`]).sort());
    for (const ns of ['payments', 'payments-staging']) {
      const binding = find(objects, 'RoleBinding', 'team-members', ns);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'team-members' });
      expect(binding.subjects).toEqual([
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:payments-developers' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'oidc:alice@acme.dev' },
      ]);
      expect(find(objects, 'Role', 'team-members', ns).rules).toEqual(TeamMember.DEFAULT_PERMISSIONS.map((d) => ({
        apiGroups: [d.apiGroup], resources: d.resources, verbs: d.verbs,
      })));
      expect(binding.metadata.labels).toMatchObject({ 'dockyard.dev/team': 'payments' });
    }
    // Woodpecker's clone step holds a git login as a literal env value (woodpecker v3.17.0
    // pipeline/frontend/compiler/option.go:84-90, pipeline/backend/kubernetes/pod.go:274-276): its pods stay unread
    expect(find(objects, 'Role', 'team-members', 'payments-builds').rules).toEqual([
      { apiGroups: [''], resources: engine === 'woodpecker' ? ['pods/log', 'events'] : ['pods', 'pods/log', 'events'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(find(objects, 'RoleBinding', 'team-members', 'payments-builds').subjects.map((s: any) => s.name))
      .toEqual(['oidc:payments-developers', 'oidc:alice@acme.dev']);
  });

  test('the defaults read, and read no Secret: deploys go through the pipelines', () => {
    for (const p of TeamMember.DEFAULT_PERMISSIONS) {
      expect(p.verbs).toEqual(['get', 'list', 'watch']);
      expect(p.resources).not.toContain('secrets');
    }
    expect(TeamMember.DEFAULT_PERMISSIONS.flatMap((p) => p.resources)).toEqual(expect.arrayContaining(['pods/log', 'resourcequotas']));
  });

  test('memberPermissions replace the defaults in the app namespaces, not in the build namespace', () => {
    const p = platform({}, { engine });
    p.teams.addTeam({
      name: 'payments', repos: ['acme/payments-app'], members: [DEVS],
      memberPermissions: [DeployPermission.manage('apps', ['deployments']), DeployPermission.read('', ['secrets'])],
    });
    const objects = p.objects();
    expect(find(objects, 'Role', 'team-members', 'payments').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(find(objects, 'Role', 'team-members', 'payments-builds').rules[0].resources).toEqual(engine === 'woodpecker' ? ['pods/log', 'events'] : ['pods', 'pods/log', 'events']);
  });

  test('another team\'s namespaces bind none of them', () => {
    const p = platform({}, { engine });
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments-app'], members: [DEVS] });
    p.teams.addTeam({ name: 'search', repos: ['acme/search-app'] });
    const objects = p.objects();
    const bound = objects.filter((o) => o.kind === 'RoleBinding' && o.subjects.some((s: any) => s.name === DEVS.name));
    expect(bound.map((b) => b.metadata.namespace).sort()).toEqual(['payments', 'payments-builds']);
  });
});

describe('taking every member\'s access away', () => {
  // objects that leave the manifests stay in the cluster after a plain `kubectl apply` (only --prune deletes them):
  // `members: []` keeps the Roles and RoleBindings, bound to no one, so the apply takes the access back
  test('members: [] keeps the Roles and RoleBindings, with no subjects; dropping the prop renders none', () => {
    const p = platform();
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments'], members: [] });
    const objects = p.objects();
    for (const ns of ['payments', 'payments-builds']) {
      expect(find(objects, 'RoleBinding', 'team-members', ns).subjects).toEqual([]);
      expect(find(objects, 'Role', 'team-members', ns).rules.length).toBeGreaterThan(0);
    }
  });
});

describe('team members on a dedicated runner', () => {
  test('read the pull requests\' builds too, in the team\'s own pull-request namespace, never the shared pool', () => {
    const p = platform();
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments-*'], dedicatedRunner: true, members: [DEVS] });
    const objects = p.objects();
    expect(memberObjects(objects).filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace).sort())
      .toEqual(['payments', 'payments-builds', 'payments-pull-requests']);
    expect(find(objects, 'Role', 'team-members', 'payments-pull-requests').rules[0].resources).toEqual(['pods', 'pods/log', 'events']);
  });
});

describe('reading what bounds a team', () => {
  // a grant that only reads the quota or the NetworkPolicies leaves them as they are: allowed for either identity
  test('is allowed to the deploy identity and to members; changing it is refused', () => {
    const read = DeployPermission.read('networking.k8s.io', ['networkpolicies']);
    const p = platform();
    p.teams.addTeam({ name: 'a', repos: ['acme/a'], deployPermissions: [...DeployAccess.DEFAULT_PERMISSIONS, read], members: [DEVS], memberPermissions: [read] });
    expect(find(p.objects(), 'Role', 'team-members', 'a').rules).toEqual([{ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] }]);
    expect(() => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], members: [DEVS], memberPermissions: [DeployPermission.manage('', ['limitranges'])] }))
      .toThrow('invalid memberPermissions "/limitranges": must not change /resourcequotas, /limitranges');
  });
});

describe('refusals', () => {
  const team = (props: object) => () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], ...props });
  test.each<[string, () => unknown, string]>([
    ['Kubernetes\' own group of every user', () => TeamMember.group('system:authenticated'),
      'invalid group "system:authenticated": must not start with "system:": Kubernetes reserves it for its own groups (system:authenticated is every user who logs in, system:masters bypasses RBAC), never a team\'s'],
    ['a pod\'s identity as a user', () => TeamMember.user('system:serviceaccount:ci:default'), 'invalid user "system:serviceaccount:ci:default": must not start with "system:"'],
    ['an empty group', () => TeamMember.group(''), 'invalid group "": must be a group name as the API server authenticates it, e.g. "payments-developers"'],
    ['a user that is no string (JavaScript)', () => TeamMember.user(42 as any), 'invalid user 42: must be a user name as the API server authenticates it, e.g. "alice@acme.dev"'],
    ['blanks around a name', () => TeamMember.group(' devs'), 'invalid group " devs": must have no blanks around it and no control characters'],
    ['a control character', () => TeamMember.user('alice\n'), 'invalid user "alice\\n": must have no blanks around it'],
    ['members that are no list', team({ members: DEVS }), 'invalid members {"kind":"Group","name":"oidc:payments-developers"}: must be a list of TeamMember.group(...) or TeamMember.user(...) (team "a")'],
    ['a member that is a plain object', team({ members: [{ kind: 'Group', name: 'devs' }] }), 'invalid members {"kind":"Group","name":"devs"}: must be a list of TeamMember.group(...) or TeamMember.user(...) (team "a")'],
    ['a member twice', team({ members: [DEVS, LEAD, TeamMember.group('oidc:payments-developers')] }), 'must not repeat TeamMember.group("oidc:payments-developers") (team "a")'],
    ['member permissions without members', team({ memberPermissions: [DeployPermission.read('', ['pods'])] }),
      'invalid memberPermissions ["/pods"]: must be set only with members: it is what they may do in the team\'s app namespaces (team "a")'],
    ['no member permissions', team({ members: [DEVS], memberPermissions: [] }), 'invalid memberPermissions []: must grant at least one permission (team "a")'],
    ['a member permission that is no DeployPermission', team({ members: [DEVS], memberPermissions: [{ apiGroup: '', resources: ['pods'], verbs: ['*'] }] }),
      'must be a list of DeployPermission.read(...), .manage(...) or .allow(...) (team "a")'],
    ['a misspelt prop', team({ member: [DEVS] }), 'a team has no prop "member" (did you mean "members"?)'],
  ])('refuses %s', (_what, act, message) => {
    expect(act).toThrow(message);
  });
});

describe('the API server\'s prefixes', () => {
  // kube-apiserver puts --oidc-groups-prefix and --oidc-username-prefix before the claims' values
  // (kubernetes/kubernetes staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/oidc/oidc.go, `groupsPrefix`
  // and the username prefix applied to the claim): RBAC then compares the prefixed names
  test('go before members\' names in every RoleBinding', () => {
    const p = platform({ groupsPrefix: 'oidc:', usernamePrefix: 'sso:' });
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments'], members: [TeamMember.group('payments-developers'), TeamMember.user('alice@acme.dev')] });
    for (const ns of ['payments', 'payments-builds']) {
      expect(find(p.objects(), 'RoleBinding', 'team-members', ns).subjects.map((s: any) => s.name)).toEqual(['oidc:payments-developers', 'sso:alice@acme.dev']);
    }
  });

  test('a name given with its prefix already is refused: it would be bound with the prefix twice', () => {
    expect(() => platform({ groupsPrefix: 'oidc:' }).teams.addTeam({ name: 'a', repos: ['acme/a'], members: [TeamMember.group('oidc:devs')] })).toThrow(
      'invalid members "TeamMember.group(\\"oidc:devs\\")": must be the name the identity provider gives, without the API server\'s groupsPrefix "oidc:", ' +
      'which is put before it (it would be bound as "oidc:oidc:devs") (team "a")');
    expect(() => platform({ usernamePrefix: 'sso:' }).teams.addTeam({ name: 'a', repos: ['acme/a'], members: [TeamMember.user('sso:bob')] }))
      .toThrow('without the API server\'s usernamePrefix "sso:"');
  });

  // `kubectl rollout restart` reads the Deployment and patches its template
  // (kubernetes/kubernetes staging/src/k8s.io/kubectl/pkg/cmd/rollout/rollout_restart.go, `RunRestart`)
  test('members may be let restart deployments with get and patch alone', () => {
    const p = platform();
    p.teams.addTeam({
      name: 'a', repos: ['acme/a'], members: [TeamMember.group('devs')],
      memberPermissions: [...TeamMember.DEFAULT_PERMISSIONS, DeployPermission.allow('apps', ['deployments'], ['get', 'patch'])],
    });
    expect(find(p.objects(), 'Role', 'team-members', 'a').rules.at(-1)).toEqual({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] });
  });

  // the API server's "-" means no username prefix (kubernetes/kubernetes pkg/kubeapiserver/options/authentication.go)
  test('"-" as usernamePrefix means none, as the API server reads it', () => {
    const p = platform({ usernamePrefix: '-' });
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments'], members: [TeamMember.user('alice@acme.dev')] });
    expect(find(p.objects(), 'RoleBinding', 'team-members', 'payments').subjects.map((s: any) => s.name)).toEqual(['alice@acme.dev']);
  });

  test('are refused with blanks, under "system:", or making a member one of Kubernetes\' own', () => {
    expect(() => platform({ groupsPrefix: 'oidc: ' })).toThrow('invalid groupsPrefix "oidc: ": must be the API server\'s --oidc-groups-prefix, e.g. "oidc:", ' +
      'without blanks or control characters, and not under Kubernetes\' own "system:"');
    expect(() => platform({ usernamePrefix: 'system:oidc:' })).toThrow('invalid usernamePrefix "system:oidc:": must be the API server\'s --oidc-username-prefix');
    expect(() => platform({ groupsPrefix: 'sys' }).teams.addTeam({ name: 'a', repos: ['acme/a'], members: [TeamMember.group('tem:masters')] })).toThrow(
      'invalid members "TeamMember.group(\\"tem:masters\\")": must not be bound as "system:masters": after the API server\'s prefix it starts with "system:", ' +
      'which Kubernetes reserves for its own users and groups (team "a")');
  });
});

describe('team members in Harbor', () => {
  /** A Harbor that signs in over OIDC: its client secret an input of the secret source. */
  const oidc = (chart: DockyardChart) => ({
    oidc: HarborOidc.of({
      name: 'Keycloak', endpoint: 'https://sso.example.com/realms/acme', clientId: 'harbor',
      clientSecret: new Secret(chart, 'HarborOidc', { name: 'harbor-oidc', values: { secret: SecretValue.input('HARBOR_OIDC_SECRET', 'the client secret') } }).key('secret'),
    }),
  });
  /** The project `name` as the configuration Jobs are given it. */
  const project = (objects: any[], name: string) => objects
    .filter((o) => o.kind === 'ConfigMap' && o.data?.['config.json'] !== undefined)
    .flatMap((o) => JSON.parse(o.data['config.json']).projects ?? [])
    .find((pr: any) => pr.name === name);

  // Harbor reads the groups claim as it is, without the API server's prefix (goharbor/harbor v2.15.1
  // src/pkg/oidc/helper.go:406-443), and makes an OIDC group member of a project by its name
  // (src/controller/member/controller.go:189-204)
  test('on an OIDC Harbor, the member groups, unprefixed, are the project\'s group members; users are not', () => {
    const p = platform({ groupsPrefix: 'oidc:' }, { harbor: oidc });
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments'], members: [TeamMember.group('payments-developers'), TeamMember.user('alice')] });
    p.teams.addTeam({ name: 'search', repos: ['acme/search'], members: [TeamMember.group('search-leads')], memberProjectRole: ProjectRole.DEVELOPER });
    p.teams.addTeam({ name: 'ops', repos: ['acme/ops'] });
    const objects = p.objects();
    expect(project(objects, 'payments').members).toEqual([{ group: 'payments-developers', role: 'guest' }]);
    expect(project(objects, 'search').members).toEqual([{ group: 'search-leads', role: 'developer' }]);
    // declared, and empty: the project's group members are exactly the team's
    expect(project(objects, 'ops').members).toEqual([]);
  });

  test('without OIDC, the project\'s members are left alone, and memberProjectRole is refused', () => {
    const p = platform();
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments'], members: [TeamMember.group('payments-developers')] });
    expect(project(p.objects(), 'payments').members).toBeUndefined();
    expect(() => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], members: [TeamMember.group('g')], memberProjectRole: ProjectRole.DEVELOPER })).toThrow(
      'invalid memberProjectRole "developer": must be set only with TeamMember.group members on a Harbor that signs in over OIDC (HarborProps.oidc): ' +
      'only there are groups members of the team\'s project (team "a")');
    expect(() => platform({}, { harbor: oidc }).teams.addTeam({ name: 'a', repos: ['acme/a'], members: [TeamMember.user('u')], memberProjectRole: ProjectRole.GUEST }))
      .toThrow('invalid memberProjectRole "guest": must be set only with TeamMember.group members');
  });
});
