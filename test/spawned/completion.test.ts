// Completions generated from the commander program, checked in, and exercised in real
// bash, zsh and fish: `events t<TAB>` → tail, `events tail --js<TAB>` → --json, and stored
// references offered for a resource argument (read from the state, no network).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/env.js';
import { BIN, runCli, runShell } from '../helpers/spawn.js';
import { startTestBed, type TestBed } from '../helpers/test-bed.js';

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
/** A second state folder with a stored reference that has a colon: box:changes. */
let colonState: string;
beforeAll(async () => {
  bed = await startTestBed();
  project = bed.emulator.asana.projectGids[1]!;
  // A stored cursor, so there is a reference to offer.
  expect((await runCli(['tail', project, '--once'], bed.env())).code).toBe(0);
  colonState = tempDir('events-colon-');
  const colonEnv = bed.env({
    EVENTS_CONFIG_DIR: colonState,
    BOX_BASE_URL: `${bed.emulator.url}/2.0`,
    BOX_ACCESS_TOKEN: 'test-token',
  });
  const box = await runCli(['tail', 'box:changes', '--once'], colonEnv);
  expect(box.code, box.stderr).toBe(0);
  // `events` on PATH as a user has it after npm install -g.
  binDir = tempDir('events-bin-');
  fs.symlinkSync(BIN, path.join(binDir, 'events'));
});
afterAll(async () => {
  await bed.close();
  fs.rmSync(binDir, { recursive: true, force: true });
  fs.rmSync(colonState, { recursive: true, force: true });
});

const shellEnv = (): NodeJS.ProcessEnv => bed.env({ PATH: `${binDir}:${process.env['PATH']}` });

