import { IConstruct } from 'constructs';
import { describeValue, isDnsLabel } from '../core';
import { NameOwner, namesRecorded, ownersRecordedUnder, recordNames } from '../core/left-names';
import { outputIn, PreviousOutput, previousOutput, underStackMark } from '../core/previous-output';
import { onDeclaredFor, secretOfStateKey, SecretRecordView } from '../core/secret-record-review';
import { warnOnce } from '../core/warn';
import { isHarborName } from '../core/validation';
import { compare, fewOf } from '../core/text';
import type { Harbor } from './harbor';

// A robot that leaves the code (renamed, removed) stays in Harbor with its permissions and a secret that never
// expires: the configuration Jobs delete only what `retireRobot` names, and a misspelt name deletes nothing. Nothing
// refuses either; only the secret state tells which robots a Harbor declared before, so each synth of the state
// reviews it here (`onSecretRecord`). Under the DigitalOcean Pulumi program there is no secret state (the robots'
// secrets are the stack's): its mark (lib/pulumi/previous-mark.ts) lists the robots' names instead, never their
// secrets, and the next update warns of one dropped with the same words (`watchLeftRobotsOfStack`).
//
// A team's pair `<x>-push` and `<x>-pull` is the TeamPlatform's to warn of, naming the team and retireTeam. Which
// pairs are a team's the state records (`declaredFor`, `recordRobotsDeclaredFor`): the default stack and the teams
// example share one state on purpose, and the default stack must not warn of the example's teams, while a stack
// without TeamPlatform that drops a pair of its own must be warned. A key that no synth of this release declared has
// no record (a state of an earlier release, or another stack's robot not synthesized since): it is read as perhaps a
// team's, as before, for a warning of another stack's robots would ask for a retireRobot that deletes them. A stack
// whose whole TeamPlatform left the code has no platform to warn: Harbor warns of a team's pair itself when no
// TeamPlatform of it lists its teams in the app and this stack had the team, as only its own output tells (another
// stack's never held it): its previous output held both robots' Secrets, or its mark lists the team as left unretired
// (`teamsLeftOwner`), which each synth writes of the teams it warned of, the platform's or Harbor's, so that a team
// dropped before its platform, and every later synth without the platform, are warned of too. The state's
// declaredFor is left as it is. Two stacks on one state with TeamPlatforms on the same Harbor leave each other's
// teams alone: a team another output made from the state holds, or lists as left, is that stack's
// (`anotherStackOfTeam`), so a team moved between them is not warned of by its old stack, nor its Harbor project
// (lib/harbor/left-projects.ts asks the same rule, `projectOfAnotherStacksTeam`); a robot of the Harbor's own whose
// Secret another output holds is that stack's too (`robotOfAnotherStack`).

/**
 * What a TeamPlatform of `harbor` lists its teams under in the mark (lib/team/left-teams.ts), without the platform's
 * path: `harbor-team <namespace>/`. Written and read here alone.
 */
function teamsOwnerPrefix(harbor: Harbor): string {
  return `${TEAMS_OWNER}${harbor.namespace}/`;
}

/** What every TeamPlatform lists its teams under in the mark, before its Harbor's namespace (`teamsOwnerPrefix`). */
const TEAMS_OWNER = 'harbor-team ';

/**
 * The teams any TeamPlatform, of any Harbor, lists in `previous`'s mark (`teamsOwner`), sorted: read where no Harbor
 * is built yet: the DigitalOcean program reads them before it builds its charts, as a stack whose last team was
 * taken out of `teams` without `retiredTeams` still had teams (`DigitalOceanChartsConfig.markedTeams`).
 */
export function teamsOfAnyHarbor(previous: PreviousOutput): string[] {
  return [...new Set(previous.ownersUnder(TEAMS_OWNER).flatMap((owner) => previous.namesOf(owner)))].sort();
}

/** The owner (`NameOwner.owner`) TeamPlatform `platform` of `harbor` lists its teams under in the mark: `harbor-team <namespace>/<platform's path>`. */
export function teamsOwner(harbor: Harbor, platform: IConstruct): string {
  return `${teamsOwnerPrefix(harbor)}${platform.node.path}`;
}

/** The paths of the TeamPlatforms of `harbor` in its app (each lists its teams under `teamsOwner`), in the order made. */
export function teamPlatformsOf(harbor: Harbor): string[] {
  const prefix = teamsOwnerPrefix(harbor);
  return ownersRecordedUnder(harbor, prefix).map((owner) => owner.slice(prefix.length));
}

