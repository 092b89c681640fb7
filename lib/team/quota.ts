import { Construct } from 'constructs';
import { Resources } from '../core';
import { kube, quantity } from '../core/k8s';
import { checkInteger, invalid, parseQuantity } from '../core/validation';

/** What all pods of one team namespace may request and use together (a ResourceQuota). */
export interface TeamQuota {
  /**
   * CPU the namespace's containers may request in total (`requests.cpu`), and twice that as their limits.
   *
   * @default "4"
   */
  readonly cpu?: string;
  /**
   * Memory the namespace's containers may request in total (`requests.memory`); their limits may add up to twice it.
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
   * Each container's requests and limits when it sets none (a LimitRange's `defaultRequest` and `default`). A quota
   * on requests and limits makes the API server refuse a pod that sets none (kubernetes/kubernetes
   * plugin/pkg/admission/resourcequota, "must specify limits.cpu"), and the LimitRanger admission plugin, which
   * runs first, fills them in from here.
   *
   * @default 100m/500m CPU, 128Mi/512Mi memory
   */
  readonly containerDefaults?: Resources;
}

const DEFAULT_CONTAINER = Resources.of({ cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '512Mi' });

/** A ResourceQuota and a LimitRange for one team namespace. */
export class TeamQuotaObjects extends Construct {
  public constructor(scope: Construct, id: string, namespace: string, labels: Record<string, string>, quota: TeamQuota = {}) {
    super(scope, id);
    const cpu = checked('quota.cpu', quota.cpu ?? '4');
    const memory = checked('quota.memory', quota.memory ?? '8Gi');
    kube(this, 'ResourceQuota', 'ResourceQuota', {
      metadata: { name: 'team-quota', namespace, labels },
      spec: {
        hard: {
          'requests.cpu': quantity(cpu),
          'limits.cpu': twice(cpu),
          'requests.memory': quantity(memory),
          'limits.memory': twice(memory),
          'requests.storage': quantity(checked('quota.storage', quota.storage ?? '50Gi')),
          'persistentvolumeclaims': quantity(String(checkInteger('quota.persistentVolumeClaims', quota.persistentVolumeClaims ?? 10, 0))),
          'pods': quantity(String(checkInteger('quota.pods', quota.pods ?? 50, 1))),
        },
      },
    });
    const defaults = (quota.containerDefaults ?? DEFAULT_CONTAINER)._toKube();
    kube(this, 'LimitRange', 'LimitRange', {
      metadata: { name: 'team-defaults', namespace, labels },
      spec: { limits: [{ type: 'Container', default: defaults.limits, defaultRequest: defaults.requests }] },
    });
  }
}

/** A quantity that parses, and is more than zero. */
function checked(prop: string, value: string): string {
  if (parseQuantity(prop, value) <= 0) {
    invalid(prop, value, 'must be a Kubernetes quantity above zero, such as "4", "500m" or "8Gi"');
  }
  return value;
}

/** Twice a quantity, in its own unit: "8Gi" gives "16Gi", "500m" gives "1000m". */
function twice(value: string): k8sQuantity {
  const [, number, unit] = /^(\d*\.?\d+)(.*)$/.exec(value)!;
  return quantity(`${Number(number) * 2}${unit}`);
}

type k8sQuantity = ReturnType<typeof quantity>;
