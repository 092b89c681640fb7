// Agents and their build namespaces, pinned to woodpecker-ci/woodpecker v3.17.0 (paths are in that repository unless
// they name another): every variable, port, probe and RBAC rule cites the source that reads or calls it.
import { createHash } from 'crypto';
import { GitProvider, Images, Image, NetworkPeer, PodSecurityLevel, Postgres, Resources, Secret } from '../../lib';
import { WoodpeckerAgent, WoodpeckerAgentProps, WoodpeckerBuildNamespaces, WoodpeckerServer, WoodpeckerServerProps } from '../../lib/woodpecker';
import { container, envOf, find, synth, testChart } from '../util';
import { woodpeckerCi, woodpeckerServer } from './fixtures';
import { agentConfigPath, agentFilterLabels, agentRecordsAfter, literalEnv } from './upstream';

function setup(props: Partial<WoodpeckerAgentProps> = {}, serverProps: Partial<WoodpeckerServerProps> = {}) {
  const chart = testChart('ci');
  const server = woodpeckerServer(chart, serverProps);
  const builds = new WoodpeckerBuildNamespaces(chart, 'Builds');
  builds.addBuildNamespace('deploy');
  const agent = new WoodpeckerAgent(chart, 'Agent', { server, builds, ...props });
  return { chart, server, builds, agent };
}

