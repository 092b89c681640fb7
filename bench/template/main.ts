import { Construct } from 'constructs';
import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

export class MyChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = { }) {
    super(scope, id, props);

    // define resources here
    new kplus.Deployment(this, 'Web', { containers: [{ image: 'docker.io/library/nginx:1.27.3', portNumber: 8080 }] });
  }
}

const app = new App();
new MyChart(app, 'template');
app.synth();
