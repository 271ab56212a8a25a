/**
 * @module controllers/common/int-or-percent
 *
 * Upstream's intstr.GetScaledValueFromIntOrPercent: `3` is 3, `"25%"` of 10 is 2.5, rounded up
 * or down as the caller says (maxSurge rounds up, a Deployment's maxUnavailable down, a
 * DaemonSet's maxUnavailable up).
 */

export type IntOrString = number | string;

export class InvalidIntOrPercentError extends Error {
  override readonly name = 'InvalidIntOrPercentError';
}

export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new InvalidIntOrPercentError(`invalid value for IntOrString: invalid value "${value}"`);
  }
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
