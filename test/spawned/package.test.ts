// What a user of the published package gets: `npm pack`, the tarball installed globally into a
// temporary prefix without devDependencies, and that install's `events` run against the emulator.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, tempDir } from '../helpers/env.js';
import { eventsOf } from '../helpers/run-result.js';
import { collect } from '../helpers/spawn.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

const run = promisify(execFile);
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};

let work: string;
let prefix: string;
let bed: TestBed;

beforeAll(async () => {
  work = tempDir('events-pack-');
  prefix = path.join(work, 'prefix');
  // --ignore-scripts: `npm test` built dist/ already, and prepare would delete it under the feet
  // of the tests running beside this one.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  // A global install from the tarball, as `npm install -g @events-cli/events` does: no devDependencies,
  // no prepare. The npm cache that `npm ci` filled makes this quick, and CI reaches the registry.
  await run(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      path.join(work, filename),
    ],
    { cwd: work },
  );
  bed = await startTestBed();
}, 180_000);

afterAll(async () => {
  await bed?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function installed(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(path.join(prefix, 'bin', 'events'), args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return collect(child, Date.now());
}

describe('the packed tarball, installed globally', () => {
  it('is a scoped name that can be published, and installs no devDependency', () => {
    expect(manifest.name).toMatch(/^@[a-z0-9-]+\/[a-z0-9-]+$/);
    const root = path.join(prefix, 'lib', 'node_modules', ...manifest.name.split('/'));
    expect(fs.existsSync(path.join(root, 'dist', 'bundle', 'main.js'))).toBe(true);
    // Only the bundle ships: the tsc output it is made from stays in the clone.
    expect(fs.existsSync(path.join(root, 'dist', 'main.js'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'src'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'test'))).toBe(false);
    for (const dev of Object.keys(manifest.devDependencies))
      expect(fs.existsSync(path.join(root, 'node_modules', dev)), dev).toBe(false);
  });

  it('puts `events` on the PATH: --version prints the package version', async () => {
    const result = await installed(['--version'], cleanEnv());
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(manifest.version);
    expect(result.code).toBe(0);
  });

  it('runs tail --once against the emulator: the first run stores a cursor, the second prints what is new', async () => {
    const env = cleanEnv({ ...bed.env(), PATH: `${path.join(prefix, 'bin')}:${process.env['PATH']}` });
    const first = await installed(['tail', bed.project, '--once', '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const appended = bed.emulator.asana.appendEvents(bed.project, 3);
    const second = await installed(['tail', bed.project, '--once', '--json'], env);
    expect(second.code).toBe(0);
    expect(eventsOf(second.stdout)).toEqual(appended);
  });
});
