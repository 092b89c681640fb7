import { Construct, IConstruct } from 'constructs';
import { recordInstance, instancesIn } from './instances';
import { SecretValue } from './secret';
import { invalid } from './validation';

function checkPath(prop: string, path: string, pattern: RegExp, allowed: string): string {
  if (typeof path !== 'string' || path.split('/').includes('..') || path.startsWith('/') || !pattern.test(path)) {
    invalid(prop, path, allowed);
  }
  return path;
}

/**
 * Check an `onChange` note: one line that says what to do, short enough to read in a terminal.
 */
function checkOnChange(onChange: string | undefined): string | undefined {
  if (onChange !== undefined && (typeof onChange !== 'string' || onChange.trim() === '' || /[\r\n]/.test(onChange) || onChange.length > 300)) {
    invalid('onChange', onChange, 'must be one line of at most 300 characters saying what to do with the changed file, e.g. "copy it to every node"');
  }
  return onChange;
}

/** Props of an `OutputFile`. */
export interface OutputFileProps {
  /** The path below the output directory, e.g. `nodes/registries.yaml`. */
  readonly path: string;
  /** The content, produced at synth time once every construct is defined. */
  readonly content: () => string;
  /**
   * What to do when the file changes, for a file that reaches its destination only by hand (a node's configuration):
   * a synth that writes it with other content than the output directory held prints
   * `dockyard: <output directory>/<path> changed: <onChange>` (nothing on a first synth, into a missing or empty directory;
   * where only lines starting with `#` changed, comments in the node files' formats, it says so and that there is
   * nothing to do). A file the previous output wrote without a note is named as `… is now a file to copy: <onChange>`
   * whatever its content; one no longer written as `… is no longer written: remove the copy made of it (<onChange>) …`,
   * or, where a file newly noted so carries the same note, as replaced by that file: give a file that is copied
   * somewhere a note naming that place.
   *
   * @default - a change is not announced
   */
  readonly onChange?: string;
}

/**
 * A file written beside the manifests, such as node configuration or an example pipeline. It must not hold
 * credentials: those go into a `SecretFile`.
 */
export class OutputFile extends Construct {
  /** Every output file below `scope`. */
  public static allIn(scope: IConstruct): OutputFile[] {
    return instancesIn(scope, OutputFile);
  }

  /** The path below the output directory. */
  public readonly path: string;
  /** Produce the content. */
  public readonly content: () => string;
  /** What to do when the file changes, which synth prints (`OutputFileProps.onChange`). */
  public readonly onChange?: string;

  public constructor(scope: Construct, id: string, props: OutputFileProps) {
    super(scope, id);
    recordInstance(OutputFile, this);
    this.path = checkPath('path', props.path, /^[\w./-]+$/, 'must be a relative path of letters, digits, ".", "_", "-" and "/"');
    if (/\.local\.[a-z]+$/.test(this.path)) {
      invalid('path', this.path, 'must not end with .local.<ext>, which is kept for files with credentials');
    }
    this.content = props.content;
    this.onChange = checkOnChange(props.onChange);
  }
}

/** Props of a `SecretFile`. */
export interface SecretFileProps {
  /** The path below the output directory; it must end with `.local.<ext>`, which git ignores. */
  readonly path: string;
  /** The content, rendered by the secret source, e.g. a `SecretValue.template` over generated keys. */
  readonly value: SecretValue;
  /**
   * What to do when the file changes, as `OutputFileProps.onChange` (the content is never printed).
   *
   * @default - a change is not announced
   */
  readonly onChange?: string;
}

/** A file with credentials, rendered by the secret source and written beside the manifests only as a git-ignored file. */
export class SecretFile extends Construct {
  /** Every secret file below `scope`. */
  public static allIn(scope: IConstruct): SecretFile[] {
    return instancesIn(scope, SecretFile);
  }

  /** The path below the output directory. */
  public readonly path: string;
  /** The content's recipe. */
  public readonly value: SecretValue;
  /** What to do when the file changes, which synth prints (`SecretFileProps.onChange`). */
  public readonly onChange?: string;

  public constructor(scope: Construct, id: string, props: SecretFileProps) {
    super(scope, id);
    recordInstance(SecretFile, this);
    this.path = checkPath('path', props.path, /^[\w./-]+\.local\.[a-z]+$/, 'must be a relative path ending with .local.<ext>, which git ignores');
    this.value = props.value;
    this.onChange = checkOnChange(props.onChange);
  }
}
