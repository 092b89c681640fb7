// Every type the public API names is exported beside it: a props interface, a member or a parameter of an exported
// declaration that names a type of lib/ the entry point does not export leaves a library user unable to write that
// type (to declare a variable of it, or a function that builds one) without a deep import, which the package's
// `exports` closes. Found in a user trial: `WoodpeckerBuildNamespaces.AGENT_RULES` named `PolicyRule`.
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'lib').split(path.sep).join('/') + '/'; // compiler file names use '/'
const ENTRY_POINTS = ['lib/index.ts', 'lib/pulumi/index.ts', 'lib/pulumi/digitalocean/index.ts'];

/** `<type> <- <exported declaration>` for each type of lib/ an entry point's public signatures name but do not export. */
function unexportedTypes(): string[] {
  const tsconfig = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(tsconfig.config, ts.sys, ROOT);
  const program = ts.createProgram(ENTRY_POINTS.map((p) => path.join(ROOT, p)), { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const resolve = (s: ts.Symbol) => ((s.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(s) : s);
  const exportsOf = (entry: string) => checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, entry))!)!).map(resolve);
  // a user has every entry point: the Pulumi ones name the root's types (SecretKey), which the root exports
  const exported = new Set(ENTRY_POINTS.flatMap(exportsOf));
  const found = new Set<string>();
  for (const entry of ENTRY_POINTS) {
    const hidden = (n: ts.Node) => ts.getJSDocTags(n).some((t) => t.tagName.text === 'internal');
    const nonPublic = (n: ts.Node) => (ts.canHaveModifiers(n) && (ts.getCombinedModifierFlags(n as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0)
      || ((ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isGetAccessor(n))
        && (ts.isPrivateIdentifier(n.name) || n.name.getText().startsWith('_')));
    /** The type nodes of a declaration's public signature: never a body or an initializer. */
    const typesOf = (n: ts.Node): ts.Node[] => {
      if (nonPublic(n) || hidden(n)) return [];
      if (ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n)) {
        return [...(n.heritageClauses ?? []).flatMap((h) => [...h.types]), ...(n.members as ts.NodeArray<ts.Node>).flatMap(typesOf)];
      }
      if (ts.isTypeAliasDeclaration(n)) return [n.type];
      if (ts.isPropertyDeclaration(n) || ts.isPropertySignature(n) || ts.isVariableDeclaration(n) || ts.isParameter(n)) return n.type ? [n.type] : [];
      if (ts.isFunctionLike(n)) return [...n.parameters.flatMap(typesOf), ...(n.type ? [n.type] : [])];
      return [];
    };
    const visit = (n: ts.Node, owner: string) => {
      if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n)) {
        const at = ts.isTypeReferenceNode(n) ? n.typeName : n.expression;
        const symbol = checker.getSymbolAtLocation(ts.isQualifiedName(at) ? at.right : at);
        const target = symbol && resolve(symbol);
        const declaration = target?.declarations?.[0];
        if (target && declaration && declaration.getSourceFile().fileName.startsWith(LIB) && !exported.has(target)
          && (target.flags & ts.SymbolFlags.TypeParameter) === 0 && !hidden(declaration)) {
          found.add(`${target.name} <- ${owner} (${entry})`);
        }
      }
      ts.forEachChild(n, (c) => visit(c, owner));
    };
    for (const symbol of exportsOf(entry)) {
      for (const d of symbol.declarations ?? []) {
        if (d.getSourceFile().fileName.startsWith(LIB)) typesOf(d).forEach((t) => visit(t, symbol.name));
      }
    }
  }
  return [...found].sort();
}

describe('the public API', () => {
  test('exports every type its public signatures name', () => {
    expect(unexportedTypes()).toEqual([]);
  });
});
