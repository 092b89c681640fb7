// Dockyard's input refusals under the Pulumi language host: the host logs an error that the SDK's own
// `RunError.isInstance` recognises as its message alone, and any other with the program's path and its stack
// (@pulumi/pulumi 3.270.0 cmd/run/run.js:377-379 `log.error(err.message)`, against 398-400; no helper of the SDK
// formats the RunError case). So each refusal must be a RunError to the SDK, with a one-line message.
import { RunError } from '@pulumi/pulumi';
import { setup } from './digitalocean/harness';
import { appReadingProvidedSecret } from './provided-secret-app';
import { thrown } from '../util';
import { printed } from './printed';

describe('ValidationError under Pulumi', () => {
  beforeAll(setup);

  test('lib/core alone leaves it a plain Error: only lib/pulumi knows Pulumi', () => {
    jest.isolateModules(() => {
      const { invalid } = require('../../lib/core/validation');
      expect(RunError.isInstance(thrown(() => invalid('size', 'big', 'must be small')))).toBe(false);
    });
  });

  test.each(['../../lib/pulumi', '../../lib/pulumi/digitalocean'])('loading %s makes every one a RunError, shown as its line alone', (entry) => {
    jest.isolateModules(() => {
      require(entry);
      const { invalid } = require('../../lib/core/validation');
      const err = thrown(() => invalid('size', 'big', 'must be small'));
      expect(printed(err)).toBe('invalid size "big": must be small');
      // the mark is the prototype's, not the error's own: nothing shown with the error (util.inspect, JSON) gains it
      expect(Object.keys(err)).not.toContain('__pulumiRunError');
    });
  });

  test('a bad setting of the DigitalOcean program, even where only its settings are read', () => {
    jest.isolateModules(() => {
      const { readSettings } = require('../../apps/digitalocean/config');
      const settings: Record<string, string> = {
        domain: 'example.com', bucket: 'acme-ci', gitClientId: 'Iv1.0123456789abcdef', organization: 'acme', admin: 'alice', postgresSize: 'db-s-1vcpu-1GB',
      };
      expect(printed(thrown(() => readSettings((k: string) => settings[k])))).toMatch(/^invalid postgresSize "db-s-1vcpu-1GB": must be a DigitalOcean PostgreSQL size slug /);
    });
  });

  test('a component refusing its args, and ChartDeployment refusing what a construct it renders lacks', async () => {
    const { ManagedValkey } = await import('../../lib/pulumi/digitalocean');
    expect(printed(thrown(() => new ManagedValkey('bad', { region: 'fra1', kubernetesClusterId: 'doks', nodeCount: 4, size: 'm-2vcpu-16gb' }))))
      .toBe('invalid nodeCount 4: must be an integer from 1 to 3');

    const { Postgres } = await import('../../lib');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const { app, chart } = await appReadingProvidedSecret();
    expect(printed(thrown(() => new ChartDeployment('d', { app, secrets: [] })))).toBe('missing provided secrets: ci/drone-oauth (client-secret)');
    // a construct's own refusal, thrown while the program builds the charts
    expect(printed(thrown(() => new Postgres(chart, 'Big', { maxConnections: 0 })))).toMatch(/^invalid maxConnections 0: must be an integer from /);
  });
});
