import * as fs from 'fs';
import * as path from 'path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { finding, type Finding } from './finding';
import type { K8sObject } from './types';

export type SchemaVersion = '1.27.0' | '1.36.0';

interface Definition {
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: { group?: string; version: string; kind: string }[];
}

/** Where the Kubernetes OpenAPI definitions are read from: `DOCKYARD_K8S_SCHEMAS`, else `../shared/k8s-schemas` beside the clone. */
export function schemaDir(): string {
  return process.env.DOCKYARD_K8S_SCHEMAS ?? path.resolve(__dirname, '../../../../shared/k8s-schemas');
}

const gvkKey = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

/** Closes every object schema so a misspelt field is an error; the API server would silently drop it. */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(closeObjects);
  if (!node || typeof node !== 'object') return;
  const schema = node as Definition;
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    schema.additionalProperties = false;
  }
  Object.values(schema).forEach(closeObjects);
}

/** Checked lightly: the API server does the exact parsing, we only want ajv to know the names. */
const FORMATS = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  double: { type: 'number', validate: () => true },
  byte: { type: 'string', validate: /^[A-Za-z0-9+/]*={0,2}$/ },
  'date-time': { type: 'string', validate: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i },
} as const;

/** One Ajv per Kubernetes version, holding the definitions doc once; kinds compile on first use. */
class VersionedValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly byGvk = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly docId: string;

  constructor(readonly version: SchemaVersion) {
    // Parsed afresh from disk, so closing the schemas mutates a private copy (never a shared require() cache).
    const doc = JSON.parse(fs.readFileSync(path.join(schemaDir(), `v${version}.json`), 'utf8')) as {
      definitions: Record<string, Definition>;
    };
    closeObjects(doc.definitions);
    for (const [name, def] of Object.entries(doc.definitions)) {
      for (const { group, version: v, kind } of def['x-kubernetes-group-version-kind'] ?? []) {
        this.byGvk.set(gvkKey(group ? `${group}/${v}` : v, kind), name);
      }
    }
    for (const [name, format] of Object.entries(FORMATS)) this.ajv.addFormat(name, format);
    this.docId = `k8s-${version}`;
    this.ajv.addSchema(doc, this.docId);
  }

  validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const name = this.byGvk.get(gvkKey(apiVersion, kind));
    if (!name) return undefined;
    let validate = this.compiled.get(name);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${this.docId}#/definitions/${name}` });
      this.compiled.set(name, validate);
    }
    return validate;
  }
}

const validators = new Map<SchemaVersion, VersionedValidator>();

function validatorsFor(version: SchemaVersion): VersionedValidator {
  let v = validators.get(version);
  if (!v) validators.set(version, (v = new VersionedValidator(version)));
  return v;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const extra = error.keyword === 'additionalProperties' ? ` "${String(error.params.additionalProperty)}"` : '';
  return `${where} ${error.message ?? error.keyword}${extra}`;
}

/** Strict structural validation against the Kubernetes OpenAPI schema of one release. */
export function validateSchema(objects: readonly K8sObject[], version: SchemaVersion): Finding[] {
  const schemas = validatorsFor(version);
  return objects.flatMap((obj) => {
    const validate = schemas.validatorFor(obj.apiVersion ?? '', obj.kind ?? '');
    if (!validate) {
      return [finding('schema/unknown-kind', obj, `${obj.apiVersion}/${obj.kind} does not exist in Kubernetes ${version}`)];
    }
    if (validate(obj)) return [];
    // allErrors reports each oneOf branch separately, so identical lines are folded.
    const messages = [...new Set((validate.errors ?? []).map(describe))];
    return messages.map((m) => finding('schema/invalid', obj, `[${version}] ${m}`));
  });
}
