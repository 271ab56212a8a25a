/**
 * @module api/quantity
 *
 * resource.Quantity as components read it ("100m", "2", "0.5", "128Mi", "1e9", "500M"), as a
 * number of base units (cores, bytes, count), with upstream's roundings: `milliCPU` as
 * `Quantity.MilliValue()`, `quantityValue` as `Value()` (both round up). The scheduler sums
 * requests with it; the kubelet derives QoS and the downward API's resource values.
 */

const SUFFIXES: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

/** Text the API server would have rejected as a quantity. */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

/** The quantity in base units. Throws QuantityError on text upstream would reject. */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = QUANTITY.exec(text.trim());
  if (m === null) throw new QuantityError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(text)}`);
  if (m[2] !== undefined) return Number(`${m[1]}${m[2]}`);
  return Number(m[1]) * (SUFFIXES[m[3] ?? ''] ?? 1);
}

/** Rounds up, ignoring float noise ("0.1" × 1000 is 100, not 101). */
export function ceilQuantity(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(value - rounded) < 1e-6 ? rounded : Math.ceil(value);
}

/** cpu in millicores: "100m" → 100, "2" → 2000, "0.5" → 500; unset is 0. */
export function milliCPU(text: string | number | undefined): number {
  return text === undefined ? 0 : ceilQuantity(parseQuantity(text) * 1000);
}

/** A quantity in whole base units, rounded up: "128Mi" → 134217728, "1e9" → 1000000000; unset is 0. */
export function quantityValue(text: string | number | undefined): number {
  return text === undefined ? 0 : ceilQuantity(parseQuantity(text));
}
