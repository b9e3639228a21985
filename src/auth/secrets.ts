// Credentials come from the environment, either inline (NAME) or from a file (NAME_FILE), the
// way Docker secrets and systemd credentials hand them over. Both forms are trimmed: a value
// pasted with a trailing CR/LF would otherwise be sent as part of the token and fail as an outage.
import fs from 'node:fs';
import { AuthError, UsageError } from '../core/errors.js';

export interface Secret {
  value: string;
  /** Where it came from: the variable name, or `NAME_FILE (path)`. Never the value. */
  source: string;
}

/** NAME or NAME_FILE; undefined when neither is set (an empty NAME counts as unset). */
export function readSecret(env: NodeJS.ProcessEnv, name: string): Secret | undefined {
  const inline = env[name];
  const file = env[`${name}_FILE`];
  const hasInline = inline !== undefined && inline.trim() !== '';
  const hasFile = file !== undefined && file.trim() !== '';
  if (hasInline && hasFile) throw new UsageError(`both ${name} and ${name}_FILE are set`, `unset one of them`);
  if (hasInline) return checked({ value: inline.trim(), source: name });
  if (!hasFile) return undefined;
  const path = file.trim();
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new AuthError(
      `cannot read ${name}_FILE ${path} (${code})`,
      `check that the file exists and this user may read it`,
    );
  }
  const value = text.trim();
  if (value === '')
    throw new AuthError(`${name}_FILE ${path} is empty`, `put the secret in the file, or unset ${name}_FILE`);
  return checked({ value, source: `${name}_FILE (${path})` });
}

/**
 * A byte that cannot travel in an HTTP header (a control character, a stray byte of a secret
 * file) would be refused by every request and look like an outage: say so at once, without
 * echoing the value.
 */
function checked(secret: Secret): Secret {
  const at = secret.value.search(/[^\x20-\x7e]/);
  if (at < 0) return secret;
  const code = secret.value.charCodeAt(at);
  const what =
    code < 0x20 || code === 0x7f
      ? `a control character (0x${code.toString(16).padStart(2, '0')})`
      : `a character outside printable ASCII (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  throw new AuthError(
    `${secret.source} holds ${what} at position ${at + 1} of ${secret.value.length}`,
    'secrets are printable ASCII: remove the stray character (an editor or a copy may have added it)',
  );
}
