import { invalid } from '../../core';
import { escapeEnvLiteral } from '../../core/env';
import { toYaml } from '../../core/yaml';
import { PlannedPipeline } from './plan';
import { SecretRef } from './secret-ref';
import { escapeSubstitutionDeep } from './shell';
import { compare } from '../../core/text';

/**
 * The key a pull secret's Docker config JSON is stored under: the data key of a `kubernetes.io/dockerconfigjson`
 * Secret, which the secrets extension returns by `get.name` (drone/drone-kubernetes-secrets `plugin/plugin.go`).
 */
export const PULL_SECRET_KEY = '.dockerconfigjson';

/**
 * `command` escaped for the kubelet, refused if it holds a `$(` with no `)` after it. The runner puts the commands in
 * the DRONE_SCRIPT pod env value (drone-runner-kube v1.0.0-rc.5 `engine/compiler/script.go:52-55`), each after a
 * trace line that echoes it with every `$` written `\$` (`engine/compiler/shell/shell.go:23-31`, `traceScript`
 * `:54-57`). The kubelet reads no escape in `\$`: there a `$(` opens a reference, and with no `)` left on the trace
 * line it runs on into the command itself up to the next `)`, copying it unexpanded (k8s.io/kubernetes
 * `third_party/forked/golang/expansion/expand.go`, `tryReadVariableName`), so the command's `$$` would reach the shell
 * as written here, not as `$`. No escape of the command can prevent that. (A closed `$(NAME)` of a variable the pod
 * defines still expands on the trace line, inside the double quotes it echoes; the command itself gets it literally.)
 */
function droneCommand(prop: string, command: string): string {
  if (/\$\((?![^]*\))/.test(command)) {
    invalid(prop, command, 'must close each "$(" with a ")" after it on Drone, whose runner echoes the command in a trace line ' +
      'where the kubelet would read an unclosed "$(" as a reference running on into the command itself');
  }
  return escapeEnvLiteral(command);
}

/**
 * The alias of each secret reference, unique and deterministic: `<secret>_<key>` in lower case with every run of
 * other characters than letters and digits as one `_`, numbered from 2 in sorted order where two would collide.
 */
function aliases(refs: readonly SecretRef[]): Map<string, string> {
  const unique = [...new Map(refs.map((r) => [r.toString(), r])).values()].sort((a, b) => compare(a.toString(), b.toString()));
  const taken = new Set<string>();
  const byRef = new Map<string, string>();
  for (const ref of unique) {
    const base = `${ref.secretName}_${ref.key}`.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
    let alias = base;
    for (let n = 2; taken.has(alias); n++) {
      alias = `${base}_${n}`;
    }
    taken.add(alias);
    byRef.set(ref.toString(), alias);
  }
  return byRef;
}

/**
 * The repository's `.drone.yml`: one `kind: secret` document per secret reference, then one `kind: pipeline`
 * (`type: kubernetes`) document per pipeline, with the fields of drone-runner-kube v1.0.0-rc.5
 * `engine/resource/pipeline.go:26-54` (pipeline) and `:129-149` (step), and of drone/runner-go v1.12.0
 * `manifest/secret.go:18-34` (secret).
 *
 * A secret reference is a `kind: secret` document whose `get.path` is the Secret and `get.name` its key: the runner
 * looks `from_secret` and `image_pull_secrets` names up among them and asks the secrets extension for that path and
 * key (drone/runner-go v1.12.0 `secret/external.go:46-65`, drone-runner-kube `engine/compiler/compiler.go:546-554`).
 * A deploy pipeline names its namespace and ServiceAccount (`metadata.namespace`, `service_account_name`,
 * `compiler.go:215,220`); the runner's policy for the repository and event overrides both anyway
 * (`engine/policy/policy.go:55-107`, applied last at `compiler.go:634-638`).
 */
export function renderDrone(planned: readonly PlannedPipeline[]): string {
  const refs = planned.flatMap((p) => [
    ...(p.pipeline.pullSecret !== undefined ? [SecretRef.of(p.pipeline.pullSecret, PULL_SECRET_KEY)] : []),
    ...p.steps.flatMap((s) => Object.values(s.step.secrets)),
  ]);
  const alias = aliases(refs);
  const secretDocs = [...new Map(refs.map((r) => [r.toString(), r])).values()]
    .map((r) => ({ kind: 'secret', name: alias.get(r.toString())!, get: { path: r.secretName, name: r.key } }))
    .sort((a, b) => compare(a.name, b.name));
  const pipelineDocs = planned.map((p) => {
    const { pipeline } = p;
    const labels = Object.keys(p.labels).sort(compare);
    return {
      kind: 'pipeline',
      type: 'kubernetes',
      name: pipeline.name,
      node: labels.length > 0 ? Object.fromEntries(labels.map((k) => [k, p.labels[k]])) : undefined,
      metadata: p.identity ? { namespace: p.identity.serviceAccountNamespace } : undefined,
      service_account_name: p.identity?.serviceAccountName,
      depends_on: pipeline.dependsOn.length > 0 ? [...pipeline.dependsOn] : undefined,
      image_pull_secrets: pipeline.pullSecret !== undefined ? [alias.get(SecretRef.of(pipeline.pullSecret, PULL_SECRET_KEY).toString())!] : undefined,
      trigger: { event: [...pipeline.events], branch: pipeline.branches ? [...pipeline.branches] : undefined },
      steps: p.steps.map(({ step, image }) => {
        // plain values are pod env values, written as they are (drone-runner-kube v1.0.0-rc.5
        // engine/compiler/step.go:31, engine/convert.go:228-233), which the kubelet expands: escaped for it here,
        // then for envsubst below, so that each undoes its own escape and the step gets what was written
        const environment = {
          ...Object.fromEntries(Object.entries(step.env).map(([env, value]) => [env, escapeEnvLiteral(value)])),
          ...Object.fromEntries(Object.entries(step.secrets).map(([env, ref]) => [env, { from_secret: alias.get(ref.toString())! }])),
        };
        const names = Object.keys(environment).sort(compare);
        return {
          name: step.name,
          image,
          environment: names.length > 0 ? Object.fromEntries(names.map((n) => [n, environment[n]])) : undefined,
          // the commands go to the pod as one script in the DRONE_SCRIPT env value, which the kubelet expands too
          commands: step.commands.map((c) => droneCommand(`pipelines.${pipeline.name}.steps.${step.name}.commands`, c)),
          when: step.events ? { event: [...step.events] } : undefined,
        };
      }),
    };
  });
  // every string escaped for the runner's envsubst of the whole file (shell.ts): nothing in it is substituted
  return toYaml(escapeSubstitutionDeep([...secretDocs, ...pipelineDocs]));
}
