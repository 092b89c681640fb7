/**
 * Why Drone takes no route by branch (`CiRouteProps.branches`, `TeamProps.branches`), as its refusals say it. A custom
 * build names its branch and its commit apart (harness v2.28.2 `handler/api/repos/builds/create.go:66`), so a policy's
 * `match.branch` (the build's target, drone-runner-kube v1.0.0-rc.5 `engine/compiler/compiler.go:344-353`) would give
 * any writer's commit the route as that branch; and the secrets extension serves a secret by event and repository
 * alone (drone-kubernetes-secrets `plugin/plugin.go:55-69`), every branch alike.
 */
export const DRONE_NO_BRANCHES = 'must be left out on Drone, which routes by repository and event only: a custom build names any ' +
  'commit as the branch it gives, and the secrets extension serves every branch of a repository and event alike, so a runner policy ' +
  'by branch would keep neither other branches\' code nor their secret requests out; route by branch on Woodpecker';
