import { checkDnsSubdomain, CONFIG_MAP_KEY_RULE, invalid, isConfigMapKey } from '../../core';

/**
 * A reference to one key of a pipeline secret that the platform declares (`ICiEngine.addPipelineSecret`, recorded
 * in `engine.grants.secrets`). The pipeline never holds the value: Drone fetches it from the secrets extension,
 * Woodpecker's agent mounts it from the build namespace's Secret. Checked against the grants at synth
 * (`RepositoryPipelines`).
 */
export class SecretRef {
  /**
   * A key of a pipeline secret.
   *
   * @param secretName the secret's name, as `addPipelineSecret` declared it
   * @param key one of its keys
   */
  public static of(secretName: string, key: string): SecretRef {
    checkDnsSubdomain('secretName', secretName);
    if (!isConfigMapKey(key)) {
      invalid('key', key, `must be a Secret key: ${CONFIG_MAP_KEY_RULE}`);
    }
    return new SecretRef(secretName, key);
  }

  private constructor(
    /** The secret's name. */
    public readonly secretName: string,
    /** The key. */
    public readonly key: string,
  ) {}

  /** `<secret>/<key>`, as errors show the reference. */
  public toString(): string {
    return `${this.secretName}/${this.key}`;
  }
}
