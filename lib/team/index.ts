export type { TeamQuota } from './quota';
export { MAX_TEAM_NAME, Team, TEAM_DEPLOYER, TEAM_LABEL, TEAM_NAMESPACE_ROLE_LABEL, TEAM_PLATFORM_LABEL } from './team';
export type { TeamContext, TeamPipelineSecretProps, TeamProps } from './team';
export { TeamMember } from './team-member';
export type { SubjectPrefixes } from './team-member';
export { TeamPlatform } from './team-platform';
export type { RetireTeamOptions, TeamPlatformProps } from './team-platform';
export {
  TEAM_INGRESS_CHECKS, TEAM_INGRESS_HOST_CHECKS, TEAM_INGRESS_HOSTS_POLICY, TEAM_INGRESS_POLICY, TEAM_ROUTE_HOST_CHECKS, TEAM_ROUTE_HOSTS_POLICY,
  TEAM_PLATFORM_OBJECT_CHECKS, TEAM_PLATFORM_OBJECTS_POLICY, TEAM_SECRET_CHECKS, TEAM_SECRET_POLICY, TEAM_SERVICE_CHECKS, TEAM_SERVICE_POLICY,
  TeamAdmissionPolicy,
} from './admission-policy';
export type { TeamAdmissionPolicyProps, TeamServiceCheck } from './admission-policy';
