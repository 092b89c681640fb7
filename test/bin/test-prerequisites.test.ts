import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * scripts/test-prerequisites.sh (npm test's pretest step), run with PATH set to a temp dir of fake tools only: fake
 * programs for the ones the integration tests start, a fake `id` that prints the uid we pretend to have, and a fake
 * `apt-get` that records its arguments (and DEBIAN_FRONTEND) and "installs" by writing fake programs into the same
 * dir. The real apt-get is never run.
 */

const REPO = path.join(__dirname, '..', '..');
const SCRIPT = path.join(REPO, 'scripts', 'test-prerequisites.sh');
const ALL = ['pg_ctl', 'initdb', 'docker-registry', 'redis-server', 'openssl'];
const PACKAGES = 'postgresql docker-registry redis-server openssl';

/** Whether this machine has Debian's PostgreSQL server programs, which the script also finds outside PATH. */
const debianPostgres = fs.existsSync('/usr/lib/postgresql') && fs.readdirSync('/usr/lib/postgresql')
  .some((v) => ['pg_ctl', 'initdb'].every((b) => fs.existsSync(path.join('/usr/lib/postgresql', v, 'bin', b))));

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

interface Fakes {
  /** Programs present on PATH. */
  readonly tools: string[];
  /** What the fake `id -u` prints; default 0 (root). */
  readonly uid?: number;
  /** A fake apt-get on PATH; default true. */
  readonly aptGet?: boolean;
  /** Exit status of `apt-get install`; default 0. */
  readonly installStatus?: number;
  /** Whether `apt-get install` creates the packages' programs; default true. */
  readonly installCreates?: boolean;
}

function executable(file: string, body: string): void {
  fs.writeFileSync(file, `#!/bin/sh\n${body}`);
  fs.chmodSync(file, 0o755);
}

/** A temp dir with the fake tools; returns it and the apt-get log file in it. */
function fakes(f: Fakes): { bin: string; log: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-prereq-'));
  dirs.push(dir);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'apt-get.log');
  for (const tool of f.tools) executable(path.join(bin, tool), 'exit 0\n');
  executable(path.join(bin, 'id'), `[ "$1" = -u ] && echo ${f.uid ?? 0}\n`);
  if (f.aptGet ?? true) {
    const create = (f.installCreates ?? true)
      ? `make() { printf '#!/bin/sh\\n' > '${bin}/'"$1" && /bin/chmod +x '${bin}/'"$1"; }`
      : 'make() { :; }';
    executable(path.join(bin, 'apt-get'), `printf '%s\\n' "DEBIAN_FRONTEND=\${DEBIAN_FRONTEND:-} $*" >> '${log}'
${create}
[ "$1" = install ] || exit 0
[ ${f.installStatus ?? 0} = 0 ] || exit ${f.installStatus ?? 0}
for arg in "$@"; do
  case $arg in -*|install) ;; postgresql) make pg_ctl; make initdb ;; *) make "$arg" ;; esac
done
`);
  }
  return { bin, log };
}

