/**
 * @module api/validation/field-errors
 *
 * Field-level validation errors, as upstream's `k8s.io/apimachinery/pkg/util/validation/field`.
 * Validators return `FieldError[]` (never throw) so a strategy can collect every problem with an
 * object at once; the API server turns the list into one 422 Invalid Status whose message and
 * causes read exactly as a real API server's, because kubectl and client libraries show them to
 * users verbatim and tests in the wild compare them.
 */
import type { StatusCause } from 'kubernetes-types/meta/v1.js';

export const FieldErrorType = {
  /** A value that must be present is missing (empty string, null, empty list). */
  Required: 'FieldValueRequired',
  /** A value is malformed: failed regex, out of range, too long where the value is shown. */
  Invalid: 'FieldValueInvalid',
  /** A value is not one of an enumerated set. */
  NotSupported: 'FieldValueNotSupported',
  /** A value that must be unique is repeated. */
  Duplicate: 'FieldValueDuplicate',
  /** A value is too long; the value itself is not echoed back. */
  TooLong: 'FieldValueTooLong',
  /** A well-formed value is not permitted here (e.g. namespace on a cluster-scoped kind). */
  Forbidden: 'FieldValueForbidden',
  /** A list has more items than allowed; the value is the count. */
  TooMany: 'FieldValueTooMany',
} as const;
export type FieldErrorType = (typeof FieldErrorType)[keyof typeof FieldErrorType];

export interface FieldError {
  readonly type: FieldErrorType;
  /** The field's path, e.g. `metadata.labels`, `spec.containers[0].name`, `data[key]`. */
  readonly field: string;
  /** The offending value; absent for Required, Forbidden and TooLong, which never show it. */
  readonly value?: unknown;
  /** Why the value is wrong; may be empty. */
  readonly detail: string;
}

/**
 * Path building, as upstream's `field.Path`. A path is a plain string; `undefined` stands for
 * upstream's nil root, which some callers (the label selector parser) really do render.
 */
export const fieldPath = {
  child(parent: string | undefined, ...names: string[]): string {
    return [parent, ...names].filter((p) => p !== undefined && p !== '').join('.');
  },
  index(parent: string | undefined, index: number): string {
    return `${parent ?? ''}[${index}]`;
  },
  key(parent: string | undefined, key: string): string {
    return `${parent ?? ''}[${key}]`;
  },
  /** How upstream prints a nil `*field.Path`. */
  nil: '<nil>',
};

