import fc from 'fast-check';
import { HarborOidc, Secret, SecretValue } from '../../lib';
import { escapeRegExp } from '../../lib/core/text';
import { find, synth, testChart } from '../util';
import { configureHarness } from './configure-run';
import { inClusterHarbor } from './fixtures';

// Harbor's OIDC settings pass three sinks on their way to Harbor: the config.json of the first chunk's ConfigMap
// (JSON, lib/harbor/configure-job.ts), the configure script's checks (lib/harbor/configure.js validateOidc), and the
// JSON body of PUT /api/v2.0/configurations. Whatever the synth accepts must reach Harbor's settings as written,
// quotes, backslashes, line separators and non-ASCII included (the fake Harbor stores the body as Harbor v2.15.1
// does: test/harbor/fake-harbor.ts).

const CLIENT_SECRET = 'oidc-Client-Secret-42';
const configure = configureHarness({ adminPassword: 'Adm1n-Pa55word-x', secrets: { OIDC_CLIENT_SECRET: CLIENT_SECRET } });

/** Text of 1 to 30 characters with the ones JSON and the script's quoting care about, and no control character. */
const text = fc.array(fc.oneof(
  fc.constantFrom('"', '\\', '/', '\u2028', '\u2029', '\ufeff', '${x}', '%41', ' ', ',', "'", '<', '&'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }),
), { minLength: 1, maxLength: 8 }).map((parts) => parts.join('').slice(0, 30)).filter((s) => s !== '' && !/[\p{Cc}]/u.test(s));
/** A claim's name: printable ASCII without spaces. */
const claim = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 20 });
/** A scope token: printable ASCII without space, '"', '\' or ','. */
const token = claim.filter((s) => !/["\\,]/.test(s));
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const segment = fc.stringMatching(/^([A-Za-z0-9._~-]|%[0-9A-F]{2}){1,12}$/).filter((s) => s !== '.' && s !== '..');

describe('HarborOidc settings, synth to Harbor', () => {
  test('any accepted settings reach Harbor\'s configuration exactly as written', async () => {
    await fc.assert(fc.asyncProperty(
      text, fc.array(label, { minLength: 1, maxLength: 3 }), fc.array(segment, { maxLength: 3 }), fc.stringMatching(/^[A-Za-z0-9._~-]{1,20}$/),
      fc.uniqueArray(token, { maxLength: 3 }), claim, fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), claim,
      fc.boolean(), fc.boolean(),
      async (name, labels, path, clientId, scopes, groupsClaim, adminGroup, filterText, userClaim, autoOnboard, verifyCert) => {
        const chart = testChart('harbor');
        const secret = new Secret(chart, 'HarborOidc', { name: 'harbor-oidc', values: { secret: SecretValue.input('HARBOR_OIDC_SECRET', 'the client secret') } });
        const endpoint = `https://${labels.join('.')}.example${path.map((p) => `/${p}`).join('')}`;
        const scope = ['openid', ...scopes.filter((s) => s !== 'openid')];
        // a filter of one literal group prefix: the same pattern in JavaScript and RE2
        const groupFilter = filterText === undefined ? undefined : `^${escapeRegExp(filterText)}`;
        const oidc = HarborOidc.of({
          name, endpoint, clientId, clientSecret: secret.key('secret'), scope, groupsClaim, userClaim, autoOnboard, verifyCert,
          ...(adminGroup === undefined ? {} : { adminGroup }), ...(groupFilter === undefined ? {} : { groupFilter }),
        });
        inClusterHarbor(chart, { oidc });
        const objects = synth(chart);
        const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
        const config = JSON.parse(find(objects, 'ConfigMap', job.spec.template.spec.volumes[0].projected.sources[1].configMap.name).data['config.json']);
        expect(config.oidc.clientSecretEnv).toBe('OIDC_CLIENT_SECRET');
        const result = await configure.run(config);
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
        expect(configure.harbor.configurations).toMatchObject({
          auth_mode: 'oidc_auth', oidc_name: name, oidc_endpoint: endpoint, oidc_client_id: clientId, oidc_client_secret: CLIENT_SECRET,
          oidc_scope: scope.join(','), oidc_groups_claim: groupsClaim, oidc_admin_group: adminGroup ?? '', oidc_group_filter: groupFilter ?? '',
          oidc_user_claim: userClaim, oidc_auto_onboard: autoOnboard, oidc_verify_cert: verifyCert,
        });
        if (filterText !== undefined) {
          // the filter keeps the group it was written for, as Go's regexp.MatchString would
          expect(oidc.keepsGroup(`${filterText}-x`)).toBe(true);
        }
      }), { numRuns: 25 });
  }, 120_000);
});
