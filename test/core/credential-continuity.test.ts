import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DockyardChart, LocalSecretStore, Secret, SecretFile, SecretValue, synthesize } from '../../lib';
import { withMutex, writeAtomically } from '../../lib/core/secret-files';
import { inEmptyFolder, secretValues as values, stderrOf } from '../util';

/**
 * Credentials are data: a synth never makes a credential anew by accident. Each test here is one of the ordinary
 * mistakes of issue 8 that used to rotate, churn or leak credentials silently.
 */

function workdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-continuity-'));
}

/** A small stack with a random password, a key, a copy, a URL template, an htpasswd line and an input. */
function stack(options: { recipe?: SecretValue; extra?: boolean; input?: boolean } = {}) {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new DockyardChart(app, 'test', { namespace: 'platform' });
  const db = new Secret(chart, 'Db', { name: 'db', values: { password: options.recipe ?? SecretValue.alphanumeric(32) } });
  new Secret(chart, 'Keys', { name: 'keys', values: { rpc: SecretValue.hex(32), signing: SecretValue.rsaPrivateKey(2048) } });
  new Secret(chart, 'App', {
    name: 'app',
    values: {
      password: SecretValue.copyOf(db.key('password')),
      htpasswd: SecretValue.htpasswd('app', db.key('password')),
    },
  });
  if (options.extra) {
    new Secret(chart, 'Later', { name: 'later', values: { token: SecretValue.hex(16) } });
  }
  if (options.input) {
    new Secret(chart, 'Hub', { name: 'hub', values: { token: SecretValue.input('DOCKYARD_TEST_CONTINUITY_TOKEN', 'a Docker Hub token') } });
  }
  return app;
}

function editState(statePath: string, edit: (state: any) => void): void {
  const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
  edit(state);
  fs.writeFileSync(statePath, JSON.stringify(state));
}

/** The error `fn` throws, which must be one line that never quotes a kept value. */
function failure(fn: () => unknown, secrets: string[] = []): string {
  try {
    fn();
  } catch (err: any) {
    expect(err.message).not.toContain('\n');
    for (const s of secrets) {
      expect(err.message).not.toContain(s);
    }
    return err.message;
  }
  throw new Error('expected a failure');
}

