'use strict';
// jest's globalSetup: the temporary files of one test run (secret states, outputs, the integration tests' server
// folders, hundreds of them) go in one folder, which test/tmp-teardown.js removes when the run ends. Tests name
// their files under os.tmpdir(), which reads TMPDIR; jest starts its workers after this, with this environment.
const fs = require('fs');
const os = require('os');
const path = require('path');

const PREFIX = 'dockyard-test-';
/** The file in a run's folder that names the jest process that made it. */
const PID_FILE = 'jest.pid';

/** Whether process `pid` is running (a process of another user counts). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Remove the folders of earlier runs that were stopped before their teardown (jest 29 runs none after Ctrl-C),
 * but never one whose run is still going.
 */
function removeAbandoned(parent) {
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(parent, name);
    let pid;
    try {
      pid = Number(fs.readFileSync(path.join(dir, PID_FILE), 'utf8'));
    } catch {
      continue; // not one of ours, or not readable: left alone
    }
    if (Number.isSafeInteger(pid) && pid > 0 && !alive(pid)) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

const setup = async () => {
  const parent = os.tmpdir();
  removeAbandoned(parent);
  const root = fs.mkdtempSync(path.join(parent, PREFIX));
  fs.writeFileSync(path.join(root, PID_FILE), String(process.pid));
  // others may pass through but not list: the integration tests run PostgreSQL as the postgres user when root
  fs.chmodSync(root, 0o711);
  process.env.DOCKYARD_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
};

module.exports = setup;
// for test/tmp-setup.test.ts
module.exports.removeAbandoned = removeAbandoned;
