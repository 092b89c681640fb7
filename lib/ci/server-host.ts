import { IConstruct } from 'constructs';
import { describeValue } from '../core/validation';
import { warnOnce } from '../core/warn';

/** Where a CI server's forge sends its webhooks and its users' browsers back to, below the server's public URL. */
export interface ForgeCallbacks {
  /** The webhook target's path, e.g. `/hook`. */
  readonly hook: string;
  /** The OAuth callback's path, e.g. `/login`. */
  readonly login: string;
  /** A fully qualified host the warning gives as an example, e.g. `drone.example.com`. */
  readonly example: string;
}

/**
 * Warn, once, of a CI server's public `host` (`host[:port]`, checked) that is a single DNS label (`drone`,
 * `localhost:8080`): both engines build the forge's webhook target and OAuth callback from it alone, unchecked, and
 * such a name resolves only through a resolver's search domains, never from a public forge, which then delivers no
 * push and starts no build. Warned, not refused: an intranet forge and the users' browsers may resolve it.
 *
 * @param construct what the warning calls the server, e.g. `DroneServer`
 * @param url the server's public URL, `<scheme>://<host>`
 * @param paths the webhook target's and the OAuth callback's paths below `url`, and an example host
 * @internal
 */
export function warnSingleLabelHost(scope: IConstruct, construct: string, host: string, url: string, paths: ForgeCallbacks): void {
  if (host.replace(/:\d+$/, '').includes('.')) {
    return;
  }
  warnOnce(scope, `${construct} host ${describeValue(host)} is a single DNS label: the forge sends webhooks to ${url}${paths.hook} and users' ` +
    `browsers back to ${paths.login} there, a name that resolves only through a resolver's search domains and never from a public forge ` +
    `(github.com, gitlab.com); give the fully qualified name, such as ${describeValue(paths.example)}`);
}
