// A reference for the 1,000-team bound: the objects a 1,000-team synth wrote, written again by cdk8s alone, each a
// plain `ApiObject` in one chart, through `app.synth()`, with no Dockyard code loaded. It tells how much of a synth
// is the cost of cdk8s holding and writing that many objects, whatever builds them.
//
// Run by bench/synth.ts: `node main.js <objects.json>`, with CDK8S_OUTDIR set. The JSON (a list of the objects) is
// read and parsed before cdk8s is loaded, and the time that took is printed on stdout, so the caller can take it
// off the run's wall time: reading the input is the benchmark's, not cdk8s's.
import * as fs from 'fs';

const start = process.hrtime.bigint();
const objects: Record<string, unknown>[] = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const parseMs = Number(process.hrtime.bigint() - start) / 1e6;

// loaded only now, so that the time printed is the parse's alone
const { ApiObject, App, Chart } = require('cdk8s') as typeof import('cdk8s');
const app = new App();
// as DockyardChart does: names as given, not hashed
const chart = new Chart(app, 'same', { disableResourceNameHashes: true });
objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
app.synth();
process.stdout.write(`${parseMs}\n`);
