import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  checkBoolean, checkHost, checkInteger, checkObject, checkOneOf, checkPort, checkRequiredObject, describeValue, Image, invalid, missing, NetworkPeer,
  PASSWORD_KEY_RULE, Resources, SecretKey, withContext,
} from '../core';
import { shortHash } from '../core/hash';
import { maxJobNamePrefix } from '../core/deployment';
import { currentJobsConfigMap, currentJobsEnv, currentJobsVolume } from '../core/current-jobs';
import { EnvVars } from '../core/env';
import { templateNamedJob } from '../core/job';
import { intOrString, kube } from '../core/k8s';
import { warnOnce } from '../core/warn';
import { placement } from '../core/placement';
import { reachedServer } from '../core/service';
import { emptyDir, podTemplate } from '../core/pod';
import { CA_FILE, mountCaCertificate } from './ca-certificate';
import { countOnServerFrom } from './external-postgres';
import { checkIdentifier, checkRoleName, IPostgresDatabase, POSTGRES_DATABASE_RULE, statedConnectionLimit } from './database';
import { ReconciledDatabase, renderReconcileScript } from './reconcile-script';

/**
 * The values of libpq's `sslmode` (PostgreSQL docs, "Protection Provided in Different Modes"), which `psql` reads
 * from `PGSSLMODE`.
 */
export const LIBPQ_SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/** Where the Job's pod mounts its script and the list of the current Job. */
const SCRIPT_DIRECTORY = '/scripts';

/** Where the Job's pod mounts `caCertificate`, as `ca.crt`. */
const CA_DIRECTORY = '/etc/postgresql-ca';

/**
 * The databases PostgreSQL makes itself, which the reconciler must not take over: it would revoke PUBLIC's
 * privileges on one and, with a superuser admin, give it to the role. `postgres` is the default database of the
 * superuser and of tools, `template1` the one every CREATE DATABASE copies (which fails while another session is
 * in it), `template0` the pristine copy that takes no connections (PostgreSQL docs, "Template Databases").
 */
const SERVER_DATABASES = ['postgres', 'template0', 'template1'];

/** The image of the reconciler's psql: the official PostgreSQL image, as the in-cluster server runs. */
export const RECONCILER_IMAGE = Image.of('docker.io/library/postgres:17.9-bookworm');

