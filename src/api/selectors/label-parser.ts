/**
 * @module api/selectors/label-parser
 *
 * The label selector text syntax (`?labelSelector=`, `kubectl -l`), parsed the way upstream's
 * lexer and recursive-descent parser do, down to their error messages:
 *
 *   selector    ::= requirement ("," requirement)*  |  ""
 *   requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
 *
 * Whitespace (space, tab, CR, LF) separates tokens and is otherwise ignored. `in` and `notin` are
 * keywords only where an operator is expected, so `in in (in)` is a valid selector.
 */
import { aggregateFieldErrors, fieldErrors, fieldPath, type FieldError } from '../validation/field-errors.js';
import { isQualifiedName } from '../validation/names.js';
import { SelectorErrorCode, SelectorParseError } from './errors.js';
import {
  BINARY_LABEL_OPERATORS,
  LabelOperator,
  requirementErrors,
  type LabelRequirement,
} from './label-requirement.js';
import { compareGoStrings } from './compare.js';

const enum Tok {
  Error,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const KEYWORDS = new Map<string, Tok>([
  [')', Tok.ClosedPar],
  [',', Tok.Comma],
  ['!', Tok.DoesNotExist],
  ['==', Tok.DoubleEquals],
  ['=', Tok.Equals],
  ['>', Tok.GreaterThan],
  ['in', Tok.In],
  ['<', Tok.LessThan],
  ['!=', Tok.NotEquals],
  ['notin', Tok.NotIn],
  ['(', Tok.OpenPar],
]);

interface Item {
  readonly tok: Tok;
  readonly lit: string;
}

const END = '\0';
const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const isSpecial = (ch: string) => SPECIAL.has(ch);

/** Splits the text into tokens. Like upstream, a NUL character reads as the end of the input. */
function lex(s: string): Item[] {
  let pos = 0;
  const read = (): string => (pos < s.length ? (s[pos++] ?? END) : END);
  const unread = () => {
    pos--;
  };

  const scanIdentifierOrKeyword = (): Item => {
    let buf = '';
    for (;;) {
      const ch = read();
      if (ch === END) break;
      if (isSpecial(ch) || isWhitespace(ch)) {
        unread();
        break;
      }
      buf += ch;
    }
    return { tok: KEYWORDS.get(buf) ?? Tok.Identifier, lit: buf };
  };

  // Takes the longest run of special characters that is still an operator: `!=` over `!`.
  const scanSpecial = (): Item => {
    let buf = '';
    let last: Item | undefined;
    for (;;) {
      const ch = read();
      if (ch === END) break;
      if (!isSpecial(ch)) {
        unread();
        break;
      }
      buf += ch;
      const tok = KEYWORDS.get(buf);
      if (tok !== undefined) {
        last = { tok, lit: buf };
      } else if (last !== undefined) {
        unread();
        break;
      }
    }
    return last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buf}'` };
  };

  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    let item: Item;
    if (ch === END) {
      item = { tok: Tok.EndOfString, lit: '' };
    } else {
      unread();
      item = isSpecial(ch) ? scanSpecial() : scanIdentifierOrKeyword();
    }
    items.push(item);
    if (item.tok === Tok.EndOfString) return items;
  }
}

/** Thrown inside the parser, turned into a SelectorParseError at the top. */
class SyntaxProblem {
  constructor(
    readonly message: string,
    readonly errors: readonly FieldError[] = [],
  ) {}
}

class Parser {
  private position = 0;

  constructor(private readonly items: readonly Item[]) {}

  /**
   * The current token. Where a value or key is expected (`values`), `in` and `notin` are plain
   * identifiers.
   */
  private lookahead(values: boolean): Item {
    const item = this.items[this.position] ?? { tok: Tok.EndOfString, lit: '' };
    return values && (item.tok === Tok.In || item.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: item.lit } : item;
  }

