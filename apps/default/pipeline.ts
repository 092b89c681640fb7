import { IConstruct } from 'constructs';
import { Image, Images, toYaml } from '../../lib';

/**
 * The step images of the example pipeline; relocated like the platform's own, so builds pull through Harbor too, or
 * from the air-gap mirror (and are listed in `images.pairs.txt`).
 */
export const PIPELINE_IMAGES = {
  test: Image.of('docker.io/library/golang:1.23.4'),
  publish: Image.of('docker.io/plugins/kaniko:1.10.6'),
  migrate: Image.of('docker.io/library/postgres:17.9-bookworm'),
};

/**
 * The demo repository's `.drone.yml`: it pulls its step images with the `harbor-pull` pipeline secret, pushes
 * with `harbor-push`, and migrates with `demo-database`, none of whose values the repository ever holds.
 *
 * @param runnerLabels the labels of the runner that runs the pipelines: every pipeline gets them as its `node:`,
 * which the server matches exactly against runner labels (harness v2.28.2 `scheduler/queue/queue.go:266-276`)
 */
export function examplePipeline(scope: IConstruct, harborHost: string, runnerLabels: Readonly<Record<string, string>> = {}): string {
  const image = (i: Image) => Images.resolve(scope, i).reference;
  const node = Object.keys(runnerLabels).length > 0 ? { node: { ...runnerLabels } } : {};
  const secret = (name: string, path: string, key: string) => ({ kind: 'secret', name, get: { path, name: key } });
  return toYaml([
    secret('harbor_pull', 'harbor-pull', '.dockerconfigjson'),
    secret('docker_config', 'harbor-push', 'docker_config'),
    secret('database_url', 'demo-database', 'url'),
    {
      kind: 'pipeline',
      type: 'kubernetes',
      name: 'build',
      ...node,
      image_pull_secrets: ['harbor_pull'],
      steps: [
        { name: 'test', image: image(PIPELINE_IMAGES.test), commands: ['go test ./...'] },
        {
          name: 'publish',
          image: image(PIPELINE_IMAGES.publish),
          settings: {
            registry: harborHost,
            repo: `${harborHost}/apps/demo`,
            tags: '${DRONE_COMMIT_SHA:0:8}',
            config: { from_secret: 'docker_config' },
          },
          when: { event: ['push', 'tag'] },
        },
      ],
    },
    {
      kind: 'pipeline',
      type: 'kubernetes',
      name: 'migrate',
      ...node,
      depends_on: ['build'],
      image_pull_secrets: ['harbor_pull'],
      trigger: { event: ['promote'] },
      steps: [{
        name: 'migrate',
        image: image(PIPELINE_IMAGES.migrate),
        environment: { DATABASE_URL: { from_secret: 'database_url' } },
        commands: ['psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f migrations.sql'],
      }],
    },
  ]);
}
