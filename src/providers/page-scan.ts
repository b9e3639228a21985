// Both providers find a page's events with lib/json-scan.ts. A page nested deeper than any API
// nests an event is garbled (printing it again would exhaust the stack), and is retried like a
// body cut short.
import { nestedDeeperThan, scanPage, TooDeepError, type ScannedPage } from '../lib/json-scan.js';
import { TransientError } from '../net/retry.js';

/** scanPage, with a page nested too deep taken as a garbled answer (a TransientError). */
export function scanGarbled(text: string, arrayKey: string, vendor: 'Asana' | 'Box'): ScannedPage | undefined {
  let scanned: ScannedPage | undefined;
  try {
    scanned = scanPage(text, arrayKey);
  } catch (error) {
    if (error instanceof TooDeepError) throw garbled(vendor, error.message);
    throw error;
  }
  // Declined (the caller parses it instead): JSON.parse takes any depth, so check it here.
  if (!scanned && nestedDeeperThan(text)) throw garbled(vendor, new TooDeepError().message);
  return scanned;
}

function garbled(vendor: string, what: string): TransientError {
  return new TransientError(`${vendor} sent a 200 answer holding ${what} (garbled body)`);
}
