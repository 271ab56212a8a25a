/**
 * @module kubelet/server/channel-protocol
 *
 * Kubernetes' remote-command channel protocol over WebSocket (v4/v5.channel.k8s.io): every
 * binary message starts with one byte naming its channel. 0 stdin, 1 stdout, 2 stderr,
 * 3 error (one metav1.Status JSON when the command ends: Success, or NonZeroExitCode with the
 * exit code as an ExitCode cause), 4 resize ({"Width","Height"} JSON; TTY only). v5 adds 255:
 * [255, channel] half-closes a channel (the client's stdin EOF).
 */

export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Error: 3, Resize: 4, Close: 255 } as const;

export const V5_CHANNEL_PROTOCOL = 'v5.channel.k8s.io';
export const V4_CHANNEL_PROTOCOL = 'v4.channel.k8s.io';
/** What exec and attach accept, most preferred first (kubectl 1.32 offers v5 then v4). */
export const EXEC_SUBPROTOCOLS = [V5_CHANNEL_PROTOCOL, V4_CHANNEL_PROTOCOL] as const;

/** Port-forward over WebSocket: SPDY/3.1 frames carried as the binary messages' bytes. */
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/** The SPDY upgrade kubectl falls back to: `Upgrade: SPDY/3.1` with this X-Stream-Protocol-Version. */
export const PORT_FORWARD_SPDY_PROTOCOL = 'portforward.k8s.io';

export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** The error channel's final Status for a session that ended well (attach always ends so). */
export function successStatus(): string {
  return JSON.stringify({ metadata: {}, status: 'Success' });
}

/** The error channel's final Status for an exit code, as upstream's remote-command server writes it. */
export function exitStatus(exitCode: number, command: readonly string[]): string {
  if (exitCode === 0) return successStatus();
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  });
}

/** The error channel's Status when the command could not run at all. */
export function failureStatus(message: string): string {
  return JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 });
}
