import {
  checkImagesPinned,
  checkNoPlaintextCredentials,
  checkPodSecurityRestricted,
  checkReadOnlyRootFs,
  checkReferences,
  checkResourcesAndProbes,
  objectId,
  runAllChecks,
  validateSchema,
  type Finding,
  type K8sObject,
} from './checks';
import { App, Chart, Cron, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { compliantApp, EXTERNAL_SECRETS, NS, pick } from './fixtures';

const externals = { externalSecrets: EXTERNAL_SECRETS };
const rules = (findings: readonly Finding[]) => findings.map((f) => f.rule);

/** The compliant app with one change applied to one object. */
function broken(kind: string, name: string, change: (obj: any) => void): K8sObject[] {
  const objects = compliantApp();
  change(pick(objects, kind, name));
  return objects;
}
const appPod = (d: any) => d.spec.template.spec;
const appContainer = (d: any) => d.spec.template.spec.containers[0];

describe('compliant fixture', () => {
  // how fast the checks run is the benchmark's to measure (bench/), not a test's: a time bound here failed on a loaded machine
  test('passes every check', () => {
    const report = runAllChecks(compliantApp(), externals);
    expect(report).toEqual({
      schema127: [], schema136: [], podSecurity: [], references: [], plaintext: [], images: [], resourcesProbes: [],
    });
    expect(checkReadOnlyRootFs(compliantApp())).toEqual([]);
  });

  test('objectId names kind, namespace and name', () => {
    const objects = compliantApp();
    expect(objectId(pick(objects, 'Deployment', 'app'))).toBe(`Deployment ${NS}/app`);
    expect(objectId(pick(objects, 'Namespace', NS))).toBe(`Namespace ${NS}`);
    expect(objectId({ kind: 'ConfigMap', metadata: { name: 'x' } })).toBe('ConfigMap default/x');
  });
});

describe('validateSchema', () => {
  test.each(['1.27.0', '1.36.0'] as const)('a misspelt field is an error on %s', (version) => {
    const objects = broken('Deployment', 'app', (d) => { appContainer(d).imagePullPolicyy = 'Always'; });
    expect(validateSchema(objects, version)).toEqual([{
      rule: 'schema/invalid',
      object: `Deployment ${NS}/app`,
      message: expect.stringContaining('/spec/template/spec/containers/0 must NOT have additional properties "imagePullPolicyy"'),
    }]);
  });

  test('wrong types are errors, IntOrString and Quantity accept both forms', () => {
    const objects = broken('Deployment', 'app', (d) => { d.spec.replicas = '2'; });
    expect(validateSchema(objects, '1.36.0').map((f) => f.message)).toEqual(['[1.36.0] /spec/replicas must be integer']);
  });

  test('kinds removed between releases exist only in the older one', () => {
    const flowSchema = {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2',
      kind: 'FlowSchema',
      metadata: { name: 'ci' },
      spec: { priorityLevelConfiguration: { name: 'workload-low' }, matchingPrecedence: 1000 },
    };
    expect(validateSchema([flowSchema], '1.27.0')).toEqual([]);
    expect(rules(validateSchema([flowSchema], '1.36.0'))).toEqual(['schema/unknown-kind']);
  });

  test('an apiVersion gone before 1.27 is unknown to both', () => {
    const pdb = { ...pick(compliantApp(), 'PodDisruptionBudget', 'app'), apiVersion: 'policy/v1beta1' };
    expect(rules(validateSchema([pdb], '1.27.0'))).toEqual(['schema/unknown-kind']);
    expect(rules(validateSchema([pdb], '1.36.0'))).toEqual(['schema/unknown-kind']);
  });

  test('cdk8s-plus output, full of defaulted fields, is valid on both versions', () => {
    const chart = new Chart(new App(), 'smoke', { namespace: NS });
    const resources = {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
      memory: { request: Size.mebibytes(64), limit: Size.gibibytes(1) },
    };
    const web = new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27.1', portNumber: 8080, resources }] });
    web.exposeViaService({ ports: [{ port: 80, targetPort: 8080 }] });
    new kplus.StatefulSet(chart, 'db', { containers: [{ image: 'postgres:16.4', portNumber: 5432 }] });
    new kplus.CronJob(chart, 'backup', { schedule: Cron.daily(), containers: [{ image: 'postgres:16.4' }] });
    new kplus.ConfigMap(chart, 'config', { data: { LOG_LEVEL: 'info' } });
    const objects = chart.toJson();
    expect([...validateSchema(objects, '1.27.0'), ...validateSchema(objects, '1.36.0')]).toEqual([]);
  });

  test('DOCKYARD_K8S_SCHEMAS overrides where the schemas are read from', () => {
    const saved = process.env.DOCKYARD_K8S_SCHEMAS;
    process.env.DOCKYARD_K8S_SCHEMAS = '/nonexistent/k8s-schemas';
    try {
      jest.isolateModules(() => {
        const isolated: typeof import('./checks/schema') = require('./checks/schema');
        expect(() => isolated.validateSchema([], '1.27.0')).toThrow('/nonexistent/k8s-schemas/v1.27.0.json');
      });
    } finally {
      if (saved === undefined) delete process.env.DOCKYARD_K8S_SCHEMAS;
      else process.env.DOCKYARD_K8S_SCHEMAS = saved;
    }
  });

  test('formats are checked lightly rather than rejected as unknown', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'aHVudGVyMg==' } };
    expect(validateSchema([secret], '1.27.0')).toEqual([]);
    expect(rules(validateSchema([{ ...secret, data: { k: 'not base64!' } }], '1.27.0'))).toEqual(['schema/invalid']);
  });
});