/**
 * The owner under which a synth's mark lists the teams of `harbor` (named `name`) it warned of as left unretired, by
 * a TeamPlatform or by Harbor itself (`noteTeamsLeft`), for the next synth of the stack: `harbor-left-team <namespace>/<name>`.
 */
function teamsLeftOwner(harbor: Harbor, name: string): string {
  return `${teamsLeftOwnerPrefix(harbor)}${name}`;
}

/** What `teamsLeftOwner` starts with for every Harbor in `harbor`'s namespace, whatever its name: `harbor-left-team <namespace>/`. */
function teamsLeftOwnerPrefix(harbor: Harbor): string {
  return `harbor-left-team ${harbor.namespace}/`;
}

/** Whether `output` held the Secret of robot `robot` of `harbor`: the stack that wrote it declared the robot then. */
function heldRobot(harbor: Harbor, output: PreviousOutput, robot: string): boolean {
  return output.secrets.has(secretOfStateKey(harbor._robotRecord(robot).stateKey));
}

/** Whether `output` held both robots' Secrets of team `team` of `harbor`: the stack that wrote it had the team then. */
function heldTeam(harbor: Harbor, output: PreviousOutput, team: string): boolean {
  return pairOf(team).every((robot) => heldRobot(harbor, output, robot));
}

/** Per view of the state: the other outputs made from it (`SecretRecordView.otherOutputs`), each mark read once for every review that asks. */
const otherOutputsRead = new WeakMap<SecretRecordView, readonly { dir: string; output: PreviousOutput }[]>();

/**
 * The other outputs made from the secret state, each directory with what its mark tells, read when first asked in a
 * synth's reviews.
 */
function otherOutputs(view: SecretRecordView): readonly { dir: string; output: PreviousOutput }[] {
  let read = otherOutputsRead.get(view);
  if (read === undefined) {
    read = view.otherOutputs.map((dir) => ({ dir, output: outputIn(dir) }));
    otherOutputsRead.set(view, read);
  }
  return read;
}

/**
 * The output directory of another stack that has team `team` of `harbor`, if one does: another output made from the
 * secret state (`SecretRecordView.otherOutputs`, another stack on the same state with the same Harbor) held both its
 * robots' Secrets at its stack's last synth, which onboards it (a team moved there), or its mark lists the team as
 * left unretired (`teamsLeftOwner`), which that stack warns of at each synth. The first such directory, in the
 * state's order. An output's mark is read once, when a team first asks. That stack's TeamPlatform, or its Harbor,
 * warns of the team when it leaves there; this one, which could call only a retireTeam that deletes robots the other
 * stack uses, does not.
 */
export function anotherStackOfTeam(harbor: Harbor, view: SecretRecordView): (team: string) => string | undefined {
  let others: { dir: string; output: PreviousOutput; left: ReadonlySet<string> }[] | undefined;
  const prefix = teamsLeftOwnerPrefix(harbor);
  return (team) => (others ??= otherOutputs(view).map(({ dir, output }) =>
    ({ dir, output, left: new Set(output.ownersUnder(prefix).flatMap((owner) => output.namesOf(owner))) })))
    .find(({ output, left }) => left.has(team) || heldTeam(harbor, output, team))?.dir;
}

/** Per Harbor: the teams already told of as had by another output (`noteTeamsElsewhere`), so each is told of once however many reviews note it. */
const toldElsewhere = new WeakMap<Harbor, Set<string>>();

/**
 * Tell, once, of the teams of `harbor` in `elsewhere` (each team with the output directory that has it), which this
 * stack's previous output had (both robots' Secrets, or the team in its list of left teams, `teamsLeftOwner`) and which
 * the output directory of another synth from the same state has now (`anotherStackOfTeam`), so that no synth of this
 * stack warns of them: a team moved to another stack is that stack's, but a directory of a stack that is gone, or this
 * stack's own earlier output directory (CDK8S_OUTDIR changed), would keep its teams quiet everywhere while it holds
 * Secrets made from the state. One line per directory, naming its teams (sorted, the first few and how many more,
 * `fewOf`): a stack whose output directory moved and that then drops a thousand teams gets one line, not a thousand.
 * Each review that finds such teams (a TeamPlatform's, Harbor's platformless one) tells of them here; a team another
 * review told of in this app already is left out. The next synth, whose previous output no longer has the teams, says
 * nothing.
 */
