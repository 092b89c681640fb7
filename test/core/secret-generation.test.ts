import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import * as lib from '../../lib';
import { selfSignedCertificatePem } from '../../lib/core/x509';
import { stderrOf, testChart } from '../util';

// Counts how often bcryptjs is loaded into a module registry, to prove the store loads it only when it hashes.
let mockBcryptLoads = 0;
jest.mock('bcryptjs', () => {
  mockBcryptLoads++;
  return jest.requireActual('bcryptjs');
});

const { LocalSecretStore, Secret, SecretValue, SecretValueKind } = lib;
const DAY = 86_400_000;

function tempState(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-gen-')), 'secrets.json');
}

interface HarborOptions {
  readonly bits?: number;
  readonly commonName?: string;
}

/** Harbor's generated credentials: core's token key, the certificate the registry checks tokens with, its htpasswd. */
function harbor(l: typeof lib = lib, options: HarborOptions = {}) {
  const chart = (require('../util') as typeof import('../util')).testChart('harbor');
  const core = new l.Secret(chart, 'Core', { name: 'harbor-core', values: { 'tls.key': l.SecretValue.rsaPrivateKey(options.bits ?? 2048) } });
  new l.Secret(chart, 'Token', {
    name: 'harbor-token-cert',
    values: { 'tls.crt': l.SecretValue.selfSignedCertificate(core.key('tls.key'), { commonName: options.commonName ?? 'harbor-token-ca' }) },
  });
  const admin = new l.Secret(chart, 'Admin', { name: 'registry-credentials', values: { password: l.SecretValue.alphanumeric(32) } });
  new l.Secret(chart, 'Htpasswd', { name: 'registry-htpasswd', values: { htpasswd: l.SecretValue.htpasswd('harbor_registry_user', admin.key('password')) } });
  return chart;
}

/** Every rendered key as `<secret>/<key>` → value, read back through a YAML parser. */
function rendered(manifest: string): Record<string, string> {
  return Object.fromEntries(parseAllDocuments(manifest).map((d) => d.toJS())
    .flatMap((o) => Object.entries(o.stringData as Record<string, string>).map(([k, v]) => [`${o.metadata.name}/${k}`, v])));
}

function readState(statePath: string): Record<string, string> {
  return JSON.parse(fs.readFileSync(statePath, 'utf8')).values;
}

function editState(statePath: string, edit: (values: Record<string, string>) => void): void {
  const values = readState(statePath);
  edit(values);
  fs.writeFileSync(statePath, JSON.stringify({ version: 1, values }));
}

function openssl(args: string[], input: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8' });
}

describe('SecretValue.rsaPrivateKey', () => {
  test('describes a 4096-bit key unless told otherwise', () => {
    expect(SecretValue.rsaPrivateKey()).toMatchObject({ kind: SecretValueKind.RSA_PRIVATE_KEY, bits: 4096, sources: {} });
    expect(SecretValue.rsaPrivateKey(3072).bits).toBe(3072);
  });

  test('fails on key sizes other than 2048, 3072 and 4096', () => {
    expect(() => SecretValue.rsaPrivateKey(1024)).toThrow('invalid bits 1024: must be one of 2048, 3072, 4096');
    expect(() => SecretValue.rsaPrivateKey(2048.5)).toThrow(/invalid bits 2048.5/);
  });
});