describe('the key record', () => {
  test('the first synth of a fresh state generates every key, records each recipe without values, and reports it', () => {
    const dir = workdir();
    const statePath = path.join(dir, '.dockyard', 'secrets.json');
    let manifest = '';
    const said = stderrOf(() => { manifest = new LocalSecretStore({ statePath }).render(stack()); });
    // a state in a `.dockyard` folder (git-ignored) has its record beside the folder, to be committed
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.lock.json'), 'utf8'));
    expect(record.keys).toEqual({
      'platform/db/password': 'alphanumeric(32)',
      'platform/keys/rpc': 'hex(32)',
      'platform/keys/signing': 'rsaPrivateKey(2048)',
    });
    for (const v of Object.values(values(manifest))) {
      expect(fs.readFileSync(path.join(dir, 'secrets.lock.json'), 'utf8')).not.toContain(v.slice(0, 16));
    }
    expect(said).toContain('dockyard: generated 3 new keys, recorded in');
    // a new state is said to be new: a mistyped DOCKYARD_STATE would otherwise replace every credential quietly
    expect(said).toContain(`dockyard: ${JSON.stringify(statePath)} and ${JSON.stringify(path.join(dir, 'secrets.lock.json'))} did not exist: this synth `
      + 'started a new secret state. If you meant an existing one, check the state path (DOCKYARD_STATE in the example stacks; the key record '
      + 'follows it) before applying the new Secrets\n');
    // a second synth makes nothing and says nothing
    expect(stderrOf(() => new LocalSecretStore({ statePath }).render(stack()))).toBe('');
  });

  test('a new state beside another one is a warning that names it: a mistyped state path, most likely', () => {
    const dir = workdir();
    new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }).render(stack());
    fs.writeFileSync(path.join(dir, 'notes.json'), '{"not": "a state"}');
    const typo = path.join(dir, 'secret.json');
    const said = stderrOf(() => new LocalSecretStore({ statePath: typo }).render(stack()));
    expect(said).toContain(`dockyard: warning: ${JSON.stringify(typo)} and ${JSON.stringify(path.join(dir, 'secret.lock.json'))} did not exist: ` +
      `this synth started a new secret state, beside ${JSON.stringify(path.join(dir, 'secrets.json'))}. If you meant an existing one`);
  });

  test('a state without its key record (a backup restored alone) warns, keeps every value and starts a new record', () => {
    const dir = workdir();
    const statePath = path.join(dir, 'state.json');
    const lockPath = path.join(dir, 'state.lock.json');
    const before = new LocalSecretStore({ statePath }).render(stack());
    fs.rmSync(lockPath);
    let after = '';
    const said = stderrOf(() => { after = new LocalSecretStore({ statePath }).render(stack()); });
    expect(said).toBe(`dockyard: warning: the key record ${JSON.stringify(lockPath)} did not exist for the state ${JSON.stringify(statePath)}: ` +
      'this synth started a new one, from this stack\'s keys. If you restored the state from a backup, restore its key record beside it too ' +
      '(it lists the keys of every stack on the state, and guards them against loss)\n');
    expect(after).toBe(before);
    expect(Object.keys(JSON.parse(fs.readFileSync(lockPath, 'utf8')).keys)).toHaveLength(3);
    // with its record back, nothing more is said
    expect(stderrOf(() => new LocalSecretStore({ statePath }).render(stack()))).toBe('');
  });

  test('a deleted state fails, naming the keys, the state file and both ways out, and writes nothing', () => {
    const dir = workdir();
    const statePath = path.join(dir, 'state.json');
    const before = values(new LocalSecretStore({ statePath }).render(stack()));
    fs.rmSync(statePath);
    const message = failure(() => new LocalSecretStore({ statePath }).render(stack()), Object.values(before));
    expect(message).toBe(`the secret state ${JSON.stringify(statePath)} lacks 3 keys that ${JSON.stringify(path.join(dir, 'state.lock.json'))} ` +
      'records: platform/db/password, platform/keys/rpc, platform/keys/signing. Nothing was written. Restore the state from your backup, or ' +
      'rebuild it from the cluster\'s Secrets, or make them anew on purpose with DOCKYARD_ROTATE=all (this rotates those credentials; see the ' +
      'README, "Credentials")');
    expect(fs.existsSync(statePath)).toBe(false);
  });

  test.each([
    ['values is null', (s: any) => { s.values = null; }, /is not a version 1 secret state with a "values" object/],
    ['values is an array', (s: any) => { s.values = []; }, /is not a version 1 secret state with a "values" object/],
    ['a key is missing', (s: any) => { delete s.values['platform/keys/rpc']; }, /lacks 1 key that .* records: platform\/keys\/rpc\. .*DOCKYARD_ROTATE=platform\/keys\/rpc /],
    ['a value is null', (s: any) => { s.values['platform/keys/rpc'] = null; }, /platform\/keys\/rpc is null, not a string/],
    ['a value is a number', (s: any) => { s.values['platform/keys/rpc'] = 12345; }, /platform\/keys\/rpc is a number, not a string/],
    ['a value is empty', (s: any) => { s.values['platform/db/password'] = ''; }, /platform\/db\/password has 0 characters, not 32/],
    ['a value is an object', (s: any) => { s.values['platform/db/password'] = { a: 1 }; }, /platform\/db\/password is an object, not a string/],
    ['a value is too short', (s: any) => { s.values['platform/db/password'] = 'abc'; }, /platform\/db\/password has 3 characters, not 32/],
    ['a value leaves the alphabet', (s: any) => { s.values['platform/keys/rpc'] = 'Z'.repeat(32); }, /platform\/keys\/rpc has characters outside hex\(32\)'s alphabet/],
    ['a key is broken', (s: any) => { s.values['platform/keys/signing'] = '-----BEGIN RSA PRIVATE KEY-----\nMIIBroken\n-----END RSA PRIVATE KEY-----\n'; },
      /platform\/keys\/signing is not a readable PEM private key/],
    ['a key is of another size', (s: any) => { s.values['platform/keys/signing'] = OTHER_KEY; }, /platform\/keys\/signing is not a 2048-bit RSA key/],
    ['the version is another', (s: any) => { s.version = 0; }, /is not a version 1 secret state/],
    ['the version is a later release\'s', (s: any) => { s.version = 2; },
      /is version 2, written by a later release of Dockyard than this one, which reads version 1: synthesize with that release, or restore a version 1 secret state from your backup$/],
  ])('a state where %s fails naming the key and the file, never the value, and is left as it was', (_, edit, expected) => {
    const statePath = path.join(workdir(), 'state.json');
    const before = values(new LocalSecretStore({ statePath }).render(stack()));
    editState(statePath, edit);
    const edited = fs.readFileSync(statePath, 'utf8');
    const message = failure(() => new LocalSecretStore({ statePath }).render(stack()), Object.values(before));
    expect(message).toMatch(expected);
    expect(message).toContain(statePath);
    expect(message).not.toMatch(/DECODER|routines/);
    expect(fs.readFileSync(statePath, 'utf8')).toBe(edited);
  });

  test('a truncated state is named and none of its content is printed', () => {
    const statePath = path.join(workdir(), 'state.json');
    const before = values(new LocalSecretStore({ statePath }).render(stack()));
    const text = fs.readFileSync(statePath, 'utf8');
    for (const cut of [10, Math.floor(text.length / 2), text.length - 3]) {
      fs.writeFileSync(statePath, text.slice(0, cut));
      const message = failure(() => new LocalSecretStore({ statePath }).render(stack()), Object.values(before).map((v) => v.slice(0, 12)));
      expect(message).toBe(`the secret state ${JSON.stringify(statePath)} is not valid JSON (truncated or edited?); restore it from your backup. ` +
        'Its content is not shown, for it may hold credentials');
    }
  });

  test('a changed recipe fails until the key is rotated on purpose', () => {
    const statePath = path.join(workdir(), 'state.json');
    new LocalSecretStore({ statePath }).render(stack({ recipe: SecretValue.hex(16) }));
    expect(failure(() => new LocalSecretStore({ statePath }).render(stack({ recipe: SecretValue.alphanumeric(64) }))))
      .toMatch(/platform\/db\/password was made as hex\(16\) and is now declared as alphanumeric\(64\).*DOCKYARD_ROTATE=platform\/db\/password /);
    const after = values(new LocalSecretStore({ statePath, rotate: ['platform/db/password'] }).render(stack({ recipe: SecretValue.alphanumeric(64) })));
    expect(after['platform/db/password']).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  test('a key added later is generated and recorded; a key removed stays in the state and on the record', () => {
    const dir = workdir();
    const statePath = path.join(dir, 'state.json');
    const lock = () => JSON.parse(fs.readFileSync(path.join(dir, 'state.lock.json'), 'utf8')).keys;
    const first = values(new LocalSecretStore({ statePath }).render(stack()));
    const second = values(new LocalSecretStore({ statePath }).render(stack({ extra: true })));
    expect(second['platform/later/token']).toMatch(/^[0-9a-f]{16}$/);
    expect(second['platform/db/password']).toBe(first['platform/db/password']);
    expect(lock()['platform/later/token']).toBe('hex(16)');
    // removed: the record keeps it as the state keeps its value, and it comes back as it was
    new LocalSecretStore({ statePath }).render(stack());
    expect(lock()['platform/later/token']).toBe('hex(16)');
    expect(values(new LocalSecretStore({ statePath }).render(stack({ extra: true })))['platform/later/token']).toBe(second['platform/later/token']);
  });

  // two apps on one state (the default stack on Drone and on Woodpecker, or an app of the user's own beside it): a
  // synth of one used to rewrite the record with its keys only, so the other's lost keys were made anew without a word
  test('a synth keeps on the record the keys another app recorded, so their loss still fails that app', () => {
    const dir = workdir();
    const statePath = path.join(dir, 'state.json');
    new LocalSecretStore({ statePath }).render(stack({ extra: true }));
    // the other app, without the Secret `later`, synthesizes last
    new LocalSecretStore({ statePath }).render(stack());
    editState(statePath, (state) => { delete state.values['platform/later/token']; });
    expect(failure(() => new LocalSecretStore({ statePath }).render(stack({ extra: true }))))
      .toMatch(/^the secret state .* lacks 1 key that .* records: platform\/later\/token\. Nothing was written\./);
    // the other app itself, which does not declare it, goes on, and cannot rotate it
    new LocalSecretStore({ statePath }).render(stack());
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['platform/later/token'] }).render(stack())))
      .toBe('invalid DOCKYARD_ROTATE entry "platform/later/token": the key record lists it, but this stack does not declare it (another stack ' +
        'on the same state does, or did): rotate it with the stack that declares it');
  });

  test('two generated Secrets of one name fail instead of sharing values', () => {
    const app = stack();
    new Secret(app.charts[0], 'Again', { name: 'db', values: { password: SecretValue.hex(16) } });
    expect(failure(() => new LocalSecretStore({ statePath: path.join(workdir(), 's.json') }).render(app)))
      .toBe('generated Secret platform/db is declared twice, at test/Db and test/Again: give each its own name');
  });
});

