#!/usr/bin/env node
// Thin shim into the compiled code (npm install builds dist/ through the prepare script).
import { main } from '../dist/bundle/main.js';

const code = await main(process.argv);
process.exitCode = code;
// Everything is saved by now. Leave as soon as stdout and stderr have handed their data to the
// OS, instead of waiting for keep-alive sockets and timers to wind down (that takes ~200 ms).
const drained = (stream) =>
  stream.writableLength ? new Promise((resolve) => stream.once('drain', resolve)) : Promise.resolve();
const grace = new Promise((resolve) => setTimeout(resolve, 1000).unref());
// After Ctrl-C or SIGTERM, what stdout still holds are lines the stop gave up on: they were not
// counted in the saved cursor, so they must not reach the reader now.
const stopped = code === 130 || code === 143;
await Promise.race([Promise.all([stopped ? undefined : drained(process.stdout), drained(process.stderr)]), grace]);
process.exit(code);
