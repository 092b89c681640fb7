// TeamPlatform.addTeam is atomic: a call that is refused (one `invalid` line) leaves the app exactly as if it had never
// been made. A program that catches the refusal and goes on, adding other teams and retrying the refused team's name
// with fixed props, synthesizes the same bytes (manifests and generated Secrets) as one that never made the call.
// Each case below is refused after the first change today's Team made (a Namespace, the team's construct, a build
// namespace, a route, a Harbor project or robot), on Drone and on Woodpecker.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import {
  DeployPermission, DroneCi, DroneKubeRunnerProps, LocalSecretStore, PipelineEvent, RobotPermission, SecretValue, synthesize, TeamMember, TeamPlatformProps, TeamProps,
} from '../../lib';
import { Engine, platform, Platform } from './fixtures';

/** Every file `synthesize` writes for `app`, by path, its generated Secrets drawn from (or saved to) `statePath`. */
function output(app: App, statePath: string): Record<string, string> {
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true); // "generated N new keys"
  try {
    synthesize(app, new LocalSecretStore({ statePath, rotate: [] }));
  } finally {
    stderr.mockRestore();
  }
  const files: Record<string, string> = {};
  const walk = (dir: string) => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) walk(file);
    else files[path.relative(app.outdir, file)] = fs.readFileSync(file, 'utf8');
  });
  walk(app.outdir);
  fs.rmSync(app.outdir, { recursive: true, force: true });
  return files;
}

const ALPHA: TeamProps = { name: 'alpha', repos: ['acme/alpha'] };
const OMEGA: TeamProps = { name: 'omega', repos: ['acme/omega'] };
const WEB: TeamProps = { name: 'web', repos: ['acme/web'] };

/** One refused call, and what both programs do around it. */
interface Case {
  readonly engines: readonly Engine[];
  /** Platform props of both programs. */
  readonly props?: Partial<TeamPlatformProps>;
  /** Whether the platform defines its namespace "ci" (else it exists outside the app). */
  readonly definesCiNamespace?: boolean;
  /** More props of the shared Drone runner. */
  readonly runner?: Partial<DroneKubeRunnerProps>;
  /** What both programs do first. */
  readonly before?: (p: Platform) => void;
  /** The refused call. */
  readonly bad: (p: Platform) => unknown;
  /** The one line it is refused with. */
  readonly error: RegExp;
  /** What both programs do next: by default, add another team and retry the refused team's name with fixed props. */
  readonly after?: (p: Platform) => void;
}

const BOTH: readonly Engine[] = ['drone', 'woodpecker'];
const addAlpha = (p: Platform) => p.teams.addTeam(ALPHA);
/** The Drone engine of a Drone platform, whose runner and secrets extension a program may also use directly. */
const drone = (p: Platform) => p.ci as DroneCi;
const addOmega = (p: Platform) => p.teams.addTeam(OMEGA);
const retryWeb = (p: Platform) => {
  p.teams.addTeam(OMEGA);
  p.teams.addTeam(WEB);
};

