import * as fs from 'fs';
import * as path from 'path';
import { RobotPermission } from '../../lib';
import { container, currentJobsLists, envOf, synth, testChart } from '../util';
import { configureHarness } from './configure-run';
import { inClusterHarbor } from './fixtures';

// lib/harbor/configure.js, "Superseded runs": a configure Job of an earlier state, still retrying when a newer state is
// applied, must not set its older state over the newer one (a retired robot back, a rotated secret set back). Each Job
// knows its name (JOB_NAME, from its pod's job-name label, which the API server requires on every pod of a Job with a
// generated selector: kubernetes/kubernetes pkg/apis/batch/validation/validation.go validateGeneratedSelector) and
// reads the list of the current Jobs, a ConfigMap of a fixed name whose new content the kubelet projects into running
// pods too (a whole projected volume, no subPath). These runs stand for both pods with a file of their own.

const ADMIN_PASSWORD = 'Adm1n-Pa55word-x';
const SECRETS = { ROBOT_CI_PUSH_SECRET: 'CiPush-Secret-2025' };
const configure = configureHarness({ adminPassword: ADMIN_PASSWORD, secrets: SECRETS });

/** An earlier state: project apps and its robot ci-push, which the newer state retires. */
function earlier(): any {
  return {
    registries: [],
    projects: [{ name: 'apps', public: false, registry: null, storageLimit: -1, metadata: {} }],
    robots: [{
      name: 'ci-push', level: 'system', project: null, description: '', duration: -1, secretEnv: 'ROBOT_CI_PUSH_SECRET',
      permissions: [{ kind: 'project', namespace: 'apps', access: [{ resource: 'repository', action: 'push' }] }],
    }],
  };
}

const lists = currentJobsLists();
const list = lists.write;

/** The fence's variables: this run is Job `job`, the list is `file`. */
function fenced(job: string, file: string, more: Record<string, string> = {}): Record<string, string> {
  return { JOB_NAME: job, CURRENT_JOBS_FILE: file, HARBOR_SETTLE_SECONDS: '0', HARBOR_SUPERSEDED_WAIT_SECONDS: '0', ...more };
}

