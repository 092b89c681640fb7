/**
 * The slices of Kubernetes JSON the checks read. Everything is optional because the input is untrusted JSON
 * (schema validity is checked separately), so every check must tolerate missing fields.
 */

export type StringMap = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
}

export interface K8sObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly [field: string]: unknown;
}

export interface LabelSelector {
  readonly matchLabels?: StringMap;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

export interface KeyRef { readonly name?: string; readonly key?: string; readonly optional?: boolean }
export interface NameRef { readonly name?: string; readonly optional?: boolean }
export interface KeyToPath { readonly key: string; readonly path?: string }
export interface ItemsRef extends NameRef { readonly items?: readonly KeyToPath[] }

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: KeyRef; readonly configMapKeyRef?: KeyRef };
}

export interface SecurityContext {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly procMount?: string;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
  readonly appArmorProfile?: { readonly type?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string };
  readonly windowsOptions?: { readonly hostProcess?: boolean };
  readonly sysctls?: readonly { name: string; value?: string }[];
}

export type ResourceList = Readonly<Record<string, string | number>>;

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly imagePullPolicy?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly { readonly secretRef?: NameRef; readonly configMapRef?: NameRef }[];
  readonly ports?: readonly { readonly containerPort?: number; readonly name?: string; readonly hostPort?: number }[];
  readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList };
  readonly livenessProbe?: unknown;
  readonly readinessProbe?: unknown;
  readonly startupProbe?: unknown;
  readonly lifecycle?: { readonly postStart?: unknown; readonly preStop?: unknown };
  readonly securityContext?: SecurityContext;
  readonly volumeMounts?: readonly { readonly name: string }[];
}

export interface Volume {
  readonly name: string;
  readonly secret?: { readonly secretName?: string; readonly items?: readonly KeyToPath[]; readonly optional?: boolean };
  readonly configMap?: ItemsRef;
  readonly persistentVolumeClaim?: { readonly claimName?: string };
  readonly projected?: { readonly sources?: readonly { readonly secret?: ItemsRef; readonly configMap?: ItemsRef }[] };
  readonly [source: string]: unknown;
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: SecurityContext;
  readonly serviceAccountName?: string;
  /** Deprecated alias of serviceAccountName, still honoured by the API server. */
  readonly serviceAccount?: string;
  readonly imagePullSecrets?: readonly NameRef[];
}
