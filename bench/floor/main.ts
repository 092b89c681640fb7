// The floor the benchmark compares against: a one-Deployment cdk8s-plus-27 app, synthesized the same way.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

const app = new App();
const chart = new Chart(app, 'floor');
new kplus.Deployment(chart, 'Web', { containers: [{ image: 'docker.io/library/nginx:1.27.3', portNumber: 8080 }] });
app.synth();
