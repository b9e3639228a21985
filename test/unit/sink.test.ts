// Sink.write says how many lines it accepted: the follow loop saves its cursor by that count,
// not by the sink's running total (which other subscriptions' pages also move).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AtomicFileSink, FileSink, StreamSink } from '../../src/output/sink.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-sink-'));
  dirs.push(dir);
  return path.join(dir, 'out.jsonl');
}

/** 300 lines of 20 characters: several chunks of whole lines. */
const page = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(19, '0')}\n`).join('');

describe('Sink.write', () => {
  it('resolves with the lines written to a file', async () => {
    const file = new FileSink(tempFile());
    expect(await file.write('a\nb\n')).toBe(2);
    expect(await file.write(page)).toBe(300);
    await file.close();
    const atomic = new AtomicFileSink(tempFile());
    expect(await atomic.write('a\nb\nc\n')).toBe(3);
    await atomic.close();
  });

  it('resolves with every line a stream took', async () => {
    const chunks: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk.toString()), done()) });
    const sink = new StreamSink(stream);
    expect(await sink.write(page)).toBe(300);
    expect(chunks.length).toBeGreaterThan(1);
    expect(sink.linesWritten).toBe(300);
  });

  it('resolves with only the chunks a slow reader took before a stop', async () => {
    const stop = new AbortController();
    let taken = 0;
    // The reader takes the first chunk and then never another.
    const stream = new Writable({
      highWaterMark: 1,
      write: (chunk: Buffer, _encoding, done) => {
        taken++;
        if (taken === 1) done();
        else setTimeout(() => stop.abort(130), 0);
      },
    });
    const sink = new StreamSink(stream, { signal: stop.signal, graceMs: 10 });
    const accepted = await sink.write(page);
    const firstChunkLines = Math.floor(1365 / 20);
    expect(accepted).toBe(firstChunkLines);
    expect(sink.linesWritten).toBe(firstChunkLines);
  });
});
