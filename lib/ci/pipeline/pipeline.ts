import { checkDnsLabel, checkDnsSubdomain, checkUniqueList, describeValue, invalid } from '../../core';
import { checkEvents, PipelineEvent } from '../events';
import { Step } from './step';

/** Props of a `Pipeline`. */
export interface PipelineProps {
  /** The pipeline's name, unique in its repository (a DNS label; Woodpecker names the workflow file after it). */
  readonly name: string;
  /** The events the pipeline runs on. */
  readonly events: readonly PipelineEvent[];
  /**
   * The branches the pipeline runs for, as globs (`main`, `release/*`). Not with `PipelineEvent.TAG`, which the
   * engines filter differently.
   *
   * @default - every branch
   */
  readonly branches?: readonly string[];
  /**
   * The pipelines of the same repository this one runs after.
   *
   * @default - none
   */
  readonly dependsOn?: readonly string[];
  /**
   * A pull secret the platform grants the repository (`ICiEngine.addImagePullSecret`), for private step images.
   * Drone lists it in `image_pull_secrets`; Woodpecker's agent adds the pull secrets of its build namespaces to every
   * pod itself, so there it is only checked.
   *
   * @default - none: step images are pulled with the build namespace's own pull secrets
   */
  readonly pullSecret?: string;
  /**
   * The steps, in order.
   *
   * @default - none yet; add them with `addStep`
   */
  readonly steps?: readonly Step[];
}

/** The characters allowed in a branch glob: no whitespace, quotes, `$` or `\`, which each engine reads differently. */
const BRANCH = /^[A-Za-z0-9._\/*?+-]{1,255}$/;

/**
 * A typed CI pipeline: its trigger (events and branches) and steps. `RepositoryPipelines` checks it against what
 * the platform grants the repository and renders it for the platform's engine.
 */
export class Pipeline {
  /** The name. */
  public readonly name: string;
  /** The events it runs on. */
  public readonly events: readonly PipelineEvent[];
  /** The branch globs, if limited. */
  public readonly branches?: readonly string[];
  /** The pipelines it runs after. */
  public readonly dependsOn: readonly string[];
  /** The pull secret, if any. */
  public readonly pullSecret?: string;

  private readonly stepList: Step[] = [];

  public constructor(props: PipelineProps) {
    this.name = checkDnsLabel('name', props.name);
    this.events = [...checkEvents('events', props.events)];
    if (props.branches !== undefined) {
      checkUniqueList('branches', props.branches, { of: 'branch names or globs' });
      for (const b of props.branches) {
        if (typeof b !== 'string' || !BRANCH.test(b)) {
          invalid('branches', props.branches, `${describeValue(b)} must be a branch glob of letters, digits, ".", "_", "/", "*", "?", "+" and "-"`);
        }
      }
      // the engines disagree on tags: Drone matches the tag's name against the branches (harness v2.28.2
      // service/hook/parser/parse.go:212 sets a tag build's target to the tag, trigger/skip.go:24-26 matches it),
      // Woodpecker ignores branches for tags (v3.17.0 pipeline/frontend/yaml/constraint/constraint.go:188-190)
      if (this.events.includes(PipelineEvent.TAG)) {
        invalid('branches', props.branches, 'must be left out of a pipeline that runs on tag: Drone matches tag names against them, ' +
          'Woodpecker ignores them for tags; give tag builds a pipeline of their own');
      }
      this.branches = [...props.branches];
    }
    const dependsOn = props.dependsOn ?? [];
    checkUniqueList('dependsOn', dependsOn, { allowEmpty: true }).forEach((d) => checkDnsLabel('dependsOn', d));
    if (dependsOn.includes(this.name)) {
      invalid('dependsOn', dependsOn, `must not name the pipeline itself, ${describeValue(this.name)}`);
    }
    this.dependsOn = [...dependsOn];
    if (props.pullSecret !== undefined) {
      this.pullSecret = checkDnsSubdomain('pullSecret', props.pullSecret);
    }
    (props.steps ?? []).forEach((s) => this.addStep(s));
  }

  /** The steps, in order. */
  public get steps(): readonly Step[] {
    return [...this.stepList];
  }

  /** Append a step. Its name must be new in the pipeline, and its events among the pipeline's. */
  public addStep(step: Step): void {
    if (!(step instanceof Step)) {
      invalid(`pipelines.${this.name}.steps`, step, 'must hold Steps: Step.run, Step.buildImage or Step.deploy');
    }
    const prop = `pipelines.${this.name}.steps.${step.name}`;
    if (this.stepList.some((s) => s.name === step.name)) {
      invalid(`pipelines.${this.name}.steps`, step.name, `must be unique in the pipeline: ${this.stepList.map((s) => s.name).join(', ')} exist`);
    }
    const outside = (step.events ?? []).filter((e) => !this.events.includes(e));
    if (outside.length > 0) {
      invalid(`${prop}.events`, step.events, `must be among the pipeline's events, ${this.events.join(', ')}: not ${outside.join(', ')}`);
    }
    if (step.identity && (step.events ?? this.events).includes(PipelineEvent.PULL_REQUEST)) {
      invalid(`${prop}.events`, step.events ?? this.events,
        'must not include pull_request for a deploy step: pull requests may come from forks; give the step events without it');
    }
    this.stepList.push(step);
  }
}
