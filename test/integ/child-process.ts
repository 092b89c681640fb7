import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Helpers shared by the integration-test server harnesses. */

/** Write `files` under `dir`, refusing paths that would escape it. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const target = path.resolve(dir, name);
    if (path.isAbsolute(name) || !target.startsWith(dir + path.sep)) {
      throw new Error(`file name ${JSON.stringify(name)} must be a relative path inside the temp dir`);
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

/** Collects a child's stdout and stderr, keeping the last `limit` characters. */
export class LogBuffer {
  private text = '';
  constructor(private readonly limit = 256 * 1024) {}
  public append(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.limit) {
      this.text = this.text.slice(-this.limit);
    }
  }
  public toString(): string {
    return this.text;
  }
}

/** Resolve when `child` has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}
