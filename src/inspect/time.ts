import type { JWTPayload } from 'jose';

// Token times for people: a date and how far it is from now. Runs in Node and in the browser.

export interface TimeClaim {
  claim: 'iat' | 'nbf' | 'exp';
  epoch: number;
  /** ISO 8601, UTC. */
  date: string;
  /** "expires in 9m 58s", "expired 3m ago", "2m ago", "in 5m". */
  relative: string;
}

/** "9m 58s", "2h 3m", "3d 4h": the two largest units, for people reading token times. */
export function formatDuration(milliseconds: number): string {
  let seconds = Math.round(Math.abs(milliseconds) / 1000);
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (seconds >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export const isoDate = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The RFC 7519 §4.1 time claims that are NumericDates, in reading order. */
export function timeClaims(claims: JWTPayload, now: Date): TimeClaim[] {
  const out: TimeClaim[] = [];
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    const epoch = claims[claim];
    if (!isNumericDate(epoch) || Math.abs(epoch) > 8.64e12) continue;
    const delta = epoch * 1000 - now.getTime();
    const span = formatDuration(delta);
    const relative =
      claim === 'exp' ? (delta > 0 ? `expires in ${span}` : `expired ${span} ago`) : delta > 0 ? `in ${span}` : `${span} ago`;
    out.push({ claim, epoch, date: isoDate(epoch), relative });
  }
  return out;
}
