// A pipeline secret end to end, as Drone walks it: the runner finds the `kind: secret` document a step names, asks the
// extension at DRONE_SECRET_PLUGIN_ENDPOINT with the token both hold, and the extension reads the Secret its Role lets
// it read and hands it out by the build's repository and event (droneStepSecret of ./upstream.ts, each step citing
// drone-runner-kube v1.0.0-rc.5, runner-go v1.12.0, drone-go v1.0.0 and drone-kubernetes-secrets e0cacbf). What
// the runner does not find it runs the step without, the variable empty: every check here is of a value, not of YAML.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import {
  DockyardChart, DroneCi, DroneKubeRunner, DroneSecretsExtension, LocalSecretStore, Pipeline, PipelineEvent, repoMatches, RepositoryPipelines, SecretRef,
  SecretValue, Step, synthesize,
} from '../../lib';
import { IMAGES } from '../ci/pipeline-fixtures';
import { synthStack } from '../stacks';
import { repeatedSynths, serviceAccounts, stderrOf, testChart, thrown } from '../util';
import { droneServer } from './fixtures';
import { servingDuringDrain, servingDuringRollout } from '../core/rollout-model';
import { droneStepSecret, parsePolicies, placeBuild, RenderedPlatform, runnerConfigFiles, stepSecretWhileServing } from './upstream';

const EVENTS = Object.values(PipelineEvent);
const docsOf = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS());

describe('the default stack: each pipeline gets exactly the secrets its grants say, by Drone\'s own walk', () => {
  let chart: Chart | undefined;
  const stack = synthStack('default', (app) => (chart = defaultStack(app, DEFAULT_CONFIG)));
  const file = (chart!.node.findChild('ExamplePipeline') as RepositoryPipelines).render().flatMap((f) => docsOf(f.content));
  const ci = chart!.node.findAll().find((c): c is DroneCi => c instanceof DroneCi)!;
  const secretDocs = file.filter((d) => d.kind === 'secret');
  const value = (name: string, build: { repo: string; event: string }) => droneStepSecret(stack, 'drone-runner', file, name, build);
  const demo = `${DEFAULT_CONFIG.organization}/demo`;

  test('every step gets every secret it names, on every event it runs on', () => {
    const pipelines = file.filter((d) => d.kind === 'pipeline');
    expect(pipelines.map((p) => p.name)).toEqual(['build', 'deploy']);
    let checked = 0;
    for (const pipeline of pipelines) {
      for (const step of pipeline.steps) {
        const names = [...(pipeline.image_pull_secrets ?? []), ...Object.values(step.environment ?? {}).map((e: any) => e.from_secret).filter(Boolean)];
        for (const event of step.when?.event ?? pipeline.trigger.event) {
          for (const name of names) {
            const doc = secretDocs.find((d) => d.name === name);
            const stored = stack.secrets.find((s) => s.metadata.name === doc.get.path).stringData[doc.get.name];
            expect({ step: step.name, event, name, value: value(name, { repo: demo, event }) }).toEqual({ step: step.name, event, name, value: stored });
            checked++;
          }
        }
      }
    }
    // build: the pull secret on test and publish, publish's push login; deploy: the pull secret and the database URL
    expect(checked).toBe(10);
  });

  test('for any repository and event, exactly what DroneCi.grants records, in any case, and no pull request of a fork', () => {
    // a fork's pull request is a build of the target repository with event pull_request: the extension never looks at
    // the fork (plugin/plugin.go:71-76 sets Fork and Pull true, and runner-go v1.12.0 secret/external.go:81-85 drops Fork)
    const repos = [demo, 'Example/DEMO', 'example/other', 'example/demo.js', 'example/demo-2', 'other/demo', 'example/sub/demo'];
    for (const repo of repos) {
      for (const event of EVENTS) {
        const got = secretDocs.filter((d) => value(d.name, { repo, event }) !== '').map((d) => d.get.path).sort();
        const granted = [...ci.grants.secrets.values(), ...ci.grants.pullSecrets.values()]
          .filter((g) => g.repos.some((r) => repoMatches(r, repo)) && g.events.includes(event)).map((g) => g.name).sort();
        expect({ repo, event, got }).toEqual({ repo, event, got: granted });
      }
    }
    expect(EVENTS.flatMap((event) => secretDocs.filter((d) => value(d.name, { repo: demo, event }) !== ''))).not.toHaveLength(0);
    expect(secretDocs.filter((d) => value(d.name, { repo: demo, event: 'pull_request' }) !== '')).toEqual([]);
  });
});