/** Props of a `PostgresReconciler`. */
export interface PostgresReconcilerProps {
  /** The server's host: a DNS name or an IP address. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /**
   * The admin role: a superuser, or a role with CREATEDB and CREATEROLE such as DigitalOcean's `doadmin`.
   *
   * @default "postgres"
   */
  readonly adminUser?: string;
  /** The admin role's password. */
  readonly adminPassword: SecretKey;
  /**
   * The database the admin connects to first, e.g. DigitalOcean's `defaultdb`.
   *
   * @default "postgres"
   */
  readonly adminDatabase?: string;
  /**
   * How the connection is secured, as libpq's `sslmode`: one of `LIBPQ_SSL_MODES`. `verify-ca` and `verify-full`
   * need `caCertificate`.
   *
   * @default "require"
   */
  readonly sslMode?: string;
  /**
   * The CA bundle that verifies the server: mounted read-only in the Job's pod (the Secret shared into its namespace
   * when Dockyard generates it; an existing Secret must live there), with `PGSSLROOTCERT` pointing at it. Required
   * for `sslMode` `verify-ca` and `verify-full`, for which libpq otherwise looks for `~/.postgresql/root.crt`, which
   * the pod does not have. With `require`, libpq then verifies the server against it as `verify-ca` does (PostgreSQL
   * docs, "SSL Support": "if a root CA file exists, the behavior of sslmode=require will be the same as that of
   * verify-ca").
   *
   * @default - none
   */
  readonly caCertificate?: SecretKey;
  /**
   * Whether the server is the app's own, so that clients may connect only to their own databases: the Job then
   * revokes PUBLIC's CONNECT on `adminDatabase` and `template1` too (with a superuser admin). Leave it off for a
   * server other roles share, whose monitoring or poolers may rely on connecting there.
   *
   * @default false
   */
  readonly ownsServer?: boolean;
  /**
   * Whether a role this reconciler created loses its login once no database of it declares the role: the Job marks
   * each role it creates with the comment `dockyard: reconciled by <namespace>/<name>` and, on every run, sets
   * `NOLOGIN` on each role with that comment it no longer declares, printing one line for each, so a removed app's
   * password stops working; the role's databases, data and password stay (nothing is dropped), and declaring it again
   * lets it log in again. Roles made before this (by an earlier version, or by hand) carry no comment and keep their
   * login. On a server other stacks share, another reconciler of the same namespace and name (another cluster's:
   * staging and production on one managed server, with the same code) marks its roles alike and does not declare
   * this one's, so each would take the other's roles' login on every run: turn it on there only when no other stack
   * reconciles roles on the server under this namespace and name (or give each stack's reconciler its own `name`).
   *
   * @default - `ownsServer`: on for a server the app owns (an in-cluster `Postgres`), off for one it may share
   */
  readonly revokeLeftRoles?: boolean;
  /**
   * The pods of the server, when it runs in the cluster: besides DNS, the Job's only egress.
   *
   * @default - any address on `port`, for a server outside the cluster whose address is not known at synth
   */
  readonly serverPeer?: NetworkPeer;
  /**
   * The name of the Job (before its hash suffixes) and of its ConfigMap and NetworkPolicy: at most 37 characters.
   *
   * @default "postgres-reconcile"
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/** Options of `PostgresReconciler.addDatabase`. */
export interface ReconcileOptions {
  /**
   * Whether the reconciler sets the role's password from the database's `password`. Turn it off where the
   * provider owns the password (DigitalOcean generates it) or the Secret lives in a namespace the Job is not in. An
   * admin that is not a superuser needs CREATEROLE to set another role's, may not set a superuser's, and on
   * PostgreSQL 16 and later must hold ADMIN OPTION on the role: without, the Job fails, naming what to grant.
   *
   * The Job runs again when a generated password changes (its name carries the values' digest); a password in a
   * Secret made outside Dockyard (`Secret.fromSecretName`) counts by its name alone, so after changing that Secret,
   * delete the Job and apply again, as the synth's `create Secret` line says (`printRequiredSecrets`), or the role
   * keeps the old password while its restarted clients log in with the new one.
   *
   * @default true
   */
  readonly setPassword?: boolean;
}

/**
 * The one PostgreSQL reconciler, for the in-cluster `Postgres` and for managed servers: a Job that creates missing
 * roles and databases, sets every role's password and `CONNECTION LIMIT`, and grants each role its database
 * (owner with a superuser admin; `GRANT ALL` on the database and its `public` schema with a managed admin).
 *
 * Its SQL is idempotent and prints one line per change. It runs until the server answers (restarted by the Job),
 * and again whenever the desired state or a password changes: the Job's name carries a hash of its pod template as
 * it renders (`templateNamedJob`: its script's content-named ConfigMap, image, pull secrets, labels and settings) and
 * a digest of the passwords' Secrets, and finished Jobs are removed after ten minutes unless the chart keeps them (`finishedJobs`).
 * Its pod is hardened, and its NetworkPolicy admits nothing in and lets it reach only DNS and the server.
 */
export class PostgresReconciler extends Construct {
  /**
   * The longest `name`: 37. The Job's name, `<name>-<8 hex>-<16 hex>`, adds the `-<8 hex>` hash of its pod template
   * and `-<16 hex>` of the passwords' digest, and labels the Job's pods, so it is at most `MAX_JOB_NAME`
   * (lib/core/deployment.ts).
   */
  public static readonly MAX_NAME = maxJobNamePrefix('-'.length + 16);

