/**
 * The Kubernetes 1.27 object classes Dockyard renders with.
 *
 * cdk8s-plus-27 is pinned and past upstream support; only its generated L1 classes are used, and only through
 * this module, so moving to a newer binding is a one-file change. None of its types appear in Dockyard's API.
 */
export { k8s } from 'cdk8s-plus-27';
