import { generateKeyPairSync, X509Certificate } from 'crypto';
import { OutputFile } from '../../lib/core';
import { checkCertificatePem } from '../../lib/core/certificate-pem';
import { ValidationError } from '../../lib/core/validation';
import { selfSignedCertificatePem } from '../../lib/core/x509';
import { NodeMirrorFiles, NodeMirrorFilesProps } from '../../lib/registry/node-mirror-files';
import { MirrorSpec } from '../../lib/registry/node-mirrors';
import { testChart } from '../util';

// NodeMirrorFilesProps.caCertificates: the CA file a mirror's caFile names, written beside the node files with a note
// naming the node path. containerd reads it at each pull, as it reads hosts.toml (v2.3.4
// core/remotes/docker/config/hosts.go ConfigureHosts calls updateTLSConfigFromHost, which reads each `ca` file, for
// every resolve), and fails the pull while it is missing; RKE2 and k3s name it in the hosts.toml they write.

const CA = '/etc/dockyard/harbor-ca.pem';
const HUB: MirrorSpec = { upstream: 'docker.io', endpoint: 'https://harbor.example.com', project: 'dockerhub', caFile: CA };
const GHCR: MirrorSpec = { upstream: 'ghcr.io', endpoint: 'https://harbor.example.com', project: 'ghcr', caFile: CA };

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const PEM = selfSignedCertificatePem(privateKey, { commonName: 'Harbor test CA', days: 2, notBefore: new Date('2026-12-01T00:00:00Z') });
const OTHER = selfSignedCertificatePem(privateKey, { commonName: 'Another CA', days: 2, notBefore: new Date('2026-12-01T00:00:00Z') });

function caFiles(props: NodeMirrorFilesProps): OutputFile[] {
  const chart = testChart('ns');
  new NodeMirrorFiles(chart, 'Mirrors', props);
  return OutputFile.allIn(chart).filter((f) => f.path.includes('/ca/'));
}

