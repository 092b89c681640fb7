import { checkDnsLabel, checkList, checkUniqueList, describeValue, Image, invalid } from '../../core';
import { dockerHubHostCase } from '../../core/image';
import { isEnvVarName } from '../../core/env';
import { compare } from '../../core/text';
import { checkEvents, PipelineEvent } from '../events';
import { ImageBuilder, ImageTag } from './image-builder';
import { SecretRef } from './secret-ref';

/** Props of `Step.run`. */
export interface RunStepProps {
  /** The image the step runs; relocated like the platform's own images at synth. */
  readonly image: Image;
  /**
   * Shell commands, run in order by the image's `/bin/sh`, as written: neither the engines' own `${…}` substitution
   * nor the kubelet's `$(NAME)` expansion applies to them (each is escaped for), so use shell variables such as
   * `$CI_COMMIT_SHA`. On Drone a command must close each `$(` it opens: the runner's trace line would carry an unclosed
   * one into the command.
   */
  readonly commands: readonly string[];
  /**
   * Plain environment variables, by name, read back as written (escaped for both expansions, like the commands).
   *
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Environment variables whose values come from pipeline secrets, by name.
   *
   * @default - none
   */
  readonly secrets?: Readonly<Record<string, SecretRef>>;
  /**
   * The events the step runs on: a subset of its pipeline's.
   *
   * @default - every event of its pipeline
   */
  readonly events?: readonly PipelineEvent[];
}

/**
 * A deploy identity: the ServiceAccount a deploy step runs as. A `DeployAccess` is one; the platform must route the
 * repository's pipelines to it (`ICiEngine.addRoute`) for every event the step runs on.
 */
export interface DeployIdentity {
  /** The ServiceAccount's name. */
  readonly serviceAccountName: string;
  /** The ServiceAccount's namespace: the build namespace the route runs the pipeline in. */
  readonly serviceAccountNamespace: string;
}

/** Props of `Step.deploy`. */
export interface DeployStepProps extends RunStepProps {
  /** The identity the step deploys as, e.g. a `DeployAccess`. */
  readonly identity: DeployIdentity;
}

/** Props of `Step.buildImage`. */
export interface BuildImageStepProps {
  /**
   * The repository to push to, with its registry host in lower case (the builder matches the Docker config's login
   * by the host as written, and Dockyard keys every login in lower case), e.g. `harbor.example.com/apps/demo`.
   */
  readonly repository: string;
  /**
   * The tags to push.
   *
   * @default - [ImageTag.commitSha()]: the first 8 hex digits of the commit
   */
  readonly tags?: readonly ImageTag[];
  /**
   * The build context, relative to the repository's root.
   *
   * @default "."
   */
  readonly context?: string;
  /**
   * The Dockerfile, relative to the repository's root (or, failing that, to the context).
   *
   * @default "Dockerfile"
   */
  readonly dockerfile?: string;
  /** The Docker config JSON with a login for the repository's registry. */
  readonly dockerConfig: SecretRef;
  /**
   * The builder.
   *
   * @default ImageBuilder.DEFAULT
   */
  readonly builder?: ImageBuilder;
  /**
   * The events the step runs on: a subset of its pipeline's.
   *
   * @default - every event of its pipeline
   */
  readonly events?: readonly PipelineEvent[];
}

/** The variable `Step.buildImage` passes the Docker config JSON in. */
export const DOCKER_CONFIG_VARIABLE = 'DOCKER_CONFIG_JSON';

/**
 * What the engines set in every commands step, which a step's own variable would shadow, and why: `CI_*` both
 * (drone/runner-go v1.12.0 environ/environ.go; woodpecker v3.17.0 pipeline/frontend/metadata/environment.go), `DRONE_*`
 * Drone (Woodpecker only in plugin steps: pipeline/runtime/step.go:94-97), and the bare `CI` (both: environ.go:27,
 * environment.go:40) and `DRONE` (environ.go:28).
 */
const RESERVED_ENV_PREFIXES: readonly (readonly [string, string])[] = [
  ['CI_', 'both engines set such variables in every step'],
  ['DRONE_', 'Drone sets such variables in every step'],
];
const RESERVED_ENV_NAMES: Readonly<Record<string, string>> = {
  CI: 'both engines set it in every step',
  DRONE: 'Drone sets it in every step',
};

