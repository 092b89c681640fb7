import { checkTrivy } from '../../lib/harbor/trivy';

// Trivy v0.70.0 (Harbor v2.15.1's trivy-adapter v0.36.0, which passes SCANNER_TRIVY_DB_REPOSITORY as --db-repository:
// harbor-scanner-trivy pkg/trivy/wrapper.go:206-212) parses each database repository with go-containerregistry
// v0.21.2 name.ParseReference (trivy pkg/flag/db_flags.go:176-192 parseRepository; go-containerregistry
// pkg/name/ref.go:40-48: a tag first, else a digest): the tag after the last ":" not followed by "/"
// (pkg/name/tag.go NewTag), the first part a registry only with a "." or ":" (pkg/name/repository.go:87-94
// NewRepository), else Docker Hub's, the path 2 to 255 characters (checkRepository). Within that, a registry holds
// names to distribution's grammar, so "__" and "--" are in and a tag starts with a word character.
const refusal = (repo: string): string | undefined => {
  try {
    checkTrivy({ dbRepositories: [repo] });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

const HEX = '0123456789abcdef'.repeat(4);
const RULE = ': must be an OCI repository host[:port]/path with an optional :tag or @sha256:<64 hex digits>, as Trivy reads ' +
  'it, such as "registry.example.com/mirror/aquasec/trivy-db:2", or "docker.io/aquasec/trivy-db" on Docker Hub; no scheme';

describe('Trivy database repositories', () => {
  test.each([
    'docker.io/aquasec/trivy-db', 'index.docker.io/aquasec/trivy-db:2', 'trivy-db', 'db',
    'registry.example.com/mirror/aquasec/trivy-db:2', 'registry.example.com:5000/a__b/c--d/e.f_g:2',
    'localhost:5000/aquasec/trivy-db', '10.0.0.5:5000/trivy-db:2', `registry.example.com/trivy-db:${'A'.repeat(128)}`,
    `registry.example.com/${'a'.repeat(255)}`, `${'a'.repeat(255)}:2`,
    // an in-cluster registry by its Service's FQDN, or its one-label name with a port (a host: it holds ":")
    'registry.registry.svc.cluster.local/trivy-db', 'registry:5000/aquasec/trivy-db:2',
    // a digest: ParseReference's NewDigest (pkg/name/digest.go:102-132) takes "sha256:" and 64 lower-case hex digits
    // after the only "@", a tag before it read and ignored; trivy keeps a digest reference as it is, adding no schema
    // tag (db_flags.go:183-186), and downloads it by it (pkg/oci/artifact.go:96-101, remote.Image)
    `registry.example.com/trivy-db@sha256:${HEX}`, `registry.example.com/trivy-db:2@sha256:${HEX}`,
    `localhost:5000/trivy-db@sha256:${HEX}`, `docker.io/aquasec/trivy-db@sha256:${HEX}`, `trivy-db@sha256:${HEX}`,
  ])('takes %s, as Trivy reads it', (repo) => {
    expect(refusal(repo)).toBeUndefined();
  });

  test.each([
    ['https://registry.example.com/trivy-db', 'a scheme (go-containerregistry takes "https:" as a registry)'],
    ['a', 'a path of one character'],
    [`registry.example.com/${'a'.repeat(256)}`, 'a path over 255 characters'],
    [`registry.example.com/trivy-db:${'A'.repeat(129)}`, 'a tag over 128 characters'],
    ['registry.example.com/trivy-db:-2', 'a tag that starts with "-"'],
    ['registry.example.com/trivy-db:', 'an empty tag'],
    ['registry.example.com/a___b', 'three "_"'],
    ['registry.example.com/Trivy-db', 'an upper-case path'],
    ['registry.example.com//trivy-db', 'an empty path component'],
    ['a.io/x,b.io/y', 'a comma, the list separator'],
    ['registry.example.com:0/trivy-db', 'port 0'],
    ['registry.example.com:65536/trivy-db', 'a port over 65535'],
    ['registry..example.com/trivy-db', 'an empty host label'],
    ['registry-.example.com/trivy-db', 'a host label ending in "-"'],
    // digests go-containerregistry refuses (pkg/name/digest.go:104-117; go-digest's sha256 is 64 of [a-f0-9])
    [`registry.example.com/trivy-db@sha256:${HEX.slice(1)}`, 'a digest of 63 hex digits'],
    [`registry.example.com/trivy-db@sha256:${HEX}0`, 'a digest of 65 hex digits'],
    [`registry.example.com/trivy-db@sha256:${HEX.toUpperCase()}`, 'an upper-case digest'],
    [`registry.example.com/trivy-db@sha512:${HEX}${HEX}`, 'another algorithm than sha256'],
    [`registry.example.com/trivy-db@${HEX}`, 'a digest without its algorithm'],
    ['registry.example.com/trivy-db@', 'an empty digest'],
    [`registry.example.com/trivy-db@sha256:${HEX}@sha256:${HEX}`, 'two "@"'],
    [`registry.example.com/trivy-db:-2@sha256:${HEX}`, 'a digest after a bad tag'],
    [`registry.example.com/Trivy-db@sha256:${HEX}`, 'a digest after a bad path'],
  ])('refuses %s: %s', (repo) => {
    const message = refusal(repo);
    expect(message?.startsWith(`invalid trivyDbRepositories ${JSON.stringify(repo).slice(0, 40)}`)).toBe(true);
    expect(message?.endsWith(RULE)).toBe(true);
  });

  // A first part without "." or ":" is a Docker Hub namespace to go-containerregistry (pkg/name/repository.go:87-94;
  // "localhost" is no exception there), so Trivy downloads index.docker.io/<value> — reachable, as Harbor's
  // NetworkPolicies govern ingress alone (test/policy/needed-connections.test.ts: Trivy reaches the internet on 443)
  // — where a one-label Service name (registry/..., harbor-core/...) meant an in-cluster registry.
  test.each([
    ['registry/trivy-db', 'the Service "registry" by its one-label name', 'registry.<namespace>.svc.cluster.local/trivy-db', 'registry:<port>/trivy-db'],
    ['harbor-core/trivy/db:2', 'a tagged path under "harbor-core"', 'harbor-core.<namespace>.svc.cluster.local/trivy/db:2', 'harbor-core:<port>/trivy/db:2'],
    [`registry/trivy-db@sha256:${HEX}`, 'a digest under "registry"', `registry.<namespace>.svc.cluster.local/trivy-db@sha256:${HEX}`, `registry:<port>/trivy-db@sha256:${HEX}`],
    ['aquasec/trivy-db', 'Docker Hub\'s namespace unnamed', 'aquasec.<namespace>.svc.cluster.local/trivy-db', 'aquasec:<port>/trivy-db'],
  ])('refuses %s, %s, naming the FQDN, the port and docker.io as the fixes', (repo, _why, fqdn, withPort) => {
    const first = repo.slice(0, repo.indexOf('/'));
    const name = repo.replace(/(:[^/]*)?(@.*)?$/, '');
    expect(refusal(repo)).toBe(`invalid trivyDbRepositories ${JSON.stringify(repo)}: Trivy reads "${first}" as a Docker Hub namespace, ` +
      `not a host (a first part is a host only with "." or ":"), and would download index.docker.io/${name}, which ` +
      `Harbor's pods reach; name an in-cluster registry by its Service's FQDN ("${fqdn}") or with its port ("${withPort}"), ` +
      `and Docker Hub as "docker.io/${repo}"`);
    // each fix is taken
    expect([fqdn, withPort, `docker.io/${repo}`].map((fix) => refusal(fix.replace('<namespace>', 'registry').replace('<port>', '5000'))))
      .toEqual([undefined, undefined, undefined]);
  });

  test('refuses localhost/... without a port, naming the port and docker.io, no Service FQDN', () => {
    expect(refusal('localhost/aquasec/trivy-db')).toBe('invalid trivyDbRepositories "localhost/aquasec/trivy-db": Trivy reads ' +
      '"localhost" as a Docker Hub namespace, not a host (a first part is a host only with "." or ":"), and would download ' +
      'index.docker.io/localhost/aquasec/trivy-db, which Harbor\'s pods reach; name an in-cluster registry with its port ' +
      '("localhost:<port>/aquasec/trivy-db"), and Docker Hub as "docker.io/localhost/aquasec/trivy-db"');
  });

  // a path component may hold "_" and run past 63 characters, and may be all digits, which no Service and no host
  // label is (Kubernetes Service names are RFC 1123 labels; "1234:5000" reads as an IPv4 address, isHostname): the
  // refusal offers only the fixes this check takes, and each one it names is taken
  test.each([
    ['web__api/trivy-db', ['docker.io/web__api/trivy-db']],
    [`${'a'.repeat(64)}/trivy-db`, [`docker.io/${'a'.repeat(64)}/trivy-db`]],
    ['1234/trivy-db', ['1234.<namespace>.svc.cluster.local/trivy-db', 'docker.io/1234/trivy-db']],
  ])('refuses %s, naming only fixes it takes', (repo, fixes) => {
    const message = refusal(repo)!;
    expect(message).toMatch(new RegExp(`^invalid trivyDbRepositories "${repo}": Trivy reads "[^"]+" as a Docker Hub namespace`));
    const named = [...message.matchAll(/\("([^"]+)"\)|as "([^"]+)"$/g)].map((m) => m[1] ?? m[2]);
    expect(named).toEqual(fixes);
    expect(named.map((fix) => refusal(fix.replace('<namespace>', 'registry').replace('<port>', '5000')))).toEqual(named.map(() => undefined));
  });

  test('names the Java index\'s prop for its own repositories', () => {
    expect(() => checkTrivy({ javaDbRepositories: ['registry.example.com/trivy-java-db:1', 'registry/trivy-java-db'] }))
      .toThrow(/^invalid trivyJavaDbRepositories "registry\/trivy-java-db": Trivy reads "registry" as a Docker Hub namespace/);
  });
});
