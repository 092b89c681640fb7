import * as fs from 'fs';
import * as path from 'path';
import { Secret, SecretValue } from '../../lib';
import { stderrOf, testChart as chartOf } from '../util';
import { expand, keptRsaKeys, keptState, mountedFile, providedSecret, render, Rendered, resolveCommand, resolveEnv, secretKey } from './rendered';

/** The kubelet-like resolution the integration tests rely on. */

const pod = (container: any, volumes: any[] = []) => ({
  kind: 'Deployment',
  metadata: { name: 'app', namespace: 'ns' },
  spec: { template: { spec: { containers: [{ name: 'c', ...container }], volumes } } },
});

const rendered: Rendered = {
  objects: [{ kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' }, data: { 'a.yml': 'a: 1\n', 'b.txt': 'b' } }],
  secrets: [
    providedSecret('ns', 'creds', { password: 'p$(X)w', user: 'alice' }),
    { metadata: { name: 'b64', namespace: 'ns' }, data: { token: Buffer.from('tök').toString('base64') } },
    providedSecret('other', 'creds', { password: 'elsewhere' }),
  ],
};

describe('expand', () => {
  const vars: Record<string, string> = { A: 'x', EMPTY: '' };
  const lookup = (n: string) => vars[n];
  test.each([
    ['$(A)', 'x'],
    ['pre-$(A)-post', 'pre-x-post'],
    ['$(EMPTY)|', '|'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$x'],
    ['$A', '$A'],
    ['$(A', '$(A'],
    ['trailing $', 'trailing $'],
    ['$()', '$()'],
  ])('%s → %s', (input, output) => {
    expect(expand(input, lookup)).toBe(output);
  });
});

describe('resolveEnv', () => {
  test('expands only variables defined earlier, and never the values of secret references', () => {
    const env = resolveEnv(rendered, pod({
      env: [
        { name: 'EARLY', value: '$(LATE)' },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'X', value: 'not-expanded-into-PW' },
        { name: 'URL', value: 'redis://:$(PW)@h/$(X)' },
        { name: 'LATE', value: 'late' },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'b64', key: 'token' } } },
        { name: 'CFG', valueFrom: { configMapKeyRef: { name: 'cm', key: 'b.txt' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'OPT', valueFrom: { secretKeyRef: { name: 'missing', key: 'k', optional: true } } },
      ],
    }), 'c');
    expect(env).toEqual({
      EARLY: '$(LATE)', PW: 'p$(X)w', X: 'not-expanded-into-PW', URL: 'redis://:p$(X)w@h/not-expanded-into-PW', LATE: 'late',
      TOKEN: 'tök', CFG: 'b', NS: 'ns',
    });
  });

  test('a missing Secret key fails, as the kubelet refuses to start the container', () => {
    expect(() => resolveEnv(rendered, pod({ env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope' } } }] }), 'c'))
      .toThrow(/Secret ns\/creds key nope/);
    expect(() => resolveEnv(rendered, pod({ env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'gone', key: 'password' } } }] }), 'c'))
      .toThrow(/does not exist/);
  });

  test('command and args expand from the whole environment', () => {
    expect(resolveCommand(rendered, pod({
      command: ['srv'], args: ['--pass', '$(PW)', '$(NOPE)'],
      env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }],
    }), 'c')).toEqual(['srv', '--pass', 'alice', '$(NOPE)']);
  });
});

describe('mountedFile', () => {
  const workload = pod({
    volumeMounts: [
      { name: 'cfg', mountPath: '/etc/app' },
      { name: 'cfg', mountPath: '/etc/one.yml', subPath: 'a.yml' },
      { name: 'pw', mountPath: '/run/secret/passwd', subPath: 'passwd' },
    ],
  }, [
    { name: 'cfg', configMap: { name: 'cm' } },
    { name: 'pw', secret: { secretName: 'creds', items: [{ key: 'user', path: 'passwd' }] } },
  ]);

  test('follows mounts, subPaths and items', () => {
    expect(mountedFile(rendered, workload, 'c', '/etc/app/b.txt')).toBe('b');
    expect(mountedFile(rendered, workload, 'c', '/etc/one.yml')).toBe('a: 1\n');
    expect(mountedFile(rendered, workload, 'c', '/run/secret/passwd')).toBe('alice');
  });

  test('fails for files the pod would not have', () => {
    expect(() => mountedFile(rendered, workload, 'c', '/etc/app/c.txt')).toThrow(/holds only a.yml, b.txt/);
    expect(() => mountedFile(rendered, workload, 'c', '/var/x')).toThrow(/mounts nothing/);
  });
});

describe('render from a keptState', () => {
  const chart = (extra: boolean) => {
    const c = chartOf('ns');
    new Secret(c, 'Kept', { name: 'kept', values: { password: SecretValue.alphanumeric(24) } });
    if (extra) new Secret(c, 'Extra', { name: 'extra', values: { password: SecretValue.alphanumeric(24) } });
    return c;
  };
  const state = keptState(() => chart(false));

  test('takes the values the state keeps, draws the others, and leaves the state as it was', () => {
    const dir = state();
    const before = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    const [a, b] = [render(chart(true), [], dir), render(chart(true), [], dir)];
    expect(secretKey(a, 'ns', 'kept', 'password')).toBe(secretKey(b, 'ns', 'kept', 'password'));
    expect(secretKey(a, 'ns', 'extra', 'password')).not.toBe(secretKey(b, 'ns', 'extra', 'password'));
    // without it, a render draws its own
    expect(secretKey(render(chart(false)), 'ns', 'kept', 'password')).not.toBe(secretKey(a, 'ns', 'kept', 'password'));
    expect(state()).toBe(dir);
    expect(Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]))).toEqual(before);
  });
});

describe('render from keptRsaKeys', () => {
  const chart = () => {
    const c = chartOf('ns');
    new Secret(c, 'Keys', { name: 'keys', values: { rsa: SecretValue.rsaPrivateKey(2048), password: SecretValue.alphanumeric(24) } });
    return c;
  };
  const keys = keptRsaKeys(chart);

  test('takes the RSA key alone, draws every other value, and says nothing but what it generated', () => {
    const from = keys();
    let a!: Rendered;
    const said = stderrOf(() => { a = render(chart(), [], from); });
    const b = render(chart(), [], keys());
    expect(secretKey(a, 'ns', 'keys', 'rsa')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(secretKey(a, 'ns', 'keys', 'rsa')).toBe(secretKey(b, 'ns', 'keys', 'rsa'));
    expect(secretKey(a, 'ns', 'keys', 'password')).not.toBe(secretKey(b, 'ns', 'keys', 'password'));
    // without it, a render draws its own key: the kept one goes to no other state
    expect(secretKey(render(chart()), 'ns', 'keys', 'rsa')).not.toBe(secretKey(a, 'ns', 'keys', 'rsa'));
    expect(said.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(/^dockyard: generated 1 new key, .*: ns\/keys\/password$/)]);
  });
});
