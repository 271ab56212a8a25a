/**
 * @module api/selectors/fields
 *
 * Field selectors (`?fieldSelector=metadata.name=web,status.phase!=Running`), as upstream's
 * apimachinery `pkg/fields/selector.go`: comma-separated terms ANDed together, each `field=value`,
 * `field==value` or `field!=value`. In values, `\,` `\=` and `\\` stand for the literal character;
 * any other backslash sequence, or a bare '=' in a value, is an error. A field an object does not
 * have reads as "", so `spec.nodeName=` selects unscheduled pods.
 *
 * Which fields a kind supports is the API server's knowledge (upstream's per-kind field label
 * conversion functions); it passes them to parseFieldSelector, which rejects the rest.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { compareGoStrings } from './compare.js';
import { SelectorErrorCode, SelectorParseError } from './errors.js';

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  /** `==` is parsed as `=`, as upstream does. */
  readonly operator: FieldOperator;
  readonly value: string;
}

/** The values an object exposes for selection, e.g. `{ 'metadata.name': 'web', 'status.phase': 'Running' }`. */
export type Fields = Readonly<Record<string, string>>;

/**
 * Which fields may be selected on. A function may also rename a field (upstream maps the
 * deprecated `spec.host` to `spec.nodeName`); it returns undefined for an unsupported field.
 */
export type AllowedFields = ReadonlySet<string> | readonly string[] | ((field: string) => string | undefined);

export class FieldSelector {
  private static readonly EVERYTHING = new FieldSelector([]);

  private constructor(readonly requirements: readonly FieldRequirement[]) {}

  static everything(): FieldSelector {
    return FieldSelector.EVERYTHING;
  }

  /** A selector of the given terms, in the given order. */
  static of(requirements: readonly FieldRequirement[]): FieldSelector {
    return requirements.length === 0 ? FieldSelector.EVERYTHING : new FieldSelector([...requirements]);
  }

  /** `field=value` for every entry, as upstream's `SelectorFromSet`. */
  static fromSet(set: Fields): FieldSelector {
    return FieldSelector.of(Object.entries(set).map(([field, value]) => ({ field, operator: '=', value })));
  }

  matches(fields: Fields | undefined): boolean {
    return this.requirements.every((r) => {
      const have = fields !== undefined && Object.hasOwn(fields, r.field) ? (fields[r.field] ?? '') : '';
      return r.operator === '=' ? have === r.value : have !== r.value;
    });
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /** The text form with values escaped; parsing it yields an equal selector. */
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }

  /** The value an `=` term pins `field` to, if any: lets the server read one key instead of a list. */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }
}

/**
 * The terms that constrain one field, e.g. `requirementsFor(sel, 'metadata.name')` to narrow a
 * storage read before filtering with `matches`. Empty when the selector says nothing about it.
 */
export function requirementsFor(selector: FieldSelector, field: string): FieldRequirement[] {
  return selector.requirements.filter((r) => r.field === field);
}

/** Makes any string safe as a field selector value: `\` → `\\`, `,` → `\,`, `=` → `\=`. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Reverses escapeFieldValue; throws SelectorParseError (InvalidEscape) on anything else escaped. */
export function unescapeFieldValue(value: string, selector = value): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = '';
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw invalidEscape(selector, `\\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go formats the rune with %v, which prints its code point: "unescaped character in value: 61".
      throw new SelectorParseError(
        SelectorErrorCode.InvalidEscape,
        'field',
        selector,
        `invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`,
      );
    } else {
      out += c;
    }
  }
  if (inSlash) throw invalidEscape(selector, '\\');
  return out;
}

function invalidEscape(selector: string, sequence: string): SelectorParseError {
  return new SelectorParseError(
    SelectorErrorCode.InvalidEscape,
    'field',
    selector,
    `invalid field selector: invalid escape sequence: ${sequence}`,
  );
}

/** Splits on commas that are not escaped; the escapes stay in the terms for unescaping later. */
function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) {
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

/** Splits at the first operator; field names cannot be escaped, so the first one wins. */
function splitTerm(term: string): { field: string; operator: FieldOperator; raw: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) {
        return { field: term.slice(0, i), operator: op === '!=' ? '!=' : '=', raw: term.slice(i + op.length) };
      }
    }
  }
  return undefined;
}

function toLookup(allowed: AllowedFields): (field: string) => string | undefined {
  if (typeof allowed === 'function') return allowed;
  const set: ReadonlySet<string> = allowed instanceof Set ? allowed : new Set(allowed);
  return (field) => (set.has(field) ? field : undefined);
}

/**
 * Parses a field selector. Terms are sorted (as upstream sorts them before parsing) so equal
 * selectors print alike; empty terms are skipped and a term that is just `=` selects everything.
 * With `allowedFields`, a term on any other field throws `field label not supported: <field>`.
 */
export function parseFieldSelector(selector: string, allowedFields?: AllowedFields): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(selector).sort(compareGoStrings)) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (parts === undefined) {
      throw new SelectorParseError(
        SelectorErrorCode.Syntax,
        'field',
        selector,
        `invalid selector: '${selector}'; can't understand '${term}'`,
      );
    }
    const value = unescapeFieldValue(parts.raw, selector);
    // Upstream drops a term whose field and value are both empty rather than rejecting it.
    if (parts.field === '' && value === '') continue;
    requirements.push({ field: parts.field, operator: parts.operator, value });
  }
  if (allowedFields === undefined) return FieldSelector.of(requirements);

  const lookup = toLookup(allowedFields);
  return FieldSelector.of(
    requirements.map((r) => {
      const field = lookup(r.field);
      if (field === undefined) {
        throw new SelectorParseError(
          SelectorErrorCode.UnsupportedField,
          'field',
          selector,
          `field label not supported: ${r.field}`,
        );
      }
      return field === r.field ? r : { ...r, field };
    }),
  );
}

/**
 * The fields every kind supports, as upstream's `ObjectMetaFieldsSet`: `metadata.name`, plus
 * `metadata.namespace` for namespaced kinds. Kinds spread more fields over this.
 */
export function objectMetaFields(meta: ObjectMeta | undefined, namespaced: boolean): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': meta?.name ?? '' };
  if (namespaced) fields['metadata.namespace'] = meta?.namespace ?? '';
  return fields;
}
