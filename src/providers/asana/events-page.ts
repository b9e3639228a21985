// An Asana events answer, checked before anything of it is handed on: a 200 page is
// `{"data":[...], "sync":"<token>", "has_more":bool}` and a 412 carries the fresh `sync`. Either
// one that is not (page-scan.ts) is a BadPageError, retried like a 5xx.
import type { Cursor, Page } from '../../core/provider.js';
import { EventBatch } from '../../core/event-batch.js';
import { checkedArray, checkedBoolean, checkedCursor, fieldValue, parsedObject, scanGarbled } from '../page-scan.js';

/** A 200 answer of GET /events: its events kept as sent when the scanner passes the text. */
export function readEventsPage(text: string): Page {
  const scanned = scanGarbled(text, 'data', 'Asana');
  if (scanned) {
    return {
      events: EventBatch.fromTexts(scanned.items),
      next: { sync: checkedCursor('Asana', 'sync', fieldValue(scanned, 'sync')) },
      more: checkedBoolean('Asana', 'has_more', fieldValue(scanned, 'has_more')),
    };
  }
  const body = parsedObject('Asana', text);
  const data = checkedArray('Asana', 'data', body['data']);
  const sync = checkedCursor('Asana', 'sync', body['sync']);
  return {
    events: EventBatch.fromValues(data),
    next: { sync },
    more: checkedBoolean('Asana', 'has_more', body['has_more']),
  };
}

/** A 412 answer: the stored token has expired, and the body carries the fresh one. */
export function readFreshSync(text: string): Cursor {
  const body = parsedObject('Asana', text, '412 answer');
  return { sync: checkedCursor('Asana', 'sync', body['sync'], '412 answer') };
}
