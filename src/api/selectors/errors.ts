/**
 * @module api/selectors/errors
 *
 * The one error type label and field selector parsing throws. Messages are upstream's, word for
 * word, because the API server returns them in a 400 BadRequest Status that users read and tools
 * match on. `code` says which kind of mistake it was without parsing the message.
 */
import type { FieldError } from '../validation/field-errors.js';

export const SelectorErrorCode = {
  /** The text could not be tokenised or does not follow the grammar. */
  Syntax: 'Syntax',
  /** A requirement is well-formed but its key, operator or values are invalid; see fieldErrors. */
  InvalidRequirement: 'InvalidRequirement',
  /** A field selector value has a bad backslash escape or an unescaped '=' or ','. */
  InvalidEscape: 'InvalidEscape',
  /** A field selector names a field the resource cannot be selected by. */
  UnsupportedField: 'UnsupportedField',
} as const;
export type SelectorErrorCode = (typeof SelectorErrorCode)[keyof typeof SelectorErrorCode];

export type SelectorKind = 'label' | 'field';

export class SelectorParseError extends Error {
  override readonly name = 'SelectorParseError';

  constructor(
    readonly code: SelectorErrorCode,
    readonly kind: SelectorKind,
    /** The selector as given. */
    readonly selector: string,
    message: string,
    /** For InvalidRequirement: the individual problems, with upstream's field paths. */
    readonly fieldErrors: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

export function isSelectorParseError(err: unknown, code?: SelectorErrorCode): err is SelectorParseError {
  return err instanceof SelectorParseError && (code === undefined || err.code === code);
}
