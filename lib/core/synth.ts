import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { LocalSecretStore } from './local-secret-store';
import { OutputFile } from './output-file';
import { Secret } from './secret';
import { toYaml } from './yaml';

/** The file of generated Secrets, beside the main manifests and git-ignored. */
export const SECRETS_FILE = 'secrets.local.yaml';

/**
 * Synthesize `app` into its output directory, as `cdk8s synth` expects: one `<chart id>.k8s.yaml` per chart, every
 * `OutputFile`, and, from `secrets`, the generated Secrets (`secrets.local.yaml`) and every `SecretFile`, readable
 * only by their owner. Returns the paths written.
 *
 * Everything is rendered before anything is written, so a failure writes nothing. The charts are resolved first,
 * because resolving them settles which namespaces need a copy of which Secret. It stands in for `App.synth()`:
 * `Chart.toJson()` still validates and resolves every construct, but the YAML writer is several times faster.
 */
export function synthesize(app: App, secrets: LocalSecretStore): string[] {
  const manifests = app.charts.map((chart) => ({ path: `${chart.node.id}.k8s.yaml`, content: toYaml(chart.toJson()) }));
  const outputs = OutputFile.allIn(app).map((f) => ({ path: f.path, content: f.content() }));
  const rendered = secrets.renderAll(app);
  const out = (p: string) => path.join(app.outdir, p);
  for (const file of [...manifests, ...outputs]) {
    fs.mkdirSync(path.dirname(out(file.path)), { recursive: true });
    fs.writeFileSync(out(file.path), file.content);
  }
  for (const file of [{ path: SECRETS_FILE, content: rendered.manifest }, ...rendered.files]) {
    secrets.writeManifest(out(file.path), file.content);
  }
  return [...manifests, ...outputs, { path: SECRETS_FILE }, ...rendered.files].map((f) => out(f.path));
}

/** Tell the operator, on stderr, which existing Secrets the app reads and must be created before applying. */
export function printRequiredSecrets(app: App): void {
  for (const s of Secret.requiredIn(app)) {
    process.stderr.write(`dockyard: create Secret ${s.namespace}/${s.secretName} (keys: ${s.keys.join(', ')}): ${s.description ?? ''}\n`);
  }
}
