import { ApiObject } from 'cdk8s';
import { Image, Resources } from '../../lib';
import { EnvVars } from '../../lib/core/env';
import { goMemoryLimit } from '../../lib/core/go-memory-limit';
import { podTemplate } from '../../lib/core/pod';
import { droneCi } from '../drone/fixtures';
import { inClusterHarbor } from '../harbor/fixtures';
import { woodpeckerCi } from '../woodpecker/fixtures';
import { synth, testChart, thrown } from '../util';

/*
 * The Go runtime sizes its heap from GOGC alone (the heap grows to twice what is live before a collection) and knows
 * no limit but GOMEMLIMIT, read at start since go1.19 (golang/go src/runtime/mgcpacer.go `readGOMEMLIMIT`: unset or
 * "off" is no limit, a malformed value throws "malformed GOMEMLIMIT" and the program never starts). The value is
 * `^[0-9]+(([KMGT]i)?B)?$` (src/runtime/string.go `parseByteCount`): a bare number is bytes, and a Kubernetes
 * quantity such as "512Mi" or "1G" is malformed. Tried with Debian's golang-1.19-go 1.19.8 and a program printing
 * `debug.SetMemoryLimit(-1)`: GOMEMLIMIT=921MiB reads as 965738496, unset as 9223372036854775807 (no limit), and
 * GOMEMLIMIT=1Gi stops it at start with "fatal error: malformed GOMEMLIMIT".
 */
const GO_BYTE_COUNT = /^[0-9]+(([KMGT]i)?B)?$/;

/** What `parseByteCount` reads `value` as, in bytes. */
function goBytes(value: string): number {
  const match = GO_BYTE_COUNT.exec(value)!;
  const power = { '': 0, 'K': 1, 'M': 2, 'G': 3, 'T': 4 }[match[2]?.[0] ?? ''] ?? 0;
  return parseInt(value, 10) * 1024 ** power;
}

/**
 * The Go each pinned image is built with, by image repository: GOMEMLIMIT where it is 1.19 or later, none where the
 * program would ignore it.
 */
const BUILT_WITH: Record<string, { go: string; source: string; startsGo?: boolean }> = {
  // goharbor/harbor v2.15.1 Makefile:154 `GOBUILDIMAGE=golang:1.25.9`, which builds core, jobservice, registryctl
  // (:355-365), the registry from goharbor/distribution (make/photon/Makefile:181, registry/builder) and the exporter
  // (make/photon/Makefile:208 `build_image`); src/go.mod:3 `go 1.25.9`
  'goharbor/harbor-core': { go: '1.25', source: 'harbor v2.15.1 Makefile:154' },
  'goharbor/harbor-jobservice': { go: '1.25', source: 'harbor v2.15.1 Makefile:154' },
  'goharbor/harbor-registryctl': { go: '1.25', source: 'harbor v2.15.1 Makefile:154' },
  'goharbor/registry-photon': { go: '1.25', source: 'harbor v2.15.1 make/photon/Makefile:181' },
  'goharbor/harbor-exporter': { go: '1.25', source: 'harbor v2.15.1 make/photon/Makefile:208' },
  // harness/harness v2.28.2 .drone.yml:19, the build step's `golang:1.24.13`
  'drone/drone': { go: '1.24', source: 'harness v2.28.2 .drone.yml:19' },
  // woodpecker-ci/woodpecker v3.17.0 go.mod:3 `go 1.26.0`, docker/Dockerfile.*.multiarch `golang:1.26`
  'woodpeckerci/woodpecker-server': { go: '1.26', source: 'woodpecker v3.17.0 go.mod:3' },
  'woodpeckerci/woodpecker-agent': { go: '1.26', source: 'woodpecker v3.17.0 go.mod:3' },
  // the adapter (harbor Makefile:154's Go too) runs each scan as a trivy process with its own environment
  // (goharbor/harbor-scanner-trivy v0.36.0 pkg/trivy/wrapper.go:241-243, `cmd.Env = w.ambassador.Environ()`): two
  // runtimes would each take 90% of one limit
  'goharbor/trivy-adapter-photon': { go: '1.25', source: 'harbor-scanner-trivy v0.36.0 pkg/trivy/wrapper.go:243', startsGo: true },
  // drone-runners/drone-runner-kube v1.0.0-rc.5 go.mod:3 `go 1.16`, .drone.yml:14 `golang:1.16`: ignores GOMEMLIMIT
  'drone/drone-runner-kube': { go: '1.16', source: 'drone-runner-kube v1.0.0-rc.5 .drone.yml:14' },
  // drone/drone-kubernetes-secrets e0cacbf (the `linux-amd64` tag's master) .drone.yml:12 `golang:1.11`: ignores it
  'drone/kubernetes-secrets': { go: '1.11', source: 'drone-kubernetes-secrets e0cacbf .drone.yml:12' },
};

