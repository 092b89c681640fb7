/**
 * The SVG of a DOT source, laid out by Graphviz (`dot`) compiled to WebAssembly (`@viz-js/viz`, an optional peer
 * dependency: only the diagram needs it).
 */
export async function renderSvg(dot: string): Promise<string> {
  let viz: typeof import('@viz-js/viz');
  try {
    viz = require('@viz-js/viz');
  } catch (e) {
    throw new Error(`rendering SVG needs the @viz-js/viz package, an optional peer dependency of dockyard: npm install @viz-js/viz@^3.31.0 (${(e as Error).message.split('\n')[0]})`);
  }
  const instance = await viz.instance();
  return instance.renderString(dot, { format: 'svg', engine: 'dot' });
}
