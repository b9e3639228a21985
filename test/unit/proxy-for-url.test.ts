// Which proxy a message names: the one undici sends the request through, NO_PROXY applied with
// undici's rules (a message that names a proxy the request never went through misleads).
import { describe, expect, it } from 'vitest';
import { proxyForUrl, proxySettings } from '../../src/net/proxy.js';

const settings = (noProxy: string) =>
  proxySettings({ HTTPS_PROXY: 'http://proxy.test:3128', HTTP_PROXY: 'http://plain.test:8080', NO_PROXY: noProxy });

describe('proxyForUrl', () => {
  it('names the proxy of the scheme and the variable it came from', () => {
    expect(proxyForUrl(new URL('https://app.asana.com/api/1.0'), settings(''))).toEqual({
      url: 'http://proxy.test:3128/',
      from: 'HTTPS_PROXY',
    });
    expect(proxyForUrl(new URL('http://127.0.0.1:9000/api/1.0'), settings(''))?.from).toBe('HTTP_PROXY');
    expect(proxyForUrl(new URL('https://x.test/'), proxySettings({}))).toBeUndefined();
  });

  it.each([
    ['*', 'https://app.asana.com/', false],
    ['app.asana.com', 'https://app.asana.com/', false],
    ['asana.com', 'https://app.asana.com/', false],
    ['.asana.com', 'https://app.asana.com/', false],
    ['*.asana.com', 'https://app.asana.com/', false],
    ['sana.com', 'https://app.asana.com/', true],
    ['app.asana.com:443', 'https://app.asana.com/', false],
    ['app.asana.com:8443', 'https://app.asana.com/', true],
    ['example.com, 127.0.0.1:9000', 'http://127.0.0.1:9000/', false],
    ['127.0.0.1:9001', 'http://127.0.0.1:9000/', true],
    ['[::1]', 'https://[::1]:8443/', false],
    ['localhost', 'http://127.0.0.1/', true],
  ] as const)('NO_PROXY=%s, %s: proxied %s', (noProxy, url, proxied) => {
    expect(proxyForUrl(new URL(url), settings(noProxy)) !== undefined).toBe(proxied);
  });
});
