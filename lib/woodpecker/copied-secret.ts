import { Secret } from '../core';

/**
 * A generated Secret of the engine's that is rendered only where it is shared: a pipeline or pull secret, which only
 * the agents of some build namespaces hand to pipelines. It is declared in the engine's namespace, which keys its
 * values in the secret state (`<namespace>/<name>/<key>`), so they stay the same however routes move it; but no pod
 * of the engine's namespace reads it, so that namespace holds no copy unless something shares it there.
 */
export class CopiedSecret extends Secret {
  private readonly shared = new Set<string>();

  /** The namespaces it is shared with: its own first if among them, then the others in name order, as `Secret` orders them. */
  public override get namespaces(): string[] {
    const others = [...this.shared].filter((n) => n !== this.namespace).sort();
    return this.shared.has(this.namespace) ? [this.namespace, ...others] : others;
  }

  public override shareWith(namespace: string): void {
    super.shareWith(namespace);
    this.shared.add(namespace);
  }
}
