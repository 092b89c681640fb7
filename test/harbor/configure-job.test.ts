import { createHash } from 'crypto';
import * as fs from 'fs';
import { Harbor, ImageRelocation, Images, RobotPermission, Secret, SecretValue } from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';
import { inClusterHarbor } from './fixtures';
import { scriptCode } from '../../lib/harbor/script-code';

// What names the configure Jobs and their ConfigMaps (lib/harbor/configure-job.ts) as the declarations and the
// cluster's state change between applies of dist/.

const hash8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);
const jobs = (objects: any[]) => objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
/** The names of the ConfigMaps `job` mounts: its script's and its state's. */
const mountedBy = (job: any): string[] => job.spec.template.spec.volumes[0].projected.sources.map((s: any) => s.configMap.name);

/** A Harbor with project `apps` and a robot for each of `robots`, pulling from it. */
function build(robots: readonly string[], options: { version?: string; mirror?: string; mirrorLogin?: boolean } = {}) {
  const chart = testChart('harbor');
  const harbor = inClusterHarbor(chart, options.version ? { version: options.version } : {});
  harbor.addProject('apps');
  robots.forEach((r) => harbor.addRobot(r, { permissions: [RobotPermission.pull('apps')] }));
  if (options.mirror) {
    Images.relocate(chart, ImageRelocation.registry(options.mirror));
  }
  if (options.mirrorLogin) {
    const login = new Secret(chart, 'MirrorLogin', { name: 'mirror-login', values: { '.dockerconfigjson': SecretValue.password(20) } });
    Images.usePullSecret(chart, [options.mirror ?? 'docker.io'], login);
  }
  return synth(chart);
}

const job = (objects: any[]) => {
  expect(jobs(objects)).toHaveLength(1);
  return jobs(objects)[0];
};

// A Job's pod template is immutable (kubernetes/kubernetes pkg/apis/batch/validation/validation.go
// validatePodTemplateUpdate: ValidateImmutableField(spec.Template, ...)): `kubectl apply` of a changed template under
// an existing Job's name fails, so whatever changes in it must name a new Job.
describe('the configure Job\'s name', () => {
  test('follows Harbor\'s version, which its pods carry as a label', () => {
    const other = (Harbor.VERSION as string) === '2.15.2' ? '2.15.1' : '2.15.2';
    const [current, bumped] = [job(build(['ci'])), job(build(['ci'], { version: other }))];
    expect(bumped.spec.template.metadata.labels['app.kubernetes.io/version']).toBe(other);
    expect(current.spec.template.metadata.labels['app.kubernetes.io/version']).toBe(Harbor.VERSION);
    // what it applies is the same
    expect(mountedBy(bumped)).toEqual(mountedBy(current));
    expect(bumped.metadata.name).not.toBe(current.metadata.name);
  });

  test('follows its image as relocated, and the pull secret a mirror login gives its pod', () => {
    const plain = job(build(['ci']));
    const one = job(build(['ci'], { mirror: 'registry.example.com/mirror' }));
    const two = job(build(['ci'], { mirror: 'registry2.example.com/mirror' }));
    const login = job(build(['ci'], { mirror: 'registry.example.com/mirror', mirrorLogin: true }));
    expect([plain, one, two].map((j) => container(j).image)).toEqual([
      'docker.io/library/node:22.12.0-alpine', 'registry.example.com/mirror/library/node:22.12.0-alpine', 'registry2.example.com/mirror/library/node:22.12.0-alpine',
    ]);
    expect(one.spec.template.spec.imagePullSecrets).toBeUndefined();
    expect(login.spec.template.spec.imagePullSecrets).toEqual([{ name: 'mirror-login' }]);
    expect(new Set([plain, one, two, login].map((j) => j.metadata.name)).size).toBe(4);
    // and the same declarations make the same name
    expect(job(build(['ci'], { mirror: 'registry.example.com/mirror', mirrorLogin: true })).metadata.name).toBe(login.metadata.name);
  });
});