/** A runner, an extension and a pipeline secret, rendered with their generated values. */
function rendered(build: (chart: DockyardChart) => void): RenderedPlatform {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-secrets-path-')) });
  const chart = new DockyardChart(app, 'test', { namespace: 'ci' });
  build(chart);
  const objects = chart.toJson();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-secrets-path-state-'));
  try {
    return { objects, secrets: docsOf(new LocalSecretStore({ statePath: path.join(dir, 'state.json') }).render(app)) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
}

// what a pipeline of acme/app asks for: the key `url` of the Secret `db`
const FILE = [{ kind: 'secret', name: 'db_url', get: { path: 'db', name: 'url' } }];
const PUSH = { repo: 'acme/app', event: 'push' };

describe('a runner that does not ask the engine\'s secrets extension', () => {
  const parts = (chart: Chart, wired: 'same' | 'none' | 'other') => {
    const server = droneServer(chart);
    const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
    const other = wired === 'other' ? new DroneSecretsExtension(chart, 'Other', { name: 'other-secrets' }) : undefined;
    const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension: wired === 'same' ? secretsExtension : other });
    return { server, secretsExtension, runner };
  };

  test('gets every secret empty and runs the step anyway (runner-go v1.12.0 secret/external.go, drone-runner-kube compiler.go:513-530)', () => {
    const secret = (ext: DroneSecretsExtension) => ext.addSecret('Db', { name: 'db', repos: ['acme/app'], values: { url: SecretValue.hex(16) } });
    const wired = rendered((chart) => secret(parts(chart, 'same').secretsExtension));
    expect(droneStepSecret(wired, 'drone-runner', FILE, 'db_url', PUSH)).toMatch(/^[0-9a-f]{16}$/);
    expect(droneStepSecret(rendered((chart) => secret(parts(chart, 'none').secretsExtension)), 'drone-runner', FILE, 'db_url', PUSH)).toBe('');
    expect(droneStepSecret(rendered((chart) => secret(parts(chart, 'other').secretsExtension)), 'drone-runner', FILE, 'db_url', PUSH)).toBe('');
  });

  test.each<['none' | 'other', string]>([
    ['none', 'none'],
    ['other', 'test/Other'],
  ])('is refused by DroneCi, naming the runner: it asks %s', (wired, asks) => {
    const chart = testChart('ci');
    const { server, secretsExtension, runner } = parts(chart, wired);
    expect(thrown(() => new DroneCi(chart, 'Ci', { server, runner, secretsExtension })).message).toBe('invalid runner "test/Runner": must ask ' +
      'the engine\'s secretsExtension test/Secrets for pipeline secrets (DroneKubeRunnerProps.secretsExtension): it asks ' + asks +
      ', so its pipelines would get every from_secret and image_pull_secrets empty');
  });

  test('the runner given the engine\'s extension is taken', () => {
    const chart = testChart('ci');
    const { server, secretsExtension, runner } = parts(chart, 'same');
    expect(new DroneCi(chart, 'Ci', { server, runner, secretsExtension }).runner.secretsExtension).toBe(secretsExtension);
  });
});

