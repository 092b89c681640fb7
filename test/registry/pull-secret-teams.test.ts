// Teams' own robot logins for the same Harbor, each in its own namespaces, beside the platform's app-wide
// login, on the default stack: which namespaces hold which Secret, and which pods name which. Kubernetes facts
// (kubernetes/kubernetes): the ServiceAccount admission plugin copies the account's imagePullSecrets into a pod
// only when the pod names none (plugin/pkg/admission/serviceaccount/admission.go), so every Dockyard pod names
// its own; a kubelet adds the auths of every pull secret a pod names to one keyring
// (pkg/credentialprovider/secrets/secrets.go) and tries every login that matches the image in turn
// (pkg/credentialprovider/keyring.go Lookup, pkg/kubelet/kuberuntime/kuberuntime_image.go PullImage), so one pull
// secret per registry in a namespace is what decides the login.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { Image, LocalSecretStore, Postgres, PullSecret, RegistryCredential, Secret, SecretValue } from '../../lib';
import { find } from '../util';

const HARBOR = 'harbor.example.com';
const GITLAB = 'registry.gitlab.com';

/** The pull secrets of the one workload `kind`/`name`, as `<namespace>/<secret>` of the pod's namespace. */
function pullSecretsOf(objects: any[], kind: string, name: string): string[] {
  const w = find(objects, kind, name);
  return (w.spec.template.spec.imagePullSecrets ?? []).map((s: any) => `${w.metadata.namespace}/${s.name}`);
}

/**
 * The default stack with the platform's app-wide login (`dockyard/registry-credentials`, Harbor's robot `puller`),
 * team A's robot in team-a and team-a-builds, and team B's robot with a GitLab deploy token in team-b; team C's
 * robot is listed only after its pod is defined.
 */
function teamsStack() {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-teams-'));
  const app = new App({ outdir });
  const chart = defaultStack(app, DEFAULT_CONFIG);
  const team = (id: string, namespace: string) => new Secret(chart, id, { name: `${namespace}-robot`, namespace, values: { secret: SecretValue.password(32) } });
  const robotA = team('TeamARobot', 'team-a');
  const robotB = team('TeamBRobot', 'team-b');
  const gitlabToken = new Secret(chart, 'TeamBGitlab', { name: 'team-b-gitlab', namespace: 'team-b', values: { token: SecretValue.password(32) } });
  new PullSecret(chart, 'TeamAPull', {
    name: 'team-a-pull', appWide: false, namespaces: ['team-a', 'team-a-builds'],
    credentials: [RegistryCredential.harborRobot(HARBOR, { username: 'robot$team-a', secret: robotA.key('secret') })],
  });
  new PullSecret(chart, 'TeamBPull', {
    name: 'team-b-pull', appWide: false, namespaces: ['team-b'],
    credentials: [
      RegistryCredential.harborRobot(HARBOR, { username: 'robot$team-b', secret: robotB.key('secret') }),
      RegistryCredential.gitlab({ username: 'gitlab+deploy-token-7', token: gitlabToken.key('token') }),
    ],
  });
  // Dockyard workloads of the teams, pulling through Harbor's proxy cache (the stack relocates its chart), one of
  // team B's from GitLab; and one in a namespace no team lists
  new Postgres(chart, 'TeamADb', { name: 'team-a-db', namespace: 'team-a' });
  new Postgres(chart, 'TeamBDb', { name: 'team-b-db', namespace: 'team-b' });
  new Postgres(chart, 'TeamBGitlabDb', { name: 'team-b-gitlab-db', namespace: 'team-b', image: Image.of(`${GITLAB}/team-b/postgres:17.9`) });
  new Postgres(chart, 'SharedDb', { name: 'shared-db', namespace: 'shared' });
  new Postgres(chart, 'TeamCDb', { name: 'team-c-db', namespace: 'team-c' });
  const robotC = team('TeamCRobot', 'team-c');
  const teamC = new PullSecret(chart, 'TeamCPull', {
    name: 'team-c-pull', namespace: 'team-c', appWide: false,
    credentials: [RegistryCredential.harborRobot(HARBOR, { username: 'robot$team-c', secret: robotC.key('secret') })],
  });
  teamC.addNamespace('team-c');
  // resolve the charts first, as `synthesize` does: that settles where each Secret is copied
  const objects = chart.toJson();
  const secrets = parseAllDocuments(new LocalSecretStore({ statePath: path.join(outdir, 'state.json') }).render(app)).map((d) => d.toJS());
  return { objects, secrets, workloads: objects.filter((o) => o.spec?.template?.spec) };
}

