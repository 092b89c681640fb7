// Repository names in another case than the forge's, on Drone: the secrets extension grants in any case, the runner's
// policies route only the exact case, so a route pattern in the wrong case leaves the repository's pipelines, and
// their secrets, in the default build namespace. Evaluated with the models of test/drone/upstream.ts; the grants
// model (PipelineGrants) must agree with them, and typed pipelines refuse the mismatch with one line.
//
// Upstream: the runner matches a policy's `match.repo` against `args.Repo.Slug` (drone-runner-kube v1.0.0-rc.5
// engine/compiler/compiler.go:344-353,636-638, engine/policy/match.go:12-16) with runner-go v1.12.0
// manifest/cond.go:7,72-79, i.e. bmatcuk/doublestar v1.1.1 Match, which compares runes exactly (doublestar.go:440-446).
// The slug is the forge's own spelling: harness v2.28.2 service/repo/util.go:30 and service/syncer/util.go:31
// (`scm.Join(src.Namespace, src.Name)`), go-scm v1.42.2 scm/driver/github/repo.go:263-264 (`from.Owner.Login`,
// `from.Name`). The extension lower-cases both sides (drone-kubernetes-secrets plugin/match.go:12-24).
import { parseAllDocuments } from 'yaml';
import {
  DeployAccess, DroneCi, DroneKubeRunner, DroneSecretsExtension, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, SecretValue, Step,
} from '../../lib';
import { IMAGES } from '../ci/pipeline-fixtures';
import { synth, testChart } from '../util';
import { droneServer } from './fixtures';
import { matchPolicy, parsePolicies, placeBuild, runnerConfigFiles, secretReadable } from './upstream';

const { PUSH, TAG, PROMOTE, ROLLBACK, CRON, CUSTOM, PULL_REQUEST } = PipelineEvent;

/** A platform whose route, secrets and pull secret name `acme/demo` in lower case, as the forge may not. */
function platform() {
  const chart = testChart('ci');
  const server = droneServer(chart);
  const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
  const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension, buildNamespace: 'builds', extraBuildNamespaces: ['deploys'] });
  const engine = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
  const deployer = new DeployAccess(chart, 'Deployer', { namespace: 'demo', serviceAccountNamespace: 'deploys' });
  const secret = engine.addPipelineSecret('Database', { name: 'demo-database', repos: ['acme/demo'], values: { url: SecretValue.input('DEMO_DB_URL', 'the URL') } });
  engine.addImagePullSecret('Pull', { name: 'harbor-pull', repos: ['acme/*'], dockerConfig: SecretValue.input('PULL', 'a login') });
  engine.addRoute({ name: 'demo-deploy', repos: ['acme/demo'], namespace: 'deploys', serviceAccountName: deployer.serviceAccountName });
  return { chart, engine, deployer, secret };
}

describe('Drone routes a repository only in its exact case, and grants its secrets in any', () => {
  const { chart, engine, secret } = platform();
  const objects = synth(chart);
  const config = runnerConfigFiles(objects);
  const policies = parsePolicies(config['policies.yaml']);
  const rules = parseAllDocuments(config['namespace-rules.yaml'])[0].toJS() as Record<string, string[]>;
  const env = { DRONE_NAMESPACE_DEFAULT: 'builds' };
  // the annotations the extension reads (X-Drone-Repos, X-Drone-Events), as the Secret carries them
  const annotations = secret.annotations;

  test('the forge\'s "Acme/Demo" gets the secret, but not the route: it builds in the default namespace, as default', () => {
    expect(secretReadable(annotations, { repo: 'Acme/Demo', event: 'push' })).toBe(true);
    // only the catch-all `default`, which sets no namespace (drone-runner-kube v1.0.0-rc.5 engine/policy/match.go:12-24)
    expect(matchPolicy(policies, { repo: 'Acme/Demo', event: 'push' })?.name).toBe('default');
    expect(placeBuild(env, policies, rules, { repo: 'Acme/Demo', event: 'push' })).toEqual({ namespace: 'builds', serviceAccountName: 'default' });
    // asking for the route's namespace itself, it is refused by the namespace rules, which match case-sensitively too
    // (engine/linter/linter.go:207-224, doublestar.Match)
    expect(placeBuild(env, policies, rules, { repo: 'Acme/Demo', event: 'push' }, { namespace: 'deploys', serviceAccountName: 'deployer' }))
      .toEqual({ refused: 'linter: pipeline restricted from using configured namespace' });
    expect(placeBuild(env, policies, rules, { repo: 'acme/demo', event: 'push' })).toEqual({ namespace: 'deploys', serviceAccountName: 'deployer' });
  });

  test.each([PUSH, TAG, PROMOTE, ROLLBACK, CRON, CUSTOM, PULL_REQUEST])('routesFor agrees with the rendered policies for %s, in either spelling', (event) => {
    for (const repo of ['acme/demo', 'Acme/Demo', 'ACME/demo', 'acme/other']) {
      const routed = engine.grants.routesFor(repo, event)[0];
      const policy = matchPolicy(policies, { repo, event });
      // the guard policy pins a routed repository's other events back; no route, and only the catch-all policy
      // `default`, for the rest
      expect(routed?.name).toBe(policy?.name === 'other-events' || policy?.name === 'default' ? undefined : policy?.name);
    }
  });
});