  /** The name of the Job before its hash suffixes. */
  public readonly name: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The Job's pods, e.g. to admit them through the server's NetworkPolicy. */
  public readonly peer: NetworkPeer;

  private readonly databases: ReconciledDatabase[] = [];
  private readonly passwords: SecretKey[] = [];
  /** The Secret key of each role's password, by role. */
  private readonly rolePasswords = new Map<string, string>();
  private readonly env: EnvVars;
  private readonly adminDatabase: string;
  private readonly ownsServer: boolean;
  /** The server the Job connects to, which every database it reconciles must be on. */
  private readonly server: { readonly host: string; readonly port: number };

  public constructor(scope: Construct, id: string, props: PostgresReconcilerProps) {
    super(scope, id);
    const adminUser = checkIdentifier('adminUser', props.adminUser ?? 'postgres');
    this.adminDatabase = checkIdentifier('adminDatabase', props.adminDatabase ?? 'postgres');
    // each reaches the Job's environment as a literal
    const host = checkHost('host', props.host);
    const port = checkPort('port', props.port);
    checkRequiredObject('adminPassword', props.adminPassword, PASSWORD_KEY_RULE, SecretKey);
    const sslMode = checkOneOf('sslMode', props.sslMode ?? 'require', LIBPQ_SSL_MODES, 'libpq sslmode');
    const ca = props.caCertificate === undefined ? undefined
      : checkObject('caCertificate', props.caCertificate, 'must be a SecretKey, e.g. Secret.fromSecretName(scope, id, name).key("ca.crt")', SecretKey);
    // libpq verifies against ~/.postgresql/root.crt without one, which the pod does not have, so every run would fail
    if ((sslMode === 'verify-ca' || sslMode === 'verify-full') && !ca) {
      missing('caCertificate', `must be set when sslMode is "${sslMode}": the CA bundle libpq verifies the server against`);
    }
    this.server = { host, port };
    this.ownsServer = checkBoolean('ownsServer', props.ownsServer ?? false);
    // off by default on a shared server: another stack's reconciler of the same namespace and name marks its roles
    // alike, and each would take the other's roles' login (see the prop)
    const revokeLeftRoles = checkBoolean('revokeLeftRoles', props.revokeLeftRoles ?? this.ownsServer);
    if (props.name !== undefined && props.name.length > PostgresReconciler.MAX_NAME) {
      invalid('name', props.name, `must be at most ${PostgresReconciler.MAX_NAME} characters, leaving the Job's name room for its hash suffixes`);
    }
    const image = RECONCILER_IMAGE;
    const { name, namespace, labels, selector, peer } = placement(this, {
      app: 'postgres', component: 'reconcile', name: props.name, defaultName: 'postgres-reconcile', namespace: props.namespace, version: image.tag,
    });
    this.name = name;
    this.namespace = namespace;
    this.peer = peer;
    // the mark names this reconciler, so that one server's roles of another reconciler (another stack's) keep their login
    const roleMark = revokeLeftRoles ? `dockyard: reconciled by ${namespace}/${name}` : undefined;
    const script = () => renderReconcileScript(this.databases, this.adminDatabase, { closeAdminDatabase: this.ownsServer, roleMark });
    // named by its content, as the Job is: a Job still retrying an older state keeps reading its own script (with a
    // fixed name it would read the new one, whose passwords its environment lacks, and fail), and a new Job's pod
    // waits for its script rather than running the old one when the ConfigMap is applied after it
    const scriptName = () => `${name}-${shortHash(script())}`;
    kube(this, 'Script', 'ConfigMap', {
      metadata: { name: Lazy.any({ produce: scriptName }), namespace, labels }, data: { 'reconcile.sh': Lazy.any({ produce: script }) },
    });
    // the current Job, under a fixed name the kubelet updates in running pods: a Job of an earlier state still retrying
    // (the server down for a while) sets no password back once it is left out (lib/core/current-jobs.ts)
    const currentJobs = `${name}-jobs`;
    let job: ApiObject | undefined;
    currentJobsConfigMap(this, 'CurrentJobs', { name: currentJobs, namespace, labels, jobs: () => [job!] });

    this.env = new EnvVars(namespace);
    this.env.value('PGHOST', host);
    this.env.value('PGPORT', String(port));
    this.env.value('PGUSER', adminUser);
    this.env.secret('PGPASSWORD', props.adminPassword);
    this.env.value('PGSSLMODE', sslMode);
    const caMount = mountCaCertificate(ca, namespace, CA_DIRECTORY);
    if (ca) {
      this.env.value('PGSSLROOTCERT', `${CA_DIRECTORY}/${CA_FILE}`);
    }
    this.env.value('PGCONNECT_TIMEOUT', '10');
    currentJobsEnv(this.env);
    const listed = currentJobsVolume(currentJobs);
    const template = podTemplate(this, labels, {
      namespace,
      // the postgres user of the official Debian image
      runAs: { user: 999, group: 999 },
      containers: [{
        name: 'reconcile',
        image,
        command: ['/bin/bash', `${SCRIPT_DIRECTORY}/reconcile.sh`],
        env: this.env,
        mounts: [{ volume: 'scripts', path: SCRIPT_DIRECTORY, readOnly: true }, listed.mount, { volume: 'tmp', path: '/tmp' }, ...caMount.mounts],
        resources: Resources.of({ cpuRequest: '10m', cpuLimit: '200m', memoryRequest: '16Mi', memoryLimit: '64Mi' }),
      }],
      volumes: [
        // the script, and the list of the current Jobs in a volume of its own (currentJobsVolume)
        { name: 'scripts', projected: { sources: [{ configMap: { name: Lazy.any({ produce: scriptName }) as unknown as string } }] } },
        listed.volume,
        emptyDir('tmp', '16Mi'), ...caMount.volumes,
      ],
    });
    // a Job's pod template is immutable: the Job is named by its template as it renders (the script's content-named
    // ConfigMap, the relocated image, its pull secrets, the labels, the literal settings), so a change makes a new
    // Job instead of a refused apply; and by a digest of the passwords, which the template only names: the roles' it
    // sets, and the admin's it logs in with (rotated, a Job that had failed for good runs again with the new login,
    // as Harbor's configuration Job does)
    job = templateNamedJob(this, 'Resource', {
      name: (templateHash, secretsDigest) => `${name}-${templateHash.slice(0, 8)}-${secretsDigest}`,
      secrets: () => [props.adminPassword, ...this.passwords],
      namespace,
      labels,
      spec: {
        // the pod restarts until the server answers: the kubelet's restart back-off caps at 5 minutes, so this is
        // hours
        backoffLimit: 30,
        template: { ...template, spec: { ...template.spec!, restartPolicy: 'OnFailure' } },
      },
    });
    // nothing calls in; out, only DNS and the server
    const dns = { ports: [{ protocol: 'UDP', port: intOrString(53) }, { protocol: 'TCP', port: intOrString(53) }] };
    const to = props.serverPeer ? [props.serverPeer._toKube()] : [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];
    const server = { to, ports: [{ protocol: 'TCP', port: intOrString(port) }] };
    kube(this, 'NetworkPolicy', 'NetworkPolicy', {
      metadata: { name, namespace, labels },
      spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [dns, server] },
    });
  }

