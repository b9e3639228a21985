// How long ago something was saved, for a person: "12 min", "3.5 h", "4 d". `events state` lists
// it for each cursor; an expired cursor's warning says it of the stored one.

/** "12 min" under an hour, "3.5 h" under two days, "4 d" beyond; "unknown" for no time or a future one. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = ms / 3_600_000;
  return hours < 48 ? `${hours.toFixed(1).replace(/\.0$/, '')} h` : `${Math.round(hours / 24)} d`;
}
