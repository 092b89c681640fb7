import { createPrivateKey, X509Certificate } from 'crypto';
import { SecretValue, SecretValueKind } from './secret';

/**
 * What a secret store keeps, and how a kept value is checked against the recipe that made it.
 *
 * A *root* value is one the store draws or is given once and keeps: random characters, an RSA key, an operator's
 * input. Every other value is derived from roots (copies, templates, docker configs) or re-made from them when they
 * change (certificates, htpasswd lines), so losing a root is what rotates a credential.
 */

/** Whether `value` is a root: kept in the state and recorded in the key record. */
export function isRoot(value: SecretValue): boolean {
  return value.kind === SecretValueKind.RANDOM || value.kind === SecretValueKind.RSA_PRIVATE_KEY || value.kind === SecretValueKind.INPUT;
}

const HEX = '0123456789abcdef';

/**
 * The recipe of a root as one short, stable text, e.g. `alphanumeric(32)`: what the key record stores, so a
 * changed recipe is noticed even when the kept value would still pass.
 */
export function recipeOf(value: SecretValue): string {
  switch (value.kind) {
    case SecretValueKind.RANDOM:
      return `${value.alphabet === HEX ? 'hex' : value.mixedClasses ? 'password' : 'alphanumeric'}(${value.length})`;
    case SecretValueKind.RSA_PRIVATE_KEY:
      return `rsaPrivateKey(${value.bits})`;
    case SecretValueKind.INPUT:
      return `input(${value.env})${value.owner !== undefined ? ` for ${value.owner}` : ''}`;
    default:
      throw new Error(`${value.kind} is not a root value`);
  }
}

/**
 * Why a kept root value does not fit its recipe, or undefined when it does. The reason never quotes the value:
 * it is a credential, and errors reach CI logs.
 */
export function misfit(value: SecretValue, kept: unknown): string | undefined {
  if (typeof kept !== 'string') {
    const type = kept === null ? 'null' : Array.isArray(kept) ? 'an array' : typeof kept === 'object' ? 'an object' : `a ${typeof kept}`;
    return `is ${type}, not a string`;
  }
  switch (value.kind) {
    case SecretValueKind.RANDOM: {
      if (kept.length !== value.length) {
        return `has ${kept.length} characters, not ${value.length}`;
      }
      if ([...kept].some((c) => !value.alphabet!.includes(c))) {
        return `has characters outside ${recipeOf(value)}'s alphabet`;
      }
      if (value.mixedClasses && !(/[A-Z]/.test(kept) && /[a-z]/.test(kept) && /\d/.test(kept))) {
        return 'lacks an upper-case letter, a lower-case letter or a digit';
      }
      return undefined;
    }
    case SecretValueKind.RSA_PRIVATE_KEY: {
      try {
        const key = createPrivateKey(kept);
        const bits = key.asymmetricKeyDetails?.modulusLength;
        if (key.asymmetricKeyType !== 'rsa' || bits !== value.bits) {
          return `is not a ${value.bits}-bit RSA key`;
        }
        return undefined;
      } catch {
        // the decoder's message can quote the input: never pass it on
        return 'is not a readable PEM private key';
      }
    }
    case SecretValueKind.INPUT:
      return kept === '' ? 'is empty' : undefined;
    default:
      return undefined;
  }
}

/** Why a kept derived value (certificate, htpasswd line) is unreadable, or undefined when it reads. */
export function derivedMisfit(value: SecretValue, kept: unknown): string | undefined {
  if (typeof kept !== 'string') {
    return 'is not a string';
  }
  if (value.kind === SecretValueKind.CERTIFICATE) {
    try {
      new X509Certificate(kept);
      return undefined;
    } catch {
      return 'is not a readable PEM certificate';
    }
  }
  if (value.kind === SecretValueKind.HTPASSWD) {
    // bcrypt's modular crypt format: $2a$/$2b$/$2y$, a two-digit cost, then 53 characters of salt and hash
    const prefix = `${value.user}:`;
    return kept.startsWith(prefix) && /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(kept.slice(prefix.length))
      ? undefined : `is not an htpasswd line for ${value.user} with a bcrypt hash`;
  }
  return undefined;
}
