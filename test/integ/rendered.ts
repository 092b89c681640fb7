import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { LocalSecretStore } from '../../lib';
import { STATE_DIGEST_KEY } from '../../lib/core/secret-files';

/**
 * What a chart renders, read the way the kubelet reads it: container environments with `secretKeyRef`s looked up
 * and `$(VAR)` expanded, and ConfigMap/Secret keys as the files a pod sees where they are mounted.
 */

/** A Secret as the API server would hold it; `stringData` wins over `data` (base64), as on the server. */
export interface SecretObject {
  readonly kind?: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly stringData?: Record<string, string>;
  readonly data?: Record<string, string>;
}

/** A chart's main objects and the Secrets that exist beside them (generated, and provided by the test). */
export interface Rendered {
  /** `chart.toJson()`: no credential should ever be in here. */
  readonly objects: any[];
  /** The Secrets `LocalSecretStore` generated for the chart, then the ones the test provided. */
  readonly secrets: SecretObject[];
}

/** An existing Secret the test provides (what `Secret.fromSecretName` expects to find in the cluster). */
export function providedSecret(namespace: string, name: string, stringData: Record<string, string>): SecretObject {
  return { kind: 'Secret', metadata: { name, namespace }, stringData };
}

/**
 * Synthesize `chart` and generate its Secrets with a `LocalSecretStore` on a throw-away state file (removed again),
 * parsing the manifest it renders. `provided` are the pre-existing Secrets the chart refers to. With `startFrom` (a
 * folder of `keptState`) the throw-away state starts as a copy of that one: values it keeps are taken, not drawn.
 */