const CASES: Record<string, Case> = {
  // TeamQuotaObjects refused it after the app namespace was defined
  'an invalid quota': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ ...WEB, quota: { cpu: '0' } }),
    error: /^invalid quota\.cpu "0": must be a Kubernetes quantity above zero[^\n]*$/,
  },
  // the container defaults are Dockyard's: the quota is named
  'a quota below the default container request': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ ...WEB, quota: { cpu: '50m' } }),
    error: /^invalid quota\.cpu "50m": 50m is below the default container request of 100m \(quota\.containerDefaults\) \(team "web"\)$/,
  },
  // DeployAccess refused it after the namespaces and the build namespace were added
  'no deploy permissions': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ ...WEB, deployPermissions: [] }),
    error: /^invalid deployPermissions \[\]: must grant at least one permission \(team "web"\)$/,
  },
  // a team's route takes the default events, none of which the shared runner (and so a dedicated one) runs: every
  // team is refused, on the shared runner or on a dedicated one
  'runners whose limitEvents run none of a route\'s events (shared)': {
    engines: ['drone'], runner: { limitEvents: [PipelineEvent.PULL_REQUEST] }, before: () => undefined, after: () => undefined,
    bad: (p) => p.teams.addTeam(WEB),
    error: /^invalid limitEvents \["pull_request"\]: must include one of the events a team's route runs \(push, tag, promote, rollback, cron, custom\) on the platform's Drone runner \(a team's dedicated runner takes them too\): it would fail every pipeline of team "web"$/,
  },
  'runners whose limitEvents run none of a route\'s events (dedicated)': {
    engines: ['drone'], runner: { limitEvents: [PipelineEvent.PULL_REQUEST] }, before: () => undefined, after: () => undefined,
    bad: (p) => p.teams.addTeam({ ...WEB, dedicatedRunner: true }),
    error: /^invalid limitEvents \["pull_request"\]: must include one of the events a team's route runs \(push, tag, promote, rollback, cron, custom\) on the platform's Drone runner \(a team's dedicated runner takes them too\): it would fail every pipeline of team "web"$/,
  },
  // refused before anything but the team's construct, whose name a retry then found taken
  'deploy permissions that cross the team\'s boundaries': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ ...WEB, deployPermissions: [DeployPermission.manage('', ['resourcequotas'])] }),
    error: /^invalid deployPermissions "\/resourcequotas": must not change [^\n]*$/,
  },
  'member permissions that cross the team\'s boundaries': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ ...WEB, members: [TeamMember.group('oidc:web')], memberPermissions: [DeployPermission.manage('networking.k8s.io', ['networkpolicies'])] }),
    error: /^invalid memberPermissions "networking.k8s.io\/networkpolicies": must not change [^\n]*$/,
  },
  'a member twice, on a dedicated runner': {
    engines: ['drone'], bad: (p) => p.teams.addTeam({ ...WEB, dedicatedRunner: true, members: [TeamMember.user('alice'), TeamMember.user('alice')] }),
    error: /^invalid members \["TeamMember.user\(\\"alice\\"\)","TeamMember.user\(\\"alice\\"\)"\]: must not repeat TeamMember.user\("alice"\) \(team "web"\)$/,
  },
  // the dedicated runner had admitted itself to the Drone server and the secrets extension
  'no deploy permissions, on a dedicated runner': {
    engines: ['drone'], bad: (p) => p.teams.addTeam({ ...WEB, dedicatedRunner: true, deployPermissions: [] }),
    error: /^invalid deployPermissions \[\]: must grant at least one permission \(team "web"\)$/,
    after: (p) => {
      p.teams.addTeam(OMEGA);
      p.teams.addTeam({ ...WEB, dedicatedRunner: true });
    },
  },
  'a dedicated runner on Woodpecker': {
    engines: ['woodpecker'], bad: (p) => p.teams.addTeam({ ...WEB, dedicatedRunner: true }),
    error: /^invalid dedicatedRunner true: must be false on woodpecker[^\n]*$/,
  },
  // DroneKubeRunner's constructor refused it after the app namespace was defined
  'a dedicated runner\'s build namespace in the runner\'s own namespace': {
    engines: ['drone'], definesCiNamespace: false,
    bad: (p) => p.teams.addTeam({ ...WEB, buildNamespace: 'ci', dedicatedRunner: true }),
    error: /^invalid buildNamespace "ci": must differ from the runner's own namespace, so pipelines cannot reach its Secrets \(team "web"\)$/,
    after: (p) => {
      addOmega(p);
      p.teams.addTeam({ ...WEB, dedicatedRunner: true });
    },
  },
  // a dedicated runner's pull-request namespace: refused as its build namespace is, and claimed as every team namespace
  'a dedicated runner\'s pull-request namespace in the runner\'s own namespace': {
    engines: ['drone'], definesCiNamespace: false,
    bad: (p) => p.teams.addTeam({ ...WEB, pullRequestNamespace: 'ci', dedicatedRunner: true }),
    error: /^invalid pullRequestNamespace "ci": must differ from the runner's own namespace, so pipelines cannot reach its Secrets \(team "web"\)$/,
    after: (p) => {
      addOmega(p);
      p.teams.addTeam({ ...WEB, dedicatedRunner: true });
    },
  },
  'a dedicated runner\'s pull-request namespace another team has': {
    engines: ['drone'], bad: (p) => p.teams.addTeam({ ...WEB, pullRequestNamespace: 'alpha-builds', dedicatedRunner: true }),
    error: /^invalid pullRequestNamespace "alpha-builds": must belong to one team: it is already "alpha"'s \(team "web"\)$/,
    after: (p) => {
      addOmega(p);
      p.teams.addTeam({ ...WEB, dedicatedRunner: true });
    },
  },
  'a pull-request namespace without a dedicated runner': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ ...WEB, pullRequestNamespace: 'web-prs' }),
    error: /^invalid pullRequestNamespace "web-prs": must be set only with dedicatedRunner: true: [^\n]* \(team "web"\)$/,
  },
  // WoodpeckerCi.addRoute refused it after the first route agent was defined (a constructs error, not one line)
  'two repositories that differ only in case on Woodpecker': {
    engines: ['woodpecker'], bad: (p) => p.teams.addTeam({ ...WEB, repos: ['acme/Web', 'acme/web'] }),
    error: /^invalid repos \["acme\/Web","acme\/web"\]: "acme\/web" must not name another of the route's repositories in another case[^\n]*$/,
  },
  // WoodpeckerCi.addRoute refused them after the build namespace was added
  'repository globs on Woodpecker': {
    engines: ['woodpecker'], bad: (p) => p.teams.addTeam({ ...WEB, repos: ['acme/web-*'] }),
    error: /^invalid repos \["acme\/web-\*"\]: "acme\/web-\*" must be an exact "owner\/name" slug[^\n]*$/,
  },
  'a name too long for Woodpecker\'s route agents': {
    engines: ['woodpecker'], bad: (p) => p.teams.addTeam({ name: 'a-team-name-too-long-for-it', repos: ['acme/long'] }),
    error: /^invalid name "a-team-name-too-long-for-it": must be a team name: at most 25 lower-case letters, [^\n]*, and names its woodpecker route's agents\) \(team "a-team-name-too-long-for-it"\)$/,
  },
  // WoodpeckerCi.addPipelineSecret refused it after the route and the Harbor project and robots
  'a name Woodpecker\'s backend keeps for its own Secrets': {
    engines: ['woodpecker'], bad: (p) => p.teams.addTeam({ name: 'wp-web', repos: ['acme/wp-web'] }),
    error: /^invalid name "wp-web-harbor-push": must not start with "wp-"[^\n]*$/,
  },
  // the engine refused the team's own pipeline secret after the route and the Harbor project and robots (a team's
  // own secret of that name is refused where it is added: Team.addPipelineSecret)
  'a pipeline secret name the platform took': {
    engines: BOTH,
    before: (p) => {
      addAlpha(p);
      // on Woodpecker a pipeline secret lives in a route's namespace
      p.ci.addBuildNamespace('shop');
      p.ci.addRoute({ name: 'shop', repos: ['acme/shop'], namespace: 'shop' });
      p.ci.addPipelineSecret('Web', { name: 'shop-web-harbor-push', repos: ['acme/shop'], values: { token: SecretValue.hex(16) } });
    },
    bad: (p) => p.teams.addTeam({ name: 'shop-web', repos: ['acme/shop-web'] }),
    error: /^invalid name "shop-web-harbor-push": must be unique among the [^\n]*$/,
  },
  // DroneKubeRunner.addPolicy refused these after the team's build namespace was added
  'a name the runner keeps for its guard policy': {
    engines: ['drone'], bad: (p) => p.teams.addTeam({ name: 'other-events', repos: ['acme/other-events'] }),
    error: /^invalid name "other-events": must be unique among the runner's policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies \(team "other-events"\)$/,
  },
  'a name the runner applies to unmatched pipelines': {
    engines: ['drone'], bad: (p) => p.teams.addTeam({ name: 'default', repos: ['acme/default'], namespaces: ['default-apps'] }),
    error: /^invalid name "default": must not be "default": the runner applies a policy of that name to every pipeline no other policy matches \(team "default"\)$/,
  },
  // the same, on a team's dedicated runner: its first policy, which that runner's addPolicy refused after the runner
  // and its build namespace were defined
  'a dedicated runner\'s guard policy name': {
    engines: ['drone'], bad: (p) => p.teams.addTeam({ name: 'other-events', repos: ['acme/other-events'], dedicatedRunner: true }),
    error: /^invalid name "other-events": must be unique among the runner's policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies \(team "other-events"\)$/,
  },
  'a dedicated runner\'s default policy name': {
    engines: ['drone'], bad: (p) => p.teams.addTeam({ name: 'default', repos: ['acme/default'], namespaces: ['default-apps'], dedicatedRunner: true }),
    error: /^invalid name "default": must not be "default": the runner applies a policy of that name to every pipeline no other policy matches \(team "default"\)$/,
  },
  'a repository pattern a dedicated runner matches otherwise than the secrets extension': {
    engines: ['drone'], bad: (p) => p.teams.addTeam({ ...WEB, repos: ['acme/web***'], dedicatedRunner: true }),
    error: /^invalid repos \["acme\/web\*\*\*"\]: "acme\/web\*\*\*" must not have a part that is "\*\*"[^\n]*$/,
  },
  'a policy name taken by a policy added to the runner directly': {
    engines: ['drone'],
    before: (p) => {
      addAlpha(p);
      drone(p).runner.addPolicy({ name: 'web', repos: ['acme/legacy'], exclusive: false });
    },
    bad: (p) => p.teams.addTeam(WEB),
    error: /^invalid name "web": must be unique among the runner's policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies \(team "web"\)$/,
    after: addOmega,
  },
  // DroneSecretsExtension.addSecret refused these after the route and the Harbor project and robots
  'a secret name taken by a secret added to the secrets extension directly': {
    engines: ['drone'],
    before: (p) => {
      addAlpha(p);
      drone(p).secretsExtension.addSecret('Legacy', { name: 'web-harbor-push', repos: ['acme/legacy'], values: { token: SecretValue.hex(16) } });
    },
    bad: (p) => p.teams.addTeam(WEB),
    error: /^invalid name "web-harbor-push": must be unique among the pipeline secrets of this extension \(team "web"\)$/,
    after: addOmega,
  },
  'a secret name taken by an existing Secret the secrets extension reads': {
    engines: ['drone'],
    before: (p) => {
      addAlpha(p);
      drone(p).secretsExtension.addExistingSecret('web-harbor-pull');
    },
    bad: (p) => p.teams.addTeam(WEB),
    error: /^invalid name "web-harbor-pull": must be unique among the pipeline secrets of this extension \(team "web"\)$/,
    after: addOmega,
  },
  // the platform refused it before anything was defined: the engine builds there (create: false), so it is no namespace
  // of the team's own
  'a build namespace the engine has already': {
    engines: BOTH,
    before: (p) => {
      p.ci.addBuildNamespace('shared-builds', { create: false });
      addAlpha(p);
    },
    bad: (p) => p.teams.addTeam({ ...WEB, buildNamespace: 'shared-builds' }),
    error: /^invalid buildNamespace "shared-builds": must be a namespace of the team's own: platform\/(Runner|Ci\/Builds) builds in it already, so other repositories' pipelines could run there \(team "web"\)$/,
  },
  // Harbor refused these after the namespaces, the build namespace and the route
  'a Harbor project name taken': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ name: 'dockerhub', repos: ['acme/dockerhub'] }),
    error: /^invalid name "dockerhub": must be unique among the projects of this Harbor[^\n]*$/,
  },
  // Harbor's own library (Harbor.declareLibrary alone declares it): a team named so would take over the project every
  // Harbor makes public at its first start, shared with everyone
  'Harbor\'s own library as a team\'s project': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ name: 'library', repos: ['acme/library'] }),
    error: /^invalid name "library": is Harbor's own project, which Harbor creates public: give the project or team another name, or take Harbor's over with declareLibrary \(team "library"\)$/,
  },
  'a Harbor robot name taken': {
    engines: BOTH,
    before: (p) => {
      addAlpha(p);
      p.harbor.addRobot('web-push', { permissions: [RobotPermission.pull('library')] });
    },
    bad: (p) => p.teams.addTeam(WEB),
    error: /^invalid name "web-push": must be unique among the robots of this Harbor \(team "web"\)$/,
    after: addOmega,
  },
  'a name Harbor does not allow': {
    engines: BOTH, bad: (p) => p.teams.addTeam({ name: 'web--app', repos: ['acme/web-app'] }),
    error: /^invalid name "web--app": must be lower-case letters and digits, separated by single "\.", "_" or "-" \(team "web--app"\)$/,
  },
  // Harbor refused the pull robot after the project and the push robot; the program declares the project and retries
  'a shared project Harbor does not have yet': {
    engines: BOTH, props: { sharedProjects: ['tools'] }, before: () => undefined,
    bad: (p) => p.teams.addTeam(WEB),
    error: /^invalid sharedProjects "tools": must name "library" or a project added to this Harbor with addProject or addProxyCache before addTeam \(team "web"\)$/,
    after: (p) => {
      p.harbor.addProject('tools');
      addAlpha(p);
      retryWeb(p);
    },
  },
};

describe('a refused addTeam leaves the app as it was', () => {
  const runs = Object.entries(CASES).flatMap(([what, c]) => c.engines.map((engine) => [what, engine, c] as const));
  // one secret state per engine, for both programs of every case: equal Secrets get equal values, and the platform's
  // keys (an RSA key among them) are made once
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-atomic-state-'));
  afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  test.each(runs)('%s (%s)', (_what, engine, c) => {
    const program = (refused: boolean) => {
      // an output directory of its own, which `output` reads and removes
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-atomic-'));
      const p = platform(c.props, { engine, definesCiNamespace: c.definesCiNamespace, outdir, runner: c.runner });
      (c.before ?? addAlpha)(p);
      if (refused) {
        expect(() => c.bad(p)).toThrow(c.error);
      }
      (c.after ?? retryWeb)(p);
      return p.app;
    };
    const statePath = path.join(stateDir, `${engine}.json`);
    const withRefusal = output(program(true), statePath);
    const without = output(program(false), statePath);
    expect(Object.keys(withRefusal).sort()).toEqual(Object.keys(without).sort());
    for (const file of Object.keys(without)) {
      expect([file, withRefusal[file]]).toEqual([file, without[file]]);
    }
  });
});
