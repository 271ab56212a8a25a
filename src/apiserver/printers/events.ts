/**
 * @module apiserver/printers/events
 *
 * The event printer, for both `events` (core/v1) and `events.events.k8s.io` (events.k8s.io/v1).
 * Upstream stores both as one internal Event and prints them with one function, so the
 * events.k8s.io shape is first mapped onto the core field names (note → message, regarding →
 * involvedObject, deprecated* → the old timestamps, count and source), exactly as upstream's
 * conversion does.
 *
 * Columns: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; wide adds SUBOBJECT, SOURCE (between OBJECT
 * and MESSAGE), FIRST SEEN, COUNT and NAME. Event tables are the one place the name column is a
 * wide column.
 */
import type { Event as CoreEvent, EventSeries, EventSource, ObjectReference } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { column, nameColumn, wideColumn } from './columns.js';
import { isSet, nonEmpty } from './format.js';
import { parseTimestamp, translateTimestampSince } from './human-duration.js';
import type { PrintContext, TableCell, TableColumnDefinition, TablePrinter } from './types.js';

/** The fields the printer reads, named as in core/v1 (upstream's internal Event). */
interface EventView {
  readonly name: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: ObjectReference | undefined;
  readonly firstTimestamp: string | undefined;
  readonly lastTimestamp: string | undefined;
  readonly eventTime: string | undefined;
  readonly count: number;
  readonly series: EventSeries | undefined;
  readonly source: EventSource | undefined;
  readonly reportingController: string;
  readonly reportingInstance: string;
}

function fromCore(event: CoreEvent): EventView {
  return {
    name: event.metadata?.name ?? '',
    type: event.type ?? '',
    reason: event.reason ?? '',
    message: event.message ?? '',
    involvedObject: event.involvedObject,
    firstTimestamp: event.firstTimestamp,
    lastTimestamp: event.lastTimestamp,
    eventTime: event.eventTime,
    count: event.count ?? 0,
    series: event.series,
    source: event.source,
    // core/v1 spells the reporting controller "reportingComponent" on the wire.
    reportingController: event.reportingComponent ?? '',
    reportingInstance: event.reportingInstance ?? '',
  };
}

function fromEventsV1(event: EventsV1Event): EventView {
  return {
    name: event.metadata?.name ?? '',
    type: event.type ?? '',
    reason: event.reason ?? '',
    message: event.note ?? '',
    involvedObject: event.regarding,
    firstTimestamp: event.deprecatedFirstTimestamp,
    lastTimestamp: event.deprecatedLastTimestamp,
    eventTime: event.eventTime,
    count: event.deprecatedCount ?? 0,
    series: event.series,
    source: event.deprecatedSource,
    reportingController: event.reportingController ?? '',
    reportingInstance: event.reportingInstance ?? '',
  };
}

function firstNonEmpty(...values: (string | undefined)[]): string {
  return values.find(nonEmpty) ?? '';
}

/** SOURCE: "component, host", or just the component; falls back to the reporting fields. */
function formatSource(view: EventView): string {
  const component = firstNonEmpty(view.source?.component, view.reportingController);
  const instance = firstNonEmpty(view.source?.host, view.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}

/** OBJECT: "kind/name" in lower-case kind, or just the kind when the reference has no name. */
function formatTarget(ref: ObjectReference | undefined): string {
  const kind = (ref?.kind ?? '').toLowerCase();
  const name = ref?.name ?? '';
  return name === '' ? kind : `${kind}/${name}`;
}

function eventCells(view: EventView, now: number): TableCell[] {
  // New-style events only carry eventTime; old-style ones carry first/last timestamps.
  const firstSeen =
    parseTimestamp(view.firstTimestamp) !== undefined
      ? translateTimestampSince(view.firstTimestamp, now)
      : translateTimestampSince(view.eventTime, now);
  let lastSeen =
    parseTimestamp(view.lastTimestamp) !== undefined ? translateTimestampSince(view.lastTimestamp, now) : firstSeen;

  let count = view.count;
  if (isSet(view.series)) {
    // A series is the authoritative record of a repeating event.
    lastSeen = translateTimestampSince(view.series.lastObservedTime, now);
    count = view.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events do not set a count in the new API.
    count = 1;
  }

  return [
    lastSeen,
    view.type,
    view.reason,
    formatTarget(view.involvedObject),
    view.involvedObject?.fieldPath ?? '',
    formatSource(view),
    view.message.trim(),
    firstSeen,
    count,
    view.name,
  ];
}

const eventColumns: readonly TableColumnDefinition[] = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning).'),
  column(
    'Reason',
    'string',
    "A short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column('Object', 'string', 'The object that this event is about.'),
  wideColumn(
    'Subobject',
    'string',
    'The part of the object the event is about, e.g. a container: spec.containers{name}.',
  ),
  wideColumn('Source', 'string', 'The component reporting this event.'),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  wideColumn('First Seen', 'string', 'The time at which the event was first recorded.'),
  wideColumn('Count', 'string', 'The number of times this event has occurred.'),
  nameColumn(1),
];

export const coreEventPrinter: TablePrinter<CoreEvent> = {
  columns: eventColumns,
  cells(event: CoreEvent, ctx: PrintContext): TableCell[] {
    return eventCells(fromCore(event), ctx.now);
  },
};

export const eventsV1EventPrinter: TablePrinter<EventsV1Event> = {
  columns: eventColumns,
  cells(event: EventsV1Event, ctx: PrintContext): TableCell[] {
    return eventCells(fromEventsV1(event), ctx.now);
  },
};
