import { IConstruct } from 'constructs';
import { describeValue, Images, invalid } from '../../core';
import { PullAccess } from '../../core/pull-access';
import { CiEngineKind, ICiEngine } from '../engine';
import { checkWithinLimitEvents, PipelineEvent, woodpeckerEvent } from '../events';
import { PipelineGrants, PullSecretGrant, repoMatches, routeMatches, RouteGrant } from '../grants';
import { Pipeline } from './pipeline';
import { compare, notAmong } from '../../core/text';
import { DeployIdentity, DOCKER_CONFIG_VARIABLE, Step } from './step';

/** A step as it renders: checked against the grants, its image relocated, its events those it really runs on. */
export interface PlannedStep {
  /** The step. */
  readonly step: Step;
  /** The image reference to pull, relocated. */
  readonly image: string;
}

/** A pipeline as it renders. */
export interface PlannedPipeline {
  /** The pipeline. */
  readonly pipeline: Pipeline;
  /** The labels that route it to its runner or agent (`ICiEngine.pipelineLabels`). */
  readonly labels: Readonly<Record<string, string>>;
  /** The identity its deploy steps run as, if it has any. */
  readonly identity?: DeployIdentity;
  /** Its steps. */
  readonly steps: readonly PlannedStep[];
}

/**
 * The events a pipeline or step with `events` really runs on under `kind`. Woodpecker has one `deployment` event
 * for both promote and rollback (v3.17.0 `pipeline/frontend/metadata/const.go:27`, `WOODPECKER_EVENTS`), so a
 * Woodpecker pipeline for either runs on both.
 */
export function effectiveEvents(kind: CiEngineKind, events: readonly PipelineEvent[]): PipelineEvent[] {
  const widened = kind === CiEngineKind.WOODPECKER ? events.flatMap((e) => woodpeckerEvent(e).events) : events;
  return Object.values(PipelineEvent).filter((e) => widened.includes(e));
}

const WOODPECKER_DEPLOYMENT_NOTE = ' (Woodpecker runs promote and rollback pipelines alike, on its deployment event)';

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

/**
 * Why a route that matches a repository only in another case does not apply, per engine: both route by the
 * repository's exact spelling (`routeMatches`), while Drone's secrets extension grants in any case (`repoMatches`).
 */
const EXACT_CASE: Readonly<Record<CiEngineKind, string>> = {
  [CiEngineKind.DRONE]: 'Drone runner policies match repositories case-sensitively, where the secrets extension matches any case',
  [CiEngineKind.WOODPECKER]: 'Woodpecker route agents take a repository only by its exact name',
};

/** How a route that matches only in another case was missed: the route meant, and the route that applies instead. */
interface CaseMiss {
  /** The first route whose patterns match the repository ignoring case. */
  readonly meant: RouteGrant;
  /** Its first pattern that matches ignoring case. */
  readonly pattern: string;
  /** The route the engine applies, if any. */
  readonly route?: RouteGrant;
}

/** The route `repo`'s `event` pipelines run under, and the one meant for them if case alone keeps it from applying. */
interface Routing {
  /** The route the engine applies. */
  readonly route?: RouteGrant;
  /** The route meant, when case alone keeps it from applying. */
  readonly miss?: CaseMiss;
}

/**
 * The routing of each event of a repository, looked up once per event, as the engine matches routes and ignoring
 * case: every secret, pull secret and identity of the repository's pipelines is checked against it.
 */
class RoutingOf {
  private readonly byEvent = new Map<PipelineEvent, Routing>();

  public constructor(private readonly grants: PipelineGrants, private readonly repo: string) {}

  public get(event: PipelineEvent): Routing {
    let routing = this.byEvent.get(event);
    if (routing === undefined) {
      const route = this.grants.routesFor(this.repo, event)[0];
      const meant = this.grants.routesIgnoringCase(this.repo, event)[0];
      const pattern = meant?.repos.find((p) => routeMatches(p.toLowerCase(), this.repo.toLowerCase()));
      routing = meant !== undefined && meant !== route && pattern !== undefined ? { route, miss: { meant, pattern, route } } : { route };
      this.byEvent.set(event, routing);
    }
    return routing;
  }
}

/** `; route X matches <repo> only ignoring case ("x"), and <why>…`, for a message that already says what is wrong. */
function caseMissNote(kind: CiEngineKind, repo: string, miss: CaseMiss): string {
  return `; route ${miss.meant.name} matches ${repo} only ignoring case (${describeValue(miss.pattern)}), and ${EXACT_CASE[kind]}: ` +
    'write repositories and their patterns in the forge\'s exact case';
}

