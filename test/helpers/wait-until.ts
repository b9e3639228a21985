// Polling for what a running CLI, server or file will show soon, without fixed sleeps.

/** Resolves once `predicate` holds (polled every 10 ms); fails after `timeoutMs` naming `what`. */
export async function waitUntil(predicate: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
