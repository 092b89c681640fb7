/**
 * A minimal X.509 v3 certificate writer: Node can parse and verify certificates but cannot create them, and the
 * certificates Dockyard needs (a self-signed RSA CA/token-signing certificate) use only a handful of DER types.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate } from 'crypto';

/** What `selfSignedCertificatePem` puts into the certificate. */
export interface CertificateOptions {
  /** The subject and issuer common name. */
  readonly commonName: string;
  /** The validity period in days, counted from `notBefore`. */
  readonly days: number;
  /**
   * The start of the validity period.
   *
   * @default - now
   */
  readonly notBefore?: Date;
}

/**
 * A self-signed X.509 v3 CA certificate (PEM) for an RSA private key (PEM), signed with SHA-256.
 *
 * It carries basicConstraints CA:TRUE and keyUsage digitalSignature + keyCertSign, both critical, and a random
 * positive 16-byte serial number.
 */
export function selfSignedCertificatePem(privateKeyPem: string, options: CertificateOptions): string {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new Error(`cannot sign a certificate with a ${privateKey.asymmetricKeyType} key: expected an RSA key`);
  }
  const notBefore = new Date(Math.floor((options.notBefore ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + options.days * 86_400_000);
  const name = sequence(set(sequence(oid(OID.commonName), utf8String(options.commonName))));
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serialNumber()),
    SHA256_WITH_RSA,
    name, // issuer = subject: self-signed
    sequence(time(notBefore), time(notAfter)),
    name,
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(
      extension(OID.basicConstraints, sequence(boolean(true))),
      // digitalSignature is bit 0 and keyCertSign bit 5: 1000 0100, the two trailing zero bits unused
      extension(OID.keyUsage, tlv(0x03, Buffer.from([2, 0x84]))),
    )),
  );
  const certificate = sequence(tbs, SHA256_WITH_RSA, bitString(sign('sha256', tbs, privateKey)));
  const base64 = certificate.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

/** How long before a kept certificate's end a synth starts warning of it. */
export const CERTIFICATE_WARNING_DAYS = 30;

/**
 * When the certificate `pem` stops being valid, if that is at most `CERTIFICATE_WARNING_DAYS` after `now` (or already
 * past); undefined for a certificate with longer to run. A kept self-signed certificate is never made again by
 * itself: its end must be seen before the day it comes.
 */
export function certificateEnding(pem: string, now: Date = new Date()): Date | undefined {
  const notAfter = new Date(new X509Certificate(pem).validTo);
  return notAfter.getTime() - now.getTime() <= CERTIFICATE_WARNING_DAYS * 86_400_000 ? notAfter : undefined;
}

const OID = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
};

const SHA256_WITH_RSA = sequence(oid(OID.sha256WithRSAEncryption), tlv(0x05, Buffer.alloc(0)));

/** 16 random bytes read as a positive integer whose first byte is non-zero, so DER needs no padding or trimming. */
function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) || 0x01;
  return serial;
}

function extension(id: string, value: Buffer): Buffer {
  return sequence(oid(id), boolean(true) /* critical */, tlv(0x04, value));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2024-05-01T12:34:56.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z'; // 20240501123456Z
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(digits, 'ascii'));
}

function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(value.length), value]);
}

/** DER length: one byte below 128, else 0x80 + the number of big-endian length bytes that follow. */
function length(n: number): Buffer {
  if (n < 0x80) {
    return Buffer.from([n]);
  }
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) {
    bytes.unshift(rest & 0xff);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function explicit(tagNumber: number, inner: Buffer): Buffer {
  return tlv(0xa0 | tagNumber, inner);
}

/** A non-negative INTEGER from its big-endian magnitude; callers pass bytes whose top bit is clear. */
function integer(magnitude: Buffer): Buffer {
  return tlv(0x02, magnitude);
}

function boolean(value: boolean): Buffer {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

function bitString(bytes: Buffer): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([0]) /* no unused bits */, bytes]));
}

function utf8String(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

/** OBJECT IDENTIFIER: the first two arcs share a byte, every arc is base-128 with a continuation bit. */
function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      chunk.unshift((v & 0x7f) | 0x80);
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}
