'use strict';
// jest's globalTeardown: remove the run's temporary folder (test/tmp-setup.js) and everything in it.
const fs = require('fs');

module.exports = async () => {
  const root = process.env.DOCKYARD_TEST_TMPDIR;
  if (root) {
    fs.rmSync(root, { recursive: true, force: true });
  }
};