describe('rotation on purpose', () => {
  test('rotating one key changes only it and what derives from it', () => {
    const statePath = path.join(workdir(), 'state.json');
    const before = values(new LocalSecretStore({ statePath }).render(stack()));
    let after: Record<string, string> = {};
    const said = stderrOf(() => { after = values(new LocalSecretStore({ statePath, rotate: ['platform/db/password'] }).render(stack())); });
    expect(said).toBe('dockyard: rotated 1 key on purpose: platform/db/password\n');
    const changed = Object.keys(before).filter((k) => before[k] !== after[k]).sort();
    expect(changed).toEqual(['platform/app/htpasswd', 'platform/app/password', 'platform/db/password']);
    expect(after['platform/app/password']).toBe(after['platform/db/password']);
    // the next synth keeps the rotated values
    expect(values(new LocalSecretStore({ statePath }).render(stack()))).toEqual(after);
  });

  test('a Secret name rotates each of its kept keys; "all" rotates everything; DOCKYARD_ROTATE is the default', () => {
    const statePath = path.join(workdir(), 'state.json');
    const before = values(new LocalSecretStore({ statePath }).render(stack()));
    const keys = values(new LocalSecretStore({ statePath, rotate: ['platform/keys'] }).render(stack()));
    expect(keys['platform/keys/rpc']).not.toBe(before['platform/keys/rpc']);
    expect(keys['platform/keys/signing']).not.toBe(before['platform/keys/signing']);
    expect(keys['platform/db/password']).toBe(before['platform/db/password']);
    process.env.DOCKYARD_ROTATE = 'all';
    try {
      const all = values(new LocalSecretStore({ statePath }).render(stack()));
      expect(Object.keys(all).filter((k) => all[k] === keys[k])).toEqual([]);
    } finally {
      delete process.env.DOCKYARD_ROTATE;
    }
  });

  test('DOCKYARD_ROTATE or DOCKYARD_MOVE set to blanks or commas alone is refused, as it would do nothing; set empty, it is unset', () => {
    const statePath = path.join(workdir(), 'state.json');
    const before = values(new LocalSecretStore({ statePath }).render(stack()));
    const cases: [string, string, RegExp][] = [
      ['DOCKYARD_ROTATE', ' ', /^invalid DOCKYARD_ROTATE " ": names nothing: must be a comma-separated list of "all", "lost", "unusable", .* or unset$/],
      ['DOCKYARD_ROTATE', ',', /^invalid DOCKYARD_ROTATE ",": names nothing: /],
      ['DOCKYARD_MOVE', ' , ', /^invalid DOCKYARD_MOVE " , ": names nothing: must be a comma-separated list of <old namespace>=<new namespace> or .*, or unset$/],
    ];
    for (const [name, value, message] of cases) {
      process.env[name] = value;
      try {
        expect(failure(() => new LocalSecretStore({ statePath }).render(stack()))).toMatch(message);
      } finally {
        delete process.env[name];
      }
    }
    process.env.DOCKYARD_ROTATE = '';
    try {
      expect(values(new LocalSecretStore({ statePath }).render(stack()))).toEqual(before);
    } finally {
      delete process.env.DOCKYARD_ROTATE;
    }
  });

  test('a misspelt DOCKYARD_ROTATE or DOCKYARD_MOVE is warned of, once, by name and never by value; nothing rotates by it', () => {
    const statePath = path.join(workdir(), 'state.json');
    const before = values(new LocalSecretStore({ statePath }).render(stack()));
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      lines.push(String(chunk));
      return true;
    });
    // a user's own variables a letter from the store's are left alone: MODE, MOVIE, ROTATE_PW
    const env = {
      DOCKYARD_ROTAET: 'platform/keys', DOCKYARD_ROTATION: 'platform/db', DOCKYARD_MOVES: 'a=b', DOCKYARD_MOEV: 'a=b', dockyard_rotate: 'all',
      DOCKYARD_MIRROR: 'x', DOCKYARD_ROTATE_X: '', DOCKYARD_MODE: 'x', DOCKYARD_MOVIE: 'x', DOCKYARD_ROTATE_PW: 'x', DOCKYARD_M: 'x',
    };
    Object.assign(process.env, env);
    try {
      const after = values(new LocalSecretStore({ statePath }).render(stack()));
      new LocalSecretStore({ statePath });
      // given as props, the variables are not read, so neither is warned of
      new LocalSecretStore({ statePath, rotate: [], move: [] });
      expect(after).toEqual(before);
    } finally {
      spy.mockRestore();
      Object.keys(env).forEach((k) => delete process.env[k]);
    }
    expect(lines).toEqual([
      'dockyard: warning: DOCKYARD_MOEV is set, but the secret store reads DOCKYARD_MOVE (did you mean it?); DOCKYARD_MOEV is ignored, and nothing was moved by it\n',
      'dockyard: warning: DOCKYARD_MOVES is set, but the secret store reads DOCKYARD_MOVE (did you mean it?); DOCKYARD_MOVES is ignored, and nothing was moved by it\n',
      'dockyard: warning: DOCKYARD_ROTAET is set, but the secret store reads DOCKYARD_ROTATE (did you mean it?); DOCKYARD_ROTAET is ignored, and nothing was rotated by it\n',
      'dockyard: warning: DOCKYARD_ROTATION is set, but the secret store reads DOCKYARD_ROTATE (did you mean it?); DOCKYARD_ROTATION is ignored, and nothing was rotated by it\n',
      'dockyard: warning: dockyard_rotate is set, but the secret store reads DOCKYARD_ROTATE (did you mean it?); dockyard_rotate is ignored, and nothing was rotated by it\n',
    ]);
  });

  test('a deleted state comes back only through DOCKYARD_ROTATE=all', () => {
    const statePath = path.join(workdir(), 'state.json');
    new LocalSecretStore({ statePath }).render(stack());
    fs.rmSync(statePath);
    expect(() => new LocalSecretStore({ statePath }).render(stack())).toThrow(/lacks 3 keys/);
    expect(Object.keys(values(new LocalSecretStore({ statePath, rotate: ['all'] }).render(stack())))).toHaveLength(5);
  });

  test('rotating a key that encrypts stored data warns, naming the key and the data; the mark changes neither value nor record', () => {
    const statePath = path.join(workdir(), 'state.json');
    const encrypting = SecretValue.hex(32).encrypting('the secrets the app stores in its database');
    const lockPath = path.join(path.dirname(statePath), 'state.lock.json');
    const plain = values(new LocalSecretStore({ statePath }).render(stack({ recipe: SecretValue.hex(32) })));
    const record = fs.readFileSync(lockPath, 'utf8');
    // the mark is not part of the recipe: the kept value stays, and the record is unchanged
    expect(values(new LocalSecretStore({ statePath }).render(stack({ recipe: encrypting })))).toEqual(plain);
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(record);
    const warning = 'dockyard: warning: rotated platform/db/password, which encrypts the secrets the app stores in its database: once ' +
      'applied, what it encrypted can no longer be read; the cluster keeps the old value until you apply, so restoring the state from your ' +
      'backup still undoes this (see the README, "Credentials")\n';
    expect(stderrOf(() => new LocalSecretStore({ statePath, rotate: ['platform/db'] }).render(stack({ recipe: encrypting }))))
      .toBe(`dockyard: rotated 1 key on purpose: platform/db/password\n${warning}`);
    // "all" names it too; another key rotated alone does not warn
    expect(stderrOf(() => new LocalSecretStore({ statePath, rotate: ['all'] }).render(stack({ recipe: encrypting })))).toContain(warning);
    expect(stderrOf(() => new LocalSecretStore({ statePath, rotate: ['platform/keys/rpc'] }).render(stack({ recipe: encrypting }))))
      .toBe('dockyard: rotated 1 key on purpose: platform/keys/rpc\n');
  });

  test('rotating a key its consumer reads only on its first start warns how to change it there first', () => {
    const statePath = path.join(workdir(), 'state.json');
    const firstStart = SecretValue.alphanumeric(32).readOnFirstStart('run ALTER ROLE app PASSWORD in psql first');
    new LocalSecretStore({ statePath }).render(stack({ recipe: firstStart }));
    expect(stderrOf(() => new LocalSecretStore({ statePath, rotate: ['platform/db/password'] }).render(stack({ recipe: firstStart }))))
      .toBe('dockyard: rotated 1 key on purpose: platform/db/password\ndockyard: warning: rotated platform/db/password, which its consumer ' +
        'reads only on its first start: before applying, run ALTER ROLE app PASSWORD in psql first, or what logs in with it is locked out ' +
        '(see the README, "Credentials")\n');
    expect(failure(() => SecretValue.hex(32).readOnFirstStart(''))).toMatch(/^invalid change "": must be a description of how to change the value first/);
    expect(failure(() => SecretValue.template('{a}', { a: (stack().charts[0].node.findChild('Db') as Secret).key('password') }).readOnFirstStart('x')))
      .toMatch(/^invalid readOnFirstStart "template": must mark a value kept in the secret state/);
  });

  test('a rotation lists every key it rotated, however many', () => {
    const statePath = path.join(workdir(), 'state.json');
    new LocalSecretStore({ statePath }).render(stack());
    expect(stderrOf(() => new LocalSecretStore({ statePath, rotate: ['all'] }).render(stack())))
      .toBe('dockyard: rotated 3 keys on purpose: platform/db/password, platform/keys/rpc, platform/keys/signing\n');
  });

  test('encrypting marks only a kept value, with a one-line description', () => {
    const app = stack();
    const chart = app.node.findChild('test') as DockyardChart;
    const db = chart.node.findChild('Db') as Secret;
    expect(SecretValue.input('DOCKYARD_X', 'x').encrypting('data').encrypts).toBe('data');
    expect(SecretValue.rsaPrivateKey(2048).encrypting('data').bits).toBe(2048);
    // every field of the value comes along, and only `encrypts` is added
    for (const value of [SecretValue.hex(32), SecretValue.alphanumeric(20), SecretValue.password(24), SecretValue.rsaPrivateKey(2048), SecretValue.input('DOCKYARD_X', 'x')]) {
      expect({ ...value.encrypting('data') }).toEqual({ ...value, encrypts: 'data' });
    }
    expect(failure(() => SecretValue.copyOf(db.key('password')).encrypting('data')))
      .toBe('invalid encrypting "copy": must mark a value kept in the secret state: SecretValue.hex, .alphanumeric, .password, .rsaPrivateKey or .input');
    for (const bad of ['', ' ', 'a\nb', 'x'.repeat(201)]) {
      expect(failure(() => SecretValue.hex(32).encrypting(bad))).toMatch(/^invalid data .*: must be a description of what the value encrypts: 1 to 200 characters on one line$/);
    }
  });

  test('an entry that names no kept key fails, listing what may be named', () => {
    const statePath = path.join(workdir(), 'state.json');
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['platform/app/password'] }).render(stack())))
      .toBe('invalid DOCKYARD_ROTATE entry "platform/app/password": must be "all", "lost", "unusable", <namespace>/<secret> or <namespace>/<secret>/<key> ' +
        'of a key this stack declares, e.g. platform/db/password, platform/keys/rpc, platform/keys/signing');
    expect(fs.existsSync(statePath)).toBe(false);
    // a typo of one key, or of one Secret, is pointed at it
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['platform/db/pasword'] }).render(stack())))
      .toMatch(/: must be .* of a key this stack declares, did you mean platform\/db\/password\?$/);
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['platform/key'] }).render(stack())))
      .toMatch(/did you mean platform\/keys\?$/);
    // two as near: no guess
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['platform/keys/r'] }).render(stack())))
      .toMatch(/, e\.g\. platform\/db\/password, /);
    // a word in another case is pointed at the word
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['ALL'] }).render(stack()))).toMatch(/did you mean all\?$/);
  });

  test('an entry that names a Secret made by hand says where it is changed instead', () => {
    const statePath = path.join(workdir(), 'state.json');
    const app = stack();
    const chart = app.node.findChild('test') as DockyardChart;
    Secret.fromSecretName(chart, 'OAuth', 'oauth').key('client-secret');
    const message = (entry: string) => 'invalid DOCKYARD_ROTATE entry ' + JSON.stringify(entry) + ': Secret platform/oauth is one you create in the ' +
      'cluster (Secret.fromSecretName, listed as required after each synth), which no synth makes or rotates: change it there with kubectl, ' +
      'then restart the workloads that read it (kubectl rollout restart), and unset DOCKYARD_ROTATE';
    for (const entry of ['platform/oauth/client-secret', 'platform/oauth']) {
      expect(failure(() => new LocalSecretStore({ statePath, rotate: [entry] }).render(app))).toBe(message(entry));
    }
    expect(fs.existsSync(statePath)).toBe(false);
  });

  test('a file rotates by its own key, never by its folder', () => {
    const statePath = path.join(workdir(), 'state.json');
    const files = () => {
      const app = stack();
      const chart = app.node.findChild('test');
      new SecretFile(chart, 'A', { path: 'nodes/a.local.txt', value: SecretValue.alphanumeric(16) });
      new SecretFile(chart, 'B', { path: 'nodes/b.local.txt', value: SecretValue.alphanumeric(16) });
      return app;
    };
    new LocalSecretStore({ statePath }).render(files());
    const kept = JSON.parse(fs.readFileSync(statePath, 'utf8'));
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['file:nodes'] }).render(files())))
      .toBe('invalid DOCKYARD_ROTATE entry "file:nodes": a folder rotates nothing: name each file to rotate, e.g. file:nodes/a.local.txt, file:nodes/b.local.txt');
    new LocalSecretStore({ statePath, rotate: ['file:nodes/a.local.txt'] }).render(files());
    const after = JSON.parse(fs.readFileSync(statePath, 'utf8'));
    const changed = Object.keys(after.values).filter((k) => after.values[k] !== kept.values[k]);
    expect(changed).toEqual(['file:nodes/a.local.txt']);
  });

  test('a bare namespace rotates nothing: it is refused, naming its Secrets, and the state stays as it was', () => {
    const statePath = path.join(workdir(), 'state.json');
    const before = values(new LocalSecretStore({ statePath }).render(stack()));
    const state = fs.readFileSync(statePath, 'utf8');
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['platform'] }).render(stack())))
      .toBe('invalid DOCKYARD_ROTATE entry "platform": a namespace rotates nothing, as its Secrets hold unrelated credentials, some of them ' +
        'encrypting data: name each Secret or key to rotate, e.g. platform/db, platform/keys');
    expect(fs.readFileSync(statePath, 'utf8')).toBe(state);
    // a Secret still rotates every key of its own, and only those
    const after = values(new LocalSecretStore({ statePath, rotate: ['platform/keys'] }).render(stack()));
    expect(Object.keys(after).filter((k) => after[k] !== before[k]).sort()).toEqual(['platform/keys/rpc', 'platform/keys/signing']);
  });

  // the way out of a partial loss must be runnable: at 4,500 teams a list of the lost keys passed 128 KiB, more than
  // one environment string may hold on Linux, so past ten keys the error offers `lost`
  test('"lost" makes anew exactly the recorded keys the state lacks; the error offers it past ten keys; with none lost it fails', () => {
    const statePath = path.join(workdir(), 'state.json');
    const many = (app: App) => {
      for (let i = 0; i < 12; i++) new Secret(app.charts[0], `Team${i}`, { name: `team-${i}`, values: { token: SecretValue.hex(16) } });
      return app;
    };
    const before = values(new LocalSecretStore({ statePath }).render(many(stack())));
    editState(statePath, (state) => { for (let i = 0; i < 12; i++) delete state.values[`platform/team-${i}/token`]; });
    expect(failure(() => new LocalSecretStore({ statePath }).render(many(stack())))).toMatch(/make them anew on purpose with DOCKYARD_ROTATE=lost \(this rotates/);
    const after = values(new LocalSecretStore({ statePath, rotate: ['lost'] }).render(many(stack())));
    const changed = Object.keys(before).filter((k) => before[k] !== after[k]).sort();
    expect(changed).toEqual(Array.from({ length: 12 }, (_, i) => `platform/team-${i}/token`).sort());
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['lost'] }).render(many(stack()))))
      .toBe('invalid DOCKYARD_ROTATE entry "lost": the state lacks no key of this stack that the record lists, so there is nothing to make anew; unset it');
  });

  test('"unusable" makes anew exactly the kept keys that cannot be used; the error offers it past ten keys; with none it fails', () => {
    const statePath = path.join(workdir(), 'state.json');
    const many = (app: App, length: number) => {
      for (let i = 0; i < 12; i++) new Secret(app.charts[0], `Team${i}`, { name: `team-${i}`, values: { token: SecretValue.hex(length) } });
      return app;
    };
    const before = values(new LocalSecretStore({ statePath }).render(many(stack(), 16)));
    // a new recipe for every team's key, as a library upgrade might bring
    expect(failure(() => new LocalSecretStore({ statePath }).render(many(stack(), 32))))
      .toMatch(/rotate on purpose with DOCKYARD_ROTATE=unusable \(see the README/);
    const after = values(new LocalSecretStore({ statePath, rotate: ['unusable'] }).render(many(stack(), 32)));
    expect(Object.keys(before).filter((k) => before[k] !== after[k]).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `platform/team-${i}/token`).sort());
    expect(failure(() => new LocalSecretStore({ statePath, rotate: ['unusable'] }).render(many(stack(), 32))))
      .toBe('invalid DOCKYARD_ROTATE entry "unusable": every key of this stack that the state holds can be used, so there is nothing to make anew; unset it');
  });
});