export function noteTeamsElsewhere(harbor: Harbor, elsewhere: ReadonlyMap<string, string>): void {
  const previous = previousOutput(harbor);
  const listedLeft = new Set(previous.ownersUnder(teamsLeftOwnerPrefix(harbor)).flatMap((owner) => previous.namesOf(owner)));
  const told = toldElsewhere.get(harbor) ?? new Set<string>();
  toldElsewhere.set(harbor, told);
  const byDir = new Map<string, string[]>();
  for (const [team, dir] of elsewhere) {
    if (told.has(team) || !(listedLeft.has(team) || heldTeam(harbor, previous, team))) continue;
    told.add(team);
    byDir.set(dir, [...byDir.get(dir) ?? [], team]);
  }
  for (const dir of [...byDir.keys()].sort(compare)) {
    const teams = byDir.get(dir)!.sort(compare);
    const one = teams.length === 1;
    const robots = one ? `robot$${teams[0]}-push and robot$${teams[0]}-pull of team ${describeValue(teams[0])}`
      : `robot$<team>-push and robot$<team>-pull of ${teams.length} teams (${fewOf(teams.map((t) => describeValue(t)))})`;
    warnOnce(harbor, `Harbor robots ${robots}, which the previous output of this stack had, are no longer declared here, and the output ` +
      `directory ${dir}, which another synth made from this secret state, has ${one ? 'the team' : 'the teams'}: its stack warns of them when ` +
      `${one ? 'the' : 'a'} team leaves there, so this one does not; if that directory is of a stack that is gone, or an earlier output ` +
      `directory of this stack (CDK8S_OUTDIR or outdir changed), delete it, and the next synth warns of ${one ? 'the' : 'each'} team until it is retired`);
  }
}

/**
 * Whether robot `robot` of `harbor`, which this synth neither declares nor retires, is another stack's: another output
 * made from the secret state held its Secret at its stack's last synth, which declared it (a robot of that stack's
 * own, or one moved there). The same outputs as `anotherStackOfTeam`'s; a mark lists no robot left (a synth's state
 * tells them), so once that stack drops the robot, both stacks warn of it.
 */
export function robotOfAnotherStack(harbor: Harbor, view: SecretRecordView): (robot: string) => boolean {
  return (robot) => otherOutputs(view).some(({ output }) => heldRobot(harbor, output, robot));
}

/**
 * Per Harbor: the rule its review of this synth's secret state found (`anotherStackOfTeam`), with the previous output
 * of the synth it was found in (`previousOutput`), so a later synth without a review (a new state) asks none.
 */
const anotherStacksRule = new WeakMap<Harbor, { previous: PreviousOutput; ofAnotherStack: (team: string) => boolean }>();

/**
 * Whether `project` of `harbor` is the project of a team another stack on the secret state has (`anotherStackOfTeam`),
 * as Harbor's review of this synth's state found, which runs before the output's mark is written and its lists warned
 * of (lib/harbor/left-projects.ts): a team moved there, whose project that stack declares now, or which that stack
 * warns of as left itself. False outside a synth that reviewed the state (a new state, a Pulumi stack's mark) and for
 * a name no team could have.
 */
export function projectOfAnotherStacksTeam(harbor: Harbor, project: string): boolean {
  const found = anotherStacksRule.get(harbor);
  return found !== undefined && found.previous === previousOutput(harbor) && isDnsLabel(project) && found.ofAnotherStack(project);
}

/** The teams of each Harbor warned of as left unretired in this synth, by each review that warned (`noteTeamsLeft`). */
const teamsLeftNow = new WeakMap<Harbor, Map<IConstruct, ReadonlySet<string>>>();

/**
 * Note the teams whose robots on `harbor` the review of `reviewer` (a TeamPlatform, or `harbor` itself) warns of in
 * this synth as left unretired, for the output's mark (`recordTeamsLeft`); each review notes all of its own, none too.
 */
export function noteTeamsLeft(harbor: Harbor, reviewer: IConstruct, teams: Iterable<string>): void {
  const byReviewer = teamsLeftNow.get(harbor) ?? new Map<IConstruct, ReadonlySet<string>>();
  byReviewer.set(reviewer, new Set(teams));
  teamsLeftNow.set(harbor, byReviewer);
}

/** The teams of `harbor` warned of as left unretired in this synth (`noteTeamsLeft`), by any review. */
function teamsLeft(harbor: Harbor): Set<string> {
  return new Set([...teamsLeftNow.get(harbor)?.values() ?? []].flatMap((teams) => [...teams]));
}

