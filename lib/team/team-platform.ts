import { Construct } from 'constructs';
import { invalid, NetworkPeer } from '../core';
import { DroneKubeRunner, DroneSecretsExtension, IDroneServer } from '../drone';
import { baseEgressRules, BuildEgressProps } from '../drone/build-egress';
import { Harbor } from '../harbor';
import { Team, teamNamespaces, TeamProps } from './team';

/** Props of a `TeamPlatform`. */
export interface TeamPlatformProps {
  /** The Drone server, for teams with a dedicated runner. */
  readonly server: IDroneServer;
  /** The shared runner: teams' build namespaces and runner policies are added to it. */
  readonly runner: DroneKubeRunner;
  /** The secrets extension that holds the teams' pipeline secrets. */
  readonly secretsExtension: DroneSecretsExtension;
  /** The Harbor that holds the teams' projects and robots. */
  readonly harbor: Harbor;
  /**
   * Who may reach the teams' applications: the ingress controller's or the Gateway's pods, e.g.
   * `ServiceExposure.proxyPeer` of the exposure the platform uses.
   *
   * @default - every pod of the namespace "ingress-nginx"
   */
  readonly ingressPeers?: NetworkPeer[];
  /**
   * Harbor projects every team's pull robot may pull from besides its own, e.g. the Docker Hub proxy cache.
   *
   * @default - none
   */
  readonly sharedProjects?: string[];
  /**
   * Where the teams' app pods may open connections to, beside their own namespaces and what `Team.allowEgress`
   * declares: by default the cluster DNS and the internet outside the cluster's private, shared and link-local
   * ranges, as for build pods.
   *
   * @default - the runner's default build egress
   */
  readonly appEgress?: BuildEgressProps;
}

/**
 * The shared platform that application teams are onboarded onto, one `addTeam` each: it holds the Drone runner,
 * the secrets extension and Harbor that every team's namespaces, policies, robots and secrets are added to.
 */
export class TeamPlatform extends Construct {
  private readonly props: TeamPlatformProps;
  private readonly ingressPeers: readonly NetworkPeer[];
  private readonly appEgress: ReturnType<typeof baseEgressRules>;
  private readonly byName = new Map<string, Team>();
  private readonly claimed = new Map<string, string>();

  public constructor(scope: Construct, id: string, props: TeamPlatformProps) {
    super(scope, id);
    this.props = props;
    this.ingressPeers = props.ingressPeers ?? [NetworkPeer.namespace('ingress-nginx')];
    this.appEgress = baseEgressRules(props.appEgress ?? {}, DroneKubeRunner.CLUSTER_DNS);
  }

  /** The teams, in the order they were added. */
  public get teams(): readonly Team[] {
    return [...this.byName.values()];
  }

  /**
   * Onboard a team: its construct ID is its name, so a team keeps its objects when others are added or removed.
   * Team names, and every namespace of every team, are unique.
   */
  public addTeam(props: TeamProps): Team {
    if (this.byName.has(props.name)) {
      invalid('name', props.name, 'must be unique among the teams');
    }
    // checked before anything is defined, so a clash names both teams
    const { namespaces, buildNamespace } = teamNamespaces(props);
    for (const ns of [...namespaces, buildNamespace]) {
      const owner = this.claimed.get(ns);
      if (owner !== undefined) {
        invalid('namespaces', ns, `must belong to one team: it is already ${JSON.stringify(owner)}'s`);
      }
    }
    const team = new Team(this, props.name, {
      server: this.props.server, runner: this.props.runner, secretsExtension: this.props.secretsExtension, harbor: this.props.harbor,
      ingressPeers: this.ingressPeers, sharedProjects: this.props.sharedProjects ?? [], appEgress: this.appEgress,
    }, props);
    [...namespaces, buildNamespace].forEach((ns) => this.claimed.set(ns, team.teamName));
    this.byName.set(team.teamName, team);
    return team;
  }
}
