import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import {
  CHECKSUM_ANNOTATION, DEFERRED_CHECKSUM, DEFERRED_DIGEST, DigestSource, finishChecksum, generatedSecretNamed, PLACEHOLDER_KEY, placeholderOfKey, withDigests,
} from '../core/checksum';
import { isPullAccount } from '../core/chart';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../core/labels';
import { describeObject, withObjectNames } from '../core/object-names';
import { podTemplateOf } from '../core/pod-template-of';
import { withUserAccountsHeld } from '../core/pull-access';
import { Secret } from '../core/secret';
import { secretStateKey } from '../core/secret-record-review';
import { checkBoolean, checkDnsLabel, checkDnsSubdomain, invalid, ValidationError } from '../core/validation';
import { checkNoSlash, claimFormerNames, formerNameAliases } from './former-names';
import { checkedInput, GeneratedSecrets } from './generated-secrets';
import { checkedByRules, checkInputsByRules, rulesByKey } from './value-rules';

/**
 * How a placeholder host ends (`postgres-host.placeholder.dockyard`): a name under a top-level domain that does not
 * exist, which no resolver answers, so one left unreplaced fails at its first lookup rather than reaching someone's.
 */
export const PLACEHOLDER_SUFFIX = '.placeholder.dockyard';

/** What ChartDeployment puts after its name to name its GeneratedSecrets, whose children's names start with it. */
const GENERATED = '-generated';

/** An existing Secret the charts read, created by the program from Outputs (a managed password, a Spaces key). */
export interface ProvidedSecret {
  /** The namespace of the Secret, as the charts name it. */
  readonly namespace: string;
  /** The name of the Secret, as the charts name it. */
  readonly name: string;
  /**
   * Every key the charts read, with its value. A new value (a managed database password reset, which Pulumi reads on
   * a refresh: `pulumi up --refresh`) rolls exactly the workloads whose pods count that key: its digest, an HMAC
   * under the stack's random digest key that reveals nothing of the value, is folded into their
   * `dockyard.dev/inputs-checksum` (see `ChartDeployment`). A value that is empty, white space only, or one line
   * beginning or ending with a line break is refused without being shown: a plain string when the deployment is
   * made, an Output once its value is known, before the Secret is written. So is a value that a program splices
   * unescaped and that does not fit it: Harbor's database password (its DSN) and Redis password (its Redis URLs).
   */
  readonly stringData: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * The Secret's Kubernetes `type`, e.g. `kubernetes.io/tls`.
   *
   * @default "Opaque"
   */
  readonly type?: string;
  /**
   * Annotations, e.g. a Drone pipeline secret's `X-Drone-Repos` and `X-Drone-Events`.
   *
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Args of a `ChartDeployment`. */
export interface ChartDeploymentArgs {
  /** The cdk8s app whose charts are deployed: built from Dockyard's constructs, without any credential. */
  readonly app: App;
  /** The existing Secrets the charts read (`Secret.requiredIn`); each must be given, with every key. */
  readonly secrets: readonly ProvidedSecret[];
  /**
   * Values of `SecretValue.input` keys, by environment variable name.
   *
   * @default - none
   */
  readonly inputs?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Placeholder strings in the chart objects and the values that replace them at deploy time, such as a managed
   * database's host, known only once DigitalOcean has created it. A placeholder is a host name ending in
   * `PLACEHOLDER_SUFFIX` (`.placeholder.dockyard`), as the DigitalOcean charts' are: one the charts hold that this
   * does not replace is refused, naming it and an object holding it, before anything registers (it would otherwise be
   * deployed as a host no one resolves).
   *
   * @default - none
   */
  readonly substitutions?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Whether each provided Secret aliases its former resource name, `<name>-<namespace>-<secret>`, so that a stack
   * made before keeps it (README, "Upgrade notes"). Two deployments can share a former name (`q` providing
   * `ci-x/s` and `q-ci` providing `x/s`), and the one declared first would take over the other's Secret, so the
   * second is refused: move each provided Secret your stack holds under a former name to its new one
   * (`pulumi state rename`), then set this to `false` on the refused deployment. A stack made since needs no alias.
   *
   * @default true
   */
  readonly aliasFormerNames?: boolean;
}

/**
 * Deploys cdk8s charts with `@pulumi/kubernetes`: their Namespaces first, then every Secret the charts read
 * (generated ones from `@pulumi/random` and `@pulumi/tls`, provided ones from Outputs), then every other object
 * through a `yaml.ConfigGroup`, so the objects are real resources that depend on their Secrets. A namespace's `default`
 * ServiceAccount, which Kubernetes makes itself, is a `ServiceAccountPatch` (server-side apply, which the provider must
 * keep on, its default), as a create of it would fail.
 *
 * No credential ever enters a chart object: the charts only name Secrets, and the Secrets carry Pulumi secrets.
 *
 * The Namespaces are protected unless the options say `protect: false`: deleting one deletes everything in it, what Dockyard
 * never made included (a team's applications and their volumes), so a namespace taken out of the charts (a team
 * removed) fails `pulumi up` with Pulumi's "marked for protection" until `pulumi state unprotect <urn>` says it may go.
 *
 * Each workload's pod checksum (`dockyard.dev/inputs-checksum`, lib/core/checksum.ts) is finished here over the
 * digests of the values its pods count, generated and provided alike (the charts leave each such digest to deploy
 * time), so a new value rolls exactly those pods. A checksum over a digest is a Pulumi secret (so is any value made from
 * one), so that workload's inputs sit encrypted in the state; unchanged values give the same checksum every run, and
 * in a preview, where the values are unknown, the checksum is unknown too. A workload that counts a provided key
 * rolls once at the first `pulumi up` that folds its digest in.
 *
 * To deploy the same charts twice in one program (to two clusters, each through its own `k8s.Provider`), give each
 * ChartDeployment a parent component of a type of its own, e.g. `new pulumi.ComponentResource('acme:index:Staging',
 * 'staging')` passed as `opts.parent`. A URN holds the types of a resource's parents but none of their names, and
 * the chart objects are named `<namespace>/<name>` by `yaml.ConfigGroup`, so two deployments under parents of one
 * type, whatever their names, register the same object under one URN, which Pulumi refuses. A deployment already in a
 * stack that gets a parent keeps its resources with `aliases: [{ parent: pulumi.rootStackResource }]`.
 */
export class ChartDeployment extends pulumi.ComponentResource {
  /**
   * Render `app`'s charts as a ChartDeployment does, and refuse them as it would, registering nothing. A program
   * registers the cloud resources whose Outputs its ChartDeployment takes (a database's host and passwords) before
   * it; the Pulumi SDK lets the resources registered before an error finish, so a refusal of the charts (an image
   * the pinned digests leave out, a connection budget) would come after they were created. Call it first, once the
   * charts are built, as the DigitalOcean program does. What depends on the deployment's own arguments (its
   * provided Secrets, its substitutions) is checked only when it is made.
   */
  public static check(app: App): void {
    render(app, []);
  }