/** A step of a `Pipeline`: a container that runs shell commands. */
export class Step {
  /** A step that runs `commands` in `image`. */
  public static run(name: string, props: RunStepProps): Step {
    return new Step(name, props, undefined);
  }

  /**
   * A step that deploys: it runs as `identity`, which the platform must grant the repository for every event the
   * step runs on. Never on pull requests.
   */
  public static deploy(name: string, props: DeployStepProps): Step {
    const identity = props.identity;
    if (!identity || typeof identity !== 'object') {
      invalid('identity', identity, 'must be a deploy identity with serviceAccountName and serviceAccountNamespace, e.g. a DeployAccess');
    }
    // a DNS label, as both engines' routes take it (DroneKubeRunner.addPolicy, WoodpeckerCi.addRoute)
    checkDnsLabel('identity.serviceAccountName', identity.serviceAccountName);
    checkDnsLabel('identity.serviceAccountNamespace', identity.serviceAccountNamespace);
    if (props.events?.includes(PipelineEvent.PULL_REQUEST)) {
      invalid('events', props.events, 'must not include pull_request for a deploy step: pull requests may come from forks');
    }
    return new Step(name, props, { serviceAccountName: identity.serviceAccountName, serviceAccountNamespace: identity.serviceAccountNamespace });
  }

  /**
   * A step that builds an image from the repository's Dockerfile and pushes it, with a daemonless builder: a plain
   * step on either engine, whose commands write the Docker config from `dockerConfig` where the builder reads it and
   * run the builder with every argument quoted. The builder resolves the Dockerfile's `FROM` images itself, not
   * through the nodes' mirror (which serves the kubelet's pulls only): Docker Hub's are pulled from Docker Hub,
   * anonymously unless `dockerConfig` holds a Docker Hub login, within its per-address limit (README, "Builds that
   * pull images themselves"); name them through the proxy cache (`FROM <harbor host>/<project>/library/node:22`)
   * with a `dockerConfig` login that may pull it.
   */
  public static buildImage(name: string, props: BuildImageStepProps): Step {
    const repository = checkRepository(props.repository);
    const tags = checkList('tags', props.tags ?? [ImageTag.commitSha()], 'ImageTags');
    const notTag = tags.find((t) => !(t instanceof ImageTag));
    if (notTag !== undefined) {
      invalid('tags', notTag, 'must be an ImageTag: ImageTag.of("v1") or ImageTag.commitSha()');
    }
    checkUniqueList('tags', tags.map((t) => t.toString()));
    const context = checkPathArgument('context', props.context ?? '.');
    const dockerfile = checkPathArgument('dockerfile', props.dockerfile ?? 'Dockerfile');
    if (!(props.dockerConfig instanceof SecretRef)) {
      invalid('dockerConfig', props.dockerConfig, 'must be a SecretRef to a Docker config JSON');
    }
    const builder = props.builder ?? ImageBuilder.DEFAULT;
    if (!(builder instanceof ImageBuilder)) {
      invalid('builder', builder, 'must be an ImageBuilder, e.g. ImageBuilder.kaniko(image)');
    }
    return new Step(name, {
      image: builder.image,
      commands: builder._commands({ repository, tags, context, dockerfile, dockerConfigVariable: DOCKER_CONFIG_VARIABLE }),
      secrets: { [DOCKER_CONFIG_VARIABLE]: props.dockerConfig },
      events: props.events,
    }, undefined, repository);
  }

  /** The step's name, unique in its pipeline. */
  public readonly name: string;
  /** The image, as given (it is relocated at synth). */
  public readonly image: Image;
  /** The shell commands. */
  public readonly commands: readonly string[];
  /** The plain environment variables. */
  public readonly env: Readonly<Record<string, string>>;
  /** The secret environment variables. */
  public readonly secrets: Readonly<Record<string, SecretRef>>;
  /** The events the step runs on, if it names them; otherwise every event of its pipeline. */
  public readonly events?: readonly PipelineEvent[];
  /** The identity a deploy step runs as. */
  public readonly identity?: DeployIdentity;
  /**
   * The repository a `Step.buildImage` step pushes to, its registry host first; the login it pushes with is its
   * secret `DOCKER_CONFIG_JSON`. Checked at synth against what the platform's robots may push to.
   */
  public readonly pushTo?: string;

