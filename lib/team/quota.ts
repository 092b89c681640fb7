import { Construct } from 'constructs';
import { Resources } from '../core';
import { kube, quantity, scaleQuantity } from '../core/k8s';
import { checkInteger, checkKnownKeys, checkPositiveQuantity, invalid, parseCpu, parseQuantity } from '../core/validation';

/** What all pods of one team namespace may request and use together (a ResourceQuota). */
export interface TeamQuota {
  /**
   * CPU the namespace's containers may request in total (`requests.cpu`), and twice that as their limits: cores or
   * millicores, such as "4" or "1500m" (a decimal-SI multiplier such as "M" is refused: "500M" is 500 million cores).
   *
   * @default "4"
   */
  readonly cpu?: string;
  /**
   * Memory the namespace's containers may request in total (`requests.memory`); their limits may add up to twice it.
   * A number without a suffix is bytes: "8Gi" or "8192Mi", not "8192".
   *
   * @default "8Gi"
   */
  readonly memory?: string;
  /**
   * The most pods the namespace may hold, running or not.
   *
   * @default 50
   */
  readonly pods?: number;
  /**
   * Storage its PersistentVolumeClaims may request in total (`requests.storage`).
   *
   * @default "50Gi"
   */
  readonly storage?: string;
  /**
   * The most PersistentVolumeClaims.
   *
   * @default 10
   */
  readonly persistentVolumeClaims?: number;
  /**
   * The most Services of type LoadBalancer (`services.loadbalancers`), each a cloud load balancer, billed. A
   * NodePort Service is bounded by `externalPorts` alone: Kubernetes counts its ports, not the Service.
   *
   * @default 0: apps are reached through the ingress controller or Gateway
   */
  readonly externalServices?: number;
  /**
   * The most ports the namespace's Services may take on every node (`services.nodeports`), past the ingress
   * controller and the namespace's NetworkPolicy's intent. Kubernetes charges each port of a NodePort Service, and
   * each port of a LoadBalancer Service too, which gets a node port per port unless it sets
   * `allocateLoadBalancerNodePorts: false` (then only its ports with an explicit `nodePort`)
   * (kubernetes/kubernetes `pkg/quota/v1/evaluator/core/services.go`, `Usage`): a load balancer on 80 and 443 takes two.
   *
   * @default - twice `externalServices`: two ports, such as 80 and 443, for each load balancer
   */
  readonly externalPorts?: number;
  /**
   * The most Services of any type (`services`). Each takes a cluster IP from the Service range, which all teams
   * share: without a bound, one team's loop could exhaust it for every other. A LoadBalancer Service counts here too,
   * so this is at least `externalServices`.
   *
   * @default - 20, or `externalServices` where that is more
   */
  readonly services?: number;
  /**
   * The most ConfigMaps (`configmaps`), the `kube-root-ca.crt` that Kubernetes puts in every namespace included, so at
   * least 1. Every object is kept in etcd, which all teams share.
   *
   * @default 100
   */
  readonly configMaps?: number;
  /**
   * The most Secrets (`secrets`), the team's pull secret included, so at least 1. Helm keeps a Secret for each
   * revision of a release (ten by default), so a namespace of Helm releases needs about ten per release.
   *
   * @default 200
   */
  readonly secrets?: number;
  /**
   * Each container's requests and limits when it sets none (a LimitRange's `defaultRequest` and `default`). A quota
   * on requests and limits makes the API server refuse a pod that sets none (kubernetes/kubernetes
   * plugin/pkg/admission/resourcequota, "must specify limits.cpu"), and the LimitRanger admission plugin, which
   * runs first, fills them in from here. The namespace's limits are twice its requests, and these defaults' limits five
   * times theirs: with the default quota, containers that set nothing reach `limits.cpu` (8 cores) at 16, long before
   * `pods` (50), and a Deployment's next pod is refused ("exceeded quota" in its ReplicaSet's events, while the apply
   * succeeds). Size `cpu` and `memory` for the limits your containers take, or give them lower defaults here.
   *
   * @default 100m/500m CPU, 128Mi/512Mi memory
   */
  readonly containerDefaults?: Resources;
}