export function render(chart: Chart, provided: SecretObject[] = [], startFrom?: string): Rendered {
  const objects = chart.toJson();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-state-'));
  try {
    if (startFrom !== undefined) copyKeptState(startFrom, dir);
    const manifest = new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }).render(chart);
    const generated = parseAllDocuments(manifest).map((d) => {
      if (d.errors.length > 0) throw new Error(`the secret manifest does not parse: ${d.errors[0].message}`);
      return d.toJS() as SecretObject;
    }).filter((s) => s);
    return { objects, secrets: [...generated, ...provided] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A secret state to start renders from (`render`'s `startFrom`, `copyKeptState`), made on first use by rendering what
 * `build` makes and only read afterwards: each render works on a copy. For a file whose many charts can share their
 * generated values: Harbor's include a 4096-bit RSA token key, which takes 1-2 s to draw, most of a render's time. The
 * folder goes with the run's temporary folder (test/tmp-setup.js).
 */
export function keptState(build: () => Chart | App): () => string {
  let dir: string | undefined;
  return () => {
    if (dir === undefined) {
      const made = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-kept-state-'));
      const scope = build();
      // the charts resolved first, as render() and `synthesize` do
      for (const chart of scope instanceof App ? scope.charts : [scope]) chart.toJson();
      new LocalSecretStore({ statePath: path.join(made, 'secrets.json') }).render(scope);
      dir = made;
    }
    return dir;
  };
}

/**
 * Copy the state of `keptState` folder `from` into folder `to` (as `secrets.json`), or to the state file `to` when it
 * ends in `.json`, with its key record (`<state name>.lock.json`, LocalSecretStore's default beside the state).
 */
export function copyKeptState(from: string, to: string): void {
  const statePath = to.endsWith('.json') ? to : path.join(to, 'secrets.json');
  fs.copyFileSync(path.join(from, 'secrets.json'), statePath);
  // the record too: a state without its record makes the store warn of a restore
  fs.copyFileSync(path.join(from, 'secrets.lock.json'), statePath.replace(/\.json$/, '.lock.json'));
}

/**
 * A kept state (as `keptState`'s) that holds only the RSA private keys of the one `build` makes, Harbor's token key,
 * the one value of a stack that is slow to draw (1-2 s), and the digest key (a state with values and none is taken
 * for one rebuilt from a cluster, and warned of). A synth starting from it draws every other value as on a new state.
 */
export function keptRsaKeys(build: () => Chart | App): () => string {
  const full = keptState(build);
  let dir: string | undefined;
  return () => {
    if (dir === undefined) {
      const from = full();
      const state = JSON.parse(fs.readFileSync(path.join(from, 'secrets.json'), 'utf8'));
      const record = JSON.parse(fs.readFileSync(path.join(from, 'secrets.lock.json'), 'utf8'));
      const rsa = Object.keys(record.keys).filter((k) => String(record.keys[k]).startsWith('rsaPrivateKey('));
      if (rsa.length === 0) throw new Error('keptRsaKeys: the state holds no RSA private key');
      const only = (map: Record<string, string> = {}, keys = rsa) => Object.fromEntries(keys.filter((k) => k in map).map((k) => [k, map[k]]));
      const made = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-kept-rsa-'));
      const values = only(state.values, [...rsa, STATE_DIGEST_KEY]);
      fs.writeFileSync(path.join(made, 'secrets.json'), JSON.stringify({ ...state, values, declaredBy: only(state.declaredBy) }), { mode: 0o600 });
      fs.writeFileSync(path.join(made, 'secrets.lock.json'), JSON.stringify({ ...record, keys: only(record.keys) }));
      dir = made;
    }
    return dir;
  };
}

/** The one object of `kind` named `name` (in `namespace`, when given). */
export function objectOf(rendered: Rendered, kind: string, name: string, namespace?: string): any {
  const hits = rendered.objects.filter((o) => o.kind === kind && o.metadata?.name === name
    && (namespace === undefined || o.metadata.namespace === namespace));
  if (hits.length !== 1) {
    throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name} in the rendered objects, found ${hits.length}`);
  }
  return hits[0];
}

/** The pod template's container `name` of a workload (Deployment, StatefulSet, Job...). */
export function containerOf(workload: any, name: string): any {
  const c = (workload.spec?.template?.spec?.containers ?? []).find((x: any) => x.name === name);
  if (!c) {
    throw new Error(`${workload.kind} ${workload.metadata.name} has no container ${JSON.stringify(name)}`);
  }
  return c;
}

/** The value of `key` of Secret `namespace/name`, or undefined when the Secret or the key does not exist. */
function secretValue(rendered: Rendered, namespace: string, name: string, key: string): string | undefined {
  const matching = rendered.secrets.filter((s) => s.metadata.name === name && (s.metadata.namespace ?? namespace) === namespace);
  if (matching.length > 1) {
    throw new Error(`Secret ${namespace}/${name} is defined ${matching.length} times (generated and provided?)`);
  }
  const secret = matching[0];
  if (!secret) return undefined;
  if (secret.stringData && key in secret.stringData) return String(secret.stringData[key]);
  if (secret.data && key in secret.data) return Buffer.from(secret.data[key], 'base64').toString('utf8');
  return undefined;
}

/** The value of `key` of ConfigMap `namespace/name`, or undefined when absent. */
function configMapValue(rendered: Rendered, namespace: string, name: string, key: string): string | undefined {
  const cm = rendered.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && (o.metadata.namespace ?? namespace) === namespace);
  if (!cm) return undefined;
  if (cm.data && key in cm.data) return String(cm.data[key]);
  if (cm.binaryData && key in cm.binaryData) return Buffer.from(cm.binaryData[key], 'base64').toString('utf8');
  return undefined;
}

/** Secret `namespace/name` key `key`, failing clearly when absent. */
export function secretKey(rendered: Rendered, namespace: string, name: string, key: string): string {
  const v = secretValue(rendered, namespace, name, key);
  if (v === undefined) throw new Error(`Secret ${namespace}/${name} has no key ${JSON.stringify(key)} (rendered or provided)`);
  return v;
}

/** ConfigMap `namespace/name` key `key`, failing clearly when absent. */
export function configMapKey(rendered: Rendered, namespace: string, name: string, key: string): string {
  const v = configMapValue(rendered, namespace, name, key);
  if (v === undefined) throw new Error(`ConfigMap ${namespace}/${name} has no key ${JSON.stringify(key)}`);
  return v;
}

/**
 * Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion): `$$` is an escaped `$`,
 * `$(NAME)` is replaced when `lookup` knows NAME and kept verbatim otherwise, any other `$` is kept as is.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close < 0) {
        out += '$(';
      } else {
        const name = rest.slice(1, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0]}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/**
 * A container's environment as the kubelet builds it: in order, literal `value`s expanded against the variables
 * defined EARLIER in the same container (unknown references stay as `$(NAME)`), `secretKeyRef`/`configMapKeyRef`
 * looked up (never expanded), `fieldRef` for the pod's namespace. A missing, non-optional reference throws, as the
 * kubelet refuses to start the container (CreateContainerConfigError); `envFrom` is not supported here.
 */
export function resolveEnv(rendered: Rendered, workload: any, containerName: string): Record<string, string> {
  const c = containerOf(workload, containerName);
  const namespace: string = workload.metadata.namespace ?? 'default';
  const where = `${workload.kind} ${namespace}/${workload.metadata.name} container ${containerName}`;
  if ((c.envFrom ?? []).length > 0) {
    throw new Error(`${where}: envFrom is not supported by this helper`);
  }
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      env[e.name] = expand(e.value ?? '', (name) => (Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined));
    } else if (from.secretKeyRef) {
      const { name, key, optional } = from.secretKeyRef;
      const v = secretValue(rendered, namespace, name, key);
      if (v === undefined && !optional) throw new Error(`${where}: ${e.name} refers to Secret ${namespace}/${name} key ${key}, which does not exist`);
      if (v !== undefined) env[e.name] = v;
    } else if (from.configMapKeyRef) {
      const { name, key, optional } = from.configMapKeyRef;
      const v = configMapValue(rendered, namespace, name, key);
      if (v === undefined && !optional) throw new Error(`${where}: ${e.name} refers to ConfigMap ${namespace}/${name} key ${key}, which does not exist`);
      if (v !== undefined) env[e.name] = v;
    } else if (from.fieldRef?.fieldPath === 'metadata.namespace') {
      env[e.name] = namespace;
    } else if (from.fieldRef?.fieldPath === "metadata.labels['job-name']" && workload.kind === 'Job') {
      // the label the API server puts on every pod of a Job with a generated selector: the Job's name
      // (kubernetes/kubernetes pkg/apis/batch/validation/validation.go validateGeneratedSelector, LegacyJobNameLabel)
      env[e.name] = workload.metadata.name;
    } else {
      throw new Error(`${where}: ${e.name} has a valueFrom this helper cannot resolve: ${JSON.stringify(from)}`);
    }
  }
  return env;
}

/** A container's command and args with `$(VAR)` expanded from its resolved environment, as the kubelet does. */
export function resolveCommand(rendered: Rendered, workload: any, containerName: string): string[] {
  const c = containerOf(workload, containerName);
  const env = resolveEnv(rendered, workload, containerName);
  const lookup = (name: string) => (Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined);
  return [...(c.command ?? []), ...(c.args ?? [])].map((a: string) => expand(a, lookup));
}

/** The files one configMap/secret volume source projects: path → content. */
function volumeFiles(rendered: Rendered, namespace: string, source: { kind: 'ConfigMap' | 'Secret'; name: string; items?: { key: string; path: string }[]; optional?: boolean }): Record<string, string> {
  const keys = source.kind === 'Secret'
    ? (() => {
      const s = rendered.secrets.find((x) => x.metadata.name === source.name && (x.metadata.namespace ?? namespace) === namespace);
      return s ? [...new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})])] : undefined;
    })()
    : (() => {
      const cm = rendered.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.name && (o.metadata.namespace ?? namespace) === namespace);
      return cm ? [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})] : undefined;
    })();
  if (keys === undefined) {
    if (source.optional) return {};
    throw new Error(`the pod mounts ${source.kind} ${namespace}/${source.name}, which does not exist`);
  }
  const read = (key: string) => (source.kind === 'Secret'
    ? secretValue(rendered, namespace, source.name, key) : configMapValue(rendered, namespace, source.name, key));
  const files: Record<string, string> = {};
  for (const item of source.items ?? keys.map((key) => ({ key, path: key }))) {
    const v = read(item.key);
    if (v === undefined) {
      if (source.optional) continue;
      throw new Error(`the pod mounts key ${item.key} of ${source.kind} ${namespace}/${source.name}, which does not exist`);
    }
    files[item.path] = v;
  }
  return files;
}

/** The files a pod volume holds: path inside the volume → content (configMap, secret and projected volumes). */
function volumeContent(rendered: Rendered, namespace: string, volume: any): Record<string, string> {
  if (volume.configMap) return volumeFiles(rendered, namespace, { kind: 'ConfigMap', ...volume.configMap });
  if (volume.secret) return volumeFiles(rendered, namespace, { kind: 'Secret', name: volume.secret.secretName, ...volume.secret });
  if (volume.projected) {
    return Object.assign({}, ...volume.projected.sources.map((s: any) => {
      if (s.configMap) return volumeFiles(rendered, namespace, { kind: 'ConfigMap', ...s.configMap });
      if (s.secret) return volumeFiles(rendered, namespace, { kind: 'Secret', ...s.secret });
      throw new Error(`unsupported projected source ${JSON.stringify(s)}`);
    }));
  }
  throw new Error(`volume ${volume.name} holds no ConfigMap or Secret files`);
}

/**
 * The content of `filePath` as container `containerName` of `workload` sees it, when it comes from a ConfigMap,
 * Secret or projected volume: the mount (with its `subPath`) is found, then the volume's `items` mapping is applied.
 */
export function mountedFile(rendered: Rendered, workload: any, containerName: string, filePath: string): string {
  const c = containerOf(workload, containerName);
  const namespace: string = workload.metadata.namespace ?? 'default';
  const where = `${workload.kind} ${namespace}/${workload.metadata.name} container ${containerName}`;
  // the longest mount path that holds the file wins, as with nested mounts
  const mounts = (c.volumeMounts ?? [])
    .filter((m: any) => filePath === m.mountPath || filePath.startsWith(`${m.mountPath.replace(/\/+$/, '')}/`))
    .sort((a: any, b: any) => b.mountPath.length - a.mountPath.length);
  if (mounts.length === 0) throw new Error(`${where} mounts nothing at ${filePath}`);
  const mount = mounts[0];
  const volume = (workload.spec.template.spec.volumes ?? []).find((v: any) => v.name === mount.name);
  if (!volume) throw new Error(`${where} mounts volume ${mount.name}, which the pod does not define`);
  const inVolume = [mount.subPath, filePath.slice(mount.mountPath.length).replace(/^\/+/, '')].filter((p) => p).join('/');
  const files = volumeContent(rendered, namespace, volume);
  if (!(inVolume in files)) {
    throw new Error(`${where}: ${filePath} is ${inVolume} in volume ${mount.name}, which holds only ${Object.keys(files).join(', ')}`);
  }
  return files[inVolume];
}

/**
 * The file the container of `workload` reads at `inPod` (`mountedFile`), written to a new directory under `dir` by its
 * own name, e.g. a CA bundle for a local client to verify a test server with: that local path.
 */
export function localCopy(rendered: Rendered, workload: any, containerName: string, inPod: string, dir: string): string {
  const file = path.join(fs.mkdtempSync(path.join(dir, 'file-')), path.basename(inPod));
  fs.writeFileSync(file, mountedFile(rendered, workload, containerName, inPod));
  return file;
}

/**
 * `env` with each variable of `variables`, the path of a file the container mounts, pointing at a copy of that file
 * written to `dir` as the kubelet would have projected it: whole, and (its modification time at 1970) long before the
 * run, e.g. the list of the current Jobs a fenced Job reads (lib/core/current-jobs.ts), which then lets it go ahead.
 */
export function withMountedFiles(rendered: Rendered, workload: any, containerName: string, env: Record<string, string>,
  variables: readonly string[], dir: string): Record<string, string> {
  const out = { ...env };
  for (const variable of variables) {
    const file = path.join(fs.mkdtempSync(path.join(dir, 'mounted-')), path.basename(env[variable]));
    fs.writeFileSync(file, mountedFile(rendered, workload, containerName, env[variable]));
    fs.utimesSync(file, new Date(0), new Date(0));
    out[variable] = file;
  }
  return out;
}
