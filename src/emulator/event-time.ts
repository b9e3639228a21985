// When an emulated event happened. A burst (POST /_emulator/asana/events {"count":100000}) used to
// step one millisecond per event past the clock, so bulk-added events were minutes in the future;
// real services stamp many events with the same instant instead.

/**
 * The time of the next event after one at `last`: now, or `last` again when no time has passed
 * (several events share an instant, as at the vendors) or the system clock stepped back. Never
 * ahead of now (unless the clock stepped back), never before the previous event.
 */
export function nextEventTime(last: number, now: number): number {
  return Math.max(last, now);
}
