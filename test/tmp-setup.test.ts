// The test run's temporary folder (test/tmp-setup.js): a folder an earlier run left when it was stopped before its
// teardown goes at the start of the next run, unless its run is still going; nothing else in the folder is touched.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// plain JavaScript, as jest loads it
const { removeAbandoned } = require('./tmp-setup.js') as { removeAbandoned: (parent: string) => void };

test('removes the folders of runs that are gone, and keeps live runs\' and other folders', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'tmp-setup-'));
  const folder = (name: string, pid?: string) => {
    fs.mkdirSync(path.join(parent, name));
    if (pid !== undefined) fs.writeFileSync(path.join(parent, name, 'jest.pid'), pid);
  };
  // a pid no process has (above Linux's pid_max, 2^22), this process, and folders that are not a run's
  folder('dockyard-test-gone00', String(2 ** 22 + 1));
  folder('dockyard-test-live00', String(process.pid));
  folder('dockyard-test-nopid0');
  folder('dockyard-state-other', String(2 ** 22 + 1));
  removeAbandoned(parent);
  expect(fs.readdirSync(parent).sort()).toEqual(['dockyard-state-other', 'dockyard-test-live00', 'dockyard-test-nopid0']);
  fs.rmSync(parent, { recursive: true, force: true });
});
