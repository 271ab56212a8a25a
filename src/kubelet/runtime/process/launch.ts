/**
 * @module kubelet/runtime/process/launch
 *
 * Turns a resolved container into the argv, environment and working directory of a process.
 *
 * Every container process runs under `setpriv --pdeathsig KILL`: the kernel SIGKILLs it when the
 * node agent dies, however it dies (pdeathsig follows the process across exec, as long as nothing
 * in the chain is set-uid). It is the leader of its own process group (spawned detached), so a
 * stop signals everything it started. Processes that it forks do not inherit pdeathsig: if the
 * agent is SIGKILLed, those survive until the agent's next start on the same data dir kills what
 * is left of the group (see recovery in runtime.ts).
 *
 * Two modes:
 *  - host (no sandbox.netns): the process runs on the host's network and filesystem. It cannot
 *    see volumes at their mountPath; an absolute command or workingDir under a mountPath is
 *    rewritten to the volume's directory, and $TSKUBE_ROOTFS/<mountPath> reaches every mount.
 *    readOnly mounts are not enforced.
 *  - netns (sandbox.netns set, node agent running as root): `ip netns exec <netns> unshare
 *    --mount` and a small sh prologue bind-mounts each volume at its real mountPath (creating the
 *    directory on the host if missing) and the pod's resolv.conf (if it has one) at
 *    /etc/resolv.conf, remounts readOnly ones read-only, cds to workingDir, and execs the
 *    command: one pid from setpriv to the container's program.
 */
import { accessSync, constants as fsConstants, existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ContainerStartError, type ContainerConfig, type PodSandboxConfig } from '../interface.js';
import { BUILTIN_IMAGE_NAMES, resolveBuiltinImage } from '../images.js';
import type { SandboxLayout } from './layout.js';
import { hostPathOf, type MaterialisedMount } from './volumes.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface LaunchPlan {
  /** What to spawn: argv[0] is looked up in the agent's PATH. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The spawn's working directory on the host. */
  readonly cwd: string;
  /** netns mode: exec enters the container's namespaces with nsenter. */
  readonly namespaced: boolean;
}

export interface LaunchInput {
  readonly layout: SandboxLayout;
  readonly sandbox: PodSandboxConfig;
  readonly config: ContainerConfig;
  readonly mounts: readonly MaterialisedMount[];
  /** process.getuid() === 0; a netns pod needs it. */
  readonly isRoot: boolean;
}

/** Upstream's message for an image without a runnable entrypoint here. */
export function cannotRunImageMessage(image: string): string {
  return `tskube cannot run image "${image}": it is not a built-in image (${BUILTIN_IMAGE_NAMES.join(', ')}) and the container has no command or args`;
}

export function planLaunch(input: LaunchInput): LaunchPlan {
  const { layout, sandbox, config, mounts } = input;
  const builtin = resolveBuiltinImage(config.image);
  let program: string[];
  if (config.command.length > 0) program = [...config.command, ...config.args];
  else if (builtin) program = [...builtin.entrypoint, ...config.args];
  // Any other image is taken to be a base image without an ENTRYPOINT (busybox, alpine, debian…):
  // its args are the program, as `kubectl run -it debug --image=busybox -- sh` expects.
  else if (config.args.length > 0) program = [...config.args];
  else throw new ContainerStartError('ErrImagePull', cannotRunImageMessage(config.image));

  const sandboxDir = layout.sandboxDir(sandbox.uid);
  const rootfs = layout.rootfsDir(sandbox.uid, config.name);
  const env = containerEnv(input, sandboxDir, rootfs, builtin !== undefined && config.command.length === 0);

  if (sandbox.netns) {
    if (!input.isRoot) {
      throw new ContainerStartError('RunContainerError', `pod network namespace "${sandbox.netns}" needs the node agent to run as root`);
    }
    const workingDir = config.workingDir || sandboxDir;
    findExecutable(program[0]!, env.PATH ?? DEFAULT_PATH, workingDir, (p) => hostPathOf(mounts, p) ?? p);
    const mountArgs = mounts.flatMap((m) => [m.hostPath, m.mountPath, m.readOnly ? 'ro' : 'rw']);
    // The pod's own resolv.conf over the node's, as upstream runtimes mount it (read-write).
    if (sandbox.dnsConfig) mountArgs.push(layout.resolvConfPath(sandbox.uid), '/etc/resolv.conf', 'rw');
    return {
      argv: [
        'setpriv', '--pdeathsig', 'KILL', '--',
        'ip', 'netns', 'exec', sandbox.netns,
        'unshare', '--mount', '--propagation', 'private', '--',
        'sh', '-c', MOUNT_PROLOGUE, 'tskube-mounts', ...mountArgs, '--', workingDir,
        ...program,
      ],
      env,
      cwd: sandboxDir,
      namespaced: true,
    };
  }

  // Host mode: paths the container names are found through its mounts or its rootfs.
  const cwd = config.workingDir ? hostPathOf(mounts, config.workingDir) ?? join(rootfs, config.workingDir) : sandboxDir;
  mkdirSync(cwd, { recursive: true });
  const toHost = (p: string) => hostPathOf(mounts, p) ?? p;
  const resolved = findExecutable(program[0]!, env.PATH ?? DEFAULT_PATH, config.workingDir || sandboxDir, toHost);
  // A bare name found in the host's PATH stays as typed (it reads better in ps).
  const first = resolved ?? program[0]!;
  return {
    argv: ['setpriv', '--pdeathsig', 'KILL', '--', first, ...program.slice(1)],
    env,
    cwd,
    namespaced: false,
  };
}