describe('SecretValue.selfSignedCertificate', () => {
  function keys() {
    const chart = testChart();
    const rsa = new Secret(chart, 'Rsa', { name: 'rsa', values: { key: SecretValue.rsaPrivateKey(2048), pw: SecretValue.hex(16) } });
    return { rsa: rsa.key('key'), notRsa: rsa.key('pw'), existing: Secret.fromSecretName(chart, 'E', 'existing').key('key') };
  }

  test('describes the certificate, ten years by default', () => {
    const { rsa } = keys();
    const cert = SecretValue.selfSignedCertificate(rsa, { commonName: 'harbor-token-ca' });
    expect(cert).toMatchObject({ kind: SecretValueKind.CERTIFICATE, commonName: 'harbor-token-ca', days: 3650, sources: { key: rsa } });
    expect(SecretValue.selfSignedCertificate(rsa, { commonName: 'x', days: 30 }).days).toBe(30);
  });

  test('fails on a key that is not a generated RSA key', () => {
    const { notRsa, existing } = keys();
    expect(() => SecretValue.selfSignedCertificate(existing, { commonName: 'ca' }))
      .toThrow('invalid selfSignedCertificate source "test/existing#key": must be a key of a generated Secret');
    expect(() => SecretValue.selfSignedCertificate(notRsa, { commonName: 'ca' }))
      .toThrow('invalid selfSignedCertificate source "test/rsa#pw": must be a key whose value is SecretValue.rsaPrivateKey');
  });

  test('fails on an empty, overlong or multi-line common name', () => {
    const { rsa } = keys();
    const message = 'must be 1 to 64 characters without control characters';
    expect(() => SecretValue.selfSignedCertificate(rsa, { commonName: '' })).toThrow(`invalid commonName "": ${message}`);
    expect(() => SecretValue.selfSignedCertificate(rsa, { commonName: 'a'.repeat(65) })).toThrow(`invalid commonName "${'a'.repeat(65)}": ${message}`);
    expect(() => SecretValue.selfSignedCertificate(rsa, { commonName: 'a\nb' })).toThrow(`invalid commonName "a\\nb": ${message}`);
    expect(SecretValue.selfSignedCertificate(rsa, { commonName: 'a'.repeat(64) }).commonName).toHaveLength(64);
  });

  test('fails on a validity that is not a whole number of days from 1 to 36500', () => {
    const { rsa } = keys();
    expect(() => SecretValue.selfSignedCertificate(rsa, { commonName: 'ca', days: 0 })).toThrow('invalid days 0: must be an integer from 1 to 36500');
    expect(() => SecretValue.selfSignedCertificate(rsa, { commonName: 'ca', days: 1.5 })).toThrow(/invalid days 1.5/);
    expect(() => SecretValue.selfSignedCertificate(rsa, { commonName: 'ca', days: 36501 })).toThrow(/invalid days 36501/);
  });
});

describe('SecretValue.htpasswd', () => {
  function keys() {
    const chart = testChart();
    const s = new Secret(chart, 'S', {
      name: 's',
      values: { pw: SecretValue.alphanumeric(72), long: SecretValue.hex(73), rsa: SecretValue.rsaPrivateKey(2048) },
    });
    return { pw: s.key('pw'), long: s.key('long'), rsa: s.key('rsa'), existing: Secret.fromSecretName(chart, 'E', 'existing').key('pw') };
  }

  test('describes the line', () => {
    const { pw } = keys();
    expect(SecretValue.htpasswd('admin', pw)).toMatchObject({ kind: SecretValueKind.HTPASSWD, user: 'admin', sources: { password: pw } });
  });

  test('fails on an empty user or one with ":" or whitespace', () => {
    const { pw } = keys();
    const message = 'must be a non-empty name without ":", whitespace or control characters';
    expect(() => SecretValue.htpasswd('', pw)).toThrow(`invalid user "": ${message}`);
    expect(() => SecretValue.htpasswd('a:b', pw)).toThrow(`invalid user "a:b": ${message}`);
    expect(() => SecretValue.htpasswd('a b', pw)).toThrow(/invalid user "a b"/);
    expect(() => SecretValue.htpasswd('a\tb', pw)).toThrow(/invalid user "a\\tb"/);
    expect(() => SecretValue.htpasswd('admin\n', pw)).toThrow(/invalid user "admin\\n"/);
  });

  test('fails on a password that is not generated, not random or longer than bcrypt reads', () => {
    const { long, rsa, existing } = keys();
    expect(() => SecretValue.htpasswd('admin', existing)).toThrow('invalid htpasswd source "test/existing#pw": must be a key of a generated Secret');
    const message = 'must be a key whose value is SecretValue.hex or .alphanumeric of at most 72 characters';
    expect(() => SecretValue.htpasswd('admin', rsa)).toThrow(`invalid htpasswd source "test/s#rsa": ${message}`);
    expect(() => SecretValue.htpasswd('admin', long)).toThrow(`invalid htpasswd source "test/s#long": ${message}`);
  });
});

