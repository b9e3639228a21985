import fs from 'node:fs';

let cached: { name: string; version: string } | undefined;

/** name and version of package.json next to dist/, read once (no JSON import at start-up). */
function packageJson(): { name: string; version: string } {
  cached ??= JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return cached;
}

export function version(): string {
  return packageJson().version;
}

/** The command's name, its version and where its package lives: what server logs show of us. */
export function userAgent(): string {
  const { name } = packageJson();
  return `events/${version()} (+https://www.npmjs.com/package/${name}; node ${process.version})`;
}