describe('configure.js: a Job the list of current Jobs leaves out', () => {
  test('writes nothing and stops with status 0: the earlier Job does not bring back the robot the newer one retired', async () => {
    // the newer Job has deleted ci-push; the earlier one, still declaring it, runs again (Harbor was down, say)
    const result = await configure.run(earlier(), fenced('harbor-configure-1111aaaa', list(['harbor-configure-2222bbbb'])));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('job harbor-configure-1111aaaa: superseded, the current configure Jobs');
    expect(configure.harbor.writes()).toEqual([]);
    expect(configure.harbor.robot('ci-push')).toBeUndefined();
    expect(configure.harbor.project('apps')).toBeUndefined();
  });

  /**
   * A watch of the run's output that, once it shows `trigger`, waits `afterMs` and then writes the list `names`, as the
   * kubelet projects a new one, noting the writes Harbor had seen by then (`seen.writes`).
   */
  function listLater(trigger: string, names: string[], afterMs = 1000) {
    // undefined until the list changes: a run that ended before then (writing without waiting) fails the test
    const seen: { writes?: string[]; triggered?: boolean } = {};
    const watch = (stdout: string) => {
      if (stdout.includes(trigger) && !seen.triggered) {
        seen.triggered = true;
        setTimeout(() => {
          seen.writes = configure.harbor.writes();
          list(names);
        }, afterMs);
      }
    };
    return { seen, watch };
  }

  test('waits for a list that names it (its copy may predate the apply that made it), writing nothing meanwhile, then applies', async () => {
    const later = listLater('not among the current configure Jobs', ['harbor-configure-2222bbbb']);
    const env = fenced('harbor-configure-2222bbbb', list(['harbor-configure-1111aaaa']), { HARBOR_SUPERSEDED_WAIT_SECONDS: '10' });
    const result = await configure.run(earlier(), env, later.watch);
    expect(later.seen.writes).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done: 0 registries, 1 projects, 1 robots');
    expect(configure.harbor.robot('ci-push')).toBeDefined();
  });

  // pulumi-kubernetes provider/pkg/provider/forcenew.go: a change of a ConfigMap's `.data` replaces it, and a fixed
  // name is deleted before it is made anew, so every pod sees the list gone for a moment
  test('without a list (pulumi up deletes it before it makes it anew), writes nothing until one comes, and follows it', async () => {
    // the list comes as soon as the run says it waits: one that came after the run's wait would find it unfenced, and
    // how late a timer lands on a loaded machine is not the test's to guess
    const later = listLater('no list of current configure Jobs', ['harbor-configure-2222bbbb'], 0);
    const env = fenced('harbor-configure-1111aaaa', path.join(lists.dir(), 'current-jobs'), { HARBOR_SUPERSEDED_WAIT_SECONDS: '3' });
    const result = await configure.run(earlier(), env, later.watch);
    expect(later.seen.writes).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('job harbor-configure-1111aaaa: superseded');
    expect(configure.harbor.writes()).toEqual([]);
  });

  test('left out, then without a list (an apply replacing it), still stops as superseded: never unfenced', async () => {
    const file = list(['harbor-configure-2222bbbb']);
    let removed = false;
    const env = fenced('harbor-configure-1111aaaa', file, { HARBOR_SUPERSEDED_WAIT_SECONDS: '3' });
    // gone as soon as the run says it is left out (not on a timer, which on a loaded machine could land after the wait)
    const result = await configure.run(earlier(), env, (stdout) => {
      if (stdout.includes('not among the current configure Jobs') && !removed) {
        removed = true;
        fs.rmSync(file);
      }
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('job harbor-configure-1111aaaa: superseded, the list of current configure Jobs');
    expect(result.stdout).not.toContain('unfenced');
    expect(configure.harbor.writes()).toEqual([]);
  });

  test('once unfenced, a list that comes and leaves it out fences it again: its going later does not unfence it', async () => {
    const file = path.join(lists.dir(), 'current-jobs');
    // the first write (the project) is held a second, while a list that leaves the run out comes; it goes once the run
    // has read it (says it is left out), not on a timer, which on a loaded machine could land before the run reads it
    configure.harbor.delayNext('POST', /^\/api\/v2\.0\/projects$/, 1000);
    let listed = false;
    let removed = false;
    const env = fenced('harbor-configure-1111aaaa', file, { HARBOR_SUPERSEDED_WAIT_SECONDS: '1' });
    const result = await configure.run(earlier(), env, (stdout) => {
      if (stdout.includes('applying unfenced') && !listed) {
        listed = true;
        list(['harbor-configure-2222bbbb']);
      }
      if (stdout.includes('not among the current configure Jobs') && !removed) {
        removed = true;
        fs.rmSync(file);
      }
    });
    expect(removed).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('job harbor-configure-1111aaaa: superseded');
    expect(configure.harbor.writes()).toEqual(['POST /api/v2.0/projects']);
    expect(configure.harbor.robot('ci-push')).toBeUndefined();
  });

  test('stops before its next write once a newer list leaves it out', async () => {
    const file = list(['harbor-configure-1111aaaa']);
    let writesWhenLeftOut = -1;
    const result = await configure.run(earlier(), fenced('harbor-configure-1111aaaa', file), (stdout) => {
      if (stdout.includes('project apps: created') && writesWhenLeftOut < 0) {
        // the apply of a newer state: the kubelet projects the new list while the run goes on
        list(['harbor-configure-2222bbbb']);
        writesWhenLeftOut = configure.harbor.writes().length;
      }
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('superseded');
    expect(configure.harbor.writes()).toHaveLength(writesWhenLeftOut);
    expect(configure.harbor.robot('ci-push')).toBeUndefined();
  });
});

describe('configure.js: a Job the list names', () => {
  // the list's age when the run reaches its first write is the time the run took to get there, which a loaded machine
  // stretches past a short settle time (then it waits not at all): an hour's, which no run takes to get there, and the
  // run stopped once it says it waits (ensureCurrent then sleeps what is left of the hour), having written nothing
  test('waits before its first write until its copy of the list is HARBOR_SETTLE_SECONDS old', async () => {
    const file = list(['harbor-configure-2222bbbb'], 0);
    let writesWhileSettling = -1;
    const result = await configure.run(earlier(), fenced('harbor-configure-2222bbbb', file, { HARBOR_SETTLE_SECONDS: '3600' }), (stdout, stop) => {
      if (stdout.includes('waiting until the list of current Jobs is 3600s old') && writesWhileSettling < 0) {
        writesWhileSettling = configure.harbor.writes().length;
        stop();
      }
    });
    expect(writesWhileSettling).toBe(0);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: null, stderr: '' });
    expect(configure.harbor.writes()).toEqual([]);
  });

  test('once its copy of the list is HARBOR_SETTLE_SECONDS old, a run that waited for it applies', async () => {
    // the list an hour old less a second: the run gets there within the second and waits the rest, or later and
    // applies at once, as the load allows; either way it says so and applies
    const file = list(['harbor-configure-2222bbbb'], 3599);
    const result = await configure.run(earlier(), fenced('harbor-configure-2222bbbb', file, { HARBOR_SETTLE_SECONDS: '3600' }));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout.includes('waiting until the list of current Jobs is 3600s old')).toBe(result.stdout.includes('the list of current Jobs has settled; applying'));
    expect(configure.harbor.robot('ci-push')).toBeDefined();
  });

  test('applies at once when its copy is old enough', async () => {
    const result = await configure.run(earlier(), fenced('harbor-configure-2222bbbb', list(['harbor-configure-2222bbbb'], 600), { HARBOR_SETTLE_SECONDS: '120' }));
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('waiting until the list');
    expect(configure.harbor.robot('ci-push')).toBeDefined();
  });

  test('runs unfenced once no list came within the wait (its ConfigMap is optional), or without JOB_NAME', async () => {
    const missing = await configure.run(earlier(), fenced('harbor-configure-2222bbbb', path.join(lists.dir(), 'absent'), { HARBOR_SUPERSEDED_WAIT_SECONDS: '1' }));
    expect(missing.code).toBe(0);
    expect(missing.stdout).toContain('job harbor-configure-2222bbbb: still no list of current configure Jobs; applying unfenced');
    expect(configure.harbor.robot('ci-push')).toBeDefined();
    const unnamed = await configure.run(earlier(), { CURRENT_JOBS_FILE: list(['harbor-configure-2222bbbb']), HARBOR_SUPERSEDED_WAIT_SECONDS: '0' });
    expect(unnamed.code).toBe(0);
    expect(unnamed.stdout).not.toContain('superseded');
  });

  test('refuses a wait that is not a whole number of seconds, naming the variable', async () => {
    const result = await configure.run(earlier(), fenced('j', list(['j']), { HARBOR_SETTLE_SECONDS: '2m' }));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: HARBOR_SETTLE_SECONDS "2m" must be a non-negative integer\n');
    expect(configure.harbor.writes()).toEqual([]);
  });
});

describe('two synths: a robot declared, then retired', () => {
  /** The rendered configure Job (one chunk), its config.json, and the list of the current Jobs. */
  function rendered(retired: boolean) {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    harbor.addProject('apps');
    if (retired) {
      harbor.retireRobot('ci-push');
    } else {
      harbor.addRobot('ci-push', { permissions: [RobotPermission.push('apps')] });
    }
    const objects = synth(chart);
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
    const state = objects.find((o) => o.metadata.name === job.spec.template.spec.volumes[0].projected.sources[1].configMap.name);
    const current = objects.find((o) => o.metadata.name === 'harbor-configure-jobs').data['current-jobs'];
    return { jobName: job.metadata.name as string, config: JSON.parse(state.data['config.json']), current: current as string, env: envOf(container(job)) };
  }

  test('the earlier Job, run after the retirement is applied, leaves the retired robot deleted', async () => {
    const [before, after] = [rendered(false), rendered(true)];
    expect(after.current).toBe(`${after.jobName}\n`);
    expect(before.jobName).not.toBe(after.jobName);
    const file = path.join(lists.dir(), 'current-jobs');
    const run = async (r: typeof before, secrets: Record<string, string>) => {
      fs.writeFileSync(file, after.current);
      fs.utimesSync(file, new Date(0), new Date(0));
      // JOB_NAME as the kubelet resolves the rendered fieldRef: the pod's job-name label, the Job's name
      expect(r.env.JOB_NAME.valueFrom.fieldRef.fieldPath).toBe("metadata.labels['job-name']");
      return configure.run(r.config, { ...secrets, JOB_NAME: r.jobName, CURRENT_JOBS_FILE: file, HARBOR_SUPERSEDED_WAIT_SECONDS: '0' });
    };
    // the newer Job retires the robot the earlier state had made
    configure.harbor.addProject({ name: 'apps' });
    const retiring = await run(after, {});
    expect(retiring.code).toBe(0);
    expect(retiring.stdout).toContain('robot ci-push: retired, not in Harbor');
    const secretEnv = before.config.robots[0].secretEnv;
    const stale = await run(before, { [secretEnv]: SECRETS.ROBOT_CI_PUSH_SECRET });
    expect(stale.code).toBe(0);
    expect(stale.stdout).toContain(`job ${before.jobName}: superseded`);
    expect(configure.harbor.robot('ci-push')).toBeUndefined();
  });
});
