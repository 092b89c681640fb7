import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  checkDnsLabel, checkDnsSubdomain, checkEmail, checkLabels, checkGitAccount, checkHost, checkHostname, checkHttpsBaseUrl, checkInteger, VALIDATION_RULES, checkOAuthClientId, checkOneOf, checkPort,
  checkRegistryPrefix, checkStatePath, checkUniqueList, checkUrl, describePath, describeValue, invalid, invalidSecret, isDnsLabel, isHostname, isRegistryPrefix, missing,
  NetworkPeer, parseQuantity, ValidationError, checkKnownKeys, checkKnownProps, checkList, checkListOf, checkObject, withContext, checkBoolean, inSetting,
  isConfigMapKey, Secret,
} from '../../lib';
import { testChart, thrown as thrownBy } from '../util';
import { parseCpu, PUBLIC_HOSTNAME_OPTIONS } from '../../lib/core/validation';

/** The error `fn` throws, as a ValidationError, for its prop and allowed. */
const thrown = (fn: () => unknown): ValidationError => thrownBy(() => void fn()) as ValidationError;

/** The message `fn` throws, failing the test unless it is a one-line ValidationError. */
function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).not.toMatch(/[\r\n\u2028\u2029\u0085]/);
    return (e as Error).message;
  }
  throw new Error('did not throw');
}

