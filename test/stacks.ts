import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, WOODPECKER_HOST } from '../apps/default/config';
import { defaultStack } from '../apps/default/stack';
import { digitalOceanCharts } from '../apps/digitalocean/charts';
import { DIGITALOCEAN_EXAMPLE } from '../apps/digitalocean/config';
import { harborOnDigitalOcean } from '../apps/harbor-do/stack';
import { teamsStack } from '../apps/teams/stack';
import { CiEngineKind, LocalSecretStore, Secret } from '../lib';
import { copyKeptState, keptRsaKeys } from './integ/rendered';

/** One example stack, synthesized in memory the way its entry point does. */
export interface ExampleStack {
  readonly name: string;
  /** The main manifests. */
  readonly objects: any[];
  /** The generated Secrets, rendered by the stack's secret source. */
  readonly secrets: any[];
  /** Secrets that exist outside the manifests: user-provided or issued by cert-manager. */
  readonly externalSecrets: { namespace: string; name: string }[];
  /** The main manifests as YAML. */
  readonly yaml: string;
}

/**
 * Synthesize the stack `build` defines, with its generated Secrets from a fresh local state, or from a copy of the
 * kept state in `startFrom` (test/integ/rendered.ts keptRsaKeys).
 */
export function synthStack(name: string, build: (app: App) => Chart, startFrom?: string): ExampleStack {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-stack-')) });
  const chart = build(app);
  // resolve the charts first, as `synthesize` does: that settles where each Secret is needed
  const objects = chart.toJson();
  const statePath = path.join(app.outdir, 'state.json');
  if (startFrom !== undefined) copyKeptState(startFrom, statePath);
  const secrets = parseAllDocuments(new LocalSecretStore({ statePath }).render(app)).map((d) => d.toJS());
  const tls = objects.filter((o) => o.kind === 'Ingress').flatMap((i) => (i.spec.tls ?? [])
    .map((t: any) => ({ namespace: i.metadata.namespace, name: t.secretName })));
  return {
    name,
    objects,
    secrets,
    externalSecrets: [...Secret.requiredIn(app).map((s) => ({ namespace: s.namespace, name: s.secretName })), ...tls],
    yaml: app.synthYaml(),
  };
}

/** The teams of the 'digitalocean-teams' example stack. */
const DIGITALOCEAN_TEAMS = [
  { name: 'payments', repos: ['example/payments-*'], namespaces: ['payments', 'payments-staging'], quota: { cpu: '2' }, registryQuotaGiB: 30 },
  { name: 'search', repos: ['example/search'], dedicatedRunner: true },
];

/** How each example stack is built; `imageMirror` relocates every image to an air-gap mirror. */
const BUILDERS: Record<string, (app: App, imageMirror?: string) => Chart> = {
  'default': (app, imageMirror) => defaultStack(app, { ...DEFAULT_CONFIG, imageMirror }),
  'default-woodpecker': (app, imageMirror) => defaultStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST, imageMirror }),
  'harbor-do': (app, imageMirror) => harborOnDigitalOcean(app, imageMirror),
  'digitalocean': (app, imageMirror) => digitalOceanCharts(app, { ...DIGITALOCEAN_EXAMPLE, imageMirror }),
  'digitalocean-woodpecker': (app, imageMirror) => digitalOceanCharts(app, { ...DIGITALOCEAN_EXAMPLE, ciEngine: CiEngineKind.WOODPECKER, imageMirror }),
  // the program's `teams` setting: two teams, one on a runner of its own, as `pulumi config set --path` gives them
  'digitalocean-teams': (app, imageMirror) => digitalOceanCharts(app, { ...DIGITALOCEAN_EXAMPLE, imageMirror, teams: DIGITALOCEAN_TEAMS }),
  'teams': (app, imageMirror) => teamsStack(app, { ...DEFAULT_CONFIG, imageMirror, teams: 3 }),
  'teams-woodpecker': (app, imageMirror) => teamsStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST, imageMirror, teams: 3 }),
};

/**
 * Harbor's RSA token key and the digest key, drawn once in a test file (test/integ/rendered.ts keptRsaKeys): a draw
 * takes 1-2 s, most of a synth's time, and every example stack has a Harbor that declares the key at the same state
 * key. A synth starting from it draws every other value as on a new state.
 */
export const TOKEN_KEY = keptRsaKeys(() => BUILDERS.default(new App()));

/**
 * Every example stack under apps/ that `cdk8s synth` produces. `synth` starts from TOKEN_KEY; `synthNew` from a new
 * state, for a check that two synths agree whatever their states hold (the policy suite's determinism check).
 */
export const EXAMPLE_STACKS = Object.entries(BUILDERS).map(([name, build]) => ({
  name,
  build,
  synth: () => synthStack(name, (app) => build(app), TOKEN_KEY()),
  synthNew: () => synthStack(name, (app) => build(app)),
}));
