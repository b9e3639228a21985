// URLs in messages lose what could be a secret: user and password (a proxy's or a base URL's
// credentials) and query parameters whose names look like credentials (access_token, channel…).

const SECRET_PARAM = /token|secret|password|passwd|pwd|key|sig|auth|code|session|channel|credential/i;

/** The URL as text, with userinfo and credential-like query values replaced by REDACTED. */
export function redactUrl(url: URL | string): string {
  let copy: URL;
  try {
    copy = new URL(String(url));
  } catch {
    return redactText(String(url));
  }
  if (copy.username) copy.username = 'REDACTED';
  if (copy.password) copy.password = '';
  for (const key of [...new Set(copy.searchParams.keys())])
    if (SECRET_PARAM.test(key)) copy.searchParams.set(key, 'REDACTED');
  return copy.toString();
}

/** Any text with every URL in it redacted (error messages of libraries quote URLs). */
export function redactText(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi, (found) =>
      found.includes('://') && canParse(found) ? redactUrl(found) : found,
    )
    .replace(/\/\/[^/\s@:]+:[^/\s@]+@/g, '//REDACTED@');
}

function canParse(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
