/**
 * The most teams the multi-team example (`apps/teams`, `DOCKYARD_TEAMS`) onboards. On Drone, the runner's policy
 * file (ConfigMap `drone-runner-config`, which the runner reads as one file) grows by about 227 bytes per team and
 * passes the 1 MiB every object may have near 4,630 teams (994.0 KiB at 4,500); past that a stack needs dedicated
 * runners, each with its teams' policies.
 */
export const MAX_TEAMS = 4500;
