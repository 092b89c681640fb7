import { DeployIdentity, Image, Pipeline, PipelineEvent, SecretRef, Step } from '../../lib';

/**
 * The step images of the example pipelines; relocated like the platform's own, so builds pull through Harbor too, or
 * from the air-gap mirror (and are listed in `images.pairs.txt`). The image build runs `ImageBuilder.DEFAULT`.
 */
export const PIPELINE_IMAGES = {
  test: Image.of('docker.io/library/golang:1.23.4'),
  migrate: Image.of('docker.io/library/postgres:17.9-bookworm'),
};

/** The events the demo's pipelines run on, and so the events its route, secrets and deploy identity are granted for. */
export const DEMO_EVENTS = {
  build: [PipelineEvent.PUSH, PipelineEvent.TAG],
  deploy: [PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK],
};

/** Where the demo's migrations connect: its database's server, role and name (the password is `demo-database`'s). */
export interface DemoDatabase {
  /** The server's host. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** The role. */
  readonly user: string;
  /** The database. */
  readonly databaseName: string;
}

/**
 * The demo repository's pipelines, for either engine: `build` tests and pushes an image to Harbor's `apps` project
 * with `harbor-push`; `deploy` migrates the database with `demo-database` as the deploy identity. Every step image is
 * pulled with `harbor-pull`. The repository never holds any of those values; `RepositoryPipelines` checks at synth that
 * the platform grants each of them to the demo for these events.
 */
export function demoPipelines(harborHost: string, deployer: DeployIdentity, database: DemoDatabase): Pipeline[] {
  return [
    new Pipeline({
      name: 'build',
      events: DEMO_EVENTS.build,
      pullSecret: 'harbor-pull',
      steps: [
        Step.run('test', { image: PIPELINE_IMAGES.test, commands: ['go test ./...'] }),
        Step.buildImage('publish', { repository: `${harborHost}/apps/demo`, dockerConfig: SecretRef.of('harbor-push', 'docker_config') }),
      ],
    }),
    new Pipeline({
      name: 'deploy',
      events: DEMO_EVENTS.deploy,
      dependsOn: ['build'],
      pullSecret: 'harbor-pull',
      steps: [Step.deploy('migrate', {
        identity: deployer,
        image: PIPELINE_IMAGES.migrate,
        // the password in libpq's PGPASSWORD, the rest of the connection beside it: a URL with the password in psql's
        // arguments would show in the step's process list (ps, /proc/<pid>/cmdline)
        env: { PGHOST: database.host, PGPORT: String(database.port), PGUSER: database.user, PGDATABASE: database.databaseName, PGSSLMODE: 'disable' },
        secrets: { PGPASSWORD: SecretRef.of('demo-database', 'password') },
        commands: ['psql -v ON_ERROR_STOP=1 -f migrations.sql'],
      })],
    }),
  ];
}
