#!/usr/bin/env node
'use strict';
// The library build that `npm pack` runs (prepack): empties build/lib, then compiles lib/ with tsc and
// tsconfig.lib.json, declarations included. Emptying first matters: `npm run synth` also writes build/lib (without
// declarations, see scripts/build-synth.js), and a file left from a deleted source must never ship.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
fs.rmSync(path.join(ROOT, 'build', 'lib'), { recursive: true, force: true });
const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.lib.json')], { stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
