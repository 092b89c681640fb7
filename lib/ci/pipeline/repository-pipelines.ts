import { posix } from 'path';
import { Construct } from 'constructs';
import { checkRequiredObject, invalid, OutputFile } from '../../core';
import { firstInstance, recordInstance } from '../../core/instances';
import { CI_ENGINE_RULE, CiEngineKind, ICiEngine } from '../engine';
import { checkDroneRepoParts } from '../repo-owners';
import { renderDrone } from './drone';
import { Pipeline } from './pipeline';
import { planPipelines } from './plan';
import { renderWoodpecker } from './woodpecker';

/** Props of `RepositoryPipelines`. */
export interface RepositoryPipelinesProps {
  /** The engine that runs the pipelines, whose grants they are checked against. */
  readonly engine: ICiEngine;
  /** The repository, exactly: `owner/name`, no glob; a GitLab subgroup's project by its whole path, `acme/platform/api`. */
  readonly repo: string;
  /**
   * The pipelines.
   *
   * @default - none yet; add them with `addPipeline`
   */
  readonly pipelines?: readonly Pipeline[];
  /**
   * Where the files go below the output directory. Drone: the file to commit as the repository's `.drone.yml`.
   * Woodpecker: the folder whose `<pipeline>.yaml` files to commit as the repository's `.woodpecker/` folder, one
   * workflow per pipeline.
   *
   * @default - `pipelines/<name>.drone.yml` (Drone) or `pipelines/<name>.woodpecker` (Woodpecker), `<name>` being
   * the repository's name without its owner (or groups); two repositories of one name in the app need a path each
   */
  readonly path?: string;
}

/** A pipeline file as rendered: its path below the output directory and its content. */
export interface PipelineFile {
  /** The path below the output directory. */
  readonly path: string;
  /** The YAML. */
  readonly content: string;
}

/** An exact repository slug, as both engines name repositories: an owner and a name, or a GitLab subgroup's project by its whole path. */
const REPO = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/;

/**
 * The CI pipelines of one repository, checked at synth against what the platform grants the repository and
 * written beside the manifests for the engine in use: a `.drone.yml`, or a `.woodpecker/` folder. Every mismatch
 * fails the synth with one line naming the pipeline, the step and what is wrong:
 *
 * - a secret reference whose secret the engine does not declare, whose key the secret lacks, or which is not
 *   granted to the repository or to every event the step runs on;
 * - a pull secret the engine does not declare, or does not grant the repository;
 * - a deploy step whose identity is not what the first route for the repository and each of its events runs as;
 * - a pipeline whose events route to different runner labels (Drone's `node:`, Woodpecker's `labels:`);
 * - a pipeline under a route by branch (`CiRouteProps.branches`) whose `branches` are not all among the route's,
 *   by exact name: a build of another branch would wait for an agent until cancelled;
 * - a secret, pull secret or deploy identity of a repository whose route matches it only in another case (both
 *   engines route by the exact spelling, while Drone's secrets extension matches any case);
 * - a step image that resolves here (`Images.resolve` at this construct) to another reference than it does where
 *   the engine's build images resolve (at the engine): left upstream while the engine's images are relocated, or
 *   relocated elsewhere. Both are pulled in the same build namespaces, with the same pull secrets;
 * - dependencies on unknown pipelines, or in a cycle.
 *
 * Two `RepositoryPipelines` of the app written to one path (`acme/app` and `labs/app` by default) are refused
 * where the second is made, naming both repositories.
 *
 * On Woodpecker, promote and rollback are one event (`deployment`), so a pipeline for either is checked for both.
 * Step images are resolved while the files render, so a mirror relocation lists them in `images.pairs.txt`.
 */
export class RepositoryPipelines extends Construct {
  /** The engine. */
  public readonly engine: ICiEngine;
  /** The repository. */
  public readonly repo: string;
  /** Where the files go: the Drone file, or the Woodpecker folder. */
  public readonly path: string;

  private readonly list: Pipeline[] = [];