  /** Every Kubernetes Secret the deployment creates. */
  public readonly secrets: k8s.core.v1.Secret[];
  /** The chart objects (with placeholders still in), for inspection. */
  public readonly objects: any[];

  /**
   * @param name the component's name, which every child's name starts with; it must not contain `-generated`, with
   * which two deployments' generated credentials could be named alike
   */
  public constructor(name: string, args: ChartDeploymentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    checkName(name);
    // resolving the charts settles which namespaces need which generated Secret; a missing Secret registers nothing.
    // The generated values are Outputs, so pod checksums wait for their digests (finished below)
    // a pod that reads a ConfigMap holding a placeholder counts its value, which the ConfigMap's content at synth
    // does not show: a new host in the registry's config.yml rolls the registry
    const objects = render(args.app, args.secrets, Object.keys(args.substitutions ?? {}));
    checkProvided(args.app, args.secrets);
    checkPlaceholders(objects, args.substitutions ?? {});
    // each value as its Secret and the pods' checksums take it: a pasted line break or a blank value is refused, a
    // plain one now, an Output's once it is known (before the Secret is written)
    // and one a program splices unescaped (Harbor's database and Redis passwords) must fit what it reads there
    const rules = rulesByKey(args.app);
    const secrets = args.secrets.map((s) => ({
      ...s, stringData: Object.fromEntries(Object.entries(s.stringData).map(([k, v]) => {
        const label = `secrets ${s.namespace}/${s.name} key ${k}`;
        return [k, checkedByRules(label, checkedInput(label, v), rules.get(secretStateKey(s.namespace, s.name, k)))];
      })),
    }));
    const aliasFormerNames = checkBoolean('aliasFormerNames', args.aliasFormerNames ?? true);
    // named `<name>/<namespace>/<secret>`: neither a namespace nor a Secret's name holds a "/", so no two Secrets share
    // a name, as `dockyard/builds-token` and `dockyard-builds/token` did when "-" joined them (their former names)
    const formerNames = aliasFormerNames ? secrets.map((s) => `${name}-${s.namespace}-${s.name}`) : [];
    checkFormerNames(name, secrets, formerNames, opts.parent);
    // GeneratedSecrets checks its inputs again, once this has registered: a plain one is refused before anything is
    checkInputsByRules(args.app, args.inputs ?? {});
    super('dockyard:pulumi:ChartDeployment', name, {}, opts);
    this.objects = objects;

    const isNamespace = (o: any) => o.kind === 'Namespace';
    // protected (its children inherit it) unless the deployment says otherwise: deleting a Namespace deletes all in it,
    // what Dockyard never made too (a team's applications and their volumes), which a team or namespace taken out of
    // the charts would have done at the next `pulumi up`; `kubectl apply` leaves such a namespace as it is
    const namespaces = new k8s.yaml.ConfigGroup(`${name}-namespaces`, { objs: this.objects.filter(isNamespace) },
      { parent: this, protect: opts.protect ?? true });
    // the deployment's own `protect`, if given, decides for the kept values too (GeneratedSecrets protects them unless told)
    const generated = new GeneratedSecrets(`${name}${GENERATED}`, { app: args.app, inputs: args.inputs },
      { parent: this, dependsOn: [namespaces], ...(opts?.protect !== undefined ? { protect: opts.protect } : {}) });
    const aliases = formerNameAliases(formerNames);
    const provided = secrets.map((s, i) => new k8s.core.v1.Secret(`${name}/${s.namespace}/${s.name}`, {
      metadata: { name: s.name, namespace: s.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, annotations: s.annotations },
      type: s.type ?? 'Opaque',
      stringData: s.stringData,
    }, { parent: this, dependsOn: [namespaces], aliases: aliases[i] ?? [] }));
    this.secrets = [...generated.secrets, ...provided];

    const objs = substitute(finishChecksums(this.objects.filter((o) => !isNamespace(o)), generated, secrets, args.substitutions ?? {}),
      args.substitutions ?? {}).map(awaitedToDeadline);
    // a ServiceAccount's pull secrets reach only pods made after it (the ServiceAccount admission plugin copies them at
    // a pod's create), and a ConfigGroup creates its objects at once: such accounts are a group the others wait for.
    // The group's type is the objects' group's, so their URNs are as before. A namespace's `default` account, which
    // Kubernetes makes itself, is patched under that group rather than created (`defaultAccountPatch`)
    const accounts = new k8s.yaml.ConfigGroup(`${name}-accounts`, { objs: objs.filter((o: any) => isPullAccount(o) && !isDefaultAccount(o)) },
      { parent: this, dependsOn: [namespaces] });
    const defaults = objs.filter(isDefaultAccount).map((o: any) => defaultAccountPatch(o, accounts, namespaces));
    new k8s.yaml.ConfigGroup(`${name}-objects`, { objs: objs.filter((o: any) => !isPullAccount(o) && !isDefaultAccount(o)) },
      { parent: this, dependsOn: [namespaces, accounts, ...defaults, generated, ...provided] });
    this.registerOutputs({ secretNames: this.secrets.map((s) => s.metadata.name) });
  }
}

/** The annotation @pulumi/kubernetes reads a resource's await timeout from, in seconds. */
const TIMEOUT_ANNOTATION = 'pulumi.com/timeoutSeconds';

/**
 * A Job with a deadline (`activeDeadlineSeconds`, Harbor's configuration Jobs' hour), awaited by `pulumi up` until
 * the Job itself must have ended. @pulumi/kubernetes waits ten minutes for a Job and then fails the update
 * (pulumi-kubernetes v4.32.0 provider/pkg/await/job.go, `DefaultJobTimeoutMins`), while a configuration Job on a new
 * cluster first waits for Harbor to start and settle, and may well take longer: `pulumi up` then reported a failure
 * for a Job that went on to succeed. The timeout comes from the Job's own `pulumi.com/timeoutSeconds` annotation
 * (provider/pkg/metadata/overrides.go `TimeoutDuration`, read from the inputs in await.go), unless the Job gives one;
 * a minute past the deadline, so that Pulumi reports the Job's own outcome. Other objects are returned as they are.
 */
function awaitedToDeadline(o: any): any {
  const deadline = o?.kind === 'Job' ? o.spec?.activeDeadlineSeconds : undefined;
  if (typeof deadline !== 'number' || o.metadata?.annotations?.[TIMEOUT_ANNOTATION] !== undefined) return o;
  return { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata?.annotations, [TIMEOUT_ANNOTATION]: String(deadline + 60) } } };
}

