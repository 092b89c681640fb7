import { createHash, generateKeyPairSync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { SecretFile } from './output-file';
import { renderDockerConfig, Secret, SecretKey, SecretValue, SecretValueKind } from './secret';
import { toYaml } from './yaml';
import { selfSignedCertificatePem } from './x509';

/** Props of a `LocalSecretStore`. */
export interface LocalSecretStoreProps {
  /**
   * The JSON file that keeps generated values between synths. Keep it out of git; losing it rotates every credential.
   *
   * @default ".dockyard/secrets.json"
   */
  readonly statePath?: string;
}

interface State {
  readonly version: 1;
  readonly values: Record<string, string>;
}

/**
 * The secret source of the embedded default stack.
 *
 * Each generated value is drawn once from a crypto-random source, saved in a local state file (mode 0600), and
 * reused on every later synth, so credentials never churn. The Secrets are rendered to their own manifest, apart
 * from the main manifests, which stay free of credentials and byte-identical between synths.
 *
 * RSA keys are kept like random values. Certificates and htpasswd lines are derived from other values but still
 * kept, for they embed a random serial, salt and timestamp: each is saved with a `<key>#inputs` entry, the SHA-256
 * of what it was made from, and is made again only when that changes (a rotated key or password, a new user).
 */
export class LocalSecretStore {
  private readonly statePath: string;

  public constructor(props: LocalSecretStoreProps = {}) {
    this.statePath = props.statePath ?? path.join('.dockyard', 'secrets.json');
  }

  /**
   * Render every generated Secret below `scope` as a multi-document YAML manifest.
   *
   * Values missing from the state are generated and the state file is saved before the manifest is returned.
   */
  public render(scope: IConstruct): string {
    return this.renderAll(scope).manifest;
  }

  /** Render the Secrets' manifest and every `SecretFile` below `scope`, such as node registry credentials. */
  public renderAll(scope: IConstruct): { manifest: string; files: { path: string; content: string }[] } {
    const state = this.load();
    const values = { ...state.values };
    const missing: string[] = [];
    const valueOf = (key: SecretKey): string => {
      const secret = key.secret as Secret;
      return produce(secret.values[key.key], `${secret.namespace}/${secret.secretName}/${key.key}`);
    };
    const produce = (value: SecretValue, stateKey: string): string => {
      switch (value.kind) {
        case SecretValueKind.RANDOM:
          values[stateKey] ??= random(value.alphabet!, value.length!, value.mixedClasses ?? false);
          return values[stateKey];
        case SecretValueKind.COPY:
          return valueOf(value.sources.value);
        case SecretValueKind.TEMPLATE:
          return value.template!.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => valueOf(value.sources[name]));
        case SecretValueKind.RSA_PRIVATE_KEY:
          values[stateKey] ??= rsaPrivateKey(value.bits!);
          return values[stateKey];
        case SecretValueKind.CERTIFICATE: {
          const key = valueOf(value.sources.key);
          return derive(stateKey, [value.commonName, value.days, key],
            () => selfSignedCertificatePem(key, { commonName: value.commonName!, days: value.days! }));
        }
        case SecretValueKind.DOCKER_CONFIG_JSON:
          return renderDockerConfig(value, Object.fromEntries(Object.entries(value.sources).map(([name, key]) => [name, valueOf(key)])));
        case SecretValueKind.INPUT:
          values[stateKey] ??= process.env[value.env!] ?? '';
          if (values[stateKey] === '') {
            delete values[stateKey];
            missing.push(`${value.env} (${value.description})`);
          }
          return values[stateKey] ?? '';
        case SecretValueKind.HTPASSWD: {
          const password = valueOf(value.sources.password);
          return derive(stateKey, [value.user, password], () => `${value.user}:${bcrypt().hashSync(password, 10)}`);
        }
      }
    };
    /** The kept value at `stateKey` if it was made from `inputs`, else a new one from `make`. */
    const derive = (stateKey: string, inputs: unknown[], make: () => string): string => {
      const fingerprint = createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
      if (values[stateKey] === undefined || values[`${stateKey}#inputs`] !== fingerprint) {
        values[stateKey] = make();
        values[`${stateKey}#inputs`] = fingerprint;
      }
      return values[stateKey];
    };
    const docs = Secret.allIn(scope).flatMap((secret) => {
      const data = Object.fromEntries(Object.keys(secret.values).sort()
        .map((k) => [k, produce(secret.values[k], `${secret.namespace}/${secret.secretName}/${k}`)]));
      return secret.namespaces.map((namespace) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: secret.secretName,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'dockyard' },
          ...(Object.keys(secret.annotations).length > 0 ? { annotations: secret.annotations } : {}),
        },
        type: secret.type,
        stringData: data,
      }));
    });
    const files = SecretFile.allIn(scope).map((f) => ({ path: f.path, content: produce(f.value, `file:${f.path}`) }));
    if (missing.length > 0) {
      throw new Error(`missing secret inputs: set ${[...new Set(missing)].join(', ')} and synth again; nothing was written`);
    }
    if (JSON.stringify(values) !== JSON.stringify(state.values)) {
      this.save({ version: 1, values });
    }
    const header = `# Generated by Dockyard from ${this.statePath}. Holds credentials: never commit it.\n`;
    return { manifest: header + toYaml(docs), files };
  }

  /** Write a manifest from `render`, or another credential file, to `file`, readable only by its owner. */
  public writeManifest(file: string, manifest: string): void {
    writePrivate(file, manifest);
  }

  private load(): State {
    if (!fs.existsSync(this.statePath)) {
      return { version: 1, values: {} };
    }
    const state = JSON.parse(fs.readFileSync(this.statePath, 'utf8')) as State;
    if (state.version !== 1 || typeof state.values !== 'object') {
      throw new Error(`unsupported secret state in ${this.statePath}: expected version 1`);
    }
    return state;
  }

  private save(state: State): void {
    const sorted = Object.fromEntries(Object.entries(state.values).sort(([a], [b]) => a.localeCompare(b)));
    writePrivate(this.statePath, JSON.stringify({ version: 1, values: sorted }, undefined, 2) + '\n');
  }
}

function rsaPrivateKey(bits: number): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
}

/** bcryptjs, loaded only when a hash must be made: a synth whose state holds every value never pays for it. */
function bcrypt(): typeof import('bcryptjs') {
  return require('bcryptjs');
}

/** Draw `length` characters uniformly from `alphabet`; rejection sampling avoids modulo bias. */
function random(alphabet: string, length: number, mixedClasses: boolean): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) {
        out += alphabet[byte % alphabet.length];
      }
    }
    // redraw the rare value that lacks a class, which keeps every accepted value uniformly distributed
    if (out.length === length && mixedClasses && !(/[A-Z]/.test(out) && /[a-z]/.test(out) && /\d/.test(out))) {
      out = '';
    }
  }
  return out;
}

/** Write a file only its owner can read, atomically, so a crash never leaves half a credential file. */
function writePrivate(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
