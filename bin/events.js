#!/usr/bin/env node
// Thin shim into the compiled code (npm install builds dist/ through the prepare script).
import { main } from '../dist/main.js';

const code = await main(process.argv);
process.exitCode = code;
// Leave even if a stray handle (a keep-alive socket, a timer) would keep the loop alive.
setTimeout(() => process.exit(code), 200).unref();