  /**
   * Reconcile `db`: its role with its connection limit (-1 when it has none) and, unless turned off, its password;
   * its database, owned by or granted to the role.
   */
  public addDatabase(db: IPostgresDatabase, options: ReconcileOptions = {}): void {
    checkObject('db', db, POSTGRES_DATABASE_RULE);
    checkObject('options', options, 'must be an object of ReconcileOptions, e.g. { setPassword: false }');
    // its role, database and limit are made on the server the Job connects to, while its clients connect to its own:
    // told, not refused, as a pooler of that server is another port (DigitalOcean's pools) or host in front of it. Two
    // spellings of one server are one (`reachedServer`): the Job's host as its own pod, in this namespace, completes
    // it; the database's, whose clients' namespaces are not known here, a one-label host only as written
    const server = reachedServer(this.server.host, this.server.port, this.namespace);
    const same = (db.host === this.server.host && db.port === this.server.port) || reachedServer(db.host, db.port) === server;
    if (!same) {
      warnOnce(this, `database ${describeValue(db.databaseName)} is on ${db.host}:${db.port}, but ${this.name} connects to ` +
        `${this.server.host}:${this.server.port} and makes its database, role and connection limit there: if that is not the server behind ` +
        `${db.host}:${db.port} (a pooler of it), give ${this.name} that server, or reconcile the database with one that connects to it`);
    }
    // a limit written by hand is read as the database's clients read it (statedConnectionLimit): 0 would lock them
    // out and one above PostgreSQL's int4 fails the Job's CREATE ROLE, where Harbor, Drone and Woodpecker refuse both
    const connectionLimit = withContext('database', db.databaseName, () => statedConnectionLimit('db.connectionLimit', db.connectionLimit)) ?? -1;
    // addRole names the database in its errors
    this.addRole({ database: db.databaseName, user: db.user, connectionLimit }, options.setPassword ?? true ? db.password : undefined);
    // a database at a one-label host that the Job's pod reaches as its own server (the same one-label host, or that
    // Service spelt in full, which is warned of above) is made there, its role's CONNECTION LIMIT with it: counted on
    // that server's budget (any other host was counted where it was defined), so that databases no Harbor, Drone or
    // Woodpecker binds are counted together too
    if (reachedServer(db.host, db.port, this.namespace) === server) countOnServerFrom(db, this.namespace);
  }

