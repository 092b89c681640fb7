/**
 * A registry or a `.dockerconfigjson` key as the kubelet files a login under it (kubernetes v1.35.0
 * pkg/credentialprovider/keyring.go `BasicDockerKeyring.Add`): an `http://` or `https://` scheme dropped, `host` up to
 * the first "/" (with its port, and its case as written), and `path` from there, where a leading `/v1/` or `/v2/`
 * counts as "/"; `path` is "" where it is empty or "/", so `https://index.docker.io/v1/` is the host alone and
 * `harbor.example.com/library/` keeps `/library/`, a login the kubelet tries only for the images under it
 * (`URLsMatch`: the key's path a prefix of the image's).
 *
 * The one reading of a registry key: `registryHost` takes its host, `SecretValue.dockerConfigJson` its host and path,
 * and whether it was written as a URL (`scheme`), which Drone's runner reads as its host alone.
 * It reads the keys `dockerConfigJson` accepts (lower-case letters, digits, ".", "-", a port, a path of those and "_"
 * and "/") as Go's url.Parse does; a key with a query ("?"), a fragment ("#"), a user ("@") or an escape ("%"), which
 * url.Parse takes apart, is refused before it gets here.
 *
 * @internal
 */
export function readRegistryKey(key: string): { readonly host: string; readonly path: string; readonly scheme: boolean } {
  const rest = key.replace(/^https?:\/\//, '');
  const slash = rest.indexOf('/');
  const [host, path] = slash < 0 ? [rest, ''] : [rest.slice(0, slash), rest.slice(slash)];
  const effective = /^\/v[12]\//.test(path) ? path.slice(3) : path;
  return { host, path: effective === '/' ? '' : effective, scheme: rest !== key };
}
