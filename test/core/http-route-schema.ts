// Validates a rendered HTTPRoute the way the API server would with the Gateway API v1.6.1 standard-channel CRD
// (../shared/k8s-crds/gateway-api-v1.6.1/httproutes.yaml, identical to kubernetes-sigs/gateway-api v1.6.1
// config/crd/standard/gateway.networking.k8s.io_httproutes.yaml): its schema, closed, and by hand the CEL rules
// (`x-kubernetes-validations`) that apply to the fields Dockyard sets.
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

const CRDS = process.env.DOCKYARD_K8S_CRDS ?? path.resolve(__dirname, '../../../shared/k8s-crds');

/** Closes every object schema, as the policy suite does, so a misspelt field is an error. */
function closeObjects(node: any): void {
  if (Array.isArray(node)) return node.forEach(closeObjects);
  if (!node || typeof node !== 'object') return;
  if (node.properties && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    node.additionalProperties = false;
  }
  Object.values(node).forEach(closeObjects);
}

let compiled: ValidateFunction | undefined;

/** The HTTPRoute v1 schema of the Gateway API v1.6.1 standard-channel CRD, closed; compiled once. */
function httpRouteValidator(): ValidateFunction {
  if (compiled) return compiled;
  const file = path.join(CRDS, 'gateway-api-v1.6.1', 'httproutes.yaml');
  const crd = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).find((d) => d?.kind === 'CustomResourceDefinition');
  const schema = crd.spec.versions.find((v: any) => v.name === 'v1').schema.openAPIV3Schema;
  closeObjects(schema);
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', { type: 'string', validate: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i });
  return (compiled = ajv.compile(schema));
}

const GO_UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/**
 * A duration the CRD's pattern admits, in milliseconds, read left to right as CEL's `duration()` reads it (Go's
 * time.ParseDuration: the longest unit that fits, so "5ms" is five milliseconds).
 */
function celDurationMs(text: string): number {
  let ms = 0;
  for (let rest = text; rest !== '';) {
    const group = /^(\d+)(ms|h|m|s)/.exec(rest);
    if (!group) return NaN;
    ms += Number(group[1]) * GO_UNIT_MS[group[2]];
    rest = rest.slice(group[0].length);
  }
  return ms;
}

/**
 * Structural errors against the CRD schema, plus the CEL rules that apply to the fields Dockyard sets, evaluated
 * here by hand: a Service backendRef needs a port; PathPrefix values are clean absolute paths; parentRefs are
 * distinct; at most 128 matches in all; a rule's `timeouts.backendRequest` is no longer than a non-zero `request`.
 */
export function httpRouteErrors(route: any): string[] {
  const validate = httpRouteValidator();
  const errors = validate(route) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  for (const rule of route.spec.rules ?? []) {
    for (const ref of rule.backendRefs ?? []) {
      if ((ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service' && ref.port === undefined) errors.push(`backendRef ${ref.name}: no port`);
    }
    for (const m of rule.matches ?? []) {
      const v: string = m.path?.value ?? '/';
      const clean = v.startsWith('/') && !/\/\/|\/\.\/|\/\.\.\/|%2f|#/i.test(v) && !/\/\.\.?$/.test(v)
        && /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(v);
      if (!clean) errors.push(`path ${v}: not a clean absolute path`);
    }
    // HTTPRouteTimeouts: "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s')
    // && duration(self.backendRequest) > duration(self.request))" (gateway-api v1.6.1 apis/v1/httproute_types.go
    // line 334; httproutes.yaml lines 3141-3146)
    const t = rule.timeouts;
    if (typeof t?.request === 'string' && typeof t?.backendRequest === 'string') {
      const request = celDurationMs(t.request);
      const backend = celDurationMs(t.backendRequest);
      if (request !== 0 && backend > request) errors.push('timeouts: backendRequest timeout cannot be longer than request timeout');
    }
  }
  const keys = (route.spec.parentRefs ?? []).map((p: any) => JSON.stringify([p.group, p.kind, p.namespace, p.name, p.sectionName, p.port]));
  if (new Set(keys).size !== keys.length) errors.push('parentRefs: not distinct');
  if ((route.spec.rules ?? []).reduce((n: number, r: any) => n + (r.matches?.length ?? 1), 0) > 128) errors.push('rules: more than 128 matches');
  return errors;
}