/** The settings of a `TeamQuota`, each of its keys: any other is refused, not silently ignored. */
const QUOTA_KEYS: readonly (keyof TeamQuota)[] = ['cpu', 'memory', 'pods', 'storage', 'persistentVolumeClaims', 'externalServices', 'externalPorts',
  'services', 'configMaps', 'secrets', 'containerDefaults'];

const DEFAULT_CONTAINER = Resources.of({ cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '512Mi' });

/** A team namespace's quota, checked: what its ResourceQuota and LimitRange hold. */
export interface CheckedTeamQuota {
  /** `requests.cpu`. */
  readonly cpu: string;
  /** `limits.cpu`: twice the requests, so that a container may burst past its request. */
  readonly cpuLimit: k8sQuantity;
  /** `requests.memory`. */
  readonly memory: string;
  /** `limits.memory`: twice the requests. */
  readonly memoryLimit: k8sQuantity;
  /** `requests.storage`. */
  readonly storage: string;
  /** `persistentvolumeclaims`. */
  readonly persistentVolumeClaims: number;
  /** `pods`. */
  readonly pods: number;
  /** `services.loadbalancers`. */
  readonly externalServices: number;
  /** `services.nodeports`: ports, not Services. */
  readonly externalPorts: number;
  /** `services`. */
  readonly services: number;
  /** `configmaps`. */
  readonly configMaps: number;
  /** `secrets`. */
  readonly secrets: number;
  /** Each container's default requests and limits. */
  readonly containerDefaults: Resources;
}

/**
 * Check a team namespace's quota, defining nothing: a team checks it before it defines anything, so that a refused
 * quota leaves the app as it was, and gives `TeamQuotaObjects` what this returns.
 */
export function checkTeamQuota(quota: TeamQuota = {}): CheckedTeamQuota {
  checkKnownKeys('quota', quota, QUOTA_KEYS);
  const cpu = checkPositiveQuantity('quota.cpu', quota.cpu ?? '4', parseCpu);
  const memory = checkPositiveQuantity('quota.memory', quota.memory ?? '8Gi');
  const [cpuLimit, memoryLimit] = [scaleQuantity(cpu, 2), scaleQuantity(memory, 2)];
  const externalServices = checkInteger('quota.externalServices', quota.externalServices ?? 0, 0);
  const externalPorts = checkInteger('quota.externalPorts', quota.externalPorts ?? 2 * externalServices, 0);
  // a default above the quota would have every container that sets nothing refused
  const container = quota.containerDefaults ?? DEFAULT_CONTAINER;
  for (const [prop, value, most, quotaProp, bound] of [
    ['cpuRequest', container.cpuRequest, cpu, 'quota.cpu', 'request'], ['cpuLimit', container.cpuLimit, cpuLimit, 'quota.cpu', 'limit'],
    ['memoryRequest', container.memoryRequest, memory, 'quota.memory', 'request'], ['memoryLimit', container.memoryLimit, memoryLimit, 'quota.memory', 'limit'],
  ] as const) {
    if (parseQuantity(`quota.containerDefaults.${prop}`, value) > parseQuantity('quota', String(most))) {
      if (quota.containerDefaults !== undefined) {
        invalid(`quota.containerDefaults.${prop}`, value, `must fit the namespace's quota of ${most}`);
      }
      // the defaults are Dockyard's, not the user's: the quota they set is what is wrong, often for a missing unit
      belowDefault(quotaProp, quotaProp === 'quota.cpu' ? cpu : memory, bound, String(most), value);
    }
  }
  return {
    cpu, cpuLimit, memory, memoryLimit, externalServices, externalPorts, containerDefaults: container,
    storage: checkPositiveQuantity('quota.storage', quota.storage ?? '50Gi'),
    persistentVolumeClaims: checkInteger('quota.persistentVolumeClaims', quota.persistentVolumeClaims ?? 10, 0),
    pods: checkInteger('quota.pods', quota.pods ?? 50, 1),
    services: checkServices(quota.services, externalServices),
    // the root CA ConfigMap and the pull Secret are made in every team namespace: a quota of 0 would refuse them
    configMaps: checkInteger('quota.configMaps', quota.configMaps ?? 100, 1),
    secrets: checkInteger('quota.secrets', quota.secrets ?? 200, 1),
  };
}

