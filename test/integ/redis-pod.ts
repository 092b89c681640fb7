import { containerOf, mountedFile, objectOf, Rendered, resolveCommand } from './rendered';

/**
 * The password a rendered Redis/Valkey server pod requires, read the way the server reads it: the config file named
 * by its first argument (as the pod sees it mounted), then `--requirepass` on the command line, which overrides it.
 * Throws when the server would run without a password.
 */
export function requiredRedisPassword(rendered: Rendered, namespace: string, name = 'redis', containerName = 'redis'): string {
  const workload = objectOf(rendered, 'StatefulSet', name, namespace);
  const argv = resolveCommand(rendered, workload, containerName);
  // redis-server / valkey-server [configfile] [--option value ...]
  const [, ...args] = argv;
  let password: string | undefined;
  if (args.length > 0 && !args[0].startsWith('-')) {
    const config = mountedFile(rendered, workload, containerOf(workload, containerName).name, args[0]);
    for (const line of config.split('\n')) {
      const m = /^\s*requirepass\s+(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))\s*$/.exec(line);
      if (m) password = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] ?? m[3];
    }
  }
  const i = args.indexOf('--requirepass');
  if (i >= 0) password = args[i + 1];
  if (!password) {
    throw new Error(`StatefulSet ${namespace}/${name} runs ${argv.join(' ')} without a password`);
  }
  return password;
}
