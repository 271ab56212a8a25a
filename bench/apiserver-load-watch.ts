/**
 * @module bench/apiserver-load-watch
 *
 * The watch fan-out job of the load generator: many watchers of ConfigMaps in one namespace, all
 * from one resourceVersion, multiplexed over a few HTTP/2 sessions; then ConfigMap updates at a
 * steady pace from another session. For every update and every watcher it records when the
 * event arrived, and reports the delay from the write's response to each delivery, and every
 * (watcher, update) pair that never arrived. Watch lines are not fully parsed: the type and the
 * object's resourceVersion are read from the line's text, to keep this process lean.
 */
import type { ClientHttp2Session } from 'node:http2';
import { constants } from 'node:http2';
import { configMap, WATCH_NAMESPACE } from './apiserver-fixtures.js';
import { tellDriver } from './children.js';
import { connect, readCredentials, request, requestJson } from './http2-client.js';
import { Latencies, round } from './stats.js';

export interface WatchJob {
  readonly kind: 'watch';
  readonly url: string;
  readonly pkiDir: string;
  readonly watchers: number;
  readonly sessions: number;
  readonly configMaps: number;
  readonly updates: number;
  readonly updatesPerSecond: number;
  /** How long to wait, after the last write, for deliveries still on their way. */
  readonly drainSeconds: number;
}

interface Watcher {
  /** resourceVersion → arrival time (performance.now()) of its MODIFIED event. */
  readonly arrivals: Map<number, number>;
  rest: string;
  duplicates: number;
  errors: number;
  endedEarly: boolean;
}

interface Write {
  readonly startedAt: number;
  respondedAt: number;
  revision: number;
}

export interface WatchResult {
  watchers: number;
  sessions: number;
  updates: number;
  updatesPerSecond: number;
  openSeconds: number;
  writeErrors: number;
  writeP99Ms: number;
  deliveries: number;
  lostEvents: number;
  duplicateEvents: number;
  errorEvents: number;
  watchersEndedEarly: number;
  deliveredBeforeWriteResponse: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  deliveryMaxMs: number;
  deliveryFromRequestP99Ms: number;
}

const CONFIGMAPS = `/api/v1/namespaces/${WATCH_NAMESPACE}/configmaps`;
const TYPE = /^\{"type":"([A-Z]+)"/;
const RESOURCE_VERSION = /"resourceVersion":"(\d+)"/;

export async function runWatchJob(job: WatchJob): Promise<WatchResult> {
  const credentials = readCredentials(job.pkiDir);
  const writer = await connect(job.url, credentials);
  const sessions = await Promise.all(Array.from({ length: job.sessions }, () => connect(job.url, credentials)));
  let closing = false;
  try {
    await requestJson(writer, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: WATCH_NAMESPACE } }, 201);
    for (let i = 0; i < job.configMaps; i++) await requestJson(writer, 'POST', CONFIGMAPS, configMap(i, 0), 201);
    const list = await requestJson<{ metadata: { resourceVersion: string } }>(writer, 'GET', CONFIGMAPS, undefined, 200);

    const watchers: Watcher[] = [];
    const t0 = performance.now();
    const path = `${CONFIGMAPS}?watch=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=900`;
    await Promise.all(
      Array.from({ length: job.watchers }, (_, w) => {
        const watcher: Watcher = { arrivals: new Map(), rest: '', duplicates: 0, errors: 0, endedEarly: false };
        watchers.push(watcher);
        return openWatch(sessions[w % sessions.length]!, path, watcher, () => closing);
      }),
    );
    const openSeconds = (performance.now() - t0) / 1000;

    await tellDriver({ type: 'mark', name: 'watch:start' });
    const writes = await writeSteadily(writer, job);
    const okWrites = writes.filter((w) => w.revision > 0);
    const complete = () => watchers.every((w) => okWrites.every((write) => w.arrivals.has(write.revision)) || w.endedEarly);
    const drainDeadline = performance.now() + job.drainSeconds * 1000;
    while (!complete() && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));
    await tellDriver({ type: 'mark', name: 'watch:end' });

    const delay = new Latencies();
    const fromRequest = new Latencies();
    let lost = 0;
    let beforeResponse = 0;
    for (const write of okWrites) {
      for (const w of watchers) {
        const at = w.arrivals.get(write.revision);
        if (at === undefined) {
          lost++;
          continue;
        }
        if (at < write.respondedAt) beforeResponse++;
        delay.add(Math.max(0, at - write.respondedAt));
        fromRequest.add(at - write.startedAt);
      }
    }
    const writeLatency = new Latencies();
    for (const w of okWrites) writeLatency.add(w.respondedAt - w.startedAt);
    const d = delay.summary();
    return {
      watchers: job.watchers,
      sessions: job.sessions,
      updates: job.updates,
      updatesPerSecond: job.updatesPerSecond,
      openSeconds: round(openSeconds),
      writeErrors: writes.length - okWrites.length,
      writeP99Ms: round(writeLatency.summary().p99),
      deliveries: delay.count,
      lostEvents: lost,
      duplicateEvents: watchers.reduce((n, w) => n + w.duplicates, 0),
      errorEvents: watchers.reduce((n, w) => n + w.errors, 0),
      watchersEndedEarly: watchers.filter((w) => w.endedEarly).length,
      deliveredBeforeWriteResponse: beforeResponse,
      deliveryP50Ms: round(d.p50),
      deliveryP99Ms: round(d.p99),
      deliveryMaxMs: round(d.max),
      deliveryFromRequestP99Ms: round(fromRequest.summary().p99),
    };
  } finally {
    closing = true;
    for (const s of [writer, ...sessions]) s.destroy();
  }
}

