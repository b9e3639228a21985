/**
 * 100000 -> "100,000". Number#toLocaleString does the same, but its first call loads ICU's
 * number formats: 17 ms that `events --help` would pay for two words of a message.
 */
export function groupDigits(n: number): string {
  const [whole, fraction] = String(n).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