describe('NodeMirrorFiles caCertificates', () => {
  test('writes nodes/ca/<endpoint host>.pem, once for the mirrors of one host, with a note naming the node path', () => {
    const [file, ...rest] = caFiles({ mirrors: [HUB, GHCR], caCertificates: { [CA]: PEM } });
    expect(rest).toEqual([]);
    expect(file.path).toBe('nodes/ca/harbor.example.com.pem');
    expect(file.content()).toBe(PEM.endsWith('\n') ? PEM : `${PEM}\n`);
    expect(new X509Certificate(file.content()).subject).toBe('CN=Harbor test CA');
    expect(file.onChange).toBe(`copy it to ${CA} on every node before the mirror files that name it: while it is missing, every pull through ` +
      'harbor.example.com fails (read at each pull, no restart)');
  });

  test('names a host with a port as containerd names its directory, keeps a bundle\'s order and writes \\n line ends', () => {
    const quay = { upstream: 'quay.io', endpoint: 'https://mirror.example.com:8443', caFile: '/etc/ssl/mirror.pem' };
    const bundle = `${OTHER.trim()}\r\n\r\n${PEM.trim().replace(/\n/g, '\r\n')}\r\n`;
    const files = caFiles({ mirrors: [HUB, quay], caCertificates: { '/etc/ssl/mirror.pem': bundle, [CA]: PEM }, directory: 'n' });
    // in the order of their caFile, whatever the order given
    expect(files.map((f) => f.path)).toEqual(['n/ca/harbor.example.com.pem', 'n/ca/mirror.example.com_8443_.pem']);
    expect(files[1].content()).toBe(`${OTHER.trim()}\n${PEM.trim()}\n`);
  });

  test('without it, or with it empty, writes no CA file', () => {
    expect(caFiles({ mirrors: [HUB] })).toEqual([]);
    expect(caFiles({ mirrors: [HUB], caCertificates: {} })).toEqual([]);
  });

  test('a caFile too long for a one-line note is named by the mirrors\' caFile', () => {
    const long = `/${'a'.repeat(300)}.pem`;
    expect(caFiles({ mirrors: [{ ...HUB, caFile: long }], caCertificates: { [long]: PEM } })[0].onChange).toBe(
      'copy it on every node to the path the mirrors\' caFile names, before the mirror files');
  });

  test('refuses a key that no mirror names as caFile, listing those that do', () => {
    expect(() => caFiles({ mirrors: [HUB], caCertificates: { '/etc/other.pem': PEM } })).toThrow(new ValidationError(
      `invalid caCertificates key "/etc/other.pem": must be the caFile of a mirror, one of "${CA}"`));
    expect(() => caFiles({ mirrors: [{ ...HUB, caFile: undefined }], caCertificates: { [CA]: PEM } })).toThrow(new ValidationError(
      `invalid caCertificates key "${CA}": must be the caFile of a mirror, and no mirror names one`));
  });

  test('refuses a map that is none, never showing what was given in its place', () => {
    // a PEM passed as it is, or in a list, in place of the map: it may be a key, which the message must not print
    const refusal = new ValidationError('invalid caCertificates <redacted>: must map the caFile of a mirror to the PEM certificates it holds, ' +
      'e.g. { "/etc/dockyard/ca.pem": pem }');
    for (const given of [[PEM], privateKey, [`${PEM}${privateKey}`], null, 42]) {
      expect(() => caFiles({ mirrors: [HUB], caCertificates: given as unknown as Record<string, string> })).toThrow(refusal);
    }
  });

  const certificatesOnly = 'must be the PEM of one or more certificates ("-----BEGIN CERTIFICATE-----" blocks that parse as X.509) and no ' +
    'other block; text between the blocks is left out';
  test.each([
    ['empty', ''],
    ['no PEM', 'not a certificate'],
    ['an unfinished block beside one', `${PEM}\n-----BEGIN CERTIFICATE-----\nMIIB`],
    ['a stray end boundary', `${PEM}\n-----END CERTIFICATE-----\n`],
    ['a block that does not parse', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
    ['another kind of block', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'],
    ['a number', 42],
  ])('refuses %s, showing no value', (_, pem) => {
    expect(() => caFiles({ mirrors: [HUB], caCertificates: { [CA]: pem as string } })).toThrow(new ValidationError(
      `invalid caCertificates["${CA}"] <redacted>: ${certificatesOnly}`));
  });

  test('leaves out text between the blocks, as Go\'s pem.Decode skips it when containerd reads the file', () => {
    // openssl pkcs12 -nokeys writes "Bag Attributes", "subject=" and "issuer=" lines before each block; containerd
    // v2.3.4 reads the ca file with x509.CertPool.AppendCertsFromPEM (core/remotes/docker/config/hosts.go
    // updateTLSConfigFromHost), whose pem.Decode skips what precedes "-----BEGIN" (Go encoding/pem)
    const normalised = PEM.endsWith('\n') ? PEM : `${PEM}\n`;
    const bag = 'Bag Attributes\n    friendlyName: mirror\nsubject=CN = Mirror CA\n\nissuer=CN = Mirror CA\n\n';
    expect(checkCertificatePem('x', `${bag}${PEM}\n# a comment\n`)).toBe(normalised);
    expect(checkCertificatePem('x', `${bag}${PEM}\n${bag}${PEM}`)).toBe(`${normalised}${normalised}`);
  });

  test('refuses a private key beside the certificate, never showing it', () => {
    let message = '';
    try {
      caFiles({ mirrors: [HUB], caCertificates: { [CA]: `${PEM}${privateKey}` } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`invalid caCertificates["${CA}"] <redacted>: must hold certificates only, never a private key: it is written into ` +
      'the output, which is committed to git');
    expect(checkCertificatePem('x', PEM)).toBe(PEM.endsWith('\n') ? PEM : `${PEM}\n`);
  });
});
