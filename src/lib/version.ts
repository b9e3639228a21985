import fs from 'node:fs';

let cached: string | undefined;

/** The package version, read once from package.json next to dist/ (no JSON import at start-up). */
export function version(): string {
  cached ??= (
    JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return cached;
}

export function userAgent(): string {
  return `events/${version()} (+https://www.npmjs.com/package/@events-cli/events; node ${process.version})`;
}
