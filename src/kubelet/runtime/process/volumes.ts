/**
 * @module kubelet/runtime/process/volumes
 *
 * Materialises a container's volume mounts as plain files: each volume is a directory of the
 * pod's sandbox (`volumes/<name>/`, shared by all its containers, kept across restarts, so an
 * emptyDir behaves like one), configMap/secret/downwardAPI items are written there with their
 * modes, and the container's rootfs gets a symlink at each mountPath pointing at the volume.
 *
 * Without a mount namespace a process cannot see a volume at its real mountPath (host mode): it
 * finds it under $TSKUBE_ROOTFS/<mountPath> instead. Running as root in a netns pod, the runtime
 * also bind-mounts each volume at the real mountPath in a private mount namespace (launch.ts).
 */
import { chmodSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { ContainerStartError, type ContainerConfig } from '../interface.js';
import { joinInside, type SandboxLayout } from './layout.js';

/** Upstream's defaultMode for configMap, secret and downwardAPI volumes. */
const DEFAULT_FILE_MODE = 0o644;

export interface MaterialisedMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  /** The volume's directory in the sandbox. */
  readonly hostPath: string;
}

export function materialiseVolumes(layout: SandboxLayout, podUid: string, config: ContainerConfig): MaterialisedMount[] {
  const rootfs = layout.rootfsDir(podUid, config.name);
  mkdirSync(rootfs, { recursive: true });
  const mounts: MaterialisedMount[] = [];
  for (const mount of config.mounts) {
    const hostPath = layout.volumeDir(podUid, mount.name);
    mkdirSync(hostPath, { recursive: true });
    for (const file of mount.files) {
      const target = joinInside(hostPath, file.path);
      if (!target || target === hostPath) {
        throw new ContainerStartError('CreateContainerConfigError', `volume "${mount.name}": invalid file path ${JSON.stringify(file.path)}`);
      }
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
      // chmod after writing: the mode given to writeFile is filtered by the umask.
      chmodSync(target, file.mode ?? DEFAULT_FILE_MODE);
    }
    const link = joinInside(rootfs, mount.mountPath);
    if (!link || link === rootfs || !mount.mountPath.startsWith('/')) {
      throw new ContainerStartError('CreateContainerConfigError', `volume "${mount.name}": mountPath ${JSON.stringify(mount.mountPath)} must be an absolute path`);
    }
    replaceWithSymlink(link, relative(dirname(link), hostPath));
    mounts.push({ name: mount.name, mountPath: mount.mountPath, readOnly: mount.readOnly ?? false, hostPath });
  }
  return mounts;
}

function replaceWithSymlink(link: string, target: string): void {
  mkdirSync(dirname(link), { recursive: true });
  try {
    lstatSync(link);
    rmSync(link, { recursive: true, force: true });
  } catch {
    // Nothing there yet.
  }
  symlinkSync(target, link);
}

/**
 * Where a path the container names (an absolute command, a working dir) is on this host in host
 * mode: inside a mount → inside the volume; anything else absolute stays as it is only if it
 * exists on the host, which is decided by the caller.
 */
export function hostPathOf(mounts: readonly MaterialisedMount[], containerPath: string): string | undefined {
  let best: MaterialisedMount | undefined;
  for (const m of mounts) {
    const base = m.mountPath.replace(/\/+$/, '') || '/';
    if (containerPath === base || containerPath.startsWith(base === '/' ? '/' : `${base}/`)) {
      if (!best || base.length > best.mountPath.replace(/\/+$/, '').length) best = m;
    }
  }
  if (!best) return undefined;
  const base = best.mountPath.replace(/\/+$/, '');
  return joinInside(best.hostPath, containerPath.slice(base.length));
}
