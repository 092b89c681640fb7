import {
  checkDnsLabel, checkDnsSubdomain, checkHostname, checkInteger, checkPort, checkUniqueList, checkUrl, parseQuantity, ValidationError,
} from '../../lib';

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
  ])('parses quantity %s', (q, n) => {
    expect(parseQuantity('q', q)).toBeCloseTo(n);
  });

  test('fails on a bad DNS label, naming the prop, the value and the rule', () => {
    expect(() => checkDnsLabel('name', 'Drone_1')).toThrow(ValidationError);
    expect(() => checkDnsLabel('name', 'Drone_1')).toThrow('invalid name "Drone_1": must be a DNS-1123 label');
    expect(() => checkDnsLabel('name', 'a'.repeat(64))).toThrow(/invalid name/);
    expect(() => checkDnsLabel('name', 'drone-')).toThrow(/starting and ending with a letter or digit/);
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

  test('fails on a bad quantity', () => {
    expect(() => parseQuantity('memoryLimit', '1GB')).toThrow('invalid memoryLimit "1GB": must be a Kubernetes quantity');
    expect(() => parseQuantity('cpuLimit', '')).toThrow(/invalid cpuLimit/);
  });

  test('fails on a URL with another scheme, no host, or embedded credentials', () => {
    expect(() => checkUrl('server', 'ftp://x.example.com', ['https'])).toThrow('invalid server "ftp://x.example.com": must be an absolute URL with scheme https');
    expect(() => checkUrl('server', 'not a url', ['https'])).toThrow(/invalid server/);
    expect(() => checkUrl('server', 'https://u:p@x.example.com', ['https'])).toThrow(/must not embed credentials/);
  });

  test('fails on out-of-range integers and ports', () => {
    expect(() => checkPort('port', 0)).toThrow('invalid port 0: must be an integer from 1 to 65535');
    expect(() => checkPort('port', 1.5)).toThrow(/invalid port 1.5/);
    expect(() => checkInteger('capacity', 0, 1)).toThrow('invalid capacity 0: must be an integer of at least 1');
  });

  test('fails on empty or repeating lists', () => {
    expect(() => checkUniqueList('repos', [])).toThrow('invalid repos []: must not be empty');
    expect(() => checkUniqueList('repos', ['a', 'a'])).toThrow('invalid repos ["a","a"]: must not repeat "a"');
    expect(checkUniqueList('repos', [], { allowEmpty: true })).toEqual([]);
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
});
