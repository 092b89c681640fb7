import { Chart } from 'cdk8s';
import { GitProvider, Postgres, Secret } from '../../lib';
import { WoodpeckerCi, WoodpeckerCiProps, WoodpeckerServer, WoodpeckerServerProps } from '../../lib/woodpecker';

/** A GitHub provider whose client secret is the existing Secret `woodpecker-oauth`. */
export function github(chart: Chart): GitProvider {
  return GitProvider.github({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'woodpecker-oauth').key('client-secret') });
}

/** A GitLab provider whose client secret is the existing Secret `woodpecker-oauth`. */
export function gitlab(chart: Chart): GitProvider {
  return GitProvider.gitlab({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'woodpecker-oauth').key('client-secret') });
}

/** A Woodpecker server on an in-cluster Postgres in namespace `data`. */
export function woodpeckerServer(chart: Chart, props: Partial<WoodpeckerServerProps> = {}): WoodpeckerServer {
  const postgres = new Postgres(chart, 'Postgres', { namespace: 'data' });
  return new WoodpeckerServer(chart, 'Woodpecker', {
    host: 'ci.example.com', gitProvider: github(chart), database: postgres.addDatabase('woodpecker'), ...props,
  });
}

/** A Woodpecker engine on an in-cluster Postgres in namespace `data`, with the extra build namespace `deploy`. */
export function woodpeckerCi(chart: Chart, props: Partial<WoodpeckerCiProps> = {}): WoodpeckerCi {
  const postgres = new Postgres(chart, 'Postgres', { namespace: 'data' });
  return new WoodpeckerCi(chart, 'CI', {
    host: 'ci.example.com', gitProvider: props.gitProvider ?? github(chart), database: postgres.addDatabase('woodpecker'), extraBuildNamespaces: ['deploy'],
    ...props,
  });
}
