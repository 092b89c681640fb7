// The StatefulSet name limit, from the label the StatefulSet controller puts on every pod. Upstream sources:
// - kubernetes/api v0.33.0 apps/v1/types.go:27-28: StatefulSetRevisionLabel = "controller-revision-hash";
// - kubernetes/kubernetes pkg/controller/statefulset/stateful_set_utils.go `setPodRevision`: the label's value is the
//   ControllerRevision's name, which pkg/controller/history/controller_history.go `ControllerRevisionName` makes
//   `<StatefulSet name>-<hash>` (the name cut only past 223), from `HashControllerRevision`:
//   `rand.SafeEncodeString(fmt.Sprint(hf.Sum32()))`, the decimal of an FNV-32 sum;
// - kubernetes/apimachinery v0.33.0 pkg/util/rand/rand.go:83 (alphabet) and :119-126 (SafeEncodeString, one
//   character out per character in) and pkg/util/validation/validation.go:157-168 (label values: at most 63);
// - what happens past it: kubernetes/kubernetes#64023 ("StatefulSet with long name can not create pods": the pod is
//   refused with `metadata.labels: Invalid value: "<name>-58d5fbb889": must be no more than 63 characters`).
import fc from 'fast-check';
import { deployment, JOB_HASH_SUFFIX, MAX_JOB_NAME, MAX_STATEFUL_SET_NAME, maxJobNamePrefix, statefulSet } from '../../lib/core/deployment';
import { CONFIGURE_JOB_SUFFIX } from '../../lib/harbor/configure-job';
import { Image } from '../../lib/core/image';
import { Resources } from '../../lib/core/resources';
import { PostgresReconciler } from '../../lib/postgres/reconciler';
import { container, find, synth, testChart } from '../util';
import { mostDuringRollout, servingDuringDrain, servingDuringRollout } from './rollout-model';

/** rand.go:83 `alphanums`. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
/** validation.go:157-158 `LabelValueMaxLength`. */
const LABEL_VALUE_MAX_LENGTH = 63;

/** rand.go:119-126 `SafeEncodeString`, line by line. */
function safeEncodeString(s: string): string {
  return Array.from(s).map((r) => ALPHANUMS[r.codePointAt(0)! % ALPHANUMS.length]).join('');
}

/** controller_history.go `HashControllerRevision` for a given FNV-32 sum. */
function revisionHash(sum32: number): string {
  return safeEncodeString(String(sum32));
}

/** controller_history.go `ControllerRevisionName`: the value of the pod's `controller-revision-hash` label. */
function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

const render = (name: string) => {
  const chart = testChart('data');
  statefulSet(chart, 'Resource', {
    name, namespace: 'data', labels: { app: 'a' }, selector: { app: 'a' }, serviceName: 'a', claims: { data: { size: '1Gi' } },
    runAs: { user: 1000, group: 1000 },
    containers: [{ name: 'c', image: Image.of('docker.io/library/busybox:1.37.0'), resources: Resources.of({ cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '16Mi', memoryLimit: '32Mi' }) }],
  });
  return find(synth(chart), 'StatefulSet', name, 'data');
};

describe('statefulSet', () => {
  test('the model\'s hashes look like those of upstream\'s bug reports: at most 10 characters of the alphabet', () => {
    // the longest sum, 4294967295, has 10 digits, and each digit becomes one character
    expect(revisionHash(0xffffffff)).toHaveLength(10);
    expect(revisionHash(0)).toHaveLength(1);
    // hashes seen in the refused labels of kubernetes/kubernetes#64023 and #78655
    for (const seen of ['58d5fbb889', '79f4d9797c']) {
      expect(seen).toMatch(new RegExp(`^[${ALPHANUMS}]{1,10}$`));
    }
  });

  test('allows exactly the names whose pods get a valid controller-revision-hash label', () => {
    const longestHash = revisionHash(0xffffffff);
    // the longest allowed name, with the longest hash, still makes a valid label value...
    expect(controllerRevisionName('a'.repeat(MAX_STATEFUL_SET_NAME), longestHash).length).toBeLessThanOrEqual(LABEL_VALUE_MAX_LENGTH);
    // ...and one more character would not: the limit is not lower than it needs to be
    expect(controllerRevisionName('a'.repeat(MAX_STATEFUL_SET_NAME + 1), longestHash).length).toBeGreaterThan(LABEL_VALUE_MAX_LENGTH);
  });

  test('renders a name of the longest allowed length, and the label upstream makes from it fits', () => {
    const name = 'a'.repeat(MAX_STATEFUL_SET_NAME);
    const sts = render(name);
    expect(controllerRevisionName(sts.metadata.name, revisionHash(0xffffffff)).length).toBeLessThanOrEqual(LABEL_VALUE_MAX_LENGTH);
  });

  test('refuses one character more, with one line naming the prop', () => {
    const name = 'a'.repeat(MAX_STATEFUL_SET_NAME + 1);
    expect(() => render(name)).toThrow(`invalid name "${name}": must be at most 52 characters: a StatefulSet's pods carry the label ` +
      '"controller-revision-hash: <name>-<hash of up to 10 characters>", and label values are at most 63');
  });
});