export const fieldErrors = {
  required: (field: string, detail = ''): FieldError => ({ type: FieldErrorType.Required, field, detail }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: FieldErrorType.Invalid,
    field,
    value,
    detail,
  }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    type: FieldErrorType.NotSupported,
    field,
    value,
    detail: supported.length === 0 ? '' : `supported values: ${supported.map((v) => goQuote(v)).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: FieldErrorType.Duplicate, field, value, detail: '' }),
  /** `maxBytes < 0` means "no limit to state", which upstream words as "value is too long". */
  tooLong: (field: string, maxBytes: number): FieldError => ({
    type: FieldErrorType.TooLong,
    field,
    detail: maxBytes >= 0 ? `may not be more than ${maxBytes} ${maxBytes === 1 ? 'byte' : 'bytes'}` : 'value is too long',
  }),
  forbidden: (field: string, detail: string): FieldError => ({ type: FieldErrorType.Forbidden, field, detail }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    type: FieldErrorType.TooMany,
    field,
    value: actual,
    detail: `must have at most ${max} items`,
  }),
};

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooLong: 'Too long',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooMany: 'Too many',
};

/** The human text for a type, e.g. `Invalid value`. */
export function fieldErrorTypeText(type: FieldErrorType): string {
  return TYPE_TEXT[type];
}

/** The message without the field: `Invalid value: "Foo": a lowercase RFC 1123 ...`. */
export function fieldErrorBody(err: FieldError): string {
  let body = TYPE_TEXT[err.type];
  switch (err.type) {
    case FieldErrorType.Invalid:
    case FieldErrorType.NotSupported:
    case FieldErrorType.Duplicate:
    case FieldErrorType.TooMany:
      body += `: ${renderValue(err.value)}`;
      break;
    default:
      // Required, Forbidden and TooLong never echo the value (TooLong's could be megabytes).
      break;
  }
  return err.detail === '' ? body : `${body}: ${err.detail}`;
}

/** `field: body`, as upstream's `(*field.Error).Error()`. */
export function formatFieldError(err: FieldError): string {
  return `${err.field}: ${fieldErrorBody(err)}`;
}

/**
 * The errors as one string, as upstream's `ErrorList.ToAggregate().Error()`: identical messages are
 * collapsed, a single message stands alone, several are bracketed and comma-separated.
 */
export function aggregateFieldErrors(errs: readonly FieldError[]): string {
  const unique = [...new Set(errs.map(formatFieldError))];
  if (unique.length <= 1) return unique[0] ?? '';
  return `[${unique.join(', ')}]`;
}

/** A kind with its API group; the core group is `''`. */
export interface QualifiedKind {
  readonly group?: string;
  readonly kind: string;
}

/** `Kind.group`, or just `Kind` for the core group, as upstream's `GroupKind.String()`. */
export function qualifiedKindString(kind: QualifiedKind | string): string {
  if (typeof kind === 'string') return kind;
  return kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
}

/**
 * The message of a 422 Invalid Status, as upstream's `errors.NewInvalid`:
 * `Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: ..., metadata.name: Required value]`.
 */
export function formatInvalidMessage(kind: QualifiedKind | string, name: string, errs: readonly FieldError[]): string {
  const head = `${qualifiedKindString(kind)} ${goQuote(name)} is invalid`;
  return errs.length === 0 ? head : `${head}: ${aggregateFieldErrors(errs)}`;
}

/** The `details.causes` of a 422 Invalid Status: one per error, duplicates kept, as upstream. */
export function toStatusCauses(errs: readonly FieldError[]): StatusCause[] {
  return errs.map((err) => ({ reason: err.type, message: fieldErrorBody(err), field: err.field }));
}

/**
 * A bad value printed as Go's `%#v` prints it, e.g. `[]string{"10.0.0.1"}`: some upstream
 * messages that users match on (the Service IP allocator's) show a Go slice literal, not JSON.
 */
export class GoLiteral {
  constructor(readonly text: string) {}
}

/** `[]string{"a", "b"}`, as Go's `%#v` prints a string slice. */
export function goStringSlice(values: readonly string[]): GoLiteral {
  return new GoLiteral(`[]string{${values.map((v) => goQuote(v)).join(', ')}}`);
}

/** Go's `%v`/`%q`/JSON choice for a bad value in `(*field.Error).ErrorBody()`. */
function renderValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof GoLiteral) return value.text;
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return goJSON(value);
  } catch {
    // Cycles cannot come from a decoded request body; print something rather than throw mid-validation.
    return String(value);
  }
}

/** `json.Marshal`: like JSON.stringify, but Go escapes HTML-significant characters and U+2028/9. */
function goJSON(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SHORT_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/**
 * Go's `strconv.Quote` (what `%q` prints): printable characters as themselves, the rest escaped Go's
 * way (`\x00`, `\u00a0`, `\U0001f600`), which differs from JSON for control and non-printing runes.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if ((cp >= 0x20 && cp < 0x7f) || (cp >= 0x80 && PRINTABLE.test(ch))) {
      out += ch;
      continue;
    }
    const short = SHORT_ESCAPES[cp];
    if (short !== undefined) {
      out += short;
    } else if (cp < 0x20 || cp === 0x7f) {
      out += `\\x${cp.toString(16).padStart(2, '0')}`;
    } else {
      // A lone surrogate cannot reach Go (its JSON decoder substitutes U+FFFD), so print that.
      if (cp >= 0xd800 && cp <= 0xdfff) {
        out += '\ufffd';
        continue;
      }
      out += cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}