describe('validation helpers', () => {
  test('accept valid values and return them', () => {
    expect(checkDnsLabel('name', 'drone-1')).toBe('drone-1');
    expect(checkDnsSubdomain('name', 'a.b-c.d')).toBe('a.b-c.d');
    expect(checkHostname('host', 'ci.example.com')).toBe('ci.example.com');
    expect(checkHostname('host', 'ci.example.com:8443', { allowPort: true })).toBe('ci.example.com:8443');
    expect(checkPort('port', 5432)).toBe(5432);
    expect(checkUrl('url', 'https://git.example.com/x', ['https']).hostname).toBe('git.example.com');
    expect(checkUniqueList('l', ['a', 'b'])).toEqual(['a', 'b']);
  });

  test.each([
    ['250m', 0.25], ['2', 2], ['1.5', 1.5], ['512Mi', 512 * 2 ** 20], ['10Gi', 10 * 2 ** 30], ['1k', 1000], ['.5', 0.5],
    // a decimal exponent, an integer after e or E (kubernetes/apimachinery pkg/api/resource/quantity.go); a bare E is exa
    ['1e9', 1e9], ['5E-1', 0.5], ['1.5e+3', 1500], ['2E', 2e18],
  ])('parses quantity %s', (q, n) => {
    expect(parseQuantity('q', q)).toBeCloseTo(n);
  });

  test('fails on a bad DNS label, naming the prop, the value and the rule', () => {
    expect(() => checkDnsLabel('name', 'Drone_1')).toThrow(ValidationError);
    expect(() => checkDnsLabel('name', 'Drone_1')).toThrow('invalid name "Drone_1": must be a DNS-1123 label');
    expect(() => checkDnsLabel('name', 'a'.repeat(64))).toThrow(/invalid name/);
    expect(() => checkDnsLabel('name', 'drone-')).toThrow(/starting and ending with a letter or digit/);
  });

  test('isDnsLabel accepts what checkDnsLabel accepts, and nothing else', () => {
    expect(['a', 'drone-1', 'a'.repeat(63)].map(isDnsLabel)).toEqual([true, true, true]);
    expect(['', 'Drone_1', 'drone-', '-a', 'a.b', 'a'.repeat(64), 7, undefined].map(isDnsLabel)).toEqual(Array(8).fill(false));
  });

  test('fails on a bad DNS subdomain', () => {
    expect(() => checkDnsSubdomain('name', 'a..b')).toThrow('invalid name "a..b": must be a DNS-1123 subdomain');
  });

  test('fails on a host name with scheme, path, upper case or an unexpected port', () => {
    expect(() => checkHostname('host', 'https://ci.example.com')).toThrow('invalid host "https://ci.example.com": must be a lower-case DNS host name');
    expect(() => checkHostname('host', 'ci.example.com/x')).toThrow(/invalid host/);
    expect(() => checkHostname('host', 'CI.example.com')).toThrow(/invalid host/);
    expect(() => checkHostname('host', 'ci.example.com:80')).toThrow(/without scheme or path/);
    expect(() => checkHostname('host', 'ci.example.com:99999', { allowPort: true })).toThrow(/optionally with :port/);
  });

  test('checkHostname refuses an IP address, or a single label, when told to', () => {
    // kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1, IngressRule.host: "IPs are not allowed"
    expect(checkHostname('host', '10.0.0.1')).toBe('10.0.0.1');
    expect(checkHostname('host', 'drone')).toBe('drone');
    for (const ip of ['10.0.0.1', '1.2.3', 'a.b.300']) {
      expect(message(() => checkHostname('host', ip, { allowIpAddress: false })))
        .toBe(`invalid host ${JSON.stringify(ip)}: must be a lower-case DNS host name, not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), without scheme or path`);
    }
    expect(message(() => checkHostname('host', '10.0.0.1:8443', { allowIpAddress: false, allowPort: true })))
      .toBe('invalid host "10.0.0.1:8443": must be a lower-case DNS host name, not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), optionally with :port, without scheme or path');
    expect(checkHostname('host', '10x.example.com', { allowIpAddress: false, fullyQualified: true })).toBe('10x.example.com');
    for (const host of ['drone', '10.0.0.1', 'https://ci.example.com']) {
      expect(message(() => checkHostname('host', host, { allowIpAddress: false, fullyQualified: true })))
        .toBe(`invalid host ${JSON.stringify(host)}: must be ${VALIDATION_RULES.publicHostName}`);
    }
    expect(VALIDATION_RULES.publicHostName)
      .toBe('a fully qualified lower-case DNS host name such as "ci.example.com", not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), without scheme or path');
    // the predicates say what the checks accept
    expect(['ci.example.com', 'ci', '10.0.0.1', 'CI.example.com'].map((h) => isHostname(h, { allowIpAddress: false, fullyQualified: true })))
      .toEqual([true, false, false, false]);
    expect(['registry.example.com/m', 'localhost:5000', 'mirror', 'R.example.com', 7].map((r) => isRegistryPrefix(r))).toEqual([true, true, false, false, false]);
  });

  test('a public host may not end in a number, which a URL reads as IPv4; one with digits elsewhere parses and passes', () => {
    // the WHATWG URL host parser (url.spec.whatwg.org, host parser step 10 and the "ends in a number checker"), which
    // Node's URL implements (node v20, ada): a last label of digits, or "0x" and hex digits, is parsed as IPv4, and a
    // host that is then no IPv4 address fails to parse, so a browser could not open https://ci.123/. Kubernetes
    // takes such a host (IngressRule.host refuses only an IP address), so the refusal is Dockyard's, and says why.
    for (const host of ['ci.123', 'ci.example.08', 'ci.0x1f', 'ci.0x']) {
      expect(() => new URL(`https://${host}/`)).toThrow(/Invalid URL/);
      expect(isHostname(host, PUBLIC_HOSTNAME_OPTIONS)).toBe(false);
      expect(message(() => checkHostname('host', host, { allowIpAddress: false })))
        .toBe(`invalid host ${JSON.stringify(host)}: must be a lower-case DNS host name, not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), without scheme or path`);
    }
    for (const host of ['123.example.com', 'ci.0xg', 'ci.a123', 'ci.123x', '0x1f.example.com']) {
      expect(new URL(`https://${host}/`).hostname).toBe(host);
      expect(isHostname(host, PUBLIC_HOSTNAME_OPTIONS)).toBe(true);
    }
  });

  test('a ConfigMap or Secret key is what the API server takes (apimachinery IsConfigMapKey)', () => {
    expect(['ca.crt', '.dockerconfigjson', 'a_b-C.9', 'x'.repeat(253)].map(isConfigMapKey)).toEqual([true, true, true, true]);
    expect(['', '.', '..', '..data', '..2026_12_06', 'a/b', 'a b', 'x'.repeat(254), 7].map(isConfigMapKey))
      .toEqual([false, false, false, false, false, false, false, false, false]);
    expect(message(() => Secret.fromSecretName(testChart(), 'S', 's').key('..data')))
      .toBe('invalid key "..data": must be a Secret key: 1 to 253 letters, digits, "-", "_" and ".", not "." nor starting with ".."');
  });

  test('fails on a bad quantity', () => {
    expect(() => parseQuantity('memoryLimit', '1GB')).toThrow('invalid memoryLimit "1GB": must be a Kubernetes quantity');
    // a refused value is refused again, with the prop of each call (parsed quantities are kept; refused ones are not)
    expect(() => parseQuantity('cpu', '1GB')).toThrow('invalid cpu "1GB": must be a Kubernetes quantity');
    expect(parseQuantity('memory', '512Mi')).toBe(512 * 2 ** 20);
    expect(parseQuantity('memoryLimit', '512Mi')).toBe(512 * 2 ** 20);
    expect(() => parseQuantity('cpuLimit', '')).toThrow(/invalid cpuLimit/);
    // an exponent is an integer, with one e; no suffix after it
    for (const bad of ['1e1.5', '1e', '1ee3', '1e3Mi', 'e3']) {
      expect(() => parseQuantity('memory', bad)).toThrow(`invalid memory "${bad}": must be a Kubernetes quantity`);
    }
    // read as one number, as the API server reads it: 3e-1 is 300m exactly; a size no number holds is refused
    expect(parseQuantity('cpu', '3e-1')).toBe(parseQuantity('cpu', '300m'));
    expect(() => parseQuantity('memory', '1e400')).toThrow('invalid memory "1e400": must be a Kubernetes quantity of a size a number holds, such as "1e9"');
    // a positive exponent on CPU multiplies, as "k" does: refused; a negative one divides
    expect(() => parseCpu('cpu', '1e3')).toThrow('invalid cpu "1e3": "e3" multiplies by 10 to the power 3, so this is 1 × 10^3 cores; CPU is given in ' +
      'cores ("2", "0.5") or millicores ("250m")');
    expect(() => parseCpu('cpu', '2E+1')).toThrow(/^invalid cpu "2E\+1": "e1" multiplies by 10 to the power 1, so this is 2 × 10\^1 cores/);
    expect(parseCpu('cpu', '15e-1')).toBe(1.5);
    expect(parseCpu('cpu', '1e0')).toBe(1);
  });

  test('fails on a URL with another scheme, no host, or embedded credentials', () => {
    expect(() => checkUrl('server', 'ftp://x.example.com', ['https'])).toThrow('invalid server "ftp://x.example.com": must be an absolute URL with scheme https');
    expect(() => checkUrl('server', 'not a url', ['https'])).toThrow(/invalid server/);
    expect(() => checkUrl('server', 'https://u:p@x.example.com', ['https'])).toThrow(/must not embed credentials/);
  });

  test('fails on a URL the WHATWG parser forgives but its readers do not, as callers pass the value on as given (review)', () => {
    // the parser drops tabs and line breaks, trims spaces and reads these as https://; Go's net/url refuses control
    // characters, and the Harbor configure script (lib/harbor/configure.js) wants "https://"
    for (const value of ['HTTPS://sso.example.com/realms/acme', 'https:sso.example.com/realms/acme', 'https:\\\\sso.example.com\\realms',
      ' https://sso.example.com/realms/acme', 'https://sso.example.com/realms/acme\n', 'https://sso.exa\tmple.com/realms/acme',
      'https://sso.example.com/realms/ac me', 'https://sso.example.com/\u2028x',
      // Go's net/url reads an empty authority's host as a path, and refuses a percent-encoded host (diff review)
      'https:///sso.example.com/realms/acme', 'https:////sso.example.com', 'https://sso%2Eexample.com/x']) {
      expect(() => checkUrl('endpoint', value, ['https'])).toThrow(new RegExp(`^invalid endpoint .*: must (be written as an absolute URL: "https://" in lower ` +
        'case first, then the host as it is \\(not percent-encoded\\), and no white space, control character or backslash \\(percent-encode a ' +
        'space in the path as %20\\)|be an absolute URL with scheme https)$'));
    }
    expect(checkUrl('endpoint', 'https://sso.example.com/realms/ac%20me', ['https']).pathname).toBe('/realms/ac%20me');
    // any white space or control character anywhere in an accepted URL is refused
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 }), fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u007f', '\u0085', '\u00a0', '\u2028', '\\'), (at, bad) => {
      const good = 'https://harbor.example.com/c/oidc';
      const value = good.slice(0, Math.min(at, good.length)) + bad + good.slice(Math.min(at, good.length));
      expect(() => checkUrl('endpoint', value, ['https'])).toThrow(/^invalid endpoint /);
    }));
  });

  test('fails on out-of-range integers and ports', () => {
    expect(() => checkPort('port', 0)).toThrow('invalid port 0: must be an integer from 1 to 65535');
    expect(checkEmail('acmeEmail', 'ops@example.com')).toBe('ops@example.com');
    for (const bad of ['', 'ops', 'ops@example', 'ops @example.com', 'a@b@c.io']) {
      expect(() => checkEmail('acmeEmail', bad)).toThrow(`invalid acmeEmail ${JSON.stringify(bad)}: must be an e-mail address`);
    }
    expect(() => checkPort('port', 1.5)).toThrow(/invalid port 1.5/);
    expect(() => checkInteger('capacity', 0, 1)).toThrow('invalid capacity 0: must be an integer of at least 1');
    // an integer past JavaScript's largest exact one is refused by the bound it passes, never by "of at least 1", which it meets
    expect(() => checkInteger('pods', 1e20, 1)).toThrow('invalid pods 100000000000000000000: must be an integer from 1 to 9007199254740991');
    expect(checkInteger('pods', Number.MAX_SAFE_INTEGER, 1)).toBe(Number.MAX_SAFE_INTEGER);
  });

  test('fails on empty or repeating lists', () => {
    expect(() => checkUniqueList('repos', [])).toThrow('invalid repos []: must not be empty');
    expect(() => checkUniqueList('repos', ['a', 'a'])).toThrow('invalid repos ["a","a"]: must not repeat "a"');
    expect(checkUniqueList('repos', [], { allowEmpty: true })).toEqual([]);
  });

  test('refuses a value that is no list before reading it as one: a string is not read a character at a time', () => {
    expect(message(() => checkUniqueList('repos', 'acme/zz-app' as unknown as string[], { of: '"owner/name" slugs or globs' })))
      .toBe('invalid repos "acme/zz-app": must be a list of "owner/name" slugs or globs');
    expect(message(() => checkUniqueList('ports', 80 as unknown as number[]))).toBe('invalid ports 80: must be a list');
    expect(message(() => checkList('tags', undefined as unknown as string[], 'tags'))).toBe('missing tags: must be a list of tags');
    expect(checkList('tags', ['a'], 'tags')).toEqual(['a']);
    // any value but an array, strings with repeated characters and array-likes among them
    const notAList = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), fc.string()),
      fc.string().map((t) => ({ length: t.length, 0: t })));
    fc.assert(fc.property(notAList, fc.boolean(), (value, allowEmpty) => {
      const refused = message(() => checkUniqueList('repos', value as unknown as string[], { allowEmpty, of: 'slugs' }));
      expect(refused).toBe(`invalid repos ${describeValue(value)}: must be a list of slugs`);
    }));
  });

  test('checkObject refuses what is no object, or no instance of the class it names, in one line; an unset value too', () => {
    const peer = NetworkPeer.namespace('apps');
    const options = { connectionLimit: 10 };
    expect(checkObject('options', options, 'must be options')).toBe(options);
    expect(checkObject('peer', peer, 'must be a NetworkPeer', NetworkPeer)).toBe(peer);
    // an unset argument, or a list's unset element, is refused as any other value: not "missing"
    expect(message(() => checkObject('peer', undefined as unknown as NetworkPeer, 'must be a NetworkPeer', NetworkPeer)))
      .toBe('invalid peer undefined: must be a NetworkPeer');
    // an object of the right shape is no instance: its class's factories never checked it
    expect(message(() => checkObject('peer', { namespace: 'apps' } as unknown as NetworkPeer, 'must be a NetworkPeer', NetworkPeer)))
      .toBe('invalid peer {"namespace":"apps"}: must be a NetworkPeer');
    const noObject = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string()));
    fc.assert(fc.property(noObject, (value) => {
      expect(message(() => checkObject('options', value as unknown as object, 'must be options'))).toBe(`invalid options ${describeValue(value)}: must be options`);
      expect(message(() => checkObject('peer', value as unknown as NetworkPeer, 'must be a NetworkPeer', NetworkPeer)))
        .toBe(`invalid peer ${describeValue(value)}: must be a NetworkPeer`);
    }));
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), (value) => {
      expect(checkObject('options', value, 'must be options')).toBe(value);
      expect(message(() => checkObject('peer', value as unknown as NetworkPeer, 'must be a NetworkPeer', NetworkPeer)))
        .toBe(`invalid peer ${describeValue(value)}: must be a NetworkPeer`);
    }));
  });

  test('checkListOf refuses what is no list, then the first element that is no instance of the class it names', () => {
    const peers = [NetworkPeer.namespace('apps')];
    expect(checkListOf('peers', peers, 'NetworkPeers', 'must hold NetworkPeers', NetworkPeer)).toBe(peers);
    expect(checkListOf('peers', [], 'NetworkPeers', 'must hold NetworkPeers', NetworkPeer)).toEqual([]);
    expect(message(() => checkListOf('peers', 'apps' as unknown as NetworkPeer[], 'NetworkPeers', 'must hold NetworkPeers', NetworkPeer)))
      .toBe('invalid peers "apps": must be a list of NetworkPeers');
    expect(message(() => checkListOf('peers', undefined as unknown as NetworkPeer[], 'NetworkPeers', 'must hold NetworkPeers', NetworkPeer)))
      .toBe('missing peers: must be a list of NetworkPeers');
    expect(message(() => checkListOf('peers', [...peers, { namespace: 'b' } as unknown as NetworkPeer, null as unknown as NetworkPeer], 'NetworkPeers',
      'must hold NetworkPeers', NetworkPeer))).toBe('invalid peers {"namespace":"b"}: must hold NetworkPeers');
    // without a class, any object but null or a list
    expect(message(() => checkListOf('options', [{}, []], 'options', 'must hold options'))).toBe('invalid options []: must hold options');
    expect(checkListOf('options', [{ a: 1 }], 'options', 'must hold options')).toEqual([{ a: 1 }]);
  });

  test('withContext names the subject of a ValidationError, once, and keeps its prop and allowed', () => {
    const e = thrown(() => withContext('database', 'neg', () => checkInteger('connectionLimit', -1, 1)));
    expect(e).toBeInstanceOf(ValidationError);
    expect([e.message, e.prop, e.allowed])
      .toEqual(['invalid connectionLimit -1: must be an integer of at least 1 (database "neg")', 'connectionLimit', 'must be an integer of at least 1']);
    // an inner context for the same subject is not repeated; another subject's is added to it
    expect(thrown(() => withContext('database', 'neg', () => withContext('database', 'neg', () => checkInteger('x', 0, 1)))).message)
      .toBe('invalid x 0: must be an integer of at least 1 (database "neg")');
    expect(thrown(() => withContext('team', 'pay', () => withContext('robot', 'pay-push', () => checkInteger('x', 0, 1)))).message)
      .toBe('invalid x 0: must be an integer of at least 1 (robot "pay-push") (team "pay")');
    // a value equal to the subject's name is no naming of the subject: the context is added
    expect(thrown(() => withContext('team', 'pay', () => checkDnsLabel('name', 'pay!'))).message)
      .toBe(`invalid name "pay!": must be ${VALIDATION_RULES.dnsLabel} (team "pay")`);
    // a subject without a name adds nothing: "(route undefined)" would only confuse
    expect(thrown(() => withContext('route', undefined, () => checkInteger('x', 0, 1))).message).toBe('invalid x 0: must be an integer of at least 1');
    expect(thrown(() => withContext('route', '', () => checkInteger('x', 0, 1))).message).toBe('invalid x 0: must be an integer of at least 1');
    // what is not a ValidationError passes unchanged, and a value is returned as it is
    const bug = new TypeError('a bug');
    expect(thrown(() => withContext('database', 'a', () => { throw bug; }))).toBe(bug);
    expect(withContext('database', 'a', () => 42)).toBe(42);
  });

  test('inSetting names the setting a refused prop was read from, keeps allowed and a secret\'s redaction, and names it on every refusal', () => {
    const e = thrown(() => inSetting('teams[1]', () => withContext('team', 'Pay', () => checkDnsLabel('name', 'Pay'))));
    expect([e.message, e.prop, e.allowed]).toEqual([`invalid teams[1].name "Pay": must be ${VALIDATION_RULES.dnsLabel} (team "Pay")`, 'teams[1].name',
      `must be ${VALIDATION_RULES.dnsLabel}`]);
    expect(e).toBeInstanceOf(ValidationError);
    // a key of a key, an unset one, and a secret, whose value stays unshown
    expect(thrown(() => inSetting('teams[0]', () => checkInteger('quota.pods', 0, 1))).message).toBe('invalid teams[0].quota.pods 0: must be an integer of at least 1');
    expect(thrown(() => inSetting('teams[0]', () => missing('repos', 'must be set'))).message).toBe('missing teams[0].repos: must be set');
    expect(thrown(() => inSetting('logins[2]', () => invalidSecret('token', 'must be one line'))).message).toBe('invalid logins[2].token <redacted>: must be one line');
    // the prop that is the setting itself: a retired team given as its name alone
    const whole = thrown(() => inSetting('retiredTeams[0]', () => checkDnsLabel('name', 'Billing'), 'name'));
    expect([whole.message, whole.prop]).toEqual([`invalid retiredTeams[0] "Billing": must be ${VALIDATION_RULES.dnsLabel}`, 'retiredTeams[0]']);
    expect(thrown(() => inSetting('retiredTeams[0]', () => checkDnsLabel('buildNamespace', 'A_B'), 'name')).message)
      .toBe(`invalid retiredTeams[0].buildNamespace "A_B": must be ${VALIDATION_RULES.dnsLabel}`);
    // a prop that only begins the message's (name of namesake) is not it; a refusal naming no prop keeps the setting before it
    expect(thrown(() => inSetting('teams[0]', () => { throw new ValidationError('invalid names "x": y', 'name', 'y'); })).message)
      .toBe('teams[0]: invalid names "x": y');
    expect(thrown(() => inSetting('teams[0]', () => { throw new ValidationError('duplicate generated Secret a/b'); })).message)
      .toBe('teams[0]: duplicate generated Secret a/b');
    // what is not a ValidationError passes unchanged, and a value is returned as it is
    const bug = new TypeError('a bug');
    expect(thrown(() => inSetting('teams[0]', () => { throw bug; }))).toBe(bug);
    expect(inSetting('teams[0]', () => 42)).toBe(42);
  });

  test('checkKnownKeys refuses a key it does not know, suggesting the nearest, and a value that is no object', () => {
    const known = ['cpu', 'memory', 'pods'];
    expect(message(() => checkKnownKeys('quota', { memroy: '16Gi' }, known)))
      .toBe('invalid quota.memroy "16Gi": quota has no setting "memroy" (did you mean "memory"?); its settings are cpu, memory, pods');
    expect(message(() => checkKnownKeys('quota', { cpu: '4', Pods: 3 }, known)))
      .toBe('invalid quota.Pods 3: quota has no setting "Pods" (did you mean "pods"?); its settings are cpu, memory, pods');
    expect(message(() => checkKnownKeys('quota', { storage: '5Gi' }, known))).toBe('invalid quota.storage "5Gi": quota has no setting "storage"; its settings are cpu, memory, pods');
    expect(message(() => checkKnownKeys('quota', '4' as unknown as object, known))).toBe('invalid quota "4": must be an object of the settings cpu, memory, pods');
    expect(message(() => checkKnownKeys('quota', [] as unknown as object, known))).toBe('invalid quota []: must be an object of the settings cpu, memory, pods');
    checkKnownKeys('quota', { cpu: '4', memory: '8Gi' }, known);
    checkKnownKeys('quota', {}, known);
  });

  test('checkKnownProps refuses a prop it does not know by the prop\'s own name, suggesting the nearest, and props that are no object', () => {
    const known = ['name', 'namespaces', 'storageSize'];
    expect(message(() => checkKnownProps('a team', { name: 'a', namespace: ['a'] }, known)))
      .toBe('invalid namespace ["a"]: a team has no prop "namespace" (did you mean "namespaces"?); its props are name, namespaces, storageSize');
    // any case, and two edits for a key of six characters or more
    expect(message(() => checkKnownProps('Redis', { storagesize: '5Gi' }, known))).toMatch(/\(did you mean "storageSize"\?\)/);
    expect(message(() => checkKnownProps('Redis', { storageSiz: '5Gi' }, known))).toMatch(/\(did you mean "storageSize"\?\)/);
    expect(message(() => checkKnownProps('Redis', { STORAGESIZ: '5Gi' }, known))).toMatch(/\(did you mean "storageSize"\?\)/);
    // one edit below six characters: "nmae" (a swap) is "name", "nm" (two edits) is not
    expect(message(() => checkKnownProps('Redis', { nmae: 'a' }, known))).toMatch(/\(did you mean "name"\?\)/);
    expect(message(() => checkKnownProps('Redis', { nm: 'a' }, known))).not.toMatch(/did you mean/);
    // two edits from six characters: "nameXY" is "name", "naXYe" (five characters) is not
    expect(message(() => checkKnownProps('Redis', { nameXY: 'a' }, known))).toMatch(/\(did you mean "name"\?\)/);
    expect(message(() => checkKnownProps('Redis', { naXYe: 'a' }, known))).not.toMatch(/did you mean/);
    expect(message(() => checkKnownProps('Redis', { replicas: 3 }, known))).toBe('invalid replicas 3: Redis has no prop "replicas"; its props are name, namespaces, storageSize');
    checkKnownProps('Redis', { name: 'a', storageSize: undefined }, known);
    checkKnownProps('Redis', {}, known);
    // the caller's message for props that are no object, else one listing the props
    expect(message(() => checkKnownProps('Redis', null as unknown as object, known, 'must be RedisProps'))).toBe('invalid props null: must be RedisProps');
    expect(message(() => checkKnownProps('a team', ['a'] as unknown as object, known)))
      .toBe('invalid props ["a"]: must be an object of the props name, namespaces, storageSize');
  });

  test('error messages are lower case with no trailing period', () => {
    try {
      checkDnsLabel('name', 'X');
    } catch (e) {
      expect((e as Error).message).toMatch(/^[a-z]/);
      expect((e as Error).message).not.toMatch(/\.$/);
    }
    expect.assertions(2);
  });

  describe('messages', () => {
    test('carry the prop and what is allowed, on one line', () => {
      try {
        invalid('host', 'a\nb', 'must be a host');
      } catch (e) {
        expect(e).toMatchObject({ name: 'ValidationError', message: 'invalid host "a\\nb": must be a host', prop: 'host', allowed: 'must be a host' });
      }
      expect.assertions(1);
    });

    test('redact secret values', () => {
      expect(message(() => invalidSecret('password', 'must not contain "\'"'))).toBe('invalid password <redacted>: must not contain "\'"');
    });

    test('redact the user information of URLs: a git server given with a token names the server, never the token', () => {
      expect(message(() => checkHttpsBaseUrl('DOCKYARD_GIT_SERVER', 'https://bob:S3cretTok@git.example.com')))
        .toBe(`invalid DOCKYARD_GIT_SERVER "https://<redacted>@git.example.com": must be ${VALIDATION_RULES.httpsBaseUrl}`);
      expect(describeValue('http://TOKEN@host/a@b')).toBe('"http://<redacted>@host/a@b"');
      // a path or a mail address holds no user information; a query may hold a token, and is redacted as a whole
      expect(describeValue('https://host/a@b?c=d@e')).toBe('"https://host/a@b?<redacted>"');
      expect(describeValue('mailto:a@b')).toBe('"mailto:a@b"');
      // a template's placeholders are no credential: the message about them shows them
      expect(describeValue('postgres://app:{pw}@db/app')).toBe('"postgres://app:{pw}@db/app"');
      expect(describeValue('https://{user}@h')).toBe('"https://{user}@h"');
      expect(describeValue('https://{user}:secret@h')).toBe('"https://<redacted>@h"');
      // nested, and in a value long enough to be shortened
      expect(describeValue({ url: 'git://u:p@h' })).toBe('{"url":"git://<redacted>@h"}');
      expect(describeValue(`https://u:${'p'.repeat(300)}@h`)).toBe('"https://<redacted>@h"');
      // a password holding "/", "?", "#" or a quote, which no URL parser reads as one, but the user meant as one
      for (const c of ['/', '?', '#', '"', '@']) {
        expect(describeValue(`https://user:pa${c}ss@host`)).toBe('"https://<redacted>@host"');
        expect(describeValue({ url: `https://user:pa${c}ss@host` })).toBe('{"url":"https://<redacted>@host"}');
      }
      expect(describeValue('https://host:8443/a@b')).toBe('"https://host:8443/a@b"');
      expect(describeValue('https://[fd00::1]:6443/a@b')).toBe('"https://[fd00::1]:6443/a@b"');
      expect(describeValue('https://abc/def+ghi=@git.example.com')).toBe('"https://<redacted>@git.example.com"');
      // a token whose start, or a part after an "@" in it, reads as a dotted host or a host and port, then a path, is
      // taken for one: shown
      expect(describeValue('https://a.b/c@git.example.com')).toBe('"https://a.b/c@git.example.com"');
      const readsAsHost = (p: string) => /^(?:[A-Za-z0-9-]*\.[A-Za-z0-9.-]*|[A-Za-z0-9.-]+:\d+)(?:[/?#]|$)/.test(p);
      fc.assert(fc.property(fc.string({ minLength: 6, maxLength: 40 }).filter((p) => !/[\s\\]/.test(p) && !p.includes('redacted') &&
        !/\{\w+\}$/.test(p) && !p.split('@').some(readsAsHost)),
        fc.constantFrom('', 'alice:', 'x-token-auth:'), (secret, user) => {
          const shown = describeValue(`https://${user}${secret}@git.example.com/group`);
          expect(shown).toBe('"https://<redacted>@git.example.com/group"');
        }));
    });

    // the review's cases: each printed its credential before
    test.each([
      ['DOCKYARD_GIT_SERVER', 'alice:ghp_SECRETTOKEN123@github.example.com', '"<redacted>@github.example.com"'],
      ['DOCKYARD_HOST', 'user:s3cretpw@drone.example.com', '"<redacted>@drone.example.com"'],
      ['DOCKYARD_IMAGE_MIRROR', 'u:s3cretpw@registry.example.com/m', '"<redacted>@registry.example.com/m"'],
      ['DOCKYARD_API_SERVER', 'admin:s3cretpw@10.0.0.1:6443', '"<redacted>@10.0.0.1:6443"'],
      ['apiServer', 'u:s3cretpw@10.0.0.1', '"<redacted>@10.0.0.1"'],
      ['DOCKYARD_GIT_SERVER', 'https://github.example.com?token=ghp_SECRETTOKEN123', '"https://github.example.com?<redacted>"'],
      ['DOCKYARD_GIT_SERVER', 'https://github.example.com/#ghp_SECRETTOKEN123', '"https://github.example.com/#<redacted>"'],
      ['DOCKYARD_API_SERVER', 'https://10.0.0.1?token=s3cretpw', '"https://10.0.0.1?<redacted>"'],
      ['server', 'https://u:s3cretpw@git.example.com/a?b=c#d', '"https://<redacted>@git.example.com/a?<redacted>#<redacted>"'],
      ['host', 'git.example.com:8443/a?token=s3cretpw', '"git.example.com:8443/a?<redacted>"'],
      ['host', 'u:s3cret pw@git.example.com', '"<redacted>@git.example.com"'],
      ['host', 'u:s3cretpw@git.example.com\n', '"<redacted>@git.example.com\\n"'],
    ])('redact credentials written without a scheme, or in a query or fragment: %s %j', (prop, value, shown) => {
      expect(message(() => invalid(prop, value, 'must be x'))).toBe(`invalid ${prop} ${shown}: must be x`);
      expect(message(() => invalid(prop, [value], 'must be x'))).toBe(`invalid ${prop} [${shown}]: must be x`);
    });

    test('show what holds no credential: an e-mail address, an image digest, an empty query or fragment, a glob', () => {
      for (const value of ['ops@example.com', 'a@b@c.io', 'postgres:17@sha256:0123456789abcdef', 'registry.example.com/x@sha256:abc',
        'https://git.example.com/?', 'https://git.example.com/#', 'acme/p-?x', 'git@github.com:acme/repo.git']) {
        expect(describeValue(value)).toBe(JSON.stringify(value));
      }
      // a host with a port, then a path holding an "@", is a host: the "@" is the path's
      expect(describeValue('registry.example.com:5000/u:p@x')).toBe('"registry.example.com:5000/u:p@x"');
    });

    test('never show a secret embedded in a URL, with or without a scheme, whole or in a query or fragment', () => {
      // a URL ends at whitespace; a secret that starts with "@" or "/" would read as the URL's own "@" or path
      // (`u://x@host` is a URL, `https://localhost?@git.example.com` a password "?" before a host)
      const secret = fc.string({ minLength: 6, maxLength: 40 }).filter((p) => !/[\s<>]/.test(p) && !/^[@/]/.test(p));
      const host = fc.constantFrom('github.example.com', 'drone.example.com', 'registry.example.com', '10.0.0.1:6443', '10.0.0.1', 'localhost:5000',
        '[fd00::1]:6443', 'git.example.com:8443');
      const path = fc.constantFrom('', '/', '/m', '/group/sub');
      const user = fc.constantFrom('', 'alice', 'u', 'x-token-auth');
      const shape = fc.oneof(
        fc.tuple(user, host, path).map(([u, h, p]) => (s: string) => `${u}:${s}@${h}${p}`),
        fc.tuple(host, path, fc.constantFrom('token=', 'access_token=', 'private_token=', '')).map(([h, p, n]) => (s: string) => `https://${h}${p}?${n}${s}`),
        fc.tuple(host, path, fc.constantFrom('token=', '')).map(([h, p, n]) => (s: string) => `${h}${p}?${n}${s}`),
        fc.tuple(host, path).map(([h, p]) => (s: string) => `https://${h}${p}#${s}`),
        fc.tuple(host, path).map(([h, p]) => (s: string) => `${h}${p}#${s}`),
      );
      const wrap = fc.constantFrom((v: string) => v, (v: string) => [v], (v: string) => ({ server: v }));
      fc.assert(fc.property(shape, secret, wrap, (make, s, w) => {
        // what the message shows around any secret: a secret that is part of it proves nothing
        const visible = `${describeValue(w(make('x')))} ?<redacted>#<redacted>@`;
        fc.pre(!visible.includes(s));
        const shown = message(() => invalid('server', w(make(s)), 'must be a URL'));
        expect(shown).not.toContain(s);
        expect(shown).not.toContain(JSON.stringify(s).slice(1, -1));
      }));
    });

    test('escape characters that break or disguise a line', () => {
      expect(describeValue('a\u2028b\u2029c\u0085d\u202ee\r\n')).toBe('"a\\u2028b\\u2029c\\u0085d\\u202ee\\r\\n"');
      expect(message(() => invalid('org', 'x\u2028y', 'must be z'))).toBe('invalid org "x\\u2028y": must be z');
    });

    test('shorten values longer than 200 characters, with their length', () => {
      expect(describeValue('a'.repeat(198))).toBe(`"${'a'.repeat(198)}"`);
      expect(describeValue('a'.repeat(199))).toBe(`"${'a'.repeat(64)}…" (199 characters)`);
      expect(describeValue('😀'.repeat(300))).toBe(`"${'😀'.repeat(64)}…" (300 characters)`);
      expect(describeValue(Array(100).fill('ab'))).toMatch(/^\["ab","ab",.*… \(501 characters of JSON\)$/);
      expect(message(() => checkDnsLabel('name', 'x'.repeat(1000)))).toBe(`invalid name "${'x'.repeat(64)}…" (1000 characters): ` +
        'must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit');
    });

    test('paths are quoted and escaped but never shortened: a message that names a file names all of it', () => {
      const deep = `/tmp/${'deeper/'.repeat(40)}secrets.json`;
      expect(describePath(deep)).toBe(JSON.stringify(deep));
      expect(describePath('/tmp/a\nb')).toBe('"/tmp/a\\nb"');
    });

    test('a missing setting reads "missing", never "undefined"', () => {
      expect(message(() => missing('server', 'must be set'))).toBe('missing server: must be set');
    });

    test('show undefined and unserialisable values', () => {
      expect(describeValue(undefined)).toBe('undefined');
      expect(describeValue(10n)).toBe('10');
    });

    test('show the numbers JSON cannot write as JavaScript writes them, not as null', () => {
      expect([NaN, Infinity, -Infinity].map((n) => describeValue(n))).toEqual(['NaN', 'Infinity', '-Infinity']);
      expect(message(() => checkInteger('maxConnections', NaN, 5, 10000))).toBe('invalid maxConnections NaN: must be an integer from 5 to 10000');
    });

    test('quote a repeated value as the value itself is quoted, credentials redacted', () => {
      expect(message(() => checkUniqueList('repos', ['https://u:ghp_TOKEN@github.com/a/b', 'https://u:ghp_TOKEN@github.com/a/b'])))
        .toBe('invalid repos ["https://<redacted>@github.com/a/b","https://<redacted>@github.com/a/b"]: must not repeat "https://<redacted>@github.com/a/b"');
    });
  });

  test('checkOneOf', () => {
    expect(checkOneOf('sslMode', 'require', ['disable', 'require'])).toBe('require');
    expect(message(() => checkOneOf('sslMode', 'on', ['disable', 'require'], 'libpq sslmode'))).toBe('invalid sslMode "on": must be one of disable, require (libpq sslmode)');
  });

  test('checkHost takes DNS names and IP addresses', () => {
    // a last label of digits too: libpq resolves any name (PostgreSQL REL_15 fe-connect.c PQconnectPoll, CHT_HOST_NAME),
    // and "db.123" is the Service db of namespace 123; only a name of numbers alone reads as IPv4 (below)
    for (const host of ['db.example.com', 'postgres', '10.0.0.5', 'fd00::5', '::1', 'db.123', 'db.0x1f', '10.0.0.db', '0.0.0.0']) {
      expect(checkHost('host', host)).toBe(host);
    }
    for (const host of ['Db.example.com', 'db.example.com.', 'a..b', 'db:5432', 'postgres://db', '[fd00::5]', 'fe80::1%eth0', '$(PGHOST)', '', '-db.123']) {
      expect(message(() => checkHost('host', host))).toBe(`invalid host ${JSON.stringify(host)}: must be a lower-case DNS host name or an IP address, without scheme, port or path`);
    }
  });

  test('checkHost and checkHostname refuse a name of numbers alone that is no IPv4 address as Go and Node write one', () => {
    // glibc's getaddrinfo reads these with inet_aton, as libpq connects (test/integ/libpq-host.integ.test.ts), and
    // Go's resolver looks them up in DNS: one value, two servers
    const rule = 'must be an IPv4 address of four decimal numbers from 0 to 255 without leading zeros, or a name with a label that is not a number: ' +
      'C resolvers read "10.1" as 10.0.0.1 and "010.0.0.1" as 8.0.0.1, Go\'s look them up in DNS';
    for (const host of ['999.1.1.1', '1.2.3', '10.1', '127.1', '010.0.0.1', '0x7f.0.0.1', '0x7f.1', '123', '1.2.3.4.5']) {
      expect(message(() => checkHost('host', host))).toBe(`invalid host ${JSON.stringify(host)}: ${rule}`);
      expect(message(() => checkHostname('host', host))).toBe(`invalid host ${JSON.stringify(host)}: ${rule}`);
      expect(isHostname(host)).toBe(false);
    }
    expect(message(() => checkHostname('registry', '10.1:5000', { allowPort: true }))).toBe(`invalid registry "10.1:5000": ${rule}`);
    // where no IP address is taken, the rule of the public host stands (its message unchanged)
    expect(message(() => checkHostname('host', '10.1', { allowIpAddress: false }))).toMatch(/^invalid host "10.1": must be a lower-case DNS host name, not an IP address/);
    for (const host of ['10.0.0.1', '255.255.255.255', 'redis.123', '1.2.3.x']) {
      expect(checkHostname('host', host)).toBe(host);
    }
    expect(checkHostname('registry', '10.0.0.1:5000', { allowPort: true })).toBe('10.0.0.1:5000');
  });

  test('checkOAuthClientId', () => {
    for (const id of ['Iv1.8a61f9b3a7aba766', 'Ov23liAbC', 'a'.repeat(64), '3f2b1c9e-8d4a-4e6b-9c1d-2a7e5f0b6c3d', 'key~1_2']) {
      expect(checkOAuthClientId('clientId', id)).toBe(id);
    }
    for (const id of ['', 'a b', '$(X)', '"x"', 'https://x', 'ä', 'a'.repeat(256)]) {
      expect(message(() => checkOAuthClientId('clientId', id))).toMatch(/^invalid clientId .*: must be an OAuth client ID: 1 to 255 letters, digits, "\.", "_", "~" or "-"$/);
    }
  });

  test('checkHttpsBaseUrl returns the URL without a trailing slash', () => {
    expect(checkHttpsBaseUrl('server', 'https://git.example.com/')).toBe('https://git.example.com');
    expect(checkHttpsBaseUrl('server', 'https://git.example.com:8443/a/b%20c/')).toBe('https://git.example.com:8443/a/b%20c');
    for (const url of ['http://git.example.com', 'https://git.example.com?x', 'https://git.example.com/#', 'https://u@git.example.com', 'https://git.example.com/$x',
      'https://git.example.com:65536', 'HTTPS://git.example.com', 'https:/git.example.com', 'https://git.example.com\\x', 'https://git.example.com/%zz', ' https://x.io']) {
      expect(message(() => checkHttpsBaseUrl('server', url))).toMatch(/^invalid server .*: must be an https base URL such as /);
    }
  });

  test('checkHttpsBaseUrl refuses a host the WHATWG URL parser reads as IPv4, as browsers do; a libpq host may end so', () => {
    // url.spec.whatwg.org host parser, "ends in a number checker" (Node's URL): these fail to parse, so no browser
    // opens them; "db.123" is still a libpq host (checkHost), which no URL of a special scheme carries
    for (const host of ['git.123', 'git.0x1f']) {
      expect(() => new URL(`https://${host}/`)).toThrow(/Invalid URL/);
      expect(message(() => checkHttpsBaseUrl('server', `https://${host}`))).toMatch(/^invalid server .*: must be an https base URL such as /);
    }
    // an IP address is no DNS host, as the rule says
    expect(message(() => checkHttpsBaseUrl('server', 'https://10.0.0.5'))).toMatch(/^invalid server .*: must be an https base URL such as /);
    expect(checkHost('host', 'git.123')).toBe('git.123');
    for (const host of ['123.example.com', 'git.0xg', 'git.a123']) {
      expect(new URL(`https://${host}/`).hostname).toBe(host);
      expect(checkHttpsBaseUrl('server', `https://${host}`)).toBe(`https://${host}`);
    }
  });

  test('checkGitAccount', () => {
    expect(checkGitAccount('org', 'a/b/c', 'gitlab', 'organization')).toBe('a/b/c');
    expect(message(() => checkGitAccount('org', 'a/b', 'gitea', 'organization'))).toMatch(/^invalid org "a\/b": must be a Gitea organisation or user/);
    expect(message(() => checkGitAccount('org', 'acme', 'svn', 'organization'))).toBe('invalid org "acme": cannot be checked for the unknown git provider "svn"');
  });

  test('checkRegistryPrefix', () => {
    for (const prefix of ['registry.example.com', 'registry.example.com:5000/a/b__c/d---e', 'localhost/mirror', 'mirror:5000']) {
      expect(checkRegistryPrefix('prefix', prefix)).toBe(prefix);
    }
    for (const prefix of ['mirror', 'mirror/x', 'Registry.example.com', 'r.example.com/A', 'r.example.com/a_-b', 'r.example.com/-a', 'https://r.example.com', 'r.example.com:0', '']) {
      expect(message(() => checkRegistryPrefix('prefix', prefix))).toMatch(/^invalid prefix .*: must be a registry host with an optional :port and path, without scheme/);
    }
  });

  test('checkStatePath', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-validation-'));
    const outdir = path.join(dir, 'out');
    fs.mkdirSync(outdir);
    fs.symlinkSync(outdir, path.join(dir, 'link'));
    expect(checkStatePath('statePath', path.join(dir, 'state.json'), outdir)).toBe(path.join(dir, 'state.json'));
    expect(checkStatePath('statePath', path.join(dir, 'new', 'state.json'), outdir)).toBe(path.join(dir, 'new', 'state.json'));
    expect(message(() => checkStatePath('statePath', path.join(dir, 'link', 'state.json'), outdir))).toMatch(/^invalid statePath ".*": is inside the output directory; /);
    expect(message(() => checkStatePath('statePath', outdir, outdir))).toMatch(/^invalid statePath ".*": is a directory; /);
    expect(message(() => checkStatePath('statePath', '', outdir))).toBe(`invalid statePath "": must be the path of a file, relative or absolute, such as ` +
      `".dockyard/secrets.json", outside the output directory ${JSON.stringify(outdir)}; not an existing directory, not ending with "/"`);
  });
});