// The Job name limit, from the labels the API server puts on every pod of a Job. Upstream sources:
// - kubernetes/kubernetes pkg/registry/batch/job/strategy.go `generateSelector`: unless the Job selects its pods
//   itself (manualSelector), the pod template gets `job-name` and `batch.kubernetes.io/job-name`, both the Job's name;
// - kubernetes/apimachinery v0.33.0 pkg/util/validation/validation.go:157-168 `IsValidLabelValue`: at most 63
//   characters of `(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?`.

/** validation.go `labelValueFmt`, anchored as `labelValueRegexp` is. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** validation.go `IsValidLabelValue`: whether it returns no errors. */
function isValidLabelValue(value: string): boolean {
  return value.length <= LABEL_VALUE_MAX_LENGTH && LABEL_VALUE.test(value);
}

describe('Job names', () => {
  const hex8 = fc.stringMatching(/^[0-9a-f]{8}$/);

  test('the longest Job name is the longest label value', () => {
    expect(MAX_JOB_NAME).toBe(LABEL_VALUE_MAX_LENGTH);
    expect(JOB_HASH_SUFFIX).toBe('-12345678'.length);
  });

  test('a name of exactly maxJobNamePrefix(n), then n characters and "-<8 hex>", makes valid pod labels; one more does not', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_JOB_NAME - JOB_HASH_SUFFIX - 1 }), hex8, (n, hash) => {
      const room = maxJobNamePrefix(n);
      const job = (prefix: number) => `${'a'.repeat(prefix)}${'-b'.repeat(n).slice(0, n)}-${hash}`;
      expect(job(room)).toHaveLength(MAX_JOB_NAME);
      expect(isValidLabelValue(job(room))).toBe(true);
      expect(isValidLabelValue(job(room + 1))).toBe(false);
    }));
  });

  test('the callers\' limits: a configure Job leaves Harbor 39, a reconciler Job 37', () => {
    // "-configure-<4 hex>" before the hash (lib/harbor/configure-job.ts), "-<16 hex>" after it (lib/postgres/reconciler.ts)
    expect(maxJobNamePrefix('-configure-ffff'.length)).toBe(39);
    expect(maxJobNamePrefix(CONFIGURE_JOB_SUFFIX)).toBe(39);
    expect(maxJobNamePrefix('-0123456789abcdef'.length)).toBe(37);
    expect(PostgresReconciler.MAX_NAME).toBe(37);
    expect(maxJobNamePrefix(0)).toBe(54);
  });
});

describe('deployment through a rollout and a drain (./rollout-model.ts)', () => {
  const render = (spec: { replicas?: number; surgeOnly?: boolean; recreate?: boolean; drainSeconds?: number }) => {
    const chart = testChart('web');
    deployment(chart, 'Resource', {
      name: 'web', namespace: 'web', labels: { app: 'web' }, selector: { app: 'web' }, runAs: { user: 1000, group: 1000 },
      replicas: spec.replicas, surgeOnly: spec.surgeOnly, recreate: spec.recreate,
      containers: [{ name: 'c', image: Image.of('docker.io/library/busybox:1.37.0'), drainSeconds: spec.drainSeconds,
        resources: Resources.of({ cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '16Mi', memoryLimit: '32Mi' }) }],
    });
    const objects = synth(chart);
    return { objects, workload: find(objects, 'Deployment', 'web') };
  };

  test('surgeOnly keeps every replica serving while it rolls, where Kubernetes\' default lets a quarter go', () => {
    const surge = render({ replicas: 4, surgeOnly: true }).workload;
    expect(servingDuringRollout(surge)).toBe(4);
    expect(mostDuringRollout(surge)).toBe(5);
    expect(servingDuringRollout(render({ replicas: 4 }).workload)).toBe(3);
    // below four replicas the default already lets none go
    expect(servingDuringRollout(render({ replicas: 2 }).workload)).toBe(2);
  });

  test('several replicas get a budget that lets a drain take one at a time; one replica, none', () => {
    const two = render({ replicas: 2 });
    expect(servingDuringDrain(two.workload, two.objects)).toBe(1);
    const one = render({});
    expect(servingDuringDrain(one.workload, one.objects)).toBe(0);
  });

  test('drainSeconds sleeps in a preStop hook; none by default', () => {
    expect(container(render({ drainSeconds: 7 }).workload).lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '7'] } } });
    expect(container(render({}).workload).lifecycle).toBeUndefined();
  });

  test('refuses recreate with surgeOnly, which would mean neither', () => {
    expect(() => render({ recreate: true, surgeOnly: true })).toThrow('deployment web: recreate and surgeOnly exclude each other');
  });
});
