import { finding, type Finding } from './finding';
import { containersOf, inContainer, podTemplates, type PodTemplate } from './pods';
import type { Container, K8sObject, SecurityContext } from './types';

/**
 * Pod Security Standards "restricted" (a superset of "baseline"), as enforced by the PodSecurity admission
 * controller. Where the allowed sets grew after 1.27 (sysctls, SELinux types) the 1.27 sets are used, because
 * manifests must be admitted by every supported cluster version. Where a check was added after 1.27 (a probe's or
 * hook's host) it is applied too: Dockyard's Namespaces enforce the `latest` version of their level, so a 1.36 API
 * server runs its newest checks on every pod.
 */

const ALLOWED_VOLUME_SOURCES = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
]);
const ALLOWED_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const CONFINED_SECCOMP = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;

/** The `host` a probe or lifecycle handler names in `httpGet` or `tcpSocket`, if any. */
function handlerHost(handler: any): string | undefined {
  return handler?.httpGet?.host || handler?.tcpSocket?.host || undefined;
}

/** A check yields messages; the rule name is attached by the caller. */
type PodCheck = (pod: PodTemplate, containers: readonly Container[]) => string[];
/** Why a security context breaks a rule, or undefined. */
type ContextCheck = (sc: SecurityContext) => string | undefined;

/** A setting forbidden on every container's security context. */
function onContainers(check: ContextCheck): PodCheck {
  return (_pod, containers) => containers.flatMap((c) => {
    const why = check(c.securityContext ?? {});
    return why ? [inContainer(c, why)] : [];
  });
}

/** A setting forbidden on the pod's security context and on every container's. */
function onPodAndContainers(check: ContextCheck): PodCheck {
  return (pod, containers) => {
    const why = check(pod.spec.securityContext ?? {});
    return [...(why ? [`pod: ${why}`] : []), ...onContainers(check)(pod, containers)];
  };
}

/** A setting required at pod level, or else on every container, that no level may contradict. */
function requiredOnPodOrContainers(required: string, ok: (sc: SecurityContext) => boolean, forbidden: ContextCheck): PodCheck {
  return (pod, containers) => {
    const unset = ok(pod.spec.securityContext ?? {}) ? [] : containers.filter((c) => !ok(c.securityContext ?? {}));
    return [
      ...onPodAndContainers(forbidden)(pod, containers),
      ...unset.map((c) => inContainer(c, `${required} must be set on the container or the pod`)),
    ];
  };
}