/**
 * `quota.services`: a LoadBalancer Service is a Service too, counted by `services` as well as `services.loadbalancers`
 * (kubernetes/kubernetes pkg/quota/v1/evaluator/core/services.go `Usage`), so fewer Services than `externalServices`
 * would cap the load balancers below what that grants: refused when given, and the default never below it.
 */
function checkServices(given: number | undefined, externalServices: number): number {
  const services = checkInteger('quota.services', given ?? Math.max(20, externalServices), 0);
  if (services < externalServices) {
    invalid('quota.services', services, `must be at least quota.externalServices (${externalServices}): every load balancer is a Service ` +
      'too, counted by both');
  }
  return services;
}

/** A ResourceQuota and a LimitRange for one team namespace, from its quota checked by `checkTeamQuota`. */
export class TeamQuotaObjects extends Construct {
  public constructor(scope: Construct, id: string, namespace: string, labels: Record<string, string>, q: CheckedTeamQuota) {
    super(scope, id);
    kube(this, 'ResourceQuota', 'ResourceQuota', {
      metadata: { name: 'team-quota', namespace, labels },
      spec: {
        hard: {
          'requests.cpu': quantity(q.cpu),
          'limits.cpu': q.cpuLimit,
          'requests.memory': quantity(q.memory),
          'limits.memory': q.memoryLimit,
          'requests.storage': quantity(q.storage),
          'persistentvolumeclaims': quantity(String(q.persistentVolumeClaims)),
          'pods': quantity(String(q.pods)),
          'services.loadbalancers': quantity(String(q.externalServices)),
          'services.nodeports': quantity(String(q.externalPorts)),
          'services': quantity(String(q.services)),
          'configmaps': quantity(String(q.configMaps)),
          'secrets': quantity(String(q.secrets)),
        },
      },
    });
    const defaults = q.containerDefaults._toKube();
    kube(this, 'LimitRange', 'LimitRange', {
      metadata: { name: 'team-defaults', namespace, labels },
      spec: { limits: [{ type: 'Container', default: defaults.limits, defaultRequest: defaults.requests }] },
    });
  }
}

/**
 * Refuse `quota.cpu` or `quota.memory`, `value`, whose request (or limit, twice it: `namespaceBound`) is below
 * Dockyard's default container request (or limit), `containerBound`. A bare memory number is bytes: under 1Mi of
 * them is a forgotten unit, and the Mi or Gi form that fits the defaults is suggested.
 */
function belowDefault(prop: 'quota.cpu' | 'quota.memory', value: string, bound: 'request' | 'limit', namespaceBound: string, containerBound: string): never {
  const memory = prop === 'quota.memory';
  const inUnit = (q: string) => (/^[\d.]+$/.test(q) ? `${q} ${memory ? 'bytes' : 'cores'}` : q);
  const what = bound === 'request' ? inUnit(value) : `twice it, ${inUnit(namespaceBound)} (the namespace's limits.${memory ? 'memory' : 'cpu'}),`;
  let hint = '';
  if (memory && /^[\d.]+$/.test(value)) {
    const unit = parseQuantity(prop, value) < 2 ** 20 ? ['Mi', 'Gi'].find((u) => fitsDefaultMemory(`${value}${u}`)) : undefined;
    hint = `; a quantity without a suffix is bytes${unit === undefined ? '' : `: did you mean "${value}${unit}"?`}`;
  }
  invalid(prop, value, `${what} is below the default container ${bound} of ${containerBound} (quota.containerDefaults)${hint}`);
}

/** Whether a memory quota holds Dockyard's default container request, and twice it the default limit. */
function fitsDefaultMemory(memory: string): boolean {
  const bytes = parseQuantity('quota.memory', memory);
  return bytes >= parseQuantity('memoryRequest', DEFAULT_CONTAINER.memoryRequest) && 2 * bytes >= parseQuantity('memoryLimit', DEFAULT_CONTAINER.memoryLimit);
}

type k8sQuantity = ReturnType<typeof quantity>;
