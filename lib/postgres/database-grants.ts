import { Construct } from 'constructs';
import { checkHost, checkOneOf, checkPort, Resources, SecretKey } from '../core';
import { EnvVars } from '../core/env';
import { kube } from '../core/k8s';
import { PodFirewall } from '../core/network';
import { placement } from '../core/placement';
import { emptyDir, podTemplate } from '../core/pod';
import { checkIdentifier } from './database';
import { Postgres } from './postgres';

/** Props of a `DatabaseGrants`. */
export interface DatabaseGrantsProps {
  /** The server's host: a DNS name or an IP address. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** The admin role that created the databases, e.g. DigitalOcean's `doadmin`. */
  readonly adminUser: string;
  /** The admin role's password. */
  readonly adminPassword: SecretKey;
  /** Each database and the role that must be able to create its tables. */
  readonly grants: { readonly database: string; readonly user: string }[];
  /**
   * How the connection is secured, as libpq's `sslmode`: one of `LIBPQ_SSL_MODES`.
   *
   * @default "require"
   */
  readonly sslMode?: string;
  /**
   * The name of the Job and its objects.
   *
   * @default "database-grants"
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/**
 * The values of libpq's `sslmode` (PostgreSQL docs, "Protection Provided in Different Modes"), which `psql` reads
 * from `PGSSLMODE`.
 */
export const LIBPQ_SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/** Grant each role everything on its database and its `public` schema; idempotent, values only as psql variables. */
export function grantScript(grants: DatabaseGrantsProps['grants']): string {
  const calls = grants.map((g) => `grant ${g.database} ${g.user}`);
  return `#!/bin/bash
# Dockyard: let each client role create its tables in its database.
set -euo pipefail

grant() {
  psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname "$1" -v database="$1" -v role="$2" <<'SQL'
SELECT format('GRANT ALL ON DATABASE %I TO %I', :'database', :'role') \\gexec
SELECT format('GRANT ALL ON SCHEMA public TO %I', :'role') \\gexec
SQL
}

${calls.join('\n')}
`;
}

/**
 * A Job that grants client roles their databases on a managed PostgreSQL, whose API creates users without any
 * privilege (DigitalOcean: "additional permissions must be managed manually"). Harbor and Drone can then create
 * their tables. It runs until it succeeds, so it may start before the database accepts connections.
 */
export class DatabaseGrants extends Construct {
  public constructor(scope: Construct, id: string, props: DatabaseGrantsProps) {
    super(scope, id);
    props.grants.forEach((g) => { checkIdentifier('database', g.database); checkIdentifier('user', g.user); });
    checkIdentifier('adminUser', props.adminUser);
    // each reaches the Job's environment as a literal
    const host = checkHost('host', props.host);
    const port = checkPort('port', props.port);
    const sslMode = checkOneOf('sslMode', props.sslMode ?? 'require', LIBPQ_SSL_MODES, 'libpq sslmode');
    const image = Postgres.IMAGE;
    const { name, namespace, labels, selector } = placement(this, {
      app: 'postgres', component: 'grants', name: props.name, defaultName: 'database-grants', namespace: props.namespace, version: image.tag,
    });
    kube(this, 'Script', 'ConfigMap', { metadata: { name, namespace, labels }, data: { 'grant.sh': grantScript(props.grants) } });
    const env = new EnvVars(namespace);
    env.value('PGHOST', host);
    env.value('PGPORT', String(port));
    env.value('PGUSER', props.adminUser);
    env.secret('PGPASSWORD', props.adminPassword);
    env.value('PGSSLMODE', sslMode);
    env.value('PGCONNECT_TIMEOUT', '10');
    const template = podTemplate(this, labels, {
      namespace,
      runAs: { user: 999, group: 999 },
      containers: [{
        name: 'grant',
        image,
        command: ['/bin/bash', '/scripts/grant.sh'],
        env,
        mounts: [{ volume: 'scripts', path: '/scripts', readOnly: true }, { volume: 'tmp', path: '/tmp' }],
        resources: Resources.of({ cpuRequest: '10m', cpuLimit: '200m', memoryRequest: '16Mi', memoryLimit: '64Mi' }),
      }],
      volumes: [{ name: 'scripts', configMap: { name } }, emptyDir('tmp', '16Mi')],
    });
    kube(this, 'Resource', 'Job', {
      metadata: { name, namespace, labels },
      spec: { backoffLimit: 20, template: { ...template, spec: { ...template.spec!, restartPolicy: 'OnFailure' } } },
    });
    new PodFirewall(this, 'NetworkPolicy', { name, namespace, podLabels: selector });
  }
}
