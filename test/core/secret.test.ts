import { Construct } from 'constructs';
import { Secret, SecretValue, SecretValueKind } from '../../lib';
import { testChart } from '../util';

describe('Secret', () => {
  test('renders nothing into the chart and lists where it must exist', () => {
    const chart = testChart('platform');
    const secret = new Secret(chart, 'S', { name: 'app-keys', values: { token: SecretValue.hex(32) } });
    expect(chart.toJson()).toEqual([]);
    expect(secret.namespace).toBe('platform');
    secret.shareWith('builds');
    secret.shareWith('apps');
    secret.shareWith('platform');
    expect(secret.namespaces).toEqual(['platform', 'apps', 'builds']);
  });

  test('key() returns a reference that shares the Secret with the consumer namespace', () => {
    const chart = testChart('platform');
    const secret = new Secret(chart, 'S', { name: 'app-keys', values: { token: SecretValue.hex(32) } });
    const key = secret.key('token');
    expect(key.selectorFor('builds')).toEqual({ name: 'app-keys', key: 'token' });
    expect(secret.namespaces).toEqual(['platform', 'builds']);
    expect(key.toString()).toBe('platform/app-keys#token');
  });

  test('fails on unknown keys, bad names and empty values', () => {
    const chart = testChart();
    const secret = new Secret(chart, 'S', { name: 'app-keys', values: { token: SecretValue.hex(32) } });
    expect(() => secret.key('password')).toThrow('invalid key "password": must be one of the keys of Secret app-keys: token');
    expect(() => new Secret(chart, 'B', { name: 'Bad_Name', values: { a: SecretValue.hex(16) } })).toThrow(/invalid name "Bad_Name"/);
    expect(() => new Secret(chart, 'E', { name: 'empty', values: {} })).toThrow('invalid values {}: must define at least one key');
    expect(() => new Secret(chart, 'K', { name: 'k', values: { 'bad key': SecretValue.hex(16) } })).toThrow(/invalid key "bad key"/);
  });

  test('an existing Secret is listed as required, with the keys consumers read', () => {
    const chart = testChart('platform');
    const existing = Secret.fromSecretName(chart, 'OAuth', 'oauth', { description: 'client secret' });
    existing.key('client-secret');
    expect(existing.generated).toBe(false);
    expect(Secret.requiredIn(chart)).toEqual([{ namespace: 'platform', secretName: 'oauth', keys: ['client-secret'], description: 'client secret' }]);
  });

  test('fails when an existing Secret is consumed from another namespace', () => {
    const chart = testChart('platform');
    const existing = Secret.fromSecretName(chart, 'OAuth', 'oauth');
    expect(() => existing.key('x').selectorFor('other'))
      .toThrow(new Error('invalid secret "platform/oauth": it is used by pods in namespace "other", but secretKeyRef cannot cross namespaces; ' +
        'provide a copy in that namespace and refer to it there: Secret.fromSecretName(scope, id, "oauth", { namespace: "other" })'));
  });
});

describe('SecretValue', () => {
  const scope = (): Construct => testChart();

  test('factories describe how values are produced', () => {
    const hex = SecretValue.hex(32);
    expect(hex.kind).toBe(SecretValueKind.RANDOM);
    expect(hex.length).toBe(32);
    expect(hex.alphabet).toBe('0123456789abcdef');
    expect(SecretValue.alphanumeric(20).alphabet).toHaveLength(62);
  });

  test('fails on lengths too short to be safe', () => {
    expect(() => SecretValue.hex(8)).toThrow('invalid length 8: must be an integer from 16 to 4096');
    expect(() => SecretValue.alphanumeric(15)).toThrow(/invalid length 15/);
  });

  test('copies and templates need generated sources and matching placeholders', () => {
    const chart = scope();
    const generated = new Secret(chart, 'G', { name: 'g', values: { pw: SecretValue.hex(16) } }).key('pw');
    const existing = Secret.fromSecretName(chart, 'E', 'e').key('pw');
    expect(SecretValue.copyOf(generated).sources.value).toBe(generated);
    expect(() => SecretValue.copyOf(existing)).toThrow('invalid copyOf source "test/e#pw": must be a key of a generated Secret');
    expect(() => SecretValue.template('x{pw}', { pw: existing })).toThrow(/invalid template source/);
    expect(() => SecretValue.template('x{other}', { pw: generated })).toThrow('invalid template "x{other}": placeholder {other} needs a key; got ["pw"]');
  });
});