function run(bin: string, env: Record<string, string> = {}, script = SCRIPT) {
  const r = spawnSync('/bin/sh', [script], { cwd: REPO, env: { PATH: bin, ...env }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

const aptLog = (log: string) => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
const without = (...missing: string[]) => ALL.filter((t) => !missing.includes(t));

describe('scripts/test-prerequisites.sh', () => {
  test('npm test runs it first (pretest)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(pkg.scripts.pretest).toBe('sh scripts/test-prerequisites.sh');
  });

  test('everything present: exit 0, silent, no apt-get', () => {
    const { bin, log } = fakes({ tools: ALL });
    expect(run(bin)).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(aptLog(log)).toEqual([]);
  });

  test('missing on Debian as root: apt-get update and install of exactly the missing packages, in one line', () => {
    const { bin, log } = fakes({ tools: without('docker-registry', 'redis-server') });
    expect(run(bin)).toEqual({
      status: 0,
      stdout: '',
      stderr: 'dockyard: test prerequisites missing (docker-registry, redis-server): running apt-get update -qq and '
        + 'apt-get install -y -qq --no-install-recommends docker-registry redis-server '
        + '(DOCKYARD_NO_INSTALL=1 turns this off)\n',
    });
    expect(aptLog(log)).toEqual([
      'DEBIAN_FRONTEND=noninteractive update -qq',
      'DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends docker-registry redis-server',
    ]);
  });

  test('only openssl missing: installs only openssl', () => {
    const { bin, log } = fakes({ tools: without('openssl') });
    expect(run(bin).status).toBe(0);
    expect(aptLog(log)).toEqual([
      'DEBIAN_FRONTEND=noninteractive update -qq',
      'DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends openssl',
    ]);
  });

  test('PostgreSQL counts as present in /usr/lib/postgresql/<version>/bin off PATH, else it is installed', () => {
    const { bin, log } = fakes({ tools: without('pg_ctl', 'initdb') });
    const r = run(bin);
    expect(r.status).toBe(0);
    if (debianPostgres) {
      expect(r.stderr).toBe('');
      expect(aptLog(log)).toEqual([]);
    } else {
      expect(r.stderr).toMatch(/^dockyard: test prerequisites missing \(pg_ctl, initdb\): running apt-get update/);
      expect(aptLog(log)).toEqual([
        'DEBIAN_FRONTEND=noninteractive update -qq',
        'DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends postgresql',
      ]);
    }
  });

  test('missing and not root: exit 1 with the sudo apt-get command, nothing installed', () => {
    const { bin, log } = fakes({ tools: without('redis-server'), uid: 1000 });
    expect(run(bin)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'dockyard: test prerequisites missing (redis-server) and not root, so not installed; '
        + `run: sudo apt-get install -y ${PACKAGES}\n`,
    });
    expect(aptLog(log)).toEqual([]);
  });

  test('missing and no apt-get (not Debian or Ubuntu): exit 1 with what to install', () => {
    const { bin, log } = fakes({ tools: without('docker-registry', 'openssl'), aptGet: false });
    expect(run(bin)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'dockyard: test prerequisites missing (docker-registry, openssl) and no apt-get to install them: '
        + 'run npm test on Debian or Ubuntu, where it installs them '
        + `(or run: sudo apt-get install -y ${PACKAGES}); elsewhere install `
        + 'PostgreSQL (initdb and pg_ctl in /usr/lib/postgresql/<version>/bin), CNCF distribution 2.8 as '
        + '/usr/bin/docker-registry, redis-server with TLS as /usr/bin/redis-server, and openssl\n',
    });
    expect(aptLog(log)).toEqual([]);
  });

  test('DOCKYARD_NO_INSTALL=1 as root: exit 1 with the apt-get command, nothing installed', () => {
    const { bin, log } = fakes({ tools: without('redis-server') });
    expect(run(bin, { DOCKYARD_NO_INSTALL: '1' })).toEqual({
      status: 1,
      stdout: '',
      stderr: 'dockyard: test prerequisites missing (redis-server), not installed because DOCKYARD_NO_INSTALL is set; '
        + `run: apt-get install -y ${PACKAGES}\n`,
    });
    expect(aptLog(log)).toEqual([]);
  });

  test('DOCKYARD_NO_INSTALL=1 not as root names sudo; with everything present it passes', () => {
    const missing = fakes({ tools: without('openssl'), uid: 1000 });
    expect(run(missing.bin, { DOCKYARD_NO_INSTALL: '1' }).stderr).toMatch(
      /DOCKYARD_NO_INSTALL is set; run: sudo apt-get install -y postgresql docker-registry redis-server openssl\n$/);
    const all = fakes({ tools: ALL });
    expect(run(all.bin, { DOCKYARD_NO_INSTALL: '1' })).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(aptLog(missing.log)).toEqual([]);
  });

  test('a failing apt-get install fails the step with its exit status and the command', () => {
    const { bin } = fakes({ tools: without('redis-server'), installStatus: 100 });
    const r = run(bin);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').slice(-2))
      .toEqual([`dockyard: apt-get install failed (exit 100); run: apt-get install -y ${PACKAGES}`, '']);
  });

  test('a program still missing after apt-get install fails the step', () => {
    const { bin } = fakes({ tools: without('redis-server'), installCreates: false });
    const r = run(bin);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').slice(-2)).toEqual(['dockyard: still missing after apt-get install: redis-server', '']);
  });

  test('without node_modules/s3rver: exit 1 asking for npm ci, nothing installed', () => {
    const { bin, log } = fakes({ tools: without('redis-server') });
    const copy = path.join(path.dirname(bin), 'project', 'scripts', 'test-prerequisites.sh');
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(SCRIPT, copy);
    expect(run(bin, {}, copy)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'dockyard: the integration tests need the npm package s3rver (a devDependency), which is missing: '
        + 'run npm ci\n',
    });
    expect(aptLog(log)).toEqual([]);
  });

  test('without the Kubernetes schemas or the Gateway API CRDs: exit 1 in one line naming the file and the variable', () => {
    const { bin, log } = fakes({ tools: without('redis-server') });
    const missing = path.join(path.dirname(bin), 'none');
    const schemas = run(bin, { DOCKYARD_K8S_SCHEMAS: missing });
    expect(schemas.status).toBe(1);
    expect(schemas.stderr).toBe(`dockyard: the policy tests need the Kubernetes 1.27.0 OpenAPI definitions at ${missing}/v1.27.0.json, which ` +
      'is missing: put ../shared beside the clone (k8s-schemas/v1.27.0.json and v1.36.0.json, each the "definitions" of that release\'s ' +
      'api/openapi-spec/swagger.json; the README, The two commands, fetches them), or set DOCKYARD_K8S_SCHEMAS to the folder that holds them\n');
    const crds = run(bin, { DOCKYARD_K8S_CRDS: missing });
    expect(crds.status).toBe(1);
    expect(crds.stderr).toMatch(new RegExp(`^dockyard: the HTTPRoute tests need the Gateway API v1\\.6\\.1 CRDs at ${missing}/gateway-api-v1\\.6\\.1/httproutes\\.yaml, ` +
      'which is missing: .*set DOCKYARD_K8S_CRDS to the folder that holds it\n$'));
    // httproutes.yaml alone, as from a copy of one file: test/core/http-route-schema.ts reads gateways.yaml too, and
    // upstream's names carry the group, which the line spells out
    const partial = path.join(path.dirname(bin), 'partial');
    fs.mkdirSync(path.join(partial, 'gateway-api-v1.6.1'), { recursive: true });
    fs.writeFileSync(path.join(partial, 'gateway-api-v1.6.1', 'httproutes.yaml'), '');
    expect(run(bin, { DOCKYARD_K8S_CRDS: partial })).toEqual({
      status: 1,
      stdout: '',
      stderr: `dockyard: the HTTPRoute tests need the Gateway API v1.6.1 CRDs at ${partial}/gateway-api-v1.6.1/gateways.yaml, which is ` +
        'missing: put ../shared beside the clone (k8s-crds/gateway-api-v1.6.1/gateways.yaml is kubernetes-sigs/gateway-api v1.6.1 ' +
        'config/crd/standard/gateway.networking.k8s.io_gateways.yaml, renamed; the README, The two commands, fetches both), ' +
        'or set DOCKYARD_K8S_CRDS to the folder that holds it\n',
    });
    // checked before anything is installed
    expect(aptLog(log)).toEqual([]);
  });
});
