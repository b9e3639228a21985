// The one redaction rule for everything the tool prints (error lines, --verbose stacks, warnings,
// the spinner, `config get/list`, `state`, `auth status`): whatever could be a secret is replaced
// by REDACTED. Two shapes hold secrets in what a user types or a server sends back:
// - userinfo: `scheme://user:password@host`, also in a malformed URL (`htps:/user:pw@host`,
//   `user:pw@host:3128` without a scheme): a proxy's or a base URL's credentials;
// - query (or fragment) parameters whose name looks like a credential: access_token, client_secret,
//   key, sig, X-Amz-Signature, Box's realtime `channel`… (`?name=value`, `&name=value`, `#name=value`).
// It works on text, not on parsed URLs, so a value that is not a URL at all is redacted too, and
// text without a secret comes back unchanged.

/** A parameter name is a credential when one of its words (split at _ - .) is one of these… */
const SECRET_WORDS = new Set([
  'token',
  'secret',
  'password',
  'passwd',
  'pwd',
  'pass',
  'key',
  'apikey',
  'sig',
  'signature',
  'auth',
  'authorization',
  'code',
  'session',
  'sessionid',
  'channel',
  'credential',
  'credentials',
  'assertion',
  'jwt',
  'otp',
]);
/** …or it ends with one glued on (accesstoken, clientSecret, apiKey). */
const SECRET_SUFFIX = /(token|secret|password|passwd|key|signature|credentials?)$/i;

export const REDACTED = 'REDACTED';

/** Whether a query parameter of this name holds a credential. */
export function isSecretParam(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_SUFFIX.test(lower) || lower.split(/[_.\-[\]]+/).some((word) => SECRET_WORDS.has(word));
}

/** Characters that end a URL-ish token in running text (quotes, brackets, spaces). */
const STOP = String.raw`\s"'<>()\[\]{}\`,`;
/** `//anything@`: the userinfo of an authority, whatever the scheme. */
const AUTHORITY_USERINFO = new RegExp(String.raw`//[^/${STOP}@]+@`, 'g');
/** `user:password@` without `//` before it (a malformed URL, a bare proxy address). */
const BARE_USERINFO = new RegExp(String.raw`(^|[${STOP}=/])[^/${STOP}@:]+:[^/${STOP}@]*@`, 'g');
/** `?name=value`, `&name=value`, `;name=value`, `#name=value`. */
const PARAM = new RegExp(String.raw`([?&;#])([A-Za-z0-9_.\-\[\]]+)=([^&#;${STOP}]*)`, 'g');

/** Any text with its userinfo and credential-like parameter values replaced by REDACTED. */
export function redactText(text: string): string {
  return text
    .replace(AUTHORITY_USERINFO, `//${REDACTED}@`)
    .replace(BARE_USERINFO, (found, before: string) => `${before}${REDACTED}@`)
    .replace(PARAM, (found, sep: string, name: string, value: string) =>
      value !== '' && value !== REDACTED && isSecretParam(name) ? `${sep}${name}=${REDACTED}` : found,
    );
}

/** A URL as text (normalised when it parses, as `URL.href` writes it), redacted by the one rule. */
export function redactUrl(url: URL | string): string {
  let text = String(url);
  try {
    text = new URL(text).href;
  } catch {
    // not a URL: redacted as text
  }
  return redactText(text);
}

/** A value about to be printed (a setting, a row of JSON): every string in it redacted. */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map(redactValue) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v)])) as T;
  return value;
}

/** A writer of whole lines to `stream`, each redacted first (warnings, debug lines). */
export function redactedLines(stream: NodeJS.WritableStream, prefix = ''): (line: string) => void {
  return (line) => void stream.write(`${redactText(`${prefix}${line}`)}\n`);
}
