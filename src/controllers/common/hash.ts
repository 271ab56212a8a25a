/**
 * @module controllers/common/hash
 *
 * The template hash (a Deployment's pod-template-hash, a DaemonSet's controller-revision-hash): a
 * 32-bit FNV-1a hash of the pod template (plus the collision count,
 * little-endian, once a collision happened), written as its decimal digits mapped onto
 * upstream's "safe" alphabet (no vowels, no look-alike characters), so names such as
 * `web-5d4f8b9c6` look as upstream's do. Upstream hashes Go's printed form of the template
 * struct; we hash its canonical JSON (keys sorted), so the same template gives the same hash here
 * every time, but not the same value as upstream would (nothing compares the two).
 */

/** Upstream's SafeEncodeString alphabet. */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv32a(bytes: Uint8Array, seed = FNV_OFFSET): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** JSON with object keys sorted at every level, so equal objects hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHABET[s.charCodeAt(i) % ALPHABET.length];
  return out;
}

/** The hash of a pod template (upstream's controller.ComputeHash). */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncodeString(String(h));
}