describe('the configure ConfigMaps', () => {
  test('are named by their content, and each Job mounts those of its own content', () => {
    const objects = build(['ci']);
    const [script, state] = mountedBy(job(objects));
    const scriptText = fs.readFileSync(require.resolve('../../lib/harbor/configure.js'), 'utf8');
    // by its code: its comment lines left out (script-code.ts)
    expect(script).toBe(`harbor-configure-script-${hash8(scriptCode(scriptText))}`);
    // and it holds that code: the comments are read in lib/harbor/configure.js, and the object stays small
    expect(find(objects, 'ConfigMap', script).data['configure.js']).toBe(scriptCode(scriptText));
    expect(scriptCode(scriptText).length).toBeLessThan(scriptText.length * 0.7);
    const config = find(objects, 'ConfigMap', state).data['config.json'];
    expect(state).toBe(`harbor-configure-${hash8(config)}`);
    expect(JSON.parse(config).robots.map((r: any) => r.name)).toEqual(['ci']);
    // a change of state, a new ConfigMap; the script's stays
    const more = build(['ci', 'deploy']);
    expect(mountedBy(job(more))[0]).toBe(script);
    expect(mountedBy(job(more))[1]).not.toBe(state);
  });

  // a release that only rewords the script's comments (e77301f reflowed one paragraph) ran every configure Job again
  // in every cluster and left the old script's ConfigMap behind (an upgrade trial)
  test('a script changed only in its comment lines changes neither its ConfigMap nor the Job; one changed in its code renames both', () => {
    const scriptText = fs.readFileSync(require.resolve('../../lib/harbor/configure.js'), 'utf8');
    const withScript = (text: string) => {
      // the module itself: the namespace import's bindings cannot be replaced
      const nodeFs: typeof fs = require('fs');
      const read = nodeFs.readFileSync;
      const spy = jest.spyOn(nodeFs, 'readFileSync').mockImplementation(((file: any, ...rest: any[]) =>
        (typeof file === 'string' && file.endsWith('configure.js') ? text : (read as any)(file, ...rest))) as any);
      try {
        const objects = build(['ci']);
        const j = job(objects);
        return { job: j.metadata.name, script: mountedBy(j)[0], content: find(objects, 'ConfigMap', mountedBy(j)[0]).data['configure.js'] };
      } finally {
        spy.mockRestore();
      }
    };
    const now = withScript(scriptText);
    const reworded = withScript(scriptText.replace(/^(\/\/ .*)$/m, '$1, reworded\n//\n/**\n * and a new paragraph\n */\n'));
    expect([reworded.script, reworded.job, reworded.content]).toEqual([now.script, now.job, now.content]);
    const changed = withScript(`${scriptText}\nconst unused = 1;\n`);
    expect(changed.script).not.toBe(now.script);
    expect(changed.job).not.toBe(now.job);
  });

  // a team's robots are declared in the order of the addTeam calls, which may be a list's or a directory's: a chunk
  // lists its items in the order of their keys (hashes of the names), so declaring them otherwise runs no Job again
  test('robots declared in another order make the same ConfigMap and Job', () => {
    const names = ['alpha-push', 'bravo-push', 'charlie-push', 'delta-push'];
    const forward = build(names);
    const backward = build([...names].reverse());
    expect(mountedBy(job(backward))).toEqual(mountedBy(job(forward)));
    expect(job(backward).metadata.name).toBe(job(forward).metadata.name);
    // and not in the order declared, which one of the two orders would be
    const listed = JSON.parse(find(forward, 'ConfigMap', mountedBy(job(forward))[1]).data['config.json']).robots.map((r: any) => r.name);
    expect([...listed].sort()).toEqual(names);
    expect(listed).not.toEqual(names);
  });

  // The old Job can still be running when the new output is applied: restartPolicy OnFailure retries it for up to an
  // hour (activeDeadlineSeconds), and each retry reads the projected ConfigMaps again. With fixed names it read the
  // new config.json with its old environment: after a robot is removed, the variables after it are renumbered, and
  // a variable of the old Job holds another robot's secret, which it would set on the robot the new state names.
  test('a Job still retrying after the next apply reads the state its environment was made for', () => {
    const before = build(['a', 'b', 'c']);
    // a robot removed whose variable was not the last: those after it are renumbered (in the order of their keys,
    // here c and b, whatever the order declared)
    const after = build(['b', 'c']);
    // the cluster after applying `after` over `before`: ConfigMaps by name, the newer content winning
    const cluster = new Map([...before, ...after].filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o]));
    const variable = (objects: any[], robot: string) => JSON.parse(cluster.get(mountedBy(job(objects))[1])!.data['config.json'])
      .robots.find((r: any) => r.name === robot).secretEnv;
    expect(variable(after, 'c')).not.toBe(variable(before, 'c'));
    for (const [j, robots] of [[job(before), ['a', 'b', 'c']], [job(after), ['b', 'c']]] as const) {
      const env = envOf(container(j));
      const state = JSON.parse(cluster.get(mountedBy(j)[1])!.data['config.json']);
      expect(state.robots.map((r: any) => r.name).sort()).toEqual(robots);
      for (const robot of state.robots) {
        expect(env[robot.secretEnv].valueFrom.secretKeyRef).toEqual({ name: `harbor-robot-${robot.name}`, key: 'secret' });
      }
    }
    expect(mountedBy(job(after))[1]).not.toBe(mountedBy(job(before))[1]);
  });
});

describe('a finished configure Job', () => {
  // Kubernetes docs, "Automatic Cleanup for Finished Jobs": the TTL-after-finished controller deletes a Job (and its
  // pods) ttlSecondsAfterFinished seconds after it completes or fails
  test('is removed after ten minutes, so that an earlier state applied again runs its Job again', () => {
    const objects = build(['ci']);
    expect(job(objects).spec).toMatchObject({ backoffLimit: 6, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 600 });
    // going back to an earlier state names the earlier Job: were it still in the cluster, completed, `kubectl apply`
    // would change nothing and Harbor would keep what the later Job set
    const names = [build(['ci']), build(['ci', 'deploy']), build(['ci'])].map((o) => job(o).metadata.name);
    expect(names[1]).not.toBe(names[0]);
    expect(names[2]).toBe(names[0]);
  });
});
