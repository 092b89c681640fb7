// What a registry user name may be, for RegistryCredential's check of a plain one and PullSecret's of one given as a
// key. Not exported from lib/registry.

/**
 * A registry user name: no ":", which would move the rest into the password where the kubelet splits a pull secret's
 * `auth` at its first ":" (kubernetes v1.35.0 pkg/credentialprovider/config.go `decodeDockerConfigFieldAuth`), and
 * no whitespace or control character.
 */
export const USER_NAME = /^[^\s:\p{Cc}]+$/u;

/** What `USER_NAME` allows, as a refusal says it. */
export const USER_NAME_RULE = 'must be a non-empty name without ":", whitespace or control characters';