describe('while the extension rolls or its node drains, builds still get their secrets', () => {
  // a runner that reaches no extension pod runs the step with the secret empty (stepSecretWhileServing); how many
  // pods serve through a rollout and a drain is Kubernetes' (../core/rollout-model.ts)
  const stepValue = (replicas: number | undefined, disruption: 'rollout' | 'drain') => {
    const platform = rendered((chart) => {
      const server = droneServer(chart);
      const secretsExtension = new DroneSecretsExtension(chart, 'Secrets', { replicas });
      secretsExtension.addSecret('Db', { name: 'db', repos: ['acme/app'], values: { url: SecretValue.hex(16) } });
      new DroneKubeRunner(chart, 'Runner', { server, secretsExtension });
    });
    const extension = platform.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'drone-secrets');
    const serving = disruption === 'rollout' ? servingDuringRollout(extension) : servingDuringDrain(extension, platform.objects);
    return { serving, value: stepSecretWhileServing(serving, droneStepSecret(platform, 'drone-runner', FILE, 'db_url', PUSH)) };
  };

  test.each(['rollout', 'drain'] as const)('by default, through a %s: two pods, one at a time', (disruption) => {
    const { serving, value } = stepValue(undefined, disruption);
    expect(value).toMatch(/^[0-9a-f]{16}$/);
    // a rollout starts the new pod first (maxUnavailable 0); a drain may take one (the PodDisruptionBudget)
    expect(serving).toBe(disruption === 'rollout' ? 2 : 1);
  });

  test('with replicas: 1, a drain leaves the builds that start meanwhile without them; a rollout starts the new pod first', () => {
    // no PodDisruptionBudget (one would block the drain for good), so the eviction takes the only pod
    expect(stepValue(1, 'drain')).toEqual({ serving: 0, value: '' });
    expect(stepValue(1, 'rollout').serving).toBe(1);
  });

  test('more replicas keep every pod through a rollout: no pod goes before its successor is ready', () => {
    // Kubernetes' default would let 1 of 4 go (25% rounded down); maxUnavailable 0 keeps all
    expect(stepValue(4, 'rollout').serving).toBe(4);
    expect(stepValue(4, 'drain').serving).toBe(3);
  });
});

