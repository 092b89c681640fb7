import { envTemplate, EnvVars } from '../core/env';
import { ValueRule } from '../core/value-rules';

/**
 * Define `name` as a YAML double-quoted string holding the variable `source`, defined before it: `"$(source)"`, which
 * Kubernetes expands inside the pod, so the credential is never rendered.
 *
 * distribution reads every `REGISTRY_*` variable as YAML, not as text (goharbor/distribution release/2.8, as
 * upstream v2.8.3, configuration/parser.go `overwriteStruct`: `yaml.Unmarshal([]byte(payload), ...)`,
 * gopkg.in/yaml.v2), so a value handed over as it is could be read as something else: `null` or `~` as nothing,
 * `yes` as a boolean, `00001234` as another number, `'x'` without its quotes, `!x` or `&x` as a tag or an anchor;
 * `*x`, `@x` or `x:` stop the registry at start. Inside double quotes only `\` (an escape), `"` (the end) and
 * control characters or line breaks (refused, or folded to a space) read otherwise: `REGISTRY_YAML_STRING_RULE`.
 */
export function defineYamlString(env: EnvVars, name: string, source: string): void {
  env.interpolate(name, envTemplate`"${EnvVars.ref(source)}"`);
}

/**
 * What a value must be to read back as written from a YAML double-quoted string (`defineYamlString`): no `"`, which
 * ends it, no `\`, which starts an escape, and no character YAML 1.1 does not print or reads as a line break (C0
 * controls, DEL, C1 controls with NEL, U+2028, U+2029, U+FFFE, U+FFFF; gopkg.in/yaml.v2 readerc.go refuses the
 * unprintable ones, scannerc.go folds line breaks into a space). A tab would read back, but is refused with the other
 * controls: no S3 service issues a key holding one, and the refusal stays one simple sentence.
 */
export const REGISTRY_YAML_STRING_RULE: ValueRule = {
  fits: (value) => !/["\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]/.test(value),
  allowed: 'must hold no ", no \\ and no control character or line break, which the registry\'s YAML double-quoted string would end, ' +
    'escape or fold (any other character reads back as written)',
};
