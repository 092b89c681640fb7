#!/usr/bin/env node
'use strict';
// Draws the platform of synthesized manifests (default: dist/) as platform.svg in that directory, or in --out (npm run
// diagram writes diagram/, outside dist/, which every synth replaces), with its DOT source beside it.
// The work is done by the compiled library (lib/diagram); see `dockyard-diagram --help`.

let cli;
try {
  cli = require('../build/lib/diagram/cli');
} catch (e) {
  if (e.code === 'MODULE_NOT_FOUND' && String(e.message).split('\n')[0].includes('build/lib/diagram/cli')) {
    process.stderr.write('dockyard-diagram: build/lib/diagram is missing: run `npm run build` first\n');
    process.exit(1);
  }
  throw e;
}
cli.runDiagramCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