describe('WoodpeckerAgent', () => {
  test('runs the pinned image as a StatefulSet of one whose volume keeps agent.conf, with /healthz probes on 3000', () => {
    const { chart } = setup();
    const sts = find(synth(chart), 'StatefulSet', 'woodpecker-agent', 'ci');
    expect(sts.spec.replicas).toBe(1);
    const c = container(sts);
    expect(c.image).toBe('docker.io/woodpeckerci/woodpecker-agent:v3.17.0');
    // cmd/agent/core/flags.go:105-110 (:3000); health.go:35-47 serves /healthz
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    }
    // flags.go:72-77 and config.go:33-80: the agent ID survives restarts (woodpecker-ci/helm#163, chart default 1Gi)
    expect(c.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/woodpecker' }]);
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: expect.objectContaining({ name: 'config' }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    })]);
    // Kubernetes refuses any change to a StatefulSet's spec but replicas, template, updateStrategy, ordinals,
    // persistentVolumeClaimRetentionPolicy and minReadySeconds (kubernetes pkg/apis/apps/validation/validation.go,
    // ValidateStatefulSetUpdate, "updates to statefulset spec for fields other than ... are forbidden"): the claim
    // template carries no version label, so an upgrade applies, while the StatefulSet and its pods do
    expect(sts.spec.volumeClaimTemplates[0].metadata.labels['app.kubernetes.io/version']).toBeUndefined();
    expect(sts.metadata.labels['app.kubernetes.io/version']).toBe(WoodpeckerAgent.IMAGE.tag);
    // the volume holds the agent's ID alone (cmd/agent/core/config.go:27-29), worthless once the agent is gone: the
    // claim goes with the StatefulSet, so a renamed or dropped route agent leaves none (a field the update may change)
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Retain' });
    // an agent cancels its workflows on SIGTERM (agent/runner.go:106-111) and then deletes their pods
    expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  });

  test('with persistAgentId false, claims no volume, mounts none and sets the config path empty, on a read-only root', () => {
    const { chart } = setup({ persistAgentId: false });
    const sts = find(synth(chart), 'StatefulSet', 'woodpecker-agent', 'ci');
    // no block volume to attach (digitalocean/csi-digitalocean driver/node.go maxVolumesPerNode = 7 per node)
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toBeUndefined();
    const pod = sts.spec.template.spec;
    expect(pod.volumes).toBeUndefined();
    const c = container(sts);
    expect(c.volumeMounts).toBeUndefined();
    // present and empty: woodpecker v3.17.0 cmd/agent/core/flags.go:72-77, "if set empty the agent will be stateless"
    expect(envOf(c).WOODPECKER_AGENT_CONFIG_FILE).toEqual({ name: 'WOODPECKER_AGENT_CONFIG_FILE', value: '' });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    // the rest of the agent is the default one's
    const persisted = setup().chart;
    const other = find(synth(persisted), 'StatefulSet', 'woodpecker-agent', 'ci');
    expect(envOf(container(other)).WOODPECKER_AGENT_CONFIG_FILE.value).toBe('/etc/woodpecker/agent.conf');
    const { volumeMounts: _m, env: _e, ...rest } = container(other);
    const { env: _e2, ...restWithout } = c;
    expect(restWithout).toEqual(rest);
  });

  test('an agent with its ID kept is one record for good; without, its record goes with each graceful stop, and a crash leaves one', () => {
    // woodpecker v3.17.0 cmd/agent/core/agent.go:104-227, config.go:33-80, server/rpc/auth_server.go:59-90 and
    // rpc.go:494-535, with urfave/cli v3.10.1 flag_impl.go:132-146 (test/woodpecker/upstream.ts agentRecordsAfter)
    const podOf = (props: Partial<WoodpeckerAgentProps>) => find(synth(setup(props).chart), 'StatefulSet', 'woodpecker-agent').spec.template.spec;
    const kept = podOf({});
    const stateless = podOf({ persistAgentId: false });
    expect(agentConfigPath(kept.containers[0])).toBe('/etc/woodpecker/agent.conf');
    expect(agentConfigPath(stateless.containers[0])).toBe('');

    // kept on the volume: every start reuses the first record, a crash included, and no stop removes it (a dropped
    // agent's record stays: README, "Woodpecker's agents on day two")
    expect(agentRecordsAfter(kept, ['sigterm', 'crash', 'sigterm'])).toEqual({ records: [1], writeErrors: 0 });
    // stateless: a graceful stop (a rollout, a drain, a deleted route) deletes the record; each crash leaves one
    expect(agentRecordsAfter(stateless, ['sigterm', 'sigterm'])).toEqual({ records: [], writeErrors: 0 });
    expect(agentRecordsAfter(stateless, ['sigterm', 'crash', 'crash', 'sigterm'])).toEqual({ records: [2, 3], writeErrors: 0 });
    // the variable left out, the agent would try the default path on the read-only root at every start, and log the
    // failure each time (config.go:73-76), though it still unregisters: the empty value is what says "stateless"
    const unset = { ...stateless, containers: [{ ...stateless.containers[0], env: stateless.containers[0].env.filter((e: any) => e.name !== 'WOODPECKER_AGENT_CONFIG_FILE') }] };
    expect(agentRecordsAfter(unset, ['sigterm'])).toEqual({ records: [], writeErrors: 1 });
  });

  test('WoodpeckerCi passes persistAgentId to the pool agent and every route agent', () => {
    const chart = testChart('ci');
    const ci = woodpeckerCi(chart, { agent: { persistAgentId: false } });
    ci.addRoute({ name: 'release', repos: ['acme/api'], namespace: 'deploy' });
    const agents = synth(chart).filter((o) => o.kind === 'StatefulSet' && o.metadata.labels['app.kubernetes.io/component'] === 'agent');
    expect(agents.length).toBeGreaterThan(1);
    for (const sts of agents) {
      expect(sts.spec.volumeClaimTemplates).toBeUndefined();
      expect(envOf(container(sts)).WOODPECKER_AGENT_CONFIG_FILE.value).toBe('');
    }
  });

  test('passes Pod Security restricted as UID/GID 1000 with a read-only root, and mounts its API token', () => {
    const { chart } = setup();
    const pod = find(synth(chart), 'StatefulSet', 'woodpecker-agent').spec.template.spec;
    // docker/Dockerfile.agent.multiarch sets no USER; the agent writes only agent.conf (config.go:73)
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '20m', memory: '48Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    // the backend's in-cluster client (pipeline/backend/kubernetes/kubernetes.go:199-205)
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe('woodpecker-agent-ci-builds');
  });

  test('sets the agent and backend environment from its upstream flags', () => {
    const { chart } = setup({ labels: { team: 'a' }, maxWorkflows: 3 });
    const c = container(find(synth(chart), 'StatefulSet', 'woodpecker-agent'));
    expect(literalEnv(c)).toEqual({
      // the Go runtime's soft memory limit, 90% of the container's 256Mi (test/core/go-memory-limit.test.ts)
      GOMEMLIMIT: '230MiB',
      // cmd/agent/core/flags.go:27-32
      WOODPECKER_SERVER: 'woodpecker.ci.svc:9000',
      // flags.go:122-127 (default auto-detect)
      WOODPECKER_BACKEND: 'kubernetes',
      // flags.go:87-92
      WOODPECKER_MAX_WORKFLOWS: '3',
      WOODPECKER_HEALTHCHECK_ADDR: ':3000',
      WOODPECKER_AGENT_CONFIG_FILE: '/etc/woodpecker/agent.conf',
      // flags.go:78-86
      WOODPECKER_AGENT_LABELS: 'team=a',
      // pipeline/backend/kubernetes/flags.go:22-27
      WOODPECKER_BACKEND_K8S_NAMESPACE: 'ci-builds',
      // flags.go:34-39 (Woodpecker's default 10G) and :46-51 (default true, here false)
      WOODPECKER_BACKEND_K8S_VOLUME_SIZE: '10G',
      WOODPECKER_BACKEND_K8S_STORAGE_RWX: 'false',
      // flags.go:88-93: true by default, which lets a step tolerate any taint (pod.go:204-209)
      WOODPECKER_BACKEND_K8S_POD_TOLERATIONS_ALLOW_FROM_STEP: 'false',
      // flags.go:149-154 (default busybox:stable-musl)
      WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE: 'docker.io/library/busybox:1.37.0-musl',
    });
    // flags.go:33-43
    expect(envOf(c).WOODPECKER_AGENT_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'woodpecker-credentials', key: 'agent-secret' });
    // left at their upstream defaults, which are off: native secrets (flags.go:125-130), ServiceAccount from step
    // (:131-136), pod labels, annotations, node selector and affinity from step (:58-111), non-root (:112-116)
    for (const off of ['ALLOW_NATIVE_SECRETS', 'SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP', 'POD_LABELS_ALLOW_FROM_STEP', 'POD_ANNOTATIONS_ALLOW_FROM_STEP',
      'POD_NODE_SELECTOR_ALLOW_FROM_STEP', 'POD_AFFINITY_ALLOW_FROM_STEP', 'NAMESPACE_PER_ORGANIZATION', 'SECCTX_NONROOT']) {
      expect(envOf(c)[`WOODPECKER_BACKEND_K8S_${off}`]).toBeUndefined();
    }
  });

  test('switches native secrets, ServiceAccounts from steps, non-root steps and pull secrets on when asked', () => {
    // a clone image that runs as a non-root user, as runAsNonRoot needs (next test)
    const { chart, agent } = setup({ allowNativeSecrets: true, serviceAccountNameAllowFromStep: true, runAsNonRoot: true, pullSecretNames: ['b'] },
      { cloneImage: Image.of('registry.example.com/ci/git-clone:1.0.0') });
    agent.addPullSecretName('a');
    const env = literalEnv(container(find(synth(chart), 'StatefulSet', 'woodpecker-agent')));
    expect(env.WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS).toBe('true');
    expect(env.WOODPECKER_BACKEND_K8S_SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP).toBe('true');
    expect(env.WOODPECKER_BACKEND_K8S_SECCTX_NONROOT).toBe('true');
    // flags.go:117-124, a list urfave/cli v3.10.1 splits on "," (flag.go:231-240)
    expect(env.WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES).toBe('a,b');
    expect(() => agent.addPullSecretName('c')).toThrow('invalid pullSecretNames "c": must be set before the chart is synthesized');
    expect(() => agent.allowNativeSecrets()).toThrow('invalid allowNativeSecrets true: must be set before the chart is synthesized');
  });

  test('refuses runAsNonRoot while the server clones with plugin-git, which runs as root', () => {
    // woodpecker-ci/plugin-git 2.9.2 docker/Dockerfile.multiarch sets no USER, so the image runs as root. With
    // WOODPECKER_BACKEND_K8S_SECCTX_NONROOT every step pod gets runAsNonRoot (woodpecker v3.17.0
    // pipeline/backend/kubernetes/pod.go:595-597), the default clone step's too, which has no backend_options
    // (pipeline/frontend/yaml/compiler/compiler.go:153-168): the kubelet refuses its container
    // (CreateContainerConfigError), which WaitStep does not watch for (kubernetes.go:300-333), so every pipeline
    // would wait on its clone step until its timeout
    const message = 'invalid runAsNonRoot true: must be false while the server clones with docker.io/woodpeckerci/plugin-git:2.9.2, which ' +
      'runs as root: the kubelet would refuse every clone step, and each pipeline would wait on it until its timeout; give the server a ' +
      'cloneImage that runs as a non-root user first';
    expect(() => setup({ runAsNonRoot: true })).toThrow(message);
    expect(() => setup({ runAsNonRoot: true })).toThrow(/^[^\n]+$/);
    // any tag and any registry of it: relocation keeps the repository, and no tag sets a user
    expect(() => setup({ runAsNonRoot: true }, { cloneImage: Image.of('registry.example.com/woodpeckerci/plugin-git:2.10.0') }))
      .toThrow('invalid runAsNonRoot true: must be false while the server clones with registry.example.com/woodpeckerci/plugin-git:2.10.0');
    // and through WoodpeckerCi, whose agents take the option
    const chart = testChart('ci');
    expect(() => woodpeckerCi(chart, { agent: { runAsNonRoot: true } })).toThrow(message);
    // off, or with a clone image of another repository, nothing is refused
    expect(() => setup({ runAsNonRoot: false })).not.toThrow();
    expect(() => setup({ runAsNonRoot: true }, { cloneImage: Image.of('registry.example.com/ci/git-clone:1.0.0') })).not.toThrow();
  });

  test('renders labels the agent parses into the filter the server applies, "!" and "/" included', () => {
    const labels = { 'repo': 'acme/api', 'dockyard.dev/route': 'release', '!woodpecker-ci.org/event': 'push' };
    const { chart } = setup({ labels });
    const env = literalEnv(container(find(synth(chart), 'StatefulSet', 'woodpecker-agent')));
    // stringSliceAddToMap cuts at the first "=" (cmd/agent/core/agent.go:352), so "/" in keys and values survives
    expect(agentFilterLabels(env, 'woodpecker-agent-0')).toEqual({
      hostname: 'woodpecker-agent-0', platform: 'linux/amd64', backend: 'kubernetes', 'org-id': '*', ...labels,
    });
  });

  test('pins and relocates the permission-init image and lists it on the StatefulSet', () => {
    const chart = testChart('ci');
    Images.relocateAll(chart, { relocate: (i: Image) => i.withRegistry('mirror.example.com/hub') });
    const server = woodpeckerServer(chart);
    new WoodpeckerAgent(chart, 'Agent', { server, builds: new WoodpeckerBuildNamespaces(chart, 'Builds') });
    const sts = find(synth(chart), 'StatefulSet', 'woodpecker-agent');
    // pulled Always by every non-root step's init container (pipeline/backend/kubernetes/pod.go:298-345)
    expect(literalEnv(container(sts)).WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE).toBe('mirror.example.com/hub/library/busybox:1.37.0-musl');
    expect(sts.metadata.annotations['dockyard.dev/images']).toBe('mirror.example.com/hub/library/busybox:1.37.0-musl');
    expect(container(sts).image).toBe('mirror.example.com/hub/woodpeckerci/woodpecker-agent:v3.17.0');
  });

  test('admits nothing in, and the agents are the only peers the server admits to its gRPC port, by one rule however many', () => {
    const { chart, server: woodpecker, builds } = setup();
    // a second agent, as a platform with routes has many: the server's policy does not grow with them
    new WoodpeckerAgent(chart, 'Agent2', { server: woodpecker, builds, name: 'woodpecker-agent-2' });
    const objects = synth(chart);
    expect(find(objects, 'NetworkPolicy', 'woodpecker-agent', 'ci').spec).toMatchObject({ ingress: [], policyTypes: ['Ingress'] });
    const server = find(objects, 'NetworkPolicy', 'woodpecker', 'ci');
    const digest = createHash('sha256').update(woodpecker.grpcAddress).digest('hex').slice(0, 16);
    expect(server.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/name': 'woodpecker', [WoodpeckerAgent.SERVER_LABEL]: digest } } }],
      ports: [{ protocol: 'TCP', port: 9000 }],
    }]);
    // the selector matches every agent's pods
    for (const name of ['woodpecker-agent', 'woodpecker-agent-2']) {
      expect(find(objects, 'StatefulSet', name, 'ci').spec.template.metadata.labels).toMatchObject(server.spec.ingress[0].from[0].podSelector.matchLabels);
    }
  });

  test('another server\'s agents in the same namespace are not admitted to this one\'s gRPC port', () => {
    const { chart, builds } = setup();
    const other = new WoodpeckerServer(chart, 'Other', {
      name: 'woodpecker-b', host: 'ci-b.example.com',
      gitProvider: GitProvider.github({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuthB', 'woodpecker-b-oauth').key('client-secret') }),
      database: new Postgres(chart, 'PostgresB', { name: 'postgres-b', namespace: 'data' }).addDatabase('woodpecker'),
    });
    new WoodpeckerAgent(chart, 'OtherAgent', { server: other, builds, name: 'woodpecker-b-agent' });
    const objects = synth(chart);
    const admitted = (policy: string) => find(objects, 'NetworkPolicy', policy, 'ci').spec.ingress[0].from[0].podSelector.matchLabels;
    const podLabels = (sts: string) => find(objects, 'StatefulSet', sts, 'ci').spec.template.metadata.labels;
    const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(admitted('woodpecker'), podLabels('woodpecker-agent'))).toBe(true);
    expect(matches(admitted('woodpecker'), podLabels('woodpecker-b-agent'))).toBe(false);
    expect(matches(admitted('woodpecker-b'), podLabels('woodpecker-b-agent'))).toBe(true);
    expect(matches(admitted('woodpecker-b'), podLabels('woodpecker-agent'))).toBe(false);
  });

  test('shares the server\'s agent secret into its namespace when the server runs elsewhere', () => {
    const chart = testChart('woodpecker');
    const server = woodpeckerServer(chart);
    new WoodpeckerAgent(chart, 'Agent', { server, builds: new WoodpeckerBuildNamespaces(chart, 'Builds', { namespace: 'agents' }) });
    expect(Secret.allIn(chart).find((s) => s.secretName === 'woodpecker-credentials')!.namespaces).toEqual(['woodpecker', 'agents']);
  });

  describe('refuses bad input with one line naming the prop', () => {
    const cases: [string, Partial<WoodpeckerAgentProps>, string][] = [
      ['label with a comma', { labels: { repo: 'a/b,c/d' } }, 'invalid labels {"repo":"a/b,c/d"}'],
      ['empty label value', { labels: { team: '' } }, 'invalid labels {"team":""}'],
      ['label key with "="', { labels: { 'a=b': 'c' } }, 'invalid labels {"a=b":"c"}'],
      ['reserved label', { labels: { 'org-id': '7' } }, 'must not set "org-id": the agent or the server sets it'],
      ['backend namespace', { backendNamespace: 'elsewhere' }, 'invalid backendNamespace "elsewhere": must be one of the build namespaces: elsewhere is not among ci-builds, deploy'],
      ['long name', { name: 'a'.repeat(53) }, 'must be at most 52 characters'],
      ['maxWorkflows', { maxWorkflows: 0 }, 'invalid maxWorkflows 0'],
      ['workspace size', { workspaceSize: 'ten' }, 'invalid workspaceSize "ten"'],
      // each workflow's workspace and the agent's config volume are claims, which the API server refuses of no storage
      // (ValidatePersistentVolumeClaimSpec: see the Postgres test)
      ['no workspace size', { workspaceSize: '0' }, 'invalid workspaceSize "0": must be a Kubernetes quantity above zero'],
      ['config volume size', { configVolumeSize: '1 Gi' }, 'invalid configVolumeSize "1 Gi"'],
      ['no config volume size', { configVolumeSize: '0Mi' }, 'invalid configVolumeSize "0Mi": must be a Kubernetes quantity above zero'],
      ['config volume size without the volume', { persistAgentId: false, configVolumeSize: '1Gi' },
        'invalid configVolumeSize "1Gi": must be left unset with persistAgentId false: the agent then keeps no volume'],
      ['config storage class without the volume', { persistAgentId: false, configStorageClassName: 'do-block-storage' },
        'invalid configStorageClassName "do-block-storage": must be left unset with persistAgentId false'],
      ['persistAgentId from JavaScript', { persistAgentId: 'false' as unknown as boolean }, 'invalid persistAgentId "false": must be true or false'],
      ['config volume settings with the volume', { persistAgentId: true, configVolumeSize: '2Gi', configStorageClassName: 'do-block-storage' }, ''],
      ['pull secret name', { pullSecretNames: ['Harbor'] }, 'invalid pullSecretNames "Harbor"'],
      ['storage class', { workspaceStorageClassName: 'Fast SSD' }, 'invalid workspaceStorageClassName "Fast SSD"'],
      // "" is "no class" on a claim Dockyard renders, but Woodpecker drops an empty class from the claims it makes, which
      // the default StorageClass then provisions (woodpecker v3.17.0 pipeline/backend/kubernetes/volume.go:28-32)
      ['empty storage class', { workspaceStorageClassName: '' }, 'invalid workspaceStorageClassName "": must be a StorageClass name: ' +
        'Woodpecker takes "" for the cluster\'s default StorageClass, not for no class; leave it unset for the default'],
      ['empty config storage class', { configStorageClassName: '' }, ''],
      // a claim's storageClassName must be a DNS-1123 subdomain (kubernetes/kubernetes pkg/apis/core/validation/validation.go
      // ValidatePersistentVolumeClaimSpec); the config volume's claim is the agent StatefulSet's own
      ['config storage class', { configStorageClassName: 'Fast SSD' }, 'invalid configStorageClassName "Fast SSD": must be a DNS-1123 subdomain'],
      ['grace period', { gracePeriodSec: -1 }, 'invalid gracePeriodSec -1'],
      ['resources', { resources: Resources.of({ cpuRequest: '1', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' }) }, ''],
    ];
    test.each(cases)('%s', (_, props, message) => {
      let error: Error | undefined;
      try {
        setup(props);
      } catch (e) {
        error = e as Error;
      }
      if (message === '') {
        expect(error).toBeUndefined();
        return;
      }
      expect(error?.message).toContain(message);
      expect(error?.message.split('\n')).toHaveLength(1);
    });
  });
});

describe('WoodpeckerBuildNamespaces', () => {
  test('grants each namespace\'s agents exactly what the Kubernetes backend calls there, and nothing elsewhere', () => {
    const { chart } = setup();
    const objects = synth(chart);
    for (const ns of ['ci-builds', 'deploy']) {
      const role = find(objects, 'Role', 'woodpecker-agent', ns);
      // woodpecker-ci/helm 3.6.5 charts/woodpecker/charts/agent/templates/role.yaml:46-55, and the calls:
      expect(role.rules).toEqual([
        // pod.go:764 Create, :775 Delete; kubernetes.go:352,368 Get; :336,441 informers List and Watch
        { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'get', 'list', 'watch'] },
        // kubernetes.go:468-474 RESTClient().Get()...SubResource("log")
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        // volume.go:86,96; secrets.go:291,305,322,360; service.go:77,88
        { apiGroups: [''], resources: ['persistentvolumeclaims', 'secrets', 'services'], verbs: ['create', 'delete'] },
      ]);
      expect(JSON.stringify(role.rules)).not.toContain('*');
      expect(find(objects, 'RoleBinding', 'woodpecker-agent', ns).subjects)
        .toEqual([{ kind: 'ServiceAccount', name: `woodpecker-agent-${ns}`, namespace: 'ci' }]);
      expect(find(objects, 'ServiceAccount', `woodpecker-agent-${ns}`, 'ci').automountServiceAccountToken).toBe(false);
    }
    // no cluster-wide grant: namespaces are never created by the backend (NAMESPACE_PER_ORGANIZATION stays off)
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
  });

  test('creates baseline namespaces with a LimitRange, a token-less default ServiceAccount and a deny-by-default policy', () => {
    const { chart, builds } = setup();
    builds.allowBuildEgress(NetworkPeer.pods('git', { app: 'gitea' }), [3000], { namespaces: ['deploy'] });
    const objects = synth(chart);
    const ns = find(objects, 'Namespace', 'deploy');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': PodSecurityLevel.BASELINE,
      'dockyard.dev/woodpecker-agent': 'woodpecker-agent', 'dockyard.dev/woodpecker-agent-namespace': 'ci',
    });
    // Woodpecker sets no resources of its own (pod.go:481-496 takes them from backend_options only), and a LimitRange
    // without defaultRequest makes the default limit the request (k8s.io/kubernetes pkg/apis/core/v1/defaults.go
    // SetDefaults_LimitRangeItem): so a small defaultRequest, or ten steps would request ten CPUs
    expect(find(objects, 'LimitRange', 'woodpecker-agent-builds', 'deploy').spec.limits).toEqual([{
      'type': 'Container',
      'default': { 'cpu': '1', 'memory': '2Gi', 'ephemeral-storage': '4Gi' },
      'defaultRequest': { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '256Mi' },
      'max': { 'cpu': '4', 'memory': '8Gi', 'ephemeral-storage': '16Gi' },
    }]);
    expect(find(objects, 'ServiceAccount', 'default', 'deploy').automountServiceAccountToken).toBe(false);
    const policy = find(objects, 'NetworkPolicy', 'woodpecker-agent-builds', 'deploy');
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'deploy' } } }] });
    expect(policy.spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'git' } }, podSelector: { matchLabels: { app: 'gitea' } } }],
      ports: [{ protocol: 'TCP', port: 3000 }],
    });
    expect(find(objects, 'NetworkPolicy', 'woodpecker-agent-builds', 'ci-builds').spec.egress).not.toContainEqual(expect.objectContaining({
      ports: [{ protocol: 'TCP', port: 3000 }],
    }));
  });

  test('lets a namespace\'s pods reach its pipeline service pods, and only those', () => {
    // steps reach services through a headless Service selecting the task's pods (service.go:34-56); service pods
    // carry the label "service" (pod.go:140-142), which steps cannot set (pod.go:115-134 without
    // WOODPECKER_BACKEND_K8S_POD_LABELS_ALLOW_FROM_STEP)
    const { chart } = setup();
    expect(find(synth(chart), 'NetworkPolicy', 'woodpecker-agent-services', 'deploy').spec).toEqual({
      podSelector: { matchExpressions: [{ key: 'service', operator: 'Exists' }] },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }] }],
    });
  });

  test('refuses a build namespace that is the agents\' own or defined twice, and an empty egress', () => {
    const { builds } = setup();
    expect(() => builds.addBuildNamespace('ci')).toThrow('invalid namespace "ci": must differ from the agents\' own namespace');
    expect(() => builds.addBuildNamespace('deploy')).toThrow('invalid namespace "deploy": must not already be a build namespace');
    expect(() => builds.allowBuildEgress(NetworkPeer.namespace('x'), [])).toThrow('invalid ports []');
    expect(() => builds.allowBuildEgress(NetworkPeer.namespace('x'), [80], { namespaces: ['nope'] }))
      .toThrow('invalid namespaces "nope": must be one of the build namespaces');
    expect(() => builds.addBuildNamespace('Bad_NS')).toThrow('invalid namespace "Bad_NS": must be a DNS-1123 label');
    expect(() => builds.allowBuildEgress(NetworkPeer.namespace('x'), [80], { namespaces: [] })).toThrow('invalid namespaces []: must not be empty');
    expect(() => builds.allowBuildEgress(NetworkPeer.namespace('x'), [80, 80])).toThrow('invalid ports');
    expect(() => builds.allowBuildEgress(NetworkPeer.namespace('x'), [70000])).toThrow('invalid ports 70000');
    expect(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'B', { buildMaxCpu: '500m' }))
      .toThrow('invalid buildMaxCpu "500m": must be at least buildCpuLimit "1"');
    // CPU quantities, read as Resources reads one: "2M" is 2 million cores
    expect(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'B', { buildCpuLimit: '2M' }))
      .toThrow('invalid buildCpuLimit "2M": "M" multiplies by a million, so this is 2 million cores');
    expect(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'B', { buildMaxCpu: '8Ki' }))
      .toThrow('invalid buildMaxCpu "8Ki": "Ki" multiplies by 1024, so this is 8 × 1024 cores');
    expect(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'B', { buildMemoryLimit: '16Gi' }))
      .toThrow('invalid buildMaxMemory "8Gi": must be at least buildMemoryLimit "16Gi"');
    expect(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'B', { buildNamespace: 'Builds' })).toThrow('invalid buildNamespace "Builds"');
    expect(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'B', { buildCpuLimit: 'lots' })).toThrow('invalid buildCpuLimit "lots"');
  });
});