describe('day two: what changes reaches builds without a manual step', () => {
  /** Synths of one chart from one kept state, as `npm run synth` does, with what each wrote and printed. */
  function synths() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-secrets-day-two-'));
    const run = (repos: string[], rotate: string[] = [], secretName = 'db') => {
      const app = new App({ outdir: path.join(dir, 'dist') });
      const chart = new DockyardChart(app, 'test', { namespace: 'ci' });
      const server = droneServer(chart);
      const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
      const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension });
      const engine = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
      engine.addPipelineSecret('Db', { name: secretName, repos, values: { url: SecretValue.hex(16) } });
      new RepositoryPipelines(chart, 'App', { engine, repo: 'acme/app', pipelines: [new Pipeline({ name: 'test', events: [PipelineEvent.PUSH],
        steps: [Step.run('test', { image: IMAGES.go, commands: ['go test ./...'], secrets: { URL: SecretRef.of(secretName, 'url') } })] })] });
      const printed = stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate })));
      const read = (file: string) => fs.readFileSync(path.join(dir, 'dist', file), 'utf8');
      const platform: RenderedPlatform = { objects: docsOf(read('test.k8s.yaml')), secrets: docsOf(read('secrets.local.yaml')) };
      const checksum = (name: string) => platform.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)
        .spec.template.metadata.annotations['dockyard.dev/inputs-checksum'];
      const token = platform.secrets.find((s) => s.metadata.name === 'drone-secrets-token').stringData.token;
      return {
        platform, printed, manifests: read('test.k8s.yaml'), token, extension: checksum('drone-secrets'), runner: checksum('drone-runner'),
        pipelineFile: docsOf(read('pipelines/app.drone.yml')),
      };
    };
    return { run, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }

  test('a repository left out of a grant is refused at once: the extension reads the Secret on every request', () => {
    // plugin/plugin.go:45-50 gets the Secret from the API for each Find, annotations included: the apply of the new
    // annotations is the whole change, and neither pod rolls for it
    const s = synths();
    try {
      const before = s.run(['acme/app', 'acme/old']);
      const after = s.run(['acme/app']);
      expect(droneStepSecret(before.platform, 'drone-runner', FILE, 'db_url', { repo: 'acme/old', event: 'push' })).not.toBe('');
      expect(droneStepSecret(after.platform, 'drone-runner', FILE, 'db_url', { repo: 'acme/old', event: 'push' })).toBe('');
      expect(droneStepSecret(after.platform, 'drone-runner', FILE, 'db_url', PUSH)).not.toBe('');
      expect([after.extension, after.runner]).toEqual([before.extension, before.runner]);
    } finally {
      s.done();
    }
  });

  test('a secret renamed reaches builds once the repository holds the new file, and the synth says to commit it', () => {
    // Drone runs the .drone.yml the repository holds: its `get.path` names the old Secret, which the extension's Role
    // no longer lists, so the step gets the variable empty (runner-go secret/external.go, compiler.go:513-530)
    const s = synths();
    try {
      const before = s.run(['acme/app']);
      const same = s.run(['acme/app']);
      const renamed = s.run(['acme/app'], ['ci/app-db/url'], 'app-db');
      const stepGets = (synth: typeof before, file: any[]) => droneStepSecret(synth.platform, 'drone-runner', file,
        file.find((d) => d.kind === 'pipeline').steps[0].environment.URL.from_secret, PUSH);
      expect(stepGets(before, before.pipelineFile)).not.toBe('');
      expect(stepGets(renamed, before.pipelineFile)).toBe('');
      // the old Secret stays in the cluster after an apply without pruning, annotations and all: still refused, as
      // the extension reads it with a Role that names it no more (plugin/plugin.go:46 returns the API's error)
      const old = before.platform.secrets.filter((x) => x.metadata.name === 'db');
      expect(old).toHaveLength(1);
      expect(stepGets({ ...renamed, platform: { ...renamed.platform, secrets: [...renamed.platform.secrets, ...old] } }, before.pipelineFile)).toBe('');
      expect(stepGets(renamed, renamed.pipelineFile)).not.toBe('');
      const notices = (printed: string) => printed.split('\n').filter((l) => l.includes('app.drone.yml'));
      expect(notices(same.printed)).toEqual([]);
      expect(notices(renamed.printed)).toEqual([expect.stringMatching(/^dockyard: .*dist\/pipelines\/app\.drone\.yml changed: commit it to acme\/app as its \.drone\.yml: Drone runs the repository's copy, which may name secrets and routes no longer granted$/)]);
    } finally {
      s.done();
    }
  });

  test('a repository removed from a route loses the deploy identity once the runner rolls, which the apply does', () => {
    // the runner reads DRONE_POLICY_FILE once, at start (drone-runner-kube v1.0.0-rc.5 command/daemon/daemon.go), so a
    // policy left out reaches builds only through a new pod: the runner's checksum covers the projected ConfigMaps
    let repos = ['acme/app', 'acme/old'];
    const s = repeatedSynths((chart) => {
      const server = droneServer(chart);
      const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
      const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension, extraBuildNamespaces: ['deploys'] });
      serviceAccounts(chart, ['deploys'], ['deployer']);
      new DroneCi(chart, 'Ci', { server, runner, secretsExtension }).addRoute({ name: 'deploy', repos, namespace: 'deploys', serviceAccountName: 'deployer' });
    });
    try {
      const placed = (objects: any[]) => {
        const runner = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'drone-runner');
        const env = Object.fromEntries(runner.spec.template.spec.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        const config = runnerConfigFiles(objects);
        return {
          checksum: runner.spec.template.metadata.annotations['dockyard.dev/inputs-checksum'],
          old: placeBuild(env, parsePolicies(config['policies.yaml']), parse(config['namespace-rules.yaml']) ?? {}, { repo: 'acme/old', event: 'push' }),
        };
      };
      const before = placed(s.run());
      repos = ['acme/app'];
      const after = placed(s.run());
      expect(before.old).toEqual({ namespace: 'deploys', serviceAccountName: 'deployer' });
      expect(after.old).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
      expect(after.checksum).not.toBe(before.checksum);
    } finally {
      s.done();
    }
  });

  test('the shared token is generated once, kept, never printed, and a rotation rolls both pods that read it', () => {
    // both read it once, at start: the extension's SECRET_KEY (cmd/drone-kubernetes-secrets/main.go:31-35) and the
    // runner's DRONE_SECRET_PLUGIN_TOKEN (drone-runner-kube command/daemon/config.go:85-89, daemon.go:156-160)
    const s = synths();
    try {
      const first = s.run(['acme/app']);
      const again = s.run(['acme/app']);
      const rotated = s.run(['acme/app'], ['ci/drone-secrets-token/token']);
      expect(first.token).toMatch(/^[0-9a-f]{32}$/);
      expect(again.token).toBe(first.token);
      expect([again.extension, again.runner]).toEqual([first.extension, first.runner]);
      expect(rotated.token).not.toBe(first.token);
      expect(rotated.extension).not.toBe(first.extension);
      expect(rotated.runner).not.toBe(first.runner);
      // the pods that come up hold the same new token: the secret still reaches its pipeline
      expect(droneStepSecret(rotated.platform, 'drone-runner', FILE, 'db_url', PUSH)).not.toBe('');
      for (const synth of [first, again, rotated]) {
        expect(synth.printed).not.toContain(synth.token);
        expect(synth.manifests).not.toContain(synth.token);
      }
    } finally {
      s.done();
    }
  });
});