  public constructor(scope: Construct, id: string, props: RepositoryPipelinesProps) {
    super(scope, id);
    if (typeof props.repo !== 'string' || !REPO.test(props.repo)) {
      invalid('repo', props.repo, 'must be one repository, "owner/name" (a GitLab subgroup\'s project by its whole path, "group/subgroup/name"): ' +
        'letters, digits, ".", "_" and "-", no glob');
    }
    checkRequiredObject('engine', props.engine, CI_ENGINE_RULE);
    if (props.engine.kind === CiEngineKind.DRONE) {
      checkDroneRepoParts('repo', props.repo, [props.repo]);
    }
    this.engine = props.engine;
    this.repo = props.repo;
    // the name without its owner, which a subgroup's project holds several parts of
    const name = props.repo.slice(props.repo.lastIndexOf('/') + 1);
    const woodpecker = props.engine.kind === CiEngineKind.WOODPECKER;
    this.path = (props.path ?? (woodpecker ? `pipelines/${name}.woodpecker` : `pipelines/${name}.drone.yml`)).replace(/\/+$/, '');
    // the second would overwrite the first's files (a Woodpecker folder holds one file per pipeline name, which the
    // two may share); refused here, naming both repositories, before the file paths are compared at synth
    const key = posix.normalize(this.path);
    const other = firstInstance(this, RepositoryPipelines, key, (c) => c !== this);
    if (other !== undefined) {
      invalid('path', this.path, `must not be where the pipelines of ${other.repo} are written already (${other.node.path}), which those of ` +
        `${props.repo} would overwrite: give one of them a path of its own (the default holds the repository's name without its owner)`);
    }
    recordInstance(RepositoryPipelines, this, key);
    // Woodpecker's files are known only once the pipelines are: one OutputFile per pipeline, made as each is added
    if (!woodpecker) {
      // the engine runs the file the repository holds, not this one: a secret renamed, a route or a runner's labels
      // changed reach its builds only once the new file is committed, and till then a `get.path` the extension may no
      // longer read gives each step its secret empty (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:513-530)
      new OutputFile(this, 'File', { path: this.path, content: () => this.render()[0].content, onChange: this.onChange() });
    } else {
      // with no pipeline there is no file to render, and so nothing that would check: check at synth all the same
      this.node.addValidation({ validate: () => (this.list.length === 0 ? this.render() && [] : []) });
    }
    (props.pipelines ?? []).forEach((p) => this.addPipeline(p));
  }

  /** The pipelines, in the order added. */
  public get pipelines(): readonly Pipeline[] {
    return [...this.list];
  }

  /** Add a pipeline. Its name must be new in the repository. */
  public addPipeline(pipeline: Pipeline): void {
    if (!(pipeline instanceof Pipeline)) {
      invalid('pipelines', pipeline, 'must hold Pipelines');
    }
    if (this.list.some((p) => p.name === pipeline.name)) {
      invalid('pipelines', pipeline.name, `must be unique in ${this.repo}: ${this.list.map((p) => p.name).join(', ')} exist`);
    }
    this.list.push(pipeline);
    if (this.engine.kind === CiEngineKind.WOODPECKER) {
      const path = `${this.path}/${pipeline.name}.yaml`;
      new OutputFile(this, `File-${pipeline.name}`, { path, content: () => this.render().find((f) => f.path === path)!.content, onChange: this.onChange() });
    }
  }

  /**
   * What to do when a file changes, as synth announces it (`OutputFileProps.onChange`): commit it to the repository,
   * named unless that would make the note longer than a note may be (a deep GitLab subgroup's project).
   */
  private onChange(): string {
    const [where, engine] = this.engine.kind === CiEngineKind.WOODPECKER ? ['\'s .woodpecker/ folder', 'Woodpecker'] : [' as its .drone.yml', 'Drone'];
    const why = `: ${engine} runs the repository's copy, which may name secrets and routes no longer granted`;
    const note = `commit it to ${this.repo}${where}${why}`;
    return note.length <= 300 ? note : `commit it to its repository${where}${why}`;
  }

  /**
   * Check the pipelines against the engine's grants and render them: one Drone file, or one Woodpecker file per
   * pipeline. Synth calls this through the `OutputFile`s; it fails with one line on the first mismatch.
   */
  public render(): PipelineFile[] {
    if (this.list.length === 0) {
      invalid('pipelines', [], `must hold at least one pipeline of ${this.repo}: add them with addPipeline`);
    }
    const planned = planPipelines(this, this.engine, this.repo, this.list);
    if (this.engine.kind === CiEngineKind.WOODPECKER) {
      return [...renderWoodpecker(planned)].map(([file, content]) => ({ path: `${this.path}/${file}`, content }));
    }
    return [{ path: this.path, content: renderDrone(planned) }];
  }
}
