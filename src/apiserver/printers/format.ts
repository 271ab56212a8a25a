/**
 * @module apiserver/printers/format
 *
 * Small string formatters shared by printers, each reproducing an upstream helper's output:
 * label maps (`labels.FormatLabels`), label selectors (`LabelSelectorAsSelector(...).String()`
 * and `metav1.FormatLabelSelector`), container name/image lists, "a,b,c + N more..." lists, and
 * IntOrString values. Users compare these strings with what a real cluster prints.
 */
import type { Container } from 'kubernetes-types/core/v1.js';
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

/** Go's sort order for strings (byte order); identical to UTF-16 order for the ASCII keys here. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `k=v` pairs sorted by key, comma-joined; "" for an empty or missing map. */
export function labelsString(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined || labels === null) return '';
  return Object.keys(labels)
    .sort(compareStrings)
    .map((key) => `${key}=${labels[key] ?? ''}`)
    .join(',');
}

/** Upstream's `labels.FormatLabels`: like {@link labelsString} but "<none>" when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const text = labelsString(labels);
  return text === '' ? '<none>' : text;
}

interface Requirement {
  readonly key: string;
  readonly text: string;
}

function requirementText(expr: LabelSelectorRequirement): string | undefined {
  const values = [...(expr.values ?? [])].sort(compareStrings);
  switch (expr.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) return undefined;
      return `${expr.key} ${expr.operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`;
    case 'Exists':
      return values.length === 0 ? expr.key : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? `!${expr.key}` : undefined;
    default:
      return undefined;
  }
}

/**
 * The selector as upstream's `LabelSelectorAsSelector(sel).String()` renders it: requirements
 * sorted by key, `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, comma-joined. A missing or empty
 * selector renders as "". Returns undefined for a selector upstream would reject (an unknown
 * operator, or values that do not fit the operator).
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string | undefined {
  if (selector === undefined || selector === null) return '';
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push({ key, text: `${key}=${value}` });
  }
  for (const expr of selector.matchExpressions ?? []) {
    const text = requirementText(expr);
    if (text === undefined) return undefined;
    requirements.push({ key: expr.key, text });
  }
  // Array.prototype.sort is stable, so equal keys keep matchLabels-then-expressions order.
  requirements.sort((a, b) => compareStrings(a.key, b.key));
  return requirements.map((r) => r.text).join(',');
}

/** Upstream's `metav1.FormatLabelSelector`: "<error>" when invalid, "<none>" when empty. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const text = labelSelectorString(selector);
  if (text === undefined) return '<error>';
  return text === '' ? '<none>' : text;
}

/** Container names and images, each comma-joined, for the wide Containers/Images columns. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/**
 * Upstream's listWithMoreString: the first few entries comma-joined, then " + N more..." when
 * there were more than `max`, or "<unset>" when there were none.
 */
export function listWithMore(all: readonly string[], max = 3): string {
  const shown = all.slice(0, max).join(',');
  if (all.length > max) return `${shown} + ${all.length - max} more...`;
  return shown === '' ? '<unset>' : shown;
}

/** An IntOrString as Go's `IntOrString.String()` prints it. */
export function intOrStringText(value: number | string): string {
  return typeof value === 'number' ? String(Math.trunc(value)) : value;
}

/**
 * True when an optional field is set. Go decodes an explicit JSON null as "unset", and stored
 * objects may carry one, so printers treat null exactly like absence.
 */
export function isSet<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

/** True for a non-empty string; false for "", null and undefined (all "unset" to Go). */
export function nonEmpty(value: string | null | undefined): value is string {
  return typeof value === 'string' && value !== '';
}

/** True when the object has a deletionTimestamp, i.e. it is being deleted. */
export function isDeleting(metadata: { deletionTimestamp?: string } | undefined): boolean {
  return isSet(metadata?.deletionTimestamp);
}