describe('checkPodSecurityRestricted', () => {
  const pss = (kind: string, name: string, change: (obj: any) => void) => checkPodSecurityRestricted(broken(kind, name, change));

  test('seccomp must be confined at pod level or on every container', () => {
    expect(pss('Deployment', 'app', (d) => { delete appPod(d).securityContext.seccompProfile; })).toEqual([
      { rule: 'pss/seccomp', object: `Deployment ${NS}/app`, message: expect.stringContaining('container "app"') },
      { rule: 'pss/seccomp', object: `Deployment ${NS}/app`, message: expect.stringContaining('container "migrate"') },
    ]);
    expect(pss('Deployment', 'app', (d) => {
      delete appPod(d).securityContext.seccompProfile;
      for (const c of [...appPod(d).containers, ...appPod(d).initContainers]) {
        c.securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' };
      }
    })).toEqual([]);
    const unconfined = pss('Deployment', 'app', (d) => { appContainer(d).securityContext.seccompProfile = { type: 'Unconfined' }; });
    expect(rules(unconfined)).toEqual(['pss/seccomp']);
  });

  test('CronJob pod templates are checked', () => {
    const findings = pss('CronJob', 'db-backup', (c) => {
      c.spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    });
    expect(findings).toEqual([{
      rule: 'pss/allow-privilege-escalation',
      object: `CronJob ${NS}/db-backup`,
      message: 'container "backup": allowPrivilegeEscalation must be false',
    }]);
  });

  test.each<[string, (d: any) => void]>([
    ['pss/run-as-non-root', (d) => { appContainer(d).securityContext.runAsNonRoot = false; }],
    ['pss/run-as-user', (d) => { appContainer(d).securityContext.runAsUser = 0; }],
    ['pss/capabilities', (d) => { appContainer(d).securityContext.capabilities = { drop: ['NET_RAW'] }; }],
    ['pss/capabilities', (d) => { appContainer(d).securityContext.capabilities.add = ['SYS_ADMIN']; }],
    ['pss/privileged', (d) => { appContainer(d).securityContext.privileged = true; }],
    ['pss/host-namespaces', (d) => { appPod(d).hostNetwork = true; }],
    ['pss/host-ports', (d) => { appContainer(d).ports[0].hostPort = 8080; }],
    ['pss/host-path', (d) => { appPod(d).volumes.push({ name: 'h', hostPath: { path: '/' } }); }],
    ['pss/volume-types', (d) => { appPod(d).volumes.push({ name: 'n', nfs: { server: 'nfs', path: '/' } }); }],
    ['pss/proc-mount', (d) => { appContainer(d).securityContext.procMount = 'Unmasked'; }],
    ['pss/sysctls', (d) => { appPod(d).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]; }],
    ['pss/host-process', (d) => { appPod(d).securityContext.windowsOptions = { hostProcess: true }; }],
    ['pss/apparmor', (d) => { d.spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }; }],
    ['pss/selinux', (d) => { appPod(d).securityContext.seLinuxOptions = { type: 'spc_t' }; }],
    // baseline from 1.34 (check_hostProbesAndhostLifecycle.go): the fixture's probes name a port and path only
    ['pss/probe-host', (d) => { appContainer(d).readinessProbe.httpGet.host = '10.0.0.1'; }],
    ['pss/probe-host', (d) => { appContainer(d).lifecycle = { preStop: { httpGet: { host: 'example.com', port: 80, path: '/' } } }; }],
  ])('%s', (rule, change) => {
    expect(rules(pss('Deployment', 'app', change))).toEqual([rule]);
  });

  test('runAsNonRoot may be set per container instead of per pod', () => {
    expect(pss('StatefulSet', 'db', (s) => { delete s.spec.template.spec.securityContext.runAsNonRoot; })).toEqual([]);
  });
});

