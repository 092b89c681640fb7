// Every export of the public entry points (lib/index.ts, and lib/pulumi/index.ts and lib/pulumi/digitalocean, which lib/index.ts does not
// re-export) has a doc comment, and so does every public member of an exported class, interface, object type or
// enum; every optional property of an interface or object type says its `@default`. This is what `npm run docs`
// (typedoc) renders; the check runs on the TypeScript compiler API instead, so it needs no docs build.
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'lib').split(path.sep).join('/') + '/'; // compiler file names use '/'
const ENTRY_POINTS = ['lib/index.ts', 'lib/pulumi/index.ts', 'lib/pulumi/digitalocean/index.ts'];

/** One missing piece of documentation. `key` is stable (no line numbers), `where` points at the declaration. */
interface Offender {
  readonly key: string;
  readonly where: string;
}

/**
 * Offenders that existed when this test was written (issue 10). The list may only shrink: a new undocumented export
 * fails the test, and so does an entry here that is now documented (delete it). Do not add to it.
 */
const KNOWN_OFFENDERS: readonly string[] = [];

function undocumented(): Offender[] {
  const tsconfig = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(tsconfig.config, ts.sys, ROOT);
  const program = ts.createProgram(ENTRY_POINTS.map((p) => path.join(ROOT, p)), { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const offenders = new Map<string, Offender>();
  const seen = new Set<ts.Node>();

  const inLib = (d: ts.Declaration) => d.getSourceFile().fileName.startsWith(LIB);
  const where = (d: ts.Declaration) => {
    const sf = d.getSourceFile();
    const { line } = sf.getLineAndCharacterOfPosition(d.getStart());
    return `${path.relative(ROOT, sf.fileName)}:${line + 1}`;
  };
  const report = (key: string, d: ts.Declaration) => {
    if (!offenders.has(key)) offenders.set(key, { key, where: where(d) });
  };
  const tags = (d: ts.Declaration) => ts.getJSDocTags(d).map((t) => t.tagName.text);
  const hidden = (d: ts.Declaration) => tags(d).some((t) => t === 'internal' || t === 'hidden' || t === 'ignore');
  const hasDoc = (s: ts.Symbol) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim() !== '';
  const nonPublic = (d: ts.Declaration) =>
    (ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Private) !== 0 || ts.getNameOfDeclaration(d)?.kind === ts.SyntaxKind.PrivateIdentifier;

  /** Checks the members of an object type: own and inherited ones declared in lib/, each once. */
  const checkMembers = (owner: string, type: ts.Type, statics: ts.Symbol[] = []) => {
    for (const member of [...checker.getPropertiesOfType(type), ...statics]) {
      for (const d of member.declarations ?? []) {
        if (!inLib(d) || seen.has(d) || nonPublic(d) || hidden(d) || member.name === 'prototype') continue;
        seen.add(d);
        const parent = d.parent && (ts.isClassLike(d.parent) || ts.isInterfaceDeclaration(d.parent)) && d.parent.name ? d.parent.name.text : owner;
        const name = `${parent}.${member.name}`;
        if (!hasDoc(member)) report(`${name}: no doc comment`, d);
        if (ts.isPropertySignature(d) && d.questionToken && !hasDefault(member, d)) report(`${name}: optional property without @default`, d);
        checkTypesOf(name, d, ts.isPropertySignature(d));
      }
    }
  };
  /**
   * Checks the properties of object types written inline in a declaration's signature, as typedoc renders them:
   * `files: { path: string; content: string }[]`. An optional one needs a `@default` where it is an input: in a
   * parameter, or in a property of an interface (a props interface).
   */
  const checkTypesOf = (owner: string, d: ts.Declaration, input: boolean) => {
    const visit = (node: ts.Node, isInput: boolean) => {
      if (ts.isTypeLiteralNode(node)) {
        for (const m of node.members) {
          if (!ts.isPropertySignature(m) || !m.name || hidden(m)) continue;
          const name = `${owner}.${m.name.getText()}`;
          const symbol = (m as unknown as { symbol?: ts.Symbol }).symbol;
          if (!symbol || !hasDoc(symbol)) report(`${name}: no doc comment`, m);
          if (m.questionToken && isInput && !(symbol && hasDefault(symbol, m))) report(`${name}: optional property without @default`, m);
          if (m.type) checkTypesOf(name, m, isInput);
        }
        return;
      }
      ts.forEachChild(node, (child) => visit(child, isInput));
    };
    const typed = d as ts.Declaration & { type?: ts.TypeNode; parameters?: ts.NodeArray<ts.ParameterDeclaration> };
    if (ts.isPropertySignature(d) || ts.isPropertyDeclaration(d) || ts.isParameter(d) || ts.isVariableDeclaration(d) || ts.isTypeAliasDeclaration(d) ||
        ts.isGetAccessor(d) || ts.isFunctionLike(d)) {
      if (typed.type) visit(typed.type, input);
      for (const p of (ts.isFunctionLike(d) ? d.parameters : [])) if (p.type) visit(p.type, true);
    }
  };
  const hasDefault = (member: ts.Symbol, d: ts.Declaration) =>
    tags(d).some((t) => t === 'default' || t === 'defaultValue') || member.getJsDocTags(checker).some((t) => t.name === 'default' || t.name === 'defaultValue');

  const checkExport = (exported: ts.Symbol) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decls = (symbol.declarations ?? []).filter(inLib);
    if (decls.length === 0 || decls.every((d) => seen.has(d))) return;
    decls.forEach((d) => seen.add(d));
    if (decls.some(hidden)) return;
    if (!hasDoc(symbol)) report(`${symbol.name}: no doc comment`, decls[0]);
    if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) decls.forEach((d) => checkTypesOf(symbol.name, d, false));
    if (symbol.flags & ts.SymbolFlags.Class) {
      const statics = [...(symbol.exports?.values() ?? [])];
      checkMembers(symbol.name, checker.getDeclaredTypeOfSymbol(symbol), statics);
    } else if (symbol.flags & ts.SymbolFlags.Interface) {
      checkMembers(symbol.name, checker.getDeclaredTypeOfSymbol(symbol));
    } else if (symbol.flags & ts.SymbolFlags.Enum) {
      for (const m of symbol.exports?.values() ?? []) {
        const d = m.declarations?.[0];
        if (d && !hasDoc(m)) report(`${symbol.name}.${m.name}: no doc comment`, d);
      }
    } else if (symbol.flags & ts.SymbolFlags.TypeAlias) {
      const d = decls.find(ts.isTypeAliasDeclaration);
      if (d && ts.isTypeLiteralNode(d.type)) checkMembers(symbol.name, checker.getTypeAtLocation(d.type));
    } else if (symbol.flags & (ts.SymbolFlags.NamespaceModule | ts.SymbolFlags.ValueModule)) {
      checker.getExportsOfModule(symbol).forEach(checkExport);
    }
  };

  for (const entry of ENTRY_POINTS) {
    const source = program.getSourceFile(path.join(ROOT, entry));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`no module symbol for ${entry}`);
    checker.getExportsOfModule(moduleSymbol).forEach(checkExport);
  }
  return [...offenders.values()].sort((a, b) => a.key.localeCompare(b.key));
}

describe('API reference', () => {
  let offenders: Offender[];
  beforeAll(() => {
    offenders = undocumented();
  });

  test('every export has a doc comment and every optional property a @default', () => {
    const known = new Set(KNOWN_OFFENDERS);
    const fresh = offenders.filter((o) => !known.has(o.key));
    if (fresh.length > 0) {
      throw new Error(`${fresh.length} export(s) lack documentation (the API reference is generated from these comments):\n` +
        fresh.map((o) => `  ${o.where}  ${o.key}`).join('\n'));
    }
  });

  test('the known-offender list only shrinks', () => {
    const current = new Set(offenders.map((o) => o.key));
    const fixed = KNOWN_OFFENDERS.filter((k) => !current.has(k));
    if (fixed.length > 0) {
      throw new Error(`now documented: delete these from KNOWN_OFFENDERS in test/docs/api-docs.test.ts:\n` +
        fixed.map((k) => `  ${JSON.stringify(k)},`).join('\n'));
    }
    expect(new Set(KNOWN_OFFENDERS).size).toBe(KNOWN_OFFENDERS.length);
  });
});
