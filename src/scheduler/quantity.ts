/**
 * @module scheduler/quantity
 *
 * Resource quantities as the scheduler needs them: cpu in millicores and memory in bytes, rounded
 * up as upstream's `Quantity.MilliValue()` / `Value()` do. Accepts the forms kubectl writes:
 * "100m", "2", "0.5", "128Mi", "1Gi", "1e9", "500M".
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

/** The quantity in base units (cores, bytes, count). Throws on text upstream would reject. */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = QUANTITY.exec(text.trim());
  if (m === null) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(text)}`);
  const mantissa = Number(m[1]);
  if (m[2] !== undefined) return Number(`${m[1]}${m[2]}`);
  return mantissa * (SUFFIXES[m[3] ?? ''] ?? 1);
}

/** Rounds up, ignoring float noise ("0.1" × 1000 is 100, not 101). */
function ceil(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(value - rounded) < 1e-6 ? rounded : Math.ceil(value);
}

/** cpu in millicores: "100m" → 100, "2" → 2000, "0.5" → 500. */
export function milliCPU(text: string | number | undefined): number {
  return text === undefined ? 0 : ceil(parseQuantity(text) * 1000);
}

/** A quantity in whole base units, rounded up: "128Mi" → 134217728, "1e9" → 1000000000. */
export function quantityValue(text: string | number | undefined): number {
  return text === undefined ? 0 : ceil(parseQuantity(text));
}
