/**
 * @module api/selectors/label-requirement
 *
 * One clause of a label selector (`key in (a,b)`, `!key`, `key>3`...): how it is validated, how it
 * matches a label set and how it prints, following upstream's `labels.Requirement`
 * (apimachinery `pkg/labels/selector.go`). A selector is the AND of its requirements.
 */
import { aggregateFieldErrors, fieldErrors, fieldPath, type FieldError } from '../validation/field-errors.js';
import { isLabelValue, isQualifiedName } from '../validation/names.js';
import { compareGoStrings } from './compare.js';
import { SelectorErrorCode, SelectorParseError } from './errors.js';

/** Upstream's `selection.Operator` strings; `gt`/`lt` are written `>`/`<` in selector text. */
export const LabelOperator = {
  In: 'in',
  NotIn: 'notin',
  Equals: '=',
  DoubleEquals: '==',
  NotEquals: '!=',
  GreaterThan: 'gt',
  LessThan: 'lt',
  Exists: 'exists',
  DoesNotExist: '!',
} as const;
export type LabelOperator = (typeof LabelOperator)[keyof typeof LabelOperator];

/** In upstream's order, which its error messages list. */
export const BINARY_LABEL_OPERATORS: readonly LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
export const LABEL_OPERATORS: readonly LabelOperator[] = [...BINARY_LABEL_OPERATORS, 'exists', '!'];

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Empty for exists/!, one value for =, ==, !=, gt, lt; one or more for in/notin. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits, within int64. */
export function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * The problems with a prospective requirement, as upstream's `NewRequirement`. `path` is where the
 * requirement sits (undefined for a bare selector). An empty values list is echoed as `null` when
 * `emptyValuesAreNull` is set, because that is what Go prints for the nil slice that a
 * `matchExpressions` entry without values becomes.
 */
export function requirementErrors(
  key: string,
  operator: string,
  values: readonly string[],
  options: { path?: string; emptyValuesAreNull?: boolean } = {},
): FieldError[] {
  const { path } = options;
  const errs: FieldError[] = [];
  const keyProblems = isQualifiedName(key);
  if (keyProblems.length > 0) errs.push(fieldErrors.invalid(fieldPath.child(path, 'key'), key, keyProblems.join('; ')));

  const valuesPath = fieldPath.child(path, 'values');
  const shownValues = values.length === 0 && options.emptyValuesAreNull ? null : values;
  switch (operator) {
    case LabelOperator.In:
    case LabelOperator.NotIn:
      if (values.length === 0) {
        errs.push(fieldErrors.invalid(valuesPath, shownValues, "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case LabelOperator.Equals:
    case LabelOperator.DoubleEquals:
    case LabelOperator.NotEquals:
      if (values.length !== 1) {
        errs.push(fieldErrors.invalid(valuesPath, shownValues, 'exact-match compatibility requires one single value'));
      }
      break;
    case LabelOperator.Exists:
    case LabelOperator.DoesNotExist:
      if (values.length !== 0) {
        errs.push(fieldErrors.invalid(valuesPath, values, 'values set must be empty for exists and does not exist'));
      }
      break;
    case LabelOperator.GreaterThan:
    case LabelOperator.LessThan:
      if (values.length !== 1) {
        errs.push(fieldErrors.invalid(valuesPath, shownValues, "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(fieldErrors.invalid(fieldPath.index(valuesPath, i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default:
      errs.push(fieldErrors.notSupported(fieldPath.child(path, 'operator'), operator, LABEL_OPERATORS));
  }
  values.forEach((v, i) => {
    const problems = isLabelValue(v);
    if (problems.length > 0) {
      errs.push(fieldErrors.invalid(fieldPath.key(fieldPath.index(valuesPath, i), key), v, problems.join('; ')));
    }
  });
  return errs;
}

/**
 * A validated requirement. Throws SelectorParseError (InvalidRequirement) whose message is
 * upstream's aggregate, e.g. `values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, ...`.
 */
export function newRequirement(key: string, operator: string, values: readonly string[]): LabelRequirement {
  const errs = requirementErrors(key, operator, values);
  if (errs.length > 0) {
    throw new SelectorParseError(SelectorErrorCode.InvalidRequirement, 'label', '', aggregateFieldErrors(errs), errs);
  }
  return { key, operator: operator as LabelOperator, values: [...values] };
}

function lookup(labels: Labels | undefined, key: string): string | undefined {
  // Own properties only: a label set parsed from JSON must not "have" `constructor`.
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/**
 * Whether a label set satisfies the requirement. A missing key satisfies only `!=`, `notin` and
 * `!`; `>`/`<` need the label to be a decimal integer.
 */
export function requirementMatches(r: LabelRequirement, labels: Labels | undefined): boolean {
  const value = lookup(labels, r.key);
  switch (r.operator) {
    case LabelOperator.In:
    case LabelOperator.Equals:
    case LabelOperator.DoubleEquals:
      return value !== undefined && r.values.includes(value);
    case LabelOperator.NotIn:
    case LabelOperator.NotEquals:
      return value === undefined || !r.values.includes(value);
    case LabelOperator.Exists:
      return value !== undefined;
    case LabelOperator.DoesNotExist:
      return value === undefined;
    case LabelOperator.GreaterThan:
    case LabelOperator.LessThan: {
      if (value === undefined || r.values.length !== 1) return false;
      const have = parseInt64(value);
      const want = parseInt64(r.values[0] ?? '');
      if (have === undefined || want === undefined) return false;
      return r.operator === LabelOperator.GreaterThan ? have > want : have < want;
    }
    default:
      return false;
  }
}

const OPERATOR_TEXT: Record<LabelOperator, string> = {
  in: ' in ',
  notin: ' notin ',
  '=': '=',
  '==': '==',
  '!=': '!=',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

/** The requirement in selector syntax; set values print sorted so equal sets print alike. */
export function requirementToString(r: LabelRequirement): string {
  if (r.operator === LabelOperator.Exists) return r.key;
  if (r.operator === LabelOperator.DoesNotExist) return `!${r.key}`;
  const values = r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort(compareGoStrings).join(',');
  const set = r.operator === LabelOperator.In || r.operator === LabelOperator.NotIn;
  return `${r.key}${OPERATOR_TEXT[r.operator]}${set ? `(${values})` : values}`;
}