/** Runs a script file in a shell and returns its stdout lines. */
async function inShell(shell: string, script: string, env = shellEnv()): Promise<string[]> {
  const file = path.join(binDir, `harness.${shell}`);
  fs.writeFileSync(file, script);
  const args = shell === 'zsh' ? `zsh -f ${file}` : `${shell} ${file}`;
  const result = await runShell(args, env);
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

// As bash sets them for `words` typed and TAB (words without a COMP_WORDBREAKS character).
const bash = (words: string[]): Promise<string[]> =>
  inShell(
    'bash',
    `source '${ROOT}/${FILES.bash}'\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${words.join(' ')}'; COMP_POINT=\${#COMP_LINE}; _events; printf '%s\\n' "\${COMPREPLY[@]}"\n`,
  );

// zsh: an interactive zsh on a pseudo-terminal (zpty) with compinit loading completions/_events
// from $fpath. Type the line and TAB, then go to the start of the line, type `echo WORD=` and
// Enter: the shell prints the line as completion left it.
function zsh(line: string, env = shellEnv()): Promise<string> {
  return typed(
    'zsh -f -i',
    `PROMPT="> "; fpath=(${ROOT}/completions $fpath); autoload -U compinit; compinit -u -D; unsetopt beep`,
    line,
    env,
  );
}

// bash the same way: an interactive bash (readline, the real COMP_WORDBREAKS with its colon)
// driven through zsh's zpty, with the checked-in script sourced.
function bashTyped(line: string, env = shellEnv()): Promise<string> {
  return typed(
    'bash --norc --noprofile -i',
    `PS1="> "; source ${ROOT}/${FILES.bash}; bind "set bell-style none"`,
    line,
    env,
  );
}

async function typed(shell: string, setup: string, line: string, env: NodeJS.ProcessEnv): Promise<string> {
  const script = [
    'zmodload zsh/zpty',
    `zpty z '${shell}'`,
    `zpty -w z '${setup}'`,
    `zpty -w -n z $'${line}\t'`,
    'sleep 1',
    "zpty -w -n z $'\\x01echo WORD=\\x0d'",
    'sleep 0.5',
    'out=""',
    'while zpty -r -t z chunk; do out+="$chunk"; done',
    "print -r -- \"$out\" | tr -d '\\r' | grep -a -o 'WORD=.*' | tail -1",
    'zpty -d z',
  ].join('\n');
  const [printed = ''] = await inShell('zsh', `${script}\n`, env);
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

  it('`completion --help`, docs/completion.md and the scripts agree on where the files go', async () => {
    const help = (await runCli(['completion', '--help'], bed.env())).stdout;
    const section = fs.readFileSync(path.join(ROOT, 'docs/completion.md'), 'utf8');
    const commands = (text: string, prefix: string): string[] =>
      text
        .split('\n')
        .map((l) =>
          l
            .replace(/^ *(\$ )?/, '')
            .replace(/ {2,}#.*$/, '')
            .trim(),
        )
        .filter((l) => l.startsWith(prefix));
    for (const shell of ['bash', 'zsh', 'fish']) {
      const inHelp = commands(help, `events completion ${shell} >`);
      const inReadme = commands(section, `events completion ${shell} >`);
      expect(inHelp.length, shell).toBeGreaterThan(0);
      expect(inHelp, shell).toEqual(inReadme);
    }
    // The bash-completion folder only works with that package: both say so.
    expect(section).toMatch(/with the bash-completion package[^\n]*\n[^\n]*bash-completion\/completions\/events/);
    expect(help).toMatch(/bash-completion\/completions\/events +# bash, with the bash-completion package/);
    // The zsh script's own install line names the same file.
    expect(fs.readFileSync(path.join(ROOT, FILES.zsh), 'utf8')).toContain('events completion zsh > ~/.zfunc/_events');
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

describe.skipIf(!has('bash') || !has('zsh'))('bash, typed at a real prompt', () => {
  const colonEnv = (): NodeJS.ProcessEnv =>
    bed.env({ PATH: `${binDir}:${process.env['PATH']}`, EVENTS_CONFIG_DIR: colonState });

  it('completes references with a colon, whatever COMP_WORDBREAKS splits', { timeout: 60_000 }, async () => {
    expect(await bashTyped('events t')).toBe('events tail');
    expect(await bashTyped('events tail box:ch', colonEnv())).toBe('events tail box:changes');
    expect(await bashTyped('events state show box:ch', colonEnv())).toBe('events state show box:changes');
    // The forms no cursor is stored under: Box streams, and the prefixes a gid follows (no space after them).
    expect(await bashTyped('events tail box:admin_logs_s')).toBe('events tail box:admin_logs_streaming');
    expect(await bashTyped('events tail proj\\t12')).toBe('events tail projects:12');
    expect(await bashTyped('events tail te\\t34')).toBe('events tail team:34');
  });

  it('`config set <TAB>` offers setting names and `auth status <TAB>` the providers', { timeout: 60_000 }, async () => {
    expect(await bashTyped('events config set gr')).toBe('events config set group');
    expect(await bashTyped('events config get asanaB')).toBe('events config get asanaBaseUrl');
    expect(await bashTyped('events config set color al')).toBe('events config set color always');
    expect(await bashTyped('events auth status ')).not.toMatch(/status status/);
    expect(await bashTyped('events auth status a')).toBe('events auth status asana');
    expect(await bashTyped('events auth status asana ')).toBe('events auth status asana');
  });
});

describe.skipIf(!has('zsh'))('zsh', () => {
  it('completes commands, flags and stored references through compinit', { timeout: 30_000 }, async () => {
    expect(await zsh('events t')).toBe('events tail');
    expect(await zsh('events tail --js')).toBe('events tail --json');
    expect(await zsh('events tail ')).toBe(`events tail ${project}`);
    expect(await zsh('events state r')).toBe('events state reset');
  });

  it('`config set <TAB>` offers setting names and `auth status <TAB>` the providers', { timeout: 60_000 }, async () => {
    expect(await zsh('events config set gr')).toBe('events config set group');
    expect(await zsh('events config unset inter')).toBe('events config unset interval');
    expect(await zsh('events config set color al')).toBe('events config set color always');
    expect(await zsh('events auth status ')).not.toMatch(/status status/);
    expect(await zsh('events auth status b')).toBe('events auth status box');
  });
});

describe.skipIf(!has('fish'))('fish', () => {
  it('completes commands, flags and stored references', async () => {
    expect(await fish('events t')).toEqual(['tail']);
    expect(await fish('events tail --js')).toEqual(['--json']);
    expect(await fish('events tail ')).toContain(project);
    expect(await fish('events state ')).toEqual(['list', 'path', 'reset', 'show']);
  });

  it('`config set <TAB>` offers the settings with their help, then the values of the one named', async () => {
    const described = await inShell('fish', `source '${ROOT}/${FILES.fish}'\ncomplete -C 'events config set gr'\n`);
    expect(described).toEqual(['group\tconsumer group: separate cursors for separate consumers']);
    expect(await fish('events config unset inter')).toEqual(['interval']);
    expect(await fish('events config set color ')).toEqual(['always', 'auto', 'never']);
    expect(await fish('events auth status ')).toEqual(['asana', 'box']);
    expect(await fish('events completion ')).toEqual(['bash', 'fish', 'zsh']);
  });
});
