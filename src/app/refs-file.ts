// --refs-file FILE: references one per line, `#` starts a comment, blank lines are ignored, `-`
// reads stdin. A bad line is a usage error naming the file and the line; a file that cannot be
// read is an input error (exit 66) naming the path.
import fs from 'node:fs';
import { InputError, UsageError } from '../core/errors.js';
import { parseReference, type Reference } from '../core/refs.js';

export function parseRefsText(text: string, name: string): Reference[] {
  const refs: Reference[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (!line) continue;
    try {
      refs.push(parseReference(line));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      throw new UsageError(`${name}:${i + 1}: ${error.message}`, error.hint);
    }
  }
  return refs;
}

/**
 * `hint` hears one line when `-` reads a terminal: a prompt-less wait looks like a hang to a
 * person who did not mean to type the references.
 */
export async function readRefsFile(
  file: string,
  stdin: NodeJS.ReadableStream,
  hint?: (line: string) => void,
): Promise<Reference[]> {
  const name = file === '-' ? '(stdin)' : file;
  if (file === '-' && (stdin as { isTTY?: boolean }).isTTY === true)
    hint?.('reading references from stdin, one per line; end with Ctrl-D (or pipe a file: --refs-file - < refs.txt)');
  let text: string;
  try {
    text = file === '-' ? await readAll(stdin) : await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (error as Error).message;
    throw new InputError(
      `cannot read the references file ${name}: ${why}`,
      'check the path given to --refs-file (or use - for stdin)',
    );
  }
  return parseRefsText(text, name);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}
