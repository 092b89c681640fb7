import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { DockyardChart, Secret, SecretValue, TemplateEscape } from '../../lib';
import type { GeneratedSecrets as GeneratedSecretsType } from '../../lib/pulumi/generated-secrets';

/** A resource the mock monitor saw. */
interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: any;
}

const registered: Registered[] = [];
/** The parent of each child, seen by a transformation the component passes on to its children. */
const parents = new Map<string, pulumi.Resource | undefined>();
/** The options each resource was registered with, by `<type>::<name>`: mocks see inputs only. */
const options = new Map<string, pulumi.CustomResourceOptions>();
const recordParent: pulumi.ResourceTransformation = (a) => {
  parents.set(`${a.type}::${a.name}`, a.opts.parent);
  options.set(`${a.type}::${a.name}`, a.opts);
  return undefined;
};

/** The fake outputs a provider would compute, derived from the resource name so each value is traceable. */
function fakeOutputs(type: string, name: string): Record<string, string> {
  switch (type) {
    case 'random:index/randomPassword:RandomPassword': return { result: `pw(${name})`, bcryptHash: `$2a$10$hash(${name})` };
    case 'random:index/randomId:RandomId': return { hex: `hex(${name})` };
    case 'tls:index/privateKey:PrivateKey': return { privateKeyPem: `key(${name})` };
    case 'tls:index/selfSignedCert:SelfSignedCert': return { certPem: `cert(${name})` };
    default: return {};
  }
}

let GeneratedSecrets: typeof GeneratedSecretsType;

beforeAll(async () => {
  await pulumi.runtime.setMocks({
    newResource: (a) => {
      registered.push({ type: a.type, name: a.name, inputs: a.inputs });
      return { id: `${a.name}-id`, state: { ...a.inputs, ...fakeOutputs(a.type, a.name) } };
    },
    call: (a) => a.inputs,
  }, 'dockyard', 'test', false);
  // Pulumi modules must load after setMocks.
  ({ GeneratedSecrets } = await import('../../lib/pulumi/generated-secrets'));
});

function get<T>(out: pulumi.Output<T>): Promise<T> {
  return new Promise((r) => out.apply((v) => { r(v); return v; }));
}

