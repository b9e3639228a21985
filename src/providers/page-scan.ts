// Both providers find a page's events with lib/json-scan.ts. A page nested deeper than any API
// nests an event is garbled (printing it again would exhaust the stack), and is retried like a
// body cut short.
import { scanPage, TooDeepError, type ScannedPage } from '../lib/json-scan.js';
import { TransientError } from '../net/retry.js';

/** scanPage, with a page nested too deep taken as a garbled answer (a TransientError). */
export function scanGarbled(text: string, arrayKey: string, vendor: 'Asana' | 'Box'): ScannedPage | undefined {
  try {
    return scanPage(text, arrayKey);
  } catch (error) {
    if (error instanceof TooDeepError) throw new TransientError(`${vendor} sent a 200 answer holding ${error.message} (garbled body)`);
    throw error;
  }
}
