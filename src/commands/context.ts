// The IO every command receives: src/core/io.ts, where src/app/ can use it too.
export type { IO } from '../core/io.js';