  private consume(values: boolean): Item {
    const item = this.lookahead(values);
    this.position++;
    return item;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      if (tok === Tok.EndOfString) return requirements;
      if (tok !== Tok.Identifier && tok !== Tok.DoesNotExist) {
        throw new SyntaxProblem(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.parseRequirement());
      } catch (err) {
        if (err instanceof SyntaxProblem) {
          throw new SyntaxProblem(`unable to parse requirement: ${err.message}`, err.errors);
        }
        throw err;
      }
      const next = this.consume(true);
      if (next.tok === Tok.EndOfString) return requirements;
      if (next.tok !== Tok.Comma) throw new SyntaxProblem(`found '${next.lit}', expected: ',' or 'end of string'`);
      const after = this.lookahead(true);
      if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
        throw new SyntaxProblem(`found '${after.lit}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred !== undefined) return build(key, inferred, []);
    const operator = this.parseOperator();
    const values =
      operator === LabelOperator.In || operator === LabelOperator.NotIn ? this.parseValues() : this.parseExactValue();
    return build(key, operator, values);
  }

  /** `[!]KEY`; the operator is inferred (exists / does-not-exist) when nothing follows the key. */
  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let item = this.consume(true);
    if (item.tok === Tok.DoesNotExist) {
      operator = LabelOperator.DoesNotExist;
      item = this.consume(true);
    }
    if (item.tok !== Tok.Identifier) throw new SyntaxProblem(`found '${item.lit}', expected: identifier`);
    const problems = isQualifiedName(item.lit);
    if (problems.length > 0) {
      // Upstream validates with a nil field path here, so its message really does say "<nil>".
      const err = fieldErrors.invalid(fieldPath.nil, item.lit, problems.join('; '));
      throw new SyntaxProblem(aggregateFieldErrors([err]), [err]);
    }
    const next = this.lookahead(true).tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && operator === undefined) operator = LabelOperator.Exists;
    // `!key` followed by an operator keeps DoesNotExist; the caller then fails on the extra token.
    return { key: item.lit, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case Tok.In:
        return LabelOperator.In;
      case Tok.NotIn:
        return LabelOperator.NotIn;
      case Tok.Equals:
        return LabelOperator.Equals;
      case Tok.DoubleEquals:
        return LabelOperator.DoubleEquals;
      case Tok.NotEquals:
        return LabelOperator.NotEquals;
      case Tok.GreaterThan:
        return LabelOperator.GreaterThan;
      case Tok.LessThan:
        return LabelOperator.LessThan;
      default:
        throw new SyntaxProblem(`found '${lit}', expected: ${BINARY_LABEL_OPERATORS.join(', ')}`);
    }
  }

  /** `( VALUES )`, where values may be empty: `()` and `(a,)` both include the empty string. */
  private parseValues(): string[] {
    const open = this.consume(true);
    if (open.tok !== Tok.OpenPar) throw new SyntaxProblem(`found '${open.lit}' expected: '('`);
    const first = this.lookahead(true);
    if (first.tok === Tok.ClosedPar) {
      this.consume(true);
      return [''];
    }
    if (first.tok !== Tok.Identifier && first.tok !== Tok.Comma) {
      throw new SyntaxProblem(`found '${first.lit}', expected: ',', ')' or identifier`);
    }
    const values = this.parseIdentifiersList();
    this.consume(true); // the ')' parseIdentifiersList stopped at
    return sortedSet(values);
  }

  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === Tok.Identifier) {
        values.add(lit);
        const next = this.lookahead(true);
        if (next.tok === Tok.Comma) continue;
        if (next.tok === Tok.ClosedPar) return values;
        throw new SyntaxProblem(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === Tok.Comma) {
        // A comma with nothing before it, after it, or next to another comma stands for "".
        if (values.size === 0) values.add('');
        const next = this.lookahead(true).tok;
        if (next === Tok.ClosedPar) {
          values.add('');
          return values;
        }
        if (next === Tok.Comma) values.add('');
        continue;
      }
      throw new SyntaxProblem(`found '${lit}', expected: ',', or identifier`);
    }
  }

  /** The single value after `=`, `==`, `!=`, `>`, `<`; nothing at all means the empty string. */
  private parseExactValue(): string[] {
    const next = this.lookahead(true).tok;
    if (next === Tok.EndOfString || next === Tok.Comma) return [''];
    const { tok, lit } = this.consume(true);
    if (tok === Tok.Identifier) return [lit];
    throw new SyntaxProblem(`found '${lit}', expected: identifier`);
  }
}

function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareGoStrings);
}

function build(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs = requirementErrors(key, operator, values);
  if (errs.length > 0) throw new SyntaxProblem(aggregateFieldErrors(errs), errs);
  return { key, operator, values };
}

/**
 * Parses selector text into requirements, in the order written. Throws SelectorParseError with
 * upstream's message, e.g. `unable to parse requirement: found '', expected: identifier`.
 */
export function parseLabelRequirements(selector: string): LabelRequirement[] {
  try {
    return new Parser(lex(selector)).parse();
  } catch (err) {
    if (!(err instanceof SyntaxProblem)) throw err;
    const code = err.errors.length > 0 ? SelectorErrorCode.InvalidRequirement : SelectorErrorCode.Syntax;
    throw new SelectorParseError(code, 'label', selector, err.message, err.errors);
  }
}
