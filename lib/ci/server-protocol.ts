/** The scheme users, webhooks and (for Drone) runners reach a CI server's web UI with. */
export enum ServerProtocol {
  /** The default: users, webhooks and runners reach the server over TLS. */
  HTTPS = 'https',
  /** Only for local trials: cookies and OAuth then travel unencrypted. */
  HTTP = 'http',
}
