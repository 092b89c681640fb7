import { readSettings } from '../../apps/digitalocean/config';

describe('DigitalOcean program settings', () => {
  const base: Record<string, string> = { domain: 'example.com', bucket: 'acme-harbor', gitClientId: 'Iv1.x', organization: 'acme', admin: 'alice' };
  const read = (extra: Record<string, string> = {}) => readSettings((k) => ({ ...base, ...extra })[k]);

  test('applies the smallest sensible defaults', () => {
    expect(read()).toEqual({
      region: 'fra1', domain: 'example.com', postgresSize: 'db-s-1vcpu-1gb', valkeySize: 'db-s-1vcpu-1gb', bucket: 'acme-harbor',
      clusterName: undefined, nodeSize: 's-2vcpu-4gb', nodeCount: 2, containerRegistry: false, ciEngine: 'drone', gitProvider: 'github', gitServer: undefined,
      gitClientId: 'Iv1.x', organization: 'acme', admin: 'alice',
      // an existing stack installs no ingress and no DNS records (no acmeEmail)
      installIngress: false, acmeEmail: undefined, acmeStaging: false, dnsRecords: false, dnsDomain: undefined,
    });
    expect(read({ containerRegistry: 'true', nodeCount: '3', region: 'nyc3', clusterName: 'prod' })).toMatchObject({
      containerRegistry: true, nodeCount: 3, region: 'nyc3', clusterName: 'prod',
    });
  });

  test('reads a setting set to the empty string as unset, as the default stack reads an empty variable', () => {
    expect(read({ region: '', nodeCount: '', ciEngine: '', clusterName: '' })).toEqual(read());
    expect(() => read({ domain: '' })).toThrow('missing domain: must be set: pulumi config set domain <value>');
  });

  test('fails on missing or bad settings, naming the config key', () => {
    expect(() => readSettings((k) => ({ ...base, domain: undefined } as any)[k])).toThrow('missing domain: must be set: pulumi config set domain <value>');
    expect(() => read({ region: 'Frankfurt' })).toThrow('invalid region "Frankfurt": must be a DigitalOcean region slug such as "fra1" or "nyc3"');
    expect(() => read({ nodeCount: '0' })).toThrow('invalid nodeCount "0": must be a whole number of at least 1');
    expect(() => read({ domain: 'Example.com' })).toThrow(/invalid domain "Example.com"/);
    expect(() => read({ ciEngine: 'jenkins' })).toThrow('invalid ciEngine "jenkins": must be one of drone, woodpecker');
    expect(read({ ciEngine: 'woodpecker' })).toMatchObject({ ciEngine: 'woodpecker' });
    expect(() => read({ gitProvider: 'svn' })).toThrow('invalid gitProvider "svn": must be one of github, gitlab, gitea, bitbucket');
    expect(() => read({ gitServer: 'git.acme.dev' })).toThrow(/invalid gitServer "git.acme.dev"/);
    expect(read({ gitProvider: 'gitlab', gitServer: 'https://git.acme.dev' })).toMatchObject({ gitProvider: 'gitlab', gitServer: 'https://git.acme.dev' });
  });

  test('checks the git settings as the default stack does, naming the config key', () => {
    expect(() => read({ gitClientId: '$(DRONE_DATABASE_PASSWORD)' }))
      .toThrow('invalid gitClientId "$(DRONE_DATABASE_PASSWORD)": must be an OAuth client ID: 1 to 255 letters, digits, ".", "_", "~" or "-"');
    expect(() => read({ organization: 'acme,evil' })).toThrow(/^invalid organization "acme,evil": must be a GitHub organisation or user: /);
    expect(() => read({ admin: 'a'.repeat(40) })).toThrow(/^invalid admin "a{40}": must be a GitHub login: /);
    expect(() => read({ gitProvider: 'gitea' })).toThrow('missing gitServer: must be set for gitProvider "gitea": ' +
      'the https base URL of the Gitea server, such as "https://gitea.example.com"');
    expect(() => read({ gitProvider: 'bitbucket', gitServer: 'https://bitbucket.org' }))
      .toThrow('invalid gitServer "https://bitbucket.org": must be unset for gitProvider "bitbucket": that is Bitbucket Cloud, which has no server setting');
    expect(() => read({ gitServer: 'http://github.acme.corp' })).toThrow(/^invalid gitServer "http:\/\/github.acme.corp": must be an https base URL/);
    expect(read({ gitProvider: 'gitlab', organization: 'acme/platform', gitServer: 'https://git.acme.dev/' }))
      .toMatchObject({ organization: 'acme/platform', gitServer: 'https://git.acme.dev' });
  });
});
