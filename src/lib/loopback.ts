// Whether a host name is this machine's loopback: plain http stays on the machine there, so the
// access token may go to an emulator over http and Asana's webhooks may target one (tests).
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