describe('typed pipelines for a repository that the route names in another case are refused, with one line', () => {
  const render = (repo: string, pipeline: (deployer: DeployAccess) => Pipeline) => () => {
    const { chart, engine, deployer } = platform();
    new RepositoryPipelines(chart, 'Demo', { engine, repo, pipelines: [pipeline(deployer)] }).render();
  };
  const deploy = (deployer: DeployAccess) => new Pipeline({
    name: 'deploy', events: [PROMOTE], steps: [Step.deploy('rollout', { identity: deployer, image: IMAGES.go, commands: ['true'] })],
  });
  const migrate = () => new Pipeline({
    name: 'migrate', events: [PUSH], steps: [Step.run('migrate', { image: IMAGES.psql, commands: ['true'], secrets: { URL: SecretRef.of('demo-database', 'url') } })],
  });
  const pull = () => new Pipeline({ name: 'build', events: [PUSH], pullSecret: 'harbor-pull', steps: [Step.run('test', { image: IMAGES.go, commands: ['true'] })] });
  const NOTE = 'route demo-deploy matches Acme/Demo only ignoring case ("acme/demo"), and Drone runner policies match repositories ' +
    'case-sensitively, where the secrets extension matches any case';

  test.each([
    ['a deploy identity: no route covers the forge\'s spelling', deploy,
      'invalid pipelines.deploy.steps.rollout.identity "deploys/deployer": must be the identity the platform runs Acme/Demo\'s promote ' +
      `pipelines as: no route covers them (addRoute); ${NOTE}: write repositories and their patterns in the forge's exact case`],
    ['a secret, which the extension would hand to the pipeline in the default build namespace', migrate,
      'invalid pipelines.migrate.steps.migrate.secrets.URL "demo-database/url": must reach Acme/Demo\'s push pipelines under the route ' +
      `meant for them, not in the default build namespace builds: route demo-deploy (namespace deploys) matches Acme/Demo only ignoring case ("acme/demo"), ` +
      'and Drone runner policies match repositories case-sensitively, where the secrets extension matches any case; write repositories and their ' +
      'patterns in the forge\'s exact case'],
    ['a pull secret, likewise', pull,
      'invalid pipelines.build.pullSecret "harbor-pull": must reach Acme/Demo\'s push pipelines under the route meant for them, not in the ' +
      'default build namespace builds: route demo-deploy (namespace deploys) matches Acme/Demo only ignoring case ("acme/demo"), and Drone ' +
      'runner policies match repositories case-sensitively, where the secrets extension matches any case; write repositories and their patterns ' +
      'in the forge\'s exact case'],
  ])('%s', (_what, pipeline, error) => {
    expect(render('Acme/Demo', pipeline)).toThrow(error);
    try {
      render('Acme/Demo', pipeline)();
    } catch (e) {
      expect((e as Error).message).toBe(error);
    }
    // spelled as the route spells it, the same pipeline renders
    expect(render('acme/demo', pipeline)).not.toThrow();
  });

  test('a pipeline with no credential, and a repository no route means, are not refused', () => {
    expect(render('Acme/Demo', () => new Pipeline({ name: 'lint', events: [PUSH], steps: [Step.run('lint', { image: IMAGES.go, commands: ['true'] })] })))
      .not.toThrow();
    // acme/* grants the pull secret in any case; no route means Acme/Other, so it runs in the pool as any repository does
    expect(render('Acme/Other', pull)).not.toThrow();
  });
});

describe('DroneKubeRunner.addPolicy refuses the patterns whose runner match differs from the secrets extension\'s', () => {
  const runner = () => {
    const chart = testChart('ci');
    return new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), buildNamespace: 'builds', extraBuildNamespaces: ['deploys'] });
  };

  test.each([
    // doublestar.go:149-162: a whole "**" part matches any number of parts, e.g. a GitLab subgroup's acme/sub/app
    ['acme/**', '"acme/**"'],
    ['**/app', '"**/app"'],
    // doublestar.go:343-357,448-453: a part ending in "***" needs a character there; path.Match reads "***" as "*"
    ['acme/app***', '"acme/app***"'],
  ])('%s', (pattern, shown) => {
    expect(() => runner().addPolicy({ name: 'p', repos: ['acme/ok', pattern], namespace: 'deploys' })).toThrow(
      `invalid repos ["acme/ok",${JSON.stringify(pattern)}]: ${shown} must not have a part that is "**" or ends in three or more "*": the runner ` +
      'matches those otherwise than the secrets extension (doublestar, not path.Match), so the policy and the secrets would cover different ' +
      'repositories; write one "*"');
  });

  test('accepts the forms both read alike: "*", "**" inside a part, "?" and slugs', () => {
    expect(() => runner().addPolicy({ name: 'p', repos: ['acme/*', 'acme/app-**-x', 'acme/app**', 'acme/a?p', 'Acme/Demo'], namespace: 'deploys' })).not.toThrow();
  });
});