/** Argv that runs `command` inside a running container (exec probes, hooks, kubectl exec). */
export function planExec(plan: LaunchPlan, pid: number, command: readonly string[]): readonly string[] {
  if (plan.namespaced) {
    return ['setpriv', '--pdeathsig', 'KILL', '--', 'nsenter', '--target', String(pid), '--mount', '--net', '--wd', '--', ...command];
  }
  return ['setpriv', '--pdeathsig', 'KILL', '--', ...command];
}

/**
 * $1 $2 $3 = volume dir (or a single file), mountPath, ro|rw, repeated until "--"; then the
 * working dir; then the command. Arguments are never interpolated into the script, so no path
 * needs quoting. A file is bind-mounted onto a file (created empty if missing).
 */
const MOUNT_PROLOGUE = [
  'set -e',
  'while [ "$1" != "--" ]; do',
  '  if [ -d "$1" ]; then mkdir -p "$2"; elif [ ! -e "$2" ]; then : > "$2"; fi',
  '  mount --bind "$1" "$2"',
  '  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2"; fi',
  '  shift 3',
  'done',
  'shift',
  'mkdir -p "$1"',
  'cd "$1"',
  'shift',
  'exec "$@"',
].join('\n');

function containerEnv(input: LaunchInput, sandboxDir: string, rootfs: string, builtinEntrypoint: boolean): Record<string, string> {
  const { sandbox, config } = input;
  const env: Record<string, string> = {
    PATH: process.env.PATH || DEFAULT_PATH,
    HOME: process.env.HOME || '/root',
    HOSTNAME: sandbox.hostname,
    TSKUBE_POD_NAME: sandbox.name,
    TSKUBE_POD_NAMESPACE: sandbox.namespace,
    TSKUBE_POD_UID: sandbox.uid,
    TSKUBE_NODE_NAME: sandbox.nodeName,
    TSKUBE_ZONE: sandbox.zone,
    TSKUBE_POD_IP: sandbox.podIP,
    TSKUBE_SANDBOX: sandboxDir,
    TSKUBE_ROOTFS: rootfs,
  };
  // A built-in image is a Node program started with this process's flags; flags given through
  // NODE_OPTIONS (e.g. a tsx loader) must reach it too.
  if (builtinEntrypoint && process.env.NODE_OPTIONS) env.NODE_OPTIONS = process.env.NODE_OPTIONS;
  return { ...env, ...config.env };
}

/**
 * Checks that the container's first word names an executable, as a container runtime would
 * before starting it; returns its host path when it differs from the word. `toHost` maps a
 * container path to the host (through the mounts).
 */
function findExecutable(word: string, path: string, workingDir: string, toHost: (p: string) => string): string | undefined {
  if (word.includes('/')) {
    const containerPath = isAbsolute(word) ? word : join(workingDir, word);
    const hostPath = toHost(containerPath);
    if (!existsSync(hostPath)) {
      throw new ContainerStartError('RunContainerError', `exec: "${word}": stat ${containerPath}: no such file or directory`);
    }
    if (!isExecutable(hostPath)) throw new ContainerStartError('RunContainerError', `exec: "${word}": permission denied`);
    return hostPath;
  }
  for (const dir of path.split(':')) {
    if (!dir) continue;
    const containerPath = join(dir, word);
    const hostPath = toHost(containerPath);
    if (isExecutable(hostPath)) return hostPath === containerPath ? undefined : hostPath;
  }
  throw new ContainerStartError('RunContainerError', `exec: "${word}": executable file not found in $PATH`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
