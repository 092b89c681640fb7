import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { DockyardChart, HarborStorage, LocalSecretStore, Secret, SecretValue, synthesize } from '../../lib';
import { REGISTRY_YAML_STRING_RULE } from '../../lib/harbor/registry-yaml-string';
import { withEnv } from '../registry/synth-app';
import { refusal } from '../util';
import { inClusterHarbor } from './fixtures';

// The registry reads its S3 keys, as every REGISTRY_* variable, as YAML (goharbor/distribution release/2.8
// configuration/parser.go `overwriteMap`, gopkg.in/yaml.v2), so Dockyard hands them over as YAML double-quoted strings
// ("$(S3_ACCESS_KEY)"). Inside one only `"`, `\` and control characters or line breaks read otherwise: a key holding
// one is refused at synth, naming its input variable, never the value. test/integ/harbor-registry.integ.test.ts runs
// the real registry on keys YAML reads otherwise.

/** What a YAML 1.1 reader (as gopkg.in/yaml.v2) takes from `"<value>"`, or the error. */
function doubleQuoted(value: string): unknown {
  try {
    return parseYaml(`"${value}"`, { version: '1.1' });
  } catch (e) {
    return e;
  }
}

describe('the rule of a value the registry reads from a YAML double-quoted string', () => {
  test('a value the rule admits reads back as written, and one it refuses does not', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (value) => {
      if (REGISTRY_YAML_STRING_RULE.fits(value)) {
        expect(doubleQuoted(value)).toBe(value);
      }
    }), { numRuns: 3000 });
    for (const admitted of ['00001234', 'yes', 'null', '~', '\'quoted\'', '*star', 'a:', 'x #y', ' lead and trail ', 'ünï', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY']) {
      expect([admitted, REGISTRY_YAML_STRING_RULE.fits(admitted), doubleQuoted(admitted)]).toEqual([admitted, true, admitted]);
    }
    for (const refused of ['a"b', 'a\\nb', 'end\\', 'line\nbreak']) {
      expect(REGISTRY_YAML_STRING_RULE.fits(refused)).toBe(false);
      expect(doubleQuoted(refused)).not.toBe(refused);
    }
    // to gopkg.in/yaml.v2, line breaks (yamlh.go `is_break`: NEL, U+2028, U+2029, as YAML 1.1) and characters it
    // refuses ("control characters are not allowed", readerc.go), though the yaml package here, more lenient and
    // reading breaks as YAML 1.2 does, keeps them
    for (const refused of ['nel\u0085', 'sep\u2028', 'par\u2029', 'bell\u0007', 'del\u007f', 'c1\u009b']) {
      expect(REGISTRY_YAML_STRING_RULE.fits(refused)).toBe(false);
    }
    // a tab reads back, but is refused with every control character: no S3 service issues a key holding one
    expect([REGISTRY_YAML_STRING_RULE.fits('tab\there'), doubleQuoted('tab\there')]).toEqual([false, 'tab\there']);
  });
});

describe('a synth with S3 keys given from outside', () => {
  /** Synthesize a Harbor on S3 whose keys are the inputs S3_ACCESS_KEY_INPUT and S3_SECRET_KEY_INPUT. */
  const synth = (env: Record<string, string>, refused = true) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-s3-keys-'));
    const outdir = path.join(root, 'dist');
    const app = new App({ outdir });
    const chart = new DockyardChart(app, 'harbor', { namespace: 'harbor' });
    const keys = new Secret(chart, 'S3Keys', {
      name: 'harbor-s3',
      values: { 'access-key': SecretValue.input('S3_ACCESS_KEY_INPUT', 'the S3 access key'), 'secret-key': SecretValue.input('S3_SECRET_KEY_INPUT', 'the S3 secret key') },
    });
    inClusterHarbor(chart, {
      storage: HarborStorage.s3({ bucket: 'harbor', region: 'us-east-1', regionEndpoint: 'https://minio.example.com', accessKey: keys.key('access-key'), secretKey: keys.key('secret-key') }),
    });
    const statePath = path.join(root, 'state.json');
    try {
      const run = () => withEnv(env, () => synthesize(app, new LocalSecretStore({ statePath })));
      const message = refused ? refusal(run) : (run(), '');
      return { message, written: fs.existsSync(outdir) || fs.existsSync(statePath) };
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
  const allowed = 'must hold no ", no \\ and no control character or line break, which the registry\'s YAML double-quoted string would end, ' +
    'escape or fold (any other character reads back as written), as Harbor\'s registry reads it; nothing was written';

  test('refuses a secret key holding a ", naming the variable, not the value, writing nothing', () => {
    const refused = synth({ S3_ACCESS_KEY_INPUT: 'minio-admin', S3_SECRET_KEY_INPUT: 'se"cr3t-key' });
    expect(refused.message).toBe(`invalid S3_SECRET_KEY_INPUT <redacted>: ${allowed}`);
    expect(refused.message).not.toContain('cr3t');
    expect(refused.written).toBe(false);
  });

  test('refuses an access key holding a \\ or a control character', () => {
    expect(synth({ S3_ACCESS_KEY_INPUT: 'dom\\user', S3_SECRET_KEY_INPUT: 'secret-key' }).message).toBe(`invalid S3_ACCESS_KEY_INPUT <redacted>: ${allowed}`);
    expect(synth({ S3_ACCESS_KEY_INPUT: 'mi\nnio', S3_SECRET_KEY_INPUT: 'secret-key' }).message).toBe(`invalid S3_ACCESS_KEY_INPUT <redacted>: ${allowed}`);
  });

  test('takes keys YAML would read otherwise as plain scalars', () => {
    expect(synth({ S3_ACCESS_KEY_INPUT: '00001234', S3_SECRET_KEY_INPUT: 'x #y' }, false)).toEqual({ message: '', written: true });
  });
});
