/**
 * A small, hand-written application that passes every policy check: the baseline each unit test breaks in
 * exactly one place. Built fresh on every call so tests can mutate it freely.
 */
import type { K8sObject } from './checks';

export const NS = 'dockyard';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const appLabels = { 'app.kubernetes.io/name': 'app' };
const dbLabels = { 'app.kubernetes.io/name': 'db' };

/** The pod-level context every Dockyard pod uses (a fresh copy each, so tests can break one pod). */
function podSecurityContext() {
  return { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } };
}

function hardenedContainer(name: string, image: string) {
  return {
    name,
    image,
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    resources: {
      requests: { cpu: '100m', memory: '128Mi' },
      // Quantity accepts numbers as well as strings.
      limits: { cpu: 1, memory: 268435456 },
    },
  };
}

const probe = (port: string | number) => ({ httpGet: { path: '/healthz', port }, periodSeconds: 10 });

export function compliantApp(): K8sObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: NS }, automountServiceAccountToken: false },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-config', namespace: NS },
      data: {
        LOG_LEVEL: 'info',
        'config.yaml': 'database:\n  host: db\n  password: ${DB_PASSWORD}\n',
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: NS, labels: appLabels },
      spec: {
        replicas: 2,
        selector: { matchLabels: appLabels },
        template: {
          metadata: { labels: appLabels },
          spec: {
            serviceAccountName: 'app',
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(),
            initContainers: [{
              ...hardenedContainer('migrate', `ghcr.io/example/app:1.4.2@${DIGEST}`),
              // the password in the environment, where the program reads it: an argument would show in ps
              args: ['migrate', '--dsn=postgres://app@db:5432/app'],
              env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } }],
            }],
            containers: [{
              ...hardenedContainer('app', `ghcr.io/example/app:1.4.2@${DIGEST}`),
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }],
              env: [
                { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } },
                // Kubernetes expands $(DB_PASSWORD) because it is defined above, from a Secret.
                { name: 'DATABASE_URL', value: 'postgres://app:$(DB_PASSWORD)@db:5432/app?sslmode=disable' },
                { name: 'LOKI_URL', value: 'http://loki.monitoring:3100' },
                { name: 'TLS_KEY_FILE', value: '/etc/app/tls/tls.key' },
                { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'LOG_LEVEL' } } },
              ],
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'config', mountPath: '/etc/app', readOnly: true },
              ],
              livenessProbe: probe('http'),
              readinessProbe: probe(8080),
            }],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
              { name: 'config', configMap: { name: 'app-config', items: [{ key: 'config.yaml', path: 'config.yaml' }] } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'app', namespace: NS },
      spec: {
        selector: appLabels,
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'metrics', port: 9090, targetPort: 9090 },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: NS },
      spec: { clusterIP: 'None', selector: dbLabels, ports: [{ name: 'postgres', port: 5432, targetPort: 'postgres' }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: NS },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: dbLabels },
        template: {
          metadata: { labels: dbLabels },
          spec: {
            securityContext: podSecurityContext(),
            containers: [{
              ...hardenedContainer('postgres', 'docker.io/library/postgres:16.4'),
              ports: [{ name: 'postgres', containerPort: 5432 }],
              env: [
                { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } },
                { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
              ],
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }, { name: 'run', mountPath: '/var/run/postgresql' }],
              livenessProbe: { exec: { command: ['pg_isready', '-U', 'postgres'] } },
              readinessProbe: { tcpSocket: { port: 'postgres' } },
            }],
            volumes: [{ name: 'run', emptyDir: {} }],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
        }],
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'db-backup', namespace: NS },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            template: {
              spec: {
                restartPolicy: 'OnFailure',
                securityContext: podSecurityContext(),
                containers: [{
                  ...hardenedContainer('backup', 'docker.io/library/postgres:16.4'),
                  // libpq reads PGPASSWORD from the environment: in the URL it would show in ps
                  command: ['pg_dump', '--dbname=postgres://postgres@db:5432/app'],
                  env: [{ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } }],
                }],
              },
            },
          },
        },
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'app', namespace: NS },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['ci.example.com'], secretName: 'app-tls' }],
        rules: [{
          host: 'ci.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'app', port: { name: 'http' } } } }] },
        }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'db-ingress', namespace: NS },
      spec: {
        podSelector: { matchLabels: dbLabels },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: appLabels } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: NS },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'app', namespace: NS },
      spec: { minAvailable: 1, selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['app'] }] } },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'app', namespace: NS },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'app', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'app' },
      subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: NS }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'app-view', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'app' }],
    },
  ];
}

/** Secrets the compliant app expects to be created out of band. */
export const EXTERNAL_SECRETS = [
  { namespace: NS, name: 'app-db' },
  { namespace: NS, name: 'app-tls' },
];

/** The object of `kind` named `name`, typed loosely so a test can break any field. */
export function pick(objects: K8sObject[], kind: string, name: string): any {
  const obj = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!obj) throw new Error(`fixture has no ${kind} ${name}`);
  return obj;
}
