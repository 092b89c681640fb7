import { finding, type Finding } from './finding';
import { containersOf, inContainer, podTemplates, type PodTemplate } from './pods';
import type { Container, K8sObject, SecurityContext } from './types';

/**
 * Pod Security Standards "restricted" (a superset of "baseline"), as enforced by the PodSecurity admission
 * controller. Where the allowed sets grew after 1.27 (sysctls, SELinux types) the 1.27 sets are used, because
 * manifests must be admitted by every supported cluster version.
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

/** A check yields messages; the rule name is attached by the caller. */
type PodCheck = (pod: PodTemplate, containers: readonly Container[]) => string[];

/** Runs `check` on every container's security context, prefixing messages with the container name. */
function perContainer(check: (sc: SecurityContext, c: Container) => string | undefined): PodCheck {
  return (_pod, containers) =>
    containers.flatMap((c) => {
      const message = check(c.securityContext ?? {}, c);
      return message ? [inContainer(c, message)] : [];
    });
}

/** The pod context and every container's, for settings that are forbidden at either level. */
function contexts(pod: PodTemplate, containers: readonly Container[]): [string, SecurityContext][] {
  return [
    ['pod', pod.spec.securityContext ?? {}],
    ...containers.map((c): [string, SecurityContext] => [`container "${c.name}"`, c.securityContext ?? {}]),
  ];
}

/** Settings that must hold at pod level, or else on every container, and that no container may contradict. */
function podOrEveryContainer(
  required: string,
  ok: (sc: SecurityContext) => boolean,
  forbidden: (sc: SecurityContext) => string | undefined,
): PodCheck {
  return (pod, containers) => {
    const bad = contexts(pod, containers).flatMap(([where, sc]) => {
      const message = forbidden(sc);
      return message ? [`${where}: ${message}`] : [];
    });
    const unset = ok(pod.spec.securityContext ?? {}) ? [] : containers.filter((c) => !ok(c.securityContext ?? {}));
    return [...bad, ...unset.map((c) => inContainer(c, `${required} must be set on the container or the pod`))];
  };
}

const RULES: Readonly<Record<string, PodCheck>> = {
  // --- baseline ---
  'pss/host-process': (pod, cs) =>
    contexts(pod, cs).filter(([, sc]) => sc.windowsOptions?.hostProcess).map(([w]) => `${w}: windowsOptions.hostProcess is forbidden`),
  'pss/host-namespaces': (pod) =>
    (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => pod.spec[f]).map((f) => `${f} must not be true`),
  'pss/privileged': perContainer((sc) => (sc.privileged ? 'privileged must not be true' : undefined)),
  'pss/host-path': (pod) => (pod.spec.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => `volume "${v.name}" is a hostPath`),
  'pss/host-ports': (_pod, cs) =>
    cs.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => inContainer(c, `hostPort ${p.hostPort} is forbidden`))),
  'pss/apparmor': (pod, cs) => [
    ...Object.entries(pod.annotations)
      .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION) && v !== 'runtime/default' && !v.startsWith('localhost/'))
      .map(([k, v]) => `annotation ${k}=${v} disables AppArmor`),
    ...contexts(pod, cs).filter(([, sc]) => sc.appArmorProfile?.type === 'Unconfined').map(([w]) => `${w}: appArmorProfile Unconfined`),
  ],
  'pss/selinux': (pod, cs) =>
    contexts(pod, cs).flatMap(([w, { seLinuxOptions: se }]) => [
      ...(se?.type !== undefined && !ALLOWED_SELINUX_TYPES.has(se.type) ? [`${w}: seLinuxOptions.type ${se.type} is forbidden`] : []),
      ...(se?.user || se?.role ? [`${w}: seLinuxOptions.user/role must not be set`] : []),
    ]),
  'pss/proc-mount': perContainer((sc) =>
    sc.procMount !== undefined && sc.procMount !== 'Default' ? `procMount ${sc.procMount} is forbidden` : undefined),
  'pss/sysctls': (pod) =>
    (pod.spec.securityContext?.sysctls ?? []).filter((s) => !SAFE_SYSCTLS.has(s.name)).map((s) => `sysctl ${s.name} is not in the safe set`),
  // --- restricted ---
  'pss/volume-types': (pod) =>
    (pod.spec.volumes ?? []).flatMap((v) => {
      // hostPath has its own baseline rule; reporting it twice would only add noise.
      const bad = Object.keys(v).filter((k) => k !== 'name' && k !== 'hostPath' && !ALLOWED_VOLUME_SOURCES.has(k));
      return bad.map((k) => `volume "${v.name}" uses disallowed type ${k}`);
    }),
  'pss/allow-privilege-escalation': perContainer((sc) =>
    sc.allowPrivilegeEscalation === false ? undefined : 'allowPrivilegeEscalation must be false'),
  'pss/run-as-non-root': podOrEveryContainer('runAsNonRoot: true', (sc) => sc.runAsNonRoot === true, (sc) =>
    sc.runAsNonRoot === false ? 'runAsNonRoot must not be false' : undefined),
  'pss/run-as-user': (pod, cs) => contexts(pod, cs).filter(([, sc]) => sc.runAsUser === 0).map(([w]) => `${w}: runAsUser must not be 0`),
  'pss/seccomp': podOrEveryContainer(
    'seccompProfile.type RuntimeDefault or Localhost',
    (sc) => CONFINED_SECCOMP.has(sc.seccompProfile?.type ?? ''),
    (sc) => (sc.seccompProfile?.type === 'Unconfined' ? 'seccompProfile Unconfined is forbidden' : undefined),
  ),
  'pss/capabilities': perContainer(({ capabilities: caps }) => {
    if (!caps?.drop?.includes('ALL')) return 'capabilities.drop must include "ALL"';
    const added = (caps.add ?? []).filter((c) => c !== 'NET_BIND_SERVICE');
    return added.length ? `capabilities.add may only hold NET_BIND_SERVICE, has ${added.join(', ')}` : undefined;
  }),
};

export function checkPodSecurityRestricted(objects: readonly K8sObject[]): Finding[] {
  return podTemplates(objects).flatMap((pod) => {
    const containers = containersOf(pod.spec);
    return Object.entries(RULES).flatMap(([rule, check]) => check(pod, containers).map((m) => finding(rule, pod.owner, m)));
  });
}