describe('secret inputs', () => {
  afterEach(() => delete process.env.DOCKYARD_TEST_CONTINUITY_TOKEN);

  test('a new input is reported as taken from its variable, not as generated (a trial was told "generated 1 new key")', () => {
    const statePath = path.join(workdir(), 'state.json');
    process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = 'dckr_pat_first';
    const said = stderrOf(() => new LocalSecretStore({ statePath }).render(stack({ input: true })));
    expect(said).toContain(`dockyard: took 1 new input from its variable, recorded in "${path.join(path.dirname(statePath), 'state.lock.json')}": ` +
      'platform/hub/token (DOCKYARD_TEST_CONTINUITY_TOKEN)\n');
    expect(said).not.toMatch(/generated \d+ new key.*platform\/hub\/token/);
  });

  test('a changed input fails, naming the input and how to accept it; rotating takes the new value', () => {
    const statePath = path.join(workdir(), 'state.json');
    process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = 'dckr_pat_first';
    expect(values(new LocalSecretStore({ statePath }).render(stack({ input: true })))['platform/hub/token']).toBe('dckr_pat_first');
    // unset, or set to the same value: the kept one is used
    delete process.env.DOCKYARD_TEST_CONTINUITY_TOKEN;
    expect(values(new LocalSecretStore({ statePath }).render(stack({ input: true })))['platform/hub/token']).toBe('dckr_pat_first');
    process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = 'dckr_pat_second';
    const message = failure(() => new LocalSecretStore({ statePath }).render(stack({ input: true })), ['dckr_pat_first', 'dckr_pat_second']);
    expect(message).toMatch(/platform\/hub\/token is an input whose variable DOCKYARD_TEST_CONTINUITY_TOKEN now holds a different value: unset /);
    expect(message).toContain('DOCKYARD_TEST_CONTINUITY_TOKEN (or set it back) to go on with the kept one, or rotate the key to take the new one');
    expect(message).toContain('DOCKYARD_ROTATE=platform/hub/token ');
    // the state is sound: no restore from a backup is offered (a trial was sent to its backup)
    expect(message).toMatch(/^1 input of this stack differs from the value the secret state ".*" keeps: platform\/hub\/token is an input /);
    expect(message).not.toMatch(/restore|cannot be used/i);
    const rotated = values(new LocalSecretStore({ statePath, rotate: ['platform/hub/token'] }).render(stack({ input: true })));
    expect(rotated['platform/hub/token']).toBe('dckr_pat_second');
  });

  test.each([['white space only', '   '], ['a trailing line break', 'glpat-abc\n'], ['a CRLF ending', 'glpat-abc\r\n'], ['a leading line break', '\nglpat-abc']])(
    'an input of %s is refused without showing it, before anything is saved (a trial kept "   " as a deploy token)', (_what, given) => {
      const statePath = path.join(workdir(), 'state.json');
      process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = given;
      expect(failure(() => new LocalSecretStore({ statePath }).render(stack({ input: true })))).toBe('invalid DOCKYARD_TEST_CONTINUITY_TOKEN ' +
        '<redacted>: must not be white space only, nor one line that begins or ends with a line break: set it to the value alone');
      expect(fs.existsSync(statePath)).toBe(false);
      // inner white space is the value's own
      process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = 'pass phrase with spaces';
      expect(values(new LocalSecretStore({ statePath }).render(stack({ input: true })))['platform/hub/token']).toBe('pass phrase with spaces');
    });

  test('an input of several lines keeps its final line break: a PEM or SSH key file ends in one (review)', () => {
    const statePath = path.join(workdir(), 'state.json');
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = key;
    expect(values(new LocalSecretStore({ statePath }).render(stack({ input: true })))['platform/hub/token']).toBe(key);
    // and the next synth, which reads the variable again to compare, takes it too
    expect(values(new LocalSecretStore({ statePath }).render(stack({ input: true })))['platform/hub/token']).toBe(key);
  });

  test('an input that belongs to an owner is kept for that owner only: another owner needs a rotation', () => {
    const dir = workdir();
    const statePath = path.join(dir, 'state.json');
    const owned = (owner?: string) => {
      const app = new App({ outdir: '/nonexistent' });
      const chart = new DockyardChart(app, 'test', { namespace: 'platform' });
      const input = SecretValue.input('DOCKYARD_TEST_CONTINUITY_TOKEN', 'a registry password');
      new Secret(chart, 'Mirror', { name: 'mirror', values: { password: owner === undefined ? input : input.belongingTo(owner) } });
      return app;
    };
    const record = () => JSON.parse(fs.readFileSync(path.join(dir, 'state.lock.json'), 'utf8')).keys['platform/mirror/password'];
    process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = 'pw-of-bob';
    // made before inputs had owners: the first synth with one takes it, keeping the value
    new LocalSecretStore({ statePath }).render(owned());
    expect(record()).toBe('input(DOCKYARD_TEST_CONTINUITY_TOKEN)');
    delete process.env.DOCKYARD_TEST_CONTINUITY_TOKEN;
    expect(values(new LocalSecretStore({ statePath }).render(owned('bob at registry.example.com')))['platform/mirror/password']).toBe('pw-of-bob');
    expect(record()).toBe('input(DOCKYARD_TEST_CONTINUITY_TOKEN) for bob at registry.example.com');
    // another user with the kept password would fail every pull: refused, nothing written, until rotated
    const state = fs.readFileSync(statePath, 'utf8');
    const message = failure(() => new LocalSecretStore({ statePath }).render(owned('alice at registry.example.com')), ['pw-of-bob']);
    expect(message).toContain('platform/mirror/password was made as input(DOCKYARD_TEST_CONTINUITY_TOKEN) for bob at registry.example.com and is ' +
      'now declared as input(DOCKYARD_TEST_CONTINUITY_TOKEN) for alice at registry.example.com');
    expect(message).toContain('DOCKYARD_ROTATE=platform/mirror/password');
    expect(fs.readFileSync(statePath, 'utf8')).toBe(state);
    process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = 'pw-of-alice';
    const rotated = values(new LocalSecretStore({ statePath, rotate: ['platform/mirror/password'] }).render(owned('alice at registry.example.com')));
    expect(rotated['platform/mirror/password']).toBe('pw-of-alice');
    expect(record()).toBe('input(DOCKYARD_TEST_CONTINUITY_TOKEN) for alice at registry.example.com');
  });

  test('only an input has an owner, described on one line', () => {
    expect(failure(() => SecretValue.hex(32).belongingTo('bob'))).toBe('invalid belongingTo "random": must mark a value an operator supplies: SecretValue.input');
    expect(failure(() => SecretValue.input('X_PASSWORD', 'a password').belongingTo('a\nb')))
      .toBe('invalid owner "a\\nb": must be a description of whom the value belongs to: 1 to 600 characters on one line');
    // nor a format character such as a bidirectional override, which would disguise the line it reaches
    expect(failure(() => SecretValue.input('X_PASSWORD', 'a password').belongingTo('bob\u202e at r'))).toMatch(/^invalid owner .*: must be a description of whom/);
  });
});

