/**
 * @module client/cache
 *
 * Informers from separate stages: list-watch → reflector → DeltaFIFO → indexer + per-handler
 * buffers (see shared-informer.ts for the picture).
 */
export * from './store.js';
export * from './delta-fifo.js';
export * from './list-watch.js';
export * from './reflector.js';
export * from './processor-listener.js';
export * from './shared-informer.js';
