/** The SVG of a DOT source, laid out by Graphviz (`dot`) compiled to WebAssembly (`@viz-js/viz`, a dev dependency). */
export async function renderSvg(dot: string): Promise<string> {
  let viz: typeof import('@viz-js/viz');
  try {
    viz = require('@viz-js/viz');
  } catch (e) {
    throw new Error(`rendering SVG needs the @viz-js/viz package (a dev dependency of Dockyard): ${(e as Error).message.split('\n')[0]}`);
  }
  const instance = await viz.instance();
  return instance.renderString(dot, { format: 'svg', engine: 'dot' });
}
