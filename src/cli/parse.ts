/**
 * @module cli/parse
 *
 * Flag value parsers shared by every subcommand. Each failure is one line that names the flag,
 * what was wrong, and what to type instead.
 */
import { InvalidArgumentError } from 'commander';

/** A TCP port; 0 asks the system for a free one (tests, several clusters on one machine). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a port; use a number from 1 to 65535 (or 0 for any free port).`);
  }
  return port;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a whole number of at least 1.`);
  }
  return n;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A comma-separated list of zone names; each must be a valid label value (DNS-1123 label). */
export function parseZones(value: string): string[] {
  const zones = value.split(',').map((z) => z.trim());
  for (const zone of zones) {
    if (zone.length === 0 || zone.length > 63 || !DNS1123_LABEL.test(zone)) {
      throw new InvalidArgumentError(
        `zone ${JSON.stringify(zone)} is not a valid name; use lower-case letters, digits and '-', e.g. --zones zone-a,zone-b,zone-c.`,
      );
    }
  }
  if (new Set(zones).size !== zones.length) throw new InvalidArgumentError(`zones must be distinct, got ${value}.`);
  return zones;
}