/**
 * Whether `o` is a namespace's `default` ServiceAccount, which Kubernetes makes itself in every namespace (the
 * service account controller, kubernetes pkg/controller/serviceaccount/serviceaccounts_controller.go, ensures
 * `default`), as soon as the namespace exists.
 */
function isDefaultAccount(o: any): boolean {
  return o?.kind === 'ServiceAccount' && o.metadata?.name === 'default';
}

/**
 * A `default` ServiceAccount as a `ServiceAccountPatch`, which sets its fields (pull secrets, token automount) on the
 * account Kubernetes made, by server-side apply. A `ServiceAccount` resource is created with a plain create since
 * @pulumi/kubernetes 4.29.0 (pulumi-kubernetes v4.32.0 provider/pkg/await/await.go: the upsert by server-side apply
 * is kept for Patch resources and `upsertExistingObjects`), which the API server refuses with AlreadyExists for an
 * account the controller made first: the first `pulumi up` of every namespace with pull secrets failed there. Removed
 * from the charts, the patch gives up its fields and leaves the account, which a deleted `ServiceAccount` resource
 * took with it. It is named as the group named it (`<namespace>/default`) under the group the pull accounts go to, and
 * aliased to the `ServiceAccount` of that URN, so a stack that holds one (made with `upsertExistingObjects`) keeps it
 * rather than deleting the account.
 */
