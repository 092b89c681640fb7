import { App } from 'cdk8s';
import { CiEngineKind, DockyardChart, TeamMember, TeamPlatform } from '../../lib';
import { defaultPlatform } from '../default/stack';
import { TeamsConfig } from './config';

/** The name of example team `i` (1-based): `team-0001`, …, sorted as numbered. */
export function teamName(i: number): string {
  return `team-${String(i).padStart(4, '0')}`;
}

/**
 * The default platform with `config.teams` application teams onboarded onto it. Each team owns the repositories
 * `<organization>/<team>-*` (on Woodpecker, which routes exact repositories, `<organization>/<team>-app`), an app namespace named after it, a build namespace `<team>-builds` on the shared
 * runner, a Harbor project with 20 GiB, and pulls through the platform's Docker Hub proxy cache. The first team
 * shows the options: a second app namespace (`<team>-staging`), a smaller quota, and its people, the OIDC group
 * `<team>-developers` (bound as `oidc:<team>-developers`, as an API server with `--oidc-groups-prefix=oidc:` names
 * it), who may read its namespaces and builds.
 */
export function teamsStack(app: App, config: TeamsConfig): DockyardChart {
  // the platform's own push and pull secrets go to its demo only: a team pushes to its own project, never to `apps`
  const platform = defaultPlatform(app, config, { sharedPipelineRepos: [`${config.organization}/demo`] });
  const teams = new TeamPlatform(platform.chart, 'Teams', {
    ci: platform.ci,
    harbor: platform.harbor,
    sharedProjects: platform.proxyCache ? [platform.proxyCache] : [],
    // a mirror's login (DOCKYARD_IMAGE_MIRROR_USER): every team's build pods pull the engine's relocated clone image
    // from it, and its apps their relocated images
    sharedLogins: platform.mirrorCredential ? [platform.mirrorCredential] : [],
    // DOCKYARD_API_SERVER: every team's deploy pipelines reach it from the team's build namespace, as the demo's do
    // from dockyard-deploy
    ...(config.apiServer ? { apiServer: config.apiServer.peer, apiServerPort: config.apiServer.port } : {}),
    // the API server's --oidc-groups-prefix: team groups are bound as oidc:<group>
    groupsPrefix: 'oidc:',
    // DOCKYARD_TEAM_SHARDS: the teams' objects over that many files, one GitOps Application or Kustomization each
    outputShards: config.teamShards,
  });
  for (let i = 1; i <= config.teams; i++) {
    const name = teamName(i);
    teams.addTeam({
      name,
      // Woodpecker routes exact repositories only (WoodpeckerCi): there each team owns one, `<team>-app`
      repos: [config.ci === CiEngineKind.WOODPECKER ? `${config.organization}/${name}-app` : `${config.organization}/${name}-*`],
      ...(i === 1 ? {
        namespaces: [name, `${name}-staging`], quota: { cpu: '2', memory: '4Gi', pods: 20 }, members: [TeamMember.group(`${name}-developers`)],
      } : {}),
    });
  }
  return platform.chart;
}
