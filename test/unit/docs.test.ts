// A README a newcomer reads in five minutes, the rest in docs/. The README stays
// short, and no link in it or in docs/*.md leads nowhere: every relative link names a file that
// exists and, for a `#anchor` into a markdown file of the repo, a heading of that file.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/env.js';

const MAX_README_LINES = 350;

/** The text outside fenced code blocks and inline code spans, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, '');
  for (const match of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = match[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** The relative links of a markdown file that lead nowhere, as "target: why". */
function brokenLinks(file: string, markdown: string, read: (file: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const match of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [pathPart = '', anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
    if (!resolved.startsWith(ROOT + path.sep) && resolved !== ROOT) {
      broken.push(`${target}: outside the repository`);
      continue;
    }
    if (!fs.existsSync(resolved)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (anchor === undefined || !resolved.endsWith('.md')) continue;
    const text = read(resolved);
    if (text === undefined || !anchors(text).has(anchor))
      broken.push(`${target}: no heading #${anchor} in ${path.relative(ROOT, resolved)}`);
  }
  return broken;
}

const docs = fs
  .readdirSync(path.join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => path.join(ROOT, 'docs', f));
const files = [path.join(ROOT, 'README.md'), ...docs];
const read = (file: string): string | undefined =>
  fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;

describe('README.md and docs/', () => {
  it(`README.md is at most ${MAX_README_LINES} lines`, () => {
    const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(MAX_README_LINES);
  });

  it('the two commands of a fresh machine come first after the title', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const first = /^# events\n\n```sh\n([^\n]*)\n([^\n]*)\n```\n/.exec(readme);
    expect(first, 'a sh block right after the title').not.toBeNull();
    expect(first![1]).toMatch(/^npm install && node bin\/events\.js demo\b/);
    expect(first![2]).toMatch(/^npm test\b/);
  });

  it.each(files.map((f) => [path.relative(ROOT, f), f]))(
    'every relative link of %s leads to a file and heading that exist',
    (_name, file) => {
      expect(brokenLinks(file, fs.readFileSync(file, 'utf8'), read)).toEqual([]);
    },
  );

  it('the "More" list of the README links every page of docs/', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## More\n');
    expect(start).toBeGreaterThan(-1);
    const more = readme.slice(
      start,
      readme.indexOf('\n## ', start + 4) === -1 ? undefined : readme.indexOf('\n## ', start + 4),
    );
    const missing = docs.map((f) => `docs/${path.basename(f)}`).filter((page) => !more.includes(`](${page})`));
    expect(missing).toEqual([]);
  });

  // The checker itself must be able to fail: a missing file, a missing heading, an anchor into this file.
  it('the link checker finds broken links and passes good ones', () => {
    const readme = path.join(ROOT, 'README.md');
    const sample = [
      '# Title',
      '## Exit codes and `--verbose`',
      '## Exit codes and `--verbose`',
      'See [a](docs/nowhere.md), [b](#no-such-heading), [c](#exit-codes-and---verbose), [d](#exit-codes-and---verbose-1),',
      '[e](docs/design.md#the-house), [f](docs/design.md#no-room), [g](https://example.com/x.md#y), [h](../../../etc/passwd).',
      '```sh',
      'echo "[not a link](nowhere.md)"',
      '```',
    ].join('\n');
    const fake = (file: string): string | undefined => (file === readme ? sample : read(file));
    expect(brokenLinks(readme, sample, fake)).toEqual([
      'docs/nowhere.md: no such file',
      '#no-such-heading: no heading #no-such-heading in README.md',
      'docs/design.md#no-room: no heading #no-room in docs/design.md',
      '../../../etc/passwd: outside the repository',
    ]);
  });
});
