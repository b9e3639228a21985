// Issue 6: completions generated from the commander program, checked in, and exercised in real
// bash, zsh and fish: `events t<TAB>` → tail, `events tail --js<TAB>` → --json, and stored
// references offered for a resource argument (read from the state, no network).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, runShell, tempDir } from '../helpers/cli.js';
import { startTestBed, type TestBed } from '../helpers/emulator.js';

const FILES = { bash: 'completions/events.bash', zsh: 'completions/_events', fish: 'completions/events.fish' } as const;

function has(shell: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let bed: TestBed;
let binDir: string;
let project: string;
beforeAll(async () => {
  bed = await startTestBed();
  project = bed.emulator.asana.projectGids[1]!;
  // A stored cursor, so there is a reference to offer.
  expect((await runCli(['tail', project, '--once'], bed.env())).code).toBe(0);
  // `events` on PATH as a user has it after npm install -g.
  binDir = tempDir('events-bin-');
  fs.symlinkSync(BIN, path.join(binDir, 'events'));
});
afterAll(async () => {
  await bed.close();
  fs.rmSync(binDir, { recursive: true, force: true });
});

const shellEnv = (): NodeJS.ProcessEnv => bed.env({ PATH: `${binDir}:${process.env['PATH']}` });

/** Runs a script file in a shell and returns its stdout lines. */
async function inShell(shell: string, script: string): Promise<string[]> {
  const file = path.join(binDir, `harness.${shell}`);
  fs.writeFileSync(file, script);
  const args = shell === 'zsh' ? `zsh -f ${file}` : `${shell} ${file}`;
  const result = await runShell(args, shellEnv());
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

const bash = (words: string[]): Promise<string[]> =>
  inShell('bash', `source '${ROOT}/${FILES.bash}'\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _events; printf '%s\\n' "\${COMPREPLY[@]}"\n`);

// zsh: an interactive zsh on a pseudo-terminal (zpty) with compinit loading completions/_events
// from $fpath. Type the line and TAB, then go to the start of the line, type `echo WORD=` and
// Enter: the shell prints the line as completion left it.
async function zsh(line: string): Promise<string> {
  const script = [
    'zmodload zsh/zpty',
    "zpty z 'zsh -f -i'",
    `zpty -w z 'PROMPT="> "; fpath=(${ROOT}/completions $fpath); autoload -U compinit; compinit -u -D; unsetopt beep'`,
    `zpty -w -n z $'${line}\t'`,
    'sleep 1',
    "zpty -w -n z $'\\x01echo WORD=\\x0d'",
    'sleep 0.5',
    'out=""',
    'while zpty -r -t z chunk; do out+="$chunk"; done',
    "print -r -- \"$out\" | tr -d '\\r' | grep -a -o 'WORD=.*' | tail -1",
    'zpty -d z',
  ].join('\n');
  const [printed = ''] = await inShell('zsh', `${script}\n`);
  return printed.replace(/^WORD=/, '').trimEnd();
}

const fish = async (line: string): Promise<string[]> =>
  (await inShell('fish', `source '${ROOT}/${FILES.fish}'\ncomplete -C '${line}'\n`)).map((l) => l.split('\t')[0]!);

describe('completion scripts', () => {
  it.each(Object.entries(FILES))('the checked-in %s script is what the program generates', async (shell, file) => {
    const run = await runCli(['completion', shell], bed.env());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  });

  it('an unknown shell is a usage error', async () => {
    const run = await runCli(['completion', 'tcsh'], bed.env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/<shell> must be bash, zsh or fish, not "tcsh"/);
  });

  it('__complete-refs lists stored references without any request', async () => {
    const before = bed.emulator.requests.length;
    const run = await runCli(['__complete-refs'], bed.env());
    expect(run.stdout.trim().split('\n')).toEqual([project]);
    expect(bed.emulator.requests.length).toBe(before);
  });
});

describe.skipIf(!has('bash'))('bash', () => {
  it('completes commands, flags, flag values and stored references', async () => {
    expect(await bash(['events', 't'])).toEqual(['tail']);
    expect(await bash(['events', 'tail', '--js'])).toEqual(['--json']);
    expect(await bash(['events', 'tail', ''])).toEqual([project]);
    expect(await bash(['events', 'tail', '--color', 'a'])).toEqual(['auto', 'always']);
    expect(await bash(['events', 'state', 'r'])).toEqual(['reset']);
    expect(await bash(['events', 'state', 'show', ''])).toEqual([project]);
  });
});

describe.skipIf(!has('zsh'))('zsh', () => {
  it('completes commands, flags and stored references through compinit', { timeout: 30_000 }, async () => {
    expect(await zsh('events t')).toBe('events tail');
    expect(await zsh('events tail --js')).toBe('events tail --json');
    expect(await zsh('events tail ')).toBe(`events tail ${project}`);
    expect(await zsh('events state r')).toBe('events state reset');
  });
});

describe.skipIf(!has('fish'))('fish', () => {
  it('completes commands, flags and stored references', async () => {
    expect(await fish('events t')).toEqual(['tail']);
    expect(await fish('events tail --js')).toEqual(['--json']);
    expect(await fish('events tail ')).toContain(project);
    expect(await fish('events state ')).toEqual(['list', 'path', 'reset', 'show']);
  });
});
