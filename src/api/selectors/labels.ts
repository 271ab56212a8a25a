/**
 * @module api/selectors/labels
 *
 * Label selectors, as upstream's `labels.Selector` (apimachinery `pkg/labels`) and the
 * `metav1.LabelSelector` helpers (`pkg/apis/meta/v1/helpers.go`, `.../v1/validation`). The API
 * server parses `?labelSelector=` with parseLabelSelector; controllers turn a workload's
 * `spec.selector` into the same matcher with labelSelectorFromObject; strategies validate that
 * field with validateLabelSelector.
 */
import type { LabelSelector as LabelSelectorObject } from 'kubernetes-types/meta/v1.js';
import { aggregateFieldErrors, fieldErrors, fieldPath, goQuote, type FieldError } from '../validation/field-errors.js';
import { isLabelValue } from '../validation/names.js';
import { validateLabelName, validateLabels } from '../validation/object-meta.js';
import { compareGoStrings } from './compare.js';
import { SelectorErrorCode, SelectorParseError } from './errors.js';
import { parseLabelRequirements } from './label-parser.js';
import {
  LabelOperator,
  requirementErrors,
  requirementMatches,
  requirementToString,
  type LabelRequirement,
  type Labels,
} from './label-requirement.js';

export { LabelOperator, newRequirement, type LabelRequirement, type Labels } from './label-requirement.js';

/** An AND of requirements, kept sorted by key so equal selectors print identically. */
export class LabelSelector {
  private static readonly EVERYTHING = new LabelSelector([], false);
  private static readonly NOTHING = new LabelSelector([], true);

  private constructor(
    readonly requirements: readonly LabelRequirement[],
    private readonly selectsNothing: boolean,
  ) {}

  /** Matches every label set, including none. */
  static everything(): LabelSelector {
    return LabelSelector.EVERYTHING;
  }

  /** Matches nothing: what a missing (null) `spec.selector` means, so it can never adopt every pod. */
  static nothing(): LabelSelector {
    return LabelSelector.NOTHING;
  }

  /** A selector of already-validated requirements (see newRequirement). */
  static of(requirements: readonly LabelRequirement[]): LabelSelector {
    return requirements.length === 0 ? LabelSelector.EVERYTHING : new LabelSelector(sortByKey(requirements), false);
  }

  matches(labels: Labels | undefined): boolean {
    return !this.selectsNothing && this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** True when the selector restricts nothing. Nothing() is not empty: it restricts everything. */
  isEmpty(): boolean {
    return !this.selectsNothing && this.requirements.length === 0;
  }

  matchesNothing(): boolean {
    return this.selectsNothing;
  }

  /**
   * The canonical text form (`a=b,c in (d,e),!f`); parsing it yields an equal selector. Both
   * everything() and nothing() print as "", as upstream's do.
   */
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }

  /** The one value `key` must have (`key=v`, `key==v`, `key in (v)`), if the selector pins it. */
  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((req) => req.key === key);
    if (r === undefined || r.values.length !== 1) return undefined;
    const exact = r.operator === '=' || r.operator === '==' || r.operator === 'in';
    return exact ? r.values[0] : undefined;
  }

  /** A new selector with more requirements ANDed in. */
  add(...requirements: LabelRequirement[]): LabelSelector {
    if (this.selectsNothing) return this;
    return LabelSelector.of([...this.requirements, ...requirements]);
  }
}

function sortByKey(requirements: readonly LabelRequirement[]): LabelRequirement[] {
  // Array.prototype.sort is stable, so `a=x,a!=y` keeps its written order within a key.
  return [...requirements].sort((x, y) => compareGoStrings(x.key, y.key));
}

/**
 * Parses selector text such as `app=web,tier in (fe,be),!canary,replicas>2`. The empty string is
 * everything(). Throws SelectorParseError with upstream's message.
 */
export function parseLabelSelector(selector: string): LabelSelector {
  return LabelSelector.of(parseLabelRequirements(selector));
}

