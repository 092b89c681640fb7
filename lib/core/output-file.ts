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

/** Props of an `OutputFile`. */
export interface OutputFileProps {
  /** The path below the output directory, e.g. `nodes/registries.yaml`. */
  readonly path: string;
  /** The content, produced at synth time once every construct is defined. */
  readonly content: () => string;
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

  public constructor(scope: Construct, id: string, props: OutputFileProps) {
    super(scope, id);
    recordInstance(OutputFile, this);
    this.path = checkPath('path', props.path, /^[\w./-]+$/, 'must be a relative path of letters, digits, ".", "_", "-" and "/"');
    if (/\.local\.[a-z]+$/.test(this.path)) {
      invalid('path', this.path, 'must not end with .local.<ext>, which is kept for files with credentials');
    }
    this.content = props.content;
  }
}

/** Props of a `SecretFile`. */
export interface SecretFileProps {
  /** The path below the output directory; it must end with `.local.<ext>`, which git ignores. */
  readonly path: string;
  /** The content, rendered by the secret source, e.g. a `SecretValue.template` over generated keys. */
  readonly value: SecretValue;
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

  public constructor(scope: Construct, id: string, props: SecretFileProps) {
    super(scope, id);
    recordInstance(SecretFile, this);
    this.path = checkPath('path', props.path, /^[\w./-]+\.local\.[a-z]+$/, 'must be a relative path ending with .local.<ext>, which git ignores');
    this.value = props.value;
  }
}
