import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { readSettings, SETTING_KEYS, unknownSettingWarnings } from '../../apps/digitalocean/config';
import { gitServerCidrsRule } from '../../apps/shared/git-provider';
import { TrustBundle } from '../../lib';
import { escapeRegExp } from '../../lib/core/text';

describe('DigitalOcean program settings', () => {
  const base: Record<string, string> = { domain: 'example.com', bucket: 'acme-harbor', gitClientId: 'Iv1.x', organization: 'acme', admin: 'alice' };
  const read = (extra: Record<string, string> = {}) => readSettings((k) => ({ ...base, ...extra })[k]);
  /** The whole message of the error reading `extra` throws. */
  const failure = (extra: Record<string, string>): string => {
    try {
      read(extra);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`no error for ${JSON.stringify(extra)}`);
  };
  const SPACES = 'must be a region with Spaces: ams3, atl1, blr1, fra1, lon1, nyc3, sfo2, sfo3, sgp1, syd1, tor1';

  test('applies the smallest sensible defaults', () => {
    expect(read()).toEqual({
      region: 'fra1', domain: 'example.com', postgresSize: 'db-s-1vcpu-1gb', valkeySize: 'db-s-1vcpu-1gb', bucket: 'acme-harbor',
      clusterName: undefined, nodeSize: 's-2vcpu-4gb', nodeCount: 2, containerRegistry: false, ciEngine: 'drone', gitProvider: 'github', gitServer: undefined,
      gitServerCidrs: undefined, gitAuthPublicRepos: false,
      gitClientId: 'Iv1.x', organization: 'acme', admin: 'alice',
      // an existing stack installs no ingress and no DNS records (no acmeEmail)
      installIngress: false, acmeEmail: undefined, acmeStaging: false, dnsRecords: false, dnsDomain: undefined,
      // Harbor's library, where the platform's pipelines push, private
      publicLibrary: false,
      // Drone's logs in a bucket of their own, kept 90 days
      droneLogBucket: 'acme-harbor-drone-logs', droneLogRetentionDays: 90,
    });
    expect(read({ containerRegistry: 'true', nodeCount: '3', region: 'nyc3', clusterName: 'prod' })).toMatchObject({
      containerRegistry: true, nodeCount: 3, region: 'nyc3', clusterName: 'prod',
    });
  });

  test('reads a setting set to the empty string as unset, as the default stack reads an empty variable', () => {
    expect(read({ region: '', nodeCount: '', ciEngine: '', clusterName: '' })).toEqual(read());
    expect(() => read({ domain: '' })).toThrow('missing domain: must be set: pulumi config set domain <value>');
  });

  test('Drone\'s log bucket and retention: a bucket of their own, checked in one line naming the key; none with Woodpecker', () => {
    expect(read({ droneLogBucket: 'acme-logs', droneLogRetentionDays: '30' })).toMatchObject({ droneLogBucket: 'acme-logs', droneLogRetentionDays: 30 });
    const days = 'must be a whole number of days of at least 1';
    expect(failure({ droneLogRetentionDays: '0' })).toBe(`invalid droneLogRetentionDays "0": ${days}`);
    expect(failure({ droneLogRetentionDays: '7.5' })).toBe(`invalid droneLogRetentionDays "7.5": ${days}`);
    expect(failure({ droneLogRetentionDays: '90d' })).toBe(`invalid droneLogRetentionDays "90d": ${days}`);
    expect(failure({ droneLogRetentionDays: '-1' })).toBe(`invalid droneLogRetentionDays "-1": ${days}`);
    expect(failure({ droneLogBucket: 'Acme_Logs' })).toBe('invalid droneLogBucket "Acme_Logs": must be an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-", ' +
      'starting and ending with a letter or digit, a "." only between letters or digits, and not an IPv4 address');
    // a Spaces key is granted whole buckets: Harbor's would let Drone overwrite image layers
    expect(failure({ droneLogBucket: 'acme-harbor' })).toMatch(/^invalid droneLogBucket "acme-harbor": must not be the bucket of Harbor's images/);
    const long = 'a'.repeat(55);
    expect(failure({ bucket: long })).toBe(`invalid droneLogBucket "${long}-drone-logs": is the default, ${long}-drone-logs, longer than the 63 ` +
      'characters of a bucket name: set droneLogBucket');
    expect(read({ bucket: long, droneLogBucket: 'acme-logs' }).droneLogBucket).toBe('acme-logs');
    // Woodpecker keeps its logs in its database: no bucket, and either setting refused
    const woodpecker = read({ ciEngine: 'woodpecker' });
    expect([woodpecker.droneLogBucket, woodpecker.droneLogRetentionDays]).toEqual([undefined, undefined]);
    expect(failure({ ciEngine: 'woodpecker', droneLogBucket: 'acme-logs' })).toMatch(/^invalid droneLogBucket "acme-logs": must be set only with ciEngine drone/);
    expect(failure({ ciEngine: 'woodpecker', droneLogRetentionDays: '30' })).toMatch(/^invalid droneLogRetentionDays "30": must be set only with ciEngine drone/);
    for (const extra of [{ droneLogRetentionDays: '0' }, { droneLogBucket: 'Acme_Logs' }] as Record<string, string>[]) {
      expect(failure(extra)).not.toContain('\n');
    }
  });

  test('valkeyMaxClients: the managed Valkey\'s maxclients, a whole number in Valkey\'s range, or unset', () => {
    expect(read().valkeyMaxClients).toBeUndefined();
    expect(read({ valkeyMaxClients: '' }).valkeyMaxClients).toBeUndefined();
    expect(read({ valkeyMaxClients: '1000' }).valkeyMaxClients).toBe(1000);
    expect(read({ valkeyMaxClients: '4294967295' }).valkeyMaxClients).toBe(4294967295);
    // Valkey's own range for maxclients (valkey-io/valkey src/config.c, createUIntConfig("maxclients", ..., 1, UINT_MAX, ...))
    const rule = 'must be a whole number from 1 to 4294967295: the managed Valkey\'s maxclients, as INFO clients prints it';
    for (const bad of ['0', '1.5', '-3', '1e3', 'many', '4294967296', ' 100', '+100']) {
      expect(failure({ valkeyMaxClients: bad })).toBe(`invalid valkeyMaxClients "${bad}": ${rule}`);
    }
    // a leading zero is refused, not read as 100: the budget's refusal of too small a limit quotes the value as the
    // setting's text (apps/digitalocean/charts.ts, valkeyMaxClientsRefused), which would otherwise print "100"
    expect(failure({ valkeyMaxClients: '0100' })).toBe(`invalid valkeyMaxClients "0100": ${rule}, written without a leading zero`);
  });

  // one reader for the program's whole-number settings (readWholeNumber): the same text refused alike by each
  test.each([
    ['nodeCount', 'must be a whole number of at least 1'],
    ['droneLogRetentionDays', 'must be a whole number of days of at least 1'],
    ['valkeyMaxClients', 'must be a whole number from 1 to 4294967295: the managed Valkey\'s maxclients, as INFO clients prints it'],
  ])('%s is read as the digits it prints as', (key, rule) => {
    expect(failure({ [key]: '07' })).toBe(`invalid ${key} "07": ${rule}, written without a leading zero`);
    for (const bad of ['1e1', '3.0', ' 3', '0x3', '9007199254740993']) expect(failure({ [key]: bad })).toBe(`invalid ${key} "${bad}": ${rule}`);
    expect(read({ [key]: '7' })).toMatchObject({ [key]: 7 });
  });

  test('fails on missing or bad settings, naming the config key', () => {
    expect(() => readSettings((k) => ({ ...base, domain: undefined } as any)[k])).toThrow('missing domain: must be set: pulumi config set domain <value>');
    expect(() => read({ region: 'Frankfurt' })).toThrow(`invalid region "Frankfurt": ${SPACES}`);
    expect(() => read({ nodeCount: '0' })).toThrow('invalid nodeCount "0": must be a whole number of at least 1');
    expect(() => read({ domain: 'Example.com' })).toThrow(/invalid domain "Example.com"/);
    expect(() => read({ ciEngine: 'jenkins' })).toThrow('invalid ciEngine "jenkins": must be one of drone, woodpecker');
    expect(read({ ciEngine: 'woodpecker' })).toMatchObject({ ciEngine: 'woodpecker' });
    expect(() => read({ gitProvider: 'svn' })).toThrow('invalid gitProvider "svn": must be one of github, gitlab, gitea, bitbucket');
    expect(() => read({ gitServer: 'git.acme.dev' })).toThrow(/invalid gitServer "git.acme.dev"/);
    expect(read({ gitProvider: 'gitlab', gitServer: 'https://git.acme.dev' })).toMatchObject({ gitProvider: 'gitlab', gitServer: 'https://git.acme.dev' });
  });

  test('refuses up front, naming the config key, what a component would refuse naming its prop', () => {
    // the program puts the bucket, the cluster and both databases in `region`: every one must have Spaces
    expect(failure({ region: 'nyc1' })).toBe(`invalid region "nyc1": ${SPACES}`);
    const pgSize = 'must be a DigitalOcean PostgreSQL size slug <family>-<vcpu>vcpu-<N>gb of the family db-s, db-amd, db-intel, gd or so1_5, ' +
      'such as "db-s-2vcpu-4gb" or "gd-2vcpu-8gb"';
    const valkeySize = 'must be a DigitalOcean Valkey size slug <family>-<vcpu>vcpu-<N>gb of the family db-s or m, such as "db-s-2vcpu-4gb" or "m-2vcpu-16gb"';
    expect(failure({ postgresSize: 'db-s-1vcpu-3gbx' })).toBe(`invalid postgresSize "db-s-1vcpu-3gbx": ${pgSize}`);
    expect(failure({ valkeySize: 'big' })).toBe(`invalid valkeySize "big": ${valkeySize}`);
    expect(read({ postgresSize: 'db-s-2vcpu-4gb', valkeySize: 'db-s-1vcpu-2gb' })).toMatchObject({ postgresSize: 'db-s-2vcpu-4gb', valkeySize: 'db-s-1vcpu-2gb' });
    // each engine's families in digitalocean/openapi 7c1300c specification/resources/databases/responses/options.yml
    for (const postgresSize of ['gd-2vcpu-8gb', 'so1_5-2vcpu-16gb', 'db-amd-1vcpu-2gb', 'db-intel-1vcpu-2gb']) {
      expect(read({ postgresSize })).toMatchObject({ postgresSize });
    }
    expect(read({ valkeySize: 'm-2vcpu-16gb' })).toMatchObject({ valkeySize: 'm-2vcpu-16gb' });
    // and not the other engine's
    expect(failure({ postgresSize: 'm-2vcpu-16gb' })).toBe(`invalid postgresSize "m-2vcpu-16gb": ${pgSize}`);
    expect(failure({ valkeySize: 'gd-2vcpu-8gb' })).toBe(`invalid valkeySize "gd-2vcpu-8gb": ${valkeySize}`);
    expect(failure({ bucket: 'Acme_Harbor' }))
      .toBe('invalid bucket "Acme_Harbor": must be an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit, ' +
        'a "." only between letters or digits, and not an IPv4 address');
    expect(failure({ bucket: 'ab' })).toMatch(/^invalid bucket "ab": must be an S3 bucket name: 3 to 63 /);
  });

  test('checks nodeSize is a Droplet size slug, and no more', () => {
    const allowed = 'must be a DigitalOcean Droplet size slug in lower case, such as "s-2vcpu-4gb", "c-2" or "g-4vcpu-16gb"';
    expect(failure({ nodeSize: 'S-2vcpu-4gb' })).toBe(`invalid nodeSize "S-2vcpu-4gb": ${allowed}`);
    expect(failure({ nodeSize: 's-2vcpu 4gb' })).toBe(`invalid nodeSize "s-2vcpu 4gb": ${allowed}`);
    expect(failure({ nodeSize: 'large' })).toBe(`invalid nodeSize "large": ${allowed}`);
    for (const nodeSize of ['g-4vcpu-16gb', 'c-2', 'so1_5-2vcpu-16gb', 's-4vcpu-8gb-amd']) {
      expect(read({ nodeSize })).toMatchObject({ nodeSize });
    }
  });

  test('clusterName is a DOKS cluster name', () => {
    expect(read({ clusterName: 'prod-1' })).toMatchObject({ clusterName: 'prod-1' });
    expect(failure({ clusterName: 'Prod Cluster' })).toMatch(/^invalid clusterName "Prod Cluster": must be /);
  });

  test('kubernetesVersion is a DOKS version slug, for a created cluster only', () => {
    expect(read()).toMatchObject({ kubernetesVersion: undefined });
    expect(read({ kubernetesVersion: '1.34.1-do.0' })).toMatchObject({ kubernetesVersion: '1.34.1-do.0' });
    expect(failure({ kubernetesVersion: '1.34' })).toBe('invalid kubernetesVersion "1.34": must be a DOKS version slug such as "1.34.1-do.0", ' +
      'from `doctl kubernetes options versions`');
    expect(failure({ kubernetesVersion: '1.34.1-do.0', clusterName: 'prod' })).toBe('invalid kubernetesVersion "1.34.1-do.0": must not be set with ' +
      'clusterName: the program creates no cluster then, and upgrades none');
  });

  test('containerRegistry is true or false, and a registry only goes to a region that has one', () => {
    expect(failure({ containerRegistry: 'yes' })).toBe('invalid containerRegistry "yes": must be true or false');
    expect(failure({ containerRegistry: 'True' })).toBe('invalid containerRegistry "True": must be true or false');
    expect(read({ containerRegistry: 'false' })).toMatchObject({ containerRegistry: false });
    // tor1 has Spaces but no registry (DOCR_REGIONS: the DO API's POST /v2/registries region enum)
    expect(read({ region: 'tor1' })).toMatchObject({ region: 'tor1', containerRegistry: false });
    expect(failure({ region: 'tor1', containerRegistry: 'true' }))
      .toBe('invalid region "tor1": must be a region with DigitalOcean Container Registry: ams3, blr1, fra1, nyc3, sfo2, sfo3, sgp1, syd1');
    for (const region of ['ams3', 'blr1', 'fra1', 'nyc3', 'sfo2', 'sfo3', 'sgp1', 'syd1']) {
      expect(read({ region, containerRegistry: 'true' })).toMatchObject({ region, containerRegistry: true });
    }
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
    expect(read({ ciEngine: 'woodpecker', gitProvider: 'gitlab', organization: 'acme/platform', gitServer: 'https://git.acme.dev/' }))
      .toMatchObject({ organization: 'acme/platform', gitServer: 'https://git.acme.dev' });
    // with Drone, refused here, before the program registers anything (harness v2.28.2 service/syncer/syncer.go:106-113
    // skips every project of a subgroup)
    expect(() => read({ gitProvider: 'gitlab', organization: 'acme/platform' })).toThrow('invalid organization "acme/platform": must be a ' +
      'top-level group with Drone, which runs no project of a GitLab subgroup (its syncer skips them) and matches a nested group by its last ' +
      'path segment only, which any group of that name passes; for a subgroup, run Woodpecker');
  });

  test('reads the image mirror, its login and the digests file, refusing what the pods could not pull with, naming the key', () => {
    expect(read({ imageMirror: 'mirror.acme.dev/airgap', imageMirrorUser: 'puller' })).toMatchObject({ imageMirror: 'mirror.acme.dev/airgap', imageMirrorUser: 'puller' });
    expect(read({ imageMirror: 'registry.digitalocean.com/acme', containerRegistry: 'true', containerRegistryTier: 'professional' }))
      .toMatchObject({ imageMirror: 'registry.digitalocean.com/acme', containerRegistryTier: 'professional' });
    // one repository per image, over a dozen: only the professional tier holds them (do.md §1.6)
    expect(failure({ imageMirror: 'registry.digitalocean.com/acme', containerRegistry: 'true' })).toBe('invalid imageMirror ' +
      '"registry.digitalocean.com/acme": is on the Container Registry, whose basic tier holds at most 5 repositories, fewer than the stack\'s ' +
      'images: set containerRegistryTier professional');
    expect(failure({ containerRegistryTier: 'professional' })).toMatch(/^invalid containerRegistryTier "professional": must be set only with containerRegistry true/);
    expect(failure({ containerRegistry: 'true', containerRegistryTier: 'pro' })).toBe('invalid containerRegistryTier "pro": must be one of starter, basic, professional');
    expect(read({ imageMirror: '', imageMirrorUser: '', imageDigests: '' })).toEqual(read());
    expect(failure({ imageMirror: 'https://mirror.acme.dev' })).toMatch(/^invalid imageMirror "https:\/\/mirror.acme.dev": must be a registry host/);
    expect(failure({ imageMirror: 'harbor.example.com/mirror' })).toMatch(/^invalid imageMirror "harbor.example.com\/mirror": is on Harbor's host harbor.example.com/);
    // DOCR admits no anonymous pull: without containerRegistry the program has no token to pull with
    expect(failure({ imageMirror: 'registry.digitalocean.com/acme' })).toMatch(/^invalid imageMirror "registry.digitalocean.com\/acme": is on the Container Registry/);
    expect(failure({ imageMirror: 'registry.digitalocean.com', containerRegistry: 'true' }))
      .toBe('invalid imageMirror "registry.digitalocean.com": must name the account\'s registry: registry.digitalocean.com/<registry name>[/<path>]');
    expect(failure({ imageMirrorUser: 'puller' })).toMatch(/^invalid imageMirrorUser "puller": imageMirror is not set/);
    // a password given in the user name is never shown
    expect(failure({ imageMirror: 'mirror.acme.dev', imageMirrorUser: 'puller:s3cret' })).toMatch(/^invalid imageMirrorUser "puller:<redacted>": must be a user name/);
    // Harbor's Docker Hub login: a user name as a mirror's, refused with a mirror (no proxy cache then), the token never shown
    const hubRule = 'must be a user name of at most 255 characters without ":", whitespace or control characters, and only without ' +
      'imageMirror (which leaves Harbor no Docker Hub proxy cache)';
    expect(read({ dockerHubUser: 'acmebot' }).dockerHubUser).toBe('acmebot');
    expect(read({ dockerHubUser: '' }).dockerHubUser).toBeUndefined();
    expect(failure({ dockerHubUser: 'acme bot' })).toBe(`invalid dockerHubUser "acme bot": ${hubRule}`);
    expect(failure({ dockerHubUser: 'acmebot:dckr_pat_x' })).toBe(`invalid dockerHubUser "acmebot:<redacted>": ${hubRule}`);
    expect(failure({ imageMirror: 'mirror.acme.dev', dockerHubUser: 'acmebot' }))
      .toBe(`invalid dockerHubUser "acmebot": imageMirror is set, so Harbor has no Docker Hub proxy cache to log in; ${hubRule}`);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-do-digests-'));
    try {
      const file = path.join(dir, 'digests');
      fs.writeFileSync(file, `docker.io/drone/drone:2.28.2 sha256:${'a'.repeat(64)}\n`);
      expect(read({ imageDigests: file }).imageDigests?.references).toEqual(['docker.io/drone/drone:2.28.2']);
      fs.writeFileSync(file, 'docker.io/drone/drone:2.28.2 latest\n');
      expect(failure({ imageDigests: file })).toBe(`invalid imageDigests ${JSON.stringify(file)} line 1 "docker.io/drone/drone:2.28.2 latest": ` +
        '"latest" must be a digest "sha256:" and 64 lower-case hex digits, as `crane digest` or `skopeo inspect --format {{.Digest}}` print it for the multi-platform image');
      expect(failure({ imageDigests: path.join(dir, 'absent') })).toMatch(/^invalid imageDigests ".*absent": cannot be read \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // the default stack's DOCKYARD_CA_BUNDLE, as the program's imageDigests: a file's path, read and checked before anything registers
  test('caBundle: a PEM file of CA certificates, refused in one line naming the key when unreadable or not certificates', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-ca-'));
    try {
      const { execFileSync } = require('child_process') as typeof import('child_process');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Acme CA'],
        { cwd: dir, stdio: 'pipe' });
      expect(read({ caBundle: path.join(dir, 'ca.pem') }).caBundle).toBeInstanceOf(TrustBundle);
      expect(read().caBundle).toBeUndefined();
      const missingFile = path.join(dir, 'missing.pem');
      expect(failure({ caBundle: missingFile })).toBe(`invalid caBundle "${missingFile}": cannot be read (ENOENT): it must be a PEM file of CA certificates`);
      // a private key is a secret: refused naming the file, without showing its text
      const keyFile = path.join(dir, 'ca.key');
      expect(failure({ caBundle: keyFile })).toMatch(new RegExp(`^${escapeRegExp(`invalid caBundle ${JSON.stringify(keyFile)}: must hold certificates only, never a private key`)}`));
      expect(failure({ caBundle: keyFile })).not.toContain(fs.readFileSync(keyFile, 'utf8').split('\n')[1]);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a certificate');
      expect(failure({ caBundle: path.join(dir, 'notes.txt') })).toMatch(new RegExp(`^${escapeRegExp(`invalid caBundle ${JSON.stringify(path.join(dir, 'notes.txt'))}: must be the PEM of one or more certificates`)}`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // DroneServer's cloneLogin; Woodpecker has no such setting: it clones with the activating user's token, which its compiler
  // gives to trusted clone plugins (woodpecker v3.17.0 pipeline/frontend/yaml/compiler/compiler.go:192-195,252-255)
  test('cloneUser: a netrc login, with ciEngine drone only; refused in one line naming the key', () => {
    const rule = 'must be a forge login: printable ASCII without spaces nor ":", and only with ciEngine drone (Woodpecker has no server-wide ' +
      'clone login: it clones a private repository with the token of the user who activated it, which every pipeline of the repository ' +
      'can take; activate such repositories as a machine account)';
    expect(read({ cloneUser: 'acme-ci' }).cloneUser).toBe('acme-ci');
    expect(read().cloneUser).toBeUndefined();
    expect(failure({ cloneUser: 'acme-ci', ciEngine: 'woodpecker' })).toBe(`invalid cloneUser "acme-ci": ciEngine is woodpecker; ${rule}`);
    expect(failure({ cloneUser: 'acme ci' })).toBe(`invalid cloneUser "acme ci": ${rule}`);
    expect(failure({ cloneUser: 'acme-ci:github_pat_x' })).toBe(`invalid cloneUser "acme-ci:<redacted>": ${rule}`);
  });

  test('gitServerCidrs and gitAuthPublicRepos: a self-hosted forge\'s private addresses, on its port; refused in one line naming the key', () => {
    const gitlab = { gitProvider: 'gitlab', gitServer: 'https://code.acme.dev:8443/gitlab' };
    expect(read({ ...gitlab, gitServerCidrs: '10.110.0.9/32' }).gitServerCidrs).toEqual({ cidrs: ['10.110.0.9/32'], port: 8443 });
    expect(failure({ ...gitlab, gitServerCidrs: '169.254.169.254/32' })).toBe('invalid gitServerCidrs "169.254.169.254/32": "169.254.169.254/32" ' +
      `overlaps 169.254.0.0/16; must be ${gitServerCidrsRule('gitServer')}`);
    // the VPC is no server's address: every build would reach each node and database of it on the server's port
    expect(failure({ ...gitlab, gitServerCidrs: '10.110.0.0/20' })).toBe('invalid gitServerCidrs "10.110.0.0/20": "10.110.0.0/20" ' +
      `holds more than 256 addresses; must be ${gitServerCidrsRule('gitServer')}`);
    expect(failure({ gitServerCidrs: '10.110.0.9/32' })).toBe('invalid gitServerCidrs "10.110.0.9/32": is set without gitServer (the public ' +
      `services are reached through the internet already); must be ${gitServerCidrsRule('gitServer')}`);
    expect(failure({ ...gitlab, apiServer: 'https://10.110.0.2', gitServerCidrs: '10.110.0.0/24' })).toBe('invalid gitServerCidrs "10.110.0.0/24": ' +
      `"10.110.0.0/24" holds the API server's address (apiServer), which only the namespaces that declare it reach; must be ${gitServerCidrsRule('gitServer')}`);
    expect(read({ gitAuthPublicRepos: 'true', cloneUser: 'acme-ci' }).gitAuthPublicRepos).toBe(true);
    expect(read({ gitAuthPublicRepos: 'true', ciEngine: 'woodpecker' }).gitAuthPublicRepos).toBe(true);
    expect(failure({ gitAuthPublicRepos: 'yes' })).toBe('invalid gitAuthPublicRepos "yes": must be true or false');
    expect(read({ publicLibrary: 'true' }).publicLibrary).toBe(true);
    expect(failure({ publicLibrary: 'yes' })).toBe('invalid publicLibrary "yes": must be true or false');
    // without a clone login Drone's netrc is the activating user's OAuth token, which a fork's pull request reads
    // (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:492-511; DroneServerProps.authenticatePublicRepos)
    expect(failure({ gitAuthPublicRepos: 'true' })).toBe('invalid gitAuthPublicRepos "true": must be false with ciEngine drone unless cloneUser ' +
      'is set: every build of a public repository, a fork\'s pull request too, would hold the OAuth token of the user who activated it, with ' +
      'all that user\'s rights; set cloneUser to a read-only login first (a GitLab group deploy token with read_repository, a GitHub ' +
      'fine-grained token with read-only Contents)');
  });

  test('every setting it reads is declared in Pulumi.yaml, with a default unless it is required', () => {
    // a project that declares its config requires of every stack each declared key without a default, and applies the
    // defaults it declares (pulumi sdk/go/common/workspace/config.go, mergeConfig)
    const declared = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'Pulumi.yaml'), 'utf8')).config as Record<string, { default?: unknown; secret?: boolean }>;
    const asked = new Set<string>();
    readSettings((k) => { asked.add(k); return base[k]; });
    expect([...asked].filter((k) => !(k in declared))).toEqual(['teams', 'platformRepos', 'retiredTeams']);
    const required = Object.entries(declared).filter(([, d]) => d.default === undefined).map(([k]) => k).sort();
    // gitClientSecret is read by the program's entry point (config.require); imageMirrorPassword is not declared, as an
    // optional secret cannot be: a secret's default is refused as not encrypted (validateStackConfigValue)
    expect(required).toEqual(['admin', 'bucket', 'domain', 'gitClientId', 'gitClientSecret', 'organization']);
    expect(declared).not.toHaveProperty('imageMirrorPassword');
    // the keys the warning of unread keys knows: every declared one, imageMirrorPassword, dockerHubToken and cloneToken (secrets), and the structured settings,
    // which a project cannot declare as they are (a list of objects)
    expect([...SETTING_KEYS].sort()).toEqual([...Object.keys(declared), 'imageMirrorPassword', 'dockerHubToken', 'cloneToken', 'teams', 'platformRepos', 'retiredTeams'].sort());
  });

  test('a config key the program does not read is warned of, with the setting it is nearest to (a new user\'s trial)', () => {
    // `pulumi config set regoin ams3` deployed to the default region without a word
    expect(unknownSettingWarnings(['dockyard:regoin', 'dockyard:region', 'digitalocean:token', 'dockyard:imageMirorPassword', 'dockyard:color', 'other:regoin'], 'dockyard'))
      .toEqual([
        'config key color is not a setting of this program, and is ignored: pulumi config rm color',
        'config key imageMirorPassword is not a setting of this program (did you mean imageMirrorPassword?), and is ignored: pulumi config rm imageMirorPassword',
        'config key regoin is not a setting of this program (did you mean region?), and is ignored: pulumi config rm regoin',
      ]);
    expect(unknownSettingWarnings(SETTING_KEYS.map((k) => `dockyard:${k}`), 'dockyard')).toEqual([]);
  });
});

/**
 * The README's DigitalOcean section, read by a user without the Pulumi CLI: it names every setting the program reads,
 * sets no key that is neither a setting nor the provider's (a `pulumi config set` of a key the program ignores only
 * warns), and lists as required exactly the keys Pulumi.yaml declares without a default (Pulumi requires those of
 * every stack: sdk/go/common/workspace/config.go, validateStackConfigValues, as Pulumi.yaml's comments cite).
 */
describe('README, DigitalOcean with pulumi up', () => {
  const root = path.join(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## DigitalOcean with `pulumi up`'), readme.indexOf('## Many teams'));

  test('names every setting, and sets only settings and the provider\'s keys', () => {
    expect(SETTING_KEYS.filter((k) => !new RegExp(`[\`' ]${k}\\b`).test(section))).toEqual([]);
    const set = [...section.matchAll(/pulumi config set (?:--secret |--path )*'?([A-Za-z:]+)/g)].map((m) => m[1]);
    expect(set.length).toBeGreaterThan(10);
    // the provider's own keys: the config of @pulumi/digitalocean 4.80.1 (node_modules/@pulumi/digitalocean/config/vars.d.ts)
    const providerKeys = Object.keys(require('@pulumi/digitalocean/config/vars')).map((k) => `digitalocean:${k}`);
    expect(providerKeys).toContain('digitalocean:spacesAccessId');
    // `regoin` is the README's example of a misspelt key, which the program warns of
    expect([...new Set(set)].filter((k) => !SETTING_KEYS.includes(k) && !providerKeys.includes(k) && k !== 'regoin')).toEqual([]);
  });

  // its example's `pulumi config set` lines and the `# optional` comment below them: a new user's trial read that
  // comment as the list of the other settings, and it lacked ten (ciEngine, installIngress, teams, ...)
  test('its example sets or names every setting', () => {
    const block = /```sh\n(?:(?!```)[\s\S])*?pulumi stack init prod\n(?:(?!```)[\s\S])*?```/.exec(section)![0];
    const set = [...block.matchAll(/^pulumi config set (?:--secret |--path )*'?([A-Za-z]+)/gm)].map((m) => m[1]);
    const optional = /^# optional[^\n]*\n(?:#[^\n]*\n)*/m.exec(block)![0];
    const named = new Set([...set, ...[...optional.matchAll(/[A-Za-z]+/g)].map((m) => m[0])]);
    expect(SETTING_KEYS.filter((k) => !named.has(k))).toEqual([]);
  });

  // A blank line inside a Markdown table ends it: the rows after it render as a paragraph of pipes, not as rows (as
  // the teams, platformRepos, retiredTeams and apiServer rows once did, after a second cloneUser row).
  test('keeps its settings in one table, one row each', () => {
    const lines = section.split('\n');
    const start = lines.indexOf('| config | default | meaning |');
    expect(start).toBeGreaterThan(0);
    let end = start;
    while (end < lines.length && lines[end].startsWith('|')) end++;
    const rows = lines.filter((l) => l.startsWith('|'));
    expect(rows).toEqual(lines.slice(start, end));
    const keys = rows.slice(2).map((l) => /^\| `([A-Za-z]+)` \|/.exec(l)?.[1]);
    expect(keys.filter((k, i) => k === undefined || keys.indexOf(k) !== i)).toEqual([]);
  });

  test('lists as required exactly the keys Pulumi.yaml declares without a default', () => {
    const declared = parse(fs.readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8')).config as Record<string, { default?: unknown }>;
    const required = Object.entries(declared).filter(([, v]) => v.default === undefined).map(([k]) => k).sort();
    const sentence = /`Pulumi.yaml` declares every setting[\s\S]*?have no default/.exec(section)![0];
    const listed = [...sentence.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]).filter((k) => k !== 'Pulumi' && SETTING_KEYS.includes(k)).sort();
    expect(listed).toEqual(required);
  });
});
