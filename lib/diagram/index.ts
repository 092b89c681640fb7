import { toDot } from './dot';
import { platformGraph } from './model';
import { renderSvg } from './render';

export { toDot } from './dot';
export { DiagramInputError, loadObjects, manifestFiles } from './manifests';
export { platformGraph, secretsRead, workloadId } from './model';
export type { DiagramEdge, DiagramNode, DiagramNodeKind, PlatformGraph } from './model';
export { renderSvg } from './render';
export { selectorMatches } from './selector';
export type { LabelSelector, LabelSelectorRequirement } from './selector';
export { runDiagramCli } from './cli';
export type { CliIo } from './cli';

/** The picture of a platform. */
export interface PlatformDiagram {
  /** The Graphviz DOT source. */
  readonly dot: string;
  /** The SVG that Graphviz renders from it. */
  readonly svg: string;
}

/** The DOT source and SVG picture of a stack's objects (`chart.toJson()`, or the documents of synthesized YAML). */
export async function platformDiagram(objects: readonly any[]): Promise<PlatformDiagram> {
  const dot = toDot(platformGraph(objects));
  return { dot, svg: await renderSvg(dot) };
}
