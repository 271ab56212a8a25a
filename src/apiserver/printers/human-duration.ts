/**
 * @module apiserver/printers/human-duration
 *
 * The AGE-style durations kubectl shows ("5m", "3h10m", "2y15d"). They must match upstream's
 * `HumanDuration` (apimachinery pkg/util/duration) character for character: kubectl prints the
 * server's cells verbatim, so any drift here is visible in every `kubectl get`.
 *
 * Time is always passed in, never read from the clock, so tables are deterministic in tests.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The Go zero time, which is what an unset metav1.Time decodes to; upstream treats it as "no
 * timestamp", so we must too.
 */
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/** A clock reading as callers may hold it: a Date or epoch milliseconds. */
export type Instant = Date | number;

/** Epoch milliseconds of an {@link Instant}. */
export function toEpochMillis(instant: Instant): number {
  return typeof instant === 'number' ? instant : instant.getTime();
}

/**
 * Formats a duration in milliseconds with about two significant figures, exactly as upstream's
 * HumanDuration does.
 *
 * Up to 2 s of negative skew prints "0s" (clocks on different machines disagree a little); beyond
 * that it prints "<invalid>". Go truncates seconds toward zero before comparing, so -1.9 s is still
 * "0s" and only -2 s or less is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/**
 * Parses a metav1.Time or metav1.MicroTime string to epoch milliseconds, or undefined when the
 * timestamp is absent, unparsable, or the Go zero time (all of which upstream reports as unknown).
 */
export function parseTimestamp(timestamp: string | null | undefined): number | undefined {
  if (timestamp === undefined || timestamp === null || timestamp === '') return undefined;
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME_MS) return undefined;
  return ms;
}

/**
 * How long ago `timestamp` was, as upstream's translateTimestampSince prints it: "<unknown>" when
 * there is no timestamp, otherwise humanDuration(now - timestamp).
 */
export function translateTimestampSince(timestamp: string | null | undefined, now: Instant): string {
  const then = parseTimestamp(timestamp);
  if (then === undefined) return '<unknown>';
  return humanDuration(toEpochMillis(now) - then);
}