describe('checkBoolean', () => {
  test('takes true and false, and refuses anything else in one line (a string "false" would read as true)', () => {
    expect(checkBoolean('open', true)).toBe(true);
    expect(checkBoolean('open', false)).toBe(false);
    expect(() => checkBoolean('open', 'false' as any)).toThrow(new Error('invalid open "false": must be true or false'));
    expect(() => checkBoolean('open', 0 as any)).toThrow(new Error('invalid open 0: must be true or false'));
  });
});

describe('checkLabels', () => {
  // k8s.io/apimachinery pkg/util/validation: IsQualifiedName (keys) and IsValidLabelValue (values)
  test('accepts qualified keys and label values, and names the prop and the bad key otherwise', () => {
    expect(checkLabels('labels', { 'app.kubernetes.io/name': 'x', release: 'kube-prometheus-stack', empty: '' })).toBeDefined();
    expect(() => checkLabels('labels', { 'Bad Key': 'x' })).toThrow(/^invalid labels \{"Bad Key":"x"\}: "Bad Key" must be a label key with a label value/);
    expect(() => checkLabels('labels', { ok: '-x' })).toThrow(/^invalid labels \{"ok":"-x"\}: "ok" must be a label key/);
    expect(() => NetworkPeer.pods('ns', { 'a/b/c': 'x' })).toThrow(/^invalid labels/);
  });
});
