/**
 * @module api/selectors/compare
 *
 * Go compares strings byte by byte (UTF-8), JavaScript by UTF-16 code unit; the two orders differ
 * only for characters above U+FFFF against U+E000..U+FFFF. Canonical selector strings are sorted,
 * and must sort as upstream's do, so sorting goes through here.
 */

/** Orders strings as Go's `<` does: by code point, which is UTF-8 byte order. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}