/**
 * Refuse a credential (`prop`, `value`) of a pipeline whose route, for one of `events`, is missed by case: its
 * grant reaches the repository in any case, but the pipeline would run under another route, or none.
 */
function refuseCaseMiss(engine: ICiEngine, routing: RoutingOf, repo: string, events: readonly PipelineEvent[], prop: string, value: unknown): void {
  for (const event of events) {
    const { miss } = routing.get(event);
    if (miss) {
      const where = miss.route ? `under route ${miss.route.name} in ${miss.route.namespace}` : `in the default build namespace ${engine.buildNamespace}`;
      invalid(prop, value, `must reach ${repo}'s ${event} pipelines under the route meant for them, not ${where}: route ${miss.meant.name} ` +
        `(namespace ${miss.meant.namespace}) matches ${repo} only ignoring case (${describeValue(miss.pattern)}), and ${EXACT_CASE[engine.kind]}; ` +
        'write repositories and their patterns in the forge\'s exact case');
    }
  }
}

/**
 * Refuse a pull secret (`prop`) that the engine hands out by namespace (`PullSecretGrant.namespaces`, Woodpecker's
 * agents) and that is not where one of `events` of `repo` runs: its route's namespace, or the default build
 * namespace with no route. The agents there list no such pull secret, so the kubelet would pull without it.
 */
function refusePullSecretElsewhere(engine: ICiEngine, routing: RoutingOf, repo: string, events: readonly PipelineEvent[], prop: string,
  grant: PullSecretGrant): void {
  if (grant.namespaces === undefined) {
    return;
  }
  for (const event of events) {
    const { route } = routing.get(event);
    const namespace = route?.namespace ?? engine.buildNamespace;
    if (!grant.namespaces.includes(namespace)) {
      invalid(prop, grant.name, `must be in the namespace where ${repo}'s ${event} pipelines run, ` +
        `${route ? `${namespace} (route ${route.name})` : `the default build namespace ${namespace} (no route)`}: pull secret ${grant.name} is in ` +
        `${list(grant.namespaces)} only, as it goes only where every agent runs repositories and events it is granted to, and only the agents there list it`);
    }
  }
}

function describeRoute(route: RouteGrant | undefined): string {
  return route ? `route ${route.name}` : 'no route';
}

function identityOf(route: RouteGrant): string {
  return `${route.namespace}/${route.serviceAccountName ?? 'default'}`;
}

/** Equal label sets, whatever the order of their keys. */
function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a).sort(compare);
  const kb = Object.keys(b).sort(compare);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/**
 * Check `pipelines` of `repo` against what `engine` grants, and resolve what they render to. Fails on the first
 * mismatch with one line naming the pipeline, the step and what is wrong. Images are resolved at `scope`, where
 * the file is defined, and must come out as the engine's build images do.
 */
export function planPipelines(scope: IConstruct, engine: ICiEngine, repo: string, pipelines: readonly Pipeline[]): PlannedPipeline[] {
  // what the engine places by its routes, pull secrets among them, is in its grants only once it has placed it
  engine.settle?.();
  checkDependencies(repo, pipelines);
  const routing = new RoutingOf(engine.grants, repo);
  return pipelines.map((p) => planPipeline(scope, engine, routing, repo, p));
}

function checkDependencies(repo: string, pipelines: readonly Pipeline[]): void {
  const names = pipelines.map((p) => p.name);
  const byName = new Map(pipelines.map((p) => [p.name, p]));
  for (const p of pipelines) {
    // the first unknown name, as the other checks here refuse the first mismatch; the value shows them all
    const unknown = p.dependsOn.find((d) => !byName.has(d));
    if (unknown !== undefined) {
      invalid(`pipelines.${p.name}.dependsOn`, p.dependsOn, `must name pipelines of ${repo}: ${notAmong(unknown, names)}`);
    }
  }
  // a cycle never runs: each engine waits for a dependency that waits in turn
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (path.includes(name)) {
      const cycle = [...path.slice(path.indexOf(name)), name];
      const first = byName.get(cycle[0])!;
      invalid(`pipelines.${first.name}.dependsOn`, first.dependsOn, `must not form a cycle: ${cycle.join(' -> ')}`);
    }
    if (done.has(name)) return;
    byName.get(name)!.dependsOn.forEach((d) => visit(d, [...path, name]));
    done.add(name);
  };
  names.forEach((n) => visit(n, []));
}

