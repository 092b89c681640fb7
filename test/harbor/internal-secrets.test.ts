import { Secret, SecretValue } from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';
import { inClusterHarbor, managedHarbor } from './fixtures';

// Harbor's components authenticate to each other with shared secrets, each read from one variable, so every component
// that reads a variable must be handed the same value, or their calls are refused with nothing in the manifests to show
// it (goharbor/harbor v2.15.1):
// - JOBSERVICE_SECRET: jobservice loads its whole configuration from core with it (src/pkg/config/rest/manager.go:40),
//   which core accepts as the jobservice user (src/lib/config/systemconfig.go:219-223, initSecretStore); jobservice
//   checks core's calls with it (src/jobservice/config/config.go:43, GetAuthSecret); core calls registryctl with it
//   (src/common/registryctl/client.go:44), whose every API but /api/health checks it (src/registryctl/handlers/
//   handler.go:34-39): garbage collection and blob deletion.
// - CORE_SECRET: core's own (src/lib/config/systemconfig.go:71-73), which jobservice sends back to core
//   (src/jobservice/config/config.go:56, GetUIAuthSecret) and registryctl reads (src/registryctl/config/config.go:101).
// - REGISTRY_CREDENTIAL_USERNAME/PASSWORD: how core and jobservice log in to the registry
//   (src/lib/config/systemconfig.go:77), which checks them against its htpasswd file.

function shared(build: (chart: ReturnType<typeof testChart>) => void) {
  const chart = testChart('harbor');
  build(chart);
  const objects = synth(chart);
  const envs = {
    core: envOf(container(find(objects, 'Deployment', 'harbor-core'))),
    jobservice: envOf(container(find(objects, 'Deployment', 'harbor-jobservice'))),
    registryctl: envOf(container(find(objects, 'Deployment', 'harbor-registry'), 'registryctl')),
  };
  const refOf = (env: Record<string, any>, name: string) => env[name]?.valueFrom?.secretKeyRef;
  const htpasswd = Secret.allIn(chart).find((s) => s.secretName === 'harbor-registry-htpasswd')!.values.htpasswd as SecretValue;
  return { envs, refOf, htpasswd };
}

describe.each([
  ['in-cluster PostgreSQL and Redis', inClusterHarbor],
  ['managed PostgreSQL, Valkey and Spaces', managedHarbor],
])('the secrets Harbor\'s components share, on %s', (_, harbor) => {
  test('core, jobservice and registryctl read JOBSERVICE_SECRET and CORE_SECRET from one key each', () => {
    const { envs, refOf } = shared((chart) => harbor(chart));
    for (const name of ['JOBSERVICE_SECRET', 'CORE_SECRET']) {
      const refs = Object.values(envs).map((env) => refOf(env, name));
      expect(refs[0]).toBeDefined();
      expect(refs).toEqual([refs[0], refs[0], refs[0]]);
    }
    // two secrets, not one: jobservice's grants what core's does not (the jobservice user's calls)
    expect(refOf(envs.core, 'JOBSERVICE_SECRET')).not.toEqual(refOf(envs.core, 'CORE_SECRET'));
  });

  test('core and jobservice log in to the registry as the user, and with the password, of its htpasswd line', () => {
    const { envs, refOf, htpasswd } = shared((chart) => harbor(chart));
    for (const env of [envs.core, envs.jobservice]) {
      expect(env.REGISTRY_CREDENTIAL_USERNAME.value).toBe(htpasswd.user);
      const password = htpasswd.sources.password;
      expect(refOf(env, 'REGISTRY_CREDENTIAL_PASSWORD')).toEqual({ name: password.secret.secretName, key: password.key });
    }
  });
});