/**
 * Whether `harbor` warns in this synth of team `team`'s robots as left with their TeamPlatform (`reviewLeftRobots`,
 * run before the mark's lists are read): the stack had the team, and has no `retireTeam` to call for it.
 */
export function teamLeftWithPlatform(harbor: Harbor, team: string): boolean {
  return teamsLeftNow.get(harbor)?.get(harbor)?.has(team) ?? false;
}

/**
 * Have the output's mark list the teams of `harbor` (named `name`) warned of as left unretired (`noteTeamsLeft`), so
 * that the next synth warns of them without their TeamPlatform too: nothing else is written, and a Pulumi stack's
 * mark, whose run reviews no secret state, lists none.
 */
export function recordTeamsLeft(harbor: Harbor, name: string): void {
  recordNames(harbor, { owner: teamsLeftOwner(harbor, name), declared: () => teamsLeft(harbor), retired: () => new Set(), accepts: isDnsLabel });
}

/**
 * The teams the previous output's mark lists under a TeamPlatform of `harbor` (`teamsOwner`) that lists its teams
 * now (`namesRecorded`), which warns of those it neither onboards nor retires.
 */
function teamsListedBefore(harbor: Harbor): Set<string> {
  const previous = previousOutput(harbor);
  return new Set(previous.ownersUnder(teamsOwnerPrefix(harbor)).filter((owner) => namesRecorded(harbor, owner)).flatMap((owner) => previous.namesOf(owner)));
}

/** `SecretRecordView.declaredFor` of a robot a TeamPlatform's team declared. */
const ROBOT_FOR_TEAM = 'team';
/** `SecretRecordView.declaredFor` of a robot of the Harbor's own (`addRobot` outside a team). */
const ROBOT_OF_HARBOR = 'harbor';

/**
 * Have each synth record in the secret state what each robot `harbor` declares (`declared`) is for: a team's (in
 * `forTeams`), or the Harbor's own.
 */
export function recordRobotsDeclaredFor(harbor: Harbor, declared: ReadonlySet<string>, forTeams: ReadonlySet<string>): void {
  onDeclaredFor(harbor, () => [...declared].map((name): [string, string] =>
    [harbor._robotRecord(name).stateKey, forTeams.has(name) ? ROBOT_FOR_TEAM : ROBOT_OF_HARBOR]));
}

/** Whether the state records robot `name` of `harbor` as the Harbor's own, never a team's: Harbor, not a TeamPlatform, warns of it. */
export function recordedAsHarbors(harbor: Harbor, view: SecretRecordView, name: string): boolean {
  return view.declaredFor[harbor._robotRecord(name).stateKey] === ROBOT_OF_HARBOR;
}

/**
 * The warning of team `team`'s robots, declared by `harbor`, that no TeamPlatform onboards or retires: `known` says
 * how they are known, `but` who has the team no more, `after` is what the warning adds to the robots' secrets (what
 * else stays open), `retire` how to retire the team where the warning is read.
 */
export function leftTeamWarning(harbor: Harbor, team: string, but: string, known: string, after: string,
  retire: string = `call retireTeam(${describeValue(team)})`): string {
  return `team ${describeValue(team)}'s Harbor robots robot$${team}-push and robot$${team}-pull ${known}, ` +
    `declared by ${harbor.node.path}, but ${but}: the robots keep ` +
    `their permissions and secrets, which never expire${after}; if the team left, ${retire}`;
}

/**
 * Warn, once per robot, of each robot on record in the secret state as declared by `harbor` (its secret's key,
 * declared by the path `addRobot` gives it below `harbor`) that `harbor` now neither declares nor retires.
 *
 * A pair `<x>-push` and `<x>-pull` that left together is a team's, or may be one: TeamPlatform warns of it itself,
 * naming the team and `retireTeam`, and a stack without the teams on the same state (the default stack beside the
 * teams example) must not warn of every team it does not have. A pair the state records as this Harbor's own
 * (`ROBOT_OF_HARBOR`) is warned of here, and a team's when no TeamPlatform of `harbor` (named `name`) is in the app
 * and this stack's output had the team (its Secrets, or the mark's list of left teams, `teamsLeftOwner`).
 */