/** Opens one watch; resolves once its response headers say 200. */
function openWatch(session: ClientHttp2Session, path: string, watcher: Watcher, closing: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ [constants.HTTP2_HEADER_PATH]: path, accept: 'application/json' });
    stream.setEncoding('utf8');
    stream.once('response', (headers) => {
      const status = Number(headers[constants.HTTP2_HEADER_STATUS]);
      if (status === 200) resolve();
      else reject(new Error(`GET ${path}: HTTP ${status}`));
    });
    stream.on('data', (chunk: string) => {
      const now = performance.now();
      const text = watcher.rest + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        onLine(watcher, text.slice(start, nl), now);
        start = nl + 1;
      }
      watcher.rest = text.slice(start);
    });
    const ended = () => {
      if (!closing()) watcher.endedEarly = true;
    };
    stream.once('close', ended);
    stream.once('error', (err) => {
      ended();
      reject(err);
    });
  });
}

function onLine(watcher: Watcher, line: string, now: number): void {
  const type = TYPE.exec(line)?.[1];
  if (type !== 'MODIFIED') {
    if (type !== 'BOOKMARK') watcher.errors++;
    return;
  }
  const revision = Number(RESOURCE_VERSION.exec(line)?.[1]);
  if (watcher.arrivals.has(revision)) watcher.duplicates++;
  else watcher.arrivals.set(revision, now);
}

/** `updates` PUTs, one every 1/updatesPerSecond s (open loop), round-robin over the ConfigMaps. */
async function writeSteadily(session: ClientHttp2Session, job: WatchJob): Promise<Write[]> {
  const writes: Write[] = [];
  const pending: Promise<void>[] = [];
  const intervalMs = 1000 / job.updatesPerSecond;
  const t0 = performance.now();
  for (let k = 0; k < job.updates; k++) {
    const wait = t0 + k * intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const cm = configMap(k % job.configMaps, k + 1);
    const write: Write = { startedAt: performance.now(), respondedAt: 0, revision: 0 };
    writes.push(write);
    pending.push(
      request(session, 'PUT', `${CONFIGMAPS}/${(cm.metadata as { name: string }).name}`, JSON.stringify(cm)).then(
        (res) => {
          write.respondedAt = performance.now();
          if (res.status === 200) write.revision = Number(RESOURCE_VERSION.exec(res.body.toString('utf8'))?.[1] ?? 0);
        },
        () => {},
      ),
    );
  }
  await Promise.all(pending);
  return writes;
}
