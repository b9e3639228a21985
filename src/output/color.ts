// Whether stdout gets colour. Precedence: --color, then FORCE_COLOR, then NO_COLOR (chalk itself
// ignores it), then TERM=dumb, then whether stdout is a terminal. Same order as Node's own
// tty.hasColors(), so the tool agrees with the platform.
export type ColorChoice = 'auto' | 'always' | 'never';
export type ColorLevel = 0 | 1 | 2 | 3;

export function colorLevel(choice: ColorChoice, env: NodeJS.ProcessEnv, isTTY: boolean): ColorLevel {
  if (choice === 'never') return 0;
  const forced = forceColorLevel(env['FORCE_COLOR']);
  if (choice === 'always') return forced && forced > 0 ? forced : terminalLevel(env) || 1;
  if (forced !== undefined) return forced;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  if (env['TERM'] === 'dumb') return 0;
  return isTTY ? terminalLevel(env) : 0;
}

function forceColorLevel(value: string | undefined): ColorLevel | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value === 'true' || value === '1') return 1;
  if (value === 'false' || value === '0') return 0;
  if (value === '2') return 2;
  if (value === '3') return 3;
  return undefined;
}

function terminalLevel(env: NodeJS.ProcessEnv): ColorLevel {
  if (env['COLORTERM'] === 'truecolor' || env['COLORTERM'] === '24bit') return 3;
  if (/-256(color)?$/i.test(env['TERM'] ?? '')) return 2;
  return 1;
}
