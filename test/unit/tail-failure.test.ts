// A failure that stops the run is printed, not kept. A loop that fails with
// something other than an EventsError (a bug) aborts the others with exit 1; runTail must then
// throw it for main to print, not return the abort's 1 as if a signal had stopped the run.
// In process with injected IO (a stdout whose write throws), against the real emulator.
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTailConfig } from '../../src/commands/tail.js';
import { defaultSettings } from '../../src/config/settings.js';
import { runTail } from '../../src/app/tail.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

let bed: TestBed;
beforeAll(async () => {
  bed = await startTestBed();
});
afterAll(() => bed.close());

function stream(write: (text: string) => void): NodeJS.WriteStream {
  const out = new Writable({ write: (chunk, _encoding, callback) => callback() });
  out.write = ((chunk: string) => {
    write(String(chunk));
    return true;
  }) as typeof out.write;
  return out as unknown as NodeJS.WriteStream;
}

describe('runTail', () => {
  it('throws the error of a loop that failed, rather than resolving with its exit 1', async () => {
    await bed.primed(5);
    let stderr = '';
    const stdout = stream(() => {
      throw new TypeError('a bug while writing');
    });
    const config = buildTailConfig(
      [bed.project],
      { once: true, json: true },
      defaultSettings({ asanaBaseUrl: `${bed.emulator.url}/api/1.0` }),
      bed.env(),
    );
    const run = runTail(config, {
      stdout,
      stderr: stream((text) => (stderr += text)),
      stdin: Readable.from([]),
      env: bed.env(),
      stop: new AbortController(),
    });
    await expect(run).rejects.toThrow('a bug while writing');
    expect(stderr).toBe('');
  });
});
