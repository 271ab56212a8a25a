/**
 * @module kubelet/runtime/process/layout
 *
 * Where the process runtime keeps a pod's files. One directory per pod, named by its uid, so a
 * node agent restarted on the same data dir finds everything again:
 *
 * ```
 * <dataDir>/pods/<uid>/                      the sandbox; a container's default working directory
 *   volumes/<volume>/                        one directory per volume, shared by the pod's containers
 *   rootfs/<container>/<mountPath> -> ../volumes/<volume>   what the container sees at its mounts
 *   logs/<container>/<restartCount>.log      CRI-format log (+ rotated <n>.log.<stamp> files)
 *   containers/<id>.json                     one small state record per container
 *   resolv.conf                              the pod's DNS configuration, when it has its own
 * ```
 */
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

export class SandboxLayout {
  constructor(readonly dataDir: string) {}

  get podsDir(): string {
    return join(this.dataDir, 'pods');
  }

  sandboxDir(podUid: string): string {
    return join(this.podsDir, safeSegment(podUid, 'pod uid'));
  }

  volumeDir(podUid: string, volume: string): string {
    return join(this.sandboxDir(podUid), 'volumes', safeSegment(volume, 'volume name'));
  }

  /** The container's view of the filesystem root: mountPaths are symlinks to volume dirs. */
  rootfsDir(podUid: string, container: string): string {
    return join(this.sandboxDir(podUid), 'rootfs', safeSegment(container, 'container name'));
  }

  logDir(podUid: string, container: string): string {
    return join(this.sandboxDir(podUid), 'logs', safeSegment(container, 'container name'));
  }

  logPath(podUid: string, container: string, restartCount: number): string {
    return join(this.logDir(podUid, container), `${restartCount}.log`);
  }

  /** Mounted at /etc/resolv.conf in netns mode; only informative in host mode. */
  resolvConfPath(podUid: string): string {
    return join(this.sandboxDir(podUid), 'resolv.conf');
  }

  containersDir(podUid: string): string {
    return join(this.sandboxDir(podUid), 'containers');
  }

  recordPath(podUid: string, id: string): string {
    return join(this.containersDir(podUid), `${safeSegment(id, 'container id')}.json`);
  }
}

/** Rejects names that would escape their directory (they come from API objects). */
function safeSegment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..' || value.includes('/') || value.includes('\0')) {
    throw new Error(`invalid ${what} ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * `root` joined with a path that must stay inside it (a volume item's path, a mountPath made
 * relative to a rootfs). Returns undefined when it would escape.
 */
export function joinInside(root: string, path: string): string | undefined {
  const rel = normalize(isAbsolute(path) ? `.${path}` : path);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) || rel.includes('\0')) return undefined;
  const full = join(root, rel);
  const back = relative(root, full);
  if (back.startsWith(`..${sep}`) || back === '..') return undefined;
  return full;
}