function defaultAccountPatch(o: any, parent: pulumi.Resource, namespaces: pulumi.Resource): k8s.core.v1.ServiceAccountPatch {
  const id = o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
  return new k8s.core.v1.ServiceAccountPatch(id, o, { parent, dependsOn: [namespaces], aliases: [{ type: 'kubernetes:core/v1:ServiceAccount' }] });
}

/**
 * The charts' objects, resolved with one object per kind, namespace and name across them, as synthesize holds them
 * (`withObjectNames`: a second one would otherwise reach Pulumi only as a duplicate URN, after the other resources
 * had registered), and each digest of a generated or provided value left to deploy time.
 */
function render(app: App, provided: readonly ProvidedSecret[], placeholders: readonly string[] = []): any[] {
  return withObjectNames(app, () => withUserAccountsHeld(app, () =>
    withDigests(app, deferredDigests(provided), () => app.charts.flatMap((chart) => chart.toJson()), placeholders)));
}

/**
 * The digest source the charts resolve with: every value is an Output here, so each digest waits for deploy time
 * (`DEFERRED_DIGEST`), for a generated value and for a key of a provided Secret alike; a Secret created out of band
 * (the OAuth app's) is counted by name, as the charts cannot know its value.
 */
function deferredDigests(provided: readonly ProvidedSecret[]): DigestSource {
  const names = new Set(provided.map((s) => `${s.namespace}/${s.name}`));
  return (stateKey, generated) => (generated || names.has(stateKey.slice(0, stateKey.lastIndexOf('/'))) ? DEFERRED_DIGEST + stateKey : undefined);
}

/**
 * The objects with each deferred pod checksum finished over the digests of the values it counts: a generated
 * value's (`GeneratedSecrets.digest`), and a provided key's (`GeneratedSecrets.digestOf` its value, the same HMAC, so
 * a short provided value cannot be guessed from the annotation). A new value (a managed database password reset)
 * thus rolls exactly the pods that count it, the pods another hands it to included (`countIndirectInputs`).
 */
