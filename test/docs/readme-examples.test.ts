// Every ```ts example of README.md type-checks against the real library. Each block becomes an in-memory module that
// imports what it uses from the package root (lib/index.ts, or `App` from cdk8s); the variables the examples share
// across blocks (`chart`, `postgres`, `harbor`, ...) come from a prelude that declares them with their Dockyard types,
// so a call with a wrong signature fails here with the README line. All blocks are checked in one program.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const README = path.join(ROOT, 'README.md');
const VIRTUAL_DIR = path.join(ROOT, 'test', 'docs', '__readme__').split(path.sep).join('/');
const LIB = '../../../lib'; // the package root, relative to VIRTUAL_DIR

/** The variables the README's examples assume, with their types (never `any`: a typo must still fail). */
const PRELUDE: Record<string, string> = {
  app: `import('cdk8s').App`,
  chart: `import('${LIB}').DockyardChart`,
  postgres: `import('${LIB}').Postgres`,
  droneDb: `import('${LIB}').IPostgresDatabase`,
  appDb: `import('${LIB}').IPostgresDatabase`,
  redis: `import('${LIB}').Redis`,
  server: `import('${LIB}').DroneServer`,
  droneProps: `import('${LIB}').DroneServerProps`,
  runner: `import('${LIB}').DroneKubeRunner`,
  secretsExtension: `import('${LIB}').DroneSecretsExtension`,
  harbor: `import('${LIB}').Harbor`,
  puller: `import('${LIB}').HarborRobot`,
  ci: `import('${LIB}').ICiEngine`,
  deployer: `import('${LIB}').DeployAccess`,
};

/** Names the examples use that come from elsewhere than the package root. */
const EXTERNAL: Record<string, string> = { App: 'cdk8s', Chart: 'cdk8s', Construct: 'constructs' };

interface Block {
  /** README line of the first line of code (the line after the fence). */
  readonly line: number;
  readonly code: string;
}

function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The identifiers a block uses but does not declare (syntactically; property names are not uses). */
function freeNames(code: string): string[] {
  const sf = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true);
  const declared = new Set<string>();
  const used = new Set<string>();
  const declare = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) declared.add(name.text);
    else name.elements.forEach((e) => ts.isBindingElement(e) && declare(e.name));
  };
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) || ts.isParameter(node)) declare(node.name);
    if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name) declared.add(node.name.text);
    if (ts.isIdentifier(node)) {
      const p = node.parent;
      const isPropertyName = (ts.isPropertyAccessExpression(p) && p.name === node) || (ts.isQualifiedName(p) && p.right === node) ||
        ((ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p)) && p.name === node);
      if (!isPropertyName) used.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const globals = new Set(Object.getOwnPropertyNames(globalThis));
  return [...used].filter((n) => !declared.has(n) && !globals.has(n)).sort();
}

/** The module a block becomes: its code on the same lines, then the imports it needs (imports are hoisted). */
function blockModule(code: string): string {
  const fromLib: string[] = [];
  const external = new Map<string, string[]>();
  for (const name of freeNames(code)) {
    if (name in PRELUDE) continue;
    const from = EXTERNAL[name];
    if (from) external.set(from, [...(external.get(from) ?? []), name]);
    else fromLib.push(name);
  }
  const imports = [
    ...(fromLib.length > 0 ? [`import { ${fromLib.join(', ')} } from '${LIB}';`] : []),
    ...[...external].map(([from, names]) => `import { ${names.join(', ')} } from '${from}';`),
  ];
  return `${code}\n${imports.join('\n')}\nexport {};\n`;
}

interface Problem {
  readonly file: string;
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

/** Type-checks the given modules (file name → text) and the prelude in one program over the real library. */
function typeCheck(modules: Map<string, string>): { problems: Problem[]; ms: number } {
  const started = Date.now();
  const tsconfig = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(tsconfig.config, ts.sys, ROOT);
  Object.assign(options, { noEmit: true, noUnusedLocals: false, noUnusedParameters: false, isolatedModules: false, exactOptionalPropertyTypes: true });
  const files = new Map(modules);
  files.set(`${VIRTUAL_DIR}/prelude.d.ts`,
    Object.entries(PRELUDE).map(([name, type]) => `declare const ${name}: ${type};`).join('\n') + '\n');
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const text = files.get(fileName);
    return text !== undefined ? ts.createSourceFile(fileName, text, languageVersion, true) : getSourceFile.call(host, fileName, languageVersion, ...rest);
  };
  host.fileExists = (fileName) => files.has(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => files.get(fileName) ?? readFile.call(host, fileName);
  const program = ts.createProgram([...files.keys()], options, host);
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...files.keys()].flatMap((f) => {
      const sf = program.getSourceFile(f)!;
      return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    }),
  ];
  const problems = diagnostics.map((d) => ({
    file: d.file?.fileName ?? '',
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1,
    code: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
  }));
  return { problems, ms: Date.now() - started };
}

describe('README examples', () => {
  const blocks = readmeBlocks(fs.readFileSync(README, 'utf8'));
  const byFile = new Map(blocks.map((b) => [`${VIRTUAL_DIR}/readme-line-${b.line}.ts`, b]));
  const modules = new Map([...byFile].map(([file, b]) => [file, blockModule(b.code)]));
  // Canaries checked in the same program: every prelude variable is typed (not `any`), and a wrong signature fails.
  const canaryVariables = Object.keys(PRELUDE).map((name) => `${name}.noSuchMember;`);
  const canaryFile = `${VIRTUAL_DIR}/canary.ts`;
  modules.set(canaryFile, [...canaryVariables, `new Postgres(chart, 'Postgres', { storageSize: 20 });`,
    `import { Postgres } from '${LIB}';`, 'export {};'].join('\n'));
  let result: { problems: Problem[]; ms: number };
  beforeAll(() => {
    result = typeCheck(modules);
  });

  test('README.md has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  test('every ```ts block of README.md compiles against lib/', () => {
    const failures = result.problems.filter((p) => p.file !== canaryFile).map((p) => {
      const block = byFile.get(p.file);
      const where = !block ? (p.file ? path.relative(ROOT, p.file) : 'program')
        : p.line < block.code.split('\n').length ? `README.md:${block.line + p.line}`
          : `README.md:${block.line - 1} (the imports of the block's free names)`;
      return `  ${where}: TS${p.code}: ${p.message}`;
    });
    if (failures.length > 0) {
      throw new Error(`${failures.length} error(s) in README.md's TypeScript examples (checked in ${result.ms} ms):\n${failures.join('\n')}`);
    }
  });

  test('the harness catches a wrong signature and an unknown member of every prelude variable', () => {
    const canary = result.problems.filter((p) => p.file === canaryFile);
    const lines = new Set(canary.map((p) => p.line));
    const missed = [...canaryVariables, 'new Postgres(... storageSize: 20 ...)'].filter((_, i) => !lines.has(i));
    expect(missed).toEqual([]);
    expect(canary.find((p) => p.line === canaryVariables.length)?.code).toBe(2322); // number is not assignable to string
  });
});