export function reviewLeftRobots(harbor: Harbor, name: string, view: SecretRecordView): void {
  const left: string[] = [];
  // a team's pair whose TeamPlatform left the code, teams and all: no TeamPlatform of this Harbor reviews the state
  // (none lists its teams in this app), and this stack's own previous output held both robots' Secrets, or its mark
  // lists the team as left unretired (another stack on the state, the default stack beside the teams example, writes
  // an output of its own, which never held them)
  const platformless = teamPlatformsOf(harbor).length === 0;
  const elsewhere = anotherStackOfTeam(harbor, view);
  const robotElsewhere = robotOfAnotherStack(harbor, view);
  // the same rule for the projects of such teams, which the output's mark lists and warns of after this review
  anotherStacksRule.set(harbor, { previous: previousOutput(harbor), ofAnotherStack: (team) => elsewhere(team) !== undefined });
  const warnedBefore = new Set(previousOutput(harbor).namesOf(teamsLeftOwner(harbor, name)));
  const leftTeams: string[] = [];
  const teamsElsewhere = new Map<string, string>();
  for (const [key, path] of Object.entries(view.declaredBy)) {
    const robot = harbor._robotDeclaredAt(path);
    // the key must be where this Harbor keeps that robot's secret: a Harbor at the same path in another namespace
    // (another stack's) keeps its robots elsewhere
    const record = robot === undefined ? undefined : harbor._robotRecord(robot);
    if (robot === undefined || record?.stateKey !== key) {
      continue;
    }
    // retired by an earlier synth, whose secret the state dropped then: the call may go once no Harbor has the robot
    if (record.declared || record.retired || view.retiredBefore.has(key)) {
      continue;
    }
    const team = robot.endsWith('-push') ? robot.slice(0, -'-push'.length) : undefined;
    if (!teamPairLeft(harbor, view, robot)) {
      // a robot another stack on the state declares (its own, or moved there) is that stack's: retireRobot here would
      // delete it from under that stack
      if (!robotElsewhere(robot)) left.push(robot);
    } else if (platformless && team !== undefined
      && (warnedBefore.has(team) || heldTeam(harbor, previousOutput(harbor), team))) {
      const there = elsewhere(team);
      if (there === undefined) leftTeams.push(team);
      else teamsElsewhere.set(team, there);
    }
  }
  noteTeamsElsewhere(harbor, teamsElsewhere);
  noteTeamsLeft(harbor, harbor, leftTeams);
  // a retired name of which the state holds no secret: misspelt, it retires nothing (a team's pair is TeamPlatform's
  // to warn of, as its retireTeam retires both)
  for (const robot of [...harbor.retiredRobots].sort()) {
    if (!view.onRecord.has(harbor._robotRecord(robot).stateKey) && !harbor._mayBeAbsent(robot) && !teamPairRetiredUnknown(harbor, view, robot)) {
      warnOnce(harbor, `retireRobot(${JSON.stringify(robot)}) of ${harbor.node.path} names a robot of which the secret state holds no secret: if the ` +
        'name is misspelt, it retires nothing and the real robot keeps its permissions and secret in Harbor; check it against addRobot\'s (if ' +
        'this state never held the robot, a new environment\'s or one made by hand in Harbor, or you deleted its entries, ignore this)');
    }
  }
  for (const team of leftTeams.sort()) {
    const but = 'this synth has no TeamPlatform on that Harbor to onboard the team (addTeam) or retire it (retireTeam), and the previous output ' +
      'had the team (its robots\' Secrets, or the team in its list of left teams), so its TeamPlatform left the code without retiring it';
    const after = ' (the output\'s mark lists the team, so each synth of this stack warns of it until both are retired)';
    warnOnce(harbor, leftTeamWarning(harbor, team, but, 'are on record in the secret state', after, `call ${retireTeamRobotsCalls(team)}, and the ` +
      `configuration Jobs delete them once applied (as a TeamPlatform's retireTeam(${describeValue(team)}) would); if another stack on this state ` +
      'onboards the team now, ignore this (its TeamPlatform retires them when the team leaves)'));
  }
  // in name order, whatever order the state lists its keys in
  for (const robot of left.sort()) {
    warnOnce(harbor, `${leftRobotWarning(harbor, robot, 'is on record in the secret state, but this synth')}; if it is a robot of another ` +
      'stack on this state, ignore this (and retire it there with retireRobot when it goes)');
  }
}

/** The warning of robot `name` of `harbor` that the code neither declares nor retires, `known` telling how it is known. */
function leftRobotWarning(harbor: Harbor, name: string, known: string): string {
  return `Harbor robot robot$${name} of ${harbor.node.path} ${known} neither declares it (addRobot) nor retires it (retireRobot): it keeps ` +
    'its permissions in Harbor, and its secret, which never expires; if it ' +
    `went (renamed or removed), call harbor.retireRobot(${JSON.stringify(name)}) and the configuration Jobs delete it once applied`;
}