describe('workload hygiene', () => {
  test('containers need requests and limits; init containers need no probes', () => {
    const findings = checkResourcesAndProbes(broken('Deployment', 'app', (d) => {
      delete appContainer(d).resources.limits.memory;
      delete appPod(d).initContainers[0].resources.requests;
      delete appContainer(d).readinessProbe;
    }));
    expect(findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([
      'resources: container "app": missing resources limits.memory',
      'probes: container "app": missing readinessProbe',
      'resources: container "migrate": missing resources requests.cpu, requests.memory',
    ]);
  });

  test.each([
    ['nginx', ['images/pinned']],
    ['nginx:latest', ['images/pinned']],
    ['registry.local:5000/nginx', ['images/pinned']],
    ['registry.local:5000/nginx:1.27.1', []],
    [`nginx@sha256:${'b'.repeat(64)}`, []],
  ])('image %s', (image, expected) => {
    expect(rules(checkImagesPinned(broken('Deployment', 'app', (d) => { appContainer(d).image = image; })))).toEqual(expected);
  });

  test('imagePullPolicy Always is called out on unpinned images only', () => {
    const always = (image: string) => checkImagesPinned(broken('StatefulSet', 'db', (s) => {
      Object.assign(s.spec.template.spec.containers[0], { image, imagePullPolicy: 'Always' });
    }));
    expect(rules(always('postgres:latest'))).toEqual(['images/pinned', 'images/pull-policy']);
    expect(always('postgres:16.4')).toEqual([]);
  });

  test('a writable root filesystem is reported for the caller to allowlist', () => {
    const findings = checkReadOnlyRootFs(broken('StatefulSet', 'db', (s) => {
      delete s.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem;
    }));
    expect(findings).toEqual([{
      rule: 'read-only-root-fs',
      object: `StatefulSet ${NS}/db`,
      message: 'container "postgres": readOnlyRootFilesystem is not true',
    }]);
  });
});

describe('checkReferences', () => {
  const refs = (kind: string, name: string, change: (obj: any) => void) => checkReferences(broken(kind, name, change), externals);
  const messages = (findings: readonly Finding[]) => findings.map((f) => `${f.rule}: ${f.message}`);

  test('secrets created out of band must be declared external', () => {
    expect(messages(checkReferences(compliantApp())))
      .toContain(`refs/secret: container "app" env DB_PASSWORD: Secret "app-db" not found in namespace ${NS}`);
  });

  test('a key missing from an in-list Secret is a finding', () => {
    const objects = compliantApp();
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-db', namespace: NS }, stringData: { username: 'app' } });
    const findings = checkReferences(objects, { externalSecrets: [{ namespace: NS, name: 'app-tls' }] });
    expect(new Set(messages(findings))).toEqual(new Set([
      'refs/secret: container "app" env DB_PASSWORD: Secret "app-db" has no key password',
      'refs/secret: container "migrate" env DB_PASSWORD: Secret "app-db" has no key password',
      'refs/secret: container "postgres" env POSTGRES_PASSWORD: Secret "app-db" has no key password',
      'refs/secret: container "backup" env PGPASSWORD: Secret "app-db" has no key password',
    ]));
  });

  test.each<[string, string, string, (o: any) => void]>([
    ['Service', 'app', 'refs/service-port: port metrics: targetPort metricz is not a containerPort', (s) => { s.spec.ports[1].targetPort = 'metricz'; }],
    ['Service', 'app', 'refs/service-selector: selector', (s) => { s.spec.selector = { app: 'typo' }; }],
    ['Deployment', 'app', 'refs/configmap: volume "config": ConfigMap "app-config" has no key app.yaml', (d) => { appPod(d).volumes[1].configMap.items[0].key = 'app.yaml'; }],
    ['Deployment', 'app', 'refs/configmap: container "app" env LOG_LEVEL: ConfigMap "app-config" has no key LEVEL', (d) => { appContainer(d).env[4].valueFrom.configMapKeyRef.key = 'LEVEL'; }],
    ['Deployment', 'app', 'refs/serviceaccount: serviceAccountName: ServiceAccount "ap" not found', (d) => { appPod(d).serviceAccountName = 'ap'; }],
    ['Deployment', 'app', 'refs/persistentvolumeclaim: volume "data"', (d) => { appPod(d).volumes.push({ name: 'data', persistentVolumeClaim: { claimName: 'data' } }); }],
    ['Deployment', 'app', 'refs/volume-mount: container "app" mounts undeclared volume "cache"', (d) => { appContainer(d).volumeMounts.push({ name: 'cache', mountPath: '/c' }); }],
    ['Deployment', 'app', 'refs/secret: imagePullSecrets: Secret "ghcr" not found', (d) => { appPod(d).imagePullSecrets = [{ name: 'ghcr' }]; }],
    ['StatefulSet', 'db', 'refs/service: serviceName: Service "postgres" not found', (s) => { s.spec.serviceName = 'postgres'; }],
    ['Ingress', 'app', 'refs/service-port: backend: Service "app" has no port https', (i) => { i.spec.rules[0].http.paths[0].backend.service.port = { name: 'https' }; }],
    ['Ingress', 'app', 'refs/service: backend: Service "web" not found', (i) => { i.spec.rules[0].http.paths[0].backend.service.name = 'web'; }],
    ['Ingress', 'app', 'refs/secret: tls: Secret "other-tls" not found', (i) => { i.spec.tls[0].secretName = 'other-tls'; }],
    ['RoleBinding', 'app', 'refs/role: roleRef: Role "app-reader" not found', (b) => { b.roleRef.name = 'app-reader'; }],
    ['RoleBinding', 'app', 'refs/serviceaccount: subject: ServiceAccount "app" not found in namespace ci', (b) => { b.subjects[0].namespace = 'ci'; }],
    ['RoleBinding', 'app-view', 'refs/clusterrole: roleRef: ClusterRole "viewer" not found', (b) => { b.roleRef.name = 'viewer'; }],
    ['NetworkPolicy', 'db-ingress', 'refs/selector: selector', (n) => { n.spec.podSelector.matchLabels = { role: 'db' }; }],
    ['PodDisruptionBudget', 'app', 'refs/selector: selector', (p) => { p.spec.selector.matchExpressions[0].values = ['ap']; }],
  ])('%s %s: %s', (kind, name, expected, change) => {
    const found = messages(refs(kind, name, change));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  test('objects outside "default" need their Namespace, unless it is external', () => {
    const objects = compliantApp().filter((o) => o.kind !== 'Namespace');
    const findings = checkReferences(objects, externals);
    expect(new Set(rules(findings))).toEqual(new Set(['refs/namespace']));
    expect(findings).toHaveLength(objects.length);
    expect(checkReferences(objects, { ...externals, externalNamespaces: [NS] })).toEqual([]);
  });

  test('optional references may dangle', () => {
    expect(refs('Deployment', 'app', (d) => { appContainer(d).envFrom = [{ configMapRef: { name: 'extra', optional: true } }]; })).toEqual([]);
  });
});

describe('checkNoPlaintextCredentials', () => {
  const leaks = (kind: string, name: string, change: (obj: any) => void) =>
    checkNoPlaintextCredentials(broken(kind, name, change)).map((f) => `${f.rule}: ${f.message}`);
  const appEnv = (d: any) => appContainer(d).env;

  test('a literal password env is a finding', () => {
    expect(leaks('StatefulSet', 'db', (s) => { s.spec.template.spec.containers[0].env[0] = { name: 'POSTGRES_PASSWORD', value: 'hunter2' }; }))
      .toEqual(['plaintext/env: container "postgres": env POSTGRES_PASSWORD has a literal value; use valueFrom.secretKeyRef']);
  });

  test('a user name is not a credential, but its password is', () => {
    expect(leaks('StatefulSet', 'db', (s) => {
      s.spec.template.spec.containers[0].env.push({ name: 'REGISTRY_CREDENTIAL_USERNAME', value: 'harbor_registry_user' });
    })).toEqual([]);
    expect(leaks('StatefulSet', 'db', (s) => {
      s.spec.template.spec.containers[0].env.push({ name: 'REGISTRY_CREDENTIAL_PASSWORD', value: 'x' });
    })).toEqual(['plaintext/env: container "postgres": env REGISTRY_CREDENTIAL_PASSWORD has a literal value; use valueFrom.secretKeyRef']);
  });

  test('$(VAR) must refer to an earlier Secret-fed variable', () => {
    // Moved after its use: the kubelet leaves "$(DB_PASSWORD)" unexpanded.
    expect(leaks('Deployment', 'app', (d) => { appEnv(d).push(appEnv(d).shift()); })).toEqual([
      'plaintext/env: container "app": env DATABASE_URL references $(DB_PASSWORD) before it is defined, so it is not expanded',
    ]);
    // Defined earlier, but as a literal: both the variable and the URL it is spliced into leak.
    expect(leaks('Deployment', 'app', (d) => { appEnv(d)[0] = { name: 'DB_PASSWORD', value: 'hunter2' }; })).toEqual([
      'plaintext/env: container "app": env DB_PASSWORD has a literal value; use valueFrom.secretKeyRef',
      'plaintext/env: container "app": env DATABASE_URL contains a URL with a literal password',
    ]);
  });

  test('a secret-named env may only splice in Secret-fed variables', () => {
    const findings = leaks('Deployment', 'app', (d) => {
      appEnv(d).push({ name: 'API_TOKEN', value: 'Bearer $(LOG_LEVEL)' }, { name: 'ESCAPED_TOKEN', value: '$$(DB_PASSWORD)' });
    });
    expect(findings).toEqual([
      'plaintext/env: container "app": env API_TOKEN embeds $(LOG_LEVEL), which is not fed from a Secret',
      'plaintext/env: container "app": env ESCAPED_TOKEN has a literal value; use valueFrom.secretKeyRef',
    ]);
  });

  test('credential patterns are found in any env value, args, annotations', () => {
    expect(leaks('Deployment', 'app', (d) => { appEnv(d).push({ name: 'UPSTREAM', value: 'https://bot:s3cret@git.example.com/repo.git' }); }))
      .toEqual(['plaintext/env: container "app": env UPSTREAM contains a URL with a literal password']);
    expect(leaks('Deployment', 'app', (d) => { appEnv(d).push({ name: 'WEBHOOK_SECRET', value: 'https://hooks.example.com/x?token=abc123' }); }))
      .toEqual(['plaintext/env: container "app": env WEBHOOK_SECRET contains a URL with a literal token in its query']);
    expect(leaks('Deployment', 'app', (d) => { appPod(d).initContainers[0].args = ['migrate', '--password=hunter2']; }))
      .toEqual(['plaintext/args: container "migrate": command/args contain a literal password assignment']);
    expect(leaks('Service', 'db', (s) => { s.metadata.annotations = { note: 'connect with postgres://postgres:hunter2@db/app' }; }))
      .toEqual(['plaintext/annotation: annotation "note" contains a URL with a literal password']);
  });

  // kubernetes/kubernetes pkg/kubelet/container/helpers.go ExpandContainerCommandAndArgs: the kubelet expands $(VAR)
  // in command and args, so the process's argv (ps, /proc/<pid>/cmdline) holds the value
  test('a Secret\'s value expanded into command or args is a leak: directly, through a variable that splices it, or from envFrom', () => {
    expect(leaks('Deployment', 'app', (d) => {
      const migrate = appPod(d).initContainers[0];
      migrate.env.push({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } },
        { name: 'DSN', value: 'postgres://app:$(DB_PASSWORD)@db:5432/app' });
      migrate.args = ['migrate', '--password', '$(DB_PASSWORD)', '--dsn', '$(DSN)', '$$(DB_PASSWORD)'];
    })).toEqual([
      'plaintext/args: container "migrate": command/args expand $(DB_PASSWORD), which holds a Secret\'s value, into the process\'s arguments, which ps shows; read it from the environment',
      'plaintext/args: container "migrate": command/args expand $(DSN), which holds a Secret\'s value, into the process\'s arguments, which ps shows; read it from the environment',
    ]);
    expect(leaks('Deployment', 'app', (d) => {
      const migrate = appPod(d).initContainers[0];
      migrate.envFrom = [{ secretRef: { name: 'app-db' } }];
      migrate.args = ['migrate', '--token=$(API_TOKEN)'];
    })).toEqual([
      'plaintext/args: container "migrate": command/args expand $(API_TOKEN), which holds a Secret\'s value, into the process\'s arguments, which ps shows; read it from the environment',
    ]);
    // a variable that holds none, and the escaped $$(VAR), which the kubelet leaves as text
    expect(leaks('Deployment', 'app', (d) => {
      const migrate = appPod(d).initContainers[0];
      migrate.env.push({ name: 'LEVEL', value: 'debug' });
      migrate.args = ['migrate', '--log=$(LEVEL)', '$$(PGPASSWORD)'];
    })).toEqual([]);
  });

  test('values that carry no credential pass', () => {
    expect(leaks('Deployment', 'app', (d) => {
      appEnv(d).push(
        { name: 'API_TOKEN', value: '' },
        { name: 'AUTH_HEADER_TOKEN', value: 'Bearer $(DB_PASSWORD)' },
        { name: 'REDIS_URL', value: 'redis://redis:6379/0' },
        { name: 'POSTGRES_PASSWORD_FILE', value: '/run/secrets/pg/password' },
        { name: 'SECRET_PLUGIN_ENDPOINT', value: 'http://secrets.dockyard:3000' },
      );
    })).toEqual([]);
  });

  test('Secrets in the manifests must not carry data', () => {
    const objects = compliantApp();
    objects.push(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-db', namespace: NS }, stringData: { password: 'hunter2' } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: { name: 'app-token', namespace: NS, annotations: { 'kubernetes.io/service-account.name': 'app' } },
      },
    );
    expect(checkNoPlaintextCredentials(objects)).toEqual([{
      rule: 'plaintext/secret-data', object: `Secret ${NS}/app-db`, message: expect.stringContaining('carries data'),
    }]);
  });

  test.each([
    ['api_key', 'abc123', 'key "api_key" holds a credential-like value'],
    ['config.yaml', 'database:\n  password: hunter2\n', 'key "config.yaml" contains a literal password assignment'],
    ['app.json', '{"db": {"password": "hunter2"}}', 'key "app.json" contains a literal password assignment'],
    ['tls.key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----', 'key "tls.key" contains a PEM private key'],
  ])('ConfigMap key %s', (key, value, expected) => {
    expect(leaks('ConfigMap', 'app-config', (c) => { c.data[key] = value; })).toEqual([`plaintext/configmap: ${expected}`]);
  });

  test('ConfigMap placeholders pass', () => {
    expect(leaks('ConfigMap', 'app-config', (c) => {
      Object.assign(c.data, {
        db_password: '${DB_PASSWORD}',
        'app.ini': 'password = {{ .Values.password }}\npassword_file: /run/pw',
        'init.sh': 'psql -v password="$3" -c "ALTER ROLE app PASSWORD :\'password\'"',
      });
    })).toEqual([]);
  });
});
