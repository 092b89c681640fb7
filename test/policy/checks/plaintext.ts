import { isLocation, isPlaceholder, kubeVars, literalCredentials, type SecretVar } from './credentials';
import { finding, type Finding, type Issue } from './finding';
import { containersOf, inContainer, podTemplates } from './pods';
import type { Container, K8sObject, StringMap } from './types';

/** Env names whose value is a secret in itself: any literal is a leak. */
const SECRET_ENV = /PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY/i;
/**
 * Names of who logs in, not how: `REGISTRY_CREDENTIAL_USERNAME` is not a secret; nor are the names of Secrets and
 * switches about them (Woodpecker's `WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES` and `..._ALLOW_NATIVE_SECRETS`).
 */
const IDENTITY_ENV = /_USER(NAME)?$|_SECRET_NAMES$|_ALLOW_NATIVE_SECRETS$/i;
/** Env names holding connection strings: leaks only if they embed a literal credential. */
const CONNECTION_ENV = /DSN|DATASOURCE|_URI$|_URL$/i;
const SECRET_CONFIG_KEY = /pass(word)?|secret|token|credential|private.?key|api.?key|dsn/i;
/** Outside the kubelet's own expansion every placeholder is someone else's business. */
const ANY_VAR: SecretVar = () => true;

const nonEmpty = (m: unknown) => Object.keys((m ?? {}) as object).length > 0;

function secretData(obj: K8sObject): Issue[] {
  return obj.kind === 'Secret' && (nonEmpty(obj.data) || nonEmpty(obj.stringData))
    ? [['plaintext/secret-data', 'Secret carries data in the manifests; create it out of band and list it as external']]
    : [];
}

function configMap(obj: K8sObject): Issue[] {
  if (obj.kind !== 'ConfigMap') return [];
  return Object.entries((obj.data ?? {}) as StringMap).flatMap(([key, value]) => {
    const issues = literalCredentials(value, ANY_VAR).map((what): Issue => ['plaintext/configmap', `key "${key}" contains ${what}`]);
    if (SECRET_CONFIG_KEY.test(key) && !isPlaceholder(value, ANY_VAR)) {
      issues.unshift(['plaintext/configmap', `key "${key}" holds a credential-like value`]);
    }
    return issues;
  });
}

function annotations(annotated: StringMap | undefined, where: string): Issue[] {
  return Object.entries(annotated ?? {}).flatMap(([key, value]) => literalCredentials(value, ANY_VAR)
    .map((what): Issue => ['plaintext/annotation', `${where}annotation "${key}" contains ${what}`]));
}

/**
 * The kubelet expands `$(VAR)` only from variables defined earlier in the same container, so a credential may
 * be spliced in only from an earlier variable that itself comes from a Secret.
 */
function containerLeaks(c: Container): Issue[] {
  const defined = new Set<string>();
  const fromSecret = new Set<string>();
  /** Variables whose value holds a Secret's: fed from one, or splicing one in (`postgres://app:$(DB_PASSWORD)@db`). */
  const carriesSecret = new Set<string>();
  const leaks: string[] = [];
  for (const { name, value, valueFrom } of c.env ?? []) {
    if (value) leaks.push(...envValueLeaks(name, value, defined, fromSecret));
    if (value && kubeVars(value).some((v) => defined.has(v) && carriesSecret.has(v))) carriesSecret.add(name);
    defined.add(name);
    if (valueFrom?.secretKeyRef) {
      fromSecret.add(name);
      carriesSecret.add(name);
    }
  }
  const envLeaks = leaks.map((m): Issue => ['plaintext/env', inContainer(c, m)]);
  // command and args are expanded after the whole env, so any Secret-fed variable may appear there.
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const argLeaks = argv.flatMap((arg) => literalCredentials(arg, (v) => fromSecret.has(v))
    .map((what): Issue => ['plaintext/args', inContainer(c, `command/args contain ${what}`)]));
  // The kubelet expands $(VAR) in command and args into the process's arguments (kubernetes/kubernetes
  // pkg/kubelet/container/helpers.go ExpandContainerCommandAndArgs), which `ps` in the pod, /proc/<pid>/cmdline and
  // the runtime's view of the process show, unlike its environment: a Secret's value must stay in the environment.
  // A variable of an envFrom Secret is not named here, so an undefined one may be one.
  const fromSecretEnvFrom = (c.envFrom ?? []).some((e) => e.secretRef);
  const expanded = [...new Set(argv.flatMap(kubeVars))]
    .filter((v) => carriesSecret.has(v) || (fromSecretEnvFrom && !defined.has(v)));
  const argvLeaks = expanded.map((v): Issue => ['plaintext/args',
    inContainer(c, `command/args expand $(${v}), which holds a Secret's value, into the process's arguments, which ps shows; read it from the environment`)]);
  return [...envLeaks, ...argLeaks, ...argvLeaks];
}

function envValueLeaks(name: string, value: string, defined: Set<string>, fromSecret: Set<string>): string[] {
  const vars = kubeVars(value);
  const unexpanded = vars.filter((v) => !defined.has(v));
  // An unexpanded $(VAR) stays literal text: broken, but no credential, so only sensitive names report it below.
  const out = literalCredentials(value, (v) => fromSecret.has(v) || !defined.has(v))
    .map((what) => `env ${name} contains ${what}`);
  if (!SECRET_ENV.test(name) && !CONNECTION_ENV.test(name)) return out;
  if (unexpanded.length) {
    out.push(`env ${name} references $(${unexpanded.join('), $(')}) before it is defined, so it is not expanded`);
  } else if (SECRET_ENV.test(name) && !IDENTITY_ENV.test(name)) {
    const notSecret = vars.filter((v) => !fromSecret.has(v));
    // A URL or path (DRONE_SECRET_PLUGIN_ENDPOINT, POSTGRES_PASSWORD_FILE) locates a secret without being one.
    if (!vars.length && !isLocation(value)) out.push(`env ${name} has a literal value; use valueFrom.secretKeyRef`);
    else if (notSecret.length) out.push(`env ${name} embeds $(${notSecret.join('), $(')}), which is not fed from a Secret`);
  }
  return out;
}

/** Credentials belong in Secrets created out of band, never in the manifests themselves. */
export function checkNoPlaintextCredentials(objects: readonly K8sObject[]): Finding[] {
  const perObject = objects.flatMap((obj) => [...secretData(obj), ...configMap(obj), ...annotations(obj.metadata?.annotations, '')]
    .map(([rule, m]) => finding(rule, obj, m)));
  const perPod = podTemplates(objects).flatMap((pod) => [
    // A Pod's own annotations were already scanned as object metadata.
    ...(pod.owner.kind === 'Pod' ? [] : annotations(pod.annotations, 'pod template ')),
    ...containersOf(pod.spec).flatMap(containerLeaks),
  ].map(([rule, m]) => finding(rule, pod.owner, m)));
  return [...perObject, ...perPod];
}