  /** @internal */
  public addRole(spec: Omit<ReconciledDatabase, 'passwordEnv'>, password?: SecretKey): void {
    withContext('database', spec.database, () => this.reconcileRole(spec, password));
  }

  /** `addRole`, whose errors do not yet name the database. */
  private reconcileRole(spec: Omit<ReconciledDatabase, 'passwordEnv'>, password?: SecretKey): void {
    checkIdentifier('databaseName', spec.database);
    if (SERVER_DATABASES.includes(spec.database)) {
      invalid('databaseName', spec.database, `must not be one of the databases PostgreSQL makes itself (${SERVER_DATABASES.join(', ')}): ` +
        'the Job would revoke PUBLIC\'s privileges on it and, with a superuser admin, give it to the role');
    }
    // the Job creates the role
    checkRoleName('user', spec.user);
    if (this.databases.some((d) => d.database === spec.database)) {
      invalid('databaseName', spec.database, `must be reconciled once by ${this.name}`);
    }
    // it is spliced into SQL as a number
    checkInteger('connectionLimit', spec.connectionLimit, -1);
    const same = this.databases.find((d) => d.user === spec.user);
    if (same && same.connectionLimit !== spec.connectionLimit) {
      invalid('connectionLimit', spec.connectionLimit, `must be the same for every database of role ${spec.user}: ${same.connectionLimit} on ${same.database}`);
    }
    // a role has one password: two Secrets for it would set it back and forth on every run
    const kept = this.rolePasswords.get(spec.user);
    if (password && kept !== undefined && kept !== password.toString()) {
      invalid('password', password.toString(), `must be the same Secret key for every database of role ${spec.user}: ${kept}`);
    }
    let passwordEnv: string | undefined;
    if (password && kept === undefined) {
      this.rolePasswords.set(spec.user, password.toString());
      passwordEnv = `DOCKYARD_DB_${spec.database.toUpperCase()}_PASSWORD`;
      this.env.secret(passwordEnv, password);
      this.passwords.push(password);
    }
    this.databases.push({ ...spec, passwordEnv });
  }
}