function planPipeline(scope: IConstruct, engine: ICiEngine, routing: RoutingOf, repo: string, pipeline: Pipeline): PlannedPipeline {
  const grants = engine.grants;
  const at = `pipelines.${pipeline.name}`;
  if (pipeline.steps.length === 0) {
    invalid(`${at}.steps`, [], 'must hold at least one step: add them with addStep');
  }

  let pullGrant: PullSecretGrant | undefined;
  if (pipeline.pullSecret !== undefined) {
    const grant = grants.pullSecrets.get(pipeline.pullSecret);
    if (!grant) {
      invalid(`${at}.pullSecret`, pipeline.pullSecret,
        `must name a pull secret the engine declares (addImagePullSecret): ${notAmong(pipeline.pullSecret, grants.pullSecrets.keys())}`);
    }
    if (!grant.repos.some((r) => repoMatches(r, repo))) {
      invalid(`${at}.pullSecret`, pipeline.pullSecret, `must be granted to ${repo}: pull secret ${grant.name} is granted to ${list(grant.repos)}`);
    }
    const missing = pipeline.events.find((e) => !grant.events.includes(e));
    if (missing !== undefined) {
      invalid(`${at}.pullSecret`, pipeline.pullSecret,
        `must be granted for every event of the pipeline: pull secret ${grant.name} is not granted for ${missing} (it is for ${list(grant.events)})`);
    }
    pullGrant = grant;
  }

  // one set of labels per pipeline (Drone's node:, Woodpecker's labels:): every event must route to the same
  const events = effectiveEvents(engine.kind, pipeline.events);
  if (pullGrant !== undefined) {
    // granted in any case, pulled wherever the engine really runs the pipeline
    refuseCaseMiss(engine, routing, repo, events, `${at}.pullSecret`, pullGrant.name);
    refusePullSecretElsewhere(engine, routing, repo, events, `${at}.pullSecret`, pullGrant);
  }
  if (engine.limitEvents !== undefined) {
    checkWithinLimitEvents(`${at}.events`, pipeline.events, events, engine.limitEvents);
  }
  const routes = events.map((e) => ({ event: e, route: routing.get(e).route }));
  const labels = routes.map((r) => ({ ...r, labels: engine.pipelineLabels(r.route) }));
  const other = labels.find((l) => !sameLabels(l.labels, labels[0].labels));
  if (other) {
    const first = labels[0];
    invalid(`${at}.events`, pipeline.events, 'must all run under the same runner labels, as a pipeline names one set: ' +
      `${first.event} runs under ${describeRoute(first.route)} (${describeValue(first.labels)}), ` +
      `${other.event} under ${describeRoute(other.route)} (${describeValue(other.labels)}); split the pipeline by event`);
  }

  refuseBranchesOutsideRoute(at, pipeline, routes);

  const steps = pipeline.steps.map((step) => planStep(scope, engine, routing, repo, pipeline, step));
  const identity = pipeline.steps.find((s) => s.identity)?.identity;
  return { pipeline, labels: labels[0].labels, identity, steps };
}

/**
 * Refuse a pipeline that can run for a branch its route by branch does not take (`RouteGrant.branches`). Its
 * workflow carries the route's label on every branch, and only the route's agents, each requiring one of its
 * branches, have that label (woodpecker v3.17.0 `server/scheduler/filter.go:33-35,51-59`): a build of another branch
 * would wait for an agent until someone cancels it. The pipeline's `when: branch:` matches the same branch the
 * agents require (`pipeline/frontend/yaml/constraint/constraint.go:188-190`, `Curr.Commit.Branch`), so a pipeline
 * limited to the route's branches is skipped on others (`pipeline/frontend/builder/builder.go:141-147`), never queued.
 */
function refuseBranchesOutsideRoute(at: string, pipeline: Pipeline, routes: ReadonlyArray<{ readonly route?: RouteGrant }>): void {
  for (const { route } of routes) {
    const taken = route?.branches;
    if (route === undefined || taken === undefined) continue;
    const outside = pipeline.branches?.find((b) => !taken.includes(b));
    if (pipeline.branches === undefined || outside !== undefined) {
      invalid(`${at}.branches`, pipeline.branches, `must list only branches route ${route.name} takes (${list(taken)}), each exactly, ` +
        `not ${outside === undefined ? 'every branch' : describeValue(outside)}: a build of another branch carries the route's label, ` +
        'which no agent takes, and would wait until cancelled');
    }
  }
}

