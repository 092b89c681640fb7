/**
 * The Kubernetes 1.27 object classes Dockyard renders with.
 *
 * cdk8s-plus-27 is pinned and past upstream support; only its generated L1 classes are used, and only through
 * this module, so moving to a newer binding is a one-file change. None of its types appear in Dockyard's API.
 */
// the generated bindings alone: loading cdk8s-plus-27's L2 classes too costs a tenth of a synth
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';

export { k8s };