const RULES: Readonly<Record<string, PodCheck>> = {
  // --- baseline ---
  'pss/host-process': onPodAndContainers((sc) => (sc.windowsOptions?.hostProcess ? 'windowsOptions.hostProcess is forbidden' : undefined)),
  'pss/host-namespaces': (pod) =>
    (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => pod.spec[f]).map((f) => `${f} must not be true`),
  'pss/privileged': onContainers((sc) => (sc.privileged ? 'privileged must not be true' : undefined)),
  'pss/host-path': (pod) =>
    (pod.spec.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => `volume "${v.name}" is a hostPath`),
  'pss/host-ports': (_pod, containers) => containers.flatMap((c) =>
    (c.ports ?? []).filter((p) => p.hostPort).map((p) => inContainer(c, `hostPort ${p.hostPort} is forbidden`))),
  'pss/apparmor': (pod, containers) => [
    ...Object.entries(pod.annotations)
      .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION) && v !== 'runtime/default' && !v.startsWith('localhost/'))
      .map(([k, v]) => `annotation ${k}=${v} disables AppArmor`),
    ...onPodAndContainers((sc) => (sc.appArmorProfile?.type === 'Unconfined' ? 'appArmorProfile Unconfined' : undefined))(pod, containers),
  ],
  'pss/selinux': onPodAndContainers(({ seLinuxOptions: se }) => {
    if (se?.type !== undefined && !ALLOWED_SELINUX_TYPES.has(se.type)) return `seLinuxOptions.type ${se.type} is forbidden`;
    return se?.user || se?.role ? 'seLinuxOptions.user/role must not be set' : undefined;
  }),
  'pss/proc-mount': onContainers(({ procMount }) =>
    (procMount !== undefined && procMount !== 'Default' ? `procMount ${procMount} is forbidden` : undefined)),
  // baseline from Pod Security version 1.34, which `enforce-version: latest` applies on 1.34 and later: kubernetes/kubernetes
  // staging/src/k8s.io/pod-security-admission/policy/check_hostProbesAndhostLifecycle.go (2e94b405) lines 61-72,
  // `MinimumVersion: api.MajorMinorVersion(1, 34)`; allowed values "" and unset (lines 33-54). Another version of the
  // file also allows 127.0.0.1 and ::1; this rule allows no host at all, as the first does
  'pss/probe-host': (_pod, containers) => containers.flatMap((c) => [
    ...PROBES.map((p) => [p, handlerHost(c[p])] as const),
    ...HOOKS.map((h) => [`lifecycle.${h}`, handlerHost(c.lifecycle?.[h])] as const),
  ].filter(([, host]) => host !== undefined)
    .map(([where, host]) => inContainer(c, `${where} host ${host} is forbidden (baseline, Kubernetes 1.34+)`))),
  'pss/sysctls': (pod) => (pod.spec.securityContext?.sysctls ?? [])
    .filter((s) => !SAFE_SYSCTLS.has(s.name)).map((s) => `sysctl ${s.name} is not in the safe set`),
  // --- restricted ---
  'pss/volume-types': (pod) => (pod.spec.volumes ?? []).flatMap((v) =>
    // hostPath has its own baseline rule; reporting it twice would only add noise.
    Object.keys(v).filter((k) => k !== 'name' && k !== 'hostPath' && !ALLOWED_VOLUME_SOURCES.has(k))
      .map((k) => `volume "${v.name}" uses disallowed type ${k}`)),
  'pss/allow-privilege-escalation': onContainers((sc) =>
    (sc.allowPrivilegeEscalation === false ? undefined : 'allowPrivilegeEscalation must be false')),
  'pss/run-as-non-root': requiredOnPodOrContainers('runAsNonRoot: true', (sc) => sc.runAsNonRoot === true, (sc) =>
    (sc.runAsNonRoot === false ? 'runAsNonRoot must not be false' : undefined)),
  'pss/run-as-user': onPodAndContainers((sc) => (sc.runAsUser === 0 ? 'runAsUser must not be 0' : undefined)),
  'pss/seccomp': requiredOnPodOrContainers(
    'seccompProfile.type RuntimeDefault or Localhost',
    (sc) => CONFINED_SECCOMP.has(sc.seccompProfile?.type ?? ''),
    (sc) => (sc.seccompProfile?.type === 'Unconfined' ? 'seccompProfile Unconfined is forbidden' : undefined),
  ),
  'pss/capabilities': onContainers(({ capabilities: caps }) => {
    if (!caps?.drop?.includes('ALL')) return 'capabilities.drop must include "ALL"';
    const added = (caps.add ?? []).filter((c) => c !== 'NET_BIND_SERVICE');
    return added.length ? `capabilities.add may only hold NET_BIND_SERVICE, has ${added.join(', ')}` : undefined;
  }),
};

/**
 * The capabilities Pod Security baseline lets a container add (Pod Security Standards, baseline, "Capabilities"):
 * the container runtimes' defaults.
 */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP',
  'SETUID', 'SYS_CHROOT',
]);

/** The rules of the baseline level alone: the first block of `RULES`, with baseline's own seccomp and capabilities rules. */
const BASELINE_RULES: Readonly<Record<string, PodCheck>> = {
  ...Object.fromEntries(Object.entries(RULES).slice(0, Object.keys(RULES).indexOf('pss/volume-types'))),
  'pss/seccomp': onPodAndContainers((sc) => (sc.seccompProfile?.type === 'Unconfined' ? 'seccompProfile Unconfined is forbidden' : undefined)),
  'pss/capabilities': onContainers(({ capabilities: caps }) => {
    const added = (caps?.add ?? []).filter((c) => !BASELINE_CAPABILITIES.has(c));
    return added.length ? `capabilities.add may only hold the runtime's defaults, has ${added.join(', ')}` : undefined;
  }),
};

/**
 * Pod Security Standards "baseline", as the PodSecurity admission controller enforces it in a namespace labelled
 * `pod-security.kubernetes.io/enforce: baseline` (the CI engines' build namespaces by default): for pods made at run
 * time, which no example stack renders.
 */
export function checkPodSecurityBaseline(objects: readonly K8sObject[]): Finding[] {
  return podTemplates(objects).flatMap((pod) => {
    const containers = containersOf(pod.spec);
    return Object.entries(BASELINE_RULES).flatMap(([rule, check]) => check(pod, containers).map((m) => finding(rule, pod.owner, m)));
  });
}

export function checkPodSecurityRestricted(objects: readonly K8sObject[]): Finding[] {
  return podTemplates(objects).flatMap((pod) => {
    const containers = containersOf(pod.spec);
    return Object.entries(RULES).flatMap(([rule, check]) => check(pod, containers).map((m) => finding(rule, pod.owner, m)));
  });
}
