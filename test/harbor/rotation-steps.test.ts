import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import {
  DockyardChart, ExternalPostgres, HarborGarbageCollection, HarborProps, LocalSecretStore, ProxyUpstream, Redis, RobotPermission, Secret, SecretValue,
} from '../../lib';
import { CURRENT_JOBS_KEY } from '../../lib/core/current-jobs';
import { container, envOf, find, stderrOf, synth, testChart } from '../util';
import { copyKeptState, keptState } from '../integ/rendered';
import { inClusterHarbor, stateReviewHarbor } from './fixtures';

// The two rotations Harbor takes up through whichever core pod answers while core rolls (lib/harbor/rotation-steps.ts),
// read against goharbor/harbor v2.15.1:
// - the registry cache's Redis password: a saved garbage-collection schedule keeps the URL from the environment of the
//   core pod that answered the save (src/server/v2.0/handler/gc.go:87, `_REDIS_URL_REG`), which GET never shows
//   (src/server/v2.0/handler/model/gc.go:113-124), and the configure Job saves it at the apply, while core rolls;
// - Harbor's database password: jobservice loads it from core's configuration API, CORE_URL + /api/v2.0/internalconfig
//   (src/pkg/config/rest/manager.go:35-46, src/common/const.go:150), where core answers with its own environment's
//   POSTGRESQL_PASSWORD (src/lib/config/metadata/metadatalist.go:106), and registers the database with it once, at start
//   (src/jobservice/job/impl/context.go:66-93).
// A synth that rotates either key prints, in one warning line, the command to run once applied; any other key, none.

/** Whether a warning line is a step after a rotation (`stepAfterRotating`). */
const isStep = (line: string) => /^dockyard: warning: rotated \S+: once applied, /.test(line);

/**
 * The step lines a synth rotating `rotate` prints for the app `build` makes, on a state made by a first synth. That
 * synth starts from a copy of HARBOR_STATE: the values it keeps (Harbor's RSA token key, 1-2 s to draw) are taken, what
 * the app declares beyond them is drawn.
 */
