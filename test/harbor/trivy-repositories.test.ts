import { checkTrivy } from '../../lib/harbor/trivy';

// Trivy v0.70.0 (Harbor v2.15.1's trivy-adapter v0.36.0) parses each database repository with go-containerregistry
// v0.21.2 name.ParseReference (trivy pkg/flag/db_flags.go:176-192 parseRepository): the tag after the last ":" not
// followed by "/" (pkg/name/tag.go NewTag), the first part a registry only with a "." or ":" (pkg/name/repository.go
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

describe('Trivy database repositories', () => {
  test.each([
    'aquasec/trivy-db', 'aquasec/trivy-db:2', 'trivy-db', 'db',
    'registry.example.com/mirror/aquasec/trivy-db:2', 'registry.example.com:5000/a__b/c--d/e.f_g:2',
    'localhost:5000/aquasec/trivy-db', '10.0.0.5:5000/trivy-db:2', `registry.example.com/trivy-db:${'A'.repeat(128)}`,
    `registry.example.com/${'a'.repeat(255)}`, `${'a'.repeat(255)}:2`,
  ])('takes %s, as Trivy reads it', (repo) => {
    expect(refusal(repo)).toBeUndefined();
  });

  test.each([
    ['https://registry.example.com/trivy-db', 'a scheme (go-containerregistry takes "https:" as a registry)'],
    ['localhost/aquasec/trivy-db', 'localhost without a port, Docker Hub\'s namespace to Trivy'],
    ['a', 'a path of one character'],
    [`registry.example.com/${'a'.repeat(256)}`, 'a path over 255 characters'],
    [`registry.example.com/trivy-db:${'A'.repeat(129)}`, 'a tag over 128 characters'],
    ['registry.example.com/trivy-db:-2', 'a tag that starts with "-"'],
    ['registry.example.com/trivy-db:', 'an empty tag'],
    ['registry.example.com/trivy-db@sha256:' + 'a'.repeat(64), 'a digest'],
    ['registry.example.com/a___b', 'three "_"'],
    ['registry.example.com/Trivy-db', 'an upper-case path'],
    ['registry.example.com//trivy-db', 'an empty path component'],
    ['a.io/x,b.io/y', 'a comma, the list separator'],
    ['registry.example.com:0/trivy-db', 'port 0'],
    ['registry.example.com:65536/trivy-db', 'a port over 65535'],
    ['registry..example.com/trivy-db', 'an empty host label'],
    ['registry-.example.com/trivy-db', 'a host label ending in "-"'],
  ])('refuses %s: %s', (repo) => {
    const message = refusal(repo);
    expect(message?.startsWith(`invalid trivyDbRepositories ${JSON.stringify(repo).slice(0, 40)}`)).toBe(true);
    expect(message?.endsWith(': must be an OCI repository [host[:port]/]path with an optional :tag, as Trivy reads it, such as ' +
      '"registry.example.com/mirror/aquasec/trivy-db:2", or "aquasec/trivy-db" on Docker Hub; no scheme, no digest, and ' +
      '"localhost:<port>/...", not "localhost/...", which Trivy reads as Docker Hub\'s')).toBe(true);
  });
});
