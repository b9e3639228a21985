// A Box events answer, `{"chunk_size":N, "next_stream_position":..., "entries":[...]}`, checked
// before anything of it is handed on (page-scan.ts): entries an array, the position a cursor by
// the one rule (a JSON number is taken exactly from the text, position.ts, and must be a whole
// number). Anything else is a BadPageError, retried like a 5xx.
import { EventBatch } from '../../core/event-batch.js';
import { badPage, checkedArray, checkedCursor, fieldValue, parsedObject, scanGarbled } from '../page-scan.js';
import { exactPosition } from './position.js';

export interface BoxPage {
  entries: EventBatch;
  position: string;
}

/** A 200 events answer; its entries kept as sent when the scanner passes the text (json-scan.ts). */
export function readBoxPage(text: string): BoxPage {
  const scanned = scanGarbled(text, 'entries', 'Box');
  if (scanned) {
    return {
      entries: EventBatch.fromTexts(scanned.items),
      position: checkedPosition(text, fieldValue(scanned, 'next_stream_position')),
    };
  }
  const body = parsedObject('Box', text);
  const entries = checkedArray('Box', 'entries', body['entries']);
  return { entries: EventBatch.fromValues(entries), position: checkedPosition(text, body['next_stream_position']) };
}

function checkedPosition(text: string, value: unknown): string {
  if (typeof value !== 'number') return checkedCursor('Box', 'next_stream_position', value);
  const exact = exactPosition(text, value)!;
  if (!/^\d+$/.test(exact))
    throw badPage('Box', `the answer's next_stream_position is the number ${exact.slice(0, 40)}, not a whole number`);
  return checkedCursor('Box', 'next_stream_position', exact);
}
