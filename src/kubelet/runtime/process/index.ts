/**
 * @module kubelet/runtime/process
 *
 * The process runtime: containers as local processes in per-pod sandbox directories.
 */
export { ProcessRuntime, type ProcessRuntimeOptions } from './runtime.js';
export { cannotRunImageMessage } from './launch.js';