function stepsOf(build: () => App, rotate: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-rotation-steps-'));
  try {
    copyKeptState(HARBOR_STATE(), dir);
    const statePath = path.join(dir, 'secrets.json');
    stderrOf(() => new LocalSecretStore({ statePath }).render(build()));
    return stderrOf(() => new LocalSecretStore({ statePath, rotate }).render(build())).split('\n').filter(isStep);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An app with the state reviews' Harbor (namespace `harbor`, its Redis and database in the app), `props` aside. */
function harborApp(props: Partial<HarborProps> = {}, registryCache = false): () => App {
  return () => {
    const app = new App({ outdir: '/nonexistent' });
    const chart = new DockyardChart(app, 'platform', { namespace: 'dockyard' });
    const harbor = stateReviewHarbor(chart, {
      ...props, ...(registryCache ? { registryCache: new Redis(chart, 'RegistryCache', { name: 'registry-cache', namespace: 'harbor' }) } : {}),
    });
    harbor.addProject('apps', {});
    return app;
  };
}

/** The state of the default `harborApp()`, made once in the file. */
const HARBOR_STATE = keptState(harborApp());

const CORE_ROLLED = 'run kubectl -n harbor rollout status deployment/harbor-core && ';
const GC_STEP = 'dockyard: warning: rotated harbor/redis-password/password: once applied, Harbor\'s configuration Job may have saved the ' +
  `garbage-collection schedule with the old password, through an old core pod: ${CORE_ROLLED}kubectl -n harbor delete job --ignore-not-found ` +
  '"$(kubectl -n harbor get configmap harbor-configure-jobs -o jsonpath=\'{.data.current-jobs}\' | head -n 1)", then apply the manifests again ' +
  '(see the README, "Credentials")';
const JOBSERVICE_STEP = 'dockyard: warning: rotated dockyard/harbor-db-registry/password: once applied, Harbor\'s jobservice may have loaded ' +
  `the old password from an old core pod as it started: ${CORE_ROLLED}kubectl -n harbor rollout restart deployment/harbor-jobservice ` +
  '(see the README, "Credentials")';

describe('the step a rotation prints, for a window Harbor leaves open through whichever core pod answers', () => {
  test('rotating the registry cache\'s Redis password prints how to run the schedule\'s Job again once core has rolled', () => {
    expect(stepsOf(harborApp(), ['harbor/redis-password/password'])).toEqual([GC_STEP]);
  });

  test('rotating Harbor\'s database password prints how to restart jobservice once core has rolled', () => {
    expect(stepsOf(harborApp(), ['dockyard/harbor-db-registry/password'])).toEqual([JOBSERVICE_STEP]);
  });

  test('every other key prints no step; "all" prints both, once each', () => {
    const app = harborApp();
    for (const key of ['harbor/harbor-core/secret', 'harbor/harbor-jobservice/secret', 'harbor/harbor-registry/password', 'dockyard/harbor-db-superuser/password']) {
      expect([key, stepsOf(app, [key])]).toEqual([key, []]);
    }
    expect(stepsOf(app, ['all'])).toEqual([JOBSERVICE_STEP, GC_STEP]);
  });

  test('with a registry cache of its own, its password carries the schedule\'s step and the main Redis\'s none', () => {
    const app = harborApp({}, true);
    expect(stepsOf(app, ['harbor/redis-password/password'])).toEqual([]);
    expect(stepsOf(app, ['harbor/registry-cache-password/password'])).toEqual([GC_STEP.replace('redis-password', 'registry-cache-password')]);
  });

  test('a password Harbor reads as a copy carries the step to the key it copies, which is what a rotation names', () => {
    const app = () => {
      const a = new App({ outdir: '/nonexistent' });
      const chart = new DockyardChart(a, 'platform', { namespace: 'dockyard' });
      const origin = new Secret(chart, 'Origin', { name: 'db-origin', namespace: 'harbor', values: { password: SecretValue.alphanumeric(32) } }).key('password');
      const copy = new Secret(chart, 'Copy', { name: 'db-copy', namespace: 'harbor', values: { password: SecretValue.copyOf(origin) } }).key('password');
      stateReviewHarbor(chart, { database: new ExternalPostgres(chart, 'Db', { host: 'db.example.com', databaseName: 'registry', user: 'harbor', password: copy }) });
      return a;
    };
    expect(stepsOf(app, ['harbor/db-origin/password'])).toEqual([JOBSERVICE_STEP.replace('dockyard/harbor-db-registry/password', 'harbor/db-origin/password')]);
  });

  test('no schedule saves nothing to step after; a schedule kept in the portal is saved again there', () => {
    expect(stepsOf(harborApp({ garbageCollection: HarborGarbageCollection.none() }), ['harbor/redis-password/password'])).toEqual([]);
    expect(stepsOf(harborApp({ garbageCollection: HarborGarbageCollection.unmanaged() }), ['harbor/redis-password/password'])).toEqual([
      'dockyard: warning: rotated harbor/redis-password/password: once applied, a garbage-collection schedule saved in Harbor\'s portal keeps ' +
      `the old password: ${CORE_ROLLED}save it again in the portal (Administration, Clean Up, Save) (see the README, "Credentials")`,
    ]);
  });
});

describe('what the steps name is what the synth writes', () => {
  test('core and jobservice are Deployments of those names, and jobservice loads its configuration from core', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const objects = synth(chart);
    expect(find(objects, 'Deployment', 'harbor-core', 'harbor')).toBeDefined();
    const env = envOf(container(find(objects, 'Deployment', 'harbor-jobservice', 'harbor')));
    expect(env.CORE_URL.value).toBe('http://harbor-core:80');
    // no database setting of its own: the password comes from core's
    expect(Object.keys(env).filter((k) => /POSTGRES/.test(k))).toEqual([]);
  });

  test('the first line of the current Jobs\' list is the Job that saves the schedule, on a Harbor of many chunks', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
    for (let i = 0; i < 200; i++) {
      const team = `team-${String(i).padStart(4, '0')}`;
      harbor.addProject(team, {});
      harbor.addRobot(`${team}-pull`, { permissions: [RobotPermission.pull(team)], description: 'pulls' });
    }
    const objects = synth(chart);
    const listed = find(objects, 'ConfigMap', 'harbor-configure-jobs', 'harbor').data[CURRENT_JOBS_KEY].split('\n').filter(Boolean);
    expect(listed.length).toBeGreaterThan(1);
    const withGc = objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-')).filter((job) => {
      const configMap = find(objects, 'ConfigMap', job.spec.template.spec.volumes[0].projected.sources[1].configMap.name);
      return JSON.parse(configMap.data['config.json']).gc?.cron !== undefined;
    });
    expect(withGc.map((j) => j.metadata.name)).toEqual([listed[0]]);
  });
});

describe('the README quotes the steps as printed', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  // the README's inline code spans lines: read it with each line break as one space, as Markdown renders it
  const flat = readme.replace(/\n/g, ' ');

  test('the jobservice step, for the default stack\'s key', () => {
    expect(flat).toContain(`\`${JOBSERVICE_STEP.replace('dockyard/harbor-db-registry/password', 'dockyard/postgres-registry/password')}\``);
  });

  test('the schedule step\'s commands, in the Redis section', () => {
    const command = GC_STEP.slice(GC_STEP.indexOf(CORE_ROLLED) + 'run '.length, GC_STEP.indexOf(', then apply'));
    expect(readme.split('\n')).toContain(command);
  });
});
