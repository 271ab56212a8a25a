/**
 * @module scheduler/resources
 *
 * What a pod asks of a node, as upstream's `resourcehelper.PodRequests`: the sum of its
 * containers' requests, or the largest init container (plus the restartable init containers
 * started before it) if that is larger, plus the pod overhead. A container that sets only limits
 * requests its limits, as API defaulting makes it. The "non-zero" variant counts 100m cpu and
 * 200Mi memory for a container that requests none, as the scoring plugins do upstream.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { milliCPU, quantityValue } from '../api/quantity.js';

export interface Resources {
  milliCPU: number;
  memory: number;
}

export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

function containerRequests(c: Container, nonZero: boolean): Resources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const cpu = req['cpu'] ?? lim['cpu'];
  const mem = req['memory'] ?? lim['memory'];
  return {
    milliCPU: cpu === undefined ? (nonZero ? DEFAULT_MILLI_CPU_REQUEST : 0) : milliCPU(cpu),
    memory: mem === undefined ? (nonZero ? DEFAULT_MEMORY_REQUEST : 0) : quantityValue(mem),
  };
}

/** The pod's effective request; `nonZero` substitutes the scoring defaults for unset requests. */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const total: Resources = { milliCPU: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c, nonZero);
    total.milliCPU += r.milliCPU;
    total.memory += r.memory;
  }
  // Init containers: restartable ones (sidecars) keep running, so they add to everything after them.
  const sidecars: Resources = { milliCPU: 0, memory: 0 };
  const initMax: Resources = { milliCPU: 0, memory: 0 };
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      sidecars.milliCPU += r.milliCPU;
      sidecars.memory += r.memory;
      initMax.milliCPU = Math.max(initMax.milliCPU, sidecars.milliCPU);
      initMax.memory = Math.max(initMax.memory, sidecars.memory);
    } else {
      initMax.milliCPU = Math.max(initMax.milliCPU, sidecars.milliCPU + r.milliCPU);
      initMax.memory = Math.max(initMax.memory, sidecars.memory + r.memory);
    }
  }
  total.milliCPU = Math.max(total.milliCPU + sidecars.milliCPU, initMax.milliCPU);
  total.memory = Math.max(total.memory + sidecars.memory, initMax.memory);
  const overhead = pod.spec?.overhead ?? {};
  total.milliCPU += milliCPU(overhead['cpu']);
  total.memory += quantityValue(overhead['memory']);
  return total;
}