describe('the default stack with teams\' own logins for the same Harbor', () => {
  let objects: any[];
  let secrets: any[];
  let workloads: any[];
  beforeAll(() => {
    ({ objects, secrets, workloads } = teamsStack());
  });
  const pullSecretNames = ['registry-credentials', 'team-a-pull', 'team-b-pull', 'team-c-pull'];

  test('each pull secret is in exactly the namespaces that need it', () => {
    const where = (name: string) => secrets.filter((s) => s.metadata.name === name).map((s) => s.metadata.namespace).sort();
    expect(Object.fromEntries(pullSecretNames.map((n) => [n, where(n)]))).toEqual({
      // its home, Drone's namespace, whose pods pull from Harbor; the listed build, deploy and demo namespaces; and
      // the namespace of the one Dockyard pod that pulls from Harbor where no team is listed
      'registry-credentials': ['demo', 'dockyard', 'dockyard-builds', 'dockyard-deploy', 'dockyard-publish', 'shared'],
      'team-a-pull': ['team-a', 'team-a-builds'],
      'team-b-pull': ['team-b'],
      'team-c-pull': ['team-c'],
    });
    const auths = (name: string) => Object.keys(JSON.parse(secrets.find((s) => s.metadata.name === name).stringData['.dockerconfigjson']).auths);
    expect(pullSecretNames.map(auths)).toEqual([[HARBOR], [HARBOR], [HARBOR, GITLAB], [HARBOR]]);
  });

  test('Harbor\'s and Drone\'s namespaces hold no team\'s login and no GitLab login', () => {
    for (const ns of ['harbor', 'dockyard']) {
      const docker = secrets.filter((s) => s.metadata.namespace === ns && s.stringData?.['.dockerconfigjson'] !== undefined);
      for (const s of docker) {
        const keys = Object.keys(JSON.parse(s.stringData['.dockerconfigjson']).auths);
        expect({ secret: `${ns}/${s.metadata.name}`, gitlab: keys.includes(GITLAB) }).toEqual({ secret: `${ns}/${s.metadata.name}`, gitlab: false });
      }
      expect(docker.map((s) => s.metadata.name).filter((n) => n.startsWith('team-'))).toEqual([]);
    }
    // Harbor pulls its own images from upstream, so no pull secret reaches its namespace
    expect(secrets.filter((s) => s.metadata.namespace === 'harbor' && pullSecretNames.includes(s.metadata.name))).toEqual([]);
  });

  test('each pod references exactly the pull secret of its namespace for the registries it pulls from', () => {
    const refs = Object.fromEntries(workloads.map((w) => [`${w.kind}/${w.metadata.namespace}/${w.metadata.name}`,
      (w.spec.template.spec.imagePullSecrets ?? []).map((s: any) => s.name)]));
    const fromHarbor = (w: any) => [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers]
      .some((c: any) => c.image.startsWith(`${HARBOR}/`));
    const expected = Object.fromEntries(workloads.map((w) => {
      const ns = w.metadata.namespace;
      const team = ['team-a', 'team-b', 'team-c'].includes(ns) ? `${ns}-pull` : 'registry-credentials';
      const gitlab = [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers].some((c: any) => c.image.startsWith(`${GITLAB}/`));
      return [`${w.kind}/${ns}/${w.metadata.name}`, fromHarbor(w) || gitlab ? [team] : []];
    }));
    expect(refs).toEqual(expected);
    // the cases that matter, spelled out
    expect(pullSecretsOf(objects, 'StatefulSet', 'team-a-db')).toEqual(['team-a/team-a-pull']);
    expect(pullSecretsOf(objects, 'StatefulSet', 'team-b-db')).toEqual(['team-b/team-b-pull']);
    expect(pullSecretsOf(objects, 'StatefulSet', 'team-b-gitlab-db')).toEqual(['team-b/team-b-pull']);
    expect(pullSecretsOf(objects, 'StatefulSet', 'shared-db')).toEqual(['shared/registry-credentials']);
    // listed with addNamespace after its pod was defined
    expect(pullSecretsOf(objects, 'StatefulSet', 'team-c-db')).toEqual(['team-c/team-c-pull']);
    expect(pullSecretsOf(objects, 'Deployment', 'drone')).toEqual(['dockyard/registry-credentials']);
    expect(workloads.filter((w) => w.metadata.namespace === 'harbor').map((w) => w.spec.template.spec.imagePullSecrets)
      .every((s) => s === undefined)).toBe(true);
  });

  test('each listed namespace\'s default ServiceAccount pulls with its own login', () => {
    const accounts = Object.fromEntries(objects.filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'default')
      .map((sa) => [sa.metadata.namespace, sa.imagePullSecrets.map((s: any) => s.name)]));
    expect(accounts).toEqual({
      'demo': ['registry-credentials'],
      'dockyard-builds': ['registry-credentials'],
      'dockyard-deploy': ['registry-credentials'],
      'dockyard-publish': ['registry-credentials'],
      'team-a': ['team-a-pull'],
      'team-a-builds': ['team-a-pull'],
      'team-b': ['team-b-pull'],
      'team-c': ['team-c-pull'],
    });
  });
});
