/**
 * @module client
 *
 * tskube's client library: what every component (node agents, controllers, scheduler, CLI) uses
 * to talk to the API server. Layers, bottom up:
 *   kubeconfig → transport (HTTP/2, health-checked) → rest-client (typed verbs, retries)
 *   → watch (NDJSON events, resume) → cache (reflector, DeltaFIFO, indexer, shared informer)
 *   → workqueue (rate-limited queue, runController), leader-election, and the event recorder.
 */
export * from './errors.js';
export * from './kubeconfig.js';
export * from './transport.js';
export * from './rest-client.js';
export * from './resource-client.js';
export * from './watch.js';
export * from './leader-election.js';
export * from './event-recorder.js';
export { realClock, type Clock, type TimerHandle } from './clock.js';
export { Backoff, backoffDelay, type BackoffOptions } from './backoff.js';
export * from './cache/index.js';
export * from './workqueue/index.js';
