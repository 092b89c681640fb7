import { invalidSecret } from './validation';

/** What a credential given from outside must be, as a refusal says it (never showing the value). */
export const INPUT_VALUE_RULE = 'must not be white space only, nor one line that begins or ends with a line break: set it to the value alone';

/**
 * Refuse, without showing it, a credential given from outside (an input variable, a Pulumi config secret, a provided
 * Secret's value) that is only white space, or one line that begins or ends with a line break: a token pasted with
 * its line break, or read from a file with a CRLF ending. A login or token so shaped fails only at its first use (a
 * 401 at the kubelet's pull, a refused OAuth exchange), long after the synth or `pulumi up`, and is kept. A value of
 * several lines keeps its line breaks, its last one included: a PEM or SSH key file ends in one, which OpenSSH may
 * need. The empty value is the caller's to treat (unset for an input variable).
 *
 * @param name the variable, setting or key the value was given as, which the refusal names
 */
export function checkInputValue(name: string, value: string): void {
  if (isMalformedInputValue(value)) {
    invalidSecret(name, INPUT_VALUE_RULE);
  }
}

/**
 * Whether `checkInputValue` refuses `value`: not empty, and white space only or one line that begins or ends with a
 * line break. For a checker that words the rule its own way (the example stacks' configuration table).
 */
export function isMalformedInputValue(value: string): boolean {
  const oneLine = !/[\r\n]/.test(value.replace(/^[\r\n]+|[\r\n]+$/g, ''));
  return value !== '' && (value.trim() === '' || (oneLine && /^[\r\n]|[\r\n]$/.test(value)));
}
