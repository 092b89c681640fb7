import { ServiceExposure } from '../core/exposure';

/**
 * How Harbor's UI, API and registry reach users: an Ingress or a Gateway API HTTPRoute.
 *
 * @deprecated the same class as `ServiceExposure`, which Harbor and DroneServer share: use `ServiceExposure`
 */
export const HarborExposure = ServiceExposure;
/** @deprecated use `ServiceExposure` */
export type HarborExposure = ServiceExposure;