function finishChecksums(objects: any[], generated: GeneratedSecrets, provided: readonly ProvidedSecret[],
  substitutions: Record<string, pulumi.Input<string>>): any[] {
  const byName = new Map(provided.map((s) => [`${s.namespace}/${s.name}`, s]));
  const digests = new Map<string, pulumi.Output<string>>();
  const digestOf = (stateKey: string): pulumi.Output<string> => {
    if (!digests.has(stateKey)) {
      const secret = byName.get(stateKey.slice(0, stateKey.lastIndexOf('/')));
      const placeholder = placeholderOfKey(stateKey);
      // a placeholder's digest under the id `placeholder/<placeholder>`, its value the substitution's
      digests.set(stateKey, placeholder !== undefined ? generated.digestOf(`${PLACEHOLDER_KEY}${placeholder}`, substitutions[placeholder])
        : secret === undefined ? generated.digest(stateKey) : digestProvided(stateKey, secret, generated));
    }
    return digests.get(stateKey)!;
  };
  return objects.map((o) => {
    const deferred = podTemplateOf(o)?.metadata?.annotations?.[CHECKSUM_ANNOTATION];
    if (typeof deferred !== 'string' || !deferred.startsWith(DEFERRED_CHECKSUM)) {
      return o;
    }
    const keys = [...new Set([...deferred.matchAll(new RegExp(`${DEFERRED_DIGEST}([^,="]+)`, 'g'))].map((m) => m[1]))];
    const checksum = pulumi.all(keys.map(digestOf)).apply((values) => finishChecksum(deferred, (k) => values[keys.indexOf(k)]));
    const copy = JSON.parse(JSON.stringify(o));
    podTemplateOf(copy).metadata.annotations[CHECKSUM_ANNOTATION] = checksum;
    return copy;
  });
}

/**
 * The digest of a provided key by `<namespace>/<secret>/<key>`: of its value, of every key and value in key order for
 * `*` (a pod that reads the Secret whole), or `-` (its name alone) for a key the Secret is not given, which no pod can
 * read either.
 */
function digestProvided(stateKey: string, secret: ProvidedSecret, generated: GeneratedSecrets): pulumi.Output<string> {
  const key = stateKey.slice(stateKey.lastIndexOf('/') + 1);
  if (key === '*') {
    const all = pulumi.all(secret.stringData).apply((values) => JSON.stringify(Object.keys(values).sort().map((k) => [k, values[k]])));
    return generated.digestOf(stateKey, all);
  }
  // own keys only: `constructor` or `toString` is a key a Secret may hold, and `in` would find them on the prototype
  return Object.prototype.hasOwnProperty.call(secret.stringData, key) ? generated.digestOf(stateKey, secret.stringData[key]) : pulumi.output('-');
}

/**
 * Refuse the only names with which two ChartDeployments under one parent type could name two of their own resources
 * alike: a URN holds the parent's type but not its name, so a child's name must be unique among all deployments'.
 * (The chart objects are another matter: `yaml.ConfigGroup` names each `<namespace>/<name>`, without the group's
 * name, so two deployments of one object under one parent type share its URN, and Pulumi refuses the duplicate; they
 * are not renamed, which would replace every object in the cluster: deployments of the same charts need parents of
 * distinct types, as the class documentation says.) Children are `<name>-namespaces`, `<name>-objects` and
 * `<name>-generated`, distinct for distinct names; provided Secrets
 * `<name>/<namespace>/<secret>`, distinct as neither part holds a "/" (`checkProvided`); and GeneratedSecrets'
 * `<name>-generated-<namespace>/<secret>`, `…/<key>` and `<name>-generated-digest-key`. Those meet only where one
 * name is the other's followed by `-generated` (`p` in namespace `generated-ci`, `p-generated` in `ci`: both make
 * `p-generated-generated-ci/db/password`), so a name holding `-generated` is refused.
 *
 * Refused rather than renamed: new names (joined with "/") would need each generated credential's former name as
 * an alias, and a former name two deployments share would be claimed by both, so a deployment added later could
 * take over another's existing password. A refusal moves nothing in any stack; a stack that used such a name renames
 * its deployment with `aliases: [{ name: '<former name>' }]`, which its children inherit (README, "Upgrade notes").
 */
function checkName(name: string): void {
  checkNoSlash(name, 'ChartDeployment puts between its name and each provided Secret\'s namespace');
  if (typeof name === 'string' && name.includes(GENERATED)) {
    invalid('name', name, `must not contain "${GENERATED}", which ChartDeployment puts between its name and a generated ` +
      'credential\'s namespace, so that two ChartDeployments could name credentials alike');
  }
}

/**
 * Refuse a former name another deployment under the same parent types aliases too in this program: the one
 * registered first would take over the Secret a stack made before holds for the other.
 */
