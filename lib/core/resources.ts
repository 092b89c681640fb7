import { quantity } from './k8s';
import type { k8s } from './k8s';
import { describeValue, invalid, missing, parseCpu, parseQuantity } from './validation';

/** CPU and memory requests and limits of one container. */
export interface ResourcesProps {
  /** CPU request, in cores or millicores, e.g. `100m` (a decimal-SI multiplier such as `M` is refused: `100M` is 100 million cores). */
  readonly cpuRequest: string;
  /** CPU limit; at least the request. */
  readonly cpuLimit: string;
  /** Memory request, e.g. `128Mi`. */
  readonly memoryRequest: string;
  /** Memory limit; at least the request. */
  readonly memoryLimit: string;
}

/** The props of `Resources.of`, each required. */
const RESOURCE_PROPS = ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'] as const;

/** Validated requests and limits for a container. Every Dockyard container has both. */
export class Resources {
  /** Requests and limits from explicit quantities. */
  public static of(props: ResourcesProps): Resources {
    return new Resources(props);
  }

  /** The CPU request. */
  public readonly cpuRequest: string;
  /** The CPU limit. */
  public readonly cpuLimit: string;
  /** The memory request. */
  public readonly memoryRequest: string;
  /** The memory limit. */
  public readonly memoryLimit: string;

  private constructor(props: ResourcesProps) {
    // a JavaScript caller's `{ cpu, memory }` would otherwise read as four invalid quantities "undefined"
    const given: Partial<ResourcesProps> = props ?? {};
    const unset = RESOURCE_PROPS.find((p) => given[p] === undefined || given[p] === null);
    if (unset !== undefined) {
      const unknown = Object.keys(given).filter((k) => !(RESOURCE_PROPS as readonly string[]).includes(k));
      missing(unset, `must be set: Resources.of takes ${RESOURCE_PROPS.join(', ')}` +
        `${unknown.length > 0 ? `, not ${unknown.map((k) => describeValue(k)).join(', ')}` : ''}`);
    }
    for (const [kind, request, limit, parse] of [
      ['cpu', props.cpuRequest, props.cpuLimit, parseCpu], ['memory', props.memoryRequest, props.memoryLimit, parseQuantity],
    ] as const) {
      const requested = parse(`${kind}Request`, request);
      const limited = parse(`${kind}Limit`, limit);
      if (requested <= 0) {
        invalid(`${kind}Request`, request, 'must be greater than zero');
      }
      if (limited < requested) {
        invalid(`${kind}Limit`, limit, `must be at least ${kind}Request ${describeValue(request)}`);
      }
    }
    this.cpuRequest = props.cpuRequest;
    this.cpuLimit = props.cpuLimit;
    this.memoryRequest = props.memoryRequest;
    this.memoryLimit = props.memoryLimit;
  }

  /** @internal */
  public _toKube(): k8s.ResourceRequirements {
    return {
      requests: { cpu: quantity(this.cpuRequest), memory: quantity(this.memoryRequest) },
      limits: { cpu: quantity(this.cpuLimit), memory: quantity(this.memoryLimit) },
    };
  }
}