describe('files and locks', () => {
  test('a state inside the output directory is refused before anything is written', () => {
    const dir = workdir();
    const app = stack();
    (app as any).outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'dist', 'state.json');
    expect(failure(() => synthesize(app, new LocalSecretStore({ statePath }))))
      .toBe(`invalid secret state ${JSON.stringify(statePath)}: it lies inside the output directory ${JSON.stringify(path.join(dir, 'dist'))}, ` +
        'which every synth replaces; keep it outside, e.g. ".dockyard/secrets.json"');
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  test('an output directory holding the running program is refused before anything is written (a library user\'s trial lost its build)', () => {
    const dir = workdir();
    const out = path.join(dir, 'dist');
    fs.mkdirSync(out);
    // tsc's suggested outDir is dist/, cdk8s's default output directory too
    fs.writeFileSync(path.join(out, 'main.js'), '// the compiled stack\n');
    const app = stack();
    (app as any).outdir = out;
    const running = process.argv[1];
    process.argv[1] = path.join(out, 'main.js');
    try {
      expect(failure(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })))).toBe(
        `invalid output directory ${JSON.stringify(out)}: it holds the running program ${JSON.stringify(path.join(out, 'main.js'))}, and every ` +
        'synth replaces the whole directory; compile the stack elsewhere (tsconfig.json "outDir": "build") or synthesize into another directory ' +
        '(CDK8S_OUTDIR, or new App({ outdir }))');
    } finally {
      process.argv[1] = running;
    }
    expect(fs.readdirSync(out)).toEqual(['main.js']);
    expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(false);
  });

  test('an output directory "build" holding the running program is not told to compile into "build", which it is', () => {
    // the README's tsconfig.json compiles into build/; a stack run from its project folder with CDK8S_OUTDIR=build
    inEmptyFolder(() => {
      fs.mkdirSync('build');
      fs.writeFileSync(path.join('build', 'main.js'), '// the compiled stack\n');
      const app = stack();
      (app as any).outdir = 'build';
      const running = process.argv[1];
      process.argv[1] = path.resolve('build', 'main.js');
      try {
        expect(failure(() => synthesize(app, new LocalSecretStore({ statePath: 'state.json' })))).toBe(
          `invalid output directory "build": it holds the running program ${JSON.stringify(path.resolve('build', 'main.js'))}, and every synth ` +
          'replaces the whole directory; synthesize into another directory (CDK8S_OUTDIR, or new App({ outdir }))');
      } finally {
        process.argv[1] = running;
      }
      expect(fs.readdirSync('build')).toEqual(['main.js']);
    });
  });

  test('an empty or directory state path fails naming it', () => {
    expect(failure(() => new LocalSecretStore({ statePath: '' })))
      .toBe('invalid statePath "": must be the path of a file, e.g. ".dockyard/secrets.json"');
    const dir = workdir();
    expect(failure(() => new LocalSecretStore({ statePath: dir }).render(stack())))
      .toBe(`cannot read the secret state ${JSON.stringify(dir)}: it is a directory`);
  });

  test('a state readable by others is made private again, with a warning', () => {
    const statePath = path.join(workdir(), 'state.json');
    new LocalSecretStore({ statePath }).render(stack());
    fs.chmodSync(statePath, 0o644);
    const said = stderrOf(() => new LocalSecretStore({ statePath }).render(stack()));
    expect(said).toBe(`dockyard: warning: ${JSON.stringify(statePath)} was readable by others (mode 0644); it is now 0600\n`);
    expect(fs.statSync(statePath).mode & 0o777).toBe(0o600);
  });

  test('an atomic write removes its temporary file when it fails', () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'target'));
    expect(() => writeAtomically(path.join(dir, 'target'), 'x')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['target']);
  });

  test('a first synth that fails leaves none of the folders the lock needed, and a later one keeps its folder', () => {
    const dir = workdir();
    const mutex = path.join(dir, '.dockyard', 'deep', 'state.json.mutex');
    expect(failure(() => withMutex(mutex, 200, () => { throw new Error('refused'); }))).toBe('refused');
    expect(fs.readdirSync(dir)).toEqual([]);
    // a folder that holds the state, or that was there before, stays
    expect(withMutex(mutex, 200, () => fs.writeFileSync(path.join(dir, '.dockyard', 'deep', 'state.json'), '{}'))).toBeUndefined();
    expect(fs.readdirSync(path.join(dir, '.dockyard', 'deep'))).toEqual(['state.json']);
    fs.mkdirSync(path.join(dir, 'kept'));
    expect(failure(() => withMutex(path.join(dir, 'kept', 'state.json.mutex'), 200, () => { throw new Error('refused'); }))).toBe('refused');
    expect(fs.readdirSync(path.join(dir, 'kept'))).toEqual([]);
  });

  test('a synth waits for a live holder of the state lock and takes over a dead one', () => {
    const dir = workdir();
    const mutex = path.join(dir, 'state.json.mutex');
    // held by this (live) process: a second taker times out, naming the holder
    fs.writeFileSync(mutex, `${process.pid}@${os.hostname()}\n`);
    expect(failure(() => withMutex(mutex, 200, () => 1))).toBe(`another synth (${process.pid}@${os.hostname()}) holds ${JSON.stringify(mutex)}; ` +
      'wait for it to finish, or remove the file if no synth is running');
    // held by a process that has exited
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    fs.writeFileSync(mutex, `${dead}@${os.hostname()}\n`);
    expect(withMutex(mutex, 200, () => 42)).toBe(42);
    expect(fs.existsSync(mutex)).toBe(false);
  });
});