  private constructor(name: string, props: RunStepProps, identity: DeployIdentity | undefined, pushTo?: string) {
    this.name = checkDnsLabel('name', name);
    if (!(props.image instanceof Image)) {
      invalid('image', props.image, 'must be an Image, e.g. Image.of("docker.io/library/golang:1.23.4")');
    }
    this.image = props.image;
    this.commands = checkCommands(props.commands);
    const env = props.env ?? {};
    const secrets = props.secrets ?? {};
    for (const [prop, names] of [['env', Object.keys(env)], ['secrets', Object.keys(secrets)]] as const) {
      names.forEach((n) => checkEnvName(prop, n));
    }
    for (const [n, v] of Object.entries(env)) {
      if (typeof v !== 'string' || v.includes('\0')) {
        invalid(`env.${n}`, v, 'must be a string without NUL characters');
      }
    }
    for (const [n, ref] of Object.entries(secrets)) {
      if (!(ref instanceof SecretRef)) {
        invalid(`secrets.${n}`, ref, 'must be a SecretRef, e.g. SecretRef.of("demo-database", "url")');
      }
      if (n in env) {
        invalid('secrets', Object.keys(secrets), `must not repeat ${describeValue(n)}, which env sets too`);
      }
    }
    // sorted, so that the rendered file does not depend on the order the props were written in
    this.env = Object.fromEntries(Object.entries(env).sort(([a], [b]) => compare(a, b)));
    this.secrets = Object.fromEntries(Object.entries(secrets).sort(([a], [b]) => compare(a, b)));
    if (props.events !== undefined) {
      this.events = [...checkEvents('events', props.events)];
    }
    this.identity = identity;
    this.pushTo = pushTo;
  }
}


function checkCommands(commands: readonly string[]): readonly string[] {
  if (!Array.isArray(commands) || commands.length === 0) {
    invalid('commands', commands, 'must list at least one command');
  }
  for (const c of commands) {
    if (typeof c !== 'string' || c.trim() === '' || c.includes('\0')) {
      invalid('commands', commands, `${describeValue(c)} must be a command: not blank, without NUL characters`);
    }
  }
  return [...commands];
}

function checkEnvName(prop: string, name: string): void {
  if (!isEnvVarName(name)) {
    invalid(prop, name, 'must be an environment variable name: a letter or "_", then letters, digits and "_"');
  }
  const upper = name.toUpperCase();
  if (Object.prototype.hasOwnProperty.call(RESERVED_ENV_NAMES, upper)) {
    invalid(prop, name, `must not be ${upper}: ${RESERVED_ENV_NAMES[upper]}`);
  }
  const reserved = RESERVED_ENV_PREFIXES.find(([prefix]) => upper.startsWith(prefix));
  if (reserved) {
    invalid(prop, name, `must not start with ${reserved[0]}: ${reserved[1]}`);
  }
}

function checkRepository(repository: string): string {
  let image: Image | undefined;
  try {
    image = Image.of(`${repository}:tag`);
  } catch {
    image = undefined;
  }
  if (typeof repository !== 'string' || !image || image.reference !== `${repository}:tag`) {
    // Docker Hub's host with capitals, which Image.of refuses, said as Image.of says it
    const hostCase = typeof repository === 'string' ? dockerHubHostCase(repository) : undefined;
    invalid('repository', repository, hostCase ?? 'must be an image repository with its registry host and without tag, such as "harbor.example.com/apps/demo"');
  }
  // the builder looks its login up by the host exactly as written: go-containerregistry keeps a registry's case
  // (pkg/name/registry.go NewRegistry) and asks the Docker config for that key (pkg/authn/keychain.go), which docker/cli
  // matches exactly (cli/config/credentials/file_store.go fileStore.Get); every login Dockyard writes is keyed in lower
  // case (RegistryCredential, Harbor's robots), so a host with capitals pushed without one and failed only in the build
  if (image.registry !== image.registry.toLowerCase()) {
    invalid('repository', repository, `must name its registry host in lower case (${image.registry.toLowerCase()}), as the Docker config's ` +
      'logins are keyed: the image builder matches a login\'s host case-sensitively, so the push would go without it');
  }
  return repository;
}

function checkPathArgument(prop: string, value: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    invalid(prop, value, 'must be a non-empty path without NUL characters');
  }
  return value;
}
