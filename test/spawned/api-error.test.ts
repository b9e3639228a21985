// A request the API refuses as asked (400), which retrying would only send again: the run ends
// with exit 65 (EX_DATAERR), its own code, and one line naming the answer and the fix. Exit 1
// stays the code of bugs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/spawn.js';
import { runInProcess } from '../helpers/run-in-process.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';
import { ExitCode } from '../../src/core/errors.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await startTestBed();
});
afterEach(async () => bed.close());

describe('a 400 from an API ends the run with its own exit code', () => {
  it('Asana: exit 65, one line on stderr, nothing on stdout, the cursor where it was', async () => {
    const appended = await bed.primed(5);
    bed.emulator.faults.add({ kind: 'status', status: 400, path: '/events', times: 1 });
    const run = await runCli(['tail', bed.project, '--once', '--json'], bed.env());
    expect(ExitCode.api).toBe(65);
    expect(run.code).toBe(65);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(
        `^events: Asana answered 400 for resource ${bed.project}: .+ \\(check the flags \\(for example --fields\\)\\)\\n$`,
      ),
    );
    // Not retried: the fault was used once, and the next run reads the events the refused one did not.
    const again = await runInProcess(['tail', bed.project, '--once', '--json'], { env: bed.env() });
    expect(again.code).toBe(0);
    expect(again.stdout.trim().split('\n')).toHaveLength(appended.length);
  });

  it('Box: exit 65 and one line as well', async () => {
    const env = bed.env({ BOX_BASE_URL: `${bed.emulator.url}/2.0`, BOX_ACCESS_TOKEN: 'box-token' });
    bed.emulator.faults.add({ kind: 'status', status: 400, path: '/2.0/events', times: 1 });
    const run = await runInProcess(['tail', 'box', '--once', '--json'], { env });
    expect(run.code).toBe(65);
    expect(run.stderr).toMatch(/^events: Box answered 400 for .+ \(check the flags \(for example --event-type\)\)\n$/);
  });
});