function checkFormerNames(name: string, secrets: ProvidedSecret[], formerNames: string[], parent: pulumi.Resource | undefined): void {
  const claims = formerNames.map((formerName, i) =>
    ({ formerName, owner: name, what: `ChartDeployment "${name}"'s Secret ${secrets[i].namespace}/${secrets[i].name}` }));
  const conflict = claimFormerNames(parent, 'dockyard:pulumi:ChartDeployment', claims);
  if (conflict !== undefined) {
    const [claim, other] = conflict;
    const secret = secrets[claims.indexOf(claim)];
    invalid('secrets', `${secret.namespace}/${secret.name}`, `${other.what} had its former resource name ` +
      `"${claim.formerName}" too, and either would take over the other's: with pulumi state rename, move each ` +
      'provided Secret your stack holds under a former name to its new one (<deployment>/<namespace>/<secret>), then ' +
      `set aliasFormerNames: false on ChartDeployment "${name}"`);
  }
}

/** Every Secret the charts read must be provided, with every key they read. */
function checkProvided(app: App, secrets: readonly ProvidedSecret[]): void {
  // names of Kubernetes objects, as the provided Secrets' resource names need: a "/" in either would let two
  // deployments' `<name>/<namespace>/<secret>` meet (`r` providing `a/b`/`c`, `r/a` providing `b`/`c`)
  for (const s of secrets) {
    checkDnsLabel('secrets[].namespace', s.namespace);
    checkDnsSubdomain('secrets[].name', s.name);
  }
  // one resource each: the same Secret given twice would fail at `pulumi up` as two resources of one name
  const names = secrets.map((s) => `${s.namespace}/${s.name}`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    invalid('secrets', twice, 'must provide each Secret once: merge its keys into one ProvidedSecret');
  }
  // a Secret the app generates is the deployment's own: a provided one of the same namespace and name would be a
  // second resource for one object, and its keys would stand for the generated values in the pods' checksums
  const generated = secrets.find((s) => generatedSecretNamed(app, s.name, s.namespace) !== undefined);
  if (generated !== undefined) {
    invalid('secrets', `${generated.namespace}/${generated.name}`, 'must not be a Secret the charts generate: the deployment creates that one ' +
      'itself (GeneratedSecrets); give its values through the construct that declares it, or provide a Secret of another name');
  }
  const missing = Secret.requiredIn(app).flatMap((r) => {
    const given = secrets.find((s) => s.namespace === r.namespace && s.name === r.secretName);
    const keys = r.keys.filter((k) => !given || !Object.prototype.hasOwnProperty.call(given.stringData, k));
    return keys.length === 0 ? [] : [`${r.namespace}/${r.secretName} (${keys.join(', ')})`];
  });
  if (missing.length > 0) {
    // the caller's to fix, so a ValidationError: one line under Pulumi (./run-errors), never a stack trace
    throw new ValidationError(`missing provided secrets: ${missing.join('; ')}`);
  }
}

/** Refuse a placeholder host the objects hold that `substitutions` does not replace, naming it and an object holding it. */
function checkPlaceholders(objects: readonly any[], substitutions: Record<string, pulumi.Input<string>>): void {
  const keys = Object.keys(substitutions);
  for (const o of objects) {
    const text = JSON.stringify(o);
    if (!text.includes(PLACEHOLDER_SUFFIX)) {
      continue;
    }
    // what is left once every substitution is made (in the order `substitute` makes them)
    const left = keys.reduce((t, p) => t.split(p).join(''), text);
    const at = left.indexOf(PLACEHOLDER_SUFFIX);
    if (at >= 0) {
      const name = /[a-z0-9-]*$/.exec(left.slice(0, at))![0] + PLACEHOLDER_SUFFIX;
      invalid('substitutions', keys, `must replace every placeholder the charts hold: ${name} is in ${describeObject(o)}; give its value ` +
        '(a managed service\'s host)');
    }
  }
}

/**
 * The objects with each string that holds a placeholder turned into an Output of the replaced text; the objects
 * themselves stay plain, so the ConfigGroup can name and type them before the values are known.
 */
function substitute(value: any, substitutions: Record<string, pulumi.Input<string>>): any {
  if (pulumi.Output.isInstance(value)) {
    return value; // a finished checksum
  }
  if (typeof value === 'string') {
    const found = Object.keys(substitutions).filter((p) => value.includes(p));
    if (found.length === 0) {
      return value;
    }
    return pulumi.all(found.map((p) => substitutions[p])).apply((replacements) =>
      found.reduce((text, p, i) => text.split(p).join(replacements[i]), value));
  }
  if (Array.isArray(value)) {
    return value.map((v) => substitute(v, substitutions));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, substitutions)]));
  }
  return value;
}
