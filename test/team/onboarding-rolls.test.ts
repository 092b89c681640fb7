// What onboarding a team restarts on each engine, and so what it does to the builds running then (README, "Rolling CI
// components while builds run"). A workload restarts when its pod template changes (lib/core/checksum.ts).
// - Drone: the shared runner reads its policies once, at start (drone-runner-kube v1.0.0-rc.5
//   command/daemon/config.go:228-231 parses DRONE_POLICY_FILE in fromEnviron, which daemon.go:51 calls before it
//   polls), so a team's policy rolls it; a stopping runner finishes its stages
//   (runner-go v1.12.0 poller/poller.go:16,77-78: test/drone/upstream-behaviour.test.ts, "a stopping runner").
// - Woodpecker: every team's routes get agents of their own; an existing agent that rolled would cancel its running
//   workflows (woodpecker v3.17.0 agent/runner.go:106-112, SIGTERM cancels the workflow's context), so none may.
import { platform } from './fixtures';

/** Each Deployment's, StatefulSet's and DaemonSet's pod template, as JSON, by kind, namespace and name. */
function templates(objects: readonly any[]): Map<string, string> {
  return new Map(objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind))
    .map((o) => [`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, JSON.stringify(o.spec.template)]));
}

/** The workloads of a platform with team alpha that restart when team bravo is onboarded too, and those it adds. */
function onboarding(engine: 'drone' | 'woodpecker', dedicatedRunner?: boolean): { rolled: string[]; added: string[] } {
  const before = platform({}, { engine });
  before.teams.addTeam({ name: 'alpha', repos: ['acme/alpha'] });
  const after = platform({}, { engine });
  after.teams.addTeam({ name: 'alpha', repos: ['acme/alpha'] });
  after.teams.addTeam({ name: 'bravo', repos: ['acme/bravo'], dedicatedRunner });
  const [old, now] = [templates(before.objects()), templates(after.objects())];
  return {
    rolled: [...old].filter(([k, v]) => now.has(k) && now.get(k) !== v).map(([k]) => k),
    added: [...now.keys()].filter((k) => !old.has(k)),
  };
}

describe('onboarding a team', () => {
  test('on Drone, rolls the shared runner and nothing else: not the server, not the secrets extension', () => {
    expect(onboarding('drone')).toEqual({ rolled: ['Deployment ci/drone-runner'], added: [] });
  });

  test('on Drone with a runner of its own, adds that runner and still rolls the shared one, which sends its repositories away', () => {
    expect(onboarding('drone', true)).toEqual({ rolled: ['Deployment ci/drone-runner'], added: ['Deployment ci/drone-runner-bravo'] });
  });

  test('on Woodpecker, adds the team\'s agents and rolls no running one', () => {
    const { rolled, added } = onboarding('woodpecker');
    expect(rolled).toEqual([]);
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((k) => k.startsWith('StatefulSet ci/woodpecker-bravo-'))).toBe(true);
  });
});
