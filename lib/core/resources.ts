import { quantity } from './k8s';
import type { k8s } from './k8s';
import { invalid, parseQuantity } from './validation';

/** CPU and memory requests and limits of one container. */
export interface ResourcesProps {
  /** CPU request, e.g. `100m`. */
  readonly cpuRequest: string;
  /** CPU limit; at least the request. */
  readonly cpuLimit: string;
  /** Memory request, e.g. `128Mi`. */
  readonly memoryRequest: string;
  /** Memory limit; at least the request. */
  readonly memoryLimit: string;
}

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
    for (const [kind, request, limit] of [['cpu', props.cpuRequest, props.cpuLimit], ['memory', props.memoryRequest, props.memoryLimit]]) {
      const requested = parseQuantity(`${kind}Request`, request);
      const limited = parseQuantity(`${kind}Limit`, limit);
      if (requested <= 0) {
        invalid(`${kind}Request`, request, 'must be greater than zero');
      }
      if (limited < requested) {
        invalid(`${kind}Limit`, limit, `must be at least ${kind}Request ${JSON.stringify(request)}`);
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
