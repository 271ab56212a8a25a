/**
 * @module client/workqueue
 *
 * client-go's work queues and the shared controller loop.
 */
export * from './queue.js';
export * from './delaying-queue.js';
export * from './rate-limiters.js';
export * from './rate-limiting-queue.js';
export * from './controller.js';