/** A readable 1024-bit RSA key: the wrong size for a 2048-bit recipe. */
const OTHER_KEY = require('crypto').generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' });

describe('synthesize: the output directory', () => {
  function app(outdir: string) {
    const a = stack();
    (a as any).outdir = outdir;
    return a;
  }

  test('is replaced whole: files a stack no longer makes are gone, and no staging folder is left', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, '.dockyard', 'secrets.json');
    // a first synth with a chart the stack then drops
    const first = app(outdir);
    new DockyardChart(first, 'stale', { namespace: 'old' });
    stderrOf(() => synthesize(first, new LocalSecretStore({ statePath })));
    expect(fs.existsSync(path.join(outdir, 'stale.k8s.yaml'))).toBe(true);
    const written = synthesize(app(outdir), new LocalSecretStore({ statePath }));
    expect(fs.readdirSync(outdir).sort()).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
    expect(written).toEqual([path.join(outdir, 'test.k8s.yaml'), path.join(outdir, 'secrets.local.yaml')]);
    expect(fs.statSync(path.join(outdir, 'secrets.local.yaml')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).sort()).toEqual(['.dockyard', 'dist', 'secrets.lock.json']);
  });

  test('a failed synth leaves the previous output as it was', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'state.json');
    synthesize(app(outdir), new LocalSecretStore({ statePath }));
    const before = fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8');
    fs.rmSync(statePath);
    expect(() => synthesize(app(outdir), new LocalSecretStore({ statePath }))).toThrow(/lacks 3 keys/);
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.lock.json']);
  });

  /**
   * An output `dist` synthesized in a new folder from the state `.dockyard/secrets.json`, its generated Secrets as
   * written (`before`), and the state path one letter short beside it (`typo`), as the state-of-output tests start.
   */
  function synthesizedOutput() {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, '.dockyard', 'secrets.json');
    synthesize(app(outdir), new LocalSecretStore({ statePath }));
    return { dir, outdir, statePath, before: fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'), typo: path.join(dir, '.dockyard', 'secret.json') };
  }

  test('a new state over an output made from another state that exists is refused before anything is written (a new user\'s trial)', () => {
    // DOCKYARD_STATE=.dockyard/secret.json, one letter short, replaced every credential in dist/ and only warned
    const { dir, outdir, statePath, before, typo } = synthesizedOutput();
    expect(failure(() => synthesize(app(outdir), new LocalSecretStore({ statePath: typo })), Object.values(values(before)))).toBe(
      `invalid secret state ${JSON.stringify(typo)}: neither it nor its key record exists, while the output directory ${JSON.stringify(outdir)} holds ` +
      `Secrets made from ${JSON.stringify(statePath)}, which does: this synth would start a new state and write new credentials in place of all ` +
      'of those; check the state path (DOCKYARD_STATE in the example stacks), or move the output directory away to start a new state on purpose');
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(before);
    expect(fs.existsSync(typo)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'secret.lock.json'))).toBe(false);
    // the right path synthesizes as before; a state path with a space (quoted in the header) is read back too
    expect(() => synthesize(app(outdir), new LocalSecretStore({ statePath }))).not.toThrow();
    const spaced = path.join(dir, 'my state', 'secrets.json');
    const other = path.join(dir, 'dist-spaced');
    synthesize(app(other), new LocalSecretStore({ statePath: spaced }));
    expect(fs.readFileSync(path.join(other, 'secrets.local.yaml'), 'utf8').split('\n')[0]).toContain(JSON.stringify(spaced));
    expect(() => synthesize(app(other), new LocalSecretStore({ statePath: typo }))).toThrow(`Secrets made from ${JSON.stringify(spaced)}, which does`);
    // a state whose file and record are both gone starts anew over its own output, as before: nothing is left to keep
    fs.rmSync(path.join(dir, 'my state'), { recursive: true });
    fs.rmSync(path.join(dir, 'my state.lock.json'), { force: true });
    fs.rmSync(path.join(dir, 'secrets.lock.json'), { force: true });
    expect(() => stderrOf(() => synthesize(app(other), new LocalSecretStore({ statePath: typo })))).not.toThrow();
  });

  test('a new state over an output made from a relative state path is refused from another working folder too', () => {
    // the header names the path as given (".dockyard/secrets.json"); a synth run from elsewhere with absolute paths
    // resolved it from its own folder, found nothing, and replaced every credential (review of 41bf31a)
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      synthesize(app('dist'), new LocalSecretStore({ statePath: path.join('.dockyard', 'secrets.json') }));
    } finally {
      process.chdir(cwd);
    }
    const before = fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8');
    expect(before.split('\n')[0]).toContain('from .dockyard/secrets.json.');
    const typo = path.join(dir, '.dockyard', 'secret.json');
    const message = inEmptyFolder(() => failure(() => synthesize(app(outdir), new LocalSecretStore({ statePath: typo }))));
    expect(message).toContain(`holds Secrets made from ${JSON.stringify(path.join(dir, '.dockyard', 'secrets.json'))}, which does`);
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(before);
    expect(fs.existsSync(typo)).toBe(false);
    // the right state, named from elsewhere, synthesizes as before
    expect(() => inEmptyFolder(() => synthesize(app(outdir), new LocalSecretStore({ statePath: path.join(dir, '.dockyard', 'secrets.json') }))))
      .not.toThrow();
  });

  test('a new state over an output whose state file is lost but whose key record is there is refused (review)', () => {
    // the output is then the last copy of the values but the cluster's: the right path is refused as lost, and a
    // mistyped one replaced every credential of the output; only a state whose file and record are both gone starts anew
    const { dir, outdir, statePath, before, typo } = synthesizedOutput();
    fs.rmSync(statePath);
    expect(failure(() => synthesize(app(outdir), new LocalSecretStore({ statePath: typo })))).toContain(
      `holds Secrets made from ${JSON.stringify(statePath)}, whose key record ${JSON.stringify(path.join(dir, 'secrets.lock.json'))} does: `);
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(before);
    fs.rmSync(path.join(dir, 'secrets.lock.json'));
    expect(() => stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath: typo })))).not.toThrow();
  });

  test('an existing state over an output made from another existing state is refused; a copy of that state is not (an upgrade trial)', () => {
    // apps/teams pointed at the default stack's state with dist-teams/, made from its own state, still in place:
    // every credential of dist-teams/ was replaced and the synth said only "generated 6 new keys"
    const { dir, outdir, statePath, before } = synthesizedOutput();
    const other = path.join(dir, 'other', 'secrets.json');
    synthesize(app(path.join(dir, 'dist-other')), new LocalSecretStore({ statePath: other }));
    const otherState = fs.readFileSync(other, 'utf8');
    expect(failure(() => synthesize(app(outdir), new LocalSecretStore({ statePath: other })), Object.values(values(before)))).toBe(
      `invalid secret state ${JSON.stringify(other)}: the output directory ${JSON.stringify(outdir)} holds Secrets made from another state, ` +
      `${JSON.stringify(statePath)}, which still exists: this synth would write this state's credentials in place of all of those; check the ` +
      'state path (DOCKYARD_STATE in the example stacks), or move the output directory away to switch it to this state on purpose');
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(before);
    expect(fs.readFileSync(other, 'utf8')).toBe(otherState);
    // a byte-identical copy of the output's state is that state: it writes the same values
    const copy = path.join(dir, 'copy', 'secrets.json');
    fs.mkdirSync(path.dirname(copy));
    fs.copyFileSync(statePath, copy);
    fs.copyFileSync(path.join(dir, 'secrets.lock.json'), path.join(dir, 'copy', 'secrets.lock.json'));
    stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath: copy })));
    expect(values(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'))).toEqual(values(before));
    // the output now names the copy; moved to another path, it leaves its key record behind: no refusal, as a record
    // alone says nothing of the values (the store makes the moved state a record of its own, and says so)
    const moved = path.join(dir, 'moved', 'secrets.json');
    fs.mkdirSync(path.dirname(moved));
    fs.renameSync(copy, moved);
    stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath: moved })));
    expect(values(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'))).toEqual(values(before));
  });

  /** `synthesizedOutput()`, with a backup of its state and key record in `backup/`, and the values the output held then. */
  function backedUpOutput() {
    const out = synthesizedOutput();
    const backup = path.join(out.dir, 'backup', 'secrets.json');
    fs.mkdirSync(path.dirname(backup));
    fs.copyFileSync(out.statePath, backup);
    fs.copyFileSync(path.join(out.dir, 'secrets.lock.json'), path.join(out.dir, 'backup', 'secrets.lock.json'));
    return { ...out, backup, backedUp: values(out.before) };
  }

  // review: the README's restore points DOCKYARD_STATE at a backup, which the refusal of another state took for one
  test('a backup of the output\'s state, pointed at to restore, is that state; two states made apart with one input alike are not', () => {
    const { dir, outdir, statePath, backup, backedUp } = backedUpOutput();
    stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath, rotate: ['platform/keys/rpc'] })));
    expect(values(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'))['platform/keys/rpc']).not.toBe(backedUp['platform/keys/rpc']);
    stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath: backup })));
    expect(values(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'))).toEqual(backedUp);
    // two states made apart, the same token given to both: no copies of each other
    process.env.DOCKYARD_TEST_CONTINUITY_TOKEN = 'the-same-docker-hub-token';
    try {
      const withInput = (out: string) => { const a = stack({ input: true }); (a as any).outdir = out; return a; };
      const first = path.join(dir, 'first', 'secrets.json');
      const second = path.join(dir, 'second', 'secrets.json');
      const out = path.join(dir, 'dist-input');
      stderrOf(() => synthesize(withInput(path.join(dir, 'dist-second')), new LocalSecretStore({ statePath: second })));
      stderrOf(() => synthesize(withInput(out), new LocalSecretStore({ statePath: first })));
      expect(failure(() => synthesize(withInput(out), new LocalSecretStore({ statePath: second }))))
        .toMatch(/^invalid secret state ".*second\/secrets\.json": the output directory ".*dist-input" holds Secrets made from another state/);
    } finally {
      delete process.env.DOCKYARD_TEST_CONTINUITY_TOKEN;
    }
  });

  // second review: a backup from before DOCKYARD_ROTATE=all shares no value but the state's digest key; a stack's own
  // state once copied from another's, gone its own way since, shared values and was taken for a copy
  test('a backup from before a rotation of every key is the state\'s copy; a copy gone its own way, with keys of its own, is not', () => {
    const { dir, outdir, statePath, backup, backedUp } = backedUpOutput();
    stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath, rotate: ['all'] })));
    stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath: backup })));
    expect(values(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'))).toEqual(backedUp);
    // the teams example's old state began as a copy of the default one, then made keys of its own
    const teams = path.join(dir, 'teams', 'secrets.json');
    fs.mkdirSync(path.dirname(teams));
    fs.copyFileSync(backup, teams);
    const distTeams = path.join(dir, 'dist-teams');
    const withExtra = () => { const a = stack({ extra: true }); (a as any).outdir = distTeams; return a; };
    stderrOf(() => synthesize(withExtra(), new LocalSecretStore({ statePath: teams })));
    const running = fs.readFileSync(path.join(distTeams, 'secrets.local.yaml'), 'utf8');
    expect(failure(() => synthesize(withExtra(), new LocalSecretStore({ statePath: backup })))).toBe(`invalid secret state ${JSON.stringify(backup)}: ` +
      `it is a copy of ${JSON.stringify(teams)}, which the output directory ${JSON.stringify(distTeams)} was made from, without a value for ` +
      'platform/later/token, which the output holds: this synth would make it anew; restore a newer backup, or move the output directory away ' +
      'to make it anew on purpose');
    expect(fs.readFileSync(path.join(distTeams, 'secrets.local.yaml'), 'utf8')).toBe(running);
  });

  // third review: the README's rebuilt state has no digest key; a backup of a shared state lacks keys another stack
  // added since, which this output never held
  test('a state rebuilt from the cluster, and a backup lacking only another stack\'s keys, are copies', () => {
    const { dir, outdir, statePath, backup, backedUp } = backedUpOutput();
    // another stack on the same state adds a key of its own, into an output of its own
    const other = () => { const a = stack({ extra: true }); (a as any).outdir = path.join(dir, 'dist-other'); return a; };
    stderrOf(() => synthesize(other(), new LocalSecretStore({ statePath })));
    stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath: backup })));
    expect(values(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'))).toEqual(backedUp);
    // rebuilt from the deployed Secrets (README, "rebuild it from the cluster's Secrets"): values only, no digest key
    const rebuilt = path.join(dir, 'rebuilt', 'secrets.json');
    fs.mkdirSync(path.dirname(rebuilt));
    const kept = JSON.parse(fs.readFileSync(backup, 'utf8')).values;
    fs.writeFileSync(rebuilt, JSON.stringify({ version: 1, values: Object.fromEntries(Object.entries(kept).filter(([k]) => !k.startsWith('#'))) }));
    stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath: rebuilt })));
    expect(values(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8'))).toEqual(backedUp);
  });

  test('a lost state (file and key record) over the output made from it is refused: the output holds the last copy (a rotation trial)', () => {
    // `.dockyard/` deleted: every credential was made anew, Harbor's secret-key among them, with only a notice
    const { dir, outdir, statePath, before } = synthesizedOutput();
    fs.rmSync(path.join(dir, '.dockyard'), { recursive: true });
    fs.rmSync(path.join(dir, 'secrets.lock.json'));
    expect(failure(() => synthesize(app(outdir), new LocalSecretStore({ statePath })), Object.values(values(before)))).toBe(
      `invalid secret state ${JSON.stringify(statePath)}: neither it nor its key record exists, while the output directory ${JSON.stringify(outdir)} ` +
      'holds Secrets made from it: this synth would start a new state and write new credentials in place of all of those, keys that encrypt ' +
      'stored data among them; restore the state and its key record from your backup (README, Credentials: back up, restore, ' +
      'rotate), or move the output directory away to start a new state on purpose');
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist']);
    // moved away, the output no longer stands in the way of a new state
    fs.renameSync(outdir, path.join(dir, 'dist-old'));
    expect(stderrOf(() => synthesize(app(outdir), new LocalSecretStore({ statePath })))).toContain('this synth started a new secret state');
  });

  test('a new state over the previous output an interrupted synth left beside a missing directory is refused', () => {
    // killed between the swap's two renames: the next synth puts .dist.old-XXXXXX back and replaces it, so its
    // Secrets are the ones a mistyped state would replace (review of 41bf31a)
    const { dir, outdir, statePath, before, typo } = synthesizedOutput();
    fs.renameSync(outdir, path.join(dir, '.dist.old-abc123'));
    expect(failure(() => synthesize(app(outdir), new LocalSecretStore({ statePath: typo })))).toContain(`holds Secrets made from ${JSON.stringify(statePath)}, which does`);
    expect(fs.existsSync(typo)).toBe(false);
    expect(() => synthesize(app(outdir), new LocalSecretStore({ statePath }))).not.toThrow();
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(before);
  });

  test('an output directory that is a symbolic link stays a link to the new output', () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'gitops'));
    fs.symlinkSync(path.join(dir, 'gitops'), path.join(dir, 'dist'));
    synthesize(app(path.join(dir, 'dist')), new LocalSecretStore({ statePath: path.join(dir, 'state.json') }));
    expect(fs.lstatSync(path.join(dir, 'dist')).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'gitops')).sort()).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
  });

  test('a state reached through the link target is inside the output directory too, and refused', () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'gitops'));
    fs.symlinkSync(path.join(dir, 'gitops'), path.join(dir, 'dist'));
    const statePath = path.join(dir, 'gitops', 'state.json');
    expect(() => synthesize(app(path.join(dir, 'dist')), new LocalSecretStore({ statePath })))
      .toThrow(`invalid secret state ${JSON.stringify(statePath)}: it lies inside the output directory`);
    expect(fs.readdirSync(path.join(dir, 'gitops'))).toEqual([]);
  });
});
