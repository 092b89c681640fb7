import { k8s, quantity } from './k8s';

/** A volume a workload claims: its size and StorageClass. */
export interface VolumeClaimRequest {
  /** The size, a Kubernetes quantity such as `"10Gi"`, checked by the prop that gives it. */
  readonly size: string;
  /**
   * The StorageClass, checked by `checkStorageClassName`; `""` binds only a PersistentVolume made without a class.
   *
   * @default - the cluster's default StorageClass (the field is left out)
   */
  readonly storageClassName?: string;
}

/**
 * The spec of a claim of one ReadWriteOnce volume: a PersistentVolumeClaim's (the Harbor registry's) and each of a
 * StatefulSet's `volumeClaimTemplates` (`statefulSet`), written here alone so that every volume Dockyard claims is
 * asked for alike. ReadWriteOnce: each is used by one pod at a time (the registry on a volume runs one replica with the
 * Recreate strategy). The StorageClass is left out when not given, so the cluster's default class is used.
 */
export function readWriteOnceClaim(claim: VolumeClaimRequest): k8s.PersistentVolumeClaimSpec {
  return {
    accessModes: ['ReadWriteOnce'],
    storageClassName: claim.storageClassName,
    resources: { requests: { storage: quantity(claim.size) } },
  };
}
