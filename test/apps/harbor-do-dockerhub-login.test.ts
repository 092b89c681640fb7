import { harborOnDigitalOcean } from '../../apps/harbor-do/stack';
import { synthApp } from '../registry/synth-app';

/**
 * apps/harbor-do, a production example as the DigitalOcean program is: its Docker Hub login's token is a Secret the
 * user creates (as the managed services' credentials), which the proxy cache's configuration Job reads; without a
 * login the synth warns of Docker Hub's 100 anonymous pulls per 6 hours per address (docs.docker.com/docker-hub/usage/pulls/).
 */
describe('apps/harbor-do and Docker Hub', () => {
  const configOf = (docs: any[]) => docs.filter((d) => d.kind === 'ConfigMap' && d.data?.['config.json'])
    .flatMap((d) => JSON.parse(d.data['config.json']).registries ?? []);

  test('a login: the user in the configuration Job\'s config, the token from the Secret harbor-dockerhub it names in its create line', () => {
    const out = synthApp((app) => harborOnDigitalOcean(app, undefined, 'acmebot'));
    expect(configOf(out.docs)).toEqual([expect.objectContaining({ name: 'dockerhub', accessKey: 'acmebot', accessSecretEnv: 'UPSTREAM_0_PASSWORD' })]);
    const env = out.docs.filter((d) => d.kind === 'Job').flatMap((j) => j.spec.template.spec.containers.flatMap((c: any) => c.env ?? []))
      .find((e: any) => e.name === 'UPSTREAM_0_PASSWORD');
    expect(env).toEqual({ name: 'UPSTREAM_0_PASSWORD', valueFrom: { secretKeyRef: { name: 'harbor-dockerhub', key: 'token' } } });
    expect(out.stderr).not.toMatch(/Docker Hub anonymously/);
  });

  test('without a login, the synth warns once', () => {
    const out = synthApp((app) => harborOnDigitalOcean(app));
    expect(configOf(out.docs)).toEqual([expect.objectContaining({ name: 'dockerhub', accessKey: null, accessSecretEnv: null })]);
    expect(out.stderr.split('\n').filter((l) => /^dockyard: warning: proxy cache "dockerhub" of Harbor registry\.example\.com pulls Docker Hub anonymously/.test(l)))
      .toHaveLength(1);
  });
});