/**
 * Under a Pulumi stack's mark (`underStackMark`), which a synth never reads: list the robots `harbor` (named `name`)
 * declares in the mark, and warn of one an earlier update declared that it neither declares nor retires now, as a
 * synth warns from the secret state (`reviewLeftRobots`). A pair `<x>-push` and `<x>-pull` that left together is let
 * go when the earlier update's mark lists team `<x>` under a TeamPlatform that lists its teams now: it warns of the
 * team itself (lib/team/left-teams.ts). A mark lists the teams since it lists the robots (7170f7e). Nothing is listed
 * in a synth's mark, whose secret state already tells it (and keeps telling it from a fresh clone).
 */
export function watchLeftRobotsOfStack(harbor: Harbor, name: string, declared: ReadonlySet<string>): void {
  const owner = `harbor-robot ${harbor.namespace}/${name}`;
  const robots: NameOwner = {
    owner,
    declared: () => underStackMark(harbor) ? declared : new Set(),
    retired: () => {
      const retired = new Set(harbor.retiredRobots);
      const listed = new Set(previousOutput(harbor).namesOf(owner));
      const gone = (robot: string) => listed.has(robot) && !declared.has(robot) && !retired.has(robot);
      // a team the earlier update's mark lists under a TeamPlatform that lists its teams now, which warns of it
      const listedTeams = teamsListedBefore(harbor);
      const pairs = [...listed].map((robot) => /^(.+)-push$/.exec(robot)?.[1]).filter((team): team is string =>
        team !== undefined && isDnsLabel(team) && listedTeams.has(team) && gone(`${team}-push`) && gone(`${team}-pull`));
      return new Set([...retired, ...pairs.flatMap((team) => [`${team}-push`, `${team}-pull`])]);
    },
    accepts: isHarborName,
    warning: (robot) => leftRobotWarning(harbor, robot, 'was declared by an earlier update (the stack output dockyardMark), but this one'),
  };
  recordNames(harbor, robots);
}

/**
 * Whether robot `name` is half of a pair `<x>-push` and `<x>-pull` that both left as TeamPlatform's review finds a
 * team's robots left (lib/team/team-platform.ts, `reviewRetirements`): each on record as declared by `harbor`,
 * neither declared by this synth, nor retired, nor recorded as the Harbor's own.
 */
function teamPairLeft(harbor: Harbor, view: SecretRecordView, name: string): boolean {
  return teamPairOf(harbor, name)?.every((r) => view.declaredBy[r.stateKey] === r.declaredBy && !view.declared.has(r.stateKey) && !r.retired
    && !view.retiredBefore.has(r.stateKey) && view.declaredFor[r.stateKey] !== ROBOT_OF_HARBOR) ?? false;
}

/**
 * Whether robot `name` is half of a pair `<x>-push` and `<x>-pull` that `TeamPlatform.retireTeam` retired
 * (`retiredForTeam`), both unknown to the state: TeamPlatform warns of a misspelt team itself. A pair retired with
 * `retireRobot` alone (a stack without TeamPlatform retiring a team's robots by hand) has no platform to warn of it.
 */
function teamPairRetiredUnknown(harbor: Harbor, view: SecretRecordView, name: string): boolean {
  return teamPairOf(harbor, name)?.every((r) => r.retired && r.retiredForTeam && !view.onRecord.has(r.stateKey)) ?? false;
}

/** The records of the pair `<x>-push` and `<x>-pull` that robot `name` is half of, if it is one; `<x>` is any DNS label, as a team's name is. */
function teamPairOf(harbor: Harbor, name: string): ReturnType<Harbor['_robotRecord']>[] | undefined {
  const team = /^(.+)-(?:push|pull)$/.exec(name)?.[1];
  return team === undefined || !isDnsLabel(team) ? undefined : pairOf(team).map((robot) => harbor._robotRecord(robot));
}

/** The calls that retire the robots of team `team` on a Harbor without a TeamPlatform: `harbor.retireRobot("<team>-push") and …-pull`. */
export function retireTeamRobotsCalls(team: string): string {
  return pairOf(team).map((robot) => `harbor.retireRobot(${JSON.stringify(robot)})`).join(' and ');
}

/** The pair of robots named as team `team`'s are (lib/team/team.ts, `teamRobotNames`): `<team>-push` and `<team>-pull`. */
function pairOf(team: string): string[] {
  return [`${team}-push`, `${team}-pull`];
}
