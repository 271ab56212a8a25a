/**
 * @module kubelet/pods/quantity
 *
 * Resource quantities as the downward API and QoS need them ("100m", "2", "128Mi", "1e9"), in
 * base units (cores, bytes). A component's own copy: components never import each other.
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

export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

/** The quantity in base units. Throws QuantityError on text the API would have rejected. */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = QUANTITY.exec(text.trim());
  if (m === null) throw new QuantityError(`invalid quantity ${JSON.stringify(text)}`);
  if (m[2] !== undefined) return Number(`${m[1]}${m[2]}`);
  return Number(m[1]) * (SUFFIXES[m[3] ?? ''] ?? 1);
}

/** Rounds up, ignoring float noise ("0.1" × 1000 is 100, not 101). */
export function ceilQuantity(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(value - rounded) < 1e-6 ? rounded : Math.ceil(value);
}
