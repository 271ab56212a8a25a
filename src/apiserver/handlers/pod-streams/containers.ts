/**
 * @module apiserver/handlers/pod-streams/containers
 *
 * Which container a log, exec or attach request is about, with upstream's messages:
 * the only container when the pod has one, else the one named (regular, init or ephemeral);
 * and, for logs, whether that container has anything to show yet (upstream's kubelet judges
 * this from the same pod status before reading a log file).
 */
import { apiErrors } from '../../../api/errors.js';
import { isPlainObject, type StoredObject } from '../../../api/object.js';

type Obj = Record<string, unknown>;

const names = (list: unknown): string[] =>
  Array.isArray(list) ? list.filter(isPlainObject).map((c) => String(c.name ?? '')).filter((n) => n !== '') : [];

/** Go's %v of a []string: [a b]. */
const goList = (items: readonly string[]) => `[${items.join(' ')}]`;

export function selectContainer(pod: StoredObject, requested: string | null): string {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const name = pod.metadata.name ?? '';
  const containers = names(spec.containers);
  const init = names(spec.initContainers);
  const ephemeral = names(spec.ephemeralContainers);
  if (!requested) {
    if (containers.length === 1) return containers[0]!;
    if (containers.length === 0) throw apiErrors.badRequest(`pod ${name} does not have a container`);
    let message = `a container name must be specified for pod ${name}, choose one of: ${goList(containers)}`;
    if (init.length > 0) message += ` or one of the init containers: ${goList(init)}`;
    if (ephemeral.length > 0) message += ` or one of the ephemeral containers: ${goList(ephemeral)}`;
    throw apiErrors.badRequest(message);
  }
  if (![...containers, ...init, ...ephemeral].includes(requested)) {
    throw apiErrors.badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

/**
 * Throws upstream's 400 when the container has no log to read: never started, waiting, or no
 * previous instance when `previous` was asked for.
 */
export function checkLogAvailable(pod: StoredObject, container: string, previous: boolean): void {
  const name = pod.metadata.name ?? '';
  const status = isPlainObject(pod.status) ? pod.status : {};
  const all = [status.containerStatuses, status.initContainerStatuses, status.ephemeralContainerStatuses]
    .flatMap((list) => (Array.isArray(list) ? list.filter(isPlainObject) : []));
  const found = all.find((s) => s.name === container);
  const state: Obj = found && isPlainObject(found.state) ? found.state : {};
  const last: Obj = found && isPlainObject(found.lastState) ? found.lastState : {};
  const lastTerminated = isPlainObject(last.terminated) ? last.terminated : undefined;
  if (previous) {
    if (!lastTerminated || !lastTerminated.containerID) {
      throw apiErrors.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    }
    return;
  }
  if (isPlainObject(state.running)) return;
  if (isPlainObject(state.terminated)) {
    if (state.terminated.containerID || lastTerminated?.containerID) return;
    throw apiErrors.badRequest(`container "${container}" in pod "${name}" is terminated`);
  }
  if (lastTerminated) {
    if (lastTerminated.containerID) return;
    throw apiErrors.badRequest(`container "${container}" in pod "${name}" is terminated`);
  }
  if (isPlainObject(state.waiting)) {
    const reason = String(state.waiting.reason ?? '');
    if (reason === 'ErrImagePull') throw apiErrors.badRequest(`container "${container}" in pod "${name}" is waiting to start: image can't be pulled`);
    if (reason === 'ImagePullBackOff') {
      throw apiErrors.badRequest(`container "${container}" in pod "${name}" is waiting to start: trying and failing to pull image`);
    }
    throw apiErrors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
  // No status yet: the kubelet has not reported on it (upstream's "unrecognized state").
  throw apiErrors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
}
