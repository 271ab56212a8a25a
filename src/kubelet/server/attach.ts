/**
 * @module kubelet/server/attach
 *
 * GET /attach/{namespace}/{pod}/{container}?stdin&stdout&stderr&tty as a WebSocket speaking the
 * channel protocol (remote-command.ts runs the session, as for exec). The session is the
 * runtime's attach: the container's output from now on, and its stdin if the container has one
 * (stdinOnce semantics live in the runtime). When the container exits, or the client's stdin
 * ends on a container without stdinOnce, the output ends and the error channel says Success —
 * as upstream's kubelet does whatever the exit code: `kubectl run` reads the container's exit
 * code from the pod's status afterwards. A client that goes away detaches; the container runs on.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log.js';
import { successStatus } from './channel-protocol.js';
import { kubeletErrors } from './errors.js';
import type { ContainerTarget } from './exec.js';
import type { KubeletPodLookup } from './lookup.js';
import { streamFlags, upgradeRemoteCommand } from './remote-command.js';

/** Validates the request and upgrades it; throws a KubeletApiError (answered as a Status) first. */
export function upgradeAttach(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: ContainerTarget,
  query: URLSearchParams,
  lookup: KubeletPodLookup,
  log: Logger,
): void {
  const flags = streamFlags(query);
  const handle = lookup.findContainer(target.namespace, target.pod, target.container, { previous: false });
  if (!handle) throw kubeletErrors.notFound(`container not found ("${target.container}")`);
  const start = () => {
    const attached = handle.runtime.attach(handle.containerId, { stdin: flags.stdin });
    return {
      ...(attached.stdin && { stdin: attached.stdin }),
      stdout: attached.stdout,
      stderr: attached.stderr,
      result: () => Promise.resolve(successStatus()),
      abandon: () => attached.detach(),
    };
  };
  upgradeRemoteCommand(req, socket, head, 'attach', flags, start, 'error attaching to container', log);
}
