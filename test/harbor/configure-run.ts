import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scriptCode } from '../../lib/harbor/script-code';
import { FakeHarbor, secretEchoes } from './fake-harbor';

// The one harness of the tests that run lib/harbor/configure.js against the fake Harbor (configure-script.test.ts,
// configure-oidc.test.ts): a fresh fake for each test, and a runner that fails the test if any run prints a secret.

const SCRIPT = path.resolve(__dirname, '../../lib/harbor/configure.js');
/** The script as the Job runs it: its ConfigMap holds the code without its comment lines (configure-job.ts). */
const shipped = (dir: string): string => {
  const file = path.join(dir, 'configure.js');
  fs.writeFileSync(file, scriptCode(fs.readFileSync(SCRIPT, 'utf8')));
  return file;
};

/** What one run of the script printed, and how it ended. */
export interface ConfigureRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Standard output and standard error, interleaved as they arrived. */
  readonly output: string;
}

/** The harness `configureHarness` sets up in the calling test file. */
export interface ConfigureHarness {
  /** The running test's fake Harbor, started with the harness's admin password. */
  readonly harbor: FakeHarbor;
  /** Replace the running test's fake with a fresh one whose admin password is `password`. */
  restart(password: string): Promise<void>;
  /**
   * Run the script against the fake with `cfg` in a fresh config file and a minimal environment, nothing inherited:
   * the admin password, the harness's secrets, then `env` (a variable `undefined` there is left out). `watch` sees
   * the standard output so far each time it grows, and may `stop` the run (SIGKILL: its code is then null). Whatever the outcome, the run fails if its output holds the admin
   * password or a secret variable's value (as `env` left them) in any form `secretEchoes` knows.
   */
  run(cfg: unknown, env?: Record<string, string | undefined>, watch?: (stdout: string, stop: () => void) => void): Promise<ConfigureRun>;
}

/**
 * The echoes of `secrets` (see secretEchoes) found in `output`, as "<secret #>.<form>" names. With
 * `prefixes`, the first 4 characters of a form (whitespace flattened or not) count too: what is
 * left of a secret cut short. Forms whose start is not secret material (a base64 blob starting
 * with the user name) are only looked for whole.
 */
export function leaks(output: string, secrets: string[], options: { username?: string; prefixes?: boolean } = {}): string[] {
  const found: string[] = [];
  secrets.forEach((secret, i) => {
    for (const [name, form] of Object.entries(secretEchoes(secret, options.username))) {
      const checks = [form];
      if (options.prefixes && name !== 'basic' && name !== 'base64Embedded') {
        checks.push(form.slice(0, 4), form.replace(/\s+/g, ' ').trim().slice(0, 4));
      }
      if (checks.some((c) => c.length >= 4 && output.includes(c))) {
        found.push(`${i}.${name}`);
      }
    }
  });
  return found;
}

/**
 * Set up, in the calling test file (at its top level or in a `describe`), a fake Harbor per test with admin password
 * `adminPassword`, and a runner of the script whose environment holds `secrets` (variable name to value).
 */
export function configureHarness(options: { adminPassword: string; secrets: Readonly<Record<string, string>> }): ConfigureHarness {
  let tmp = '';
  let script = '';
  let harbor: FakeHarbor | undefined;
  let runs = 0;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'harbor-configure-'));
    script = shipped(tmp);
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(async () => {
    harbor = await FakeHarbor.start({ password: options.adminPassword });
  });
  afterEach(async () => {
    await harbor?.close();
    harbor = undefined;
  });
  const current = (): FakeHarbor => {
    if (harbor === undefined) throw new Error('the fake Harbor runs only inside a test');
    return harbor;
  };
  return {
    get harbor() {
      return current();
    },
    async restart(password) {
      await current().close();
      harbor = await FakeHarbor.start({ password });
    },
    run(cfg, env = {}, watch) {
      const file = path.join(tmp, `config-${runs++}.json`);
      fs.writeFileSync(file, JSON.stringify(cfg));
      const merged: Record<string, string | undefined> = {
        PATH: process.env.PATH,
        HARBOR_URL: current().url,
        HARBOR_ADMIN_PASSWORD: options.adminPassword,
        CONFIG_FILE: file,
        HARBOR_RETRY_INTERVAL_MS: '10',
        HARBOR_WAIT_SECONDS: '5',
        ...options.secrets,
        ...env,
      };
      const fullEnv: Record<string, string> = {};
      for (const [key, value] of Object.entries(merged)) {
        if (value !== undefined) fullEnv[key] = value;
      }
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let output = '';
        const stop = () => child.kill('SIGKILL');
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          output += chunk;
          watch?.(stdout, stop);
        });
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
          output += chunk;
        });
        const timer = setTimeout(stop, 15_000);
        child.once('error', reject);
        child.once('close', (code) => {
          clearTimeout(timer);
          const secrets = [fullEnv.HARBOR_ADMIN_PASSWORD, ...Object.keys(options.secrets).map((name) => fullEnv[name])]
            .filter((v) => v !== undefined && v.length >= 4);
          try {
            expect(leaks(output, secrets, { username: fullEnv.HARBOR_USERNAME })).toEqual([]);
          } catch (err) {
            reject(err);
            return;
          }
          resolve({ code, stdout, stderr, output });
        });
      });
    },
  };
}
