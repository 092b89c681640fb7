import * as fs from 'fs';
import * as path from 'path';
import { debugRequested } from '../core/debug';
import { toDot } from './dot';
import { DiagramInputError, loadObjects, manifestFiles } from './manifests';
import { platformGraph } from './model';
import { renderSvg } from './render';

const USAGE = `Usage: dockyard-diagram [--help] [--out <dir>] [<file-or-dir>...]

Draws the platform that synthesized Kubernetes manifests describe: namespaces as groups, workloads
(Deployments, StatefulSets, DaemonSets, Jobs, CronJobs), the network paths their NetworkPolicies admit,
labelled with ports, and the Secrets each workload reads, by name. Writes platform.dot and platform.svg
to --out (default: the first directory given, or the directory of the first file). Directories are
searched recursively for *.yaml and *.yml files, except *.local.yaml (generated Secrets, never read).
Default input: dist, which \`npm run synth\` writes.
`;

/** Where the CLI writes. */
export interface CliIo {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
}

const PROCESS_IO: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** Runs `dockyard-diagram` with `argv` (without node and script); resolves to the exit code. Errors are one line. */
export async function runDiagramCli(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    return await main(argv, io);
  } catch (e) {
    const message = e instanceof DiagramInputError ? e.message : debugRequested() ? (e as Error).stack : (e as Error).message;
    io.stderr(`dockyard-diagram: ${message}\n`);
    return 1;
  }
}

async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const inputs: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      io.stdout(USAGE);
      return 0;
    } else if (arg === '--out' || arg === '-o') {
      out = argv[++i];
      if (out === undefined || out === '') throw new DiagramInputError(`${arg} needs a directory (see --help)`);
    } else if (arg.startsWith('--out=')) {
      out = arg.slice('--out='.length);
    } else if (arg.startsWith('-')) {
      throw new DiagramInputError(`unknown option: ${arg} (see --help)`);
    } else {
      inputs.push(arg);
    }
  }
  const args = inputs.length > 0 ? inputs : ['dist'];
  const hint = inputs.length > 0 ? '' : ' (run `npm run synth` first to write it)';
  const files = args.flatMap((arg) => {
    try {
      return manifestFiles(arg);
    } catch (e) {
      throw e instanceof DiagramInputError ? new DiagramInputError(e.message + hint) : e;
    }
  });
  if (files.length === 0) throw new DiagramInputError(`no *.yaml or *.yml files in ${args.join(', ')}${hint}`);
  const graph = platformGraph(files.flatMap(loadObjects));
  const workloads = graph.nodes.filter((n) => n.kind === 'workload').length;
  if (workloads === 0 && graph.namespaces.length === 0) {
    throw new DiagramInputError(`no namespaces or workloads in ${args.join(', ')} (read ${files.join(', ')})`);
  }

  const dot = toDot(graph);
  const svg = await renderSvg(dot);
  const dir = out ?? (fs.statSync(args[0]).isDirectory() ? args[0] : path.dirname(args[0]));
  fs.mkdirSync(dir, { recursive: true });
  const dotFile = path.join(dir, 'platform.dot');
  const svgFile = path.join(dir, 'platform.svg');
  fs.writeFileSync(dotFile, dot);
  fs.writeFileSync(svgFile, svg);
  const paths = graph.edges.filter((e) => e.kind === 'network').length;
  const secrets = graph.nodes.filter((n) => n.kind === 'secret').length;
  io.stdout(`dockyard-diagram: wrote ${dotFile} and ${svgFile}: ${graph.namespaces.length} namespaces, ${workloads} workloads, `
    + `${paths} network paths, ${secrets} Secrets\n`);
  return 0;
}
