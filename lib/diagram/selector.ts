import { compare } from '../core/text';

/** One requirement of a label selector: `key` `operator` (`In`, `NotIn`, `Exists`, `DoesNotExist`) `values`. */
export interface LabelSelectorRequirement {
  /** The label key. */
  readonly key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  readonly operator: string;
  /**
   * The values for `In` and `NotIn`.
   * @default none
   */
  readonly values?: readonly string[];
}

/** A Kubernetes label selector (`matchLabels` and `matchExpressions`), as found in manifests. */
export interface LabelSelector {
  /**
   * Labels a match must have, with these values.
   * @default none
   */
  readonly matchLabels?: Record<string, string>;
  /**
   * Requirements a match must meet, all of them.
   * @default none
   */
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** The label Kubernetes sets on every namespace to its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Whether `labels` match `selector`; an empty selector matches everything, as in Kubernetes. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In': if (!has || !values.includes(labels[expr.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[expr.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown label selector operator: ${expr.operator}`);
    }
  }
  return true;
}

/**
 * The namespace names a namespace selector pins with `kubernetes.io/metadata.name` (by `matchLabels` or an `In`
 * expression), or undefined when it selects by other labels only.
 */
export function pinnedNamespaces(selector: LabelSelector): string[] | undefined {
  let names: string[] | undefined;
  const byLabel = selector.matchLabels?.[NAMESPACE_NAME_LABEL];
  if (byLabel !== undefined) names = [byLabel];
  for (const expr of selector.matchExpressions ?? []) {
    if (expr.key === NAMESPACE_NAME_LABEL && expr.operator === 'In') {
      const values = [...(expr.values ?? [])];
      names = names ? names.filter((n) => values.includes(n)) : values;
    }
  }
  return names ? [...new Set(names)].sort(compare) : undefined;
}

/** A selector as short text: `a=b, c in (d, e)`, or `all` when empty. */
export function selectorText(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => compare(a, b)).map(([k, v]) => `${k}=${v}`);
  for (const expr of [...(selector.matchExpressions ?? [])].sort((a, b) => compare(a.key, b.key) || compare(a.operator, b.operator))) {
    const values = [...(expr.values ?? [])].sort(compare).join(', ');
    switch (expr.operator) {
      case 'In': parts.push(`${expr.key} in (${values})`); break;
      case 'NotIn': parts.push(`${expr.key} notin (${values})`); break;
      case 'Exists': parts.push(expr.key); break;
      default: parts.push(`!${expr.key}`);
    }
  }
  return parts.length > 0 ? parts.join(', ') : 'all';
}
