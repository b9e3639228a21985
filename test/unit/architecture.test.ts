// The house rules of src/ (docs/design.md): rooms by job, imports flowing one way, no circles.
// Each rule fails when a file imports against it: add `import '../core/refs.js'` to a lib/ file
// and the "no upward import" test names it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Rooms from the top down; a file may import its own room or any room further down. */
const LAYERS: string[][] = [
  ['main.ts'],
  ['cli'],
  ['commands'],
  ['app'],
  ['follow', 'providers', 'auth', 'output', 'emulator'],
  ['net', 'state', 'config', 'webhooks'],
  ['core'],
  ['lib'],
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import, static or dynamic, type-only included. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*|import\s+)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((spec) => path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts'));
}

const roomOf = (rel: string): string => (rel.includes('/') ? rel.split('/')[0]! : rel);
const rankOf = (room: string): number => LAYERS.findIndex((layer) => layer.includes(room));

const graph = new Map(sourceFiles(SRC).map((file) => [path.relative(SRC, file), importsOf(file)]));

describe('the layout of src/', () => {
  it('keeps every file in a known room, and only main.ts at the top', () => {
    const homeless = [...graph.keys()].filter((rel) => rankOf(roomOf(rel)) < 0);
    expect(homeless).toEqual([]);
  });

  it('imports only files that exist', () => {
    const missing = [...graph].flatMap(([from, tos]) =>
      tos.filter((to) => !graph.has(to)).map((to) => `${from} -> ${to}`),
    );
    expect(missing).toEqual([]);
  });

  it('has no upward import', () => {
    const upward = [...graph].flatMap(([from, tos]) =>
      tos.filter((to) => rankOf(roomOf(to)) < rankOf(roomOf(from))).map((to) => `${from} -> ${to}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no circle between rooms of one layer or between files', () => {
    // Rooms side by side may use each other only one way round.
    const roomEdges = new Set<string>();
    for (const [from, tos] of graph)
      for (const to of tos) if (roomOf(from) !== roomOf(to)) roomEdges.add(`${roomOf(from)} ${roomOf(to)}`);
    const twoWay = [...roomEdges].filter((edge) => roomEdges.has(edge.split(' ').reverse().join(' ')));
    expect(twoWay).toEqual([]);
    expect(fileCycles()).toEqual([]);
  });

  it('keeps the follow loop ignorant of the HTTP client: follow/ imports nothing from net/ (its ports say what it needs)', () => {
    const net = [...graph].flatMap(([from, tos]) =>
      roomOf(from) === 'follow' ? tos.filter((to) => roomOf(to) === 'net').map((to) => `${from} -> ${to}`) : [],
    );
    expect(net).toEqual([]);
  });

  it('keeps the follow core ignorant of the terminal: follow/ imports nothing from output/ (it reports through core/notice.ts and writes to core/record-sink.ts)', () => {
    const output = [...graph].flatMap(([from, tos]) =>
      roomOf(from) === 'follow' ? tos.filter((to) => roomOf(to) === 'output').map((to) => `${from} -> ${to}`) : [],
    );
    expect(output).toEqual([]);
  });

  it("keeps vendor tables out of the domain core: core/ holds and imports no list of an API's values (they live with their provider)", () => {
    const tables = [...graph.keys()].filter((rel) => vendorTablesIn(rel).length > 0);
    const inCore = [...graph].flatMap(([from, tos]) =>
      roomOf(from) !== 'core'
        ? []
        : [
            ...vendorTablesIn(from).map((name) => `${from} holds ${name}`),
            ...tos.filter((to) => tables.includes(to)).map((to) => `${from} -> ${to}`),
          ],
    );
    expect(inCore).toEqual([]);
    // The rule sees the tables it guards: the spec's values that --resource-type, --field and --event-type are checked against.
    expect(tables).toEqual(expect.arrayContaining(['providers/asana/event-values.ts', 'providers/box/event-types.ts']));
  });

  it('keeps the emulator apart from the client: it shares no code but lib/', () => {
    const shared = [...graph].flatMap(([from, tos]) =>
      roomOf(from) === 'emulator'
        ? tos.filter((to) => !['emulator', 'lib'].includes(roomOf(to))).map((to) => `${from} -> ${to}`)
        : [],
    );
    expect(shared).toEqual([]);
  });

  it('gives cli/, commands/ and app/ their stdout, stderr, stdin, environment and exit code through IO, never process.*', () => {
    // src/main.ts builds the IO from process and turns the returned code into the exit code.
    const uses = [...graph.keys()]
      .filter((rel) => ['cli', 'commands', 'app'].includes(roomOf(rel)))
      .flatMap((rel) => {
        const code = fs.readFileSync(path.join(SRC, rel), 'utf8').replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, '');
        return [...code.matchAll(/process\s*\.\s*(stdout|stderr|stdin|env|exitCode|exit|argv)\b/g)].map(
          (m) => `${rel}: process.${m[1]}`,
        );
      });
    expect(uses).toEqual([]);
  });
});

/**
 * The vendor tables a file exports: constant lists of at least VENDOR_TABLE_SIZE string literals
 * (an API's resource types, fields or event types, copied from its spec). A short list such as the
 * five Box streams a reference may name is part of the domain's grammar, not a table.
 */
const VENDOR_TABLE_SIZE = 12;
function vendorTablesIn(rel: string): string[] {
  const text = fs.readFileSync(path.join(SRC, rel), 'utf8');
  return [...text.matchAll(/^export const (\w+)[^=\n]*=\s*\[([^\]]*)\]/gm)]
    .filter((m) => (m[2]!.match(/'[^']*'|"[^"]*"/g) ?? []).length >= VENDOR_TABLE_SIZE)
    .map((m) => m[1]!);
}

/** Circles among files, found by depth-first search (each reported once by its first file). */
function fileCycles(): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const to of graph.get(file) ?? []) {
      if (state.get(to) === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to].join(' -> '));
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}
