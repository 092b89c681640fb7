import { DiagramNode, DiagramNodeKind, PlatformGraph } from './model';

/** A DOT double-quoted string; `\n` between lines. Backslashes are doubled so Graphviz reads no escape of its own. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, ' ')}"`;
}

function label(lines: readonly string[]): string {
  return `"${lines.map((l) => quote(l).slice(1, -1)).join('\\n')}"`;
}

const NODE_STYLE: Record<DiagramNodeKind, string> = {
  'workload': 'shape=box, style="rounded,filled", fillcolor="#dbeafe", color="#1d4ed8"',
  'any-pod': 'shape=ellipse, style=dashed, color="#1d4ed8"',
  'pods': 'shape=ellipse, style=dashed, color="#1d4ed8"',
  'external': 'shape=folder, style=filled, fillcolor="#f3f4f6", color="#6b7280"',
  'ip-block': 'shape=hexagon, style=filled, fillcolor="#fee2e2", color="#b91c1c"',
  'anywhere': 'shape=hexagon, style=filled, fillcolor="#fee2e2", color="#b91c1c"',
  'secret': 'shape=note, style=filled, fillcolor="#fef9c3", color="#a16207"',
  'empty': 'shape=plaintext, fontcolor="#6b7280"',
};

function nodeLine(n: DiagramNode, indent: string): string {
  return `${indent}${quote(n.id)} [label=${label(n.label)}, class=${quote(n.kind)}, ${NODE_STYLE[n.kind]}];`;
}

/** The DOT source of a platform graph: one statement per line, in the graph's (sorted) order. */
export function toDot(graph: PlatformGraph): string {
  const out: string[] = [
    'digraph platform {',
    '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=1.2, labelloc=t, '
      + 'label="Dockyard platform: workloads, the network paths NetworkPolicies admit, and the Secrets each workload reads"];',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const ns of graph.namespaces) {
    out.push(`  subgraph ${quote(`cluster_${ns}`)} {`);
    out.push(`    graph [label=${quote(`namespace ${ns}`)}, class="namespace", style="rounded", color="#9ca3af"];`);
    for (const n of graph.nodes.filter((x) => x.namespace === ns)) out.push(nodeLine(n, '    '));
    out.push('  }');
  }
  for (const n of graph.nodes.filter((x) => x.namespace === undefined)) out.push(nodeLine(n, '  '));
  for (const e of graph.edges) {
    const style = e.kind === 'network' ? 'color="#1d4ed8"' : 'style=dashed, color="#a16207", fontcolor="#a16207", arrowhead=vee';
    out.push(`  ${quote(e.from)} -> ${quote(e.to)} [class=${quote(e.kind)}, label=${quote(e.label)}, ${style}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
