'use strict';
// jest's globalSetup: the temporary files of one test run (secret states, outputs, the integration tests' server
// folders, hundreds of them) go in one folder, which test/tmp-teardown.js removes when the run ends. Tests name
// their files under os.tmpdir(), which reads TMPDIR; jest starts its workers after this, with this environment.
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-test-'));
  // others may pass through but not list: the integration tests run PostgreSQL as the postgres user when root
  fs.chmodSync(root, 0o711);
  process.env.DOCKYARD_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
};
