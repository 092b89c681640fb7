// The DigitalOcean program's entry point (Pulumi.yaml `main`) reads the mark its stack's last update kept and exports
// this run's: the language host awaits the promise it exports and takes what it resolves to as the stack's outputs
// (@pulumi/pulumi 3.270.0 cmd/run/run.js:521-523), and a refusal rejects it, which the host prints as its one line.
import * as pulumi from '@pulumi/pulumi';
import { settled, setup, stackReads } from './digitalocean/harness';
import { printed } from './printed';

describe('the DigitalOcean program\'s entry point', () => {
  const stack = { outputs: {} as Record<string, unknown> };
  beforeAll(async () => {
    await setup({ stackOutputs: stack, organization: 'organization' });
    pulumi.runtime.setAllConfig({
      'dockyard:domain': 'example.com', 'dockyard:bucket': 'example-harbor', 'dockyard:gitClientId': 'replace-with-oauth-client-id',
      'dockyard:gitClientSecret': 'github-oauth-client-secret', 'dockyard:organization': 'example', 'dockyard:admin': 'example-admin',
    });
  });

  /** What the entry point's module exports, loaded anew. */
  function run(): Promise<Record<string, unknown>> {
    let exported: Promise<Record<string, unknown>> | undefined;
    jest.isolateModules(() => {
      exported = require('../../apps/digitalocean/index');
    });
    return exported!;
  }

  test('a first update reads its own stack (a diy backend\'s: the stack\'s name alone) and exports the mark beside the outputs', async () => {
    stackReads.length = 0;
    const outputs = await run();
    await settled(100);
    expect(stackReads).toEqual(['test']);
    expect(Object.keys(outputs)).toEqual(['harborUrl', 'ciUrl', 'droneUrl', 'registryHost', 'adminPasswordCommand', 'kubeconfig', 'loadBalancerIp',
      'nextSteps', 'dockyardMark']);
    expect(outputs.dockyardMark).toMatch(/^The CI servers' admins it named, .*\nThe images of the workloads whose version changes are checked/s);
    // a plain output: the mark holds no secret
    expect(pulumi.Output.isInstance(outputs.dockyardMark)).toBe(false);
  });

  test('the next update refuses a Harbor older than the one the last update ran, rejecting with the synth\'s line', async () => {
    const first = (await run()).dockyardMark as string;
    await settled(100);
    stack.outputs = { dockyardMark: first.replace(/(harbor-core:)v\d+\.\d+\.\d+/, '$1v2.99.0'), kubeconfig: 'k' };
    // a run that refuses nothing registers its resources: let them, before the test fails
    const err = await run().then(async () => { await settled(100); throw new Error('no refusal'); }, (e: Error) => e);
    expect(printed(err)).toMatch(/^invalid version "[0-9.]+" of Deployment harbor\/harbor-core: the stack's last update ran \S+:v2\.99\.0 there, .*run pulumi up once with DOCKYARD_VERSION_CHANGE=harbor\/harbor-core$/);
  });
});
