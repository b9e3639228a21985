// config.json written through conf (atomic write, file mode, read-modify-write of one key). conf
// writes with atomically, which loads when-exit, and when-exit hooks SIGINT, SIGTERM and a dozen
// other signals the moment it is imported, then re-raises them: one Ctrl-C would act as two and
// src/main.ts would no longer be the one owner of signals. So conf is loaded here only, and the
// listeners the import added are removed at once. (when-exit's 'exit' hook stays: it only cleans
// up atomically's temporary files.)
import type Conf from 'conf';

/** Every signal when-exit hooks (its src/signals.ts), on any platform. */
const HOOKED = [
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGALRM',
  'SIGABRT',
  'SIGVTALRM',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGUSR2',
  'SIGTRAP',
  'SIGSYS',
  'SIGQUIT',
  'SIGIOT',
  'SIGIO',
  'SIGPOLL',
  'SIGPWR',
  'SIGSTKFLT',
] as const;

export async function loadConf(): Promise<typeof Conf> {
  const before = new Map(HOOKED.map((signal) => [signal, listeners(signal)]));
  const { default: ConfClass } = await import('conf');
  for (const signal of HOOKED) {
    for (const listener of listeners(signal))
      if (!before.get(signal)!.includes(listener)) process.off(signal, listener);
  }
  return ConfClass;
}

function listeners(signal: string): Array<(...args: unknown[]) => void> {
  try {
    return process.listeners(signal as NodeJS.Signals) as Array<(...args: unknown[]) => void>;
  } catch {
    return []; // a signal this platform does not have
  }
}

/** The config.json of a state folder, through conf. */
export async function openConfig(dir: string): Promise<Conf<Record<string, unknown>>> {
  const ConfClass = await loadConf();
  return new ConfClass<Record<string, unknown>>({
    cwd: dir,
    configName: 'config',
    projectName: 'events',
    configFileMode: 0o600,
    accessPropertiesByDotNotation: false,
    clearInvalidConfig: false,
    watch: false,
  });
}
