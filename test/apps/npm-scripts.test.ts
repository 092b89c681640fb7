import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The output directory `npm run synth`, `npm run synth:teams` and `npm run synth:harbor-do` hand their stack: a
 * CDK8S_OUTDIR the user set, as it is, and none otherwise. Each stack has a default of its own in its code (dist/,
 * and `stackOutdir`'s dist-teams/ and dist-harbor-do/, which test/apps/variables.test.ts checks), so that running its
 * program directly writes where its script does; a script that assigned its default over the user's value wrote a
 * scale trial meant for a scratch directory into dist-teams/ over the output there, without a word.
 *
 * The scripts run through npm itself (its script shell, `sh -c`), from a copy of this package.json, with the stack's
 * compiled entry point replaced by one that prints the CDK8S_OUTDIR it was given and the build step by one that does
 * nothing: what is checked is the script's text as npm runs it, not the stacks, which their own tests synthesize.
 */
describe('npm scripts: the stacks\' output directory', () => {
  const ROOT = path.resolve(__dirname, '../..');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-npm-scripts-'));
  const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  beforeAll(() => {
    fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'scripts-under-test', private: true, scripts }));
    fs.mkdirSync(path.join(work, 'scripts'));
    fs.writeFileSync(path.join(work, 'scripts', 'build-synth.js'), '');
    for (const app of ['teams', 'harbor-do', 'default']) {
      fs.mkdirSync(path.join(work, 'build', 'apps', app), { recursive: true });
      fs.writeFileSync(path.join(work, 'build', 'apps', app, 'main.js'), 'process.stdout.write(String(process.env.CDK8S_OUTDIR));');
    }
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const outdir = (script: string, value: string | undefined): string => {
    // npm test's own npm_* settings left out, and no update notice on stderr
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CDK8S_OUTDIR' && !k.startsWith('npm_'))),
      npm_config_update_notifier: 'false' };
    const result = spawnSync('npm', ['run', '-s', script], { cwd: work, encoding: 'utf8', env: value === undefined ? env : { ...env, CDK8S_OUTDIR: value } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout;
  };

  test.each(['synth', 'synth:teams', 'synth:harbor-do'])('%s leaves the default to the stack, and passes CDK8S_OUTDIR on', (script) => {
    expect(outdir(script, undefined)).toBe('undefined');
    expect(outdir(script, '')).toBe('');
    expect(outdir(script, 'dist-mine')).toBe('dist-mine');
    expect(outdir(script, '/tmp/scratch trial/dist')).toBe('/tmp/scratch trial/dist');
  });
});
