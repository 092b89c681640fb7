import { X509Certificate } from 'crypto';
import { invalidPath, invalidSecret } from './validation';

/** One PEM certificate block, its base64 lines in the middle. */
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;
/** A PEM private key of any kind: `PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`. */
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * Check a bundle of PEM certificates, such as a CA file written for the nodes, and return it normalised: its blocks
 * in the order given, `\n` line ends, one block after another and a final newline. Text outside the blocks that holds
 * no PEM boundary (openssl's "Bag Attributes" and "subject=" lines, a comment) is left out, as Go's `pem.Decode`
 * skips it when containerd reads the file (`x509.CertPool.AppendCertsFromPEM`); any other block, or a boundary of an
 * unfinished one, is refused, a private key first of all, since the file is written into the output. The value is
 * never shown, for what is refused may be a key; a refusal shows `file` instead, the path the value was read from, if
 * given (the path is what the user set, and names the file to fix).
 */
export function checkCertificatePem(prop: string, value: string, file?: string): string {
  const refuse = (allowed: string): never => (file === undefined ? invalidSecret(prop, allowed) : invalidPath(prop, file, allowed));
  const allowed = 'must be the PEM of one or more certificates ("-----BEGIN CERTIFICATE-----" blocks that parse as X.509) and no other ' +
    'block; text between the blocks is left out';
  if (typeof value !== 'string') {
    refuse(allowed);
  }
  if (PRIVATE_KEY.test(value)) {
    refuse('must hold certificates only, never a private key: it is written into the output, which is committed to git');
  }
  const blocks = value.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0 || /-----(BEGIN|END) /.test(value.replace(CERTIFICATE_BLOCK, ''))) {
    refuse(allowed);
  }
  const normalised = blocks.map((b) => b.replace(/\r\n/g, '\n'));
  for (const block of normalised) {
    try {
      new X509Certificate(block);
    } catch {
      refuse(allowed);
    }
  }
  return normalised.join('\n') + '\n';
}
