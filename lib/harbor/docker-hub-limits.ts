// Why a Docker Hub proxy cache without a login is warned of at synth. Docker Hub limits pulls to 100 per 6 hours
// per IPv4 address (or IPv6 /64) for unauthenticated clients, 200 per 6 hours for a Personal account, none for Pro,
// Team and Business; a pull is a manifest GET, and a HEAD ("version check") is not counted (docs.docker.com/
// docker-hub/usage/pulls/, docker/docs content/manuals/docker-hub/usage/pulls.md at 000a96d, "Pull definition" and
// "View pull rate and limit"). Harbor pulls as its registry endpoint's credential, anonymous without one, from its
// egress address: on a cluster behind one NAT address every node's and build's cache miss shares those 100.
//
// What Harbor does at the limit (goharbor/harbor v2.15.1): a tag pull always HEADs the upstream
// (src/controller/proxy/controller.go:183, UseLocalManifest), which costs no pull; a 429 there serves the cached copy
// if there is one (:185-187), and fails the pull with 429 "too many requests to upstream registry" if there is none
// (:188, src/server/middleware/repoproxy/proxy.go:158-160, :54). A pull by digest already cached never asks the
// upstream (controller.go:177-180). So the limit bites on cache misses and moved tags, and there the node's runtime
// falls back to Docker Hub itself, from the same address (README, "Node mirrors").

/**
 * The synth's one-line warning for Docker Hub proxy cache `project` of the Harbor at `host`, which has no login.
 *
 * @internal
 */
export function anonymousDockerHubWarning(project: string, host: string): string {
  return `proxy cache ${JSON.stringify(project)} of Harbor ${host} pulls Docker Hub anonymously (upstream: ProxyUpstream.dockerHub() ` +
    'without credentials): Docker Hub allows 100 pulls per 6 hours per IPv4 address (https://docs.docker.com/docker-hub/usage/pulls/), ' +
    'one quota for every node and build behind the cluster\'s egress address, and past it a pull of an image Harbor has not cached ' +
    'fails with 429 toomanyrequests; set ProxyUpstream.dockerHub({ username, password }) with a Docker Hub access token, or ' +
    '{ anonymous: true } to accept the limit';
}
