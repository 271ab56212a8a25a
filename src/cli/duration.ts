/**
 * @module cli/duration
 *
 * Go-style durations ("40s", "1m30s", "500ms", "2h"), as upstream's flags take them.
 */
import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a duration such as "1m30s"; a bare number is seconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a duration; use e.g. 40s, 1m30s or 500ms.`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}

export function parseRate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a rate; use a number of at least 0, e.g. 0.1.`);
  return n;
}

export function parseFraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a fraction; use a number in (0, 1], e.g. 0.55.`);
  return n;
}