/** `key=value` for every entry, validated; an empty set is everything(). */
export function labelSelectorFromSet(set: Labels | undefined): LabelSelector {
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(set ?? {})) {
    requirements.push(checked(key, LabelOperator.Equals, [value], JSON.stringify(set)));
  }
  return LabelSelector.of(requirements);
}

/**
 * A `metav1.LabelSelector` (matchLabels + matchExpressions) as a matcher, as upstream's
 * `LabelSelectorAsSelector`: null/undefined is nothing(), `{}` is everything(). Throws
 * SelectorParseError for an unknown operator or an invalid key, value or value count.
 */
export function labelSelectorFromObject(selector: LabelSelectorObject | null | undefined): LabelSelector {
  if (selector === null || selector === undefined) return LabelSelector.nothing();
  const shown = JSON.stringify(selector);
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push(checked(key, LabelOperator.Equals, [value], shown));
  }
  for (const expr of selector.matchExpressions ?? []) {
    const operator = OBJECT_OPERATORS[expr.operator];
    if (operator === undefined) {
      throw new SelectorParseError(
        SelectorErrorCode.InvalidRequirement,
        'label',
        shown,
        `${goQuote(expr.operator)} is not a valid label selector operator`,
      );
    }
    requirements.push(checked(expr.key, operator, expr.values ?? [], shown, true));
  }
  return LabelSelector.of(requirements);
}

const OBJECT_OPERATORS: Readonly<Record<string, LabelOperator>> = Object.assign(Object.create(null) as object, {
  In: LabelOperator.In,
  NotIn: LabelOperator.NotIn,
  Exists: LabelOperator.Exists,
  DoesNotExist: LabelOperator.DoesNotExist,
});

function checked(
  key: string,
  operator: LabelOperator,
  values: readonly string[],
  shown: string,
  emptyValuesAreNull = false,
): LabelRequirement {
  const errs = requirementErrors(key, operator, values, { emptyValuesAreNull });
  if (errs.length > 0) {
    throw new SelectorParseError(SelectorErrorCode.InvalidRequirement, 'label', shown, aggregateFieldErrors(errs), errs);
  }
  return { key, operator, values: [...values] };
}

export interface LabelSelectorValidationOptions {
  /** Accept values that are not valid label values (for objects stored before validation tightened). */
  readonly allowInvalidLabelValueInSelector?: boolean;
  /** Accept unknown operators (SubjectAccessReview-style checks interpret them elsewhere). */
  readonly allowUnknownOperatorInRequirement?: boolean;
}

/**
 * Field errors for a `metav1.LabelSelector` inside an object (e.g. `spec.selector`), as upstream's
 * `ValidateLabelSelector`. A null selector is valid here; whether it is required is the caller's rule.
 */
export function validateLabelSelector(
  selector: LabelSelectorObject | null | undefined,
  path: string,
  options: LabelSelectorValidationOptions = {},
): FieldError[] {
  if (selector === null || selector === undefined) return [];
  const errs = validateLabels(selector.matchLabels, fieldPath.child(path, 'matchLabels'));
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const at = fieldPath.index(fieldPath.child(path, 'matchExpressions'), i);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(fieldErrors.required(fieldPath.child(at, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            fieldErrors.forbidden(fieldPath.child(at, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
          );
        }
        break;
      default:
        if (!options.allowUnknownOperatorInRequirement) {
          errs.push(fieldErrors.invalid(fieldPath.child(at, 'operator'), expr.operator, 'not a valid selector operator'));
        }
    }
    errs.push(...validateLabelName(expr.key, fieldPath.child(at, 'key')));
    if (!options.allowInvalidLabelValueInSelector) {
      values.forEach((value, j) => {
        const valuePath = fieldPath.index(fieldPath.child(at, 'values'), j);
        errs.push(...isLabelValue(value).map((msg) => fieldErrors.invalid(valuePath, value, msg)));
      });
    }
  });
  return errs;
}