function planStep(scope: IConstruct, engine: ICiEngine, routing: RoutingOf, repo: string, pipeline: Pipeline, step: Step): PlannedStep {
  const grants = engine.grants;
  const at = `pipelines.${pipeline.name}.steps.${step.name}`;
  const declared = step.events ?? pipeline.events;
  const events = effectiveEvents(engine.kind, declared);
  const note = (missing: PipelineEvent[]) => (missing.some((e) => !declared.includes(e)) ? WOODPECKER_DEPLOYMENT_NOTE : '');

  // the image as the pipeline's file pulls it must be the image as the engine's own build pods would: both are
  // pulled in the same build namespaces, with the same pull secrets, from the same mirror
  const resolved = Images.resolve(scope, step.image);
  const platformImage = Images.resolve(engine, step.image);
  const [image, platform] = [resolved.reference, platformImage.reference];
  if (image !== platform) {
    // only the pinned digest differs: the relocation agrees
    const sameCopy = resolved.registry === platformImage.registry && resolved.repository === platformImage.repository &&
      resolved.tag === platformImage.tag;
    const what = sameCopy
      ? ['pinned to a digest as the engine\'s build images are', 'digests (Images.pinDigests)']
      : ['relocated as the engine relocates its build images', 'relocation'];
    invalid(`${at}.image`, step.image.reference, `must be ${what[0]}: below ${describeValue(engine.node.path)} ` +
      `it becomes ${platform}, where the pipelines are defined ${image}; define RepositoryPipelines below the scope of the engine's ${what[1]}`);
  }

  for (const [env, ref] of Object.entries(step.secrets)) {
    const prop = `${at}.secrets.${env}`;
    const grant = grants.secrets.get(ref.secretName);
    if (!grant) {
      invalid(prop, ref.toString(),
        `must name a pipeline secret the engine declares (addPipelineSecret): ${notAmong(ref.secretName, grants.secrets.keys())}`);
    }
    if (!grant.keys.includes(ref.key)) {
      invalid(prop, ref.toString(), `must name a key of secret ${grant.name}, which holds ${list(grant.keys)}`);
    }
    if (!grant.repos.some((r) => repoMatches(r, repo))) {
      invalid(prop, ref.toString(), `must be granted to ${repo}: secret ${grant.name} is granted to ${list(grant.repos)}`);
    }
    const missing = events.filter((e) => !grant.events.includes(e));
    if (missing.length > 0) {
      invalid(prop, ref.toString(), `must be granted for every event the step runs on: secret ${grant.name} is granted for ` +
        `${list(grant.events)}, not ${missing.join(', ')}${note(missing)}`);
    }
    // granted in any case, handed over wherever the engine really runs the pipeline
    refuseCaseMiss(engine, routing, repo, events, prop, ref.toString());
  }

  if (step.pushTo !== undefined) {
    // a push the registry refuses fails the step on every run, after the whole build: refused here where Dockyard
    // knows the login and what it may push to (a Harbor robot it declared)
    const ref = step.secrets[DOCKER_CONFIG_VARIABLE];
    const refusal = PullAccess.pushRefusal(scope, step.pushTo, grants.secrets.get(ref.secretName)!.values?.[ref.key], ref.toString());
    if (refusal !== undefined) {
      invalid(`${at}.dockerConfig`, ref.toString(), `must push ${step.pushTo} with a login Harbor lets push there: ${refusal}`);
    }
  }

  if (step.identity) {
    const identity = `${step.identity.serviceAccountNamespace}/${step.identity.serviceAccountName}`;
    for (const event of events) {
      const { route, miss } = routing.get(event);
      const matches = route !== undefined && route.namespace === step.identity.serviceAccountNamespace &&
        route.serviceAccountName === step.identity.serviceAccountName;
      if (!matches) {
        invalid(`${at}.identity`, identity, `must be the identity the platform runs ${repo}'s ${event} pipelines as: ` +
          `${route ? `route ${route.name} runs them as ${identityOf(route)}` : 'no route covers them (addRoute)'}${note([event])}` +
          `${miss ? caseMissNote(engine.kind, repo, miss) : ''}`);
      }
    }
  }
  return { step, image };
}
