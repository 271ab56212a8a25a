/**
 * A child process for the kernel-level scenarios: it runs INSIDE a test network namespace (see
 * netns-cluster.ts, which starts it with `ip netns exec … node --import tsx`) and talks to the API
 * server on the host end of the veth, so iptables rules in the namespace hit its packets.
 *
 *   - always: one virtual node agent (the fleet's node, with its own client and connection), with
 *     the timing it is given; one JSON line per heartbeat outcome;
 *   - with `watch`: a second client (its own connection) that lists the ConfigMaps of a namespace,
 *     watches them with `ResumingWatch` from the list's resourceVersion (one JSON line per event),
 *     and GETs one ConfigMap every `readIntervalMs`, counting reads that still failed after the
 *     client's retries.
 *
 * Its only argument is a JSON `AgentOptions`. Output, one JSON object per stdout line:
 *   {"event":"started"}
 *   {"event":"heartbeat","t":…,"kind":"lease"|"status","ok":true|false,"dials":…,"error"?:…}
 *   {"event":"watching","t":…,"resourceVersion":…,"items":[…]}
 *   {"event":"watch","t":…,"type":…,"name":…,"resourceVersion":…,"seq":…}
 *   {"event":"summary", …}            (after "stop" on stdin, or stdin closing)
 *   {"event":"fatal","error":…}       (then exit 1)
 * Logs go to stderr (TSKUBE_LOG_LEVEL).
 */
import { createInterface } from 'node:readline';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../src/api/object.js';
import { loadKubeconfig, ResumingWatch, RestClient, type ClientConfig } from '../../../src/client/index.js';
import { createFleet } from '../../../src/kubelet/fleet.js';
import { createLogger } from '../../../src/log.js';

export interface AgentOptions {
  /** The kubeconfig the API server wrote. */
  readonly kubeconfig: string;
  /** https://<lab.hostAddress>:<port>: replaces the kubeconfig's server. */
  readonly server: string;
  readonly nodeName: string;
  readonly zone: string;
  readonly leaseDurationSeconds: number;
  readonly nodeStatusUpdateFrequencyMs: number;
  readonly requestTimeoutMs: number;
  /** The HTTP/2 health check of every client in this process. */
  readonly transport: { readonly readIdleTimeoutMs: number; readonly pingTimeoutMs: number };
  readonly watch?: {
    readonly namespace: string;
    /** The ConfigMap to GET every readIntervalMs. */
    readonly readName: string;
    readonly readIntervalMs: number;
    /** Per-attempt timeout of those GETs (the client retries lost connections itself). */
    readonly readTimeoutMs: number;
    /** The server ends each watch after this long, so the watch is resumed over and over. */
    readonly watchTimeoutSeconds: number;
  };
}

type ConfigMapObj = ConfigMap & KubeObject;

const options = JSON.parse(process.argv[2] ?? '') as AgentOptions;
const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const message = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));
const stop = new AbortController();
const log = createLogger('netns-agent');

async function main(): Promise<void> {
  // "stop" on stdin, or the parent going away, ends everything.
  const stdin = createInterface({ input: process.stdin });
  stdin.on('line', (line) => line.trim() === 'stop' && stop.abort());
  stdin.on('close', () => stop.abort());
  const config: ClientConfig = { ...(await loadKubeconfig({ path: options.kubeconfig })), server: options.server };
  const [node] = createFleet({
    config,
    count: 1,
    name: options.nodeName,
    zones: [options.zone],
    log,
    // Heartbeats only: no kubelet API to serve.
    kubeletApi: false,
    transport: options.transport,
    heartbeat: {
      leaseDurationSeconds: options.leaseDurationSeconds,
      nodeStatusUpdateFrequencyMs: options.nodeStatusUpdateFrequencyMs,
      requestTimeoutMs: options.requestTimeoutMs,
    },
    onHeartbeat: (_name, kind, ok, error) =>
      emit({ event: 'heartbeat', t: Date.now(), kind, ok, dials: node!.client.transport.stats.dials, ...(!ok && { error: message(error) }) }),
  });
  emit({ event: 'started', t: Date.now() });
  const tasks: Promise<unknown>[] = [node!.heartbeat.run(stop.signal)];

  const reads = { ok: 0, failed: 0, maxMs: 0, errors: [] as string[] };
  let watch: ResumingWatch<ConfigMapObj> | undefined;
  let watcher: RestClient | undefined;
  if (options.watch) {
    const w = options.watch;
    watcher = new RestClient({ config, log, transport: options.transport, userAgent: 'netns-watcher' });
    const configMaps = watcher.resource<ConfigMapObj>('', 'v1', 'configmaps');
    const list = await configMaps.list({ namespace: w.namespace, signal: stop.signal });
    emit({
      event: 'watching',
      t: Date.now(),
      resourceVersion: list.metadata.resourceVersion,
      items: list.items.map((cm) => ({ name: cm.metadata?.name, resourceVersion: cm.metadata?.resourceVersion, seq: cm.data?.seq })),
    });
    const resuming = new ResumingWatch<ConfigMapObj>(
      (resourceVersion, signal) => configMaps.watch({ namespace: w.namespace, resourceVersion, timeoutSeconds: w.watchTimeoutSeconds, signal }),
      { resourceVersion: list.metadata.resourceVersion!, signal: stop.signal, log },
    );
    watch = resuming;
    tasks.push(
      (async () => {
        for await (const event of resuming) {
          const cm = event.object;
          emit({ event: 'watch', t: Date.now(), type: event.type, name: cm.metadata?.name, resourceVersion: cm.metadata?.resourceVersion, seq: cm.data?.seq });
        }
      })(),
    );
    tasks.push(
      (async () => {
        while (!stop.signal.aborted) {
          const started = Date.now();
          try {
            await configMaps.get(w.readName, { namespace: w.namespace, timeoutMs: w.readTimeoutMs, signal: stop.signal });
            reads.ok++;
            reads.maxMs = Math.max(reads.maxMs, Date.now() - started);
          } catch (err) {
            if (stop.signal.aborted) break;
            reads.failed++;
            if (reads.errors.length < 10) reads.errors.push(message(err));
          }
          await new Promise((r) => setTimeout(r, Math.max(0, w.readIntervalMs - (Date.now() - started))));
        }
      })(),
    );
  }

  // Every task runs until stop; one that fails (the watch giving up, say) is fatal: the scenario must see it.
  await Promise.all(tasks);
  emit({
    event: 'summary',
    t: Date.now(),
    reads,
    watchRestarts: watch?.restarts ?? 0,
    watchResourceVersion: watch?.resourceVersion,
    node: node!.client.transport.stats,
    watcher: watcher?.transport.stats,
  });
  node!.client.close();
  watcher?.close();
  stdin.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ event: 'fatal', error: message(err), stack: err instanceof Error ? err.stack : undefined });
    process.exit(1);
  },
);
