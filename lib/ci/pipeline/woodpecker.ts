import { escapeEnvLiteral } from '../../core/env';
import { toYaml } from '../../core/yaml';
import { PipelineEvent, woodpeckerNamesOf } from '../events';
import { Pipeline } from './pipeline';
import { PlannedPipeline } from './plan';
import { escapeSubstitutionDeep } from './shell';
import { compare } from '../../core/text';

/** `events` as Woodpecker names them, without repeats, in the order of `PipelineEvent`. */
export function woodpeckerEvents(events: readonly PipelineEvent[]): string[] {
  return woodpeckerNamesOf(Object.values(PipelineEvent).filter((e) => events.includes(e)));
}

/**
 * Every pipeline `pipeline` runs after, directly or through others, in the order of `planned`, as optional
 * dependencies; undefined for none.
 */
function dependencies(planned: readonly PlannedPipeline[], pipeline: Pipeline): { name: string; optional: true }[] | undefined {
  const byName = new Map(planned.map((p) => [p.pipeline.name, p.pipeline]));
  const ancestors = new Set<string>();
  const visit = (names: readonly string[]) => names.filter((n) => !ancestors.has(n)).forEach((n) => {
    ancestors.add(n);
    visit(byName.get(n)?.dependsOn ?? []);
  });
  visit(pipeline.dependsOn);
  const names = planned.map((p) => p.pipeline.name).filter((n) => ancestors.has(n));
  return names.length > 0 ? names.map((name) => ({ name, optional: true as const })) : undefined;
}

/**
 * One Woodpecker workflow file per pipeline, as the `.woodpecker/` folder holds them: Woodpecker names each
 * workflow after its file (v3.17.0 `pipeline/frontend/builder/utils.go:24-30`, `builder.go:71`) and `depends_on`
 * names workflows (`docs/docs/20-usage/25-workflows.md`), while a single `.woodpecker.yaml` is one workflow named
 * `woodpecker`. Returns the files by name, `<pipeline>.yaml`.
 *
 * `depends_on` keeps Drone's meaning: a pipeline runs after those it depends on that run for the event, and
 * without those that do not (harness v2.28.2 `trigger/dag/dag.go:103-122` skips over them to their own
 * dependencies). Woodpecker instead drops a workflow whose dependency does not run (v3.17.0
 * `pipeline/frontend/builder/utils.go:32-74`, `builder.go:83-94`) unless the dependency is `optional`, which it
 * then ignores: so every ancestor is listed, each optional.
 *
 * A workflow carries the labels that route it to its agent (`labels`), its trigger as one `when` condition, and
 * its steps with the native Kubernetes secrets of the agent's namespace (`backend_options.kubernetes.secrets`,
 * `pipeline/backend/kubernetes/backend_options.go:35,94-105`, which the agent applies only with
 * `WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS`, `secrets.go:56-63`) and, for deploy steps, the ServiceAccount
 * (`serviceAccountName`, `backend_options.go:28`, applied only with
 * `WOODPECKER_BACKEND_K8S_SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP`, `pod.go:199-202`). No `from_secret`: those name
 * secrets stored in Woodpecker's database, which Dockyard does not manage. Pull secrets are the agent's
 * (`WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES`, `pod.go:226-227`); a workflow cannot name one.
 */
export function renderWoodpecker(planned: readonly PlannedPipeline[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const p of planned) {
    const { pipeline } = p;
    const labels = Object.keys(p.labels).sort(compare);
    const doc = {
      labels: labels.length > 0 ? Object.fromEntries(labels.map((k) => [k, p.labels[k]])) : undefined,
      when: [{ event: woodpeckerEvents(pipeline.events), branch: pipeline.branches ? [...pipeline.branches] : undefined }],
      depends_on: dependencies(planned, pipeline),
      steps: p.steps.map(({ step, image }) => {
        const secrets = Object.entries(step.secrets).map(([env, ref]) => ({ name: ref.secretName, key: ref.key, target: { env } }));
        const kubernetes = {
          serviceAccountName: step.identity?.serviceAccountName,
          secrets: secrets.length > 0 ? secrets : undefined,
        };
        return {
          name: step.name,
          image,
          // plain values are pod env values, written as they are (v3.17.0 pipeline/backend/kubernetes/pod.go:274-276,
          // mapToEnvVars :735-743), which the kubelet expands: escaped for it here, then for envsubst below, so that
          // each undoes its own escape and the step gets what was written
          environment: Object.keys(step.env).length > 0
            ? Object.fromEntries(Object.entries(step.env).map(([env, value]) => [env, escapeEnvLiteral(value)]))
            : undefined,
          // not the commands: they reach the pod base64-encoded in CI_SCRIPT (pipeline/backend/common/script.go:29-31),
          // in which the kubelet finds no `$`
          commands: [...step.commands],
          when: step.events ? [{ event: woodpeckerEvents(step.events) }] : undefined,
          backend_options: kubernetes.serviceAccountName || kubernetes.secrets ? { kubernetes } : undefined,
        };
      }),
    };
    // every string escaped for the server's envsubst of the whole file (shell.ts): nothing in it is substituted
    files.set(`${pipeline.name}.yaml`, toYaml([escapeSubstitutionDeep(doc)]));
  }
  return files;
}