describe('LocalSecretStore generating keys, certificates and htpasswd lines', () => {
  test('makes a PKCS#1 RSA key of the requested size', () => {
    const values = rendered(new LocalSecretStore({ statePath: tempState() }).render(harbor()));
    const pem = values['harbor-core/tls.key'];
    expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END RSA PRIVATE KEY-----\n$/);
    const key = crypto.createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
  });

  test('makes a self-signed v3 CA certificate for that key, valid for ten years from now', () => {
    const before = Date.now();
    const values = rendered(new LocalSecretStore({ statePath: tempState() }).render(harbor()));
    const pem = values['harbor-token-cert/tls.crt'];
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/);

    const cert = new crypto.X509Certificate(pem);
    const publicKey = crypto.createPublicKey(values['harbor-core/tls.key']);
    expect(cert.subject).toBe('CN=harbor-token-ca');
    expect(cert.issuer).toBe('CN=harbor-token-ca');
    expect(cert.ca).toBe(true);
    expect(cert.publicKey.export({ type: 'spki', format: 'der' })).toEqual(publicKey.export({ type: 'spki', format: 'der' }));
    expect(cert.verify(publicKey)).toBe(true);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(values['harbor-core/tls.key']))).toBe(true);
    expect(cert.serialNumber).toMatch(/^[0-9A-F]{32}$/);
    expect(parseInt(cert.serialNumber[0], 16)).toBeLessThan(8); // positive: the top bit is clear
    const from = Date.parse(cert.validFrom);
    expect(from).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(from).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(cert.validTo) - from).toBe(3650 * DAY);

    const text = openssl(['x509', '-noout', '-text'], pem);
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toContain('Public-Key: (2048 bit)');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign\n/);
    // openssl accepts it as a trust anchor and checks its own signature
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-ca-'));
    fs.writeFileSync(path.join(dir, 'ca.crt'), pem);
    expect(openssl(['verify', '-check_ss_sig', '-CAfile', path.join(dir, 'ca.crt'), path.join(dir, 'ca.crt')], '')).toContain(': OK');
  });

  test('encodes validity as UTCTime through 2049 and GeneralizedTime from 2050, and UTF-8 names', () => {
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const pem = selfSignedCertificatePem(key, { commonName: 'Dockyard Größe CA', days: 2, notBefore: new Date('2049-12-31T12:00:00.789Z') });
    const der = new crypto.X509Certificate(pem).raw;
    expect(der.includes(Buffer.concat([Buffer.from([0x17, 13]), Buffer.from('491231120000Z')]))).toBe(true);
    expect(der.includes(Buffer.concat([Buffer.from([0x18, 15]), Buffer.from('20500102120000Z')]))).toBe(true);
    const cert = new crypto.X509Certificate(pem);
    expect(cert.subject).toBe('CN=Dockyard Größe CA');
    expect(new Date(cert.validFrom).toISOString()).toBe('2049-12-31T12:00:00.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2050-01-02T12:00:00.000Z');
    expect(openssl(['x509', '-noout', '-dates'], pem)).toBe('notBefore=Dec 31 12:00:00 2049 GMT\nnotAfter=Jan  2 12:00:00 2050 GMT\n');
  });

  test('makes an htpasswd line with a bcrypt hash of the password', () => {
    const values = rendered(new LocalSecretStore({ statePath: tempState() }).render(harbor()));
    const line = values['registry-htpasswd/htpasswd'];
    expect(line).toMatch(/^harbor_registry_user:\$2b\$10\$[./A-Za-z0-9]{53}$/);
    const bcrypt = jest.requireActual('bcryptjs') as typeof import('bcryptjs');
    const hash = line.slice('harbor_registry_user:'.length);
    expect(bcrypt.compareSync(values['registry-credentials/password'], hash)).toBe(true);
    expect(bcrypt.compareSync('wrong', hash)).toBe(false);
  });

  test('multi-line PEM values survive the YAML manifest byte for byte', () => {
    const statePath = tempState();
    const manifest = new LocalSecretStore({ statePath }).render(harbor());
    const state = readState(statePath);
    const values = rendered(manifest);
    expect(values['harbor-core/tls.key']).toBe(state['harbor/harbor-core/tls.key']);
    expect(values['harbor-token-cert/tls.crt']).toBe(state['harbor/harbor-token-cert/tls.crt']);
    expect(values['registry-htpasswd/htpasswd']).toBe(state['harbor/registry-htpasswd/htpasswd']);
    expect(manifest).toMatch(/\n {2}tls\.key: \|\n {4}-----BEGIN RSA PRIVATE KEY-----\n/);
  });

  test('keeps every value in the state and renders byte-identical output without rewriting the state', () => {
    const statePath = tempState();
    // the store's named import reads the property of node's own module object, which the spy replaces
    const generate = jest.spyOn(require('crypto') as typeof crypto, 'generateKeyPairSync');
    try {
      // the default 4096-bit key: slow to make, so it must be made exactly once
      const first = new LocalSecretStore({ statePath }).render(harbor(lib, { bits: 4096 }));
      expect(generate).toHaveBeenCalledTimes(1);
      const stateFile = fs.readFileSync(statePath, 'utf8');
      const inode = fs.statSync(statePath).ino;

      // not timed (a loaded machine makes any bound flaky): the spy shows no key was made again
      const second = new LocalSecretStore({ statePath }).render(harbor(lib, { bits: 4096 }));
      expect(generate).toHaveBeenCalledTimes(1);
      expect(second).toBe(first);
      expect(fs.readFileSync(statePath, 'utf8')).toBe(stateFile);
      expect(fs.statSync(statePath).ino).toBe(inode); // a save renames a new file into place
      expect(crypto.createPrivateKey(rendered(first)['harbor-core/tls.key']).asymmetricKeyDetails?.modulusLength).toBe(4096);
    } finally {
      generate.mockRestore();
    }
    expect(Object.keys(readState(statePath))).toEqual([
      // keys the digests of values for pod checksums (lib/core/checksum.ts)
      '#digest-key',
      'harbor/harbor-core/tls.key',
      'harbor/harbor-token-cert/tls.crt',
      'harbor/harbor-token-cert/tls.crt#inputs',
      'harbor/registry-credentials/password',
      'harbor/registry-htpasswd/htpasswd',
      'harbor/registry-htpasswd/htpasswd#inputs',
    ]);
  });

  test('makes the htpasswd line again when the password in the state is edited, and only then', () => {
    const statePath = tempState();
    const before = rendered(new LocalSecretStore({ statePath }).render(harbor()));
    // a hand edit that still fits the recipe (same length and alphabet) is taken as it is
    const byHand = 'rotatedByHand'.padEnd(before['registry-credentials/password'].length, '0');
    editState(statePath, (v) => { v['harbor/registry-credentials/password'] = byHand; });
    const after = rendered(new LocalSecretStore({ statePath }).render(harbor()));
    const bcrypt = jest.requireActual('bcryptjs') as typeof import('bcryptjs');
    const hash = after['registry-htpasswd/htpasswd'].replace(/^harbor_registry_user:/, '');
    expect(after['registry-credentials/password']).toBe(byHand);
    expect(bcrypt.compareSync(byHand, hash)).toBe(true);
    expect(bcrypt.compareSync(before['registry-credentials/password'], hash)).toBe(false);
    expect(after['harbor-token-cert/tls.crt']).toBe(before['harbor-token-cert/tls.crt']);
    expect(rendered(new LocalSecretStore({ statePath }).render(harbor()))).toEqual(after);
  });

  test('makes the certificate again when its key or common name change, keeping the key', () => {
    const statePath = tempState();
    const before = rendered(new LocalSecretStore({ statePath }).render(harbor()));
    const newKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    editState(statePath, (v) => { v['harbor/harbor-core/tls.key'] = newKey; });
    const rekeyed = rendered(new LocalSecretStore({ statePath }).render(harbor()));
    expect(new crypto.X509Certificate(rekeyed['harbor-token-cert/tls.crt']).verify(crypto.createPublicKey(newKey))).toBe(true);
    expect(rekeyed['registry-htpasswd/htpasswd']).toBe(before['registry-htpasswd/htpasswd']);

    const renamed = rendered(new LocalSecretStore({ statePath }).render(harbor(lib, { commonName: 'harbor-ca-2' })));
    expect(renamed['harbor-core/tls.key']).toBe(newKey);
    expect(new crypto.X509Certificate(renamed['harbor-token-cert/tls.crt']).subject).toBe('CN=harbor-ca-2');
  });

  test('keeps a certificate near or past its end as it is, and warns with the ways to renew it', () => {
    // nothing renews a kept certificate: it is made again only when its key, commonName or days change (derive, in
    // lib/core/local-secret-store.ts), so a synth says so from 30 days before notAfter (CERTIFICATE_WARNING_DAYS)
    const statePath = tempState();
    rendered(new LocalSecretStore({ statePath }).render(harbor()));
    const key = readState(statePath)['harbor/harbor-core/tls.key'];
    const fresh = stderrOf(() => rendered(new LocalSecretStore({ statePath }).render(harbor())));
    expect(fresh).not.toContain('certificate');

    const endingIn = (days: number): string => selfSignedCertificatePem(key, { commonName: 'harbor-token-ca', days: 3650, notBefore: new Date(Date.now() - (3650 - days) * DAY) });
    for (const [pem, verb] of [[endingIn(29), 'expires'], [endingIn(-1), 'expired']] as const) {
      editState(statePath, (v) => { v['harbor/harbor-token-cert/tls.crt'] = pem; });
      let values: Record<string, string> = {};
      const stderr = stderrOf(() => { values = rendered(new LocalSecretStore({ statePath }).render(harbor())); });
      expect(values['harbor-token-cert/tls.crt']).toBe(pem);
      const notAfter = new Date(new crypto.X509Certificate(pem).validTo).toISOString();
      expect(stderr).toContain(`dockyard: warning: the certificate harbor/harbor-token-cert/tls.crt ${verb} on ${notAfter}, and the secret state keeps it`);
      expect(stderr).toContain('change its days (SecretValue.selfSignedCertificate) or rotate the key it is made from (DOCKYARD_ROTATE=harbor/harbor-core/tls.key)');
    }
    // 31 days to go: not yet
    editState(statePath, (v) => { v['harbor/harbor-token-cert/tls.crt'] = endingIn(31); });
    expect(stderrOf(() => new LocalSecretStore({ statePath }).render(harbor()))).not.toContain('certificate');
  });

  test('loads bcryptjs only when an htpasswd line must be made', () => {
    const statePath = tempState();
    // a synth is a fresh process: start from an empty module registry, so the mock factory runs on each load
    const renderFresh = (): void => {
      jest.resetModules();
      const fresh = require('../../lib') as typeof lib;
      new fresh.LocalSecretStore({ statePath }).render(harbor(fresh));
    };
    const loads = mockBcryptLoads;
    renderFresh();
    expect(mockBcryptLoads).toBe(loads + 1);
    renderFresh(); // every value is in the state now
    expect(mockBcryptLoads).toBe(loads + 1);
  });
});