/** Secret inputs reach the monitor wrapped in a signature object; unwrap them for deep assertions. */
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
function unwrap(v: any): any {
  if (Array.isArray(v)) {
    return v.map(unwrap);
  }
  if (v !== null && typeof v === 'object') {
    if (v['4dabf18193072939515e22adb298388d'] === SECRET_SIG) {
      return unwrap(v.value);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

/** Every kind, a Secret shared into a second namespace, and a copy and an htpasswd over one random value. */
function platform() {
  const app = new App();
  const chart = new DockyardChart(app, 'ci', { namespace: 'ci' });
  const db = new Secret(chart, 'Db', {
    name: 'db',
    values: { password: SecretValue.password(24), plain: SecretValue.alphanumeric(32), key: SecretValue.hex(32) },
  });
  const tlsKey = new Secret(chart, 'Key', { name: 'token-key', values: { 'tls.key': SecretValue.rsaPrivateKey(2048) } });
  const app2 = new Secret(chart, 'App', {
    name: 'app',
    annotations: { 'X-Drone-Repos': 'org/*' },
    values: {
      dsn: SecretValue.template('postgres://app:{pw}@db/app', { pw: db.key('password') }, { escape: TemplateEscape.URL }),
      copy: SecretValue.copyOf(db.key('plain')),
      htpasswd: SecretValue.htpasswd('admin', db.key('plain')),
      'tls.crt': SecretValue.selfSignedCertificate(tlsKey.key('tls.key'), { commonName: 'token-ca', days: 10 }),
      hub: SecretValue.input('DOCKYARD_HUB_TOKEN', 'a Docker Hub access token'),
    },
  });
  new Secret(chart, 'Pull', {
    name: 'pull',
    namespace: 'build',
    type: 'kubernetes.io/dockerconfigjson',
    values: {
      '.dockerconfigjson': SecretValue.dockerConfigJson([
        { registry: 'harbor.example.com', username: 'robot', password: db.key('password') },
        { registry: 'https://index.docker.io/v1/', username: 'me', password: app2.key('hub') },
      ]),
    },
  });
  db.key('password').selectorFor('build'); // a pod in "build" reads it, so db is copied there
  chart.toJson(); // resolving settles the namespaces
  return { app, db, app2 };
}

describe('GeneratedSecrets', () => {
  let gs: GeneratedSecretsType;
  let ctx: ReturnType<typeof platform>;
  let mine: Registered[];
  /** The component's Secrets by resource name: the monitor sees them in the order their inputs resolve. */
  let byName: Map<string, pulumi.Resource & { stringData: pulumi.Output<Record<string, string>> }>;

  beforeAll(async () => {
    ctx = platform();
    const before = registered.length;
    gs = new GeneratedSecrets('gs', { app: ctx.app, inputs: { DOCKYARD_HUB_TOKEN: 'hub-token' } }, { transformations: [recordParent] });
    const urns = await get(pulumi.all(gs.secrets.map((s) => s.urn)));
    byName = new Map(urns.map((u, i) => [u.split('::').pop()!, gs.secrets[i]]));
    mine = registered.slice(before);
  });

  const stringData = async (ns: string, name: string) => get(byName.get(`gs-${ns}/${name}`)!.stringData);

  test('makes one resource per generated value, not per copy or namespace', () => {
    const count = (type: string) => mine.filter((r) => r.type === type).length;
    expect(count('dockyard:pulumi:GeneratedSecrets')).toBe(1);
    expect(count('random:index/randomPassword:RandomPassword')).toBe(2);
    expect(count('random:index/randomId:RandomId')).toBe(1);
    expect(count('tls:index/privateKey:PrivateKey')).toBe(1);
    expect(count('tls:index/selfSignedCert:SelfSignedCert')).toBe(1);
    expect(count('kubernetes:core/v1:Secret')).toBe(5);
    expect(mine).toHaveLength(11);
    // in declaration order, each Secret's own namespace first
    expect([...byName.keys()]).toEqual(['gs-ci/db', 'gs-build/db', 'gs-ci/token-key', 'gs-ci/app', 'gs-build/pull']);
  });

  test('every child has the component as parent', () => {
    const children = mine.filter((r) => r.type !== 'dockyard:pulumi:GeneratedSecrets');
    for (const r of children) {
      expect(parents.get(`${r.type}::${r.name}`)).toBe(gs);
    }
  });

  test('renders each Secret with its name, namespace, type, annotations and label', () => {
    const order = [...byName.keys()];
    const metadata = mine.filter((r) => r.type === 'kubernetes:core/v1:Secret')
      .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
      .map((r) => ({ ...unwrap(r.inputs.metadata), type: r.inputs.type, keys: Object.keys(unwrap(r.inputs.stringData)) }));
    const label = { 'app.kubernetes.io/managed-by': 'dockyard' };
    expect(metadata).toEqual([
      { name: 'db', namespace: 'ci', labels: label, type: 'Opaque', keys: ['key', 'password', 'plain'] },
      { name: 'db', namespace: 'build', labels: label, type: 'Opaque', keys: ['key', 'password', 'plain'] },
      { name: 'token-key', namespace: 'ci', labels: label, type: 'Opaque', keys: ['tls.key'] },
      {
        name: 'app', namespace: 'ci', labels: label, annotations: { 'X-Drone-Repos': 'org/*' }, type: 'Opaque',
        keys: ['copy', 'dsn', 'htpasswd', 'hub', 'tls.crt'],
      },
      { name: 'pull', namespace: 'build', labels: label, type: 'kubernetes.io/dockerconfigjson', keys: ['.dockerconfigjson'] },
    ]);
  });

  test('maps random values to RandomId and RandomPassword', () => {
    const byName = (name: string) => mine.find((r) => r.name === name)!.inputs;
    expect(byName('gs-ci/db/key')).toEqual({ byteLength: 16 });
    // @pulumi/random randomId.js registers no additionalSecretOutputs (randomBytes.js:107 and randomPassword.js:129
    // do): each of its forms of the value is marked secret here, so none is stored in plaintext in the state
    expect(options.get('random:index/randomId:RandomId::gs-ci/db/key')!.additionalSecretOutputs).toEqual(['hex', 'b64Std', 'b64Url', 'dec']);
    expect(byName('gs-ci/db/plain')).toEqual({ length: 32, special: false, upper: true, lower: true, numeric: true });
    expect(byName('gs-ci/db/password')).toEqual({
      length: 24, special: false, upper: true, lower: true, numeric: true, minUpper: 1, minLower: 1, minNumeric: 1,
    });
  });

  test('protects the values that encrypt data or are read on the first start only, unless the component says protect: false', async () => {
    // LocalSecretStore refuses to make such a value anew unasked; under Pulumi a moved namespace renames the resource
    // and a changed recipe replaces it (each random argument does), so protect makes `pulumi up` fail instead
    const made = (id: string, protect?: boolean) => {
      const app = new App();
      const chart = new DockyardChart(app, 'ci', { namespace: 'ci' });
      new Secret(chart, 'Keys', {
        name: 'keys',
        values: {
          encrypting: SecretValue.hex(32).encrypting('the secrets stored in the database'),
          admin: SecretValue.password(24).readOnFirstStart('change it in the UI first'),
          plain: SecretValue.alphanumeric(32),
        },
      });
      chart.toJson();
      new GeneratedSecrets(id, { app }, { transformations: [recordParent], ...(protect === undefined ? {} : { protect }) });
    };
    made('kept');
    made('throwaway', false);
    await new Promise((r) => setTimeout(r, 50));
    const protect = (type: string, name: string) => options.get(`${type}::${name}`)!.protect;
    expect(protect('random:index/randomId:RandomId', 'kept-ci/keys/encrypting')).toBe(true);
    expect(protect('random:index/randomPassword:RandomPassword', 'kept-ci/keys/admin')).toBe(true);
    // the rest is left to the parent's `protect`, as any child's is
    expect(protect('random:index/randomPassword:RandomPassword', 'kept-ci/keys/plain')).toBeUndefined();
    expect(protect('random:index/randomId:RandomId', 'throwaway-ci/keys/encrypting')).toBe(false);
    expect(protect('random:index/randomPassword:RandomPassword', 'throwaway-ci/keys/admin')).toBe(false);
  });

  test('maps keys and certificates to tls resources', () => {
    const cert = mine.find((r) => r.type === 'tls:index/selfSignedCert:SelfSignedCert')!;
    expect(mine.find((r) => r.type === 'tls:index/privateKey:PrivateKey')).toMatchObject({ name: 'gs-ci/token-key/tls.key', inputs: { algorithm: 'RSA', rsaBits: 2048 } });
    expect(cert.name).toBe('gs-ci/app/tls.crt');
    expect(unwrap(cert.inputs)).toEqual({
      privateKeyPem: 'key(gs-ci/token-key/tls.key)',
      subject: { commonName: 'token-ca' },
      validityPeriodHours: 240,
      isCaCertificate: true,
      allowedUses: ['cert_signing', 'digital_signature'],
    });
  });

  test('fills stringData from the resources, sharing one value between copies', async () => {
    const db = { key: 'hex(gs-ci/db/key)', password: 'pw(gs-ci/db/password)', plain: 'pw(gs-ci/db/plain)' };
    expect(await stringData('ci', 'db')).toEqual(db);
    expect(await stringData('build', 'db')).toEqual(db);
    expect(await stringData('ci', 'token-key')).toEqual({ 'tls.key': 'key(gs-ci/token-key/tls.key)' });
    expect(await stringData('ci', 'app')).toEqual({
      copy: 'pw(gs-ci/db/plain)',
      dsn: 'postgres://app:pw(gs-ci%2Fdb%2Fpassword)@db/app', // the URL escape encodes the fake value's "/"
      htpasswd: 'admin:$2a$10$hash(gs-ci/db/plain)',
      hub: 'hub-token',
      'tls.crt': 'cert(gs-ci/app/tls.crt)',
    });
  });

  test('builds the docker config like the local store', async () => {
    const json = JSON.parse((await stringData('build', 'pull'))['.dockerconfigjson']);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(json).toEqual({
      auths: {
        'harbor.example.com': { username: 'robot', password: 'pw(gs-ci/db/password)', auth: b64('robot:pw(gs-ci/db/password)') },
        'https://index.docker.io/v1/': { username: 'me', password: 'hub-token', auth: b64('me:hub-token') },
      },
    });
  });

  test('marks every value secret', async () => {
    for (const s of gs.secrets) {
      expect(await pulumi.isSecret(s.stringData)).toBe(true);
    }
    // each value on its own too, even those whose resource output is not secret (RandomId.hex) or a plain input
    for (const [secret, key] of [[ctx.db, 'key'], [ctx.db, 'plain'], [ctx.app2, 'hub'], [ctx.app2, 'dsn'], [ctx.app2, 'htpasswd']] as const) {
      expect(await pulumi.isSecret(gs.value(secret.key(key)))).toBe(true);
    }
    for (const r of mine.filter((x) => x.type === 'kubernetes:core/v1:Secret')) {
      expect(JSON.stringify(r.inputs.stringData)).toContain(SECRET_SIG);
    }
  });

  test('value() returns a key\'s output and rejects keys it did not make', async () => {
    expect(await get(gs.value(ctx.db.key('plain')))).toBe('pw(gs-ci/db/plain)');
    const other = new Secret(new DockyardChart(new App(), 'x'), 'S', { name: 'other', values: { v: SecretValue.hex(16) } });
    expect(() => gs.value(other.key('v'))).toThrow(/default\/other#v is not a key of a generated Secret of this app/);
  });
});

describe('GeneratedSecrets templates', () => {
  test('render each value with the template\'s escape, as the local store does', async () => {
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'ns' });
    const input = new Secret(chart, 'In', { name: 'in', values: { pw: SecretValue.input('DOCKYARD_DB_PASSWORD', 'a database password') } });
    const out = new Secret(chart, 'Out', {
      name: 'out',
      values: {
        url: SecretValue.template('postgres://app:{pw}@db.example.com:5432/app', { pw: input.key('pw') }, { escape: TemplateEscape.URL }),
        yaml: SecretValue.template('password: {pw}\n', { pw: input.key('pw') }, { escape: TemplateEscape.YAML }),
        json: SecretValue.template('{"password":{pw}}', { pw: input.key('pw') }, { escape: TemplateEscape.JSON }),
      },
    });
    chart.toJson();
    const password = 'p@ss:w/rd#1% {pw}';
    const gs = new GeneratedSecrets('templates', { app, inputs: { DOCKYARD_DB_PASSWORD: password } });
    const url = await get(gs.value(out.key('url')));
    expect(url).toBe('postgres://app:p%40ss%3Aw%2Frd%231%25%20%7Bpw%7D@db.example.com:5432/app');
    expect(decodeURIComponent(new URL(url).password)).toBe(password);
    expect(new URL(url).host).toBe('db.example.com:5432');
    expect(await get(gs.value(out.key('yaml')))).toBe('password: "p@ss:w/rd#1% {pw}"\n');
    expect(JSON.parse(await get(gs.value(out.key('json'))))).toEqual({ password });
  });
});

describe('GeneratedSecrets checks before creating anything', () => {
  function single(values: Record<string, (chart: DockyardChart) => SecretValue>) {
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'ns' });
    new Secret(chart, 'S', { name: 's', values: Object.fromEntries(Object.entries(values).map(([k, f]) => [k, f(chart)])) });
    chart.toJson();
    return app;
  }

  test('a missing input throws naming its env and description', () => {
    const app = single({ token: () => SecretValue.input('DOCKYARD_TOKEN', 'the API token'), other: () => SecretValue.input('DOCKYARD_OTHER', 'another') });
    const before = registered.length;
    expect(() => new GeneratedSecrets('missing', { app, inputs: { DOCKYARD_OTHER: 'x' } }))
      .toThrow(/^missing secret inputs: DOCKYARD_TOKEN \(the API token\);/);
    expect(() => new GeneratedSecrets('missing2', { app }))
      .toThrow('missing secret inputs: DOCKYARD_TOKEN (the API token), DOCKYARD_OTHER (another)');
    expect(registered.length).toBe(before);
  });

  test('an htpasswd over a hex password throws naming the key', () => {
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'ns' });
    const pw = new Secret(chart, 'Pw', { name: 'pw', values: { password: SecretValue.hex(32) } });
    new Secret(chart, 'H', { name: 'h', values: { htpasswd: SecretValue.htpasswd('u', pw.key('password')) } });
    chart.toJson();
    const before = registered.length;
    expect(() => new GeneratedSecrets('htpasswd', { app }))
      .toThrow(/invalid secret value ns\/h#htpasswd: the htpasswd source ns\/pw#password must be SecretValue.alphanumeric or .password/);
    expect(registered.length).toBe(before);
  });

  test('two Secrets rendered to one namespace and name, or declared with one, throw before anything is created', () => {
    const app = new App();
    const chart = new DockyardChart(app, 'c', { namespace: 'ns' });
    new Secret(chart, 'A', { name: 'shared', values: { token: SecretValue.hex(32) } });
    const other = new DockyardChart(app, 'd', { namespace: 'other' });
    new Secret(other, 'B', { name: 'shared', values: { token: SecretValue.hex(32) } }).shareWith('ns');
    const before = registered.length;
    expect(() => new GeneratedSecrets('dup', { app })).toThrow('duplicate generated Secret ns/shared: two Secrets would be made with that namespace and name');
    // a Secret rendered only where it is shared (a Woodpecker pipeline secret) still keys its values by the namespace
    // that declares it: two declared alike would share one value
    const app2 = new App();
    const chart2 = new DockyardChart(app2, 'c', { namespace: 'ns' });
    new Secret(chart2, 'A', { name: 'shared', values: { token: SecretValue.hex(32) } });
    new Secret(chart2, 'B', { name: 'shared', values: { token: SecretValue.hex(32) }, renderedInOwnNamespace: false }).shareWith('deploy');
    expect(() => new GeneratedSecrets('dup2', { app: app2 })).toThrow('duplicate generated Secret ns/shared: two Secrets would be made with that namespace and name');
    expect(registered.length).toBe(before);
  });

  test('an odd hex length throws', () => {
    const app = single({ key: () => SecretValue.hex(33) });
    expect(() => new GeneratedSecrets('odd', { app })).toThrow(/ns\/s#key: SecretValue.hex\(33\) needs an even length/);
  });
});
