/**
 * @module kubelet/server/exec
 *
 * GET /exec/{namespace}/{pod}/{container}?command=..&command=..&stdin&stdout&stderr&tty as a
 * WebSocket speaking the channel protocol (remote-command.ts runs the session). The command runs
 * through the runtime's execStream; once its output ended and it exited, its exit status goes on
 * the error channel (Success, or NonZeroExitCode with the code). A client that goes away kills
 * the command.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log.js';
import { exitStatus } from './channel-protocol.js';
import { kubeletErrors } from './errors.js';
import type { KubeletPodLookup } from './lookup.js';
import { streamFlags, upgradeRemoteCommand } from './remote-command.js';

/** The container a streaming request (exec, attach) is about. */
export interface ContainerTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** Validates the request and upgrades it; throws a KubeletApiError (answered as a Status) first. */
export function upgradeExec(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: ContainerTarget,
  query: URLSearchParams,
  lookup: KubeletPodLookup,
  log: Logger,
): void {
  const command = query.getAll('command');
  if (command.length === 0) throw kubeletErrors.badRequest('you must specify at least one command for the container');
  const flags = streamFlags(query);
  // The container first: kubectl reports the error of its last attempt (the SPDY fallback).
  const handle = lookup.findContainer(target.namespace, target.pod, target.container, { previous: false });
  if (!handle) throw kubeletErrors.notFound(`container not found ("${target.container}")`);
  const start = () => {
    const exec = handle.runtime.execStream(handle.containerId, command);
    return {
      stdin: exec.stdin,
      stdout: exec.stdout,
      stderr: exec.stderr,
      result: async () => exitStatus(await exec.exited, command),
      abandon: () => exec.kill(),
    };
  };
  upgradeRemoteCommand(req, socket, head, 'exec', flags, start, 'error executing command in container', log);
}
