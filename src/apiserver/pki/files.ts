/**
 * @module apiserver/pki/files
 *
 * Crash-safe file writes for keys, certificates and kubeconfigs. A reader (the next start, kubectl)
 * must see either the old file or the new one, never a torn one, so every write goes to a temp file
 * in the same directory, is fsynced, and is renamed over the target; the directory is fsynced so the
 * rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Permissions for private keys and files that embed them (kubeconfigs). */
export const PRIVATE_FILE_MODE = 0o600;
/** Permissions for certificates: public, but only the owner may replace them. */
export const PUBLIC_FILE_MODE = 0o644;

export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const dir = dirname(path);
  // Dot-prefixed and pid-tagged, so a leftover from a crash is recognisable and never collides.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // 'wx' + mode: the file is created with its final permissions, so a key is never briefly
    // world-readable, and an unexpected existing temp file is an error rather than reused.
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/** Returns the file's text, or undefined when it does not exist. Other errors propagate. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isErrnoException(err) && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there,
    // only its durability across a power cut is weaker.
  } finally {
    await handle?.close();
  }
}

function isErrnoException(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && 'code' in err;
}
