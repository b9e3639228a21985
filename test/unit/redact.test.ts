// The one redaction rule: userinfo and credential-like parameters, in URLs and in text that only
// looks like one; text without a secret comes back unchanged.
import { describe, expect, it } from 'vitest';
import { isSecretParam, redactText, redactUrl, redactValue } from '../../src/lib/redact.js';

describe('redactText', () => {
  it.each([
    ['http://user:pw-1@proxy:3128', 'http://REDACTED@proxy:3128'],
    ['https://tok-1@api.example.com/x', 'https://REDACTED@api.example.com/x'],
    ['htps:/user:pw-1@host/', 'htps:/REDACTED@host/'],
    ['user:pw-1@host:3128', 'REDACTED@host:3128'],
    ['"hxxp//bob:pw-1@h?access_token=t-1&x=1"', '"hxxp//REDACTED@h?access_token=REDACTED&x=1"'],
    [
      'https://h/p?client_secret=s-1&refresh_token=r-1&sig=g-1&opt_fields=a',
      'https://h/p?client_secret=REDACTED&refresh_token=REDACTED&sig=REDACTED&opt_fields=a',
    ],
    [
      'https://s3/x?X-Amz-Signature=s-1&X-Amz-Credential=c-1',
      'https://s3/x?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED',
    ],
    ['https://h/cb#access_token=t-1', 'https://h/cb#access_token=REDACTED'],
    ['GET https://h/events?resource=1&sync=abc -> 200', 'GET https://h/events?resource=1&sync=abc -> 200'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('leaves text without secrets alone: e-mail logins, times, file URLs, plain URLs', () => {
    for (const text of [
      'only events by alice@example.com',
      '14:03:22 Ada changed task',
      '    at run (file:///work/node_modules/@scope/x.js:1:2)',
      'https://app.asana.com/api/1.0',
      'http://[::1]:4010/api/1.0?assignee=123',
    ])
      expect(redactText(text)).toBe(text);
  });

  it('knows credential names by word, not by substring', () => {
    for (const name of ['token', 'access_token', 'key', 'apiKey', 'secret', 'password', 'sig', 'signature', 'channel'])
      expect(isSecretParam(name), name).toBe(true);
    for (const name of ['assignee', 'design', 'sync', 'opt_fields', 'monkeys', 'limit'])
      expect(isSecretParam(name), name).toBe(false);
  });

  it('redactUrl normalises a URL as URL.href writes it; redactValue walks objects', () => {
    expect(redactUrl(new URL('http://u:p@h:1'))).toBe('http://REDACTED@h:1/');
    expect(redactValue({ proxy: 'http://u:p@h', n: 3, list: ['x?token=y'] })).toEqual({
      proxy: 'http://REDACTED@h',
      n: 3,
      list: ['x?token=REDACTED'],
    });
  });
});
