/**
 * The ingress-nginx annotations a CI server's Ingress needs (other controllers ignore them):
 * - `proxy-body-size: 25m`: forges' webhooks reach 25 MB (GitHub caps payloads at 25 MB, and a push lists up to
 *   5,000 paths per array), and ingress-nginx refuses bodies over 1m by default, so a large push would start no build;
 * - `proxy-read-timeout: 3600`: Drone's log stream (server-sent events) may stay silent past ingress-nginx's 60 s
 *   default while a step prints nothing, as it sends its 30 s keep-alive unflushed (harness v2.28.2
 *   `handler/api/events/logs.go`), and nginx would close it. Woodpecker flushes its keep-alives (v3.17.0
 *   `server/api/stream.go`); it takes the same value, which only lets a quiet stream stay open.
 */
export const CI_SERVER_INGRESS_ANNOTATIONS: Readonly<Record<string, string>> = {
  'nginx.ingress.kubernetes.io/proxy-body-size': '25m',
  'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
};