/** Whether a Go release reads GOMEMLIMIT. */
function readsGoMemLimit(go: string): boolean {
  const [major, minor] = go.split('.').map(Number);
  return major > 1 || minor >= 19;
}

/** Every container of every workload in `objects`, with its image repository. */
function containers(objects: any[]): { workload: string; repository: string; container: any }[] {
  return objects.filter((o) => o.spec?.template?.spec?.containers).flatMap((o) => o.spec.template.spec.containers.map((c: any) => ({
    workload: `${o.kind}/${o.metadata.name}`,
    // docker.io/<repository>:<tag>[@digest]
    repository: String(c.image).replace(/^docker\.io\//, '').replace(/[:@].*$/, ''),
    container: c,
  })));
}

function goMemLimitOf(c: any): string | undefined {
  return (c.env ?? []).find((e: any) => e.name === 'GOMEMLIMIT')?.value;
}

describe('GOMEMLIMIT', () => {
  test('is 90% of the memory limit, in a form the Go runtime parses', () => {
    for (const [limit, bytes] of [['1Gi', 2 ** 30], ['512Mi', 2 ** 29], ['256Mi', 2 ** 28], ['1G', 1e9], ['300M', 3e8]] as const) {
      const value = goMemoryLimit(limit);
      expect(value).toMatch(GO_BYTE_COUNT);
      // below the limit by the Go GC guide's headroom, and within a MiB of 90% of it
      expect(goBytes(value)).toBeLessThanOrEqual(0.9 * bytes);
      expect(goBytes(value)).toBeGreaterThan(0.9 * bytes - 2 ** 20);
    }
    expect(goMemoryLimit('1Gi')).toBe('921MiB');
  });

  test('is set on every Go 1.19+ container Dockyard renders, from its own memory limit, and on no other', () => {
    const [harbor, drone, woodpecker] = [testChart('harbor'), testChart('drone'), testChart('ci')];
    inClusterHarbor(harbor, { exporter: true, trivy: true, coreResources: Resources.of({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '3Gi' }) });
    droneCi(drone);
    woodpeckerCi(woodpecker);
    const rendered = containers([harbor, drone, woodpecker].flatMap(synth));
    const seen = new Set<string>();
    for (const { workload, repository, container } of rendered) {
      const built = BUILT_WITH[repository];
      const value = goMemLimitOf(container);
      if (built && readsGoMemLimit(built.go) && !built.startsGo) {
        seen.add(repository);
        expect({ workload, container: container.name, value }).toEqual({ workload, container: container.name, value: goMemoryLimit(container.resources.limits.memory) });
      } else {
        // an older Go ignores it (and a non-Go program has no use for it): the variable would only mislead
        expect({ workload, container: container.name, value }).toEqual({ workload, container: container.name, value: undefined });
      }
    }
    // each image of the table was rendered, so none is checked by nothing
    expect([...new Set(rendered.map((r) => r.repository))].filter((r) => BUILT_WITH[r]).sort()).toEqual(Object.keys(BUILT_WITH).sort());
    expect(seen.size).toBe(8);
    // a limit the user gives moves GOMEMLIMIT with it: 90% of 3Gi
    const core = rendered.find((r) => r.repository === 'goharbor/harbor-core')!;
    expect(goMemLimitOf(core.container)).toBe('2764MiB');
  });

  test('refuses a container that sets GOMEMLIMIT itself', () => {
    // internal: no public prop sets a platform container's env, so this guards Dockyard's own code
    const env = new EnvVars('test');
    env.value('GOMEMLIMIT', '1GiB');
    const chart = testChart();
    const err = thrown(() => new ApiObject(chart, 'Pod', { apiVersion: 'v1', kind: 'Pod', spec: podTemplate(chart, {}, {
      namespace: 'test', runAs: { user: 1000, group: 1000 },
      containers: [{ name: 'app', image: Image.of('docker.io/library/busybox:1.37.0'), env, goMemoryLimit: true,
        resources: Resources.of({ cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '16Mi', memoryLimit: '64Mi' }) }],
    }).spec }).toJson());
    expect(err.message).toContain('GOMEMLIMIT');
  });
});
